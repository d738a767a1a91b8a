/*
 * output: the report's destination and format (see output.h).
 */
#include "output.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clickrec.h"
#include "csvout.h"
#include "jsonout.h"
#include "out.h"
#include "report.h"
#include "table.h"
#include "visitor.h"
#include "wholefile.h"

/* The HTML report (report.c) over the leaderboard's rows.  Returns 0 or
 * -1 after reporting. */
static int output_html(FILE *f, const struct opts *o, const struct board *b,
                       struct count *C, const struct names *nm,
                       const struct files *F, const struct damage *D)
{
	struct report_row *rr = calloc(b->n ? b->n : 1, sizeof *rr);
	char **files = calloc(F->n ? F->n : 1, sizeof *files);
	struct timespec now;
	int ret = -1;
	if (!rr || !files) {
		out_err("out of memory");
		goto done;
	}
	for (size_t i = 0; i < b->n; i++) {
		const struct row *r = &b->rows[i];
		rr[i] = (struct report_row){
			.id = r->id, .handle = rank_key(r), .name = r->name,
			.team = r->team, .rank = r->rank, .clicks = r->clicks,
			.visitors = r->visitors, .bots = r->bots,
			.previews = r->previews,
			.internal = r->internal, .estimated = r->estimated,
			.top_country = r->top_country,
			.top_platform = r->top_platform,
			.prev_visitors = r->prev_visitors,
			.prev_rank = r->prev_rank, .change = r->change,
			.rank_change = rank_moved(r) ? r->rank_change : 0,
			.conversions = r->conversions,
			.conv_value = r->conv_value,
		};
	}
	size_t nf = 0;
	for (size_t i = 0; i < F->n; i++)
		if (!F->v[i].dup)
			files[nf++] = F->v[i].path;
	clock_gettime(CLOCK_REALTIME, &now);
	struct report_in in = {
		.rows = rr, .nrows = b->n, .files = files, .nfiles = nf,
		.since = C->since, .until = C->until,
		.compare = b->compare, .prev_since = o->prev_since,
		.prev_until = o->prev_until,
		.fstaff = nm->fstaff, .fcamp = nm->fcamp,
		.nfstaff = nm->nfstaff, .nfcamp = nm->nfcamp,
		.include_internal = C->include_internal, .zone = &C->zone,
		.zone_name = o->tz ? o->tz : "UTC", .db = o->db,
		.now_us = (uint64_t)now.tv_sec * 1000000u +
		          (uint64_t)now.tv_nsec / 1000u,
		.unshared_days = o->unshared_days,
		.records = b->records, .segments = b->segments,
		.damage = o->skip_damaged ? D : NULL,
		.nm = nm, .filters = &o->filters,
		.visitor_unit = rank_visitor_unit(b),
		.visitor_period = visitor_period_name(b->visitor_period),
		.conv = C->conv,
	};
	ret = o->output_dir ? report_html_dir(o->output_dir, &in)
	                    : report_html(f, &in);
done:
	free(rr);
	free(files);
	return ret;
}

/* After the report: which figures are estimates, where scripts reading
 * CSV (which has no room for a mark) and people will see it. */
static void output_note_estimates(const struct board *b)
{
	size_t est = 0;
	for (size_t i = 0; i < b->n; i++)
		est += (size_t)b->rows[i].estimated;
	if (est)
		out_err("note: visitors of %zu of %zu %s are estimates "
		        "(HyperLogLog, standard error 0.81%%), past "
		        "--exact-limit or --visitor-memory", est, b->n,
		        grouping_plural(b->by));
}

/* What the visitors figures count, when it is not simply visitors: a
 * person is one visitor per key period, so over several periods the
 * figures are visitor-days (-weeks, -months), as the table and the report
 * say; CSV, which keeps its column name for scripts, has only this. */
static void output_note_visitors(const struct board *b)
{
	const char *unit = rank_visitor_unit(b);
	if (strcmp(unit, "visitors") == 0)
		return;
	const char *p = visitor_period_name(b->visitor_period);
	if (b->visitor_periods & (b->visitor_periods - 1))
		out_err("note: visitors are %s: the segments counted mix "
		        "visitor periods, the shortest a %s, and a person "
		        "has one visitor id per period (visitor_period, "
		        "redirectd.conf(5))", unit, p);
	else
		out_err("note: visitors are %s: the clicks counted span "
		        "more than one %s, and a person has one visitor id "
		        "per %s (visitor_period, redirectd.conf(5))", unit, p, p);
}

int output_write(const struct opts *o, const struct board *b, struct count *C,
                 const struct names *nm, const struct files *F,
                 const struct damage *D)
{
	struct wholefile w = { 0 };
	FILE *out = stdout;
	int rc;
	if (o->output_dir) {
		/* Made if missing (under the umask); the pages are written
		 * whole into it, one by one. */
		if (mkdir(o->output_dir, 0777) < 0 && errno != EEXIST) {
			out_err("%s: %s", o->output_dir, strerror(errno));
			return -1;
		}
		if (output_html(NULL, o, b, C, nm, F, D) < 0)
			return -1;
		output_note_estimates(b);
		output_note_visitors(b);
		return 0;
	}
	if (o->output) {
		/* 0666 under the umask, as any program makes a file: a
		 * report names colleagues; the umask decides who reads it. */
		if ((rc = wholefile_open(&w, o->output, 0666)) < 0) {
			out_err("%s: %s", o->output, strerror(-rc));
			return -1;
		}
		out = w.f;
	}
	if (o->format == OPTS_TABLE)
		table_write(out, b);
	else if (o->format == OPTS_CSV)
		csvout_write(out, b, o->csv_raw ? OUT_CSV_RAW : OUT_CSV_SAFE);
	else if (o->format == OPTS_JSON)
		jsonout_write(out, b);
	else if (output_html(out, o, b, C, nm, F, D) < 0)
		goto fail;
	if (fflush(out) != 0 || ferror(out)) {
		out_err("writing the report: %s", strerror(errno));
		goto fail;
	}
	if (o->output && (rc = wholefile_commit(&w)) < 0) {
		out_err("%s: %s", o->output, strerror(-rc));
		return -1;
	}
	output_note_estimates(b);
	output_note_visitors(b);
	return 0;
fail:
	wholefile_abort(&w);
	return -1;
}

void output_note_nothing(const struct opts *o, const struct board *b,
                         uint64_t read)
{
	const struct names_filter_args *fa = &o->filters;
	char a[21], z[21];
	if (b->records)
		return;
	if (!b->segments) {
		out_err("note: no records read: no click-log segments (*"
		        CLICKREC_SUFFIX ") in the paths given");
		return;
	}
	if (!read) {
		out_err("note: no records read: the %zu segment%s hold%s none",
		        b->segments, b->segments == 1 ? "" : "s",
		        b->segments == 1 ? "s" : "");
		return;
	}
	char w[80] = "";
	if (o->since)
		out_time_iso(o->since, a);
	if (o->until != UINT64_MAX)
		out_time_iso(o->until, z);
	if (o->since && o->until != UINT64_MAX)
		snprintf(w, sizeof w, "from %s until %s", a, z);
	else if (o->since)
		snprintf(w, sizeof w, "at or after %s", a);
	else if (o->until != UINT64_MAX)
		snprintf(w, sizeof w, "before %s", z);
	int filters = fa->nstaff || fa->nteam || fa->ncampaign;
	out_err("note: no records counted: none of the %" PRIu64 " records "
	        "read is %s%s%s", read, w, *w && filters ? " and " : "",
	        filters ? "of --staff, --team or --campaign" : "");
}
