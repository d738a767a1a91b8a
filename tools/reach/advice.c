/*
 * advice: a colleague's recommendations (see advice.h).  The thresholds
 * are here, with why: a best hour out of two clicks is noise, so hours
 * need ADVICE_MIN_HOUR_CLICKS.
 */
#include "advice.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* Clicks before a peak hour means anything. */
#define ADVICE_MIN_HOUR_CLICKS 5

const char *advice_platform_label(unsigned p)
{
	static const char *const label[PLATFORM_COUNT] = {
		[PLATFORM_UNKNOWN] = "an unknown platform",
		[PLATFORM_NONE] = "no referrer",
		[PLATFORM_OTHER] = "other sites",
		[PLATFORM_X] = "X", [PLATFORM_FACEBOOK] = "Facebook",
		[PLATFORM_LINKEDIN] = "LinkedIn", [PLATFORM_INSTAGRAM] = "Instagram",
		[PLATFORM_BLUESKY] = "Bluesky", [PLATFORM_MASTODON] = "Mastodon",
		[PLATFORM_THREADS] = "Threads", [PLATFORM_REDDIT] = "Reddit",
		[PLATFORM_YOUTUBE] = "YouTube", [PLATFORM_TIKTOK] = "TikTok",
		[PLATFORM_EMAIL] = "e-mail",
	};
	return p < PLATFORM_COUNT ? label[p] : label[PLATFORM_UNKNOWN];
}

static int advice_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

uint64_t advice_median(uint64_t *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, advice_cmp_u64);
	return v[(n - 1) / 2];
}

const char *advice_platform_word(unsigned p)
{
	return p == PLATFORM_UNKNOWN || p >= PLATFORM_COUNT
	       ? "unknown platform" : advice_platform_label(p);
}

/* The named platform (not unknown or none) with most visitors; ties: the
 * lower number.  Returns PLATFORM_COUNT when there is none. */
static unsigned advice_best_named(const uint64_t v[PLATFORM_COUNT])
{
	unsigned best = PLATFORM_COUNT;
	for (unsigned p = PLATFORM_OTHER; p < PLATFORM_COUNT; p++)
		if (v[p] && (best == PLATFORM_COUNT || v[p] > v[best]))
			best = p;
	return best;
}

unsigned advice_top_platform(const uint64_t v[PLATFORM_COUNT])
{
	unsigned best = advice_best_named(v);
	if (best < PLATFORM_COUNT)
		return best;
	return v[PLATFORM_NONE] ? PLATFORM_NONE
	       : v[PLATFORM_UNKNOWN] ? PLATFORM_UNKNOWN : PLATFORM_COUNT;
}

/* The platform (no referrer included, unknown not) whose visitors
 * convert best, among those with ADVICE_MIN_CONV_VISITORS visitors and a
 * conversion: the highest conversions per visitor, then the most
 * conversions, then the lower number.  PLATFORM_COUNT: none. */
static unsigned advice_best_converting(const struct advice_input *in)
{
	unsigned best = PLATFORM_COUNT;
	for (unsigned p = PLATFORM_NONE; p < PLATFORM_COUNT; p++) {
		uint64_t c = in->plat_conv[p], v = in->plat_visitors[p];
		if (v < ADVICE_MIN_CONV_VISITORS || !c)
			continue;
		if (best == PLATFORM_COUNT) {
			best = p;
			continue;
		}
		/* c / v against the best's: exactly, cross-multiplied, unless
		 * the products pass 64 bits. */
		uint64_t a, b;
		int cmp;
		if (__builtin_mul_overflow(c, in->plat_visitors[best], &a) ||
		    __builtin_mul_overflow(in->plat_conv[best], v, &b)) {
			double x = (double)c / (double)v, y = (double)
			           in->plat_conv[best] / (double)in->plat_visitors[best];
			cmp = (x > y) - (x < y);
		} else {
			cmp = (a > b) - (a < b);
		}
		if (cmp > 0 || (cmp == 0 && c > in->plat_conv[best]))
			best = p;
	}
	return best;
}

size_t advice_for(const struct advice_input *in, struct advice *out,
                  size_t max)
{
	size_t n = 0;
	/* The card's top platform, so the two never disagree. */
	unsigned best = advice_top_platform(in->plat_visitors);

	/* Where their visitors come from. */
	if (n < max && in->clicks == 0 && in->previews) {
		/* A link preview was fetched: the link was posted. */
		snprintf(out[n].text, ADVICE_TEXT,
		         "Your link was posted (link previews fetched it) but "
		         "drew no clicks in this period: add a line on why it "
		         "matters, or post it where your colleagues get the "
		         "most visitors.");
		snprintf(out[n].basis, ADVICE_TEXT,
		         "0 clicks, %" PRIu64 " link preview%s", in->previews,
		         in->previews == 1 ? "" : "s");
		n++;
	} else if (n < max && in->clicks == 0 && in->nunshared == 0) {
		snprintf(out[n].text, ADVICE_TEXT,
		         "No clicks in this period yet: share your link once "
		         "where your colleagues get the most visitors.");
		snprintf(out[n].basis, ADVICE_TEXT, "0 clicks, 0 visitors");
		n++;
	} else if (n < max && best >= PLATFORM_OTHER && best < PLATFORM_COUNT) {
		snprintf(out[n].text, ADVICE_TEXT,
		         "%s brings you the most visitors: post there first.",
		         advice_platform_label(best));
		snprintf(out[n].basis, ADVICE_TEXT,
		         "%" PRIu64 " of your %" PRIu64 " visitor%s came from %s",
		         in->plat_visitors[best], in->visitors,
		         in->visitors == 1 ? "" : "s", advice_platform_label(best));
		n++;
	} else if (n < max && best == PLATFORM_NONE) {
		snprintf(out[n].text, ADVICE_TEXT,
		         "Your visitors come without a referrer (chat apps, "
		         "e-mail, documents): keep sending your link directly.");
		snprintf(out[n].basis, ADVICE_TEXT,
		         "%" PRIu64 " of your %" PRIu64 " visitors had no referrer",
		         in->plat_visitors[PLATFORM_NONE], in->visitors);
		n++;
	}

	/* Where their visitors convert (--conversions). */
	if (n < max && in->has_conv) {
		unsigned bc = advice_best_converting(in);
		if (bc < PLATFORM_COUNT) {
			snprintf(out[n].text, ADVICE_TEXT,
			         "Your visitors from %s convert best: post there "
			         "when the outcome matters.", advice_platform_label(bc));
			snprintf(out[n].basis, ADVICE_TEXT,
			         "%" PRIu64 " conversion%s from %" PRIu64 " visitors "
			         "from %s (%.2f per visitor); all yours: %" PRIu64
			         " from %" PRIu64 " (%.2f)", in->plat_conv[bc],
			         in->plat_conv[bc] == 1 ? "" : "s",
			         in->plat_visitors[bc], advice_platform_label(bc),
			         (double)in->plat_conv[bc] / (double)in->plat_visitors[bc],
			         in->conversions, in->visitors,
			         in->visitors ? (double)in->conversions /
			                        (double)in->visitors : 0.0);
			n++;
		}
	}

	/* When their audience clicks. */
	if (n < max && in->clicks >= ADVICE_MIN_HOUR_CLICKS) {
		unsigned h = 0;
		for (unsigned i = 1; i < 24; i++)
			if (in->hour_clicks[i] > in->hour_clicks[h])
				h = i;
		snprintf(out[n].text, ADVICE_TEXT,
		         "Your clicks peak between %02u:00 and %02u:00 (%s): "
		         "post shortly before.", h, (h + 1) % 24, in->zone);
		snprintf(out[n].basis, ADVICE_TEXT,
		         "%" PRIu64 " of your %" PRIu64 " clicks in that hour",
		         in->hour_clicks[h], in->clicks);
		n++;
	}

	/* Campaigns they have not shared. */
	for (size_t i = 0; i < in->nunshared && n < max; i++) {
		const struct advice_unshared *u = &in->unshared[i];
		snprintf(out[n].text, ADVICE_TEXT,
		         "Share your %s link: minted %u day%s ago, no click yet.",
		         u->campaign, u->days, u->days == 1 ? "" : "s");
		snprintf(out[n].basis, ADVICE_TEXT,
		         "link %s, minted %s, 0 clicks", u->code, u->created);
		n++;
	}

	/* Against the team. */
	/* Against the team (not when both are 0: nothing to compare). */
	if (n < max && in->team[0] && in->team_size >= 2 &&
	    (in->visitors || in->team_median)) {
		if (in->visitors > in->team_median)
			snprintf(out[n].text, ADVICE_TEXT,
			         "You reach more people than most of %s: "
			         "tell your colleagues what works for you.",
			         in->team);
		else if (in->visitors == in->team_median)
			snprintf(out[n].text, ADVICE_TEXT,
			         "You are at the middle of %s: one more share "
			         "puts you ahead.", in->team);
		else
			snprintf(out[n].text, ADVICE_TEXT,
			         "Half of %s reach %" PRIu64 " visitors or more: "
			         "%" PRIu64 " more would take you there.", in->team,
			         in->team_median, in->team_median - in->visitors);
		snprintf(out[n].basis, ADVICE_TEXT,
		         "your %" PRIu64 " visitor%s; median of %s's %zu "
		         "colleagues: %" PRIu64, in->visitors,
		         in->visitors == 1 ? "" : "s", in->team,
		         in->team_size, in->team_median);
		n++;
	}
	return n;
}
