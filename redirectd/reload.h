/*
 * reload: where the attribution state (attrib.h) comes from.  The first
 * state at start; a new one on SIGHUP (the country database and the
 * User-Agent rules read again, the old ones kept when a new one does not
 * load); a new one when a key period ends (the UTC midnight ending a day,
 * an ISO week or a month, as visitor_period says: the period's visitor key
 * from salt.h); and the old states freed once every worker has moved on.
 *
 * attrib.h owns the lock-free hand-over to the workers; salt.h, geo.h and
 * uaclass.h the parts.  Main thread only.  It reports through logmsg (and
 * the rules' file:line errors on stderr); it never exits.
 */
#ifndef REDIRECTD_RELOAD_H
#define REDIRECTD_RELOAD_H

#include "attrib.h"
#include "config.h"
#include "server.h"

struct reload {
	const struct config *cfg;
	struct attrib_slot *slot;
	struct worker *workers;
	unsigned n_workers;
};

/* The built-in User-Agent rules plus the operator's file (path, "" none).
 * Errors go to stderr as file:line: message; NULL then. */
struct ua_rules *reload_ua_rules(const char *path);

/* The country database at path, or NULL with a warning ("" none: NULL):
 * a missing database means unknown countries, never a refusal to serve. */
struct geo *reload_geo(const char *path);

/* Startup: set r up, and publish the first state into slot, with ua
 * (owned from now on) and the configured country database.  0, or -1 (the
 * salt could not be kept: said). */
int reload_start(struct reload *r, const struct config *cfg,
                 struct attrib_slot *slot, struct worker *workers,
                 unsigned n_workers, struct ua_rules *ua);

/* SIGHUP: read the country database and the User-Agent rules again. */
void reload_all(struct reload *r);

/* Main's tick: a new period's key; free what no worker uses. */
void reload_tick(struct reload *r);

#endif
