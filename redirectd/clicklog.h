/*
 * clicklog: the daemon's side of the click log.
 *
 * Each worker owns one struct clicklog and appends records to a batch in
 * memory while it answers the requests of one event-loop pass.  Before any
 * response of that pass is sent, clicklog_flush() writes the whole batch
 * with one pwrite(2): a click is in the file (in the page cache, which
 * survives a kill -9) before its redirect leaves the daemon.
 *
 * Durability (log_sync): fdatasync never runs on a worker.  With an
 * interval (or never) the main thread syncs every segment on its timer.
 * With log_sync = batch each worker has a sync thread (clicklog_sync_start):
 * every flush that wrote records gets a ticket, the sync thread makes the
 * segment durable and publishes the highest ticket done (clicklog_synced),
 * then wakes the worker through its eventfd; the worker holds that flush's
 * responses until then, serving other connections meanwhile.  Tickets
 * coalesce: one fdatasync covers every flush before it (group commit).
 *
 * Segment files are created by the main thread (open, header, link into
 * place: blocking file-system work stays off the workers, and a segment
 * appears with its header or not at all) and handed over through a small
 * mailbox; the worker swaps at a batch boundary and hands the old fd back
 * (in batch mode through the sync thread, which makes it durable first), so
 * a rotation neither loses nor duplicates a record.
 *
 * Thread-safety: clicklog_append/flush only from the owning worker; the
 * mailbox functions from any thread (they take the mailbox mutex, which the
 * worker touches only when a rotation is pending); the counters from any
 * thread (relaxed atomics, each written by one thread).
 */
#ifndef REDIRECTD_CLICKLOG_H
#define REDIRECTD_CLICKLOG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "clickrec.h"

#define CLICKLOG_BATCH 512      /* records; a full batch is flushed early */
#define CLICKLOG_RETIRED_MAX 64 /* old segments in hand-over; rotations
                                 * faster than the hand-over wait (segments.c) */

struct clicklog {
	/* Worker-owned. */
	int fd;                     /* current segment, -1: none */
	uint64_t size;              /* bytes in the current segment */
	size_t n;                   /* records in batch */
	unsigned char batch[CLICKLOG_BATCH * CLICKREC_SIZE];
	uint64_t ticket;            /* batch mode: last ticket requested */
	uint64_t pass_ticket;       /* ...and not yet returned by flush */

	/* Counters: written by the worker (syncs and sync_errors by its sync
	 * thread), read by main. */
	_Atomic uint64_t written;       /* records written */
	_Atomic uint64_t dropped;       /* records lost to write errors */
	_Atomic uint64_t write_errors;  /* failed or short pwrite calls */
	atomic_int last_errno;          /* of the last failed write, 0: the
	                                 * last write succeeded */
	_Atomic uint64_t syncs;         /* batch mode: fdatasync rounds */
	_Atomic uint64_t sync_errors;   /* batch mode: failed fdatasync */
	atomic_int sync_failed;         /* batch mode: set on a failure, main
	                                 * takes it and starts a new segment */
	_Atomic uint64_t batches;       /* pwrites that wrote records */
	_Atomic uint64_t synced_batches;   /* of which known durable: set by
	                                 * whoever syncs (main, or the sync
	                                 * thread) after a good fdatasync */
	_Atomic uint64_t synced_at_ns;  /* CLOCK_MONOTONIC when that good
	                                 * sync began (0: never) */

	/* Mailbox, under lock. */
	atomic_int pending;         /* a new fd waits in next_fd */
	pthread_mutex_t lock;
	int next_fd;
	uint64_t next_size;
	int retired[CLICKLOG_RETIRED_MAX];
	unsigned n_retired;

	/* log_sync = batch: the sync thread's inbox, under sync_lock. */
	int batch_mode;             /* set by clicklog_sync_start */
	pthread_t sync_thread;
	pthread_mutex_t sync_lock;
	pthread_cond_t sync_cond;
	int sync_fd;                /* the segment of the latest ticket */
	uint64_t sync_want;         /* the latest ticket */
	int sync_old[CLICKLOG_RETIRED_MAX];   /* swapped out: sync, retire */
	unsigned n_sync_old;
	int sync_stop;
	int wake_fd;                /* the worker's eventfd */
	unsigned delay_ms;          /* test hook: a slow disk */
	_Atomic uint64_t synced;    /* tickets up to this one are durable */
};

void clicklog_init(struct clicklog *cl);
void clicklog_deinit(struct clicklog *cl);

/* Start the sync thread of log_sync = batch.  wake_fd is the worker's
 * eventfd, written after each sync; delay_ms slows every sync (tests).
 * Returns 0 or an errno value.  Call before the worker starts. */
int clicklog_sync_start(struct clicklog *cl, int wake_fd, unsigned delay_ms);
/* Finish outstanding syncs and join the thread (after the worker exits). */
void clicklog_sync_stop(struct clicklog *cl);

/* Append one record to the batch (writing the batch first if full). */
void clicklog_append(struct clicklog *cl, const struct click *c);

/* Write the batch.  On a failed or short write the file is cut back to
 * whole records and every record that did not make it is counted in
 * dropped; the next flush tries again.  Then, if a new segment waits in
 * the mailbox, swap to it and retire the old fd.
 * Returns 0, or in batch mode the ticket the responses queued since the
 * last flush wait for: send them once clicklog_synced() >= it. */
uint64_t clicklog_flush(struct clicklog *cl);

/* Batch mode: the highest ticket made durable (any thread). */
static inline uint64_t clicklog_synced(struct clicklog *cl)
{
	return atomic_load_explicit(&cl->synced, memory_order_acquire);
}

/* Main thread: offer a new segment (fd, its size so far).  Returns 0, or
 * -1 when one is already pending (the caller closes and removes its new
 * file). */
int clicklog_offer(struct clicklog *cl, int fd, uint64_t size);

/* Main thread: take the fds the worker has retired (up to max). */
unsigned clicklog_take_retired(struct clicklog *cl, int *fds, unsigned max);

/* A segment's file name: at most NAME_MAX bytes. */
#define CLICKLOG_NAME_MAX 256

/*
 * Startup and main-thread helpers (may block; never on a worker).
 * clicklog_segment_create makes <node>.<UTC time>.<usec>Z.w<N>.clk in the
 * log directory dfd (opened by start-up through safedir.h, never a path
 * again) with mode 0640 and its header (store_id: the identity of the
 * store served, all zero for none; period: the visitor_period its
 * records' keys have, fixed for the daemon's run), and returns the fd (and
 * the file's name in name[namelen], CLICKLOG_NAME_MAX will do), or a
 * negative errno.  The header is written under a temporary name (the same
 * plus ".tmp") and the file linked into place, so a segment is never seen
 * without its header, even after a crash.
 */
int clicklog_segment_create(int dfd, const char *node, unsigned worker,
                            const unsigned char store_id[CLICKREC_STORE_ID_SIZE],
                            unsigned period, char *name, size_t namelen);

/*
 * Cut the torn tail (a crash mid-write) off every segment of this node in
 * the log directory dfd (opened through safedir.h), and remove this node's
 * temporary files of an interrupted segment_create.  Only regular files in
 * dfd itself, never through a link, owned by user (the daemon's user) or by
 * this process (root's with one link only) are touched.  Returns the
 * number of files repaired, or a negative errno; *bytes gets the bytes
 * cut.  Segments with corruption in the middle are left alone (reach
 * reports them).
 */
int clicklog_repair(int dfd, const char *node, uid_t user, uint64_t *bytes);

#endif
