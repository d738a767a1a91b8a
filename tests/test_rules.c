/*
 * test_rules: what a code may be (codes.c) and which link targets are
 * accepted, in which stored spelling (target.c).  Expected values are
 * exact, so a changed rule shows up here.
 */
#include "codes.h"
#include "target.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- codes */

static int in_alphabet(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z') || c == '_' || c == '-';
}

static int cmp_code(const void *a, const void *b)
{
	return memcmp(a, b, CODE_RANDOM_LEN + 1);
}

static void test_codes(void)
{
	char buf[CODE_MAX + 2];
	memset(buf, 'a', sizeof buf);
	is_int(code_valid(buf, 0), 0, "code of 0 characters is invalid");
	is_int(code_valid(buf, 1), 1, "code of 1 character is valid");
	is_int(code_valid(buf, 64), 1, "code of 64 characters is valid");
	is_int(code_valid(buf, 65), 0, "code of 65 characters is invalid");
	is_int(CODE_MAX, 64, "CODE_MAX is 64");
	is_int(code_valid("AZaz09_-", 8), 1, "every class of allowed character");
	is_int(code_valid("-", 1), 1, "a lone '-' is a valid code");
	is_int(code_valid("_x", 2), 1, "a leading '_' is fine");

	static const struct {
		const char *s;
		size_t len;
		const char *what;
	} bad[] = {
		{ "a b", 3, "space" },
		{ "a.b", 3, "dot" },
		{ "a/b", 3, "slash" },
		{ "a%41", 4, "percent" },
		{ "a+b", 3, "plus" },
		{ "a~b", 3, "tilde" },
		{ "a?b", 3, "question mark" },
		{ "a#b", 3, "hash" },
		{ "a=b", 3, "equals" },
		{ "a@b", 3, "at" },
		{ "a:b", 3, "colon" },
		{ "a\\b", 3, "backslash" },
		{ "a\"b", 3, "double quote" },
		{ "a'b", 3, "single quote" },
		{ "a\tb", 3, "tab" },
		{ "a\nb", 3, "newline" },
		{ "a\rb", 3, "carriage return" },
		{ "a\0b", 3, "NUL inside the length" },
		{ "a\x7f" "b", 3, "DEL" },
		{ "a\x80" "b", 3, "byte 0x80" },
		{ "\xc3\xbc", 2, "UTF-8 u-umlaut" },
		{ "a\xff", 2, "byte 0xff" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		is_int(code_valid(bad[i].s, bad[i].len), 0, "code with %s is invalid",
		       bad[i].what);

	/* The whole byte range against the documented alphabet. */
	int wrong = 0;
	for (int c = 0; c < 256; c++) {
		char one = (char)c;
		if (code_valid(&one, 1) != in_alphabet((unsigned char)c) ||
		    code_char((unsigned char)c) != in_alphabet((unsigned char)c)) {
			wrong++;
			printf("# byte 0x%02x misclassified\n", c);
		}
	}
	is_int(wrong, 0, "all 256 bytes: valid exactly when in [A-Za-z0-9_-]");

	/* Random codes. */
	enum { N = 1000 };
	static char codes[N][CODE_RANDOM_LEN + 1];
	int fails = 0, badlen = 0, badchar = 0;
	int seen[256] = { 0 };
	for (int i = 0; i < N; i++) {
		memset(codes[i], 'X', sizeof codes[i]);
		if (code_random(codes[i]))
			fails++;
		if (strlen(codes[i]) != CODE_RANDOM_LEN)
			badlen++;
		for (int k = 0; k < CODE_RANDOM_LEN; k++) {
			unsigned char c = (unsigned char)codes[i][k];
			seen[c]++;
			/* base62: no '_' or '-' in random codes */
			if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
			      (c >= 'a' && c <= 'z')))
				badchar++;
		}
		if (!code_valid(codes[i], CODE_RANDOM_LEN))
			badchar++;
	}
	is_int(fails, 0, "code_random returned 0 %d times", N);
	is_int(CODE_RANDOM_LEN, 8, "random codes have 8 characters");
	is_int(badlen, 0, "every random code is 8 characters and NUL-terminated");
	is_int(badchar, 0, "every random character is base62 and a valid code");
	qsort(codes, N, sizeof codes[0], cmp_code);
	int dups = 0;
	for (int i = 1; i < N; i++)
		if (memcmp(codes[i - 1], codes[i], CODE_RANDOM_LEN) == 0)
			dups++;
	is_int(dups, 0, "%d random codes are distinct", N);
	/* 8000 characters over 62 symbols: about 129 each.  All must occur
	 * and none may dominate (a modulo or alphabet slip shows here). */
	int missing = 0, heavy = 0;
	for (int c = 0; c < 256; c++) {
		int b62 = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		          (c >= 'a' && c <= 'z');
		if (b62 && seen[c] == 0)
			missing++;
		if (seen[c] > 260)
			heavy++;
	}
	is_int(missing, 0, "all 62 characters occur in 1000 random codes");
	is_int(heavy, 0, "no character occurs more than twice its share");
}

/* --------------------------------------------------------------- target */

static char out[TARGET_MAX + 1];
static size_t out_len;

/* in[0..len) for a test name: TAP lines must not break on a CR or LF. */
static const char *vis(const char *in, size_t len)
{
	static char bufs[2][512];
	static int next;
	char *b = bufs[next++ & 1];
	size_t o = 0;
	for (size_t i = 0; i < len && o + 5 < sizeof bufs[0]; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(b + o, 5, "\\x%02x", c);
		else
			b[o++] = (char)c;
	}
	b[o] = '\0';
	return b;
}

static int norm(const char *in, size_t len, const struct target_policy *p)
{
	memset(out, 'Z', sizeof out);
	out_len = 12345;
	return target_normalize(in, len, p, out, &out_len);
}

/* Accepted, stored as want. */
static void accept(const char *in, const char *want)
{
	int rc = norm(in, strlen(in), NULL);
	is_int(rc, TARGET_OK, "accepts %s", vis(in, strlen(in)));
	is_str(rc == TARGET_OK ? out : NULL, want, "  stored as %s", want);
	is_int(out_len, strlen(want), "  length %zu", strlen(want));
}

/* Refused with err, and *out_len left 0 (the output buffer itself may
 * hold a partial spelling: callers must look at the return value). */
static void refuse_n(const char *in, size_t len, int err, const char *what)
{
	int rc = norm(in, len, NULL);
	is_int(rc, err, "refuses %s: %s", what, target_strerror(err));
	is_int(out_len, 0, "  out_len 0 (%s)", what);
}

static void refuse(const char *in, int err)
{
	refuse_n(in, strlen(in), err, vis(in, strlen(in)));
}

static void test_accept(void)
{
	accept("http://example.org", "http://example.org");
	accept("https://example.org/", "https://example.org/");
	accept("HTTPS://EXAMPLE.ORG/Path/To", "https://example.org/Path/To");
	accept("HtTp://Example.ORG:8080/a?B=C#D", "http://example.org:8080/a?B=C#D");
	accept("https://example.org/über", "https://example.org/%C3%BCber");
	accept("https://example.org/a?q=café#née",
	       "https://example.org/a?q=caf%C3%A9#n%C3%A9e");
	accept("https://example.org/\xf0\x9f\x98\x80", "https://example.org/%F0%9F%98%80");
	accept("https://example.org/\xe2\x82\xac", "https://example.org/%E2%82%AC");
	accept("https://example.org/a\"b<c>d", "https://example.org/a%22b%3Cc%3Ed");
	accept("https://example.org/^`{|}", "https://example.org/%5E%60%7B%7C%7D");
	accept("https://example.org/%7e%41%2F", "https://example.org/%7e%41%2F");
	accept("https://example.org/a[0]=1", "https://example.org/a[0]=1");
	accept("https://example.org/!$&'()*+,;=:@-._~",
	       "https://example.org/!$&'()*+,;=:@-._~");
	accept("https://example.org?q=1", "https://example.org?q=1");
	accept("https://example.org#top", "https://example.org#top");
	accept("https://example.org/a#b#c", "https://example.org/a#b#c");
	accept("https://example.org:1/", "https://example.org:1/");
	accept("https://example.org:65535/", "https://example.org:65535/");
	accept("https://localhost", "https://localhost");
	accept("http://192.0.2.7:8000/x", "http://192.0.2.7:8000/x");
	accept("https://[2001:db8::1]:8443/x", "https://[2001:db8::1]:8443/x");
	accept("https://[2001:DB8::A]/", "https://[2001:db8::a]/");
	accept("https://[::ffff:192.0.2.1]/", "https://[::ffff:192.0.2.1]/");
	accept("https://xn--bcher-kva.example/", "https://xn--bcher-kva.example/");
	accept("https://a-b.example.org./", "https://a-b.example.org./");
	accept("https://notbit.ly/x", "https://notbit.ly/x");
	accept("https://bit.ly.example.org/x", "https://bit.ly.example.org/x");
	/* Numbers a browser does not read as an address, and dotted quads. */
	accept("http://0.0.0.0/", "http://0.0.0.0/");
	accept("http://255.255.255.255/", "http://255.255.255.255/");
	accept("http://192.0.2.7./x", "http://192.0.2.7./x");
	accept("https://1e100.net/", "https://1e100.net/");
	accept("https://123.example.org/", "https://123.example.org/");
	accept("https://0x.example/", "https://0x.example/");
	accept("https://example.0xg/", "https://example.0xg/");

	/* TARGET_MAX counts stored bytes. */
	static char url[TARGET_MAX + 16];
	strcpy(url, "https://example.org/");
	size_t pre = strlen(url);
	memset(url + pre, 'a', TARGET_MAX - pre);
	url[TARGET_MAX] = '\0';
	is_int(norm(url, TARGET_MAX, NULL), TARGET_OK, "accepts exactly 2048 bytes");
	is_int(out_len, TARGET_MAX, "  stored as 2048 bytes");
	ok(memcmp(out, url, TARGET_MAX) == 0 && out[TARGET_MAX] == '\0',
	   "  unchanged and NUL-terminated");
	url[TARGET_MAX] = 'a';
	url[TARGET_MAX + 1] = '\0';
	refuse_n(url, TARGET_MAX + 1, TARGET_TOO_LONG, "2049 bytes");
	/* Short input, long after encoding: 2044 + "ü" (2 bytes in, 6 out). */
	memcpy(url + TARGET_MAX - 4, "\xc3\xbc", 3);
	refuse_n(url, TARGET_MAX - 2, TARGET_TOO_LONG,
	         "2046 bytes that encode to 2050");
	memcpy(url + TARGET_MAX - 6, "\xc3\xbc", 3);
	is_int(norm(url, TARGET_MAX - 4, NULL), TARGET_OK,
	       "2044 bytes that encode to exactly 2048");
	is_int(out_len, TARGET_MAX, "  stored as 2048 bytes");
	memset(url + pre, '"', TARGET_MAX - pre);
	refuse_n(url, pre + 700, TARGET_TOO_LONG, "700 quotes encoding to 2100");
	static char huge[TARGET_MAX * 3 + 2];
	memset(huge, 'a', sizeof huge);
	memcpy(huge, "https://example.org/", 20);
	refuse_n(huge, sizeof huge, TARGET_TOO_LONG, "6146 bytes");
}

static void test_refuse(void)
{
	refuse_n("", 0, TARGET_EMPTY, "an empty URL");
	refuse("ftp://example.org/file", TARGET_SCHEME);
	refuse("javascript:alert(1)", TARGET_SCHEME);
	refuse("JavaScript://example.org/%0aalert(1)", TARGET_SCHEME);
	refuse("data:text/html,hi", TARGET_SCHEME);
	refuse("mailto:a@example.org", TARGET_SCHEME);
	refuse("/relative/path", TARGET_SCHEME);
	refuse("relative", TARGET_SCHEME);
	refuse("example.org/x", TARGET_SCHEME);
	refuse("//example.org/x", TARGET_SCHEME);
	refuse("http:/example.org", TARGET_SCHEME);
	refuse("http:example.org", TARGET_SCHEME);
	refuse("https:", TARGET_SCHEME);

	refuse("https://", TARGET_NO_HOST);
	refuse("http://", TARGET_NO_HOST);
	refuse("https:///path", TARGET_NO_HOST);
	refuse("https://?q=1", TARGET_NO_HOST);
	refuse("https://#f", TARGET_NO_HOST);
	refuse("https://:8080/", TARGET_NO_HOST);

	refuse("https://user@example.org/", TARGET_USERINFO);
	refuse("https://user:pw@example.org/", TARGET_USERINFO);
	refuse("https://trusted.example@evil.example/", TARGET_USERINFO);
	refuse("https://@example.org/", TARGET_USERINFO);

	refuse("https://exa_mple.org/", TARGET_BAD_HOST);
	refuse("https://.example.org/", TARGET_BAD_HOST);
	refuse("https://-example.org/", TARGET_BAD_HOST);
	refuse("https://a..example.org/", TARGET_BAD_HOST);
	refuse("https://ex%41mple.org/", TARGET_BAD_HOST);
	refuse("https://exa!mple.org/", TARGET_BAD_HOST);
	refuse("https://[]/", TARGET_BAD_HOST);
	refuse("https://[::1/", TARGET_BAD_HOST);
	refuse("https://[g::1]/", TARGET_BAD_HOST);
	refuse("https://[::1%eth0]/", TARGET_BAD_HOST);

	/* Every other spelling of an IPv4 address: hides where it goes. */
	refuse("http://2130706433/", TARGET_NUMERIC_HOST);
	refuse("http://0x7f000001/", TARGET_NUMERIC_HOST);
	refuse("http://0X7F000001/", TARGET_NUMERIC_HOST);
	refuse("http://0177.0.0.1/", TARGET_NUMERIC_HOST);
	refuse("http://127.1/", TARGET_NUMERIC_HOST);
	refuse("http://127.0.1/", TARGET_NUMERIC_HOST);
	refuse("http://0x7f.0.0.1/", TARGET_NUMERIC_HOST);
	refuse("http://127.0.0.01/", TARGET_NUMERIC_HOST);
	refuse("http://256.1.1.1/", TARGET_NUMERIC_HOST);
	refuse("http://1.2.3.4.5/", TARGET_NUMERIC_HOST);
	refuse("http://1234.1.1.1/", TARGET_NUMERIC_HOST);
	refuse("https://example.123/", TARGET_NUMERIC_HOST);
	refuse("https://example.0x1f/", TARGET_NUMERIC_HOST);
	refuse("https://0x/", TARGET_NUMERIC_HOST);
	refuse("http://2130706433:8080/", TARGET_NUMERIC_HOST);

	refuse("https://bücher.example/", TARGET_NON_ASCII_HOST);
	refuse("https://\xd0\xbf\xd1\x80.example/", TARGET_NON_ASCII_HOST);

	refuse("https://example.org:/", TARGET_BAD_PORT);
	refuse("https://example.org:0/", TARGET_BAD_PORT);
	refuse("https://example.org:65536/", TARGET_BAD_PORT);
	refuse("https://example.org:99999/", TARGET_BAD_PORT);
	refuse("https://example.org:123456/", TARGET_BAD_PORT);
	refuse("https://example.org:8a/", TARGET_BAD_PORT);
	refuse("https://example.org:-1/", TARGET_BAD_PORT);
	refuse("https://example.org:80:80/", TARGET_BAD_PORT);
	refuse("https://[::1]x/", TARGET_BAD_PORT);
	refuse("https://[::1]:/", TARGET_BAD_PORT);

	refuse_n("https://example.org/\x01", 21, TARGET_CONTROL, "byte 0x01");
	refuse_n("https://example.org/a\0b", 22, TARGET_CONTROL, "a NUL byte");
	refuse("https://example.org/a\tb", TARGET_CONTROL);
	refuse("https://example.org/\x7f", TARGET_CONTROL);
	refuse("https://example.org/a\r\nSet-Cookie:x=1", TARGET_CONTROL);
	refuse("https://example.org/a\nb", TARGET_CONTROL);
	refuse("https://example.org/a\rb", TARGET_CONTROL);
	refuse("https://exam\nple.org/", TARGET_CONTROL);
	refuse("ftp://a\x01", TARGET_CONTROL);   /* named before the scheme */

	refuse("https://example.org/a b", TARGET_SPACE);
	refuse(" https://example.org/", TARGET_SPACE);
	refuse("https://example.org/ ", TARGET_SPACE);

	refuse("https://example.org\\@evil.example/", TARGET_BACKSLASH);
	refuse("https://example.org/a\\b", TARGET_BACKSLASH);
	refuse("https:\\\\example.org/", TARGET_BACKSLASH);

	refuse("https://example.org/%", TARGET_BAD_PERCENT);
	refuse("https://example.org/%4", TARGET_BAD_PERCENT);
	refuse("https://example.org/%zz", TARGET_BAD_PERCENT);
	refuse("https://example.org/%4g", TARGET_BAD_PERCENT);
	refuse("https://example.org/%%41", TARGET_BAD_PERCENT);
	refuse("https://example.org/?q=100%", TARGET_BAD_PERCENT);

	refuse("https://example.org/\xff", TARGET_BAD_UTF8);
	refuse("https://example.org/\x80", TARGET_BAD_UTF8);
	refuse("https://example.org/\xc3", TARGET_BAD_UTF8);
	refuse("https://example.org/\xc3x", TARGET_BAD_UTF8);
	refuse("https://example.org/\xc0\xaf", TARGET_BAD_UTF8);
	refuse("https://example.org/\xc1\xbf", TARGET_BAD_UTF8);
	refuse("https://example.org/\xe0\x80\xaf", TARGET_BAD_UTF8);
	refuse("https://example.org/\xed\xa0\x80", TARGET_BAD_UTF8);
	refuse("https://example.org/\xf0\x80\x80\xaf", TARGET_BAD_UTF8);
	refuse("https://example.org/\xf4\x90\x80\x80", TARGET_BAD_UTF8);
	refuse("https://example.org/\xf5\x80\x80\x80", TARGET_BAD_UTF8);
	refuse("https://example.org/\xe2\x82", TARGET_BAD_UTF8);

	refuse("https://bit.ly/abc", TARGET_SHORTENER);
	refuse("https://BIT.LY/abc", TARGET_SHORTENER);
	refuse("http://www.bit.ly/abc", TARGET_SHORTENER);
	refuse("https://t.co/x", TARGET_SHORTENER);
	refuse("https://tinyurl.com/x", TARGET_SHORTENER);
	refuse("https://youtu.be/x", TARGET_SHORTENER);
	refuse("https://bit.ly:443/abc", TARGET_SHORTENER);
}

static void test_policy(void)
{
	static const char *const own[] = { "go.example.com", "s.example" };
	static const char *const allowed[] = { "example.org", "corp.example" };
	struct target_policy p = { .own_hosts = own, .n_own_hosts = 2 };

	is_int(norm("https://go.example.com/x", 24, &p), TARGET_OWN_HOST,
	       "own short host refused (a loop)");
	is_int(norm("https://GO.Example.COM/x", 24, &p), TARGET_OWN_HOST,
	       "own host refused whatever its case");
	is_int(norm("https://a.s.example/", 20, &p), TARGET_OWN_HOST,
	       "subdomain of an own host refused");
	is_int(norm("https://go.example.com.evil/", 28, &p), TARGET_OK,
	       "own host as a prefix of another host is fine");
	is_int(norm("https://s.example/", 18, NULL), TARGET_OK,
	       "without a policy the own host is just a host");

	is_int(norm("https://bit.ly/x", 16, &p), TARGET_SHORTENER,
	       "shortener refused by default in a policy");
	p.allow_shorteners = 1;
	is_int(norm("https://bit.ly/x", 16, &p), TARGET_OK,
	       "allow_shorteners lets bit.ly through");
	is_str(out, "https://bit.ly/x", "  stored unchanged");

	struct target_policy al = { .allowed = allowed, .n_allowed = 2 };
	is_int(norm("https://example.org/a", 21, &al), TARGET_OK,
	       "allowed host itself");
	is_int(norm("https://www.Example.org/a", 25, &al), TARGET_OK,
	       "subdomain of an allowed host");
	is_str(out, "https://www.example.org/a", "  stored lower-cased");
	is_int(norm("https://x.corp.example:8443/", 28, &al), TARGET_OK,
	       "second allowed host with a port");
	is_int(norm("https://evil.org/", 17, &al), TARGET_NOT_ALLOWED,
	       "other host refused by the allow-list");
	is_int(norm("https://badexample.org/", 23, &al), TARGET_NOT_ALLOWED,
	       "suffix without a dot is not a subdomain");
	is_int(norm("https://example.org.evil/", 25, &al), TARGET_NOT_ALLOWED,
	       "allowed host as a prefix is refused");
	is_int(norm("https://[2001:db8::1]/", 22, &al), TARGET_NOT_ALLOWED,
	       "IP literal refused when an allow-list is set");
	is_int(norm("https://[2001:db8::1]/", 22, &p), TARGET_OK,
	       "IP literal fine without an allow-list");

	/* Every error code has its own message. */
	int dup = 0;
	for (int a = TARGET_OK; a <= TARGET_NOT_ALLOWED; a++)
		for (int b = a + 1; b <= TARGET_NOT_ALLOWED; b++)
			if (strcmp(target_strerror(a), target_strerror(b)) == 0)
				dup++;
	is_int(dup, 0, "target_strerror: a distinct message per code");
	is_str(target_strerror(TARGET_TOO_LONG), "URL longer than 2048 bytes",
	       "target_strerror(TARGET_TOO_LONG)");
	is_str(target_strerror(9999), "invalid URL", "target_strerror(unknown)");
}

static void servable(const char *url, size_t len, int want, const char *what)
{
	is_int(target_servable(url, len), want, "servable(%s) = %d", what, want);
}

static void host(const char *url, const char *want)
{
	const char *h = (const char *)1;
	size_t n = 99;
	target_host(url, strlen(url), &h, &n);
	char got[256] = "";
	if (h && n < sizeof got) {
		memcpy(got, h, n);
		got[n] = '\0';
	}
	if (want)
		is_str(h && n ? got : NULL, want, "target_host(%s) = %s", url, want);
	else
		is_int(n, 0, "target_host(%s) is empty", url);
}

static void test_servable_host(void)
{
	servable("https://example.org/", 20, 1, "https URL");
	servable("http://e.org", 12, 1, "http URL");
	servable("", 0, 0, "empty");
	servable("https://", 8, 0, "bare https://");
	servable("http://", 7, 0, "bare http://");
	servable("HTTPS://e.org/", 14, 0, "upper-case scheme (not normalized)");
	servable("javascript:alert(1)", 19, 0, "javascript:");
	servable("ftp://e.org/", 12, 0, "ftp");
	servable("https://e.org/a b", 17, 0, "space");
	servable("https://e.org/a\r\nX: y", 21, 0, "CRLF");
	servable("https://e.org/\x7f", 15, 0, "DEL");
	servable("https://e.org/\x80", 15, 0, "byte 0x80");
	servable("https://e.org/\xc3\xbc", 16, 0, "raw UTF-8");
	servable("https://e.org/a\0b", 17, 0, "NUL");
	servable("https://e.org/%C3%BC", 20, 1, "percent-encoded UTF-8");
	static char url[TARGET_MAX + 2];
	memset(url, 'a', sizeof url);
	memcpy(url, "https://e.org/", 14);
	servable(url, TARGET_MAX, 1, "2048 bytes");
	servable(url, TARGET_MAX + 1, 0, "2049 bytes");

	host("https://example.org/x", "example.org");
	host("http://example.org", "example.org");
	host("http://Example.ORG:8080/x", "Example.ORG");
	host("https://e.org?q=1", "e.org");
	host("HTTPS://E.org#f", "E.org");
	host("https://[::1]:80/", "[::1]");
	host("https://[2001:db8::1]", "[2001:db8::1]");
	host("https://[::1", NULL);
	host("https://user@evil.example/", NULL);
	host("https://user:pw@evil.example/", NULL);
	host("ftp://example.org/", NULL);
	host("example.org", NULL);
	host("https://", NULL);
	host("", NULL);
}

int main(void)
{
	test_codes();
	test_accept();
	test_refuse();
	test_policy();
	test_servable_host();
	return tap_done();
}
