/* Unit tests of utm.c: tagging targets for campaign links. */
#include <string.h>

#include "tap.h"
#include "out.h"
#include "utm.h"

#define TAGS(c, h) "utm_source=advocacy&utm_medium=social&utm_campaign=" c \
	"&utm_content=" h

static const char *tag(const char *url, const char *camp, const char *who)
{
	static char out[4096];
	size_t n = utm_tag(url, strlen(url), camp, strlen(camp), who,
	                   strlen(who), out, sizeof out);
	return n ? out : NULL;
}

int main(void)
{
	is_str(tag("https://example.org/p", "spring", "ana"),
	       "https://example.org/p?" TAGS("spring", "ana"), "no query");
	is_str(tag("https://example.org", "spring", "ana"),
	       "https://example.org?" TAGS("spring", "ana"), "no path");
	is_str(tag("https://example.org/p?a=1&b=two", "spring", "ana"),
	       "https://example.org/p?a=1&b=two&" TAGS("spring", "ana"),
	       "the query stays, in order, before the tags");
	is_str(tag("https://example.org/p?a=1#top", "spring", "ana"),
	       "https://example.org/p?a=1&" TAGS("spring", "ana") "#top",
	       "the fragment stays last");
	is_str(tag("https://example.org/p#a?b=1", "spring", "ana"),
	       "https://example.org/p?" TAGS("spring", "ana") "#a?b=1",
	       "a '?' in the fragment is not a query");
	is_str(tag("https://example.org/p?", "spring", "ana"),
	       "https://example.org/p?" TAGS("spring", "ana"), "an empty query");
	is_str(tag("https://example.org/p?&a=1&&b=2&", "spring", "ana"),
	       "https://example.org/p?a=1&b=2&" TAGS("spring", "ana"),
	       "empty parameters dropped");
	is_str(tag("https://example.org/p?utm_source=news&a=1&utm_content=x"
	           "&utm_medium&utm_campaign=old&utm_term=t&utm_sourcex=1",
	           "spring", "ana"),
	       "https://example.org/p?a=1&utm_term=t&utm_sourcex=1&"
	       TAGS("spring", "ana"),
	       "our four names replaced, others (utm_term) kept");
	is_str(tag("https://example.org/p", "Spring 2026 / día & more=1",
	           "ana.b_c-d"),
	       "https://example.org/p?" TAGS("Spring%202026%20%2F%20d%C3%ADa%20"
	                                     "%26%20more%3D1", "ana.b_c-d"),
	       "values percent-encoded (space %%20, UTF-8 bytes, & and =)");
	is_str(tag("https://example.org/p", "~x", ""),
	       "https://example.org/p?" TAGS("~x", ""), "unreserved ~ stays");

	char small[64];
	const char *u = "https://example.org/p";
	is_int(utm_tag(u, strlen(u), "c", 1, "h", 1, small, sizeof small), 0,
	       "too small for the result: 0");
	char exact[200];
	size_t want = strlen("https://example.org/p?" TAGS("c", "h"));
	is_int(utm_tag(u, strlen(u), "c", 1, "h", 1, exact, want + 1), want,
	       "room for the result and its NUL");
	is_int(utm_tag(u, strlen(u), "c", 1, "h", 1, exact, want), 0,
	       "no room for the NUL: 0");
	char e[8];
	is_int(out_pct_encode("a b", 3, e, sizeof e), 5, "escape length");
	ok(memcmp(e, "a%20b", 5) == 0, "escape bytes");
	is_int((long long)out_pct_encode("   ", 3, e, sizeof e), (long long)(size_t)-1,
	       "escape past cap: (size_t)-1");
	return tap_done();
}
