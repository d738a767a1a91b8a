/*
 * http: the strict HTTP/1.x request-head parser and the response writer.
 *
 * The parser makes one pass over the head with static class tables, and
 * never reads past the limits: at most HTTP_LINE_MAX bytes of request line
 * and HTTP_HEAD_MAX bytes of head, whatever len is.  Every verdict depends
 * only on bytes already seen and is taken as soon as they settle it (a
 * limit once that many bytes are in); short of a limit, the end of the
 * buffer only ever means "more needed".  So an answer never changes as more
 * bytes arrive: an error on a prefix is the error the whole request gets,
 * and every prefix of a valid head is HTTP_INCOMPLETE, which lets the server
 * answer garbage early without ever refusing a slow client.  The fuzz
 * target checks exactly that property.
 *
 * The writers size the whole response first and then copy without further
 * checks: no snprintf, no locale, one pass.
 */
#include "http.h"

#include <string.h>

#include "netaddr.h"

/* Byte classes.  One table lookup per byte keeps the scans branch-light. */
enum {
	C_TCHAR = 0x01,  /* RFC 9110 tchar: methods and field names */
	C_VCHAR = 0x02,  /* 0x21..0x7e: the request target */
	C_VALUE = 0x04,  /* field-value byte: HTAB, SP, VCHAR, obs-text */
	C_OWS = 0x08,    /* SP, HTAB */
	C_PATHEND = 0x10, /* '?' or '#' */
	C_REGNAME = 0x20 /* a Host's reg-name: unreserved, sub-delims */
};

#define T C_TCHAR
#define V C_VCHAR
#define F C_VALUE
#define W C_OWS
#define Q C_PATHEND
#define N C_REGNAME

static const unsigned char cls[256] = {
	/* 00 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* 08 */ 0, F|W, 0, 0, 0, 0, 0, 0,
	/* 10 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/* 18 */ 0, 0, 0, 0, 0, 0, 0, 0,
	/*        SP    !         "    #          $          %          &          ' */
	/* 20 */ F|W, T|V|F|N, V|F, T|V|F|Q, T|V|F|N, T|V|F, T|V|F|N, T|V|F|N,
	/*        (        )        *          +          ,        -          .          / */
	/* 28 */ V|F|N, V|F|N, T|V|F|N, T|V|F|N, V|F|N, T|V|F|N, T|V|F|N, V|F,
	/* 30 */ T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N,
	/*        8          9          :        ;        <    =        >    ? */
	/* 38 */ T|V|F|N, T|V|F|N, V|F, V|F|N, V|F, V|F|N, V|F, V|F|Q,
	/* 40 */ V|F, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N,
	/* 48 */ T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N,
	/* 50 */ T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N,
	/*        X          Y          Z          [        \    ]        ^        _ */
	/* 58 */ T|V|F|N, T|V|F|N, T|V|F|N, V|F, V|F, V|F, T|V|F, T|V|F|N,
	/* 60 */ T|V|F, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N,
	/* 68 */ T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N,
	/* 70 */ T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N, T|V|F|N,
	/*        x          y          z          {    |        }    ~          DEL */
	/* 78 */ T|V|F|N, T|V|F|N, T|V|F|N, V|F, T|V|F, V|F, T|V|F|N, 0,
	/* 80 */ F, F, F, F, F, F, F, F,
	/* 88 */ F, F, F, F, F, F, F, F,
	/* 90 */ F, F, F, F, F, F, F, F,
	/* 98 */ F, F, F, F, F, F, F, F,
	/* a0 */ F, F, F, F, F, F, F, F,
	/* a8 */ F, F, F, F, F, F, F, F,
	/* b0 */ F, F, F, F, F, F, F, F,
	/* b8 */ F, F, F, F, F, F, F, F,
	/* c0 */ F, F, F, F, F, F, F, F,
	/* c8 */ F, F, F, F, F, F, F, F,
	/* d0 */ F, F, F, F, F, F, F, F,
	/* d8 */ F, F, F, F, F, F, F, F,
	/* e0 */ F, F, F, F, F, F, F, F,
	/* e8 */ F, F, F, F, F, F, F, F,
	/* f0 */ F, F, F, F, F, F, F, F,
	/* f8 */ F, F, F, F, F, F, F, F,
};
#undef T
#undef V
#undef F
#undef W
#undef Q
#undef N

/* Header fields the parser looks at; every other field is only counted. */
enum field {
	F_OTHER,
	F_HOST,
	F_CONTENT_LENGTH,
	F_TRANSFER_ENCODING,
	F_CONNECTION,
	F_USER_AGENT,
	F_REFERER,
	F_X_FORWARDED_FOR,
	F_X_REAL_IP,
};

/*
 * Case-insensitive match of a field name against a lower-case literal made
 * of letters and '-'.  OR-ing 0x20 folds case exactly here: no other tchar
 * maps onto a lower-case letter or onto '-'.
 */
static int name_is(const unsigned char *p, const char *lit, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if ((p[k] | 0x20) != (unsigned char)lit[k])
			return 0;
	return 1;
}

#define NAME_IS(p, lit) name_is(p, lit, sizeof lit - 1)

static enum field field_of(const unsigned char *p, size_t n)
{
	switch (n) {
	case 4:
		return NAME_IS(p, "host") ? F_HOST : F_OTHER;
	case 7:
		return NAME_IS(p, "referer") ? F_REFERER : F_OTHER;
	case 9:
		return NAME_IS(p, "x-real-ip") ? F_X_REAL_IP : F_OTHER;
	case 10:
		if (NAME_IS(p, "connection"))
			return F_CONNECTION;
		return NAME_IS(p, "user-agent") ? F_USER_AGENT : F_OTHER;
	case 14:
		return NAME_IS(p, "content-length") ? F_CONTENT_LENGTH : F_OTHER;
	case 15:
		return NAME_IS(p, "x-forwarded-for") ? F_X_FORWARDED_FOR
		                                     : F_OTHER;
	case 17:
		return NAME_IS(p, "transfer-encoding") ? F_TRANSFER_ENCODING
		                                       : F_OTHER;
	}
	return F_OTHER;
}

/* Connection options, comma-separated, any case.  Unknown ones ("upgrade",
 * "closed") are ignored as RFC 9110 asks. */
#define CONN_CLOSE 1
#define CONN_KEEP_ALIVE 2

static int connection_options(const unsigned char *p, size_t n)
{
	int opts = 0;
	size_t i = 0;
	while (i < n) {
		while (i < n && (p[i] == ',' || (cls[p[i]] & C_OWS)))
			i++;
		size_t t0 = i;
		while (i < n && p[i] != ',')
			i++;
		size_t t1 = i;
		while (t1 > t0 && (cls[p[t1 - 1]] & C_OWS))
			t1--;
		if (t1 - t0 == 5 && NAME_IS(p + t0, "close"))
			opts |= CONN_CLOSE;
		else if (t1 - t0 == 10 && NAME_IS(p + t0, "keep-alive"))
			opts |= CONN_KEEP_ALIVE;
	}
	return opts;
}

/*
 * Whether the Content-Length bytes seen so far (leading OWS already
 * skipped) can still become exactly "0" with trailing OWS.  Checked on
 * every prefix, so "Content-Length: 5" is refused before its CRLF arrives.
 */
static int content_length_ok(const unsigned char *p, size_t n)
{
	if (n == 0)
		return 1;
	if (p[0] != '0')
		return 0;
	for (size_t k = 1; k < n; k++)
		if (!(cls[p[k]] & C_OWS))
			return 0;
	return 1;
}

/*
 * The Host value p[0..n) (leading OWS skipped): RFC 9110's uri-host
 * [":" port], then OWS.  whole: the value's CR has arrived; otherwise the
 * question is whether these bytes can still become a valid value, so a
 * verdict settles as soon as a byte does (as content_length_ok's) and
 * never changes as more arrive.  RFC 9112 makes an invalid Host a 400.
 *
 *   host   a reg-name of one or more unreserved and sub-delims bytes, or
 *          an IPv6 address in brackets (netaddr's strict parser).  Not
 *          percent-encoding ("a%00b" would decode to NUL, and no DNS name
 *          or address needs it) nor IPvFuture; an empty host only as the
 *          whole value (RFC 9112 3.2 allows an empty Host), never ":80".
 *   port   up to 5 digits, at most 65535; empty as RFC 3986 allows ("a:").
 *
 * The bytes refused here are what a proxy or a log reader could split
 * differently (spaces, '/', '@', '?', '#', quotes), and hosts no client
 * could have meant ("[::1", ":", "a:99999999").
 */
#define HOST_V6_MAX (NETADDR_STRLEN - 1)   /* inside the brackets */

static int host_ok(const unsigned char *p, size_t n, int whole)
{
	size_t k = 0;
	if (n == 0)
		return 1;
	if (p[0] == '[') {
		k = 1;
		while (k < n && (p[k] == ':' || p[k] == '.' ||
		                 (p[k] - (unsigned)'0' < 10) ||
		                 ((p[k] | 0x20) - (unsigned)'a' < 6)))
			k++;
		if (k - 1 > HOST_V6_MAX)
			return 0;
		if (k == n)
			return !whole;   /* the ']' may still come */
		if (p[k] != ']')
			return 0;
		struct netaddr a;
		if (netaddr_parse_bracketed((const char *)p, k + 1, &a) < 0)
			return 0;
		k++;
	} else {
		while (k < n && (cls[p[k]] & C_REGNAME))
			k++;
		if (k == 0)
			return 0;        /* ":80", or a byte no host holds */
	}
	if (k < n && p[k] == ':') {
		unsigned port = 0, digits = 0;
		for (k++; k < n && p[k] - (unsigned)'0' < 10; k++) {
			port = port * 10 + (p[k] - (unsigned)'0');
			if (++digits > 5 || port > 65535)
				return 0;
		}
	}
	while (k < n && (cls[p[k]] & C_OWS))
		k++;
	return k == n;
}

/*
 * End of the field value starting at i: the first byte in [i, hl) that is
 * not a field-value byte, or hl.  Values are most of a head's bytes, so
 * find the CR with memchr (vectorised) and then check the bytes before it
 * in a loop without early exit that the compiler can keep branch-free;
 * only a bad value pays for a second, exact scan.
 */
static size_t value_end(const unsigned char *p, size_t i, size_t hl)
{
	const unsigned char *cr = memchr(p + i, '\r', hl - i);
	size_t e = cr ? (size_t)(cr - p) : hl;
	unsigned ok = C_VALUE;
	for (size_t k = i; k < e; k++)
		ok &= cls[p[k]];
	if (ok)
		return e;
	while (cls[p[i]] & C_VALUE)
		i++;
	return i;
}

static void set_str(struct http_str *s, const unsigned char *p, size_t n)
{
	s->p = (const char *)p;
	s->len = n;
}

/*
 * The request line: method SP origin-form SP "HTTP/" DIGIT "." DIGIT CRLF.
 * Returns its length (CRLF included), or HTTP_INCOMPLETE or an HTTP_ERR_*.
 * Nothing at or past HTTP_LINE_MAX is looked at, so running into rl while
 * it is the limit means the line is too long.  A leading CRLF (which RFC
 * 9112 lets servers skip) is refused here like any other empty method:
 * nginx never sends one.
 */
static int parse_request_line(const unsigned char *p, size_t len,
                              struct http_request *req)
{
	size_t i = 0;
	size_t rl = len < HTTP_LINE_MAX ? len : HTTP_LINE_MAX;

	while (i < rl && (cls[p[i]] & C_TCHAR))
		i++;
	if (i == rl)
		goto line_short;
	if (i == 0 || p[i] != ' ')
		return HTTP_ERR_BAD;
	set_str(&req->method_name, p, i);
	if (i == 3 && memcmp(p, "GET", 3) == 0)
		req->method = HTTP_GET;
	else if (i == 4 && memcmp(p, "HEAD", 4) == 0)
		req->method = HTTP_HEAD;
	else
		req->method = HTTP_OTHER;   /* methods are case-sensitive */
	i++;

	/* origin-form only: nginx rewrites whatever the client sent. */
	size_t t0 = i;
	if (i == rl)
		goto line_short;
	if (p[i] != '/')
		return HTTP_ERR_BAD;
	while (i < rl && (cls[p[i]] & C_VCHAR))
		i++;
	if (i == rl)
		goto line_short;
	if (p[i] != ' ')
		return HTTP_ERR_BAD;
	set_str(&req->target, p + t0, i - t0);
	i++;

	/*
	 * "HTTP/" DIGIT "." DIGIT.  The major version is only judged once the
	 * whole form and the CR after it are in, so "HTTP/2.0x" stays a 400
	 * while "HTTP/2.0" CRLF is a 505.
	 */
	static const char form[8] = { 'H', 'T', 'T', 'P', '/', 'd', '.', 'd' };
	for (int k = 0; k < 8; k++, i++) {
		if (i == rl)
			goto line_short;
		if (form[k] == 'd' ? p[i] - (unsigned)'0' > 9 : p[i] != form[k])
			return HTTP_ERR_BAD;
	}
	if (i == rl)
		goto line_short;
	if (p[i] != '\r')
		return HTTP_ERR_BAD;
	if (p[i - 3] != '1')
		return HTTP_ERR_VERSION;
	req->minor = p[i - 1] != '0';
	i++;
	if (i == rl)
		goto line_short;
	if (p[i] != '\n')
		return HTTP_ERR_BAD;
	return (int)(i + 1);

line_short:
	return rl == HTTP_LINE_MAX ? HTTP_ERR_URI_TOO_LONG : HTTP_INCOMPLETE;
}

/* path ends at the first '?' or '#'; the query runs from '?' to '#'. */
static void split_target(struct http_request *req)
{
	const unsigned char *t = (const unsigned char *)req->target.p;
	const unsigned char *e = t + req->target.len;
	const unsigned char *q = t;
	while (q < e && !(cls[*q] & C_PATHEND))
		q++;
	set_str(&req->path, t, (size_t)(q - t));
	if (q < e && *q == '?') {
		const unsigned char *h = ++q;
		while (h < e && *h != '#')
			h++;
		set_str(&req->query, q, (size_t)(h - q));
	}
}

/* A field's trimmed value v[0, vn) into *req (conn: the Connection
 * options seen so far). */
static void take_field(struct http_request *req, enum field f,
                       const unsigned char *v, size_t vn, int *conn)
{
	switch (f) {
	case F_HOST:
		set_str(&req->host, v, vn);
		break;
	case F_CONNECTION:
		*conn |= connection_options(v, vn);
		break;
	case F_USER_AGENT:
		set_str(&req->user_agent, v, vn);
		break;
	case F_REFERER:
		set_str(&req->referer, v, vn);
		break;
	case F_X_FORWARDED_FOR:
		/* The last field is the one our own proxy appended to. */
		set_str(&req->x_forwarded_for, v, vn);
		req->n_forwarded_for++;
		break;
	case F_X_REAL_IP:
		set_str(&req->x_real_ip, v, vn);
		break;
	default:
		break;
	}
}

/*
 * The header fields from i (just past the request line) to the empty line.
 * Returns the head's whole length, or HTTP_INCOMPLETE or an HTTP_ERR_*.
 * As above, hl caps what is read: reaching it while it is HTTP_HEAD_MAX
 * means the head cannot fit.
 */
static int parse_fields(const unsigned char *p, size_t len, size_t i,
                        struct http_request *req)
{
	size_t hl = len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX;
	unsigned n_host = 0, n_length = 0;
	int conn = 0;

	for (;;) {
		if (i == hl)
			goto head_short;
		if (p[i] == '\r') {
			if (i + 1 == hl)
				goto head_short;
			if (p[i + 1] != '\n')
				return HTTP_ERR_BAD;
			/* More than one Host was refused where it appeared. */
			if (req->minor == 1 && n_host == 0)
				return HTTP_ERR_BAD;
			if (conn & CONN_CLOSE)
				req->keep_alive = 0;
			else if (req->minor == 1)
				req->keep_alive = 1;
			else
				req->keep_alive = (conn & CONN_KEEP_ALIVE) != 0;
			return (int)(i + 2);
		}
		/* Also refuses obs-fold (SP/HTAB) and a bare LF here. */
		if (!(cls[p[i]] & C_TCHAR))
			return HTTP_ERR_BAD;
		if (req->n_headers == HTTP_HEADERS_MAX)
			return HTTP_ERR_HEADERS_TOO_LARGE;

		size_t n0 = i;
		while (i < hl && (cls[p[i]] & C_TCHAR))
			i++;
		if (i == hl)
			goto head_short;
		if (p[i] != ':')
			return HTTP_ERR_BAD;
		enum field f = field_of(p + n0, i - n0);
		req->n_headers++;
		/*
		 * Framing fields are judged at the colon: a body, or a second
		 * Host, is wrong whatever value follows.
		 */
		switch (f) {
		case F_HOST:
			if (++n_host > 1)
				return HTTP_ERR_BAD;
			break;
		case F_CONTENT_LENGTH:
			if (++n_length > 1)
				return HTTP_ERR_BODY;
			break;
		case F_TRANSFER_ENCODING:
			return HTTP_ERR_BODY;
		default:
			break;
		}
		i++;

		while (i < hl && (cls[p[i]] & C_OWS))
			i++;
		size_t v0 = i;
		i = value_end(p, i, hl);
		/* Before looking at the byte that ended the scan, so the verdict
		 * does not depend on where the buffer happened to end. */
		if (f == F_CONTENT_LENGTH && !content_length_ok(p + v0, i - v0))
			return HTTP_ERR_BODY;
		if (f == F_HOST && !host_ok(p + v0, i - v0, 0))
			return HTTP_ERR_BAD;
		if (i == hl)
			goto head_short;
		if (p[i] != '\r')
			return HTTP_ERR_BAD;
		if (f == F_CONTENT_LENGTH && i == v0)
			return HTTP_ERR_BODY;
		if (f == F_HOST && !host_ok(p + v0, i - v0, 1))
			return HTTP_ERR_BAD;
		if (i + 1 == hl)
			goto head_short;
		if (p[i + 1] != '\n')
			return HTTP_ERR_BAD;

		size_t v1 = i;
		while (v1 > v0 && (cls[p[v1 - 1]] & C_OWS))
			v1--;
		take_field(req, f, p + v0, v1 - v0, &conn);
		i += 2;
	}

head_short:
	return hl == HTTP_HEAD_MAX ? HTTP_ERR_HEADERS_TOO_LARGE : HTTP_INCOMPLETE;
}

int http_parse(const char *buf, size_t len, struct http_request *req)
{
	const unsigned char *p = (const unsigned char *)buf;
	memset(req, 0, sizeof *req);
	int line = parse_request_line(p, len, req);
	if (line <= 0)
		return line;
	split_target(req);
	return parse_fields(p, len, (size_t)line, req);
}

int http_error_status(int err)
{
	switch (err) {
	case HTTP_ERR_BAD:
	case HTTP_ERR_BODY:
		return 400;
	case HTTP_ERR_URI_TOO_LONG:
		return 414;
	case HTTP_ERR_HEADERS_TOO_LARGE:
		return 431;
	case HTTP_ERR_VERSION:
		return 505;
	}
	return 500;   /* not an HTTP_ERR_*: a bug in the caller */
}

/* Reason phrases with their lengths, so the writers never strlen. */
static const char *reason_of(int status, size_t *len)
{
#define R(s, text) case s: *len = sizeof text - 1; return text
	switch (status) {
	R(200, "OK");
	R(301, "Moved Permanently");
	R(302, "Found");
	R(307, "Temporary Redirect");
	R(308, "Permanent Redirect");
	R(400, "Bad Request");
	R(404, "Not Found");
	R(405, "Method Not Allowed");
	R(410, "Gone");
	R(414, "URI Too Long");
	R(431, "Request Header Fields Too Large");
	R(500, "Internal Server Error");
	R(503, "Service Unavailable");
	R(505, "HTTP Version Not Supported");
	}
	*len = 7;
	return "Unknown";
#undef R
}

#define REASON_MAX (sizeof "Request Header Fields Too Large" - 1)

const char *http_reason(int status)
{
	size_t len;
	return reason_of(status, &len);
}

#define S(lit) lit, sizeof lit - 1
#define LEN(lit) (sizeof lit - 1)
#define DATE_LEN 29

static const char status_prefix[] = "HTTP/1.1 ";
static const char date_field[] = "\r\nDate: ";
static const char location_field[] = "\r\nLocation: ";
static const char redirect_tail[] = "\r\nCache-Control: private, max-age=0\r\n"
                                    "Content-Length: 0\r\n";
static const char allow_field[] = "Allow: GET, HEAD\r\n";
static const char error_fields[] = "Cache-Control: no-store\r\n"
                                   "Content-Type: text/plain; charset=utf-8\r\n"
                                   "Content-Length: ";
static const char text_fields[] = "Cache-Control: public, max-age=86400\r\n"
                                  "Content-Type: text/plain; charset=utf-8\r\n"
                                  "Content-Length: ";
static const char close_field[] = "Connection: close\r\n";
static const char keep_field[] = "Connection: keep-alive\r\n";

/* "HTTP/1.1 302 Found\r\nDate: <date>": how every response starts. */
#define STATUS_LINE_LEN(rlen) \
	(LEN(status_prefix) + 3 + 1 + (rlen) + LEN(date_field) + DATE_LEN)

/* HTTP_REDIRECT_MAX promises the caller a buffer size; keep it true. */
_Static_assert(STATUS_LINE_LEN(REASON_MAX) + LEN(location_field) +
               LEN(redirect_tail) + LEN(keep_field) + 2 <= HTTP_REDIRECT_MAX(0),
               "HTTP_REDIRECT_MAX is not a bound");

static char *put(char *o, const char *s, size_t n)
{
	memcpy(o, s, n);
	return o + n;
}

static size_t conn_len(int conn)
{
	return conn == HTTP_CONN_CLOSE ? LEN(close_field)
	     : conn == HTTP_CONN_KEEP_ALIVE ? LEN(keep_field) : 0;
}

static char *put_conn(char *o, int conn)
{
	if (conn == HTTP_CONN_CLOSE)
		return put(o, S(close_field));
	if (conn == HTTP_CONN_KEEP_ALIVE)
		return put(o, S(keep_field));
	return o;
}

static char *put_status(char *o, int status)
{
	o[0] = (char)('0' + status / 100);
	o[1] = (char)('0' + status / 10 % 10);
	o[2] = (char)('0' + status % 10);
	return o + 3;
}

/* STATUS_LINE_LEN(rlen) bytes. */
static char *put_status_line(char *o, int status, const char *reason,
                             size_t rlen, const char *date)
{
	o = put(o, S(status_prefix));
	o = put_status(o, status);
	*o++ = ' ';
	o = put(o, reason, rlen);
	o = put(o, S(date_field));
	return put(o, date, DATE_LEN);
}

/*
 * A control byte in Location would split the response (CR, LF) or make
 * nginx refuse it; target_servable() should have caught it, but the writer
 * is the last place that can keep it off the wire.
 */
static int field_value_ok(const unsigned char *p, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (!(cls[p[k]] & C_VALUE) || p[k] == '\t')
			return 0;
	return 1;
}

size_t http_write_redirect(char *out, size_t cap, int status,
                           const char *location, size_t location_len,
                           const char *date, int conn)
{
	size_t rlen;
	const char *reason = reason_of(status, &rlen);

	if (status < 100 || status > 999)
		return 0;
	if (!field_value_ok((const unsigned char *)location, location_len))
		return 0;
	size_t n = STATUS_LINE_LEN(rlen) + LEN(location_field) + location_len +
	           LEN(redirect_tail) + conn_len(conn) + 2;
	if (n > cap)
		return 0;

	char *o = put_status_line(out, status, reason, rlen, date);
	o = put(o, S(location_field));
	if (location_len)   /* memcpy from a NULL location is undefined */
		o = put(o, location, location_len);
	o = put(o, S(redirect_tail));
	o = put_conn(o, conn);
	o = put(o, S("\r\n"));
	return (size_t)(o - out);
}

/* n in decimal; returns the end.  n < 100000. */
static char *put_uint(char *o, size_t n)
{
	char d[5];
	int k = 0;
	do {
		d[k++] = (char)('0' + n % 10);
		n /= 10;
	} while (n && k < 5);
	while (k)
		*o++ = d[--k];
	return o;
}

static size_t uint_len(size_t n)
{
	return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : 5;
}

size_t http_write_text(char *out, size_t cap, int status, const char *body,
                       size_t body_len, const char *date, int conn,
                       int head_only)
{
	size_t rlen;
	const char *reason = reason_of(status, &rlen);

	if (status < 100 || status > 999 || body_len > HTTP_TEXT_MAX)
		return 0;
	size_t n = STATUS_LINE_LEN(rlen) + 2 + LEN(text_fields) +
	           uint_len(body_len) + 2 + conn_len(conn) + 2 +
	           (head_only ? 0 : body_len);
	if (n > cap)
		return 0;

	char *o = put_status_line(out, status, reason, rlen, date);
	o = put(o, S("\r\n"));
	o = put(o, S(text_fields));
	o = put_uint(o, body_len);
	o = put(o, S("\r\n"));
	o = put_conn(o, conn);
	o = put(o, S("\r\n"));
	if (!head_only && body_len)
		o = put(o, body, body_len);
	return (size_t)(o - out);
}

size_t http_write_error(char *out, size_t cap, int status, const char *date,
                        int conn, int head_only)
{
	size_t rlen;
	const char *reason = reason_of(status, &rlen);

	if (status < 100 || status > 999)
		return 0;
	/* Body "404 Not Found\n": 3 + 1 + at most REASON_MAX + 1 bytes, so its
	 * length always has two digits. */
	size_t body = 3 + 1 + rlen + 1;
	_Static_assert(3 + 1 + REASON_MAX + 1 < 100, "body length digits");
	size_t n = STATUS_LINE_LEN(rlen) + 2 +
	           (status == 405 ? LEN(allow_field) : 0) +
	           LEN(error_fields) + 2 + 2 + conn_len(conn) +
	           2 + (head_only ? 0 : body);
	if (n > cap)
		return 0;

	char *o = put_status_line(out, status, reason, rlen, date);
	o = put(o, S("\r\n"));
	if (status == 405)
		o = put(o, S(allow_field));
	o = put(o, S(error_fields));
	*o++ = (char)('0' + body / 10);
	*o++ = (char)('0' + body % 10);
	o = put(o, S("\r\n"));
	o = put_conn(o, conn);
	o = put(o, S("\r\n"));
	if (!head_only) {
		o = put_status(o, status);
		*o++ = ' ';
		o = put(o, reason, rlen);
		*o++ = '\n';
	}
	return (size_t)(o - out);
}

/*
 * Civil date from days since 1970-01-01 (H. Hinnant's algorithm): no
 * gmtime_r, so no time_t width or tz concerns and no locale names.
 */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void two_digits(char *o, unsigned v)
{
	o[0] = (char)('0' + v / 10);
	o[1] = (char)('0' + v % 10);
}

void http_format_date(int64_t t, char out[30])
{
	static const char wdays[] = "ThuFriSatSunMonTueWed";  /* 1970-01-01: Thu */
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	/* IMF-fixdate has a four-digit year: clamp to 1970..9999. */
	const int64_t max = INT64_C(253402300799);  /* 9999-12-31T23:59:59Z */
	if (t < 0)
		t = 0;
	if (t > max)
		t = max;

	int64_t days = t / 86400;
	unsigned secs = (unsigned)(t % 86400);
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	unsigned year = (unsigned)y;

	memcpy(out, wdays + 3 * (days % 7), 3);
	out[3] = ',';
	out[4] = ' ';
	two_digits(out + 5, d);
	out[7] = ' ';
	memcpy(out + 8, months + 3 * (m - 1), 3);
	out[11] = ' ';
	two_digits(out + 12, year / 100);
	two_digits(out + 14, year % 100);
	out[16] = ' ';
	two_digits(out + 17, secs / 3600);
	out[19] = ':';
	two_digits(out + 20, secs / 60 % 60);
	out[22] = ':';
	two_digits(out + 23, secs % 60);
	memcpy(out + 25, " GMT", 4);
	out[29] = '\0';
}
