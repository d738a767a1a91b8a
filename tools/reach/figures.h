/*
 * figures: every colleague's figures over a window of the click log, for
 * the posts linkctl writes them (the one header of reach that linkctl
 * includes).  One pass over the segments counts them all with reach's own
 * code: count.c and rank.c for the leaderboard, exactly what
 * `reach --db DB --by staff --last SPAN PATH...` prints (the same rules
 * for bots, previews, internal clicks, exact and estimated visitors, the
 * same order and competition ranks); cards.c, in the same pass, for what
 * the HTML report's cards say (advice.c's words).
 *
 * The figures of a colleague, as text:
 *   visitors      distinct visitors, "~N" when reach's is an estimate
 *                 (visitor-days over several days of daily keys:
 *                 figures_visitor_unit)
 *   clicks        counted clicks
 *   rank          their rank in reach's leaderboard (1, 2, 2, 4)
 *   ranked        the rows of that leaderboard: every colleague of the
 *                 store, and any id seen only in the log (a colleague
 *                 deleted since, "(none)" for codes the store did not know),
 *                 so that rank <= ranked always
 *   team_rank     the competition rank among the rows of their team, in
 *                 reach's order; "-" for a colleague without a team
 *   top_platform  reach's top_platform (most counted clicks, ties to the
 *                 lower platform number), as the report's advice writes
 *                 platforms ("LinkedIn", "X", "no referrer", "an unknown
 *                 platform"); "-" without a counted click
 *   change        with a comparison (figures_in's prev window): visitors
 *                 now less visitors then, signed ("+3", "-2", "0"), as
 *                 reach --compare's change column
 *   rank_change   the places they moved up since then, signed ("+2" up,
 *                 "-1" down, "0"), as reach --compare's rank_change; "-"
 *                 when one of the ranks is missing
 *   advice        the first recommendation of their card in the report
 *                 (hours in UTC, links unshared after 3 days: reach's
 *                 defaults); "" when the card has none
 * and the leaderboard, the same for everyone: a line per colleague of the
 * store among the first five rows with a click, "RANK. NAME: N visitors,
 * N clicks" (reach's rank, "~N" for an estimate, "1 visitor", "1 click";
 * "N visitor-days" when reach's column says so),
 * or "No clicks in this period yet." when nobody has one.
 */
#ifndef REDIRECTD_FIGURES_H
#define REDIRECTD_FIGURES_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define FIGURES_TEXT 256

/* What to count. */
struct figures_in {
	const char *const *paths;   /* segment files and directories, as reach
	                               takes them (each file counted once) */
	size_t npaths;
	const struct store *s;      /* the store, open, and a read transaction */
	MDB_txn *txn;
	const char *db;             /* the store's directory, for messages */
	uint64_t since, until;      /* [since, until), microseconds */
	uint64_t prev_since, prev_until;    /* the earlier window of change
	                               and rank_change, not overlapping
	                               [since, until); prev_until 0: none */
	uint64_t now_us;            /* for the age of unshared links */
	int advice;                 /* count the advice too; 0: advice ""
	                               (what it rests on, cards.h, costs
	                               about a third of the pass) */
};

/* One colleague's figures, as above. */
struct figures_text {
	char visitors[24], clicks[24], rank[24], ranked[24], team_rank[24];
	char change[24], rank_change[24];   /* "-" without a comparison */
	const char *top_platform;   /* a static string */
	char advice[FIGURES_TEXT];
};

struct figures;

/* The start of the window of --last s (reach's --last: Nh, Nd or Nw
 * before now), and the start of the one before it, as long (reach's
 * --compare previous).  Returns 0, or -1 for a bad span. */
int figures_last(const char *s, uint64_t *since, uint64_t *prev_since);

/* Count every colleague's figures.  Returns 0 and *out (figures_free),
 * or -1 after reporting (out_err): a segment that cannot be read or is
 * corrupt, a store error, out of memory. */
int figures_count(const struct figures_in *in, struct figures **out);

/* The figures of colleague staff_id into *t.  Returns 0, or -1 when the
 * store had no such colleague when counted. */
int figures_of(const struct figures *F, uint32_t staff_id,
               struct figures_text *t);

/* The leaderboard's lines, joined by LF (no LF at the end); lives as long
 * as F. */
const char *figures_leaderboard(const struct figures *F);

/* What the visitors figures count, as reach's table names it:
 * "visitors", or "visitor-days" ("-weeks", "-months") when the window
 * spans several visitor-key periods (rank.h); *period the key period
 * ("day", ...).  Static strings. */
const char *figures_visitor_unit(const struct figures *F,
                                 const char **period);

/* How many rows' visitors are estimates, of how many rows. */
size_t figures_estimated(const struct figures *F, size_t *rows);

void figures_free(struct figures *F);

#endif
