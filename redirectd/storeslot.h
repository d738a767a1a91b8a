/*
 * storeslot: the LMDB store workers read, and its replacement while they
 * run (a node's store shipped with mdb_copy and swapped in: redirectd.conf(5),
 * db; conf/README.md, "More than one node").
 *
 * The same pattern as attrib.h: main opens the new environment read-only
 * and publishes it with one atomic store; each worker picks up the current
 * generation between event-loop passes (never inside one), moves its read
 * transaction to the new environment (a new reader slot there, then the old
 * transaction aborted) and says which generation it now uses; main closes
 * an old environment only once every worker has moved past it, so no
 * worker ever reads from a closed one.  Readers take no lock.
 */
#ifndef REDIRECTD_STORESLOT_H
#define REDIRECTD_STORESLOT_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "store.h"

#define STORESLOT_RETIRED_MAX 8

struct store_gen {
	uint64_t gen;              /* set by storeslot_publish */
	struct store store;
	dev_t data_dev;            /* data.mdb as opened: a swap changes it */
	ino_t data_ino;
	dev_t lock_dev;            /* lock.mdb: never open one twice */
	ino_t lock_ino;
	char dir[4096];            /* the directory opened (db resolved) */
	unsigned char id[STORE_ID_SIZE];   /* its identity; all zero: none
	                            * (made before identities, never written) */
};

struct store_slot {
	_Atomic(struct store_gen *) cur;
	struct store_gen *retired[STORESLOT_RETIRED_MAX];   /* main only */
	unsigned n_retired;
	uint64_t next_gen;
};

/* Workers: the current generation (one acquire load). */
static inline struct store_gen *storeslot_current(struct store_slot *s)
{
	return atomic_load_explicit(&s->cur, memory_order_acquire);
}

/* Main thread: open the store at db (a directory or a symbolic link to
 * one, resolved once here) read-only, with a map of map bytes (the
 * store_map_size directive), into a new generation.  Returns 0 and
 * *out, or an LMDB/errno code (nothing is left open).  With cur (the
 * generation in use): EBUSY, without opening anything, when the resolved
 * directory's lock.mdb is cur's (data.mdb replaced inside the directory:
 * a second environment on one lock file in one process would lose its
 * locks when either closes; swap the directory instead). */
int storeslot_open(const char *db, size_t map, const struct store_gen *cur,
                   struct store_gen **out);

/* Main thread: make g current (taking ownership).  -1 when too many old
 * generations still wait for a worker (g is not published; the caller
 * closes it with storeslot_close). */
int storeslot_publish(struct store_slot *s, struct store_gen *g);

/* Main thread: close the retired generations older than every worker's
 * (min_seen: the smallest generation a worker reports).  Returns how many
 * were closed. */
unsigned storeslot_reclaim(struct store_slot *s, uint64_t min_seen);

void storeslot_close(struct store_gen *g);

/* At exit, with no worker left holding a transaction: close everything. */
void storeslot_free(struct store_slot *s);

#endif
