/*
 * figures: every colleague's figures for their posts (see figures.h).
 * This file is the order of the work, as reach.c's main is reach's: names
 * from the store, the segments, one pass through count.c with cards.c
 * counting the same clicks (count.h's cards), the leaderboard ranked by
 * rank.c, then what the cards need from the store and the teams; and the
 * text of a colleague's figures.
 */
#include "figures.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "cards.h"
#include "count.h"
#include "files.h"
#include "names.h"
#include "out.h"
#include "rank.h"
#include "scan.h"
#include "visitor.h"
#include "when.h"

#define FIGURES_LEADERS 5

struct figures {
	struct names nm;
	struct count C;
	struct count P;             /* the earlier window (figures_in) */
	struct cards K;
	struct when_zone utc;
	struct board b;
	uint32_t *row;              /* staff id -> row + 1 */
	size_t nrow;
	unsigned long *team_rank;   /* [b.n]; 0: no team */
	size_t *team_size;          /* [b.n] */
	uint64_t *team_median;      /* [b.n] */
	struct cards_unshared *un;  /* [b.n] */
	char *leaders;              /* the leaderboard's text */
	int advice;                 /* K counted */
};

int figures_last(const char *s, uint64_t *since, uint64_t *prev_since)
{
	uint64_t span;
	if (when_duration(s, &span) < 0 || when_last(s, since) < 0)
		return -1;
	*prev_since = *since > span ? *since - span : 0;
	return 0;
}

/* The one pass: count.c's leaderboard and cards.c's cards of the same
 * records.  Returns 0, or -1 after reporting. */
static int figures_scan(struct figures *F, const struct figures_in *in)
{
	struct files fl = { 0 };
	struct scan S = { 0 };
	int errors = 0, ret = -1;
	F->C.by = GROUPING_STAFF;
	F->C.since = F->K.since = in->since;
	F->C.until = F->K.until = in->until;
	F->C.nm = &F->nm;
	F->C.cards = in->advice ? &F->K : NULL;
	F->K.zone = &F->utc;
	if (in->prev_until) {
		/* change and rank_change: the earlier window in the same
		 * pass, as reach --compare counts it. */
		F->P = F->C;
		F->P.cards = NULL;
		F->P.since = in->prev_since;
		F->P.until = in->prev_until;
		F->C.prev = &F->P;
		if (count_init(&F->P, UINT64_MAX,
		               (size_t)VISITORS_BUDGET_MIB << 20) < 0) {
			out_err("out of memory");
			goto done;
		}
	}
	if (count_init(&F->C, UINT64_MAX,
	               (size_t)VISITORS_BUDGET_MIB << 20) < 0 ||
	    scan_init(&S) < 0) {
		out_err("out of memory");
		goto done;
	}
	for (size_t i = 0; i < in->npaths; i++)
		errors += files_walk(&fl, in->paths[i]);
	files_dedup(&fl);
	errors += scan_files(&S, &F->C, &fl);
	if (!errors && cards_settle_all(&F->K) < 0) {
		out_err("out of memory");
		errors++;
	}
	if (!errors)
		ret = 0;
done:
	scan_free(&S);
	files_free(&fl);
	return ret;
}

static int figures_cmp_team(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	return strcmp(x->team, y->team);
}

/* Every row's rank in its team: the team's rows ranked by rank.c, as a
 * leaderboard of their own.  Returns 0, or -1 out of memory. */
static int figures_team_ranks(struct figures *F)
{
	const struct board *b = &F->b;
	struct row *t = malloc((b->n ? b->n : 1) * sizeof *t);
	if (!t)
		return -1;
	size_t m = 0;
	for (size_t i = 0; i < b->n; i++)
		if (b->rows[i].team[0])
			t[m++] = b->rows[i];
	if (m > 1)
		qsort(t, m, sizeof *t, figures_cmp_team);
	for (size_t i = 0, j; i < m; i = j) {
		for (j = i; j < m && strcmp(t[j].team, t[i].team) == 0; j++)
			;
		rank_sort(t + i, j - i, 0);
		for (size_t k = i; k < j; k++)
			if (t[k].id < F->nrow && F->row[t[k].id])
				F->team_rank[F->row[t[k].id] - 1] = t[k].rank;
	}
	free(t);
	return 0;
}

/* The team sizes and medians of the rows (cards_teams).  Returns 0, or
 * -1 out of memory. */
static int figures_teams(struct figures *F)
{
	const struct board *b = &F->b;
	const char **team = malloc((b->n ? b->n : 1) * sizeof *team);
	uint64_t *vis = malloc((b->n ? b->n : 1) * sizeof *vis);
	int rc = -1;
	if (team && vis) {
		for (size_t i = 0; i < b->n; i++) {
			team[i] = b->rows[i].team;
			vis[i] = b->rows[i].visitors;
		}
		rc = cards_teams(b->n, team, vis, F->team_size, F->team_median);
	}
	free(team);
	free(vis);
	return rc;
}

/* "N visitors" or "~N visitors", "1 visitor"; "N clicks", "1 click". */
static void figures_count_text(char *out, size_t len, uint64_t n,
                               int estimated, const char *what)
{
	snprintf(out, len, "%s%" PRIu64 " %s%s", estimated ? "~" : "", n, what,
	         n == 1 && !estimated ? "" : "s");
}

/* The leaderboard's text (figures.h).  Returns 0, or -1 out of memory. */
static int figures_leaders(struct figures *F)
{
	char *text = NULL;
	size_t len = 0, lines = 0;
	/* "visitor", or "visitor-day" (-week, -month) when the window
	 * spans several visitor-key periods: the board's unit, singular. */
	char unit[24];
	snprintf(unit, sizeof unit, "%.*s",
	         (int)strlen(rank_visitor_unit(&F->b)) - 1,
	         rank_visitor_unit(&F->b));
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -1;
	for (size_t i = 0; i < F->b.n && lines < FIGURES_LEADERS; i++) {
		const struct row *r = &F->b.rows[i];
		const struct names_entry *e = names_find(F->nm.staff,
		                                         F->nm.nstaff, r->id);
		if (!r->clicks || !e)
			continue;
		char vis[48], clk[48];
		figures_count_text(vis, sizeof vis, r->visitors, r->estimated,
		                   unit);
		figures_count_text(clk, sizeof clk, r->clicks, 0, "click");
		fprintf(f, "%s%lu. %s: %s, %s", lines ? "\n" : "", r->rank,
		        e->name[0] ? e->name : e->key, vis, clk);
		lines++;
	}
	if (!lines)
		fputs("No clicks in this period yet.", f);
	if (fclose(f) != 0) {
		free(text);
		return -1;
	}
	F->leaders = text;
	return 0;
}

/* Rows by staff id, the teams, the unshared links, the leaderboard.
 * Returns 0, or -1 after reporting. */
static int figures_board(struct figures *F, const struct figures_in *in)
{
	const struct board *b = &F->b;
	size_t n = b->n ? b->n : 1;
	uint32_t maxid = 0;
	for (size_t i = 0; i < b->n; i++)
		if (b->rows[i].id > maxid && b->rows[i].id < CARDS_MAX_ID)
			maxid = b->rows[i].id;
	F->nrow = (size_t)maxid + 1;
	F->row = calloc(F->nrow, sizeof *F->row);
	F->team_rank = calloc(n, sizeof *F->team_rank);
	F->team_size = calloc(n, sizeof *F->team_size);
	F->team_median = calloc(n, sizeof *F->team_median);
	F->un = calloc(n, sizeof *F->un);
	if (!F->row || !F->team_rank || !F->team_size || !F->team_median ||
	    !F->un)
		goto oom;
	for (size_t i = 0; i < b->n; i++)
		if (b->rows[i].id < F->nrow)
			F->row[b->rows[i].id] = (uint32_t)i + 1;
	if (figures_team_ranks(F) < 0 || figures_teams(F) < 0 ||
	    figures_leaders(F) < 0)
		goto oom;
	F->advice = in->advice;
	int rc = !in->advice ? 0
	       : cards_unshared(&F->K, in->s, in->txn, F->row, F->nrow,
	                        in->now_us, CARDS_UNSHARED_DAYS, F->un);
	if (rc) {
		out_err("%s: reading the store: %s", in->db, mdb_strerror(rc));
		return -1;
	}
	return 0;
oom:
	out_err("out of memory");
	return -1;
}

int figures_count(const struct figures_in *in, struct figures **out)
{
	struct figures *F = calloc(1, sizeof *F);
	*out = NULL;
	if (!F) {
		out_err("out of memory");
		return -1;
	}
	if (names_read(&F->nm, in->s, in->txn, in->db) < 0 ||
	    figures_scan(F, in) < 0)
		goto fail;
	if (rank_board(&F->C, &F->nm, 0, &F->b) < 0) {
		out_err("out of memory");
		goto fail;
	}
	if (figures_board(F, in) < 0)
		goto fail;
	*out = F;
	return 0;
fail:
	figures_free(F);
	return -1;
}

int figures_of(const struct figures *F, uint32_t staff_id,
               struct figures_text *t)
{
	if (staff_id >= F->nrow || !F->row[staff_id] ||
	    !names_find(F->nm.staff, F->nm.nstaff, staff_id))
		return -1;
	size_t i = F->row[staff_id] - 1;
	const struct row *r = &F->b.rows[i];
	snprintf(t->visitors, sizeof t->visitors, "%s%" PRIu64,
	         r->estimated ? "~" : "", r->visitors);
	snprintf(t->clicks, sizeof t->clicks, "%" PRIu64, r->clicks);
	snprintf(t->rank, sizeof t->rank, "%lu", r->rank);
	snprintf(t->change, sizeof t->change, "-");
	snprintf(t->rank_change, sizeof t->rank_change, "-");
	if (F->b.compare)
		snprintf(t->change, sizeof t->change, "%s%" PRId64,
		         r->change > 0 ? "+" : "", r->change);
	if (rank_moved(r))
		snprintf(t->rank_change, sizeof t->rank_change, "%s%ld",
		         r->rank_change > 0 ? "+" : "", r->rank_change);
	snprintf(t->ranked, sizeof t->ranked, "%zu", F->b.n);
	if (F->team_rank[i])
		snprintf(t->team_rank, sizeof t->team_rank, "%lu",
		         F->team_rank[i]);
	else
		snprintf(t->team_rank, sizeof t->team_rank, "-");
	t->top_platform = "-";
	for (unsigned p = 0; r->top_platform[0] && p < PLATFORM_COUNT; p++)
		if (strcmp(clickrec_platform_name(p), r->top_platform) == 0)
			t->top_platform = advice_platform_label(p);
	struct cards_row cr = {
		.staff_id = staff_id, .visitors = r->visitors,
		.clicks = r->clicks, .previews = r->previews, .team = r->team,
		.team_size = F->team_size[i], .team_median = F->team_median[i],
		.unshared = &F->un[i],
	};
	struct advice a;
	size_t na = F->advice ? cards_advice(&F->K, &cr, "UTC", &a, 1) : 0;
	snprintf(t->advice, sizeof t->advice, "%s", na ? a.text : "");
	return 0;
}

const char *figures_leaderboard(const struct figures *F)
{
	return F->leaders;
}

size_t figures_estimated(const struct figures *F, size_t *rows)
{
	size_t n = 0;
	for (size_t i = 0; i < F->b.n; i++)
		n += (size_t)F->b.rows[i].estimated;
	*rows = F->b.n;
	return n;
}

const char *figures_visitor_unit(const struct figures *F,
                                 const char **period)
{
	*period = visitor_period_name(F->b.visitor_period);
	return rank_visitor_unit(&F->b);
}

void figures_free(struct figures *F)
{
	if (!F)
		return;
	free(F->b.rows);
	count_free(&F->C);
	count_free(&F->P);
	cards_free(&F->K);
	names_free(&F->nm);
	free(F->row);
	free(F->team_rank);
	free(F->team_size);
	free(F->team_median);
	free(F->un);
	free(F->leaders);
	free(F);
}
