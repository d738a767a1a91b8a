/*
 * utf8: the one UTF-8 decoder's length step, for the target rules
 * (target.c) and the tools' text checks (linkctl's check.c, posts.c); and
 * which characters are controls, for the checks and for what the tools
 * show on a terminal.
 * Strict, as RFC 3629 has it: no overlong forms, no surrogates, nothing
 * past U+10FFFF.
 */
#ifndef REDIRECTD_UTF8_H
#define REDIRECTD_UTF8_H

#include <stddef.h>

/* The length of the valid UTF-8 sequence at s (at most n >= 1 bytes): 1
 * for ASCII, 2 to 4, or 0 when it is not valid or cut short. */
static inline size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t need;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4;
	else
		return 0;
	if (n < need)
		return 0;
	for (size_t k = 1; k < need; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	/* Overlong three- and four-byte forms, surrogates, past U+10FFFF. */
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
		return 0;
	return need;
}

/* The length of the control character at s (n >= 1 bytes): 1 for C0 and
 * DEL, 2 for C1 (U+0080-U+009F: a terminal obeys them as it does ESC, and
 * U+0085 breaks lines), 3 for U+2028 and U+2029 (line and paragraph
 * separators) and for the bidirectional embeddings, overrides and
 * isolates (U+202A-U+202E, U+2066-U+2069: they reorder the text after
 * them, up to the end of a line or a table row, so a name could show as
 * another's or move the figures beside it); 0 when s does not start with
 * one.  The marks U+200E, U+200F and U+061C are not controls: they order
 * nothing beyond themselves, and right-to-left names use them.  Reads
 * bytes, so a string that is not UTF-8 is safe to scan. */
static inline size_t utf8_control(const unsigned char *s, size_t n)
{
	if (s[0] < 0x20 || s[0] == 0x7f)
		return 1;
	if (n >= 2 && s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
		return 2;
	if (n >= 3 && s[0] == 0xe2 &&
	    ((s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9 ||
	                       (s[2] >= 0xaa && s[2] <= 0xae))) ||
	     (s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)))
		return 3;
	return 0;
}

#endif
