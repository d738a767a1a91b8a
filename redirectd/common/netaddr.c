/* netaddr: addresses, prefixes, the client behind our proxies.  See
 * netaddr.h for the contracts. */
#include "netaddr.h"

#include <stdio.h>
#include <string.h>

/* Longest valid text: "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255".
 * Anything longer is refused before parsing. */
#define TEXT_MAX 45

static const uint8_t v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;   /* ASCII lower case; maps no non-letter onto a..f */
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int is_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* Dotted quad in s[0..len), all of it.  A leading zero is refused because
 * inet_aton() and many tools read "010" as octal 8: the same text would
 * name different hosts here and there. */
static int parse_v4(const char *s, size_t len, uint8_t b[4])
{
	size_t i = 0;
	for (int k = 0; k < 4; k++) {
		if (k) {
			if (i >= len || s[i] != '.')
				return -1;
			i++;
		}
		if (i >= len || !is_digit((unsigned char)s[i]))
			return -1;
		unsigned v = (unsigned)(s[i++] - '0');
		if (v != 0) {
			for (int d = 1; d < 3 && i < len &&
			     is_digit((unsigned char)s[i]); d++)
				v = v * 10 + (unsigned)(s[i++] - '0');
			if (v > 255)
				return -1;
		}
		/* A digit here is a fourth digit, or one after a "0". */
		if (i < len && is_digit((unsigned char)s[i]))
			return -1;
		b[k] = (uint8_t)v;
	}
	return i == len ? 0 : -1;
}

/* RFC 4291 section 2.2 text in s[0..len), all of it. */
static int parse_v6(const char *s, size_t len, uint8_t b[16])
{
	uint16_t g[8];
	int n = 0, gap = -1;   /* groups seen; group index where "::" stands */
	size_t i = 0;

	if (len < 2)
		return -1;
	if (s[0] == ':') {
		if (s[1] != ':')
			return -1;
		gap = 0;
		i = 2;
	}
	while (i < len) {
		size_t start = i;
		unsigned v = 0;
		int digits = 0;
		int h;
		while (i < len && digits < 5 &&
		       (h = hex_value((unsigned char)s[i])) >= 0) {
			v = v << 4 | (unsigned)h;
			i++;
			digits++;
		}
		if (digits == 0)
			return -1;
		if (i < len && s[i] == '.') {
			/* Embedded IPv4: the last 32 bits, so it must end
			 * the text and leave room for itself. */
			uint8_t q[4];
			if (n > 6 || parse_v4(s + start, len - start, q) < 0)
				return -1;
			g[n++] = (uint16_t)(q[0] << 8 | q[1]);
			g[n++] = (uint16_t)(q[2] << 8 | q[3]);
			break;
		}
		if (digits > 4 || n == 8)
			return -1;
		g[n++] = (uint16_t)v;
		if (i == len)
			break;
		if (s[i] != ':')
			return -1;   /* includes '%' of a zone id */
		i++;
		if (i < len && s[i] == ':') {
			if (gap >= 0)
				return -1;
			gap = n;
			i++;
		} else if (i == len) {
			return -1;   /* "1:" */
		}
	}
	/* "::" stands for one or more zero groups (RFC 4291), so with it at
	 * most 7 are written; without it exactly 8. */
	if (gap < 0 ? n != 8 : n > 7)
		return -1;

	/* The groups after the gap move right by the zero groups it
	 * stands for (none without one). */
	int zeros = 8 - n;
	memset(b, 0, 16);
	for (int k = 0; k < n; k++) {
		int at = 2 * (gap >= 0 && k >= gap ? k + zeros : k);
		b[at] = (uint8_t)(g[k] >> 8);
		b[at + 1] = (uint8_t)g[k];
	}
	return 0;
}

static void set_from16(struct netaddr *out, const uint8_t b[16])
{
	if (memcmp(b, v4mapped_prefix, 12) == 0) {
		out->len = 4;
		memcpy(out->b, b + 12, 4);
		memset(out->b + 4, 0, 12);
	} else {
		out->len = 16;
		memcpy(out->b, b, 16);
	}
}

int netaddr_parse(const char *s, size_t len, struct netaddr *out)
{
	if (len == 0 || len > TEXT_MAX)
		return -1;
	if (!memchr(s, ':', len)) {
		if (parse_v4(s, len, out->b) < 0)
			return -1;
		out->len = 4;
		memset(out->b + 4, 0, 12);
		return 0;
	}
	uint8_t b[16];
	if (parse_v6(s, len, b) < 0)
		return -1;
	set_from16(out, b);
	return 0;
}

int netaddr_parse_bracketed(const char *s, size_t len, struct netaddr *out)
{
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		/* Brackets exist to set IPv6 colons apart from a port. */
		if (!memchr(s + 1, ':', len - 2))
			return -1;
		return netaddr_parse(s + 1, len - 2, out);
	}
	return netaddr_parse(s, len, out);
}

int netaddr_from_bytes(struct netaddr *out, const void *bytes, size_t len)
{
	if (len == 4) {
		out->len = 4;
		memcpy(out->b, bytes, 4);
		memset(out->b + 4, 0, 12);
		return 0;
	}
	if (len == 16) {
		set_from16(out, bytes);
		return 0;
	}
	return -1;
}

int netaddr_equal(const struct netaddr *a, const struct netaddr *b)
{
	return a->len == b->len && (a->len == 4 || a->len == 16) &&
	       memcmp(a->b, b->b, a->len) == 0;
}

static size_t put_dec(char *p, unsigned v)
{
	size_t n = 0;
	if (v >= 100)
		p[n++] = (char)('0' + v / 100);
	if (v >= 10)
		p[n++] = (char)('0' + v / 10 % 10);
	p[n++] = (char)('0' + v % 10);
	return n;
}

int netaddr_format(const struct netaddr *a, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	char buf[NETADDR_STRLEN];
	size_t n = 0;

	if (a->len == 4) {
		for (int k = 0; k < 4; k++) {
			if (k)
				buf[n++] = '.';
			n += put_dec(buf + n, a->b[k]);
		}
	} else if (a->len == 16) {
		unsigned g[8];
		int best = -1, best_len = 1, run = 0;
		for (int k = 0; k < 8; k++)
			g[k] = (unsigned)a->b[2 * k] << 8 | a->b[2 * k + 1];
		/* RFC 5952 4.2: the longest run of zero groups, at least two
		 * (a lone zero group stays "0"), the first one on a tie. */
		for (int k = 0; k < 8; k++) {
			run = g[k] == 0 ? run + 1 : 0;
			if (run > best_len) {
				best_len = run;
				best = k - run + 1;
			}
		}
		for (int k = 0; k < 8; k++) {
			if (k == best) {
				buf[n++] = ':';
				buf[n++] = ':';
				k += best_len - 1;
				continue;
			}
			if (k && k != best + best_len)
				buf[n++] = ':';
			int shift = 12;
			while (shift > 0 && (g[k] >> shift) == 0)
				shift -= 4;
			for (; shift >= 0; shift -= 4)
				buf[n++] = hex[g[k] >> shift & 0xf];
		}
	} else {
		return -1;
	}
	if (n + 1 > cap)
		return -1;
	memcpy(out, buf, n);
	out[n] = '\0';
	return (int)n;
}

/* Prefix length: decimal, no sign, no leading zero, at most max. */
static int parse_bits(const char *s, size_t len, unsigned max, unsigned *bits)
{
	if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
		return -1;
	unsigned v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*bits = v;
	return 0;
}

/* 1 if a and net agree on the first `bits` bits (same family assumed). */
static int prefix_match(const uint8_t *a, const uint8_t *net, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	if (memcmp(a, net, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	uint8_t mask = (uint8_t)(0xff00u >> rest);
	return ((a[whole] ^ net[whole]) & mask) == 0;
}

/* 1 if any bit beyond the first `bits` of a is set. */
static int host_bits_set(const struct netaddr *a, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	if (rest) {
		if (a->b[whole] & (0xffu >> rest))
			return 1;
		whole++;
	}
	for (unsigned i = whole; i < a->len; i++)
		if (a->b[i])
			return 1;
	return 0;
}

enum cidr_error {
	CIDR_OK = 0,
	CIDR_BAD_ADDRESS,
	CIDR_BAD_BITS,
	CIDR_HOST_BITS,
};

static enum cidr_error cidr_parse_why(const char *s, size_t len,
                                      struct cidr *out)
{
	const char *slash = memchr(s, '/', len);
	size_t alen = slash ? (size_t)(slash - s) : len;
	if (netaddr_parse(s, alen, &out->net) < 0)
		return CIDR_BAD_ADDRESS;
	/* The family max is that of the text: a mapped address was written
	 * as IPv6 and its prefix counts IPv6 bits. */
	int written_v6 = memchr(s, ':', alen) != NULL;
	unsigned max = written_v6 ? 128 : 32, bits = max;
	if (slash && parse_bits(slash + 1, len - alen - 1, max, &bits) < 0)
		return CIDR_BAD_BITS;
	if (written_v6 && out->net.len == 4) {
		/* ::ffff:a.b.c.d/N: below /96 the prefix would cover the
		 * 0xffff marker itself, i.e. host bits set. */
		if (bits < 96)
			return CIDR_HOST_BITS;
		bits -= 96;
	}
	/*
	 * Host bits set ("10.0.0.1/8") are refused rather than masked away.
	 * The text is either a typo in the prefix length or a host written
	 * with the wrong suffix; masking would silently trust a whole /8
	 * when someone meant one proxy, and a trusted prefix decides whose
	 * X-Forwarded-For we believe.  Better the config check says so.
	 */
	if (host_bits_set(&out->net, bits))
		return CIDR_HOST_BITS;
	out->bits = (uint8_t)bits;
	return CIDR_OK;
}

int cidr_parse(const char *s, size_t len, struct cidr *out)
{
	return cidr_parse_why(s, len, out) == CIDR_OK ? 0 : -1;
}

int cidr_contains(const struct cidr *c, const struct netaddr *a)
{
	return a->len == c->net.len && (a->len == 4 || a->len == 16) &&
	       prefix_match(a->b, c->net.b, c->bits);
}

int cidr_list_parse(const char *s, struct cidr *v, unsigned max, unsigned *n,
                    char *err, size_t errlen)
{
	static const char *const why[] = {
		[CIDR_BAD_ADDRESS] = "not an IP address",
		[CIDR_BAD_BITS] = "bad prefix length",
		[CIDR_HOST_BITS] = "host bits set beyond the prefix length",
	};
	size_t len = strlen(s), i = 0;
	unsigned item = 0;

	*n = 0;
	if (errlen)
		err[0] = '\0';
	while (i < len && is_ows((unsigned char)s[i]))
		i++;
	if (i == len)
		return 0;   /* empty list */
	for (;;) {
		const char *comma = memchr(s + i, ',', len - i);
		size_t end = comma ? (size_t)(comma - s) : len;
		size_t a = i, b = end;
		item++;
		while (a < b && is_ows((unsigned char)s[a]))
			a++;
		while (b > a && is_ows((unsigned char)s[b - 1]))
			b--;
		if (a == b) {
			snprintf(err, errlen, "item %u: empty", item);
			return -1;
		}
		if (*n == max) {
			snprintf(err, errlen, "more than %u prefixes", max);
			return -1;
		}
		enum cidr_error e = cidr_parse_why(s + a, b - a, &v[*n]);
		if (e != CIDR_OK) {
			int show = b - a > 60 ? 60 : (int)(b - a);
			snprintf(err, errlen, "item %u '%.*s%s': %s", item, show,
			         s + a, b - a > 60 ? "..." : "", why[e]);
			return -1;
		}
		(*n)++;
		if (!comma)
			return 0;
		i = end + 1;
	}
}

int cidr_list_contains(const struct cidr_list *l, const struct netaddr *a)
{
	if (!l)
		return 0;
	for (unsigned i = 0; i < l->n; i++)
		if (cidr_contains(&l->v[i], a))
			return 1;
	return 0;
}

/* Ranges without a country.  Sources: the IANA IPv4 and IPv6 Special-Purpose
 * Address Registries (RFC 6890 and successors), plus multicast. */
static const struct { uint32_t net; uint8_t bits; } special4[] = {
	{ 0x00000000, 8 },    /* 0.0.0.0/8 "this network", unspecified */
	{ 0x0a000000, 8 },    /* 10.0.0.0/8 private */
	{ 0x64400000, 10 },   /* 100.64.0.0/10 CGNAT */
	{ 0x7f000000, 8 },    /* 127.0.0.0/8 loopback */
	{ 0xa9fe0000, 16 },   /* 169.254.0.0/16 link-local */
	{ 0xac100000, 12 },   /* 172.16.0.0/12 private */
	{ 0xc0000000, 24 },   /* 192.0.0.0/24 IETF protocol assignments */
	{ 0xc0000200, 24 },   /* 192.0.2.0/24 documentation (TEST-NET-1) */
	{ 0xc0a80000, 16 },   /* 192.168.0.0/16 private */
	{ 0xc6120000, 15 },   /* 198.18.0.0/15 benchmarking */
	{ 0xc6336400, 24 },   /* 198.51.100.0/24 documentation (TEST-NET-2) */
	{ 0xcb007100, 24 },   /* 203.0.113.0/24 documentation (TEST-NET-3) */
	{ 0xe0000000, 4 },    /* 224.0.0.0/4 multicast */
	{ 0xf0000000, 4 },    /* 240.0.0.0/4 reserved, incl. broadcast */
};

static const struct { uint8_t net[16]; uint8_t bits; } special6[] = {
	{ { 0 }, 128 },                                   /* :: unspecified */
	{ { [15] = 1 }, 128 },                            /* ::1 loopback */
	{ { 0x01, 0x00 }, 64 },                           /* 100::/64 discard */
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32 },               /* 2001:db8::/32 doc */
	{ { 0x3f, 0xff }, 20 },                           /* 3fff::/20 doc */
	{ { 0xfc }, 7 },                                  /* fc00::/7 unique-local */
	{ { 0xfe, 0x80 }, 10 },                           /* fe80::/10 link-local */
	{ { 0xfe, 0xc0 }, 10 },                           /* fec0::/10 site-local */
	{ { 0xff }, 8 },                                  /* ff00::/8 multicast */
};

int netaddr_is_special(const struct netaddr *a)
{
	if (a->len == 4) {
		uint32_t x = (uint32_t)a->b[0] << 24 | (uint32_t)a->b[1] << 16 |
		             (uint32_t)a->b[2] << 8 | a->b[3];
		for (size_t i = 0; i < sizeof special4 / sizeof special4[0]; i++) {
			uint32_t mask = ~(uint32_t)0 << (32 - special4[i].bits);
			if ((x & mask) == special4[i].net)
				return 1;
		}
		return 0;
	}
	if (a->len == 16) {
		for (size_t i = 0; i < sizeof special6 / sizeof special6[0]; i++)
			if (prefix_match(a->b, special6[i].net, special6[i].bits))
				return 1;
		return 0;
	}
	return 0;
}

unsigned netaddr_truncate(struct netaddr *a)
{
	/* /24 and /48: the usual "anonymised" prefixes (one IPv4 subnet, one
	 * IPv6 site), coarse enough not to single out a household. */
	if (a->len == 4) {
		a->b[3] = 0;
		return 24;
	}
	if (a->len == 16) {
		memset(a->b + 6, 0, 10);
		return 48;
	}
	return 0;
}

/* One X-Real-IP value or X-Forwarded-For entry, spaces already trimmed:
 * an address, "[v6]", "[v6]:port" or "v4:port".  Ports are dropped: some
 * load balancers (Azure Application Gateway, IIS ARR) append "ip:port",
 * and the port says nothing about who the client is.  Only the forms that
 * cannot be misread are taken: an unbracketed IPv6 address keeps all its
 * groups ("2001:db8::1:443" is an address, not ::1 port 443). */
static int parse_entry(const char *s, size_t len, struct netaddr *out)
{
	size_t alen = len;
	if (len && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (!close)
			return -1;
		alen = (size_t)(close - s) + 1;
	} else {
		const char *colon = memchr(s, ':', len);
		if (colon && !memchr(colon + 1, ':', len - (size_t)(colon - s) - 1))
			alen = (size_t)(colon - s);   /* exactly one ':' */
	}
	if (alen < len) {
		/* ":port": 1-5 digits, at most 65535. */
		size_t plen = len - alen - 1;
		unsigned port = 0;
		if (s[alen] != ':' || plen == 0 || plen > 5)
			return -1;
		for (size_t i = alen + 1; i < len; i++) {
			if (!is_digit((unsigned char)s[i]))
				return -1;
			port = port * 10 + (unsigned)(s[i] - '0');
		}
		if (port > 65535)
			return -1;
	}
	if (s[0] == '[')
		return netaddr_parse_bracketed(s, alen, out);
	return netaddr_parse(s, alen, out);
}

static void trim(const char **s, size_t *len)
{
	const char *p = *s;
	size_t n = *len;
	while (n && is_ows((unsigned char)p[0]))
		p++, n--;
	while (n && is_ows((unsigned char)p[n - 1]))
		n--;
	*s = p;
	*len = n;
}

enum clientip_source clientip_pick(const struct cidr_list *trusted,
                                   enum clientip_header use,
                                   const struct netaddr *peer,
                                   const char *real_ip, size_t real_ip_len,
                                   const char *xff, size_t xff_len,
                                   struct netaddr *out)
{
	struct netaddr p = *peer;
	if (p.len == 16)
		set_from16(&p, peer->b);   /* a dual-stack socket's v4 peer */
	*out = p;

	if (!cidr_list_contains(trusted, &p) || (!real_ip && !xff))
		return CLIENTIP_PEER;

	if (use == CLIENTIP_HDR_REAL_IP) {
		if (!real_ip || real_ip_len > CLIENTIP_HEADER_MAX)
			return CLIENTIP_MALFORMED;
		trim(&real_ip, &real_ip_len);
		struct netaddr a;
		if (real_ip_len == 0 || parse_entry(real_ip, real_ip_len, &a) < 0)
			return CLIENTIP_MALFORMED;
		*out = a;
		return CLIENTIP_REAL_IP;
	}

	if (!xff)
		return CLIENTIP_MALFORMED;
	/* Right to left, one entry at a time: each step either returns or
	 * moves left past a comma, so the walk ends within xff_len bytes. */
	size_t end = xff_len;
	for (;;) {
		size_t start = end;
		while (start > 0 && xff[start - 1] != ',')
			start--;
		const char *e = xff + start;
		size_t elen = end - start;
		trim(&e, &elen);
		struct netaddr a;
		if (elen == 0 || parse_entry(e, elen, &a) < 0)
			return CLIENTIP_MALFORMED;
		/* Trusted entries are our own proxies' hops; the leftmost
		 * entry is taken even if trusted (a request from inside). */
		if (start == 0 || !cidr_list_contains(trusted, &a)) {
			*out = a;
			return CLIENTIP_FORWARDED;
		}
		end = start - 1;
	}
}
