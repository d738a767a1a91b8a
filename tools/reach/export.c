/*
 * export: `reach export [--db DIR] [--format ndjson|csv] PATH...` writes
 * every record of the segments (files, or directories searched for *.clk
 * in name order) in file order, decoded by clickrec and with ids resolved
 * through the store: one JSON object per line, or CSV with a header.  It
 * owns the columns and their spelling; the record layout and the verdict
 * on a bad record are clickrec's, and the names the store's.
 *
 * Columns: time (ISO 8601 UTC, whole seconds), time_us (microseconds
 * since the epoch), node (the segment's), link_id, code, staff (handle),
 * name, team, campaign, class, platform, country (ISO code, empty when
 * unknown), referrer (the referrer's host), visitor (16 hex digits, empty
 * when unknown), status, internal and head (the record's flags), and ip
 * (the client address ip_log kept, with its prefix when cut; empty when
 * the record carries none: last, so scripts reading the columns before
 * it by position go on working), and click (the click id the redirect
 * handed the target, 16 characters, empty when it carried none: after ip
 * for the same reason).  An id
 * the store does not know leaves its names empty; link_id keeps it.
 *
 * A torn tail is warned about and the records before it are written; a
 * corrupt record stops the export with an error naming file and offset
 * (exit 1, after the records before it).  With --skip-damaged a corrupt
 * record is skipped instead, the export goes on after it, and what was
 * skipped is told on stderr (damage.h) with exit status 3.
 */
#include "export.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clickrec.h"
#include "countries.h"
#include "damage.h"
#include "opts.h"
#include "out.h"
#include "conf.h"
#include "names.h"
#include "resolve.h"
#include "segwalk.h"
#include "storecheck.h"

struct export {
	int csv;
	enum out_csv csv_mode;      /* --csv-raw: OUT_CSV_RAW */
	FILE *out;
	struct resolve names;       /* without a store: ids only */
	int errors;
	uint64_t records;
	struct damage damage;
	int skip_damaged;           /* --skip-damaged */
	struct storecheck check;    /* segments of another store refused */
};

/* A text field; raw: a CSV cell as it is whatever --csv-raw says. */
static void export_text(struct export *E, const char *name, const char *s,
                        size_t len, int first, int raw)
{
	if (E->csv) {
		if (!first)
			putc(',', E->out);
		out_csv_text(E->out, s, len, raw ? OUT_CSV_RAW : E->csv_mode);
	} else {
		fprintf(E->out, "%s\"%s\": ", first ? "{" : ", ", name);
		out_json_str(E->out, s, len);
	}
}

static void export_field(struct export *E, const char *name, const char *s,
                         size_t len, int first)
{
	export_text(E, name, s, len, first, 0);
}

static void export_num(struct export *E, const char *name, uint64_t v)
{
	if (E->csv)
		fprintf(E->out, ",%" PRIu64, v);
	else
		fprintf(E->out, ", \"%s\": %" PRIu64, name, v);
}

static void export_bool(struct export *E, const char *name, int v)
{
	if (E->csv)
		fprintf(E->out, ",%s", v ? "true" : "false");
	else
		fprintf(E->out, ", \"%s\": %s", name, v ? "true" : "false");
}

static void export_record(struct export *E, const struct click *c,
                          const struct clickrec_header *h)
{
	const struct resolve *N = &E->names;
	const char *node = h->node;
	char iso[21], cc[8], vis[17] = "", ip[RESOLVE_IP_MAX];
	char id[RESOLVE_CLICKID_MAX];
	size_t idlen = resolve_clickid(h, c, id);
	resolve_click(&E->names, c);
	out_time_iso(c->time_us, iso);
	countries_field(c->country, cc);
	if (c->visitor)
		snprintf(vis, sizeof vis, "%016" PRIx64, c->visitor);
	resolve_ip(c, ip);
	export_field(E, "time", iso, strlen(iso), 1);
	export_num(E, "time_us", c->time_us);
	export_field(E, "node", node, strlen(node), 0);
	export_num(E, "link_id", c->link_id);
	export_field(E, "code", N->code.s, N->code.len, 0);
	export_field(E, "staff", N->handle.s, N->handle.len, 0);
	export_field(E, "name", N->name.s, N->name.len, 0);
	export_field(E, "team", N->team.s, N->team.len, 0);
	export_field(E, "campaign", N->campaign.s, N->campaign.len, 0);
	const char *cls = clickrec_class_name(c->class);
	const char *plat = clickrec_platform_name(c->platform);
	export_field(E, "class", cls, strlen(cls), 0);
	export_field(E, "platform", plat, strlen(plat), 0);
	export_field(E, "country", cc, strlen(cc), 0);
	export_field(E, "referrer", c->refhost, c->refhost_len, 0);
	export_field(E, "visitor", vis, strlen(vis), 0);
	export_num(E, "status", c->status);
	export_bool(E, "internal", c->flags & CLICK_F_INTERNAL);
	export_bool(E, "head", c->flags & CLICK_F_HEAD);
	export_field(E, "ip", ip, strlen(ip), 0);
	/* As it is: an id may start with '-', which the formula guard would
	 * prefix with a ' and so break every join on it; it is our hash's
	 * base64url, never text a visitor chose. */
	export_text(E, "click", id, idlen, 0, 1);
	fputs(E->csv ? "\n" : "}\n", E->out);
	E->records++;
}

/* Export one segment.  Returns 0, or -1 after reporting. */
static int export_file(struct export *E, const char *path)
{
	struct segmap m;
	int rc = segwalk_open(path, &m);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (storecheck_say(&E->check, path, &m.r.header) < 0) {
		segwalk_close(&m);
		return -1;
	}
	int ret = -1;
	struct click c;
	while ((rc = segwalk_next(&m, &c, path, E->skip_damaged ? &E->damage
	                                                         : NULL)) ==
	       CLICKREC_RECORD)
		export_record(E, &c, &m.r.header);
	if (rc < CLICKREC_CORRUPT)
		out_err("out of memory");
	else if (rc == CLICKREC_CORRUPT)
		out_err("%s: corrupt record at offset %zu", path, m.r.off);
	else
		ret = 0;
	if (rc == CLICKREC_TORN)
		out_err("warning: %s: torn record at offset %zu "
		        "(interrupted write); exported the records "
		        "before it", path, m.r.off);
	segwalk_close(&m);
	return ret;
}

/* segwalk's callback: one segment file. */
static int export_seg(void *ctx, const char *path, const struct stat *st)
{
	(void)st;
	return export_file(ctx, path) < 0 ? -1 : 0;
}

static void export_usage(FILE *f)
{
	fputs("usage: reach export [--db DIR] [-c FILE] [--format ndjson|csv] "
	      "[--csv-raw]\n"
	      "                    [--skip-damaged] [--any-store] PATH...\n", f);
}

int export_main(int argc, char **argv)
{
	enum { OPT_DB = 256, OPT_FORMAT, OPT_SKIP_DAMAGED, OPT_ANY_STORE,
	       OPT_CSV_RAW, OPT_HELP };
	static const struct option opts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "config", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "skip-damaged", no_argument, NULL, OPT_SKIP_DAMAGED },
		{ "any-store", no_argument, NULL, OPT_ANY_STORE },
		{ "csv-raw", no_argument, NULL, OPT_CSV_RAW },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct export E;
	const char *db = NULL;
	const char *what;
	int opt, explicit, rc, any = 0;

	memset(&E, 0, sizeof E);
	E.out = stdout;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":hc:", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_DB:
			db = optarg;
			break;
		case 'c':
			conf_file(optarg);
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "csv") == 0)
				E.csv = 1;
			else if (strcmp(optarg, "ndjson") == 0)
				E.csv = 0;
			else {
				out_err("export: --format: expected ndjson or csv, "
				        "not '%s'", optarg);
				goto usage;
			}
			break;
		case OPT_SKIP_DAMAGED:
			E.skip_damaged = 1;
			break;
		case OPT_ANY_STORE:
			any = 1;
			break;
		case OPT_CSV_RAW:
			E.csv_mode = OUT_CSV_RAW;
			break;
		case 'h':
		case OPT_HELP:
			export_usage(stdout);
			fputs("\nWrite every record of the segments, decoded, with "
			      "names from the store:\none JSON object per line "
			      "(default) or CSV with a header.\n\n"
			      "  --csv-raw       csv: names as they are (by default "
			      "a name a spreadsheet\n"
			      "                  would run as a formula, starting with "
			      "= + - @, tab or\n"
			      "                  CR, is written as text: a ' before "
			      "it)\n"
			      "  --skip-damaged  skip corrupt records, name them "
			      "on stderr, exit 3\n"
			      "  --any-store     export segments written for another "
			      "store than --db's\n", stdout);
			return 0;
		default:
			opts_unknown(opt, argv);
			goto usage;
		}
	}
	if (E.csv_mode == OUT_CSV_RAW && !E.csv) {
		out_err("export: --csv-raw: only with --format csv");
		goto usage;
	}
	if (optind >= argc) {
		out_err("export: no segment files or directories given");
		goto usage;
	}
	explicit = db != NULL;
	if (names_store(db, &db) < 0)
		return 1;
	if (db && *db && (rc = resolve_open(&E.names, db, &what))) {
		if (rc != ENOENT || explicit) {
			out_err("%s: %s: %s", db, what, mdb_strerror(rc));
			return 1;
		}
		out_err("warning: %s (REDIRECTD_DB or the configuration's db): "
		        "%s; exporting ids, not names", db, mdb_strerror(rc));
	}
	if (E.names.txn && storecheck_init(&E.check, db, E.names.txn,
	                                   &E.names.s, any) < 0) {
		resolve_close(&E.names);
		return 1;
	}
	if (E.csv)
		fputs("time,time_us,node,link_id,code,staff,name,team,campaign,"
		      "class,platform,country,referrer,visitor,status,internal,"
		      "head,ip,click\n", E.out);
	for (int i = optind; i < argc; i++)
		E.errors += segwalk(argv[i], export_seg, &E, NULL);
	resolve_close(&E.names);
	damage_warn(&E.damage, "exported");
	rc = E.errors ? 1 : E.damage.records ? DAMAGE_EXIT : 0;
	damage_free(&E.damage);
	if (fflush(E.out) != 0 || ferror(E.out)) {
		out_err("export: writing: %s", strerror(errno));
		return 1;
	}
	return rc;
usage:
	export_usage(stderr);
	return 2;
}
