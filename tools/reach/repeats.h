/*
 * repeats: how many counted clicks each visitor made on each group, for
 * the repeat flag of --repeat-limit (rank.h's RANK_F_REPEAT): a row one
 * visitor clicked more than the limit should not win a prize on clicks
 * that are one person's.  Exact: visitors are numbered in a map of their
 * ids, and (visitor number, group id) pairs count in another; the largest
 * count per group is worked out once, after the counting
 * (repeats_settle).
 *
 * Counted only when asked: two map lookups per counted human click, the
 * cost of a third of the pass on a large log (bench/RESULTS.md).  Not
 * thread-safe.  All zero is an empty table.
 */
#ifndef REDIRECTD_REPEATS_H
#define REDIRECTD_REPEATS_H

#include <stdint.h>

#include "u64map.h"

struct repeats {
	struct u64map visitor;      /* visitor id -> its number */
	struct u64map pair;         /* number << 32 | group id -> clicks */
	struct u64map most;         /* group id -> one visitor's most clicks
	                               (repeats_settle) */
};

/* One counted click of visitor (non-zero) on group id.  Returns 0, or -1
 * out of memory. */
static inline int repeats_add(struct repeats *r, uint32_t id,
                              uint64_t visitor)
{
	int fresh;
	uint64_t *v = u64map_get(&r->visitor, visitor, &fresh);
	if (!v)
		return -1;
	if (fresh)
		*v = r->visitor.n - 1;
	uint64_t *c = u64map_get(&r->pair, *v << 32 | id, &fresh);
	if (!c)
		return -1;
	++*c;
	return 0;
}

/* Work out each group's largest count, after the counting.  Returns 0, or
 * -1 out of memory. */
int repeats_settle(struct repeats *r);

/* The most clicks one visitor made on group id (0 for none), once
 * settled. */
uint64_t repeats_max(const struct repeats *r, uint32_t id);

void repeats_free(struct repeats *r);

#endif
