/*
 * Fuzz target: netaddr.  The input is read as an address, a prefix, a
 * prefix list and, split at the first two '\n', as the X-Real-IP and
 * X-Forwarded-For values of a request from a trusted or untrusted peer.
 * Invariants: a parsed address formats and re-parses to the same bytes and
 * the same text; a parsed prefix contains its own network; clientip_pick
 * always answers a real address, the peer unless it reports a header, and
 * only the header it was told to believe.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"

static void check_address(const char *s, size_t len)
{
	struct netaddr a, b;
	char text[NETADDR_STRLEN], again[NETADDR_STRLEN];
	if (netaddr_parse(s, len, &a) < 0)
		return;
	if (a.len != 4 && a.len != 16)
		abort();
	/* Mapped addresses are always stored as IPv4. */
	if (a.len == 16 && a.b[10] == 0xff && a.b[11] == 0xff &&
	    !memcmp(a.b, "\0\0\0\0\0\0\0\0\0\0", 10))
		abort();
	int n = netaddr_format(&a, text, sizeof text);
	if (n <= 0 || (size_t)n != strlen(text))
		abort();
	if (netaddr_parse(text, (size_t)n, &b) < 0 || !netaddr_equal(&a, &b))
		abort();
	if (netaddr_format(&b, again, sizeof again) != n || strcmp(text, again))
		abort();
	struct netaddr t = a;
	unsigned bits = netaddr_truncate(&t);
	if (bits != (a.len == 4 ? 24u : 48u))
		abort();
	netaddr_is_special(&a);
}

static void check_cidr(const char *s, size_t len)
{
	struct cidr c, d;
	char text[NETADDR_STRLEN + 4];
	if (cidr_parse(s, len, &c) < 0)
		return;
	if (c.bits > c.net.len * 8 || !cidr_contains(&c, &c.net))
		abort();
	int n = netaddr_format(&c.net, text, NETADDR_STRLEN);
	if (n < 0)
		abort();
	n += snprintf(text + n, sizeof text - (size_t)n, "/%u", c.bits);
	if (cidr_parse(text, (size_t)n, &d) < 0 || d.bits != c.bits ||
	    !netaddr_equal(&c.net, &d.net))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	check_address(s, size);
	check_cidr(s, size);
	struct netaddr a;
	netaddr_parse_bracketed(s, size, &a);

	/* As a NUL-terminated prefix list (up to an embedded NUL). */
	char *z = malloc(size + 1);
	memcpy(z, data, size);
	z[size] = '\0';
	struct cidr v[8];
	unsigned n = 99;
	char err[80];
	int rc = cidr_list_parse(z, v, 8, &n, err, sizeof err);
	if (n > 8 || !memchr(err, '\0', sizeof err) || (rc == 0) != (err[0] == 0))
		abort();
	free(z);

	/* As a request: "X-Real-IP\nX-Forwarded-For", either part absent when
	 * empty, from a trusted peer chosen by the length's low bits. */
	static const char trusted_text[] = "10.0.0.0/8, 127.0.0.1, 2001:db8::/32";
	struct cidr tv[3];
	if (cidr_list_parse(trusted_text, tv, 3, &n, err, sizeof err) < 0)
		abort();
	struct cidr_list trusted = { tv, n };
	static const char *const peers[] = {
		"127.0.0.1", "10.1.2.3", "2001:db8::53", "192.0.2.7",
	};
	const char *peer_text = peers[size & 3];
	struct netaddr peer, out;
	if (netaddr_parse(peer_text, strlen(peer_text), &peer) < 0)
		abort();
	const char *nl = memchr(s, '\n', size);
	const char *rip = NULL, *xff = NULL;
	size_t rip_len = 0, xff_len = 0;
	if (nl) {
		if (nl > s)
			rip = s, rip_len = (size_t)(nl - s);
		xff = nl + 1;
		xff_len = size - (size_t)(xff - s);
	} else {
		xff = s, xff_len = size;
	}
	/* The believed header from the input's size too. */
	enum clientip_header use = (size >> 2) & 1 ? CLIENTIP_HDR_FORWARDED_FOR
	                                          : CLIENTIP_HDR_REAL_IP;
	enum clientip_source src = clientip_pick(&trusted, use, &peer, rip,
	                                         rip_len, xff, xff_len, &out);
	if (out.len != 4 && out.len != 16)
		abort();
	int from_trusted = cidr_list_contains(&trusted, &peer);
	switch (src) {
	case CLIENTIP_PEER:
		if (!netaddr_equal(&out, &peer) || (from_trusted && (rip || xff)))
			abort();
		break;
	case CLIENTIP_MALFORMED:
		if (!netaddr_equal(&out, &peer) || !from_trusted)
			abort();
		break;
	case CLIENTIP_REAL_IP:
		if (!from_trusted || !rip || use != CLIENTIP_HDR_REAL_IP)
			abort();
		break;
	case CLIENTIP_FORWARDED:
		if (!from_trusted || !xff || use != CLIENTIP_HDR_FORWARDED_FOR)
			abort();
		break;
	default:
		abort();
	}
	return 0;
}
