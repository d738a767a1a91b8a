/*
 * segwalk: the segment files under the paths reach's commands are given,
 * and one of them opened for reading records; what is done with the
 * records is the caller's.
 */
#ifndef REDIRECTD_SEGWALK_H
#define REDIRECTD_SEGWALK_H

#include <stddef.h>
#include <sys/stat.h>

#include "clickrec.h"
#include "damage.h"

/*
 * The segment files named by path, as reach, reach export and reach ship
 * all take them: a regular file as it is; a directory walked in name order
 * (so warnings and errors come out the same way every run) for *.clk files,
 * symlinked files taken, symlinked directories not entered (a link back up
 * would loop).  fn gets each file with its stat; it returns 0 to go on, < 0
 * for an error it has reported (counted), > 0 to stop the walk.  Errors of
 * the walk itself are reported with out_err and counted.  Returns the count
 * of errors; *stopped (may be NULL) is set when fn stopped the walk.
 */
typedef int (*segwalk_fn)(void *ctx, const char *path, const struct stat *st);
int segwalk(const char *path, segwalk_fn fn, void *ctx, int *stopped);

/* A segment mapped read-only, with a reader over it (clickrec.h). */
struct segmap {
	void *map;
	size_t len;
	struct clickrec_reader r;   /* r.header: the segment's header */
};

/* Open path as a segment: a regular file with a valid header, mapped
 * whole.  0; 1 when the file is gone since the walk (the daemon removes a
 * segment that got no record: nothing to read, nothing said); or -1 after
 * reporting "PATH: ..." with out_err.  The
 * mapping is a snapshot of the file's length now (a live segment may
 * grow; what is appended later is read on another run). */
int segwalk_open(const char *path, struct segmap *m);
void segwalk_close(struct segmap *m);

/*
 * The next record of m, as clickrec_reader_next (RECORD, END, TORN or
 * CORRUPT), but with an account D (--skip-damaged; NULL: none) a corrupt
 * record is put in it under path and the reader goes on after it, so only
 * TORN or END end the segment.  Returns -3 out of memory (D could not
 * grow).  A skipped record moves m->r.off as a read one does: the next
 * record's position is still (off - header) / CLICKREC_SIZE.
 */
int segwalk_next(struct segmap *m, struct click *c, const char *path,
                 struct damage *D);

#endif
