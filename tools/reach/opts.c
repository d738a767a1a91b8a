/*
 * opts: reach's command line (see opts.h): the option table, the checks
 * and the texts.
 */
#include "opts.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cards.h"
#include "clickrec.h"
#include "conf.h"
#include "conv.h"
#include "out.h"
#include "rank.h"
#include "visitors.h"
#include "when.h"

#include "version.h"     /* REDIRECTD_VERSION, from meson.build */

/* The cap of --visitor-memory: a terabyte. */
#define OPTS_VIS_MAX_MIB (1 << 20)

enum { OPT_DB = 256, OPT_BY, OPT_FORMAT, OPT_INCLUDE_INTERNAL,
       OPT_SINCE, OPT_UNTIL, OPT_EXACT_LIMIT, OPT_VISITOR_MEMORY, OPT_HELP,
       OPT_VERSION, OPT_TZ, OPT_LAST, OPT_STAFF, OPT_TEAM, OPT_CAMPAIGN,
       OPT_RANK, OPT_OUTPUT, OPT_UNSHARED_DAYS, OPT_SKIP_DAMAGED,
       OPT_ANY_STORE, OPT_CSV_RAW, OPT_COMPARE, OPT_MIN_VISITORS,
       OPT_REPEAT_LIMIT, OPT_TIES, OPT_OUTPUT_DIR, OPT_CONVERSIONS,
       OPT_CONVERSION_WINDOW, OPT_EVENT };

static const struct option opts_table[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "config", required_argument, NULL, 'c' },
	{ "by", required_argument, NULL, OPT_BY },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "include-internal", no_argument, NULL, OPT_INCLUDE_INTERNAL },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "exact-limit", required_argument, NULL, OPT_EXACT_LIMIT },
	{ "visitor-memory", required_argument, NULL, OPT_VISITOR_MEMORY },
	{ "tz", required_argument, NULL, OPT_TZ },
	{ "last", required_argument, NULL, OPT_LAST },
	{ "staff", required_argument, NULL, OPT_STAFF },
	{ "team", required_argument, NULL, OPT_TEAM },
	{ "campaign", required_argument, NULL, OPT_CAMPAIGN },
	{ "rank", required_argument, NULL, OPT_RANK },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "output-dir", required_argument, NULL, OPT_OUTPUT_DIR },
	{ "unshared-days", required_argument, NULL, OPT_UNSHARED_DAYS },
	{ "skip-damaged", no_argument, NULL, OPT_SKIP_DAMAGED },
	{ "any-store", no_argument, NULL, OPT_ANY_STORE },
	{ "csv-raw", no_argument, NULL, OPT_CSV_RAW },
	{ "compare", required_argument, NULL, OPT_COMPARE },
	{ "min-visitors", required_argument, NULL, OPT_MIN_VISITORS },
	{ "repeat-limit", required_argument, NULL, OPT_REPEAT_LIMIT },
	{ "ties", required_argument, NULL, OPT_TIES },
	{ "conversions", required_argument, NULL, OPT_CONVERSIONS },
	{ "conversion-window", required_argument, NULL, OPT_CONVERSION_WINDOW },
	{ "event", required_argument, NULL, OPT_EVENT },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* The times as typed, resolved after every option: --tz may come after
 * --since. */
struct opts_times {
	const char *since, *until, *last, *compare, *conv_window;
};

/* A whole decimal number up to max (no sign, no spaces).  Returns 0 or
 * -1. */
static int opts_num(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static void opts_usage(FILE *f)
{
	fputs("usage: reach [--db DIR] [-c FILE] [--by GROUPING] "
	      "[--rank visitors|clicks|improved|conversions]\n"
	      "             [--compare previous|SPAN] [--min-visitors N]\n"
	      "             [--repeat-limit N] [--ties shared|earliest]\n"
	      "             [--format table|csv|json|html] [--csv-raw] "
	      "[--output FILE]\n"
	      "             [--output-dir DIR]\n"
	      "             [--include-internal] [--unshared-days N]\n"
	      "             [--since TIME] [--until TIME] [--last SPAN] [--tz ZONE]\n"
	      "             [--staff H,...] [--team T,...] [--campaign C,...]\n"
	      "             [--exact-limit N] [--visitor-memory MIB] "
	      "[--skip-damaged]\n"
	      "             [--any-store] [--conversions FILE]... "
	      "[--event NAME,...]\n"
	      "             [--conversion-window SPAN] PATH...\n"
	      "       reach export [--db DIR] [-c FILE] [--format ndjson|csv] "
	      "[--csv-raw]\n"
	      "                    [--skip-damaged] [--any-store] PATH...\n"
	      "       reach ship --clickhouse URL --table NAME [--db DIR] "
	      "[-c FILE]\n"
	      "                  [--state FILE] [--batch N] [--skip-damaged] "
	      "[--any-store]\n"
	      "                  PATH...\n", f);
}

static void opts_help(void)
{
	opts_usage(stdout);
	fputs("\n"
	      "Count click-log segments (files, or directories searched for *"
	      CLICKREC_SUFFIX ")\n"
	      "into a leaderboard of visitors reached per colleague, team,\n"
	      "campaign, country, platform, day or hour; or, with export, "
	      "write the\n"
	      "decoded records; or, with ship, send them to ClickHouse "
	      "(reach ship --help).\n"
	      "\n"
	      "  --db DIR        LMDB store to resolve ids to names (default "
	      "$REDIRECTD_DB,\n"
	      "                  else db in the configuration; an empty DIR "
	      "means none)\n"
	      "  -c, --config FILE\n"
	      "                  redirectd.conf, whose db is the default store "
	      "(default\n"
	      "                  $REDIRECTD_CONF, else " CONF_DEFAULT " if it "
	      "exists)\n"
	      "  --by KEY        staff (default), team, campaign, staff,campaign,\n"
	      "                  country, platform, day or hour\n"
	      "  --rank R        visitors (default) or clicks first, or improved:"
	      "\n"
	      "                  the change in visitors since the earlier window\n"
	      "                  (--compare), or conversions (--conversions)\n"
	      "  --compare previous|SPAN\n"
	      "                  add each row's figures in an earlier window of "
	      "the\n"
	      "                  same length: the one just before (previous), "
	      "or the one\n"
	      "                  starting SPAN (Nh, Nd, Nw) before this one\n"
	      "  --min-visitors N\n"
	      "                  rank only rows with at least N visitors (the "
	      "others\n"
	      "                  are listed unranked, last)\n"
	      "  --repeat-limit N\n"
	      "                  flag a row (repeat) when one visitor made more "
	      "than N\n"
	      "                  of its clicks\n"
	      "  --ties T        shared (default: equal figures, one rank) or "
	      "earliest:\n"
	      "                  who reached them first (their last click) ranks "
	      "first\n"
	      "  --format F      table (default), csv, json or html (a report)\n"
	      "  --csv-raw       csv: names as they are (by default a name a "
	      "spreadsheet\n"
	      "                  would run as a formula, starting with = + - @, "
	      "tab or\n"
	      "                  CR, is written as text: a ' before it)\n"
	      "  --output FILE   write the report to FILE (whole or not at all)\n"
	      "  --output-dir DIR\n"
	      "                  html: DIR/index.html, and a page of their own "
	      "for\n"
	      "                  every colleague, DIR/staff/HANDLE.html\n"
	      "  --unshared-days N\n"
	      "                  html: a campaign link this old without a "
	      "click is\n"
	      "                  recommended for sharing (default 3)\n"
	      "  --include-internal\n"
	      "                  count clicks from internal networks as clicks "
	      "and visitors\n"
	      "  --since TIME    count clicks at or after TIME (UTC unless --tz)\n"
	      "  --until TIME    count clicks before TIME (UTC unless --tz)\n"
	      "  --last SPAN     count clicks of the last SPAN: Nh, Nd or Nw\n"
	      "  --tz ZONE       times, days and hours in ZONE (Europe/Paris)\n"
	      "  --staff H,...   only these colleagues' clicks (repeatable)\n"
	      "  --team T,...    only clicks of these teams' colleagues\n"
	      "  --campaign C,...\n"
	      "                  only clicks of these campaigns\n"
	      "  --exact-limit N count at most N visitors of a group exactly; "
	      "past N,\n"
	      "                  estimate (default: no limit but the memory)\n"
	      "  --visitor-memory MIB\n"
	      "                  memory for visitor counts (default 256); "
	      "past it the\n"
	      "                  largest groups are estimated\n"
	      "  --skip-damaged  count around corrupt records instead of "
	      "failing: they\n"
	      "                  are named on stderr (and in the html report), "
	      "exit 3\n"
	      "  --any-store     read segments written for another store than "
	      "--db's\n"
	      "                  (refused by default: their ids would name "
	      "others)\n"
	      "  --conversions FILE\n"
	      "                  add conversions, conversion_value and "
	      "conversion_rate:\n"
	      "                  the CSV's rows (time; click or staff/"
	      "utm_content;\n"
	      "                  event, value, id, campaign) credited to the "
	      "click they\n"
	      "                  name or the colleague (repeatable; - is stdin; "
	      "reach(1))\n"
	      "  --conversion-window SPAN\n"
	      "                  a conversion counts up to SPAN (Nh, Nd, Nw) "
	      "after its\n"
	      "                  click (default 30d)\n"
	      "  --event NAME,...\n"
	      "                  only conversions of these events (repeatable)\n"
	      "  --help, --version\n"
	      "\n"
	      "TIME: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z] or @SECONDS.\n"
	      "Filters of different options all apply; the names of one option\n"
	      "add up.\n"
	      "clicks: human clicks, without internal ones unless "
	      "--include-internal;\n"
	      "visitors: distinct visitors among them (visitor-days, -weeks or\n"
	      "-months when the clicks span several visitor-key periods: the\n"
	      "table, report and a note say so, JSON's visitor_unit too); bots:\n"
	      "previews, crawlers, tools, probes and unclassified requests;\n"
	      "internal: human clicks from internal networks (always shown).\n"
	      "For staff and campaigns, from the\n"
	      "counted clicks: countries (distinct known), top_country (most "
	      "clicks,\n"
	      "ties alphabetical, never unknown) and top_platform (most clicks, "
	      "ties\n"
	      "to the lower platform number, so unknown then none win).\n"
	      "Estimated visitors (HyperLogLog, standard error 0.81%) are "
	      "marked ~ in the\n"
	      "table and \"visitors_estimated\": true in JSON, and a note on "
	      "stderr says\n"
	      "how many there are.\n",
	      stdout);
}

int opts_unknown(int opt, char *const *argv)
{
	if (opt == ':')
		out_err("option '%s' needs an argument", argv[optind - 1]);
	else
		out_err("unknown option '%s'", argv[optind - 1]);
	return 2;
}

/* What --format names. */
static int opts_format(const char *s)
{
	static const char *const names[] = {
		[OPTS_TABLE] = "table", [OPTS_CSV] = "csv", [OPTS_JSON] = "json",
		[OPTS_HTML] = "html",
	};
	for (int i = 0; i < (int)(sizeof names / sizeof *names); i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* One option of getopt_long's.  Returns OPTS_RUN to go on, or the exit
 * status (see opts_parse). */
static int opts_one(struct opts *o, struct opts_times *t, int opt,
                    char *arg, char **argv)
{
	struct names_filter_args *fa = &o->filters;
	uint64_t v;
	int i;
	switch (opt) {
	case OPT_DB:
		o->db = arg;
		o->db_explicit = 1;
		break;
	case 'c':
		conf_file(arg);
		break;
	case OPT_BY:
		if ((i = grouping_parse(arg)) < 0) {
			out_err("--by: expected staff, team, campaign, "
			        "staff,campaign, country, platform, day or "
			        "hour, not '%s'", arg);
			return 2;
		}
		o->by = (enum grouping)i;
		break;
	case OPT_INCLUDE_INTERNAL:
		o->include_internal = 1;
		break;
	case OPT_FORMAT:
		if ((i = opts_format(arg)) < 0) {
			out_err("--format: expected table, csv, json or "
			        "html, not '%s'", arg);
			return 2;
		}
		o->format = (enum opts_format)i;
		break;
	case OPT_SINCE:
		t->since = arg;
		break;
	case OPT_UNTIL:
		t->until = arg;
		break;
	case OPT_LAST:
		t->last = arg;
		break;
	case OPT_TZ:
		o->tz = arg;
		break;
	case OPT_STAFF:
		fa->staff[fa->nstaff++] = arg;
		break;
	case OPT_TEAM:
		fa->team[fa->nteam++] = arg;
		break;
	case OPT_CAMPAIGN:
		fa->campaign[fa->ncampaign++] = arg;
		break;
	case OPT_OUTPUT_DIR:
		o->output_dir = arg;
		break;
	case OPT_OUTPUT:
		o->output = arg;
		break;
	case OPT_SKIP_DAMAGED:
		o->skip_damaged = 1;
		break;
	case OPT_ANY_STORE:
		o->any_store = 1;
		break;
	case OPT_CSV_RAW:
		o->csv_raw = 1;
		break;
	case OPT_UNSHARED_DAYS:
		if (opts_num(arg, 36500, &v) < 0) {
			out_err("--unshared-days: expected a number of days, "
			        "not '%s'", arg);
			return 2;
		}
		o->unshared_days = (unsigned)v;
		break;
	case OPT_RANK:
		if (strcmp(arg, "visitors") == 0)
			o->rank_by = RANK_VISITORS;
		else if (strcmp(arg, "clicks") == 0)
			o->rank_by = RANK_CLICKS;
		else if (strcmp(arg, "improved") == 0)
			o->rank_by = RANK_IMPROVED;
		else if (strcmp(arg, "conversions") == 0)
			o->rank_by = RANK_CONVERSIONS;
		else {
			out_err("--rank: expected visitors, clicks, improved or "
			        "conversions, not '%s'", arg);
			return 2;
		}
		break;
	case OPT_COMPARE:
		t->compare = arg;
		break;
	case OPT_CONVERSIONS:
		o->conv_files[o->nconv_files++] = arg;
		break;
	case OPT_CONVERSION_WINDOW:
		t->conv_window = arg;
		break;
	case OPT_EVENT:
		/* Split in place: argv's strings are ours to write. */
		for (char *e = strtok(arg, ","); e; e = strtok(NULL, ",")) {
			const char **nv = realloc(o->events,
			                          (o->nevents + 1) * sizeof *nv);
			if (!nv) {
				out_err("out of memory");
				return 1;
			}
			o->events = nv;
			o->events[o->nevents++] = e;
		}
		break;
	case OPT_REPEAT_LIMIT:
		if (opts_num(arg, UINT64_MAX, &o->repeat_limit) < 0 ||
		    o->repeat_limit == 0) {
			out_err("--repeat-limit: expected a number of clicks "
			        "from 1, not '%s'", arg);
			return 2;
		}
		break;
	case OPT_TIES:
		if (strcmp(arg, "shared") == 0)
			o->ties_earliest = 0;
		else if (strcmp(arg, "earliest") == 0)
			o->ties_earliest = 1;
		else {
			out_err("--ties: expected shared or earliest, not '%s'",
			        arg);
			return 2;
		}
		break;
	case OPT_MIN_VISITORS:
		if (opts_num(arg, UINT64_MAX, &o->min_visitors) < 0) {
			out_err("--min-visitors: expected a number of visitors, "
			        "not '%s'", arg);
			return 2;
		}
		break;
	case OPT_EXACT_LIMIT:
		if (opts_num(arg, UINT64_MAX, &o->exact_limit) < 0) {
			out_err("--exact-limit: expected a number of "
			        "visitors, not '%s'", arg);
			return 2;
		}
		break;
	case OPT_VISITOR_MEMORY:
		if (opts_num(arg, OPTS_VIS_MAX_MIB, &v) < 0 || v == 0) {
			out_err("--visitor-memory: expected MiB from 1 to "
			        "%d, not '%s'", OPTS_VIS_MAX_MIB, arg);
			return 2;
		}
		o->vis_limit = (size_t)v << 20;
		break;
	case 'h':
	case OPT_HELP:
		opts_help();
		return 0;
	case OPT_VERSION:
		puts("reach " REDIRECTD_VERSION);
		return 0;
	default:
		return opts_unknown(opt, argv);
	}
	return OPTS_RUN;
}

/* --compare's earlier window: as long as the current one, starting
 * `previous` (its length) or SPAN before it, never overlapping it (a
 * click counts in one window or neither: count.c).  Returns OPTS_RUN, or
 * 2 after reporting. */
static int opts_compare(struct opts *o, const struct opts_times *t)
{
	uint64_t len, back;
	struct timespec now;
	if (!t->compare) {
		if (o->rank_by == RANK_IMPROVED) {
			out_err("--rank improved ranks on the change since an "
			        "earlier window: give --compare");
			return 2;
		}
		return OPTS_RUN;
	}
	if (!t->since && !t->last) {
		out_err("--compare needs a window with a start (--since or "
		        "--last): its length is the earlier window's");
		return 2;
	}
	if (o->by == GROUPING_DAY) {
		out_err("--compare with --by day: the earlier window has other "
		        "days (--by hour compares hours)");
		return 2;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t now_us = (uint64_t)now.tv_sec * 1000000u +
	                  (uint64_t)now.tv_nsec / 1000u;
	/* The current window ends at --until, else now. */
	if (t->last)
		when_duration(t->last, &len);       /* checked by when_last */
	else if (o->until != UINT64_MAX)
		len = o->until - o->since;
	else if (o->since < now_us)
		len = now_us - o->since;
	else {
		out_err("--compare: --since is not in the past and there is "
		        "no --until: the window has no length yet");
		return 2;
	}
	if (strcmp(t->compare, "previous") == 0)
		back = len;
	else if (when_duration(t->compare, &back) < 0) {
		out_err("--compare: expected previous or a span (Nh, Nd or "
		        "Nw: how far before this window the earlier one "
		        "starts), not '%s'", t->compare);
		return 2;
	} else if (back < len) {
		out_err("--compare %s: the earlier window would overlap this "
		        "one (it is as long as this one: give at least its "
		        "length, or previous)", t->compare);
		return 2;
	}
	if (o->since < back) {
		out_err("--compare: the earlier window would start before "
		        "1970");
		return 2;
	}
	o->compare = 1;
	o->prev_since = o->since - back;
	o->prev_until = o->prev_since + len;
	return OPTS_RUN;
}

/* What the options say together, and the times in the zone.  Returns
 * OPTS_RUN, or 2 after reporting. */
static int opts_check(struct opts *o, const struct opts_times *t)
{
	if (o->tz) {
		if (when_set_zone(o->tz) < 0) {
			out_err("--tz: no time zone '%s' in the TZ database "
			        "(want a name like Europe/Paris or UTC)", o->tz);
			return 2;
		}
		o->local = 1;
	}
	if (o->csv_raw && o->format != OPTS_CSV) {
		out_err("--csv-raw: only with --format csv");
		return 2;
	}
	if (o->output_dir && (o->format != OPTS_HTML || o->output)) {
		out_err("--output-dir: only with --format html, and not with "
		        "--output");
		return 2;
	}
	if (o->format == OPTS_HTML && o->by != GROUPING_STAFF) {
		out_err("--format html is a report on colleagues: --by staff "
		        "only");
		return 2;
	}
	if (t->last && t->since) {
		out_err("--last and --since: give one of them");
		return 2;
	}
	if (t->since && when_parse(t->since, o->local, &o->since) < 0) {
		out_err("--since: bad time '%s' (want YYYY-MM-DD[THH:MM[:SS]][Z] "
		        "or @SECONDS)", t->since);
		return 2;
	}
	if (t->until && when_parse(t->until, o->local, &o->until) < 0) {
		out_err("--until: bad time '%s' (want YYYY-MM-DD[THH:MM[:SS]][Z] "
		        "or @SECONDS)", t->until);
		return 2;
	}
	if (t->last && when_last(t->last, &o->since) < 0) {
		out_err("--last: expected a number and h, d or w (7d), not '%s'",
		        t->last);
		return 2;
	}
	if (t->until && o->since >= o->until) {
		/* An inverted window counts nothing: a mistake, not a report
		 * of zeros. */
		char a[21], b[21];
		out_time_iso(o->since, a);
		out_time_iso(o->until, b);
		out_err("%s (%s) is not before --until (%s): no time is in "
		        "that window", t->last ? "the start of --last" : "--since",
		        a, b);
		return 2;
	}
	if (!o->nconv_files && (o->nevents || t->conv_window ||
	                         o->rank_by == RANK_CONVERSIONS)) {
		out_err("--event, --conversion-window and --rank conversions "
		        "need --conversions FILE");
		return 2;
	}
	o->conv_window = CONV_WINDOW_DEFAULT;
	if (t->conv_window && when_duration(t->conv_window, &o->conv_window) < 0) {
		out_err("--conversion-window: expected a number and h, d or w "
		        "(30d), not '%s'", t->conv_window);
		return 2;
	}
	return opts_compare(o, t);
}

int opts_parse(struct opts *o, int argc, char **argv)
{
	struct names_filter_args *fa = &o->filters;
	struct opts_times t = { 0 };
	int rc = OPTS_RUN, opt;
	*o = (struct opts){
		.until = UINT64_MAX, .exact_limit = UINT64_MAX,
		.vis_limit = (size_t)VISITORS_BUDGET_MIB << 20,
		.unshared_days = CARDS_UNSHARED_DAYS,
	};
	opterr = 0;
	fa->staff = calloc((size_t)argc, sizeof *fa->staff);
	fa->team = calloc((size_t)argc, sizeof *fa->team);
	fa->campaign = calloc((size_t)argc, sizeof *fa->campaign);
	o->conv_files = calloc((size_t)argc, sizeof *o->conv_files);
	if (!fa->staff || !fa->team || !fa->campaign || !o->conv_files) {
		out_err("out of memory");
		return 1;
	}
	while (rc == OPTS_RUN &&
	       (opt = getopt_long(argc, argv, ":hc:", opts_table, NULL)) != -1)
		rc = opts_one(o, &t, opt, optarg, argv);
	if (rc == OPTS_RUN && optind >= argc) {
		out_err("no segment files or directories given");
		rc = 2;
	}
	if (rc == OPTS_RUN)
		rc = opts_check(o, &t);
	if (rc == 2)
		opts_usage(stderr);
	if (rc == OPTS_RUN && names_store(o->db, &o->db) < 0)
		rc = 1;
	o->paths = argv + optind;
	o->npaths = argc - optind;
	return rc;
}

void opts_free(struct opts *o)
{
	free(o->filters.staff);
	free(o->filters.team);
	free(o->filters.campaign);
	free(o->conv_files);
	free(o->events);
}
