/*
 * view: the (pointer, length) views store.c hands out, which are not
 * NUL-terminated and live only as long as their transaction -- compared
 * with a C string, or copied out before a write moves them.
 */
#ifndef REDIRECTD_LINKCTL_VIEW_H
#define REDIRECTD_LINKCTL_VIEW_H

#include <stddef.h>
#include <string.h>

/* 1 when v[0..n) holds the C string s. */
static inline int view_eq(const char *v, size_t n, const char *s)
{
	return strlen(s) == n && (n == 0 || memcmp(v, s, n) == 0);
}

/* v[0..n) into dst[cap] as a C string, cut to fit. */
static inline void view_copy(char *dst, size_t cap, const char *v, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

#endif
