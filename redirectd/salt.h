/*
 * salt: the daily secret behind visitor ids.
 *
 * One 128-bit salt per UTC day, from getrandom(), kept in
 * state_dir/visitor-salt.YYYY-MM-DD (mode 0600) so that a restart on the
 * same day hashes visitors the same way (no double counting).  Every other
 * day's file (by that name, a regular file, ours) is deleted when a day's
 * salt is loaded: once a day has ended, nobody, us included, can link that
 * day's visitor ids to addresses.
 * state_dir is opened through safedir.h, never through a planted link.
 * Main-thread zone (file I/O); never prints.
 */
#ifndef REDIRECTD_SALT_H
#define REDIRECTD_SALT_H

#include <stdint.h>

#include "visitor.h"

/* Days since the epoch, UTC, of t seconds. */
int64_t salt_day(int64_t t);

/* Is name one of the files salt.c makes in state_dir (a day's salt file,
 * or its temporary)?  Nothing else there is ours to give away or delete. */
int salt_file_ours(const char *name);

/* Load the salt of `day`, creating it if there is none, and delete every
 * other day's salt file.  Returns 0, or a negative errno. */
int salt_load(const char *state_dir, int64_t day,
              unsigned char salt[VISITOR_SALT_LEN]);

#endif
