/*
 * conn: private to the worker's three files (server.c, conn.c, request.c);
 * nothing else includes it.  The connection and buffer structs, the
 * counters' increment, and the helpers more than one of those files call
 * per request, as static inline (the pass's clock, the switch to closing):
 * splitting the worker into files must not put a call on the hot path that
 * was not there.
 *
 *   server.c   the thread: its loop, timers (timeouts, draining), wake-ups,
 *              the move to a new store or attribution state
 *   conn.c     a connection from accept to close: read, parse, send, and
 *              the flush that holds responses until the batch's log write
 *   request.c  one parsed request answered: look-up, redirect or error,
 *              the click's attribution; the counters by status and the
 *              latency histogram
 */
#ifndef REDIRECTD_CONN_H
#define REDIRECTD_CONN_H

#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdint.h>
#include <time.h>

#include "http.h"
#include "netaddr.h"
#include "server.h"
#include "target.h"

/* One size for input and output buffers.  Input must hold a whole head of
 * HTTP_HEAD_MAX; output must hold at least one largest redirect. */
#define BUF_SIZE HTTP_HEAD_MAX
#define OUT_RESERVE HTTP_REDIRECT_MAX(TARGET_MAX)
#define FREE_BUFS_KEEP 256          /* pool kept across bursts */
#define LINGER_MS 2000              /* reading after an error response */

_Static_assert(BUF_SIZE >= OUT_RESERVE, "output buffer holds a redirect");

struct buf {
	struct buf *next;
	char data[BUF_SIZE];
};

struct conn {
	struct conn *next, *prev;     /* worker's list of all connections */
	struct conn *pend_next;       /* worker's pending list */
	struct worker *w;
	int fd;
	struct event rev, wev;
	struct buf *in, *out;
	size_t in_len, out_off, out_len;
	uint64_t deadline_ms;
	unsigned pending : 1;         /* on w->pending: output not yet sent */
	unsigned closing : 1;         /* close once the output is sent */
	unsigned lingering : 1;       /* output sent; discarding input */
	unsigned quick_close : 1;     /* the client asked to close and sent
	                                 nothing more: no lingering */
	unsigned read_paused : 1;     /* output full: stop parsing */
	unsigned wev_added : 1;
	unsigned zombie : 1;          /* closed while pending; freed in flush */
	unsigned eof : 1;             /* the peer shut down its side */
	unsigned idle : 1;            /* between requests: keep-alive timeout */
	uint64_t req_ns;              /* pass that read the request's first byte */
	uint64_t ticket;              /* log_sync = batch: see worker_hold */
	struct netaddr peer;
};

/* A counter of this worker's: it is the only writer, so a relaxed load and
 * store, no atomic read-modify-write. */
#define STAT_ADD(w, name, n) \
	atomic_store_explicit(&(w)->stats.name, \
		atomic_load_explicit(&(w)->stats.name, memory_order_relaxed) + (n), \
		memory_order_relaxed)
#define STAT_INC(w, name) STAT_ADD(w, name, 1)

static inline void worker_clock(struct worker *w, uint64_t *us)
{
	struct timeval tv;
	/* The time libevent read when this loop pass began: one clock read
	 * per pass instead of one per request. */
	event_base_gettimeofday_cached(w->base, &tv);
	uint64_t t = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
	w->now_ms = t / 1000;
	if (tv.tv_sec != w->date_sec) {
		w->date_sec = tv.tv_sec;
		http_format_date(tv.tv_sec, w->date);
	}
	if (us) {
		/* A record's time: the wall clock read once per pass (the
		 * vDSO, no system call).  libevent's cached time is its
		 * monotonic clock plus an offset to the wall clock taken every
		 * 5 s, which NTP's slewing moves off by milliseconds: records
		 * stamped after their redirect had left, and an outcome the
		 * target recorded at once read as earlier than its click. */
		if (!w->pass_us) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			w->pass_us = (uint64_t)ts.tv_sec * 1000000u +
			             (uint64_t)ts.tv_nsec / 1000u;
		}
		*us = w->pass_us;
	}
}

/* No more requests on this connection: stop reading now (a readable
 * socket we do not read would wake the loop on every pass). */
static inline void conn_set_closing(struct conn *c)
{
	if (!c->closing) {
		c->closing = 1;
		if (!c->read_paused)
			event_del(&c->rev);
		c->read_paused = 0;
	}
}

/* conn.c (which calls request.c, never the other way): accepting (the
 * listening sockets' callbacks), the one way out (conn_close), freeing a
 * closed connection's struct, and the flush after each loop pass. */
void conn_accept_cb(evutil_socket_t lfd, short what, void *arg);
/* Draining: accept (and read) every connection waiting in lfd's queue. */
void conn_accept_queued(struct worker *w, int lfd);
void conn_resume_cb(evutil_socket_t fd, short what, void *arg);
void conn_close(struct conn *c);
void conn_free(struct conn *c);
void worker_flush(struct worker *w);

/* request.c: answer one parsed request into c->out (at least OUT_RESERVE
 * bytes free); now_us: the pass's wall-clock time, for the click. */
void request_handle(struct conn *c, const struct http_request *req,
                    uint64_t now_us);
/* Answer with an error status.  conn: enum http_conn. */
void request_error(struct conn *c, int status, int head_only, int conn);
/* After the pass's log write: its answers into the latency histogram (one
 * clock read).  Call when w->lat_same or w->n_lat_early says there are. */
void request_observe(struct worker *w);

#endif
