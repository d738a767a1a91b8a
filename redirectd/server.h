/*
 * server: the worker threads.  Each worker is one thread with its own
 * libevent event_base, its own listening sockets (SO_REUSEPORT), its own
 * LMDB read transaction handle and its own click-log segment: workers share
 * nothing mutable, so nothing on the hot path takes a lock.
 *
 * The hot path, per event-loop pass:
 *   read -> http_parse -> look the code up -> record the click in the
 *   batch -> write the response into the connection's output buffer
 * and, once the pass's callbacks have run, worker_flush():
 *   clicklog_flush (one pwrite of the batch) -> send every response.
 * So a redirect never leaves before its click is in the log.
 *
 * Connections own no memory while idle: input and output buffers come from
 * a per-worker free list while a request is in flight, so 10,000 idle
 * keep-alive connections cost a few hundred bytes each and steady-state
 * serving allocates nothing.
 *
 * The main thread talks to a worker only through worker_stop() and
 * worker_wake() (an eventfd) and reads its counters (relaxed atomics).
 *
 * This header is the workers' face to main and the admin pages; inside,
 * server.c runs the thread, conn.c the connections, request.c the answers
 * (conn.h, private to those three, says how they divide).
 */
#ifndef REDIRECTD_SERVER_H
#define REDIRECTD_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "attrib.h"
#include "clicklog.h"
#include "clickrec.h"
#include "config.h"
#include "storeslot.h"

/* Everything workers read and nobody changes while they run. */
struct server_params {
	const struct config *cfg;
	struct store_slot *stores;    /* replaced by main; see storeslot.h */
	struct attrib_slot *attrib;   /* replaced by main; see attrib.h */
	uint32_t node_hash;
	unsigned max_conns;           /* unused: max_connections is counted
	                                 daemon-wide (conn.c live_conns) */
};

/* Counters, declared once: the SIGUSR2 line prints each as name=N and
 * /metrics as redirectd_<name>_total with the help text.  Each is written
 * by its worker only; main reads them with relaxed loads. */
#define WORKER_STATS(X) \
	X(requests, "Complete request heads parsed.") \
	X(redirects, "Redirects (3xx) answered.") \
	X(clicks, "Click records appended (GET and HEAD of live links).") \
	X(forwarded, "Client addresses taken from X-Real-IP or X-Forwarded-For of a trusted proxy.") \
	X(forwarded_bad, "Requests from a trusted proxy without a usable real_ip_header (malformed, or only the other header): the peer address was used.") \
	X(not_found, "404 answers for unknown or malformed codes and other paths.") \
	X(disabled, "Answers for disabled links (disabled_status).") \
	X(bad_requests, "Requests refused as malformed (400, 414, 431, 505); the connection is closed.") \
	X(method_not_allowed, "405 answers (methods other than GET and HEAD).") \
	X(store_errors, "503 answers: the store could not be read.") \
	X(bad_targets, "500 answers: a stored record or target unfit for Location.") \
	X(conns_accepted, "Connections accepted.") \
	X(conns_rejected, "Connections closed at accept: over max_connections, draining or out of memory.") \
	X(conns_timed_out, "Connections closed by header_timeout or keepalive_timeout.") \
	X(accept_errors, "accept(2) failures (EMFILE and friends) that paused accepting for 100 ms.") \
	X(click_ids, "Redirects whose Location carried the click's id (links with click ids, click_id_param).") \
	X(click_ids_skipped, "Redirects of links with click ids served without one: the Location would have passed 2048 bytes.")

/* The statuses the daemon answers with, for the per-status counters
 * (server_status_index maps a status to its slot). */
#define SERVER_STATUSES(X) \
	X(200) X(301) X(302) X(307) X(308) X(400) X(404) X(405) X(410) \
	X(414) X(431) X(500) X(503) X(505)
enum {
#define X(code) SERVER_STATUS_##code,
	SERVER_STATUSES(X)
#undef X
	SERVER_STATUS_OTHER,
	SERVER_STATUS_N
};
extern const int server_status_code[SERVER_STATUS_N];   /* 0: other */

/* The request latency histogram (see request_observe in request.c for what
 * it measures): upper bounds of its buckets in nanoseconds; the last
 * bucket is +Inf. */
#define SERVER_LAT_BUCKETS 15
/* Distinct start times of earlier passes one pass keeps for the histogram
 * (request.c: what happens beyond). */
#define SERVER_LAT_EARLY 32
extern const uint64_t server_lat_bound_ns[SERVER_LAT_BUCKETS - 1];

struct worker_stats {
#define X(name, help) _Atomic uint64_t name;
	WORKER_STATS(X)
#undef X
	_Atomic uint64_t status[SERVER_STATUS_N];   /* every answer, by status */
	_Atomic uint64_t class[CLASS_COUNT];        /* clicks, by class */
	_Atomic uint64_t lat[SERVER_LAT_BUCKETS];   /* not cumulative */
	_Atomic uint64_t lat_sum_ns;
};

struct conn;
struct buf;

struct worker {
	unsigned id;
	pthread_t thread;
	const struct server_params *p;
	struct event_base *base;
	int listen_fd[CONFIG_LIST_MAX];
	unsigned n_listen;
	struct event *listen_ev[CONFIG_LIST_MAX];
	struct event *resume_ev;      /* re-enables accepting after EMFILE */
	struct event *wake_ev;
	struct event *tick_ev;
	int wake_fd;
	MDB_txn *txn;                 /* a read txn on st's environment */
	struct store_gen *st;         /* the store this worker reads */
	_Atomic uint64_t seen_store;  /* its generation, for main */
	struct clicklog log;
	struct attrib *at;            /* this pass's attribution state */
	_Atomic uint64_t seen_gen;    /* its generation, for main */
	struct ua_memo ua_memo;       /* recent User-Agent verdicts */
	/* The click sequence of the next record (CLICKREC_SEQ_MASK bits):
	 * with the node, this worker's id (its segments' header) and the
	 * record's time it names the click (clickid.h). */
	uint32_t click_seq;

	struct conn *conns;           /* every open connection */
	struct conn *free_conns;
	struct conn *pending;         /* output not yet sent: see worker_flush */
	struct conn *held, *held_tail; /* log_sync = batch: awaiting fdatasync */
	struct buf *free_bufs;
	unsigned n_conns, n_free_bufs;

	atomic_int stop;              /* set by main: drain and exit */
	int draining, done;
	uint64_t drain_deadline_ms;
	uint64_t now_ms;
	/* Latency: the monotonic time of this loop pass (read once, when
	 * first needed; 0: not yet), the answers of the pass whose request
	 * began in it, and those that began in earlier passes, as many
	 * answers per start time (a connection's pipelined requests read
	 * together share one): see request.c. */
	uint64_t pass_ns;
	uint64_t pass_us;             /* the wall clock of this pass, for
	                                 click records (0: not read yet) */
	unsigned lat_same, n_lat_early;
	struct worker_lat { uint64_t start_ns; unsigned n; }
		lat_early[SERVER_LAT_EARLY];
	int64_t date_sec;
	char date[30];
	struct worker_stats stats;
};

/* Startup zone: set up (listening fds are the worker's from now on).
 * Returns 0, or -1 with a message in err. */
int worker_init(struct worker *w, unsigned id, const struct server_params *p,
                const int *listen_fd, unsigned n_listen, char *err,
                size_t errlen);
int worker_start(struct worker *w);
/* Ask the worker to stop accepting, finish in-flight requests and exit
 * (within drain_timeout).  Thread-safe. */
void worker_stop(struct worker *w);
/* Wake the worker's loop (a rotation waits in its clicklog mailbox). */
void worker_wake(struct worker *w);
void worker_join(struct worker *w);
void worker_deinit(struct worker *w);

/* Main thread: wake every worker (a new store or attribution state waits
 * for them). */
void worker_wake_all(struct worker *ws, unsigned n);

/* Main thread: the oldest generation any of the n workers still uses, of
 * the attribution state (attrib.h) or of the store (storeslot.h): older
 * ones can be freed. */
enum worker_seen { WORKER_SEEN_GEN, WORKER_SEEN_STORE };
uint64_t worker_min_seen(const struct worker *ws, unsigned n,
                         enum worker_seen what);

/* Open connections, all workers together (any thread). */
unsigned server_open_connections(void);

/* Relaxed read of one counter, for the main thread. */
#define WORKER_STAT(w, name) \
	atomic_load_explicit(&(w)->stats.name, memory_order_relaxed)

#endif
