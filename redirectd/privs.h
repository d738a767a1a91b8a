/*
 * privs: least privilege for the daemon.
 *
 * Started as root with `user` set, redirectd does everything that needs root
 * first (binds its sockets, opens the store, creates log_dir, state_dir, the
 * day's salt and the first segments), then privs_drop() hands log_dir,
 * state_dir and those files to the user and becomes the user for good:
 * supplementary groups, gid and uid (real, effective and saved), checked to
 * stick, and no_new_privs.  What happens later (rotation, the midnight salt,
 * SIGHUP's reload of the country database and the User-Agent rules, LMDB's
 * reader slots in lock.mdb, which stays mapped from the root open) runs as
 * the user.  Whoever it runs as, the process cannot dump core and creates
 * files without permissions for others (umask 027).
 *
 * Startup zone: both functions run on the main thread before any worker
 * starts, print what they do and why they fail on stderr ("redirectd: ..."),
 * and return -1 for the caller to exit on.  They know nothing of sockets,
 * the store or the click log beyond the directory and file names.
 */
#ifndef REDIRECTD_PRIVS_H
#define REDIRECTD_PRIVS_H

#include <sys/types.h>

#include "config.h"

struct privs {
	int drop;               /* root, and a user to become */
	uid_t uid;
	gid_t gid;
	char user[64];
};

/* Harden the process for its whole life: umask 027, no core dumps
 * (RLIMIT_CORE 0 and not dumpable: the visitor salt and client addresses
 * live in this memory), and resolve `user` into *p.  An empty user keeps
 * the current one (a warning when that is root); a user given to a process
 * that is not root is ignored with a warning.  Returns 0, or -1 (an unknown
 * user; reported). */
int privs_init(struct privs *p, const char *user);

/* Start-up, before anything else touches log_dir and state_dir: open
 * each (creating it if missing) without following a symbolic link someone
 * other than root could have planted (safedir.h), and, if privileges are
 * to be dropped, check it may be given to the user: it is the user's, or
 * root's holding only files redirectd makes (segments; salt files), and
 * not writable by every user.  Returns 0, or -1 (reported, naming the
 * setting, the path and what is unsafe: the caller must exit). */
int privs_check_dirs(const struct privs *p, const struct config *cfg);

/* Become p's user, if privs_init said to: the same checks as
 * privs_check_dirs, then chown log_dir and this node's segments in it,
 * state_dir (mode 0700) and its salt files (root's regular files with one
 * link only) to the user, then
 * initgroups, setresgid, setresuid, check that none can be undone
 * (setuid(0) fails), set no_new_privs and check that log_dir and state_dir
 * are writable and the files SIGHUP re-reads are readable (a warning if
 * not).  Call it once, before any thread starts.  Returns 0 (also when
 * there is nothing to do), or -1 (reported: the caller must exit). */
int privs_drop(const struct privs *p, const struct config *cfg);

#endif
