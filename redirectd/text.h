/*
 * text: a growing text buffer, for the admin listener's pages and its
 * output.  They are built on the main thread, off the request path, so a
 * realloc here costs no redirect anything.
 *
 * Out of memory is sticky: once oom is set, later puts do nothing, and the
 * caller checks oom once, after the last put.  p is NUL-terminated while
 * anything has been put and oom is not set.  Free with text_free.
 */
#ifndef REDIRECTD_TEXT_H
#define REDIRECTD_TEXT_H

#include <stddef.h>

struct text {
	char *p;
	size_t len, cap;
	int oom;
};

void text_put(struct text *t, const char *s, size_t n);
void text_printf(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void text_free(struct text *t);

#endif
