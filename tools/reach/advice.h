/*
 * advice: recommendations for one colleague from their own figures
 * against their team's, for reach's HTML report.  Pure: no I/O, no
 * allocation, no clock; the caller counts, this module words.  Every
 * recommendation says which figures it rests on (basis).
 */
#ifndef REDIRECTD_ADVICE_H
#define REDIRECTD_ADVICE_H

#include <stddef.h>
#include <stdint.h>

#include "clickrec.h"

/* A campaign link a colleague was given and that has had no click. */
struct advice_unshared {
	const char *campaign;
	const char *code;
	unsigned days;          /* since it was minted */
	char created[11];       /* YYYY-MM-DD (UTC) */
};

struct advice_input {
	uint64_t visitors, clicks;
	uint64_t previews;      /* link-preview fetches of their links: the
	                           link was posted somewhere */
	uint64_t plat_visitors[PLATFORM_COUNT];  /* distinct per platform */
	uint64_t hour_clicks[24];                /* local hours */
	const char *zone;                        /* "UTC" or the --tz zone */
	const char *team;                        /* "" for none */
	size_t team_size;                        /* colleagues, self included */
	uint64_t team_median;                    /* of their visitors */
	const struct advice_unshared *unshared;
	size_t nunshared;
	/* --conversions: has_conv set, and the colleague's conversions, all
	 * and by the platform of their click (rows by handle have none). */
	int has_conv;
	uint64_t conversions;
	uint64_t plat_conv[PLATFORM_COUNT];
};

#define ADVICE_TEXT 256
/* Visitors on a platform before its conversion rate means anything. */
#define ADVICE_MIN_CONV_VISITORS 5

struct advice {
	char text[ADVICE_TEXT];     /* what to do, one sentence */
	char basis[ADVICE_TEXT];    /* the figures it rests on */
};

/* Write up to max recommendations into out, most useful first; returns
 * how many.  Strings in in are only read during the call.  With
 * has_conv, the platform whose visitors convert best (of those with
 * ADVICE_MIN_CONV_VISITORS visitors or more and a conversion) is one. */
size_t advice_for(const struct advice_input *in, struct advice *out,
                  size_t max);

/* The median of v[0, n) (sorts v in place; the lower middle for an even
 * n, so it is always someone's figure); 0 for n == 0. */
uint64_t advice_median(uint64_t *v, size_t n);

/* How a platform is written for people, in a sentence ("LinkedIn", "X",
 * "an unknown platform"). */
const char *advice_platform_label(unsigned platform);

/* ... and alone, as a table's cell or a card's value ("no referrer",
 * "unknown platform", "other sites", "LinkedIn"). */
const char *advice_platform_word(unsigned platform);

/*
 * A colleague's top platform, the one the advice rests on too: the named
 * platform with most distinct visitors (a tie: the lower number), so
 * "no referrer" and "unknown" never win over a platform someone posted
 * on; else "no referrer" when some came without one, else "unknown";
 * PLATFORM_COUNT when no visitor came at all.
 */
unsigned advice_top_platform(const uint64_t plat_visitors[PLATFORM_COUNT]);

#endif
