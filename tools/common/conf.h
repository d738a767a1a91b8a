/*
 * conf: the configuration file (redirectd.conf) the tools read, once, when
 * first asked: -c FILE, else $REDIRECTD_CONF, else the installed
 * CONF_DEFAULT if there is one.  linkctl's target policy (policy.c:
 * short_hosts and base_url, so a link to our own short domain is refused
 * without a flag), campaign posts (mailer, mail_from) and both tools'
 * default store (db: linkctl's txn.h, reach's names.h) take their
 * directives from it.  Without any, every directive is at its default.
 */
#ifndef REDIRECTD_TOOLS_CONF_H
#define REDIRECTD_TOOLS_CONF_H

#include "config.h"

#ifndef CONF_DEFAULT
#define CONF_DEFAULT "/etc/redirectd/redirectd.conf"
#endif

/* -c FILE; the caller keeps the string. */
void conf_file(const char *path);

/* 1 when a configuration file is in effect (given or found). */
int conf_given(void);

/*
 * The configuration: the file's directives over the defaults.  *c points
 * into static storage.  Returns 0, or 1 (EXIT_REFUSED) after printing the
 * file's errors as FILE:LINE: message (and again on every later call).
 */
int conf_load(const struct config **c);

/*
 * The store the configuration in effect names: *db is its db directive
 * when the file sets one, else NULL (no file in effect, or db left at its
 * default: each tool has its own default store).  Returns 0, or 1 after
 * printing the file's errors (as conf_load).
 */
int conf_db(const char **db);

#endif
