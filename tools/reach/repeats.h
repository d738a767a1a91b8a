/*
 * repeats: how many counted clicks each visitor made on each group, for
 * the repeat flag of --repeat-limit (rank.h's RANK_F_REPEAT): a row one
 * visitor clicked more than the limit should not win a prize on clicks
 * that are one person's.  Exact: a map of visitor ids to their clicks per
 * group (the groups, few, found in a small map that stays in the cache);
 * the largest count per group is worked out once, after the counting
 * (repeats_settle).
 *
 * Counted only when asked: a lookup in a map as large as the group's
 * distinct visitors per counted human click (bench/compare.sh measures
 * it).  Not thread-safe.  All zero is an empty table.
 */
#ifndef REDIRECTD_REPEATS_H
#define REDIRECTD_REPEATS_H

#include <stddef.h>
#include <stdint.h>

#include "u64map.h"

struct repeats {
	struct u64map group;        /* group id -> index in per; its value:
	                               the most clicks of one visitor
	                               (repeats_settle) */
	struct u64map *per;         /* [group.n]: visitor id -> clicks */
	size_t cap;
};

/* repeats_add's slow path: the first click on group id.  Returns its
 * index, or -1 out of memory. */
int64_t repeats_group(struct repeats *r, uint32_t id);

/* One counted click of visitor (non-zero) on group id.  Returns 0, or -1
 * out of memory. */
static inline int repeats_add(struct repeats *r, uint32_t id,
                              uint64_t visitor)
{
	int fresh;
	int64_t k = u64map_index(&r->group, id);
	if (k < 0 && (k = repeats_group(r, id)) < 0)
		return -1;
	uint64_t *c = u64map_get(&r->per[k], visitor, &fresh);
	if (!c)
		return -1;
	++*c;
	return 0;
}

/* Work out each group's largest count, after the counting. */
void repeats_settle(struct repeats *r);

/* The most clicks one visitor made on group id (0 for none), once
 * settled. */
uint64_t repeats_max(const struct repeats *r, uint32_t id);

void repeats_free(struct repeats *r);

#endif
