/*
 * reach: turns click-log segments into a leaderboard of who reached how
 * many people.  This file is the program's order of work and nothing
 * else: parse the options (opts.c), load the names and filters from the
 * store (names.c), find the segments (files.c), read and count them
 * (scan.c, count.c), rank the groups (rank.c), write the leaderboard
 * (output.c: table.c, csv.c, json.c, or report.c's HTML).  `reach export`
 * and `reach ship` are commands of their own (export.c, ship.c).
 *
 *   reach [--db DIR] [--by GROUPING] [--rank visitors|clicks]
 *         [--format table|csv|json|html] [--output FILE]
 *         [--include-internal] [--unshared-days N]
 *         [--since TIME] [--until TIME] [--last SPAN] [--tz ZONE]
 *         [--staff H,...] [--team T,...] [--campaign C,...]
 *         [--exact-limit N] [--visitor-memory MIB] [--skip-damaged]
 *         [--any-store] [--compare previous|SPAN] [--min-visitors N]
 *         [--repeat-limit N] [--ties shared|earliest]
 *         [--conversions FILE]... [--event NAME,...]
 *         [--conversion-window SPAN] PATH...
 *   reach export [--db DIR] [--format ndjson|csv] [--skip-damaged] PATH...
 *   reach ship --clickhouse URL --table NAME [--db DIR] [--state FILE]
 *              [--batch N] [--skip-damaged] PATH...
 *
 * The byte layout of the records belongs to clickrec, and so do the
 * checksum and the verdict on a bad record, torn tail or corruption.
 *
 * Exit status: 0 (also with a torn tail, which is warned about), 1 for an
 * error (unreadable, bad or corrupt segment, store problem: no report is
 * printed, a partial leaderboard would be wrong without saying so), 2 for a
 * usage error, 3 when --skip-damaged skipped corrupt records (the report
 * is written and names them; its figures leave them out).
 */
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "count.h"
#include "damage.h"
#include "export.h"
#include "files.h"
#include "names.h"
#include "opts.h"
#include "out.h"
#include "output.h"
#include "rank.h"
#include "scan.h"
#include "ship.h"
#include "storecheck.h"

/* Names first: a store problem should fail before minutes of reading.
 * Countries, platforms, days and hours have no names in the store, but
 * the filters need it.  Returns 0, or -1 after reporting. */
static int reach_names(const struct opts *o, struct names *nm)
{
	const struct names_filter_args *fa = &o->filters;
	int filters = fa->nstaff || fa->nteam || fa->ncampaign;
	int store = o->db && *o->db;
	/* Conversions by handle need the colleagues under any --by. */
	if ((GROUPING_PEOPLE(o->by) || filters || o->nconv_files) && store &&
	    names_load(nm, o->db, o->db_explicit || filters) < 0)
		return -1;
	if (filters && !store) {
		out_err("--staff, --team and --campaign need the store "
		        "(--db DIR, $REDIRECTD_DB or db in -c FILE)");
		return -1;
	}
	return filters ? names_filters(nm, fa) : 0;
}

/* --conversions: every file read before the scan (a malformed row stops
 * the run before minutes of reading).  Returns 0, or -1 after
 * reporting. */
static int reach_conversions(const struct opts *o, const struct names *nm,
                             struct conv *v)
{
	char err[1024];
	v->window = o->conv_window;
	v->events = o->events;
	v->nevents = o->nevents;
	v->local = o->local;
	for (size_t i = 0; i < o->nconv_files; i++) {
		int rc = conv_load(v, o->conv_files[i], nm, err, sizeof err);
		if (rc == -2)
			out_err("%s: out of memory", o->conv_files[i]);
		else if (rc < 0 && *err)
			out_err("%s", err);
		if (rc < 0)
			return -1;
	}
	if (conv_ready(v) < 0) {
		out_err("out of memory");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct names nm = { 0 };
	struct files F = { 0 };
	struct scan S = { 0 };
	struct count C = { 0 }, P = { 0 };
	struct repeats R = { 0 };
	struct u64map T = { 0 }, PT = { 0 };
	struct board b = { 0 };
	struct damage D = { 0 };
	struct storecheck K = { 0 };
	struct conv V = { 0 };
	int ret = 1, errors = 0;

	out_prog = "reach";
	if (argc > 1 && strcmp(argv[1], "export") == 0)
		return export_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "ship") == 0)
		return ship_main(argc - 1, argv + 1);
	int rc = opts_parse(&o, argc, argv);
	if (rc != OPTS_RUN) {
		opts_free(&o);
		return rc;
	}
	if (reach_names(&o, &nm) < 0 ||
	    storecheck_open(&K, o.db, o.any_store) < 0 ||
	    (o.nconv_files && reach_conversions(&o, &nm, &V) < 0))
		goto cleanup;

	C.by = o.by;
	C.include_internal = o.include_internal;
	C.since = o.since;
	C.until = o.until;
	C.zone.local = o.local;
	C.nm = &nm;
	if (o.repeat_limit)
		C.repeats = &R;
	if (o.ties_earliest)
		C.reached = &T;
	if (o.compare) {
		/* --compare: the earlier window's counters, filled in the
		 * same pass (count.h); the visitor memory is each one's. */
		P = C;
		P.repeats = NULL;
		P.reached = o.ties_earliest ? &PT : NULL;
		P.since = o.prev_since;
		P.until = o.prev_until;
		C.prev = &P;
		if (count_init(&P, o.exact_limit, o.vis_limit) < 0) {
			out_err("out of memory");
			goto cleanup;
		}
	}
	if (o.nconv_files)
		C.conv = &V;    /* after P = C: the earlier window has none */
	if (count_init(&C, o.exact_limit, o.vis_limit) < 0 ||
	    scan_init(&S) < 0) {
		out_err("out of memory");
		goto cleanup;
	}
	if (o.skip_damaged)
		S.damage = &D;
	S.check = &K;
	for (int i = 0; i < o.npaths; i++)
		errors += files_walk(&F, o.paths[i]);
	files_dedup(&F);
	errors += scan_files(&S, &C, &F);
	if (errors)
		goto cleanup;
	if (C.conv && (rc = conv_credit(&V, &C)) < 0) {
		out_err(rc == -2 ? "the conversions' values add up past "
		                   "9223372036854.775807: not counted"
		                 : "out of memory");
		goto cleanup;
	}

	struct rank_rules rr = {
		.by = (enum rank_by)o.rank_by, .min_visitors = o.min_visitors,
		.repeat_limit = o.repeat_limit, .ties_earliest = o.ties_earliest,
	};
	if (rank_board_rules(&C, &nm, &rr, &b) < 0) {
		out_err("out of memory");
		goto cleanup;
	}
	b.segments = S.segments;
	if (output_write(&o, &b, &C, &nm, &F, &D) < 0)
		goto cleanup;
	output_note_nothing(&o, &b, S.read);
	if (C.conv)
		conv_warn(&V);
	damage_warn(&D, "counted");
	ret = D.records ? DAMAGE_EXIT : 0;
cleanup:
	damage_free(&D);
	free(b.rows);
	count_free(&C);
	count_free(&P);
	repeats_free(&R);
	u64map_free(&T);
	u64map_free(&PT);
	conv_free(&V);
	scan_free(&S);
	files_free(&F);
	names_free(&nm);
	opts_free(&o);
	return ret;
}
