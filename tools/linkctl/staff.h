/*
 * staff: finding a colleague by the handle as typed, for the commands
 * that take one (mint, import, list --staff, staff set).  The staff
 * commands themselves (add, import, list, set) are in commands.h.
 */
#ifndef REDIRECTD_LINKCTL_STAFF_H
#define REDIRECTD_LINKCTL_STAFF_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * The id of the colleague whose handle is in[0..len) as typed (folded
 * here).  Returns 0, MDB_MAP_FULL or TXN_FAILED (reported, naming
 * file:line when file is set: "no colleague ..." when there is none).
 */
int staff_find(MDB_txn *txn, struct store *s, const char *in, size_t len,
               const char *file, unsigned line, uint32_t *id);

#endif
