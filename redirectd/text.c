/* text: a growing text buffer.  See text.h. */
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void text_reserve(struct text *t, size_t more)
{
	if (t->oom || t->len + more + 1 <= t->cap)
		return;
	size_t cap = t->cap ? t->cap : 4096;
	while (cap < t->len + more + 1)
		cap *= 2;
	char *p = realloc(t->p, cap);
	if (!p) {
		t->oom = 1;
		return;
	}
	t->p = p;
	t->cap = cap;
}

void text_put(struct text *t, const char *s, size_t n)
{
	text_reserve(t, n);
	if (t->oom)
		return;
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

void text_printf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	text_reserve(t, (size_t)n);
	if (t->oom)
		return;
	va_start(ap, fmt);
	vsnprintf(t->p + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void text_free(struct text *t)
{
	free(t->p);
	*t = (struct text){ 0 };
}
