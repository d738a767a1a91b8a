/*
 * report_int: what the files of the HTML report share, and no one else
 * (report.h is the report's interface): the state of one report, its
 * second pass's counts, and the parts the page is assembled from.  Which
 * file holds which part: tools/README.md's source map.
 */
#ifndef REDIRECTD_REPORT_INT_H
#define REDIRECTD_REPORT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cards.h"
#include "clickrec.h"
#include "report.h"
#include "u64map.h"

#define REPORT_LEADERS_DAILY 5      /* lines in the daily chart */

/* One report: its rows and options (in), what the second pass counted
 * for the pages beyond the leaderboard (report_pass.c), and the store's
 * figures the cards need. */
struct report {
	const struct report_in *in;
	uint32_t *idx;              /* staff id -> row + 1 */
	size_t nidx;
	struct cards K;             /* the cards' figures (cards.h) */
	struct cards_unshared *un;  /* [nrows] */
	struct u64map seen;     /* (row or all, platform|day, visitor) keys */
	struct u64map daily;    /* (leader, day) -> visitors */
	uint64_t plat_clicks[PLATFORM_COUNT], plat_vis[PLATFORM_COUNT];
	struct u64map ctry;     /* country code -> clicks */
	struct u64map ctry_vis; /* country code -> distinct visitors */
	/* The teams and campaigns sections: team number (names.h) ->
	 * [clicks, visitors]; campaign id, and campaign << 32 | staff id,
	 * -> clicks and -> visitors. */
	uint64_t (*team)[2];            /* [nm->nteams + 1] */
	size_t *tsize;                  /* each row's team size and median */
	uint64_t *tmed;                 /* (cards_teams), [nrows] */
	int dir;                        /* --output-dir: pages link up */
	struct u64map camp_clicks, camp_vis, pair_clicks, pair_vis;
	int64_t day_min, day_max;   /* local days of the leaders' visitors */
	size_t nleaders;
};

/* report_pass.c.  P's second pass over in's segments, and the cards'
 * figures from the store: 0, or -1 after reporting (out_err).  Call
 * report_release(P) either way. */
int report_prepare(struct report *P, const struct report_in *in);
void report_release(struct report *P);

/* report_markup.c.  s as text of element content or of a quoted
 * attribute; a row's name (its handle when it has none); what the
 * visitors figures count; a page's head and header (who: the colleague
 * of a page of their own, NULL: the report's index). */
void report_esc(FILE *f, const char *s);
const char *report_label(const struct report_row *r);
const char *report_unit(const struct report_in *in);
void report_head(FILE *f, const struct report_in *in,
                 const struct report_row *who);

/* report_board.c.  How many rows the leaderboard draws (*cut: how many
 * of a tie at its end it leaves out); the leaderboard's section. */
size_t report_leaders_shown(const struct report_in *in, size_t *cut);
void report_leaderboard(FILE *f, const struct report_in *in);

/* report_charts.c.  The daily chart's section; the platforms' and the
 * countries' (0, or -1 out of memory). */
void report_daily(FILE *f, struct report *P);
int report_spread(FILE *f, struct report *P);

/* report_groups.c.  The teams' and the campaigns' sections (P->in->nm
 * not NULL): 0, or -1 out of memory. */
int report_teams_section(FILE *f, const struct report *P);
int report_campaigns_section(FILE *f, const struct report *P);

#endif
