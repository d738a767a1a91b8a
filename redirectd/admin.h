/*
 * admin: the admin listener (directive admin_listen), separate from the
 * public one: GET /metrics (the Prometheus text exposition format, 0.0.4)
 * and GET /healthz ("ok", or 503 "degraded: <reasons>").  Nothing else: no
 * redirects here, and the public listener has no /metrics.
 *
 * It runs on the main thread's own event loop, never on a worker, so a
 * scrape costs the request path nothing: it reads the workers' counters
 * with relaxed loads (each counter exact, a page not one instant) and the
 * main thread's own state.  Requests are parsed by http.c's strict parser;
 * errors are http.c's.  At most ADMIN_CONNS_MAX connections, each closed
 * after ADMIN_IDLE_MS without a byte.
 *
 * Main thread only.  Modules never print: failures come back as messages
 * for main to log.
 */
#ifndef REDIRECTD_ADMIN_H
#define REDIRECTD_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "attrib.h"
#include "config.h"
#include "server.h"
#include "storeslot.h"

#define ADMIN_CONNS_MAX 64
#define ADMIN_IDLE_MS 10000
/* A store error or failed fdatasync keeps /healthz degraded this long. */
#define ADMIN_HEALTH_WINDOW_MS 10000

/* What /metrics and /healthz read: main's state, by pointer (main keeps
 * it current; admin never writes it). */
struct admin_src {
	const struct config *cfg;
	struct worker *workers;
	unsigned n_workers;
	struct store_slot *stores;
	struct attrib_slot *attrib;
	const uint64_t *syncs, *sync_errors;  /* main's fdatasync rounds */
	const uint64_t *segments_created;     /* by this process */
	const unsigned *segments_open;
	const uint64_t *store_swaps, *store_swap_failures;
	const char *store_error;    /* "": the last swap (if any) went well */
	const char *log_error;      /* "": the last segment creation did */
	double start_time;          /* seconds since the epoch */
	uint64_t start_mono_ns;     /* CLOCK_MONOTONIC at start */
};

struct event_base;
struct event;
struct admin_conn;

struct admin {
	struct event_base *base;
	const struct admin_src *src;
	char spec[CONFIG_STR_MAX];  /* admin_listen: "" off */
	char unix_path[108];        /* unix: sockets, to unlink at exit */
	int fd;                     /* -1: not listening */
	struct event *lev;
	struct admin_conn *conns;
	unsigned n_conns;
	uint64_t served;            /* admin requests answered */
	/* /healthz's windows: the last value seen, and when it last grew. */
	uint64_t store_err_seen, store_err_at_ms;
	uint64_t sync_err_seen, sync_err_at_ms;
};

/* Set up (not listening yet).  spec: admin_listen ("" off). */
void admin_init(struct admin *a, struct event_base *base, const char *spec,
                const struct admin_src *src);

/* Bind and listen on a->spec, and serve from a->base.  Returns 0 (also
 * when off), or -1 with a message in err (the address is taken, say: the
 * caller may try again later).  A unix: path that exists is taken over
 * only when nothing answers on it (a stale socket of a dead process). */
int admin_listen(struct admin *a, char *err, size_t errlen);

/* 1 when there is something to listen on and nothing listens yet. */
int admin_unbound(const struct admin *a);

/* Main's periodic tick: the windows of /healthz. */
void admin_tick(struct admin *a);

/* The health verdict: 0 and "ok", or the number of reasons and
 * "degraded: r1; r2" in out. */
int admin_health(struct admin *a, char *out, size_t len);

/* Close every connection and the listener; remove a unix: socket. */
void admin_deinit(struct admin *a);

#endif
