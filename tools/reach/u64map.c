/*
 * u64map: growing and walking the map (see u64map.h); the lookups are
 * inline there.
 */
#include "u64map.h"

#include <stdlib.h>

#define U64MAP_MIN 64       /* slots of a new table */

/* Put a key that is not there into a table with room. */
static struct u64map_slot *u64map_put(struct u64map_slot *slot, size_t mask,
                                      uint64_t key)
{
	size_t j = hash_mix64(key) & mask;
	while (slot[j].key)
		j = (j + 1) & mask;
	slot[j].key = key;
	return &slot[j];
}

uint64_t *u64map_insert(struct u64map *m, uint64_t key, int *fresh)
{
	if (!key) {
		*fresh = !m->has_zero;
		if (*fresh)
			m->zero_val = 0;
		m->has_zero = 1;
		return &m->zero_val;
	}
	if (!m->slot || (m->n + 1) * 4 > (m->mask + 1) * 3) {
		size_t cap = m->slot ? (m->mask + 1) * 2 : U64MAP_MIN;
		struct u64map_slot *slot = calloc(cap, sizeof *slot);
		if (!slot)
			return NULL;
		for (size_t i = 0; m->slot && i <= m->mask; i++)
			if (m->slot[i].key)
				u64map_put(slot, cap - 1, m->slot[i].key)->val =
					m->slot[i].val;
		free(m->slot);
		m->slot = slot;
		m->mask = cap - 1;
	}
	size_t j = hash_mix64(key) & m->mask;
	for (; m->slot[j].key; j = (j + 1) & m->mask)
		if (m->slot[j].key == key) {
			*fresh = 0;
			return &m->slot[j].val;
		}
	m->slot[j].key = key;
	m->slot[j].val = 0;
	m->n++;
	*fresh = 1;
	return &m->slot[j].val;
}

int u64map_next(const struct u64map *m, size_t *pos, uint64_t *key,
                uint64_t *val)
{
	/* Position 0 is key 0; slot i is position i + 1. */
	if (*pos == 0) {
		++*pos;
		if (m->has_zero) {
			*key = 0;
			*val = m->zero_val;
			return 1;
		}
	}
	for (; m->slot && *pos - 1 <= m->mask; ++*pos)
		if (m->slot[*pos - 1].key) {
			*key = m->slot[*pos - 1].key;
			*val = m->slot[*pos - 1].val;
			++*pos;
			return 1;
		}
	return 0;
}

void u64map_free(struct u64map *m)
{
	free(m->slot);
	m->slot = NULL;
	m->mask = m->n = 0;
	m->has_zero = 0;
}
