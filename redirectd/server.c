/*
 * server: the worker threads.  See server.h for the shape and conn.h for
 * how the worker's files divide.  This file owns a worker's life: set-up,
 * its event loop and what happens between passes (taking up a new store
 * or attribution state, the flush), its timer (timeouts, the buffer pool,
 * the end of a drain), its wake-ups from main, and tear-down.
 */
#include "conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define TICK_MS 250

/* --- timers, waking, draining -------------------------------------------- */

static void worker_drain_begin(struct worker *w)
{
	w->draining = 1;
	w->drain_deadline_ms = w->now_ms + w->p->cfg->drain_timeout_ms;
	/* Idle keep-alive connections have nothing in flight.  Closed first:
	 * out of descriptors, they make room for the queued ones below. */
	for (struct conn *c = w->conns, *next; c; c = next) {
		next = c->next;
		if (!c->in_len && !c->pending && !(c->out && c->out_len > c->out_off))
			conn_close(c);
	}
	/* What waits in a listener's queue is accepted before it closes:
	 * closing would reset those connections (conn_accept_queued). */
	for (unsigned i = 0; i < w->n_listen; i++) {
		event_del(w->listen_ev[i]);
		conn_accept_queued(w, w->listen_fd[i]);
		close(w->listen_fd[i]);
		w->listen_fd[i] = -1;
	}
	event_del(w->resume_ev);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	(void)fd;
	(void)what;
	worker_clock(w, NULL);
	/* A sweep of every connection: O(connections) four times a second,
	 * a few microseconds for thousands, and no timer work at all on the
	 * request path. */
	for (struct conn *c = w->conns, *next; c; c = next) {
		next = c->next;
		/* Draining: a connection whose last response went out after
		 * the drain began (a slow reader, a batch held for its sync)
		 * is idle now, as those closed at its start were. */
		int drained = w->draining && !c->lingering && !c->in_len &&
		              !(c->out && c->out_len > c->out_off);
		if (c->fd >= 0 && !c->pending &&
		    (drained || w->now_ms >= c->deadline_ms)) {
			if (!c->lingering && !drained)
				STAT_INC(w, conns_timed_out);
			conn_close(c);
		}
	}
	while (w->n_free_bufs > FREE_BUFS_KEEP) {
		struct buf *b = w->free_bufs;
		w->free_bufs = b->next;
		w->n_free_bufs--;
		free(b);
	}
	if (w->draining && (w->n_conns == 0 || w->now_ms >= w->drain_deadline_ms))
		w->done = 1;
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	uint64_t v;
	(void)what;
	if (read(fd, &v, sizeof v) < 0 && errno != EAGAIN)
		return;
	worker_clock(w, NULL);
	if (atomic_load(&w->stop) && !w->draining)
		worker_drain_begin(w);
	/* A pending rotation is taken by the clicklog_flush that follows
	 * this pass. */
}

/* --- thread --------------------------------------------------------------- */

/*
 * Move to a new store (a swap, storeslot.h): a reader slot in the new
 * environment first, then the old transaction aborted (its slot freed),
 * then main hears of it and may close the old environment.  Between loop
 * passes, so no request is half-way through a look-up.  If the new
 * environment gives no reader slot, stay on the old one and try again
 * next pass (main keeps it open until then).
 */
static void worker_store_switch(struct worker *w, struct store_gen *st)
{
	MDB_txn *txn;
	if (mdb_txn_begin(st->store.env, NULL, MDB_RDONLY, &txn))
		return;
	mdb_txn_reset(txn);
	if (w->txn)
		mdb_txn_abort(w->txn);
	w->txn = txn;
	w->st = st;
	atomic_store_explicit(&w->seen_store, st->gen, memory_order_release);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	worker_clock(w, NULL);
	while (!w->done) {
		/* Pick up a new attribution state (a new day's key, a
		 * reloaded database) between passes, never inside one. */
		struct attrib *at = attrib_current(w->p->attrib);
		if (at != w->at) {
			w->at = at;
			/* The memo's verdicts are the old rules': an address
			 * can be reused by later rules, so forget them now. */
			w->ua_memo.rules = NULL;
			atomic_store_explicit(&w->seen_gen, at->gen,
			                      memory_order_release);
		}
		struct store_gen *st = storeslot_current(w->p->stores);
		if (st != w->st)
			worker_store_switch(w, st);
		w->pass_ns = w->pass_us = 0;
		if (event_base_loop(w->base, EVLOOP_ONCE) < 0)
			break;
		worker_flush(w);
		if (w->draining && w->n_conns == 0)
			w->done = 1;
	}
	for (struct conn *c = w->conns, *next; c; c = next) {
		next = c->next;
		conn_close(c);
	}
	worker_flush(w);
	while (w->held) {
		/* Closed above (drain_timeout ran out): nothing to send. */
		struct conn *c = w->held;
		w->held = c->pend_next;
		c->pending = c->zombie = 0;
		conn_free(c);
	}
	w->held_tail = NULL;
	return NULL;
}

int worker_init(struct worker *w, unsigned id, const struct server_params *p,
                const int *listen_fd, unsigned n_listen, char *err,
                size_t errlen)
{
	memset(w, 0, sizeof *w);
	w->id = id;
	w->p = p;
	w->wake_fd = -1;
	atomic_init(&w->stop, 0);
	clicklog_init(&w->log);
	struct event_config *ec = event_config_new();
	/* Each base is used by one thread only: no locks inside libevent. */
	event_config_set_flag(ec, EVENT_BASE_FLAG_NOLOCK);
	w->base = event_base_new_with_config(ec);
	event_config_free(ec);
	if (!w->base) {
		snprintf(err, errlen, "worker %u: event_base_new failed", id);
		return -1;
	}
	w->n_listen = n_listen;
	for (unsigned i = 0; i < n_listen; i++) {
		w->listen_fd[i] = listen_fd[i];
		w->listen_ev[i] = event_new(w->base, listen_fd[i],
		                            EV_READ | EV_PERSIST, conn_accept_cb, w);
		if (!w->listen_ev[i] || event_add(w->listen_ev[i], NULL) < 0) {
			snprintf(err, errlen, "worker %u: listener event failed", id);
			return -1;
		}
	}
	/* The store is opened with MDB_NOTLS, so this read transaction is
	 * the worker's reader slot whatever thread creates it.  It is held
	 * reset between requests: renewing is cheap, and a reset transaction
	 * pins no pages. */
	w->st = storeslot_current(p->stores);
	int rc = mdb_txn_begin(w->st->store.env, NULL, MDB_RDONLY, &w->txn);
	if (rc) {
		snprintf(err, errlen, "worker %u: mdb_txn_begin: %s", id,
		         mdb_strerror(rc));
		return -1;
	}
	mdb_txn_reset(w->txn);
	atomic_store(&w->seen_store, w->st->gen);
	w->resume_ev = evtimer_new(w->base, conn_resume_cb, w);
	w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->wake_fd < 0) {
		snprintf(err, errlen, "worker %u: eventfd: %s", id, strerror(errno));
		return -1;
	}
	w->wake_ev = event_new(w->base, w->wake_fd, EV_READ | EV_PERSIST,
	                       wake_cb, w);
	w->tick_ev = event_new(w->base, -1, EV_PERSIST, tick_cb, w);
	struct timeval tick = { 0, TICK_MS * 1000 };
	if (!w->resume_ev || !w->wake_ev || !w->tick_ev ||
	    event_add(w->wake_ev, NULL) < 0 || event_add(w->tick_ev, &tick) < 0) {
		snprintf(err, errlen, "worker %u: timer events failed", id);
		return -1;
	}
	return 0;
}

int worker_start(struct worker *w)
{
	return pthread_create(&w->thread, NULL, worker_main, w);
}

void worker_wake(struct worker *w)
{
	uint64_t one = 1;
	if (write(w->wake_fd, &one, sizeof one) < 0) {
		/* EAGAIN: the counter is already non-zero, a wake is pending. */
	}
}

void worker_wake_all(struct worker *ws, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		worker_wake(&ws[i]);
}

uint64_t worker_min_seen(const struct worker *ws, unsigned n,
                         enum worker_seen what)
{
	uint64_t min = UINT64_MAX;
	for (unsigned i = 0; i < n; i++) {
		uint64_t s = atomic_load_explicit(what == WORKER_SEEN_STORE
		                                  ? &ws[i].seen_store
		                                  : &ws[i].seen_gen,
		                                  memory_order_acquire);
		if (s < min)
			min = s;
	}
	return min;
}

void worker_stop(struct worker *w)
{
	atomic_store(&w->stop, 1);
	worker_wake(w);
}

void worker_join(struct worker *w)
{
	pthread_join(w->thread, NULL);
}

void worker_deinit(struct worker *w)
{
	for (unsigned i = 0; i < w->n_listen; i++) {
		if (w->listen_ev[i])
			event_free(w->listen_ev[i]);
		if (w->listen_fd[i] >= 0)
			close(w->listen_fd[i]);
	}
	if (w->resume_ev)
		event_free(w->resume_ev);
	if (w->wake_ev)
		event_free(w->wake_ev);
	if (w->tick_ev)
		event_free(w->tick_ev);
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	while (w->free_conns) {
		struct conn *c = w->free_conns;
		w->free_conns = c->next;
		free(c);
	}
	while (w->free_bufs) {
		struct buf *b = w->free_bufs;
		w->free_bufs = b->next;
		free(b);
	}
	if (w->txn)
		mdb_txn_abort(w->txn);
	w->txn = NULL;
	if (w->base)
		event_base_free(w->base);
	w->base = NULL;
	clicklog_deinit(&w->log);
}
