/* Unit tests of advice.c: a colleague's recommendations, word for word. */
#include <string.h>

#include "advice.h"
#include "tap.h"

static struct advice_input base(void)
{
	struct advice_input in;
	memset(&in, 0, sizeof in);
	in.zone = "UTC";
	in.team = "north";
	return in;
}

int main(void)
{
	struct advice a[8];
	size_t n;

	/* The median: the lower middle, always someone's figure. */
	uint64_t v1[] = { 5, 1, 9 }, v2[] = { 8, 2, 4, 6 }, v3[] = { 7 };
	is_int(advice_median(v1, 3), 5, "median of 3");
	is_int(advice_median(v2, 4), 4, "median of 4: the lower middle");
	is_int(advice_median(v3, 1), 7, "median of 1");
	is_int(advice_median(NULL, 0), 0, "median of none");

	/* Platform, hour, team above the median. */
	struct advice_input in = base();
	in.visitors = 8;
	in.clicks = 10;
	in.plat_visitors[PLATFORM_LINKEDIN] = 5;
	in.plat_visitors[PLATFORM_X] = 2;
	in.plat_visitors[PLATFORM_NONE] = 6;    /* none never wins */
	in.hour_clicks[9] = 4;
	in.hour_clicks[17] = 4;                 /* a tie: the earlier */
	in.hour_clicks[3] = 2;
	in.zone = "Europe/Paris";
	in.team_size = 3;
	in.team_median = 5;
	n = advice_for(&in, a, 8);
	is_int(n, 3, "three recommendations");
	is_str(a[0].text, "LinkedIn brings you the most visitors: post there "
	       "first.", "best platform");
	is_str(a[0].basis, "5 of your 8 visitors came from LinkedIn",
	       "best platform: basis");
	is_str(a[1].text, "Your clicks peak between 09:00 and 10:00 "
	       "(Europe/Paris): post shortly before.", "best hour, ties earlier");
	is_str(a[1].basis, "4 of your 10 clicks in that hour", "best hour: basis");
	is_str(a[2].text, "You reach more people than most of north: tell your "
	       "colleagues what works for you.", "above the team median");
	is_str(a[2].basis, "your 8 visitors; median of north's 3 colleagues: 5",
	       "team: basis");
	is_int(advice_for(&in, a, 1), 1, "max is respected");

	/* Few clicks: no hour; no referrer; below the median; unshared. */
	in = base();
	in.visitors = 2;
	in.clicks = 2;
	in.plat_visitors[PLATFORM_NONE] = 2;
	in.hour_clicks[23] = 2;
	in.team_size = 4;
	in.team_median = 6;
	struct advice_unshared u[] = {
		{ "spring", "Abc12345", 12, "2026-03-01" },
		{ "autumn", "Zz9", 1, "2026-03-12" },
	};
	in.unshared = u;
	in.nunshared = 2;
	n = advice_for(&in, a, 8);
	is_int(n, 4, "four recommendations");
	is_str(a[0].text, "Your visitors come without a referrer (chat apps, "
	       "e-mail, documents): keep sending your link directly.",
	       "no referrer");
	is_str(a[0].basis, "2 of your 2 visitors had no referrer",
	       "no referrer: basis");
	is_str(a[1].text, "Share your spring link: minted 12 days ago, no click "
	       "yet.", "an unshared campaign");
	is_str(a[1].basis, "link Abc12345, minted 2026-03-01, 0 clicks",
	       "unshared: basis");
	is_str(a[2].text, "Share your autumn link: minted 1 day ago, no click "
	       "yet.", "one day, singular");
	is_str(a[3].text, "Half of north reach 6 visitors or more: 4 more would "
	       "take you there.", "below the team median");

	/* Nothing at all; alone in a team; at the median. */
	in = base();
	in.team_size = 1;
	n = advice_for(&in, a, 8);
	is_int(n, 1, "no clicks: one recommendation (no team of one)");
	is_str(a[0].text, "No clicks in this period yet: share your link once "
	       "where your colleagues get the most visitors.", "no clicks");
	is_str(a[0].basis, "0 clicks, 0 visitors", "no clicks: basis");
	in.team_size = 2;
	in.team_median = 0;
	is_int(advice_for(&in, a, 8), 1, "0 visitors, median 0: no comparison");
	in.visitors = in.clicks = 3;
	in.plat_visitors[PLATFORM_X] = 3;
	in.team_median = 3;
	n = advice_for(&in, a, 8);
	is_str(a[n - 1].text, "You are at the middle of north: one more share "
	       "puts you ahead.", "at the median");
	in.team = "";
	is_int(advice_for(&in, a, 8), 1, "no team: no comparison");
	is_str(a[0].text, "X brings you the most visitors: post there first.",
	       "X");

	is_str(advice_platform_label(PLATFORM_EMAIL), "e-mail", "label e-mail");
	is_str(advice_platform_label(200), "an unknown platform",
	       "label out of range");
	/* Posted (previews fetched it), no click: not "share your link". */
	in = base();
	in.previews = 3;
	n = advice_for(&in, a, 8);
	ok(n >= 1 && strncmp(a[0].text, "Your link was posted (link previews "
	   "fetched it) but drew no clicks", 57) == 0,
	   "previews, no click: it was posted");
	is_str(a[0].basis, "0 clicks, 3 link previews", "previews: basis");
	in.previews = 1;
	advice_for(&in, a, 8);
	is_str(a[0].basis, "0 clicks, 1 link preview", "one preview: singular");

	/* Conversions: the platform whose visitors convert best, with at
	 * least ADVICE_MIN_CONV_VISITORS visitors and a conversion. */
	in = base();
	in.visitors = 30;
	in.clicks = 3;      /* no hour advice */
	in.plat_visitors[PLATFORM_LINKEDIN] = 20;
	in.plat_visitors[PLATFORM_X] = 5;
	in.plat_visitors[PLATFORM_FACEBOOK] = 4;    /* too few */
	in.plat_conv[PLATFORM_LINKEDIN] = 4;
	in.plat_conv[PLATFORM_X] = 2;
	in.plat_conv[PLATFORM_FACEBOOK] = 4;
	in.conversions = 11;
	n = advice_for(&in, a, 8);
	is_int(n, 1, "without has_conv: no conversion advice");
	in.has_conv = 1;
	n = advice_for(&in, a, 8);
	ok(n == 2, "with has_conv: one more");
	is_str(a[1].text, "Your visitors from X convert best: post there when "
	       "the outcome matters.", "the best rate wins, not the most");
	is_str(a[1].basis, "2 conversions from 5 visitors from X (0.40 per "
	       "visitor); all yours: 11 from 30 (0.37)", "its figures");
	in.plat_conv[PLATFORM_LINKEDIN] = 8;    /* 8/20 = 2/5: a tie */
	advice_for(&in, a, 8);
	ok(strstr(a[1].text, "LinkedIn") != NULL,
	   "a tie in rate: the most conversions");
	in.plat_visitors[PLATFORM_X] = 4;
	in.plat_visitors[PLATFORM_LINKEDIN] = 4;
	in.plat_visitors[PLATFORM_UNKNOWN] = 20;
	in.plat_conv[PLATFORM_UNKNOWN] = 20;
	is_int(advice_for(&in, a, 8), 1,
	       "no platform with enough visitors (unknown never counts): none");
	in.plat_visitors[PLATFORM_NONE] = 5;
	in.plat_conv[PLATFORM_NONE] = 1;
	advice_for(&in, a, 8);
	is_str(a[1].basis, "1 conversion from 5 visitors from no referrer (0.20 "
	       "per visitor); all yours: 11 from 30 (0.37)",
	       "no referrer may convert best; one conversion");

	/* The top platform: named ones first, ties to the lower number. */
	uint64_t pv[PLATFORM_COUNT] = { 0 };
	is_int(advice_top_platform(pv), PLATFORM_COUNT, "no visitor: none");
	pv[PLATFORM_UNKNOWN] = 9;
	is_int(advice_top_platform(pv), PLATFORM_UNKNOWN, "only unknown");
	pv[PLATFORM_NONE] = 1;
	is_int(advice_top_platform(pv), PLATFORM_NONE,
	       "no referrer before unknown");
	pv[PLATFORM_X] = 1;
	is_int(advice_top_platform(pv), PLATFORM_X,
	       "a named platform before no referrer and unknown");
	pv[PLATFORM_LINKEDIN] = 1;
	is_int(advice_top_platform(pv), PLATFORM_X < PLATFORM_LINKEDIN ?
	       PLATFORM_X : PLATFORM_LINKEDIN, "a tie: the lower number");
	pv[PLATFORM_LINKEDIN] = 2;
	is_int(advice_top_platform(pv), PLATFORM_LINKEDIN, "most visitors");
	is_str(advice_platform_word(PLATFORM_UNKNOWN), "unknown platform",
	       "unknown, in a word");
	is_str(advice_platform_word(PLATFORM_NONE), "no referrer",
	       "none, in words");
	return tap_done();
}
