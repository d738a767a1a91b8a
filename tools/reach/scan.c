/*
 * scan: reading segments and judging bad records (see scan.h).
 *
 * read(2) into one buffer, not mmap: on this project's VMs, touching a
 * mapped page-cache page costs the hypervisor's page-table work per 4 KiB
 * (reading 2.5 GB mapped took 2.5 s of user time, read(2) 0.2 to 1 s of
 * system time, and the loop then reads records still in the cache); and
 * reading stops where fstat said the file ended, as mapping did.
 */
#include "scan.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clickrec.h"
#include "fdio.h"
#include "out.h"
#include "visitor.h"

/* An error or warning while the progress line may be up: clear it first. */
#define SCAN_ERR(S, ...) do { \
	progress_end(&(S)->prog); \
	out_err(__VA_ARGS__); \
} while (0)

int scan_init(struct scan *S)
{
	S->buf = aligned_alloc(4096, SCAN_BUF);
	return S->buf ? 0 : -1;
}

void scan_free(struct scan *S)
{
	free(S->buf);
}

/*
 * What the record at off, which did not verify, is: clickrec_reader_next
 * decides between a torn tail and corruption, over the file mapped once
 * (this runs once per file, and once per damaged stretch under
 * --skip-damaged).  A record that verifies now was being
 * appended when it was read: the end of a live segment, torn as far as
 * this run goes.  Sets *verdict to CLICKREC_TORN or CLICKREC_CORRUPT and
 * returns 0, or returns -1 after reporting.
 */
static int scan_bad_record(const char *path, int fd, size_t len, size_t off,
                           int *verdict)
{
	struct clickrec_reader r;
	struct click c;
	void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		out_err("%s: mmap: %s", path, strerror(errno));
		return -1;
	}
	int rc = CLICKREC_CORRUPT;
	if (clickrec_reader_init(&r, map, len) == 0) {
		r.off = off;
		rc = clickrec_reader_next(&r, &c);
		if (rc == CLICKREC_RECORD || rc == CLICKREC_END)
			rc = CLICKREC_TORN;
	}
	munmap(map, len);
	*verdict = rc;
	return 0;
}

/* Open path as a segment: a regular file with a header that decodes.
 * Returns the descriptor with *len its size, *period its visitor period
 * and the header read; -2 when
 * the file is gone since the walk (the daemon removes a segment that got
 * no record as it closes it: nothing to count, nothing to say); or -1
 * after reporting.  C->conv gets the header's node and worker. */
static int scan_open(struct scan *S, struct count *C, const char *path,
                     size_t *len, unsigned *period)
{
	struct stat st;
	struct clickrec_header hdr;
	/* O_NONBLOCK: a FIFO swapped in after the walk must not hang us. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return -2;   /* removed since the walk: it held no record */
	if (fd < 0 || fstat(fd, &st) < 0) {
		SCAN_ERR(S, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		SCAN_ERR(S, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_size == 0) {
		SCAN_ERR(S, "%s: not a click-log segment (empty file)", path);
		goto fail;
	}
	if (st.st_size < CLICKREC_HEADER_SIZE) {
		SCAN_ERR(S, "%s: not a click-log segment (shorter than the header)",
		         path);
		goto fail;
	}
	if ((uintmax_t)st.st_size > SIZE_MAX) {
		SCAN_ERR(S, "%s: too large to map", path);
		goto fail;
	}
	/* The size is taken once: a segment the daemon is appending to ends
	 * where it ended at fstat, at worst in a torn record (warned about). */
	*len = (size_t)st.st_size;
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	ssize_t got = fdio_read_full(fd, S->buf, CLICKREC_HEADER_SIZE);
	if (got < 0) {
		SCAN_ERR(S, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (clickrec_header_decode(S->buf, (size_t)got, &hdr) < 0) {
		SCAN_ERR(S, "%s: not a click-log segment (bad header)", path);
		goto fail;
	}
	/* Its records' click ids are made of these (clickid.h). */
	if (C->conv) {
		C->conv->node = hdr.node_hash;
		C->conv->worker = hdr.worker;
	}
	/* An unknown period is read as the shortest, a day (visitor.h). */
	*period = hdr.visitor_period < VISITOR_PERIOD_COUNT ?
	          hdr.visitor_period : VISITOR_PERIOD_DAY;
	if (S->check) {
		char msg[1024];
		int rc = storecheck_segment(S->check, path, &hdr, msg, sizeof msg);
		if (rc != STORECHECK_OK)
			SCAN_ERR(S, "%s", msg);
		if (rc == STORECHECK_REFUSED)
			goto fail;
	}
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

/* A record that does not verify and is not all zero: damage whatever
 * follows.  A zero record may begin a torn tail (clickrec.h): judged
 * again by scan_bad_record. */
static int scan_garbled(const unsigned char *p)
{
	static const unsigned char zero[CLICKREC_SIZE];
	return !clickrec_verify(p) && memcmp(p, zero, CLICKREC_SIZE) != 0;
}

/*
 * Count the n records of S->buf, the file's bytes from *off, moving *off
 * past what was counted.  Stops at a record that does not verify and
 * judges it into *rc (TORN or CORRUPT); under --skip-damaged a corrupt
 * record and the garbled ones right after it (in this buffer; the next
 * buffer's are judged again and extend the same run) are put in the
 * account and counting goes on after them.  Only this, once per buffer
 * and per damaged stretch, is added to the reading: count_records, the
 * loop over every record, is as it was.  Returns 0, -1 after reporting,
 * or -2 out of memory.
 */
static int scan_buffer(struct scan *S, struct count *C, const char *path,
                       int fd, size_t len, size_t n, size_t *off, int *rc)
{
	size_t i = 0;
	while (i < n) {
		size_t k = count_records(C, S->buf + i * CLICKREC_SIZE, n - i);
		if (k == (size_t)-1)
			return -2;
		i += k;
		*off += k * CLICKREC_SIZE;
		if (i == n)
			break;
		if (scan_bad_record(path, fd, len, *off, rc) < 0)
			return -1;
		if (*rc != CLICKREC_CORRUPT || !S->damage)
			break;
		size_t j = i + 1;
		while (j < n && scan_garbled(S->buf + j * CLICKREC_SIZE))
			j++;
		if (damage_add(S->damage, path, *off, j - i) < 0)
			return -2;
		*off += (j - i) * CLICKREC_SIZE;
		i = j;
		*rc = CLICKREC_END;
	}
	return 0;
}

/* Read and count one file.  Returns 0, or -1 after reporting an error. */
static int scan_file(struct scan *S, struct count *C, const char *path)
{
	int ret = -1, rc = CLICKREC_END;
	size_t len, off = CLICKREC_HEADER_SIZE;
	uint64_t skipped = S->damage ? S->damage->records : 0;
	uint64_t before = C->records;
	unsigned period;
	int fd = scan_open(S, C, path, &len, &period);
	if (fd < 0)
		return fd == -2 ? 0 : -1;
	while (off < len && rc == CLICKREC_END) {
		size_t want = len - off < SCAN_BUF ? len - off : SCAN_BUF;
		ssize_t got = fdio_read_full(fd, S->buf, want);
		if (got < 0) {
			SCAN_ERR(S, "%s: %s", path, strerror(errno));
			goto cleanup;
		}
		if ((size_t)got < want)
			len = off + (size_t)got;    /* cut short since fstat */
		size_t n = (size_t)got / CLICKREC_SIZE;
		int brc = scan_buffer(S, C, path, fd, len, n, &off, &rc);
		if (brc == -2)
			goto oom;
		if (brc < 0)
			goto cleanup;
		progress_update(&S->prog, S->prog_done + off, S->prog_file);
		if (rc == CLICKREC_END && (size_t)got % CLICKREC_SIZE)
			rc = CLICKREC_TORN;         /* a partial last record */
	}
	if (count_settle_all(C) < 0)
		goto oom;
	if (rc == CLICKREC_CORRUPT) {
		SCAN_ERR(S, "%s: corrupt record at offset %zu", path, off);
		goto cleanup;
	}
	/* The whole records read, but for those skipped. */
	uint64_t whole = (off - CLICKREC_HEADER_SIZE) / CLICKREC_SIZE -
	                 (S->damage ? S->damage->records - skipped : 0);
	if (rc == CLICKREC_TORN)
		SCAN_ERR(S, "warning: %s: torn record at offset %zu (interrupted "
		         "write); counted the %" PRIu64 " whole records before it",
		         path, off, whole);
	S->read += whole;
	S->segments++;
	/* The segment's visitor key matters only if it gave a record. */
	if (C->records > before)
		C->periods |= 1u << period;
	ret = 0;
	goto cleanup;
oom:
	SCAN_ERR(S, "%s: out of memory", path);
cleanup:
	close(fd);
	return ret;
}

int scan_files(struct scan *S, struct count *C, const struct files *F)
{
	uint64_t total = 0;
	size_t nf = 0;
	int errors = 0;
	for (size_t i = 0; i < F->n; i++)
		if (!F->v[i].dup) {
			total += F->v[i].size;
			nf++;
		}
	progress_init(&S->prog, total, nf);
	for (size_t i = 0; i < F->n; i++)
		if (!F->v[i].dup) {
			S->prog_file++;
			if (scan_file(S, C, F->v[i].path) < 0)
				errors++;
			S->prog_done += F->v[i].size;
		}
	progress_end(&S->prog);
	return errors;
}
