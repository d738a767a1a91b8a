/* salt: a salt file per key period.  See salt.h. */
#include "salt.h"
#include "fdio.h"
#include "safedir.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PREFIX "visitor-salt."

static void period_name(unsigned period, int64_t index, char *out,
                        size_t cap)
{
	char label[32];
	visitor_period_label(period, index, label, sizeof label);
	snprintf(out, cap, PREFIX "%s", label);
}

/* Create the file with a fresh salt: written to a temporary name, synced,
 * then renamed, so a crash never leaves a short salt file behind. */
static int salt_create(int dfd, const char *name,
                       unsigned char salt[VISITOR_SALT_LEN])
{
	char tmp[128];
	snprintf(tmp, sizeof tmp, ".%s.tmp", name);
	int rc = visitor_salt_new(salt);
	if (rc < 0)
		return rc;
	/* A fresh file, never one found under that name: state_dir may be the
	 * daemon user's (privs.c), and whoever ran as it could have left a
	 * link there for root to write through at the next start. */
	unlinkat(dfd, tmp, 0);
	int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	                          O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, salt, VISITOR_SALT_LEN) != VISITOR_SALT_LEN ||
	    fsync(fd) < 0) {
		rc = errno ? -errno : -EIO;
		close(fd);
		unlinkat(dfd, tmp, 0);
		return rc;
	}
	close(fd);
	if (renameat(dfd, tmp, dfd, name) < 0) {
		rc = -errno;
		unlinkat(dfd, tmp, 0);
		return rc;
	}
	fsync(dfd);
	return 0;
}

/* s[0..len) against a pattern: '9' a digit, any other byte itself. */
static int matches(const char *s, size_t len, const char *pattern)
{
	if (len != strlen(pattern))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (pattern[i] == '9' ? !isdigit((unsigned char)s[i])
		                      : s[i] != pattern[i])
			return 0;
	return 1;
}

/* A period's name as period_name writes it, and nothing more: a day
 * "YYYY-MM-DD", an ISO week "YYYY-Www", a month "YYYY-MM". */
static int is_period(const char *s, size_t len)
{
	return matches(s, len, "9999-99-99") || matches(s, len, "9999-W99") ||
	       matches(s, len, "9999-99");
}

int salt_file_ours(const char *name)
{
	size_t pl = sizeof PREFIX - 1, tl = sizeof ".tmp" - 1;
	if (*name == '.') {
		/* salt_create's temporary: .visitor-salt.<period>.tmp */
		size_t len = strlen(++name);
		return len > tl && !strncmp(name, PREFIX, pl) &&
		       !strcmp(name + len - tl, ".tmp") &&
		       is_period(name + pl, len - pl - tl);
	}
	return !strncmp(name, PREFIX, pl) &&
	       is_period(name + pl, strlen(name + pl));
}

/* Delete every salt file but the current one, of whatever period (the
 * one before a restart with another visitor_period too).  state_dir may be shared, or
 * the daemon user's: only files under the names we make, regular files,
 * and ours (root's, ours now, or the directory owner's: the user's after
 * the drop) go. */
static void salt_forget(int dfd, const char *current)
{
	struct stat dir;
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d || fstat(dfd, &dir) < 0) {
		if (d)
			closedir(d);
		else if (fd >= 0)
			close(fd);
		return;
	}
	rewinddir(d);   /* dup shares the offset: start from the top */
	struct dirent *e;
	while ((e = readdir(d))) {
		struct stat st;
		if (!salt_file_ours(e->d_name) || strcmp(e->d_name, current) == 0 ||
		    fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) ||
		    (st.st_uid != 0 && st.st_uid != geteuid() &&
		     st.st_uid != dir.st_uid))
			continue;
		unlinkat(dfd, e->d_name, 0);
	}
	closedir(d);
}

int salt_load(const char *state_dir, unsigned period, int64_t index,
              unsigned char salt[VISITOR_SALT_LEN])
{
	char name[64];
	period_name(period, index, name, sizeof name);
	char why[256];
	int dfd = safedir_open(state_dir, 0700, why, sizeof why);
	if (dfd < 0)
		return dfd;
	int rc = 0;
	/* O_NONBLOCK: a FIFO planted under the salt's name must not hang
	 * the start-up; it is no regular file, so it is replaced. */
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	                O_NONBLOCK);
	if (fd >= 0) {
		struct stat st;
		/* A salt anyone else can read is no secret: replace it. */
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		    st.st_size != VISITOR_SALT_LEN || (st.st_mode & 077) ||
		    fdio_read_full(fd, salt, VISITOR_SALT_LEN) !=
		    VISITOR_SALT_LEN)
			rc = 1;
		close(fd);
	} else if (errno == ENOENT) {
		rc = 1;
	} else {
		rc = -errno;
	}
	if (rc == 1)
		rc = salt_create(dfd, name, salt);
	if (rc == 0)
		salt_forget(dfd, name);
	close(dfd);
	return rc;
}
