/*
 * clicklog: batching, writing and rotating segments.  See clicklog.h for
 * the contract; clickrec.c owns the byte layout.
 */
#include "clicklog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "monotime.h"

/* Counters have one writer each: a relaxed load and store, no lock. */
static inline void counter_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
	                      memory_order_relaxed);
}

void clicklog_init(struct clicklog *cl)
{
	memset(cl, 0, offsetof(struct clicklog, batch));
	cl->fd = -1;
	cl->n = 0;
	cl->ticket = cl->pass_ticket = 0;
	atomic_init(&cl->written, 0);
	atomic_init(&cl->dropped, 0);
	atomic_init(&cl->write_errors, 0);
	atomic_init(&cl->last_errno, 0);
	atomic_init(&cl->syncs, 0);
	atomic_init(&cl->sync_errors, 0);
	atomic_init(&cl->sync_failed, 0);
	atomic_init(&cl->batches, 0);
	atomic_init(&cl->synced_batches, 0);
	atomic_init(&cl->synced_at_ns, 0);
	atomic_init(&cl->pending, 0);
	pthread_mutex_init(&cl->lock, NULL);
	cl->next_fd = -1;
	cl->next_size = 0;
	cl->n_retired = 0;
	cl->batch_mode = 0;
	cl->sync_fd = -1;
	cl->sync_want = 0;
	cl->n_sync_old = 0;
	cl->sync_stop = 0;
	cl->wake_fd = -1;
	cl->delay_ms = 0;
	atomic_init(&cl->synced, 0);
}

void clicklog_deinit(struct clicklog *cl)
{
	clicklog_sync_stop(cl);
	pthread_mutex_destroy(&cl->lock);
}

/* --- log_sync = batch: the sync thread --------------------------------- */

/* Hand fds to main's retired list; returns how many fit. */
static unsigned retire(struct clicklog *cl, const int *fds, unsigned n)
{
	pthread_mutex_lock(&cl->lock);
	unsigned room = CLICKLOG_RETIRED_MAX - cl->n_retired;
	if (n > room)
		n = room;
	memcpy(cl->retired + cl->n_retired, fds, n * sizeof *fds);
	cl->n_retired += n;
	pthread_mutex_unlock(&cl->lock);
	return n;
}

/*
 * One round: take the latest ticket and the swapped-out segments, make them
 * durable, publish the ticket, wake the worker.  Requests that arrive
 * during a round wait for the next one, which covers them all.
 */
static void *sync_main(void *arg)
{
	struct clicklog *cl = arg;
	uint64_t done = 0;
	pthread_mutex_lock(&cl->sync_lock);
	for (;;) {
		while (!cl->sync_stop && cl->sync_want == done && !cl->n_sync_old)
			pthread_cond_wait(&cl->sync_cond, &cl->sync_lock);
		/* Stopping, and every ticket is durable (main closes the
		 * segments still in sync_old itself). */
		if (cl->sync_want == done && (!cl->n_sync_old || cl->sync_stop))
			break;
		uint64_t want = cl->sync_want;
		int fd = cl->sync_fd;
		int old[CLICKLOG_RETIRED_MAX];
		unsigned n_old = cl->n_sync_old;
		memcpy(old, cl->sync_old, n_old * sizeof *old);
		cl->n_sync_old = 0;
		pthread_mutex_unlock(&cl->sync_lock);

		uint64_t t0 = monotime_ns();
		if (cl->delay_ms) {
			struct timespec ts = { cl->delay_ms / 1000,
			                       (long)(cl->delay_ms % 1000) * 1000000 };
			while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
				;
		}
		int failed = 0;
		/* The old segments first: a ticket's records may be in one
		 * swapped out after the ticket was asked for. */
		for (unsigned k = 0; k < n_old; k++)
			if (fdatasync(old[k]) < 0)
				failed = 1;
		if (want != done && fd >= 0 && fdatasync(fd) < 0)
			failed = 1;
		counter_add(&cl->syncs, 1);
		if (failed) {
			/* Not retried (the pages may be gone): counted, and
			 * main moves the worker to a new segment. */
			counter_add(&cl->sync_errors, 1);
			atomic_store(&cl->sync_failed, 1);
		} else {
			/* Every batch up to want is durable (one ticket per
			 * batch), as of when this round began. */
			atomic_store_explicit(&cl->synced_batches, want,
			                      memory_order_relaxed);
			atomic_store_explicit(&cl->synced_at_ns, t0,
			                      memory_order_relaxed);
		}
		unsigned n_ret = retire(cl, old, n_old);
		done = want;
		atomic_store_explicit(&cl->synced, done, memory_order_release);
		uint64_t one = 1;
		if (write(cl->wake_fd, &one, sizeof one) < 0) {
			/* EAGAIN: the worker has a wake pending already. */
		}
		pthread_mutex_lock(&cl->sync_lock);
		if (n_ret < n_old) {
			/* Main is behind: keep the rest for the next round. */
			for (unsigned k = n_ret; k < n_old; k++)
				cl->sync_old[cl->n_sync_old++] = old[k];
		}
	}
	pthread_mutex_unlock(&cl->sync_lock);
	return NULL;
}

int clicklog_sync_start(struct clicklog *cl, int wake_fd, unsigned delay_ms)
{
	pthread_mutex_init(&cl->sync_lock, NULL);
	pthread_cond_init(&cl->sync_cond, NULL);
	cl->wake_fd = wake_fd;
	cl->delay_ms = delay_ms;
	int rc = pthread_create(&cl->sync_thread, NULL, sync_main, cl);
	if (rc) {
		pthread_cond_destroy(&cl->sync_cond);
		pthread_mutex_destroy(&cl->sync_lock);
		return rc;
	}
	cl->batch_mode = 1;
	return 0;
}

void clicklog_sync_stop(struct clicklog *cl)
{
	if (!cl->batch_mode)
		return;
	pthread_mutex_lock(&cl->sync_lock);
	cl->sync_stop = 1;
	pthread_cond_signal(&cl->sync_cond);
	pthread_mutex_unlock(&cl->sync_lock);
	pthread_join(cl->sync_thread, NULL);
	pthread_cond_destroy(&cl->sync_cond);
	pthread_mutex_destroy(&cl->sync_lock);
	cl->batch_mode = 0;
}

/* --- the worker's side ------------------------------------------------- */

/* Swap to the segment waiting in the mailbox, if any. */
static void clicklog_swap(struct clicklog *cl)
{
	if (!atomic_load_explicit(&cl->pending, memory_order_acquire))
		return;
	pthread_mutex_lock(&cl->lock);
	if (cl->next_fd >= 0) {
		int ok = 1;
		if (cl->fd >= 0 && cl->batch_mode) {
			/* Through the sync thread: it makes the old segment
			 * durable before main may close it (and the fd number
			 * be reused under a pending fdatasync). */
			pthread_mutex_lock(&cl->sync_lock);
			ok = cl->n_sync_old < CLICKLOG_RETIRED_MAX;
			if (ok) {
				cl->sync_old[cl->n_sync_old++] = cl->fd;
				pthread_cond_signal(&cl->sync_cond);
			}
			pthread_mutex_unlock(&cl->sync_lock);
		} else if (cl->fd >= 0) {
			ok = cl->n_retired < CLICKLOG_RETIRED_MAX;
			if (ok)
				cl->retired[cl->n_retired++] = cl->fd;
		}
		if (!ok) {
			/* Main is far behind: keep writing here and swap at a
			 * later flush (never close an fd main still knows). */
			pthread_mutex_unlock(&cl->lock);
			return;
		}
		cl->fd = cl->next_fd;
		cl->size = cl->next_size;
		cl->next_fd = -1;
	}
	atomic_store_explicit(&cl->pending, 0, memory_order_release);
	pthread_mutex_unlock(&cl->lock);
}

/* Write the batch; in batch mode ask the sync thread for a ticket. */
static void clicklog_write(struct clicklog *cl)
{
	size_t len = cl->n * CLICKREC_SIZE, done = 0;
	if (!len)
		return;
	if (cl->fd < 0) {
		counter_add(&cl->dropped, cl->n);
		cl->n = 0;
		return;
	}
	while (done < len) {
		ssize_t w = pwrite(cl->fd, cl->batch + done, len - done,
		                   (off_t)(cl->size + done));
		if (w > 0) {
			done += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		/* ENOSPC, EFBIG (a file-size limit: SIGXFSZ is ignored), EIO,
		 * or a write of 0 bytes. */
		atomic_store_explicit(&cl->last_errno, w < 0 ? errno : ENOSPC,
		                      memory_order_relaxed);
		counter_add(&cl->write_errors, 1);
		break;
	}
	if (done < len) {
		/* Keep the file whole records only: cut back a partial one so
		 * the next append (when space returns) continues a valid file.
		 * If even the cut fails, the next write at cl->size covers the
		 * partial record, and a restart's repair cuts it. */
		size_t whole = done - done % CLICKREC_SIZE;
		if (whole != done && ftruncate(cl->fd, (off_t)(cl->size + whole)) < 0)
			counter_add(&cl->write_errors, 1);
		counter_add(&cl->dropped, (len - whole) / CLICKREC_SIZE);
		done = whole;
	} else {
		atomic_store_explicit(&cl->last_errno, 0, memory_order_relaxed);
	}
	cl->size += done;
	counter_add(&cl->written, done / CLICKREC_SIZE);
	if (done)
		atomic_store_explicit(&cl->batches,
			atomic_load_explicit(&cl->batches, memory_order_relaxed) + 1,
			memory_order_release);
	cl->n = 0;
	if (done && cl->batch_mode) {
		/* One mutex hand-off per flush; the sync thread holds the
		 * lock only to copy its inbox, never across fdatasync. */
		pthread_mutex_lock(&cl->sync_lock);
		cl->sync_fd = cl->fd;
		cl->sync_want = ++cl->ticket;
		pthread_cond_signal(&cl->sync_cond);
		pthread_mutex_unlock(&cl->sync_lock);
		cl->pass_ticket = cl->ticket;
	}
}

uint64_t clicklog_flush(struct clicklog *cl)
{
	clicklog_write(cl);
	clicklog_swap(cl);
	uint64_t t = cl->pass_ticket;
	cl->pass_ticket = 0;
	return t;
}

void clicklog_append(struct clicklog *cl, const struct click *c)
{
	if (cl->n == CLICKLOG_BATCH) {
		/* Mid-pass: the ticket stays in pass_ticket for the flush
		 * that ends the pass. */
		clicklog_write(cl);
		clicklog_swap(cl);
	}
	clickrec_encode(c, cl->batch + cl->n * CLICKREC_SIZE);
	cl->n++;
}

int clicklog_offer(struct clicklog *cl, int fd, uint64_t size)
{
	int rc = -1;
	pthread_mutex_lock(&cl->lock);
	if (cl->next_fd < 0) {
		cl->next_fd = fd;
		cl->next_size = size;
		atomic_store_explicit(&cl->pending, 1, memory_order_release);
		rc = 0;
	}
	pthread_mutex_unlock(&cl->lock);
	return rc;
}

unsigned clicklog_take_retired(struct clicklog *cl, int *fds, unsigned max)
{
	pthread_mutex_lock(&cl->lock);
	unsigned n = cl->n_retired < max ? cl->n_retired : max;
	memcpy(fds, cl->retired, n * sizeof *fds);
	memmove(cl->retired, cl->retired + n, (cl->n_retired - n) * sizeof *fds);
	cl->n_retired -= n;
	pthread_mutex_unlock(&cl->lock);
	return n;
}

int clicklog_segment_create(int dfd, const char *node, unsigned worker,
                            const unsigned char store_id[CLICKREC_STORE_ID_SIZE],
                            unsigned period, char *name, size_t namelen)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	gmtime_r(&tv.tv_sec, &tm);
	char stamp[32], tmp[CLICKLOG_NAME_MAX + 8];
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	struct clickrec_header h = {
		.version = CLICKREC_VERSION,
		.record_size = CLICKREC_SIZE,
		.created_us = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec,
		.worker = worker,
		.node_hash = clickrec_node_hash(node, strlen(node)),
		.node_len = (uint8_t)strlen(node),
		.visitor_period = (uint8_t)period,
	};
	memcpy(h.node, node, h.node_len);
	memcpy(h.store_id, store_id, sizeof h.store_id);
	unsigned char hdr[CLICKREC_HEADER_SIZE];
	clickrec_header_encode(&h, hdr);
	/* The name sorts by time within a node; a bumped microsecond field
	 * keeps two rotations in one microsecond apart.  The header goes
	 * into "<name>.tmp" (not a segment name: readers skip it) and link()
	 * puts the file in place whole, failing with EEXIST rather than
	 * replacing anything.  Everything is relative to dfd, the directory
	 * start-up checked (safedir.h): the first segments are made as root,
	 * and a log_dir swapped for a link since would not be followed. */
	for (int tries = 0; tries < 1000; tries++) {
		int n = snprintf(name, namelen, "%s.%s.%06ldZ.w%u%s", node, stamp,
		                 (long)tv.tv_usec + tries, worker, CLICKREC_SUFFIX);
		if (n < 0 || (size_t)n >= namelen || (size_t)n + 5 > sizeof tmp)
			return -ENAMETOOLONG;
		snprintf(tmp, sizeof tmp, "%s.tmp", name);
		int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
		                O_NOFOLLOW, 0640);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0)
			return -errno;
		if (pwrite(fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr) {
			int e = errno ? errno : ENOSPC;
			close(fd);
			unlinkat(dfd, tmp, 0);
			return -e;
		}
		int rc = linkat(dfd, tmp, dfd, name, 0), e = errno;
		unlinkat(dfd, tmp, 0);
		if (rc == 0) {
			/* The new name must survive a power cut with the
			 * records synced into the file. */
			fsync(dfd);
			return fd;
		}
		close(fd);
		if (e != EEXIST)
			return -e;
	}
	return -EEXIST;
}

/* Is st a file repair may touch: a regular file of the daemon's user or
 * of the process, and when root's, with one link?  log_dir may be the
 * user's: whoever ran as it could have left a hard link, a FIFO or another
 * user's file under a segment's name for root to open at the next start. */
static int repair_ours(const struct stat *st, uid_t user)
{
	return S_ISREG(st->st_mode) &&
	       (st->st_uid == user || st->st_uid == geteuid()) &&
	       (st->st_uid != 0 || st->st_nlink == 1);
}

/* Repair one file: returns bytes cut (0: whole, or not ours), or -1. */
static long long repair_file(int dfd, const char *name, uid_t user)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (!repair_ours(&st, user))
		return 0;
	/* Never through a link, never blocking on what was swapped in since,
	 * and the same file that was judged. */
	int fd = openat(dfd, name, O_RDWR | O_NOFOLLOW | O_NONBLOCK |
	                           O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	long long cut = -1;
	dev_t dev = st.st_dev;
	ino_t ino = st.st_ino;
	if (fstat(fd, &st) < 0)
		goto out;
	cut = 0;
	if (st.st_dev != dev || st.st_ino != ino || !repair_ours(&st, user))
		goto out;
	size_t len = (size_t)st.st_size;
	if (len < CLICKREC_HEADER_SIZE)
		goto out;   /* not ours to judge; reach reports it */
	/* Fast path: a whole number of records whose last one verifies. */
	if ((len - CLICKREC_HEADER_SIZE) % CLICKREC_SIZE == 0) {
		if (len == CLICKREC_HEADER_SIZE)
			goto out;
		unsigned char last[CLICKREC_SIZE];
		if (pread(fd, last, sizeof last, (off_t)(len - CLICKREC_SIZE)) ==
		            (ssize_t)sizeof last &&
		    clickrec_verify(last))
			goto out;
	}
	void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		cut = -1;
		goto out;
	}
	struct clickrec_reader r;
	struct click c;
	int rc = CLICKREC_END;
	if (clickrec_reader_init(&r, map, len) == 0)
		while ((rc = clickrec_reader_next(&r, &c)) == CLICKREC_RECORD)
			;
	munmap(map, len);
	if (rc == CLICKREC_TORN && ftruncate(fd, (off_t)r.off) == 0)
		cut = (long long)(len - r.off);
out:
	close(fd);
	return cut;
}

int clicklog_repair(int dfd, const char *node, uid_t user, uint64_t *bytes)
{
	*bytes = 0;
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return -e;
	}
	rewinddir(d);   /* dup shares the offset: start from the top */
	size_t nl = strlen(node), sl = strlen(CLICKREC_SUFFIX);
	int repaired = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len <= nl + sl || strncmp(e->d_name, node, nl) != 0 ||
		    e->d_name[nl] != '.')
			continue;
		if (len > nl + sl + 4 &&
		    strcmp(e->d_name + len - sl - 4, CLICKREC_SUFFIX ".tmp") == 0) {
			/* A crash inside segment_create: no records in it. */
			struct stat st;
			if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    repair_ours(&st, user))
				unlinkat(dfd, e->d_name, 0);
			continue;
		}
		if (strcmp(e->d_name + len - sl, CLICKREC_SUFFIX) != 0)
			continue;
		long long cut = repair_file(dfd, e->d_name, user);
		if (cut > 0) {
			repaired++;
			*bytes += (uint64_t)cut;
		}
	}
	closedir(d);
	return repaired;
}
