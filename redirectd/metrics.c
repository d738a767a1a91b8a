/*
 * metrics: /metrics, /healthz and the counters line.  See metrics.h for the
 * contract.  The names and help texts of the exposition live here and
 * nowhere else; tests/integration/test_admin.py checks them with promtool.
 */
#include "metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clickrec.h"
#include "monotime.h"
#include "version.h"

#define RELAXED(x) atomic_load_explicit(&(x), memory_order_relaxed)

/* One counter summed over the workers.  c0: that counter in the first
 * worker's struct (the others are at the same offset in theirs). */
static uint64_t sum_workers(const struct metrics_src *s,
                            const _Atomic uint64_t *c0)
{
	size_t off = (size_t)((const char *)c0 - (const char *)s->workers);
	uint64_t n = 0;
	for (unsigned i = 0; i < s->n_workers; i++) {
		const char *w = (const char *)&s->workers[i];
		n += RELAXED(*(const _Atomic uint64_t *)(w + off));
	}
	return n;
}

/* The click log's counters, summed over the workers; main's own fdatasync
 * rounds (log_sync interval) included in syncs and sync_errors. */
struct log_totals {
	uint64_t written, dropped, write_errors, syncs, sync_errors;
};

static void log_totals(const struct metrics_src *s, struct log_totals *lt)
{
	const struct clicklog *cl = &s->workers->log;
	lt->written = sum_workers(s, &cl->written);
	lt->dropped = sum_workers(s, &cl->dropped);
	lt->write_errors = sum_workers(s, &cl->write_errors);
	lt->syncs = *s->syncs + sum_workers(s, &cl->syncs);
	lt->sync_errors = *s->sync_errors + sum_workers(s, &cl->sync_errors);
}

static uint64_t sum_sync_errors(const struct metrics_src *s)
{
	struct log_totals lt;
	log_totals(s, &lt);
	return lt.sync_errors;
}

/*
 * How far the log's durability is behind: the batches written and not
 * yet known durable, and the seconds since the start of the last good
 * fdatasync of the most-behind worker that has any (0 when everything
 * written is durable).  With log_sync = never nothing is synced: the lag
 * runs from the first batch.
 */
static void sync_lag(const struct metrics_src *s, uint64_t *pending,
                     double *lag)
{
	uint64_t now = monotime_ns();
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

void metrics_init(struct metrics *m, const struct metrics_src *src)
{
	*m = (struct metrics){ .src = src };
}

/* --- /healthz ----------------------------------------------------------- */

static void window(uint64_t value, uint64_t *seen, uint64_t *at, uint64_t now)
{
	if (value > *seen)
		*at = now;
	*seen = value;
}

void metrics_tick(struct metrics *m)
{
	uint64_t now = monotime_ms();
	window(sum_workers(m->src, &m->src->workers->stats.store_errors),
	       &m->store_err_seen, &m->store_err_at_ms, now);
	window(sum_sync_errors(m->src), &m->sync_err_seen, &m->sync_err_at_ms,
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

int metrics_health(struct metrics *m, struct text *t)
{
	const struct metrics_src *s = m->src;
	int n = 0;
	metrics_tick(m);
	uint64_t now = monotime_ms();

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
	if (m->sync_err_at_ms &&
	    now - m->sync_err_at_ms < METRICS_HEALTH_WINDOW_MS)
		reason(t, &n, "fdatasync failed (%llu failures in all)",
		       (unsigned long long)m->sync_err_seen);
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
	if (m->store_err_at_ms &&
	    now - m->store_err_at_ms < METRICS_HEALTH_WINDOW_MS)
		reason(t, &n, "store errors (%llu in all, the last less than "
		       "%u s ago)", (unsigned long long)m->store_err_seen,
		       METRICS_HEALTH_WINDOW_MS / 1000);
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

/* 1 when /healthz would say ok. */
static int healthy(struct metrics *m)
{
	struct text t = { 0 };
	int n = metrics_health(m, &t);
	text_free(&t);
	return n == 0;
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

/* Requests: by status, by class, then the named counters. */
static void render_requests(struct text *t, const struct metrics_src *s)
{
	const struct worker_stats *st = &s->workers->stats;
	char name[128];

	family(t, "redirectd_http_responses_total", "counter",
	       "Responses of the public listener by status code (every answer, "
	       "refusals of malformed requests included).");
	for (unsigned k = 0; k < SERVER_STATUS_N; k++) {
		uint64_t v = sum_workers(s, &st->status[k]);
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
		uint64_t v = sum_workers(s, &st->class[k]);
		if (k != CLASS_UNKNOWN || v)
			text_printf(t, "redirectd_clicks_total{class=\"%s\"} %llu\n",
			            class_name[k], (unsigned long long)v);
	}
#define X(field, help) \
	if (strcmp(#field, "clicks")) { \
		snprintf(name, sizeof name, "redirectd_%s_total", #field); \
		counter(t, name, help, sum_workers(s, &st->field)); \
	}
	WORKER_STATS(X)
#undef X
}

/* The latency histogram (server.h: what it measures); connections. */
static void render_latency(struct text *t, const struct metrics_src *s)
{
	const struct worker_stats *st = &s->workers->stats;
	uint64_t count = 0;
	family(t, "redirectd_request_duration_seconds", "histogram",
	       "Public requests, from the event-loop pass that read a request's "
	       "first byte (one monotonic clock read per pass) to the release of "
	       "that pass's responses for sending, after its click records were "
	       "written: parsing, look-up, attribution, the log write and the "
	       "other requests of the pass. Not included: time in the kernel's "
	       "socket queues, the send itself and, with log_sync = batch, the "
	       "wait for fdatasync.");
	for (unsigned b = 0; b < SERVER_LAT_BUCKETS; b++) {
		count += sum_workers(s, &st->lat[b]);
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
	            (double)sum_workers(s, &st->lat_sum_ns) / 1e9,
	            (unsigned long long)count);

	gauge(t, "redirectd_connections_open",
	      "Open connections of the public listener, all workers together.",
	      server_open_connections());
	gauge(t, "redirectd_connections_max",
	      "The max_connections directive.", s->cfg->max_connections);
}

/* The click log: writes, segments, durability. */
static void render_log(struct text *t, const struct metrics_src *s)
{
	struct log_totals lt;
	log_totals(s, &lt);
	counter(t, "redirectd_log_records_written_total",
	        "Click records written to segments (pwrite returned).",
	        lt.written);
	counter(t, "redirectd_log_written_bytes_total",
	        "Bytes written to click-log segments: records and the headers of "
	        "the segments this process created.",
	        lt.written * CLICKREC_SIZE +
	        *s->segments_created * CLICKREC_HEADER_SIZE);
	counter(t, "redirectd_log_records_dropped_total",
	        "Click records dropped because they could not be written (full "
	        "disk, file-size limit, I/O error); the redirects were served.",
	        lt.dropped);
	counter(t, "redirectd_log_write_errors_total",
	        "Failed or short writes to the click log.", lt.write_errors);
	counter(t, "redirectd_log_segments_created_total",
	        "Segments created by this process (start, rotations, moves "
	        "after a failed fdatasync).", *s->segments_created);
	counter(t, "redirectd_log_segments_removed_total",
	        "Segments removed as they were closed because no record was "
	        "written to them.", *s->segments_removed);
	gauge(t, "redirectd_log_segments_open",
	      "Segments open: one current per worker, plus those being handed "
	      "over.", *s->segments_open);
	counter(t, "redirectd_log_syncs_total",
	        "fdatasync calls on segments (log_sync interval: one per segment "
	        "per round; batch: one per round of a sync thread).",
	        lt.syncs);
	counter(t, "redirectd_log_sync_errors_total", "Failed fdatasync calls.",
	        lt.sync_errors);
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
}

/* The store: reader slots, swaps. */
static void render_store(struct text *t, const struct metrics_src *s)
{
	const struct worker *w = s->workers;
	unsigned nw = s->n_workers;
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
}

void metrics_render(struct metrics *m, uint64_t admin_requests,
                    struct text *t)
{
	const struct metrics_src *s = m->src;

	family(t, "redirectd_build_info", "gauge",
	       "The version of this redirectd; always 1.");
	text_printf(t, "redirectd_build_info{version=\"%s\"} 1\n",
	            REDIRECTD_VERSION);
	gauge(t, "process_start_time_seconds",
	      "Start time of the process since the Unix epoch, in seconds.",
	      s->start_time);
	gauge(t, "redirectd_workers", "Worker threads.", s->n_workers);
	render_requests(t, s);
	render_latency(t, s);
	render_log(t, s);
	render_store(t, s);
	gauge(t, "redirectd_healthy", "1 when /healthz says ok, 0 when degraded.",
	      healthy(m));
	counter(t, "redirectd_admin_requests_total",
	        "Requests answered by the admin listener.", admin_requests);
}

/* --- the counters line ------------------------------------------------- */

void metrics_summary(const struct metrics_src *s, const char *label,
                     char *out, size_t len)
{
	char line[2048];
	size_t o = 0;
	const struct worker_stats *st = &s->workers->stats;
#define X(name, help) \
	o += (size_t)snprintf(line + o, sizeof line - o, " %s=%llu", #name, \
	                      (unsigned long long)sum_workers(s, &st->name));
	WORKER_STATS(X)
#undef X
	snprintf(line + o, sizeof line - o, " humans=%llu",
	         (unsigned long long)sum_workers(s, &st->class[CLASS_HUMAN]));
	struct log_totals lt;
	log_totals(s, &lt);
	snprintf(out, len, "%s:%s records_written=%llu records_dropped=%llu "
	         "write_errors=%llu log_syncs=%llu sync_errors=%llu "
	         "segments_created=%llu segments_removed=%llu", label, line,
	         (unsigned long long)lt.written, (unsigned long long)lt.dropped,
	         (unsigned long long)lt.write_errors,
	         (unsigned long long)lt.syncs,
	         (unsigned long long)lt.sync_errors,
	         (unsigned long long)*s->segments_created,
	         (unsigned long long)*s->segments_removed);
}
