/*
 * clicklog: the daemon's side of the click log.
 *
 * Each worker owns one struct clicklog and appends records to a batch in
 * memory while it answers the requests of one event-loop pass.  Before any
 * response of that pass is sent, clicklog_flush() writes the whole batch
 * with one pwrite(2): a click is in the file (in the page cache, which
 * survives a kill -9) before its redirect leaves the daemon.  fdatasync
 * never runs on a worker: the main thread syncs every log_sync interval.
 *
 * Segment files are created by the main thread (open, header: blocking
 * file-system work stays off the workers) and handed over through a small
 * mailbox; the worker swaps at a batch boundary and hands the old fd back,
 * so a rotation neither loses nor duplicates a record.
 *
 * Thread-safety: clicklog_append/flush only from the owning worker; the
 * mailbox functions from any thread (they take the mailbox mutex, which the
 * worker touches only when a rotation is pending).
 */
#ifndef REDIRECTD_CLICKLOG_H
#define REDIRECTD_CLICKLOG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "clickrec.h"

#define CLICKLOG_BATCH 512      /* records; a full batch is flushed early */
#define CLICKLOG_RETIRED_MAX 8

struct clicklog {
	/* Worker-owned. */
	int fd;                     /* current segment, -1: none */
	uint64_t size;              /* bytes in the current segment */
	size_t n;                   /* records in batch */
	unsigned char batch[CLICKLOG_BATCH * CLICKREC_SIZE];
	uint64_t written;           /* records written */
	uint64_t dropped;           /* records lost to write errors */
	uint64_t write_errors;      /* failed or short pwrite calls */
	int last_errno;             /* of the last failed write, 0: healthy */

	/* Mailbox, under lock. */
	atomic_int pending;         /* a new fd waits in next_fd */
	pthread_mutex_t lock;
	int next_fd;
	uint64_t next_size;
	int retired[CLICKLOG_RETIRED_MAX];
	unsigned n_retired;
};

void clicklog_init(struct clicklog *cl);
void clicklog_deinit(struct clicklog *cl);

/* Append one record to the batch (flushing first if the batch is full). */
void clicklog_append(struct clicklog *cl, const struct click *c);

/* Write the batch.  On a failed or short write the file is cut back to
 * whole records and every record that did not make it is counted in
 * dropped; the next flush tries again.  Then, if a new segment waits in
 * the mailbox, swap to it and retire the old fd. */
void clicklog_flush(struct clicklog *cl);

/* Main thread: offer a new segment (fd, its size so far).  Returns 0, or
 * -1 when one is already pending (the caller closes and removes its new
 * file). */
int clicklog_offer(struct clicklog *cl, int fd, uint64_t size);

/* Main thread: take the fds the worker has retired (up to max). */
unsigned clicklog_take_retired(struct clicklog *cl, int *fds, unsigned max);

/*
 * Startup and main-thread helpers (may block; never on a worker).
 * clicklog_segment_create makes log_dir/<node>.<UTC time>.<usec>Z.w<N>.clk
 * with mode 0640, writes the header, and returns the fd (and the path in
 * path[pathlen]), or a negative errno.
 */
int clicklog_segment_create(const char *log_dir, const char *node,
                            unsigned worker, char *path, size_t pathlen);

/*
 * Cut the torn tail (a crash mid-write) off every segment of this node in
 * log_dir.  Returns the number of files repaired, or a negative errno;
 * *bytes gets the bytes cut.  Segments with corruption in the middle are
 * left alone (reach reports them).
 */
int clicklog_repair(const char *log_dir, const char *node, uint64_t *bytes);

#endif
