/* segwalk: the segment files under the paths the reach commands are given,
 * and one opened for its records (see segwalk.h). */
#include "segwalk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "clickrec.h"
#include "out.h"

static int segwalk_has_suffix(const char *name)
{
	size_t n = strlen(name), s = strlen(CLICKREC_SUFFIX);
	return n >= s && memcmp(name + n - s, CLICKREC_SUFFIX, s) == 0;
}

static int segwalk_skip_dots(const struct dirent *e)
{
	return strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
}

/* Returns > 0 when fn stopped the walk; adds errors to *errors. */
static int segwalk_dir(const char *dir, segwalk_fn fn, void *ctx, int *errors)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, segwalk_skip_dots, alphasort);
	if (n < 0) {
		out_err("%s: %s", dir, strerror(errno));
		(*errors)++;
		return 0;
	}
	size_t dlen = strlen(dir);
	int slash = dlen > 0 && dir[dlen - 1] == '/';
	int stop = 0;
	for (int i = 0; i < n && !stop; i++) {
		const char *name = ents[i]->d_name;
		size_t plen = dlen + 1 + strlen(name) + 1;
		char *path = malloc(plen);
		struct stat st;
		if (!path) {
			out_err("out of memory");
			(*errors)++;
			continue;
		}
		snprintf(path, plen, "%s%s%s", dir, slash ? "" : "/", name);
		if (lstat(path, &st) < 0) {
			/* Gone since the listing: the daemon removes a
			 * segment that got no record when it closes it. */
			if (errno != ENOENT) {
				out_err("%s: %s", path, strerror(errno));
				(*errors)++;
			}
		} else if (S_ISDIR(st.st_mode)) {
			stop = segwalk_dir(path, fn, ctx, errors);
		} else if (segwalk_has_suffix(name)) {
			if (S_ISLNK(st.st_mode) && stat(path, &st) < 0) {
				out_err("%s: %s", path, strerror(errno));
				(*errors)++;
			} else if (S_ISREG(st.st_mode)) {
				int rc = fn(ctx, path, &st);
				if (rc < 0)
					(*errors)++;
				stop = rc > 0;
			}
		}
		free(path);
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return stop;
}

int segwalk(const char *path, segwalk_fn fn, void *ctx, int *stopped)
{
	struct stat st;
	int errors = 0, stop = 0;
	if (stat(path, &st) < 0) {
		out_err("%s: %s", path, strerror(errno));
		errors++;
	} else if (S_ISDIR(st.st_mode)) {
		stop = segwalk_dir(path, fn, ctx, &errors);
	} else if (!S_ISREG(st.st_mode)) {
		out_err("%s: not a regular file or directory", path);
		errors++;
	} else {
		int rc = fn(ctx, path, &st);
		if (rc < 0)
			errors++;
		stop = rc > 0;
	}
	if (stopped)
		*stopped = stop;
	return errors;
}

int segwalk_open(const char *path, struct segmap *m)
{
	struct stat st;
	m->map = MAP_FAILED;
	m->len = 0;
	/* O_NONBLOCK: a FIFO named like a segment must not hang the run. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return 1;   /* removed since the walk: it held no record */
	if (fd < 0 || fstat(fd, &st) < 0) {
		out_err("%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < CLICKREC_HEADER_SIZE) {
		out_err("%s: not a click-log segment", path);
		goto fail;
	}
	m->len = (size_t)st.st_size;
	m->map = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m->map == MAP_FAILED) {
		out_err("%s: mmap: %s", path, strerror(errno));
		goto fail;
	}
	close(fd);
	if (clickrec_reader_init(&m->r, m->map, m->len) < 0) {
		out_err("%s: not a click-log segment (bad header)", path);
		segwalk_close(m);
		return -1;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

void segwalk_close(struct segmap *m)
{
	if (m->map != MAP_FAILED)
		munmap(m->map, m->len);
	m->map = MAP_FAILED;
}

int segwalk_next(struct segmap *m, struct click *c, const char *path,
                 struct damage *D)
{
	int rc;
	while ((rc = clickrec_reader_next(&m->r, c)) == CLICKREC_CORRUPT && D) {
		/* A corrupt record has data after it (clickrec.h): step over
		 * it and let the reader judge what follows afresh. */
		if (damage_add(D, path, m->r.off, 1) < 0)
			return -3;
		m->r.off += CLICKREC_SIZE;
		m->r.state = 0;
	}
	return rc;
}
