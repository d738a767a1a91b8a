/*
 * hold_reader DB N: a reader that dies holding its slots, for
 * test_faults.py.  It opens the store read-only as a careless reader would
 * (no mdb_reader_check), begins up to N read transactions (MDB_NOTLS: each
 * is its own reader slot), prints "held K" (plus " full" when the table ran
 * out first) or "full" (no slot at all), then sleeps until it is killed.
 */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "store.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: hold_reader DB N\n");
		return 2;
	}
	long want = strtol(argv[2], NULL, 10);
	MDB_env *env;
	int rc;
	if ((rc = mdb_env_create(&env)) ||
	    (rc = mdb_env_set_maxdbs(env, 16)) ||
	    (rc = mdb_env_set_maxreaders(env, STORE_MAXREADERS)) ||
	    (rc = mdb_env_set_mapsize(env, STORE_MAPSIZE_RO)) ||
	    (rc = mdb_env_open(env, argv[1], MDB_RDONLY | MDB_NOTLS, 0640))) {
		fprintf(stderr, "hold_reader: %s\n", mdb_strerror(rc));
		return 1;
	}
	long held = 0;
	rc = 0;
	while (held < want) {
		MDB_txn *txn;
		if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)))
			break;
		held++;
	}
	if (held == 0 && rc == MDB_READERS_FULL)
		printf("full\n");
	else if (held == 0)
		printf("error %s\n", mdb_strerror(rc));
	else
		printf("held %ld%s\n", held, rc == MDB_READERS_FULL ? " full" : "");
	fflush(stdout);
	for (;;)
		pause();
}
