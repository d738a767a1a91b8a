/* idn: punycode labels and the scripts of their letters.  See idn.h. */
#include "idn.h"

#include <string.h>

/* RFC 3492's parameters for IDNA. */
enum {
	PC_BASE = 36, PC_TMIN = 1, PC_TMAX = 26, PC_SKEW = 38, PC_DAMP = 700,
	PC_BIAS = 72, PC_N = 128,
};

static unsigned pc_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0' + 26;
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	return PC_BASE;
}

static uint32_t pc_adapt(uint32_t delta, uint32_t points, int first)
{
	delta = first ? delta / PC_DAMP : delta / 2;
	delta += delta / points;
	uint32_t k = 0;
	while (delta > ((PC_BASE - PC_TMIN) * PC_TMAX) / 2) {
		delta /= PC_BASE - PC_TMIN;
		k += PC_BASE;
	}
	return k + (PC_BASE - PC_TMIN + 1) * delta / (delta + PC_SKEW);
}

int idn_punycode_decode(const char *in, size_t n, uint32_t *out, size_t max,
                        size_t *outn)
{
	/* The basic code points are those before the last '-', if any. */
	size_t b = n, o = 0, j = n;
	while (b > 0 && in[b - 1] != '-')
		b--;
	if (b > 0) {
		if (b - 1 > max)
			return -1;
		for (size_t k = 0; k + 1 < b; k++) {
			if ((unsigned char)in[k] >= 0x80)
				return -1;
			out[o++] = (unsigned char)in[k];
		}
		j = b;
	} else {
		j = 0;
	}
	uint32_t cp = PC_N, i = 0, bias = PC_BIAS;
	while (j < n) {
		uint32_t old = i, w = 1;
		for (uint32_t k = PC_BASE;; k += PC_BASE) {
			if (j >= n)
				return -1;
			uint32_t d = pc_digit((unsigned char)in[j++]);
			if (d >= PC_BASE || d > (UINT32_MAX - i) / w)
				return -1;
			i += d * w;
			uint32_t t = k <= bias ? PC_TMIN
			             : k >= bias + PC_TMAX ? PC_TMAX : k - bias;
			if (d < t)
				break;
			if (w > UINT32_MAX / (PC_BASE - t))
				return -1;
			w *= PC_BASE - t;
		}
		uint32_t points = (uint32_t)o + 1;
		bias = pc_adapt(i - old, points, old == 0);
		if (i / points > UINT32_MAX - cp)
			return -1;
		cp += i / points;
		i %= points;
		if (o >= max || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return -1;
		memmove(out + i + 1, out + i, (o - i) * sizeof *out);
		out[i++] = cp;
		o++;
	}
	*outn = o;
	return 0;
}

/* Scripts whose letters are told apart here.  COMMON: digits, '-', and
 * what belongs to no one script; it mixes with anything. */
enum script {
	S_COMMON, S_LATIN, S_GREEK, S_CYRILLIC, S_ARMENIAN, S_HEBREW,
	S_ARABIC, S_INDIC, S_THAI, S_GEORGIAN, S_CJK, S_HANGUL, S_OTHER,
	S_COUNT
};

static const char *const script_names[S_COUNT] = {
	"common", "Latin", "Greek", "Cyrillic", "Armenian", "Hebrew",
	"Arabic", "Indic", "Thai", "Georgian", "Han/Kana", "Hangul", "other",
};

/* Blocks by first code point, in order; a code point takes the script of
 * the last block starting at or below it. */
static const struct { uint32_t from; unsigned char script; } blocks[] = {
	{ 0x0000, S_COMMON }, { 0x0061, S_LATIN }, { 0x007B, S_COMMON },
	{ 0x00C0, S_LATIN }, { 0x0250, S_COMMON }, { 0x0370, S_GREEK },
	{ 0x0400, S_CYRILLIC }, { 0x0530, S_ARMENIAN }, { 0x0590, S_HEBREW },
	{ 0x0600, S_ARABIC }, { 0x0700, S_OTHER }, { 0x0750, S_ARABIC },
	{ 0x0780, S_OTHER }, { 0x0900, S_INDIC }, { 0x0E00, S_THAI },
	{ 0x0E80, S_OTHER }, { 0x10A0, S_GEORGIAN }, { 0x1100, S_HANGUL },
	{ 0x1200, S_OTHER }, { 0x1C80, S_CYRILLIC }, { 0x1C90, S_GEORGIAN },
	{ 0x1CC0, S_OTHER }, { 0x1E00, S_LATIN }, { 0x1F00, S_GREEK },
	{ 0x2000, S_COMMON }, { 0x2C60, S_LATIN }, { 0x2C80, S_OTHER },
	{ 0x2DE0, S_CYRILLIC }, { 0x2E00, S_COMMON }, { 0x2E80, S_CJK },
	{ 0x3100, S_OTHER }, { 0x3130, S_HANGUL }, { 0x3190, S_CJK },
	{ 0xA000, S_OTHER }, { 0xA640, S_CYRILLIC }, { 0xA6A0, S_OTHER },
	{ 0xA720, S_LATIN }, { 0xA800, S_OTHER }, { 0xAC00, S_HANGUL },
	{ 0xD7B0, S_OTHER }, { 0xF900, S_CJK }, { 0xFB00, S_OTHER },
	{ 0xFF00, S_COMMON }, { 0x20000, S_CJK }, { 0x31350, S_OTHER },
};

static enum script script_of(uint32_t cp)
{
	if (cp == 0xD7 || cp == 0xF7)   /* × ÷ inside Latin-1's letters */
		return S_COMMON;
	size_t lo = 0, hi = sizeof blocks / sizeof *blocks;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (blocks[mid].from <= cp)
			lo = mid;
		else
			hi = mid;
	}
	return (enum script)blocks[lo].script;
}

/* The scripts written together in one name: Japanese (Han, kana) and
 * Korean (Hangul, Han) with Latin, as browsers allow them. */
static int scripts_mix(unsigned seen)
{
	unsigned east = 1u << S_CJK | 1u << S_HANGUL | 1u << S_LATIN;
	return (seen & (seen - 1)) && (seen & ~east);
}

int idn_host_check(const char *host, size_t n, const char **label,
                   size_t *label_len, const char *script[2])
{
	size_t k = 0;
	while (k < n) {
		size_t e = k;
		while (e < n && host[e] != '.')
			e++;
		const char *l = host + k;
		size_t len = e - k;
		k = e + 1;
		if (len < 4 || (l[0] | 0x20) != 'x' || (l[1] | 0x20) != 'n' ||
		    l[2] != '-' || l[3] != '-')
			continue;
		*label = l;
		*label_len = len;
		uint32_t cps[IDN_LABEL_MAX];
		size_t ncp;
		if (idn_punycode_decode(l + 4, len - 4, cps, IDN_LABEL_MAX,
		                        &ncp) < 0 || ncp == 0)
			return IDN_INVALID;
		unsigned seen = 0;
		for (size_t c = 0; c < ncp; c++) {
			uint32_t cp = cps[c];
			if (cp >= 'A' && cp <= 'Z')
				cp += 32;
			enum script s = script_of(cp);
			if (s != S_COMMON)
				seen |= 1u << s;
		}
		if (scripts_mix(seen)) {
			unsigned first = (unsigned)__builtin_ctz(seen);
			unsigned rest = seen & (seen - 1);
			script[0] = script_names[first];
			script[1] = script_names[__builtin_ctz(rest)];
			return IDN_MIXED;
		}
	}
	return IDN_OK;
}
