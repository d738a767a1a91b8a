/*
 * report: the HTML report (see report.h): the page assembled from its
 * parts (tools/README.md names the files that write them), the colleagues'
 * cards, the pages of --output-dir and their files.  The second pass
 * that counts what the parts show is report_pass.c's; the wording of the
 * recommendations is advice.c's.
 *
 * All text goes through report_esc (report_markup.c): every name on the
 * page comes from the store, which anyone allowed to add a colleague
 * writes.
 */
#include "report_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "advice.h"
#include "cards.h"
#include "convfile.h"
#include "clickrec.h"
#include "out.h"
#include "wholefile.h"

#define REPORT_NAME_MAX 64          /* a handle (linkctl's rule) */

/* The page of row i's colleague, as --output-dir names it (beside the
 * index, in staff/), or "" for a row of no colleague in the store. */
static const char *report_page_name(const struct report_row *r)
{
	return r->handle[0] && r->handle[0] != '#' ? r->handle : "";
}

/* Row i's card; linked to their page under --output-dir. */
static void report_card(FILE *f, const struct report *P, size_t i,
                        int link)
{
	const struct report_in *in = P->in;
	const struct report_row *r = &in->rows[i];
	struct advice adv[8];
	struct cards_row cr = {
		.staff_id = r->id, .visitors = r->visitors,
		.clicks = r->clicks, .previews = r->previews,
		.team = r->team ? r->team : "",
		.team_size = P->tsize[i], .team_median = P->tmed[i],
		.unshared = &P->un[i],
		.conv = in->conv, .conversions = r->conversions,
	};
	size_t na = cards_advice(&P->K, &cr, in->zone_name, adv, 8);

	fputs("<article class=\"card\" data-handle=\"", f);
	report_esc(f, r->handle);
	fputs("\">\n<h3>", f);
	link = link && *report_page_name(r);
	if (link) {
		fputs("<a href=\"staff/", f);
		report_esc(f, report_page_name(r));
		fputs(".html\">", f);
	}
	report_esc(f, report_label(r));
	fputs(link ? "</a></h3>\n<p class=\"who\">" : "</h3>\n<p class=\"who\">",
	      f);
	report_esc(f, r->handle);
	if (r->team && r->team[0]) {
		fputs(" · ", f);
		report_esc(f, r->team);
	}
	char rank[24] = "-";    /* unranked: --min-visitors */
	if (r->rank)
		snprintf(rank, sizeof rank, "%lu", r->rank);
	fprintf(f, "</p>\n<dl>\n<dt>rank</dt><dd class=\"rank\">%s</dd>\n"
	        "<dt>%s</dt><dd class=\"visitors\">%s%" PRIu64
	        "</dd>\n<dt>clicks</dt><dd class=\"clicks\">%" PRIu64
	        "</dd>\n<dt>bots</dt><dd>%" PRIu64 "</dd>\n",
	        rank, report_unit(in), r->estimated ? "~" : "", r->visitors,
	        r->clicks, r->bots);
	if (in->conv) {
		char val[32];
		convfile_value_text(r->conv_value, val);
		fprintf(f, "<dt>conversions</dt><dd class=\"conversions\">%"
		        PRIu64 "</dd>\n<dt>conversion value</dt>"
		        "<dd class=\"conversion-value\">%s</dd>\n", r->conversions,
		        val);
	}
	/* By visitors, as the advice below: the two agree. */
	unsigned top = cards_top_platform(&P->K, r->id);
	if (top < PLATFORM_COUNT) {
		fputs("<dt>top platform</dt><dd class=\"platform\">", f);
		report_esc(f, advice_platform_word(top));
		fputs("</dd>\n<dt>top country</dt><dd class=\"country\">", f);
		report_esc(f, r->top_country[0] ? r->top_country
		                                : "unknown country");
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

static void report_cards(FILE *f, const struct report *P)
{
	const struct report_in *in = P->in;
	/* A card each for the colleagues the leaderboard draws, or for all
	 * those --staff names: a page of 1,000 cards is read by no one
	 * (--output-dir gives each colleague a page of their own). */
	size_t cut, ncards = report_leaders_shown(in, &cut);
	if (in->filters && in->filters->nstaff)
		ncards = in->nrows;
	fputs("<section id=\"colleagues\">\n<h2>Colleagues</h2>\n", f);
	if (ncards < in->nrows)
		fprintf(f, "<p class=\"note\">Cards of the %zu leading colleagues "
		        "of %zu; --staff names others%s.</p>\n", ncards, in->nrows,
		        P->dir ? ", and every colleague has a page of their own "
		                 "(below)" : "");
	fputs("<div class=\"cards\">\n", f);
	for (size_t i = 0; i < ncards; i++)
		report_card(f, P, i, P->dir);
	fputs("</div>\n</section>\n", f);
}

/* --output-dir: every colleague, ranked, each linked to their page. */
static void report_everyone(FILE *f, const struct report *P)
{
	const struct report_in *in = P->in;
	fprintf(f, "<section id=\"everyone\">\n<h2>Every colleague</h2>\n"
	        "<table class=\"board\">\n<tr><th>rank</th><th>colleague</th>"
	        "<th>%s</th><th>clicks</th></tr>\n", report_unit(in));
	for (size_t i = 0; i < in->nrows; i++) {
		const struct report_row *r = &in->rows[i];
		char rank[24] = "-";
		if (r->rank)
			snprintf(rank, sizeof rank, "%lu", r->rank);
		fprintf(f, "<tr><td class=\"n\">%s</td><td>", rank);
		if (*report_page_name(r)) {
			fputs("<a href=\"staff/", f);
			report_esc(f, report_page_name(r));
			fputs(".html\">", f);
			report_esc(f, report_label(r));
			fputs("</a>", f);
		} else {
			report_esc(f, report_label(r));
		}
		fprintf(f, "</td><td class=\"n\">%s%" PRIu64 "</td><td class="
		        "\"n\">%" PRIu64 "</td></tr>\n", r->estimated ? "~" : "",
		        r->visitors, r->clicks);
	}
	fputs("</table>\n</section>\n", f);
}

static void report_foot(FILE *f)
{
	fputs("<footer><p>Made by reach from the click logs; no visitor's "
	      "address is shown or stored here.</p></footer>\n"
	      "</body>\n</html>\n", f);
}

/* The report's page (the index under --output-dir).  0, or -1 out of
 * memory. */
static int report_index(FILE *f, struct report *P)
{
	const struct report_in *in = P->in;
	report_head(f, in, NULL);
	report_leaderboard(f, in);
	report_daily(f, P);
	if ((in->nm && (report_teams_section(f, P) < 0 ||
	                report_campaigns_section(f, P) < 0)) ||
	    report_spread(f, P) < 0)
		return -1;
	report_cards(f, P);
	if (P->dir)
		report_everyone(f, P);
	report_foot(f);
	return 0;
}

/* Row i's page of their own: the header and their card. */
static void report_person(FILE *f, const struct report *P, size_t i)
{
	report_head(f, P->in, &P->in->rows[i]);
	fputs("<section id=\"colleagues\">\n<div class=\"cards\">\n", f);
	report_card(f, P, i, 0);
	fputs("</div>\n</section>\n", f);
	report_foot(f);
}

int report_html(FILE *f, const struct report_in *in)
{
	struct report P;
	int ret = report_prepare(&P, in);
	if (ret == 0 && (ret = report_index(f, &P)) < 0)
		out_err("out of memory");
	report_release(&P);
	return ret;
}

/* path, written whole: the index (i == SIZE_MAX) or row i's page.  0,
 * or -1 after reporting. */
static int report_write(const char *path, struct report *P, size_t i)
{
	struct wholefile w = { 0 };
	int rc = wholefile_open(&w, path, 0666);
	if (rc < 0) {
		out_err("%s: %s", path, strerror(-rc));
		return -1;
	}
	if (i == SIZE_MAX) {
		if (report_index(w.f, P) < 0) {
			out_err("out of memory");
			wholefile_abort(&w);
			return -1;
		}
	} else {
		report_person(w.f, P, i);
	}
	if (fflush(w.f) != 0 || ferror(w.f)) {
		out_err("%s: %s", path, strerror(errno));
		wholefile_abort(&w);
		return -1;
	}
	if ((rc = wholefile_commit(&w)) < 0) {
		out_err("%s: %s", path, strerror(-rc));
		return -1;
	}
	return 0;
}

int report_html_dir(const char *dir, const struct report_in *in)
{
	struct report P;
	size_t n = strlen(dir) + sizeof "/staff/.html" + REPORT_NAME_MAX;
	char *path = NULL;
	int ret = report_prepare(&P, in);
	P.dir = 1;
	if (ret == 0 && !(path = malloc(n))) {
		out_err("out of memory");
		ret = -1;
	}
	if (ret == 0) {
		/* The colleagues' pages first, the index that links them
		 * last: a reader of the index finds every page there. */
		snprintf(path, n, "%s/staff", dir);
		if (mkdir(path, 0777) < 0 && errno != EEXIST) {
			out_err("%s: %s", path, strerror(errno));
			ret = -1;
		}
	}
	for (size_t i = 0; ret == 0 && i < in->nrows; i++) {
		const char *name = report_page_name(&in->rows[i]);
		if (!*name || strlen(name) > REPORT_NAME_MAX)
			continue;
		snprintf(path, n, "%s/staff/%s.html", dir, name);
		ret = report_write(path, &P, i);
	}
	if (ret == 0) {
		snprintf(path, n, "%s/index.html", dir);
		ret = report_write(path, &P, SIZE_MAX);
	}
	free(path);
	report_release(&P);
	return ret;
}
