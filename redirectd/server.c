/*
 * server: worker threads, connections and the request path.  See server.h
 * for the shape.  This file owns connection lifetimes (one way out:
 * conn_close), buffer pools, timeouts and draining; http.c owns the wire
 * format, store.c the link records, clicklog.c the log file.
 *
 * The request path never exits and never prints: every outcome is a status
 * code and a counter.
 */
#include "server.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clickrec.h"
#include "codes.h"
#include "http.h"
#include "netaddr.h"
#include "platform.h"
#include "target.h"

/* One size for input and output buffers.  Input must hold a whole head of
 * HTTP_HEAD_MAX; output must hold at least one largest redirect. */
#define BUF_SIZE HTTP_HEAD_MAX
#define OUT_RESERVE HTTP_REDIRECT_MAX(TARGET_MAX)
#define FREE_BUFS_KEEP 256          /* pool kept across bursts */
#define ACCEPT_BATCH 64
#define LINGER_MS 2000              /* reading after an error response */
#define TICK_MS 250

_Static_assert(BUF_SIZE >= OUT_RESERVE, "output buffer holds a redirect");

/*
 * /robots.txt: crawlers have no business on short links (each visit is a
 * bot click to file, and the target is what should be indexed), but link
 * previews are the point of sharing one, and the unfurlers that honour
 * robots.txt (X, LinkedIn, Slack, Pinterest...) would show no card under a
 * blanket "Disallow: /".  So: previews allowed, everyone else kept off.
 */
static const char robots_txt[] =
	"# Short links: link previews may fetch them, crawlers need not.\n"
	"User-agent: Twitterbot\n"
	"User-agent: facebookexternalhit\n"
	"User-agent: LinkedInBot\n"
	"User-agent: Slackbot\n"
	"User-agent: Discordbot\n"
	"User-agent: TelegramBot\n"
	"User-agent: WhatsApp\n"
	"User-agent: Pinterestbot\n"
	"User-agent: redditbot\n"
	"Allow: /\n"
	"\n"
	"User-agent: *\n"
	"Disallow: /\n";
_Static_assert(sizeof robots_txt - 1 + HTTP_TEXT_HEAD_MAX <= OUT_RESERVE,
               "robots.txt fits the output reserve");

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

#define STAT_ADD(w, name, n) \
	atomic_store_explicit(&(w)->stats.name, \
		atomic_load_explicit(&(w)->stats.name, memory_order_relaxed) + (n), \
		memory_order_relaxed)
#define STAT_INC(w, name) STAT_ADD(w, name, 1)

/*
 * Open connections of all workers together, against max_connections.
 * Kernel SO_REUSEPORT hashing spreads connections unevenly, so a per-worker
 * share of the cap would refuse connections while the daemon as a whole
 * is under it.  One atomic add per accept and per close: off the request
 * path.
 */
static atomic_uint live_conns;
static void conn_process(struct conn *c);

unsigned server_open_connections(void)
{
	return atomic_load_explicit(&live_conns, memory_order_relaxed);
}

const int server_status_code[SERVER_STATUS_N] = {
#define X(code) [SERVER_STATUS_##code] = code,
	SERVER_STATUSES(X)
#undef X
};

/* 50 us to 2.5 s: a redirect is tens of microseconds when all is well;
 * the upper buckets catch a stalled disk or loop. */
const uint64_t server_lat_bound_ns[SERVER_LAT_BUCKETS - 1] = {
	50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
	25000000, 50000000, 100000000, 250000000, 1000000000, 2500000000u,
};

static unsigned status_index(int status)
{
	switch (status) {
#define X(code) case code: return SERVER_STATUS_##code;
	SERVER_STATUSES(X)
#undef X
	default: return SERVER_STATUS_OTHER;
	}
}
static void conn_send(struct conn *c);

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

/* --- time --------------------------------------------------------------- */

static void worker_clock(struct worker *w, uint64_t *us)
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
	if (us)
		*us = t;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The monotonic time of this loop pass: one clock read per pass that
 * reads requests, none per request.  (libevent's cached time may come from
 * CLOCK_MONOTONIC_COARSE, a few milliseconds coarse: too coarse here.) */
static uint64_t worker_pass_ns(struct worker *w)
{
	if (!w->pass_ns)
		w->pass_ns = mono_ns();
	return w->pass_ns;
}

static void lat_observe(struct worker *w, uint64_t ns, uint64_t n)
{
	unsigned b = 0;
	while (b < SERVER_LAT_BUCKETS - 1 && ns > server_lat_bound_ns[b])
		b++;
	STAT_ADD(w, lat[b], n);
}

/*
 * The latency histogram.  A request's time runs from the loop pass that
 * read its first byte (w->pass_ns then, kept in c->req_ns) to the moment
 * the pass's responses are released for sending, after the click records
 * of the pass are written (worker_observe, called from worker_flush: one
 * clock read per pass).  Pipelined requests read together share the read's
 * time.  Not included: time in the kernel's queues before the read and
 * after the send, and with log_sync = batch the wait for fdatasync.
 */
static void worker_observe(struct worker *w)
{
	if (!w->lat_same && !w->n_lat_early)
		return;
	uint64_t now = mono_ns(), sum = 0;
	if (w->lat_same) {
		uint64_t d = now > w->pass_ns ? now - w->pass_ns : 0;
		lat_observe(w, d, w->lat_same);
		sum += d * w->lat_same;
	}
	for (unsigned i = 0; i < w->n_lat_early; i++) {
		uint64_t d = now > w->lat_early[i] ? now - w->lat_early[i] : 0;
		lat_observe(w, d, 1);
		sum += d;
	}
	STAT_ADD(w, lat_sum_ns, sum);
	w->lat_same = w->n_lat_early = 0;
}

/* Every answer: its status counted, its latency noted for the flush. */
static void conn_answered(struct conn *c, int status)
{
	struct worker *w = c->w;
	unsigned i = status_index(status);
	STAT_INC(w, status[i]);
	if (c->req_ns == w->pass_ns)
		w->lat_same++;
	else if (w->n_lat_early < sizeof w->lat_early / sizeof *w->lat_early)
		w->lat_early[w->n_lat_early++] = c->req_ns;
	else
		worker_observe(w);   /* rare: one more clock read */
}

/* --- connection lifetime ------------------------------------------------ */

static void conn_free(struct conn *c)
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
static void conn_close(struct conn *c)
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

static void accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct worker *w = arg;
	(void)what;
	worker_clock(w, NULL);
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage sa;
		socklen_t len = sizeof sa;
		int fd = accept4(lfd, (struct sockaddr *)&sa, &len,
		                 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* The pending connection stays in the backlog and
				 * the listener stays readable: without a pause
				 * the loop would spin on accept. */
				STAT_INC(w, accept_errors);
				listen_enable(w, 0);
				struct timeval tv = { 0, 100000 };
				event_add(w->resume_ev, &tv);
			}
			return;
		}
		unsigned live = atomic_fetch_add_explicit(&live_conns, 1,
		                                          memory_order_relaxed);
		if (live >= w->p->cfg->max_connections || w->draining) {
			/* Over the cap: closed at once, before anything is
			 * read; the connections already open keep working. */
			close(fd);
			atomic_fetch_sub_explicit(&live_conns, 1,
			                          memory_order_relaxed);
			STAT_INC(w, conns_rejected);
			continue;
		}
		conn_open(w, fd, &sa);   /* TCP_NODELAY: from the listener */
	}
}

static void resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	(void)fd;
	(void)what;
	if (!w->draining)
		listen_enable(w, 1);
}

/* --- the request path --------------------------------------------------- */

/* Queue a response's bytes: they leave in worker_flush, after the log. */
static void conn_pend(struct conn *c)
{
	if (!c->pending) {
		c->pending = 1;
		c->pend_next = c->w->pending;
		c->w->pending = c;
	}
}

/* No more requests on this connection: stop reading now (a readable
 * socket we do not read would wake the loop on every pass). */
static void conn_set_closing(struct conn *c)
{
	if (!c->closing) {
		c->closing = 1;
		if (!c->read_paused)
			event_del(&c->rev);
		c->read_paused = 0;
	}
}

/* conn: enum http_conn.  Error responses always fit: the caller keeps
 * OUT_RESERVE bytes free. */
static void conn_error(struct conn *c, int status, int head_only, int conn)
{
	struct worker *w = c->w;
	size_t n = http_write_error(c->out->data + c->out_len,
	                            BUF_SIZE - c->out_len, status, w->date, conn,
	                            head_only);
	c->out_len += n;
	conn_answered(c, status);
	if (conn == HTTP_CONN_CLOSE)
		conn_set_closing(c);
}

/*
 * Fill the attribution fields of a click: client IP (behind trusted
 * proxies only), class, platform, referrer host, country, visitor, the
 * internal flag and, if configured, the (truncated) IP.  Everything here
 * reads immutable state: no locks, no allocation.
 */
static void conn_attribute(struct conn *c, const struct http_request *req,
                           int head, struct click *ck)
{
	struct worker *w = c->w;
	const struct config *cfg = w->p->cfg;
	const struct attrib *at = w->at;
	struct netaddr client = c->peer;
	if (cfg->n_trusted) {
		const struct cidr_list trusted = { (struct cidr *)cfg->trusted,
		                                   cfg->n_trusted };
		enum clientip_source src = clientip_pick(
			&trusted, &c->peer, req->x_real_ip.p, req->x_real_ip.len,
			req->x_forwarded_for.p, req->x_forwarded_for.len, &client);
		if (src == CLIENTIP_REAL_IP || src == CLIENTIP_FORWARDED)
			STAT_INC(w, forwarded);
		else if (src == CLIENTIP_MALFORMED)
			STAT_INC(w, forwarded_bad);
	}

	const char *ua = req->user_agent.p ? req->user_agent.p : "";
	struct ua_verdict v = ua_classify_memo(at->ua, &w->ua_memo, ua,
	                                       req->user_agent.len);
	/* HEAD is a probe whatever it claims to be (X sends HEADs with
	 * browser user agents for every shared link). */
	ck->class = head ? CLASS_PROBE : v.class;

	const char *host;
	size_t host_len;
	ck->platform = platform_from_referer(req->referer.p, req->referer.len,
	                                     &host, &host_len);
	/* In-app browsers often send no referrer; their UA names the app. */
	if (ck->platform == PLATFORM_NONE && v.platform != PLATFORM_UNKNOWN)
		ck->platform = v.platform;
	if (host_len > CLICKREC_REFHOST_MAX)
		host_len = CLICKREC_REFHOST_MAX;
	for (size_t i = 0; i < host_len; i++) {
		char ch = host[i];
		ck->refhost[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
	}
	ck->refhost_len = (uint8_t)host_len;

	if (at->geo && !geo_country(at->geo, client.b, client.len, ck->country))
		memset(ck->country, 0, 2);
	ck->visitor = visitor_hash(&at->vkey, client.b, client.len, ua,
	                           req->user_agent.len);
	if (cfg->n_internal) {
		const struct cidr_list internal = { (struct cidr *)cfg->internal,
		                                    cfg->n_internal };
		if (cidr_list_contains(&internal, &client))
			ck->flags |= CLICK_F_INTERNAL;
	}
	if (cfg->ip_log != IP_LOG_NONE) {
		struct netaddr kept = client;
		unsigned bits = kept.len * 8;
		if (cfg->ip_log == IP_LOG_TRUNCATED)
			bits = netaddr_truncate(&kept);
		ck->ip_family = kept.len == 4 ? 4 : 6;
		ck->ip_prefix = (uint8_t)bits;
		memcpy(ck->ip, kept.b, kept.len);
	}
	unsigned k = ck->class < CLASS_COUNT ? ck->class : CLASS_UNKNOWN;
	STAT_INC(w, class[k]);
}

static void conn_handle(struct conn *c, const struct http_request *req,
                        uint64_t now_us)
{
	struct worker *w = c->w;
	const struct server_params *p = w->p;
	int close = !req->keep_alive || w->draining ||
	            p->cfg->keepalive_timeout_ms == 0;
	/* HTTP/1.0 keeps a connection only when the answer says so. */
	int conn = close ? HTTP_CONN_CLOSE
	         : req->minor == 0 ? HTTP_CONN_KEEP_ALIVE : HTTP_CONN_DEFAULT;
	int head = req->method == HTTP_HEAD;

	STAT_INC(w, requests);
	/* The client asked to close: once its answer is out, close at once,
	 * as nginx does (conn_process keeps the lingering close when it sent
	 * anything more). */
	if (!req->keep_alive)
		c->quick_close = 1;
	if (req->method == HTTP_OTHER) {
		STAT_INC(w, method_not_allowed);
		conn_error(c, 405, 0, conn);
		return;
	}
	const char *code = req->path.p + 1;
	size_t code_len = req->path.len - 1;
	if (!code_valid(code, code_len)) {
		/* Not a code: rare paths, so their checks cost the hot path
		 * nothing.  One trailing slash (link editors and chat apps
		 * add it) is the code itself; robots.txt is answered; the
		 * rest is 404 (percent-encoding is not decoded: no code
		 * ever needs it). */
		if (code_len > 1 && code[code_len - 1] == '/' &&
		    code_valid(code, code_len - 1)) {
			code_len--;
		} else if (req->path.len == sizeof "/robots.txt" - 1 &&
		           memcmp(req->path.p, "/robots.txt", req->path.len) == 0) {
			c->out_len += http_write_text(c->out->data + c->out_len,
			                              BUF_SIZE - c->out_len, 200,
			                              robots_txt,
			                              sizeof robots_txt - 1,
			                              w->date, conn, head);
			conn_answered(c, 200);
			if (close)
				conn_set_closing(c);
			return;
		} else {
			STAT_INC(w, not_found);
			conn_error(c, 404, head, conn);
			return;
		}
	}

	const struct store *st = &w->st->store;
	int rc = mdb_txn_renew(w->txn);
	if (rc == MDB_READERS_FULL) {
		/* Slots of dead readers: clear them and try once more. */
		int dead;
		mdb_reader_check(st->env, &dead);
		rc = mdb_txn_renew(w->txn);
	}
	if (rc) {
		STAT_INC(w, store_errors);
		conn_error(c, 503, head, conn);
		return;
	}
	struct link l;
	rc = store_link_get(w->txn, st, code, code_len, &l);
	if (rc == MDB_NOTFOUND) {
		STAT_INC(w, not_found);
		conn_error(c, 404, head, conn);
	} else if (rc == EINVAL) {
		/* A record that does not decode: broken, not unavailable
		 * (503 would invite a retry that fails the same way). */
		STAT_INC(w, bad_targets);
		conn_error(c, 500, head, conn);
	} else if (rc) {
		STAT_INC(w, store_errors);
		conn_error(c, 503, head, conn);
	} else if (l.flags & LINK_DISABLED) {
		STAT_INC(w, disabled);
		conn_error(c, (int)p->cfg->disabled_status, head, conn);
	} else if (!target_servable(l.url, l.url_len)) {
		STAT_INC(w, bad_targets);
		conn_error(c, 500, head, conn);
	} else {
		int status = l.status;
		if (status != 301 && status != 307 && status != 308)
			status = 302;
		/* query_passthrough: /CODE?x=y goes to the target with x=y
		 * among its parameters (a campaign page reads its own). */
		const char *loc = l.url;
		size_t loc_len = l.url_len;
		char merged[TARGET_MAX];
		if (req->query.len && p->cfg->query_passthrough) {
			size_t m = target_merge_query(l.url, l.url_len, req->query.p,
			                              req->query.len, merged,
			                              sizeof merged);
			/* The query's bytes passed the request parser; held to
			 * the stored targets' rule all the same. */
			if (m && target_servable(merged, m)) {
				loc = merged;
				loc_len = m;
			}
		}
		/* The target is copied into the output buffer here, before
		 * the transaction is reset and its pages may be reused. */
		size_t n = http_write_redirect(c->out->data + c->out_len,
		                               BUF_SIZE - c->out_len, status,
		                               loc, loc_len, w->date, conn);
		if (n == 0) {
			/* The writer refuses what could split the response. */
			STAT_INC(w, bad_targets);
			conn_error(c, 500, head, conn);
			mdb_txn_reset(w->txn);
			return;
		}
		c->out_len += n;
		conn_answered(c, status);
		if (close)
			conn_set_closing(c);
		STAT_INC(w, redirects);

		struct click ck;
		memset(&ck, 0, sizeof ck);
		ck.time_us = now_us;
		ck.link_id = l.id;
		ck.staff_id = l.staff_id;
		ck.campaign_id = l.campaign_id;
		ck.node_hash = p->node_hash;
		ck.status = (uint16_t)status;
		ck.flags = head ? CLICK_F_HEAD : 0;
		conn_attribute(c, req, head, &ck);
		clicklog_append(&w->log, &ck);
		STAT_INC(w, clicks);
	}
	mdb_txn_reset(w->txn);
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
			conn_error(c, 431, head, HTTP_CONN_CLOSE);
			break;
		}
		if (rc < 0) {
			STAT_INC(w, bad_requests);
			conn_error(c, http_error_status(rc), head, HTTP_CONN_CLOSE);
			break;
		}
		off += (size_t)rc;
		conn_handle(c, &req, now_us);
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
 * when the socket becomes writable again. */
static void conn_send(struct conn *c)
{
	struct worker *w = c->w;
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out->data + c->out_off,
		                 c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (!c->wev_added && event_add(&c->wev, NULL) == 0)
				c->wev_added = 1;
			return;
		}
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
static void worker_flush(struct worker *w)
{
	do {
		uint64_t ticket = clicklog_flush(&w->log);
		worker_observe(w);
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

/* --- timers, waking, draining -------------------------------------------- */

static void worker_drain_begin(struct worker *w)
{
	w->draining = 1;
	w->drain_deadline_ms = w->now_ms + w->p->cfg->drain_timeout_ms;
	for (unsigned i = 0; i < w->n_listen; i++) {
		event_del(w->listen_ev[i]);
		close(w->listen_fd[i]);
		w->listen_fd[i] = -1;
	}
	event_del(w->resume_ev);
	/* Idle keep-alive connections have nothing in flight. */
	for (struct conn *c = w->conns, *next; c; c = next) {
		next = c->next;
		if (!c->in_len && !c->pending && !(c->out && c->out_len > c->out_off))
			conn_close(c);
	}
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
		w->pass_ns = 0;
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
		                            EV_READ | EV_PERSIST, accept_cb, w);
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
	w->resume_ev = evtimer_new(w->base, resume_cb, w);
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
