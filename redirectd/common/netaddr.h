/*
 * netaddr: IP addresses, CIDR prefixes, and the client address of a request
 * that came through our own proxies.
 *
 * Everything here is pure and allocation-free (no locale, no getaddrinfo,
 * no inet_pton): it runs once or more per request on the hot path.  Parsers
 * are strict on purpose: an address that could be read two ways (octal
 * "010.0.0.1", "1.2.3", zone ids) is refused rather than guessed at, because
 * these addresses decide whose clicks count and which proxies are trusted.
 *
 * This module knows nothing of sockets, headers as HTTP objects, geo
 * databases or configuration files: callers hand in bytes and get bytes.
 */
#ifndef REDIRECTD_NETADDR_H
#define REDIRECTD_NETADDR_H

#include <stddef.h>
#include <stdint.h>

/* An address as 4 (IPv4) or 16 (IPv6) bytes, network order.  IPv4-mapped
 * IPv6 (::ffff:a.b.c.d) is always stored as IPv4, so one client has one
 * spelling whether it reached a dual-stack socket or not: the visitor hash,
 * truncation and the geo lookup all depend on that.  len 0: no address. */
struct netaddr {
	uint8_t len;
	uint8_t b[16];
};

/* Longest text netaddr_format() writes, with its NUL (INET6_ADDRSTRLEN). */
#define NETADDR_STRLEN 46

/*
 * Strict parse of s[0..len) (no NUL needed):
 *   IPv4: exactly four dotted decimal octets 0..255; "0" but no other
 *         leading zero (so no octal reading), no hex, no short forms.
 *   IPv6: RFC 4291 text: 1-4 hex digits a group (either case), one "::" at
 *         most, an optional trailing embedded dotted quad; no zone ids
 *         ("fe80::1%eth0"), no brackets.
 * No surrounding spaces.  Returns 0 and fills *out, or -1 (*out undefined).
 */
int netaddr_parse(const char *s, size_t len, struct netaddr *out);

/* As netaddr_parse, and also accepts an IPv6 address in [brackets], as it
 * appears in URLs and Host headers.  "[1.2.3.4]" is refused. */
int netaddr_parse_bracketed(const char *s, size_t len, struct netaddr *out);

/* Set *out from raw bytes (len 4 or 16, e.g. a sockaddr's), turning an
 * IPv4-mapped IPv6 address into IPv4.  Returns 0, or -1 for another len. */
int netaddr_from_bytes(struct netaddr *out, const void *bytes, size_t len);

/* Canonical text into out[0..cap): dotted quad, or RFC 5952 for IPv6
 * (lower case, no leading zeros, the longest run of two or more zero groups
 * as "::", the first on a tie; never mixed dotted notation, since mapped
 * addresses are stored as IPv4).  Returns the length written (without the
 * NUL), or -1 if cap is too small (NETADDR_STRLEN is always enough) or the
 * address has no valid len. */
int netaddr_format(const struct netaddr *a, char *out, size_t cap);

/* 1 if a and b are the same address. */
int netaddr_equal(const struct netaddr *a, const struct netaddr *b);

/* A prefix: the bits beyond `bits` in net are zero. */
struct cidr {
	struct netaddr net;
	uint8_t bits;
};

/*
 * "10.0.0.0/8", "2001:db8::/32"; a bare address means /32 or /128.  The
 * prefix length is decimal without leading zeros and at most 32 or 128.
 * An IPv4-mapped prefix ("::ffff:10.0.0.0/104") becomes the IPv4 prefix it
 * covers (10.0.0.0/8).  Host bits set beyond the prefix ("10.0.0.1/8") are
 * refused, not masked: see cidr_parse in netaddr.c.  0 or -1.
 */
int cidr_parse(const char *s, size_t len, struct cidr *out);

/* 1 if a lies in c.  A prefix matches only its own family: "::/0" does not
 * contain IPv4 clients (list 0.0.0.0/0 too to mean everything). */
int cidr_contains(const struct cidr *c, const struct netaddr *a);

/* A caller-owned array of prefixes. */
struct cidr_list {
	struct cidr *v;
	unsigned n;
};

/*
 * Parse a NUL-terminated comma-separated list ("10.0.0.0/8, ::1") into
 * v[0..max).  Spaces and tabs around items are ignored; an empty string is
 * an empty list, an empty item ("a,,b", "a,") an error.  Returns 0 and *n,
 * or -1 with a one-line message in err (which quotes the bad item) and *n
 * the items parsed before it.
 */
int cidr_list_parse(const char *s, struct cidr *v, unsigned max, unsigned *n,
                    char *err, size_t errlen);

/* 1 if a lies in any prefix of l (l may be NULL or empty: 0).  Linear: the
 * lists this is for (our proxies) are a handful of entries. */
int cidr_list_contains(const struct cidr_list *l, const struct netaddr *a);

/*
 * 1 for addresses no country can be known for: unspecified, "this network",
 * loopback, private (RFC 1918), CGNAT (100.64/10), link-local, documentation
 * (incl. 3fff::/20), benchmarking, IETF protocol assignments, reserved
 * (240/4, broadcast), multicast, unique-local (fc00::/7), site-local
 * (fec0::/10), discard-only (100::/64).  The table is in netaddr.c.
 */
int netaddr_is_special(const struct netaddr *a);

/* Zero all but the first 24 (IPv4) or 48 (IPv6) bits, for ip_log =
 * truncated.  Returns the prefix length kept (0 if a has no address). */
unsigned netaddr_truncate(struct netaddr *a);

/* Where clientip_pick found the client. */
enum clientip_source {
	CLIENTIP_PEER = 0,       /* the TCP peer: untrusted, or no headers */
	CLIENTIP_REAL_IP = 1,    /* X-Real-IP from a trusted peer */
	CLIENTIP_FORWARDED = 2,  /* X-Forwarded-For from a trusted peer */
	CLIENTIP_MALFORMED = 3,  /* trusted peer, unusable header: peer used */
};

/* Which header our proxies set and clientip_pick believes (real_ip_header):
 * exactly one, because a proxy passes on whatever else the client sent. */
enum clientip_header {
	CLIENTIP_HDR_REAL_IP = 0,        /* X-Real-IP, as conf/nginx.conf sets */
	CLIENTIP_HDR_FORWARDED_FOR = 1,  /* X-Forwarded-For, walked from the right */
};

#define CLIENTIP_HEADER_MAX 2048  /* longer X-Real-IP values: malformed */

/*
 * The client address of a request whose TCP peer is *peer (an IPv4-mapped
 * peer counts as IPv4).
 *
 * From a peer not in `trusted`, both headers are ignored: anyone can send
 * them.  From a trusted peer (our proxy) only the header `use` names counts;
 * the other one may be the client's own, passed on by the proxy, and is
 * never read:
 *   - CLIENTIP_HDR_REAL_IP: X-Real-IP is the client (taken as is, even if
 *     it is itself in `trusted`).
 *   - CLIENTIP_HDR_FORWARDED_FOR: X-Forwarded-For is walked right to left;
 *     the first entry that is not itself in `trusted` is the client; if
 *     every entry is trusted, the leftmost one.  The walk goes as far as
 *     the value does: its length is bounded by the request head's, not by
 *     an entry count (a client that pads the list must not push the
 *     choice back to the peer).
 *   - Neither header: the peer.
 * X-Real-IP and each X-Forwarded-For entry are an address, optionally with
 * a port ("1.2.3.4:5678", "[2001:db8::1]:443", "[2001:db8::1]"); the port
 * is dropped.  A bare IPv6 address never has a port stripped
 * ("2001:db8::1:443" is an address).  Spaces and tabs around the value and
 * around each entry are ignored.
 *
 * Malformed -> the peer, CLIENTIP_MALFORMED: the header `use` names is
 * absent while the other is present (the proxy does not set the header we
 * believe in: a misconfiguration the counter should show, and the other
 * header cannot be told from the client's); an X-Real-IP over
 * CLIENTIP_HEADER_MAX bytes, empty or unparsable; an empty or unparsable
 * X-Forwarded-For entry among those the walk reaches.  Entries left of the
 * one chosen are not parsed: the client wrote them (nginx appends to what
 * it received), and junk there must not be able to hide the address our
 * proxy saw.
 *
 * real_ip / xff: the header values, NULL if absent (xff: the last
 * X-Forwarded-For field line, the one our proxy wrote).  trusted may be
 * NULL.  *out is always set.  Pure, thread-safe; work linear in the
 * length of the header used.
 */
enum clientip_source clientip_pick(const struct cidr_list *trusted,
                                   enum clientip_header use,
                                   const struct netaddr *peer,
                                   const char *real_ip, size_t real_ip_len,
                                   const char *xff, size_t xff_len,
                                   struct netaddr *out);

#endif
