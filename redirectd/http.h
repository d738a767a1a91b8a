/*
 * http: a strict HTTP/1.1 request-head parser and the response writer.
 *
 * The parser is a pure function over the caller's buffer: no allocation, no
 * libevent types, no global state, safe to fuzz.  It returns views into the
 * buffer.  It is strict on purpose: behind nginx with upstream keep-alive any
 * framing disagreement lets one user's request poison another's, so whatever
 * is not plainly valid HTTP/1.x is refused and the connection closed.
 *
 * What it refuses (all with HTTP_ERR_*; the caller answers and closes):
 *   - a request line that is not exactly METHOD SP TARGET SP HTTP/1.d CRLF
 *     (one space each, no tabs); a method that is not a token; a target that
 *     does not start with '/' or holds a byte outside 0x21..0x7e
 *   - lines ending in a bare LF or holding a bare CR, NUL or other control
 *     bytes (HTAB allowed inside header values only)
 *   - obsolete line folding, empty or invalid header names, whitespace
 *     before the colon
 *   - HTTP/1.1 without exactly one Host; a second Host in HTTP/1.0; a Host
 *     value that is not empty or uri-host [":" port] (bytes a host cannot
 *     hold, percent-encoding, an unclosed or invalid IPv6 literal, a port
 *     without a host, a port over 65535: see host_ok in http.c)
 *   - any Transfer-Encoding; a Content-Length that is not exactly "0", or
 *     more than one Content-Length (a redirector never takes a body)
 *   - a request line over HTTP_LINE_MAX bytes (414), a head over
 *     HTTP_HEAD_MAX bytes or with more than HTTP_HEADERS_MAX fields (431)
 *   - a version other than HTTP/1.x (505)
 */
#ifndef REDIRECTD_HTTP_H
#define REDIRECTD_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_LINE_MAX    4096   /* request line, CRLF included */
#define HTTP_HEAD_MAX    8192   /* whole head, request line and final CRLF included */
#define HTTP_HEADERS_MAX 64     /* header fields */

enum http_method { HTTP_GET = 1, HTTP_HEAD = 2, HTTP_OTHER = 3 };

/* Return values of http_parse other than a positive length. */
enum {
	HTTP_INCOMPLETE = 0,         /* need more bytes; nothing wrong so far */
	HTTP_ERR_BAD = -400,         /* malformed: 400 */
	HTTP_ERR_BODY = -4001,       /* Content-Length != 0 or Transfer-Encoding: 400 */
	HTTP_ERR_URI_TOO_LONG = -414,
	HTTP_ERR_HEADERS_TOO_LARGE = -431,
	HTTP_ERR_VERSION = -505,
};

struct http_str { const char *p; size_t len; };

struct http_request {
	enum http_method method;
	struct http_str method_name;   /* as sent */
	struct http_str target;        /* as sent: path plus any ?query */
	struct http_str path;          /* target up to '?' or '#' */
	struct http_str query;         /* after '?', without it; len 0 if none */
	int minor;                     /* 0 or 1 (HTTP/1.2..1.9 read as 1) */
	int keep_alive;                /* 1: the connection may stay open after
	                                  this request (1.1 without "close",
	                                  1.0 with "keep-alive") */
	unsigned n_headers;
	struct http_str host;
	struct http_str user_agent;    /* len 0 and p NULL when absent */
	struct http_str referer;
	struct http_str x_forwarded_for;  /* several fields: the last one */
	struct http_str x_real_ip;
	unsigned n_forwarded_for;      /* X-Forwarded-For fields seen */
};

/*
 * Parse one request head at the start of buf[0..len).
 * Returns the length of the head (request line through the empty line) when
 * it is complete and valid, HTTP_INCOMPLETE when every byte so far could
 * start a valid head, or one HTTP_ERR_* code.  Limits are checked on
 * incomplete input too: a request line still growing past HTTP_LINE_MAX is
 * already HTTP_ERR_URI_TOO_LONG.  Views in *req point into buf.
 * Pure and thread-safe.
 */
int http_parse(const char *buf, size_t len, struct http_request *req);

/* HTTP status code for an HTTP_ERR_* value (400, 414, 431, 505). */
int http_error_status(int err);

/* Reason phrase for a status ("Found", "Not Found", ...). */
const char *http_reason(int status);

/*
 * Response writer.  Each writes one whole response head (and the short
 * text body for errors unless head_only) to out, and returns its length, or
 * 0 when cap is too small.  date is a 29-byte IMF-fixdate
 * ("Sun, 06 Nov 1994 08:49:37 GMT").  conn is one of enum http_conn:
 * HTTP_CONN_CLOSE adds "Connection: close", HTTP_CONN_KEEP_ALIVE adds
 * "Connection: keep-alive" (what an HTTP/1.0 client asking for keep-alive
 * needs to see), HTTP_CONN_DEFAULT adds nothing.
 * (Added with http.c:) they also return 0 for a status outside 100..999,
 * and http_write_redirect for a location holding a control byte (CR, LF,
 * NUL, HTAB, DEL...), which could split the response.
 */
enum http_conn { HTTP_CONN_DEFAULT = 0, HTTP_CONN_CLOSE = 1,
                 HTTP_CONN_KEEP_ALIVE = 2 };
size_t http_write_redirect(char *out, size_t cap, int status,
                           const char *location, size_t location_len,
                           const char *date, int conn);
size_t http_write_error(char *out, size_t cap, int status, const char *date,
                        int conn, int head_only);
/* Largest response http_write_redirect can produce for a location of n bytes. */
#define HTTP_REDIRECT_MAX(n) ((n) + 256)

/*
 * A response with a short text/plain body (robots.txt), cacheable for a
 * day: "Cache-Control: public, max-age=86400".  body_len at most
 * HTTP_TEXT_MAX; the head takes at most HTTP_TEXT_HEAD_MAX bytes.  Returns
 * the length, or 0 when cap is too small or the body too long.
 */
#define HTTP_TEXT_MAX 4096
#define HTTP_TEXT_HEAD_MAX 256
size_t http_write_text(char *out, size_t cap, int status, const char *body,
                       size_t body_len, const char *date, int conn,
                       int head_only);

/* Format t (seconds since the epoch) as an IMF-fixdate into out[30]
 * (29 characters and a NUL). */
void http_format_date(int64_t t, char out[30]);

#endif
