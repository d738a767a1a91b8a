/*
 * damage: the damaged records a run skipped under --skip-damaged (reach,
 * reach export, reach ship): where they were (file, byte offsets) and how
 * many, kept as runs of adjacent records so a damaged stretch is one
 * line, and told on stderr at the end.  Whether a record is damaged is
 * clickrec's verdict and the skipping the readers' (scan.c, segwalk.c);
 * this module only keeps the account.
 */
#ifndef REDIRECTD_DAMAGE_H
#define REDIRECTD_DAMAGE_H

#include <stddef.h>
#include <stdint.h>

/* The exit status of a run that skipped damaged records and had no other
 * error: the figures leave records out (reach(1), EXIT STATUS). */
#define DAMAGE_EXIT 3

/* n damaged records of path from byte off (to off + n * CLICKREC_SIZE). */
struct damage_run {
	char *path;
	uint64_t off;
	uint64_t n;
};

/* All zero is an empty account. */
struct damage {
	struct damage_run *v;
	size_t n, cap;
	uint64_t records;           /* damaged records in all */
};

/* Count n records of path from byte off as skipped; a run that starts
 * where the last one of the same file ended extends it.  Returns 0, or -1
 * out of memory. */
int damage_add(struct damage *D, const char *path, uint64_t off, uint64_t n);

/* On stderr (out_err), a warning per run and a note of the total, when
 * there was any; verb says what was done without them ("counted",
 * "exported"). */
void damage_warn(const struct damage *D, const char *verb);

void damage_free(struct damage *D);

#endif
