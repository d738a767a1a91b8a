/*
 * u64map: a map from 64-bit keys to dense indices, in order of first
 * sight, with a 64-bit value per key: reach's tables keyed by a number
 * (the (colleague, campaign) pairs and the groups of ids past the dense
 * array, groups.c) and the HTML report's counters and seen-sets
 * (report_pass.c).  Any key, 0 included.  Nothing is ever removed.
 *
 * Layout, for the counting loop: open addressing over hash_mix64(key),
 * linear probing, at most half full, each slot a 4-byte index + 1 (0:
 * empty) into the dense key and value arrays.  Slots that small keep the
 * probed table a quarter of one of key/value slots: with 100,000 pairs,
 * --by staff,campaign ran 11% slower on 16-byte slots (at 3/4 load) than
 * on these.
 *
 * The lookups are inline: the counting loop calls them per record.  Not
 * thread-safe; a pointer to a value lives until the next u64map_add.
 */
#ifndef REDIRECTD_U64MAP_H
#define REDIRECTD_U64MAP_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"

/* All zero is an empty map. */
struct u64map {
	uint32_t *slot;     /* [mask + 1]: index + 1, 0 empty; or NULL */
	size_t mask;
	uint64_t *key;      /* [n], in order of first sight */
	uint64_t *val;      /* [n], 0 when the key was added */
	size_t n, cap;
};

/* The index of key, or -1 when the map does not hold it. */
static inline int64_t u64map_index(const struct u64map *m, uint64_t key)
{
	if (!m->slot)
		return -1;
	for (size_t j = hash_mix64(key) & m->mask; m->slot[j];
	     j = (j + 1) & m->mask) {
		uint32_t k = m->slot[j] - 1;
		if (m->key[k] == key)
			return k;
	}
	return -1;
}

/* Add a key the map does not hold, with the value 0.  Returns its index
 * (the count of keys before it), or -1 out of memory (the map unchanged). */
int64_t u64map_add(struct u64map *m, uint64_t key);

/* The value of key, or NULL when the map does not hold it. */
static inline const uint64_t *u64map_find(const struct u64map *m,
                                          uint64_t key)
{
	int64_t k = u64map_index(m, key);
	return k < 0 ? NULL : &m->val[k];
}

/* The value of key, added as 0 when the map did not hold it (*fresh says
 * which), or NULL out of memory. */
static inline uint64_t *u64map_get(struct u64map *m, uint64_t key,
                                   int *fresh)
{
	int64_t k = u64map_index(m, key);
	*fresh = k < 0;
	if (k < 0 && (k = u64map_add(m, key)) < 0)
		return NULL;
	return &m->val[k];
}

void u64map_free(struct u64map *m);

#endif
