/*
 * mint: adding a link under a fresh random code, which every command that
 * mints shares (mint without --code, import's lines without a code,
 * campaign create).  The mint command itself is in commands.h.
 */
#ifndef REDIRECTD_LINKCTL_MINT_H
#define REDIRECTD_LINKCTL_MINT_H

#include "codes.h"
#include "store.h"

/*
 * Add l under a random code, a fresh one after each collision; the code
 * goes to out.  Returns 0, MDB_MAP_FULL or TXN_FAILED (reported, naming
 * file:line when file is set).
 */
int mint_random(MDB_txn *txn, struct store *s, struct link *l,
                char out[CODE_RANDOM_LEN + 1], const char *file,
                unsigned line);

#endif
