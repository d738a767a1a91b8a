/* Fuzz target: the query pass-through (query.c).  The input is three lines:
 * the directive's value, a target URL, a request's query.  A value that
 * parses gives a list of lower-case names of [a-z0-9._~-] with none
 * starting with "utm"; a name that passes never reads, decoded once or
 * twice by a reference decoder written here, as one starting with "utm";
 * query_merge never passes its cap, keeps the target's base and fragment,
 * and adds only whole parameters of the query, each passing, none the
 * target has, at most QUERY_PARAMS_MAX of them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "target.h"

/* Reference: s[0..n) percent-decoded once ('+' as space, lower case). */
static size_t decode(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%' && i + 2 < n && strchr("0123456789abcdefABCDEF", s[i + 1]) &&
		    s[i + 1] && strchr("0123456789abcdefABCDEF", s[i + 2]) && s[i + 2]) {
			char hex[3] = { s[i + 1], s[i + 2], 0 };
			c = (unsigned char)strtol(hex, NULL, 16);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	return o;
}

/* 1 if the name reads as a minted tag to a target decoding once or twice. */
static int reads_as_utm(const char *name, size_t n)
{
	char *once = malloc(n + 1), *twice = malloc(n + 1);
	size_t n1 = decode(name, n, once), n2 = decode(once, n1, twice);
	int utm = 0;
	const char *v[2] = { once, twice };
	size_t len[2] = { n1, n2 };
	for (int k = 0; k < 2; k++) {
		size_t i = 0;
		while (i < len[k] && (unsigned char)v[k][i] <= ' ')
			i++;
		if (len[k] - i >= 3 && memcmp(v[k] + i, "utm", 3) == 0)
			utm = 1;
	}
	free(once);
	free(twice);
	return utm;
}

static int same_name(const char *a, size_t an, const char *b, size_t bn)
{
	char *x = malloc(an + 1), *y = malloc(bn + 1);
	size_t xn = decode(a, an, x), yn = decode(b, bn, y);
	size_t i = 0, j = 0;
	while (i < xn && (unsigned char)x[i] <= ' ')
		i++;
	while (j < yn && (unsigned char)y[j] <= ' ')
		j++;
	int same = xn - i == yn - j && memcmp(x + i, y + j, xn - i) == 0;
	free(x);
	free(y);
	return same;
}

static size_t name_len(const char *s, size_t n)
{
	size_t k = 0;
	while (k < n && s[k] != '=')
		k++;
	return k;
}

/* Does the query s[0..n) hold the parameter p[0..pn) whole? */
static int has_segment(const char *s, size_t n, const char *p, size_t pn)
{
	for (size_t i = 0; i <= n; ) {
		size_t j = i;
		while (j < n && s[j] != '&' && s[j] != ';')
			j++;
		if (j - i == pn && memcmp(s + i, p, pn) == 0)
			return 1;
		i = j + 1;
	}
	return 0;
}

/* Does the target query t[0..tn) have a parameter named like name? */
static int target_has(const char *t, size_t tn, const char *name, size_t nn)
{
	for (size_t i = 0; i < tn; ) {
		size_t j = i;
		while (j < tn && t[j] != '&' && t[j] != ';')
			j++;
		if (same_name(t + i, name_len(t + i, j - i), name, nn))
			return 1;
		i = j + 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data;
	const char *nl1 = memchr(d, '\n', size);
	if (!nl1)
		return 0;
	const char *nl2 = memchr(nl1 + 1, '\n', size - (size_t)(nl1 + 1 - d));
	if (!nl2)
		return 0;

	/* The directive's value: NUL-terminated, as config.c hands it. */
	size_t vlen = (size_t)(nl1 - d);
	char *value = malloc(vlen + 1);
	memcpy(value, d, vlen);
	value[vlen] = '\0';
	static struct query_pass p;
	char err[200];
	if (memchr(value, '\0', vlen) ||
	    query_pass_parse(value, &p, err, sizeof err) < 0)
		query_pass_parse(QUERY_PASS_DEFAULT, &p, err, sizeof err);
	free(value);
	if (p.mode != QUERY_OFF && p.mode != QUERY_LIST && p.mode != QUERY_ALL)
		abort();
	if (p.mode == QUERY_LIST) {
		if (p.n == 0 || p.n > QUERY_PASS_MAX)
			abort();
		for (unsigned k = 0; k < p.n; k++) {
			const struct query_name *e = &p.v[k];
			if (e->len == 0 || e->len > QUERY_NAME_MAX ||
			    strlen(e->name) != e->len ||
			    strspn(e->name, "abcdefghijklmnopqrstuvwxyz0123456789._~-")
			    != e->len || strncmp(e->name, "utm", 3) == 0)
				abort();
		}
	}

	/* Copies of exactly their size: a read past either is a report. */
	size_t url_len = (size_t)(nl2 - nl1 - 1);
	size_t q_len = size - (size_t)(nl2 + 1 - d);
	char *url = malloc(url_len ? url_len : 1);
	char *q = malloc(q_len ? q_len : 1);
	memcpy(url, nl1 + 1, url_len);
	memcpy(q, nl2 + 1, q_len);

	/* Every parameter name of q on its own. */
	for (size_t i = 0; i < q_len; ) {
		size_t j = i;
		while (j < q_len && q[j] != '&' && q[j] != ';')
			j++;
		size_t k = name_len(q + i, j - i);
		char *name = malloc(k ? k : 1);
		memcpy(name, q + i, k);
		if (query_name_passes(&p, name, k) &&
		    (k == 0 || reads_as_utm(name, k) || p.mode == QUERY_OFF))
			abort();
		free(name);
		i = j + 1;
	}

	char out[TARGET_MAX + 1];
	size_t cap = size % 5 == 0 ? 96 : TARGET_MAX;
	size_t n = query_merge(url, url_len, q, q_len, &p, out, cap);
	if (n) {
		const char *hash = memchr(url, '#', url_len);
		size_t base = hash ? (size_t)(hash - url) : url_len;
		size_t frag = url_len - base;
		if (n > cap || n <= url_len || memcmp(out, url, base) != 0 ||
		    memcmp(out + n - frag, url + base, frag) != 0)
			abort();
		const char *qm = memchr(url, '?', base);
		const char *tq = qm ? qm + 1 : url + base;
		size_t tq_len = (size_t)(url + base - tq);
		/* The added part: a separator, then parameters joined by '&'. */
		size_t i = base, stop = n - frag, count = 0;
		if (!qm) {
			if (out[i] != '?')
				abort();
			i++;
		} else if (tq_len && tq[tq_len - 1] != '&') {
			if (out[i] != '&')
				abort();
			i++;
		}
		while (i < stop) {
			size_t j = i;
			while (j < stop && out[j] != '&')
				j++;
			size_t k = name_len(out + i, j - i);
			if (j == i || !has_segment(q, q_len, out + i, j - i) ||
			    !query_name_passes(&p, out + i, k) ||
			    target_has(tq, tq_len, out + i, k))
				abort();
			count++;
			i = j + 1;
		}
		if (count == 0 || count > QUERY_PARAMS_MAX)
			abort();
	}
	free(url);
	free(q);
	return 0;
}
