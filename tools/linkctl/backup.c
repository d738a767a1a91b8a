/*
 * backup: linkctl backup DEST and linkctl verify.
 *
 * backup copies the store with LMDB's compacting copy (mdb_env_copyfd2,
 * MDB_CP_COMPACT), which reads it in ONE read transaction: the daemon and
 * linkctl's writers go on meanwhile, and the copy is the store as it was
 * when that transaction began.  The copy is made whole or not at all: into
 * a hidden temporary directory beside DEST (".BASE.partial.PID"), its
 * data.mdb created O_EXCL|O_NOFOLLOW (a link planted there is not
 * followed) and the copy opened by the directory's descriptor to count it
 * (privdir.h), fsynced with its directory, then renamed to DEST and the
 * parent fsynced.  A backup killed on the way leaves only that temporary;
 * the next backup into the same directory removes those of dead runs.
 *
 * verify prints verify.c's findings.  Both only read the store.
 */
#include "args.h"
#include "commands.h"
#include "msg.h"
#include "out.h"
#include "privdir.h"
#include "store.h"
#include "txn.h"
#include "verify.h"
#include "wholefile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Problems verify prints before it only counts them. */
#define SHOWN_MAX 20

static const char PARTIAL[] = ".partial.";

/* DEST may not exist, or be an empty directory (made ready for it). */
static int dest_free(const char *dest)
{
	struct stat st;
	if (lstat(dest, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		out_err("backup: %s: %s", dest, strerror(errno));
		return EXIT_REFUSED;
	}
	if (!S_ISDIR(st.st_mode)) {
		out_err("backup: %s exists and is not a directory: "
		        "refused (DEST must not exist, or be empty)", dest);
		return EXIT_REFUSED;
	}
	DIR *d = opendir(dest);
	if (!d) {
		out_err("backup: %s: %s", dest, strerror(errno));
		return EXIT_REFUSED;
	}
	struct dirent *e;
	int empty = 1;
	while (empty && (e = readdir(d)))
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	if (!empty) {
		out_err("backup: %s exists and is not empty: refused "
		        "(DEST must not exist, or be empty)", dest);
		return EXIT_REFUSED;
	}
	return 0;
}

/* The directory of path ("." for a bare name) and its last component. */
static int split(const char *path, char *dir, size_t cap, const char **base)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;   /* "backup/db.1/" names db.1 */
	size_t b = n;
	while (b && path[b - 1] != '/')
		b--;
	*base = path + b;
	int w = b == 0 ? snprintf(dir, cap, ".")
	               : snprintf(dir, cap, "%.*s", (int)(b > 1 ? b - 1 : 1), path);
	return w < 0 || (size_t)w >= cap || b == n ? -1 : (int)(n - b);
}

/* Remove a temporary directory's files (LMDB's two) and itself; a link
 * or anything else by its name is left alone.  0 when it is gone. */
static int partial_remove(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	                O_CLOEXEC);
	if (fd >= 0) {
		unlinkat(fd, "data.mdb", 0);
		unlinkat(fd, "lock.mdb", 0);
		close(fd);
	}
	return unlinkat(parent, name, AT_REMOVEDIR);
}

/* The temporaries of backups that died (their process is gone). */
static void partial_sweep(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *p = e->d_name[0] == '.' ? strstr(e->d_name, PARTIAL)
		                                    : NULL;
		if (!p)
			continue;
		char *end;
		long pid = strtol(p + sizeof PARTIAL - 1, &end, 10);
		if (*end || pid <= 0 || pid == getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (partial_remove(dirfd(d), e->d_name) < 0)
			continue;   /* a link, or not a temporary of ours */
		out_err("backup: removed %s/%s, left by a backup that did not "
		        "finish", dir, msg_shows(e->d_name));
	}
	closedir(d);
}

/* What the copy holds, from its own store. */
struct counts {
	off_t bytes;
	size_t links, staff, campaigns;
};

static int copy_counts(const char *tmp, struct counts *c)
{
	struct store s;
	MDB_txn *txn;
	MDB_stat st;
	int rc = store_open(&s, tmp, STORE_RDONLY);
	if (rc)
		return rc;
	if (!(rc = mdb_txn_begin(s.env, NULL, MDB_RDONLY, &txn))) {
		if (!(rc = mdb_stat(txn, s.links, &st)))
			c->links = st.ms_entries;
		if (!rc && !(rc = mdb_stat(txn, s.staff, &st)))
			c->staff = st.ms_entries;
		if (!rc && !(rc = mdb_stat(txn, s.campaigns, &st)))
			c->campaigns = st.ms_entries;
		mdb_txn_abort(txn);
	}
	store_close(&s);
	return rc;
}

/* Copy the open store into a new directory tmp (inside parent): data.mdb
 * only, fsynced with tmp.  Returns 0 or EXIT_REFUSED (reported). */
static int copy_into(struct store *s, const char *tmp, struct counts *c)
{
	if (mkdir(tmp, 0750) < 0) {
		out_err("backup: mkdir %s: %s", tmp, strerror(errno));
		return EXIT_REFUSED;
	}
	int dfd, fd = -1;
	int rc = privdir_open(tmp, 0, 0, &dfd);
	const char *op = "open";
	if (!rc) {
		fd = openat(dfd, "data.mdb", O_WRONLY | O_CREAT | O_EXCL |
		            O_NOFOLLOW | O_CLOEXEC, 0640);
		rc = fd < 0 ? errno
		            : mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
		op = fd < 0 ? "create data.mdb" : "mdb_env_copyfd2";
	}
	struct stat st;
	if (!rc && (fsync(fd) < 0 || fstat(fd, &st) < 0)) {
		rc = errno;
		op = "fsync";
	}
	if (fd >= 0 && close(fd) < 0 && !rc) {
		rc = errno;
		op = "close";
	}
	if (!rc) {
		c->bytes = st.st_size;
		op = "the copy";
		/* By the descriptor: LMDB makes lock.mdb in the directory
		 * we made, even if another was renamed into its place. */
		char path[PRIVDIR_PATH_MAX];
		privdir_path(dfd, path);
		rc = copy_counts(path, c);
		/* The count's open made a lock file; the copy is data.mdb. */
		unlinkat(dfd, "lock.mdb", 0);
	}
	if (!rc && fsync(dfd) < 0) {
		rc = errno;
		op = "fsync";
	}
	if (dfd >= 0)
		close(dfd);
	if (rc) {
		const char *why = privdir_strerror(rc);
		out_err("backup: %s into %s: %s", op, tmp,
		        why ? why : mdb_strerror(rc));
		return EXIT_REFUSED;
	}
	return 0;
}

static double seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int backup_main(int argc, char **argv)
{
	struct args a;
	int rc = args_parse(argc, argv, "backup", args_shared_only, NULL, &a);
	if (rc != ARGS_RUN)
		return rc;
	if (a.npos != 1)
		return msg_usage_error("backup: expected DEST, the copy's "
		                       "directory");
	const char *dest = a.pos[0], *base;
	char dir[PATH_MAX], tmp[PATH_MAX];
	int blen = split(dest, dir, sizeof dir, &base);
	int n = blen < 0 ? -1 : snprintf(tmp, sizeof tmp, "%s/.%.*s%s%ld", dir,
	                                 blen, base, PARTIAL, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof tmp)
		return msg_usage_error("backup: '%s' is not a directory name "
		                       "one can make", msg_shows(dest));
	if ((rc = dest_free(dest)))
		return rc;
	struct store s;
	MDB_txn *txn;
	if ((rc = txn_read(&s, &txn)))
		return rc;
	mdb_txn_abort(txn);   /* the copy reads in a transaction of its own */
	partial_sweep(dir);
	double t0 = seconds();
	struct counts c = { 0 };
	rc = copy_into(&s, tmp, &c);
	store_close(&s);
	int parent = rc ? -1 : open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!rc && rename(tmp, dest) < 0) {
		/* DEST was filled, or made a file, since it was checked. */
		out_err("backup: rename %s to %s: %s", tmp, dest,
		        strerror(errno));
		rc = EXIT_REFUSED;
	}
	if (rc) {
		int pfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		partial_remove(pfd, strrchr(tmp, '/') + 1);
		if (pfd >= 0)
			close(pfd);
		if (parent >= 0)
			close(parent);
		return rc;
	}
	if (parent >= 0) {
		fsync(parent);   /* the rename, durable (best effort) */
		close(parent);
	}
	out_err("backup: %s -> %s: %lld bytes, %zu links, %zu colleagues, "
	        "%zu campaigns, in %.1f s", txn_store_path(), dest,
	        (long long)c.bytes, c.links, c.staff, c.campaigns,
	        seconds() - t0);
	return 0;
}

/* Print the first SHOWN_MAX problems. */
static void problem_print(void *ctx, const char *problem)
{
	unsigned long *shown = ctx;
	if ((*shown)++ < SHOWN_MAX)
		out_err("verify: %s", problem);
}

int verify_main(int argc, char **argv)
{
	struct args a;
	int rc = args_parse(argc, argv, "verify", args_shared_only, NULL, &a);
	if (rc != ARGS_RUN)
		return rc;
	if (a.npos)
		return msg_usage_error("verify: takes no arguments (the store "
		                       "is --db's)");
	struct store s;
	MDB_txn *txn;
	if ((rc = txn_read(&s, &txn)))
		return rc;
	unsigned long shown = 0;
	struct verify v = { .problem = problem_print, .ctx = &shown };
	rc = verify_store(txn, &s, &v);
	txn_read_end(&s, txn);
	if (rc) {
		out_err("verify: %s: reading the store: %s", txn_store_path(),
		        mdb_strerror(rc));
		return EXIT_REFUSED;
	}
	if (v.problems) {
		char more[64] = "";
		if (v.problems > SHOWN_MAX)
			snprintf(more, sizeof more, " (%lu more not shown)",
			         v.problems - SHOWN_MAX);
		out_err("verify: %s: %lu problem%s%s; %lu links, %lu colleagues, "
		        "%lu campaigns", txn_store_path(), v.problems,
		        v.problems == 1 ? "" : "s", more, v.links, v.staff,
		        v.campaigns);
		return EXIT_REFUSED;
	}
	out_err("verify: %s: whole: %lu links, %lu colleagues, %lu campaigns",
	        txn_store_path(), v.links, v.staff, v.campaigns);
	return 0;
}
