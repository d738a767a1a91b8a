/*
 * fuzz_http: the request-head parser and the response writers.
 *
 * Beyond "no crash", the parser's promises are checked: a head length lies
 * within the input and the limits, every view lies inside the head, and the
 * verdict is stable as bytes arrive (the one-byte-shorter prefix is either
 * HTTP_INCOMPLETE or gives the same answer), which is what lets the server
 * act on a partial read; an accepted Host is a host and a port of at most
 * 65535.  The same bytes then feed the writers: a status and
 * flags from the first bytes, the rest as a Location.  Any broken promise
 * aborts, so the replay build (replay.c) fails on it too.
 */
#include "http.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static int view_inside(struct http_str s, const char *b, size_t n)
{
	if (!s.p)
		return s.len == 0;
	return s.p >= b && s.len <= n && s.p - b <= (ptrdiff_t)(n - s.len);
}

static int is_error(int rc)
{
	return rc == HTTP_ERR_BAD || rc == HTTP_ERR_BODY ||
	       rc == HTTP_ERR_URI_TOO_LONG ||
	       rc == HTTP_ERR_HEADERS_TOO_LARGE || rc == HTTP_ERR_VERSION;
}

static int parse_copy(const uint8_t *data, size_t n, struct http_request *r)
{
	/* Exact-size copy: ASan then catches a read past n. */
	char *b = malloc(n ? n : 1);
	if (!b)
		abort();
	memcpy(b, data, n);
	int rc = http_parse(b, n, r);
	free(b);
	return rc;
}

static void check_head(const char *b, size_t size, int rc,
                       const struct http_request *r)
{
	size_t n = (size_t)rc;
	CHECK(n <= size && n <= HTTP_HEAD_MAX);
	CHECK(n >= 4 && memcmp(b + n - 4, "\r\n\r\n", 4) == 0);

	const struct http_str *v[] = {
		&r->method_name, &r->target, &r->path, &r->query, &r->host,
		&r->user_agent, &r->referer, &r->x_forwarded_for, &r->x_real_ip,
	};
	for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
		CHECK(view_inside(*v[k], b, n));

	CHECK(r->method_name.p == b && r->method_name.len > 0);
	if (r->method == HTTP_GET)
		CHECK(r->method_name.len == 3 && !memcmp(b, "GET", 3));
	else if (r->method == HTTP_HEAD)
		CHECK(r->method_name.len == 4 && !memcmp(b, "HEAD", 4));
	else
		CHECK(r->method == HTTP_OTHER);

	CHECK(r->target.p == b + r->method_name.len + 1);
	CHECK(r->target.len > 0 && r->target.p[0] == '/');
	for (size_t k = 0; k < r->target.len; k++)
		CHECK(r->target.p[k] > 0x20 && r->target.p[k] < 0x7f);
	CHECK(r->method_name.len + 1 + r->target.len + 1 + 10 <= HTTP_LINE_MAX);
	CHECK(r->path.p == r->target.p && r->path.len <= r->target.len);
	CHECK(!memchr(r->path.p, '?', r->path.len));
	CHECK(!memchr(r->path.p, '#', r->path.len));
	if (r->query.p) {
		CHECK(r->query.p == r->path.p + r->path.len + 1);
		CHECK(r->query.p[-1] == '?');
		CHECK(r->query.p + r->query.len <= r->target.p + r->target.len);
		CHECK(!memchr(r->query.p, '#', r->query.len));
	}

	CHECK(r->minor == 0 || r->minor == 1);
	CHECK(r->keep_alive == 0 || r->keep_alive == 1);
	CHECK(r->n_headers <= HTTP_HEADERS_MAX);
	if (r->minor == 1)
		CHECK(r->host.p != NULL);
	/* A Host holds a host before any port ("[::1", ":", "a:99999999"
	 * and percent-encoding are refused); see host_ok in http.c. */
	if (r->host.len) {
		const char *h = r->host.p;
		size_t hn = r->host.len;
		CHECK(h[0] != ':' && !memchr(h, '%', hn));
		size_t end = 0;
		if (h[0] == '[') {
			const char *rb = memchr(h, ']', hn);
			CHECK(rb && rb - h >= 3);
			end = (size_t)(rb - h) + 1;
		} else {
			while (end < hn && h[end] != ':')
				end++;
			CHECK(!memchr(h, '[', end) && !memchr(h, ']', end));
		}
		if (end < hn) {
			CHECK(h[end] == ':' && hn - end - 1 <= 5);
			unsigned port = 0;
			for (size_t k = end + 1; k < hn; k++) {
				CHECK(h[k] >= '0' && h[k] <= '9');
				port = port * 10 + (unsigned)(h[k] - '0');
			}
			CHECK(port <= 65535);
		}
	}
	CHECK(r->n_forwarded_for <= r->n_headers);
	CHECK((r->n_forwarded_for > 0) == (r->x_forwarded_for.p != NULL));
}

static void fuzz_parser(const uint8_t *data, size_t size)
{
	struct http_request r;
	int rc = http_parse((const char *)data, size, &r);

	if (rc > 0)
		check_head((const char *)data, size, rc, &r);
	else
		CHECK(rc == HTTP_INCOMPLETE || is_error(rc));

	/* Stable verdicts: one byte fewer says the same or "incomplete". */
	if (size > 0) {
		int shorter = parse_copy(data, size - 1, &r);
		if (shorter != HTTP_INCOMPLETE)
			CHECK(shorter == rc);
	}
	/* A head parses the same alone, and its proper prefixes are
	 * incomplete. */
	if (rc > 0) {
		CHECK(parse_copy(data, (size_t)rc, &r) == rc);
		CHECK(parse_copy(data, (size_t)rc - 1, &r) == HTTP_INCOMPLETE);
	}
}

/* Every LF ends a CRLF and every CR starts one: nothing can split. */
static int lines_ok(const char *o, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (o[k] == '\r' && (k + 1 == n || o[k + 1] != '\n'))
			return 0;
		if (o[k] == '\n' && (k == 0 || o[k - 1] != '\r'))
			return 0;
	}
	return 1;
}

static void fuzz_writers(const uint8_t *data, size_t size)
{
	static char out[HTTP_REDIRECT_MAX(4096)];
	char date[30];
	int64_t t = 0;

	if (size < 11)
		return;
	int status = (int)((data[0] | data[1] << 8) % 1100) - 50;
	int close = data[2] & 1, head_only = (data[2] >> 1) & 1;
	memcpy(&t, data + 3, sizeof t);
	http_format_date(t, date);
	CHECK(date[29] == '\0' && date[3] == ',' &&
	      memcmp(date + 25, " GMT", 4) == 0);
	for (int k = 0; k < 29; k++)
		CHECK(date[k] >= 0x20 && date[k] < 0x7f);

	const char *loc = (const char *)data + 11;
	size_t loc_len = size - 11;
	if (loc_len > 4096)
		loc_len = 4096;
	int refuse = status < 100 || status > 999;
	int ctl = 0;
	for (size_t k = 0; k < loc_len; k++) {
		unsigned char c = (unsigned char)loc[k];
		if (c < 0x20 || c == 0x7f)
			ctl = 1;
	}

	size_t n = http_write_redirect(out, sizeof out, status, loc, loc_len,
	                               date, close);
	CHECK((n == 0) == (refuse || ctl));
	if (n > 0) {
		CHECK(n <= HTTP_REDIRECT_MAX(loc_len));
		CHECK(memcmp(out, "HTTP/1.1 ", 9) == 0);
		CHECK(memcmp(out + n - 4, "\r\n\r\n", 4) == 0);
		CHECK(lines_ok(out, n));
		/* Exactly n bytes are needed. */
		char *exact = malloc(n);
		CHECK(exact);
		CHECK(http_write_redirect(exact, n, status, loc, loc_len, date,
		                          close) == n);
		CHECK(memcmp(exact, out, n) == 0);
		CHECK(http_write_redirect(exact, n - 1, status, loc, loc_len,
		                          date, close) == 0);
		free(exact);
	}

	n = http_write_error(out, sizeof out, status, date, close, head_only);
	CHECK((n == 0) == refuse);
	if (n > 0) {
		const char *cl = memmem(out, n, "Content-Length: ", 16);
		CHECK(cl);
		size_t body = (size_t)(cl[16] - '0') * 10 + (size_t)(cl[17] - '0');
		CHECK(cl[18] == '\r');
		const char *end = memmem(out, n, "\r\n\r\n", 4);
		CHECK(end);
		size_t head = (size_t)(end + 4 - out);
		CHECK(n == head + (head_only ? 0 : body));
		CHECK(lines_ok(out, head));
		CHECK(head_only || out[n - 1] == '\n');
		CHECK((status == 405) == (memmem(out, head, "\r\nAllow: ", 9) != NULL));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_parser(data, size);
	fuzz_writers(data, size);
	return 0;
}
