/*
 * rank: the leaderboard out of the counters: a row per group seen and
 * per colleague, campaign or team of the store that the filters let
 * through (so people without a click are listed too), named from the
 * store, sorted and ranked.  What the rows look like on the page is the
 * output formats' (table.c, csv.c, json.c, report.c).
 */
#ifndef REDIRECTD_RANK_H
#define REDIRECTD_RANK_H

#include <stddef.h>
#include <stdint.h>

#include "count.h"
#include "grouping.h"
#include "names.h"

/* One line of the report. */
struct row {
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
	unsigned long rank;     /* 0: unranked (below --min-visitors) */
	/* --compare: the same group in the earlier window (board.compare). */
	uint64_t prev_clicks, prev_visitors;
	int prev_estimated;
	int64_t change;         /* visitors - prev_visitors */
	unsigned long prev_rank;    /* 0: no rank there (unranked, or no
	                               row: a group the earlier window did
	                               not list) */
	long rank_change;       /* prev_rank - rank, when both: up is > 0 */
	unsigned flags;         /* RANK_F_* */
	uint64_t reached;       /* --ties earliest: the time of its last
	                           counted click, when it reached its figures
	                           (microseconds; 0: no click) */
	/* --conversions (board.conversions): credited to the row. */
	uint64_t conversions;
	int64_t conv_value;     /* convfile units (10^-6) */
};

/* What ranks on: --rank visitors (then clicks), clicks (then visitors),
 * improved (the change in visitors, then visitors, then clicks),
 * conversions (then visitors, then clicks). */
enum rank_by { RANK_VISITORS, RANK_CLICKS, RANK_IMPROVED, RANK_CONVERSIONS };

/* Row flags: a reason the row should not win a prize. */
#define RANK_F_REPEAT 1u    /* one visitor made many of its clicks */

/* Is rank_change meaningful (both windows ranked the row)? */
static inline int rank_moved(const struct row *r)
{
	return r->rank && r->prev_rank;
}

/* What every output format gets: the ranked rows and the run's totals. */
struct board {
	enum grouping by;
	int include_internal;
	struct row *rows;       /* [n], malloc'd */
	size_t n;
	uint64_t records;       /* records inside the time window */
	size_t segments;        /* segments counted */
	int compare;            /* the rows carry the earlier window's figures */
	uint64_t min_visitors;  /* rows below are unranked */
	int flags;              /* the rows carry flags (--repeat-limit) */
	int ties_earliest;      /* ties broken by reached (--ties earliest) */
	int conversions;        /* the rows carry conversions (--conversions) */
	/* What the visitors figures count (count_visitor_unit): "visitors",
	 * or "visitor-days" (-weeks, -months) when the counted clicks span
	 * several visitor-key periods; the shortest period of the segments
	 * counted (enum visitor_period), and every one (1 << period). */
	const char *visitor_unit;
	unsigned visitor_period, visitor_periods;
};

/* The key and the campaign of a row as printed. */
static inline const char *rank_key(const struct row *r)
{
	return r->key ? r->key : r->keybuf;
}

/* The board's visitor unit, "visitors" on a board made without one. */
static inline const char *rank_visitor_unit(const struct board *b)
{
	return b->visitor_unit ? b->visitor_unit : "visitors";
}

static inline const char *rank_ckey(const struct row *r)
{
	return r->ckey ? r->ckey : r->ckeybuf;
}

/* A row's conversion_rate, conversions per visitor, as text with four
 * decimals ("0.2500") into out; returns 0 and writes "" when the row has
 * no visitor. */
size_t rank_rate_text(const struct row *r, char out[32]);

/* Build the ranked rows of C's counters (settled) into b->rows, names from
 * nm; rank_clicks: clicks first, else visitors.  Rows are in rank order,
 * but by day and by hour in time order (ranked all the same).  Returns 0,
 * or -1 out of
 * memory.  The rows point into C and nm: they live as long as both. */
int rank_board(const struct count *C, const struct names *nm,
               int rank_clicks, struct board *b);

/* The prize rules of rank_board_rules. */
struct rank_rules {
	enum rank_by by;            /* RANK_IMPROVED needs C->prev */
	uint64_t min_visitors;      /* rows below are unranked; 0: none */
	uint64_t repeat_limit;      /* RANK_F_REPEAT past it (C->repeats);
	                               0: not flagged */
	int ties_earliest;          /* equal figures: the row that reached
	                               them first ranks first (C->reached) */
};

/*
 * rank_board with the prize rules r: ranked on r->by; rows with fewer
 * than min_visitors visitors are unranked (rank 0), listed after the
 * ranked ones in the same order; with C->repeats, a row where one visitor
 * made more than repeat_limit clicks is flagged RANK_F_REPEAT (and still
 * ranked: the flag says what a prize should not go to).  With C->prev, each
 * row gets the same group's figures in the earlier window, ranked there by
 * the same rules (by visitors for RANK_IMPROVED), matched by key (and
 * campaign), and the movement; a group seen only in the earlier window
 * gets no row.
 */
int rank_board_rules(const struct count *C, const struct names *nm,
                     const struct rank_rules *r, struct board *b);

/*
 * Sort rows by visitors then clicks (clicks then visitors with
 * rank_clicks), then by key (ids without a name as numbers), and rank
 * them: competition ranking, equal (visitors, clicks) share a rank and the
 * next distinct one skips ("1,2,2,4"), so a rank still tells how many are
 * ahead.
 */
void rank_sort(struct row *rows, size_t n, int rank_clicks);

/* rank_sort under the rules rr (its by, min_visitors and ties_earliest;
 * RANK_CONVERSIONS ties on (conversions, visitors, clicks)),
 * rows below min_visitors unranked and last.  Ties share a rank on what
 * is ranked: (visitors, clicks), or (change, visitors, clicks) for
 * RANK_IMPROVED; with ties_earliest, and reached. */
void rank_sort_rules(struct row *rows, size_t n, const struct rank_rules *rr);

#endif
