/*
 * reach: turns click-log segments into a leaderboard of who reached how many
 * people.  It owns the whole read side of the logs for people: finding
 * segment files, the counting loop over them, the visitor counts in bounded
 * memory, ranking, and the table / CSV / JSON output.  The byte layout
 * belongs to clickrec (reach reads the few fields it counts at clickrec.h's
 * offsets), and so do the checksum (clickrec_verify) and the verdict on a
 * bad record, torn tail or corruption (clickrec_reader_next); the sketch
 * past exact counts is hll.c's; names, teams and filters from the store
 * (read-only) are reachnames.c's; times, zones and --last reachtime.c's;
 * the HTML report is report.c's (with advice.c's recommendations), `reach
 * export` export.c's and the progress line progress.c's.
 *
 *   reach [--db DIR] [--by GROUPING] [--rank visitors|clicks]
 *         [--format table|csv|json|html] [--output FILE]
 *         [--include-internal] [--unshared-days N]
 *         [--since TIME] [--until TIME] [--last SPAN] [--tz ZONE]
 *         [--staff H,...] [--team T,...] [--campaign C,...]
 *         [--exact-limit N] [--visitor-memory MIB] PATH...
 *   reach export [--db DIR] [--format ndjson|csv] PATH...
 *
 * GROUPING: staff, team, campaign, staff,campaign, country, platform, day,
 * hour.  Group ids: store ids for staff and campaign; a team number
 * (R->nm.team_of) for team; a pair number (struct reach_pairs) for
 * staff,campaign; the compact country index; the platform; the local day
 * since 1970 or the hour.
 *
 * Metrics per group (a colleague, a team, a campaign, a pair, or the
 * country, platform, day or hour of a record): clicks are counted human
 * records; visitors are distinct non-zero visitor hashes among them; bots
 * are every other record (previews, crawlers, tools, probes and unknown
 * classes); internal are human records from internal networks
 * (CLICK_F_INTERNAL).  Internal clicks are colleagues clicking their own
 * links: they are not counted as clicks or visitors unless
 * --include-internal says so.  Groupings of people (staff, team, campaign,
 * staff,campaign) also get the spread of their counted clicks: distinct
 * countries, the top country and the top platform.  Visitors are exact
 * while they fit (see "Visitors in bounded memory" below), HyperLogLog
 * estimates beyond, and the output says which.
 *
 * Exit status: 0 (also with a torn tail, which is warned about), 1 for an
 * error (unreadable, bad or corrupt segment, store problem: no report is
 * printed, a partial leaderboard would be wrong without saying so), 2 for a
 * usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clickrec.h"
#include "export.h"
#include "hll.h"
#include "le.h"
#include "out.h"
#include "segwalk.h"
#include "progress.h"
#include "reachnames.h"
#include "reachtime.h"
#include "report.h"
#include "store.h"

#include "version.h"     /* REDIRECTD_VERSION, from meson.build */

enum reach_by { REACH_BY_STAFF, REACH_BY_CAMPAIGN, REACH_BY_TEAM,
                REACH_BY_STAFF_CAMPAIGN, REACH_BY_COUNTRY, REACH_BY_PLATFORM,
                REACH_BY_DAY, REACH_BY_HOUR, REACH_BY_N };
enum reach_format { REACH_TABLE, REACH_CSV, REACH_JSON, REACH_HTML };

/* Is a grouping one of people's (staff, campaign, team, staff and
 * campaign), which get the country and platform columns, rather than one
 * by a field of the record? */
#define REACH_BY_PEOPLE(by) ((by) <= REACH_BY_STAFF_CAMPAIGN)
/* Does the report name colleagues (handle, name, team columns)? */
#define REACH_BY_NAMES_STAFF(by) ((by) == REACH_BY_STAFF || \
                                  (by) == REACH_BY_STAFF_CAMPAIGN)

/*
 * The fields the loop reads from a record that verified, at the offsets of
 * clickrec.h's layout table.  Decoding whole records (clickrec_decode
 * copies the address and referrer too) took a third of the loop.  The
 * integration tests write every field through clickrec's encoder, so an
 * offset that drifted from the format would fail them.
 */
enum {
	REACH_REC_TIME = 0, REACH_REC_VISITOR = 8, REACH_REC_STAFF = 20,
	REACH_REC_CAMPAIGN = 24, REACH_REC_CLASS = 34, REACH_REC_FLAGS = 35,
	REACH_REC_PLATFORM = 36, REACH_REC_COUNTRY = 56,
};

/*
 * Counters of one group: with its visitors, all the hot loop writes.
 * plat and ctry count counted human clicks, for staff and campaign groups
 * only; ctry is indexed by the compact country index (struct
 * reach_countries) and has the capacity all groups share (ctry_cap), so the
 * loop never checks a per-group length.
 *
 * Visitors (see "Visitors in bounded memory"): vmask != 0, an exact set
 * v.tab of vmask + 1 slots holding vn visitors; vmask == 0 and v.hll set,
 * a sketch, with its floor (hll.h) here, where the loop reads it with the
 * class counters; both 0, none yet.
 *
 * Layout, for speed only: groups are 64-byte aligned (reach_cnt_grow), and
 * the first cache line holds what the loop reads for every record (the
 * class counters and where the visitor goes); plat and ctry are prefetched
 * then and written REACH_AHEAD records later.
 */
struct reach_cnt {
	uint64_t cls[CLASS_COUNT];  /* records by class (bad values: unknown);
	                               human: counted clicks only */
	union {
		uint64_t *tab;      /* hll_hash(visitor) per slot, 0: empty */
		struct hll *hll;
	} v;
	uint32_t vmask;
	union {
		uint32_t vn;                /* a set: its visitors */
		struct hll_floor floor;     /* a sketch: its floor */
	};
	/* -- 64 bytes -- */
	uint64_t internal;          /* human records with CLICK_F_INTERNAL */
	uint64_t *ctry;             /* NULL, or [ctry_cap]; [0] is unknown */
	uint64_t plat[PLATFORM_COUNT];  /* bad values: unknown */
};

_Static_assert(offsetof(struct reach_cnt, vn) < 64 &&
               sizeof(struct reach_cnt) % 64 == 0,
               "struct reach_cnt: first line, whole lines");

/*
 * Countries seen, in a compact numbering.  A record's two code bytes, read
 * as a 16-bit number, index idx (index + 1; 0: not seen yet); code maps an
 * index back.  Index 0 is always "\0\0", unknown.  Indices are handed out
 * in order of first sight, so a log with the usual two hundred-odd
 * countries keeps the per-group histograms short.  The tables themselves
 * are fixed (no allocation for a lookup); only the histograms grow, all to
 * ctry_cap at once, when a new country passes it.
 */
#define REACH_CODES 65536

struct reach_countries {
	uint32_t *idx;              /* [REACH_CODES] */
	uint16_t *code;             /* [REACH_CODES], [0, n) used */
	uint32_t n;
	uint32_t ctry_cap;          /* length of every group's ctry, >= n */
};

/*
 * Groups by id.  Store ids are dense and start at 1, so a plain array
 * indexed by id is both the fastest and the smallest table.  A record can
 * still carry any u32 (a future store, a hand-made file): ids from
 * REACH_DENSE_MAX up go to a small side map instead of a giant array.
 */
#define REACH_DENSE_MAX (1u << 18)

struct reach_groups {
	struct reach_cnt *dense;    /* [0, ndense) indexed by id */
	uint32_t ndense;
	uint32_t *sp_slot;          /* open addressing: index + 1, 0 empty */
	size_t sp_mask;
	uint32_t *sp_id;            /* [0, sp_n) ids of the side groups */
	struct reach_cnt *sp_cnt;
	size_t sp_n, sp_cap;
	struct reach_arena *arena;  /* of the country histograms */
};

/*
 * The (colleague, campaign) pairs of --by staff,campaign, numbered in
 * order of first sight: the group id of a pair is its number.  Open
 * addressing over the pair's 64 bits; slot holds number + 1, 0 empty.
 */
struct reach_pairs {
	uint64_t *key;          /* [n]: staff << 32 | campaign */
	uint32_t *slot;
	size_t mask, n, cap;
};

/* One line of the report. */
struct reach_row {
	uint32_t id;
	uint32_t staff_id, campaign_id;     /* --by staff,campaign */
	const char *ckey;       /* the campaign of a pair; NULL: ckeybuf */
	char ckeybuf[16];
	const char *key;        /* store name, "(none)", platform; NULL: keybuf */
	int numeric;            /* keybuf is "#<id>": sorts as a number */
	int estimated;          /* visitors is a HyperLogLog estimate */
	const char *name, *team;
	char keybuf[16];        /* "#<id>", or a country */
	uint64_t clicks, visitors, bots, previews, crawlers, tools, probes;
	uint64_t internal, countries;
	char top_country[8];    /* "" when none */
	const char *top_platform;   /* "" when no counted human click */
	unsigned long rank;
};

/* A segment to read; dev/ino find the same file named twice. */
struct reach_file {
	char *path;
	dev_t dev;
	ino_t ino;
	uint64_t size;      /* at the walk, for the progress line */
	size_t order;
	int dup;
};

/*
 * The work of a counted human click is done in two halves.  When the record
 * is read: its class counters, and prefetches of the visitor's slot (in the
 * group's set or sketch) and of the group's platform and country counters.
 * REACH_AHEAD human records later (reach_settle): the visitor insert and
 * those two counters.  The cache misses of sets much larger than the cache,
 * and of groups that do not fit either, then overlap instead of stalling
 * the loop one after another.
 */
#define REACH_AHEAD 16

struct reach_pending {
	uint64_t vhash;     /* hll_hash(visitor); 0: nothing for the set */
	uint32_t id;
	uint16_t ci;        /* country index (staff and campaign only) */
	uint8_t plat;
};

/* Bytes read at a time: a multiple of CLICKREC_SIZE, small enough that
 * the records are still in the cache when the loop reads what read(2) has
 * just copied. */
#define REACH_BUF ((size_t)1 << 20)

#define REACH_CHUNK_SHIFT 21
#define REACH_CHUNK ((size_t)1 << REACH_CHUNK_SHIFT)
#define REACH_MIN_SHIFT 6                   /* 64 bytes */

struct reach_arena {
	void *free[REACH_CHUNK_SHIFT];  /* by size 2^k; next in the block */
	unsigned char *cur;             /* the rest of the newest chunk */
	size_t left;
	void **chunks;                  /* every chunk, unmapped at the end */
	size_t nchunks, capchunks;
};

struct reach {
	enum reach_by by;
	enum reach_format format;
	int include_internal;
	int rank_clicks;            /* --rank clicks */
	uint64_t since, until;      /* [since, until) in microseconds */
	struct reachtime_zone zone; /* --tz: days and hours in it */
	struct reach_names nm;      /* names, teams and filters (--db) */
	struct reach_pairs pairs;
	uint64_t exact_limit;       /* visitors a group counts exactly */
	size_t vis_budget;          /* bytes for all sets and sketches */
	size_t vis_bytes;           /* taken now */
	size_t vis_next_shed;       /* vis_bytes that calls reach_vis_shed */
	struct reach_groups groups;
	struct reach_countries countries;
	struct reach_pending pend[REACH_AHEAD];
	size_t npend;
	struct reach_arena arena;   /* visitors and country histograms */
	unsigned char *buf;         /* [REACH_BUF] */
	struct reach_file *files;
	size_t nfiles, capfiles;
	struct progress prog;       /* the line on a terminal's stderr */
	uint64_t prog_done;         /* bytes of the files before this one */
	size_t prog_file;           /* the file being read, from 1 */
	uint64_t records;           /* records inside the time window */
	size_t segments;
	int errors;
};

/* ---------------------------------------------------------------- tables */

static inline uint64_t reach_mix(uint64_t h)
{
	/* murmur3's finalizer: spreads small ids over the side map's mask. */
	return hll_hash(h);
}

/*
 * The memory of visitor sets, sketches and country histograms: blocks of
 * 2^k bytes carved from 2 MiB chunks mapped with transparent huge pages
 * asked for.  These are probed at random, and with 4 KiB pages nearly
 * every probe is a TLB miss (on a VM, a two-level page walk): with
 * malloc, which gives huge pages only to mappings of its own, most of a
 * 200 MB working set was on 4 KiB pages and the loop ran at half speed.
 *
 * Freed blocks wait on a list per size for the next request of that size,
 * or are split for a smaller one; blocks are never merged (sets only grow,
 * so what they free is mostly taken again by other sets growing).  Blocks
 * of a chunk or more are mappings of their own.  Every block comes zeroed.
 */
/* k for a size: the smallest power of two >= bytes (>= 64). */
static unsigned reach_shift(size_t bytes)
{
	unsigned k = REACH_MIN_SHIFT;
	while (((size_t)1 << k) < bytes)
		k++;
	return k;
}

/* A fresh mapping of bytes (a multiple of REACH_CHUNK), 2 MiB aligned so
 * that it can be huge pages, or NULL. */
static void *reach_map_huge(size_t bytes)
{
	size_t span = bytes + REACH_CHUNK;
	unsigned char *p = mmap(NULL, span, PROT_READ | PROT_WRITE,
	                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	size_t lead = (REACH_CHUNK - (uintptr_t)p % REACH_CHUNK) % REACH_CHUNK;
	if (lead)
		munmap(p, lead);
	munmap(p + lead + bytes, span - lead - bytes);
	madvise(p + lead, bytes, MADV_HUGEPAGE);
	return p + lead;
}

static void reach_arena_put(struct reach_arena *a, void *p, unsigned k)
{
	if (!p)
		return;
	if (k >= REACH_CHUNK_SHIFT) {
		munmap(p, (size_t)1 << k);
		return;
	}
	*(void **)p = a->free[k];
	a->free[k] = p;
}

/* A zeroed block of 2^k bytes, or NULL. */
static void *reach_arena_get(struct reach_arena *a, unsigned k)
{
	size_t size = (size_t)1 << k;
	if (k >= REACH_CHUNK_SHIFT)
		return reach_map_huge(size);    /* anonymous: zeroed */
	unsigned j = k;
	while (j < REACH_CHUNK_SHIFT && !a->free[j])
		j++;
	if (j < REACH_CHUNK_SHIFT) {
		void *p = a->free[j];
		a->free[j] = *(void **)p;
		/* Split down to k: the upper halves go to the lists. */
		while (j > k) {
			j--;
			reach_arena_put(a, (unsigned char *)p + ((size_t)1 << j), j);
		}
		memset(p, 0, size);
		return p;
	}
	if (a->left < size) {
		/* The rest of the chunk goes to the lists, in blocks of the
		 * sizes its length is made of. */
		for (unsigned b = REACH_MIN_SHIFT; b < REACH_CHUNK_SHIFT; b++)
			if (a->left & ((size_t)1 << b)) {
				reach_arena_put(a, a->cur, b);
				a->cur += (size_t)1 << b;
			}
		if (a->nchunks == a->capchunks) {
			size_t cap = a->capchunks ? a->capchunks * 2 : 16;
			void **c = realloc(a->chunks, cap * sizeof *c);
			if (!c)
				return NULL;
			a->chunks = c;
			a->capchunks = cap;
		}
		if (!(a->cur = reach_map_huge(REACH_CHUNK))) {
			a->left = 0;
			return NULL;
		}
		a->chunks[a->nchunks++] = a->cur;
		a->left = REACH_CHUNK;
	}
	/* Chunk memory is carved once, so still zero. */
	void *p = a->cur;
	a->cur += size;
	a->left -= size;
	return p;
}

static void reach_arena_free(struct reach_arena *a)
{
	for (size_t i = 0; i < a->nchunks; i++)
		munmap(a->chunks[i], REACH_CHUNK);
	free(a->chunks);
}

/* ------------------------------------------- visitors in bounded memory */

/*
 * A group's distinct visitors start as an exact set: open addressing over
 * hll_hash(visitor), linear probing, at most 3/4 full, doubled when full.
 * hll_hash is a bijection that maps 0 (unknown, never counted) to 0 only,
 * so 0 marks an empty slot and the set is as exact as one of raw ids; it
 * also makes the slot and the sketch register of a visitor one hash.
 *
 * A set becomes a HyperLogLog sketch of the same visitors (hll.h: 16 KiB,
 * a standard error of 0.81%) when
 *   - it would count more than exact_limit visitors (--exact-limit), or
 *   - the sets and sketches of all groups together pass vis_budget bytes
 *     (--visitor-memory, default REACH_VIS_BUDGET_MIB): then the largest
 *     sets go first, until 7/8 of the budget is used.  Large groups lose
 *     their exact counts first: an error of 0.81% on them moves no rank
 *     that small groups, one or two visitors apart, would.
 * A set no larger than a sketch is never converted (that would free
 * nothing), so visitors take at most the budget, or, when there are more
 * groups than it covers, about 16 KiB per group with over 1,536 visitors:
 * memory grows with the number of groups, never with the number of
 * records.
 */
#define REACH_VIS_BUDGET_MIB 256
#define REACH_VIS_MIN 16                /* slots of a new set */
#define REACH_VIS_MAX ((size_t)1 << 31) /* slots: vmask is 32 bits */

static size_t reach_vis_bytes(const struct reach_cnt *c)
{
	if (c->vmask)
		return ((size_t)c->vmask + 1) * sizeof *c->v.tab;
	return c->v.hll ? sizeof *c->v.hll : 0;
}

static int reach_vis_estimated(const struct reach_cnt *c)
{
	return !c->vmask && c->v.hll;
}

static void reach_vis_free(struct reach_arena *a, struct reach_cnt *c)
{
	reach_arena_put(a, c->v.tab, reach_shift(reach_vis_bytes(c)));
	c->v.tab = NULL;
	c->vmask = c->vn = 0;
}

/* The visitors of a group: the exact count, or the rounded estimate. */
static uint64_t reach_vis_count(const struct reach_cnt *c)
{
	if (reach_vis_estimated(c))
		return (uint64_t)llround(hll_estimate(c->v.hll));
	return c->vn;
}

/* Turn a group's set (or nothing yet) into a sketch of the same visitors.
 * Returns 0, or -1 out of memory with the set untouched. */
static int reach_vis_sketch(struct reach *R, struct reach_cnt *c)
{
	struct hll *h = reach_arena_get(&R->arena, reach_shift(sizeof *h));
	if (!h)
		return -1;
	hll_init(h);
	for (size_t i = 0; c->vmask && i <= c->vmask; i++)
		if (c->v.tab[i])
			hll_add(h, c->v.tab[i]);
	R->vis_bytes -= reach_vis_bytes(c);
	reach_vis_free(&R->arena, c);
	c->v.hll = h;
	hll_floor_scan(h, &c->floor);
	R->vis_bytes += sizeof *h;
	return 0;
}

/* Over the budget: sketch the largest sets until 7/8 of it is used, or
 * only sets no larger than a sketch are left.  Returns 0, or -1 out of
 * memory. */
static int reach_vis_shed(struct reach *R)
{
	struct reach_groups *g = &R->groups;
	size_t low = R->vis_budget - R->vis_budget / 8;
	while (R->vis_bytes > low) {
		struct reach_cnt *big = NULL;
		size_t most = sizeof(struct hll);
		for (size_t i = 0; i < (size_t)g->ndense + g->sp_n; i++) {
			struct reach_cnt *c = i < g->ndense ? &g->dense[i]
			                                    : &g->sp_cnt[i - g->ndense];
			if (c->vmask && reach_vis_bytes(c) > most) {
				big = c;
				most = reach_vis_bytes(c);
			}
		}
		if (!big)
			break;
		if (reach_vis_sketch(R, big) < 0)
			return -1;
	}
	/* Left above the budget with nothing worth converting (many small
	 * groups): look again only after another eighth of it, so that
	 * growing small sets does not scan every group each time. */
	R->vis_next_shed = R->vis_bytes > low ? R->vis_bytes + R->vis_budget / 8
	                                      : R->vis_budget;
	return 0;
}

/* Put h in a table that has room and does not hold it. */
static inline void reach_vis_put(uint64_t *tab, size_t mask, uint64_t h)
{
	size_t j = h & mask;
	while (tab[j])
		j = (j + 1) & mask;
	tab[j] = h;
}

/* What the inline add leaves here: a group's first visitor, a full set, a
 * set at the exact limit.  h is not in the set.  Returns 0, or -1 out of
 * memory. */
static int reach_vis_add_slow(struct reach *R, struct reach_cnt *c,
                              uint64_t h)
{
	size_t slots = c->vmask ? (size_t)c->vmask + 1 : REACH_VIS_MIN / 2;
	if (c->vn >= R->exact_limit || slots * 2 > REACH_VIS_MAX) {
		if (reach_vis_sketch(R, c) < 0)
			return -1;
		hll_add_floor(c->v.hll, &c->floor, h);
	} else {
		/* Double.  Walking the old table in order writes the new one
		 * in two nearly sequential streams (slot j goes to j or
		 * j + old size): no random misses while rehashing. */
		size_t cap = slots * 2;
		uint64_t *tab = reach_arena_get(&R->arena,
		                                reach_shift(cap * sizeof *tab));
		if (!tab)
			return -1;
		for (size_t i = 0; c->vmask && i <= c->vmask; i++)
			if (c->v.tab[i])
				reach_vis_put(tab, cap - 1, c->v.tab[i]);
		R->vis_bytes -= reach_vis_bytes(c);
		uint32_t n = c->vn;
		reach_vis_free(&R->arena, c);
		c->v.tab = tab;
		c->vmask = (uint32_t)(cap - 1);
		c->vn = n + 1;
		reach_vis_put(tab, cap - 1, h);
		R->vis_bytes += cap * sizeof *tab;
	}
	return R->vis_bytes > R->vis_next_shed ? reach_vis_shed(R) : 0;
}

/* Add a visitor's hll_hash (not 0) to a group.  Returns 0, or -1 out of
 * memory. */
static inline int reach_vis_add(struct reach *R, struct reach_cnt *c,
                                uint64_t h)
{
	if (c->vmask) {
		uint64_t *tab = c->v.tab;
		size_t mask = c->vmask, j = h & mask;
		for (; tab[j]; j = (j + 1) & mask)
			if (tab[j] == h)
				return 0;
		if (c->vn >= R->exact_limit || ((size_t)c->vn + 1) * 4 > (mask + 1) * 3)
			return reach_vis_add_slow(R, c, h);
		tab[j] = h;
		c->vn++;
		return 0;
	}
	if (c->v.hll) {
		hll_add_floor(c->v.hll, &c->floor, h);
		return 0;
	}
	return reach_vis_add_slow(R, c, h);
}

/* Where a visitor's insert will look first (for a prefetch). */
static inline const void *reach_vis_home(const struct reach_cnt *c,
                                         uint64_t h)
{
	if (c->vmask)
		return &c->v.tab[h & c->vmask];
	return c->v.hll ? (const void *)&c->v.hll->reg[hll_index(h)] : c;
}

/* Grow an array of groups from n to cap, the new ones zeroed, 64-byte
 * aligned (see struct reach_cnt; realloc keeps 16).  Returns the new array
 * (the old one is freed), or NULL with the old one untouched. */
static struct reach_cnt *reach_cnt_grow(struct reach_cnt *old, size_t n,
                                        size_t cap)
{
	struct reach_cnt *p = aligned_alloc(64, cap * sizeof *p);
	if (!p)
		return NULL;
	if (n)
		memcpy(p, old, n * sizeof *p);
	memset(p + n, 0, (cap - n) * sizeof *p);
	free(old);
	return p;
}

static struct reach_cnt *reach_sparse_get(struct reach_groups *g, uint32_t id)
{
	if (g->sp_mask) {
		size_t j = reach_mix(id) & g->sp_mask;
		while (g->sp_slot[j]) {
			uint32_t k = g->sp_slot[j] - 1;
			if (g->sp_id[k] == id)
				return &g->sp_cnt[k];
			j = (j + 1) & g->sp_mask;
		}
	}
	if ((g->sp_n + 1) * 2 > (g->sp_mask ? g->sp_mask + 1 : 0)) {
		size_t cap = g->sp_mask ? (g->sp_mask + 1) * 2 : 64;
		uint32_t *slot = calloc(cap, sizeof *slot);
		if (!slot)
			return NULL;
		for (size_t k = 0; k < g->sp_n; k++) {
			size_t j = reach_mix(g->sp_id[k]) & (cap - 1);
			while (slot[j])
				j = (j + 1) & (cap - 1);
			slot[j] = (uint32_t)k + 1;
		}
		free(g->sp_slot);
		g->sp_slot = slot;
		g->sp_mask = cap - 1;
	}
	if (g->sp_n == g->sp_cap) {
		size_t cap = g->sp_cap ? g->sp_cap * 2 : 32;
		uint32_t *ids = realloc(g->sp_id, cap * sizeof *ids);
		if (!ids)
			return NULL;
		g->sp_id = ids;
		struct reach_cnt *cnt = reach_cnt_grow(g->sp_cnt, g->sp_n, cap);
		if (!cnt)
			return NULL;
		g->sp_cnt = cnt;
		g->sp_cap = cap;
	}
	size_t k = g->sp_n++;
	g->sp_id[k] = id;
	memset(&g->sp_cnt[k], 0, sizeof g->sp_cnt[k]);
	size_t j = reach_mix(id) & g->sp_mask;
	while (g->sp_slot[j])
		j = (j + 1) & g->sp_mask;
	g->sp_slot[j] = (uint32_t)k + 1;
	return &g->sp_cnt[k];
}

/* The slow path of reach_group: an id past the end of the dense array. */
static struct reach_cnt *reach_group_slow(struct reach_groups *g, uint32_t id)
{
	if (id >= REACH_DENSE_MAX)
		return reach_sparse_get(g, id);
	uint32_t n = g->ndense ? g->ndense : 64;
	while (n <= id)
		n *= 2;
	struct reach_cnt *d = reach_cnt_grow(g->dense, g->ndense, n);
	if (!d)
		return NULL;
	g->dense = d;
	g->ndense = n;
	return &d[id];
}

static inline struct reach_cnt *reach_group(struct reach_groups *g, uint32_t id)
{
	return id < g->ndense ? &g->dense[id] : reach_group_slow(g, id);
}

/* The groups and their blocks (the arena's chunks stay, for
 * reach_arena_free; the blocks of a chunk or more are unmapped). */
static void reach_groups_free(struct reach_groups *g, struct reach_arena *a)
{
	for (size_t i = 0; i < (size_t)g->ndense + g->sp_n; i++)
		reach_vis_free(a, i < g->ndense ? &g->dense[i]
		                                : &g->sp_cnt[i - g->ndense]);
	free(g->dense);
	free(g->sp_slot);
	free(g->sp_id);
	free(g->sp_cnt);
}

static int reach_countries_init(struct reach_countries *t)
{
	t->idx = calloc(REACH_CODES, sizeof *t->idx);
	t->code = calloc(REACH_CODES, sizeof *t->code);
	if (!t->idx || !t->code)
		return -1;
	t->idx[0] = 1;      /* "\0\0" is index 0 */
	t->code[0] = 0;
	t->n = 1;
	t->ctry_cap = 16;
	return 0;
}

static void reach_countries_free(struct reach_countries *t)
{
	free(t->idx);
	free(t->code);
}

/* Resize every group's country histogram to cap (a new country outgrew
 * the shared capacity: a handful of times per run at most).  Returns 0, or
 * -1 out of memory. */
static int reach_ctry_resize(struct reach_groups *g, uint32_t old, uint32_t cap)
{
	for (size_t i = 0; i < (size_t)g->ndense + g->sp_n; i++) {
		struct reach_cnt *c = i < g->ndense ? &g->dense[i]
		                                    : &g->sp_cnt[i - g->ndense];
		if (!c->ctry)
			continue;
		uint64_t *p = reach_arena_get(g->arena, reach_shift(cap * sizeof *p));
		if (!p)
			return -1;
		memcpy(p, c->ctry, old * sizeof *p);
		reach_arena_put(g->arena, c->ctry, reach_shift(old * sizeof *p));
		c->ctry = p;
	}
	return 0;
}

/* The slow path of reach_country: number a new code. */
static int32_t reach_country_add(struct reach_countries *t,
                                 struct reach_groups *g, unsigned code)
{
	if (t->n == t->ctry_cap) {
		if (reach_ctry_resize(g, t->ctry_cap, t->ctry_cap * 2) < 0)
			return -1;
		t->ctry_cap *= 2;
	}
	t->code[t->n] = (uint16_t)code;
	t->idx[code] = t->n + 1;
	return (int32_t)t->n++;
}

/* The compact index of a record's country, numbering it on first sight.
 * Returns the index (< t->ctry_cap), or -1 out of memory. */
static inline int32_t reach_country(struct reach_countries *t,
                                    struct reach_groups *g, const char cc[2])
{
	unsigned code = (unsigned)(unsigned char)cc[0] << 8 | (unsigned char)cc[1];
	uint32_t i = t->idx[code];
	if (__builtin_expect(i == 0, 0))
		return reach_country_add(t, g, code);
	return (int32_t)(i - 1);
}

/*
 * The text of a country code: its two letters, "unknown" for "\0\0", and
 * "#hhhh" (the bytes in hex) for bytes that are not printable ASCII.  The
 * daemon writes ISO codes only; a hand-made or future file may not, and two
 * such codes must not print alike.
 */
static void reach_country_text(uint16_t code, char out[8])
{
	unsigned a = code >> 8, b = code & 0xffu;
	if (code == 0)
		memcpy(out, "unknown", 8);
	else if (a > 0x20 && a < 0x7f && b > 0x20 && b < 0x7f) {
		out[0] = (char)a;
		out[1] = (char)b;
		out[2] = '\0';
	} else {
		snprintf(out, 8, "#%04x", code);
	}
}

/* The number of a (colleague, campaign) pair, numbering it on first
 * sight.  Returns it, or -1 out of memory. */
static int64_t reach_pair(struct reach_pairs *t, uint32_t staff,
                          uint32_t campaign)
{
	uint64_t key = (uint64_t)staff << 32 | campaign;
	if (t->mask) {
		size_t j = reach_mix(key) & t->mask;
		while (t->slot[j]) {
			uint32_t k = t->slot[j] - 1;
			if (t->key[k] == key)
				return k;
			j = (j + 1) & t->mask;
		}
	}
	if (t->n >= UINT32_MAX - 1)
		return -1;
	if ((t->n + 1) * 2 > (t->mask ? t->mask + 1 : 0)) {
		size_t cap = t->mask ? (t->mask + 1) * 2 : 64;
		uint32_t *slot = calloc(cap, sizeof *slot);
		if (!slot)
			return -1;
		for (size_t k = 0; k < t->n; k++) {
			size_t j = reach_mix(t->key[k]) & (cap - 1);
			while (slot[j])
				j = (j + 1) & (cap - 1);
			slot[j] = (uint32_t)k + 1;
		}
		free(t->slot);
		t->slot = slot;
		t->mask = cap - 1;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		uint64_t *k = realloc(t->key, cap * sizeof *k);
		if (!k)
			return -1;
		t->key = k;
		t->cap = cap;
	}
	size_t k = t->n++;
	t->key[k] = key;
	size_t j = reach_mix(key) & t->mask;
	while (t->slot[j])
		j = (j + 1) & t->mask;
	t->slot[j] = (uint32_t)k + 1;
	return (int64_t)k;
}

/* ------------------------------------------------------------- segments */

/* The second half of a counted human click.  The group is looked up again
 * by id, not kept as a pointer: the arrays may have moved since, but it
 * exists, so the lookup does not allocate.  Returns 0, or -1 out of memory
 * (a visitor set could not grow). */
static inline int reach_settle(struct reach *R, const struct reach_pending *p,
                               int people)
{
	struct reach_cnt *grp = reach_group(&R->groups, p->id);
	if (people) {
		grp->plat[p->plat]++;
		grp->ctry[p->ci]++;
	}
	return p->vhash ? reach_vis_add(R, grp, p->vhash) : 0;
}

/* Settle what is pending (at the end of a file).  Returns 0 or -1. */
static int reach_settle_all(struct reach *R)
{
	int people = REACH_BY_PEOPLE(R->by);
	size_t n = R->npend;
	for (size_t i = n > REACH_AHEAD ? n - REACH_AHEAD : 0; i < n; i++)
		if (reach_settle(R, &R->pend[i % REACH_AHEAD], people) < 0)
			return -1;
	R->npend = 0;
	return 0;
}

/*
 * Count n whole records at buf.  Returns n, the index of the first record
 * that does not verify (the caller finds out what it is; the ones before
 * it are counted), or (size_t)-1 out of memory.
 */
static size_t reach_count(struct reach *R, const unsigned char *buf, size_t n)
{
	/* Locals, so the compiler keeps them in registers over the loop. */
	const uint64_t since = R->since, until = R->until;
	const enum reach_by by = R->by;
	const int people = REACH_BY_PEOPLE(by);
	const int include_internal = R->include_internal;
	const uint8_t *fstaff = R->nm.fstaff, *fcamp = R->nm.fcamp;
	const size_t nfstaff = R->nm.nfstaff, nfcamp = R->nm.nfcamp;
	const int filtered = fstaff || fcamp;
	struct reach_groups *g = &R->groups;
	struct reach_countries *ct = &R->countries;
	size_t npend = R->npend, k;
	uint64_t records = 0;
	for (k = 0; k < n; k++) {
		const unsigned char *p = buf + k * CLICKREC_SIZE;
		if (!clickrec_verify(p))
			break;
		uint64_t t = le_get64(p + REACH_REC_TIME);
		if (t < since || t >= until)
			continue;
		if (filtered) {
			uint32_t s = le_get32(p + REACH_REC_STAFF);
			uint32_t c = le_get32(p + REACH_REC_CAMPAIGN);
			if ((fstaff && (s >= nfstaff || !fstaff[s])) ||
			    (fcamp && (c >= nfcamp || !fcamp[c])))
				continue;
		}
		/* Out-of-range platforms count as unknown, as clickrec names
		 * them: one "unknown", not one per stray value. */
		unsigned plat = p[REACH_REC_PLATFORM];
		if (plat >= PLATFORM_COUNT)
			plat = PLATFORM_UNKNOWN;
		const char *cc = (const char *)p + REACH_REC_COUNTRY;
		uint32_t id;
		int32_t ci = 0;
		switch (by) {
		case REACH_BY_STAFF:
			id = le_get32(p + REACH_REC_STAFF);
			break;
		case REACH_BY_CAMPAIGN:
			id = le_get32(p + REACH_REC_CAMPAIGN);
			break;
		case REACH_BY_COUNTRY:
			if ((ci = reach_country(ct, g, cc)) < 0)
				goto oom;
			id = (uint32_t)ci;
			break;
		case REACH_BY_PLATFORM:
			id = plat;
			break;
		case REACH_BY_TEAM: {
			uint32_t s = le_get32(p + REACH_REC_STAFF);
			id = s < R->nm.nteam_of ? R->nm.team_of[s] : 0;
			break;
		}
		case REACH_BY_STAFF_CAMPAIGN: {
			int64_t k = reach_pair(&R->pairs,
			                       le_get32(p + REACH_REC_STAFF),
			                       le_get32(p + REACH_REC_CAMPAIGN));
			if (k < 0)
				goto oom;
			id = (uint32_t)k;
			break;
		}
		default: {
			/* Day or hour of the local time: a day number since
			 * 1970-01-01 (dense until the year 2687), or 0-23. */
			int64_t lt = (int64_t)t + reachtime_offset(&R->zone, t);
			if (lt < 0)
				lt = 0;
			id = by == REACH_BY_DAY ? (uint32_t)(lt / 86400000000)
			                        : (uint32_t)(lt / 3600000000 % 24);
			break;
		}
		}
		struct reach_cnt *grp = reach_group(g, id);
		if (!grp)
			goto oom;
		unsigned cls = p[REACH_REC_CLASS];
		if (cls >= CLASS_COUNT)
			cls = CLASS_UNKNOWN;
		records++;
		if (cls != CLASS_HUMAN) {
			grp->cls[cls]++;
			continue;
		}
		if (p[REACH_REC_FLAGS] & CLICK_F_INTERNAL) {
			grp->internal++;
			if (!include_internal)
				continue;
		}
		grp->cls[CLASS_HUMAN]++;
		uint64_t h = hll_hash(le_get64(p + REACH_REC_VISITOR));
		/* A visitor a sketch's floor says cannot change it is dropped
		 * here, before its cache miss: on a large sketch, most are. */
		if (h && !grp->vmask && grp->v.hll &&
		    hll_rank(h) <= grp->floor.min)
			h = 0;
		/* Prefetches written out here, not in a helper: GCC 12 finds a
		 * function holding only a prefetch "pure" and drops the call
		 * to it. */
		if (people) {
			if ((ci = reach_country(ct, g, cc)) < 0)
				goto oom;
			if (!grp->ctry &&
			    !(grp->ctry = reach_arena_get(g->arena,
			                  reach_shift(ct->ctry_cap * sizeof *grp->ctry))))
				goto oom;
			__builtin_prefetch(&grp->plat[plat], 1);
			__builtin_prefetch(&grp->ctry[ci], 1);
		} else if (!h) {
			continue;
		}
		if (h)
			__builtin_prefetch(reach_vis_home(grp, h), 1);
		struct reach_pending *q = &R->pend[npend % REACH_AHEAD];
		if (npend >= REACH_AHEAD && reach_settle(R, q, people) < 0)
			goto oom;
		q->vhash = h;
		q->id = id;
		q->ci = (uint16_t)ci;
		q->plat = (uint8_t)plat;
		npend++;
	}
	R->npend = npend;
	R->records += records;
	return k;
oom:
	R->npend = npend;
	return (size_t)-1;
}

/* read(2) until len bytes or the end of the file.  Returns the bytes read,
 * or -1 with errno. */
static ssize_t reach_read(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/*
 * What the record at off, which did not verify, is: clickrec_reader_next
 * decides between a torn tail and corruption, over the file mapped once
 * (this runs at most once per file).  A record that verifies now was being
 * appended when it was read: the end of a live segment, torn as far as
 * this run goes.  Sets *verdict to CLICKREC_TORN or CLICKREC_CORRUPT and
 * returns 0, or returns -1 after reporting.
 */
static int reach_bad_record(const char *path, int fd, size_t len, size_t off,
                            int *verdict)
{
	struct clickrec_reader r;
	struct click c;
	void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		out_err("%s: mmap: %s", path, strerror(errno));
		return -1;
	}
	int rc = CLICKREC_CORRUPT;
	if (clickrec_reader_init(&r, map, len) == 0) {
		r.off = off;
		rc = clickrec_reader_next(&r, &c);
		if (rc == CLICKREC_RECORD || rc == CLICKREC_END)
			rc = CLICKREC_TORN;
	}
	munmap(map, len);
	*verdict = rc;
	return 0;
}

/* An error or warning while the progress line may be up: clear it first. */
#define REACH_ERR(R, ...) do { \
	progress_end(&(R)->prog); \
	out_err(__VA_ARGS__); \
} while (0)

/*
 * Read and count one file.  Returns 0, or -1 after reporting an error.
 *
 * read(2) into one buffer, not mmap: on this project's VMs, touching a
 * mapped page-cache page costs the hypervisor's page-table work per 4 KiB
 * (reading 2.5 GB mapped took 2.5 s of user time, read(2) 0.2 to 1 s of
 * system time, and the loop then reads records still in the cache); and reading stops where fstat said the
 * file ended, as mapping did.
 */
static int reach_scan_file(struct reach *R, const char *path)
{
	int ret = -1;
	struct stat st;
	struct clickrec_header hdr;
	/* O_NONBLOCK: a FIFO swapped in after the walk must not hang us. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		REACH_ERR(R, "%s: %s", path, strerror(errno));
		goto cleanup;
	}
	if (fstat(fd, &st) < 0) {
		REACH_ERR(R, "%s: %s", path, strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		REACH_ERR(R, "%s: not a regular file", path);
		goto cleanup;
	}
	if (st.st_size == 0) {
		REACH_ERR(R, "%s: not a click-log segment (empty file)", path);
		goto cleanup;
	}
	if (st.st_size < CLICKREC_HEADER_SIZE) {
		REACH_ERR(R, "%s: not a click-log segment (shorter than the header)",
		        path);
		goto cleanup;
	}
	if ((uintmax_t)st.st_size > SIZE_MAX) {
		REACH_ERR(R, "%s: too large to map", path);
		goto cleanup;
	}
	/* The size is taken once: a segment the daemon is appending to ends
	 * where it ended at fstat, at worst in a torn record (warned about). */
	size_t len = (size_t)st.st_size, off = CLICKREC_HEADER_SIZE;
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	ssize_t got = reach_read(fd, R->buf, CLICKREC_HEADER_SIZE);
	if (got < 0) {
		REACH_ERR(R, "%s: %s", path, strerror(errno));
		goto cleanup;
	}
	if (clickrec_header_decode(R->buf, (size_t)got, &hdr) < 0) {
		REACH_ERR(R, "%s: not a click-log segment (bad header)", path);
		goto cleanup;
	}
	int rc = CLICKREC_END;
	while (off < len && rc == CLICKREC_END) {
		size_t want = len - off < REACH_BUF ? len - off : REACH_BUF;
		if ((got = reach_read(fd, R->buf, want)) < 0) {
			REACH_ERR(R, "%s: %s", path, strerror(errno));
			goto cleanup;
		}
		if ((size_t)got < want)
			len = off + (size_t)got;    /* cut short since fstat */
		size_t n = (size_t)got / CLICKREC_SIZE;
		size_t k = reach_count(R, R->buf, n);
		if (k == (size_t)-1)
			goto oom;
		off += k * CLICKREC_SIZE;
		progress_update(&R->prog, R->prog_done + off, R->prog_file);
		if (k < n && reach_bad_record(path, fd, len, off, &rc) < 0)
			goto cleanup;
		else if (k == n && (size_t)got % CLICKREC_SIZE)
			rc = CLICKREC_TORN;         /* a partial last record */
	}
	if (reach_settle_all(R) < 0)
		goto oom;
	if (rc == CLICKREC_CORRUPT) {
		REACH_ERR(R, "%s: corrupt record at offset %zu", path, off);
		goto cleanup;
	}
	if (rc == CLICKREC_TORN) {
		size_t whole = (off - CLICKREC_HEADER_SIZE) / CLICKREC_SIZE;
		REACH_ERR(R, "warning: %s: torn record at offset %zu (interrupted "
		        "write); counted the %zu whole records before it",
		        path, off, whole);
	}
	R->segments++;
	ret = 0;
	goto cleanup;
oom:
	REACH_ERR(R, "%s: out of memory", path);
cleanup:
	if (fd >= 0)
		close(fd);
	return ret;
}

/* ---------------------------------------------------------- finding files */

static int reach_add_file(struct reach *R, const char *path,
                          const struct stat *st)
{
	if (R->nfiles == R->capfiles) {
		size_t cap = R->capfiles ? R->capfiles * 2 : 64;
		struct reach_file *f = realloc(R->files, cap * sizeof *f);
		if (!f)
			goto oom;
		R->files = f;
		R->capfiles = cap;
	}
	char *copy = strdup(path);
	if (!copy)
		goto oom;
	struct reach_file *f = &R->files[R->nfiles];
	f->path = copy;
	f->dev = st ? st->st_dev : 0;
	f->ino = st ? st->st_ino : 0;
	f->size = st ? (uint64_t)st->st_size : 0;
	f->order = R->nfiles;
	f->dup = 0;
	R->nfiles++;
	return 0;
oom:
	out_err("out of memory");
	return -1;
}

/* segwalk's callback: one segment file. */
static int reach_seg(void *ctx, const char *path, const struct stat *st)
{
	return reach_add_file(ctx, path, st) < 0 ? -1 : 0;
}

static int reach_cmp_inode(const void *a, const void *b)
{
	const struct reach_file *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int reach_cmp_order(const void *a, const void *b)
{
	const struct reach_file *x = a, *y = b;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* A file named twice (reach logs logs/node1/a.clk) is counted once: a
 * leaderboard that doubles someone's numbers is worse than none. */
static void reach_dedup(struct reach *R)
{
	if (R->nfiles < 2)
		return;     /* and qsort must not see files == NULL */
	qsort(R->files, R->nfiles, sizeof *R->files, reach_cmp_inode);
	for (size_t i = 1; i < R->nfiles; i++)
		if (R->files[i].dev == R->files[i - 1].dev &&
		    R->files[i].ino == R->files[i - 1].ino)
			R->files[i].dup = 1;
	qsort(R->files, R->nfiles, sizeof *R->files, reach_cmp_order);
}

/* ----------------------------------------------------------------- names */

/* The names of the grouping's ids: colleagues or campaigns. */
static const struct reach_name *reach_find_name(const struct reach *R,
                                                uint32_t id)
{
	if (R->by == REACH_BY_CAMPAIGN)
		return reachnames_find(R->nm.camps, R->nm.ncamps, id);
	return reachnames_find(R->nm.staff, R->nm.nstaff, id);
}

/* ---------------------------------------------------------------- report */

/*
 * The spread of a colleague's or campaign's counted human clicks.  Ties:
 * the top country is the alphabetically first (by its text) of those with
 * most clicks, and unknown is never one (countries does not count it
 * either); the top platform is the lowest enum value, which makes "unknown"
 * and "none" win their ties: they are counted like any platform, so a link
 * shared where no platform shows is reported as such.
 */
static void reach_row_spread(const struct reach *R, struct reach_row *row,
                             const struct reach_cnt *c)
{
	uint64_t best = 0;
	for (uint32_t i = 1; c->ctry && i < R->countries.n; i++) {
		if (!c->ctry[i])
			continue;
		char text[8];
		row->countries++;
		reach_country_text(R->countries.code[i], text);
		if (c->ctry[i] > best ||
		    (c->ctry[i] == best && strcmp(text, row->top_country) < 0)) {
			best = c->ctry[i];
			memcpy(row->top_country, text, sizeof text);
		}
	}
	best = 0;
	for (unsigned p = 0; p < PLATFORM_COUNT; p++)
		if (c->plat[p] > best) {
			best = c->plat[p];
			row->top_platform = clickrec_platform_name(p);
		}
}

static void reach_row_fill(const struct reach *R, struct reach_row *row,
                           uint32_t id, const struct reach_cnt *c)
{
	memset(row, 0, sizeof *row);
	row->id = id;
	row->name = row->team = row->top_platform = "";
	/* Not row->key = row->keybuf: qsort moves rows. */
	uint32_t nid = id;
	if (R->by == REACH_BY_STAFF_CAMPAIGN && id < R->pairs.n) {
		row->staff_id = nid = (uint32_t)(R->pairs.key[id] >> 32);
		row->campaign_id = (uint32_t)R->pairs.key[id];
		const struct reach_name *cn = reachnames_find(R->nm.camps, R->nm.ncamps,
		                                         row->campaign_id);
		if (cn)
			row->ckey = cn->key;
		else if (row->campaign_id == 0)
			row->ckey = "(none)";
		else
			snprintf(row->ckeybuf, sizeof row->ckeybuf, "#%" PRIu32,
			         row->campaign_id);
	}
	if (R->by == REACH_BY_COUNTRY) {
		reach_country_text(R->countries.code[id], row->keybuf);
	} else if (R->by == REACH_BY_PLATFORM) {
		row->key = clickrec_platform_name(id);
	} else if (R->by == REACH_BY_DAY) {
		reachtime_day_text(id, row->keybuf);
		row->numeric = 1;
	} else if (R->by == REACH_BY_HOUR) {
		snprintf(row->keybuf, sizeof row->keybuf, "%" PRIu32, id);
		row->numeric = 1;
	} else if (R->by == REACH_BY_TEAM) {
		row->key = id && id <= R->nm.nteams ? R->nm.teams[id - 1] : "(none)";
	} else {
		const struct reach_name *nm =
			R->by == REACH_BY_STAFF_CAMPAIGN
				? reachnames_find(R->nm.staff, R->nm.nstaff, nid)
				: reach_find_name(R, id);
		if (nm) {
			row->key = nm->key;
			row->name = nm->name;
			row->team = nm->team;
		} else if (nid == 0) {
			/* Campaign 0 is "no campaign"; staff 0 a hit on a
			 * code the store did not know. */
			row->key = "(none)";
		} else {
			snprintf(row->keybuf, sizeof row->keybuf, "#%" PRIu32, nid);
			row->numeric = R->by != REACH_BY_STAFF_CAMPAIGN;
		}
	}
	if (c) {
		row->clicks = c->cls[CLASS_HUMAN];
		row->visitors = reach_vis_count(c);
		row->estimated = reach_vis_estimated(c);
		row->previews = c->cls[CLASS_PREVIEW];
		row->crawlers = c->cls[CLASS_CRAWLER];
		row->tools = c->cls[CLASS_TOOL];
		row->probes = c->cls[CLASS_PROBE];
		row->bots = row->previews + row->crawlers + row->tools +
		            row->probes + c->cls[CLASS_UNKNOWN];
		row->internal = c->internal;
		if (REACH_BY_PEOPLE(R->by))
			reach_row_spread(R, row, c);
	}
}

static const char *reach_key(const struct reach_row *r)
{
	return r->key ? r->key : r->keybuf;
}

static const char *reach_ckey(const struct reach_row *r)
{
	return r->ckey ? r->ckey : r->ckeybuf;
}

/* --rank: visitors (default) or clicks first, then the other. */
static int reach_rank_clicks;

static int reach_cnt_any(const struct reach_cnt *c)
{
	for (int i = 0; i < CLASS_COUNT; i++)
		if (c->cls[i])
			return 1;
	return c->internal != 0;    /* internal clicks only: still a row */
}

static int reach_cmp_rows(const void *a, const void *b)
{
	const struct reach_row *x = a, *y = b;
	if (reach_rank_clicks && x->clicks != y->clicks)
		return x->clicks > y->clicks ? -1 : 1;
	if (x->visitors != y->visitors)
		return x->visitors > y->visitors ? -1 : 1;
	if (x->clicks != y->clicks)
		return x->clicks > y->clicks ? -1 : 1;
	/* "#10" after "#9": ids without a name sort as numbers. */
	if (x->numeric && y->numeric)
		return x->id < y->id ? -1 : x->id > y->id;
	int c = strcmp(reach_key(x), reach_key(y));
	if (c)
		return c;
	if ((c = strcmp(reach_ckey(x), reach_ckey(y))))
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int reach_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int reach_staff_passes(const struct reach *R, uint32_t id)
{
	return !R->nm.fstaff || (id < R->nm.nfstaff && R->nm.fstaff[id]);
}

/* The ids listed even without a click, sorted: the colleagues, campaigns
 * or teams of the store that the filters let through.  Returns the count
 * (*out may be NULL for 0), or (size_t)-1 out of memory. */
static size_t reach_listed(const struct reach *R, uint32_t **out)
{
	size_t n = 0, max = R->nm.nstaff + R->nm.ncamps + R->nm.nteams;
	uint32_t *v = malloc((max ? max : 1) * sizeof *v);
	if (!v)
		return (size_t)-1;
	if (R->by == REACH_BY_STAFF) {
		for (size_t i = 0; i < R->nm.nstaff; i++)
			if (reach_staff_passes(R, R->nm.staff[i].id))
				v[n++] = R->nm.staff[i].id;
	} else if (R->by == REACH_BY_CAMPAIGN) {
		for (size_t i = 0; i < R->nm.ncamps; i++) {
			uint32_t id = R->nm.camps[i].id;
			if (!R->nm.fcamp || (id < R->nm.nfcamp && R->nm.fcamp[id]))
				v[n++] = id;
		}
	} else if (R->by == REACH_BY_TEAM) {
		for (size_t i = 0; i < R->nm.nstaff; i++) {
			uint32_t t = R->nm.team_of[R->nm.staff[i].id];
			if (t && reach_staff_passes(R, R->nm.staff[i].id))
				v[n++] = t;
		}
	}
	qsort(v, n, sizeof *v, reach_cmp_u32);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (m == 0 || v[m - 1] != v[i])
			v[m++] = v[i];
	*out = v;
	return m;
}

/* Rows: every id listed (reach_listed), then every id seen only in the
 * logs.  Returns the count, or (size_t)-1 when out of memory. */
static size_t reach_rows(const struct reach *R, struct reach_row **out)
{
	const struct reach_groups *g = &R->groups;
	uint32_t *listed = NULL;
	size_t nl = reach_listed(R, &listed);
	if (nl == (size_t)-1)
		return nl;
	size_t max = nl + g->ndense + g->sp_n, n = 0;
	struct reach_row *rows = malloc((max ? max : 1) * sizeof *rows);
	if (!rows) {
		free(listed);
		return (size_t)-1;
	}
	for (size_t i = 0; i < nl; i++) {
		uint32_t id = listed[i];
		const struct reach_cnt *c = NULL;
		if (id < g->ndense)
			c = &g->dense[id];
		else if (id >= REACH_DENSE_MAX)
			for (size_t k = 0; k < g->sp_n; k++)
				if (g->sp_id[k] == id)
					c = &g->sp_cnt[k];
		reach_row_fill(R, &rows[n++], id, c);
	}
	for (uint32_t id = 0; id < g->ndense; id++)
		if (reach_cnt_any(&g->dense[id]) &&
		    !bsearch(&id, listed, nl, sizeof *listed, reach_cmp_u32))
			reach_row_fill(R, &rows[n++], id, &g->dense[id]);
	for (size_t k = 0; k < g->sp_n; k++)
		if (!bsearch(&g->sp_id[k], listed, nl, sizeof *listed,
		             reach_cmp_u32))
			reach_row_fill(R, &rows[n++], g->sp_id[k], &g->sp_cnt[k]);
	free(listed);
	reach_rank_clicks = R->rank_clicks;
	qsort(rows, n, sizeof *rows, reach_cmp_rows);
	/* Competition ranking: equal (visitors, clicks) share a rank and the
	 * next distinct one skips ("1,2,2,4"), so a rank still tells how many
	 * are ahead. */
	for (size_t i = 0; i < n; i++)
		rows[i].rank = i > 0 && rows[i].visitors == rows[i - 1].visitors &&
		                       rows[i].clicks == rows[i - 1].clicks
		                   ? rows[i - 1].rank
		                   : i + 1;
	*out = rows;
	return n;
}

/* Display width of a string in a terminal: UTF-8 code points, i.e. bytes
 * that are not continuation bytes.  Wide (CJK) characters would need
 * wcwidth and a locale; names are mostly Latin, and this keeps the output
 * independent of the environment. */
static size_t reach_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* Print a cell padded to width; control characters become '?' so a name
 * cannot break the table (or the terminal). */
static void reach_cell(FILE *f, const char *s, size_t width)
{
	size_t w = reach_width(s);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		putc(c < 0x20 || c == 0x7f ? '?' : c, f);
	}
	for (; w < width; w++)
		putc(' ', f);
}

static int reach_digits(uint64_t v)
{
	int n = 1;
	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Names of the groupings: --by values, CSV and JSON key names. */
static const char *const reach_by_names[] = {
	[REACH_BY_STAFF] = "staff", [REACH_BY_CAMPAIGN] = "campaign",
	[REACH_BY_TEAM] = "team", [REACH_BY_STAFF_CAMPAIGN] = "staff,campaign",
	[REACH_BY_COUNTRY] = "country", [REACH_BY_PLATFORM] = "platform",
	[REACH_BY_DAY] = "day", [REACH_BY_HOUR] = "hour",
};

/* The first key column of a grouping (staff,campaign: staff, then the
 * name and team, then campaign). */
static const char *reach_key_col(enum reach_by by)
{
	return by == REACH_BY_STAFF_CAMPAIGN ? "staff" : reach_by_names[by];
}

static void reach_table(const struct reach *R, FILE *f,
                        const struct reach_row *rows, size_t n)
{
	static const char *const keyhdrs[] = {
		[REACH_BY_STAFF] = "STAFF", [REACH_BY_CAMPAIGN] = "CAMPAIGN",
		[REACH_BY_TEAM] = "TEAM", [REACH_BY_STAFF_CAMPAIGN] = "STAFF",
		[REACH_BY_COUNTRY] = "COUNTRY", [REACH_BY_PLATFORM] = "PLATFORM",
		[REACH_BY_DAY] = "DAY", [REACH_BY_HOUR] = "HOUR",
	};
	int staff = REACH_BY_NAMES_STAFF(R->by), people = REACH_BY_PEOPLE(R->by);
	int pair = R->by == REACH_BY_STAFF_CAMPAIGN;
	const char *keyhdr = keyhdrs[R->by];
	size_t wkey = strlen(keyhdr), wname = strlen("NAME");
	size_t wcamp = strlen("CAMPAIGN");
	size_t wctry = strlen("COUNTRY");
	int wrank = 4, wvis = 8, wclk = 6, wbot = 4, wint = 8, est = 0;
	uint64_t tv = 0, tc = 0, tb = 0, ti = 0;
	for (size_t i = 0; i < n; i++) {
		const struct reach_row *r = &rows[i];
		size_t w = reach_width(reach_key(r));
		if (w > wkey)
			wkey = w;
		if ((w = reach_width(r->name)) > wname)
			wname = w;
		if (pair && (w = reach_width(reach_ckey(r))) > wcamp)
			wcamp = w;
		if ((w = reach_width(r->top_country)) > wctry)
			wctry = w;
		int d;
		if ((d = reach_digits(r->rank)) > wrank)
			wrank = d;
		/* An estimate is "~N". */
		if ((d = reach_digits(r->visitors) + r->estimated) > wvis)
			wvis = d;
		est |= r->estimated;
		if ((d = reach_digits(r->clicks)) > wclk)
			wclk = d;
		if ((d = reach_digits(r->bots)) > wbot)
			wbot = d;
		if ((d = reach_digits(r->internal)) > wint)
			wint = d;
		tv += r->visitors;
		tc += r->clicks;
		tb += r->bots;
		ti += r->internal;
	}
	fprintf(f, "%*s  ", wrank, "RANK");
	reach_cell(f, keyhdr, wkey);
	fputs("  ", f);
	if (staff) {
		reach_cell(f, "NAME", wname);
		fputs("  ", f);
	}
	if (pair) {
		reach_cell(f, "CAMPAIGN", wcamp);
		fputs("  ", f);
	}
	fprintf(f, "%*s  %*s  %*s  %*s", wvis, "VISITORS", wclk, "CLICKS", wbot,
	        "BOTS", wint, "INTERNAL");
	if (people) {
		fputs("  ", f);
		reach_cell(f, "COUNTRY", wctry);
		fputs("  PLATFORM", f);
	}
	putc('\n', f);
	for (size_t i = 0; i < n; i++) {
		const struct reach_row *r = &rows[i];
		fprintf(f, "%*lu  ", wrank, r->rank);
		reach_cell(f, reach_key(r), wkey);
		fputs("  ", f);
		if (staff) {
			reach_cell(f, r->name, wname);
			fputs("  ", f);
		}
		if (pair) {
			reach_cell(f, reach_ckey(r), wcamp);
			fputs("  ", f);
		}
		char vis[24];
		snprintf(vis, sizeof vis, "%s%" PRIu64, r->estimated ? "~" : "",
		         r->visitors);
		fprintf(f, "%*s  %*" PRIu64 "  %*" PRIu64 "  %*" PRIu64,
		        wvis, vis, wclk, r->clicks, wbot, r->bots, wint,
		        r->internal);
		/* Without a counted human click both spread cells are empty:
		 * the line ends here, with no trailing blanks. */
		if (people && r->top_platform[0]) {
			fputs("  ", f);
			reach_cell(f, r->top_country, wctry);
			fputs("  ", f);
			reach_cell(f, r->top_platform, 0);
		}
		putc('\n', f);
	}
	fprintf(f,
	        "total: %s%" PRIu64 " visitors (unique per %s, summed), %" PRIu64
	        " clicks, %" PRIu64 " bots, %" PRIu64 " internal (%s), %" PRIu64
	        " records from %zu segments\n",
	        est ? "~" : "", tv,
	        R->by == REACH_BY_STAFF ? "colleague"
	        : pair ? "colleague and campaign" : reach_by_names[R->by],
	        tc, tb, ti,
	        R->include_internal ? "included" : "excluded", R->records,
	        R->segments);
}

static void reach_csv(const struct reach *R, FILE *f,
                      const struct reach_row *rows, size_t n)
{
	int staff = REACH_BY_NAMES_STAFF(R->by), people = REACH_BY_PEOPLE(R->by);
	int pair = R->by == REACH_BY_STAFF_CAMPAIGN;
	fprintf(f, "rank,%s,%s%s", reach_key_col(R->by),
	        staff ? "name,team," : "", pair ? "campaign," : "");
	fputs("clicks,visitors,bots,previews,crawlers,tools,probes,internal", f);
	fputs(people ? ",countries,top_country,top_platform\n" : "\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct reach_row *r = &rows[i];
		fprintf(f, "%lu,", r->rank);
		out_csv_field(f, reach_key(r), strlen(reach_key(r)));
		if (staff) {
			putc(',', f);
			out_csv_field(f, r->name, strlen(r->name));
			putc(',', f);
			out_csv_field(f, r->team, strlen(r->team));
		}
		if (pair) {
			putc(',', f);
			out_csv_field(f, reach_ckey(r), strlen(reach_ckey(r)));
		}
		fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		           ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
		        r->clicks, r->visitors, r->bots, r->previews, r->crawlers,
		        r->tools, r->probes, r->internal);
		if (people) {
			fprintf(f, ",%" PRIu64 ",", r->countries);
			out_csv_field(f, r->top_country, strlen(r->top_country));
			putc(',', f);
			out_csv_field(f, r->top_platform, strlen(r->top_platform));
		}
		putc('\n', f);
	}
}

static void reach_json(const struct reach *R, FILE *f,
                       const struct reach_row *rows, size_t n)
{
	int staff = REACH_BY_NAMES_STAFF(R->by), people = REACH_BY_PEOPLE(R->by);
	int pair = R->by == REACH_BY_STAFF_CAMPAIGN;
	fputs(n ? "[\n" : "[]\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct reach_row *r = &rows[i];
		fprintf(f, "  {\"rank\": %lu, \"%s\": ", r->rank,
		        reach_key_col(R->by));
		if (R->by == REACH_BY_HOUR)
			fputs(reach_key(r), f);     /* a number, 0-23 */
		else
			out_json_str(f, reach_key(r), strlen(reach_key(r)));
		if (staff) {
			fputs(", \"name\": ", f);
			out_json_str(f, r->name, strlen(r->name));
			fputs(", \"team\": ", f);
			out_json_str(f, r->team, strlen(r->team));
		}
		if (pair) {
			fputs(", \"campaign\": ", f);
			out_json_str(f, reach_ckey(r), strlen(reach_ckey(r)));
		}
		fprintf(f, ", \"clicks\": %" PRIu64 ", \"visitors\": %" PRIu64,
		        r->clicks, r->visitors);
		/* Only on estimates: exact rows read as they always have. */
		if (r->estimated)
			fputs(", \"visitors_estimated\": true", f);
		fprintf(f, ", \"bots\": %" PRIu64 ", \"previews\": %" PRIu64
		           ", \"crawlers\": %" PRIu64 ", \"tools\": %" PRIu64
		           ", \"probes\": %" PRIu64 ", \"internal\": %" PRIu64,
		        r->bots, r->previews, r->crawlers, r->tools, r->probes,
		        r->internal);
		if (people) {
			fprintf(f, ", \"countries\": %" PRIu64 ", \"top_country\": ",
			        r->countries);
			out_json_str(f, r->top_country, strlen(r->top_country));
			fputs(", \"top_platform\": ", f);
			out_json_str(f, r->top_platform, strlen(r->top_platform));
		}
		fprintf(f, "}%s\n", i + 1 < n ? "," : "");
	}
	if (n)
		fputs("]\n", f);
}

/* The HTML report (report.c) over the leaderboard's rows.  Returns 0 or
 * -1 after reporting. */
static int reach_html(struct reach *R, FILE *f, const struct reach_row *rows,
                      size_t n, const char *db, const char *tz,
                      uint64_t unshared_days)
{
	struct report_row *rr = calloc(n ? n : 1, sizeof *rr);
	char **files = calloc(R->nfiles ? R->nfiles : 1, sizeof *files);
	struct timespec now;
	int ret = -1;
	if (!rr || !files) {
		out_err("out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const struct reach_row *r = &rows[i];
		rr[i] = (struct report_row){
			.id = r->id, .handle = reach_key(r), .name = r->name,
			.team = r->team, .rank = r->rank, .clicks = r->clicks,
			.visitors = r->visitors, .bots = r->bots,
			.internal = r->internal, .estimated = r->estimated,
			.top_country = r->top_country,
			.top_platform = r->top_platform,
		};
	}
	size_t nf = 0;
	for (size_t i = 0; i < R->nfiles; i++)
		if (!R->files[i].dup)
			files[nf++] = R->files[i].path;
	clock_gettime(CLOCK_REALTIME, &now);
	struct report_in in = {
		.rows = rr, .nrows = n, .files = files, .nfiles = nf,
		.since = R->since, .until = R->until,
		.fstaff = R->nm.fstaff, .fcamp = R->nm.fcamp,
		.nfstaff = R->nm.nfstaff, .nfcamp = R->nm.nfcamp,
		.include_internal = R->include_internal, .zone = &R->zone,
		.zone_name = tz ? tz : "UTC", .db = db,
		.now_us = (uint64_t)now.tv_sec * 1000000u +
		          (uint64_t)now.tv_nsec / 1000u,
		.unshared_days = (unsigned)unshared_days,
		.records = R->records, .segments = R->segments,
	};
	ret = report_html(f, &in);
done:
	free(rr);
	free(files);
	return ret;
}

/* ------------------------------------------------------------------ main */

/* The cap of --visitor-memory: a terabyte. */
#define REACH_VIS_MAX_MIB (1 << 20)

/* A whole decimal number up to max (no sign, no spaces).  Returns 0 or
 * -1. */
static int reach_parse_num(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* After the report: which figures are estimates, where scripts reading
 * CSV (which has no room for a mark) and people will see it. */
static void reach_note_estimates(const struct reach *R,
                                 const struct reach_row *rows, size_t n)
{
	static const char *const what[] = {
		[REACH_BY_STAFF] = "colleagues", [REACH_BY_CAMPAIGN] = "campaigns",
		[REACH_BY_TEAM] = "teams",
		[REACH_BY_STAFF_CAMPAIGN] = "colleagues' campaigns",
		[REACH_BY_COUNTRY] = "countries", [REACH_BY_PLATFORM] = "platforms",
		[REACH_BY_DAY] = "days", [REACH_BY_HOUR] = "hours",
	};
	size_t est = 0;
	for (size_t i = 0; i < n; i++)
		est += (size_t)rows[i].estimated;
	if (est)
		out_err("note: visitors of %zu of %zu %s are estimates "
		        "(HyperLogLog, standard error 0.81%%), past "
		        "--exact-limit or --visitor-memory", est, n,
		        what[R->by]);
}

static void reach_usage(FILE *f)
{
	fputs("usage: reach [--db DIR] [--by GROUPING] [--rank visitors|clicks]\n"
	      "             [--format table|csv|json|html] [--output FILE]\n"
	      "             [--include-internal] [--unshared-days N]\n"
	      "             [--since TIME] [--until TIME] [--last SPAN] [--tz ZONE]\n"
	      "             [--staff H,...] [--team T,...] [--campaign C,...]\n"
	      "             [--exact-limit N] [--visitor-memory MIB] PATH...\n"
	      "       reach export [--db DIR] [--format ndjson|csv] PATH...\n", f);
}

static void reach_help(void)
{
	reach_usage(stdout);
	fputs("\n"
	      "Count click-log segments (files, or directories searched for *"
	      CLICKREC_SUFFIX ")\n"
	      "into a leaderboard of visitors reached per colleague, team,\n"
	      "campaign, country, platform, day or hour; or, with export, "
	      "write the\n"
	      "decoded records.\n"
	      "\n"
	      "  --db DIR        LMDB store to resolve ids to names (default "
	      "$REDIRECTD_DB;\n"
	      "                  an empty DIR means none)\n"
	      "  --by KEY        staff (default), team, campaign, staff,campaign,\n"
	      "                  country, platform, day or hour\n"
	      "  --rank R        visitors (default) or clicks first\n"
	      "  --format F      table (default), csv, json or html (a report)\n"
	      "  --output FILE   write the report to FILE (whole or not at all)\n"
	      "  --unshared-days N\n"
	      "                  html: a campaign link this old without a "
	      "click is\n"
	      "                  recommended for sharing (default 3)\n"
	      "  --include-internal\n"
	      "                  count clicks from internal networks as clicks "
	      "and visitors\n"
	      "  --since TIME    count clicks at or after TIME (UTC unless --tz)\n"
	      "  --until TIME    count clicks before TIME (UTC unless --tz)\n"
	      "  --last SPAN     count clicks of the last SPAN: Nh, Nd or Nw\n"
	      "  --tz ZONE       times, days and hours in ZONE (Europe/Paris)\n"
	      "  --staff H,...   only these colleagues' clicks (repeatable)\n"
	      "  --team T,...    only clicks of these teams' colleagues\n"
	      "  --campaign C,...\n"
	      "                  only clicks of these campaigns\n"
	      "  --exact-limit N count at most N visitors of a group exactly; "
	      "past N,\n"
	      "                  estimate (default: no limit but the memory)\n"
	      "  --visitor-memory MIB\n"
	      "                  memory for visitor counts (default 256); "
	      "past it the\n"
	      "                  largest groups are estimated\n"
	      "  --help, --version\n"
	      "\n"
	      "TIME: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z] or @SECONDS.\n"
	      "Filters of different options all apply; the names of one option\n"
	      "add up.\n"
	      "clicks: human clicks, without internal ones unless "
	      "--include-internal;\n"
	      "visitors: distinct visitors among them; bots: previews, crawlers,\n"
	      "tools, probes and unclassified requests; internal: human clicks "
	      "from\n"
	      "internal networks (always shown).  For staff and campaigns, from "
	      "the\n"
	      "counted clicks: countries (distinct known), top_country (most "
	      "clicks,\n"
	      "ties alphabetical, never unknown) and top_platform (most clicks, "
	      "ties\n"
	      "to the lower platform number, so unknown then none win).\n"
	      "Estimated visitors (HyperLogLog, standard error 0.81%) are "
	      "marked ~ in the\n"
	      "table and \"visitors_estimated\": true in JSON, and a note on "
	      "stderr says\n"
	      "how many there are.\n",
	      stdout);
}

static void reach_free(struct reach *R)
{
	reach_groups_free(&R->groups, &R->arena);
	reach_arena_free(&R->arena);
	free(R->buf);
	reach_countries_free(&R->countries);
	reachnames_free(&R->nm);
	free(R->pairs.key);
	free(R->pairs.slot);
	for (size_t i = 0; i < R->nfiles; i++)
		free(R->files[i].path);
	free(R->files);
}

int main(int argc, char **argv)
{
	enum { OPT_DB = 256, OPT_BY, OPT_FORMAT, OPT_INCLUDE_INTERNAL,
	       OPT_SINCE, OPT_UNTIL, OPT_EXACT_LIMIT, OPT_VISITOR_MEMORY, OPT_HELP,
	       OPT_VERSION, OPT_TZ, OPT_LAST, OPT_STAFF, OPT_TEAM, OPT_CAMPAIGN,
	       OPT_RANK, OPT_OUTPUT, OPT_UNSHARED_DAYS };
	static const struct option opts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "by", required_argument, NULL, OPT_BY },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "include-internal", no_argument, NULL, OPT_INCLUDE_INTERNAL },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "exact-limit", required_argument, NULL, OPT_EXACT_LIMIT },
		{ "visitor-memory", required_argument, NULL, OPT_VISITOR_MEMORY },
		{ "tz", required_argument, NULL, OPT_TZ },
		{ "last", required_argument, NULL, OPT_LAST },
		{ "staff", required_argument, NULL, OPT_STAFF },
		{ "team", required_argument, NULL, OPT_TEAM },
		{ "campaign", required_argument, NULL, OPT_CAMPAIGN },
		{ "rank", required_argument, NULL, OPT_RANK },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "unshared-days", required_argument, NULL, OPT_UNSHARED_DAYS },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct reach R;
	struct reach_row *rows = NULL;
	const char *db = NULL, *since = NULL, *until = NULL, *last = NULL;
	const char *tz = NULL, *output = NULL;
	char *tmp = NULL;
	FILE *out = stdout;
	uint64_t unshared_days = 3;
	struct reach_filter_args fa = { 0 };
	int ret = 1, opt;

	out_prog = "reach";
	if (argc > 1 && strcmp(argv[1], "export") == 0)
		return export_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "ship") == 0) {
		int ship_main(int argc, char **argv);   /* ship.h */
		return ship_main(argc - 1, argv + 1);
	}
	memset(&R, 0, sizeof R);
	R.until = UINT64_MAX;
	R.exact_limit = UINT64_MAX;
	R.vis_budget = (size_t)REACH_VIS_BUDGET_MIB << 20;
	opterr = 0;
	fa.staff = calloc((size_t)argc, sizeof *fa.staff);
	fa.team = calloc((size_t)argc, sizeof *fa.team);
	fa.campaign = calloc((size_t)argc, sizeof *fa.campaign);
	if (!fa.staff || !fa.team || !fa.campaign) {
		out_err("out of memory");
		goto cleanup;
	}
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_DB:
			db = optarg;
			break;
		case OPT_BY: {
			int by = -1;
			for (int i = 0; i < REACH_BY_N; i++)
				if (strcmp(optarg, reach_by_names[i]) == 0)
					by = i;
			if (by < 0) {
				out_err("--by: expected staff, team, campaign, "
				        "staff,campaign, country, platform, day or "
				        "hour, not '%s'", optarg);
				goto usage;
			}
			R.by = (enum reach_by)by;
			break;
		}
		case OPT_INCLUDE_INTERNAL:
			R.include_internal = 1;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "table") == 0)
				R.format = REACH_TABLE;
			else if (strcmp(optarg, "csv") == 0)
				R.format = REACH_CSV;
			else if (strcmp(optarg, "json") == 0)
				R.format = REACH_JSON;
			else if (strcmp(optarg, "html") == 0)
				R.format = REACH_HTML;
			else {
				out_err("--format: expected table, csv, json or "
				        "html, not '%s'", optarg);
				goto usage;
			}
			break;
		case OPT_SINCE:
			since = optarg;
			break;
		case OPT_UNTIL:
			until = optarg;
			break;
		case OPT_LAST:
			last = optarg;
			break;
		case OPT_TZ:
			tz = optarg;
			break;
		case OPT_STAFF:
			fa.staff[fa.nstaff++] = optarg;
			break;
		case OPT_TEAM:
			fa.team[fa.nteam++] = optarg;
			break;
		case OPT_CAMPAIGN:
			fa.campaign[fa.ncampaign++] = optarg;
			break;
		case OPT_OUTPUT:
			output = optarg;
			break;
		case OPT_UNSHARED_DAYS:
			if (reach_parse_num(optarg, 36500, &unshared_days) < 0) {
				out_err("--unshared-days: expected a number of days, "
				        "not '%s'", optarg);
				goto usage;
			}
			break;
		case OPT_RANK:
			if (strcmp(optarg, "visitors") == 0)
				R.rank_clicks = 0;
			else if (strcmp(optarg, "clicks") == 0)
				R.rank_clicks = 1;
			else {
				out_err("--rank: expected visitors or clicks, not "
				        "'%s'", optarg);
				goto usage;
			}
			break;
		case OPT_EXACT_LIMIT:
			if (reach_parse_num(optarg, UINT64_MAX, &R.exact_limit) < 0) {
				out_err("--exact-limit: expected a number of "
				        "visitors, not '%s'", optarg);
				goto usage;
			}
			break;
		case OPT_VISITOR_MEMORY: {
			uint64_t mib;
			if (reach_parse_num(optarg, REACH_VIS_MAX_MIB, &mib) < 0 ||
			    mib == 0) {
				out_err("--visitor-memory: expected MiB from 1 to "
				        "%d, not '%s'", REACH_VIS_MAX_MIB, optarg);
				goto usage;
			}
			R.vis_budget = (size_t)mib << 20;
			break;
		}
		case 'h':
		case OPT_HELP:
			reach_help();
			ret = 0;
			goto cleanup;
		case OPT_VERSION:
			puts("reach " REDIRECTD_VERSION);
			ret = 0;
			goto cleanup;
		case ':':
			out_err("option '%s' needs an argument", argv[optind - 1]);
			goto usage;
		default:
			out_err("unknown option '%s'", argv[optind - 1]);
			goto usage;
		}
	}
	if (optind >= argc) {
		out_err("no segment files or directories given");
		goto usage;
	}
	/* Times after every option: --tz may come after --since. */
	if (tz) {
		if (reachtime_set_zone(tz) < 0) {
			out_err("--tz: no time zone '%s' in the TZ database "
			        "(want a name like Europe/Paris or UTC)", tz);
			goto usage;
		}
		R.zone.local = 1;
	}
	if (R.format == REACH_HTML && R.by != REACH_BY_STAFF) {
		out_err("--format html is a report on colleagues: --by staff "
		        "only");
		goto usage;
	}
	if (last && since) {
		out_err("--last and --since: give one of them");
		goto usage;
	}
	if (since && reachtime_parse(since, R.zone.local, &R.since) < 0) {
		out_err("--since: bad time '%s' (want YYYY-MM-DD[THH:MM[:SS]][Z] "
		        "or @SECONDS)", since);
		goto usage;
	}
	if (until && reachtime_parse(until, R.zone.local, &R.until) < 0) {
		out_err("--until: bad time '%s' (want YYYY-MM-DD[THH:MM[:SS]][Z] "
		        "or @SECONDS)", until);
		goto usage;
	}
	if (last) {
		uint64_t span;
		struct timespec now;
		if (reachtime_duration(last, &span) < 0) {
			out_err("--last: expected a number and h, d or w (7d), "
			        "not '%s'", last);
			goto usage;
		}
		clock_gettime(CLOCK_REALTIME, &now);
		uint64_t t = (uint64_t)now.tv_sec * 1000000u +
		             (uint64_t)now.tv_nsec / 1000u;
		R.since = t > span ? t - span : 0;
	}

	int explicit = db != NULL;
	if (!db)
		db = getenv("REDIRECTD_DB");
	/* Names first: a store problem should fail before minutes of reading.
	 * Countries, platforms, days and hours have no names in the store,
	 * but the filters need it. */
	int filters = fa.nstaff || fa.nteam || fa.ncampaign;
	if ((REACH_BY_PEOPLE(R.by) || filters) && db && *db &&
	    reachnames_load(&R.nm, db, explicit || filters) < 0)
		goto cleanup;
	if (filters && !(db && *db)) {
		out_err("--staff, --team and --campaign need the store "
		        "(--db DIR or $REDIRECTD_DB)");
		goto cleanup;
	}
	if (filters && reachnames_filters(&R.nm, &fa) < 0)
		goto cleanup;

	R.vis_next_shed = R.vis_budget;
	R.groups.arena = &R.arena;
	if (!(R.buf = aligned_alloc(4096, REACH_BUF)) ||
	    reach_countries_init(&R.countries) < 0) {
		out_err("out of memory");
		goto cleanup;
	}
	for (int i = optind; i < argc; i++)
		R.errors += segwalk(argv[i], reach_seg, &R, NULL);
	reach_dedup(&R);
	uint64_t total = 0;
	size_t nf = 0;
	for (size_t i = 0; i < R.nfiles; i++)
		if (!R.files[i].dup) {
			total += R.files[i].size;
			nf++;
		}
	progress_init(&R.prog, total, nf);
	for (size_t i = 0; i < R.nfiles; i++)
		if (!R.files[i].dup) {
			R.prog_file++;
			if (reach_scan_file(&R, R.files[i].path) < 0)
				R.errors++;
			R.prog_done += R.files[i].size;
		}
	progress_end(&R.prog);
	if (R.errors)
		goto cleanup;

	size_t n = reach_rows(&R, &rows);
	if (n == (size_t)-1) {
		out_err("out of memory");
		goto cleanup;
	}
	if (output) {
		/* The file appears whole or not at all. */
		size_t len = strlen(output) + 16;
		int fd = -1;
		if ((tmp = malloc(len)))
			snprintf(tmp, len, "%s.tmpXXXXXX", output);
		if (!tmp || (fd = mkstemp(tmp)) < 0 || !(out = fdopen(fd, "w"))) {
			out_err("%s: %s", output, strerror(errno));
			if (fd >= 0)
				close(fd);
			if (tmp && fd >= 0)
				unlink(tmp);
			free(tmp);
			tmp = NULL;
			out = stdout;
			goto cleanup;
		}
		fchmod(fd, 0644);
	}
	if (R.format == REACH_TABLE)
		reach_table(&R, out, rows, n);
	else if (R.format == REACH_CSV)
		reach_csv(&R, out, rows, n);
	else if (R.format == REACH_JSON)
		reach_json(&R, out, rows, n);
	else if (reach_html(&R, out, rows, n, db, tz, unshared_days) < 0)
		goto cleanup;
	if (fflush(out) != 0 || ferror(out)) {
		out_err("writing the report: %s", strerror(errno));
		goto cleanup;
	}
	if (tmp) {
		int bad = fclose(out) != 0;
		out = stdout;
		if (bad || rename(tmp, output) < 0) {
			out_err("%s: %s", output, strerror(errno));
			goto cleanup;
		}
		free(tmp);
		tmp = NULL;
	}
	reach_note_estimates(&R, rows, n);
	ret = 0;
cleanup:
	if (tmp) {
		if (out != stdout)
			fclose(out);
		unlink(tmp);
		free(tmp);
	}
	free(rows);
	free(fa.staff), free(fa.team), free(fa.campaign);
	reach_free(&R);
	return ret;
usage:
	reach_usage(stderr);
	free(fa.staff), free(fa.team), free(fa.campaign);
	reach_free(&R);
	return 2;
}
