/*
 * textwidth: how many terminal columns a UTF-8 string takes, so text
 * tables line up whatever the names are written in: East Asian wide and
 * fullwidth characters (Han, kana, Hangul, fullwidth forms, most emoji)
 * take two, combining marks and zero-width characters none, everything
 * else one.  A table of ranges compiled in, not wcwidth(3): the output
 * must not depend on the locale of whoever runs the report.  Bytes that
 * are not valid UTF-8 take one column each (they are shown as one
 * character).  Pure.
 */
#ifndef REDIRECTD_TEXTWIDTH_H
#define REDIRECTD_TEXTWIDTH_H

#include <stddef.h>
#include <stdint.h>

/* Columns of one code point: 0, 1 or 2. */
int textwidth_cp(uint32_t cp);

/* Columns of s[0..n). */
size_t textwidth(const char *s, size_t n);

#endif
