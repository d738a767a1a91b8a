/*
 * visitors: a group's distinct visitors in bounded memory.  It owns the
 * exact sets, their switch to a HyperLogLog sketch (hll.h) and the budget
 * of all sets and sketches together; which group a visitor belongs to is
 * the caller's (groups.h), and so is the hash (hash_mix64 of the
 * visitor id, 0 for an unknown visitor, which is never added).
 *
 * A group's visitors start as an exact set: open addressing over the
 * hashes, linear probing, at most 3/4 full, doubled when full.
 * hash_mix64 is a bijection that maps 0 only to 0, so 0 marks an empty
 * slot and the set is as exact as one of raw ids; it also makes the slot
 * and the sketch register of a visitor one hash.
 *
 * A set becomes a sketch of the same visitors (16 KiB, a standard error of
 * 0.81%) when
 *   - it would count more than exact_limit visitors (--exact-limit), or
 *   - the sets and sketches of all groups together pass the budget
 *     (--visitor-memory, default VISITORS_BUDGET_MIB): then the largest
 *     sets go first, until 7/8 of the budget is used.  Large groups lose
 *     their exact counts first: an error of 0.81% on them moves no rank
 *     that small groups, one or two visitors apart, would.
 * A set no larger than a sketch is never converted (that would free
 * nothing), so visitors take at most the budget, or, when there are more
 * groups than it covers, about 16 KiB per group with over 1,536 visitors:
 * memory grows with the number of groups, never with the number of
 * records.
 *
 * visitors_add and visitors_home are inline: the counting loop calls them
 * per record.  Not thread-safe.
 */
#ifndef REDIRECTD_VISITORS_H
#define REDIRECTD_VISITORS_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "hll.h"

#define VISITORS_BUDGET_MIB 256
#define VISITORS_MIN 16                 /* slots of a new set */
#define VISITORS_MAX ((size_t)1 << 31)  /* slots: mask is 32 bits */

/*
 * One group's visitors, 16 bytes, kept in the group's first cache line
 * (groups.h).  mask != 0: an exact set tab of mask + 1 slots holding n
 * visitors; mask == 0 and hll set: a sketch, with its floor (hll.h) here,
 * where the loop reads it; both 0 (all zero): none yet.
 */
struct visitors {
	union {
		uint64_t *tab;      /* a hash per slot, 0: empty */
		struct hll *hll;
	} v;
	uint32_t mask;
	union {
		uint32_t n;                 /* a set: its visitors */
		struct hll_floor floor;     /* a sketch: its floor */
	};
};

/*
 * The budget of all groups' visitors.  each(ctx, i) is the i-th group's
 * visitors, NULL past the last: shedding looks for the largest sets
 * through it.
 */
struct visitors_budget {
	struct arena *arena;        /* where sets and sketches live */
	uint64_t exact_limit;       /* visitors a group counts exactly */
	size_t limit;               /* bytes for all sets and sketches */
	size_t bytes;               /* taken now */
	size_t next_shed;           /* bytes that call visitors_shed */
	struct visitors *(*each)(void *ctx, size_t i);
	void *ctx;
};

/* Set up a budget of limit bytes (exact_limit UINT64_MAX: no limit but the
 * memory). */
void visitors_budget_init(struct visitors_budget *b, struct arena *a,
                          uint64_t exact_limit, size_t limit,
                          struct visitors *(*each)(void *ctx, size_t i),
                          void *ctx);

/* Is v a sketch (its count an estimate)? */
static inline int visitors_estimated(const struct visitors *v)
{
	return !v->mask && v->v.hll;
}

/* The visitors of a group: the exact count, or the rounded estimate. */
uint64_t visitors_count(const struct visitors *v);

/* Bytes v holds in the arena. */
static inline size_t visitors_bytes(const struct visitors *v)
{
	if (v->mask)
		return ((size_t)v->mask + 1) * sizeof *v->v.tab;
	return v->v.hll ? sizeof *v->v.hll : 0;
}

/* What visitors_add leaves out of line: a group's first visitor, a full
 * set, a set at the exact limit.  h is not in the set.  Returns 0, or -1
 * out of memory. */
int visitors_add_slow(struct visitors_budget *b, struct visitors *v,
                      uint64_t h);

/* Add a visitor's hash (not 0).  Returns 0, or -1 out of memory. */
static inline int visitors_add(struct visitors_budget *b, struct visitors *v,
                               uint64_t h)
{
	if (v->mask) {
		uint64_t *tab = v->v.tab;
		size_t mask = v->mask, j = h & mask;
		for (; tab[j]; j = (j + 1) & mask)
			if (tab[j] == h)
				return 0;
		if (v->n >= b->exact_limit || ((size_t)v->n + 1) * 4 > (mask + 1) * 3)
			return visitors_add_slow(b, v, h);
		tab[j] = h;
		v->n++;
		return 0;
	}
	if (v->v.hll) {
		hll_add_floor(v->v.hll, &v->floor, h);
		return 0;
	}
	return visitors_add_slow(b, v, h);
}

/* Would adding h change nothing that the caller can tell without touching
 * the set?  True for a hash a sketch's floor says cannot raise a register:
 * on a large sketch most are, and dropping them before the cache miss is
 * the point of the floor. */
static inline int visitors_skip(const struct visitors *v, uint64_t h)
{
	return !v->mask && v->v.hll && hll_rank(h) <= v->floor.min;
}

/* Where adding h will look first (for a prefetch). */
static inline const void *visitors_home(const struct visitors *v, uint64_t h)
{
	if (v->mask)
		return &v->v.tab[h & v->mask];
	return v->v.hll ? (const void *)&v->v.hll->reg[hll_index(h)] : v;
}

/* Turn v (a set, or nothing yet) into a sketch of the same visitors.
 * Returns 0, or -1 out of memory with the set untouched. */
int visitors_sketch(struct visitors_budget *b, struct visitors *v);

/* Over the budget: sketch the largest sets until 7/8 of it is used, or
 * only sets no larger than a sketch are left.  Returns 0, or -1 out of
 * memory. */
int visitors_shed(struct visitors_budget *b);

/* Give v's set or sketch back to the arena; v is then empty. */
static inline void visitors_free(struct arena *a, struct visitors *v)
{
	arena_put(a, v->v.tab, arena_shift(visitors_bytes(v)));
	v->v.tab = NULL;
	v->mask = v->n = 0;
}

#endif
