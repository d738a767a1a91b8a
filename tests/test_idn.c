/*
 * test_idn: tools/linkctl/idn.c -- RFC 3492's decoding against the RFC's
 * own samples and Python's punycode codec, every malformed input refused,
 * and which hosts a browser would show as a look-alike (a label mixing
 * Latin with Cyrillic or Greek) and which not (one script; Japanese and
 * Korean with Latin, as they are written).
 */
#include "idn.h"
#include "tap.h"

#include <string.h>

static void decodes(const char *in, const uint32_t *want, size_t n,
                    const char *what)
{
	uint32_t out[IDN_LABEL_MAX];
	size_t got = 99;
	int rc = idn_punycode_decode(in, strlen(in), out, IDN_LABEL_MAX, &got);
	ok(rc == 0 && got == n && memcmp(out, want, n * sizeof *want) == 0,
	   "decodes %s (%s)", in, what);
}

static void refused(const char *in, size_t max, const char *what)
{
	uint32_t out[IDN_LABEL_MAX];
	size_t got;
	is_int(idn_punycode_decode(in, strlen(in), out, max, &got), -1,
	       "refuses %s", what);
}

static void verdict(const char *host, int want, const char *label,
                    const char *s0, const char *s1)
{
	const char *l = NULL, *script[2] = { NULL, NULL };
	size_t ll = 0;
	int got = idn_host_check(host, strlen(host), &l, &ll, script);
	is_int(got, want, "%s: verdict %d", host, want);
	if (label)
		ok(l && ll == strlen(label) && memcmp(l, label, ll) == 0,
		   "  names the label %s", label);
	if (s0)
		ok(script[0] && script[1] && strcmp(script[0], s0) == 0 &&
		   strcmp(script[1], s1) == 0, "  %s and %s", s0, s1);
}

int main(void)
{
	static const uint32_t bucher[] = { 'b', 0xfc, 'c', 'h', 'e', 'r' };
	static const uint32_t apple[] = { 0x430, 'p', 'p', 'l', 'e' };
	static const uint32_t arabic[] = {
		0x644, 0x64a, 0x647, 0x645, 0x627, 0x628, 0x62a, 0x643, 0x644,
		0x645, 0x648, 0x634, 0x639, 0x631, 0x628, 0x64a, 0x61f };
	static const uint32_t kinpachi[] = {
		'3', 0x5e74, 'B', 0x7d44, 0x91d1, 0x516b, 0x5148, 0x751f };
	static const uint32_t amuro[] = {
		0x5b89, 0x5ba4, 0x5948, 0x7f8e, 0x6075, '-', 'w', 'i', 't', 'h',
		'-', 'S', 'U', 'P', 'E', 'R', '-', 'M', 'O', 'N', 'K', 'E', 'Y',
		'S' };
	static const uint32_t abc[] = { 'a', 'b', 'c' };
	static const uint32_t zs[] = { 0x885e, 0x7ba5, 0x7cea, 0x7e16 };
	decodes("bcher-kva", bucher, 6, "bücher");
	decodes("pple-43d", apple, 5, "аpple, Cyrillic а");
	decodes("egbpdaj6bu4bxfgehfvwxn", arabic, 17, "RFC 3492 7.1 (A)");
	decodes("3B-ww4c5e180e575a65lsy2b", kinpachi, 8, "RFC 3492 7.1 (L)");
	decodes("-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n", amuro, 24,
	        "RFC 3492 7.1 (M)");
	decodes("abc-", abc, 3, "basic code points only");
	decodes("zzzzzzzzzz", zs, 4, "as Python's codec does");
	decodes("", abc, 0, "nothing");

	refused("bcher-kv", IDN_LABEL_MAX, "input ending mid-number");
	refused("bcher-k!a", IDN_LABEL_MAX, "a byte that is not a digit");
	refused("b\xc3\xbc-kva", IDN_LABEL_MAX, "a non-ASCII basic code point");
	refused("99999999999", IDN_LABEL_MAX, "a number past 32 bits");
	refused("9999999a", IDN_LABEL_MAX, "a code point past U+10FFFF");
	refused("bcher-kva", 5, "more code points than room");
	refused("abcdef-", 5, "more basic code points than room");

	verdict("example.org", IDN_OK, NULL, NULL, NULL);
	verdict("xn--bcher-kva.example", IDN_OK, NULL, NULL, NULL);
	verdict("xn--mnchen-3ya.de", IDN_OK, NULL, NULL, NULL);
	verdict("xn--80ak6aa92e.com", IDN_OK, NULL, NULL, NULL);
	verdict("xn--3b-ww4c5e180e575a65lsy2b.jp", IDN_OK, NULL, NULL, NULL);
	verdict("xn---with-super-monkeys-pc58ag80a8qai00g7n9n.jp", IDN_OK,
	        NULL, NULL, NULL);
	verdict("xn--egbpdaj6bu4bxfgehfvwxn.example", IDN_OK, NULL, NULL, NULL);
	verdict("xn--pple-43d.com", IDN_MIXED, "xn--pple-43d", "Latin",
	        "Cyrillic");
	verdict("www.XN--PPLE-43D.com.", IDN_MIXED, "XN--PPLE-43D", "Latin",
	        "Cyrillic");
	verdict("xn--ggle-55da.com", IDN_MIXED, "xn--ggle-55da", "Latin",
	        "Cyrillic");
	verdict("xn--pypal-4ve.com", IDN_MIXED, "xn--pypal-4ve", "Latin",
	        "Cyrillic");
	verdict("xn--pypal-d9d.com", IDN_MIXED, "xn--pypal-d9d", "Latin",
	        "Greek");
	verdict("xn--bcher-kv.example", IDN_INVALID, "xn--bcher-kv", NULL,
	        NULL);
	verdict("xn--.example", IDN_INVALID, "xn--", NULL, NULL);
	return tap_done();
}
