/* check: the rules for the values linkctl stores.  See check.h. */
#include "check.h"
#include "utf8.h"

#include <string.h>
#include <strings.h>

int check_text(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0, k; i < n; i += k)
		if (utf8_control(p + i, n - i) || !(k = utf8_len(p + i, n - i)))
			return 0;
	return 1;
}

int check_handle(const char *in, size_t n, char *out)
{
	if (n == 0 || n > CHECK_HANDLE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return 0;
		out[i] = c;
	}
	out[n] = '\0';
	return 1;
}

const char *check_name(const char *s, size_t n)
{
	if (n == 0 || n > CHECK_NAME_MAX || !check_text(s, n))
		return "invalid name: 1-200 bytes of UTF-8 text, no control characters";
	return NULL;
}

const char *check_team(const char *s, size_t n)
{
	if (n > CHECK_NAME_MAX || !check_text(s, n))
		return "invalid team: at most 200 bytes of UTF-8 text, no control characters";
	return NULL;
}

const char *check_email(const char *s, size_t n)
{
	static const char rule[] =
		"invalid email: one '@' with text on both sides, no spaces or control characters";
	if (n == 0)
		return NULL;   /* optional */
	if (n > CHECK_EMAIL_MAX || !check_text(s, n))
		return rule;
	const char *at = memchr(s, '@', n);
	if (!at || at == s || at == s + n - 1 ||
	    memchr(at + 1, '@', (size_t)(s + n - at - 1)) || memchr(s, ' ', n))
		return rule;
	return NULL;
}

int check_mail(const char *s, size_t n)
{
	static const struct {
		const char *word;
		int yes;
	} words[] = {
		{ "", 1 }, { "yes", 1 }, { "1", 1 }, { "true", 1 },
		{ "no", 0 }, { "0", 0 }, { "false", 0 },
	};
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (strlen(words[i].word) == n &&
		    strncasecmp(s, words[i].word, n) == 0)
			return words[i].yes;
	return -1;
}

int check_campaign(const char *s, size_t n)
{
	return n >= 1 && n <= CHECK_CAMPAIGN_MAX && check_text(s, n) &&
	       !memchr(s, '/', n);
}
