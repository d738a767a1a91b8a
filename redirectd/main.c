/*
 * redirectd: main() reads as the startup order.  Options and configuration,
 * process set-up, the store, the log directory, the workers with their
 * sockets and first segments, the drop of privileges, the threads; then the
 * main thread's own loop, whose signal and timer callbacks only dispatch to
 * the modules that own the work: segments.c (rotation, the periodic
 * fdatasync, dropped-record reports), storewatch.c (a swapped store, stale
 * reader slots), reload.c (SIGHUP's reload, the midnight key), admin.c and
 * metrics.c (/metrics, /healthz, the counters line).  Then shutdown, in
 * order.  Startup errors are reported and exit; once the workers run,
 * nothing here exits but a clean shutdown.
 */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
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
#include "logmsg.h"
#include "metrics.h"
#include "monotime.h"
#include "net.h"
#include "privs.h"
#include "reload.h"
#include "safedir.h"
#include "segments.h"
#include "server.h"
#include "store.h"
#include "storeslot.h"
#include "storewatch.h"
#include "uaclass.h"
#include "version.h"

#define MAX_WORKERS 256
/* How often the store path is checked for a swap (storewatch.h), old
 * stores closed, /healthz's windows moved, and a taken admin_listen
 * address tried again (every ADMIN_RETRY_MS). */
#define WATCH_MS 1000
#define ADMIN_RETRY_MS 5000

/* The signals main catches; workers have them blocked. */
static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2 };
#define N_SIGS (sizeof sigs / sizeof *sigs)

/* What ties the modules together: the configuration, the two slots the
 * workers read, the workers, main's loop and the modules around them. */
static struct {
	struct config cfg;
	struct store_slot stores;    /* read by workers, swapped by watch */
	struct attrib_slot attrib;   /* read by workers, made by reload */
	struct server_params params;
	struct worker *workers;
	unsigned n_workers;
	struct privs privs;
	struct segments segs;
	int log_dfd;                /* log_dir as start-up checked it; -1 */
	struct storewatch watch;
	struct reload reload;
	struct metrics_src msrc;
	struct metrics metrics;
	struct admin admin;
	uint64_t admin_tried_ms;
	int admin_warned;
	struct event_base *base;
	struct event *sigev[N_SIGS], *tick, *watch_ev;
	int stopping;
} g;

/* The command line: a config file, -n, and directives to set over it. */
struct options {
	const char *conf_path;
	int check_only;
	struct { const char *name, *value; } over[16];
	unsigned n_over;
};

static void usage(FILE *f)
{
	fprintf(f,
	"usage: redirectd [-n] [-c FILE] [--listen HOST:PORT[,...]] [--db DIR]\n"
	"                 [--log-dir DIR] [--state-dir DIR] [--threads N]\n"
	"                 [--node NAME] [--admin-listen ADDR]\n"
	"                 [--store-map-size SIZE]\n"
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
	"      --store-map-size SIZE  address space mapped for the store,\n"
	"                      e.g. 64G (store_map_size)\n"
	"  -h, --help          this text\n"
	"  -V, --version       the version\n"
	"Command-line options override the configuration file.\n"
	"Signals: TERM/INT drain and exit; HUP/USR1 start new log segments;\n"
	"USR2 prints the counters.\n");
}

/* Returns -1 to go on, or the exit status (--help, --version, a usage
 * error). */
static int options_parse(int argc, char **argv, struct options *o)
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
		{ "store-map-size", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	*o = (struct options){ 0 };
	while ((opt = getopt_long(argc, argv, "c:nhV", opts, NULL)) != -1) {
		const char *name = NULL;
		switch (opt) {
		case 'c': o->conf_path = optarg; break;
		case 'n': o->check_only = 1; break;
		case 'L': name = "listen"; break;
		case 'D': name = "db"; break;
		case 'O': name = "log_dir"; break;
		case 'T': name = "threads"; break;
		case 'N': name = "node"; break;
		case 'S': name = "state_dir"; break;
		case 'A': name = "admin_listen"; break;
		case 'M': name = "store_map_size"; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("redirectd %s\n", REDIRECTD_VERSION); return 0;
		default: usage(stderr); return 2;
		}
		if (name && o->n_over < 16) {
			o->over[o->n_over].name = name;
			o->over[o->n_over++].value = optarg;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "redirectd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	return -1;
}

/* --- 1. configuration ---------------------------------------------------- */

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

/* Checks that need more than the text: addresses resolve; and a warning
 * (at start and with -n) for an admin listener other hosts can reach:
 * /metrics tells anyone the traffic, and the port is not built to face
 * the network. */
static int check_config(const struct config *cfg, const char *conf_path)
{
	int bad = 0;
	struct sockaddr_storage as;
	socklen_t alen;
	char aerr[256];
	if (cfg->admin_listen[0] && strncmp(cfg->admin_listen, "unix:", 5) &&
	    net_parse_addr(cfg->admin_listen, &as, &alen, aerr, sizeof aerr) == 0 &&
	    !net_is_loopback(&as))
		logmsg("warning: admin_listen %s is not a loopback address: "
		       "/metrics and /healthz answer every host that can reach it "
		       "(use 127.0.0.1, ::1 or unix:PATH, or firewall it)",
		       cfg->admin_listen);
	for (unsigned i = 0; i < cfg->n_listen; i++) {
		struct sockaddr_storage ss;
		socklen_t len;
		char err[256];
		if (net_parse_addr(cfg->listen[i], &ss, &len, err, sizeof err) < 0) {
			fprintf(stderr, "%s: listen: %s\n",
			        conf_path ? conf_path : "command line", err);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* The file, then the command line over it.  0, or -1 (said why). */
static int config_load(const struct options *o)
{
	int bad = 0;
	config_init(&g.cfg);
	if (o->conf_path && load_config_file(o->conf_path, &g.cfg) < 0)
		bad = 1;
	for (unsigned i = 0; i < o->n_over; i++) {
		char err[256];
		if (config_set(&g.cfg, o->over[i].name, o->over[i].value, err,
		               sizeof err) < 0) {
			fprintf(stderr, "command line: %s\n", err);
			bad = 1;
		}
	}
	if (!bad && check_config(&g.cfg, o->conf_path) < 0)
		bad = 1;
	return bad ? -1 : 0;
}

/* -n: the country database is opened too (a warning if it does not). */
static int config_report(const struct options *o, int bad,
                         struct ua_rules *ua)
{
	if (!bad && *g.cfg.geoip_db) {
		struct geo *geo = reload_geo(g.cfg.geoip_db);
		if (geo)
			geo_close(geo);
	}
	ua_rules_free(ua);
	if (!bad)
		printf("%s: configuration OK\n",
		       o->conf_path ? o->conf_path : "redirectd");
	return bad ? 1 : 0;
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

/* --- 2. process set-up ---------------------------------------------------- */

/* No SIGPIPE (a client gone mid-write is an error return, not a death); no
 * core dumps (the salt and client addresses live in this memory), umask
 * 027, the user to become (privs.c). */
static int process_setup(void)
{
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
	return privs_init(&g.privs, g.cfg.user);
}

/* --- 3. the store, 4. the log directory ----------------------------------- */

/*
 * The first store, opened as root would open it, but with the daemon
 * user's file identity (setfsuid) when privileges are to be dropped: LMDB
 * opens lock.mdb read-write by name, and whoever can write the store's
 * directory (the user, when the store is shipped to it) could swap a link
 * in between any check and that open, for root to write through.  As the
 * user it can only write what the user can.  A store the user cannot
 * read at all is opened as root only when no one else can write its
 * directory (nothing can be planted there); it is then served, but a swap
 * is not followed (storewatch.c says so).
 */
static int store_open_first(struct store_gen **gen)
{
	if (!g.privs.drop)
		return storeslot_open(g.cfg.db, g.cfg.store_map_size, NULL, gen);
	/* setfsuid returns the previous value whatever happens: the
	 * identity is checked by reading it back (-1 changes nothing). */
	setfsgid(g.privs.gid);
	setfsuid(g.privs.uid);
	int as_user = (uid_t)setfsuid((uid_t)-1) == g.privs.uid &&
	              (gid_t)setfsgid((gid_t)-1) == g.privs.gid;
	int rc = as_user ? storeslot_open(g.cfg.db, g.cfg.store_map_size,
	                                  NULL, gen)
	                 : EPERM;
	setfsuid(0);
	setfsgid(0);
	if (rc != EACCES && rc != EPERM)
		return rc;
	struct stat st;
	char dir[PATH_MAX];
	if (!realpath(g.cfg.db, dir) || stat(dir, &st) < 0)
		return errno;
	if (st.st_uid != 0 || (st.st_mode & 022)) {
		logmsg("the store %s: %s cannot read it, and %s may be written "
		       "by others than root: not opened as root (give the store "
		       "to %s, or to root alone: redirectd(8), SECURITY)",
		       g.cfg.db, g.privs.user, dir, g.privs.user);
		return EACCES;
	}
	return storeslot_open(g.cfg.db, g.cfg.store_map_size, NULL, gen);
}

/* Read-only; db may be a symbolic link to the directory (storewatch.h). */
static int store_first(void)
{
	/* As root, LMDB opens lock.mdb read-write by name: never a link that
	 * whoever can write the store's directory could have planted. */
	char why[PATH_MAX + 256];
	if (safedir_file_check(g.cfg.db, "lock.mdb", why, sizeof why) < 0) {
		logmsg("the store %s: %s", g.cfg.db, why);
		return -1;
	}
	struct store_gen *gen;
	int rc = store_open_first(&gen);
	if (rc) {
		logmsg("cannot open the store %s: %s%s", g.cfg.db, mdb_strerror(rc),
		       rc == ENOENT ? " (create it with: linkctl --db DIR staff add ...)"
		       : rc == ENOMEM ? " (no address space for a map of "
		                        "store_map_size: lower it)"
		                    : "");
		return -1;
	}
	storeslot_publish(&g.stores, gen);
	return 0;
}

/* The directory, and the torn tails of a previous crash.  First both
 * directories are checked, before crash repair and the salt touch them as
 * root. */
static int logdir_open(void)
{
	if (privs_check_dirs(&g.privs, &g.cfg) < 0)
		return -1;
	char why[PATH_MAX + 256];
	int dfd = safedir_open(g.cfg.log_dir, 0750, why, sizeof why);
	if (dfd < 0) {
		logmsg("log_dir %s: %s", g.cfg.log_dir, why);
		return -1;
	}
	uint64_t cut = 0;
	int rc = clicklog_repair(dfd, g.cfg.node,
	                         g.privs.drop ? g.privs.uid : geteuid(), &cut);
	/* Kept: the segments are made in this directory, by descriptor, as
	 * root at first (a log_dir swapped for a link since is not it). */
	g.log_dfd = dfd;
	if (rc < 0) {
		logmsg("cannot read log_dir %s: %s", g.cfg.log_dir, strerror(-rc));
		return -1;
	}
	if (rc > 0)
		logmsg("cut %llu bytes of torn records off %d segment(s) in %s",
		       (unsigned long long)cut, rc, g.cfg.log_dir);
	return 0;
}

/* --- 5. the workers and the modules around them ---------------------------- */

/* The worker structs, and the main-thread modules that look after them. */
static int workers_alloc(void)
{
	unsigned n = g.cfg.threads;
	if (n == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		n = cpus > 0 ? (unsigned)cpus : 1;
	}
	if (n > MAX_WORKERS)
		n = MAX_WORKERS;
	g.n_workers = n;
	g.workers = calloc(n, sizeof *g.workers);
	if (!g.workers || segments_init(&g.segs, &g.cfg, g.log_dfd, g.workers, n) < 0) {
		logmsg("out of memory");
		return -1;
	}
	/* The first segments carry the identity of the store opened. */
	segments_store(&g.segs, storeslot_current(&g.stores)->id);
	storewatch_init(&g.watch, &g.cfg, &g.stores, &g.segs, g.workers, n);
	return 0;
}

/* Bind admin_listen, or say why not.  A taken address is not fatal: the
 * redirects matter more than their metrics, and during an upgrade the old
 * daemon (still draining) holds the address: this one takes it over once
 * it is free (tried every ADMIN_RETRY_MS). */
static void admin_try(void)
{
	char err[256];
	if (!admin_unbound(&g.admin))
		return;
	g.admin_tried_ms = monotime_ms();
	if (admin_listen(&g.admin, err, sizeof err) < 0) {
		if (!g.admin_warned)
			logmsg("warning: admin_listen %s: %s; no /metrics or "
			       "/healthz until it is free (tried every %d s)",
			       g.cfg.admin_listen, err, ADMIN_RETRY_MS / 1000);
		g.admin_warned = 1;
		return;
	}
	/* A unix socket made as root: the user it runs as owns it.  lchown:
	 * whatever the user swapped in meanwhile is not followed. */
	if (g.admin.unix_path[0] && g.privs.drop &&
	    lchown(g.admin.unix_path, g.privs.uid, g.privs.gid) < 0)
		logmsg("warning: chown %s: %s", g.admin.unix_path, strerror(errno));
	logmsg("admin: /metrics and /healthz on %s", g.cfg.admin_listen);
}

/* Main's loop and the admin listener, served from it once it runs (a port
 * under 1024 or a root-only directory need root: bound before the drop;
 * and before the public sockets, so that a daemon that answers redirects
 * answers /healthz too). */
static int admin_start(void)
{
	g.base = event_base_new();
	if (!g.base) {
		logmsg("event_base_new failed");
		return -1;
	}
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	g.msrc = (struct metrics_src){
		.cfg = &g.cfg,
		.workers = g.workers,
		.n_workers = g.n_workers,
		.stores = &g.stores,
		.attrib = &g.attrib,
		.syncs = &g.segs.syncs,
		.sync_errors = &g.segs.sync_errors,
		.segments_created = &g.segs.created,
		.segments_removed = &g.segs.removed,
		.segments_open = &g.segs.open,
		.store_swaps = &g.watch.swaps,
		.store_swap_failures = &g.watch.swap_failures,
		.store_error = g.watch.error,
		.log_error = g.segs.error,
		.start_time = (double)wall.tv_sec + (double)wall.tv_nsec / 1e9,
		.start_mono_ns = monotime_ns(),
	};
	metrics_init(&g.metrics, &g.msrc);
	admin_init(&g.admin, g.base, g.cfg.admin_listen,
	           g.cfg.header_timeout_ms, &g.metrics);
	admin_try();
	return 0;
}

/* Each worker: its own listening sockets (SO_REUSEPORT), its loop, its
 * first segment.  The attribution state must be published first. */
static int workers_init(void)
{
	unsigned n = g.n_workers;
	g.params = (struct server_params){
		.cfg = &g.cfg,
		.stores = &g.stores,
		.attrib = &g.attrib,
		.node_hash = clickrec_node_hash(g.cfg.node, strlen(g.cfg.node)),
		.max_conns = (g.cfg.max_connections + n - 1) / n,
	};
	for (unsigned i = 0; i < n; i++) {
		int fds[CONFIG_LIST_MAX];
		char err[256];
		for (unsigned k = 0; k < g.cfg.n_listen; k++) {
			struct sockaddr_storage ss;
			socklen_t len;
			if (net_parse_addr(g.cfg.listen[k], &ss, &len, err,
			                   sizeof err) < 0 ||
			    (fds[k] = net_listen(&ss, len, 4096, err, sizeof err)) < 0) {
				logmsg("listen %s: %s", g.cfg.listen[k], err);
				return -1;
			}
		}
		if (worker_init(&g.workers[i], i, &g.params, fds, g.cfg.n_listen,
		                err, sizeof err) < 0) {
			logmsg("%s", err);
			return -1;
		}
		if (segments_first(&g.segs, i) < 0)
			return -1;
	}
	return 0;
}

/* --- 6. threads, signals, timers ------------------------------------------ */

static void on_signal(evutil_socket_t sig, short what, void *arg);
static void on_tick(evutil_socket_t fd, short what, void *arg);
static void on_watch(evutil_socket_t fd, short what, void *arg);

/* Signals go to the main thread only: block them while the workers are
 * created (they inherit the mask), then let libevent catch them here. */
static int threads_start(void)
{
	sigset_t set, old;
	sigemptyset(&set);
	for (size_t i = 0; i < N_SIGS; i++)
		sigaddset(&set, sigs[i]);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	/* log_sync = batch: a sync thread per worker (clicklog.h).  The
	 * environment variable is a test hook that slows every sync. */
	const char *delay = NULL;
#ifdef REDIRECTD_TEST_HOOKS
	delay = getenv("REDIRECTD_TEST_SYNC_DELAY_MS");
#endif
	int rc;
	for (unsigned i = 0; i < g.n_workers && g.cfg.log_sync_ms == LOG_SYNC_BATCH;
	     i++) {
		if ((rc = clicklog_sync_start(&g.workers[i].log,
		                              g.workers[i].wake_fd,
		                              delay ? (unsigned)atoi(delay) : 0))) {
			logmsg("cannot start a sync thread: %s", strerror(rc));
			return -1;
		}
	}
	for (unsigned i = 0; i < g.n_workers; i++) {
		if ((rc = worker_start(&g.workers[i]))) {
			logmsg("pthread_create: %s", strerror(rc));
			return -1;
		}
	}
	for (size_t i = 0; i < N_SIGS; i++) {
		struct event *ev = g.sigev[i] = evsignal_new(g.base, sigs[i],
		                                             on_signal, NULL);
		if (!ev || event_add(ev, NULL) < 0) {
			logmsg("cannot catch signal %d", sigs[i]);
			return -1;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}

/* The tick (log_sync's interval, else a second) and the watch timer. */
static int timers_start(void)
{
	unsigned tick_ms = g.cfg.log_sync_ms > 0 ? (unsigned)g.cfg.log_sync_ms : 1000;
	struct timeval tv = { tick_ms / 1000, (tick_ms % 1000) * 1000 };
	g.tick = event_new(g.base, -1, EV_PERSIST, on_tick, NULL);
	if (!g.tick || event_add(g.tick, &tv) < 0) {
		logmsg("cannot add the sync timer");
		return -1;
	}
	struct timeval watch_tv = { WATCH_MS / 1000, (WATCH_MS % 1000) * 1000 };
	g.watch_ev = event_new(g.base, -1, EV_PERSIST, on_watch, NULL);
	if (!g.watch_ev || event_add(g.watch_ev, &watch_tv) < 0) {
		logmsg("cannot add the watch timer");
		return -1;
	}
	return 0;
}

static void say_listening(void)
{
	char listening[1024] = "";
	for (unsigned k = 0; k < g.cfg.n_listen; k++)
		snprintf(listening + strlen(listening),
		         sizeof listening - strlen(listening), "%s%s",
		         k ? ", " : "", g.cfg.listen[k]);
	logmsg("%s listening on %s with %u worker%s; store %s; log %s; node %s",
	       REDIRECTD_VERSION, listening, g.n_workers,
	       g.n_workers == 1 ? "" : "s", g.cfg.db, g.cfg.log_dir, g.cfg.node);
}

/* --- the main loop's callbacks: they dispatch ----------------------------- */

/* "totals" at exit, "counters" on SIGUSR2. */
static void print_stats(const char *label)
{
	char line[4096];
	metrics_summary(&g.msrc, label, line, sizeof line);
	logmsg("%s", line);
}

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
		reload_all(&g.reload);
		storewatch_check(&g.watch, 1);
	}
	/* SIGHUP / SIGUSR1: new segments, for log rotation. */
	unsigned fresh, pending;
	segments_rotate_all(&g.segs, &fresh, &pending);
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
	segments_sync(&g.segs);
	segments_watch(&g.segs);
	reload_tick(&g.reload);
	storewatch_readers(&g.watch);
}

/* Every WATCH_MS, whatever log_sync's interval. */
static void on_watch(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	storewatch_check(&g.watch, 0);
	storewatch_reclaim(&g.watch);
	metrics_tick(&g.metrics);
	if (admin_unbound(&g.admin) &&
	    monotime_ms() - g.admin_tried_ms >= ADMIN_RETRY_MS)
		admin_try();
}

/* --- 7. shutdown ----------------------------------------------------------- */

/* The workers have drained: the last syncs, the counters, then everything
 * closed in the reverse order of startup. */
static void shutdown_all(void)
{
	for (unsigned i = 0; i < g.n_workers; i++) {
		worker_join(&g.workers[i]);
		clicklog_sync_stop(&g.workers[i].log);
	}
	segments_sync(&g.segs);
	segments_deinit(&g.segs);
	if (g.log_dfd >= 0)
		close(g.log_dfd);
	print_stats("totals");
	for (unsigned i = 0; i < g.n_workers; i++)
		worker_deinit(&g.workers[i]);
	event_free(g.tick);
	event_free(g.watch_ev);
	admin_deinit(&g.admin);
	for (size_t i = 0; i < N_SIGS; i++)
		event_free(g.sigev[i]);
	event_base_free(g.base);
	attrib_slot_free(&g.attrib);
	storeslot_free(&g.stores);
	free(g.workers);
	logmsg("stopped");
}

int main(int argc, char **argv)
{
	struct options o;
	g.log_dfd = -1;
	int rc = options_parse(argc, argv, &o);
	if (rc >= 0)
		return rc;

	/* 1. Configuration: the file, the command line over it, the rules.
	 * Static: startup errors below return without a cleanup ladder, and
	 * what they leave must stay reachable for LeakSanitizer. */
	static struct ua_rules *ua;
	int bad = config_load(&o) < 0;
	ua = bad ? NULL : reload_ua_rules(g.cfg.ua_rules);
	if (!bad && !ua)
		bad = 1;
	if (o.check_only)
		return config_report(&o, bad, ua);
	if (bad)
		return 1;
	if (!g.cfg.node[0])
		default_node(g.cfg.node, sizeof g.cfg.node);

	/* 2. Process set-up, 3. the store, 4. the log directory. */
	if (process_setup() < 0 || store_first() < 0 || logdir_open() < 0)
		return 1;
	/* 5. The workers and the modules around them, the admin listener,
	 * the first attribution state, each worker's sockets and segment. */
	if (workers_alloc() < 0 || admin_start() < 0 ||
	    reload_start(&g.reload, &g.cfg, &g.attrib, g.workers, g.n_workers,
	                 ua) < 0 ||
	    workers_init() < 0)
		return 1;
	/* 5b. Sockets, store, log and state are open: become `user`. */
	if (privs_drop(&g.privs, &g.cfg) < 0)
		return 1;
	/* 6. The threads, then main's own signals and timers. */
	if (threads_start() < 0 || timers_start() < 0)
		return 1;
	say_listening();

	/* 7. Run until SIGTERM/SIGINT, then drain. */
	event_base_dispatch(g.base);
	shutdown_all();
	return 0;
}
