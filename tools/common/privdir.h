/*
 * privdir: a directory of our own for LMDB files (linkctl's mail ledger,
 * backup's temporary copy), opened so that nothing another user planted
 * is followed.  LMDB opens DIR/lock.mdb and DIR/data.mdb by name, create
 * or write, without O_NOFOLLOW: a link planted at either name, or a
 * directory put in DIR's place, would have linkctl (often root) write
 * LMDB's header over the file it points at.  So the directory is opened
 * O_NOFOLLOW and refused unless we (or root) own it and nobody else may
 * write it, which also means nobody else can plant a name in it later;
 * what is already in it must be regular files or absent; and LMDB is
 * given /proc/self/fd/N, the directory we checked, whatever is renamed
 * around it afterwards.
 *
 * Never prints: 0, an errno (positive), or a PRIVDIR_* code, which
 * privdir_strerror words.  The tools' other outputs are written through
 * wholefile.h (temporaries made O_EXCL, never followed).
 */
#ifndef REDIRECTD_PRIVDIR_H
#define REDIRECTD_PRIVDIR_H

#include <sys/types.h>

/* Refusals: negative and apart from LMDB's codes (-30799..-30780), so a
 * caller that also returns those can tell them apart. */
#define PRIVDIR_LINK (-31001)       /* a symbolic link */
#define PRIVDIR_OWNER (-31002)      /* owned by another user */
#define PRIVDIR_WRITABLE (-31003)   /* group or others may write it */
#define PRIVDIR_ENTRY (-31004)      /* data.mdb or lock.mdb not a file */

/* The longest name privdir_path makes, its NUL included. */
#define PRIVDIR_PATH_MAX 32

/* Open dir (made first with mode when create and it is missing) into
 * *fd, checked as above.  0, an errno, or a PRIVDIR_* code (*fd is then
 * -1). */
int privdir_open(const char *dir, int create, mode_t mode, int *fd);

/* The name of the directory fd for mdb_env_open: /proc/self/fd/N. */
void privdir_path(int fd, char out[PRIVDIR_PATH_MAX]);

/* A PRIVDIR_* code's text ("a symbolic link: refused", ...); NULL for
 * any other value. */
const char *privdir_strerror(int rc);

#endif
