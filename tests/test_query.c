/*
 * test_query: which request parameters pass to the target (query.c): the
 * directive's values, every spelling of a minted tag, incomplete escapes
 * and empty names, and the merged Location, with exact expected values.
 * Every input is handed over in a heap block of exactly its size, without
 * a NUL, so a read past its end is an ASan report.
 */
#include "query.h"
#include "target.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static struct query_pass def, all, off, list;

static void setup(void)
{
	char err[200];
	if (query_pass_parse(QUERY_PASS_DEFAULT, &def, err, sizeof err) < 0 ||
	    query_pass_parse("all", &all, err, sizeof err) < 0 ||
	    query_pass_parse("off", &off, err, sizeof err) < 0 ||
	    query_pass_parse("ref, MC_*, a*", &list, err, sizeof err) < 0) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
}

/* s in a block of exactly strlen(s) bytes (the caller frees it). */
static char *exact(const char *s)
{
	size_t n = strlen(s);
	char *b = malloc(n ? n : 1);
	memcpy(b, s, n);
	return b;
}

static void pass(const struct query_pass *p, const char *pname,
                 const char *name, int want)
{
	char *b = exact(name);
	is_int(query_name_passes(p, b, strlen(name)), want, "%s: '%s' %s", pname,
	       name, want ? "passes" : "does not pass");
	free(b);
}

static void test_names(void)
{
	/* The default: click ids, as sent or however spelled. */
	static const char *const ids[] = { "fbclid", "gclid", "gbraid", "wbraid",
		"dclid", "msclkid", "twclid", "li_fat_id", "ttclid", "yclid" };
	for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
		pass(&def, "default", ids[i], 1);
	pass(&def, "default", "FBCLID", 1);
	pass(&def, "default", "%66bclid", 1);
	pass(&def, "default", "li%5Ffat_id", 1);
	pass(&def, "default", "GcLiD", 1);
	/* ... and nothing else: the open-redirect chain. */
	pass(&def, "default", "next", 0);
	pass(&def, "default", "return_to", 0);
	pass(&def, "default", "redirect_uri", 0);
	pass(&def, "default", "url", 0);
	pass(&def, "default", "fbclid2", 0);
	pass(&def, "default", "fbcli", 0);
	pass(&def, "default", "fbclid ", 0);
	pass(&def, "default", "fbclid%20", 0);
	pass(&def, "default", "fbclid[]", 0);
	/* Blanks in front make another name to the list (PHP drops them,
	 * others do not: two readings, refused). */
	pass(&def, "default", " fbclid", 0);
	pass(&def, "default", "+fbclid", 0);
	pass(&def, "default", "%20fbclid", 0);
	pass(&def, "default", "%00fbclid", 0);

	/* Every spelling of a minted tag, with the default and with all. */
	static const char *const utm[] = { "utm_source", "UTM_SOURCE",
		"utm%5Fsource", "utm%5fsource", "%75tm_source", "%55TM_SOURCE",
		"%75%74%6d_source", "Utm_Content", "utm.source", "utm source",
		"utm+source", "utm[source]", "utm", "UTM", "utmost", "+utm_source",
		" utm_source", "%20utm_source", "%09utm_source", "%00utm_source",
		"++%20utm_campaign", "%2575tm_source", "%25%37%35tm_source",
		"utm%5" };
	for (size_t i = 0; i < sizeof utm / sizeof *utm; i++) {
		pass(&def, "default", utm[i], 0);
		pass(&all, "all", utm[i], 0);
		pass(&list, "list", utm[i], 0);
	}

	/* all: any name, bar the above. */
	pass(&all, "all", "next", 1);
	pass(&all, "all", "a", 1);
	pass(&all, "all", "ut", 1);
	pass(&all, "all", "u", 1);
	pass(&all, "all", "xutm_source", 1);
	pass(&all, "all", " next", 1);
	pass(&all, "all", "%C3%A9", 1);
	/* off: nothing. */
	pass(&off, "off", "fbclid", 0);
	pass(&off, "off", "a", 0);

	/* A list with prefixes. */
	pass(&list, "list", "ref", 1);
	pass(&list, "list", "REF", 1);
	pass(&list, "list", "refs", 0);
	pass(&list, "list", "mc_", 1);
	pass(&list, "list", "mc_eid", 1);
	pass(&list, "list", "Mc_Cid", 1);
	pass(&list, "list", "mc", 0);
	pass(&list, "list", "mcx", 0);
	pass(&list, "list", "abc", 1);
	pass(&list, "list", "fbclid", 0);

	/* Incomplete and odd names: nothing to credit, or a literal '%'. */
	static const char *const odd[] = { "", "%", "%4", "%G1", "%%", "fbclid%",
		"fbclid%6", "fbclid%zz", "%2", " ", "+", "%20", "%00", "+%20+" };
	for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
		pass(&def, "default", odd[i], 0);
		pass(&all, "all", odd[i], 0);
	}

	/* Lengths: a 64-byte name matches, 65 bytes do not; a prefix takes
	 * any length. */
	char err[200], n64[QUERY_NAME_MAX + 2];
	struct query_pass p64;
	memset(n64, 'b', sizeof n64);
	n64[QUERY_NAME_MAX] = '\0';
	is_int(query_pass_parse(n64, &p64, err, sizeof err), 0, "a 64-byte name");
	pass(&p64, "64", n64, 1);
	n64[QUERY_NAME_MAX] = 'b';
	n64[QUERY_NAME_MAX + 1] = '\0';
	pass(&p64, "64", n64, 0);
	pass(&list, "list", n64, 0);
	n64[0] = 'a';
	pass(&list, "list", n64, 1);
}

static void parse(const char *s, int want_rc, int mode, unsigned n,
                  const char *what)
{
	static struct query_pass p, untouched;
	char err[200] = "";
	memset(&p, 0xa5, sizeof p);
	memset(&untouched, 0xa5, sizeof untouched);
	int rc = query_pass_parse(s, &p, err, sizeof err);
	if (want_rc == 0) {
		is_int(rc, 0, "parse '%s': %s", s, what);
		if (rc == 0) {
			is_int(p.mode, mode, "  mode");
			is_int(p.mode == QUERY_LIST ? p.n : 0, n, "  entries");
		} else {
			printf("#   %s\n", err);
		}
	} else {
		ok(rc == -1 && strncmp(err, "query_passthrough: ", 19) == 0,
		   "parse '%s' refused: %s (%s)", s, what, err);
		ok(memcmp(&p, &untouched, sizeof p) == 0, "  *out unchanged");
	}
}

static void test_parse(void)
{
	parse("off", 0, QUERY_OFF, 0, "off");
	parse("no", 0, QUERY_OFF, 0, "no");
	parse("false", 0, QUERY_OFF, 0, "false");
	parse("all", 0, QUERY_ALL, 0, "all");
	parse("on", 0, QUERY_LIST, 10, "on: the default list");
	parse("yes", 0, QUERY_LIST, 10, "yes: the default list");
	parse("true", 0, QUERY_LIST, 10, "true: the default list");
	parse(QUERY_PASS_DEFAULT, 0, QUERY_LIST, 10, "the default");
	parse("fbclid", 0, QUERY_LIST, 1, "one name");
	parse("ref,src ,\tmc_*", 0, QUERY_LIST, 3, "spaces around names");
	parse("a.b~c-d_e", 0, QUERY_LIST, 1, "unreserved characters");
	parse("ut*", 0, QUERY_LIST, 1, "a prefix of utm (utm* still never passes)");

	parse("", -1, 0, 0, "empty");
	parse("a,,b", -1, 0, 0, "an empty name");
	parse("a,", -1, 0, 0, "a trailing comma");
	parse(",a", -1, 0, 0, "a leading comma");
	parse("all, fbclid", -1, 0, 0, "all in a list");
	parse("fbclid, off", -1, 0, 0, "off in a list");
	parse("on,ref", -1, 0, 0, "on in a list");
	parse("*", -1, 0, 0, "a bare star");
	parse("a*b", -1, 0, 0, "a star inside");
	parse("a**", -1, 0, 0, "two stars");
	parse("a b", -1, 0, 0, "a space inside");
	parse("a=b", -1, 0, 0, "an equals sign");
	parse("a&b", -1, 0, 0, "an ampersand");
	parse("a%62", -1, 0, 0, "a percent sign");
	parse("utm_source", -1, 0, 0, "a minted tag");
	parse("UTM_*", -1, 0, 0, "the minted tags");
	parse("utm*", -1, 0, 0, "utm*");
	parse("All", 0, QUERY_ALL, 0, "keywords in any case: All");
	parse("OFF", 0, QUERY_OFF, 0, "keywords in any case: OFF");
	parse("ref, ALL", -1, 0, 0, "ALL in a list");

	char many[400] = "";
	for (int i = 0; i <= QUERY_PASS_MAX; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many), "%sn%d",
		         i ? "," : "", i);
	parse(many, -1, 0, 0, "33 names");
	*strrchr(many, ',') = '\0';
	parse(many, 0, QUERY_LIST, QUERY_PASS_MAX, "32 names");
	char n65[QUERY_NAME_MAX + 3];
	memset(n65, 'c', sizeof n65);
	n65[QUERY_NAME_MAX + 1] = '\0';
	parse(n65, -1, 0, 0, "a 65-byte name");
	n65[QUERY_NAME_MAX] = '*';
	parse(n65, 0, QUERY_LIST, 1, "a 64-byte prefix");
}

/* want NULL: nothing to add (serve the target as it is). */
static void merge(const struct query_pass *p, const char *pname,
                  const char *url, const char *q, size_t cap, const char *want)
{
	char out[TARGET_MAX + 1];
	char *u = exact(url), *b = exact(q);
	size_t n = query_merge(u, strlen(url), b, strlen(q), p, out, cap);
	free(u);
	free(b);
	if (!want) {
		is_int(n, 0, "%s: merge(%.60s, %.60s): unchanged", pname, url, q);
		return;
	}
	out[n] = '\0';
	is_str(n ? out : "(0)", want, "%s: merge(%.60s, %.60s)", pname, url, q);
}

#define MINTED "https://e.org/p?utm_source=advocacy&utm_medium=social" \
               "&utm_campaign=spring&utm_content=alice"

static void test_merge(void)
{
	size_t big = TARGET_MAX;
	/* The cases. */
	merge(&def, "default", "https://e.org/p",
	      "next=https://evil.com&return_to=https://evil.com"
	      "&redirect_uri=https://evil.com&fbclid=X", big,
	      "https://e.org/p?fbclid=X");
	merge(&def, "default", "https://e.org/p", "next=https://evil.com", big, NULL);
	static const char *const spoof[] = { "UTM_SOURCE=evil",
		"utm%5Fsource=evil", "%75tm_source=evil", "a=1;utm_source=evil",
		"utm_content=bob", "utm.content=bob", "+utm_content=bob",
		"%2575tm_source=evil", "a=1&amp;utm_source=evil" };
	for (size_t i = 0; i < sizeof spoof / sizeof *spoof; i++)
		merge(&def, "default", MINTED, spoof[i], big, NULL);
	merge(&list, "list", MINTED, "a=1;utm_source=evil", big, MINTED "&a=1");
	merge(&list, "list", MINTED, "a=1&amp;utm_source=evil", big,
	      MINTED "&a=1&amp");
	merge(&list, "list", MINTED, "utm%5Fsource=evil&ref=x", big,
	      MINTED "&ref=x");
	merge(&all, "all", MINTED, "a=1;utm_source=evil", big, MINTED "&a=1");
	merge(&all, "all", MINTED, "a=1&amp;utm_source=evil", big,
	      MINTED "&a=1&amp");
	merge(&all, "all", MINTED, "UTM_SOURCE=evil&%75tm_content=bob", big, NULL);
	merge(&def, "default", MINTED, "fbclid=Ab-9_c&utm_source=evil", big,
	      MINTED "&fbclid=Ab-9_c");

	/* ';' separates in the request and in the target. */
	merge(&def, "default", "https://e.org/p", "fbclid=1;gclid=2", big,
	      "https://e.org/p?fbclid=1&gclid=2");
	merge(&all, "all", "https://e.org/p?a=1;b=2", "b=3", big, NULL);
	merge(&all, "all", "https://e.org/p?a=1;b=2", "c=3", big,
	      "https://e.org/p?a=1;b=2&c=3");
	/* A name the target has, in any spelling, is not added. */
	merge(&def, "default", "https://e.org/p?fbclid=orig", "FBCLID=x", big, NULL);
	merge(&def, "default", "https://e.org/p?fbclid=orig", "%66bclid=x", big, NULL);
	merge(&all, "all", "https://e.org/p?Ref=1", "ref=2", big, NULL);
	merge(&all, "all", "https://e.org/p?ref=1", "%20ref=2", big, NULL);
	merge(&all, "all", "https://e.org/p?%72ef=1", "REF=2", big, NULL);

	/* Incomplete input: truncated escapes, empty names, '==', trailing
	 * separators. */
	merge(&def, "default", "https://e.org/p", "fbclid=%", big,
	      "https://e.org/p?fbclid=%");
	merge(&def, "default", "https://e.org/p", "fbclid=%4", big,
	      "https://e.org/p?fbclid=%4");
	merge(&def, "default", "https://e.org/p", "fbclid%", big, NULL);
	merge(&def, "default", "https://e.org/p", "fbclid%6", big, NULL);
	merge(&def, "default", "https://e.org/p", "%66bclid%", big, NULL);
	merge(&all, "all", "https://e.org/p", "==", big, NULL);
	merge(&all, "all", "https://e.org/p", "=", big, NULL);
	merge(&all, "all", "https://e.org/p", "=v", big, NULL);
	merge(&def, "default", "https://e.org/p", "fbclid==x", big,
	      "https://e.org/p?fbclid==x");
	merge(&def, "default", "https://e.org/p", "fbclid", big,
	      "https://e.org/p?fbclid");
	merge(&def, "default", "https://e.org/p", "fbclid=1&", big,
	      "https://e.org/p?fbclid=1");
	merge(&def, "default", "https://e.org/p", "fbclid=1;", big,
	      "https://e.org/p?fbclid=1");
	merge(&def, "default", "https://e.org/p", "&;&fbclid=1&;&", big,
	      "https://e.org/p?fbclid=1");
	merge(&all, "all", "https://e.org/p", "&", big, NULL);
	merge(&all, "all", "https://e.org/p", ";", big, NULL);
	merge(&all, "all", "https://e.org/p", "%", big, NULL);
	merge(&off, "off", "https://e.org/p", "fbclid=1", big, NULL);

	/* What the merge did before the allow-list, now under all. */
	merge(&all, "all", "https://e.org/p", "x=1", big, "https://e.org/p?x=1");
	merge(&all, "all", "https://e.org/p?a=1", "x=1&y=2", big,
	      "https://e.org/p?a=1&x=1&y=2");
	merge(&all, "all", "https://e.org/p?a=1#top", "x=1", big,
	      "https://e.org/p?a=1&x=1#top");
	merge(&all, "all", "https://e.org/p#top", "x=1", big,
	      "https://e.org/p?x=1#top");
	merge(&all, "all", "https://e.org/p#f?g", "x=1", big,
	      "https://e.org/p?x=1#f?g");
	merge(&all, "all", "https://e.org/p?", "x=1", big, "https://e.org/p?x=1");
	merge(&all, "all", "https://e.org/p?a=1&", "x=1", big,
	      "https://e.org/p?a=1&x=1");
	merge(&all, "all", "https://e.org/p?a", "a=2&b", big, "https://e.org/p?a&b");
	merge(&all, "all", "https://e.org/p?ab=1", "a=2", big,
	      "https://e.org/p?ab=1&a=2");
	merge(&all, "all", "https://e.org/p?a=1", "&&x=1&&", big,
	      "https://e.org/p?a=1&x=1");
	merge(&all, "all", "https://e.org/p?a=1", "x=1&x=2", big,
	      "https://e.org/p?a=1&x=1&x=2");
	merge(&all, "all", "https://e.org/p?a=1", "a=2", big, NULL);
	merge(&all, "all", "https://e.org/p?a=1", "&&&", big, NULL);
	merge(&all, "all", "https://e.org/p", "", big, NULL);

	/* The cap: all or nothing. */
	merge(&all, "all", "https://e.org/p", "x=1", 19, "https://e.org/p?x=1");
	merge(&all, "all", "https://e.org/p", "x=1", 18, NULL);
	merge(&all, "all", "https://e.org/p#frag", "x=1", 24,
	      "https://e.org/p?x=1#frag");
	merge(&all, "all", "https://e.org/p#frag", "x=1", 23, NULL);
	static char url[TARGET_MAX + 1], want[TARGET_MAX + 1];
	memset(url, 'a', TARGET_MAX - 4);
	memcpy(url, "https://e.org/", 14);
	url[TARGET_MAX - 4] = '\0';
	memcpy(want, url, TARGET_MAX - 4);
	memcpy(want + TARGET_MAX - 4, "?x=1", 5);
	merge(&all, "all", url, "x=1", big, want);
	merge(&all, "all", url, "x=12", big, NULL);
	merge(&all, "all", url, "x=1", big + 100, want);

	/* Bounded: only the first QUERY_PARAMS_MAX parameters past the
	 * allow-list are looked at, however many come. */
	static char q[8192], w[TARGET_MAX + 1];
	size_t qn = 0, wn = 0;
	wn += (size_t)snprintf(w, sizeof w, "https://e.org/p");
	for (int i = 0; i < 300; i++) {
		qn += (size_t)snprintf(q + qn, sizeof q - qn, "%snext=%d&fbclid=%d",
		                       i ? "&" : "", i, i);
		if (i < QUERY_PARAMS_MAX)
			wn += (size_t)snprintf(w + wn, sizeof w - wn, "%sfbclid=%d",
			                       i ? "&" : "?", i);
	}
	merge(&def, "default", "https://e.org/p", q, big, w);
}

/* click_id_param's name never passes: not with all, not in any spelling
 * the most lenient target reads it in, and a list is not asked. */
static void test_deny(void)
{
	struct query_pass all, list;
	char err[200];
	memset(&all, 0, sizeof all);
	query_pass_deny(&all, "RD_click", 8);
	is_int(query_pass_parse("all", &all, err, sizeof err), 0, "all after deny");
	is_str(all.deny, "rd_click", "the denied name kept by the parse, lower case");
	static const char *const spell[] = { "rd_click", "RD_CLICK", "rd%5Fclick",
		"%72d_click", "rd.click", "rd+click", "rd%20click", "rd[click",
		"rd_click[]", "rd_click[0]", "+rd_click", "rd_click%5B%5D" };
	for (size_t i = 0; i < sizeof spell / sizeof *spell; i++)
		pass(&all, "all, deny rd_click", spell[i], 0);
	pass(&all, "all, deny rd_click", "rd_clicks", 1);
	pass(&all, "all, deny rd_click", "rd_clic", 1);
	pass(&all, "all, deny rd_click", "xrd_click", 1);
	pass(&all, "all, deny rd_click", "fbclid", 1);
	memset(&list, 0, sizeof list);
	is_int(query_pass_parse("fbclid, rd*", &list, err, sizeof err), 0,
	       "a list with rd*");
	query_pass_deny(&list, "rd_click", 8);
	pass(&list, "fbclid, rd*, deny rd_click", "rd_click", 0);
	pass(&list, "fbclid, rd*, deny rd_click", "rd_ref", 1);
	pass(&list, "fbclid, rd*, deny rd_click", "fbclid", 1);

	/* The Location: a client's rd_click dropped, the fbclid kept. */
	char out[512];
	const char *u = "https://example.org/p";
	const char *q = "rd_click=forged&fbclid=x&rd.click=y";
	size_t n = query_merge(u, strlen(u), q, strlen(q), &all, out, sizeof out);
	out[n] = '\0';
	is_str(out, "https://example.org/p?fbclid=x", "merge drops every rd_click");
}

int main(void)
{
	setup();
	test_names();
	test_deny();
	test_parse();
	test_merge();
	return tap_done();
}
