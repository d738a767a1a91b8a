/*
 * conf: the configuration file linkctl is given with -c FILE
 * (redirectd.conf), read once, when a command first asks for it: the
 * target policy (policy.c) and campaign posts --send (mailer, mail_from)
 * take their directives from it.  Without -c, every directive is at its
 * default.
 */
#ifndef REDIRECTD_LINKCTL_CONF_H
#define REDIRECTD_LINKCTL_CONF_H

#include "config.h"

/* -c FILE; the caller keeps the string. */
void conf_file(const char *path);

/* 1 when -c FILE was given. */
int conf_given(void);

/*
 * The configuration: the file's directives over the defaults.  *c points
 * into static storage.  Returns 0, or EXIT_REFUSED after printing the
 * file's errors as FILE:LINE: message (and again on every later call).
 */
int conf_load(const struct config **c);

#endif
