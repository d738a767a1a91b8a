/*
 * segwalk: the segment files under the paths reach's commands are given;
 * what is done with each file is the caller's.
 */
#ifndef REDIRECTD_SEGWALK_H
#define REDIRECTD_SEGWALK_H

#include <sys/stat.h>

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

#endif
