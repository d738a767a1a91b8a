/* safedir: opening a directory as root through trusted links only.  See
 * safedir.h. */
#include "safedir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* As the kernel's own limit on links followed in one lookup. */
#define SAFEDIR_LINKS_MAX 40

struct walk {
	int fd;                 /* the directory reached so far */
	int links;              /* symbolic links followed */
	char where[PATH_MAX];   /* its path, as walked: for messages */
	char *why;
	size_t cap;
};

int safedir_untrusted(uid_t owner, mode_t mode)
{
	return owner != 0 || (mode & (S_IWGRP | S_IWOTH));
}

static void walk_where(struct walk *w, const char *comp)
{
	size_t n = strlen(w->where);
	snprintf(w->where + n, sizeof w->where - n, "%s%s",
	         n && w->where[n - 1] != '/' ? "/" : "", comp);
}

static int walk_path(struct walk *w, const char *path, int create,
                     mode_t mode);

/* comp, a symbolic link in w's directory (openat said ELOOP or ENOTDIR):
 * followed if only root could have made it. */
static int walk_link(struct walk *w, const char *comp, int create,
                     mode_t mode)
{
	struct stat dir;
	if (fstat(w->fd, &dir) < 0)
		return -errno;
	char at[PATH_MAX];
	snprintf(at, sizeof at, "%s", w->where);
	walk_where(w, comp);
	if (safedir_untrusted(dir.st_uid, dir.st_mode)) {
		snprintf(w->why, w->cap, "%s is a symbolic link in %s (owner "
		         "uid %u, mode %04o), which someone other than root can "
		         "write: refusing to follow it as root, it may have been "
		         "planted there; make it a real directory, or name the "
		         "link's target instead", w->where, *at ? at : ".",
		         (unsigned)dir.st_uid, (unsigned)(dir.st_mode & 07777));
		return -ELOOP;
	}
	if (++w->links > SAFEDIR_LINKS_MAX) {
		snprintf(w->why, w->cap, "%s: too many symbolic links", w->where);
		return -ELOOP;
	}
	char target[PATH_MAX];
	ssize_t n = readlinkat(w->fd, comp, target, sizeof target - 1);
	if (n < 0) {
		int e = errno;
		snprintf(w->why, w->cap, "%s: %s", w->where, strerror(e));
		return -e;
	}
	target[n] = '\0';
	/* The walk goes on from the link's directory: drop comp again. */
	snprintf(w->where, sizeof w->where, "%s", at);
	return walk_path(w, target, create, mode);
}

/* One component of the path, from w's directory. */
static int walk_step(struct walk *w, const char *comp, int create,
                     mode_t mode)
{
	int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(w->fd, comp, flags);
	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(w->fd, comp, mode) < 0 && errno != EEXIST) {
			int e = errno;
			walk_where(w, comp);
			snprintf(w->why, w->cap, "cannot create %s: %s", w->where,
			         strerror(e));
			return -e;
		}
		fd = openat(w->fd, comp, flags);
	}
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR)) {
		struct stat st;
		if (fstatat(w->fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			return walk_link(w, comp, create, mode);
		walk_where(w, comp);
		snprintf(w->why, w->cap, "%s is not a directory", w->where);
		return -ENOTDIR;
	}
	walk_where(w, comp);
	if (fd < 0) {
		int e = errno;
		snprintf(w->why, w->cap, "cannot open %s: %s", w->where,
		         strerror(e));
		return -e;
	}
	close(w->fd);
	w->fd = fd;
	return 0;
}

static int walk_path(struct walk *w, const char *path, int create,
                     mode_t mode)
{
	if (*path == '/') {
		int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		close(w->fd);
		w->fd = fd;
		snprintf(w->where, sizeof w->where, "/");
	}
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (len == 0)
			break;
		char comp[NAME_MAX + 1];
		if (len > NAME_MAX) {
			snprintf(w->why, w->cap, "a name in it is too long");
			return -ENAMETOOLONG;
		}
		memcpy(comp, p, len);
		comp[len] = '\0';
		p += len;
		/* Only the last component of the whole path is created. */
		int last = p[strspn(p, "/")] == '\0';
		if (strcmp(comp, ".") == 0)
			continue;
		int rc = walk_step(w, comp, create && last, mode);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int safedir_open(const char *path, mode_t mode, char *why, size_t cap)
{
	snprintf(why, cap, "%s", "");
	if (!*path) {
		snprintf(why, cap, "an empty path");
		return -ENOENT;
	}
	if (geteuid() != 0) {
		if (mkdir(path, mode) < 0 && errno != EEXIST) {
			int e = errno;
			snprintf(why, cap, "cannot create it: %s", strerror(e));
			return -e;
		}
		int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			int e = errno;
			snprintf(why, cap, "cannot open it: %s", strerror(e));
			return -e;
		}
		return fd;
	}
	struct walk w = { .why = why, .cap = cap };
	w.fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w.fd < 0) {
		int e = errno;
		snprintf(why, cap, "cannot open the working directory: %s",
		         strerror(e));
		return -e;
	}
	int rc = walk_path(&w, path, 1, mode);
	if (rc < 0) {
		close(w.fd);
		return rc;
	}
	return w.fd;
}

int safedir_file_check(const char *dir, const char *name, char *why,
                       size_t cap)
{
	if (geteuid() != 0)
		return 0;
	char path[PATH_MAX + NAME_MAX + 2];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	struct stat st;
	if (lstat(path, &st) < 0)
		return 0;   /* missing, or unreachable: the open will say */
	if (S_ISLNK(st.st_mode)) {
		snprintf(why, cap, "%s is a symbolic link: refusing to open it "
		         "read-write as root", path);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (st.st_uid == 0 && st.st_nlink != 1)) {
		snprintf(why, cap, "%s is not a regular file of its own (%s): "
		         "refusing to open it read-write as root", path,
		         S_ISREG(st.st_mode) ? "root's, with more than one link"
		                             : "another kind of file");
		return -1;
	}
	return 0;
}
