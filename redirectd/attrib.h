/*
 * attrib: the attribution state workers read on every request and the main
 * thread replaces now and then: the period's visitor key (at the UTC
 * midnight that ends a day, week or month: visitor_period), the
 * country database and the User-Agent rules (on SIGHUP).
 *
 * Readers take no lock.  Main publishes a new immutable struct attrib with
 * one atomic store; each worker picks up the current pointer once per
 * event-loop pass and says which generation it now uses; main frees an old
 * state only once every worker has moved past it.  Parts shared by two
 * generations (the same database, the same rules) are freed with the last
 * state that holds them.
 */
#ifndef REDIRECTD_ATTRIB_H
#define REDIRECTD_ATTRIB_H

#include <stdatomic.h>
#include <stdint.h>

#include "geo.h"
#include "uaclass.h"
#include "visitor.h"

#define ATTRIB_RETIRED_MAX 16

struct attrib {
	uint64_t gen;              /* set by attrib_publish */
	int64_t period;            /* visitor_period_index of the key */
	struct visitor_key vkey;
	struct geo *geo;           /* NULL: countries unknown */
	struct ua_rules *ua;
};

struct attrib_slot {
	_Atomic(struct attrib *) cur;
	struct attrib *retired[ATTRIB_RETIRED_MAX];   /* main thread only */
	unsigned n_retired;
	uint64_t next_gen;
};

/* Workers: the current state.  Cheap (one acquire load). */
static inline struct attrib *attrib_current(struct attrib_slot *s)
{
	return atomic_load_explicit(&s->cur, memory_order_acquire);
}

/* Main thread: make a the current state (taking ownership).  Returns -1
 * when too many old states still wait for a slow worker (a is not
 * published then; the caller frees it with attrib_free). */
int attrib_publish(struct attrib_slot *s, struct attrib *a);

/* Main thread: free retired states older than every worker's generation
 * (min_seen: the smallest generation any worker reports). */
void attrib_reclaim(struct attrib_slot *s, uint64_t min_seen);

/* Main thread, at exit with no workers running: free everything. */
void attrib_slot_free(struct attrib_slot *s);

/* Free a state that was never published (and the parts no live state
 * shares with it). */
void attrib_free(struct attrib_slot *s, struct attrib *a);

#endif
