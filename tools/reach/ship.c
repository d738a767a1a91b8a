/*
 * ship: `reach ship --clickhouse URL --table NAME [--db DIR] [--state FILE]
 * [--batch N] PATH...` sends every click record of the segments (files, or
 * directories searched for *.clk in name order, as reach walks them) that
 * earlier runs did not send, decoded and with names resolved through the
 * store, to ClickHouse: `INSERT INTO NAME (...) FORMAT TabSeparated`
 * POSTed over HTTP (chttp.c), N rows a batch (default 100,000).
 *
 * It owns the row (the column list below, matching conf/clickhouse.sql)
 * and the state file: one line per segment, "RECORDS<TAB>SEGMENT NAME",
 * how many records of it ClickHouse has accepted.  The state is replaced
 * atomically (temporary file, fsync, rename, fsync of the directory) after
 * every batch ClickHouse answered 200 to, and only then; so a crash or a
 * failed insert leaves it at the last accepted batch, and the next run
 * sends again at most the one batch that was in flight.  That batch may
 * have reached ClickHouse already: the table (ReplacingMergeTree keyed by
 * segment and position) and the queries (FINAL) count it once.  Segments
 * are named by their base name, which the daemon makes unique across nodes
 * (NODE.TIME.wN.clk).  A lock next to the state (FILE.lock, flock) keeps
 * two runs from interleaving.
 *
 * A segment still being written may end in a partial record: the whole
 * records before it are sent, and the rest on a later run (no error).  A
 * corrupt record (bad data followed by more data) stops that segment with
 * an error naming file and offset; the others are shipped; exit 1.  With
 * --skip-damaged it is skipped instead (its position is never sent; the
 * state moves past it with the next record shipped), named on stderr
 * (damage.h), and the exit status is 3.
 * ClickHouse unreachable or refusing: an error naming the URL and
 * ClickHouse's message, nothing more is sent, exit 1.
 */
#include "ship.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "chttp.h"
#include "clickrec.h"
#include "countries.h"
#include "damage.h"
#include "opts.h"
#include "out.h"
#include "conf.h"
#include "names.h"
#include "resolve.h"
#include "segwalk.h"
#include "shipstate.h"
#include "storecheck.h"

#define SHIP_STATE_NAME ".reach-ship.state"
#define SHIP_BATCH_DEFAULT 100000
#define SHIP_TIMEOUT_S 300

enum { OPT_DB = 256, OPT_CH, OPT_TABLE, OPT_STATE, OPT_BATCH, OPT_SKIP_DAMAGED,
       OPT_ANY_STORE, OPT_HELP };

static const char ship_columns[] =
	"segment, position, node, time, time_us, link_id, code, staff_id, "
	"staff, name, team, campaign_id, campaign, class, platform, country, "
	"referrer, visitor, status, internal, head, ip, click";

struct ship {
	struct shipstate state;
	/* The batch being built: rows, and per segment how far it reaches. */
	char *buf;
	size_t len, cap;
	uint64_t rows;
	struct shipstate_seg **touched; /* segments with rows in the batch */
	uint64_t *upto;         /* their done counts once it is accepted */
	size_t ntouched;
	uint64_t batch;
	/* ClickHouse. */
	struct chttp_url url;
	const char *url_text;
	const char *table;      /* --table */
	char *target;           /* path?query=INSERT... */
	struct resolve names;   /* without a store: ids only */
	/* Totals. */
	uint64_t shipped, batches;
	int errors, failed;     /* failed: ClickHouse refused, stop */
	struct damage damage;   /* what --skip-damaged skipped */
	int skip_damaged;
	int any_store;          /* --any-store */
	struct storecheck check;   /* segments of another store refused */
};

/* ------------------------------------------------------------ one row */

static int ship_reserve(struct ship *S, size_t more)
{
	if (S->len + more <= S->cap)
		return 0;
	size_t cap = S->cap ? S->cap : 1 << 20;
	while (cap < S->len + more)
		cap *= 2;
	char *n = realloc(S->buf, cap);
	if (!n)
		return -1;
	S->buf = n;
	S->cap = cap;
	return 0;
}

/* Append s[0..n) escaped for TabSeparated, then sep. */
static void ship_str(struct ship *S, const char *s, size_t n, char sep)
{
	char *o = S->buf + S->len;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		switch (c) {
		case '\\': *o++ = '\\'; *o++ = '\\'; break;
		case '\t': *o++ = '\\'; *o++ = 't'; break;
		case '\n': *o++ = '\\'; *o++ = 'n'; break;
		case '\r': *o++ = '\\'; *o++ = 'r'; break;
		case '\0': *o++ = '\\'; *o++ = '0'; break;
		default: *o++ = c;
		}
	}
	*o++ = sep;
	S->len = (size_t)(o - S->buf);
}

static void ship_num(struct ship *S, uint64_t v, char sep)
{
	S->len += (size_t)sprintf(S->buf + S->len, "%" PRIu64 "%c", v, sep);
}

/* Append one record's row.  Returns 0, or -1 out of memory. */
static int ship_row(struct ship *S, const struct click *c, const char *seg,
                    uint64_t pos, const struct clickrec_header *h)
{
	const char *node = h->node;
	/* Names are escaped at most twice their length; numbers and the
	 * fixed fields take well under 512 bytes. */
	const struct resolve *N = &S->names;
	resolve_click(&S->names, c);
	size_t need = 512 + 2 * (strlen(seg) + strlen(node) +
	              CLICKREC_REFHOST_MAX + N->code.len + N->handle.len +
	              N->name.len + N->team.len + N->campaign.len);
	if (ship_reserve(S, need) < 0)
		return -1;
	char cc[8], ip[RESOLVE_IP_MAX], id[RESOLVE_CLICKID_MAX];
	countries_field(c->country, cc);
	resolve_ip(c, ip);
	size_t idlen = resolve_clickid(h, c, id);
	ship_str(S, seg, strlen(seg), '\t');
	ship_num(S, pos, '\t');
	ship_str(S, node, strlen(node), '\t');
	ship_num(S, c->time_us / 1000000, '\t');
	ship_num(S, c->time_us, '\t');
	ship_num(S, c->link_id, '\t');
	ship_str(S, N->code.s, N->code.len, '\t');
	ship_num(S, c->staff_id, '\t');
	ship_str(S, N->handle.s, N->handle.len, '\t');
	ship_str(S, N->name.s, N->name.len, '\t');
	ship_str(S, N->team.s, N->team.len, '\t');
	ship_num(S, c->campaign_id, '\t');
	ship_str(S, N->campaign.s, N->campaign.len, '\t');
	const char *cls = clickrec_class_name(c->class);
	const char *plat = clickrec_platform_name(c->platform);
	ship_str(S, cls, strlen(cls), '\t');
	ship_str(S, plat, strlen(plat), '\t');
	ship_str(S, cc, strlen(cc), '\t');
	ship_str(S, c->refhost, c->refhost_len, '\t');
	ship_num(S, c->visitor, '\t');
	ship_num(S, c->status, '\t');
	ship_num(S, (c->flags & CLICK_F_INTERNAL) != 0, '\t');
	ship_num(S, (c->flags & CLICK_F_HEAD) != 0, '\t');
	ship_str(S, ip, strlen(ip), '\t');
	ship_str(S, id, idlen, '\n');
	S->rows++;
	return 0;
}

/* ------------------------------------------------------------ batches */

/* Send the batch.  On 200 the state moves to it and is saved.  Returns 0,
 * or -1 after reporting (state untouched; S->failed set). */
static int ship_flush(struct ship *S)
{
	if (!S->rows)
		return 0;
	char err[256], *resp = NULL;
	int st = chttp_post(&S->url, S->target, S->buf, S->len, SHIP_TIMEOUT_S,
	                    &resp, err, sizeof err);
	if (st != 200) {
		if (st < 0) {
			out_err("ship: %s: %s", S->url_text, err);
		} else {
			size_t n = strlen(resp);
			while (n && (resp[n - 1] == '\n' || resp[n - 1] == '\r'))
				resp[--n] = '\0';
			out_err("ship: %s: HTTP %d: %s", S->url_text, st,
			        n ? resp : "(no message)");
			/* A table made before click ids: say the one
			 * statement that mends it. */
			if (strstr(resp, "No such column click "))
				out_err("ship: the table was made before the "
				        "click column: ALTER TABLE %s ADD COLUMN "
				        "click String (conf/clickhouse.sql)",
				        S->table);
		}
		out_err("ship: the batch of %" PRIu64 " records was not "
		        "accepted; the state stays at the last accepted batch",
		        S->rows);
		free(resp);
		S->failed = 1;
		return -1;
	}
	free(resp);
	for (size_t i = 0; i < S->ntouched; i++) {
		struct shipstate_seg *g = S->touched[i];
		g->sent += S->upto[i] - g->done;
		g->done = S->upto[i];
	}
	if (shipstate_save(&S->state) < 0) {
		/* ClickHouse has the rows; the next run sends them again and
		 * the table counts them once. */
		S->failed = 1;
		return -1;
	}
	S->shipped += S->rows;
	S->batches++;
	S->rows = 0;
	S->len = 0;
	S->ntouched = 0;
	return 0;
}

/* The batch now reaches record upto of segment g. */
static int ship_touch(struct ship *S, struct shipstate_seg *g, uint64_t upto)
{
	if (S->ntouched && S->touched[S->ntouched - 1] == g) {
		S->upto[S->ntouched - 1] = upto;
		return 0;
	}
	struct shipstate_seg **t = realloc(S->touched,
	                              (S->ntouched + 1) * sizeof *t);
	if (t)
		S->touched = t;
	uint64_t *u = t ? realloc(S->upto, (S->ntouched + 1) * sizeof *u)
	                : NULL;
	if (!u)
		return -1;
	S->upto = u;
	S->touched[S->ntouched] = g;
	S->upto[S->ntouched++] = upto;
	return 0;
}

/* ------------------------------------------------------------ segments */

/* Ship what is new in one segment.  Returns 0, or -1 after reporting. */
static int ship_file(struct ship *S, const char *path)
{
	struct segmap m = { .map = NULL };
	int ret = -1, mapped = 0;
	char *pc = strdup(path);
	if (!pc) {
		out_err("out of memory");
		return -1;
	}
	const char *name = basename(pc);
	if (strpbrk(name, "\t\n")) {
		out_err("%s: a tab or newline in a segment's name: not "
		        "shipped", path);
		free(pc);
		return -1;
	}
	int opened = segwalk_open(path, &m);
	if (opened != 0) {
		ret = opened > 0 ? 0 : -1;
		goto done;
	}
	mapped = 1;
	if (storecheck_say(&S->check, path, &m.r.header) < 0)
		goto done;
	struct shipstate_seg *g = shipstate_find(&S->state, name);
	if (!g && !(g = shipstate_add(&S->state, name, 0))) {
		out_err("out of memory");
		goto done;
	}
	uint64_t whole = ((uint64_t)m.len - CLICKREC_HEADER_SIZE) /
	                 CLICKREC_SIZE;
	if (whole < g->done) {
		out_err("warning: %s: %" PRIu64 " records, fewer than the %"
		        PRIu64 " already shipped: a different file of the same "
		        "name? skipped", path, whole, g->done);
		ret = 0;
		goto done;
	}
	struct clickrec_reader *r = &m.r;
	/* Records before done were verified and accepted on an earlier
	 * run: start after them. */
	uint64_t pos = g->done;
	r->off = CLICKREC_HEADER_SIZE + (size_t)pos * CLICKREC_SIZE;
	if (!g->sent)
		g->first = pos;
	struct click c;
	int rc;
	struct damage *skip = S->skip_damaged ? &S->damage : NULL;
	while ((rc = segwalk_next(&m, &c, path, skip)) == CLICKREC_RECORD) {
		/* From the offset: records skipped keep their positions. */
		pos = (r->off - CLICKREC_HEADER_SIZE) / CLICKREC_SIZE - 1;
		if (ship_row(S, &c, name, pos, &r->header) < 0 ||
		    ship_touch(S, g, pos + 1) < 0) {
			out_err("out of memory");
			goto done;
		}
		if (S->rows >= S->batch && ship_flush(S) < 0)
			goto done;
	}
	if (rc < CLICKREC_CORRUPT) {
		out_err("out of memory");
		goto done;
	}
	if (rc == CLICKREC_CORRUPT) {
		out_err("%s: corrupt record at offset %zu; shipped the records "
		        "before it", path, r->off);
		goto done;
	}
	if (rc == CLICKREC_TORN) {
		/* An error, as the interface asks (exit status 1), so
		 * a cron run that meets a record half written says so; the
		 * whole records before it are shipped and the rest goes next
		 * time, so nothing is lost either way. */
		out_err("%s: partial record at offset %zu (the segment is being "
		        "written, or was torn); shipped the records before it, "
		        "the rest goes next time", path, r->off);
		goto done;
	}
	ret = 0;
done:
	if (mapped)
		segwalk_close(&m);
	free(pc);
	return ret;
}

/* segwalk's callback: one segment file; a refusal by ClickHouse stops
 * the walk (S->failed). */
static int ship_seg(void *ctx, const char *path, const struct stat *st)
{
	struct ship *S = ctx;
	(void)st;
	int rc = ship_file(S, path) < 0 ? -1 : 0;
	return S->failed ? 1 : rc;
}

/* ------------------------------------------------------------ main */

static void ship_usage(FILE *f)
{
	fputs("usage: reach ship --clickhouse URL --table NAME [--db DIR] "
	      "[-c FILE]\n                  [--state FILE] [--batch N] "
	      "[--skip-damaged] [--any-store]\n                  PATH...\n", f);
}

/* Table names: [db.]table, letters, digits and _ (no quoting needed). */
static int ship_table_ok(const char *t)
{
	size_t n = strlen(t);
	return n && n < 200 && strspn(t, "abcdefghijklmnopqrstuvwxyz"
	                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                                 "0123456789_.") == n &&
	       t[0] != '.' && t[n - 1] != '.';
}

static double ship_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The command line, as given. */
struct ship_opts {
	const char *db, *table, *state;
};

/* One option of getopt_long's into S and o.  Returns -1 to go on, or the
 * exit status: 0 after --help, 2 after a usage error (reported). */
static int ship_opt(struct ship *S, struct ship_opts *o, int opt, char *arg,
                    char **argv)
{
	char err[256];
	switch (opt) {
	case OPT_DB:
		o->db = arg;
		break;
	case 'c':
		conf_file(arg);
		break;
	case OPT_CH:
		S->url_text = arg;
		if (chttp_url_parse(arg, &S->url, err, sizeof err) < 0) {
			out_err("ship: --clickhouse %s: %s", arg, err);
			return 2;
		}
		break;
	case OPT_TABLE:
		if (!ship_table_ok(arg)) {
			out_err("ship: --table: expected [DATABASE.]TABLE "
			        "(letters, digits, _), not '%s'", arg);
			return 2;
		}
		o->table = arg;
		break;
	case OPT_STATE:
		o->state = arg;
		break;
	case OPT_BATCH: {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(arg, &end, 10);
		if (errno || *end || end == arg || v == 0 || v > 10000000 ||
		    arg[0] == '-') {
			out_err("ship: --batch: expected 1 to 10000000 "
			        "records, not '%s'", arg);
			return 2;
		}
		S->batch = v;
		break;
	}
	case OPT_SKIP_DAMAGED:
		S->skip_damaged = 1;
		break;
	case OPT_ANY_STORE:
		S->any_store = 1;
		break;
	case 'h':
	case OPT_HELP:
		ship_usage(stdout);
		fputs("\nSend the click records of the segments that "
		      "earlier runs did not send to a\nClickHouse table "
		      "(conf/clickhouse.sql) over HTTP, in batches of N "
		      "(100000),\nnames resolved through the store.  "
		      "FILE (default: PATH/.reach-ship.state,\nPATH the "
		      "first directory given) remembers how far each "
		      "segment went.\n\n"
		      "  --skip-damaged  skip corrupt records, name them "
		      "on stderr, exit 3\n"
		      "  --any-store     ship segments written for another "
		      "store than --db's\n", stdout);
		return 0;
	default:
		return opts_unknown(opt, argv);
	}
	return -1;
}

/* Parse the command line.  Returns -1 to go on, or the exit status (see
 * ship_opt). */
static int ship_parse(struct ship *S, struct ship_opts *o, int argc,
                      char **argv)
{
	static const struct option table[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "config", required_argument, NULL, 'c' },
		{ "clickhouse", required_argument, NULL, OPT_CH },
		{ "table", required_argument, NULL, OPT_TABLE },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "skip-damaged", no_argument, NULL, OPT_SKIP_DAMAGED },
		{ "any-store", no_argument, NULL, OPT_ANY_STORE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int opt, rc = -1;
	opterr = 0;
	optind = 1;
	while (rc < 0 && (opt = getopt_long(argc, argv, ":hc:", table, NULL)) != -1)
		rc = ship_opt(S, o, opt, optarg, argv);
	if (rc >= 0)
		return rc;
	if (!S->url_text || !o->table) {
		out_err("ship: --clickhouse URL and --table NAME are required");
		return 2;
	}
	if (optind >= argc) {
		out_err("ship: no segment files or directories given");
		return 2;
	}
	return -1;
}

/* The default state file: in the first PATH if it is a directory, else
 * next to it.  Returns it (malloc'd), or NULL out of memory. */
static char *ship_state_path(const char *p0)
{
	struct stat st;
	size_t n = strlen(p0) + sizeof SHIP_STATE_NAME + 2;
	char *path = malloc(n);
	if (!path)
		return NULL;
	if (stat(p0, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(path, n, "%s/%s", p0, SHIP_STATE_NAME);
		return path;
	}
	char *dc = strdup(p0);
	if (!dc) {
		free(path);
		return NULL;
	}
	snprintf(path, n, "%s/%s", dirname(dc), SHIP_STATE_NAME);
	free(dc);
	return path;
}

/* The insert: the URL's path and query, then query=INSERT ...  Returns 0,
 * or -1 out of memory. */
static int ship_target(struct ship *S, const char *table)
{
	char q[512];
	snprintf(q, sizeof q, "INSERT INTO %s (%s) FORMAT TabSeparated", table,
	         ship_columns);
	size_t tcap = strlen(S->url.path) + strlen(S->url.query) + 3 * strlen(q) +
	              3 * (sizeof S->url.user + sizeof S->url.password) + 64;
	if (!(S->target = malloc(tcap)))
		return -1;
	snprintf(S->target, tcap, "%s?%s%s", S->url.path, S->url.query,
	         S->url.query[0] ? "&" : "");
	if (S->url.user[0]) {
		strcat(S->target, "user=");
		chttp_qencode(S->target, tcap, S->url.user);
		strcat(S->target, "&password=");
		chttp_qencode(S->target, tcap, S->url.password);
		strcat(S->target, "&");
	}
	strcat(S->target, "query=");
	chttp_qencode(S->target, tcap, q);
	return 0;
}

/* Take the lock next to the state file (FILE.lock, flock): two runs must
 * not interleave.  Returns its descriptor, or -1 after reporting. */
static int ship_lock(const char *state)
{
	size_t ll = strlen(state) + 6;
	char *lock_path = malloc(ll);
	if (!lock_path) {
		out_err("out of memory");
		return -1;
	}
	snprintf(lock_path, ll, "%s.lock", state);
	/* O_NOFOLLOW: a link planted here would have us create a file
	 * wherever it points. */
	int fd = open(lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	              0640);
	if (fd < 0) {
		out_err("ship: %s: %s", lock_path, errno == ELOOP
		        ? "a symbolic link: refused" : strerror(errno));
	} else if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		out_err("ship: %s: %s", lock_path,
		        errno == EWOULDBLOCK ? "another reach ship is running"
		                             : strerror(errno));
		close(fd);
		fd = -1;
	}
	free(lock_path);
	return fd;
}

/* The store for names: --db, or $REDIRECTD_DB, or the configuration's db
 * (names_store), or none (a warning).  Returns 0, or -1 after reporting. */
static int ship_names(struct ship *S, const char *db)
{
	const char *what;
	int rc;
	if (names_store(db, &db) < 0)
		return -1;
	if (!db || !*db) {
		out_err("warning: ship: no store (--db, REDIRECTD_DB, -c FILE): "
		        "shipping ids without names");
		return 0;
	}
	if ((rc = resolve_open(&S->names, db, &what))) {
		out_err("%s: %s: %s", db, what, mdb_strerror(rc));
		return -1;
	}
	return storecheck_init(&S->check, db, S->names.txn, &S->names.s,
	                       S->any_store);
}

/* What went where: a line per segment sent from, then the totals. */
static void ship_summary(const struct ship *S, const char *table, double secs)
{
	size_t nseg = 0;
	for (size_t i = 0; i < S->state.n; i++) {
		const struct shipstate_seg *g = S->state.segs[i];
		if (!g->sent)
			continue;
		nseg++;
		out_err("ship: %s: records %" PRIu64 "-%" PRIu64 " (%" PRIu64
		        ")", g->name, g->first, g->first + g->sent - 1, g->sent);
	}
	out_err("ship: shipped %" PRIu64 " records from %zu segments in %"
	        PRIu64 " batches, %.2f s (%.0f records/s) to %s %s%s",
	        S->shipped, nseg, S->batches, secs,
	        secs > 0 ? (double)S->shipped / secs : 0.0, S->url_text, table,
	        S->failed ? "; stopped at the error above" : "");
}

int ship_main(int argc, char **argv)
{
	struct ship S;
	struct ship_opts o = { 0 };
	char *state_buf = NULL;
	int lockfd = -1, ret = 1;

	memset(&S, 0, sizeof S);
	S.batch = SHIP_BATCH_DEFAULT;
	int rc = ship_parse(&S, &o, argc, argv);
	if (rc >= 0) {
		if (rc == 2)
			ship_usage(stderr);
		return rc;
	}
	if (!o.state && !(o.state = state_buf = ship_state_path(argv[optind])))
		goto oom;
	S.state.path = o.state;
	S.table = o.table;
	if (ship_target(&S, o.table) < 0)
		goto oom;
	if ((lockfd = ship_lock(o.state)) < 0 || shipstate_load(&S.state) < 0 ||
	    ship_names(&S, o.db) < 0)
		goto cleanup;

	double t0 = ship_now();
	for (int i = optind; i < argc && !S.failed; i++)
		S.errors += segwalk(argv[i], ship_seg, &S, NULL);
	if (!S.failed)
		ship_flush(&S);
	ship_summary(&S, o.table, ship_now() - t0);
	resolve_close(&S.names);
	damage_warn(&S.damage, "shipped");
	ret = S.errors || S.failed ? 1 : S.damage.records ? DAMAGE_EXIT : 0;
	goto cleanup;
oom:
	out_err("out of memory");
cleanup:
	if (lockfd >= 0)
		close(lockfd);
	shipstate_free(&S.state);
	free(S.buf);
	free(S.touched);
	free(S.upto);
	free(S.target);
	free(state_buf);
	damage_free(&S.damage);
	return ret;
}
