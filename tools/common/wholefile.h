/*
 * wholefile: a file written whole or not at all.  The content goes to a
 * temporary file beside the destination (same directory, so the rename is
 * atomic), which is flushed, fsynced and renamed over the destination,
 * then the directory is fsynced: a reader (a mailer, a spreadsheet, the
 * next run) sees the old file or the new one, never half of one, even
 * after a crash or a power cut.  Used for reach's --output, reach ship's
 * state file and linkctl's post files and mbox.
 *
 * Nothing planted is written through: the temporary file is mkostemp's
 * (O_CREAT|O_EXCL under a random name, so a link at any name one could
 * predict is never followed), and the rename replaces a link at the
 * destination instead of writing where it points.
 *
 * Never prints: functions return 0 or a negative errno, and the caller
 * says what failed.  Not thread-safe (one writer per struct).
 */
#ifndef REDIRECTD_WHOLEFILE_H
#define REDIRECTD_WHOLEFILE_H

#include <stdio.h>
#include <sys/types.h>

struct wholefile {
	FILE *f;        /* write here between open and commit */
	char *tmp;      /* the temporary file's name (owned) */
	char *path;     /* the destination (owned copy) */
};

/* Create a temporary file beside path with mode (before the umask: 0666
 * for a file like any other program's) and set w->f to it.  0 or a negative errno (nothing is left behind). */
int wholefile_open(struct wholefile *w, const char *path, mode_t mode);

/* Flush, fsync, close, rename over the destination, fsync the directory.
 * 0, or a negative errno with the temporary file removed and the
 * destination as it was.  Frees w either way. */
int wholefile_commit(struct wholefile *w);

/* Drop the temporary file; the destination stays as it was.  Safe on a
 * struct that failed to open or was committed. */
void wholefile_abort(struct wholefile *w);

/* buf[0..len) as the whole of path (open, write, commit): 0 or a negative
 * errno, the destination as it was on failure. */
int wholefile_write(const char *path, const void *buf, size_t len,
                    mode_t mode);

/* fsync the directory holding path (best effort), so a rename into it is
 * durable.  linkctl backup renames a whole directory with it. */
void wholefile_sync_dir(const char *path);

#endif
