/*
 * redirectd: main() reads as the startup order.  Options and configuration,
 * the store, the log directory, the listening sockets, the workers; then the
 * main thread's own loop: signals, the periodic fdatasync of the click log,
 * segment rotation, reader-slot checks.  Startup errors are reported and
 * exit; once the workers run, nothing here exits but a clean shutdown.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "attrib.h"
#include "clicklog.h"
#include "clickrec.h"
#include "config.h"
#include "geo.h"
#include "net.h"
#include "privs.h"
#include "salt.h"
#include "server.h"
#include "store.h"
#include "storeslot.h"
#include "uaclass.h"
#include "version.h"
#include "visitor.h"

#define MAX_WORKERS 256
/* Segments per worker main keeps open: the current one, a pending one and
 * old ones not yet let go of (with log_sync = batch the sync thread makes
 * them durable first).  Past this a rotation is refused, and said so. */
#define SEG_OPEN_MAX CLICKLOG_RETIRED_MAX
#define READER_CHECK_MS 10000
/* How often the store path is checked for a swap (README "More than one
 * node"), and a taken admin_listen address tried again. */
#define WATCH_MS 1000
#define ADMIN_RETRY_MS 5000
/* A new store that failed to open is tried again this often. */
#define STORE_RETRY_MS 10000

/* Segment fds the main thread created for one worker and has not closed:
 * the current one, a pending one, retired ones awaiting a last sync. */
struct segs {
	int fd[SEG_OPEN_MAX];
	unsigned n;
};

static struct {
	struct config cfg;
	const char *conf_path;
	struct store_slot stores;
	struct attrib_slot attrib;
	struct server_params params;
	struct worker *workers;
	unsigned n_workers;
	struct segs *segs;
	struct dropwatch { uint64_t seen; int dropping; } *drops;
	struct event_base *base;
	uint64_t syncs, sync_errors;
	uint64_t last_reader_check_ms;
	int stopping;
	struct privs privs;
	/* /metrics and /healthz (admin.h), and what they read of main. */
	struct admin admin;
	struct admin_src asrc;
	uint64_t admin_retry_ms;
	int admin_warned;
	uint64_t segments_created;
	unsigned segments_open;
	char log_error[1024];       /* why the last segment create failed */
	/* Store swaps: what failed last (so it is not retried every second
	 * nor logged every time). */
	uint64_t store_swaps, store_swap_failures;
	char store_error[1024];
	dev_t bad_dev;
	ino_t bad_ino;
	int store_unwatchable;      /* the user cannot stat db/data.mdb */
	uint64_t bad_at_ms;
} g;

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
	va_list ap;
	fputs("redirectd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ms(void)
{
	return mono_ns() / 1000000;
}

static void usage(FILE *f)
{
	fprintf(f,
	"usage: redirectd [-n] [-c FILE] [--listen HOST:PORT[,...]] [--db DIR]\n"
	"                 [--log-dir DIR] [--state-dir DIR] [--threads N]\n"
	"                 [--node NAME] [--admin-listen ADDR]\n"
	"\n"
	"  -c, --config FILE   configuration file (see redirectd.conf)\n"
	"  -n, --check         check the configuration and exit\n"
	"      --listen ADDRS  addresses to listen on (directive listen)\n"
	"      --db DIR        the LMDB store written by linkctl (db)\n"
	"      --log-dir DIR   where click-log segments go (log_dir)\n"
	"      --state-dir DIR where the daily visitor salt is kept (state_dir)\n"
	"      --threads N     worker threads, 0: one per CPU (threads)\n"
	"      --node NAME     this node's name in the log (node)\n"
	"      --admin-listen ADDR  /metrics and /healthz: HOST:PORT,\n"
	"                      unix:/path or off (admin_listen)\n"
	"  -h, --help          this text\n"
	"  -V, --version       the version\n"
	"Command-line options override the configuration file.\n"
	"Signals: TERM/INT drain and exit; HUP/USR1 start new log segments;\n"
	"USR2 prints the counters.\n");
}

/* --- configuration ------------------------------------------------------ */

static int load_config_file(const char *path, struct config *cfg)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	static char buf[1 << 20];
	size_t len = fread(buf, 1, sizeof buf, f);
	int too_big = !feof(f);
	fclose(f);
	if (too_big) {
		fprintf(stderr, "%s: larger than 1 MiB\n", path);
		return -1;
	}
	struct config_diag diag;
	unsigned n = config_parse(cfg, buf, len, &diag);
	for (unsigned i = 0; i < n && i < CONFIG_DIAG_MAX; i++)
		fprintf(stderr, "%s:%u: %s\n", path, diag.e[i].line, diag.e[i].msg);
	if (n > CONFIG_DIAG_MAX)
		fprintf(stderr, "%s: %u more errors\n", path, n - CONFIG_DIAG_MAX);
	return n ? -1 : 0;
}

/* Checks that need more than the text: addresses resolve. */
static int check_config(const struct config *cfg)
{
	int bad = 0;
	for (unsigned i = 0; i < cfg->n_listen; i++) {
		struct sockaddr_storage ss;
		socklen_t len;
		char err[256];
		if (net_parse_addr(cfg->listen[i], &ss, &len, err, sizeof err) < 0) {
			fprintf(stderr, "%s: listen: %s\n",
			        g.conf_path ? g.conf_path : "command line", err);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

static void default_node(char *node, size_t len)
{
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	size_t n = 0;
	/* The first label of the host name, in the characters node allows. */
	for (const char *p = host; *p && *p != '.' && n + 1 < len; p++) {
		char c = *p;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		         (c >= '0' && c <= '9') || c == '-' || c == '_';
		node[n++] = ok ? c : '_';
	}
	if (n == 0)
		memcpy(node, "node", n = 4);
	node[n] = '\0';
}

/* --- attribution state ------------------------------------------------- */

/* Read a whole small file into a malloc'd buffer.  NULL and errno on
 * failure. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap || cap >= (1u << 24))
			break;
		char *bigger = realloc(buf, cap *= 2);
		if (!bigger) {
			free(buf);
			buf = NULL;
		}
		buf = bigger;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	*len = n;
	return buf;
}

/* The built-in User-Agent rules plus the operator's file, if any.  Errors
 * go to stderr as file:line: message; NULL then. */
static struct ua_rules *load_ua_rules(const char *path)
{
	struct ua_diag diag = { 0 };
	char *text = NULL;
	size_t len = 0;
	if (*path && !(text = read_file(path, &len))) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	struct ua_rules *r = ua_rules_new(text, len, &diag);
	for (unsigned i = 0; i < diag.n && i < sizeof diag.e / sizeof *diag.e; i++)
		fprintf(stderr, "%s:%u: %s\n", path, diag.e[i].line, diag.e[i].msg);
	if (!r && !diag.n)
		fprintf(stderr, "%s: out of memory for the User-Agent rules\n",
		        *path ? path : "ua_rules");
	free(text);
	return r;
}

/* The country database, or NULL with a warning: a missing database means
 * unknown countries, never a refusal to serve. */
static struct geo *load_geo(const char *path)
{
	struct geo *g = NULL;
	char err[256], desc[256];
	if (!*path)
		return NULL;
	if (geo_open(path, &g, err, sizeof err) < 0) {
		logmsg("warning: country database %s: %s; countries will be "
		       "unknown", path, err);
		return NULL;
	}
	geo_describe(g, desc, sizeof desc);
	logmsg("country database: %s", desc);
	return g;
}

static int64_t utc_now(void)
{
	return (int64_t)time(NULL);
}

/* A new state from parts; the key is the day's (from state_dir). */
static struct attrib *attrib_make(int64_t day, struct geo *geo,
                                  struct ua_rules *ua)
{
	unsigned char salt[VISITOR_SALT_LEN];
	int rc = salt_load(g.cfg.state_dir, day, salt);
	if (rc < 0) {
		logmsg("cannot keep the visitor salt in %s: %s", g.cfg.state_dir,
		       strerror(-rc));
		return NULL;
	}
	struct attrib *a = calloc(1, sizeof *a);
	if (a) {
		a->day = day;
		a->geo = geo;
		a->ua = ua;
		visitor_key_init(&a->vkey, salt);
	}
	explicit_bzero(salt, sizeof salt);
	return a;
}

/* Publish a and wake the workers so they take it up now. */
static void attrib_switch(struct attrib *a)
{
	if (attrib_publish(&g.attrib, a) < 0) {
		logmsg("workers are slow to take up new state; keeping the old");
		attrib_free(&g.attrib, a);
		return;
	}
	for (unsigned i = 0; i < g.n_workers; i++)
		worker_wake(&g.workers[i]);
}

/* SIGHUP: reload the country database and the User-Agent rules; keep the
 * old ones when a new one does not load. */
static void attrib_reload(void)
{
	struct attrib *cur = attrib_current(&g.attrib);
	struct geo *geo = cur->geo;
	struct ua_rules *ua = load_ua_rules(g.cfg.ua_rules);
	if (!ua) {
		logmsg("keeping the previous User-Agent rules");
		ua = cur->ua;
	}
	if (*g.cfg.geoip_db) {
		struct geo *fresh = load_geo(g.cfg.geoip_db);
		if (fresh)
			geo = fresh;
		else if (geo)
			logmsg("keeping the previous country database");
	}
	struct attrib *a = attrib_make(salt_day(utc_now()), geo, ua);
	if (!a) {
		if (geo != cur->geo)
			geo_close(geo);
		if (ua != cur->ua)
			ua_rules_free(ua);
		return;
	}
	attrib_switch(a);
}

static uint64_t min_seen_gen(void)
{
	uint64_t min = UINT64_MAX;
	for (unsigned i = 0; i < g.n_workers; i++) {
		uint64_t s = atomic_load_explicit(&g.workers[i].seen_gen,
		                                  memory_order_acquire);
		if (s < min)
			min = s;
	}
	return min;
}

static uint64_t min_seen_store(void)
{
	uint64_t min = UINT64_MAX;
	for (unsigned i = 0; i < g.n_workers; i++) {
		uint64_t s = atomic_load_explicit(&g.workers[i].seen_store,
		                                  memory_order_acquire);
		if (s < min)
			min = s;
	}
	return min;
}

/* --- the store, and following a swap -------------------------------------- */

static void store_failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void store_failed(const char *fmt, ...)
{
	char msg[sizeof g.store_error];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (strcmp(msg, g.store_error)) {
		logmsg("%s", msg);
		snprintf(g.store_error, sizeof g.store_error, "%s", msg);
	}
}

/*
 * A node's store is replaced by switching the symbolic link db to a new
 * directory (README "More than one node"): data.mdb behind db is then
 * another file.  Checked every WATCH_MS and on SIGHUP: one stat.  The new
 * environment is opened read-only and published; workers move to it
 * between loop passes; the old one is closed once they all have (the
 * tick's storeslot_reclaim).  Until a new store opens, the old one serves.
 */
static void store_watch(int force)
{
	struct store_gen *cur = storeslot_current(&g.stores);
	char path[CONFIG_STR_MAX + 16];
	struct stat st;
	snprintf(path, sizeof path, "%s/data.mdb", g.cfg.db);
	uint64_t now = mono_ms();
	if (stat(path, &st) < 0) {
		if (errno == EACCES || errno == EPERM) {
			/* Started as root with a store only root can reach
			 * (README "Privileges"): it serves, but a swap cannot
			 * be seen.  Said once; not a degradation. */
			if (!g.store_unwatchable)
				logmsg("note: store swaps of %s will not be followed: "
				       "%s cannot look into it (give the store to the "
				       "user: README \"More than one node\")",
				       g.cfg.db, *g.cfg.user ? g.cfg.user : "this user");
			g.store_unwatchable = 1;
			return;
		}
		store_failed("store %s: %s: %s; still serving %s", g.cfg.db, path,
		             strerror(errno), cur->dir);
		return;
	}
	if (st.st_dev == cur->data_dev && st.st_ino == cur->data_ino) {
		g.store_error[0] = '\0';   /* back to the store in use */
		return;
	}
	if (!force && st.st_dev == g.bad_dev && st.st_ino == g.bad_ino &&
	    now - g.bad_at_ms < STORE_RETRY_MS)
		return;
	struct store_gen *gen;
	int rc = storeslot_open(g.cfg.db, cur, &gen);
	if (rc) {
		if (!(st.st_dev == g.bad_dev && st.st_ino == g.bad_ino))
			g.store_swap_failures++;
		g.bad_dev = st.st_dev;
		g.bad_ino = st.st_ino;
		g.bad_at_ms = now;
		if (rc == EBUSY)
			store_failed("store %s: data.mdb was replaced inside the "
			             "directory in use; not followed (swap the "
			             "directory: README \"More than one node\"); "
			             "still serving %s", g.cfg.db, cur->dir);
		else
			store_failed("store %s: the new store cannot be opened: "
			             "%s; still serving %s", g.cfg.db,
			             mdb_strerror(rc), cur->dir);
		return;
	}
	if (storeslot_publish(&g.stores, gen) < 0) {
		storeslot_close(gen);
		store_failed("store %s: workers still hold %u old stores; the "
		             "swap waits", g.cfg.db, STORESLOT_RETIRED_MAX);
		return;
	}
	g.store_swaps++;
	g.store_error[0] = '\0';
	g.bad_dev = 0;
	g.bad_ino = 0;
	logmsg("store %s swapped: now %s (generation %llu)", g.cfg.db, gen->dir,
	       (unsigned long long)gen->gen);
	for (unsigned i = 0; i < g.n_workers; i++)
		worker_wake(&g.workers[i]);
}

/* Close the stores every worker has left. */
static void store_reclaim(void)
{
	unsigned n = storeslot_reclaim(&g.stores, min_seen_store());
	if (n)
		logmsg("closed %u old store%s", n, n == 1 ? "" : "s");
}

/* --- the admin listener ---------------------------------------------------- */

/* Bind admin_listen, or say why not.  A taken address is not fatal: the
 * redirects matter more than their metrics, and during an upgrade the old
 * daemon (still draining) holds the address: this one takes it over once
 * it is free (tried every ADMIN_RETRY_MS). */
static void admin_try(void)
{
	char err[256];
	if (!admin_unbound(&g.admin))
		return;
	g.admin_retry_ms = mono_ms();
	if (admin_listen(&g.admin, err, sizeof err) < 0) {
		if (!g.admin_warned)
			logmsg("warning: admin_listen %s: %s; no /metrics or "
			       "/healthz until it is free (tried every %d s)",
			       g.cfg.admin_listen, err, ADMIN_RETRY_MS / 1000);
		g.admin_warned = 1;
		return;
	}
	/* A unix socket made as root: the user it runs as owns it. */
	if (g.admin.unix_path[0] && g.privs.drop &&
	    chown(g.admin.unix_path, g.privs.uid, g.privs.gid) < 0)
		logmsg("warning: chown %s: %s", g.admin.unix_path, strerror(errno));
	logmsg("admin: /metrics and /healthz on %s", g.cfg.admin_listen);
}

/* --- segments ------------------------------------------------------------ */

static int segs_add(struct segs *s, int fd)
{
	if (s->n == SEG_OPEN_MAX)
		return -1;
	s->fd[s->n++] = fd;
	g.segments_open++;
	g.segments_created++;
	return 0;
}

static void segs_close(struct segs *s, int fd)
{
	for (unsigned i = 0; i < s->n; i++) {
		if (s->fd[i] != fd)
			continue;
		if (fdatasync(fd) < 0)
			g.sync_errors++;
		close(fd);
		s->fd[i] = s->fd[--s->n];
		g.segments_open--;
		return;
	}
	close(fd);
}

/* Create a new segment for worker i and offer it.  Returns 1 (offered),
 * 0 (a new segment is already pending: that one will do) or -1 (said why). */
static int rotate_worker(unsigned i)
{
	char path[4096];
	struct segs *s = &g.segs[i];
	if (s->n >= SEG_OPEN_MAX - 1) {
		logmsg("worker %u has not let go of %u old segments; not "
		       "rotating it", i, s->n - 1);
		return -1;
	}
	int fd = clicklog_segment_create(g.cfg.log_dir, g.cfg.node, i, path,
	                                 sizeof path);
	if (fd < 0) {
		logmsg("cannot create a segment in %s: %s", g.cfg.log_dir,
		       strerror(-fd));
		snprintf(g.log_error, sizeof g.log_error, "cannot create a click-log "
		         "segment in %s: %s", g.cfg.log_dir, strerror(-fd));
		return -1;
	}
	g.log_error[0] = '\0';
	if (clicklog_offer(&g.workers[i].log, fd, CLICKREC_HEADER_SIZE) < 0) {
		close(fd);
		unlink(path);
		return 0;
	}
	segs_add(s, fd);
	worker_wake(&g.workers[i]);
	return 1;
}

/* Close (after a last fdatasync) the segments workers swapped out. */
static void close_retired(void)
{
	for (unsigned i = 0; i < g.n_workers; i++) {
		int fds[CLICKLOG_RETIRED_MAX];
		unsigned n = clicklog_take_retired(&g.workers[i].log, fds,
		                                   CLICKLOG_RETIRED_MAX);
		for (unsigned k = 0; k < n; k++)
			segs_close(&g.segs[i], fds[k]);
	}
}

/* Close what workers retired, then make everything written durable (with
 * log_sync = batch the sync threads do that). */
static void sync_segments(void)
{
	close_retired();
	if (g.cfg.log_sync_ms < 0)
		return;
	for (unsigned i = 0; i < g.n_workers; i++) {
		int failed = 0, err = 0;
		/* What was written before the round began is durable if the
		 * round succeeds (/metrics: the sync lag). */
		struct clicklog *cl = &g.workers[i].log;
		uint64_t batches = atomic_load_explicit(&cl->batches,
		                                        memory_order_acquire);
		uint64_t began = mono_ns();
		for (unsigned k = 0; k < g.segs[i].n; k++) {
			g.syncs++;
			if (fdatasync(g.segs[i].fd[k]) < 0) {
				/* A failed fdatasync cannot be retried and
				 * trusted: the pages may be gone.  Move on to a
				 * new segment. */
				g.sync_errors++;
				failed = 1;
				err = errno;
			}
		}
		if (failed) {
			logmsg("fdatasync failed on worker %u's segment: %s; "
			       "starting a new one", i, strerror(err));
			rotate_worker(i);
		} else {
			atomic_store_explicit(&cl->synced_batches, batches,
			                      memory_order_relaxed);
			atomic_store_explicit(&cl->synced_at_ns, began,
			                      memory_order_relaxed);
		}
	}
}

/*
 * Records the workers could not write (a full disk, a file-size limit, an
 * I/O error) are dropped and counted, never waited for: the redirects go
 * on.  Operators hear of it here, once when it starts and once when appends
 * resume, with counts; SIGUSR2 and the exit summary print the counters.
 * With log_sync = batch, a failed fdatasync moves the worker to a new
 * segment.
 */
static void watch_log(void)
{
	for (unsigned i = 0; i < g.n_workers; i++) {
		struct clicklog *cl = &g.workers[i].log;
		struct dropwatch *dw = &g.drops[i];
		uint64_t dropped = atomic_load_explicit(&cl->dropped,
		                                        memory_order_relaxed);
		int err = atomic_load_explicit(&cl->last_errno,
		                               memory_order_relaxed);
		if (dropped > dw->seen && !dw->dropping) {
			logmsg("worker %u: cannot write the click log (%s): "
			       "dropping records, still redirecting; %llu "
			       "dropped so far", i, strerror(err ? err : EIO),
			       (unsigned long long)dropped);
			dw->dropping = 1;
		}
		if (dw->dropping && err == 0) {
			logmsg("worker %u: click log appends resumed; %llu "
			       "records dropped in all", i,
			       (unsigned long long)dropped);
			dw->dropping = 0;
		}
		dw->seen = dropped;
		if (atomic_exchange(&cl->sync_failed, 0)) {
			logmsg("fdatasync failed on worker %u's segment; "
			       "starting a new one", i);
			rotate_worker(i);
		}
	}
}

/* --- the main loop ------------------------------------------------------- */

static void print_stats(const char *label);

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	if (sig == SIGTERM || sig == SIGINT) {
		if (g.stopping)
			return;
		g.stopping = 1;
		logmsg("%s: draining connections (up to %u ms)",
		       sig == SIGTERM ? "SIGTERM" : "SIGINT",
		       g.cfg.drain_timeout_ms);
		for (unsigned i = 0; i < g.n_workers; i++)
			worker_stop(&g.workers[i]);
		event_base_loopbreak(g.base);
		return;
	}
	if (sig == SIGUSR2) {
		print_stats("counters");
		return;
	}
	/* SIGHUP also reloads the country database and the UA rules, and
	 * looks for a swapped store at once. */
	if (sig == SIGHUP) {
		attrib_reload();
		store_watch(1);
	}
	/* SIGHUP / SIGUSR1: new segments, for log rotation.  What workers
	 * swapped out is closed first: rotations faster than the timer must
	 * not find every segment slot taken. */
	close_retired();
	unsigned fresh = 0, pending = 0;
	for (unsigned i = 0; i < g.n_workers; i++) {
		int rc = rotate_worker(i);
		fresh += rc == 1;
		pending += rc == 0;
	}
	char more[64] = "";
	if (pending)
		snprintf(more, sizeof more, " (%u still pending)", pending);
	logmsg("%s: new log segments for %u of %u workers%s",
	       sig == SIGHUP ? "SIGHUP" : "SIGUSR1", fresh, g.n_workers, more);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	sync_segments();
	watch_log();
	/* A new UTC day: a new visitor key, and yesterday's salt is gone. */
	struct attrib *cur = attrib_current(&g.attrib);
	int64_t day = salt_day(utc_now());
	if (day != cur->day) {
		struct attrib *a = attrib_make(day, cur->geo, cur->ua);
		if (a)
			attrib_switch(a);
	}
	attrib_reclaim(&g.attrib, min_seen_gen());
	uint64_t now = mono_ms();
	if (now - g.last_reader_check_ms >= READER_CHECK_MS) {
		/* Reader slots of killed processes (a reach or mdb_stat
		 * killed mid-read) stay taken until someone clears them. */
		int dead = 0;
		mdb_reader_check(storeslot_current(&g.stores)->store.env, &dead);
		if (dead)
			logmsg("cleared %d stale LMDB reader slots", dead);
		g.last_reader_check_ms = now;
	}
}

/* Every WATCH_MS, whatever log_sync's interval: a swapped store, old
 * stores to close, /healthz's windows, a taken admin address. */
static void on_watch(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	store_watch(0);
	store_reclaim();
	admin_tick(&g.admin);
	if (admin_unbound(&g.admin) && mono_ms() - g.admin_retry_ms >= ADMIN_RETRY_MS)
		admin_try();
}

/* One line of every counter, summed over the workers: "totals" at exit,
 * "counters" on SIGUSR2 (while workers run: relaxed reads, each counter
 * exact, the line not one instant). */
static void print_stats(const char *label)
{
	char line[2048];
	size_t o = 0;
#define X(name, help) \
	{ \
		uint64_t sum = 0; \
		for (unsigned i = 0; i < g.n_workers; i++) \
			sum += WORKER_STAT(&g.workers[i], name); \
		o += (size_t)snprintf(line + o, sizeof line - o, " %s=%llu", \
		                      #name, (unsigned long long)sum); \
	}
	WORKER_STATS(X)
#undef X
	uint64_t humans = 0;
	for (unsigned i = 0; i < g.n_workers; i++)
		humans += WORKER_STAT(&g.workers[i], class[CLASS_HUMAN]);
	o += (size_t)snprintf(line + o, sizeof line - o, " humans=%llu",
	                      (unsigned long long)humans);
	uint64_t written = 0, dropped = 0, werr = 0;
	uint64_t syncs = g.syncs, serr = g.sync_errors;
	for (unsigned i = 0; i < g.n_workers; i++) {
		const struct clicklog *cl = &g.workers[i].log;
#define LOAD(x) atomic_load_explicit(&cl->x, memory_order_relaxed)
		written += LOAD(written);
		dropped += LOAD(dropped);
		werr += LOAD(write_errors);
		syncs += LOAD(syncs);
		serr += LOAD(sync_errors);
#undef LOAD
	}
	logmsg("%s:%s records_written=%llu records_dropped=%llu "
	       "write_errors=%llu log_syncs=%llu sync_errors=%llu", label, line,
	       (unsigned long long)written, (unsigned long long)dropped,
	       (unsigned long long)werr, (unsigned long long)syncs,
	       (unsigned long long)serr);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "listen", required_argument, NULL, 'L' },
		{ "db", required_argument, NULL, 'D' },
		{ "log-dir", required_argument, NULL, 'O' },
		{ "threads", required_argument, NULL, 'T' },
		{ "node", required_argument, NULL, 'N' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "admin-listen", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct { const char *name, *value; } over[16];
	unsigned n_over = 0;
	int check_only = 0, opt;

	config_init(&g.cfg);
	while ((opt = getopt_long(argc, argv, "c:nhV", opts, NULL)) != -1) {
		const char *name = NULL;
		switch (opt) {
		case 'c': g.conf_path = optarg; break;
		case 'n': check_only = 1; break;
		case 'L': name = "listen"; break;
		case 'D': name = "db"; break;
		case 'O': name = "log_dir"; break;
		case 'T': name = "threads"; break;
		case 'N': name = "node"; break;
		case 'S': name = "state_dir"; break;
		case 'A': name = "admin_listen"; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("redirectd %s\n", REDIRECTD_VERSION); return 0;
		default: usage(stderr); return 2;
		}
		if (name && n_over < 16) {
			over[n_over].name = name;
			over[n_over++].value = optarg;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "redirectd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	/* 1. Configuration: the file, then the command line over it. */
	int bad = 0;
	if (g.conf_path && load_config_file(g.conf_path, &g.cfg) < 0)
		bad = 1;
	for (unsigned i = 0; i < n_over; i++) {
		char err[256];
		if (config_set(&g.cfg, over[i].name, over[i].value, err,
		               sizeof err) < 0) {
			fprintf(stderr, "command line: %s\n", err);
			bad = 1;
		}
	}
	if (!bad && check_config(&g.cfg) < 0)
		bad = 1;
	/* Static: startup errors below return without a cleanup ladder, and
	 * what they leave must stay reachable for LeakSanitizer. */
	static struct ua_rules *ua;
	ua = bad ? NULL : load_ua_rules(g.cfg.ua_rules);
	if (!bad && !ua)
		bad = 1;
	if (check_only) {
		if (!bad && *g.cfg.geoip_db) {
			struct geo *geo = load_geo(g.cfg.geoip_db);
			if (geo)
				geo_close(geo);
		}
		ua_rules_free(ua);
		if (!bad)
			printf("%s: configuration OK\n",
			       g.conf_path ? g.conf_path : "redirectd");
		return bad ? 1 : 0;
	}
	if (bad)
		return 1;
	if (!g.cfg.node[0])
		default_node(g.cfg.node, sizeof g.cfg.node);

	/* 2. Process set-up: no SIGPIPE (a client gone mid-write is an error
	 * return, not a death); no core dumps (the salt and client addresses
	 * live in this memory), umask 027, the user to become (privs.c). */
	signal(SIGPIPE, SIG_IGN);
	/* A file-size limit (RLIMIT_FSIZE) must be a failed write, counted
	 * like a full disk, not the death of the daemon. */
	signal(SIGXFSZ, SIG_IGN);
	/* Every connection is a descriptor: a shell's soft limit of 1024
	 * would refuse connections (EMFILE: accepting pauses) long before
	 * max_connections.  Raise the soft limit as far as the hard one
	 * allows, as nginx's worker_rlimit_nofile does. */
	struct rlimit nofile;
	rlim_t want = (rlim_t)g.cfg.max_connections + 256;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < want) {
		nofile.rlim_cur = nofile.rlim_max != RLIM_INFINITY &&
		                  nofile.rlim_max < want ? nofile.rlim_max : want;
		if (setrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < want)
			logmsg("warning: the descriptor limit (RLIMIT_NOFILE) is "
			       "%llu: fewer than max_connections = %u connections "
			       "can be open", (unsigned long long)nofile.rlim_cur,
			       g.cfg.max_connections);
	}
	if (privs_init(&g.privs, g.cfg.user) < 0)
		return 1;

	/* 3. The store, read-only (db may be a symbolic link to the
	 * directory: see store_watch). */
	struct store_gen *gen;
	int rc = storeslot_open(g.cfg.db, NULL, &gen);
	if (rc) {
		logmsg("cannot open the store %s: %s%s", g.cfg.db, mdb_strerror(rc),
		       rc == ENOENT ? " (create it with: linkctl --db DIR staff add ...)"
		                    : "");
		return 1;
	}
	storeslot_publish(&g.stores, gen);

	/* 4. The log directory, and the torn tails of a previous crash. */
	if (mkdir(g.cfg.log_dir, 0750) < 0 && errno != EEXIST) {
		logmsg("cannot create log_dir %s: %s", g.cfg.log_dir, strerror(errno));
		return 1;
	}
	uint64_t cut = 0;
	rc = clicklog_repair(g.cfg.log_dir, g.cfg.node, &cut);
	if (rc < 0) {
		logmsg("cannot read log_dir %s: %s", g.cfg.log_dir, strerror(-rc));
		return 1;
	}
	if (rc > 0)
		logmsg("cut %llu bytes of torn records off %d segment(s) in %s",
		       (unsigned long long)cut, rc, g.cfg.log_dir);

	/* 5. Workers and their sockets. */
	unsigned n = g.cfg.threads;
	if (n == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		n = cpus > 0 ? (unsigned)cpus : 1;
	}
	if (n > MAX_WORKERS)
		n = MAX_WORKERS;
	g.n_workers = n;
	g.workers = calloc(n, sizeof *g.workers);
	g.segs = calloc(n, sizeof *g.segs);
	g.drops = calloc(n, sizeof *g.drops);
	if (!g.workers || !g.segs || !g.drops) {
		logmsg("out of memory");
		return 1;
	}
	/* The admin listener, served from main's own loop once it runs (a
	 * port under 1024 or a root-only directory need root: bound before
	 * the drop; and before the public sockets, so that a daemon that
	 * answers redirects answers /healthz too). */
	g.base = event_base_new();
	if (!g.base) {
		logmsg("event_base_new failed");
		return 1;
	}
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	g.asrc = (struct admin_src){
		.cfg = &g.cfg,
		.workers = g.workers,
		.n_workers = n,
		.stores = &g.stores,
		.attrib = &g.attrib,
		.syncs = &g.syncs,
		.sync_errors = &g.sync_errors,
		.segments_created = &g.segments_created,
		.segments_open = &g.segments_open,
		.store_swaps = &g.store_swaps,
		.store_swap_failures = &g.store_swap_failures,
		.store_error = g.store_error,
		.log_error = g.log_error,
		.start_time = (double)wall.tv_sec + (double)wall.tv_nsec / 1e9,
		.start_mono_ns = mono_ns(),
	};
	admin_init(&g.admin, g.base, g.cfg.admin_listen, &g.asrc);
	admin_try();

	struct attrib *at = attrib_make(salt_day(utc_now()),
	                                load_geo(g.cfg.geoip_db), ua);
	if (!at)
		return 1;
	attrib_publish(&g.attrib, at);
	g.params = (struct server_params){
		.cfg = &g.cfg,
		.stores = &g.stores,
		.attrib = &g.attrib,
		.node_hash = clickrec_node_hash(g.cfg.node, strlen(g.cfg.node)),
		.max_conns = (g.cfg.max_connections + n - 1) / n,
	};
	for (unsigned i = 0; i < n; i++) {
		int fds[CONFIG_LIST_MAX];
		char err[256], path[4096];
		for (unsigned k = 0; k < g.cfg.n_listen; k++) {
			struct sockaddr_storage ss;
			socklen_t len;
			if (net_parse_addr(g.cfg.listen[k], &ss, &len, err,
			                   sizeof err) < 0 ||
			    (fds[k] = net_listen(&ss, len, 4096, err, sizeof err)) < 0) {
				logmsg("listen %s: %s", g.cfg.listen[k], err);
				return 1;
			}
		}
		if (worker_init(&g.workers[i], i, &g.params, fds, g.cfg.n_listen,
		                err, sizeof err) < 0) {
			logmsg("%s", err);
			return 1;
		}
		int fd = clicklog_segment_create(g.cfg.log_dir, g.cfg.node, i, path,
		                                 sizeof path);
		if (fd < 0) {
			logmsg("cannot create a segment in %s: %s", g.cfg.log_dir,
			       strerror(-fd));
			return 1;
		}
		g.workers[i].log.fd = fd;
		g.workers[i].log.size = CLICKREC_HEADER_SIZE;
		segs_add(&g.segs[i], fd);
	}

	/* 5b. Sockets, store, log and state are open: become `user`. */
	if (privs_drop(&g.privs, &g.cfg) < 0)
		return 1;

	/* 6. Signals go to the main thread only: block them while the
	 * workers are created (they inherit the mask), then let libevent
	 * catch them here. */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	/* log_sync = batch: a sync thread per worker (clicklog.h).  The
	 * environment variable is a test hook that slows every sync. */
	const char *delay = getenv("REDIRECTD_TEST_SYNC_DELAY_MS");
	for (unsigned i = 0; i < n && g.cfg.log_sync_ms == LOG_SYNC_BATCH; i++) {
		if ((rc = clicklog_sync_start(&g.workers[i].log,
		                              g.workers[i].wake_fd,
		                              delay ? (unsigned)atoi(delay) : 0))) {
			logmsg("cannot start a sync thread: %s", strerror(rc));
			return 1;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if ((rc = worker_start(&g.workers[i]))) {
			logmsg("pthread_create: %s", strerror(rc));
			return 1;
		}
	}
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2 };
	struct event *sigev[sizeof sigs / sizeof *sigs];
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
		struct event *ev = sigev[i] = evsignal_new(g.base, sigs[i],
		                                           on_signal, NULL);
		if (!ev || event_add(ev, NULL) < 0) {
			logmsg("cannot catch signal %d", sigs[i]);
			return 1;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	unsigned tick_ms = g.cfg.log_sync_ms > 0 ? (unsigned)g.cfg.log_sync_ms : 1000;
	struct timeval tv = { tick_ms / 1000, (tick_ms % 1000) * 1000 };
	struct event *tick = event_new(g.base, -1, EV_PERSIST, on_tick, NULL);
	if (!tick || event_add(tick, &tv) < 0) {
		logmsg("cannot add the sync timer");
		return 1;
	}
	struct timeval watch_tv = { WATCH_MS / 1000, (WATCH_MS % 1000) * 1000 };
	struct event *watch = event_new(g.base, -1, EV_PERSIST, on_watch, NULL);
	if (!watch || event_add(watch, &watch_tv) < 0) {
		logmsg("cannot add the watch timer");
		return 1;
	}
	g.last_reader_check_ms = mono_ms();

	char listening[1024] = "";
	for (unsigned k = 0; k < g.cfg.n_listen; k++)
		snprintf(listening + strlen(listening),
		         sizeof listening - strlen(listening), "%s%s",
		         k ? ", " : "", g.cfg.listen[k]);
	logmsg("%s listening on %s with %u worker%s; store %s; log %s; node %s",
	       REDIRECTD_VERSION, listening, n, n == 1 ? "" : "s", g.cfg.db,
	       g.cfg.log_dir, g.cfg.node);

	/* 7. Run until SIGTERM/SIGINT, then drain. */
	event_base_dispatch(g.base);
	for (unsigned i = 0; i < n; i++) {
		worker_join(&g.workers[i]);
		clicklog_sync_stop(&g.workers[i].log);
	}
	sync_segments();
	for (unsigned i = 0; i < n; i++) {
		while (g.segs[i].n)
			segs_close(&g.segs[i], g.segs[i].fd[0]);
	}
	print_stats("totals");
	for (unsigned i = 0; i < n; i++)
		worker_deinit(&g.workers[i]);
	event_free(tick);
	event_free(watch);
	admin_deinit(&g.admin);
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
		event_free(sigev[i]);
	event_base_free(g.base);
	attrib_slot_free(&g.attrib);
	storeslot_free(&g.stores);
	free(g.workers);
	free(g.segs);
	free(g.drops);
	logmsg("stopped");
	return 0;
}
