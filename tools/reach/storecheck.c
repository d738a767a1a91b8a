/*
 * storecheck: a segment's store identity against the store's (see
 * storecheck.h).
 */
#include "storecheck.h"

#include <stdio.h>
#include <string.h>

#include "out.h"

int storecheck_init(struct storecheck *K, const char *db, MDB_txn *txn,
                    const struct store *s, int any)
{
	memset(K, 0, sizeof *K);
	K->db = db;
	K->any = any;
	int rc = store_id_get(txn, s, K->id);
	if (rc == 0) {
		K->known = 1;
		return 0;
	}
	if (rc != MDB_NOTFOUND) {
		out_err("%s: reading the store's identity: %s", db,
		        mdb_strerror(rc));
		return -1;
	}
	if (!any)
		out_err("note: the store %s has no identity (made before "
		        "store identities; any linkctl command that writes "
		        "gives it one): segments are not checked against it",
		        db);
	return 0;
}

int storecheck_open(struct storecheck *K, const char *db, int any)
{
	struct store s;
	MDB_txn *txn;
	memset(K, 0, sizeof *K);
	if (!db || !*db)
		return 0;
	/* A store that does not open checks nothing: where the run needs its
	 * names, their look-up (names.h) has said why already; where it does
	 * not (--by country), a missing --db was never an error. */
	if (store_open(&s, db, STORE_RDONLY))
		return 0;
	int rc;
	if ((rc = mdb_txn_begin(s.env, NULL, MDB_RDONLY, &txn))) {
		out_err("%s: reading the store: %s", db, mdb_strerror(rc));
		store_close(&s);
		return -1;
	}
	rc = storecheck_init(K, db, txn, &s, any);
	mdb_txn_abort(txn);
	store_close(&s);
	return rc;
}

int storecheck_segment(struct storecheck *K, const char *path,
                       const struct clickrec_header *h, char *msg,
                       size_t cap)
{
	msg[0] = '\0';
	if (!K->known || K->any)
		return STORECHECK_OK;
	if (!clickrec_header_has_store(h)) {
		if (K->noted)
			return STORECHECK_OK;
		K->noted = 1;
		snprintf(msg, cap, "note: %s names no store (written before "
		         "store identities): read as the store %s's, like "
		         "every such segment of this run", path, K->db);
		return STORECHECK_NOTE;
	}
	if (memcmp(h->store_id, K->id, STORE_ID_SIZE) == 0)
		return STORECHECK_OK;
	char seg[STORE_ID_HEX], ours[STORE_ID_HEX];
	store_id_hex(h->store_id, seg);
	store_id_hex(K->id, ours);
	snprintf(msg, cap, "%s: a segment of another store: it was written "
	         "for store %s, and the store %s is %s; its ids would name "
	         "the wrong links, colleagues and campaigns (--any-store reads "
	         "it anyway)", path, seg, K->db, ours);
	return STORECHECK_REFUSED;
}

int storecheck_say(struct storecheck *K, const char *path,
                   const struct clickrec_header *h)
{
	char msg[1024];
	int rc = storecheck_segment(K, path, h, msg, sizeof msg);
	if (rc != STORECHECK_OK)
		out_err("%s", msg);
	return rc == STORECHECK_REFUSED ? -1 : 0;
}
