/*
 * safedir: opening log_dir and state_dir as root without following a
 * symbolic link that someone other than root could have planted.
 *
 * After the privilege drop the daemon's user owns log_dir and state_dir,
 * and often the directory above them (/var/lib/redirectd in the common
 * layout).  Whoever runs as that user can replace `log` with a link to
 * /etc, and the next start, as root, would give /etc away.  So as root the
 * path is walked one component at a time with O_NOFOLLOW: a symbolic link
 * is followed (its target walked the same way) only when it sits in a
 * directory only root can write (root's, and neither group- nor
 * world-writable): root made it.  Anywhere else a link is refused.
 * Running as anyone else, the path is opened as given: following a link
 * can then reach nothing the process could not reach anyway.  The store's
 * lock file, which LMDB opens read-write by name, is checked the same way.
 *
 * Main-thread zone (file system calls); never prints: a refusal is said in
 * the caller's buffer.
 */
#ifndef REDIRECTD_SAFEDIR_H
#define REDIRECTD_SAFEDIR_H

#include <stddef.h>
#include <sys/types.h>

/* Open the directory at path (O_RDONLY | O_DIRECTORY), creating its last
 * component with mode if it is missing.  Returns the descriptor, or a
 * negative errno with why (cap bytes) saying what was refused or failed,
 * naming the component (the caller names the setting and path): -ELOOP for a symbolic link that could have been
 * planted, -ENOTDIR for something else than a directory. */
int safedir_open(const char *path, mode_t mode, char *why, size_t cap);

/* As root: may the file name in the directory dir (symbolic links in dir
 * followed: the store's may be one) be opened read-write, as LMDB opens
 * the store's lock.mdb?  A symbolic link, anything but a regular file, or
 * root's file with more than one link is refused (0: missing, or fine;
 * -1 with why).  Running as anyone else: 0. */
int safedir_file_check(const char *dir, const char *name, char *why,
                       size_t cap);

/* Whether a directory with this owner and mode can be written by someone
 * other than root (so that a link in it may have been planted): not
 * root's, or group- or world-writable. */
int safedir_untrusted(uid_t owner, mode_t mode);

#endif
