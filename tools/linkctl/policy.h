/*
 * policy: the target policy of the commands that check targets (mint,
 * import, campaign create and retarget) -- our own short hosts, where a
 * target would make a loop: short_hosts and base_url's host from -c FILE,
 * every --short-host and --base-url -- and the base URL short links are
 * printed under (campaign create and posts).  Holds the options until a
 * command asks; the configuration file is conf.c's.
 */
#ifndef REDIRECTD_LINKCTL_POLICY_H
#define REDIRECTD_LINKCTL_POLICY_H

#include "target.h"

/* --short-host HOST (or a comma list), checked and folded like the
 * short_hosts directive.  0, or EXIT_USAGE (reported). */
int policy_short_host(const char *value);
/* --base-url URL, checked as the base_url directive; its host becomes one
 * of our own.  0, or EXIT_USAGE (reported). */
int policy_base_url_arg(const char *value);

/*
 * The policy: the configuration file's short hosts and base_url's host,
 * then those of the options.  *p points into static storage.  Returns 0,
 * or EXIT_REFUSED after printing the file's errors as FILE:LINE: message.
 */
int policy_load(struct target_policy *p);
/*
 * A target (normalized) whose host a browser would show as a look-alike:
 * an xn-- label mixing scripts (xn--pple-43d: "аpple" with a Cyrillic
 * "а"), or one that does not decode.  Not refused (a mixed name can be
 * real), but said: returns 1 with a warning for the user in msg, else 0.
 */
int policy_homograph(const char *url, size_t len, char *msg, size_t n);

/* After policy_load: --base-url, else base_url from -c FILE, else NULL.
 * Without a trailing '/'. */
const char *policy_base_url(void);

#endif
