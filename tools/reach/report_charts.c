/*
 * report_charts: the report's charts of what its second pass counted
 * (report_pass.c): the leading colleagues' visitors day by day in the
 * report's zone, and the clicks and visitors per platform and per
 * country.
 */
#include "report_int.h"

#include <inttypes.h>
#include <stdlib.h>

#include "advice.h"
#include "countries.h"

#define REPORT_MAX_DAYS 92          /* days the daily chart spans */

static const char *const report_colors[REPORT_LEADERS_DAILY] = {
	"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
};

/* Leader i's visitors on local day d. */
static uint64_t report_daily_at(const struct report *P, size_t i, int64_t d)
{
	const uint64_t *v = u64map_find(&P->daily, (uint64_t)i << 32 |
	                                           ((uint32_t)d + 1u));
	return v ? *v : 0;
}

/* The daily chart's geometry: width, height, left and bottom margins. */
enum { DAILY_W = 840, DAILY_H = 220, DAILY_L = 40, DAILY_B = 34 };

/* The axes: visitors up the left with ticks at round steps, the days
 * along the bottom in order with a tick each (every few days when there
 * are many), and the last day marked partial when it is today and the
 * window reaches past now. */
static void report_daily_axes(FILE *f, const struct report *P, int64_t d0,
                              int64_t d1, uint64_t max, double dx)
{
	const struct report_in *in = P->in;
	const unsigned W = DAILY_W, H = DAILY_H, L = DAILY_L, B = DAILY_B;
	fprintf(f, "<g class=\"axes\" stroke=\"#999\"><line x1=\"%u\" "
	        "y1=\"%u\" x2=\"%u\" y2=\"%u\"/><line x1=\"%u\" y1=\"10\" "
	        "x2=\"%u\" y2=\"%u\"/></g>\n", L, H - B, W - 10, H - B, L, L,
	        H - B);
	/* Up to 5 ticks of whole visitors: 0, then steps of max/4 rounded
	 * up, never two the same. */
	uint64_t step = (max + 3) / 4;
	for (uint64_t v = 0; v <= max; v += step ? step : 1) {
		double y = (double)(H - B) - (double)v * (H - B - 10) / (double)max;
		fprintf(f, "<g class=\"ytick\"><line x1=\"%u\" y1=\"%.1f\" "
		        "x2=\"%u\" y2=\"%.1f\" stroke=\"#999\"/><text x=\"%u\" "
		        "y=\"%.1f\" text-anchor=\"end\">%" PRIu64 "</text></g>\n",
		        L - 4, y, L, y, L - 6, y + 4, v);
		if (!step)
			break;
	}
	int64_t nd = d1 - d0 + 1, every = nd <= 14 ? 1 : (nd + 9) / 10;
	int64_t today = (int64_t)((in->now_us +
	                           (uint64_t)when_offset(in->zone, in->now_us)) /
	                          86400000000u);
	for (int64_t d = d0; d <= d1; d++) {
		if ((d - d0) % every && d != d1)
			continue;
		char day[11];
		when_day_text(d, day);
		double x = DAILY_L + dx * (double)(d - d0);
		/* The date in full at the first tick; month-day after. */
		fprintf(f, "<g class=\"xtick\" data-day=\"%s\"><line x1=\"%.1f\" "
		        "y1=\"%u\" x2=\"%.1f\" y2=\"%u\" stroke=\"#999\"/>"
		        "<text x=\"%.1f\" y=\"%u\" text-anchor=\"middle\">%s</text>"
		        "</g>\n", day, x, H - B, x, H - B + 4, x, H - B + 16,
		        d == d0 ? day : day + 5);
	}
	if (d1 == today && in->until > in->now_us) {
		double x = DAILY_L + dx * (double)(d1 - d0);
		fprintf(f, "<g class=\"partial\"><line x1=\"%.1f\" y1=\"10\" "
		        "x2=\"%.1f\" y2=\"%u\" stroke=\"#999\" "
		        "stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%u\" "
		        "text-anchor=\"end\">today, so far</text></g>\n", x, x,
		        H - B, x, H - 4);
	}
}

void report_daily(FILE *f, struct report *P)
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
	const unsigned W = DAILY_W, H = DAILY_H, L = DAILY_L, B = DAILY_B;
	double dx = nd > 1 ? (double)(W - L - 10) / (double)(nd - 1) : 0;
	fprintf(f, "<svg role=\"img\" aria-label=\"Daily visitors\" "
	        "width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\">\n", W, H, W, H);
	report_daily_axes(f, P, d0, d1, max, dx);
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

int report_spread(FILE *f, struct report *P)
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
			report_bar_row(f, advice_platform_word((unsigned)order[i][1]),
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
	      "<tr><th>country</th><th>clicks</th><th>visitors</th>"
	      "<th></th></tr>\n", f);
	for (size_t i = 0; i < n && i < 30; i++) {
		char text[8];
		int fresh;
		countries_text((uint16_t)c[i][1], text);
		uint64_t *vis = u64map_get(&P->ctry_vis, c[i][1], &fresh);
		report_bar_row(f, c[i][1] ? text : "unknown country", c[i][0],
		               vis ? *vis : 0, c[0][0], 1);
	}
	fputs("</table>\n</section>\n", f);
	free(c);
	return 0;
}
