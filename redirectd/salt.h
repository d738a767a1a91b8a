/*
 * salt: the secret behind visitor ids, one per key period.
 *
 * One 128-bit salt per UTC day (or ISO week, or UTC month: directive
 * visitor_period), from getrandom(), kept in state_dir under the period's
 * name (visitor-salt.YYYY-MM-DD, visitor-salt.YYYY-Www,
 * visitor-salt.YYYY-MM; mode 0600) so that a restart within the period
 * hashes visitors the same way (no double counting).  Every other salt
 * file (by one of those names, of any period, a regular file, ours) is
 * deleted when a period's salt is loaded: once a period has ended, nobody,
 * us included, can link its visitor ids to addresses; and after a restart
 * with another visitor_period, the old period's salt goes at once.
 * state_dir is opened through safedir.h, never through a planted link.
 * Main-thread zone (file I/O); never prints.
 */
#ifndef REDIRECTD_SALT_H
#define REDIRECTD_SALT_H

#include <stdint.h>

#include "visitor.h"

/* Is name one of the files salt.c makes in state_dir (a period's salt
 * file, of any visitor_period, or its temporary)?  Nothing else there is
 * ours to give away or delete. */
int salt_file_ours(const char *name);

/* Load the salt of the period of kind `period` numbered `index`
 * (visitor_period_index), creating it if there is none, and delete every
 * other salt file.  Returns 0, or a negative errno. */
int salt_load(const char *state_dir, unsigned period, int64_t index,
              unsigned char salt[VISITOR_SALT_LEN]);

#endif
