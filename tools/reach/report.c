/*
 * report: the HTML report (see report.h).  It owns the second pass over
 * the segments, the page's markup and its escaping; the wording of the
 * recommendations is advice.c's.
 *
 * Every name on the page comes from the store, which anyone allowed to
 * add a colleague writes: all text goes through report_esc, in element
 * content and in quoted attributes alike, so a colleague called
 * <script>alert(1)</script> is shown as such and runs nothing.  The page
 * has no script at all and no external resource.
 */
#include "report.h"
#include "segwalk.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "advice.h"
#include "cards.h"
#include "clickrec.h"
#include "countries.h"
#include "hash.h"
#include "out.h"
#include "store.h"
#include "u64map.h"

#define REPORT_LEADERS_CHART 30     /* bars in the leaderboard chart */
#define REPORT_LEADERS_DAILY 5      /* lines in the daily chart */
#define REPORT_MAX_DAYS 92          /* days the daily chart spans */

/* ------------------------------------------------------ the second pass */

/* A key for a tuple: distinct tuples give distinct keys but for 64-bit
 * hash collisions (one in 2^64 per pair).  Never 0. */
static uint64_t report_key(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t h = hash_mix64(a ^ 0x9e3779b97f4a7c15u);
	h = hash_mix64(h ^ b);
	h = hash_mix64(h ^ (c + 0x632be59bd9b4e019u));
	return h ? h : 1;
}

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
	int64_t day_min, day_max;   /* local days of the leaders' visitors */
	size_t nleaders;
};

/* Count a counted click (cards_record said so) for the page's own
 * sections: platforms and countries of all clicks, and the daily visitors
 * of the leaders.  Returns 0, or -1 out of memory. */
static int report_count(struct report *P, const struct click *c)
{
	const struct report_in *in = P->in;
	int fresh;
	uint64_t *v;
	unsigned plat = c->platform < PLATFORM_COUNT ? c->platform
	                                             : PLATFORM_UNKNOWN;
	uint16_t code = (uint16_t)((unsigned char)c->country[0] << 8 |
	                           (unsigned char)c->country[1]);
	P->plat_clicks[plat]++;
	if (!(v = u64map_get(&P->ctry, code, &fresh)))
		return -1;
	(*v)++;
	if (c->visitor) {
		if (!u64map_get(&P->seen, report_key(~0ull, plat, c->visitor),
		                    &fresh))
			return -1;
		P->plat_vis[plat] += (uint64_t)fresh;
	}
	if (!c->visitor || c->staff_id >= P->nidx || !P->idx[c->staff_id] ||
	    P->idx[c->staff_id] - 1 >= P->nleaders)
		return 0;
	uint32_t row = P->idx[c->staff_id] - 1;
	int64_t lt = (int64_t)c->time_us + when_offset(in->zone, c->time_us);
	if (lt < 0)
		lt = 0;
	int64_t day = lt / 86400000000;
	if (!u64map_get(&P->seen, report_key(row, 1000 + (uint64_t)day,
	                                         c->visitor), &fresh))
		return -1;
	if (fresh) {
		if (!(v = u64map_get(&P->daily,
		                         (uint64_t)row << 32 | ((uint32_t)day + 1u),
		                         &fresh)))
			return -1;
		(*v)++;
		if (P->day_min < 0 || day < P->day_min)
			P->day_min = day;
		if (day > P->day_max)
			P->day_max = day;
	}
	return 0;
}

/* Read one segment (reach has read it already: errors are unexpected,
 * but a segment may have grown).  Returns 0 or -1 after reporting. */
static int report_file(struct report *P, const char *path)
{
	struct segmap m;
	if (segwalk_open(path, &m) < 0)
		return -1;
	int ret = 0, counted, rc;
	struct click c;
	/* Under --skip-damaged the same records are skipped again; the
	 * count's account (in->damage) already names them. */
	struct damage again = { 0 };
	struct damage *skip = P->in->damage ? &again : NULL;
	while ((rc = segwalk_next(&m, &c, path, skip)) == CLICKREC_RECORD) {
		/* The record just decoded, as it is in the file. */
		counted = cards_record(&P->K, m.r.buf + m.r.off - CLICKREC_SIZE);
		if (counted < 0 || (counted && report_count(P, &c) < 0)) {
			out_err("out of memory");
			ret = -1;
			break;
		}
	}
	if (rc < CLICKREC_CORRUPT) {
		out_err("out of memory");
		ret = -1;
	}
	damage_free(&again);
	segwalk_close(&m);
	return ret;
}

/* Links of the colleagues in a campaign, minted unshared_days or more ago
 * and without a human click in the logs read (cards_unshared). */
static int report_unshared(struct report *P)
{
	const struct report_in *in = P->in;
	struct store s;
	MDB_txn *txn = NULL;
	int rc;
	if (!in->db || !*in->db)
		return 0;
	if ((rc = store_open(&s, in->db, STORE_RDONLY))) {
		out_err("%s: cannot open the store: %s", in->db, mdb_strerror(rc));
		return -1;
	}
	if (!(rc = mdb_txn_begin(s.env, NULL, MDB_RDONLY, &txn))) {
		rc = cards_unshared(&P->K, &s, txn, P->idx, P->nidx, in->now_us,
		                    in->unshared_days, P->un);
		mdb_txn_abort(txn);
	}
	if (rc)
		out_err("%s: reading the store: %s", in->db, mdb_strerror(rc));
	store_close(&s);
	return rc ? -1 : 0;
}

/* ------------------------------------------------------------- markup */

/* Text for element content or a quoted attribute.  Control characters
 * become U+FFFD: they have no place on the page. */
static void report_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fputs("&#xfffd;", f);
			else
				putc(c, f);
		}
	}
}

static const char *report_label(const struct report_row *r)
{
	return r->name && r->name[0] ? r->name : r->handle;
}

static const char *const report_colors[REPORT_LEADERS_DAILY] = {
	"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
};

/* The damaged records --skip-damaged left out, where a reader of the
 * figures sees it before them. */
static void report_damage(FILE *f, const struct damage *D)
{
	if (!D || !D->records)
		return;
	fprintf(f, "<div class=\"damage\" role=\"alert\"><p><strong>%" PRIu64
	        " damaged record%s skipped</strong> (--skip-damaged): the "
	        "figures below leave them out.</p>\n<ul>\n", D->records,
	        D->records == 1 ? "" : "s");
	for (size_t i = 0; i < D->n; i++) {
		const struct damage_run *r = &D->v[i];
		fputs("<li>", f);
		report_esc(f, r->path);
		fprintf(f, ": %" PRIu64 " record%s at bytes %" PRIu64 "&ndash;%"
		        PRIu64 "</li>\n", r->n, r->n == 1 ? "" : "s", r->off,
		        r->off + r->n * CLICKREC_SIZE);
	}
	fputs("</ul></div>\n", f);
}

static void report_head(FILE *f, const struct report_in *in)
{
	char a[21], b[21];
	fputs("<!doctype html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, "
	      "initial-scale=1\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\""
	      "default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n"
	      "<title>Reach: who reached how many people</title>\n"
	      "<style>\n"
	      "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',"
	      "sans-serif;margin:0 auto;max-width:960px;padding:1em;"
	      "color:#222;background:#fafafa}\n"
	      "h1{margin:.2em 0}h2{margin-top:1.6em;border-bottom:1px solid "
	      "#ddd}\n"
	      "svg text{font:12px system-ui,sans-serif;fill:#222}\n"
	      "table{border-collapse:collapse}td,th{padding:2px 8px;"
	      "text-align:left}td.n{text-align:right}\n"
	      ".cards{display:grid;grid-template-columns:repeat(auto-fill,"
	      "minmax(280px,1fr));gap:12px}\n"
	      ".card{background:#fff;border:1px solid #ddd;border-radius:8px;"
	      "padding:10px 14px}\n"
	      ".card h3{margin:.2em 0}.card .who{color:#666;margin:0}\n"
	      ".card dl{display:grid;grid-template-columns:auto auto;"
	      "gap:0 12px;margin:.5em 0}.card dd{margin:0}\n"
	      ".advice li{margin:.3em 0}.advice small{color:#666;"
	      "display:block}\n"
	      ".legend span{margin-right:1em;white-space:nowrap}\n"
	      ".damage{background:#fff3cd;border:1px solid #c90;"
	      "border-radius:6px;padding:4px 12px}\n"
	      ".legend i{display:inline-block;width:10px;height:10px;"
	      "margin-right:4px}\n"
	      "</style>\n</head>\n<body>\n<header>\n<h1>Reach</h1>\n"
	      "<p class=\"period\">", f);
	if (in->since)
		out_time_iso(in->since, a);
	if (in->until != UINT64_MAX)
		out_time_iso(in->until, b);
	if (in->since && in->until != UINT64_MAX)
		fprintf(f, "Clicks from %s until %s", a, b);
	else if (in->since)
		fprintf(f, "Clicks from %s", a);
	else if (in->until != UINT64_MAX)
		fprintf(f, "Clicks until %s", b);
	else
		fputs("All clicks in the logs", f);
	fputs("; days and hours in ", f);
	report_esc(f, in->zone_name);
	fprintf(f, ".  %" PRIu64 " records from %zu segments.</p>\n",
	        in->records, in->segments);
	report_damage(f, in->damage);
	fputs("</header>\n", f);
}

/* A colleague's change in visitors since the earlier window, after the
 * bar: an arrow up or down with the change, "=" for none. */
static void report_arrow(FILE *f, const struct report_row *r, unsigned x,
                         size_t y)
{
	if (!r->change) {
		fprintf(f, "<text class=\"change same\" x=\"%u\" y=\"%zu\" "
		        "fill=\"#666\">= 0</text>", x, y);
		return;
	}
	int up = r->change > 0;
	uint64_t d = up ? (uint64_t)r->change : (uint64_t)-(r->change + 1) + 1;
	fprintf(f, "<text class=\"change %s\" x=\"%u\" y=\"%zu\" "
	        "fill=\"%s\">%s %s%" PRIu64 "</text>", up ? "up" : "down", x, y,
	        up ? "#2ca02c" : "#d62728", up ? "\xe2\x96\xb2" : "\xe2\x96\xbc",
	        up ? "+" : "-", d);
}

/* "Most improved": every colleague of the largest gain in visitors (a tie
 * is not split), over all rows, not only the chart's. */
static void report_improved(FILE *f, const struct report_in *in)
{
	char a[21], b[21];
	int64_t best = 0;
	for (size_t i = 0; i < in->nrows; i++)
		if (in->rows[i].change > best)
			best = in->rows[i].change;
	out_time_iso(in->prev_since, a);
	out_time_iso(in->prev_until, b);
	fprintf(f, "<p class=\"improved\">Against the earlier window (%s "
	        "until %s): ", a, b);
	if (best <= 0) {
		fputs("<strong>most improved:</strong> nobody gained "
		      "visitors.</p>\n", f);
		return;
	}
	fputs("<strong>most improved:</strong> ", f);
	size_t k = 0;
	for (size_t i = 0; i < in->nrows; i++) {
		const struct report_row *r = &in->rows[i];
		if (r->change != best)
			continue;
		fputs(k++ ? ", " : "", f);
		fputs("<span class=\"who\" data-handle=\"", f);
		report_esc(f, r->handle);
		fputs("\">", f);
		report_esc(f, report_label(r));
		fputs("</span>", f);
		if (r->rank && r->prev_rank && r->rank_change > 0)
			fprintf(f, " (up %ld place%s)", r->rank_change,
			        r->rank_change == 1 ? "" : "s");
	}
	fprintf(f, ", +%" PRId64 " visitor%s.</p>\n", best,
	        best == 1 ? "" : "s");
}

static void report_leaderboard(FILE *f, const struct report_in *in)
{
	size_t n = in->nrows < REPORT_LEADERS_CHART ? in->nrows
	                                            : REPORT_LEADERS_CHART;
	uint64_t max = 1;
	for (size_t i = 0; i < n; i++)
		if (in->rows[i].visitors > max)
			max = in->rows[i].visitors;
	fputs("<section id=\"leaderboard\">\n<h2>Leaderboard</h2>\n", f);
	fprintf(f, "<p>Unique visitors per colleague (human clicks; bots and "
	        "colleagues' own clicks apart)%s.</p>\n",
	        in->nrows > n ? ", the leading 30" : "");
	if (in->compare)
		report_improved(f, in);
	/* Room after the value for the arrow and the change. */
	const unsigned lw = 260, bw = 560, rh = 24, cw = in->compare ? 80 : 0;
	fprintf(f, "<svg role=\"img\" aria-label=\"Leaderboard\" "
	        "width=\"%u\" height=\"%zu\" viewBox=\"0 0 %u %zu\">\n",
	        lw + bw + 80 + cw, n * rh + 4, lw + bw + 80 + cw, n * rh + 4);
	for (size_t i = 0; i < n; i++) {
		const struct report_row *r = &in->rows[i];
		unsigned w = (unsigned)((double)r->visitors * bw / (double)max);
		char rank[24] = "-";    /* unranked: --min-visitors */
		if (r->rank)
			snprintf(rank, sizeof rank, "%lu", r->rank);
		fputs("<g class=\"bar\" data-handle=\"", f);
		report_esc(f, r->handle);
		fprintf(f, "\"><text class=\"label\" x=\"%u\" y=\"%zu\" "
		        "text-anchor=\"end\">%s. ", lw - 8, i * rh + 17, rank);
		report_esc(f, report_label(r));
		fprintf(f, "</text><rect x=\"%u\" y=\"%zu\" width=\"%u\" "
		        "height=\"%u\" fill=\"#1f77b4\"/><text class=\"value\" "
		        "x=\"%u\" y=\"%zu\">%s%" PRIu64 "</text>", lw,
		        i * rh + 4, w, rh - 6, lw + w + 6, i * rh + 17,
		        r->estimated ? "~" : "", r->visitors);
		if (in->compare)
			report_arrow(f, r, lw + w + 60, i * rh + 17);
		fputs("</g>\n", f);
	}
	fputs("</svg>\n</section>\n", f);
}

/* Leader i's visitors on local day d. */
static uint64_t report_daily_at(const struct report *P, size_t i, int64_t d)
{
	const uint64_t *v = u64map_find(&P->daily, (uint64_t)i << 32 |
	                                           ((uint32_t)d + 1u));
	return v ? *v : 0;
}

static void report_daily(FILE *f, struct report *P)
{
	const struct report_in *in = P->in;
	fputs("<section id=\"daily\">\n<h2>Daily visitors of the leading "
	      "colleagues</h2>\n", f);
	if (P->day_min < 0 || P->nleaders == 0) {
		fputs("<p>No visitors in this period.</p>\n</section>\n", f);
		return;
	}
	int64_t d0 = P->day_min, d1 = P->day_max;
	if (d1 - d0 + 1 > REPORT_MAX_DAYS)
		d0 = d1 - REPORT_MAX_DAYS + 1;
	int64_t nd = d1 - d0 + 1;
	uint64_t max = 1;
	for (size_t i = 0; i < P->nleaders; i++)
		for (int64_t d = d0; d <= d1; d++)
			if (report_daily_at(P, i, d) > max)
				max = report_daily_at(P, i, d);
	const unsigned W = 840, H = 220, L = 40, B = 24;
	double dx = nd > 1 ? (double)(W - L - 10) / (double)(nd - 1) : 0;
	fprintf(f, "<svg role=\"img\" aria-label=\"Daily visitors\" "
	        "width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\">\n", W, H, W, H);
	fprintf(f, "<line x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\" "
	        "stroke=\"#999\"/>\n", L, H - B, W - 10, H - B);
	fprintf(f, "<text x=\"%u\" y=\"14\" text-anchor=\"end\">%" PRIu64
	        "</text><text x=\"%u\" y=\"%u\" text-anchor=\"end\">0</text>\n",
	        L - 4, max, L - 4, H - B);
	char day[11];
	when_day_text(d0, day);
	fprintf(f, "<text x=\"%u\" y=\"%u\">%s</text>\n", L, H - 6, day);
	when_day_text(d1, day);
	fprintf(f, "<text x=\"%u\" y=\"%u\" text-anchor=\"end\">%s</text>\n",
	        W - 10, H - 6, day);
	for (size_t i = 0; i < P->nleaders; i++) {
		fputs("<polyline class=\"series\" data-handle=\"", f);
		report_esc(f, in->rows[i].handle);
		fprintf(f, "\" fill=\"none\" stroke-width=\"2\" stroke=\"%s\" "
		        "points=\"", report_colors[i]);
		for (int pass = 0; pass < 2; pass++) {
			/* The line, then a dot per day: a single day is a
			 * line of one point, which draws nothing. */
			for (int64_t d = d0; d <= d1; d++) {
				double x = L + dx * (double)(d - d0);
				double y = (double)(H - B) -
				           (double)report_daily_at(P, i, d) *
				           (H - B - 10) / (double)max;
				if (pass == 0)
					fprintf(f, "%s%.1f,%.1f", d > d0 ? " " : "",
					        x, y);
				else
					fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" "
					        "r=\"3\" fill=\"%s\"/>", x, y,
					        report_colors[i]);
			}
			fputs(pass == 0 ? "\"/>\n" : "\n", f);
		}
	}
	fputs("</svg>\n<p class=\"legend\">", f);
	for (size_t i = 0; i < P->nleaders; i++) {
		fprintf(f, "<span><i style=\"background:%s\"></i>",
		        report_colors[i]);
		report_esc(f, report_label(&in->rows[i]));
		fputs("</span>", f);
	}
	fputs("</p>\n</section>\n", f);
}

/* A table row with an inline bar. */
static void report_bar_row(FILE *f, const char *label, uint64_t clicks,
                           uint64_t visitors, uint64_t max, int vis)
{
	fputs("<tr><td>", f);
	report_esc(f, label);
	fprintf(f, "</td><td class=\"n\">%" PRIu64 "</td>", clicks);
	if (vis)
		fprintf(f, "<td class=\"n\">%" PRIu64 "</td>", visitors);
	fprintf(f, "<td><svg width=\"204\" height=\"12\"><rect width=\"%u\" "
	        "height=\"12\" fill=\"#2ca02c\"/></svg></td></tr>\n",
	        (unsigned)((double)clicks * 200 / (double)(max ? max : 1)));
}

static int report_cmp_desc(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	if (x[0] != y[0])
		return x[0] > y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

static int report_spread(FILE *f, struct report *P)
{
	uint64_t order[PLATFORM_COUNT][2], max = 0;
	for (unsigned p = 0; p < PLATFORM_COUNT; p++) {
		order[p][0] = P->plat_clicks[p];
		order[p][1] = p;
		if (P->plat_clicks[p] > max)
			max = P->plat_clicks[p];
	}
	qsort(order, PLATFORM_COUNT, sizeof order[0], report_cmp_desc);
	fputs("<section id=\"platforms\">\n<h2>Platforms</h2>\n<table>\n"
	      "<tr><th>platform</th><th>clicks</th><th>visitors</th>"
	      "<th></th></tr>\n", f);
	for (unsigned i = 0; i < PLATFORM_COUNT; i++)
		if (order[i][0])
			report_bar_row(f, clickrec_platform_name((unsigned)order[i][1]),
			               order[i][0], P->plat_vis[order[i][1]], max, 1);
	fputs("</table>\n</section>\n", f);

	size_t n = P->ctry.n;
	uint64_t (*c)[2] = malloc((n ? n : 1) * sizeof *c);
	if (!c)
		return -1;
	for (size_t i = 0; i < n; i++) {
		c[i][0] = P->ctry.val[i];
		c[i][1] = P->ctry.key[i];
	}
	qsort(c, n, sizeof *c, report_cmp_desc);
	fputs("<section id=\"countries\">\n<h2>Countries</h2>\n<table>\n"
	      "<tr><th>country</th><th>clicks</th><th></th></tr>\n", f);
	for (size_t i = 0; i < n && i < 30; i++) {
		char text[8];
		countries_text((uint16_t)c[i][1], text);
		report_bar_row(f, text, c[i][0], 0, c[0][0], 0);
	}
	fputs("</table>\n</section>\n", f);
	free(c);
	return 0;
}

/* Each row's team size and median (cards_teams) into size and median.
 * Returns 0, or -1 out of memory. */
static int report_teams(const struct report_in *in, size_t *size,
                        uint64_t *median)
{
	const char **team = malloc((in->nrows ? in->nrows : 1) * sizeof *team);
	uint64_t *vis = malloc((in->nrows ? in->nrows : 1) * sizeof *vis);
	int rc = -1;
	if (team && vis) {
		for (size_t i = 0; i < in->nrows; i++) {
			team[i] = in->rows[i].team ? in->rows[i].team : "";
			vis[i] = in->rows[i].visitors;
		}
		rc = cards_teams(in->nrows, team, vis, size, median);
	}
	free(team);
	free(vis);
	return rc;
}

static int report_cards(FILE *f, struct report *P)
{
	const struct report_in *in = P->in;
	size_t *tsize = malloc((in->nrows ? in->nrows : 1) * sizeof *tsize);
	uint64_t *tmed = malloc((in->nrows ? in->nrows : 1) * sizeof *tmed);
	if (!tsize || !tmed || report_teams(in, tsize, tmed) < 0) {
		free(tsize);
		free(tmed);
		return -1;
	}
	fputs("<section id=\"colleagues\">\n<h2>Colleagues</h2>\n"
	      "<div class=\"cards\">\n", f);
	for (size_t i = 0; i < in->nrows; i++) {
		const struct report_row *r = &in->rows[i];
		struct advice adv[8];
		struct cards_row cr = {
			.staff_id = r->id, .visitors = r->visitors,
			.clicks = r->clicks, .team = r->team ? r->team : "",
			.team_size = tsize[i], .team_median = tmed[i],
			.unshared = &P->un[i],
		};
		size_t na = cards_advice(&P->K, &cr, in->zone_name, adv, 8);

		fputs("<article class=\"card\" data-handle=\"", f);
		report_esc(f, r->handle);
		fputs("\">\n<h3>", f);
		report_esc(f, report_label(r));
		fputs("</h3>\n<p class=\"who\">", f);
		report_esc(f, r->handle);
		if (r->team && r->team[0]) {
			fputs(" · ", f);
			report_esc(f, r->team);
		}
		fprintf(f, "</p>\n<dl>\n<dt>rank</dt><dd class=\"rank\">%lu</dd>\n"
		        "<dt>visitors</dt><dd class=\"visitors\">%s%" PRIu64
		        "</dd>\n<dt>clicks</dt><dd class=\"clicks\">%" PRIu64
		        "</dd>\n<dt>bots</dt><dd>%" PRIu64 "</dd>\n",
		        r->rank, r->estimated ? "~" : "", r->visitors, r->clicks,
		        r->bots);
		if (r->top_platform && r->top_platform[0]) {
			fputs("<dt>top platform</dt><dd>", f);
			report_esc(f, r->top_platform);
			fputs("</dd>\n<dt>top country</dt><dd>", f);
			report_esc(f, r->top_country[0] ? r->top_country : "unknown");
			fputs("</dd>\n", f);
		}
		fputs("</dl>\n<ul class=\"advice\">\n", f);
		for (size_t k = 0; k < na; k++) {
			fputs("<li>", f);
			report_esc(f, adv[k].text);
			fputs("<small>", f);
			report_esc(f, adv[k].basis);
			fputs("</small></li>\n", f);
		}
		fputs("</ul>\n</article>\n", f);
	}
	fputs("</div>\n</section>\n", f);
	free(tsize);
	free(tmed);
	return 0;
}

int report_html(FILE *f, const struct report_in *in)
{
	struct report P;
	int ret = -1;
	memset(&P, 0, sizeof P);
	P.in = in;
	P.day_min = -1;
	P.nleaders = 0;
	for (size_t i = 0; i < in->nrows && i < REPORT_LEADERS_DAILY; i++)
		if (in->rows[i].visitors)
			P.nleaders = i + 1;
	uint32_t maxid = 0;
	for (size_t i = 0; i < in->nrows; i++)
		if (in->rows[i].id > maxid && in->rows[i].id < (1u << 24))
			maxid = in->rows[i].id;
	P.nidx = (size_t)maxid + 1;
	P.idx = calloc(P.nidx, sizeof *P.idx);
	P.un = calloc(in->nrows ? in->nrows : 1, sizeof *P.un);
	if (!P.idx || !P.un)
		goto oom;
	for (size_t i = 0; i < in->nrows; i++)
		if (in->rows[i].id < P.nidx)
			P.idx[in->rows[i].id] = (uint32_t)i + 1;
	P.K.since = in->since;
	P.K.until = in->until;
	P.K.fstaff = in->fstaff;
	P.K.nfstaff = in->nfstaff;
	P.K.fcamp = in->fcamp;
	P.K.nfcamp = in->nfcamp;
	P.K.include_internal = in->include_internal;
	P.K.zone = in->zone;
	for (size_t i = 0; i < in->nfiles; i++)
		if (report_file(&P, in->files[i]) < 0)
			goto done;
	if (cards_settle_all(&P.K) < 0)
		goto oom;
	if (report_unshared(&P) < 0)
		goto done;
	report_head(f, in);
	report_leaderboard(f, in);
	report_daily(f, &P);
	if (report_spread(f, &P) < 0 || report_cards(f, &P) < 0)
		goto oom;
	fputs("<footer><p>Made by reach from the click logs; no visitor's "
	      "address is shown or stored here.</p></footer>\n"
	      "</body>\n</html>\n", f);
	ret = 0;
	goto done;
oom:
	out_err("out of memory");
done:
	u64map_free(&P.seen);
	u64map_free(&P.daily);
	u64map_free(&P.ctry);
	cards_free(&P.K);
	free(P.idx);
	free(P.un);
	return ret;
}
