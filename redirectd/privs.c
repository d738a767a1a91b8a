/*
 * privs: hardening, and becoming `user` after start-up.  See privs.h.
 *
 * The files handed to the user sit in directories the user could write in
 * on an earlier run, and so may the directories themselves (the user's
 * /var/lib/redirectd holding log/ and state/).  So root reaches them only
 * through safedir.h (no link followed that the user could have planted),
 * gives away a root directory only when it holds nothing we did not make,
 * never one every user can write, and of the files only those we make
 * (segments, salt files), regular, with one link, root's: a planted link
 * to /etc, or to /etc/shadow, is never given away.
 */
#include "privs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clickrec.h"
#include "logmsg.h"
#include "safedir.h"
#include "salt.h"

int privs_init(struct privs *p, const char *user)
{
	memset(p, 0, sizeof *p);
	umask(027);
	struct rlimit nocore = { 0, 0 };
	if (setrlimit(RLIMIT_CORE, &nocore) < 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		logmsg("cannot disable core dumps: %s", strerror(errno));
		return -1;
	}
	int root = geteuid() == 0;
	if (!*user) {
		if (root)
			logmsg("warning: running as root; set 'user' to drop "
			       "privileges once sockets and files are open");
		return 0;
	}
	struct passwd pw, *found = NULL;
	char buf[4096];
	int rc = getpwnam_r(user, &pw, buf, sizeof buf, &found);
	if (!found) {
		logmsg("user %s: %s", user, rc ? strerror(rc) : "no such user");
		return -1;
	}
	if (!root) {
		if (pw.pw_uid != geteuid())
			logmsg("warning: user = %s ignored: not started as root "
			       "(running as uid %u)", user, (unsigned)geteuid());
		return 0;
	}
	if (pw.pw_uid == 0) {
		logmsg("warning: user = %s is root: privileges are not dropped",
		       user);
		return 0;
	}
	p->drop = 1;
	p->uid = pw.pw_uid;
	p->gid = pw.pw_gid;
	snprintf(p->user, sizeof p->user, "%s", user);
	return 0;
}

/* Give one root-owned regular file in dfd to the user.  Anything else (a
 * symbolic link, a hard link, another owner's file) is left alone. */
static int own_file(const struct privs *p, int dfd, const char *name,
                    const char *dir)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	                           O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
	    st.st_uid == 0 && fchown(fd, p->uid, p->gid) < 0) {
		logmsg("cannot give %s/%s to user %s: %s", dir, name, p->user,
		       strerror(errno));
		rc = -1;
	}
	close(fd);
	return rc;
}

/* Is name a file of ours in log_dir: a segment of any node, or one's
 * temporary?  Nothing else there is ours to give away. */
static int log_file_ours(const char *name)
{
	size_t len = strlen(name), sl = strlen(CLICKREC_SUFFIX);
	return (len > sl && !strcmp(name + len - sl, CLICKREC_SUFFIX)) ||
	       (len > sl + 4 && !strcmp(name + len - sl - 4,
	                                CLICKREC_SUFFIX ".tmp"));
}

/* This node's segments, the files in log_dir handed to the user. */
static int log_file_mine(const char *name, const char *node)
{
	size_t len = strlen(name), nl = strlen(node),
	       sl = strlen(CLICKREC_SUFFIX);
	return len > nl + sl && !strncmp(name, node, nl) && name[nl] == '.' &&
	       !strcmp(name + len - sl, CLICKREC_SUFFIX);
}

/* One of log_dir and state_dir, and what is ours in it. */
struct privs_dir {
	const char *setting;                  /* "log_dir" */
	const char *path;
	mode_t mode;                          /* when created */
	int force_mode;                       /* and again at every start */
	int (*ours)(const char *name);        /* what we could have made */
	const char *node;                     /* log_dir: this node's only */
};

/* Give pd's directory (dfd, st) and our files in it to the user: for
 * log_dir this node's segments, for state_dir the salt files. */
static int dir_give(const struct privs *p, const struct privs_dir *pd,
                    int dfd, const struct stat *st)
{
	if (((st->st_uid != p->uid || st->st_gid != p->gid) &&
	     fchown(dfd, p->uid, p->gid) < 0) ||
	    (pd->force_mode && (st->st_mode & 07777) != pd->mode &&
	     fchmod(dfd, pd->mode) < 0)) {
		logmsg("cannot give %s %s to user %s: %s", pd->setting, pd->path,
		       p->user, strerror(errno));
		return -1;
	}
	int rc = 0, fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		logmsg("cannot read %s %s: %s", pd->setting, pd->path,
		       strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(d);   /* dup shares the offset: start from the top */
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		const char *n = e->d_name;
		if (pd->node ? log_file_mine(n, pd->node) : pd->ours(n))
			rc = own_file(p, dfd, n, pd->path);
	}
	closedir(d);
	return rc;
}

/* The first entry of dfd that is not ours, into name; 0 if none. */
static int dir_foreign(int dfd, const struct privs_dir *pd, char *name,
                       size_t cap)
{
	int fd = dup(dfd), found = 0;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(d);   /* dup shares the offset: start from the top */
	struct dirent *e;
	while (!found && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    !pd->ours(e->d_name)) {
			snprintf(name, cap, "%s", e->d_name);
			found = 1;
		}
	closedir(d);
	return found;
}

/* Open pd's directory (created if missing) without following a link the
 * user could have planted, and, when privileges are to be dropped, judge
 * whether it may be given to the user: the user's already, or root's and
 * holding nothing we did not make; never one every user can write.  With
 * give, hand it and our files in it to the user.  Returns 0, or -1
 * (said why). */
static int dir_take(const struct privs *p, const struct privs_dir *pd,
                    int give)
{
	char why[PATH_MAX + 256];
	int dfd = safedir_open(pd->path, pd->mode, why, sizeof why);
	if (dfd < 0) {
		logmsg("%s %s: %s", pd->setting, pd->path, why);
		return -1;
	}
	struct stat st;
	if (fstat(dfd, &st) < 0) {
		logmsg("%s %s: %s", pd->setting, pd->path, strerror(errno));
		close(dfd);
		return -1;
	}
	int rc = -1;
	char name[256];
	if (!p->drop) {
		rc = 0;
	} else if (st.st_mode & S_IWOTH) {
		logmsg("%s %s: every user can write it (mode %04o): refusing to "
		       "give it to user %s; give redirectd a directory of its own",
		       pd->setting, pd->path, (unsigned)(st.st_mode & 07777),
		       p->user);
	} else if (st.st_uid != 0 && st.st_uid != p->uid) {
		logmsg("%s %s: it belongs to uid %u, neither root nor user %s: "
		       "refusing to use it; give redirectd a directory of its own",
		       pd->setting, pd->path, (unsigned)st.st_uid, p->user);
	} else if (st.st_uid == 0 &&
	           (rc = dir_foreign(dfd, pd, name, sizeof name)) != 0) {
		if (rc > 0)
			logmsg("%s %s: root's, and it holds %s, which redirectd did "
			       "not make: refusing to give it to user %s; give "
			       "redirectd a directory of its own (or chown it to %s "
			       "yourself)", pd->setting, pd->path, name, p->user,
			       p->user);
		else
			logmsg("cannot read %s %s: %s", pd->setting, pd->path,
			       strerror(errno));
		rc = -1;
	} else {
		rc = give ? dir_give(p, pd, dfd, &st) : 0;
	}
	close(dfd);
	return rc;
}

/* After the switch: can we do what the rest of the run needs? */
static int check_access(const struct privs *p, const struct config *cfg)
{
	const char *dirs[] = { cfg->log_dir, cfg->state_dir };
	for (size_t i = 0; i < 2; i++) {
		if (access(dirs[i], R_OK | W_OK | X_OK) < 0) {
			logmsg("%s is not writable by user %s: %s", dirs[i], p->user,
			       strerror(errno));
			return -1;
		}
	}
	const char *files[] = { cfg->ua_rules, cfg->geoip_db };
	for (size_t i = 0; i < 2; i++)
		if (*files[i] && access(files[i], R_OK) < 0)
			logmsg("warning: %s is not readable by user %s (%s): SIGHUP "
			       "will keep the version read at start", files[i],
			       p->user, strerror(errno));
	return 0;
}

/* log_dir and state_dir as cfg names them. */
static void privs_dirs(const struct config *cfg, struct privs_dir pd[2])
{
	pd[0] = (struct privs_dir){ "log_dir", cfg->log_dir, 0750, 0,
	                            log_file_ours, cfg->node };
	pd[1] = (struct privs_dir){ "state_dir", cfg->state_dir, 0700, 1,
	                            salt_file_ours, NULL };
}

int privs_check_dirs(const struct privs *p, const struct config *cfg)
{
	struct privs_dir pd[2];
	privs_dirs(cfg, pd);
	return dir_take(p, &pd[0], 0) < 0 || dir_take(p, &pd[1], 0) < 0 ? -1 : 0;
}

int privs_drop(const struct privs *p, const struct config *cfg)
{
	if (!p->drop)
		return 0;
	struct privs_dir pd[2];
	privs_dirs(cfg, pd);
	if (dir_take(p, &pd[0], 1) < 0 || dir_take(p, &pd[1], 1) < 0)
		return -1;

	/* Groups first: once the uid is gone, they cannot be changed. */
	if (initgroups(p->user, p->gid) < 0) {
		logmsg("initgroups %s: %s", p->user, strerror(errno));
		return -1;
	}
	if (setresgid(p->gid, p->gid, p->gid) < 0 ||
	    setresuid(p->uid, p->uid, p->uid) < 0) {
		logmsg("cannot become user %s: %s", p->user, strerror(errno));
		return -1;
	}
	/* It must stick: real, effective and saved ids all the user's, and
	 * no way back to root. */
	uid_t ru = (uid_t)-1, eu = ru, su = ru;
	gid_t rg = (gid_t)-1, eg = rg, sg = rg;
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 ||
	    ru != p->uid || eu != p->uid || su != p->uid || rg != p->gid ||
	    eg != p->gid || sg != p->gid || setuid(0) == 0 || seteuid(0) == 0 ||
	    setgid(0) == 0) {
		logmsg("privileges were not dropped for good (uid %u/%u/%u, "
		       "gid %u/%u/%u)", (unsigned)ru, (unsigned)eu, (unsigned)su,
		       (unsigned)rg, (unsigned)eg, (unsigned)sg);
		return -1;
	}
	/* No exec can gain privileges again; the uid change made the process
	 * dumpable per fs.suid_dumpable: say no again. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		logmsg("prctl: %s", strerror(errno));
		return -1;
	}
	if (check_access(p, cfg) < 0)
		return -1;
	logmsg("running as user %s (uid %u, gid %u)", p->user, (unsigned)p->uid,
	       (unsigned)p->gid);
	return 0;
}
