/*
 * cards: what a colleague's card says beyond the leaderboard's row -- their
 * distinct visitors per platform, their clicks per local hour, their
 * campaign links that no human clicked, their team's size and median --
 * and the recommendations (advice.h) made of it.  reach's HTML report
 * (report_pass.c) counts it in its second pass over the segments
 * (cards_record per record); the figures of linkctl's posts (figures.c) in the
 * leaderboard's own pass, count.c calling cards_mark and cards_click (its
 * cards member).  The wording is advice.c's.
 *
 * Which records count is reach's rule (count.h): inside [since, until),
 * through the filters, human, and not internal unless include_internal.
 * A link was shared when any human record or link preview of the logs
 * read names it, inside the window or not: a link a preview bot fetched
 * was posted, clicked or not (the advice says so), and is not offered as
 * unshared.
 *
 * While the records are read, each counted click is appended to a log (its
 * colleague, and a word of its visitor, platform and hour: 12 bytes,
 * written in order into one of 64 parts, on 2 MiB pages); cards_settle_all
 * then sorts each part by colleague and counts each colleague's clicks:
 * their hours, and their distinct (platform, visitor) pairs in a scratch
 * set that fits them.  Exact (two visitors of a colleague share a word one
 * time in 2^55), and the cheapest way found: over 10 million records,
 * where reach's leaderboard took 1.1 s, a set per colleague probed at
 * random per click, as the leaderboard's visitors are, added 1.2 s; a list
 * per colleague 0.6 to 0.9 s (the cache misses of their ends); this log
 * 0.35 to 0.5 s, mostly the kernel zeroing its pages.  Memory grows with
 * the counted clicks: 12 bytes each.  Colleagues with ids from
 * CARDS_MAX_ID up get no card figures (no store hands such ids out).  Not
 * thread-safe.
 */
#ifndef REDIRECTD_CARDS_H
#define REDIRECTD_CARDS_H

#include <stddef.h>
#include <stdint.h>

#include "advice.h"
#include "arena.h"
#include "clickrec.h"
#include "hash.h"
#include "store.h"
#include "u64map.h"
#include "when.h"

struct conv;

#define CARDS_MAX_ID (1u << 24)
#define CARDS_MAX_UNSHARED 4        /* unshared links on a card */
#define CARDS_UNSHARED_DAYS 3       /* --unshared-days' default */
#define CARDS_DENSE_LINKS (1u << 26)    /* link ids in the bitmap */

/* One colleague's counters, counted by cards_settle_all. */
struct cards_person {
	uint64_t plat_vis[PLATFORM_COUNT];  /* distinct visitors */
	uint64_t hours[24];                 /* counted clicks, local hours */
};

/* A block of the log of counted clicks: a word of each one's visitor,
 * platform and hour (cards.c says how), then their colleagues. */
#define CARDS_BLOCK_SHIFT 16
#define CARDS_BLOCK (((size_t)1 << CARDS_BLOCK_SHIFT) / \
                     (sizeof(uint64_t) + sizeof(uint32_t)))
struct cards_block {
	uint64_t key[CARDS_BLOCK];
	uint32_t person[CARDS_BLOCK];
};

/* The log of the colleagues i with i % CARDS_PARTS the same. */
#define CARDS_PARTS 64
struct cards_part {
	struct cards_block **b;     /* [nb], the last one used */
	size_t nb, capb, used;
};

struct cards {
	/* What counts, set before the first record (as count.h's). */
	uint64_t since, until;          /* [since, until), microseconds */
	const uint8_t *fstaff, *fcamp;  /* reach's filters; NULL: none */
	size_t nfstaff, nfcamp;
	int include_internal;
	struct when_zone *zone;         /* hours in it; never NULL */
	/* The tables: all zero is empty. */
	uint32_t *idx;                  /* staff id -> person + 1 */
	size_t nidx;
	struct cards_person *p;         /* [np] */
	size_t np, capp;
	struct arena arena;             /* of the log's blocks */
	struct cards_part part[CARDS_PARTS];    /* the log */
	uint64_t *clicked;              /* a bit per link id below
	                                   CARDS_DENSE_LINKS; [nclicked] */
	size_t nclicked;
	struct u64map clicked_far;      /* link ids from there up */
};

/* Count one verified record (CLICKREC_SIZE bytes at rec) into K (all zero
 * but the fields above at first; cards_free after).  Returns 1 when it is
 * a counted click, 0 when not, -1 out of memory.  The distinct visitors
 * are counted by cards_settle_all, once, after the last record. */
int cards_record(struct cards *K, const unsigned char *rec);

/*
 * For a loop that applies the rules itself (count.c, when figures.c
 * counts the cards in the leaderboard's pass): cards_mark for every human
 * record and link preview (link 0: none), cards_click for every counted
 * click.  Inline: the
 * loop calls them per record.  Return 0, or -1 out of memory.
 */
int cards_mark_slow(struct cards *K, uint32_t link);

static inline int cards_mark(struct cards *K, uint32_t link)
{
	if (!link)
		return 0;
	if (link / 64 < K->nclicked) {
		K->clicked[link / 64] |= (uint64_t)1 << (link % 64);
		return 0;
	}
	return cards_mark_slow(K, link);
}

/*
 * A counted click in the log: its visitor's hash in bits 9-63 (0: no
 * visitor; a visitor whose 55 bits are all 0, one in 2^55, counts as
 * none), the platform in bits 5-8, the local hour in bits 0-4.  What tells
 * visitors apart is bits 5-63: the hash with the platform.
 */
#define CARDS_VIS_SHIFT 9
#define CARDS_PLAT_SHIFT 5
_Static_assert(PLATFORM_COUNT <= 16, "4 bits of platform");

int cards_click_slow(struct cards *K, uint32_t staff, uint64_t key);

static inline int cards_click(struct cards *K, uint32_t staff, uint64_t t,
                              unsigned plat, uint64_t visitor)
{
	if (staff >= CARDS_MAX_ID)
		return 0;
	int64_t lt = (int64_t)t + when_offset(K->zone, t);
	if (lt < 0)
		lt = 0;
	uint64_t h = visitor ? hash_mix64(visitor) >> CARDS_VIS_SHIFT : 0;
	uint64_t key = h << CARDS_VIS_SHIFT |
	               (uint64_t)plat << CARDS_PLAT_SHIFT |
	               (uint64_t)(lt / 3600000000 % 24);
	if (staff < K->nidx && K->idx[staff]) {
		uint32_t who = K->idx[staff] - 1;
		struct cards_part *p = &K->part[who % CARDS_PARTS];
		if (p->nb && p->used < CARDS_BLOCK) {
			p->b[p->nb - 1]->key[p->used] = key;
			p->b[p->nb - 1]->person[p->used++] = who;
			return 0;
		}
	}
	return cards_click_slow(K, staff, key);
}

/* Count the distinct visitors of the records counted (and free their
 * lists).  Returns 0, or -1 out of memory. */
int cards_settle_all(struct cards *K);

/* A colleague's counters (settled), or NULL when none was counted. */
const struct cards_person *cards_person(const struct cards *K,
                                        uint32_t staff_id);

/* Did a human record name link id? */
int cards_clicked(const struct cards *K, uint32_t link_id);

void cards_free(struct cards *K);

/* A card's unshared links, strings kept here. */
struct cards_unshared {
	struct advice_unshared u[CARDS_MAX_UNSHARED];
	char camp[CARDS_MAX_UNSHARED][64];
	char code[CARDS_MAX_UNSHARED][32];
	size_t n;
};

/*
 * The campaign links of the store (s, a read transaction txn), enabled,
 * minted days or more before now_us, in a campaign K's filter lets
 * through, and without a click (cards_clicked): up to CARDS_MAX_UNSHARED
 * per colleague, in the order of their codes, into out[row[staff] - 1] for
 * the colleagues with a row (row[staff_id] != 0, staff_id < nrow).
 * Returns 0, or an LMDB or errno code (nothing reported).
 */
int cards_unshared(const struct cards *K, const struct store *s,
                   MDB_txn *txn, const uint32_t *row, size_t nrow,
                   uint64_t now_us, unsigned days,
                   struct cards_unshared *out);

/*
 * For each of n rows, the size of its team among the rows (team[i]; ""
 * for none) and the median of their visitors (advice_median): into
 * size[i] and median[i], 0 and 0 without a team.  Returns 0, or -1 out of
 * memory.
 */
int cards_teams(size_t n, const char *const *team, const uint64_t *visitors,
                size_t *size, uint64_t *median);

/* A row's figures and its team's, for cards_advice. */
struct cards_row {
	uint32_t staff_id;
	uint64_t visitors, clicks;
	uint64_t previews;              /* link-preview fetches (row's) */
	const char *team;               /* "" for none */
	size_t team_size;
	uint64_t team_median;
	const struct cards_unshared *unshared;  /* NULL: none */
	const struct conv *conv;        /* --conversions, or NULL */
	uint64_t conversions;           /* the row's (conv) */
};

/* The card's recommendations (advice_for) of a row, hours in the zone
 * named zone: up to max into out; returns how many. */
size_t cards_advice(const struct cards *K, const struct cards_row *r,
                    const char *zone, struct advice *out, size_t max);

/* The colleague's top platform by visitors (advice_top_platform), or
 * PLATFORM_COUNT when none came. */
unsigned cards_top_platform(const struct cards *K, uint32_t staff_id);

#endif
