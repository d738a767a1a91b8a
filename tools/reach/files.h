/*
 * files: the segment files of a run, as the command line names them:
 * files, and directories walked for *.clk (segwalk.h), in order, each
 * file once however often it is named.  Reading them is scan.h's.
 */
#ifndef REDIRECTD_FILES_H
#define REDIRECTD_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A segment to read; dev/ino find the same file named twice. */
struct files_entry {
	char *path;
	dev_t dev;
	ino_t ino;
	uint64_t size;      /* at the walk, for the progress line */
	size_t order;
	int dup;            /* named before: not to be read again */
};

/* All zero is an empty list. */
struct files {
	struct files_entry *v;
	size_t n, cap;
};

/* Add the segments named by path (segwalk).  Returns the count of errors,
 * each reported (out_err). */
int files_walk(struct files *F, const char *path);

/* Mark every file named a second time dup: a leaderboard that doubles
 * someone's numbers is worse than none. */
void files_dedup(struct files *F);

void files_free(struct files *F);

#endif
