/*
 * scan: reading the segments of a run into the counting loop: each file
 * read(2) into one buffer, its header checked, its records handed to
 * count.h a buffer at a time, the progress line kept up, and a record that
 * does not verify judged (a torn tail is warned about and counted up to;
 * corruption is an error, or with a damage account, --skip-damaged,
 * skipped and counted there).  It reports what goes wrong per file and goes
 * on with the next; the counting is count.h's.
 */
#ifndef REDIRECTD_SCAN_H
#define REDIRECTD_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "count.h"
#include "damage.h"
#include "files.h"
#include "progress.h"
#include "storecheck.h"

/* Bytes read at a time: a multiple of CLICKREC_SIZE, small enough that
 * the records are still in the cache when the loop reads what read(2) has
 * just copied. */
#define SCAN_BUF ((size_t)1 << 20)

/* All zero, then scan_init. */
struct scan {
	unsigned char *buf;         /* [SCAN_BUF] */
	struct progress prog;       /* the line on a terminal's stderr */
	uint64_t prog_done;         /* bytes of the files before this one */
	size_t prog_file;           /* the file being read, from 1 */
	size_t segments;            /* segments counted */
	uint64_t read;              /* whole records read in them, in the
	                               window or not, skipped ones not */
	struct damage *damage;      /* --skip-damaged: the records skipped;
	                               NULL: a damaged record is an error */
	struct storecheck *check;   /* segments of another store refused;
	                               NULL: none checked */
};

/* Returns 0, or -1 out of memory. */
int scan_init(struct scan *S);

/* Read and count every file of F that is no duplicate, with the progress
 * line.  Returns the count of files that failed, each reported. */
int scan_files(struct scan *S, struct count *C, const struct files *F);

void scan_free(struct scan *S);

#endif
