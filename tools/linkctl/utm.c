/* utm: tagging a target URL with utm_* parameters.  See utm.h. */
#include "utm.h"

#include "out.h"

#include <string.h>

/* 1 when the parameter p[0..n) is one of the four we set. */
static int utm_ours(const char *p, size_t n)
{
	static const char *const names[] = {
		"utm_source", "utm_medium", "utm_campaign", "utm_content",
	};
	const char *eq = memchr(p, '=', n);
	size_t name_len = eq ? (size_t)(eq - p) : n;
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strlen(names[i]) == name_len &&
		    memcmp(names[i], p, name_len) == 0)
			return 1;
	return 0;
}

/* Appends that fail once stay failed: o is pushed past cap. */
static void put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
	if (*o <= cap && cap - *o >= n)
		memcpy(out + *o, s, n);
	*o = (*o <= cap && cap - *o >= n) ? *o + n : cap + 1;
}

static void put_escaped(char *out, size_t cap, size_t *o, const char *s,
                        size_t n)
{
	size_t w = *o <= cap ? out_pct_encode(s, n, out + *o, cap - *o)
	                     : (size_t)-1;
	*o = w == (size_t)-1 ? cap + 1 : *o + w;
}

size_t utm_tag(const char *url, size_t len, const char *campaign,
               size_t campaign_len, const char *content, size_t content_len,
               char *out, size_t cap)
{
	const char *hash = memchr(url, '#', len);
	size_t base = hash ? (size_t)(hash - url) : len;
	const char *q = memchr(url, '?', base);
	size_t path = q ? (size_t)(q - url) : base;
	size_t o = 0;
	put(out, cap, &o, url, path);
	put(out, cap, &o, "?", 1);
	if (q) {
		const char *p = q + 1, *end = url + base;
		while (p < end) {
			const char *amp = memchr(p, '&', (size_t)(end - p));
			const char *e = amp ? amp : end;
			size_t n = (size_t)(e - p);
			if (n && !utm_ours(p, n)) {
				put(out, cap, &o, p, n);
				put(out, cap, &o, "&", 1);
			}
			p = amp ? amp + 1 : end;
		}
	}
	static const char fixed[] = "utm_source=" UTM_SOURCE
	                            "&utm_medium=" UTM_MEDIUM "&utm_campaign=";
	put(out, cap, &o, fixed, sizeof fixed - 1);
	put_escaped(out, cap, &o, campaign, campaign_len);
	put(out, cap, &o, "&utm_content=", 13);
	put_escaped(out, cap, &o, content, content_len);
	if (hash)
		put(out, cap, &o, hash, len - base);
	if (o >= cap)   /* no room for the NUL, or failed earlier */
		return 0;
	out[o] = '\0';
	return o;
}
