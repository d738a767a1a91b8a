/*
 * opts: reach's command line (not export's or ship's): the options
 * parsed and checked, times resolved in the zone of --tz, the usage and
 * --help texts; and the getopt messages all of reach's commands share.  Errors in the command line are reported here, with the
 * usage; what the options mean at run time is the other modules'.
 *
 *   reach [--db DIR] [--by GROUPING] [--rank visitors|clicks|improved]
 *         [--compare previous|SPAN] [--min-visitors N]
 *         [--repeat-limit N] [--ties shared|earliest]
 *         [--format table|csv|json|html] [--csv-raw] [--output FILE]
 *         [--output-dir DIR]
 *         [--include-internal] [--unshared-days N]
 *         [--since TIME] [--until TIME] [--last SPAN] [--tz ZONE]
 *         [--staff H,...] [--team T,...] [--campaign C,...]
 *         [--exact-limit N] [--visitor-memory MIB] [--skip-damaged]
 *         [--any-store] [--conversions FILE]... [--event NAME,...]
 *         [--conversion-window SPAN] PATH...
 */
#ifndef REDIRECTD_OPTS_H
#define REDIRECTD_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "grouping.h"
#include "names.h"

enum opts_format { OPTS_TABLE, OPTS_CSV, OPTS_JSON, OPTS_HTML };

struct opts {
	enum grouping by;
	enum opts_format format;
	int include_internal;
	int rank_by;                /* --rank: enum rank_by (rank.h) */
	int compare;                /* --compare: the earlier window is */
	uint64_t prev_since, prev_until;    /* [prev_since, prev_until) */
	uint64_t min_visitors;      /* --min-visitors; 0: every row ranked */
	uint64_t repeat_limit;      /* --repeat-limit; 0: no flags */
	int ties_earliest;          /* --ties earliest */
	const char *db;             /* --db or $REDIRECTD_DB; NULL, "": none */
	int db_explicit;            /* named by --db */
	const char *tz;             /* --tz; NULL: UTC */
	int local;                  /* --tz given: the zone is set (TZ) */
	uint64_t since, until;      /* [since, until) in microseconds */
	uint64_t exact_limit;       /* --exact-limit; UINT64_MAX: none */
	size_t vis_limit;           /* --visitor-memory in bytes */
	const char *output;         /* --output; NULL: stdout */
	const char *output_dir;     /* --output-dir (html); NULL: none */
	unsigned unshared_days;
	int skip_damaged;           /* --skip-damaged */
	int any_store;              /* --any-store (storecheck.h) */
	int csv_raw;                /* --csv-raw: names as they are */
	struct names_filter_args filters;   /* arrays owned here */
	const char **conv_files;    /* --conversions FILE... ("-": stdin) */
	size_t nconv_files;
	uint64_t conv_window;       /* --conversion-window, microseconds */
	const char **events;        /* --event names, split at commas */
	size_t nevents;
	char **paths;               /* [npaths], views into argv */
	int npaths;
};

/* What opts_parse says to do. */
enum { OPTS_RUN = -1 };

/* Parse argv into o.  Returns OPTS_RUN, or the exit status after doing
 * what the command line asked or said: 0 after --help or --version, 1 out
 * of memory, 2 after a usage error (reported, with the usage).  opts_free
 * in every case. */
int opts_parse(struct opts *o, int argc, char **argv);

void opts_free(struct opts *o);

/* Report what getopt_long (with opterr 0 and optstring ":...") returned
 * for the option just read that no case took: ':' for a missing argument,
 * anything else an unknown option.  Returns 2, the usage error's status.
 * For every command of reach (export.c and ship.c too). */
int opts_unknown(int opt, char *const *argv);

#endif
