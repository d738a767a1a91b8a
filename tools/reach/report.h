/*
 * report: reach's HTML report, one self-contained file (inline CSS and
 * SVG, no script, nothing fetched): the leaderboard as a bar chart, daily
 * visitors of the leading colleagues, platforms and countries, and a card
 * per colleague with their figures and recommendations (advice.h).
 *
 * reach counts the leaderboard as for any format and hands its rows here;
 * what the charts and cards need beyond it (visitors per day and per
 * platform, clicks per hour, which links had a click) comes from a second
 * read of the same segments with the same window and filters, through
 * clickrec's reader: the cards' part counted by cards.h (as linkctl's
 * posts count it), the charts' here.  Unlike the leaderboard's bounded
 * sketches, that pass's memory grows with the counted clicks (cards.h)
 * and the distinct (leader, day, visitor) triples.
 */
#ifndef REDIRECTD_REPORT_H
#define REDIRECTD_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "damage.h"
#include "names.h"
#include "when.h"

struct conv;

/* A colleague's line of the leaderboard, in rank order. */
struct report_row {
	uint32_t id;                /* staff id */
	const char *handle, *name, *team;
	unsigned long rank;
	uint64_t clicks, visitors, bots, internal;
	uint64_t previews;          /* link-preview fetches */
	int estimated;
	const char *top_country, *top_platform;
	/* --compare (report_in.compare): the earlier window's visitors and
	 * rank (0: none), the change in visitors, the places moved up. */
	uint64_t prev_visitors;
	unsigned long prev_rank;
	int64_t change;
	long rank_change;
	/* --conversions (report_in.conv): credited to the colleague. */
	uint64_t conversions;
	int64_t conv_value;         /* convfile units */
};

struct report_in {
	const struct report_row *rows;
	size_t nrows;
	char *const *files;         /* segments to read, in order */
	size_t nfiles;
	uint64_t since, until;      /* [since, until), microseconds */
	int compare;                /* rows against an earlier window: */
	uint64_t prev_since, prev_until;    /* [prev_since, prev_until) */
	const uint8_t *fstaff, *fcamp;   /* as reach's filters; NULL: none */
	size_t nfstaff, nfcamp;
	int include_internal;
	struct when_zone *zone;
	const char *zone_name;      /* "UTC" or --tz */
	const char *db;             /* the store, for links; NULL: none */
	uint64_t now_us;
	unsigned unshared_days;     /* a link this old without a click */
	uint64_t records;           /* what the leaderboard counted */
	size_t segments;
	const struct damage *damage;    /* --skip-damaged: what the count
	                                   skipped, shown and skipped again;
	                                   NULL: none skipped */
	const struct names *nm;         /* teams and campaigns by id; NULL:
	                                   no sections of them */
	const struct names_filter_args *filters;   /* as given, for the
	                                              header; NULL: none */
	const char *visitor_unit;   /* what the visitors figures count
	                               (rank.h: "visitor-days"...); NULL or
	                               "visitors": plain visitors */
	const char *visitor_period; /* "day", "week", "month" */
	const struct conv *conv;    /* --conversions: the rows carry them,
	                               by platform here; NULL: none */
};

/* Write the report to f.  Returns 0, or -1 after reporting (out_err). */
int report_html(FILE *f, const struct report_in *in);

/* --output-dir: the report as dir/index.html, with a page of their own for
 * every colleague of the store in the rows, dir/staff/HANDLE.html (their
 * card), each written whole; dir must exist.  Returns 0, or -1 after
 * reporting. */
int report_html_dir(const char *dir, const struct report_in *in);

#endif
