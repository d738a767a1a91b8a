/*
 * count: the counting loop, reach's hot path.  It owns what a record
 * does to the counters: the time window, the filters, which group the
 * record goes to under the grouping, and the order of the work on a
 * counted human click (prefetch now, settle COUNT_AHEAD records later).
 * It reads only the few fields it counts, at clickrec.h's offsets, of
 * records in a buffer the caller filled (scan.c); the tables it writes
 * are groups.h's, countries.h's and visitors.h's, all inline where the
 * loop calls them.
 *
 * Metrics per group: clicks are counted human records; visitors are
 * distinct non-zero visitor hashes among them; bots are every other
 * record (previews, crawlers, tools, probes and unknown classes);
 * internal are human records from internal networks (CLICK_F_INTERNAL).
 * Internal clicks are colleagues clicking their own links: they are not
 * counted as clicks or visitors unless include_internal says so.
 * Groupings of people also get the spread of their counted clicks
 * (countries and platforms).
 */
#ifndef REDIRECTD_COUNT_H
#define REDIRECTD_COUNT_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "cards.h"
#include "conv.h"
#include "countries.h"
#include "groups.h"
#include "grouping.h"
#include "names.h"
#include "repeats.h"
#include "visitors.h"
#include "when.h"

/*
 * The work of a counted human click is done in two halves.  When the record
 * is read: its class counters, and prefetches of the visitor's slot (in the
 * group's set or sketch) and of the group's platform and country counters.
 * COUNT_AHEAD human records later (count_settle): the visitor insert and
 * those two counters.  The cache misses of sets much larger than the cache,
 * and of groups that do not fit either, then overlap instead of stalling
 * the loop one after another.
 */
#define COUNT_AHEAD 16

struct count_pending {
	uint64_t vhash;     /* hash_mix64(visitor); 0: nothing for the set */
	uint32_t id;
	uint16_t ci;        /* country index (groupings of people only) */
	uint8_t plat;
};

struct count {
	/* What to count: set by the caller before count_init. */
	enum grouping by;
	int include_internal;
	uint64_t since, until;      /* [since, until) in microseconds */
	struct when_zone zone;      /* days and hours in it */
	const struct names *nm;     /* filters and teams; never NULL */
	struct cards *cards;        /* GROUPING_STAFF only, or NULL: the
	                               cards of the same clicks (figures.c) */
	struct repeats *repeats;    /* NULL, or each visitor's clicks per
	                               group, counted (--repeat-limit) */
	struct u64map *reached;     /* NULL, or group id -> the time of its
	                               last counted click (--ties earliest) */
	struct count *prev;         /* NULL, or the earlier window's counters
	                               (--compare): a record outside
	                               [since, until) goes there when inside
	                               its [since, until), which must not
	                               overlap this one.  Same grouping and
	                               filters and reached, no cards, no prev
	                               of its own, no conv. */
	struct conv *conv;          /* NULL, or --conversions: records with
	                               CLICK_F_CLICKID matched (conv.h) */
	/* The tables. */
	struct arena arena;         /* visitors and country histograms */
	struct groups groups;
	struct countries countries;
	struct pairs pairs;
	struct visitors_budget vis;
	struct count_pending pend[COUNT_AHEAD];
	size_t npend;
	uint64_t records;           /* records inside the time window */
	/* What the visitors count (count_visitor_unit): the times of the
	 * first and last record counted (in the window, through the
	 * filters), and the visitor periods (1 << enum visitor_period) of the
	 * segments those came from (scan.c sets them). */
	uint64_t tmin, tmax;        /* tmin > tmax: none yet */
	unsigned periods;
};

/* Make the tables, visitors counted exactly up to exact_limit per group
 * and in vis_limit bytes in all.  Returns 0, or -1 out of memory
 * (count_free still safe). */
int count_init(struct count *C, uint64_t exact_limit, size_t vis_limit);

/*
 * Count n whole records at buf.  Returns n, the index of the first record
 * that does not verify (the caller finds out what it is; the ones before
 * it are counted), or (size_t)-1 out of memory.  Work may stay pending:
 * count_settle_all before reading the counters.
 */
size_t count_records(struct count *C, const unsigned char *buf, size_t n);

/* Settle what is pending (at the end of a file), prev's too.  Returns 0,
 * or -1 out of memory. */
int count_settle_all(struct count *C);

/* What the visitors counted so far are, as the column and the report
 * name them: "visitors" when every counted record came with one visitor
 * key (the segments of one visitor_period, and their times within one
 * period of it); else "visitor-days", "visitor-weeks" or "visitor-months"
 * after the shortest period among the segments (a person may be counted
 * once per such period).  *period gets that shortest period (a day when
 * nothing was counted).  Static strings. */
const char *count_visitor_unit(const struct count *C, unsigned *period);

void count_free(struct count *C);

#endif
