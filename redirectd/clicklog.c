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

void clicklog_init(struct clicklog *cl)
{
	memset(cl, 0, offsetof(struct clicklog, batch));
	cl->fd = -1;
	cl->n = 0;
	cl->written = cl->dropped = cl->write_errors = 0;
	cl->last_errno = 0;
	atomic_init(&cl->pending, 0);
	pthread_mutex_init(&cl->lock, NULL);
	cl->next_fd = -1;
	cl->next_size = 0;
	cl->n_retired = 0;
}

void clicklog_deinit(struct clicklog *cl)
{
	pthread_mutex_destroy(&cl->lock);
}

/* Swap to the segment waiting in the mailbox, if any. */
static void clicklog_swap(struct clicklog *cl)
{
	if (!atomic_load_explicit(&cl->pending, memory_order_acquire))
		return;
	pthread_mutex_lock(&cl->lock);
	if (cl->next_fd >= 0) {
		if (cl->fd >= 0 && cl->n_retired < CLICKLOG_RETIRED_MAX)
			cl->retired[cl->n_retired++] = cl->fd;
		else if (cl->fd >= 0)
			close(cl->fd);   /* main is far behind; data is written */
		cl->fd = cl->next_fd;
		cl->size = cl->next_size;
		cl->next_fd = -1;
	}
	atomic_store_explicit(&cl->pending, 0, memory_order_release);
	pthread_mutex_unlock(&cl->lock);
}

void clicklog_flush(struct clicklog *cl)
{
	size_t len = cl->n * CLICKREC_SIZE, done = 0;
	if (cl->fd < 0) {
		cl->dropped += cl->n;
		cl->n = 0;
		clicklog_swap(cl);
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
		cl->last_errno = w < 0 ? errno : ENOSPC;
		cl->write_errors++;
		break;
	}
	if (done < len) {
		/* Keep the file whole records only: cut back a partial one so
		 * the next append (when space returns) continues a valid file. */
		size_t whole = done - done % CLICKREC_SIZE;
		if (whole != done && ftruncate(cl->fd, (off_t)(cl->size + whole)) < 0)
			cl->write_errors++;
		cl->dropped += (len - whole) / CLICKREC_SIZE;
		done = whole;
	} else if (len) {
		cl->last_errno = 0;
	}
	cl->size += done;
	cl->written += done / CLICKREC_SIZE;
	cl->n = 0;
	clicklog_swap(cl);
}

void clicklog_append(struct clicklog *cl, const struct click *c)
{
	if (cl->n == CLICKLOG_BATCH)
		clicklog_flush(cl);
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

int clicklog_segment_create(const char *log_dir, const char *node,
                            unsigned worker, char *path, size_t pathlen)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	gmtime_r(&tv.tv_sec, &tm);
	char stamp[32];
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	int fd = -1;
	/* The name sorts by time within a node; O_EXCL plus a bumped
	 * microsecond field keeps two rotations in one microsecond apart. */
	for (int tries = 0; tries < 1000 && fd < 0; tries++) {
		snprintf(path, pathlen, "%s/%s.%s.%06ldZ.w%u%s", log_dir, node,
		         stamp, (long)tv.tv_usec + tries, worker, CLICKREC_SUFFIX);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
		if (fd < 0 && errno != EEXIST)
			return -errno;
	}
	if (fd < 0)
		return -EEXIST;
	struct clickrec_header h = {
		.version = CLICKREC_VERSION,
		.record_size = CLICKREC_SIZE,
		.created_us = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec,
		.worker = worker,
		.node_hash = clickrec_node_hash(node, strlen(node)),
		.node_len = (uint8_t)strlen(node),
	};
	memcpy(h.node, node, h.node_len);
	unsigned char hdr[CLICKREC_HEADER_SIZE];
	clickrec_header_encode(&h, hdr);
	if (pwrite(fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr) {
		int e = errno ? errno : ENOSPC;
		close(fd);
		unlink(path);
		return -e;
	}
	return fd;
}

/* Repair one file: returns bytes cut (0: whole), or -1. */
static long long repair_file(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	long long cut = -1;
	if (fstat(fd, &st) < 0)
		goto out;
	size_t len = (size_t)st.st_size;
	cut = 0;
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

int clicklog_repair(const char *log_dir, const char *node, uint64_t *bytes)
{
	*bytes = 0;
	DIR *d = opendir(log_dir);
	if (!d)
		return -errno;
	size_t nl = strlen(node), sl = strlen(CLICKREC_SUFFIX);
	int repaired = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len <= nl + sl || strncmp(e->d_name, node, nl) != 0 ||
		    e->d_name[nl] != '.' ||
		    strcmp(e->d_name + len - sl, CLICKREC_SUFFIX) != 0)
			continue;
		long long cut = repair_file(dirfd(d), e->d_name);
		if (cut > 0) {
			repaired++;
			*bytes += (uint64_t)cut;
		}
	}
	closedir(d);
	return repaired;
}
