/*
 * test_http: the strict request-head parser and the response writers.
 *
 * Every input is copied into an exactly-sized heap block before parsing, so
 * an ASan build catches any read past len.  Besides each request's own
 * verdict, the prefixes of every request are parsed too: a valid head must
 * be HTTP_INCOMPLETE on every proper prefix (a slow client is never
 * refused), and an invalid one must only ever show HTTP_INCOMPLETE or its
 * final error (the verdict never changes as bytes arrive).
 */
#include "http.h"
#include "tap.h"

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* The buffer the last parse() ran on; views in the request point into it. */
static char *held;

static char *dup_exact(const char *s, size_t n)
{
	char *b = malloc(n ? n : 1);
	if (!b)
		abort();
	memcpy(b, s, n);
	return b;
}

static int parse(const char *s, size_t n, struct http_request *r)
{
	free(held);
	held = dup_exact(s, n);
	return http_parse(held, n, r);
}

#define PARSE_LIT(lit, r) parse(lit, sizeof lit - 1, r)

/* A view as a C string for is_str(); NULL stays NULL. */
static const char *sv(struct http_str s)
{
	static char ring[8][HTTP_HEAD_MAX + 1];
	static int next;
	if (!s.p)
		return NULL;
	char *b = ring[next++ % 8];
	memcpy(b, s.p, s.len);
	b[s.len] = '\0';
	return b;
}

/* Every view non-NULL and inside held[0..n), or NULL with len 0. */
static int views_inside(const struct http_request *r, size_t n)
{
	const struct http_str *v[] = {
		&r->method_name, &r->target, &r->path, &r->query, &r->host,
		&r->user_agent, &r->referer, &r->x_forwarded_for, &r->x_real_ip,
	};
	for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
		if (!v[k]->p) {
			if (v[k]->len)
				return 0;
			continue;
		}
		if (v[k]->p < held || v[k]->p + v[k]->len > held + n)
			return 0;
	}
	return 1;
}

/* First proper prefix length that does not parse as HTTP_INCOMPLETE, or -1. */
static long first_non_incomplete_prefix(const char *s, size_t n)
{
	struct http_request r;
	for (size_t l = 0; l < n; l++) {
		char *b = dup_exact(s, l);
		int rc = http_parse(b, l, &r);
		free(b);
		if (rc != HTTP_INCOMPLETE)
			return (long)l;
	}
	return -1;
}

/* First prefix length (0..n) whose verdict is neither HTTP_INCOMPLETE nor
 * want, or -1.  *detect: the shortest prefix showing want. */
static long first_inconsistent_prefix(const char *s, size_t n, int want,
                                      long *detect)
{
	struct http_request r;
	*detect = -1;
	for (size_t l = 0; l <= n; l++) {
		char *b = dup_exact(s, l);
		int rc = http_parse(b, l, &r);
		free(b);
		if (rc != HTTP_INCOMPLETE && rc != want)
			return (long)l;
		if (rc == want && *detect < 0)
			*detect = (long)l;
	}
	return -1;
}

/* ---- valid requests ---------------------------------------------------- */

struct valid_case {
	const char *name;
	const char *req;
	size_t len;
	int method;
	const char *method_name, *target, *path, *query;
	int minor, keep_alive;
	unsigned n_headers;
	const char *host, *ua, *referer, *xff, *xrip;
	unsigned n_xff;
};

#define REQ(s) .req = s, .len = sizeof s - 1

static const struct valid_case valid[] = {
	{ .name = "plain GET 1.1",
	  REQ("GET /abc HTTP/1.1\r\nHost: sho.rt\r\n\r\n"),
	  .method = HTTP_GET, .method_name = "GET", .target = "/abc",
	  .path = "/abc", .minor = 1, .keep_alive = 1, .n_headers = 1,
	  .host = "sho.rt" },
	{ .name = "HEAD with query and UA",
	  REQ("HEAD /x?utm=1 HTTP/1.1\r\nHost: sho.rt\r\n"
	      "User-Agent: curl/8.5.0\r\n\r\n"),
	  .method = HTTP_HEAD, .method_name = "HEAD", .target = "/x?utm=1",
	  .path = "/x", .query = "utm=1", .minor = 1, .keep_alive = 1,
	  .n_headers = 2, .host = "sho.rt", .ua = "curl/8.5.0" },
	{ .name = "1.0 without headers",
	  REQ("GET /x HTTP/1.0\r\n\r\n"),
	  .method = HTTP_GET, .method_name = "GET", .target = "/x",
	  .path = "/x", .minor = 0, .keep_alive = 0, .n_headers = 0 },
	{ .name = "1.0 keep-alive",
	  REQ("GET /x HTTP/1.0\r\nConnection: Keep-Alive\r\nHost: a\r\n\r\n"),
	  .method = HTTP_GET, .method_name = "GET", .target = "/x",
	  .path = "/x", .minor = 0, .keep_alive = 1, .n_headers = 2,
	  .host = "a" },
	{ .name = "1.1 close",
	  REQ("GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
	  .method = HTTP_GET, .method_name = "GET", .target = "/x",
	  .path = "/x", .minor = 1, .keep_alive = 0, .n_headers = 2,
	  .host = "a" },
	{ .name = "browser-like via nginx",
	  REQ("GET /promo?utm_source=mail&x=%20y HTTP/1.1\r\n"
	      "Host: go.example.com\r\n"
	      "X-Real-IP: 203.0.113.7\r\n"
	      "X-Forwarded-For: 198.51.100.1, 203.0.113.7\r\n"
	      "Connection: keep-alive\r\n"
	      "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:125.0) "
	      "Gecko/20100101 Firefox/125.0\r\n"
	      "Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8\r\n"
	      "Accept-Language: en-US,en;q=0.5\r\n"
	      "Referer: https://mail.example.net/inbox?id=1\r\n"
	      "X-Forwarded-For: 10.0.0.9\r\n"
	      "\r\n"),
	  .method = HTTP_GET, .method_name = "GET",
	  .target = "/promo?utm_source=mail&x=%20y", .path = "/promo",
	  .query = "utm_source=mail&x=%20y", .minor = 1, .keep_alive = 1,
	  .n_headers = 9, .host = "go.example.com",
	  .ua = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 "
	        "Firefox/125.0",
	  .referer = "https://mail.example.net/inbox?id=1",
	  .xff = "10.0.0.9", .xrip = "203.0.113.7", .n_xff = 2 },
	{ .name = "HTTP/1.9 read as 1.1",
	  REQ("GET / HTTP/1.9\r\nHost: a\r\n\r\n"),
	  .method = HTTP_GET, .method_name = "GET", .target = "/", .path = "/",
	  .minor = 1, .keep_alive = 1, .n_headers = 1, .host = "a" },
	{ .name = "OWS trimmed around values",
	  REQ("GET / HTTP/1.1\r\nHost:  \ta.b\t \r\n"
	      "User-Agent: \t Mozilla/5.0 (X11) \t \r\n"
	      "Referer:r\r\n\r\n"),
	  .method = HTTP_GET, .method_name = "GET", .target = "/", .path = "/",
	  .minor = 1, .keep_alive = 1, .n_headers = 3, .host = "a.b",
	  .ua = "Mozilla/5.0 (X11)", .referer = "r" },
	{ .name = "obs-text and HTAB inside values",
	  REQ("GET / HTTP/1.1\r\nHost: a\r\n"
	      "Referer: https://ex.com/caf\xc3\xa9\r\n"
	      "User-Agent: a\tb\xff\x80\r\n\r\n"),
	  .method = HTTP_GET, .method_name = "GET", .target = "/", .path = "/",
	  .minor = 1, .keep_alive = 1, .n_headers = 3, .host = "a",
	  .ua = "a\tb\xff\x80", .referer = "https://ex.com/caf\xc3\xa9" },
	{ .name = "header names in any case",
	  REQ("GET / HTTP/1.1\r\nhost: h\r\nuSER-aGENT: u\r\nREFERER: r\r\n"
	      "x-forwarded-for: 1.2.3.4\r\nX-REAL-IP: 5.6.7.8\r\n"
	      "CONNECTION: CLOSE\r\n\r\n"),
	  .method = HTTP_GET, .method_name = "GET", .target = "/", .path = "/",
	  .minor = 1, .keep_alive = 0, .n_headers = 6, .host = "h",
	  .ua = "u", .referer = "r", .xff = "1.2.3.4", .xrip = "5.6.7.8",
	  .n_xff = 1 },
	{ .name = "Content-Length 0 accepted",
	  REQ("GET / HTTP/1.1\r\nContent-Length: 0 \t\r\nHost: a\r\n\r\n"),
	  .method = HTTP_GET, .method_name = "GET", .target = "/", .path = "/",
	  .minor = 1, .keep_alive = 1, .n_headers = 2, .host = "a" },
	{ .name = "Content-Length:0 without OWS",
	  REQ("HEAD / HTTP/1.0\r\nContent-Length:0\r\n\r\n"),
	  .method = HTTP_HEAD, .method_name = "HEAD", .target = "/",
	  .path = "/", .minor = 0, .keep_alive = 0, .n_headers = 1 },
	{ .name = "other method still parses",
	  REQ("POST /form HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .method = HTTP_OTHER, .method_name = "POST", .target = "/form",
	  .path = "/form", .minor = 1, .keep_alive = 1, .n_headers = 1,
	  .host = "a" },
	{ .name = "last X-Real-IP wins",
	  REQ("GET / HTTP/1.1\r\nHost: a\r\nX-Real-IP: 1.1.1.1\r\n"
	      "X-Real-IP: 2.2.2.2\r\n\r\n"),
	  .method = HTTP_GET, .method_name = "GET", .target = "/", .path = "/",
	  .minor = 1, .keep_alive = 1, .n_headers = 3, .host = "a",
	  .xrip = "2.2.2.2" },
	{ .name = "1.0 close beats keep-alive",
	  REQ("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n"),
	  .method = HTTP_GET, .method_name = "GET", .target = "/", .path = "/",
	  .minor = 0, .keep_alive = 0, .n_headers = 1 },
	{ .name = "1.0 keep-alive among other options",
	  REQ("GET / HTTP/1.0\r\nConnection: Upgrade ,\t KEEP-ALIVE ,\r\n\r\n"),
	  .method = HTTP_GET, .method_name = "GET", .target = "/", .path = "/",
	  .minor = 0, .keep_alive = 1, .n_headers = 1 },
	{ .name = "1.1 close in a second Connection field",
	  REQ("GET / HTTP/1.1\r\nConnection: keep-alive\r\nHost: a\r\n"
	      "Connection: close\r\n\r\n"),
	  .method = HTTP_GET, .method_name = "GET", .target = "/", .path = "/",
	  .minor = 1, .keep_alive = 0, .n_headers = 3, .host = "a" },
	{ .name = "1.1 'closed' is not close",
	  REQ("GET / HTTP/1.1\r\nHost: a\r\nConnection: closed, xclose\r\n\r\n"),
	  .method = HTTP_GET, .method_name = "GET", .target = "/", .path = "/",
	  .minor = 1, .keep_alive = 1, .n_headers = 2, .host = "a" },
	{ .name = "empty Host in 1.1",
	  REQ("GET / HTTP/1.1\r\nHost:\r\n\r\n"),
	  .method = HTTP_GET, .method_name = "GET", .target = "/", .path = "/",
	  .minor = 1, .keep_alive = 1, .n_headers = 1, .host = "" },
	{ .name = "Host with a port",
	  REQ("GET / HTTP/1.1\r\nHost: go.example.org:8443\r\n\r\n"),
	  .method = HTTP_GET, .method_name = "GET", .target = "/", .path = "/",
	  .minor = 1, .keep_alive = 1, .n_headers = 1,
	  .host = "go.example.org:8443" },
	{ .name = "Host as an IPv6 literal with a port",
	  REQ("GET / HTTP/1.1\r\nHost: [2001:db8::1]:80 \t\r\n\r\n"),
	  .method = HTTP_GET, .method_name = "GET", .target = "/", .path = "/",
	  .minor = 1, .keep_alive = 1, .n_headers = 1,
	  .host = "[2001:db8::1]:80" },
	{ .name = "Host with every reg-name byte class",
	  REQ("GET / HTTP/1.1\r\nHost: aZ0-._~!$&'()*+,;=\r\n\r\n"),
	  .method = HTTP_GET, .method_name = "GET", .target = "/", .path = "/",
	  .minor = 1, .keep_alive = 1, .n_headers = 1,
	  .host = "aZ0-._~!$&'()*+,;=" },
	{ .name = "every VCHAR in the target",
	  REQ("GET /!\"$%&'()*+,-./09:;<=>@AZ[\\]^_`az{|}~?q=?#f?x HTTP/1.1\r\n"
	      "Host: a\r\n\r\n"),
	  .method = HTTP_GET, .method_name = "GET",
	  .target = "/!\"$%&'()*+,-./09:;<=>@AZ[\\]^_`az{|}~?q=?#f?x",
	  .path = "/!\"$%&'()*+,-./09:;<=>@AZ[\\]^_`az{|}~", .query = "q=?",
	  .minor = 1, .keep_alive = 1, .n_headers = 1, .host = "a" },
};

static void test_valid(void)
{
	for (size_t k = 0; k < sizeof valid / sizeof valid[0]; k++) {
		const struct valid_case *c = &valid[k];
		struct http_request r;
		int rc = parse(c->req, c->len, &r);
		is_int(rc, (long long)c->len, "%s: head length", c->name);
		ok(views_inside(&r, c->len), "%s: views inside the buffer",
		   c->name);
		is_int(r.method, c->method, "%s: method", c->name);
		is_str(sv(r.method_name), c->method_name, "%s: method name",
		       c->name);
		is_str(sv(r.target), c->target, "%s: target", c->name);
		is_str(sv(r.path), c->path, "%s: path", c->name);
		is_str(sv(r.query), c->query, "%s: query", c->name);
		is_int(r.minor, c->minor, "%s: minor", c->name);
		is_int(r.keep_alive, c->keep_alive, "%s: keep_alive", c->name);
		is_int(r.n_headers, c->n_headers, "%s: n_headers", c->name);
		is_str(sv(r.host), c->host, "%s: host", c->name);
		is_str(sv(r.user_agent), c->ua, "%s: user agent", c->name);
		is_str(sv(r.referer), c->referer, "%s: referer", c->name);
		is_str(sv(r.x_forwarded_for), c->xff, "%s: x-forwarded-for",
		       c->name);
		is_str(sv(r.x_real_ip), c->xrip, "%s: x-real-ip", c->name);
		is_int(r.n_forwarded_for, c->n_xff, "%s: n_forwarded_for",
		       c->name);
		is_int(first_non_incomplete_prefix(c->req, c->len), -1,
		       "%s: every proper prefix is incomplete", c->name);
	}
}

/* Present but empty is p != NULL, len 0; absent is p == NULL. */
static void test_empty_vs_absent(void)
{
	struct http_request r;
	int rc = PARSE_LIT("GET / HTTP/1.1\r\nHost: a\r\nX-Real-IP:  \r\n"
	                   "User-Agent:\r\n\r\n", &r);
	ok(rc > 0, "empty values parse");
	ok(r.x_real_ip.p != NULL && r.x_real_ip.len == 0,
	   "empty X-Real-IP: non-NULL, len 0");
	ok(r.user_agent.p != NULL && r.user_agent.len == 0,
	   "empty User-Agent: non-NULL, len 0");
	ok(r.referer.p == NULL && r.referer.len == 0, "absent Referer: NULL");
	ok(r.x_forwarded_for.p == NULL && r.n_forwarded_for == 0,
	   "absent X-Forwarded-For: NULL, count 0");

	/* The request is cleared even when the call fails early. */
	memset(&r, 0x5a, sizeof r);
	rc = PARSE_LIT("GE", &r);
	is_int(rc, HTTP_INCOMPLETE, "incomplete method");
	ok(r.host.p == NULL && r.n_headers == 0 && r.target.p == NULL,
	   "request cleared on an incomplete parse");
	memset(&r, 0x5a, sizeof r);
	rc = parse("", 0, &r);
	is_int(rc, HTTP_INCOMPLETE, "empty buffer is incomplete");
	ok(r.method == 0 && r.method_name.p == NULL, "request cleared on len 0");
}

/* ---- methods and targets ----------------------------------------------- */

static void test_methods(void)
{
	static const struct {
		const char *m;
		int want;
	} cases[] = {
		{ "GET", HTTP_GET },       { "HEAD", HTTP_HEAD },
		{ "get", HTTP_OTHER },     { "Get", HTTP_OTHER },
		{ "head", HTTP_OTHER },    { "POST", HTTP_OTHER },
		{ "PUT", HTTP_OTHER },     { "OPTIONS", HTTP_OTHER },
		{ "GE", HTTP_OTHER },      { "GETS", HTTP_OTHER },
		{ "HEADS", HTTP_OTHER },   { "HEA", HTTP_OTHER },
		{ "M-SEARCH", HTTP_OTHER },
		{ "!#$%&'*+-.^_`|~09AZaz", HTTP_OTHER },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		char req[128];
		struct http_request r;
		int n = snprintf(req, sizeof req, "%s / HTTP/1.1\r\nHost: a\r\n\r\n",
		                 cases[k].m);
		int rc = parse(req, (size_t)n, &r);
		is_int(rc, n, "method %s parses", cases[k].m);
		is_int(r.method, cases[k].want, "method %s class", cases[k].m);
		is_str(sv(r.method_name), cases[k].m, "method %s name",
		       cases[k].m);
	}
}

static void test_targets(void)
{
	static const struct {
		const char *target, *path, *query;
	} cases[] = {
		{ "/", "/", NULL },
		{ "/a?b=c#frag", "/a", "b=c" },
		{ "/a#f?x", "/a", NULL },
		{ "/?", "/", "" },
		{ "/a??b", "/a", "?b" },
		{ "/a?b#", "/a", "b" },
		{ "/a?#", "/a", "" },
		{ "/#", "/", NULL },
		{ "//x/y/../z", "//x/y/../z", NULL },
		{ "/%3F?%23", "/%3F", "%23" },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		char req[128];
		struct http_request r;
		int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: a\r\n\r\n",
		                 cases[k].target);
		int rc = parse(req, (size_t)n, &r);
		is_int(rc, n, "target %s parses", cases[k].target);
		is_str(sv(r.target), cases[k].target, "target %s as sent",
		       cases[k].target);
		is_str(sv(r.path), cases[k].path, "target %s path",
		       cases[k].target);
		is_str(sv(r.query), cases[k].query, "target %s query",
		       cases[k].target);
		ok(r.path.p == r.target.p, "target %s: path starts the target",
		   cases[k].target);
	}
}

/* ---- refusals ---------------------------------------------------------- */

struct bad_case {
	const char *name;
	const char *req;
	size_t len;
	int want;
};

#define BAD(n, s, w) { n, s, sizeof s - 1, w }
#define H11 "GET / HTTP/1.1\r\nHost: a\r\n"

static const struct bad_case bad[] = {
	/* request line */
	BAD("leading CRLF", "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_ERR_BAD),
	BAD("leading LF", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_ERR_BAD),
	BAD("leading space", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_ERR_BAD),
	BAD("empty method", " / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_ERR_BAD),
	BAD("NUL in method", "G\0T / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_ERR_BAD),
	BAD("non-token method", "GE(T / HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("quoted method", "\"GET\" / HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("method with colon", "GET: / HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("two spaces after method", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("tab after method", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("empty target", "GET  HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_ERR_BAD),
	BAD("asterisk target", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("absolute-form target",
	    "GET http://a/x HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_ERR_BAD),
	BAD("authority-form target", "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("DEL in target", "GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("obs-text in target", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("tab in target", "GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("NUL in target", "GET /a\0 HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("space in target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("two spaces before version", "GET /  HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("no version (HTTP/0.9 style)", "GET /\r\n\r\n", HTTP_ERR_BAD),
	BAD("lower-case protocol", "GET / http/1.1\r\nHost: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("HTTP/1 without minor", "GET / HTTP/1\r\nHost: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("HTTP/1.10", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", HTTP_ERR_BAD),
	BAD("HTTP/11.1", "GET / HTTP/11.1\r\nHost: a\r\n\r\n", HTTP_ERR_BAD),
	BAD("HTTP/a.1", "GET / HTTP/a.1\r\nHost: a\r\n\r\n", HTTP_ERR_BAD),
	BAD("HTTP/1,1", "GET / HTTP/1,1\r\nHost: a\r\n\r\n", HTTP_ERR_BAD),
	BAD("HTTP/2.0x", "GET / HTTP/2.0x\r\nHost: a\r\n\r\n", HTTP_ERR_BAD),
	BAD("space after version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("bare LF after request line", "GET / HTTP/1.1\nHost: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("CR without LF after request line", "GET / HTTP/1.1\rHost: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("CR CR after request line", "GET / HTTP/1.1\r\r\n\r\n", HTTP_ERR_BAD),
	/* versions */
	BAD("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", HTTP_ERR_VERSION),
	BAD("HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", HTTP_ERR_VERSION),
	BAD("HTTP/3.0", "GET / HTTP/3.0\r\n\r\n", HTTP_ERR_VERSION),
	BAD("HTTP/9.9", "GET / HTTP/9.9\r\nHost: a\r\n\r\n", HTTP_ERR_VERSION),
	BAD("HTTP/2.0 then bare LF", "GET / HTTP/2.0\r\n", HTTP_ERR_VERSION),
	/* Host */
	BAD("1.1 without Host", "GET / HTTP/1.1\r\n\r\n", HTTP_ERR_BAD),
	BAD("1.1 without Host, other fields",
	    "GET / HTTP/1.1\r\nUser-Agent: x\r\nHosts: a\r\n\r\n", HTTP_ERR_BAD),
	BAD("1.1 two Hosts", H11 "Host: a\r\n\r\n", HTTP_ERR_BAD),
	BAD("1.1 two Hosts, other case", "GET / HTTP/1.1\r\nhost: a\r\nHOST: b\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("1.0 two Hosts", "GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("Host with a space inside", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("Host with a tab inside", "GET / HTTP/1.1\r\nHost: a\tb\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("Host with a slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("Host with a user name", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("Host with a query", "GET / HTTP/1.1\r\nHost: a?b\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("Host with a quote", "GET / HTTP/1.1\r\nHost: \"a\"\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("Host with a backslash", "GET / HTTP/1.1\r\nHost: a\\b\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("Host with obs-text", "GET / HTTP/1.1\r\nHost: caf\xc3\xa9\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("Host in 1.0 with a space", "GET / HTTP/1.0\r\nHost: a b\r\n\r\n",
	    HTTP_ERR_BAD),
	/* field syntax */
	BAD("space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("tab before colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("empty field name", H11 ": x\r\n\r\n", HTTP_ERR_BAD),
	BAD("non-token field name", H11 "X(Y): x\r\n\r\n", HTTP_ERR_BAD),
	BAD("field without colon", H11 "X-Foo\r\n\r\n", HTTP_ERR_BAD),
	BAD("obs-fold with space", H11 "X-A: a\r\n b\r\n\r\n", HTTP_ERR_BAD),
	BAD("obs-fold with tab", H11 "X-A: a\r\n\tb\r\n\r\n", HTTP_ERR_BAD),
	BAD("space-started first field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n",
	    HTTP_ERR_BAD),
	BAD("NUL in value", H11 "X-A: a\0b\r\n\r\n", HTTP_ERR_BAD),
	BAD("DEL in value", H11 "X-A: a\x7f\r\n\r\n", HTTP_ERR_BAD),
	BAD("ESC in value", H11 "User-Agent: \x1b[31m\r\n\r\n", HTTP_ERR_BAD),
	BAD("bare CR in value", H11 "X-A: a\rb\r\n\r\n", HTTP_ERR_BAD),
	BAD("bare LF ending a field", H11 "X-A: a\n\r\n", HTTP_ERR_BAD),
	BAD("bare LF ending the head", H11 "\n", HTTP_ERR_BAD),
	BAD("CR CR ending the head", H11 "\r\r\n", HTTP_ERR_BAD),
	BAD("CR LF LF", "GET / HTTP/1.1\r\nHost: a\n\n", HTTP_ERR_BAD),
	/* body framing */
	BAD("Content-Length 1", H11 "Content-Length: 1\r\n\r\n", HTTP_ERR_BODY),
	BAD("Content-Length 00", H11 "Content-Length: 00\r\n\r\n",
	    HTTP_ERR_BODY),
	BAD("Content-Length 0 0", H11 "Content-Length: 0 0\r\n\r\n",
	    HTTP_ERR_BODY),
	BAD("Content-Length 0,0", H11 "Content-Length: 0,0\r\n\r\n",
	    HTTP_ERR_BODY),
	BAD("Content-Length +0", H11 "Content-Length: +0\r\n\r\n",
	    HTTP_ERR_BODY),
	BAD("Content-Length -0", H11 "Content-Length: -0\r\n\r\n",
	    HTTP_ERR_BODY),
	BAD("Content-Length empty", H11 "Content-Length:\r\n\r\n",
	    HTTP_ERR_BODY),
	BAD("Content-Length blank", H11 "Content-Length:  \t\r\n\r\n",
	    HTTP_ERR_BODY),
	BAD("Content-Length twice", H11 "Content-Length: 0\r\n"
	    "content-length: 0\r\n\r\n", HTTP_ERR_BODY),
	BAD("Transfer-Encoding chunked", H11 "Transfer-Encoding: chunked\r\n\r\n",
	    HTTP_ERR_BODY),
	BAD("Transfer-Encoding empty", H11 "Transfer-Encoding:\r\n\r\n",
	    HTTP_ERR_BODY),
	BAD("transfer-encoding in 1.0",
	    "GET / HTTP/1.0\r\ntransfer-encoding: identity\r\n\r\n",
	    HTTP_ERR_BODY),
	BAD("Content-Length 0 and Transfer-Encoding",
	    H11 "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n",
	    HTTP_ERR_BODY),
	BAD("Content-Length with bad byte after a digit",
	    H11 "Content-Length: 5\x01\r\n\r\n", HTTP_ERR_BODY),
};

static void test_bad(void)
{
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		const struct bad_case *c = &bad[k];
		struct http_request r;
		long detect;
		is_int(parse(c->req, c->len, &r), c->want, "refused: %s",
		       c->name);
		is_int(first_inconsistent_prefix(c->req, c->len, c->want,
		                                 &detect), -1,
		       "refused: %s: prefixes only incomplete or the same error",
		       c->name);
	}
}

/* Errors are reported at the first byte that settles them. */
static void test_early_detection(void)
{
	static const struct {
		const char *name;
		const char *req;
		size_t len;
		int want;
	} cases[] = {
#define EARLY(n, s, w) { n, s, sizeof s - 1, w }
		EARLY("bad method byte", "GE(", HTTP_ERR_BAD),
		EARLY("bad target start", "GET h", HTTP_ERR_BAD),
		EARLY("control byte in target", "GET /\x01", HTTP_ERR_BAD),
		EARLY("bad protocol byte", "GET / HTTQ", HTTP_ERR_BAD),
		EARLY("bad version digit", "GET / HTTP/x", HTTP_ERR_BAD),
		EARLY("major 2 at its CR", "GET / HTTP/2.0\r", HTTP_ERR_VERSION),
		EARLY("Transfer-Encoding at its colon",
		      H11 "Transfer-Encoding:", HTTP_ERR_BODY),
		EARLY("second Host at its colon", H11 "Host:", HTTP_ERR_BAD),
		EARLY("second Content-Length at its colon",
		      H11 "Content-Length: 0\r\nContent-Length:", HTTP_ERR_BODY),
		EARLY("Content-Length 1 before CRLF", H11 "Content-Length: 1",
		      HTTP_ERR_BODY),
		EARLY("Content-Length 0x before CRLF", H11 "Content-Length: 0x",
		      HTTP_ERR_BODY),
		EARLY("empty Content-Length at its CR", H11 "Content-Length: \r",
		      HTTP_ERR_BODY),
		EARLY("missing Host at the final LF", "GET / HTTP/1.1\r\n\r\n",
		      HTTP_ERR_BAD),
		EARLY("obs-fold at its first byte", H11 " ", HTTP_ERR_BAD),
		EARLY("bare CR at the next byte", H11 "X: a\rb", HTTP_ERR_BAD),
		EARLY("a Host byte after OWS", "GET / HTTP/1.1\r\nHost: a b",
		      HTTP_ERR_BAD),
		EARLY("a '/' in Host", "GET / HTTP/1.1\r\nHost: a/", HTTP_ERR_BAD),
#undef EARLY
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct http_request r;
		long detect;
		is_int(parse(cases[k].req, cases[k].len, &r), cases[k].want,
		       "early: %s", cases[k].name);
		long bad_at = first_inconsistent_prefix(cases[k].req,
		                                        cases[k].len,
		                                        cases[k].want, &detect);
		ok(bad_at == -1 && detect == (long)cases[k].len,
		   "early: %s: first seen with the last byte", cases[k].name);
	}

	/* ...but never on a prefix that can still become valid. */
	struct http_request r;
	is_int(PARSE_LIT("GET / HTTP/1.1\r", &r), HTTP_INCOMPLETE,
	       "CR last in the request line: incomplete");
	is_int(PARSE_LIT(H11 "X-A: b\r", &r), HTTP_INCOMPLETE,
	       "CR last in a field: incomplete");
	is_int(PARSE_LIT(H11 "\r", &r), HTTP_INCOMPLETE,
	       "CR last in the empty line: incomplete");
	is_int(PARSE_LIT(H11 "Content-Length: 0", &r), HTTP_INCOMPLETE,
	       "Content-Length 0 before CRLF: incomplete");
	is_int(PARSE_LIT(H11 "Content-Length: 0  ", &r), HTTP_INCOMPLETE,
	       "Content-Length 0 and OWS before CRLF: incomplete");
	is_int(PARSE_LIT(H11 "Transfer-Encoding", &r), HTTP_INCOMPLETE,
	       "Transfer-Encoding before its colon: incomplete");
	is_int(PARSE_LIT("GET / HTTP/1.1\r\n", &r), HTTP_INCOMPLETE,
	       "1.1 request line alone: incomplete (Host may follow)");
	is_int(PARSE_LIT("GET / HTTP/1.1\r\nHost: a \t ", &r), HTTP_INCOMPLETE,
	       "Host and OWS before CRLF: incomplete");
	is_int(PARSE_LIT("GET / HTTP/2.0", &r), HTTP_INCOMPLETE,
	       "HTTP/2.0 before its CR: incomplete (form not settled)");
}

/* ---- Host values ------------------------------------------------------- */

/*
 * Host = uri-host [ ":" port ] (RFC 9110 7.2, RFC 3986 3.2.2): a reg-name
 * of unreserved and sub-delims bytes (no percent-encoding: no DNS name or
 * address needs it, and "%00" would decode to NUL), or an IPv6 address in
 * brackets; an optional port of up to five digits, at most 65535; an empty
 * host only as the whole (empty) value (RFC 9112 3.2).  Each value goes in
 * a whole request, in HTTP/1.1 and 1.0, and every prefix of it is checked
 * as test_bad does.
 */
static void test_hosts(void)
{
	static const struct {
		const char *host;
		int good;
	} cases[] = {
		{ "go.example.org", 1 },        { "go.example.org:8080", 1 },
		{ "go.example.org.", 1 },       { "go.example.org.:443", 1 },
		{ "GO.Example.ORG", 1 },        { "127.0.0.1", 1 },
		{ "127.0.0.1:80", 1 },          { "[::1]", 1 },
		{ "[::1]:8080", 1 },            { "[2001:DB8::a:1]:443", 1 },
		{ "[::ffff:192.0.2.1]", 1 },    { "[1:2:3:4:5:6:7:8]", 1 },
		{ "a:0", 1 },                   { "a:65535", 1 },
		{ "a:00080", 1 },               { "a:", 1 },
		{ "xn--bcher-kva.example", 1 }, { "a_b", 1 },
		{ "", 1 },
		/* the issue's four */
		{ "[::1", 0 },                  { "a%00b", 0 },
		{ ":", 0 },                     { "a:99999999", 0 },
		/* empty host with a port */
		{ ":80", 0 },                   { "::", 0 },
		/* ports */
		{ "a:65536", 0 },               { "a:000080", 0 },
		{ "a:8o", 0 },                  { "a:-1", 0 },
		{ "a:+80", 0 },                 { "a:80:81", 0 },
		{ "a:0x50", 0 },                { "[::1]:", 1 },
		{ "[::1]:99999", 0 },           { "[::1]80", 0 },
		{ "[::1]a", 0 },
		/* percent-encoding */
		{ "%41", 0 },                   { "a%2e", 0 },
		{ "a%", 0 },
		/* IP literals */
		{ "[]", 0 },                    { "[:]", 0 },
		{ "[1.2.3.4]", 0 },             { "[::1%25eth0]", 0 },
		{ "[fe80::1%eth0]", 0 },        { "[v1.x]", 0 },
		{ "[::g]", 0 },                 { "[1:2:3:4:5:6:7:8:9]", 0 },
		{ "[1::2::3]", 0 },             { "[::1]]", 0 },
		{ "[[::1]", 0 },                { "a[::1]", 0 },
		{ "[::1][::2]", 0 },            { "::1", 0 },
		{ "[0000:0000:0000:0000:0000:0000:0000:0000:0]", 0 },
		{ "[::1]]:80", 0 },             { "a]", 0 },
		{ "[", 0 },                     { "]", 0 },
		/* bytes outside the grammar */
		{ "a b", 0 },                   { "a/b", 0 },
		{ "u@a", 0 },                   { "a?b", 0 },
		{ "a#b", 0 },                   { "a\\b", 0 },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		for (int minor = 0; minor <= 1; minor++) {
			char req[256];
			int n = snprintf(req, sizeof req, "GET / HTTP/1.%d\r\n"
			                 "Host: %s \r\n\r\n", minor,
			                 cases[k].host);
			struct http_request r;
			int rc = parse(req, (size_t)n, &r);
			long detect;
			if (cases[k].good) {
				is_int(rc, n, "Host '%s' in 1.%d: accepted",
				       cases[k].host, minor);
				is_str(sv(r.host), cases[k].host,
				       "Host '%s' in 1.%d: the value",
				       cases[k].host, minor);
				is_int(first_non_incomplete_prefix(req, (size_t)n),
				       -1, "Host '%s' in 1.%d: every prefix "
				       "incomplete", cases[k].host, minor);
			} else {
				is_int(rc, HTTP_ERR_BAD, "Host '%s' in 1.%d: 400",
				       cases[k].host, minor);
				is_int(first_inconsistent_prefix(req, (size_t)n,
				                                 HTTP_ERR_BAD,
				                                 &detect), -1,
				       "Host '%s' in 1.%d: prefixes incomplete "
				       "or 400", cases[k].host, minor);
			}
		}
	}

	/* Refused at the byte that settles it, or at the value's CR when
	 * only the end does ("[::1" could still get its bracket). */
	static const struct {
		const char *req;
		size_t len;
	} early[] = {
#define EARLY(s) { s, sizeof s - 1 }
		EARLY("GET / HTTP/1.1\r\nHost: :"),
		EARLY("GET / HTTP/1.1\r\nHost: a%"),
		EARLY("GET / HTTP/1.1\r\nHost: a:65536"),
		EARLY("GET / HTTP/1.1\r\nHost: a:000000"),
		EARLY("GET / HTTP/1.1\r\nHost: a:1:"),
		EARLY("GET / HTTP/1.1\r\nHost: [::1]x"),
		EARLY("GET / HTTP/1.1\r\nHost: [::g"),
		EARLY("GET / HTTP/1.1\r\nHost: [::1\r"),
		EARLY("GET / HTTP/1.1\r\nHost: [::1 "),
		EARLY("GET / HTTP/1.1\r\nHost: [::1::]"),
		EARLY("GET / HTTP/1.1\r\nHost: a["),
#undef EARLY
	};
	for (size_t k = 0; k < sizeof early / sizeof early[0]; k++) {
		struct http_request r;
		long detect;
		const char *host = early[k].req + 22;
		int hl = (int)strcspn(host, "\r");
		is_int(parse(early[k].req, early[k].len, &r), HTTP_ERR_BAD,
		       "early: Host '%.*s'%s", hl, host,
		       host[hl] ? " at its CR" : "");
		long bad_at = first_inconsistent_prefix(early[k].req,
		                                        early[k].len,
		                                        HTTP_ERR_BAD, &detect);
		ok(bad_at == -1 && detect == (long)early[k].len,
		   "early: Host '%.*s': first seen with its last byte", hl,
		   host);
	}
	struct http_request r;
	is_int(PARSE_LIT("GET / HTTP/1.1\r\nHost: [::1", &r), HTTP_INCOMPLETE,
	       "Host [::1 before its CR: incomplete");
	is_int(PARSE_LIT("GET / HTTP/1.1\r\nHost: a:", &r), HTTP_INCOMPLETE,
	       "Host a: before its CR: incomplete");
	is_int(PARSE_LIT("GET / HTTP/1.1\r\nHost: a:6553", &r), HTTP_INCOMPLETE,
	       "Host a:6553 before its CR: incomplete");
	/* The longest IPv6 text (45 bytes, with a dotted quad) fits; one
	 * byte more inside the brackets is refused as soon as it arrives. */
	is_int(PARSE_LIT("GET / HTTP/1.1\r\nHost: "
	                 "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]"
	                 "\r\n\r\n", &r), 73, "the longest IPv6 literal");
	is_int(PARSE_LIT("GET / HTTP/1.1\r\nHost: "
	                 "[0ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", &r),
	       HTTP_ERR_BAD, "an IPv6 literal over 45 bytes, before its ']'");
}

/* ---- pipelining -------------------------------------------------------- */

static void test_pipelined(void)
{
	static const char a[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char b[] = "HEAD /b?q HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	char buf[256];
	struct http_request r;
	size_t la = sizeof a - 1, lb = sizeof b - 1;

	memcpy(buf, a, la);
	memcpy(buf + la, b, lb);
	int rc = parse(buf, la + lb, &r);
	is_int(rc, la, "pipelined: first head only");
	is_str(sv(r.path), "/a", "pipelined: first path");
	is_int(r.keep_alive, 1, "pipelined: first keep-alive");
	ok(views_inside(&r, (size_t)rc), "pipelined: views inside the first head");
	rc = parse(buf + la, lb, &r);
	is_int(rc, lb, "pipelined: then the second head");
	is_int(r.method, HTTP_HEAD, "pipelined: second method");
	is_str(sv(r.query), "q", "pipelined: second query");
	is_int(r.keep_alive, 0, "pipelined: second close");

	rc = parse(buf, la + 10, &r);
	is_int(rc, la, "pipelined: first head before a partial second");
	memcpy(buf + la, "\x01garbage\r\n\r\n", 11);
	rc = parse(buf, la + 11, &r);
	is_int(rc, la, "pipelined: first head before garbage");
	rc = parse(buf + la, 11, &r);
	is_int(rc, HTTP_ERR_BAD, "pipelined: the garbage is refused");
	memcpy(buf + la, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 48);
	rc = parse(buf, la + 48, &r);
	is_int(rc, la, "pipelined: first head before a chunked request");
	rc = parse(buf + la, 48, &r);
	is_int(rc, HTTP_ERR_BODY, "pipelined: the chunked request is refused");
}

/* ---- limits ------------------------------------------------------------ */

/* "GET /aaa... HTTP/1.1\r\n" of exactly line bytes, then rest. */
static size_t make_long_line(char *out, size_t line, const char *rest)
{
	size_t pad = line - (sizeof "GET / HTTP/1.1\r\n" - 1);
	char *o = out;
	memcpy(o, "GET /", 5), o += 5;
	memset(o, 'a', pad), o += pad;
	memcpy(o, " HTTP/1.1\r\n", 11), o += 11;
	size_t n = strlen(rest);
	memcpy(o, rest, n), o += n;
	return (size_t)(o - out);
}

/* A head of exactly head bytes, padded in one X-Pad field. */
static size_t make_big_head(char *out, size_t head, const char *tail)
{
	static const char pre[] = "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: ";
	size_t fixed = sizeof pre - 1 + 2 + 2;
	char *o = out;
	memcpy(o, pre, sizeof pre - 1), o += sizeof pre - 1;
	memset(o, 'p', head - fixed), o += head - fixed;
	memcpy(o, "\r\n\r\n", 4), o += 4;
	size_t n = strlen(tail);
	memcpy(o, tail, n), o += n;
	return (size_t)(o - out);
}

/* A head with nfields fields: Host and nfields - 1 of "X-N: v". */
static size_t make_many_fields(char *out, unsigned nfields)
{
	char *o = out;
	o += sprintf(o, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (unsigned k = 1; k < nfields; k++)
		o += sprintf(o, "X-%u: v\r\n", k);
	o += sprintf(o, "\r\n");
	return (size_t)(o - out);
}

static void test_limits(void)
{
	static char buf[3 * HTTP_HEAD_MAX];
	struct http_request r;
	long detect;
	size_t n;
	int rc;

	/* Request line of exactly HTTP_LINE_MAX bytes, CRLF included. */
	n = make_long_line(buf, HTTP_LINE_MAX, "Host: a\r\n\r\n");
	rc = parse(buf, n, &r);
	is_int(rc, n, "line of exactly HTTP_LINE_MAX: accepted");
	is_int(r.target.len, HTTP_LINE_MAX - 15, "line at the limit: target length");
	is_int(first_non_incomplete_prefix(buf, n), -1,
	       "line at the limit: every proper prefix incomplete");
	/* One byte over. */
	n = make_long_line(buf, HTTP_LINE_MAX + 1, "Host: a\r\n\r\n");
	is_int(parse(buf, n, &r), HTTP_ERR_URI_TOO_LONG,
	       "line of HTTP_LINE_MAX + 1: 414");
	is_int(first_inconsistent_prefix(buf, n, HTTP_ERR_URI_TOO_LONG,
	                                 &detect), -1,
	       "line over the limit: prefixes consistent");
	is_int(detect, HTTP_LINE_MAX,
	       "line over the limit: 414 once HTTP_LINE_MAX bytes are in");
	/* Its CR is the last byte within the limit: still too long. */
	is_int(parse(buf, HTTP_LINE_MAX, &r), HTTP_ERR_URI_TOO_LONG,
	       "CR at HTTP_LINE_MAX - 1: 414");
	is_int(parse(buf, HTTP_LINE_MAX - 1, &r), HTTP_INCOMPLETE,
	       "HTTP_LINE_MAX - 1 bytes without a line end: incomplete");
	/* A line of junk never ends. */
	memset(buf, 'A', HTTP_LINE_MAX + 100);
	is_int(parse(buf, HTTP_LINE_MAX + 100, &r), HTTP_ERR_URI_TOO_LONG,
	       "endless method: 414");
	memcpy(buf, "GET /", 5);
	is_int(parse(buf, HTTP_LINE_MAX, &r), HTTP_ERR_URI_TOO_LONG,
	       "endless target at HTTP_LINE_MAX: 414");
	/* 414 beats whatever would be wrong past the limit. */
	n = make_long_line(buf, HTTP_LINE_MAX + 10, "");
	memcpy(buf + n - 10, "HTTP/2.0\r\n", 10);
	is_int(parse(buf, n, &r), HTTP_ERR_URI_TOO_LONG,
	       "long line with HTTP/2.0: 414");

	/* Whole head of exactly HTTP_HEAD_MAX bytes. */
	n = make_big_head(buf, HTTP_HEAD_MAX, "");
	rc = parse(buf, n, &r);
	is_int(rc, HTTP_HEAD_MAX, "head of exactly HTTP_HEAD_MAX: accepted");
	is_int(first_non_incomplete_prefix(buf, n), -1,
	       "head at the limit: every proper prefix incomplete");
	n = make_big_head(buf, HTTP_HEAD_MAX, "GET /next HTTP/1.1\r\n");
	is_int(parse(buf, n, &r), HTTP_HEAD_MAX,
	       "head at the limit with a pipelined request behind it");
	/* One byte over. */
	n = make_big_head(buf, HTTP_HEAD_MAX + 1, "");
	is_int(parse(buf, n, &r), HTTP_ERR_HEADERS_TOO_LARGE,
	       "head of HTTP_HEAD_MAX + 1: 431");
	is_int(first_inconsistent_prefix(buf, n, HTTP_ERR_HEADERS_TOO_LARGE,
	                                 &detect), -1,
	       "head over the limit: prefixes consistent");
	is_int(detect, HTTP_HEAD_MAX,
	       "head over the limit: 431 once HTTP_HEAD_MAX bytes are in");
	is_int(parse(buf, HTTP_HEAD_MAX - 1, &r), HTTP_INCOMPLETE,
	       "HTTP_HEAD_MAX - 1 bytes of a too large head: incomplete");
	/* Incomplete input already past the limit. */
	n = make_big_head(buf, 2 * HTTP_HEAD_MAX, "");
	is_int(parse(buf, HTTP_HEAD_MAX + 500, &r), HTTP_ERR_HEADERS_TOO_LARGE,
	       "incomplete head over HTTP_HEAD_MAX: 431");
	/* Long line (but legal) plus long fields. */
	n = make_long_line(buf, HTTP_LINE_MAX, "Host: a\r\n");
	memset(buf + n, 'x', 10), n += 10;
	memcpy(buf + n, ": ", 2), n += 2;
	memset(buf + n, 'y', HTTP_HEAD_MAX - n), n = HTTP_HEAD_MAX;
	is_int(parse(buf, n, &r), HTTP_ERR_HEADERS_TOO_LARGE,
	       "legal line, fields to the limit without an end: 431");

	/* Field count. */
	n = make_many_fields(buf, HTTP_HEADERS_MAX);
	rc = parse(buf, n, &r);
	is_int(rc, n, "exactly HTTP_HEADERS_MAX fields: accepted");
	is_int(r.n_headers, HTTP_HEADERS_MAX, "HTTP_HEADERS_MAX fields counted");
	is_int(first_non_incomplete_prefix(buf, n), -1,
	       "HTTP_HEADERS_MAX fields: every proper prefix incomplete");
	n = make_many_fields(buf, HTTP_HEADERS_MAX + 1);
	is_int(parse(buf, n, &r), HTTP_ERR_HEADERS_TOO_LARGE,
	       "HTTP_HEADERS_MAX + 1 fields: 431");
	is_int(first_inconsistent_prefix(buf, n, HTTP_ERR_HEADERS_TOO_LARGE,
	                                 &detect), -1,
	       "too many fields: prefixes consistent");
	/* Seen at the first byte of the extra field: n - 2 (final CRLF)
	 * - strlen("X-64: v\r\n") + 1. */
	is_int(detect, (long)(n - 2 - 9 + 1),
	       "too many fields: 431 at the first byte of the extra field");
}

/* ---- status mapping and writers ---------------------------------------- */

static void test_status(void)
{
	is_int(http_error_status(HTTP_ERR_BAD), 400, "BAD -> 400");
	is_int(http_error_status(HTTP_ERR_BODY), 400, "BODY -> 400");
	is_int(http_error_status(HTTP_ERR_URI_TOO_LONG), 414, "URI -> 414");
	is_int(http_error_status(HTTP_ERR_HEADERS_TOO_LARGE), 431,
	       "HEADERS -> 431");
	is_int(http_error_status(HTTP_ERR_VERSION), 505, "VERSION -> 505");
	is_int(http_error_status(-1), 500, "unknown error -> 500");

	static const struct {
		int status;
		const char *reason;
	} reasons[] = {
		{ 200, "OK" },
		{ 301, "Moved Permanently" },
		{ 302, "Found" },
		{ 307, "Temporary Redirect" },
		{ 308, "Permanent Redirect" },
		{ 400, "Bad Request" },
		{ 404, "Not Found" },
		{ 405, "Method Not Allowed" },
		{ 410, "Gone" },
		{ 414, "URI Too Long" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" },
		{ 503, "Service Unavailable" },
		{ 505, "HTTP Version Not Supported" },
		{ 299, "Unknown" },
		{ 0, "Unknown" },
	};
	for (size_t k = 0; k < sizeof reasons / sizeof reasons[0]; k++)
		is_str(http_reason(reasons[k].status), reasons[k].reason,
		       "reason %d", reasons[k].status);
}

#define DATE "Sun, 06 Nov 1994 08:49:37 GMT"

/* Write into an exact-size heap block, then check the bytes. */
static void check_bytes(const char *out, size_t n, const char *want,
                        const char *name)
{
	size_t wn = strlen(want);
	int same = n == wn && memcmp(out, want, n) == 0;
	if (!ok(same, "%s: exact bytes", name))
		printf("#   got %zu bytes \"%.*s\"\n#   want %zu bytes \"%s\"\n",
		       n, (int)n, out, wn, want);
}

static void test_writers(void)
{
	static char out[HTTP_REDIRECT_MAX(4096)];
	static const char loc[] = "https://example.com/a?b=c";
	size_t n;

	static const char want302[] =
		"HTTP/1.1 302 Found\r\n"
		"Date: " DATE "\r\n"
		"Location: https://example.com/a?b=c\r\n"
		"Cache-Control: private, max-age=0\r\n"
		"Content-Length: 0\r\n"
		"\r\n";
	n = http_write_redirect(out, sizeof out, 302, loc, sizeof loc - 1, DATE, 0);
	check_bytes(out, n, want302, "302");
	/* The exact size is enough, one byte less is not. */
	char *exact = malloc(sizeof want302 - 1);
	is_int(http_write_redirect(exact, sizeof want302 - 1, 302, loc,
	                           sizeof loc - 1, DATE, 0),
	       sizeof want302 - 1, "302 into an exact buffer");
	ok(memcmp(exact, want302, sizeof want302 - 1) == 0,
	   "302 into an exact buffer: same bytes");
	is_int(http_write_redirect(exact, sizeof want302 - 2, 302, loc,
	                           sizeof loc - 1, DATE, 0), 0,
	       "302 into a buffer one byte short: 0");
	free(exact);

	n = http_write_redirect(out, sizeof out, 301, "/x", 2, DATE, 1);
	check_bytes(out, n,
	            "HTTP/1.1 301 Moved Permanently\r\n"
	            "Date: " DATE "\r\n"
	            "Location: /x\r\n"
	            "Cache-Control: private, max-age=0\r\n"
	            "Content-Length: 0\r\n"
	            "Connection: close\r\n"
	            "\r\n", "301 with close");
	n = http_write_redirect(out, sizeof out, 302, "/x", 2, DATE,
	                        HTTP_CONN_KEEP_ALIVE);
	check_bytes(out, n,
	            "HTTP/1.1 302 Found\r\n"
	            "Date: " DATE "\r\n"
	            "Location: /x\r\n"
	            "Cache-Control: private, max-age=0\r\n"
	            "Content-Length: 0\r\n"
	            "Connection: keep-alive\r\n"
	            "\r\n", "302 confirming keep-alive for HTTP/1.0");
	ok(n <= HTTP_REDIRECT_MAX(2), "keep-alive redirect within HTTP_REDIRECT_MAX");
	n = http_write_error(out, sizeof out, 404, DATE, HTTP_CONN_KEEP_ALIVE, 1);
	ok(n > 0 && memmem(out, n, "Connection: keep-alive\r\n\r\n", 26) != NULL,
	   "404 confirming keep-alive");
	n = http_write_redirect(out, sizeof out, 308, "https://e.x/\xc3\xa9", 14,
	                        DATE, 0);
	ok(n > 0, "308 with obs-text in the location: written");
	n = http_write_redirect(out, sizeof out, 307, NULL, 0, DATE, 0);
	check_bytes(out, n,
	            "HTTP/1.1 307 Temporary Redirect\r\n"
	            "Date: " DATE "\r\n"
	            "Location: \r\n"
	            "Cache-Control: private, max-age=0\r\n"
	            "Content-Length: 0\r\n"
	            "\r\n", "307 with an empty location");

	/* HTTP_REDIRECT_MAX is a true bound, for any status and location. */
	static const int statuses[] = { 301, 302, 307, 308, 431, 505, 999, 100 };
	static char longloc[4096];
	memset(longloc, 'l', sizeof longloc);
	int bound_ok = 1;
	for (size_t k = 0; k < sizeof statuses / sizeof statuses[0]; k++)
		for (size_t ln = 0; ln <= sizeof longloc; ln += 1024) {
			n = http_write_redirect(out, sizeof out, statuses[k],
			                        longloc, ln, DATE, 1);
			if (n == 0 || n > HTTP_REDIRECT_MAX(ln))
				bound_ok = 0;
		}
	ok(bound_ok, "HTTP_REDIRECT_MAX bounds every redirect");

	/* Response splitting and nonsense statuses are refused. */
	is_int(http_write_redirect(out, sizeof out, 302, "/a\r\nSet-Cookie: x", 18,
	                           DATE, 0), 0, "location with CRLF: 0");
	is_int(http_write_redirect(out, sizeof out, 302, "/a\nb", 4, DATE, 0), 0,
	       "location with LF: 0");
	is_int(http_write_redirect(out, sizeof out, 302, "/a\0b", 4, DATE, 0), 0,
	       "location with NUL: 0");
	is_int(http_write_redirect(out, sizeof out, 302, "/a\tb", 4, DATE, 0), 0,
	       "location with HTAB: 0");
	is_int(http_write_redirect(out, sizeof out, 302, "/a\x7f", 3, DATE, 0), 0,
	       "location with DEL: 0");
	is_int(http_write_redirect(out, sizeof out, 99, "/", 1, DATE, 0), 0,
	       "status 99: 0");
	is_int(http_write_redirect(out, sizeof out, 1000, "/", 1, DATE, 0), 0,
	       "status 1000: 0");

	static const char want405[] =
		"HTTP/1.1 405 Method Not Allowed\r\n"
		"Date: " DATE "\r\n"
		"Allow: GET, HEAD\r\n"
		"Cache-Control: no-store\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 23\r\n"
		"\r\n"
		"405 Method Not Allowed\n";
	n = http_write_error(out, sizeof out, 405, DATE, 0, 0);
	check_bytes(out, n, want405, "405");
	exact = malloc(sizeof want405 - 1);
	is_int(http_write_error(exact, sizeof want405 - 1, 405, DATE, 0, 0),
	       sizeof want405 - 1, "405 into an exact buffer");
	is_int(http_write_error(exact, sizeof want405 - 2, 405, DATE, 0, 0), 0,
	       "405 into a buffer one byte short: 0");
	free(exact);

	n = http_write_error(out, sizeof out, 404, DATE, 0, 1);
	check_bytes(out, n,
	            "HTTP/1.1 404 Not Found\r\n"
	            "Date: " DATE "\r\n"
	            "Cache-Control: no-store\r\n"
	            "Content-Type: text/plain; charset=utf-8\r\n"
	            "Content-Length: 14\r\n"
	            "\r\n", "404 for HEAD: length stated, no body");
	n = http_write_error(out, sizeof out, 404, DATE, 0, 0);
	check_bytes(out, n,
	            "HTTP/1.1 404 Not Found\r\n"
	            "Date: " DATE "\r\n"
	            "Cache-Control: no-store\r\n"
	            "Content-Type: text/plain; charset=utf-8\r\n"
	            "Content-Length: 14\r\n"
	            "\r\n"
	            "404 Not Found\n", "404 for GET");
	n = http_write_error(out, sizeof out, 431, DATE, 1, 0);
	check_bytes(out, n,
	            "HTTP/1.1 431 Request Header Fields Too Large\r\n"
	            "Date: " DATE "\r\n"
	            "Cache-Control: no-store\r\n"
	            "Content-Type: text/plain; charset=utf-8\r\n"
	            "Content-Length: 36\r\n"
	            "Connection: close\r\n"
	            "\r\n"
	            "431 Request Header Fields Too Large\n", "431 with close");
	n = http_write_error(out, sizeof out, 405, DATE, 1, 1);
	check_bytes(out, n,
	            "HTTP/1.1 405 Method Not Allowed\r\n"
	            "Date: " DATE "\r\n"
	            "Allow: GET, HEAD\r\n"
	            "Cache-Control: no-store\r\n"
	            "Content-Type: text/plain; charset=utf-8\r\n"
	            "Content-Length: 23\r\n"
	            "Connection: close\r\n"
	            "\r\n", "405 for HEAD with close");
	n = http_write_error(out, sizeof out, 299, DATE, 0, 0);
	check_bytes(out, n,
	            "HTTP/1.1 299 Unknown\r\n"
	            "Date: " DATE "\r\n"
	            "Cache-Control: no-store\r\n"
	            "Content-Type: text/plain; charset=utf-8\r\n"
	            "Content-Length: 12\r\n"
	            "\r\n"
	            "299 Unknown\n", "unknown status");
	is_int(http_write_error(out, sizeof out, 42, DATE, 0, 0), 0,
	       "error status 42: 0");
	is_int(http_write_error(out, 0, 400, DATE, 0, 0), 0,
	       "error into cap 0: 0");
}

/* The short text responses (robots.txt). */
static void test_text(void)
{
	static char out[HTTP_TEXT_HEAD_MAX + HTTP_TEXT_MAX + 1];
	static const char body[] = "User-agent: *\nDisallow: /\n";
	static const char want[] =
		"HTTP/1.1 200 OK\r\n"
		"Date: " DATE "\r\n"
		"Cache-Control: public, max-age=86400\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 26\r\n"
		"\r\n"
		"User-agent: *\nDisallow: /\n";
	size_t n = http_write_text(out, sizeof out, 200, body, sizeof body - 1,
	                           DATE, 0, 0);
	check_bytes(out, n, want, "text 200");
	char *exact = malloc(sizeof want - 1);
	is_int(http_write_text(exact, sizeof want - 1, 200, body,
	                       sizeof body - 1, DATE, 0, 0), sizeof want - 1,
	       "text into an exact buffer");
	is_int(http_write_text(exact, sizeof want - 2, 200, body,
	                       sizeof body - 1, DATE, 0, 0), 0,
	       "text into a buffer one byte short: 0");
	free(exact);
	n = http_write_text(out, sizeof out, 200, body, sizeof body - 1, DATE,
	                    HTTP_CONN_CLOSE, 1);
	check_bytes(out, n,
	            "HTTP/1.1 200 OK\r\n"
	            "Date: " DATE "\r\n"
	            "Cache-Control: public, max-age=86400\r\n"
	            "Content-Type: text/plain; charset=utf-8\r\n"
	            "Content-Length: 26\r\n"
	            "Connection: close\r\n"
	            "\r\n", "text for HEAD with close: length stated, no body");
	n = http_write_text(out, sizeof out, 200, "", 0, DATE,
	                    HTTP_CONN_KEEP_ALIVE, 0);
	check_bytes(out, n,
	            "HTTP/1.1 200 OK\r\n"
	            "Date: " DATE "\r\n"
	            "Cache-Control: public, max-age=86400\r\n"
	            "Content-Type: text/plain; charset=utf-8\r\n"
	            "Content-Length: 0\r\n"
	            "Connection: keep-alive\r\n"
	            "\r\n", "empty text with keep-alive");
	static char big[HTTP_TEXT_MAX + 1];
	memset(big, 'b', sizeof big);
	n = http_write_text(out, sizeof out, 200, big, HTTP_TEXT_MAX, DATE,
	                    HTTP_CONN_KEEP_ALIVE, 0);
	ok(n > HTTP_TEXT_MAX && n <= HTTP_TEXT_HEAD_MAX + HTTP_TEXT_MAX &&
	   memmem(out, n, "Content-Length: 4096\r\n", 22) != NULL,
	   "the largest text: within HTTP_TEXT_HEAD_MAX plus the body");
	is_int(http_write_text(out, sizeof out, 200, big, HTTP_TEXT_MAX + 1,
	                       DATE, 0, 0), 0, "text over HTTP_TEXT_MAX: 0");
	is_int(http_write_text(out, sizeof out, 1000, body, sizeof body - 1,
	                       DATE, 0, 0), 0, "text with status 1000: 0");
}

static void test_date(void)
{
	char d[30];
	http_format_date(784111777, d);
	is_str(d, "Sun, 06 Nov 1994 08:49:37 GMT", "RFC 9110 example date");
	http_format_date(0, d);
	is_str(d, "Thu, 01 Jan 1970 00:00:00 GMT", "the epoch");
	http_format_date(951782400, d);
	is_str(d, "Tue, 29 Feb 2000 00:00:00 GMT", "leap day 2000");
	http_format_date(4107542400, d);
	is_str(d, "Mon, 01 Mar 2100 00:00:00 GMT",
	       "1 March 2100 follows 28 February (not a leap year)");
	http_format_date(-5, d);
	is_str(d, "Thu, 01 Jan 1970 00:00:00 GMT", "negative clamps to the epoch");
	http_format_date(INT64_MAX, d);
	is_str(d, "Fri, 31 Dec 9999 23:59:59 GMT", "far future clamps to 9999");
	is_int(strlen(d), 29, "date is 29 characters");

	/* Against the C library over a spread of times (the C locale is in
	 * effect: nothing here calls setlocale). */
	int same = 1;
	uint64_t x = 88172645463325252u;
	for (int k = 0; k < 200000 && same; k++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		time_t t = (time_t)(x % 253402300800u);
		struct tm tm;
		char want[64];
		gmtime_r(&t, &tm);
		strftime(want, sizeof want, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		http_format_date((int64_t)t, d);
		if (strcmp(d, want) != 0) {
			printf("# %lld: got %s, want %s\n", (long long)t, d, want);
			same = 0;
		}
	}
	ok(same, "200000 dates match gmtime_r + strftime");
}

int main(void)
{
	test_valid();
	test_empty_vs_absent();
	test_methods();
	test_targets();
	test_bad();
	test_early_detection();
	test_hosts();
	test_pipelined();
	test_limits();
	test_status();
	test_writers();
	test_text();
	test_date();
	free(held);
	return tap_done();
}
