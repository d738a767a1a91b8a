/*
 * test_uaclass: the User-Agent classifier.  A table of real User-Agents
 * (argv[1], tests/data/ua/labeled.tsv) with the class and platform each
 * must get, and the families of issue 16 (argv[2], families.tsv: WebViews
 * and IE strings whose app or organisation token holds a word of
 * automation, text browsers, UC Browser, monitoring agents, Google's
 * non-search fetchers, archivers, AI agents, injection payloads); then the conflict rules, the browser-prefix fallback, the
 * operator rules file (every error with its line, override precedence),
 * case, empty and huge User-Agents, odd bytes.  Every verdict is also held
 * to the brute-force reference, ua_classify_slow.
 */
#include "uaclass.h"
#include "tap.h"

#include <xxhash.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ua_rules *builtin;

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

/* One memo for every classification of the whole run: the rules sets
 * change under it, hundreds of User-Agents share its slots. */
static struct ua_memo memo;
static unsigned memo_bad;

/* Classify with both implementations, and through the memo (twice: the
 * second is a hit); fail loudly if any disagree. */
static struct ua_verdict both(const struct ua_rules *r, const char *ua,
                              size_t len)
{
	struct ua_verdict a = ua_classify(r, ua, len);
	struct ua_verdict b = ua_classify_slow(r, ua, len);
	for (int k = 0; k < 2; k++) {
		struct ua_verdict m = ua_classify_memo(r, &memo, ua, len);
		if (m.class != a.class || m.platform != a.platform)
			memo_bad++;
	}
	if (a.class != b.class || a.platform != b.platform)
		ok(0, "automaton and reference disagree (%s/%s vs %s/%s): %.*s",
		   clickrec_class_name(a.class), clickrec_platform_name(a.platform),
		   clickrec_class_name(b.class), clickrec_platform_name(b.platform),
		   (int)(len > 200 ? 200 : len), ua ? ua : "");
	return a;
}

static void expect(const struct ua_rules *r, const char *ua, int class,
                   int platform, const char *what)
{
	struct ua_verdict v = both(r, ua, ua ? strlen(ua) : 0);
	int good = v.class == class && v.platform == platform;
	ok(good, "%s", what);
	if (!good)
		printf("#   got %s/%s, want %s/%s for %s\n",
		       clickrec_class_name(v.class),
		       clickrec_platform_name(v.platform),
		       clickrec_class_name((unsigned)class),
		       clickrec_platform_name((unsigned)platform),
		       ua ? ua : "(null)");
}

/* ------------------------------------------------------- the real table */

/* A family of families.tsv: its rows, people and not. */
struct family {
	char name[32];
	unsigned humans, others;
};

static void family_check(const struct family *f)
{
	if (f->name[0])
		ok(f->humans + f->others >= 5 && f->humans && f->others,
		   "family %s: %u rows, %u human, %u not (5 or more, both "
		   "directions)", f->name, f->humans + f->others, f->humans,
		   f->others);
}

/* Check every row of a table; families: also each "# family: NAME"
 * section's rows.  Returns the rows' counts by class. */
static void test_table(const char *path, int families,
                       unsigned counts[CLASS_COUNT], unsigned *nfamilies)
{
	size_t len;
	char *text = slurp(path, &len);
	if (!ok(text != NULL, "read %s", path))
		return;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	struct family fam = { "", 0, 0 };
	unsigned lineno = 0, rows = 0;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (families && strncmp(line, "# family: ", 10) == 0) {
			family_check(&fam);
			fam.humans = fam.others = 0;
			size_t n = strcspn(line + 10, " ");
			snprintf(fam.name, sizeof fam.name, "%.*s", (int)n,
			         line + 10);
			(*nfamilies)++;
			continue;
		}
		if (line[0] == '#' || line[0] == '\0')
			continue;
		char *t1 = strchr(line, '\t');
		char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!t1 || !t2) {
			ok(0, "%s:%u: class<TAB>platform<TAB>ua", path, lineno);
			continue;
		}
		*t1 = *t2 = '\0';
		int class = clickrec_class_parse(line);
		int platform = strcmp(t1 + 1, "-") == 0 ? PLATFORM_UNKNOWN :
		               clickrec_platform_parse(t1 + 1);
		if (class <= 0 || platform < 0) {
			ok(0, "%s:%u: known class and platform", path, lineno);
			continue;
		}
		char what[120];
		snprintf(what, sizeof what, "%s:%u %s: %.80s", base,
		         lineno, line, t2 + 1);
		expect(builtin, t2 + 1, class, platform, what);
		counts[class]++;
		if (class == CLASS_HUMAN)
			fam.humans++;
		else
			fam.others++;
		rows++;
	}
	family_check(&fam);
	free(text);
}

static void test_tables(const char *labeled, const char *families)
{
	unsigned c[CLASS_COUNT] = { 0 }, nf = 0;
	test_table(labeled, 0, c, &nf);
	unsigned rows = c[CLASS_HUMAN] + c[CLASS_PREVIEW] + c[CLASS_CRAWLER] +
	                c[CLASS_TOOL];
	ok(rows >= 400 && c[CLASS_HUMAN] >= 150 && c[CLASS_PREVIEW] >= 50 &&
	   c[CLASS_CRAWLER] >= 50 && c[CLASS_TOOL] >= 50, "table has %u rows "
	   "(%u human, %u preview, %u crawler, %u tool)", rows, c[CLASS_HUMAN],
	   c[CLASS_PREVIEW], c[CLASS_CRAWLER], c[CLASS_TOOL]);
	memset(c, 0, sizeof c);
	test_table(families, 1, c, &nf);
	ok(nf >= 9, "families.tsv has %u families (9 in issue 16)", nf);
}

/* --------------------------------------------------- conflicts, fallback */

#define CHROME_ANDROID "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/" \
	"UD1A.231105.004; wv) AppleWebKit/537.36 (KHTML, like Gecko) " \
	"Version/4.0 Chrome/120.0.6099.43 Mobile Safari/537.36"
#define CHROME_WIN "Mozilla/5.0 (Windows NT 10.0; Win64; x64) " \
	"AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"

static void test_conflicts(void)
{
	const struct ua_rules *r = builtin;
	/* A named service outranks a library it is built on. */
	expect(r, "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient "
	       "+http://www.linkedin.com)", CLASS_PREVIEW, 0,
	       "service beats library: LinkedInBot over Apache-HttpClient");
	expect(r, "Mastodon/4.2.1 (http.rb/5.1.1; +https://mastodon.social/)",
	       CLASS_PREVIEW, 0, "service beats library: Mastodon over http.rb");
	/* A named unfurler outranks an in-app token. */
	expect(r, "Mozilla/5.0 (compatible; Snap URL Preview Service; bot; "
	       "snapchat; https://developers.snap.com/robots)", CLASS_PREVIEW, 0,
	       "unfurler beats in-app: Snap URL Preview over snapchat");
	expect(r, CHROME_ANDROID " musical_ly_31.5.0 (compatible; Bytespider)",
	       CLASS_CRAWLER, 0, "crawler beats in-app: Bytespider over TikTok");
	expect(r, CHROME_ANDROID " [FB_IAB/FB4A;FBAV/441.0.0.23.105;] "
	       "facebookexternalhit/1.1", CLASS_PREVIEW, 0,
	       "unfurler beats in-app: facebookexternalhit over FB_IAB");
	/* An in-app token outranks generic words and libraries. */
	expect(r, CHROME_ANDROID " Instagram 307.0.0.34.111 Android (33/13; "
	       "420dpi; 1080x2177; CUBOT; X30; X30; mt6771; en_US; 532277053)",
	       CLASS_HUMAN, PLATFORM_INSTAGRAM, "in-app beats generic 'bot'");
	expect(r, CHROME_ANDROID " [LinkedInApp]/4.1.881 okhttp/4.9.0",
	       CLASS_HUMAN, PLATFORM_LINKEDIN, "in-app beats library");
	expect(r, CHROME_ANDROID " MetaIAB Facebook", CLASS_HUMAN,
	       PLATFORM_FACEBOOK, "Meta's newer in-app token");
	/* Within a tier the longest match wins: Instagram's token is longer
	 * than "fban/" should both appear. */
	expect(r, CHROME_ANDROID " Instagram 307.0.0.34.111 [FBAN/FBIOS]",
	       CLASS_HUMAN, PLATFORM_INSTAGRAM, "longest in-app token wins");
	/* Generic words: a generic library beats a generic word... */
	expect(r, "python-requests/2.31.0 (+https://example.org/bot)",
	       CLASS_TOOL, 0, "library beats generic +http / bot");
	/* ...and within the generic tier the longer word wins. */
	expect(r, CHROME_WIN " SomeFeedbot/1.0", CLASS_TOOL, 0,
	       "generic 'feed' (tool) beats shorter 'bot'");
	expect(r, CHROME_WIN " AcmeCrawler/2.0", CLASS_CRAWLER, 0,
	       "generic 'crawl' in a browser-like UA");
	expect(r, "Mozilla/5.0 (compatible; NewThing/0.1; +https://example.org/"
	       "about)", CLASS_CRAWLER, 0, "generic '+http'");
	expect(r, "Mozilla/5.0 (compatible; AcmeLinkPreview/1.0)",
	       CLASS_PREVIEW, 0, "generic 'preview'");
	expect(r, CHROME_WIN " SiteScanner/3", CLASS_TOOL, 0, "generic 'scan'");
	/* Anchored rules: only the fetcher starts with "WhatsApp". */
	expect(r, "WhatsApp/2.23.20.0 A", CLASS_PREVIEW, 0,
	       "WhatsApp at the start: unfurler");
	expect(r, CHROME_ANDROID " WhatsApp/2.23.20.0", CLASS_HUMAN, 0,
	       "WhatsApp inside a browser UA: not the unfurler");
	expect(r, "Notion/1.0 (https://notion.so; team@makenotion.com)",
	       CLASS_PREVIEW, 0, "Notion's fetcher");
	expect(r, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
	       "AppleWebKit/537.36 (KHTML, like Gecko) Notion/2.2.5 "
	       "Chrome/114.0.5735.289 Electron/25.8.4 Safari/537.36",
	       CLASS_HUMAN, 0, "Notion's desktop app is not its fetcher");
}

static void test_fallback(void)
{
	const struct ua_rules *r = builtin;
	expect(r, NULL, CLASS_TOOL, 0, "missing User-Agent: tool");
	is_int(ua_classify(r, NULL, 0).class, CLASS_TOOL, "NULL, 0: tool");
	is_int(ua_classify(r, "", 0).class, CLASS_TOOL, "empty: tool");
	is_int(ua_classify(r, CHROME_WIN, 0).class, CLASS_TOOL,
	       "length 0 means empty whatever the pointer");
	expect(r, " ", CLASS_TOOL, 0, "a space: tool");
	expect(r, "Mozilla/5.0 (X11)", CLASS_HUMAN, 0,
	       "shortest browser shape: human");
	expect(r, "Mozilla/5.0(X11)", CLASS_HUMAN, 0, "no space before '('");
	expect(r, "Mozilla/5.0", CLASS_TOOL, 0, "bare Mozilla/5.0: tool");
	expect(r, "Mozilla/5.0 ", CLASS_TOOL, 0, "Mozilla/5.0 and a space");
	expect(r, "Mozilla/ (X11)", CLASS_TOOL, 0, "no version: tool");
	expect(r, "Mozilla/5.0 researchscan.example.org", CLASS_TOOL, 0,
	       "Mozilla/5.0 then a name: not a browser");
	expect(r, "mozilla/5.0 (X11; Linux x86_64)", CLASS_TOOL, 0,
	       "lower-case mozilla: browsers never send it");
	expect(r, "Opera/9.80 (Windows NT 6.1) Presto/2.12.388 Version/12.18",
	       CLASS_HUMAN, 0, "Opera/9.80 (Presto): human");
	expect(r, "SomeApp/1.0", CLASS_TOOL, 0, "unknown non-browser: tool");
	/* A built-in human token vouches for browsers only. */
	expect(r, "Instagram 302.0.0.23.114 Android (33/13; 420dpi; 1080x2177; "
	       "samsung; SM-G991B; o1s; exynos2100; en_US; 519063617)",
	       CLASS_TOOL, 0, "Instagram's API client (no Mozilla): tool");
	expect(r, "[FBAN/FB4A;FBAV/441.0.0.23.105;]", CLASS_TOOL, 0,
	       "a bare FBAN token: tool");
	expect(r, "Twitter for iPhone/10.10", CLASS_TOOL, 0,
	       "Twitter's API client: tool");
}

static void test_case_and_bytes(void)
{
	const struct ua_rules *r = builtin;
	expect(r, "Mozilla/5.0 (compatible; GOOGLEBOT/2.1)", CLASS_CRAWLER, 0,
	       "upper case matches");
	expect(r, "Mozilla/5.0 (compatible; gOoGlEbOt/2.1)", CLASS_CRAWLER, 0,
	       "mixed case matches");
	expect(r, CHROME_ANDROID " INSTAGRAM 302.0", CLASS_HUMAN,
	       PLATFORM_INSTAGRAM, "in-app tokens ignore case too");
	/* Non-ASCII bytes: never folded, never matched by ASCII rules. */
	expect(r, "Mozilla/5.0 (X11; Linux x86_64; \xc3\xa9t\xc3\xa9) "
	       "Gecko/20100101 Firefox/121.0 \xff\xfe\x80", CLASS_HUMAN, 0,
	       "UTF-8 and high bytes in a browser UA");
	expect(r, "\xff\xff\xff\xff", CLASS_TOOL, 0, "only high bytes: tool");
	expect(r, CHROME_WIN " Bytesp\xc3\xae" "der", CLASS_HUMAN, 0,
	       "a non-ASCII byte breaks a token");
	expect(r, "Mozilla/5.0 (X11) \xc2\xa0" "bot", CLASS_CRAWLER, 0,
	       "a token right after non-ASCII bytes");
	/* NUL bytes are bytes: the length rules. */
	{
		static const char ua[] = "Mozilla/5.0 (X11)\0Googlebot";
		struct ua_verdict v = both(r, ua, sizeof ua - 1);
		is_int(v.class, CLASS_CRAWLER, "a NUL inside does not end the UA");
		v = both(r, ua, 17);
		is_int(v.class, CLASS_HUMAN, "the length bounds the scan");
	}

	/* 8 KiB User-Agents: a token at the start, in the middle, at the
	 * very end, and none. */
	enum { BIG = 8192 };
	char *big = malloc(BIG);
	if (!big)
		return;
	memset(big, 'a', BIG);
	memcpy(big, CHROME_WIN, strlen(CHROME_WIN));
	is_int(both(r, big, BIG).class, CLASS_HUMAN, "8 KiB browser UA: human");
	memcpy(big + BIG - 9, "Googlebot", 9);
	is_int(both(r, big, BIG).class, CLASS_CRAWLER,
	       "8 KiB with Googlebot in its last bytes: crawler");
	is_int(both(r, big, BIG - 1).class, CLASS_HUMAN,
	       "one byte shorter: the token is cut, human");
	memcpy(big + BIG / 2, "HeadlessChrome", 14);
	is_int(both(r, big, BIG).class, CLASS_TOOL,
	       "8 KiB, two service tokens: the longer (HeadlessChrome) wins");
	memset(big, 'x', BIG);
	is_int(both(r, big, BIG).class, CLASS_TOOL, "8 KiB of 'x': tool");
	for (size_t i = 0; i < BIG; i++)
		big[i] = (char)(i * 131 + 7);
	struct ua_verdict v = both(r, big, BIG);
	ok(v.class >= CLASS_HUMAN && v.class <= CLASS_TOOL,
	   "8 KiB of every byte value: some verdict");
	free(big);
}

/* ------------------------------------------------------ operator rules */

/* Compile text; return the rules and leave the diagnostics in *d. */
static struct ua_rules *rules(const char *text, struct ua_diag *d)
{
	return ua_rules_new(text, strlen(text), d);
}

/* The file must fail with exactly these (line, message prefix) errors. */
static void expect_errors(const char *text, unsigned n, const unsigned *lines,
                          const char *const *msgs, const char *what)
{
	struct ua_diag d;
	struct ua_rules *r = rules(text, &d);
	ok(r == NULL, "%s: refused", what);
	ua_rules_free(r);
	is_int(d.n, n, "%s: %u errors", what, n);
	for (unsigned i = 0; i < n && i < d.n && i < UA_DIAG_MAX; i++) {
		is_int(d.e[i].line, lines[i], "%s: error %u at line %u", what, i,
		       lines[i]);
		ok(strncmp(d.e[i].msg, msgs[i], strlen(msgs[i])) == 0,
		   "%s: error %u says \"%s...\" (got \"%s\")", what, i, msgs[i],
		   d.e[i].msg);
	}
}

static void test_parser(void)
{
	struct ua_diag d;
	struct ua_rules *r;

	r = rules("", &d);
	ok(r && d.n == 0, "empty file: built-ins only");
	ua_rules_free(r);
	r = rules("# only a comment\n\n   \t\n# another\n", &d);
	ok(r && d.n == 0, "comments and blank lines");
	ua_rules_free(r);
	r = ua_rules_new(NULL, 0, NULL);
	ok(r != NULL, "no file, no diag");
	ua_rules_free(r);
	ua_rules_free(NULL);

	r = rules("human MyCompanyIntranetBrowser\n"
	          "preview AcmeChatUnfurler/   # our chat's previews\n"
	          "\ttool\t MyHealthProbe \r\n"
	          "crawler/other Intranet Walker v2\n"
	          "human/x XPad\n"
	          "preview/mastodon Bird", &d);   /* no final newline */
	ok(r && d.n == 0, "a valid file with every shape of line");
	if (r) {
		expect(r, "MyCompanyIntranetBrowser/3.1", CLASS_HUMAN, 0,
		       "operator human, even without Mozilla/");
		expect(r, "AcmeChatUnfurler/2 (+https://acme.example)",
		       CLASS_PREVIEW, 0, "operator preview; comment stripped");
		expect(r, CHROME_WIN " myhealthprobe", CLASS_TOOL, 0,
		       "tabs, CR trimmed; case-insensitive");
		expect(r, CHROME_WIN " MyHealthProbe/1", CLASS_TOOL, 0,
		       "the same, as written");
		expect(r, CHROME_WIN " intranet walker V2", CLASS_CRAWLER,
		       PLATFORM_OTHER, "inner spaces kept; platform other");
		expect(r, CHROME_WIN " Intranet Walker", CLASS_HUMAN, 0,
		       "a prefix of the substring does not match");
		expect(r, CHROME_ANDROID " XPad/1", CLASS_HUMAN, PLATFORM_X,
		       "operator platform on a human rule");
		expect(r, "Bird/2", CLASS_PREVIEW, PLATFORM_MASTODON,
		       "last line without newline; platform on a preview");
		expect(r, "Googlebot/2.1", CLASS_CRAWLER, 0,
		       "built-ins still apply");
	}
	ua_rules_free(r);

	/* Operator rules override built-ins of every tier. */
	r = rules("human Googlebot\n"
	          "tool Chrome/\n"
	          "preview facebookexternalhit\n"
	          "crawler/facebook FBAN/\n"
	          "human curl/\n", &d);
	ok(r && d.n == 0, "overriding rules compile");
	if (r) {
		expect(r, "Mozilla/5.0 (compatible; Googlebot/2.1; "
		       "+http://www.google.com/bot.html)", CLASS_HUMAN, 0,
		       "operator human beats built-in crawler");
		expect(r, CHROME_WIN, CLASS_TOOL, 0,
		       "operator tool beats the browser fallback");
		expect(r, "facebookexternalhit/1.1", CLASS_PREVIEW, 0,
		       "operator rule equal to a built-in one replaces it");
		expect(r, "Mozilla/5.0 (iPhone) [FBAN/FBIOS;FBAV/1]", CLASS_CRAWLER,
		       PLATFORM_FACEBOOK, "operator beats in-app");
		expect(r, "curl/8.5.0", CLASS_HUMAN, 0,
		       "operator human beats library and fallback");
		expect(r, "Mozilla/5.0 (X11) Firefox/121.0", CLASS_HUMAN, 0,
		       "unrelated UAs unchanged");
	}
	ua_rules_free(r);

	/* Among operator rules, the longest match wins. */
	r = rules("tool Acme\npreview AcmeChat\n", &d);
	ok(r != NULL, "two overlapping operator rules");
	if (r) {
		expect(r, "AcmeChat/1", CLASS_PREVIEW, 0, "longer operator rule");
		expect(r, "Acme/1", CLASS_TOOL, 0, "shorter alone");
	}
	ua_rules_free(r);

	/* '^' in an operator rule is a plain byte, not an anchor. */
	r = rules("tool ^probe\n", &d);
	ok(r != NULL, "'^' in a substring");
	if (r) {
		expect(r, "probe/1", CLASS_TOOL, 0, "'^' is not an anchor: no "
		       "match at the start, tool by fallback anyway");
		expect(r, CHROME_WIN " x^probe", CLASS_TOOL, 0,
		       "'^' matched as a byte");
		expect(r, CHROME_WIN " probe", CLASS_HUMAN, 0,
		       "without '^' no match");
	}
	ua_rules_free(r);

	/* Non-ASCII substrings match byte for byte; ASCII letters fold. */
	r = rules("tool B\xc3\xbc" "cherBot-\xc3\x9c\n", &d);
	ok(r != NULL, "non-ASCII substring");
	if (r) {
		expect(r, CHROME_WIN " b\xc3\xbc" "cherbot-\xc3\x9c", CLASS_TOOL, 0,
		       "non-ASCII rule matches, ASCII case folded");
		expect(r, CHROME_WIN " b\xc3\xbc" "cherbot-\xc3\xbc", CLASS_CRAWLER,
		       0, "non-ASCII bytes are not case-folded (generic 'bot' "
		       "instead)");
	}
	ua_rules_free(r);

	/* Errors, each with its line; parsing goes on to show them all. */
	{
		static const unsigned lines[] = { 2, 3, 4, 5, 6, 7, 8, 10 };
		static const char *const msgs[] = {
			"unknown class \"robot\"",
			"unknown platform \"myspace\"",
			"empty substring",
			"empty substring",
			"unknown class \"probe\"",
			"unknown class \"Human\"",
			"duplicate rule (first at line 1)",
			"unknown class \"unknown\"",
		};
		expect_errors("tool Foo\n"
		              "robot Bar\n"
		              "human/myspace Baz\n"
		              "preview\n"
		              "crawler    # only a comment after the class\n"
		              "probe Qux\n"
		              "Human Quux\n"
		              "human FOO\n"
		              "# fine\n"
		              "unknown Zot\n", 8, lines, msgs, "bad classes etc.");
	}
	{
		char text[600];
		memset(text, 0, sizeof text);
		strcpy(text, "tool ");
		memset(text + 5, 'x', UA_RULE_MAX);
		strcat(text, "\ntool ");
		size_t at = strlen(text);
		memset(text + at, 'y', UA_RULE_MAX + 1);
		strcat(text, "\n");
		static const unsigned lines[] = { 2 };
		static const char *const msgs[] = { "substring of 201 bytes" };
		expect_errors(text, 1, lines, msgs, "overlong substring");
		text[at + UA_RULE_MAX] = '\n';    /* now exactly 200 'y's */
		struct ua_rules *ok200 = rules(text, &d);
		ok(ok200 != NULL && d.n == 0, "200-byte substrings are fine");
		if (ok200) {
			char ua[400] = CHROME_WIN;
			memset(ua + strlen(ua), 'y', UA_RULE_MAX);
			ua[strlen(CHROME_WIN) + UA_RULE_MAX] = '\0';
			expect(ok200, ua, CLASS_TOOL, 0, "and they match");
		}
		ua_rules_free(ok200);
	}
	{
		static const unsigned lines[] = { 1, 3 };
		static const char *const msgs[] = {
			"control character 0x01",
			"control character 0x7f",
		};
		expect_errors("tool a\x01" "b\ntool tab\there\ntool del\x7f\n", 2,
		              lines, msgs, "control characters (tab allowed)");
		static const unsigned lines2[] = { 1, 2 };
		static const char *const msgs2[] = {
			"control character 0x0d",
			"control character 0x00",
		};
		static const char text[] = "tool a\rb\nhuman\0junk Foo\n";
		struct ua_diag d2;
		struct ua_rules *r2 = ua_rules_new(text, sizeof text - 1, &d2);
		ok(r2 == NULL && d2.n == 2, "CR inside, NUL in the class: refused");
		for (unsigned i = 0; i < 2 && i < d2.n; i++)
			ok(d2.e[i].line == lines2[i] &&
			   strcmp(d2.e[i].msg, msgs2[i]) == 0,
			   "line %u: %s (got %u: %s)", lines2[i], msgs2[i],
			   d2.e[i].line, d2.e[i].msg);
		ua_rules_free(r2);
	}
	{
		static const char text[] = "tool a\0b\n";
		r = ua_rules_new(text, sizeof text - 1, &d);
		ok(r == NULL && d.n == 1 && d.e[0].line == 1 &&
		   strstr(d.e[0].msg, "0x00"), "a NUL byte in a rule");
		ua_rules_free(r);
	}
	{
		static const unsigned lines[] = { 1, 2 };
		static const char *const msgs[] = {
			"unknown platform \"\"",
			"unknown platform \"X\"",
		};
		expect_errors("preview/ Foo\nhuman/X Bar\n", 2, lines, msgs,
		              "empty or mis-cased platform");
	}
	{
		/* More errors than are kept: all counted, the first 16 kept. */
		char text[40 * 32] = "";
		for (int i = 0; i < 30; i++)
			strcat(text, "nope x\n");
		r = rules(text, &d);
		ok(r == NULL && d.n == 30, "30 errors counted (got %u)", d.n);
		is_int(d.e[UA_DIAG_MAX - 1].line, UA_DIAG_MAX, "the 16th kept is "
		       "line 16");
		ua_rules_free(r);
	}
	{
		/* Too many rules. */
		size_t cap = (UA_RULES_MAX + 2) * 16;
		char *text = malloc(cap);
		if (text) {
			size_t n = 0;
			for (int i = 0; i < UA_RULES_MAX + 1; i++)
				n += (size_t)snprintf(text + n, cap - n, "tool r%05d\n", i);
			r = ua_rules_new(text, n, &d);
			ok(r == NULL && d.n == 1 && d.e[0].line == UA_RULES_MAX + 1,
			   "rule %d is one too many (line %u)", UA_RULES_MAX + 1,
			   d.n ? d.e[0].line : 0);
			ua_rules_free(r);
			r = ua_rules_new(text, n - strlen("tool r01024\n"), &d);
			ok(r != NULL && d.n == 0, "%d rules are fine", UA_RULES_MAX);
			if (r)
				expect(r, CHROME_WIN " R01023", CLASS_TOOL, 0,
				       "the last one works");
			ua_rules_free(r);
			free(text);
		}
	}
	{
		/* Too many bytes of substrings. */
		size_t per = UA_RULE_MAX, count = UA_RULES_BYTES_MAX / per + 1;
		size_t cap = count * (per + 16);
		char *text = malloc(cap);
		if (text) {
			size_t n = 0;
			for (size_t i = 0; i < count; i++) {
				n += (size_t)snprintf(text + n, cap - n, "tool %04zu", i);
				memset(text + n, 'z', per - 4);
				n += per - 4;
				text[n++] = '\n';
			}
			r = ua_rules_new(text, n, &d);
			ok(r == NULL && d.n == 1 &&
			   d.e[0].line == UA_RULES_BYTES_MAX / per + 1 &&
			   strstr(d.e[0].msg, "bytes of substrings"),
			   "over %d bytes of substrings (line %u)", UA_RULES_BYTES_MAX,
			   d.n ? d.e[0].line : 0);
			ua_rules_free(r);
			free(text);
		}
	}
}

static void test_size(void)
{
	size_t states, bytes;
	ua_rules_size(builtin, &states, &bytes);
	ok(states > 1000 && bytes > states, "automaton: %zu states, %zu KiB",
	   states, bytes / 1024);
}

/* ----------------------------------------------------------- the memo */

static void test_memo(void)
{
	ok(memo_bad == 0, "the memo gave ua_classify's verdict every time "
	   "(%u disagreements)", memo_bad);
	ok(memo.hits > 0 && memo.misses > 0, "the memo both hit (%llu) and "
	   "missed (%llu)", (unsigned long long)memo.hits,
	   (unsigned long long)memo.misses);

	/* Rules that turn a browser into a crawler: the memo must not
	 * answer from the built-in rules' entry. */
	const char *ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
	                 "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
	struct ua_verdict v = ua_classify_memo(builtin, &memo, ua, strlen(ua));
	is_int(v.class, CLASS_HUMAN, "memo: a browser is human");
	const char rules[] = "crawler x11; linux\n";
	struct ua_diag d;
	struct ua_rules *op = ua_rules_new(rules, sizeof rules - 1, &d);
	if (ok(op != NULL, "memo: operator rules compile")) {
		v = ua_classify_memo(op, &memo, ua, strlen(ua));
		is_int(v.class, CLASS_CRAWLER,
		       "memo: new rules, the same User-Agent: the new verdict");
		v = ua_classify_memo(builtin, &memo, ua, strlen(ua));
		is_int(v.class, CLASS_HUMAN, "memo: back to the built-in rules");
		ua_rules_free(op);
	}

	/* Same slot, same length, bytes apart: compared, not trusted. */
	char a[UA_MEMO_LEN + 1], b[UA_MEMO_LEN + 1];
	memset(a, 'x', sizeof a);
	memcpy(a, "Mozilla/5.0 (", 13);
	memcpy(b, a, sizeof b);
	memcpy(b + 100, "googlebot", 9);
	struct ua_memo m = { 0 };
	for (size_t n = 120; n <= UA_MEMO_LEN + 1; n += UA_MEMO_LEN + 1 - 120) {
		/* Vary two bytes of b until both land in one slot. */
		for (unsigned k = 0; k < 65536; k++) {
			b[110] = (char)('a' + k % 26);
			b[111] = (char)('a' + k / 26 % 26);
			b[112] = (char)('a' + k / 676 % 26);
			if ((XXH3_64bits(a, n) & (UA_MEMO_SLOTS - 1)) ==
			    (XXH3_64bits(b, n) & (UA_MEMO_SLOTS - 1)))
				break;
		}
		struct ua_verdict va = ua_classify_memo(builtin, &m, a, n);
		struct ua_verdict vb = ua_classify_memo(builtin, &m, b, n);
		struct ua_verdict va2 = ua_classify_memo(builtin, &m, a, n);
		ok(va.class == ua_classify(builtin, a, n).class &&
		   vb.class == CLASS_CRAWLER && va2.class == va.class,
		   "memo: %zu-byte User-Agents in one slot keep their own "
		   "verdicts%s", n, n > UA_MEMO_LEN ? " (too long: not memoised)" : "");
	}
}

int main(int argc, char **argv)
{
	struct ua_diag d;
	builtin = ua_rules_new(NULL, 0, &d);
	if (!ok(builtin != NULL, "built-in rules compile (no duplicates)")) {
		for (unsigned i = 0; i < d.n && i < UA_DIAG_MAX; i++)
			printf("# %s\n", d.e[i].msg);
		return tap_done();
	}
	if (argc > 2)
		test_tables(argv[1], argv[2]);
	else
		ok(0, "usage: test_uaclass tests/data/ua/labeled.tsv "
		   "tests/data/ua/families.tsv");
	test_conflicts();
	test_fallback();
	test_case_and_bytes();
	test_parser();
	test_size();
	test_memo();
	ua_rules_free(builtin);
	return tap_done();
}
