/*
 * verify: whether a store is whole -- every record decodes and the
 * indexes agree.  links <-> link_by_id, staff <-> staff_by_id and
 * campaigns <-> campaign_by_id name each other both ways with the same
 * id; every link's colleague and campaign exist; meta's id counters are
 * at least every id in use (ids are never reused).  `linkctl verify`, and
 * the backup timer's check of each new copy.
 *
 * Reads only, in the caller's transaction (a read transaction: it may run
 * while the daemon serves and linkctl writes).  Never prints: each problem
 * is handed to the caller's function as one line of text.
 */
#ifndef REDIRECTD_LINKCTL_VERIFY_H
#define REDIRECTD_LINKCTL_VERIFY_H

#include "store.h"

/* A problem, e.g. "links 'ab12': colleague id 7 does not exist".  The
 * text lives until the function returns. */
typedef void (*verify_problem_fn)(void *ctx, const char *problem);

struct verify {
	verify_problem_fn problem;   /* set by the caller */
	void *ctx;
	/* Outputs: records read and problems found. */
	unsigned long links, staff, campaigns;
	unsigned long problems;
};

/*
 * Check the store of txn.  Returns 0 when it was read to the end (v->problems
 * says whether it is whole), or the LMDB code of a read that failed (the
 * check is incomplete).  Zeroes v's outputs first.
 */
int verify_store(MDB_txn *txn, const struct store *s, struct verify *v);

#endif
