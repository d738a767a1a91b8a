/* txn: a command's store and its transactions.  See txn.h. */
#include "txn.h"

#include "conf.h"
#include "msg.h"
#include "out.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* Map growths per command before giving up: 2^24 times the start size is
 * more address space than any machine has, so hitting this means a bug. */
#define MAX_GROWS 24

static const char *db_dir;   /* --db, else decided by txn_store_path */

void txn_store_dir(const char *dir)
{
	db_dir = dir;
}

/*
 * Decided when a command first needs the store, not at start: a command
 * given --db, or one that needs no store, never reads the configuration,
 * so a broken one breaks only what would have used its `db`.
 */
const char *txn_store_path(void)
{
	if (db_dir)
		return db_dir;
	const char *env = getenv("REDIRECTD_DB");
	if (env && *env)
		return db_dir = env;
	if (conf_db(&db_dir)) {
		out_err("no store: the configuration's db cannot be read "
		        "(--db DIR names the store)");
		return NULL;
	}
	return db_dir ? db_dir : (db_dir = TXN_STORE_DEFAULT);
}

int txn_report(int rc, const char *op)
{
	if (rc == 0 || rc == MDB_MAP_FULL)
		return rc;
	out_err("%s: %s", op, mdb_strerror(rc));
	return TXN_FAILED;
}

/* Test hooks, not an interface: start writers with a tiny map
 * (LINKCTL_TEST_MAPSIZE: LMDB rounds it up to the data already stored) so
 * the tests reach the grow-and-redo path, and a ceiling under
 * STORE_MAPSIZE_RO (LINKCTL_TEST_MAXMAP) so they reach a full store. */
static int test_hooks(struct store *s)
{
	const char *t = getenv("LINKCTL_TEST_MAPSIZE");
	if (t && *t) {
		int rc = mdb_env_set_mapsize(s->env, (size_t)strtoull(t, NULL, 10));
		if (rc) {
			out_err("mdb_env_set_mapsize: %s", mdb_strerror(rc));
			return EXIT_REFUSED;
		}
	}
	t = getenv("LINKCTL_TEST_MAXMAP");
	if (t && *t)
		store_limit(s, (size_t)strtoull(t, NULL, 10));
	return 0;
}

/* With -c, the store grows no further than the daemon maps
 * (store_map_size), so the daemon never meets data past its map. */
static int conf_limit(struct store *s)
{
	const struct config *cfg;
	if (!conf_given())
		return 0;
	if (conf_load(&cfg))
		return EXIT_REFUSED;
	int rc = store_limit(s, cfg->store_map_size);
	if (rc) {
		out_err("mdb_env_set_mapsize: %s", mdb_strerror(rc));
		return EXIT_REFUSED;
	}
	return 0;
}

/* Open the store.  Readers must not create it (a typo in --db would leave
 * an empty store behind), so they first look for data.mdb; writers create
 * the directory and the schema. */
static int store_for_command(struct store *s, int write)
{
	const char *db_dir = txn_store_path();
	if (!db_dir)
		return EXIT_REFUSED;
	if (!write) {
		char path[4096];
		struct stat st;
		int n = snprintf(path, sizeof path, "%s/data.mdb", db_dir);
		if (n < 0 || (size_t)n >= sizeof path) {
			out_err("store directory name too long");
			return EXIT_REFUSED;
		}
		if (stat(path, &st) < 0 && (errno == ENOENT || errno == ENOTDIR)) {
			out_err("no store at %s", db_dir);
			return EXIT_REFUSED;
		}
	}
	int rc = store_open(s, db_dir, write ? STORE_CREATE : STORE_RDONLY);
	if (rc == MDB_VERSION_MISMATCH) {
		out_err("store_open %s: %s (the store has another schema than %d)",
		        db_dir, mdb_strerror(rc), STORE_SCHEMA);
		return EXIT_REFUSED;
	}
	if (rc) {
		out_err("store_open %s: %s", db_dir, mdb_strerror(rc));
		return EXIT_REFUSED;
	}
	if (write && (conf_limit(s) || test_hooks(s))) {
		store_close(s);
		return EXIT_REFUSED;
	}
	return 0;
}

int txn_begin(struct store *s, unsigned flags, MDB_txn **txn)
{
	int rc = 0;
	for (int tries = 0; tries < 3; tries++) {
		rc = mdb_txn_begin(s->env, NULL, flags, txn);
		if (rc == MDB_MAP_RESIZED) {
			int rc2 = mdb_env_set_mapsize(s->env, 0);
			if (rc2) {
				out_err("mdb_env_set_mapsize: %s", mdb_strerror(rc2));
				return rc2;
			}
			continue;
		}
		if (rc == MDB_READERS_FULL) {
			int dead;
			mdb_reader_check(s->env, &dead);
			continue;
		}
		break;
	}
	if (rc)
		out_err("mdb_txn_begin: %s", mdb_strerror(rc));
	return rc;
}

/* One attempt: 0 committed, MDB_MAP_FULL to grow and redo, or
 * EXIT_REFUSED (reported).  The transaction is over either way. */
static int attempt(struct store *s, txn_fn fn, void *arg)
{
	MDB_txn *txn;
	if (txn_begin(s, 0, &txn))
		return EXIT_REFUSED;
	int rc = fn(txn, s, arg);
	if (rc) {
		mdb_txn_abort(txn);
		if (rc == MDB_MAP_FULL)
			return rc;
		if (rc != TXN_FAILED)   /* a fn that forgot to say */
			out_err("write: %s", mdb_strerror(rc));
		return EXIT_REFUSED;
	}
	rc = mdb_txn_commit(txn);   /* frees txn, even on error */
	if (rc == 0 || rc == MDB_MAP_FULL)
		return rc;
	out_err("mdb_txn_commit: %s", mdb_strerror(rc));
	return EXIT_REFUSED;
}

int txn_write(struct store *s, txn_fn fn, void *arg)
{
	for (int grows = 0;; grows++) {
		int rc = attempt(s, fn, arg);
		if (rc != MDB_MAP_FULL)
			return rc;
		if (grows == MAX_GROWS) {
			out_err("store still full after %d growths: %s", grows,
			        mdb_strerror(MDB_MAP_FULL));
			return EXIT_REFUSED;
		}
		/* No transaction is open now, as mdb_env_set_mapsize needs. */
		if ((rc = store_grow(s)) == MDB_MAP_FULL) {
			out_err("the store is full: it may not grow past %zu "
			        "bytes; nothing was written", s->map_max);
			return EXIT_REFUSED;
		}
		if (rc) {
			out_err("store_grow: %s", mdb_strerror(rc));
			return EXIT_REFUSED;
		}
	}
}

int txn_run(txn_fn fn, void *arg)
{
	struct store s;
	int rc = store_for_command(&s, 1);
	if (rc)
		return rc;
	rc = txn_write(&s, fn, arg);
	store_close(&s);
	return rc;
}

int txn_read(struct store *s, MDB_txn **txn)
{
	int rc = store_for_command(s, 0);
	if (rc)
		return rc;
	if (txn_begin(s, MDB_RDONLY, txn)) {
		store_close(s);
		return EXIT_REFUSED;
	}
	return 0;
}

void txn_read_end(struct store *s, MDB_txn *txn)
{
	if (txn)
		mdb_txn_abort(txn);
	store_close(s);
}
