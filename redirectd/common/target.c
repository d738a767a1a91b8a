/* target: URL rules for link targets.  See target.h for the rules and why. */
#include "target.h"
#include "utf8.h"

#include <string.h>
#include <strings.h>

/* Public shorteners a target may not point at (see target.h). */
static const char *const shorteners[] = {
	"bit.ly", "bitly.com", "t.co", "tinyurl.com", "goo.gl", "ow.ly",
	"is.gd", "buff.ly", "rebrand.ly", "lnkd.in", "cutt.ly", "shorturl.at",
	"rb.gy", "tiny.cc", "bl.ink", "t.ly", "v.gd", "s.id", "short.io",
	"shorte.st", "adf.ly", "tr.im", "x.co", "qr.net", "1url.com",
	"tiny.one", "surl.li", "lnk.to", "dub.sh", "trib.al", "fb.me",
	"youtu.be", "amzn.to",
};

/* RFC 3986 characters allowed as-is in path, query and fragment, besides
 * '%' (checked separately): unreserved, sub-delims, ':' '@' '/' '?' '#'. */
static const unsigned char path_ok[256] = {
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
	['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1,
	['!'] = 1, ['$'] = 1, ['&'] = 1, ['\''] = 1, ['('] = 1, [')'] = 1,
	['*'] = 1, ['+'] = 1, [','] = 1, [';'] = 1, ['='] = 1,
	[':'] = 1, ['@'] = 1, ['/'] = 1, ['?'] = 1, ['#'] = 1,
	['['] = 1, [']'] = 1,   /* seen in real query strings; browsers send them */
};

static int is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static int host_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '-' || c == '.';
}

/* host equals name, or is a subdomain of it; case-insensitive.  A trailing
 * dot on either (the DNS root: "bit.ly." is bit.ly) is ignored, or it
 * would slip a loop or a shortener past these lists. */
static int host_matches(const char *host, size_t hlen, const char *name)
{
	size_t n = strlen(name);
	if (hlen > 1 && host[hlen - 1] == '.')
		hlen--;
	if (n > 1 && name[n - 1] == '.')
		n--;
	if (hlen == n)
		return strncasecmp(host, name, n) == 0;
	return hlen > n && host[hlen - n - 1] == '.' &&
	       strncasecmp(host + hlen - n, name, n) == 0;
}

static int host_in(const char *host, size_t hlen, const char *const *list,
                   size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (host_matches(host, hlen, list[i]))
			return 1;
	return 0;
}

void target_host(const char *url, size_t len, const char **host,
                 size_t *host_len)
{
	*host = NULL;
	*host_len = 0;
	size_t i;
	if (len >= 7 && strncasecmp(url, "http://", 7) == 0)
		i = 7;
	else if (len >= 8 && strncasecmp(url, "https://", 8) == 0)
		i = 8;
	else
		return;
	size_t start = i, auth_end = i;
	while (auth_end < len && url[auth_end] != '/' && url[auth_end] != '?' &&
	       url[auth_end] != '#')
		auth_end++;
	/* With a userinfo the part a reader sees first is not the host: no
	 * host at all rather than the wrong one. */
	if (memchr(url + start, '@', auth_end - start))
		return;
	size_t end = start;
	if (end < auth_end && url[end] == '[') {
		while (end < auth_end && url[end] != ']')
			end++;
		if (end == auth_end)
			return;
		end++;
	} else {
		while (end < auth_end && url[end] != ':')
			end++;
	}
	*host = url + start;
	*host_len = end - start;
}

/* Characters refused anywhere, checked before anything else so that the
 * message names the real problem.  TARGET_OK or the error. */
static int target_chars(const char *in, size_t len)
{
	for (size_t k = 0; k < len; k++) {
		unsigned char c = (unsigned char)in[k];
		if (c == ' ')
			return TARGET_SPACE;
		if (c < 0x20 || c == 0x7f)
			return TARGET_CONTROL;
		if (c == '\\')
			return TARGET_BACKSLASH;
	}
	return TARGET_OK;
}

/* label[0..n) is a number to a browser's URL parser (WHATWG "ends in a
 * number"): decimal digits, or 0x followed by hex digits. */
static int label_numeric(const char *label, size_t n)
{
	size_t k = 0;
	if (n >= 2 && label[0] == '0' && (label[1] == 'x' || label[1] == 'X')) {
		for (k = 2; k < n && is_hex((unsigned char)label[k]); k++)
			;
		return k == n;
	}
	for (; k < n && label[k] >= '0' && label[k] <= '9'; k++)
		;
	return n > 0 && k == n;
}

/* A host name host[0..h) whose last label is a number is an IPv4 address
 * to a browser, which also reads 2130706433, 0x7f000001, 0177.0.0.1 and
 * 127.1 as 127.0.0.1: a reviewer cannot tell where such a link goes.
 * Only the dotted quad (four decimal parts 0..255, no leading zero, one
 * trailing dot allowed) passes; 1 when it is one or not numeric at all. */
static int host_numeric_ok(const char *host, size_t h)
{
	if (h > 0 && host[h - 1] == '.')
		h--;
	size_t last = h;
	while (last > 0 && host[last - 1] != '.')
		last--;
	if (!label_numeric(host + last, h - last))
		return 1;
	unsigned parts = 0;
	for (size_t k = 0; k <= h; parts++) {
		size_t e = k;
		unsigned v = 0;
		while (e < h && host[e] >= '0' && host[e] <= '9')
			v = v * 10 + (unsigned)(host[e++] - '0');
		if (e == k || e - k > 3 || v > 255 || (host[k] == '0' && e - k > 1) ||
		    (e < h && host[e] != '.'))
			return 0;
		k = e + 1;
	}
	return parts == 4;
}

/* The authority auth[0..alen): no userinfo, a bracketed IPv6 literal or
 * a host name, an optional port.  Sets *hlen to the host's length
 * (brackets included).  TARGET_OK or the error. */
static int target_authority(const char *auth, size_t alen, size_t *hlen)
{
	if (memchr(auth, '@', alen))
		return TARGET_USERINFO;
	if (alen == 0)
		return TARGET_NO_HOST;
	size_t h;
	if (auth[0] == '[') {
		const char *close = memchr(auth, ']', alen);
		if (!close || close == auth + 1)
			return TARGET_BAD_HOST;
		h = (size_t)(close - auth) + 1;
		for (size_t k = 1; k + 1 < h; k++) {
			unsigned char c = (unsigned char)auth[k];
			if (!is_hex(c) && c != ':' && c != '.')
				return TARGET_BAD_HOST;
		}
	} else {
		h = 0;
		while (h < alen && auth[h] != ':')
			h++;
		if (h == 0)
			return TARGET_NO_HOST;
		for (size_t k = 0; k < h; k++) {
			unsigned char c = (unsigned char)auth[k];
			if (c >= 0x80)
				return TARGET_NON_ASCII_HOST;
			if (!host_char(c))
				return TARGET_BAD_HOST;
		}
		if (auth[0] == '.' || auth[0] == '-' || memmem(auth, h, "..", 2))
			return TARGET_BAD_HOST;
		if (!host_numeric_ok(auth, h))
			return TARGET_NUMERIC_HOST;
	}
	if (h < alen) {
		/* Port: ':' then 1..5 digits, at most 65535. */
		if (auth[h] != ':' || alen - h < 2 || alen - h > 6)
			return TARGET_BAD_PORT;
		unsigned port = 0;
		for (size_t k = h + 1; k < alen; k++) {
			if (auth[k] < '0' || auth[k] > '9')
				return TARGET_BAD_PORT;
			port = port * 10 + (unsigned)(auth[k] - '0');
		}
		if (port == 0 || port > 65535)
			return TARGET_BAD_PORT;
	}
	*hlen = h;
	return TARGET_OK;
}

/* The host (lower case, host[0..hlen)) against the policy: never our own
 * short domain or a known shortener (a loop, or a chain that hides the
 * target), and within the allowed domains when there is a list (an
 * address literal never is).  TARGET_OK or the error. */
static int target_host_policy(const char *host, size_t hlen,
                              const struct target_policy *p)
{
	if (host[0] == '[')
		return p->n_allowed ? TARGET_NOT_ALLOWED : TARGET_OK;
	if (host_in(host, hlen, p->own_hosts, p->n_own_hosts))
		return TARGET_OWN_HOST;
	if (!p->allow_shorteners &&
	    host_in(host, hlen, shorteners, sizeof shorteners / sizeof *shorteners))
		return TARGET_SHORTENER;
	if (p->n_allowed && !host_in(host, hlen, p->allowed, p->n_allowed))
		return TARGET_NOT_ALLOWED;
	return TARGET_OK;
}

/* Path, query and fragment, in[0..len), appended to out at *o: valid
 * escapes kept, bytes a URL may hold as they are, every other byte (a
 * valid UTF-8 sequence) percent-encoded.  TARGET_OK or the error. */
static int target_rest(const char *in, size_t len, char *out, size_t *o)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i = 0;
	while (i < len) {
		unsigned char c = (unsigned char)in[i];
		if (c == '%') {
			if (i + 2 >= len || !is_hex((unsigned char)in[i + 1]) ||
			    !is_hex((unsigned char)in[i + 2]))
				return TARGET_BAD_PERCENT;
			if (*o + 3 > TARGET_MAX)
				return TARGET_TOO_LONG;
			memcpy(out + *o, in + i, 3);
			*o += 3;
			i += 3;
			continue;
		}
		if (c < 0x80 && path_ok[c]) {
			if (*o + 1 > TARGET_MAX)
				return TARGET_TOO_LONG;
			out[(*o)++] = (char)c;
			i++;
			continue;
		}
		size_t n = utf8_len((const unsigned char *)in + i, len - i);
		if (n == 0)
			return TARGET_BAD_UTF8;
		if (*o + 3 * n > TARGET_MAX)
			return TARGET_TOO_LONG;
		for (size_t k = 0; k < n; k++) {
			unsigned char b = (unsigned char)in[i + k];
			out[(*o)++] = '%';
			out[(*o)++] = hex[b >> 4];
			out[(*o)++] = hex[b & 15];
		}
		i += n;
	}
	return TARGET_OK;
}

int target_normalize(const char *in, size_t len, const struct target_policy *p,
                     char *out, size_t *out_len)
{
	static const struct target_policy none;
	if (!p)
		p = &none;
	*out_len = 0;
	out[0] = '\0';
	if (len == 0)
		return TARGET_EMPTY;
	if (len > TARGET_MAX * 3)   /* no point scanning megabytes */
		return TARGET_TOO_LONG;
	int rc = target_chars(in, len);
	if (rc != TARGET_OK)
		return rc;

	size_t i, o;
	if (len >= 7 && strncasecmp(in, "http://", 7) == 0) {
		memcpy(out, "http://", 7);
		i = o = 7;
	} else if (len >= 8 && strncasecmp(in, "https://", 8) == 0) {
		memcpy(out, "https://", 8);
		i = o = 8;
	} else {
		return TARGET_SCHEME;
	}

	/* Authority: up to the first '/', '?' or '#'. */
	size_t a = i, hlen;
	while (i < len && in[i] != '/' && in[i] != '?' && in[i] != '#')
		i++;
	size_t alen = i - a;
	if ((rc = target_authority(in + a, alen, &hlen)) != TARGET_OK)
		return rc;
	if (alen + o > TARGET_MAX)
		return TARGET_TOO_LONG;
	/* Hosts are case-insensitive: store them in lower case, so policy
	 * checks and reports see one spelling. */
	for (size_t k = 0; k < alen; k++) {
		char c = in[a + k];
		out[o++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	if ((rc = target_host_policy(out + o - alen, hlen, p)) != TARGET_OK ||
	    (rc = target_rest(in + i, len - i, out, &o)) != TARGET_OK)
		return rc;
	out[o] = '\0';
	*out_len = o;
	return TARGET_OK;
}

const char *target_strerror(int err)
{
	switch (err) {
	case TARGET_OK: return "valid";
	case TARGET_EMPTY: return "empty URL";
	case TARGET_TOO_LONG: return "URL longer than 2048 bytes";
	case TARGET_SCHEME: return "only absolute http:// and https:// URLs";
	case TARGET_NO_HOST: return "URL has no host";
	case TARGET_USERINFO: return "URL has a user name or password (user@host)";
	case TARGET_BAD_HOST: return "invalid host";
	case TARGET_NUMERIC_HOST:
		return "numeric host not written as a dotted quad (browsers "
		       "read 2130706433, 0x7f000001 or 127.1 as an IPv4 address: "
		       "write it as 127.0.0.1)";
	case TARGET_NON_ASCII_HOST:
		return "non-ASCII host: use its xn-- (punycode) form";
	case TARGET_BAD_PORT: return "invalid port";
	case TARGET_CONTROL: return "control character in URL";
	case TARGET_SPACE: return "space in URL (encode it as %20)";
	case TARGET_BACKSLASH: return "backslash in URL";
	case TARGET_BAD_PERCENT: return "'%' not followed by two hex digits";
	case TARGET_BAD_UTF8: return "invalid UTF-8 in URL";
	case TARGET_OWN_HOST: return "URL points at our own short domain (a loop)";
	case TARGET_SHORTENER:
		return "URL points at another URL shortener: use the final address";
	case TARGET_NOT_ALLOWED: return "host not in the allowed domains";
	}
	return "invalid URL";
}

int target_servable(const char *url, size_t len)
{
	size_t i;
	if (len > TARGET_MAX)
		return 0;
	if (len > 8 && memcmp(url, "https://", 8) == 0)
		i = 8;
	else if (len > 7 && memcmp(url, "http://", 7) == 0)
		i = 7;
	else
		return 0;
	/* One pass, on every redirect: printable ASCII without backslashes;
	 * an authority (up to the first '/', '?' or '#') that is not empty
	 * ("https:///evil" is https://evil to a browser) and has no '@'
	 * (a user name shows one host and goes to another). */
	size_t a0 = i;
	int in_auth = 1;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)url[i];
		if (c < 0x21 || c > 0x7e || c == '\\')
			return 0;
		if (in_auth) {
			if (c == '/' || c == '?' || c == '#') {
				if (i == a0)
					return 0;
				in_auth = 0;
			} else if (c == '@') {
				return 0;
			}
		}
	}
	return 1;
}
