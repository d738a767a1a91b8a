/*
 * campaign_figures: the colleagues' own figures in campaign posts
 * (campaign_posts.c) -- --log DIR (repeatable) and --last SPAN checked
 * against the template, every colleague's figures counted in one pass
 * over the click log by reach's own code (the one header of reach that
 * linkctl includes: figures.h, which says what each figure is), and a
 * colleague's into the template's values.  Functions returning int give
 * 0, EXIT_REFUSED or EXIT_USAGE, reported.
 */
#ifndef REDIRECTD_LINKCTL_CAMPAIGN_FIGURES_H
#define REDIRECTD_LINKCTL_CAMPAIGN_FIGURES_H

#include <stdint.h>

#include "args.h"
#include "figures.h"
#include "posts.h"
#include "store.h"

#define CAMPAIGN_FIGURES_LAST "7d"     /* --last's default */

/* All zero, then campaign_figures_check. */
struct campaign_figures {
	const struct args_many *log;    /* --log, kept by the caller */
	uint64_t since;
	uint64_t prev_since;            /* the window before, as long */
	int compare;                    /* {change} or {rank_change} */
	int wanted;                     /* the template has a figure */
	int advice;                     /* and {advice} */
	struct figures *F;              /* counted, or NULL */
	struct figures_text t;          /* the last colleague's */
};

/*
 * Before anything is read but the template t: a figure placeholder
 * without --log is refused, naming the first; --last (NULL: 7d) is parsed
 * as reach parses it and goes with --log only; every --log must exist.
 */
int campaign_figures_check(struct campaign_figures *cf,
                           const struct posts_template *t,
                           const struct args_many *log, const char *last);

/* Count every colleague's figures, when the template has one, with the
 * store s and its read transaction txn open. */
int campaign_figures_count(struct campaign_figures *cf,
                           const struct store *s, MDB_txn *txn);

/* The figures of colleague staff_id into v (views into cf, until the next
 * call); nothing when the template has none. */
int campaign_figures_values(struct campaign_figures *cf, uint32_t staff_id,
                            struct posts_values *v);

void campaign_figures_free(struct campaign_figures *cf);

#endif
