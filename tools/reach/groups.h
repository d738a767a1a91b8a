/*
 * groups: the counters of reach's groups (a colleague, a team, a campaign,
 * a pair, or the country, platform, day or hour of a record) and the
 * tables that find them by id: a dense array for the small ids stores
 * hand out, a side map for the rest, and the numbering of (colleague,
 * campaign) pairs for --by staff,campaign.  What an id means is the
 * grouping's (count.c); the visitor sets inside a group are visitors.h's,
 * and the country histograms' numbering is countries.h's.
 *
 * groups_get and pairs_get are inline: the counting loop calls them per
 * record; what allocates is out of line.  Not thread-safe.
 */
#ifndef REDIRECTD_GROUPS_H
#define REDIRECTD_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "clickrec.h"
#include "u64map.h"
#include "visitors.h"

/*
 * Counters of one group: with its visitors, all the counting loop writes.
 * plat and ctry count counted human clicks, for groupings of people only;
 * ctry is indexed by the compact country index (countries.h) and has the
 * capacity all groups share (countries' ctry_cap), so the loop never
 * checks a per-group length.
 *
 * Layout, for speed only: groups are 64-byte aligned (groups_grow), and
 * the first cache line holds what the loop reads for every record (the
 * class counters and the visitors); plat and ctry are prefetched then and
 * written COUNT_AHEAD records later (count.c).
 */
struct group {
	uint64_t cls[CLASS_COUNT];  /* records by class (bad values: unknown);
	                               human: counted clicks only */
	struct visitors vis;
	/* -- 64 bytes -- */
	uint64_t internal;          /* human records with CLICK_F_INTERNAL */
	uint64_t *ctry;             /* NULL, or [ctry_cap]; [0] is unknown */
	uint64_t plat[PLATFORM_COUNT];  /* bad values: unknown */
};

_Static_assert(offsetof(struct group, vis) + sizeof(struct visitors) <= 64 &&
               sizeof(struct group) % 64 == 0,
               "struct group: first line, whole lines");

/*
 * Groups by id.  Store ids are dense and start at 1, so a plain array
 * indexed by id is both the fastest and the smallest table.  A record can
 * still carry any u32 (a future store, a hand-made file): ids from
 * GROUPS_DENSE_MAX up go to a side map (id -> index in sp_grp, in order of
 * first sight) instead of a giant array.  All zero is an empty table
 * (arena set).
 */
#define GROUPS_DENSE_MAX (1u << 18)

struct groups {
	struct group *dense;        /* [0, ndense) indexed by id */
	uint32_t ndense;
	struct u64map sp_map;       /* side ids -> index; its keys the ids */
	struct group *sp_grp;       /* [sp_map.n] */
	size_t sp_cap;
	struct arena *arena;        /* of sets, sketches and histograms */
};

/* groups_get's slow path: an id past the end of the dense array.  Returns
 * its group (new ones zeroed), or NULL out of memory. */
struct group *groups_get_slow(struct groups *g, uint32_t id);

/* The group of id, made on first sight; NULL out of memory.  The pointer
 * lives until the next group is made. */
static inline struct group *groups_get(struct groups *g, uint32_t id)
{
	return id < g->ndense ? &g->dense[id] : groups_get_slow(g, id);
}

/* The group of id if it has one, else NULL; makes nothing. */
const struct group *groups_find(const struct groups *g, uint32_t id);

/* Groups made (dense ones count whether seen or not), and the i-th of
 * them: the dense ones by id, then the side ones in order of first
 * sight.  groups_id is the id of the i-th. */
static inline size_t groups_count(const struct groups *g)
{
	return (size_t)g->ndense + g->sp_map.n;
}

static inline struct group *groups_at(const struct groups *g, size_t i)
{
	return i < g->ndense ? &g->dense[i] : &g->sp_grp[i - g->ndense];
}

static inline uint32_t groups_id(const struct groups *g, size_t i)
{
	return i < g->ndense ? (uint32_t)i
	                     : (uint32_t)g->sp_map.key[i - g->ndense];
}

/* visitors_budget's each over a struct groups (ctx). */
struct visitors *groups_each_visitors(void *ctx, size_t i);

/* Did the group see a record (internal clicks only count too)? */
int groups_any(const struct group *c);

/* Free the groups and put their sets and sketches back (the arena's
 * chunks stay, for arena_free). */
void groups_free(struct groups *g);

/*
 * The (colleague, campaign) pairs of --by staff,campaign, numbered in
 * order of first sight: the group id of a pair is its number, its key in
 * the map staff << 32 | campaign.  All zero is an empty table.
 */
struct pairs {
	struct u64map map;
};

/* The number of a pair, numbering it on first sight; -1 out of memory. */
static inline int64_t pairs_get(struct pairs *t, uint32_t staff,
                                uint32_t campaign)
{
	uint64_t key = (uint64_t)staff << 32 | campaign;
	int64_t n = u64map_index(&t->map, key);
	return n >= 0 ? n : u64map_add(&t->map, key);
}

/* Pairs numbered so far. */
static inline size_t pairs_count(const struct pairs *t)
{
	return t->map.n;
}

static inline uint32_t pairs_staff(const struct pairs *t, uint32_t n)
{
	return (uint32_t)(t->map.key[n] >> 32);
}

static inline uint32_t pairs_campaign(const struct pairs *t, uint32_t n)
{
	return (uint32_t)t->map.key[n];
}

static inline void pairs_free(struct pairs *t)
{
	u64map_free(&t->map);
}

#endif
