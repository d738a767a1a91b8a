/*
 * test_textwidth: tools/common/textwidth.c -- the columns a terminal gives
 * names in Latin (with precomposed and combining accents), CJK, Hangul,
 * fullwidth forms, emoji, right-to-left scripts with their points, and
 * bytes that are not UTF-8; and every code point's width is 0, 1 or 2,
 * with the ranges' edges where Unicode puts them.
 */
#include "tap.h"
#include "textwidth.h"

#include <string.h>

static void width(const char *s, size_t want, const char *what)
{
	is_int(textwidth(s, strlen(s)), want, "%s: %zu columns", what, want);
}

int main(void)
{
	width("", 0, "nothing");
	width("Ana Lima", 8, "ASCII");
	width("Jos\xc3\xa9", 4, "a precomposed é");
	width("Jose\xcc\x81", 4, "e + a combining acute accent");
	width("\xe5\xb1\xb1\xe7\x94\xb0 \xe5\xa4\xaa\xe9\x83\x8e", 9,
	      "山田 太郎: four wide characters and a space");
	width("\xea\xb9\x80\xeb\xaf\xbc\xec\xa4\x80", 6, "김민준: Hangul");
	width("\xe3\x81\x8b\xe3\x82\x99", 2, "か + a combining voiced mark");
	width("\xef\xbc\xa1\xef\xbc\xa2", 4, "ＡＢ: fullwidth Latin");
	width("\xef\xbd\xb1", 1, "ｱ: halfwidth katakana");
	width("\xf0\x9f\x8e\x89", 2, "🎉: an emoji");
	width("\xd7\xa9\xd6\xb8\xd7\x9c\xd7\x95\xd7\x9d", 4,
	      "שָלום: Hebrew with a vowel point");
	width("a\xe2\x80\x8b" "b", 2, "a zero-width space");
	width("\xff\xfe", 2, "bytes that are not UTF-8: one each");
	width("\xe5\xb1", 2, "a cut sequence: one per byte");
	width("\xed\xa0\x80", 3, "a surrogate's encoding: not UTF-8");
	width("\xc0\xaf", 2, "an overlong '/'");

	is_int(textwidth_cp(0x02FF), 1, "U+02FF: one");
	is_int(textwidth_cp(0x0300), 0, "U+0300: the first combining mark");
	is_int(textwidth_cp(0x036F), 0, "U+036F: the last of the block");
	is_int(textwidth_cp(0x0370), 1, "U+0370: Greek, one");
	is_int(textwidth_cp(0x10FF), 1, "U+10FF: one");
	is_int(textwidth_cp(0x1100), 2, "U+1100: Hangul Jamo, wide");
	is_int(textwidth_cp(0x4E00), 2, "U+4E00: the first unified ideograph");
	is_int(textwidth_cp(0x9FFF), 2, "U+9FFF: the last");
	is_int(textwidth_cp(0xD7A3), 2, "U+D7A3: the last Hangul syllable");
	is_int(textwidth_cp(0xD7A4), 1, "U+D7A4: one");
	is_int(textwidth_cp(0xFF61), 1, "U+FF61: halfwidth, one");
	is_int(textwidth_cp(0x20000), 2, "U+20000: extension B, wide");
	int bad = 0;
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
		int w = textwidth_cp(cp);
		bad += w < 0 || w > 2;
	}
	is_int(bad, 0, "every code point: 0, 1 or 2");
	return tap_done();
}
