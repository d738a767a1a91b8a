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
#include "report_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "advice.h"
#include "cards.h"
#include "convfile.h"
#include "clickrec.h"
#include "countries.h"
#include "out.h"
#include "u64map.h"
#include "wholefile.h"

#define REPORT_NAME_MAX 64          /* a handle (linkctl's rule) */

/* ------------------------------------------- teams and campaigns */

#define REPORT_CAMPAIGN_COLLEAGUES 10   /* colleagues listed per campaign */

/* A line of a team's, campaign's or campaign colleague's table. */
struct report_line {
	const char *name;
	uint64_t key;           /* team number, campaign or staff id */
	uint64_t visitors, clicks;
	uint64_t colleagues;
	unsigned long rank;
};

static int report_cmp_lines(const void *a, const void *b)
{
	const struct report_line *x = a, *y = b;
	if (x->visitors != y->visitors)
		return x->visitors > y->visitors ? -1 : 1;
	if (x->clicks != y->clicks)
		return x->clicks > y->clicks ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Sort and rank as the leaderboard does (rank.h: equal visitors and
 * clicks share a rank, the next one skips). */
static void report_rank_lines(struct report_line *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, report_cmp_lines);
	for (size_t i = 0; i < n; i++)
		v[i].rank = i && v[i].visitors == v[i - 1].visitors &&
		                    v[i].clicks == v[i - 1].clicks
		            ? v[i - 1].rank : i + 1;
}

static void report_lines(FILE *f, const struct report_line *v, size_t n,
                         const char *what, const char *count)
{
	fprintf(f, "<table class=\"board\">\n<tr><th>rank</th><th>%s</th>"
	        "<th>visitors</th><th>clicks</th>", what);
	if (count)
		fprintf(f, "<th>%s</th>", count);
	fputs("</tr>\n", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "<tr><td class=\"n\">%lu</td><td>", v[i].rank);
		report_esc(f, v[i].name);
		fprintf(f, "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%"
		        PRIu64 "</td>", v[i].visitors, v[i].clicks);
		if (count)
			fprintf(f, "<td class=\"n\">%" PRIu64 "</td>",
			        v[i].colleagues);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

static uint64_t report_get(const struct u64map *m, uint64_t key)
{
	const uint64_t *v = u64map_find(m, key);
	return v ? *v : 0;
}

/* The teams' leaderboard: every team with a colleague the filters let
 * through, or with clicks; "(no team)" for colleagues without one. */
static int report_teams_section(FILE *f, const struct report *P)
{
	const struct names *nm = P->in->nm;
	size_t nt = nm->nteams + 1, n = 0;
	struct report_line *v = calloc(nt, sizeof *v);
	if (!v)
		return -1;
	for (size_t t = 0; t < nt; t++)
		v[t].key = t;
	for (size_t i = 0; i < nm->nstaff; i++) {
		uint32_t id = nm->staff[i].id;
		if (nm->fstaff && (id >= nm->nfstaff || !nm->fstaff[id]))
			continue;
		v[id < nm->nteam_of ? nm->team_of[id] : 0].colleagues++;
	}
	for (size_t t = 0; t < nt; t++) {
		if (!v[t].colleagues && !P->team[t][0])
			continue;
		v[n] = v[t];
		v[n].name = t ? nm->teams[t - 1] : "(no team)";
		v[n].clicks = P->team[t][0];
		v[n].visitors = P->team[t][1];
		n++;
	}
	report_rank_lines(v, n);
	fputs("<section id=\"teams\">\n<h2>Teams</h2>\n<p>Unique visitors "
	      "of each team's colleagues together (one person reached by two "
	      "colleagues of a team counts once).</p>\n", f);
	report_lines(f, v, n, "team", "colleagues");
	fputs("</section>\n", f);
	free(v);
	return 0;
}

/* One campaign's colleagues with clicks, the leading ones.  Returns 0,
 * or -1 out of memory. */
static int report_campaign_people(FILE *f, const struct report *P,
                                  const struct report_line *camp)
{
	const struct names *nm = P->in->nm;
	size_t n = 0;
	struct report_line *v = malloc((P->pair_clicks.n ? P->pair_clicks.n : 1)
	                               * sizeof *v);
	if (!v)
		return -1;
	for (size_t i = 0; i < P->pair_clicks.n; i++) {
		uint64_t pair = P->pair_clicks.key[i];
		if (pair >> 32 != camp->key)
			continue;
		const struct names_entry *e = names_find(nm->staff, nm->nstaff,
		                                         (uint32_t)pair);
		v[n++] = (struct report_line){
			.name = !e ? "(not in the store)"
			        : e->name[0] ? e->name : e->key,
			.key = (uint32_t)pair, .clicks = P->pair_clicks.val[i],
			.visitors = report_get(&P->pair_vis, pair),
		};
	}
	report_rank_lines(v, n);
	fprintf(f, "<section class=\"campaign\" data-campaign=\"%" PRIu64
	        "\">\n<h3>", camp->key);
	report_esc(f, camp->name);
	fputs("</h3>\n", f);
	size_t shown = n < REPORT_CAMPAIGN_COLLEAGUES ? n
	               : REPORT_CAMPAIGN_COLLEAGUES;
	/* Never cut a tie: all of the last rank shown. */
	while (shown < n && v[shown].rank == v[shown - 1].rank)
		shown++;
	report_lines(f, v, shown, "colleague", NULL);
	if (shown < n)
		fprintf(f, "<p class=\"more\">and %zu more colleague%s with "
		        "clicks.</p>\n", n - shown, n - shown == 1 ? "" : "s");
	fputs("</section>\n", f);
	free(v);
	return 0;
}

/* The campaigns' leaderboard (every campaign the filters let through,
 * and "(no campaign)" for links minted without one when they have
 * clicks), then each campaign's leading colleagues. */
static int report_campaigns_section(FILE *f, const struct report *P)
{
	const struct names *nm = P->in->nm;
	size_t n = 0;
	struct report_line *v = calloc(nm->ncamps + 1, sizeof *v);
	if (!v)
		return -1;
	for (size_t i = 0; i < nm->ncamps; i++) {
		uint32_t id = nm->camps[i].id;
		if (nm->fcamp && (id >= nm->nfcamp || !nm->fcamp[id]))
			continue;
		v[n++] = (struct report_line){ .name = nm->camps[i].key, .key = id };
	}
	if (report_get(&P->camp_clicks, 0))
		v[n++] = (struct report_line){ .name = "(no campaign)", .key = 0 };
	for (size_t i = 0; i < n; i++) {
		v[i].clicks = report_get(&P->camp_clicks, v[i].key);
		v[i].visitors = report_get(&P->camp_vis, v[i].key);
		for (size_t k = 0; k < P->pair_clicks.n; k++)
			v[i].colleagues += P->pair_clicks.key[k] >> 32 == v[i].key;
	}
	report_rank_lines(v, n);
	fputs("<section id=\"campaigns\">\n<h2>Campaigns</h2>\n<p>Unique "
	      "visitors of each campaign's links, and how many colleagues' "
	      "links drew clicks.</p>\n", f);
	report_lines(f, v, n, "campaign", "colleagues");
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (v[i].clicks)
			rc = report_campaign_people(f, P, &v[i]);
	fputs("</section>\n", f);
	free(v);
	return rc;
}

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
