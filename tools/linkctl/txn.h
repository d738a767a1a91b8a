/*
 * txn: a command's store and its transactions.  Every command that writes
 * runs as ONE write transaction with LMDB's default durable commit, so it
 * is safe while redirectd serves: readers see the store as it was before
 * a command or after it, never half of it, and a refused command leaves it
 * unchanged.  When the map is full the transaction is aborted, the map
 * grown and the whole transaction run again from the start.
 *
 * Reports its errors (out_err, naming the failing call and mdb_strerror)
 * and returns 0 or EXIT_REFUSED, unless said otherwise.
 */
#ifndef REDIRECTD_LINKCTL_TXN_H
#define REDIRECTD_LINKCTL_TXN_H

#include "store.h"

/* A transaction function's "I already said what went wrong".  LMDB's own
 * codes are -30799..-30780 and errno values are positive: no clash. */
#define TXN_FAILED (-1)

/* The store when nothing names one: the default of db in redirectd.conf. */
#define TXN_STORE_DEFAULT "/var/lib/redirectd/db"

/* --db DIR; the caller keeps the string. */
void txn_store_dir(const char *dir);
/*
 * The store's directory: --db; else $REDIRECTD_DB (set and not empty);
 * else the db directive of the configuration in effect (conf.h: when the
 * file sets it); else TXN_STORE_DEFAULT, db's own default.
 * Returns NULL after reporting when that configuration has errors.
 */
const char *txn_store_path(void);

/*
 * The body of a write transaction.  Returns 0, TXN_FAILED (reported) or
 * MDB_MAP_FULL; it is run again from the start after the map grew, so it
 * must derive everything from arg's inputs and reset arg's outputs.
 */
typedef int (*txn_fn)(MDB_txn *txn, struct store *s, void *arg);

/* Open the store for writing (creating it), txn_write, close it. */
int txn_run(txn_fn fn, void *arg);
/*
 * Run fn in one write transaction of s and commit it.  On MDB_MAP_FULL
 * (from fn or from the commit): abort, double the map (store_grow) and run
 * fn again.  Any other failure aborts: the store is left unchanged.
 */
int txn_write(struct store *s, txn_fn fn, void *arg);

/* Open the store read-only (refusing a directory without one: a typo in
 * --db must not look like an empty store) and begin a read transaction.
 * On failure the store is closed. */
int txn_read(struct store *s, MDB_txn **txn);
/* Abort txn (NULL: none) and close the store. */
void txn_read_end(struct store *s, MDB_txn *txn);

/* Begin a transaction, adopting a map another process grew meanwhile and
 * clearing the reader slots of dead processes when the table is full.
 * Returns 0 or the LMDB code (reported). */
int txn_begin(struct store *s, unsigned flags, MDB_txn **txn);

/* For transaction functions: report rc from op unless it is 0 or
 * MDB_MAP_FULL (txn_write handles that); returns 0, MDB_MAP_FULL or
 * TXN_FAILED. */
int txn_report(int rc, const char *op);

#endif
