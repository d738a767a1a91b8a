/*
 * metrics: the daemon's counters as text.  The /metrics page (the
 * Prometheus text exposition format, 0.0.4), the /healthz verdict ("ok",
 * or "degraded: <reasons>"), and the one line of every counter that
 * SIGUSR2 and the exit print.  This module owns the exposition's names and
 * help texts and what makes the daemon degraded; server.h owns the
 * workers' counters behind them, segments.h and storewatch.h the main
 * thread's.  The admin listener (admin.h) serves the pages.
 *
 * Main thread only.  It reads the workers' counters with relaxed loads
 * (each counter exact, a page not one instant) and main's state through
 * struct metrics_src, and never writes either.  Never prints.
 */
#ifndef REDIRECTD_METRICS_H
#define REDIRECTD_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "attrib.h"
#include "config.h"
#include "server.h"
#include "storeslot.h"
#include "text.h"

/* A store error or failed fdatasync keeps /healthz degraded this long. */
#define METRICS_HEALTH_WINDOW_MS 10000

/* What the pages read: main's state, by pointer (main keeps it current). */
struct metrics_src {
	const struct config *cfg;
	struct worker *workers;
	unsigned n_workers;
	struct store_slot *stores;
	struct attrib_slot *attrib;
	const uint64_t *syncs, *sync_errors;  /* main's fdatasync rounds */
	const uint64_t *segments_created;     /* by this process */
	const uint64_t *segments_removed;     /* ... closed without a record */
	const unsigned *segments_open;
	const uint64_t *store_swaps, *store_swap_failures;
	const char *store_error;    /* "": the last swap (if any) went well */
	const char *log_error;      /* "": the last segment creation did */
	double start_time;          /* seconds since the epoch */
	uint64_t start_mono_ns;     /* CLOCK_MONOTONIC at start */
};

struct metrics {
	const struct metrics_src *src;
	/* /healthz's windows: the last value seen, and when it last grew. */
	uint64_t store_err_seen, store_err_at_ms;
	uint64_t sync_err_seen, sync_err_at_ms;
};

void metrics_init(struct metrics *m, const struct metrics_src *src);

/* Main's periodic tick (and every /healthz): move the windows of
 * /healthz along. */
void metrics_tick(struct metrics *m);

/* The /healthz body into t: "ok\n", or "degraded: r1; r2\n".  Returns the
 * number of reasons (0: healthy). */
int metrics_health(struct metrics *m, struct text *t);

/* The /metrics page into t.  admin_requests: the admin listener's count of
 * requests answered (its own, not a worker's). */
void metrics_render(struct metrics *m, uint64_t admin_requests,
                    struct text *t);

/* "label: requests=N ... sync_errors=N": every counter summed over the
 * workers, on one line (while workers run each counter is exact, the line
 * not one instant).  Truncated to len. */
void metrics_summary(const struct metrics_src *s, const char *label,
                     char *out, size_t len);

#endif
