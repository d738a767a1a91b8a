/*
 * report_markup: what every part of the report's pages writes with: text
 * escaped, a colleague's name, the unit of the visitors figures, and the
 * page's head and header (period, zone, filters, damaged records).
 *
 * Every name on the page comes from the store, which anyone allowed to
 * add a colleague writes: all text goes through report_esc, in element
 * content and in quoted attributes alike, so a colleague called
 * <script>alert(1)</script> is shown as such and runs nothing.  The page
 * has no script at all and no external resource.
 */
#include "report_int.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "utf8.h"

/* Text for element content or a quoted attribute.  Control characters
 * (utf8.h: C0, C1, the line separators, the bidirectional overrides of a
 * name from a store older than linkctl's check) become U+FFFD: they have
 * no place on the page, and an override would reorder what follows it. */
void report_esc(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0, n = strlen(s), k; i < n; i += k) {
		if ((k = utf8_control(p + i, n - i))) {
			fputs("&#xfffd;", f);
			continue;
		}
		k = 1;
		switch (p[i]) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: putc(p[i], f);
		}
	}
}

const char *report_label(const struct report_row *r)
{
	return r->name && r->name[0] ? r->name : r->handle;
}

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

/* A time of the window as the reader's clock shows it: local date and
 * time in the report's zone ("2026-03-30 00:00"). */
static void report_local_time(const struct report_in *in, uint64_t us,
                              char out[20])
{
	int64_t t = (int64_t)(us / 1000000u) +
	            when_offset(in->zone, us) / 1000000;
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 20, "%Y-%m-%d %H:%M", &tm);
}

/* "Only: team comms; campaign spring, autumn; colleagues ana." as the
 * filters were given, so a page passed on says what it leaves out. */
static void report_filters(FILE *f, const struct names_filter_args *fa)
{
	if (!fa || (!fa->nstaff && !fa->nteam && !fa->ncampaign))
		return;
	const struct {
		const char *what;
		const char *const *v;
		size_t n;
	} list[] = {
		{ "team", fa->team, fa->nteam },
		{ "campaign", fa->campaign, fa->ncampaign },
		{ "colleague", fa->staff, fa->nstaff },
	};
	fputs("<p class=\"filters\">Only ", f);
	int first = 1;
	for (size_t k = 0; k < 3; k++) {
		if (!list[k].n)
			continue;
		fprintf(f, "%s%s ", first ? "" : "; ", list[k].what);
		for (size_t i = 0; i < list[k].n; i++) {
			fputs(i ? ", " : "", f);
			report_esc(f, list[k].v[i]);
		}
		first = 0;
	}
	fputs(".</p>\n", f);
}

/* What the visitors figures count: "visitors" or "visitor-days"... */
const char *report_unit(const struct report_in *in)
{
	return in->visitor_unit ? in->visitor_unit : "visitors";
}

/* The page's head and header; who: the colleague of a page of their own
 * (NULL: the report's index). */
void report_head(FILE *f, const struct report_in *in,
                 const struct report_row *who)
{
	char a[20], b[20];
	fputs("<!doctype html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, "
	      "initial-scale=1\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\""
	      "default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n"
	      "<title>", f);
	if (who) {
		fputs("Reach: ", f);
		report_esc(f, report_label(who));
	} else {
		fputs("Reach: who reached how many people", f);
	}
	fputs("</title>\n"
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
	      "</style>\n</head>\n<body>\n<header>\n", f);
	if (who) {
		fputs("<p class=\"up\"><a href=\"../index.html\">All colleagues"
		      "</a></p>\n<h1>", f);
		report_esc(f, report_label(who));
		fputs("</h1>\n", f);
	} else {
		fputs("<h1>Reach</h1>\n", f);
	}
	fputs("<p class=\"period\">", f);
	if (in->since)
		report_local_time(in, in->since, a);
	if (in->until != UINT64_MAX)
		report_local_time(in, in->until, b);
	if (in->since && in->until != UINT64_MAX)
		fprintf(f, "Clicks from %s until %s", a, b);
	else if (in->since)
		fprintf(f, "Clicks from %s", a);
	else if (in->until != UINT64_MAX)
		fprintf(f, "Clicks until %s", b);
	else
		fputs("All clicks in the logs", f);
	fputs(" (", f);
	report_esc(f, in->zone_name);
	fputs(" time; days and hours in it too).  ", f);
	fprintf(f, "%" PRIu64 " records from %zu segments.</p>\n",
	        in->records, in->segments);
	/* A person is one visitor per visitor-key period (visitor_period):
	 * over several, the figures count them once per period. */
	if (strcmp(report_unit(in), "visitors") != 0)
		fprintf(f, "<p class=\"visitor-unit\">Visitors here are %s: "
		        "a person who clicked on several %ss counts once per "
		        "%s.</p>\n", report_unit(in), in->visitor_period,
		        in->visitor_period);
	report_filters(f, in->filters);
	report_damage(f, in->damage);
	fputs("</header>\n", f);
}
