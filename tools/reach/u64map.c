/*
 * u64map: adding keys and growing (see u64map.h); the lookups are inline
 * there.
 */
#include "u64map.h"

#include <stdlib.h>
#include <string.h>

#define U64MAP_MIN 64       /* slots of a new table */

/* Put index k of key into slots that have room and do not hold it. */
static void u64map_put(uint32_t *slot, size_t mask, uint64_t key, size_t k)
{
	size_t j = hash_mix64(key) & mask;
	while (slot[j])
		j = (j + 1) & mask;
	slot[j] = (uint32_t)k + 1;
}

/* Double the slots (or make the first) and put every key back.  Returns 0
 * or -1. */
static int u64map_grow_slots(struct u64map *m)
{
	size_t cap = m->slot ? (m->mask + 1) * 2 : U64MAP_MIN;
	uint32_t *slot = calloc(cap, sizeof *slot);
	if (!slot)
		return -1;
	for (size_t k = 0; k < m->n; k++)
		u64map_put(slot, cap - 1, m->key[k], k);
	free(m->slot);
	m->slot = slot;
	m->mask = cap - 1;
	return 0;
}

/* Room for one more key in the dense arrays.  Returns 0 or -1. */
static int u64map_grow_keys(struct u64map *m)
{
	size_t cap = m->cap ? m->cap * 2 : U64MAP_MIN / 2;
	uint64_t *key = realloc(m->key, cap * sizeof *key);
	if (!key)
		return -1;
	m->key = key;
	uint64_t *val = realloc(m->val, cap * sizeof *val);
	if (!val)
		return -1;
	m->val = val;
	m->cap = cap;
	return 0;
}

int64_t u64map_add(struct u64map *m, uint64_t key)
{
	if (m->n >= UINT32_MAX - 1)
		return -1;
	if ((!m->slot || (m->n + 1) * 2 > m->mask + 1) &&
	    u64map_grow_slots(m) < 0)
		return -1;
	if (m->n == m->cap && u64map_grow_keys(m) < 0)
		return -1;
	size_t k = m->n++;
	m->key[k] = key;
	m->val[k] = 0;
	u64map_put(m->slot, m->mask, key, k);
	return (int64_t)k;
}

void u64map_free(struct u64map *m)
{
	free(m->slot);
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof *m);
}
