/*
 * storewatch: following the store while the daemon runs.  A node's store
 * is replaced by switching the symbolic link db to a new directory (a copy
 * shipped by redirectd-ship-store): data.mdb behind db is then another file.  This
 * module notices (one stat, on main's watch timer and on SIGHUP), opens
 * the new environment read-only and publishes it (storeslot.h), closes the
 * old ones once every worker has left them, and clears the reader slots of
 * killed processes.  Until a new store opens, the old one serves.
 *
 * It does not open the first store (main's startup does) nor read links
 * (the workers do).  Main thread only.  It reports through logmsg: a
 * failure once (not every second), a swap when it happens; it never exits.
 */
#ifndef REDIRECTD_STOREWATCH_H
#define REDIRECTD_STOREWATCH_H

#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "segments.h"
#include "server.h"
#include "storeslot.h"

/* A new store that failed to open is tried again this often. */
#define STOREWATCH_RETRY_MS 10000
/* How often stale LMDB reader slots are looked for. */
#define STOREWATCH_READERS_MS 10000

struct storewatch {
	const struct config *cfg;
	struct store_slot *slot;
	struct segments *segs;      /* a store of another identity: new
	                             * segments (segments_store) */
	struct worker *workers;
	unsigned n_workers;
	uint64_t swaps, swap_failures;   /* for /metrics */
	char error[1024];           /* why the last swap failed; "" none */
	/* The data.mdb that failed last, so it is not retried every second
	 * nor logged every time. */
	dev_t bad_dev;
	ino_t bad_ino;
	uint64_t bad_at_ms;
	int unwatchable;            /* the user cannot stat db/data.mdb (said) */
	uint64_t readers_at_ms;     /* the last reader-slot check */
};

void storewatch_init(struct storewatch *sw, const struct config *cfg,
                     struct store_slot *slot, struct segments *segs,
                     struct worker *workers, unsigned n_workers);

/* Look at db/data.mdb and follow a swap.  force: try a store that failed
 * before at once (SIGHUP), not after STOREWATCH_RETRY_MS. */
void storewatch_check(struct storewatch *sw, int force);

/* Close the old stores every worker has left. */
void storewatch_reclaim(struct storewatch *sw);

/* Every STOREWATCH_READERS_MS: free the reader slots of dead processes. */
void storewatch_readers(struct storewatch *sw);

#endif
