/*
 * segments: creating, rotating, syncing and closing the workers' segment
 * files from the main thread.  See segments.h; clicklog.h owns the
 * hand-over to the worker.
 */
#include "segments.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logmsg.h"
#include "monotime.h"

int segments_init(struct segments *s, const struct config *cfg, int dfd,
                  struct worker *workers, unsigned n_workers)
{
	*s = (struct segments){
		.cfg = cfg,
		.dfd = dfd,
		.workers = workers,
		.n_workers = n_workers,
		.per = calloc(n_workers, sizeof *s->per),
	};
	return s->per ? 0 : -1;
}

/* Keep fd, the segment called name, among worker i's open segments. */
static void segments_add(struct segments *s, unsigned i, int fd,
                         const char *name)
{
	struct segments_worker *sw = &s->per[i];
	snprintf(sw->name[sw->n], sizeof sw->name[sw->n], "%s", name);
	sw->fd[sw->n++] = fd;
	s->open++;
	s->created++;
}

/*
 * A segment that got no record is removed as it is closed: every start,
 * SIGHUP and store swap gives each worker a new segment, and on a quiet
 * node header-only files would pile up.  Nobody writes to fd any more (the
 * worker swapped it out, or has stopped), so its size is final; a reader
 * that listed the file before it went finds nothing to count either way.
 */
static int segments_remove_empty(struct segments *s, int fd,
                                 const char *name)
{
	struct stat st, named;
	if (fstat(fd, &st) < 0 || st.st_size > CLICKREC_HEADER_SIZE)
		return 0;
	/* Only while the name is still this file: one moved away by an
	 * operator after a rotation is theirs. */
	if (fstatat(s->dfd, name, &named, AT_SYMLINK_NOFOLLOW) < 0 ||
	    named.st_dev != st.st_dev || named.st_ino != st.st_ino ||
	    unlinkat(s->dfd, name, 0) < 0)
		return 0;
	s->removed++;
	return 1;
}

/* Close fd of worker i after a last fdatasync. */
static void segments_close(struct segments *s, unsigned i, int fd)
{
	struct segments_worker *sw = &s->per[i];
	for (unsigned k = 0; k < sw->n; k++) {
		if (sw->fd[k] != fd)
			continue;
		if (!segments_remove_empty(s, fd, sw->name[k]) &&
		    fdatasync(fd) < 0)
			s->sync_errors++;
		close(fd);
		sw->n--;
		sw->fd[k] = sw->fd[sw->n];
		memcpy(sw->name[k], sw->name[sw->n], sizeof sw->name[k]);
		s->open--;
		return;
	}
	close(fd);
}

/* A new segment file for worker i: its fd (its name in name), or -1
 * (said why). */
static int segments_create(struct segments *s, unsigned i, char *name,
                           size_t namelen)
{
	const struct config *cfg = s->cfg;
	int fd = clicklog_segment_create(s->dfd, cfg->node, i, s->store_id,
	                                 cfg->visitor_period, name, namelen);
	if (fd < 0) {
		logmsg("cannot create a segment in %s: %s", cfg->log_dir,
		       strerror(-fd));
		snprintf(s->error, sizeof s->error, "cannot create a click-log "
		         "segment in %s: %s", cfg->log_dir, strerror(-fd));
		return -1;
	}
	s->error[0] = '\0';
	return fd;
}

int segments_first(struct segments *s, unsigned i)
{
	char name[CLICKLOG_NAME_MAX];
	int fd = segments_create(s, i, name, sizeof name);
	if (fd < 0)
		return -1;
	s->workers[i].log.fd = fd;
	s->workers[i].log.size = CLICKREC_HEADER_SIZE;
	segments_add(s, i, fd, name);
	return 0;
}

/* Create a new segment for worker i and offer it.  Returns 1 (offered),
 * 0 (a new segment is already pending: that one will do) or -1 (said why). */
static int segments_rotate(struct segments *s, unsigned i)
{
	char name[CLICKLOG_NAME_MAX];
	struct segments_worker *sw = &s->per[i];
	if (sw->n >= SEGMENTS_OPEN_MAX - 1) {
		logmsg("worker %u has not let go of %u old segments; not "
		       "rotating it", i, sw->n - 1);
		return -1;
	}
	int fd = segments_create(s, i, name, sizeof name);
	if (fd < 0)
		return -1;
	if (clicklog_offer(&s->workers[i].log, fd, CLICKREC_HEADER_SIZE) < 0) {
		close(fd);
		unlinkat(s->dfd, name, 0);
		return 0;
	}
	segments_add(s, i, fd, name);
	worker_wake(&s->workers[i]);
	return 1;
}

/* Close (after a last fdatasync) the segments workers swapped out. */
static void segments_close_retired(struct segments *s)
{
	for (unsigned i = 0; i < s->n_workers; i++) {
		int fds[CLICKLOG_RETIRED_MAX];
		unsigned n = clicklog_take_retired(&s->workers[i].log, fds,
		                                   CLICKLOG_RETIRED_MAX);
		for (unsigned k = 0; k < n; k++)
			segments_close(s, i, fds[k]);
	}
}

void segments_rotate_all(struct segments *s, unsigned *fresh,
                         unsigned *pending)
{
	/* What workers swapped out is closed first: rotations faster than
	 * the timer must not find every segment slot taken. */
	segments_close_retired(s);
	*fresh = *pending = 0;
	for (unsigned i = 0; i < s->n_workers; i++) {
		int rc = segments_rotate(s, i);
		*fresh += rc == 1;
		*pending += rc == 0;
	}
}

int segments_store(struct segments *s,
                   const unsigned char id[CLICKREC_STORE_ID_SIZE])
{
	if (memcmp(s->store_id, id, sizeof s->store_id) == 0)
		return 0;
	memcpy(s->store_id, id, sizeof s->store_id);
	/* Before the first segments (startup): nothing to rotate. */
	if (s->created == 0)
		return 0;
	unsigned fresh, pending;
	segments_rotate_all(s, &fresh, &pending);
	logmsg("another store (a different identity): new log segments for "
	       "%u of %u workers", fresh, s->n_workers);
	return 1;
}

void segments_sync(struct segments *s)
{
	segments_close_retired(s);
	if (s->cfg->log_sync_ms < 0)
		return;
	for (unsigned i = 0; i < s->n_workers; i++) {
		struct segments_worker *sw = &s->per[i];
		int failed = 0, err = 0;
		/* What was written before the round began is durable if the
		 * round succeeds (/metrics: the sync lag). */
		struct clicklog *cl = &s->workers[i].log;
		uint64_t batches = atomic_load_explicit(&cl->batches,
		                                        memory_order_acquire);
		uint64_t began = monotime_ns();
		for (unsigned k = 0; k < sw->n; k++) {
			s->syncs++;
			if (fdatasync(sw->fd[k]) < 0) {
				/* A failed fdatasync cannot be retried and
				 * trusted: the pages may be gone.  Move on to a
				 * new segment. */
				s->sync_errors++;
				failed = 1;
				err = errno;
			}
		}
		if (failed) {
			logmsg("fdatasync failed on worker %u's segment: %s; "
			       "starting a new one", i, strerror(err));
			segments_rotate(s, i);
		} else {
			atomic_store_explicit(&cl->synced_batches, batches,
			                      memory_order_relaxed);
			atomic_store_explicit(&cl->synced_at_ns, began,
			                      memory_order_relaxed);
		}
	}
}

/*
 * Records the workers could not write (a full disk, a file-size limit, an
 * I/O error) are dropped and counted, never waited for: the redirects go
 * on.  Operators hear of it here, once when it starts and once when appends
 * resume, with counts; SIGUSR2 and the exit summary print the counters.
 * With log_sync = batch, a failed fdatasync moves the worker to a new
 * segment.
 */
void segments_watch(struct segments *s)
{
	for (unsigned i = 0; i < s->n_workers; i++) {
		struct clicklog *cl = &s->workers[i].log;
		struct segments_worker *sw = &s->per[i];
		uint64_t dropped = atomic_load_explicit(&cl->dropped,
		                                        memory_order_relaxed);
		int err = atomic_load_explicit(&cl->last_errno,
		                               memory_order_relaxed);
		if (dropped > sw->dropped_seen && !sw->dropping) {
			logmsg("worker %u: cannot write the click log (%s): "
			       "dropping records, still redirecting; %llu "
			       "dropped so far", i, strerror(err ? err : EIO),
			       (unsigned long long)dropped);
			sw->dropping = 1;
		}
		if (sw->dropping && err == 0) {
			logmsg("worker %u: click log appends resumed; %llu "
			       "records dropped in all", i,
			       (unsigned long long)dropped);
			sw->dropping = 0;
		}
		sw->dropped_seen = dropped;
		if (atomic_exchange(&cl->sync_failed, 0)) {
			logmsg("fdatasync failed on worker %u's segment; "
			       "starting a new one", i);
			segments_rotate(s, i);
		}
	}
}

void segments_deinit(struct segments *s)
{
	for (unsigned i = 0; s->per && i < s->n_workers; i++) {
		while (s->per[i].n)
			segments_close(s, i, s->per[i].fd[0]);
	}
	free(s->per);
	s->per = NULL;
}
