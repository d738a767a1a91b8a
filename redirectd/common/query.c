/* query: which request parameters pass to the target, and the merge.  See
 * query.h. */
#include "query.h"
#include "target.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * A parameter name read the way the most lenient target reads it.  Each
 * byte: "%XX" decoded (a '%' that does not start a valid escape, such as a
 * truncated one, stands for itself, as browsers and most parsers leave it),
 * '+' a space (form encoding; an encoded one too, as a target that decodes
 * twice reads it), ASCII letters in lower case.  Leading bytes up to the
 * space are skipped (PHP drops leading spaces; a NUL or control byte up
 * front reads as nothing to C-string parsers).
 */
struct name_rd {
	const char *s;
	size_t n, i;
	size_t lead;    /* bytes of s skipped as leading blanks */
};

static int name_byte(const char *s, size_t n, size_t *i)
{
	unsigned char c = (unsigned char)s[(*i)++];
	int h, l;
	if (c == '%' && n - *i >= 2 &&
	    (h = hexval((unsigned char)s[*i])) >= 0 &&
	    (l = hexval((unsigned char)s[*i + 1])) >= 0) {
		c = (unsigned char)(h << 4 | l);
		*i += 2;
	}
	if (c == '+')
		c = ' ';
	else if (c >= 'A' && c <= 'Z')
		c = (unsigned char)(c + 32);
	return c;
}

/* The first byte of a name as read when its first byte as sent reads as
 * itself (no escape, no '+', no blank: the names of real queries), else
 * -1.  Lets query_has pass over most of a target's names at a glance. */
static int plain_first(const char *s, size_t n)
{
	if (n == 0)
		return -1;
	unsigned char c = (unsigned char)s[0];
	if (c == '%' || c == '+' || c <= ' ')
		return -1;
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static void name_start(struct name_rd *r, const char *s, size_t n)
{
	r->s = s;
	r->n = n;
	r->i = 0;
	while (r->i < n) {
		size_t j = r->i;
		if (name_byte(s, n, &j) > ' ')
			break;
		r->i = j;
	}
	r->lead = r->i;
}

/* The next byte, or -1 at the end. */
static int name_next(struct name_rd *r)
{
	return r->i < r->n ? name_byte(r->s, r->n, &r->i) : -1;
}

/* PHP reads '.', ' ' and the first '[' of a name as '_'. */
static unsigned char php_char(unsigned char c)
{
	return c == '.' || c == ' ' || c == '[' ? '_' : c;
}

/* b[0..len) (a name as read, its first QUERY_NAME_MAX + 1 bytes) is the
 * denied name: exactly, in PHP's spelling, or as an array ("name[]",
 * "name[k]", which PHP reads as name). */
static int denied(const struct query_pass *p, const unsigned char *b,
                  size_t len)
{
	size_t d = p->deny_len;
	if (len < d)
		return 0;
	for (size_t i = 0; i < d; i++)
		if (php_char(b[i]) != php_char((unsigned char)p->deny[i]))
			return 0;
	return len == d || b[d] == '[';
}

void query_pass_deny(struct query_pass *p, const char *name, size_t n)
{
	if (n > QUERY_NAME_MAX)
		n = QUERY_NAME_MAX;
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];
		p->deny[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
	}
	p->deny[n] = '\0';
	p->deny_len = (unsigned char)n;
}

int query_name_passes(const struct query_pass *p, const char *name, size_t n)
{
	if (p->mode == QUERY_OFF)
		return 0;
	/* The first QUERY_NAME_MAX + 1 bytes as read: enough to tell every
	 * list entry apart from a longer name. */
	unsigned char b[QUERY_NAME_MAX + 1];
	size_t len = 0;
	struct name_rd r;
	int c;
	name_start(&r, name, n);
	while ((c = name_next(&r)) >= 0) {
		/* Still a '%' after decoding: encoded twice, and a target
		 * that decodes again reads another name (%2575tm_source).
		 * No click id holds one. */
		if (c == '%')
			return 0;
		if (len < sizeof b)
			b[len++] = (unsigned char)c;
	}
	if (len == 0)
		return 0;       /* no name: nothing a target could credit */
	/* The minted tags, however spelled: "utm" and anything after it
	 * (PHP reads "utm.source" and "utm source" as utm_source). */
	if (len >= 3 && b[0] == 'u' && b[1] == 't' && b[2] == 'm')
		return 0;
	if (p->deny_len && denied(p, b, len))
		return 0;
	if (p->mode == QUERY_ALL)
		return 1;
	/* A list names names exactly: blanks in front make another. */
	if (r.lead)
		return 0;
	for (unsigned k = 0; k < p->n; k++) {
		const struct query_name *e = &p->v[k];
		if ((unsigned char)e->name[0] == b[0] &&
		    (e->prefix ? len >= e->len : len == e->len) &&
		    memcmp(b, e->name, e->len) == 0)
			return 1;
	}
	return 0;
}

/* Name a (as sent) equals name b (as sent), both read as above. */
static int name_equal(const char *a, size_t an, const char *b, size_t bn)
{
	struct name_rd ra, rb;
	int ca, cb;
	name_start(&ra, a, an);
	name_start(&rb, b, bn);
	do {
		ca = name_next(&ra);
		cb = name_next(&rb);
		if (ca != cb)
			return 0;
	} while (ca >= 0);
	return 1;
}

/* The parameter of q[0..qn) that starts at i: where it ends (a '&', a
 * ';' or qn) in *end, where its name ends (the first '=', or *end) in
 * *name_end. */
enum { SEP = 1, EQ = 2 };
static const unsigned char cls[256] = { ['&'] = SEP, [';'] = SEP, ['='] = EQ };

static void param_at(const char *q, size_t qn, size_t i, size_t *end,
                     size_t *name_end)
{
	size_t j = i;
	while (j < qn && !cls[(unsigned char)q[j]])
		j++;
	*name_end = j;
	while (j < qn && !(cls[(unsigned char)q[j]] & SEP))
		j++;
	*end = j;
}

/* Does the query qs[0..qn) have a parameter named name[0..n)? */
static int query_has(const char *qs, size_t qn, const char *name, size_t n)
{
	int first = plain_first(name, n);
	for (size_t i = 0, j, k; i < qn; i = j + 1) {
		param_at(qs, qn, i, &j, &k);
		int t = plain_first(qs + i, k - i);
		if ((first < 0 || t < 0 || t == first) &&
		    name_equal(qs + i, k - i, name, n))
			return 1;
	}
	return 0;
}

size_t query_merge(const char *url, size_t url_len, const char *q,
                   size_t q_len, const struct query_pass *p, char *out,
                   size_t cap)
{
	if (cap > TARGET_MAX)
		cap = TARGET_MAX;
	if (p->mode == QUERY_OFF || q_len == 0 || url_len > cap)
		return 0;
	/* The target: base [? tq] [# fragment]. */
	const char *hash = memchr(url, '#', url_len);
	size_t end = hash ? (size_t)(hash - url) : url_len;
	const char *qm = memchr(url, '?', end);
	const char *tq = qm ? qm + 1 : url + end;
	size_t tq_len = (size_t)(url + end - tq);

	memcpy(out, url, end);
	size_t o = end;
	int sep = qm == NULL ? '?'
	        : (tq_len && tq[tq_len - 1] != '&') ? '&' : 0;
	size_t added = 0, looked = 0;
	for (size_t i = 0, j, k; i < q_len && looked < QUERY_PARAMS_MAX;
	     i = j + 1) {
		param_at(q, q_len, i, &j, &k);
		/* Allowed first (cheap, bounded by the list), then the
		 * target's query (a scan of it): the count bounds those. */
		if (k > i && query_name_passes(p, q + i, k - i)) {
			looked++;
			if (!query_has(tq, tq_len, q + i, k - i)) {
				size_t n = j - i;
				if (o + (sep != 0) + n > cap)
					return 0;
				if (sep)
					out[o++] = (char)sep;
				memcpy(out + o, q + i, n);
				o += n;
				sep = '&';
				added++;
			}
		}
	}
	if (!added)
		return 0;
	if (hash) {
		size_t n = url_len - end;
		if (o + n > cap)
			return 0;
		memcpy(out + o, hash, n);
		o += n;
	}
	return o;
}

/* --- the directive ------------------------------------------------------- */

static int keyword(const char *s, size_t n, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == n && strncasecmp(s, *words, n) == 0)
			return 1;
	return 0;
}

static const char *const kw_off[] = { "off", "no", "false", NULL };
static const char *const kw_on[] = { "on", "yes", "true", NULL };
static const char *const kw_all[] = { "all", NULL };

int query_pass_parse(const char *s, struct query_pass *out, char *err,
                     size_t errlen)
{
	size_t len = strlen(s);
	struct query_pass pass;
	memset(&pass, 0, sizeof pass);
	/* The denied name is click_id_param's, whichever comes first. */
	pass.deny_len = out->deny_len;
	memcpy(pass.deny, out->deny, sizeof pass.deny);
	if (keyword(s, len, kw_off)) {
		*out = pass;
		return 0;
	}
	if (keyword(s, len, kw_all)) {
		pass.mode = QUERY_ALL;
		*out = pass;
		return 0;
	}
	if (keyword(s, len, kw_on))
		s = QUERY_PASS_DEFAULT;
	pass.mode = QUERY_LIST;
	const char *item = s;
	for (;;) {
		const char *e = strchr(item, ',');
		if (!e)
			e = item + strlen(item);
		const char *a = item, *z = e;
		while (a < z && (*a == ' ' || *a == '\t'))
			a++;
		while (z > a && (z[-1] == ' ' || z[-1] == '\t'))
			z--;
		size_t n = (size_t)(z - a);
		int prefix = n && a[n - 1] == '*';
		size_t name_len = n - (size_t)prefix;
		if (n == 0) {
			snprintf(err, errlen, "query_passthrough: %s (want off, "
			         "all, or names and prefix* patterns)",
			         *s ? "an empty name in the list" : "empty");
			return -1;
		}
		if (keyword(a, n, kw_off) || keyword(a, n, kw_on) ||
		    keyword(a, n, kw_all)) {
			snprintf(err, errlen, "query_passthrough: '%.*s' stands "
			         "alone, not in a list", (int)n, a);
			return -1;
		}
		if (name_len == 0) {
			snprintf(err, errlen, "query_passthrough: '*' alone: "
			         "write all");
			return -1;
		}
		if (name_len > QUERY_NAME_MAX ||
		    strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		              "0123456789._~-") < name_len) {
			snprintf(err, errlen, "query_passthrough: '%.*s' is not "
			         "a name of up to %d characters of [A-Za-z0-9._~-], "
			         "with an optional '*' at its end", (int)n, a,
			         QUERY_NAME_MAX);
			return -1;
		}
		if (name_len >= 3 && (a[0] | 0x20) == 'u' &&
		    (a[1] | 0x20) == 't' && (a[2] | 0x20) == 'm') {
			snprintf(err, errlen, "query_passthrough: '%.*s': "
			         "parameters starting with utm (the tags links "
			         "are minted with) never pass", (int)n, a);
			return -1;
		}
		if (pass.n == QUERY_PASS_MAX) {
			snprintf(err, errlen, "query_passthrough: more than %d "
			         "names", QUERY_PASS_MAX);
			return -1;
		}
		struct query_name *v = &pass.v[pass.n++];
		for (size_t i = 0; i < name_len; i++) {
			char ch = a[i];
			v->name[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
		}
		v->len = (unsigned char)name_len;
		v->prefix = (unsigned char)prefix;
		if (!*e)
			break;
		item = e + 1;
	}
	*out = pass;
	return 0;
}
