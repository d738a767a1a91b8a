/*
 * chttp: a tiny blocking HTTP/1.1 client over TCP, enough to POST a body to
 * a ClickHouse server (or anything else) and read the answer.  One request
 * per connection (Connection: close), Content-Length framing out,
 * Content-Length, chunked or close-delimited framing in.  No TLS, no
 * redirects, no proxies.  It prints nothing: errors come back as text.
 */
#ifndef REDIRECTD_CHTTP_H
#define REDIRECTD_CHTTP_H

#include <stddef.h>

struct chttp_url {
	char host[256];         /* a name, or an address (IPv6 without []) */
	char port[8];
	char path[1024];        /* from the URL, "/" when it had none */
	char query[1024];       /* from the URL without '?', maybe empty */
	char user[128];         /* userinfo, percent-decoded; may be empty */
	char password[128];
};

/* Parse "http://[user[:password]@]host[:port][/path][?query]" (port 80
 * when absent).  Returns 0, or -1 with a reason in err. */
int chttp_url_parse(const char *url, struct chttp_url *u, char *err,
                    size_t errlen);

/* Append s, percent-encoded for a query value, to out (NUL-terminated,
 * of size cap).  Returns 0, or -1 when it does not fit. */
int chttp_qencode(char *out, size_t cap, const char *s);

/*
 * POST body[0..len) to target (path and query, already encoded) on u's
 * host and port, waiting at most timeout_s seconds for each connect, send
 * and receive.  Returns the HTTP status (any, 200 included) with the
 * response body in *resp (malloc'd, NUL-terminated, at most 64 KiB kept;
 * the caller frees it), or -1 with a reason in err (no connection, a
 * broken or timed-out exchange, no HTTP answer).
 */
int chttp_post(const struct chttp_url *u, const char *target,
               const void *body, size_t len, int timeout_s, char **resp,
               char *err, size_t errlen);

#endif
