/*
 * rank: rows, their names and their order (see rank.h).
 */
#include "rank.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clickrec.h"

/*
 * The spread of a colleague's or campaign's counted human clicks.  Ties:
 * the top country is the alphabetically first (by its text) of those with
 * most clicks, and unknown is never one (countries does not count it
 * either); the top platform is the lowest enum value, which makes "unknown"
 * and "none" win their ties: they are counted like any platform, so a link
 * shared where no platform shows is reported as such.
 */
static void rank_spread(const struct count *C, struct row *row,
                        const struct group *c)
{
	uint64_t best = 0;
	for (uint32_t i = 1; c->ctry && i < C->countries.n; i++) {
		if (!c->ctry[i])
			continue;
		char text[8];
		row->countries++;
		countries_text(C->countries.code[i], text);
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

/* The campaign column of a pair's row. */
static void rank_pair_campaign(const struct names *nm, struct row *row)
{
	const struct names_entry *cn = names_find(nm->camps, nm->ncamps,
	                                          row->campaign_id);
	if (cn)
		row->ckey = cn->key;
	else if (row->campaign_id == 0)
		row->ckey = "(none)";
	else
		snprintf(row->ckeybuf, sizeof row->ckeybuf, "#%" PRIu32,
		         row->campaign_id);
}

/* The key, name and team of a row of colleagues or campaigns (nid: the
 * colleague of a pair). */
static void rank_person(const struct names *nm, enum grouping by,
                        struct row *row, uint32_t nid)
{
	const struct names_entry *e =
		by == GROUPING_CAMPAIGN ? names_find(nm->camps, nm->ncamps, nid)
		                        : names_find(nm->staff, nm->nstaff, nid);
	if (e) {
		row->key = e->key;
		row->name = e->name;
		row->team = e->team;
	} else if (nid == 0) {
		/* Campaign 0 is "no campaign"; staff 0 a hit on a code the
		 * store did not know. */
		row->key = "(none)";
	} else {
		snprintf(row->keybuf, sizeof row->keybuf, "#%" PRIu32, nid);
		row->numeric = by != GROUPING_STAFF_CAMPAIGN;
	}
}

/* The key columns of a row: what its id means under the grouping. */
static void rank_keys(const struct count *C, const struct names *nm,
                      struct row *row, uint32_t id)
{
	/* Not row->key = row->keybuf: qsort moves rows. */
	switch (C->by) {
	case GROUPING_COUNTRY:
		countries_text(C->countries.code[id], row->keybuf);
		break;
	case GROUPING_PLATFORM:
		row->key = clickrec_platform_name(id);
		break;
	case GROUPING_DAY:
		when_day_text(id, row->keybuf);
		row->numeric = 1;
		break;
	case GROUPING_HOUR:
		snprintf(row->keybuf, sizeof row->keybuf, "%" PRIu32, id);
		row->numeric = 1;
		break;
	case GROUPING_TEAM:
		row->key = id && id <= nm->nteams ? nm->teams[id - 1] : "(none)";
		break;
	case GROUPING_STAFF_CAMPAIGN:
		if (id < pairs_count(&C->pairs)) {
			row->staff_id = pairs_staff(&C->pairs, id);
			row->campaign_id = pairs_campaign(&C->pairs, id);
			rank_pair_campaign(nm, row);
			id = row->staff_id;
		}
		rank_person(nm, C->by, row, id);
		break;
	default:
		rank_person(nm, C->by, row, id);
	}
}

static void rank_fill(const struct count *C, const struct names *nm,
                      struct row *row, uint32_t id, const struct group *c)
{
	memset(row, 0, sizeof *row);
	row->id = id;
	row->name = row->team = row->top_platform = "";
	rank_keys(C, nm, row, id);
	if (!c)
		return;
	row->clicks = c->cls[CLASS_HUMAN];
	row->visitors = visitors_count(&c->vis);
	row->estimated = visitors_estimated(&c->vis);
	row->previews = c->cls[CLASS_PREVIEW];
	row->crawlers = c->cls[CLASS_CRAWLER];
	row->tools = c->cls[CLASS_TOOL];
	row->probes = c->cls[CLASS_PROBE];
	row->bots = row->previews + row->crawlers + row->tools + row->probes +
	            c->cls[CLASS_UNKNOWN];
	row->internal = c->internal;
	if (C->reached) {
		const uint64_t *t = u64map_find(C->reached, id);
		row->reached = t ? *t : 0;
	}
	if (GROUPING_PEOPLE(C->by))
		rank_spread(C, row, c);
}

size_t rank_rate_text(const struct row *r, char out[32])
{
	out[0] = '\0';
	if (!r->visitors)
		return 0;
	int n = snprintf(out, 32, "%.4f",
	                 (double)r->conversions / (double)r->visitors);
	return n > 0 && n < 32 ? (size_t)n : 0;
}

/* The conversions credited to each row (conv.c's sums by group id). */
static void rank_conversions(const struct conv *v, struct board *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct conv_sum s = conv_group(v, b->rows[i].id);
		b->rows[i].conversions = s.n;
		b->rows[i].conv_value = s.value;
	}
	b->conversions = 1;
}

static int rank_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int rank_staff_passes(const struct names *nm, uint32_t id)
{
	return !nm->fstaff || (id < nm->nfstaff && nm->fstaff[id]);
}

/* The ids listed even without a click, sorted: the colleagues, campaigns
 * or teams of the store that the filters let through.  Returns the count
 * (*out may be NULL for 0), or (size_t)-1 out of memory. */
static size_t rank_listed(enum grouping by, const struct names *nm,
                          uint32_t **out)
{
	size_t n = 0, max = nm->nstaff + nm->ncamps + nm->nteams;
	uint32_t *v = malloc((max ? max : 1) * sizeof *v);
	if (!v)
		return (size_t)-1;
	if (by == GROUPING_STAFF) {
		for (size_t i = 0; i < nm->nstaff; i++)
			if (rank_staff_passes(nm, nm->staff[i].id))
				v[n++] = nm->staff[i].id;
	} else if (by == GROUPING_CAMPAIGN) {
		for (size_t i = 0; i < nm->ncamps; i++) {
			uint32_t id = nm->camps[i].id;
			if (!nm->fcamp || (id < nm->nfcamp && nm->fcamp[id]))
				v[n++] = id;
		}
	} else if (by == GROUPING_TEAM) {
		for (size_t i = 0; i < nm->nstaff; i++) {
			uint32_t t = nm->team_of[nm->staff[i].id];
			if (t && rank_staff_passes(nm, nm->staff[i].id))
				v[n++] = t;
		}
	}
	qsort(v, n, sizeof *v, rank_cmp_u32);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (m == 0 || v[m - 1] != v[i])
			v[m++] = v[i];
	*out = v;
	return m;
}

/* The rules of the sort in progress (qsort has no context argument):
 * the minimum of visitors to be ranked, the order of the ranked figures,
 * and --ties earliest. */
static uint64_t rank_min;
static int (*rank_cmp_by)(const void *, const void *);
static int rank_earliest;

static int rank_cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->visitors != y->visitors)
		return x->visitors > y->visitors ? -1 : 1;
	if (x->clicks != y->clicks)
		return x->clicks > y->clicks ? -1 : 1;
	/* --ties earliest: equal figures, the one reached first. */
	if (rank_earliest && x->reached != y->reached)
		return x->reached < y->reached ? -1 : 1;
	/* "#10" after "#9": ids without a name sort as numbers. */
	if (x->numeric && y->numeric)
		return x->id < y->id ? -1 : x->id > y->id;
	int c = strcmp(rank_key(x), rank_key(y));
	if (c)
		return c;
	if ((c = strcmp(rank_ckey(x), rank_ckey(y))))
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* By id alone: the day since 1970, or the hour. */
static int rank_cmp_ids(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* --rank clicks: clicks first, then as rank_cmp_rows. */
static int rank_cmp_rows_clicks(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->clicks != y->clicks)
		return x->clicks > y->clicks ? -1 : 1;
	return rank_cmp_rows(a, b);
}

/* --rank conversions: conversions first, then as rank_cmp_rows. */
static int rank_cmp_rows_conversions(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->conversions != y->conversions)
		return x->conversions > y->conversions ? -1 : 1;
	return rank_cmp_rows(a, b);
}

/* --rank improved: the change first, then as rank_cmp_rows. */
static int rank_cmp_rows_improved(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->change != y->change)
		return x->change > y->change ? -1 : 1;
	return rank_cmp_rows(a, b);
}

/* Ranked rows first, then as rank_cmp_by. */
static int rank_cmp_rules(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int rx = x->visitors >= rank_min, ry = y->visitors >= rank_min;
	if (rx != ry)
		return rx ? -1 : 1;
	return rank_cmp_by(a, b);
}

/* Do two neighbours tie on what is ranked? */
static int rank_tied(const struct row *x, const struct row *y,
                     enum rank_by by)
{
	return x->visitors == y->visitors && x->clicks == y->clicks &&
	       (by != RANK_IMPROVED || x->change == y->change) &&
	       (by != RANK_CONVERSIONS || x->conversions == y->conversions) &&
	       (!rank_earliest || x->reached == y->reached);
}

void rank_sort_rules(struct row *rows, size_t n, const struct rank_rules *rr)
{
	enum rank_by by = rr->by;
	uint64_t min_visitors = rr->min_visitors;
	rank_min = min_visitors;
	rank_earliest = rr->ties_earliest;
	rank_cmp_by = by == RANK_CLICKS ? rank_cmp_rows_clicks
	            : by == RANK_IMPROVED ? rank_cmp_rows_improved
	            : by == RANK_CONVERSIONS ? rank_cmp_rows_conversions
	            : rank_cmp_rows;
	if (n > 1)      /* and qsort must not see rows == NULL */
		qsort(rows, n, sizeof *rows, rank_cmp_rules);
	for (size_t i = 0; i < n; i++)
		rows[i].rank = rows[i].visitors < min_visitors ? 0
		             : i > 0 && rank_tied(&rows[i], &rows[i - 1], by)
		                   ? rows[i - 1].rank
		                   : i + 1;
}

void rank_sort(struct row *rows, size_t n, int rank_clicks)
{
	struct rank_rules rr = {
		.by = rank_clicks ? RANK_CLICKS : RANK_VISITORS,
	};
	rank_sort_rules(rows, n, &rr);
}

/* Order of the earlier window's rows for the lookup: key, then campaign. */
static int rank_cmp_keys(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = strcmp(rank_key(x), rank_key(y));
	return c ? c : strcmp(rank_ckey(x), rank_ckey(y));
}

/* Each row's figures in the earlier window (prev, sorted by
 * rank_cmp_keys). */
static void rank_match(struct row *rows, size_t n, const struct row *prev,
                       size_t np)
{
	for (size_t i = 0; i < n; i++) {
		struct row *r = &rows[i];
		const struct row *p = np ? bsearch(r, prev, np, sizeof *prev,
		                                   rank_cmp_keys) : NULL;
		if (p) {
			r->prev_clicks = p->clicks;
			r->prev_visitors = p->visitors;
			r->prev_estimated = p->estimated;
			r->prev_rank = p->rank;
		}
		r->change = (int64_t)r->visitors - (int64_t)r->prev_visitors;
	}
}

/* Rows: every id listed (rank_listed), then every id seen only in the
 * logs. */
static int rank_rows(const struct count *C, const struct names *nm,
                     struct board *b)
{
	const struct groups *g = &C->groups;
	uint32_t *listed = NULL;
	size_t nl = rank_listed(C->by, nm, &listed);
	if (nl == (size_t)-1)
		return -1;
	size_t max = nl + groups_count(g), n = 0;
	struct row *rows = malloc((max ? max : 1) * sizeof *rows);
	if (!rows) {
		free(listed);
		return -1;
	}
	for (size_t i = 0; i < nl; i++)
		rank_fill(C, nm, &rows[n++], listed[i],
		          groups_find(g, listed[i]));
	for (size_t i = 0; i < groups_count(g); i++) {
		uint32_t id = groups_id(g, i);
		const struct group *c = groups_at(g, i);
		/* Side groups are made only by a record: always a row. */
		if ((i >= g->ndense || groups_any(c)) &&
		    !bsearch(&id, listed, nl, sizeof *listed, rank_cmp_u32))
			rank_fill(C, nm, &rows[n++], id, c);
	}
	free(listed);
	*b = (struct board){
		.by = C->by, .include_internal = C->include_internal,
		.rows = rows, .n = n, .records = C->records,
	};
	b->visitor_unit = count_visitor_unit(C, &b->visitor_period);
	b->visitor_periods = C->periods;
	return 0;
}

/* The repeat flags of the rows. */
static void rank_flags(const struct count *C, uint64_t limit, struct board *b)
{
	repeats_settle(C->repeats);
	for (size_t i = 0; i < b->n; i++)
		if (repeats_max(C->repeats, b->rows[i].id) > limit)
			b->rows[i].flags |= RANK_F_REPEAT;
	b->flags = 1;
}

int rank_board_rules(const struct count *C, const struct names *nm,
                     const struct rank_rules *rr, struct board *b)
{
	if (rank_rows(C, nm, b) < 0)
		return -1;
	b->min_visitors = rr->min_visitors;
	b->ties_earliest = rr->ties_earliest;
	if (C->repeats)
		rank_flags(C, rr->repeat_limit, b);
	if (C->conv)
		rank_conversions(C->conv, b);
	if (C->prev) {
		struct board p;
		if (rank_rows(C->prev, nm, &p) < 0) {
			free(b->rows);
			b->rows = NULL;
			return -1;
		}
		struct rank_rules pr = *rr;
		if (pr.by == RANK_IMPROVED || pr.by == RANK_CONVERSIONS)
			pr.by = RANK_VISITORS;
		rank_sort_rules(p.rows, p.n, &pr);
		if (p.n > 1)
			qsort(p.rows, p.n, sizeof *p.rows, rank_cmp_keys);
		rank_match(b->rows, b->n, p.rows, p.n);
		free(p.rows);
		b->compare = 1;
	}
	rank_sort_rules(b->rows, b->n, rr);
	for (size_t i = 0; i < b->n; i++)
		if (rank_moved(&b->rows[i]))
			b->rows[i].rank_change = (long)b->rows[i].prev_rank -
			                         (long)b->rows[i].rank;
	/* A time series reads in time order; the ranks stay (the busiest
	 * day is still rank 1). */
	if ((C->by == GROUPING_DAY || C->by == GROUPING_HOUR) && b->n > 1)
		qsort(b->rows, b->n, sizeof *b->rows, rank_cmp_ids);
	return 0;
}

int rank_board(const struct count *C, const struct names *nm,
               int rank_clicks, struct board *b)
{
	struct rank_rules rr = {
		.by = rank_clicks ? RANK_CLICKS : RANK_VISITORS,
	};
	return rank_board_rules(C, nm, &rr, b);
}
