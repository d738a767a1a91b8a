/* privdir: a directory of our own for LMDB files.  See privdir.h. */
#include "privdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* What LMDB opens in an environment's directory. */
static const char *const lmdb_files[] = { "data.mdb", "lock.mdb" };

static int privdir_check(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return errno;
	if (st.st_uid != geteuid() && st.st_uid != 0)
		return PRIVDIR_OWNER;
	/* Sticky or not: another user who may write here may plant a name
	 * before LMDB creates it. */
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return PRIVDIR_WRITABLE;
	for (size_t i = 0; i < sizeof lmdb_files / sizeof *lmdb_files; i++) {
		if (fstatat(fd, lmdb_files[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			return errno;
		}
		if (!S_ISREG(st.st_mode))
			return PRIVDIR_ENTRY;
	}
	return 0;
}

int privdir_open(const char *dir, int create, mode_t mode, int *fd)
{
	*fd = -1;
	if (create && mkdir(dir, mode) < 0 && errno != EEXIST)
		return errno;
	int d = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0) {
		/* O_NOFOLLOW on a link to a directory: ELOOP or, with
		 * O_DIRECTORY, ENOTDIR; lstat says which it was. */
		int e = errno;
		struct stat st;
		if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode))
			return PRIVDIR_LINK;
		return e;
	}
	int rc = privdir_check(d);
	if (rc) {
		close(d);
		return rc;
	}
	*fd = d;
	return 0;
}

void privdir_path(int fd, char out[PRIVDIR_PATH_MAX])
{
	snprintf(out, PRIVDIR_PATH_MAX, "/proc/self/fd/%d", fd);
}

const char *privdir_strerror(int rc)
{
	switch (rc) {
	case PRIVDIR_LINK:
		return "a symbolic link: refused (name the directory itself)";
	case PRIVDIR_OWNER:
		return "owned by another user: refused (they could plant links "
		       "in it)";
	case PRIVDIR_WRITABLE:
		return "group or others may write it: refused (they could plant "
		       "links in it)";
	case PRIVDIR_ENTRY:
		return "data.mdb or lock.mdb in it is not a regular file "
		       "(a link?): refused";
	default:
		return NULL;
	}
}
