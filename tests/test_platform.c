/* Unit tests: platform (the platform of a click from its Referer). */
#include <string.h>

#include "platform.h"
#include "tap.h"

/* Check platform and host view of a NUL-terminated referrer. */
static void ref(const char *r, enum click_platform want, const char *want_host)
{
	const char *host = (const char *)1;
	size_t hlen = 99;
	size_t len = strlen(r);
	enum click_platform p = platform_from_referer(r, len, &host, &hlen);
	char got[300];
	if (hlen >= sizeof got)
		hlen = sizeof got - 1;
	memcpy(got, host, hlen);
	got[hlen] = '\0';
	is_str(clickrec_platform_name(p), clickrec_platform_name(want),
	       "'%s' -> %s", r, clickrec_platform_name(want));
	is_str(got, want_host, "  host '%s'", want_host);
	ok(hlen == 0 || (host >= r && host + hlen <= r + len), "  host inside input");
}

static void test_absent(void)
{
	const char *host = (const char *)1;
	size_t hlen = 99;
	is_int(platform_from_referer(NULL, 0, &host, &hlen), PLATFORM_NONE, "NULL: none");
	is_int(hlen, 0, "  no host");
	is_int(platform_from_referer("https://x.com/", 0, &host, &hlen),
	       PLATFORM_NONE, "length 0: none");
	is_int(hlen, 0, "  no host");
}

static void test_table(void)
{
	ref("https://t.co/abc", PLATFORM_X, "t.co");
	ref("https://x.com/user/status/1", PLATFORM_X, "x.com");
	ref("https://twitter.com/", PLATFORM_X, "twitter.com");
	ref("https://mobile.twitter.com/", PLATFORM_X, "mobile.twitter.com");
	ref("https://facebook.com/", PLATFORM_FACEBOOK, "facebook.com");
	ref("https://l.facebook.com/", PLATFORM_FACEBOOK, "l.facebook.com");
	ref("https://lm.facebook.com/", PLATFORM_FACEBOOK, "lm.facebook.com");
	ref("https://m.facebook.com/", PLATFORM_FACEBOOK, "m.facebook.com");
	ref("https://www.facebook.com/", PLATFORM_FACEBOOK, "www.facebook.com");
	ref("https://web.facebook.com/", PLATFORM_FACEBOOK, "web.facebook.com");
	ref("https://mbasic.facebook.com/", PLATFORM_FACEBOOK, "mbasic.facebook.com");
	ref("https://fb.me/x", PLATFORM_FACEBOOK, "fb.me");
	ref("https://fb.com/", PLATFORM_FACEBOOK, "fb.com");
	ref("https://www.messenger.com/", PLATFORM_FACEBOOK, "www.messenger.com");
	ref("https://www.linkedin.com/feed/", PLATFORM_LINKEDIN, "www.linkedin.com");
	ref("https://linkedin.com/", PLATFORM_LINKEDIN, "linkedin.com");
	ref("https://lnkd.in/abc", PLATFORM_LINKEDIN, "lnkd.in");
	ref("https://instagram.com/", PLATFORM_INSTAGRAM, "instagram.com");
	ref("https://l.instagram.com/?u=x", PLATFORM_INSTAGRAM, "l.instagram.com");
	ref("https://bsky.app/profile/a", PLATFORM_BLUESKY, "bsky.app");
	ref("https://go.bsky.app/x", PLATFORM_BLUESKY, "go.bsky.app");
	ref("https://bsky.social/", PLATFORM_BLUESKY, "bsky.social");
	ref("https://www.threads.net/@a", PLATFORM_THREADS, "www.threads.net");
	ref("https://threads.com/", PLATFORM_THREADS, "threads.com");
	ref("https://reddit.com/r/x", PLATFORM_REDDIT, "reddit.com");
	ref("https://old.reddit.com/", PLATFORM_REDDIT, "old.reddit.com");
	ref("https://out.reddit.com/t3_x", PLATFORM_REDDIT, "out.reddit.com");
	ref("https://www.reddit.com/", PLATFORM_REDDIT, "www.reddit.com");
	ref("https://redd.it/abc", PLATFORM_REDDIT, "redd.it");
	ref("https://youtube.com/", PLATFORM_YOUTUBE, "youtube.com");
	ref("https://www.youtube.com/watch?v=x", PLATFORM_YOUTUBE, "www.youtube.com");
	ref("https://m.youtube.com/", PLATFORM_YOUTUBE, "m.youtube.com");
	ref("https://youtu.be/x", PLATFORM_YOUTUBE, "youtu.be");
	ref("https://www.tiktok.com/", PLATFORM_TIKTOK, "www.tiktok.com");
	ref("https://tiktok.com/", PLATFORM_TIKTOK, "tiktok.com");
	ref("https://mail.google.com/mail/u/0/", PLATFORM_EMAIL, "mail.google.com");
	ref("https://outlook.live.com/mail/0/", PLATFORM_EMAIL, "outlook.live.com");
	ref("https://outlook.office.com/", PLATFORM_EMAIL, "outlook.office.com");
	ref("https://outlook.office365.com/", PLATFORM_EMAIL, "outlook.office365.com");
	ref("https://mail.yahoo.com/", PLATFORM_EMAIL, "mail.yahoo.com");
	ref("https://mail.proton.me/u/0/", PLATFORM_EMAIL, "mail.proton.me");
	ref("https://mail.aol.com/", PLATFORM_EMAIL, "mail.aol.com");
	ref("https://app.fastmail.com/", PLATFORM_EMAIL, "app.fastmail.com");
	ref("https://mail.zoho.com/", PLATFORM_EMAIL, "mail.zoho.com");
	ref("https://mail.zoho.eu/", PLATFORM_EMAIL, "mail.zoho.eu");   /* heuristic */
	ref("https://mastodon.social/@a", PLATFORM_MASTODON, "mastodon.social");
	ref("https://mastodon.online/", PLATFORM_MASTODON, "mastodon.online");
	ref("https://mstdn.social/", PLATFORM_MASTODON, "mstdn.social");
	ref("https://mas.to/", PLATFORM_MASTODON, "mas.to");
	ref("https://fosstodon.org/", PLATFORM_MASTODON, "fosstodon.org");
	ref("https://hachyderm.io/", PLATFORM_MASTODON, "hachyderm.io");
	ref("https://infosec.exchange/", PLATFORM_MASTODON, "infosec.exchange");
	ref("https://mastodon.world/", PLATFORM_MASTODON, "mastodon.world");
	ref("https://techhub.social/", PLATFORM_MASTODON, "techhub.social");
	ref("https://social.vivaldi.net/", PLATFORM_MASTODON, "social.vivaldi.net");
	ref("https://mstdn.jp/", PLATFORM_MASTODON, "mstdn.jp");
	ref("https://pawoo.net/", PLATFORM_MASTODON, "pawoo.net");
	ref("https://universeodon.com/", PLATFORM_MASTODON, "universeodon.com");
	ref("https://mastodon.cloud/", PLATFORM_MASTODON, "mastodon.cloud");
}

static void test_heuristics(void)
{
	ref("https://mastodon.art/@a", PLATFORM_MASTODON, "mastodon.art");
	ref("https://social.mastodon.example/", PLATFORM_MASTODON,
	    "social.mastodon.example");
	ref("https://mstdn.ca/", PLATFORM_MASTODON, "mstdn.ca");
	ref("https://mastodon/", PLATFORM_OTHER, "mastodon");          /* no domain */
	ref("https://example.mastodon/", PLATFORM_OTHER, "example.mastodon");
	ref("https://mastodonia.example/", PLATFORM_OTHER, "mastodonia.example");
	ref("https://vivaldi.net/", PLATFORM_OTHER, "vivaldi.net");    /* not social. */
	ref("https://webmail.example.net/", PLATFORM_EMAIL, "webmail.example.net");
	ref("https://mail.example.com/owa/", PLATFORM_EMAIL, "mail.example.com");
	ref("https://mail.ru/", PLATFORM_EMAIL, "mail.ru");
	ref("https://e.mail.ru/", PLATFORM_OTHER, "e.mail.ru");   /* first label only */
	ref("https://mailchimp.com/", PLATFORM_OTHER, "mailchimp.com");
	ref("https://www.google.com/", PLATFORM_OTHER, "www.google.com");
	ref("https://search.yahoo.com/", PLATFORM_OTHER, "search.yahoo.com");
	ref("https://mail/", PLATFORM_OTHER, "mail");
	ref("https://mastodon./", PLATFORM_OTHER, "mastodon");        /* last label */
	ref("https://example.mastodon./", PLATFORM_OTHER, "example.mastodon");
	ref("https://mail.example.com./", PLATFORM_EMAIL, "mail.example.com");
	ref("https://mail.mastodon.example/", PLATFORM_MASTODON,
	    "mail.mastodon.example");
	/* The table wins over the heuristics. */
	ref("https://mail.facebook.com/", PLATFORM_FACEBOOK, "mail.facebook.com");
	ref("https://mastodon.linkedin.com/", PLATFORM_LINKEDIN,
	    "mastodon.linkedin.com");
}

static void test_lookalikes(void)
{
	ref("https://notfacebook.com/", PLATFORM_OTHER, "notfacebook.com");
	ref("https://t.co.evil.example/", PLATFORM_OTHER, "t.co.evil.example");
	ref("https://facebook.com.evil.example/", PLATFORM_OTHER,
	    "facebook.com.evil.example");
	ref("https://x.company.com/", PLATFORM_OTHER, "x.company.com");
	ref("https://box.com/", PLATFORM_OTHER, "box.com");
	ref("https://mytwitter.com/", PLATFORM_OTHER, "mytwitter.com");
	ref("https://ft.co/", PLATFORM_OTHER, "ft.co");
	ref("https://facebook.co/", PLATFORM_OTHER, "facebook.co");
	ref("https://youtube.com.br/", PLATFORM_OTHER, "youtube.com.br");
	ref("https://evil.example/facebook.com", PLATFORM_OTHER, "evil.example");
	ref("https://evil.example/?r=https://t.co/", PLATFORM_OTHER, "evil.example");
	ref("https://facebook.com@evil.example/", PLATFORM_OTHER, "evil.example");
	ref("https://google.com/", PLATFORM_OTHER, "google.com");
	ref("https://outlook.com/", PLATFORM_OTHER, "outlook.com");
	ref("https://live.com/", PLATFORM_OTHER, "live.com");
}

static void test_url_forms(void)
{
	/* Case, ports, userinfo, trailing dot. */
	ref("https://WWW.FaceBook.COM/", PLATFORM_FACEBOOK, "WWW.FaceBook.COM");
	ref("HTTPS://T.CO/x", PLATFORM_X, "T.CO");
	ref("Http://x.com", PLATFORM_X, "x.com");
	ref("https://x.com:443/", PLATFORM_X, "x.com");
	ref("https://x.com:/", PLATFORM_X, "x.com");
	ref("http://x.com:8080", PLATFORM_X, "x.com");
	ref("https://user:pw@x.com/", PLATFORM_X, "x.com");
	ref("https://a@b@x.com:1/", PLATFORM_X, "x.com");
	ref("https://x.com./", PLATFORM_X, "x.com");
	ref("https://MAIL.Example.COM/", PLATFORM_EMAIL, "MAIL.Example.COM");
	/* The host view never reaches the path, query or fragment. */
	ref("https://x.com?q=1", PLATFORM_X, "x.com");
	ref("https://x.com#frag", PLATFORM_X, "x.com");
	ref("https://x.com/path?x=facebook.com#y", PLATFORM_X, "x.com");
	ref("https://x.com\\@evil.example/", PLATFORM_X, "x.com");
	ref("https://example.org/a/b?c=d", PLATFORM_OTHER, "example.org");
	ref("https://sub_domain.example.org/", PLATFORM_OTHER, "sub_domain.example.org");
	ref("https://xn--bcher-kva.example/", PLATFORM_OTHER, "xn--bcher-kva.example");
	/* IP literals: other, with the host. */
	ref("http://192.0.2.1/", PLATFORM_OTHER, "192.0.2.1");
	ref("http://192.0.2.1:8080/x", PLATFORM_OTHER, "192.0.2.1");
	ref("http://[2001:db8::1]/", PLATFORM_OTHER, "[2001:db8::1]");
	ref("http://[2001:db8::1]:8443/", PLATFORM_OTHER, "[2001:db8::1]");
	ref("http://[2001:db8::1/", PLATFORM_OTHER, "");
	ref("http://[]/", PLATFORM_OTHER, "");
	ref("http://[fe80::1%25eth0]/", PLATFORM_OTHER, "");
	ref("http://[::1]x/", PLATFORM_OTHER, "");
	ref("http://[1.2.3.4]/", PLATFORM_OTHER, "");
	ref("http://[::ffff:1.2.3.4]/", PLATFORM_OTHER, "[::ffff:1.2.3.4]");
	ref("http://[1:2:3:4:5:6:7:8:9:0:1:2:3:4:5:6:7:8:9:0:1:2:3:4:5:6:7:8:9]/",
	    PLATFORM_OTHER, "");
}

static void test_android(void)
{
	ref("android-app://com.google.android.gm", PLATFORM_EMAIL,
	    "com.google.android.gm");
	ref("android-app://com.google.android.gm/", PLATFORM_EMAIL,
	    "com.google.android.gm");
	ref("android-app://com.linkedin.android/", PLATFORM_LINKEDIN,
	    "com.linkedin.android");
	ref("android-app://com.twitter.android", PLATFORM_X, "com.twitter.android");
	ref("android-app://com.facebook.katana/", PLATFORM_FACEBOOK,
	    "com.facebook.katana");
	ref("android-app://com.instagram.android", PLATFORM_INSTAGRAM,
	    "com.instagram.android");
	ref("android-app://com.reddit.frontpage", PLATFORM_REDDIT,
	    "com.reddit.frontpage");
	ref("android-app://org.joinmastodon.android", PLATFORM_MASTODON,
	    "org.joinmastodon.android");
	ref("android-app://xyz.blueskyweb.app", PLATFORM_BLUESKY,
	    "xyz.blueskyweb.app");
	ref("ANDROID-APP://COM.TWITTER.ANDROID", PLATFORM_X, "COM.TWITTER.ANDROID");
	ref("android-app://com.google.android.gm/https/mail.google.com/",
	    PLATFORM_EMAIL, "com.google.android.gm");
	ref("android-app://com.google.android.googlequicksearchbox/",
	    PLATFORM_OTHER, "com.google.android.googlequicksearchbox");
	/* Packages match exactly, not as suffixes or prefixes. */
	ref("android-app://com.google.android", PLATFORM_OTHER, "com.google.android");
	ref("android-app://evil.com.twitter.android", PLATFORM_OTHER,
	    "evil.com.twitter.android");
	ref("android-app://com.twitter.android.evil", PLATFORM_OTHER,
	    "com.twitter.android.evil");
	ref("android-app://", PLATFORM_OTHER, "");
	ref("android-app:///x", PLATFORM_OTHER, "");
	ref("android-app://com.x:80/", PLATFORM_OTHER, "");
	ref("android-app://a@com.twitter.android", PLATFORM_OTHER, "");
	ref("android-app://com-twitter", PLATFORM_OTHER, "");
}

static void test_garbage(void)
{
	ref("garbage", PLATFORM_OTHER, "");
	ref("/relative/path", PLATFORM_OTHER, "");
	ref("//x.com/", PLATFORM_OTHER, "");              /* no scheme */
	ref("x.com", PLATFORM_OTHER, "");
	ref("ftp://x.com/", PLATFORM_OTHER, "");
	ref("file:///etc/passwd", PLATFORM_OTHER, "");
	ref("chrome-extension://abcdef/", PLATFORM_OTHER, "");
	ref("https:x.com", PLATFORM_OTHER, "");
	ref("https:/x.com", PLATFORM_OTHER, "");
	ref("https://", PLATFORM_OTHER, "");
	ref("https:///path", PLATFORM_OTHER, "");
	ref("https://?q", PLATFORM_OTHER, "");
	ref("https://@/", PLATFORM_OTHER, "");
	ref("https://user@", PLATFORM_OTHER, "");
	ref("https://:443/", PLATFORM_OTHER, "");
	ref("https://x.com:44a/", PLATFORM_OTHER, "");
	ref("https://x.com:123456/", PLATFORM_OTHER, "");
	ref("https://x.com:1:2/", PLATFORM_OTHER, "");
	ref("https://x .com/", PLATFORM_OTHER, "");
	ref("https://x%2ecom/", PLATFORM_OTHER, "");
	ref("https://b\xc3\xbc" "cher.example/", PLATFORM_OTHER, "");
	ref("https://.x.com/", PLATFORM_OTHER, "");
	ref("https://x..com/", PLATFORM_OTHER, "");
	ref("https://x.com../", PLATFORM_OTHER, "");
	ref("https://./", PLATFORM_OTHER, "");
	ref("h", PLATFORM_OTHER, "");
	ref(" https://x.com/", PLATFORM_OTHER, "");
	ref("https ://x.com/", PLATFORM_OTHER, "");
	/* A NUL inside the given length is just an invalid byte. */
	const char *host;
	size_t hlen;
	is_int(platform_from_referer("https://x.c\0m/", 14, &host, &hlen),
	       PLATFORM_OTHER, "NUL in host: other");
	is_int(hlen, 0, "  no host");
	/* Bytes past len are not read. */
	is_int(platform_from_referer("https://x.com.evil.example/", 13, &host, &hlen),
	       PLATFORM_X, "length bounds the referrer");
	is_int(hlen, 5, "  host x.com");
	/* Host length limit. */
	char longref[400];
	strcpy(longref, "https://");
	size_t n = 8;
	while (n < 8 + 250) {
		memcpy(longref + n, "abcd.", 5);
		n += 5;
	}
	memcpy(longref + n, "x.com/", 7);
	is_int(platform_from_referer(longref, strlen(longref), &host, &hlen),
	       PLATFORM_OTHER, "host over 253 bytes: other");
	is_int(hlen, 0, "  no host");
	longref[8 + 250] = '\0';
	memcpy(longref + 8 + 245, "x.com", 5);   /* 49 x "abcd." + "x.com" */
	is_int(platform_from_referer(longref, strlen(longref), &host, &hlen),
	       PLATFORM_X, "250-byte host under x.com");
	is_int(hlen, 250, "  whole host");
}

int main(void)
{
	test_absent();
	test_table();
	test_heuristics();
	test_lookalikes();
	test_url_forms();
	test_android();
	test_garbage();
	return tap_done();
}
