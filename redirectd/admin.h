/*
 * admin: the admin listener (directive admin_listen), separate from the
 * public one: GET /metrics and GET /healthz, whose text metrics.h renders.
 * Nothing else: no redirects here, and the public listener has no
 * /metrics.  This file owns the socket (TCP or unix:), its connections and
 * the routing of a request to a page.
 *
 * It runs on the main thread's own event loop, never on a worker, so a
 * scrape costs the request path nothing.  Requests are parsed by http.c's
 * strict parser; errors are http.c's.  Greedy and slow clients are held to
 * what the public port holds them to:
 *   - at most ADMIN_CONNS_MAX connections; at the cap the listener stops
 *     accepting, so newcomers wait in the listen queue (and are served in
 *     turn as slots free) instead of being reset;
 *   - a request head must be whole header_timeout after it began (the
 *     connection's accept, or its first byte on a kept-alive connection):
 *     bytes trickling in do not extend it; between requests a connection
 *     is closed after ADMIN_IDLE_MS without a byte;
 *   - past ADMIN_OUT_MAX bytes of unsent output a connection's input is
 *     neither parsed nor read until the output drains, so a client that
 *     pipelines and never reads costs its input buffer and about
 *     ADMIN_OUT_MAX plus one page; one that does not take its output for
 *     ADMIN_IDLE_MS is closed.
 *
 * Main thread only.  Modules never print: failures come back as messages
 * for main to log.
 */
#ifndef REDIRECTD_ADMIN_H
#define REDIRECTD_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "metrics.h"

#define ADMIN_CONNS_MAX 64
#define ADMIN_IDLE_MS 10000
#define ADMIN_OUT_MAX 65536

struct event_base;
struct event;
struct admin_conn;

struct admin {
	struct event_base *base;
	struct metrics *metrics;    /* the pages (main's) */
	char spec[CONFIG_STR_MAX];  /* admin_listen: "" off */
	char unix_path[108];        /* unix: sockets, to unlink at exit */
	int fd;                     /* -1: not listening */
	struct event *lev;
	struct admin_conn *conns[ADMIN_CONNS_MAX];
	unsigned n_conns;
	unsigned header_ms;         /* header_timeout */
	int accept_paused;          /* at the cap: lev not added */
	uint64_t served;            /* admin requests answered */
};

/* Set up (not listening yet).  spec: admin_listen ("" off); header_ms:
 * header_timeout, the deadline for a request head. */
void admin_init(struct admin *a, struct event_base *base, const char *spec,
                unsigned header_ms, struct metrics *metrics);

/* Bind and listen on a->spec, and serve from a->base.  Returns 0 (also
 * when off), or -1 with a message in err (the address is taken, say: the
 * caller may try again later).  A unix: path that exists is taken over
 * only when nothing answers on it (a stale socket of a dead process). */
int admin_listen(struct admin *a, char *err, size_t errlen);

/* 1 when there is something to listen on and nothing listens yet. */
int admin_unbound(const struct admin *a);

/* Close every connection and the listener; remove a unix: socket. */
void admin_deinit(struct admin *a);

#endif
