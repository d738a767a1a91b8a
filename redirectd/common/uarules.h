/*
 * uarules: the built-in User-Agent rules, as data: which substrings make a
 * request a preview, a crawler, a tool or an in-app browser, and of which
 * platform.  Private to uaclass.c, which compiles them with the operator's
 * rules into one matcher; the tiers settle which rule wins (uaclass.h).
 */
#ifndef REDIRECTD_UARULES_H
#define REDIRECTD_UARULES_H

#include <stddef.h>
#include <stdint.h>

enum tier { T_GENERIC = 1, T_LIBRARY = 2, T_INAPP = 3, T_SERVICE = 4,
            T_OPERATOR = 5 };

/*
 * The built-in rules: groups of '|'-separated lower-case substrings sharing
 * a tier, class and platform.  A leading '^' anchors one at the start.
 * Sources: each product's documented User-Agent where it has one, and the
 * crawler-user-agents and user-agents data sets (bench/ua_accuracy.sh
 * measures these rules against them; run it after every change here).
 */
struct builtin {
	uint8_t tier, class, platform;
	uint8_t where;        /* enum where, below */
	const char *pats;
};

/* Where a rule counts.  W_STANDING: a word of automation, which in a
 * browser's User-Agent counts only in a comment that stands as a list of
 * products (uaclass.c, ua_classify).  W_BROWSER: a human rule naming a
 * browser that does not start as "Mozilla/5.0 (" ("Lynx/", "UCWEB/"), so
 * it vouches on its own. */
enum where { W_ANY = 0, W_STANDING = 1, W_BROWSER = 2 };

extern const struct builtin ua_builtins[];
extern const size_t ua_n_builtins;

#endif
