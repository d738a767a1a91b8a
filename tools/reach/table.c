/*
 * table: the text leaderboard (see table.h).  Widths are measured in
 * terminal columns (textwidth.h), so names stay aligned without a locale.
 */
#include "table.h"
#include "convfile.h"
#include "textwidth.h"
#include "utf8.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

/* Display width of a string in a terminal (textwidth.h: CJK two
 * columns, combining marks none), with no locale involved, as table_cell
 * prints it: a control one column, its '?' (a bidirectional override
 * alone would take none). */
static size_t table_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), w = 0;
	for (size_t i = 0, k; i < n; i += k) {
		if ((k = utf8_control(p + i, n - i))) {
			w++;
			continue;
		}
		if (!(k = utf8_len(p + i, n - i)))
			k = 1;
		w += textwidth(s + i, k);
	}
	return w;
}

/* Print a cell padded to width; control characters (utf8.h: C0, C1,
 * U+2028/9, the bidirectional overrides) become '?' so a name from an
 * older store cannot break the table (or drive the terminal). */
static void table_cell(FILE *f, const char *s, size_t width)
{
	size_t w = table_width(s), n = strlen(s);
	for (size_t i = 0, k; i < n; i += k) {
		/* One '?' for one code point: the width stays right. */
		k = utf8_control((const unsigned char *)s + i, n - i);
		putc(k ? '?' : s[i], f);
		k += !k;
	}
	for (; w < width; w++)
		putc(' ', f);
}

static int table_digits(uint64_t v)
{
	int n = 1;
	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static uint64_t table_abs(int64_t v)
{
	return v < 0 ? (uint64_t)-(v + 1) + 1 : (uint64_t)v;
}

/* A signed figure as "+N", "-N" or "0". */
static void table_signed(char *out, size_t len, int64_t v)
{
	snprintf(out, len, "%s%" PRIu64, v > 0 ? "+" : v < 0 ? "-" : "",
	         table_abs(v));
}

/* A rank, or "-" for none (unranked). */
static void table_rank(char *out, size_t len, unsigned long rank)
{
	if (rank)
		snprintf(out, len, "%lu", rank);
	else
		snprintf(out, len, "-");
}

static void table_widen(size_t *w, const char *s)
{
	size_t n = table_width(s);
	if (n > *w)
		*w = n;
}

static void table_widen_num(int *w, int digits)
{
	if (digits > *w)
		*w = digits;
}

/* The columns' widths (at least their headers') and the totals. */
struct table_cols {
	int staff, pair, people;
	const char *keyhdr;
	size_t key, name, camp, ctry;
	int rank, vis, clk, bot, inr, est;
	int cmp, pvis, chg, prank, move;    /* --compare's columns */
	int flags;                          /* --repeat-limit's */
	int conv, cnum, cval, crate, plat;  /* --conversions' */
	uint64_t tv, tc, tb, ti, tconv;
	int64_t tval;
};

static void table_measure(const struct board *b, struct table_cols *w)
{
	static const char *const keyhdrs[] = {
		[GROUPING_STAFF] = "STAFF", [GROUPING_CAMPAIGN] = "CAMPAIGN",
		[GROUPING_TEAM] = "TEAM", [GROUPING_STAFF_CAMPAIGN] = "STAFF",
		[GROUPING_COUNTRY] = "COUNTRY", [GROUPING_PLATFORM] = "PLATFORM",
		[GROUPING_DAY] = "DAY", [GROUPING_HOUR] = "HOUR",
	};
	*w = (struct table_cols){
		.staff = GROUPING_NAMES_STAFF(b->by),
		.pair = b->by == GROUPING_STAFF_CAMPAIGN,
		.people = GROUPING_PEOPLE(b->by),
		.keyhdr = keyhdrs[b->by],
		.key = strlen(keyhdrs[b->by]), .name = strlen("NAME"),
		.camp = strlen("CAMPAIGN"), .ctry = strlen("COUNTRY"),
		.rank = 4, .vis = (int)strlen(rank_visitor_unit(b)), .clk = 6,
		.bot = 4, .inr = 8,
		.cmp = b->compare, .pvis = 13, .chg = 6, .prank = 9, .move = 4,
		.flags = b->flags,
		.conv = b->conversions, .cnum = 11, .cval = 5, .crate = 4,
		.plat = 8,
	};
	for (size_t i = 0; i < b->n; i++) {
		const struct row *r = &b->rows[i];
		table_widen(&w->key, rank_key(r));
		table_widen(&w->name, r->name);
		if (w->pair)
			table_widen(&w->camp, rank_ckey(r));
		table_widen(&w->ctry, r->top_country);
		table_widen_num(&w->rank, table_digits(r->rank));
		/* An estimate is "~N". */
		table_widen_num(&w->vis, table_digits(r->visitors) + r->estimated);
		w->est |= r->estimated;
		table_widen_num(&w->clk, table_digits(r->clicks));
		table_widen_num(&w->bot, table_digits(r->bots));
		table_widen_num(&w->inr, table_digits(r->internal));
		table_widen_num(&w->pvis, table_digits(r->prev_visitors) +
		                          r->prev_estimated);
		table_widen_num(&w->chg, table_digits(table_abs(r->change)) + 1);
		table_widen_num(&w->prank, table_digits(r->prev_rank));
		table_widen_num(&w->move,
		                table_digits(table_abs(r->rank_change)) + 1);
		w->tv += r->visitors;
		w->tc += r->clicks;
		w->tb += r->bots;
		w->ti += r->internal;
		if (w->conv) {
			char val[32], rate[32];
			table_widen_num(&w->cnum, table_digits(r->conversions));
			table_widen_num(&w->cval, (int)convfile_value_text(
			                              r->conv_value, val));
			table_widen_num(&w->crate, (int)rank_rate_text(r, rate));
			table_widen_num(&w->plat, (int)strlen(r->top_platform));
			w->tconv += r->conversions;
			w->tval += r->conv_value;
		}
	}
}

/* The key cells of a line: key, then name and campaign where shown. */
static void table_keys(FILE *f, const struct table_cols *w, const char *key,
                       const char *name, const char *camp)
{
	table_cell(f, key, w->key);
	fputs("  ", f);
	if (w->staff) {
		table_cell(f, name, w->name);
		fputs("  ", f);
	}
	if (w->pair) {
		table_cell(f, camp, w->camp);
		fputs("  ", f);
	}
}

static void table_row(FILE *f, const struct table_cols *w, const struct row *r)
{
	char rank[24];
	table_rank(rank, sizeof rank, r->rank);
	fprintf(f, "%*s  ", w->rank, rank);
	table_keys(f, w, rank_key(r), r->name, rank_ckey(r));
	char vis[24];
	snprintf(vis, sizeof vis, "%s%" PRIu64, r->estimated ? "~" : "",
	         r->visitors);
	fprintf(f, "%*s  %*" PRIu64 "  %*" PRIu64 "  %*" PRIu64,
	        w->vis, vis, w->clk, r->clicks, w->bot, r->bots, w->inr,
	        r->internal);
	if (w->cmp) {
		char pvis[24], chg[24], prank[24], move[24] = "-";
		snprintf(pvis, sizeof pvis, "%s%" PRIu64,
		         r->prev_estimated ? "~" : "", r->prev_visitors);
		table_signed(chg, sizeof chg, r->change);
		table_rank(prank, sizeof prank, r->prev_rank);
		if (rank_moved(r))
			table_signed(move, sizeof move, r->rank_change);
		fprintf(f, "  %*s  %*s  %*s  %*s", w->pvis, pvis, w->chg, chg,
		        w->prank, prank, w->move, move);
	}
	const char *fl = r->flags & RANK_F_REPEAT ? "repeat" : "";
	/* The conversions' cells come last: every cell before them is
	 * written, blank or not, so they line up. */
	int more = w->people && (r->top_platform[0] || w->conv);
	if (w->flags && (more || *fl || w->conv))  /* no trailing blanks */
		fprintf(f, "  %-*s", more || w->conv ? 6 : 0, fl);
	/* Without a counted human click both spread cells are empty: the
	 * line ends here, with no trailing blanks. */
	if (more) {
		fputs("  ", f);
		table_cell(f, r->top_country, w->ctry);
		fputs("  ", f);
		table_cell(f, r->top_platform, w->conv ? w->plat : 0);
	}
	if (w->conv) {
		char val[32], rate[32];
		convfile_value_text(r->conv_value, val);
		if (!rank_rate_text(r, rate))
			strcpy(rate, "-");
		fprintf(f, "  %*" PRIu64 "  %*s  %*s", w->cnum, r->conversions,
		        w->cval, val, w->crate, rate);
	}
	putc('\n', f);
}

void table_write(FILE *f, const struct board *b)
{
	struct table_cols w;
	table_measure(b, &w);
	fprintf(f, "%*s  ", w.rank, "RANK");
	table_keys(f, &w, w.keyhdr, "NAME", "CAMPAIGN");
	/* The column says what it counts: VISITOR-DAYS when the clicks
	 * span several visitor-key periods (count_visitor_unit). */
	const char *unit = rank_visitor_unit(b);
	char vhdr[24];
	size_t i;
	for (i = 0; unit[i] && i + 1 < sizeof vhdr; i++)
		vhdr[i] = (char)toupper((unsigned char)unit[i]);
	vhdr[i] = '\0';
	fprintf(f, "%*s  %*s  %*s  %*s", w.vis, vhdr, w.clk, "CLICKS",
	        w.bot, "BOTS", w.inr, "INTERNAL");
	if (w.cmp)
		fprintf(f, "  %*s  %*s  %*s  %*s", w.pvis, "PREV_VISITORS",
		        w.chg, "CHANGE", w.prank, "PREV_RANK", w.move, "MOVE");
	if (w.flags)
		fputs("  FLAGS ", f);
	if (w.people) {
		fputs("  ", f);
		table_cell(f, "COUNTRY", w.ctry);
		fputs("  ", f);
		table_cell(f, "PLATFORM", w.conv ? w.plat : 0);
	}
	if (w.conv)
		fprintf(f, "  %*s  %*s  %*s", w.cnum, "CONVERSIONS", w.cval,
		        "VALUE", w.crate, "RATE");
	putc('\n', f);
	for (i = 0; i < b->n; i++)
		table_row(f, &w, &b->rows[i]);
	fprintf(f,
	        "total: %s%" PRIu64 " %s (unique per %s, summed), %" PRIu64
	        " clicks, %" PRIu64 " bots, %" PRIu64 " internal (%s), %" PRIu64
	        " records from %zu segments\n",
	        w.est ? "~" : "", w.tv, rank_visitor_unit(b),
	        b->by == GROUPING_STAFF ? "colleague"
	        : w.pair ? "colleague and campaign" : grouping_name(b->by),
	        w.tc, w.tb, w.ti,
	        b->include_internal ? "included" : "excluded", b->records,
	        b->segments);
	if (w.conv) {
		char val[32];
		convfile_value_text(w.tval, val);
		fprintf(f, "conversions: %" PRIu64 " (value %s) credited in "
		        "these rows\n", w.tconv, val);
	}
}
