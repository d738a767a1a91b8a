/*
 * msg: how linkctl talks to people -- its exit statuses, usage errors,
 * errors that name an input file's line, values shown in messages, and a
 * checked flush of what it printed.  Every message goes through out_err
 * ("linkctl: ..." on stderr).  The lowest of linkctl's modules: it calls
 * none of the others.
 */
#ifndef REDIRECTD_LINKCTL_MSG_H
#define REDIRECTD_LINKCTL_MSG_H

#include <stddef.h>

/* Exit statuses: 0 done, 1 refused or failed, 2 usage error. */
#define EXIT_REFUSED 1
#define EXIT_USAGE 2

/* "linkctl: MESSAGE (see linkctl --help)"; returns EXIT_USAGE. */
int msg_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "linkctl: FILE:LINE: message" for a line of an input file, or
 * "linkctl: message" when file is NULL (a value from the command line). */
void msg_at(const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A value for a message: control characters as '?', cut at ~100 bytes.
 * Four rotating static buffers, so one message may show four values. */
const char *msg_show(const char *s, size_t n);
const char *msg_shows(const char *s);

/* fflush(stdout): 0, or EXIT_REFUSED after reporting a failed write (a
 * full disk must not look like a complete listing). */
int msg_flush(void);

#endif
