/*
 * Fuzz target: the User-Agent classifier.  The input is classified as a
 * User-Agent (with the built-ins plus a fixed operator file), and parsed as
 * an operator rules file, whose rules, if accepted, classify the input and
 * a few fixed User-Agents.  Every verdict must equal the brute-force
 * reference's (ua_classify_slow), which checks the automaton's construction
 * (failure links, scores, anchoring, case folding) and where words of
 * automation stand (comments, WebViews) against arbitrary rules, and the
 * memo's (twice: a miss, then a hit) must equal both.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uaclass.h"

static const char fixed_rules[] =
	"# a fixed operator file\n"
	"human MyCompanyIntranetBrowser\n"
	"preview/mastodon AcmeChatUnfurler/\n"
	"tool MyUptimeProbe\n"
	"crawler/other bot-\xc3\x9c\n"
	"tool ^a\n"
	"human aaaa\n"
	"preview aab\n";

static const char *const samples[] = {
	("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
	 "like Gecko) Chrome/120.0.0.0 Safari/537.36"),
	"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
	"facebookexternalhit/1.1 Facebot Twitterbot/1.0",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
	"",
};

static struct ua_memo memo;

static void check(const struct ua_rules *r, const char *ua, size_t len)
{
	struct ua_verdict a = ua_classify(r, ua, len);
	struct ua_verdict b = ua_classify_slow(r, ua, len);
	if (a.class != b.class || a.platform != b.platform)
		abort();
	for (int k = 0; k < 2; k++) {
		struct ua_verdict m = ua_classify_memo(r, &memo, ua, len);
		if (m.class != a.class || m.platform != a.platform)
			abort();
	}
	if (a.class < CLASS_HUMAN || a.class > CLASS_TOOL ||
	    a.platform >= PLATFORM_COUNT)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ua_rules *fixed;
	struct ua_diag d;
	if (!fixed) {
		fixed = ua_rules_new(fixed_rules, sizeof fixed_rules - 1, &d);
		if (!fixed)
			abort();
	}
	check(fixed, (const char *)data, size);

	struct ua_rules *r = ua_rules_new((const char *)data, size, &d);
	if (!r) {
		if (d.n == 0)
			abort();    /* no memory for a small file: impossible */
		for (unsigned i = 0; i < d.n && i < UA_DIAG_MAX; i++)
			if (!memchr(d.e[i].msg, '\0', sizeof d.e[i].msg) ||
			    d.e[i].line == 0 || d.e[i].line > size + 1)
				abort();
		return 0;
	}
	if (d.n != 0)
		abort();
	check(r, (const char *)data, size);
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
		check(r, samples[i], strlen(samples[i]));
	ua_rules_free(r);
	return 0;
}
