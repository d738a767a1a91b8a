/*
 * conn: a connection of the public listener, from accept to close.  This
 * file owns connection lifetimes (one way out: conn_close), the buffer
 * pool, reading and parsing (a request's bytes in, a whole head to
 * request.c), sending, lingering, and the flush after each loop pass that
 * holds the pass's responses until its click records are written (and,
 * with log_sync = batch, made durable).  See server.h for the shape and
 * conn.h for how the worker's files divide.
 *
 * The request path never exits and never prints: every outcome is a
 * status code and a counter.
 */
#include "conn.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "monotime.h"
#include "net.h"

#define ACCEPT_BATCH 64

/*
 * Open connections of all workers together, against max_connections.
 * Kernel SO_REUSEPORT hashing spreads connections unevenly, so a per-worker
 * share of the cap would refuse connections while the daemon as a whole
 * is under it.  One atomic add per accept and per close: off the request
 * path.
 */
static atomic_uint live_conns;
static void conn_process(struct conn *c);
static inline void conn_send(struct conn *c);

unsigned server_open_connections(void)
{
	return atomic_load_explicit(&live_conns, memory_order_relaxed);
}

/* --- buffers and connection structs: per-worker free lists ------------- */

static struct buf *buf_get(struct worker *w)
{
	struct buf *b = w->free_bufs;
	if (b) {
		w->free_bufs = b->next;
		w->n_free_bufs--;
		return b;
	}
	return malloc(sizeof *b);   /* grows to peak concurrency, then reused */
}

static void buf_put(struct worker *w, struct buf *b)
{
	if (!b)
		return;
	b->next = w->free_bufs;
	w->free_bufs = b;
	w->n_free_bufs++;
}

/* --- the pass's clock -------------------------------------------------- */

/* The monotonic time of this loop pass: one clock read per pass that
 * reads requests, none per request.  (libevent's cached time may come from
 * CLOCK_MONOTONIC_COARSE, a few milliseconds coarse: too coarse here.) */
static uint64_t worker_pass_ns(struct worker *w)
{
	if (!w->pass_ns)
		w->pass_ns = monotime_ns();
	return w->pass_ns;
}

/* --- connection lifetime ------------------------------------------------ */

void conn_free(struct conn *c)
{
	struct worker *w = c->w;
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = w->free_conns;
	w->free_conns = c;
	w->n_conns--;
	atomic_fetch_sub_explicit(&live_conns, 1, memory_order_relaxed);
}

/* The one way out for a connection. */
void conn_close(struct conn *c)
{
	struct worker *w = c->w;
	if (c->fd < 0)
		return;
	event_del(&c->rev);
	if (c->wev_added)
		event_del(&c->wev);
	close(c->fd);
	c->fd = -1;
	buf_put(w, c->in);
	buf_put(w, c->out);
	c->in = c->out = NULL;
	c->in_len = c->out_len = c->out_off = 0;
	if (c->pending)
		c->zombie = 1;   /* still on w->pending: worker_flush frees it */
	else
		conn_free(c);
}

static void conn_read_cb(evutil_socket_t fd, short what, void *arg);
static void conn_write_cb(evutil_socket_t fd, short what, void *arg);

static void conn_open(struct worker *w, int fd, const struct sockaddr_storage *sa)
{
	struct conn *c = w->free_conns;
	if (c) {
		w->free_conns = c->next;
	} else if (!(c = malloc(sizeof *c))) {
		close(fd);
		atomic_fetch_sub_explicit(&live_conns, 1, memory_order_relaxed);
		STAT_INC(w, conns_rejected);
		return;
	}
	memset(c, 0, sizeof *c);
	c->w = w;
	c->fd = fd;
	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		memcpy(c->peer.b, &in->sin_addr, 4);
		c->peer.len = 4;
	} else {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		/* v4-mapped addresses are IPv4 clients: hash and locate them
		 * as such. */
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			memcpy(c->peer.b, &in6->sin6_addr.s6_addr[12], 4);
			c->peer.len = 4;
		} else {
			memcpy(c->peer.b, &in6->sin6_addr, 16);
			c->peer.len = 16;
		}
	}
	event_assign(&c->rev, w->base, fd, EV_READ | EV_PERSIST, conn_read_cb, c);
	event_assign(&c->wev, w->base, fd, EV_WRITE | EV_PERSIST, conn_write_cb, c);
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	w->n_conns++;
	/* The header deadline runs from the connection's start: a client
	 * cannot wait, send one byte and get a second full deadline. */
	c->deadline_ms = w->now_ms + w->p->cfg->header_timeout_ms;
	STAT_INC(w, conns_accepted);
	/* The listener defers accepts until data has arrived (net.c): read
	 * now.  A connection that asked to close is then answered and closed
	 * without ever being registered with epoll; the others are
	 * registered once, below. */
	conn_read_cb(fd, EV_READ, c);
	if (c->fd < 0 || c->closing || c->read_paused || c->eof)
		return;   /* closed, or its read event is not wanted now */
	if (event_add(&c->rev, NULL) < 0)
		conn_close(c);
}

static void listen_enable(struct worker *w, int on)
{
	for (unsigned i = 0; i < w->n_listen; i++)
		if (on)
			event_add(w->listen_ev[i], NULL);
		else
			event_del(w->listen_ev[i]);
}

/* One connection off lfd's queue: opened, or closed at once over the cap.
 * Returns 1 to go on, 0 when the queue is empty or accepting must pause. */
static int conn_accept_one(struct worker *w, int lfd)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof sa;
	int fd = accept4(lfd, (struct sockaddr *)&sa, &len,
	                 SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EINTR || errno == ECONNABORTED)
			return 1;
		if (errno == EMFILE || errno == ENFILE ||
		    errno == ENOBUFS || errno == ENOMEM) {
			/* The pending connection stays in the backlog and the
			 * listener stays readable: without a pause the loop
			 * would spin on accept. */
			STAT_INC(w, accept_errors);
			listen_enable(w, 0);
			struct timeval tv = { 0, 100000 };
			event_add(w->resume_ev, &tv);
		}
		return 0;
	}
	unsigned live = atomic_fetch_add_explicit(&live_conns, 1,
	                                          memory_order_relaxed);
	if (live >= w->p->cfg->max_connections) {
		/* Over the cap: closed at once, before anything is read; the
		 * connections already open keep working. */
		close(fd);
		atomic_fetch_sub_explicit(&live_conns, 1, memory_order_relaxed);
		STAT_INC(w, conns_rejected);
		return 1;
	}
	conn_open(w, fd, &sa);   /* TCP_NODELAY: from the listener */
	return 1;
}

void conn_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct worker *w = arg;
	(void)what;
	worker_clock(w, NULL);
	for (int i = 0; i < ACCEPT_BATCH && conn_accept_one(w, lfd); i++)
		;
}

/*
 * Draining: every connection already in lfd's queue taken before the
 * listener closes.  The kernel resets what a closed listener still holds,
 * and those clients finished their handshake, and with deferred accept
 * sent their request, before the drain began.  Another daemon on the
 * address (SO_REUSEPORT) gets the connections that arrive after.
 */
void conn_accept_queued(struct worker *w, int lfd)
{
	worker_clock(w, NULL);
	while (conn_accept_one(w, lfd))
		;
}

void conn_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	(void)fd;
	(void)what;
	if (!w->draining)
		listen_enable(w, 1);
}

/* --- reading, parsing, sending ------------------------------------------- */

/* Queue a response's bytes: they leave in worker_flush, after the log. */
static void conn_pend(struct conn *c)
{
	if (!c->pending) {
		c->pending = 1;
		c->pend_next = c->w->pending;
		c->w->pending = c;
	}
}

/* Parse and answer every complete request in the input buffer, as long as
 * the output buffer has room for one more response. */
static void conn_process(struct conn *c)
{
	struct worker *w = c->w;
	size_t off = 0;
	uint64_t now_us;
	worker_clock(w, &now_us);
	while (off < c->in_len && !c->closing) {
		struct http_request req;
		int rc = http_parse(c->in->data + off, c->in_len - off, &req);
		if (rc == HTTP_INCOMPLETE && !(off == 0 && c->in_len == BUF_SIZE))
			break;
		if (!c->out && !(c->out = buf_get(w))) {
			conn_close(c);
			return;
		}
		if (BUF_SIZE - c->out_len < OUT_RESERVE) {
			/* A client that pipelines and never reads: stop taking
			 * its input until it drains its responses. */
			if (!c->read_paused) {
				c->read_paused = 1;
				event_del(&c->rev);
			}
			break;
		}
		/* A refused HEAD gets no body either: its client would
		 * read the body as the start of the next response. */
		int head = req.method == HTTP_HEAD;
		if (rc == HTTP_INCOMPLETE) {
			/* A full buffer and still no end of head. */
			STAT_INC(w, bad_requests);
			request_error(c, 431, head, HTTP_CONN_CLOSE);
			break;
		}
		if (rc < 0) {
			STAT_INC(w, bad_requests);
			request_error(c, http_error_status(rc), head, HTTP_CONN_CLOSE);
			break;
		}
		off += (size_t)rc;
		request_handle(c, &req, now_us);
	}
	if (c->closing) {
		if (off != c->in_len)
			c->quick_close = 0;   /* it sent more: linger */
		c->in_len = 0;   /* whatever follows an error is not ours */
	} else if (off) {
		memmove(c->in->data, c->in->data + off, c->in_len - off);
		c->in_len -= off;
		/* What is left is the start of a request read in this pass
		 * (or earlier: then it is counted from this pass). */
		c->req_ns = worker_pass_ns(w);
		/* Between requests: the idle timeout; inside the next
		 * request's head: a fresh header deadline. */
		c->idle = c->in_len == 0;
		c->deadline_ms = w->now_ms + (c->in_len
			? w->p->cfg->header_timeout_ms
			: w->p->cfg->keepalive_timeout_ms);
	}
	if (c->eof && !c->read_paused && !c->closing) {
		/* Every whole request the peer sent is answered; a partial
		 * one can never complete. */
		conn_set_closing(c);
		c->in_len = 0;
	}
	if (c->in_len == 0) {
		buf_put(w, c->in);
		c->in = NULL;
	}
	if (c->out && c->out_len > c->out_off)
		conn_pend(c);
}

static void conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct worker *w = c->w;
	(void)what;
	if (c->lingering) {
		char sink[4096];
		ssize_t n = read(fd, sink, sizeof sink);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			conn_close(c);
		return;
	}
	if (c->closing)
		return;   /* an event already queued in this pass */
	if (!c->in && !(c->in = buf_get(w))) {
		conn_close(c);
		return;
	}
	size_t before = c->in_len;
	ssize_t n = read(fd, c->in->data + c->in_len, BUF_SIZE - c->in_len);
	if (n > 0 && before == 0)
		c->req_ns = worker_pass_ns(w);   /* a request's first byte */
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		conn_close(c);
		return;
	}
	if (n == 0) {
		/* The peer is done sending (a half-close).  Answer the whole
		 * requests it sent, then close. */
		c->eof = 1;
		event_del(&c->rev);
		conn_process(c);
		if (c->fd >= 0 && !c->pending &&
		    !(c->out && c->out_len > c->out_off))
			conn_close(c);
		return;
	}
	c->in_len += (size_t)n;
	if (before == 0 && c->idle) {
		/* The first byte of a request after a keep-alive pause: its
		 * header deadline starts now.  (A new connection's runs from
		 * the accept: see conn_open.) */
		c->idle = 0;
		worker_clock(w, NULL);
		c->deadline_ms = w->now_ms + w->p->cfg->header_timeout_ms;
	}
	conn_process(c);
}

/* Send queued output.  Called from worker_flush (after the log write) and
 * when the socket becomes writable again.  inline: once per response, and
 * the compiler's own limit would keep it out of line. */
static inline void conn_send(struct conn *c)
{
	struct worker *w = c->w;
	int rc = c->out_off < c->out_len
	         ? net_send(c->fd, c->out->data, c->out_len, &c->out_off) : 0;
	if (rc > 0) {
		if (!c->wev_added && event_add(&c->wev, NULL) == 0)
			c->wev_added = 1;
		return;
	}
	if (rc < 0) {
		conn_close(c);
		return;
	}
	buf_put(w, c->out);
	c->out = NULL;
	c->out_off = c->out_len = 0;
	if (c->wev_added) {
		event_del(&c->wev);
		c->wev_added = 0;
	}
	if (c->closing) {
		/* Half-close and read until the client closes: closing with
		 * unread input sends a RST that can destroy the response
		 * before the client reads it. */
		if (c->quick_close || c->eof || c->lingering ||
		    shutdown(c->fd, SHUT_WR) < 0) {
			conn_close(c);
			return;
		}
		c->lingering = 1;
		c->deadline_ms = w->now_ms + LINGER_MS;
		event_add(&c->rev, NULL);
		return;
	}
	if (c->read_paused) {
		c->read_paused = 0;
		if (!c->eof)
			event_add(&c->rev, NULL);
		conn_process(c);   /* queues more output: sent in worker_flush */
	}
}

static void conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	(void)fd;
	(void)what;
	if (c->pending)
		return;   /* new responses wait for their log write */
	conn_send(c);
}

/* --- the flush: responses leave after their log write --------------------- */

/*
 * log_sync = batch: the pass's responses wait on w->held, in ticket order,
 * until the sync thread has made their records durable (it wakes the loop).
 * A held connection stays pending (no writes, no timeouts) and stops
 * reading, so no response of a later batch joins its output; sending it
 * resumes reading (conn_send, as after a full output buffer).
 */
static void worker_hold(struct worker *w, struct conn *list, uint64_t ticket)
{
	while (list) {
		struct conn *c = list;
		list = c->pend_next;
		c->ticket = ticket;
		c->pend_next = NULL;
		if (!c->closing && !c->read_paused && !c->zombie) {
			c->read_paused = 1;
			event_del(&c->rev);
		}
		if (w->held_tail)
			w->held_tail->pend_next = c;
		else
			w->held = c;
		w->held_tail = c;
	}
}

/* Move the held connections whose ticket is durable onto list. */
static struct conn *worker_release(struct worker *w, struct conn *list)
{
	if (!w->held)
		return list;
	uint64_t synced = clicklog_synced(&w->log);
	while (w->held && w->held->ticket <= synced) {
		struct conn *c = w->held;
		w->held = c->pend_next;
		c->pend_next = list;
		list = c;
	}
	if (!w->held)
		w->held_tail = NULL;
	return list;
}

/*
 * After every loop pass: write the pass's click records, then send the
 * responses (with log_sync = batch, once the records are durable).
 * Sending can resume paused connections, whose new responses need another
 * log write first, hence the loop.
 */
void worker_flush(struct worker *w)
{
	do {
		uint64_t ticket = clicklog_flush(&w->log);
		if (w->lat_same || w->n_lat_early)
			request_observe(w);
		struct conn *list = w->pending;
		w->pending = NULL;
		if (ticket) {
			worker_hold(w, list, ticket);
			list = NULL;
		}
		list = worker_release(w, list);
		while (list) {
			struct conn *c = list;
			list = c->pend_next;
			c->pending = 0;
			if (c->zombie) {
				c->zombie = 0;
				conn_free(c);
			} else {
				conn_send(c);
			}
		}
	} while (w->pending);
}
