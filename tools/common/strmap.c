/* strmap: byte strings to u32 values.  See strmap.h. */
#include "strmap.h"

#include "hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The key's slot, or the free slot where it would go.  The load stays
 * under 1/2, so a free slot is always found. */
static struct strmap_ent *slot(const struct strmap *m, const char *key,
                               size_t len)
{
	size_t mask = m->cap - 1, i = (size_t)hash_bytes(key, len) & mask;
	for (;; i = (i + 1) & mask) {
		struct strmap_ent *e = &m->e[i];
		if (!e->key || (e->len == len && memcmp(e->key, key, len) == 0))
			return e;
	}
}

int strmap_get(const struct strmap *m, const char *key, size_t len,
               uint32_t *val)
{
	if (!m->cap)
		return 0;
	const struct strmap_ent *e = slot(m, key, len);
	if (!e->key)
		return 0;
	*val = e->val;
	return 1;
}

int strmap_put(struct strmap *m, const char *key, size_t len, uint32_t val)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct strmap nm = { NULL, m->cap ? m->cap * 2 : 64, m->n };
		nm.e = calloc(nm.cap, sizeof *nm.e);
		if (!nm.e)
			return ENOMEM;
		for (size_t i = 0; i < m->cap; i++)
			if (m->e[i].key)
				*slot(&nm, m->e[i].key, m->e[i].len) = m->e[i];
		free(m->e);
		*m = nm;
	}
	struct strmap_ent *e = slot(m, key, len);
	if (!e->key)
		m->n++;
	e->key = key;
	e->len = (uint32_t)len;
	e->val = val;
	return 0;
}

void strmap_clear(struct strmap *m)
{
	if (m->cap)
		memset(m->e, 0, m->cap * sizeof *m->e);
	m->n = 0;
}

void strmap_free(struct strmap *m)
{
	free(m->e);
	memset(m, 0, sizeof *m);
}
