/*
 * admin: the admin listener's connections, /metrics and /healthz.  See
 * admin.h for the contract.  This file owns the exposition's names and
 * help texts; server.h owns the counters behind them.
 */
#include "admin.h"

#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clickrec.h"
#include "http.h"
#include "net.h"
#include "version.h"

struct admin_conn {
	struct admin_conn *next, *prev;
	struct admin *a;
	int fd;
	struct event *rev, *wev;
	char in[HTTP_HEAD_MAX];
	size_t in_len;
	char *out;
	size_t out_len, out_off, out_cap;
	int closing;
};

/* --- a growing text buffer ------------------------------------------------ */

struct text {
	char *p;
	size_t len, cap;
	int oom;
};

static void text_reserve(struct text *t, size_t more)
{
	if (t->oom || t->len + more + 1 <= t->cap)
		return;
	size_t cap = t->cap ? t->cap : 4096;
	while (cap < t->len + more + 1)
		cap *= 2;
	char *p = realloc(t->p, cap);
	if (!p) {
		t->oom = 1;
		return;
	}
	t->p = p;
	t->cap = cap;
}

static void text_put(struct text *t, const char *s, size_t n)
{
	text_reserve(t, n);
	if (t->oom)
		return;
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void text_printf(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void text_printf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	text_reserve(t, (size_t)n);
	if (t->oom)
		return;
	va_start(ap, fmt);
	vsnprintf(t->p + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* --- reading main's and the workers' state ------------------------------ */

#define RELAXED(x) atomic_load_explicit(&(x), memory_order_relaxed)

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t sum_store_errors(const struct admin_src *s)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < s->n_workers; i++)
		n += WORKER_STAT(&s->workers[i], store_errors);
	return n;
}

static uint64_t sum_sync_errors(const struct admin_src *s)
{
	uint64_t n = *s->sync_errors;
	for (unsigned i = 0; i < s->n_workers; i++)
		n += RELAXED(s->workers[i].log.sync_errors);
	return n;
}

/*
 * How far the log's durability is behind: the batches written and not
 * yet known durable, and the seconds since the start of the last good
 * fdatasync of the most-behind worker that has any (0 when everything
 * written is durable).  With log_sync = never nothing is synced: the lag
 * runs from the first batch.
 */
static void sync_lag(const struct admin_src *s, uint64_t *pending,
                     double *lag)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	*pending = 0;
	*lag = 0;
	for (unsigned i = 0; i < s->n_workers; i++) {
		struct clicklog *cl = &s->workers[i].log;
		uint64_t b = atomic_load_explicit(&cl->batches,
		                                  memory_order_acquire);
		uint64_t done = RELAXED(cl->synced_batches);
		if (b <= done)
			continue;
		*pending += b - done;
		uint64_t at = RELAXED(cl->synced_at_ns);
		if (!at)
			at = s->start_mono_ns;
		double l = now > at ? (double)(now - at) / 1e9 : 0;
		if (l > *lag)
			*lag = l;
	}
}

struct reader_count { unsigned n; };

static int count_reader(const char *msg, void *ctx)
{
	struct reader_count *rc = ctx;
	/* mdb_reader_list: a header ("    pid     thread     txnid"), one
	 * line per taken slot, or "(no active readers)". */
	if (msg[0] != '(' && !strstr(msg, "pid"))
		rc->n++;
	return 0;
}

/* --- /healthz ----------------------------------------------------------- */

static void window(uint64_t value, uint64_t *seen, uint64_t *at, uint64_t now)
{
	if (value > *seen)
		*at = now;
	*seen = value;
}

void admin_tick(struct admin *a)
{
	uint64_t now = now_ms();
	window(sum_store_errors(a->src), &a->store_err_seen, &a->store_err_at_ms,
	       now);
	window(sum_sync_errors(a->src), &a->sync_err_seen, &a->sync_err_at_ms,
	       now);
}

static void reason(struct text *t, int *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void reason(struct text *t, int *n, const char *fmt, ...)
{
	char buf[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	text_printf(t, "%s%s", (*n)++ ? "; " : "degraded: ", buf);
}

static int health(struct admin *a, struct text *t)
{
	const struct admin_src *s = a->src;
	int n = 0;
	admin_tick(a);
	uint64_t now = now_ms();

	/* The click log: a worker whose last write failed is dropping
	 * records (it keeps redirecting). */
	uint64_t dropped = 0;
	int err = 0;
	for (unsigned i = 0; i < s->n_workers; i++) {
		const struct clicklog *cl = &s->workers[i].log;
		dropped += RELAXED(cl->dropped);
		int e = atomic_load_explicit(&cl->last_errno, memory_order_relaxed);
		if (e && !err)
			err = e;
	}
	if (err)
		reason(t, &n, "click log not writable (%s): %llu records dropped",
		       strerror(err), (unsigned long long)dropped);
	if (*s->log_error)
		reason(t, &n, "%s", s->log_error);
	if (a->sync_err_at_ms && now - a->sync_err_at_ms < ADMIN_HEALTH_WINDOW_MS)
		reason(t, &n, "fdatasync failed (%llu failures in all)",
		       (unsigned long long)a->sync_err_seen);
	if (s->cfg->log_sync_ms > 0) {
		uint64_t pending;
		double lag;
		sync_lag(s, &pending, &lag);
		double limit = 5.0 * s->cfg->log_sync_ms / 1000.0;
		if (limit < 10)
			limit = 10;
		if (lag > limit)
			reason(t, &n, "click log not synced for %.0f s", lag);
	}

	/* The store. */
	if (a->store_err_at_ms && now - a->store_err_at_ms < ADMIN_HEALTH_WINDOW_MS)
		reason(t, &n, "store errors (%llu in all, the last less than "
		       "%u s ago)", (unsigned long long)a->store_err_seen,
		       ADMIN_HEALTH_WINDOW_MS / 1000);
	if (*s->store_error)
		reason(t, &n, "%s", s->store_error);

	/* The country database: configured, so meant to be there. */
	const struct attrib *at = attrib_current(s->attrib);
	if (*s->cfg->geoip_db && (!at || !at->geo))
		reason(t, &n, "country database %s not loaded (countries are "
		       "unknown)", s->cfg->geoip_db);
	if (!n)
		text_put(t, "ok", 2);
	text_put(t, "\n", 1);
	return n;
}

int admin_health(struct admin *a, char *out, size_t len)
{
	struct text t = { 0 };
	int n = health(a, &t);
	snprintf(out, len, "%s", t.oom ? "degraded: out of memory\n" : t.p);
	free(t.p);
	return n;
}

/* --- /metrics ------------------------------------------------------------ */

static void family(struct text *t, const char *name, const char *type,
                   const char *help)
{
	text_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void counter(struct text *t, const char *name, const char *help,
                    uint64_t v)
{
	family(t, name, "counter", help);
	text_printf(t, "%s %llu\n", name, (unsigned long long)v);
}

static void gauge(struct text *t, const char *name, const char *help,
                  double v)
{
	family(t, name, "gauge", help);
	text_printf(t, "%s %.17g\n", name, v);
}

static const char *const class_name[CLASS_COUNT] = {
	[CLASS_UNKNOWN] = "unknown", [CLASS_HUMAN] = "human",
	[CLASS_PREVIEW] = "preview", [CLASS_CRAWLER] = "crawler",
	[CLASS_TOOL] = "tool", [CLASS_PROBE] = "probe",
};

static void metrics(struct admin *a, struct text *t)
{
	const struct admin_src *s = a->src;
	struct worker *w = s->workers;
	unsigned nw = s->n_workers;
	char name[128];

	family(t, "redirectd_build_info", "gauge",
	       "The version of this redirectd; always 1.");
	text_printf(t, "redirectd_build_info{version=\"%s\"} 1\n",
	            REDIRECTD_VERSION);
	gauge(t, "process_start_time_seconds",
	      "Start time of the process since the Unix epoch, in seconds.",
	      s->start_time);
	gauge(t, "redirectd_workers", "Worker threads.", nw);

	/* Requests: by status, then the named counters. */
	family(t, "redirectd_http_responses_total", "counter",
	       "Responses of the public listener by status code (every answer, "
	       "refusals of malformed requests included).");
	for (unsigned k = 0; k < SERVER_STATUS_N; k++) {
		uint64_t v = 0;
		for (unsigned i = 0; i < nw; i++)
			v += RELAXED(w[i].stats.status[k]);
		if (server_status_code[k])
			text_printf(t, "redirectd_http_responses_total{code=\"%d\"} "
			            "%llu\n", server_status_code[k],
			            (unsigned long long)v);
		else
			text_printf(t, "redirectd_http_responses_total{code="
			            "\"other\"} %llu\n", (unsigned long long)v);
	}
	family(t, "redirectd_clicks_total", "counter",
	       "Click records appended, by class (only human counts as a click "
	       "in reach; the others are bots).");
	for (unsigned k = 0; k < CLASS_COUNT; k++) {
		uint64_t v = 0;
		for (unsigned i = 0; i < nw; i++)
			v += RELAXED(w[i].stats.class[k]);
		if (k != CLASS_UNKNOWN || v)
			text_printf(t, "redirectd_clicks_total{class=\"%s\"} %llu\n",
			            class_name[k], (unsigned long long)v);
	}
#define X(field, help) \
	if (strcmp(#field, "clicks")) { \
		uint64_t v = 0; \
		for (unsigned i = 0; i < nw; i++) \
			v += WORKER_STAT(&w[i], field); \
		snprintf(name, sizeof name, "redirectd_%s_total", #field); \
		counter(t, name, help, v); \
	}
	WORKER_STATS(X)
#undef X

	/* Latency. */
	uint64_t lat[SERVER_LAT_BUCKETS] = { 0 }, sum_ns = 0, count = 0;
	for (unsigned i = 0; i < nw; i++) {
		for (unsigned b = 0; b < SERVER_LAT_BUCKETS; b++)
			lat[b] += RELAXED(w[i].stats.lat[b]);
		sum_ns += RELAXED(w[i].stats.lat_sum_ns);
	}
	family(t, "redirectd_request_duration_seconds", "histogram",
	       "Public requests, from the event-loop pass that read a request's "
	       "first byte (one monotonic clock read per pass) to the release of "
	       "that pass's responses for sending, after its click records were "
	       "written: parsing, look-up, attribution, the log write and the "
	       "other requests of the pass. Not included: time in the kernel's "
	       "socket queues, the send itself and, with log_sync = batch, the "
	       "wait for fdatasync.");
	for (unsigned b = 0; b < SERVER_LAT_BUCKETS; b++) {
		count += lat[b];
		if (b < SERVER_LAT_BUCKETS - 1)
			text_printf(t, "redirectd_request_duration_seconds_bucket"
			            "{le=\"%g\"} %llu\n",
			            (double)server_lat_bound_ns[b] / 1e9,
			            (unsigned long long)count);
		else
			text_printf(t, "redirectd_request_duration_seconds_bucket"
			            "{le=\"+Inf\"} %llu\n", (unsigned long long)count);
	}
	text_printf(t, "redirectd_request_duration_seconds_sum %.9f\n"
	            "redirectd_request_duration_seconds_count %llu\n",
	            (double)sum_ns / 1e9, (unsigned long long)count);

	gauge(t, "redirectd_connections_open",
	      "Open connections of the public listener, all workers together.",
	      server_open_connections());
	gauge(t, "redirectd_connections_max",
	      "The max_connections directive.", s->cfg->max_connections);

	/* The click log. */
	uint64_t written = 0, dropped = 0, werr = 0, syncs = *s->syncs;
	for (unsigned i = 0; i < nw; i++) {
		const struct clicklog *cl = &w[i].log;
		written += RELAXED(cl->written);
		dropped += RELAXED(cl->dropped);
		werr += RELAXED(cl->write_errors);
		syncs += RELAXED(cl->syncs);
	}
	counter(t, "redirectd_log_records_written_total",
	        "Click records written to segments (pwrite returned).", written);
	counter(t, "redirectd_log_written_bytes_total",
	        "Bytes written to click-log segments: records and the headers of "
	        "the segments this process created.",
	        written * CLICKREC_SIZE +
	        *s->segments_created * CLICKREC_HEADER_SIZE);
	counter(t, "redirectd_log_records_dropped_total",
	        "Click records dropped because they could not be written (full "
	        "disk, file-size limit, I/O error); the redirects were served.",
	        dropped);
	counter(t, "redirectd_log_write_errors_total",
	        "Failed or short writes to the click log.", werr);
	counter(t, "redirectd_log_segments_created_total",
	        "Segments created by this process (start, rotations, moves "
	        "after a failed fdatasync).", *s->segments_created);
	gauge(t, "redirectd_log_segments_open",
	      "Segments open: one current per worker, plus those being handed "
	      "over.", *s->segments_open);
	counter(t, "redirectd_log_syncs_total",
	        "fdatasync calls on segments (log_sync interval: one per segment "
	        "per round; batch: one per round of a sync thread).", syncs);
	counter(t, "redirectd_log_sync_errors_total", "Failed fdatasync calls.",
	        sum_sync_errors(s));
	uint64_t pending;
	double lag;
	sync_lag(s, &pending, &lag);
	gauge(t, "redirectd_log_unsynced_batches",
	      "Batches of click records written (one pwrite each) and not yet "
	      "made durable by a successful fdatasync.", (double)pending);
	gauge(t, "redirectd_log_sync_lag_seconds",
	      "Seconds since the start of the last successful fdatasync of the "
	      "worker furthest behind, counting only workers with unsynced "
	      "batches (0: everything written is durable). With log_sync = "
	      "never it only grows.", lag);

	/* The store. */
	struct store_gen *st = storeslot_current(s->stores);
	struct reader_count rc = { 0 };
	MDB_envinfo info;
	mdb_reader_list(st->store.env, count_reader, &rc);
	gauge(t, "redirectd_lmdb_readers",
	      "Reader slots taken in the store's lock file, by every process "
	      "(this daemon holds one per worker).", rc.n);
	gauge(t, "redirectd_lmdb_max_readers", "Reader slots in the store's "
	      "lock file.", mdb_env_info(st->store.env, &info) ? 0
	                                                      : info.me_maxreaders);
	gauge(t, "redirectd_store_generation",
	      "The store in use: 1 at start, one more at each swap followed.",
	      (double)st->gen);
	unsigned behind = 0;
	for (unsigned i = 0; i < nw; i++)
		behind += atomic_load_explicit(&w[i].seen_store,
		                               memory_order_acquire) < st->gen;
	gauge(t, "redirectd_store_workers_behind",
	      "Workers not yet reading the current store (they move between "
	      "event-loop passes).", behind);
	gauge(t, "redirectd_store_retired_open",
	      "Old stores still open: closed once no worker reads them.",
	      s->stores->n_retired);
	counter(t, "redirectd_store_swaps_total",
	        "Swaps of the store (a new data.mdb behind db) followed.",
	        *s->store_swaps);
	counter(t, "redirectd_store_swap_failures_total",
	        "New stores behind db that could not be opened (the old one "
	        "kept serving).", *s->store_swap_failures);
	char why[1024];
	gauge(t, "redirectd_healthy", "1 when /healthz says ok, 0 when degraded.",
	      admin_health(a, why, sizeof why) ? 0 : 1);
	counter(t, "redirectd_admin_requests_total",
	        "Requests answered by the admin listener.", a->served);
}

/* --- connections ---------------------------------------------------------- */

static void conn_close(struct admin_conn *c)
{
	struct admin *a = c->a;
	if (c->prev)
		c->prev->next = c->next;
	else
		a->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	a->n_conns--;
	event_free(c->rev);
	event_free(c->wev);
	close(c->fd);
	free(c->out);
	free(c);
}

static void out_put(struct admin_conn *c, const char *p, size_t n)
{
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 8192;
		while (cap < c->out_len + n)
			cap *= 2;
		char *o = realloc(c->out, cap);
		if (!o) {
			c->closing = 1;
			return;
		}
		c->out = o;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
}

static void respond(struct admin_conn *c, int status, const char *ctype,
                    const struct text *body, int head, int conn)
{
	char date[30], hdr[512];
	http_format_date((int64_t)time(NULL), date);
	int n = snprintf(hdr, sizeof hdr,
	                 "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: %s\r\n"
	                 "Content-Length: %zu\r\nCache-Control: no-store\r\n%s\r\n",
	                 status, http_reason(status), date, ctype, body->len,
	                 conn == HTTP_CONN_CLOSE ? "Connection: close\r\n"
	                 : conn == HTTP_CONN_KEEP_ALIVE
	                 ? "Connection: keep-alive\r\n" : "");
	out_put(c, hdr, (size_t)n);
	if (!head)
		out_put(c, body->p, body->len);
}

static void reply_error(struct admin_conn *c, int status, int head, int conn)
{
	char buf[512];
	char date[30];
	http_format_date((int64_t)time(NULL), date);
	size_t n = http_write_error(buf, sizeof buf, status, date, conn, head);
	out_put(c, buf, n);
	if (conn == HTTP_CONN_CLOSE)
		c->closing = 1;
}

static int path_is(const struct http_request *r, const char *p)
{
	return r->path.len == strlen(p) && !memcmp(r->path.p, p, r->path.len);
}

static void handle(struct admin_conn *c, const struct http_request *req)
{
	struct admin *a = c->a;
	int head = req->method == HTTP_HEAD;
	int conn = !req->keep_alive ? HTTP_CONN_CLOSE
	         : req->minor == 0 ? HTTP_CONN_KEEP_ALIVE : HTTP_CONN_DEFAULT;
	a->served++;
	if (req->method == HTTP_OTHER) {
		reply_error(c, 405, 0, conn);
		return;
	}
	struct text t = { 0 };
	if (path_is(req, "/metrics")) {
		metrics(a, &t);
		if (!t.oom)
			respond(c, 200, "text/plain; version=0.0.4; charset=utf-8",
			        &t, head, conn);
	} else if (path_is(req, "/healthz")) {
		int bad = health(a, &t);
		if (!t.oom)
			respond(c, bad ? 503 : 200, "text/plain; charset=utf-8", &t,
			        head, conn);
	} else {
		reply_error(c, 404, head, conn);
		return;
	}
	if (t.oom)
		reply_error(c, 503, head, HTTP_CONN_CLOSE);
	free(t.p);
	if (conn == HTTP_CONN_CLOSE)
		c->closing = 1;
}

static void conn_flush(struct admin_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
		                 MSG_NOSIGNAL);
		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			/* A client that does not read is closed as an idle
			 * one is. */
			struct timeval idle = { ADMIN_IDLE_MS / 1000,
			                        (ADMIN_IDLE_MS % 1000) * 1000 };
			event_add(c->wev, &idle);
			return;
		}
		conn_close(c);
		return;
	}
	c->out_off = c->out_len = 0;
	event_del(c->wev);
	if (c->closing)
		conn_close(c);
}

static void conn_read(evutil_socket_t fd, short what, void *arg)
{
	struct admin_conn *c = arg;
	if (what & EV_TIMEOUT) {
		conn_close(c);
		return;
	}
	if (c->closing)
		return;
	ssize_t n = read(fd, c->in + c->in_len, sizeof c->in - c->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->in_len += (size_t)n;
	size_t off = 0;
	while (off < c->in_len && !c->closing) {
		struct http_request req;
		int rc = http_parse(c->in + off, c->in_len - off, &req);
		if (rc == HTTP_INCOMPLETE && !(off == 0 && c->in_len == sizeof c->in))
			break;
		if (rc == HTTP_INCOMPLETE)
			rc = HTTP_ERR_HEADERS_TOO_LARGE;
		if (rc < 0) {
			reply_error(c, http_error_status(rc), req.method == HTTP_HEAD,
			      HTTP_CONN_CLOSE);
			break;
		}
		off += (size_t)rc;
		handle(c, &req);
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	if (c->closing) {
		c->in_len = 0;
		event_del(c->rev);
	}
	conn_flush(c);
}

static void conn_write(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	if (what & EV_TIMEOUT)
		conn_close(arg);
	else
		conn_flush(arg);
}

static void accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct admin *a = arg;
	(void)what;
	for (int i = 0; i < 16; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct admin_conn *c = NULL;
		if (a->n_conns >= ADMIN_CONNS_MAX || !(c = calloc(1, sizeof *c))) {
			close(fd);
			continue;
		}
		c->a = a;
		c->fd = fd;
		c->rev = event_new(a->base, fd, EV_READ | EV_PERSIST, conn_read, c);
		c->wev = event_new(a->base, fd, EV_WRITE | EV_PERSIST, conn_write, c);
		struct timeval idle = { ADMIN_IDLE_MS / 1000,
		                        (ADMIN_IDLE_MS % 1000) * 1000 };
		if (!c->rev || !c->wev || event_add(c->rev, &idle) < 0) {
			if (c->rev)
				event_free(c->rev);
			if (c->wev)
				event_free(c->wev);
			close(fd);
			free(c);
			continue;
		}
		c->next = a->conns;
		if (a->conns)
			a->conns->prev = c;
		a->conns = c;
		a->n_conns++;
	}
}

/* --- the listener ------------------------------------------------------- */

void admin_init(struct admin *a, struct event_base *base, const char *spec,
                const struct admin_src *src)
{
	memset(a, 0, sizeof *a);
	a->base = base;
	a->src = src;
	a->fd = -1;
	snprintf(a->spec, sizeof a->spec, "%s", spec);
}

int admin_unbound(const struct admin *a)
{
	return a->spec[0] && a->fd < 0;
}

static int listen_unix(struct admin *a, const char *path, char *err,
                       size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	int rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	if (rc < 0 && errno == EADDRINUSE) {
		/* A socket file is there: another process's (leave it), or
		 * a dead one's (nothing answers: replace it). */
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int live = probe >= 0 &&
		           connect(probe, (struct sockaddr *)&sun, sizeof sun) == 0;
		if (probe >= 0)
			close(probe);
		struct stat st;
		if (live || lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s", live ? "another process listens "
			         "there" : "the path exists and is not a socket");
			close(fd);
			return -1;
		}
		unlink(path);
		rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	}
	if (rc < 0) {
		snprintf(err, errlen, "bind: %s", strerror(errno));
		close(fd);
		return -1;
	}
	/* The owner and its group may connect (umask 027 took group
	 * write, which connect needs). */
	chmod(path, 0660);
	if (listen(fd, 64) < 0) {
		snprintf(err, errlen, "listen: %s", strerror(errno));
		unlink(path);
		close(fd);
		return -1;
	}
	snprintf(a->unix_path, sizeof a->unix_path, "%s", path);
	return fd;
}

int admin_listen(struct admin *a, char *err, size_t errlen)
{
	if (!admin_unbound(a))
		return 0;
	int fd;
	if (!strncmp(a->spec, "unix:", 5)) {
		fd = listen_unix(a, a->spec + 5, err, errlen);
	} else {
		struct sockaddr_storage ss;
		socklen_t len;
		if (net_parse_addr(a->spec, &ss, &len, err, errlen) < 0)
			return -1;
		/* Not net_listen: that socket shares its port (SO_REUSEPORT)
		 * and defers accepts; two daemons must not share this one. */
		int one = 1;
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		            0);
		if (fd < 0) {
			snprintf(err, errlen, "socket: %s", strerror(errno));
			return -1;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (ss.ss_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			close(fd);
			return -1;
		}
	}
	if (fd < 0)
		return -1;
	a->lev = event_new(a->base, fd, EV_READ | EV_PERSIST, accept_cb, a);
	if (!a->lev || event_add(a->lev, NULL) < 0) {
		snprintf(err, errlen, "cannot add the listener event");
		if (a->lev)
			event_free(a->lev);
		a->lev = NULL;
		close(fd);
		return -1;
	}
	a->fd = fd;
	return 0;
}

void admin_deinit(struct admin *a)
{
	while (a->conns)
		conn_close(a->conns);
	if (a->lev)
		event_free(a->lev);
	a->lev = NULL;
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	if (a->unix_path[0])
		unlink(a->unix_path);
	a->unix_path[0] = '\0';
}
