/*
 * output: the report's destination and format (see output.h).
 */
#include "output.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "csv.h"
#include "json.h"
#include "out.h"
#include "report.h"
#include "table.h"

/* The HTML report (report.c) over the leaderboard's rows.  Returns 0 or
 * -1 after reporting. */
static int output_html(FILE *f, const struct opts *o, const struct board *b,
                       struct count *C, const struct names *nm,
                       const struct files *F)
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
			.internal = r->internal, .estimated = r->estimated,
			.top_country = r->top_country,
			.top_platform = r->top_platform,
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
		.fstaff = nm->fstaff, .fcamp = nm->fcamp,
		.nfstaff = nm->nfstaff, .nfcamp = nm->nfcamp,
		.include_internal = C->include_internal, .zone = &C->zone,
		.zone_name = o->tz ? o->tz : "UTC", .db = o->db,
		.now_us = (uint64_t)now.tv_sec * 1000000u +
		          (uint64_t)now.tv_nsec / 1000u,
		.unshared_days = o->unshared_days,
		.records = b->records, .segments = b->segments,
	};
	ret = report_html(f, &in);
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

/* A temporary file next to path for the report.  Returns the stream with
 * *tmp its name (malloc'd), or NULL after reporting. */
static FILE *output_open(const char *path, char **tmp)
{
	size_t len = strlen(path) + 16;
	int fd = -1;
	FILE *f = NULL;
	if ((*tmp = malloc(len)))
		snprintf(*tmp, len, "%s.tmpXXXXXX", path);
	if (!*tmp || (fd = mkstemp(*tmp)) < 0 || !(f = fdopen(fd, "w"))) {
		out_err("%s: %s", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(*tmp);
		}
		free(*tmp);
		*tmp = NULL;
		return NULL;
	}
	fchmod(fd, 0644);
	return f;
}

int output_write(const struct opts *o, const struct board *b, struct count *C,
                 const struct names *nm, const struct files *F)
{
	char *tmp = NULL;
	FILE *out = stdout;
	int ret = -1;
	if (o->output && !(out = output_open(o->output, &tmp)))
		return -1;
	if (o->format == OPTS_TABLE)
		table_write(out, b);
	else if (o->format == OPTS_CSV)
		csv_write(out, b);
	else if (o->format == OPTS_JSON)
		json_write(out, b);
	else if (output_html(out, o, b, C, nm, F) < 0)
		goto done;
	if (fflush(out) != 0 || ferror(out)) {
		out_err("writing the report: %s", strerror(errno));
		goto done;
	}
	if (tmp) {
		int bad = fclose(out) != 0;
		out = stdout;
		if (bad || rename(tmp, o->output) < 0) {
			out_err("%s: %s", o->output, strerror(errno));
			goto done;
		}
		free(tmp);
		tmp = NULL;
	}
	output_note_estimates(b);
	ret = 0;
done:
	if (tmp) {
		if (out != stdout)
			fclose(out);
		unlink(tmp);
		free(tmp);
	}
	return ret;
}
