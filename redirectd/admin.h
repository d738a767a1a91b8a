/*
 * admin: the admin listener (directive admin_listen), separate from the
 * public one: GET /metrics and GET /healthz, whose text metrics.h renders.
 * Nothing else: no redirects here, and the public listener has no
 * /metrics.  This file owns the socket (TCP or unix:), its connections and
 * the routing of a request to a page.
 *
 * It runs on the main thread's own event loop, never on a worker, so a
 * scrape costs the request path nothing.  Requests are parsed by http.c's
 * strict parser; errors are http.c's.  At most ADMIN_CONNS_MAX
 * connections, each closed after ADMIN_IDLE_MS without a byte.
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
	uint64_t served;            /* admin requests answered */
};

/* Set up (not listening yet).  spec: admin_listen ("" off). */
void admin_init(struct admin *a, struct event_base *base, const char *spec,
                struct metrics *metrics);

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
