/*
 * segments: the main thread's side of the click log.  The segment files it
 * created for each worker and has not closed yet (the current one, a
 * pending one, old ones the worker handed back); rotation (a new segment
 * offered to a worker: SIGHUP, SIGUSR1, or after a failed fdatasync); the
 * periodic fdatasync of log_sync = <interval>; the last fdatasync and close
 * of the segments workers swapped out; and the reports of records dropped
 * (a full disk) when they start and when they stop.
 *
 * clicklog.h owns the worker's side (the batch, the write, the mailbox a
 * new segment goes through, the sync thread of log_sync = batch) and the
 * file format's creation.  Main thread only.  It reports through logmsg
 * and never exits.
 */
#ifndef REDIRECTD_SEGMENTS_H
#define REDIRECTD_SEGMENTS_H

#include <stdint.h>

#include "clicklog.h"
#include "config.h"
#include "server.h"

/* Segments per worker kept open: the current one, a pending one and old
 * ones not yet let go of (with log_sync = batch the sync thread makes them
 * durable first).  Past this a rotation is refused, and said so. */
#define SEGMENTS_OPEN_MAX CLICKLOG_RETIRED_MAX

#define SEGMENTS_NAME_MAX CLICKLOG_NAME_MAX

/* One worker's open segments (with their names, so one that got no record
 * can be removed when it is closed), and what was last said of its
 * drops. */
struct segments_worker {
	int fd[SEGMENTS_OPEN_MAX];
	char name[SEGMENTS_OPEN_MAX][SEGMENTS_NAME_MAX];
	unsigned n;
	uint64_t dropped_seen;
	int dropping;
};

struct segments {
	const struct config *cfg;
	int dfd;                       /* log_dir, as start-up checked it */
	struct worker *workers;
	unsigned n_workers;
	struct segments_worker *per;   /* n_workers of them */
	/* For /metrics and the counters line. */
	uint64_t syncs, sync_errors;   /* main's fdatasync calls */
	uint64_t created;              /* segments created by this process */
	uint64_t removed;              /* ... and removed at close, empty */
	/* The identity of the store served (storeslot.h), written into every
	 * new segment's header; all zero: the store has none. */
	unsigned char store_id[CLICKREC_STORE_ID_SIZE];
	unsigned open;
	char error[1024];              /* why the last create failed; "" */
};

/* dfd: log_dir, opened by start-up through safedir.h (the segments'
 * names are relative to it, never a path again; the caller closes it
 * after segments_deinit).  0, or -1 (out of memory). */
int segments_init(struct segments *s, const struct config *cfg, int dfd,
                  struct worker *workers, unsigned n_workers);

/* The store served is now the one with identity id (at startup, and when
 * storewatch follows a swap).  When it differs from the one the open
 * segments carry, every worker gets a new segment at once (as SIGHUP), so
 * no segment mixes the ids of two stores; returns 1 then, else 0. */
int segments_store(struct segments *s,
                   const unsigned char id[CLICKREC_STORE_ID_SIZE]);

/* Startup, before worker i runs: its first segment.  0, or -1 (said
 * why). */
int segments_first(struct segments *s, unsigned i);

/* SIGHUP, SIGUSR1: a new segment for every worker.  fresh: how many got
 * one; pending: how many still have one waiting (that one will do). */
void segments_rotate_all(struct segments *s, unsigned *fresh,
                         unsigned *pending);

/* Main's tick: close what workers swapped out (a segment that got no
 * record is removed: idle starts and rotations leave no header-only
 * files), then (log_sync =
 * <interval>) make everything written durable; a failed fdatasync moves
 * that worker to a new segment. */
void segments_sync(struct segments *s);

/* Main's tick: say when a worker starts or stops dropping records; take a
 * batch-mode sync failure and move that worker to a new segment. */
void segments_watch(struct segments *s);

/* Exit, after the workers and their sync threads stopped: a last
 * fdatasync and close of every segment, removing those without a record.
 * The counters stay readable. */
void segments_deinit(struct segments *s);

#endif
