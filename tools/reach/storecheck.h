/*
 * storecheck: do a run's segments belong to the store that names their
 * ids?  Click records carry link, colleague and campaign ids; read against
 * another store (one rebuilt from the same staff.csv in another order) they
 * credit one colleague's clicks to another without a sign.  Every segment
 * header names the store the daemon served (clickrec.h, store.h: meta
 * "id"); reach, reach export and reach ship refuse a segment of another
 * store, unless --any-store.  A segment written before identities names
 * none: it is read, with one note.  A store without an identity (made
 * before them, not written since) checks nothing, with one note.
 */
#ifndef REDIRECTD_STORECHECK_H
#define REDIRECTD_STORECHECK_H

#include <stddef.h>

#include "clickrec.h"
#include "store.h"

/* All zero: no store, nothing checked. */
struct storecheck {
	const char *db;             /* the store's directory, for messages */
	int known;                  /* id holds the store's identity */
	int any;                    /* --any-store: read every segment */
	int noted;                  /* the note on old segments was given */
	unsigned char id[STORE_ID_SIZE];
};

/* Take the identity of the store s open in txn (db: its directory; any:
 * --any-store).  A store without one gets a note on stderr.  Returns 0, or
 * -1 after reporting a store that cannot be read. */
int storecheck_init(struct storecheck *K, const char *db, MDB_txn *txn,
                    const struct store *s, int any);

/* The same, opening the store at db read-only for the look.  A store that
 * does not open checks nothing (the names' look-up reports it when the run
 * needs the store). */
int storecheck_open(struct storecheck *K, const char *db, int any);

/* Judge the segment at path with header h.  Returns STORECHECK_OK,
 * STORECHECK_NOTE (read it, and say msg: the first segment without an
 * identity) or STORECHECK_REFUSED (msg says why, naming both identities
 * and the file; do not read it).  msg is "" with STORECHECK_OK. */
enum { STORECHECK_OK = 0, STORECHECK_NOTE = 1, STORECHECK_REFUSED = -1 };
int storecheck_segment(struct storecheck *K, const char *path,
                       const struct clickrec_header *h, char *msg,
                       size_t cap);

/* storecheck_segment, saying msg on stderr (out_err).  0: read it, -1:
 * refused.  For the commands without a progress line (export, ship). */
int storecheck_say(struct storecheck *K, const char *path,
                   const struct clickrec_header *h);

#endif
