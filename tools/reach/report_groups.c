/*
 * report_groups: the report's teams and campaigns sections, leaderboards
 * of groups by the rules of reach --by team, --by campaign and --by
 * staff,campaign (distinct visitors within each, counted by the second
 * pass: report_pass.c), and each campaign's leading colleagues.
 */
#include "report_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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
int report_teams_section(FILE *f, const struct report *P)
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
int report_campaigns_section(FILE *f, const struct report *P)
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
