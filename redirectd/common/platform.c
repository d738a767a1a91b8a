/* platform: the platform of a click from its Referer.  See platform.h. */
#include "platform.h"

#include <stdint.h>
#include <string.h>

#include "netaddr.h"

struct host_rule {
	const char *name;      /* lower case, under 64 bytes */
	unsigned char len;
	unsigned char platform;
};

#define R(name, p) { name, sizeof name - 1, p }

/*
 * A host matches a rule when it is the rule's name or ends in "." + name.
 * Only registrable domains or hosts a platform alone controls go here: a
 * suffix rule for a shared domain would claim every customer of it.
 * Order does not matter (no name here is a suffix of another with a
 * different platform), except that this table wins over the heuristics.
 */
static const struct host_rule host_rules[] = {
	R("t.co", PLATFORM_X),
	R("x.com", PLATFORM_X),
	R("twitter.com", PLATFORM_X),             /* incl. mobile.twitter.com */
	R("facebook.com", PLATFORM_FACEBOOK),     /* l. lm. m. www. web. mbasic. */
	R("fb.me", PLATFORM_FACEBOOK),
	R("fb.com", PLATFORM_FACEBOOK),
	R("fb.watch", PLATFORM_FACEBOOK),
	R("messenger.com", PLATFORM_FACEBOOK),
	R("linkedin.com", PLATFORM_LINKEDIN),
	R("lnkd.in", PLATFORM_LINKEDIN),
	R("instagram.com", PLATFORM_INSTAGRAM),   /* incl. l.instagram.com */
	R("bsky.app", PLATFORM_BLUESKY),          /* incl. go.bsky.app */
	R("bsky.social", PLATFORM_BLUESKY),
	R("threads.net", PLATFORM_THREADS),
	R("threads.com", PLATFORM_THREADS),
	R("reddit.com", PLATFORM_REDDIT),         /* old. out. www. */
	R("redd.it", PLATFORM_REDDIT),
	R("youtube.com", PLATFORM_YOUTUBE),       /* m. www. music. */
	R("youtu.be", PLATFORM_YOUTUBE),
	R("tiktok.com", PLATFORM_TIKTOK),
	/* Webmail.  Only the mail hosts: google.com or yahoo.com as a whole
	 * are search engines, not email. */
	R("mail.google.com", PLATFORM_EMAIL),
	R("outlook.live.com", PLATFORM_EMAIL),
	R("outlook.office.com", PLATFORM_EMAIL),
	R("outlook.office365.com", PLATFORM_EMAIL),
	R("mail.yahoo.com", PLATFORM_EMAIL),
	R("mail.proton.me", PLATFORM_EMAIL),
	R("mail.aol.com", PLATFORM_EMAIL),
	R("app.fastmail.com", PLATFORM_EMAIL),
	R("mail.zoho.com", PLATFORM_EMAIL),
	/* Large Mastodon instances.  Any other instance is found only by
	 * the heuristic in name_read(), if at all. */
	R("mastodon.social", PLATFORM_MASTODON),
	R("mastodon.online", PLATFORM_MASTODON),
	R("mastodon.world", PLATFORM_MASTODON),
	R("mastodon.cloud", PLATFORM_MASTODON),
	R("mstdn.social", PLATFORM_MASTODON),
	R("mstdn.jp", PLATFORM_MASTODON),
	R("mas.to", PLATFORM_MASTODON),
	R("fosstodon.org", PLATFORM_MASTODON),
	R("hachyderm.io", PLATFORM_MASTODON),
	R("infosec.exchange", PLATFORM_MASTODON),
	R("techhub.social", PLATFORM_MASTODON),
	R("social.vivaldi.net", PLATFORM_MASTODON),
	R("pawoo.net", PLATFORM_MASTODON),
	R("universeodon.com", PLATFORM_MASTODON),
	R("mastodonapp.uk", PLATFORM_MASTODON),
	R("chaos.social", PLATFORM_MASTODON),
	R("mathstodon.xyz", PLATFORM_MASTODON),
	R("troet.cafe", PLATFORM_MASTODON),
	R("det.social", PLATFORM_MASTODON),
	R("masto.ai", PLATFORM_MASTODON),
	R("mindly.social", PLATFORM_MASTODON),
	R("aus.social", PLATFORM_MASTODON),
	R("ioc.exchange", PLATFORM_MASTODON),
	R("toot.community", PLATFORM_MASTODON),
	R("indieweb.social", PLATFORM_MASTODON),
	R("sfba.social", PLATFORM_MASTODON),
};

/* Android apps send "android-app://<package>" (Chrome custom tabs and
 * WebViews).  Exact package names: a package id is not a domain, and
 * "com.google.android" as a suffix would claim every Google app. */
static const struct host_rule app_rules[] = {
	R("com.google.android.gm", PLATFORM_EMAIL),          /* Gmail */
	R("com.google.android.gm.lite", PLATFORM_EMAIL),     /* Gmail Go */
	R("com.microsoft.office.outlook", PLATFORM_EMAIL),
	R("com.yahoo.mobile.client.android.mail", PLATFORM_EMAIL),
	R("ch.protonmail.android", PLATFORM_EMAIL),
	R("com.linkedin.android", PLATFORM_LINKEDIN),
	R("com.twitter.android", PLATFORM_X),
	R("com.facebook.katana", PLATFORM_FACEBOOK),
	R("com.facebook.lite", PLATFORM_FACEBOOK),
	R("com.facebook.orca", PLATFORM_FACEBOOK),           /* Messenger */
	R("com.instagram.android", PLATFORM_INSTAGRAM),
	R("com.instagram.barcelona", PLATFORM_THREADS),      /* Threads */
	R("com.reddit.frontpage", PLATFORM_REDDIT),
	R("org.joinmastodon.android", PLATFORM_MASTODON),
	R("xyz.blueskyweb.app", PLATFORM_BLUESKY),
	R("com.google.android.youtube", PLATFORM_YOUTUBE),
	R("com.zhiliaoapp.musically", PLATFORM_TIKTOK),
	R("com.ss.android.ugc.trill", PLATFORM_TIKTOK),
};

#undef R

#define N_OF(a) (sizeof (a) / sizeof (a)[0])

/* Host bytes: the byte lower-cased, or 0 if it may not be in a host name
 * (letters, digits, '-', '_' (seen in real hosts), '.'). */
static const unsigned char host_byte[256] = {
	['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
	['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
	['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e',
	['f'] = 'f', ['g'] = 'g', ['h'] = 'h', ['i'] = 'i', ['j'] = 'j',
	['k'] = 'k', ['l'] = 'l', ['m'] = 'm', ['n'] = 'n', ['o'] = 'o',
	['p'] = 'p', ['q'] = 'q', ['r'] = 'r', ['s'] = 's', ['t'] = 't',
	['u'] = 'u', ['v'] = 'v', ['w'] = 'w', ['x'] = 'x', ['y'] = 'y',
	['z'] = 'z',
	['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e',
	['F'] = 'f', ['G'] = 'g', ['H'] = 'h', ['I'] = 'i', ['J'] = 'j',
	['K'] = 'k', ['L'] = 'l', ['M'] = 'm', ['N'] = 'n', ['O'] = 'o',
	['P'] = 'p', ['Q'] = 'q', ['R'] = 'r', ['S'] = 's', ['T'] = 't',
	['U'] = 'u', ['V'] = 'v', ['W'] = 'w', ['X'] = 'x', ['Y'] = 'y',
	['Z'] = 'z',
	['-'] = '-', ['_'] = '_', ['.'] = '.',
};

/* Bytes that end an authority: '/', '?', '#', and '\', which browsers
 * read as '/' in http URLs ("https://x.com\@evil.example" goes to x.com). */
static const unsigned char authority_stop[256] = {
	['/'] = 1, ['?'] = 1, ['#'] = 1, ['\\'] = 1,
};

/* 1 if s[0..len) is, case-insensitively, the scheme `want` + "://". */
static int has_scheme(const char *s, size_t len, const char *want, size_t wlen)
{
	if (len < wlen + 3)
		return 0;
	for (size_t i = 0; i < wlen; i++)
		if (host_byte[(unsigned char)s[i]] != (unsigned char)want[i])
			return 0;
	return s[wlen] == ':' && s[wlen + 1] == '/' && s[wlen + 2] == '/';
}

/* A host name, lower-cased, with what the lookup needs to know of it. */
struct name {
	char low[PLATFORM_HOST_MAX + 1];   /* + a trailing dot */
	size_t n;
	enum click_platform hint;   /* the heuristics' answer, if no rule */
};

static int label_is(const char *l, size_t n, const char *want, size_t wlen)
{
	return n == wlen && memcmp(l, want, n) == 0;
}

/*
 * Read a host name from h[0..max) into *nm, in one pass that lower-cases,
 * checks labels and works out the heuristics' hint.  Returns the bytes
 * read (the name stops at the first byte that cannot be in one), or 0 if
 * there is no valid name there: empty, an empty label, over
 * PLATFORM_HOST_MAX.  A trailing dot ("example.com.") is read but not
 * kept: it names the same host.
 *
 * The heuristics, for hosts no rule knows:
 *   - Mastodon: a label "mastodon" or "mstdn" anywhere but last
 *     (mastodon.art, mstdn.ca, social.mastodon.example).  Mastodon has
 *     thousands of instances under any name: most are not caught, and a
 *     site so named that is not Mastodon is miscounted.
 *   - Email: a first label "mail" or "webmail" with a domain after it
 *     (mail.example.com, webmail.example.net, mail.ru): the usual names
 *     of providers' webmail.  Webmail under other names is missed.
 * A label counts only once a byte after its dot shows it is not last.
 */
static size_t name_read(const char *h, size_t max, struct name *nm)
{
	size_t k = 0, label = 0;
	enum click_platform pending = PLATFORM_OTHER;
	nm->hint = PLATFORM_OTHER;
	for (; k < max; k++) {
		unsigned char c = host_byte[(unsigned char)h[k]];
		if (c == 0)
			break;
		if (k == sizeof nm->low)
			return 0;
		nm->low[k] = (char)c;
		if (c != '.') {
			if (pending != PLATFORM_OTHER &&
			    nm->hint != PLATFORM_MASTODON)
				nm->hint = pending;
			pending = PLATFORM_OTHER;
			continue;
		}
		const char *l = nm->low + label;
		size_t ln = k - label;
		if (ln == 0)
			return 0;
		if (label_is(l, ln, "mastodon", 8) || label_is(l, ln, "mstdn", 5))
			pending = PLATFORM_MASTODON;
		else if (label == 0 && (label_is(l, ln, "mail", 4) ||
		                        label_is(l, ln, "webmail", 7)))
			pending = PLATFORM_EMAIL;
		label = k + 1;
	}
	nm->n = k;
	if (k > 0 && nm->low[k - 1] == '.')
		nm->n--;   /* the trailing dot; ".." was refused above */
	if (nm->n == 0 || nm->n > PLATFORM_HOST_MAX)
		return 0;
	return k;
}

/* The rule host nm is or is a subdomain of, else the heuristics' hint. */
static enum click_platform host_lookup(const struct name *nm)
{
	const char *low = nm->low;
	size_t n = nm->n;
	/* Bit L set: the last L bytes are a whole name (all of it, or what
	 * follows a dot).  One test then rejects almost every rule without
	 * touching the host; rule names are under 64 bytes. */
	uint64_t ends = n < 64 ? (uint64_t)1 << n : 0;
	for (size_t i = n; i-- > 0 && n - i - 1 < 64;)
		if (low[i] == '.')
			ends |= (uint64_t)1 << (n - i - 1);
	for (size_t i = 0; i < N_OF(host_rules); i++) {
		const struct host_rule *r = &host_rules[i];
		if ((ends >> r->len & 1) &&
		    memcmp(low + n - r->len, r->name, r->len) == 0)
			return r->platform;
	}
	return nm->hint;
}

/* The rule package name nm is, exactly, or PLATFORM_OTHER. */
static enum click_platform app_lookup(const struct name *nm)
{
	for (size_t i = 0; i < N_OF(app_rules); i++)
		if (app_rules[i].len == nm->n &&
		    memcmp(nm->low, app_rules[i].name, nm->n) == 0)
			return app_rules[i].platform;
	return PLATFORM_OTHER;
}

enum click_platform platform_from_referer(const char *ref, size_t len,
                                          const char **host, size_t *host_len)
{
	*host = ref;
	*host_len = 0;
	if (!ref || len == 0)
		return PLATFORM_NONE;

	size_t start;
	int app = 0;
	if (has_scheme(ref, len, "https", 5))
		start = 8;
	else if (has_scheme(ref, len, "http", 4))
		start = 7;
	else if (has_scheme(ref, len, "android-app", 11))
		start = 14, app = 1;
	else
		return PLATFORM_OTHER;

	/* The authority, and in it the host: after the last '@' (userinfo
	 * is skipped, "https://facebook.com@evil.example/" is evil.example). */
	size_t end = start, h = start;
	for (; end < len && !authority_stop[(unsigned char)ref[end]]; end++)
		if (ref[end] == '@')
			h = end + 1;

	struct name nm;
	if (app) {
		/* A package id: letters, digits, '_' and '.', nothing else. */
		if (h != start || name_read(ref + start, end - start, &nm) !=
		                  end - start || nm.n != end - start ||
		    memchr(nm.low, '-', nm.n))
			return PLATFORM_OTHER;
		*host = ref + start;
		*host_len = nm.n;
		return app_lookup(&nm);
	}

	size_t e;   /* end of the host */
	if (h < end && ref[h] == '[') {
		struct netaddr ip;
		const char *close = memchr(ref + h, ']', end - h);
		e = close ? (size_t)(close - ref) + 1 : 0;
		if (!close || netaddr_parse_bracketed(ref + h, e - h, &ip) < 0)
			return PLATFORM_OTHER;
		nm.n = e - h;
	} else {
		size_t k = name_read(ref + h, end - h, &nm);
		if (k == 0)
			return PLATFORM_OTHER;
		e = h + k;
	}
	if (e < end) {
		/* ":port", possibly empty (RFC 3986 allows it). */
		if (ref[e] != ':' || end - e - 1 > 5)
			return PLATFORM_OTHER;
		for (size_t i = e + 1; i < end; i++)
			if (ref[i] < '0' || ref[i] > '9')
				return PLATFORM_OTHER;
	}
	*host = ref + h;
	*host_len = nm.n;
	if (ref[h] == '[')
		return PLATFORM_OTHER;
	return host_lookup(&nm);
}
