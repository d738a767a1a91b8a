/*
 * uaclass: which kind of client a User-Agent says made a request (human,
 * link preview, crawler, tool) and, for the in-app browsers of social apps,
 * which app, so analysts' leaderboards count humans only.
 *
 * The rules are substrings, matched case-insensitively (ASCII letters only;
 * other bytes exactly) anywhere in the User-Agent (but words of automation:
 * where they stand, below), in one pass through an
 * Aho-Corasick automaton compiled at startup.  Each rule has a tier; the
 * verdict comes from the matching rule of the highest tier and, within a
 * tier, from the longest one (ties: the earlier rule):
 *
 *   5 operator   the ua_rules file: the site knows best
 *   4 service    named unfurlers, crawlers, monitors, scanners, headless
 *                browsers ("facebookexternalhit", "googlebot", "uptimerobot")
 *   3 in-app     the in-app browsers of social apps ("fban/", "instagram ")
 *                and device names that contain a generic word ("cubot"):
 *                class human, with the platform when the app has one
 *   2 library    HTTP libraries and command-line clients ("curl/",
 *                "apache-httpclient"): a service built on one is named
 *                above, so "LinkedInBot/1.0 (... Apache-HttpClient ...)"
 *                stays a preview
 *   1 generic    words of automation ("bot", "crawler", "preview") and
 *                contacts ("+http", "mailto:")
 *
 * Words of automation count in a browser's User-Agent (below) only where
 * they stand: in its product tokens ("... Safari/537.36 AcmeCrawler/2.0"),
 * a "(compatible; ...)" list that is not Internet Explorer's, or a
 * comment of one entry; not in an app's WebView ("; wv)"), whose trailing
 * tokens name the app ("CamScanner/6.5"), nor in the platform's or IE's
 * comments, which name devices and organisations ("Abbott Labs").  A
 * contact without a scheme ("+devin.ai") makes a crawler of what no rule
 * matched.  Browsers that do not start as below (Lynx, Links, ELinks, w3m,
 * UC Browser's "UCWEB/2.0") have rules that vouch for a human on their
 * own; injection payloads ("' OR 1=1", "${jndi:", "{{7*7}}", "<script")
 * are a scanner's, a tool, in any User-Agent.
 *
 * When no rule matches, or the best is a built-in human rule, the verdict
 * is human if the User-Agent starts as browsers' do ("Mozilla/5.0 (",
 * "Opera/9.80 (": a version, then the platform in parentheses) and a tool
 * otherwise: every browser and WebView of the last fifteen years starts
 * so, while libraries, scripts and native app clients ("Dalvik/",
 * "Instagram 302.0 Android", "okhttp/4", "Mozilla/5.0 researchscan") do
 * not.  A missing or empty User-Agent is a tool.  Rules never look at the
 * method: the caller records HEAD as a probe without asking.
 *
 * The platform is PLATFORM_UNKNOWN except for human verdicts from in-app
 * tokens (Facebook, Instagram, Threads, LinkedIn, X, TikTok, Reddit,
 * YouTube; PLATFORM_OTHER for apps without a value of their own: Snapchat,
 * Pinterest, LINE, WeChat, KakaoTalk, Telegram, NAVER, Daum) and for
 * operator rules that name one.
 *
 * Operator rules file, one rule per line, '#' starts a comment (so a
 * substring cannot hold '#'), blank lines are ignored:
 *
 *   CLASS[/PLATFORM] SUBSTRING
 *
 * CLASS is human, preview, crawler or tool; PLATFORM a name that
 * clickrec_platform_parse() knows; SUBSTRING the rest of the line, trimmed
 * of blanks, 1..UA_RULE_MAX bytes.  Control characters but tab are errors
 * anywhere; so is the same substring (case-insensitively) twice.  An
 * operator rule's verdict stands as written, on any User-Agent: "human X"
 * makes "X/1.0" human though it does not start like a browser.  At most
 * UA_RULES_MAX rules and UA_RULES_BYTES_MAX bytes of substrings, which
 * bound the automaton (and startup time and memory).
 */
#ifndef REDIRECTD_UACLASS_H
#define REDIRECTD_UACLASS_H

#include <stddef.h>
#include <stdint.h>

#include "clickrec.h"

#define UA_RULE_MAX 200       /* bytes of one operator substring */
#define UA_RULES_MAX 1024     /* operator rules in one file */
#define UA_RULES_BYTES_MAX 16384  /* their substrings' bytes, all told */
#define UA_DIAG_MAX 16

struct ua_rules;              /* opaque, immutable once compiled */

struct ua_diag {
	unsigned n;           /* errors found (may exceed the kept) */
	struct { unsigned line; char msg[160]; } e[UA_DIAG_MAX];
};

/* Compile the built-in rules plus, if text != NULL, an operator's rules
 * file of len bytes.  Returns the rules (free with ua_rules_free), or NULL:
 * with diag->n > 0 when the file has errors (each with its line; the
 * caller adds the file name), with diag->n == 0 when memory ran out.
 * diag may be NULL.  The result is read-only: share it between threads. */
struct ua_rules *ua_rules_new(const char *text, size_t len,
                              struct ua_diag *diag);
void ua_rules_free(struct ua_rules *r);

struct ua_verdict {
	uint8_t class;        /* enum click_class: HUMAN, PREVIEW, CRAWLER, TOOL */
	uint8_t platform;     /* enum click_platform; see above */
};

/* Classify a User-Agent of len bytes (ua may be NULL when len is 0: a
 * missing header).  Pure, thread-safe, allocation-free; one pass, and a
 * second over parts of a browser's User-Agent when a word of automation
 * would decide. */
struct ua_verdict ua_classify(const struct ua_rules *r, const char *ua,
                              size_t len);

/*
 * A memo of recent verdicts, one per worker (not thread-safe).  Browsers
 * send few distinct User-Agents (Chrome's reduced UA is the same string
 * for millions of people), so most requests repeat one seen moments ago:
 * a hash, a compare of the stored bytes and the verdict, instead of the
 * automaton's pass over the whole string.  Exact: an entry holds the
 * whole User-Agent, and one longer than UA_MEMO_LEN is not memoised.
 * Entries belong to the rules they were made with: a memo given other
 * rules empties itself.  Zero-initialise before first use.
 */
#define UA_MEMO_SLOTS 1024    /* power of two; 256 KiB a worker */
#define UA_MEMO_LEN 246       /* bytes of a memoised User-Agent */
struct ua_memo {
	const struct ua_rules *rules;
	struct ua_memo_slot {
		uint8_t len;      /* 0: empty */
		struct ua_verdict v;
		char ua[UA_MEMO_LEN];
	} slot[UA_MEMO_SLOTS];
	uint64_t hits, misses;
};

/* ua_classify through the memo; the same verdict as ua_classify. */
struct ua_verdict ua_classify_memo(const struct ua_rules *r, struct ua_memo *m,
                                   const char *ua, size_t len);

/* The same verdict by brute force (every rule tried at every offset), as
 * the reference the tests and the fuzzer hold ua_classify to.  Slow: not
 * for the request path. */
struct ua_verdict ua_classify_slow(const struct ua_rules *r, const char *ua,
                                   size_t len);

/* Number of automaton states and bytes of its tables, for startup logs
 * and benchmarks. */
void ua_rules_size(const struct ua_rules *r, size_t *states, size_t *bytes);

#endif
