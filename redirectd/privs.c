/*
 * privs: hardening, and becoming `user` after start-up.  See privs.h.
 *
 * The files handed to the user sit in directories the user could write in
 * on an earlier run, so root touches them only through descriptors opened
 * without following symbolic links, and only regular files with one link
 * that root owns: a planted link to /etc/shadow is never given away.
 */
#include "privs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clickrec.h"
#include "logmsg.h"

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

/* Make dir (created with mode if missing) and the files in it that we made
 * the user's: with node, this node's segments; without, every file. */
static int own_dir(const struct privs *p, const char *dir, mode_t mode,
                   int force_mode, const char *node)
{
	if (mkdir(dir, mode) < 0 && errno != EEXIST) {
		logmsg("cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (dfd < 0 || fstat(dfd, &st) < 0) {
		logmsg("cannot open %s: %s", dir, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	if (((st.st_uid != p->uid || st.st_gid != p->gid) &&
	     fchown(dfd, p->uid, p->gid) < 0) ||
	    (force_mode && (st.st_mode & 07777) != mode &&
	     fchmod(dfd, mode) < 0)) {
		logmsg("cannot give %s to user %s: %s", dir, p->user,
		       strerror(errno));
		close(dfd);
		return -1;
	}
	int rc = 0, dup_fd = dup(dfd);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d) {
		logmsg("cannot read %s: %s", dir, strerror(errno));
		if (dup_fd >= 0)
			close(dup_fd);
		close(dfd);
		return -1;
	}
	size_t nl = node ? strlen(node) : 0, sl = strlen(CLICKREC_SUFFIX);
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		const char *n = e->d_name;
		size_t len = strlen(n);
		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		if (node && (len <= nl + sl || strncmp(n, node, nl) ||
		             n[nl] != '.' || strcmp(n + len - sl, CLICKREC_SUFFIX)))
			continue;
		rc = own_file(p, dfd, n, dir);
	}
	closedir(d);
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

int privs_drop(const struct privs *p, const struct config *cfg)
{
	if (!p->drop)
		return 0;
	if (own_dir(p, cfg->log_dir, 0750, 0, cfg->node) < 0 ||
	    own_dir(p, cfg->state_dir, 0700, 1, NULL) < 0)
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
