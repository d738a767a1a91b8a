/*
 * report_board: the report's leaderboard, a bar per colleague in rank
 * order (the rows reach ranked: report.h), with --compare's change and
 * "most improved", and --conversions' figures after each bar; how many
 * rows it draws, which the cards follow.
 */
#include "report_int.h"

#include <inttypes.h>

#include "convfile.h"
#include "out.h"

#define REPORT_LEADERS_CHART 30     /* bars in the leaderboard chart */

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

/* How many rows the leaderboard chart shows: REPORT_LEADERS_CHART, but
 * never part of a tie: all of the last rank when they fit in as many
 * again, else only the ranks before it (*cut says how many of the tie
 * were left out). */
size_t report_leaders_shown(const struct report_in *in, size_t *cut)
{
	size_t n = in->nrows < REPORT_LEADERS_CHART ? in->nrows
	                                            : REPORT_LEADERS_CHART;
	size_t end = n;
	*cut = 0;
	/* Unranked rows (--min-visitors, rank 0) are no tie. */
	if (n == 0 || in->rows[n - 1].rank == 0)
		return n;
	while (end < in->nrows && in->rows[end].rank == in->rows[n - 1].rank)
		end++;
	if (end - n <= REPORT_LEADERS_CHART)
		return end;
	size_t start = n;
	while (start > 0 && in->rows[start - 1].rank == in->rows[n - 1].rank)
		start--;
	*cut = end - start;
	return start;
}

void report_leaderboard(FILE *f, const struct report_in *in)
{
	size_t cut, n = report_leaders_shown(in, &cut);
	uint64_t max = 1;
	for (size_t i = 0; i < n; i++)
		if (in->rows[i].visitors > max)
			max = in->rows[i].visitors;
	fputs("<section id=\"leaderboard\">\n<h2>Leaderboard</h2>\n", f);
	fprintf(f, "<p>Unique %s per colleague (human clicks; bots and "
	        "colleagues' own clicks apart)", report_unit(in));
	if (in->nrows > n)
		fprintf(f, ", the leading %zu", n);
	if (in->conv)
		fputs("; after each, the conversions their clicks and handle "
		      "brought (and their value)", f);
	fputs(".</p>\n", f);
	if (cut)
		fprintf(f, "<p class=\"tie\">%zu colleagues tied at rank %lu "
		        "are not drawn; the teams and campaigns below count them."
		        "</p>\n", cut, in->rows[n].rank);
	if (in->compare)
		report_improved(f, in);
	/* Room after the value for the arrow and the change. */
	const unsigned lw = 260, bw = 560, rh = 24,
	               cw = (in->compare ? 80 : 0) + (in->conv ? 200 : 0);
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
		if (in->conv) {
			char val[32];
			convfile_value_text(r->conv_value, val);
			fprintf(f, "<text class=\"conv\" x=\"%u\" y=\"%zu\">"
			        "%" PRIu64 " conversion%s (%s)</text>",
			        lw + w + 60 + (in->compare ? 80 : 0), i * rh + 17,
			        r->conversions, r->conversions == 1 ? "" : "s", val);
		}
		fputs("</g>\n", f);
	}
	fputs("</svg>\n</section>\n", f);
}
