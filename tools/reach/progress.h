/*
 * progress: one line on stderr saying how far a long run has got, for a
 * person watching a terminal: shown only when stderr is a terminal and
 * the run has lasted PROGRESS_DELAY_MS (the environment variable
 * REACH_PROGRESS_DELAY_MS overrides it, for tests), redrawn at most every
 * PROGRESS_EVERY_MS, cleared at the end so the report and messages after
 * it start on a clean line.  Costs one clock read per update call.
 */
#ifndef REDIRECTD_PROGRESS_H
#define REDIRECTD_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define PROGRESS_DELAY_MS 500
#define PROGRESS_EVERY_MS 250

struct progress {
	int on;                 /* stderr is a terminal */
	int shown;              /* a line is on the screen */
	uint64_t total;         /* bytes of all files */
	size_t files;
	long delay_ms;          /* PROGRESS_DELAY_MS, or $REACH_PROGRESS_DELAY_MS */
	struct timespec start, last;
};

/* Start: on only when fd 2 is a terminal. */
void progress_init(struct progress *p, uint64_t total_bytes, size_t files);
/* done bytes of the total read, in file number file (from 1). */
void progress_update(struct progress *p, uint64_t done, size_t file);
/* Clear the line, if one is shown. */
void progress_end(struct progress *p);

#endif
