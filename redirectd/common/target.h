/*
 * target: which URLs a short link may send people to, and the one spelling
 * of each that gets stored.
 *
 * Rules (checked at mint, by linkctl; the daemon re-checks cheaply with
 * target_servable() before it sends a Location):
 *   - absolute http:// or https:// only (scheme case-insensitive, stored in
 *     lower case); a host is required; no userinfo ("https://trusted@evil/"
 *     shows one host and goes to another)
 *   - host: letters, digits, '-', '.', or a bracketed IPv6 literal; an
 *     optional numeric port; non-ASCII hosts are refused (enter the
 *     punycode "xn--" form); a host a browser reads as an IPv4 address
 *     (its last label a number) only as a dotted quad: 2130706433,
 *     0x7f000001, 0177.0.0.1 and 127.1 all mean 127.0.0.1
 *   - no control characters, no spaces, no backslashes anywhere (browsers
 *     read '\' as '/', which turns "https://a.example\@b.example" into a
 *     different host than a reader sees)
 *   - bytes >= 0x80 in the path, query or fragment (a pasted "…/über") are
 *     percent-encoded, as browsers do; so are the ASCII characters RFC 3986
 *     does not allow there (" < > ^ ` { | }); a '%' must start a valid %XX
 *   - at most TARGET_MAX bytes after encoding: nginx turns longer Location
 *     headers into 502s
 *   - not a link to one of our own short hosts or their subdomains (a
 *     loop; "go.example.org." with the root's dot counts too), nor to a known
 *     public URL shortener (laundering a destination through another
 *     shortener hides it from review), unless the policy allows it
 *   - optionally, the host must be one of an allow-list (or a subdomain)
 */
#ifndef REDIRECTD_TARGET_H
#define REDIRECTD_TARGET_H

#include <stddef.h>

#define TARGET_MAX 2048

enum target_error {
	TARGET_OK = 0,
	TARGET_EMPTY,
	TARGET_TOO_LONG,
	TARGET_SCHEME,
	TARGET_NO_HOST,
	TARGET_USERINFO,
	TARGET_BAD_HOST,
	TARGET_NUMERIC_HOST,
	TARGET_NON_ASCII_HOST,
	TARGET_BAD_PORT,
	TARGET_CONTROL,
	TARGET_SPACE,
	TARGET_BACKSLASH,
	TARGET_BAD_PERCENT,
	TARGET_BAD_UTF8,
	TARGET_OWN_HOST,
	TARGET_SHORTENER,
	TARGET_NOT_ALLOWED,
};

struct target_policy {
	const char *const *own_hosts;   /* our short domains: refused */
	size_t n_own_hosts;
	const char *const *allowed;     /* if n_allowed > 0: only these hosts
	                                   and their subdomains */
	size_t n_allowed;
	int allow_shorteners;           /* 1: do not refuse known shorteners */
};

/*
 * Check in[0..len) and write the stored spelling to out (NUL-terminated).
 * Returns TARGET_OK and sets *out_len, or an error code.  out needs
 * TARGET_MAX + 1 bytes.  policy may be NULL (defaults).  Pure.
 */
int target_normalize(const char *in, size_t len, const struct target_policy *p,
                     char *out, size_t *out_len);

/* One line describing an error code, for messages. */
const char *target_strerror(int err);

/* The daemon's last line of defence: 1 when url could go into a Location
 * header (http(s)://, a non-empty authority without '@', at most TARGET_MAX
 * bytes, only 0x21..0x7e and no backslash).  A record that fails this is
 * answered 500, never sent, and counted.  One pass; pure. */
int target_servable(const char *url, size_t len);

/* Host part of an absolute http(s) URL as a view (no port, no brackets
 * removed), or len 0.  Pure; used for referrer hosts too. */
void target_host(const char *url, size_t len, const char **host,
                 size_t *host_len);

#endif
