/*
 * wholefile: a temporary file renamed over its destination (see
 * wholefile.h).
 */
#include "wholefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void wholefile_free(struct wholefile *w)
{
	free(w->tmp);
	free(w->path);
	w->tmp = w->path = NULL;
	w->f = NULL;
}

int wholefile_open(struct wholefile *w, const char *path, mode_t mode)
{
	w->f = NULL;
	w->path = strdup(path);
	size_t len = strlen(path) + sizeof ".tmpXXXXXX";
	w->tmp = malloc(len);
	if (!w->path || !w->tmp) {
		wholefile_free(w);
		return -ENOMEM;
	}
	snprintf(w->tmp, len, "%s.tmpXXXXXX", path);
	int fd = mkostemp(w->tmp, O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		wholefile_free(w);
		return -e;
	}
	/* mkstemp makes 0600; the file should look like any other the
	 * program writes. */
	mode_t um = umask(0);
	umask(um);
	if (fchmod(fd, mode & ~um) < 0 || !(w->f = fdopen(fd, "w"))) {
		int e = errno;
		close(fd);
		unlink(w->tmp);
		wholefile_free(w);
		return -e;
	}
	return 0;
}

void wholefile_sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096] = ".";
	if (slash) {
		size_t n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof dir)
			return;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);     /* best effort: some filesystems refuse it */
		close(dfd);
	}
}

int wholefile_commit(struct wholefile *w)
{
	int e = 0;
	if (fflush(w->f) != 0 || ferror(w->f))
		e = errno ? errno : EIO;
	else if (fsync(fileno(w->f)) < 0)
		e = errno;
	if (fclose(w->f) != 0 && !e)
		e = errno;
	w->f = NULL;
	if (!e && rename(w->tmp, w->path) < 0)
		e = errno;
	if (e)
		unlink(w->tmp);
	else
		wholefile_sync_dir(w->path);
	wholefile_free(w);
	return -e;
}

void wholefile_abort(struct wholefile *w)
{
	if (w->f) {
		fclose(w->f);
		unlink(w->tmp);
	}
	wholefile_free(w);
}

int wholefile_write(const char *path, const void *buf, size_t len,
                    mode_t mode)
{
	struct wholefile w;
	int rc = wholefile_open(&w, path, mode);
	if (rc < 0)
		return rc;
	if (len && fwrite(buf, 1, len, w.f) != len) {
		rc = errno ? -errno : -EIO;
		wholefile_abort(&w);
		return rc;
	}
	return wholefile_commit(&w);
}
