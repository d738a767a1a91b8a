/* Unit tests of clickid.c: a click's id, its text, its Location. */
#include <string.h>

#include "tap.h"
#include "clickid.h"
#include "clickrec.h"
#include "target.h"

static const char *loc(const char *url, const struct clickid *id)
{
	static char out[4096];
	size_t n = clickid_location(url, strlen(url), "rd_click", 8, id, out,
	                            sizeof out - 1);
	if (!n)
		return NULL;
	out[n] = '\0';
	return out;
}

int main(void)
{
	struct clickid a, b, c;
	char t[CLICKID_LEN + 1] = { 0 };

	/* The same record, the same id; any field changed, another. */
	clickid_make(1, 0, 1780000000000000ull, 7, &a);
	clickid_make(1, 0, 1780000000000000ull, 7, &b);
	ok(memcmp(a.b, b.b, CLICKID_BYTES) == 0, "deterministic");
	clickid_make(2, 0, 1780000000000000ull, 7, &c);
	ok(memcmp(a.b, c.b, CLICKID_BYTES) != 0, "the node is in it");
	clickid_make(1, 1, 1780000000000000ull, 7, &c);
	ok(memcmp(a.b, c.b, CLICKID_BYTES) != 0, "the worker is in it");
	clickid_make(1, 0, 1780000000000001ull, 7, &c);
	ok(memcmp(a.b, c.b, CLICKID_BYTES) != 0, "the time is in it");
	clickid_make(1, 0, 1780000000000000ull, 8, &c);
	ok(memcmp(a.b, c.b, CLICKID_BYTES) != 0, "the sequence is in it");

	/* Text: 16 base64url characters, back to the same id. */
	clickid_format(&a, t);
	is_int((int)strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                      "0123456789-_"), CLICKID_LEN, "base64url, 16");
	struct clickid p;
	is_int(clickid_parse(t, CLICKID_LEN, &p), 0, "parses");
	ok(memcmp(a.b, p.b, CLICKID_BYTES) == 0, "round trip");
	is_int(clickid_parse(t, CLICKID_LEN - 1, &p), -1, "15 characters");
	is_int(clickid_parse("AAAAAAAAAAAAAAAAA", 17, &p), -1, "17 characters");
	is_int(clickid_parse("AAAAAAAAAAAAAAA=", 16, &p), -1, "padding");
	is_int(clickid_parse("AAAAAAAAAAAAAAA+", 16, &p), -1, "base64's '+'");
	is_int(clickid_parse("AAAAAAA AAAAAAAA", 16, &p), -1, "a space");
	is_int(clickid_parse("", 0, &p), -1, "empty");
	is_int(clickid_parse("____________----", 16, &p), 0, "every bit set");
	clickid_format(&p, t);
	is_str(t, "____________----", "and back");
	memset(p.b, 0, sizeof p.b);
	clickid_format(&p, t);
	is_str(t, "AAAAAAAAAAAAAAAA", "no bit set");

	/* A million consecutive clicks of one worker in one microsecond,
	 * and the same sequence over a million microseconds: no two ids
	 * share the 64 bits reach keys its table on. */
	{
		enum { N = 1 << 20 };
		static uint64_t k[2 * N];
		for (uint32_t i = 0; i < N; i++) {
			clickid_make(0x1234, 3, 1780000000000000ull, i, &c);
			k[i] = clickid_key(&c);
			clickid_make(0x1234, 3, 1780000000000001ull + i, 5, &c);
			k[N + i] = clickid_key(&c);
		}
		/* Sort (shell sort: no qsort callback needed) and compare. */
		size_t n = 2 * N, dup = 0;
		for (size_t gap = n / 2; gap; gap /= 2)
			for (size_t i = gap; i < n; i++) {
				uint64_t v = k[i];
				size_t j = i;
				for (; j >= gap && k[j - gap] > v; j -= gap)
					k[j] = k[j - gap];
				k[j] = v;
			}
		for (size_t i = 1; i < n; i++)
			dup += k[i] == k[i - 1];
		/* One pair in 2^64 / (2^21)^2 = 2^22 runs. */
		is_int((int)dup, 0, "2,097,152 ids, no two keys alike");
	}

	/* The Location. */
	clickid_parse("abcdefghijklmnop", 16, &a);
	is_str(loc("https://example.org/p", &a),
	       "https://example.org/p?rd_click=abcdefghijklmnop", "no query");
	is_str(loc("https://example.org", &a),
	       "https://example.org?rd_click=abcdefghijklmnop", "no path");
	is_str(loc("https://example.org/p?a=1", &a),
	       "https://example.org/p?a=1&rd_click=abcdefghijklmnop",
	       "after the target's own parameters");
	is_str(loc("https://example.org/p?a=1&", &a),
	       "https://example.org/p?a=1&rd_click=abcdefghijklmnop",
	       "no second '&'");
	is_str(loc("https://example.org/p?", &a),
	       "https://example.org/p?rd_click=abcdefghijklmnop",
	       "no second '?'");
	is_str(loc("https://example.org/p?a=1#sign", &a),
	       "https://example.org/p?a=1&rd_click=abcdefghijklmnop#sign",
	       "before the fragment");
	is_str(loc("https://example.org/p#x?y=1", &a),
	       "https://example.org/p?rd_click=abcdefghijklmnop#x?y=1",
	       "a '?' in the fragment is not a query");
	is_str(loc("https://example.org/p#", &a),
	       "https://example.org/p?rd_click=abcdefghijklmnop#",
	       "an empty fragment stays");
	{
		const char *u = "https://example.org/p?a=1#f";
		char out[64];
		size_t want = strlen(u) + 1 + 9 + CLICKID_LEN;
		is_int((int)clickid_location(u, strlen(u), "rd_click", 8, &a,
		                             out, want - 1), 0, "one byte short");
		is_int((int)clickid_location(u, strlen(u), "rd_click", 8, &a,
		                             out, want), (int)want, "exactly fits");
		ok(target_servable(out, want), "still a servable target");
	}

	/* The directive's names. */
	ok(clickid_param_valid("rd_click", 8), "rd_click");
	ok(clickid_param_valid("ref-id.2", 8), "letters, digits, '-', '.'");
	ok(!clickid_param_valid("", 0), "empty");
	ok(!clickid_param_valid("utm_id", 6), "utm*");
	ok(!clickid_param_valid("UTMx", 4), "UTM* in any case");
	ok(!clickid_param_valid("a b", 3), "a space");
	ok(!clickid_param_valid("a=b", 3), "'='");
	ok(!clickid_param_valid("a&b", 3), "'&'");
	ok(!clickid_param_valid("a%62", 4), "'%'");
	ok(!clickid_param_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 33), "33 bytes");
	ok(clickid_param_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 32), "32 bytes");

	/* The record's sequence: 24 bits in bytes 39 and 122..123. */
	{
		struct click ck, back;
		unsigned char rec[CLICKREC_SIZE];
		memset(&ck, 0, sizeof ck);
		ck.time_us = 1;
		ck.seq = 0xabcdef;
		ck.flags = CLICK_F_CLICKID;
		clickrec_encode(&ck, rec);
		is_int(rec[39], 0xab, "seq_hi at 39");
		is_int(rec[122] | rec[123] << 8, 0xcdef, "seq_lo at 122");
		is_int(clickrec_decode(rec, &back), 0, "decodes");
		is_int((int)back.seq, 0xabcdef, "the sequence back");
		is_int(back.flags, CLICK_F_CLICKID, "the flag back");
	}
	return tap_done();
}
