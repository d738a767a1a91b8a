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
 */
#ifndef REDIRECTD_SERVER_H
#define REDIRECTD_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "attrib.h"
#include "clicklog.h"
#include "config.h"
#include "store.h"

/* Everything workers read and nobody changes while they run. */
struct server_params {
	const struct config *cfg;
	const struct store *store;
	struct attrib_slot *attrib;   /* replaced by main; see attrib.h */
	uint32_t node_hash;
	unsigned max_conns;           /* unused: max_connections is counted
	                                 daemon-wide (server.c live_conns) */
};

/* Counters, declared once.  Each is written by its worker only; main
 * reads them with relaxed loads. */
#define WORKER_STATS(X) \
	X(requests)          /* complete request heads parsed */ \
	X(redirects)         /* 3xx answered */ \
	X(clicks)            /* records appended (GET and HEAD of live links) */ \
	X(humans)            /* of which class human */ \
	X(forwarded)         /* client IP taken from X-Real-IP/X-Forwarded-For */ \
	X(forwarded_bad)     /* forwarding headers from a trusted proxy unusable */ \
	X(not_found)         /* 404 for unknown or malformed codes */ \
	X(disabled)          /* disabled links */ \
	X(bad_requests)      /* 400, 414, 431, 505: connection closed */ \
	X(method_not_allowed) \
	X(store_errors)      /* 503: the store could not be read */ \
	X(bad_targets)       /* 500: a stored target unfit for Location */ \
	X(conns_accepted) \
	X(conns_rejected)    /* over max_connections */ \
	X(conns_timed_out)   /* header deadline or keep-alive timeout */ \
	X(accept_errors)     /* EMFILE and friends: accepting paused */

struct worker_stats {
#define X(name) _Atomic uint64_t name;
	WORKER_STATS(X)
#undef X
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
	MDB_txn *txn;
	struct clicklog log;
	struct attrib *at;            /* this pass's attribution state */
	_Atomic uint64_t seen_gen;    /* its generation, for main */
	struct ua_memo ua_memo;       /* recent User-Agent verdicts */

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

/* Relaxed read of one counter, for the main thread. */
#define WORKER_STAT(w, name) \
	atomic_load_explicit(&(w)->stats.name, memory_order_relaxed)

#endif
