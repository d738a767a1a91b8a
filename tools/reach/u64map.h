/*
 * u64map: an open-addressing map from 64-bit keys to 64-bit values, for
 * reach's tables that are keyed by a number: the (colleague, campaign)
 * pairs and the groups of ids past the dense array (groups.c), and the
 * HTML report's counters and seen-sets (report.c).  Linear probing over
 * hash_mix64(key), at most 3/4 full, doubled when full; a slot holds the
 * key and its value side by side, so a lookup is one cache miss.  Key 0
 * is kept apart (0 marks an empty slot).  Nothing is ever removed.
 *
 * The lookups are inline: the counting loop calls them per record.  Not
 * thread-safe; a pointer to a value lives until the next insert.
 */
#ifndef REDIRECTD_U64MAP_H
#define REDIRECTD_U64MAP_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"

struct u64map_slot {
	uint64_t key;       /* 0: empty */
	uint64_t val;
};

/* All zero is an empty map. */
struct u64map {
	struct u64map_slot *slot;   /* [mask + 1], or NULL */
	size_t mask, n;             /* n: keys in slot, key 0 apart */
	int has_zero;
	uint64_t zero_val;
};

/* The value of key, or NULL when the map does not hold it. */
static inline const uint64_t *u64map_find(const struct u64map *m,
                                          uint64_t key)
{
	if (!key)
		return m->has_zero ? &m->zero_val : NULL;
	if (!m->slot)
		return NULL;
	for (size_t j = hash_mix64(key) & m->mask; m->slot[j].key;
	     j = (j + 1) & m->mask)
		if (m->slot[j].key == key)
			return &m->slot[j].val;
	return NULL;
}

/* u64map_get's slow path: key 0, or a new key that needs the table to
 * grow first. */
uint64_t *u64map_insert(struct u64map *m, uint64_t key, int *fresh);

/* The value of key, inserted as 0 when the map did not hold it (*fresh
 * says which), or NULL out of memory (the map unchanged). */
static inline uint64_t *u64map_get(struct u64map *m, uint64_t key,
                                   int *fresh)
{
	if (key && m->slot) {
		size_t j = hash_mix64(key) & m->mask;
		for (; m->slot[j].key; j = (j + 1) & m->mask)
			if (m->slot[j].key == key) {
				*fresh = 0;
				return &m->slot[j].val;
			}
		if ((m->n + 1) * 4 <= (m->mask + 1) * 3) {
			m->slot[j].key = key;
			m->slot[j].val = 0;
			m->n++;
			*fresh = 1;
			return &m->slot[j].val;
		}
	}
	return u64map_insert(m, key, fresh);
}

/* The entries one by one, in no order: start with *pos = 0; returns 1 and
 * the next entry, or 0 after the last. */
int u64map_next(const struct u64map *m, size_t *pos, uint64_t *key,
                uint64_t *val);

/* Keys held, key 0 included. */
static inline size_t u64map_count(const struct u64map *m)
{
	return m->n + (m->has_zero != 0);
}

void u64map_free(struct u64map *m);

#endif
