/*
 * query: a request's query on its way to the target (query_passthrough):
 * which of its parameters may pass, and the Location they make with the
 * target's own.
 *
 * The short domain is trusted: whatever it lets through to a target, a
 * reader takes from it.  A parameter passed blindly chains open redirects
 * (/CODE?next=https://evil.example) and lets anyone re-tag a link minted
 * with utm_* tags (a last-value parser credits the attacker's utm_content).
 * So only parameters on an allow-list pass (by default the click ids of the
 * ad and social platforms, which the target's analytics read), and names
 * are compared as the most lenient of the targets' parsers will read them:
 * percent-decoded, '+' as a space, ASCII letters in lower case, leading
 * blanks dropped (PHP), with both '&' and ';' separating parameters.  No
 * spelling of a name that starts with "utm" ever passes, not even with
 * `all`: `UTM_SOURCE`, `utm%5Fsource`, `%75tm_source`, `utm.source` (PHP
 * reads '.' as '_'), `a=1;utm_source`.
 *
 * This module knows nothing of configuration files, connections or the
 * store: config.c hands in the directive's text, request.c the bytes.
 */
#ifndef REDIRECTD_QUERY_H
#define REDIRECTD_QUERY_H

#include <stddef.h>

#define QUERY_PASS_MAX 32       /* names and patterns in one list */
#define QUERY_NAME_MAX 64       /* bytes of one name or prefix */
#define QUERY_PARAMS_MAX 32     /* request parameters looked at past the
                                   allow-list; later ones never pass */

/* The default: the click ids of the platforms staff post on and of the ad
 * networks, opaque tokens that no target reads as a URL.  redirectd.conf(5)
 * says which platform sends each. */
#define QUERY_PASS_DEFAULT "fbclid, gclid, gbraid, wbraid, dclid, msclkid, " \
                           "twclid, li_fat_id, ttclid, yclid"

enum query_mode { QUERY_OFF = 0, QUERY_LIST = 1, QUERY_ALL = 2 };

struct query_pass {
	enum query_mode mode;
	unsigned n;                     /* QUERY_LIST: the entries */
	struct query_name {
		unsigned char len;      /* of name, without the '*' */
		unsigned char prefix;   /* 1: "name*", any name starting so */
		char name[QUERY_NAME_MAX + 1];  /* lower case, NUL-terminated */
	} v[QUERY_PASS_MAX];
	/* A name that never passes, however spelled, not even with `all`:
	 * the click id the daemon adds (click_id_param), which a client's
	 * own would otherwise forge.  Lower case, as read; "" none.  Set by
	 * query_pass_deny, kept by query_pass_parse. */
	unsigned char deny_len;
	char deny[QUERY_NAME_MAX + 1];
};

/*
 * Set *out from the directive's value s (NUL-terminated, trimmed; the
 * keywords in any case):
 *   off | no | false    nothing passes
 *   all                 every parameter with a name, bar utm*
 *   on | yes | true     QUERY_PASS_DEFAULT (what "on" meant before the
 *                       list existed is no longer safe)
 *   a comma list        names and "prefix*" patterns of [A-Za-z0-9._~-],
 *                       at most QUERY_PASS_MAX of QUERY_NAME_MAX bytes,
 *                       compared in lower case; none may start with "utm"
 * Returns 0, or -1 with a message in err (*out unchanged).  Pure.
 */
int query_pass_parse(const char *s, struct query_pass *out, char *err,
                     size_t errlen);

/* Make name[0..n) (at most QUERY_NAME_MAX bytes) never pass p: compared
 * as names are read, and also with '.', ' ' and '[' read as '_' and with
 * "[...]" after it (PHP's spellings of the same name).  Pure. */
void query_pass_deny(struct query_pass *p, const char *name, size_t n);

/* 1 when a parameter named name[0..n) (as sent, before any '=') passes p.
 * Pure, no allocation, one pass over name. */
int query_name_passes(const struct query_pass *p, const char *name, size_t n);

/*
 * The Location for the target url and the query q (as sent, without its
 * '?') of the request that asked for it.  The parameters of q that pass p
 * follow the target's own, as sent, joined by '&', before any #fragment;
 * one the target already has (names compared as above) is left out, so
 * the tags a link was minted with stay as minted; parameters without a
 * name are dropped; of those the allow-list lets through, only the first
 * QUERY_PARAMS_MAX are looked at.  Writes to out and returns the length,
 * or 0 when nothing is added or the result would pass cap or TARGET_MAX
 * bytes (serve url as it is).  Pure, no allocation; at most
 * O(q_len * QUERY_PASS_MAX + QUERY_PARAMS_MAX * url_len) steps.
 */
size_t query_merge(const char *url, size_t url_len, const char *q,
                   size_t q_len, const struct query_pass *p, char *out,
                   size_t cap);

#endif
