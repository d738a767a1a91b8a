/* test_check: tools/linkctl/check.c -- UTF-8 text, handles folded,
 * colleagues' names, teams, emails and mail settings, campaign names. */
#include "check.h"
#include "utf8.h"
#include "tap.h"

#include <string.h>

#define TEXT(s) check_text(s, sizeof s - 1)

static const char *fold(const char *in)
{
	static char out[CHECK_HANDLE_MAX + 1];
	return check_handle(in, strlen(in), out) ? out : NULL;
}

int main(void)
{
	ok(TEXT("") && TEXT("Ana Lima") && TEXT("Zoë") && TEXT("日本") &&
	   TEXT("\xf0\x9f\x98\x80"), "text: ASCII, Latin, CJK, an emoji");
	ok(!TEXT("a\tb") && !TEXT("a\nb") && !TEXT("\x7f") && !TEXT("\x1b[31m"),
	   "text: no control characters");
	ok(!TEXT("a\xc2\x80") && !TEXT("\xc2\x85") && !TEXT("\xc2\x9b" "31m") &&
	   !TEXT("x\xc2\x9f") && !TEXT("a\xe2\x80\xa8" "b") &&
	   !TEXT("a\xe2\x80\xa9" "b"),
	   "text: no C1 controls (U+0080-U+009F, U+0085 NEL, CSI), no U+2028 "
	   "or U+2029");
	ok(TEXT("\xc2\xa0") && TEXT("\xc2\xa9") && TEXT("\xe2\x80\xa7") &&
	   TEXT("\xe2\x80\xaf" "x") && TEXT("\xe2\x80\x94") &&
	   TEXT("\xe2\x81\xa5") && TEXT("\xe2\x81\xaa"),
	   "text: U+00A0, U+00A9, U+2027, U+202F, U+2014, U+2065, U+206A are "
	   "not controls");
	/* Trojan Source's characters: "\u202eNALA" shows as ALAN. */
	ok(!TEXT("\xe2\x80\xaa" "x") && !TEXT("\xe2\x80\xab") &&
	   !TEXT("\xe2\x80\xac") && !TEXT("\xe2\x80\xad") &&
	   !TEXT("\xe2\x80\xae" "NALA") && !TEXT("a\xe2\x81\xa6") &&
	   !TEXT("\xe2\x81\xa7") && !TEXT("\xe2\x81\xa8") &&
	   !TEXT("\xe2\x81\xa9" "b"),
	   "text: no bidirectional embeddings, overrides or isolates "
	   "(U+202A-U+202E, U+2066-U+2069)");
	ok(TEXT("\xd7\xa9\xe2\x80\x8f") && TEXT("\xe2\x80\x8e" "a") &&
	   TEXT("\xd8\x9c"),
	   "text: the marks U+200F, U+200E and U+061C are allowed (right-to-"
	   "left names use them)");
	is_int(utf8_control((const unsigned char *)"\xe2\x80\xae", 3), 3,
	       "utf8_control: U+202E, three bytes");
	is_int(utf8_control((const unsigned char *)"\xe2\x80\xae", 2), 0,
	       "utf8_control: U+202E cut short is not read past n");
	is_int(utf8_control((const unsigned char *)"\x1b", 1), 1,
	       "utf8_control: ESC, one byte");
	is_int(utf8_control((const unsigned char *)"\xc2\x9b", 2), 2,
	       "utf8_control: CSI (U+009B), two bytes");
	is_int(utf8_control((const unsigned char *)"\xe2\x80\xa8", 3), 3,
	       "utf8_control: U+2028, three bytes");
	is_int(utf8_control((const unsigned char *)"\xc2", 1), 0,
	       "utf8_control: a cut sequence is not read past n");
	ok(check_name("Ana\xc2\x85Lima", 9) && check_team("\xc2\x9b" "2J", 4) &&
	   check_email("a\xc2\x85@b", 6) && !check_campaign("x\xe2\x80\xa9", 4),
	   "name, team, email, campaign: C1 and U+2029 refused");
	ok(!TEXT("\xc3") && !TEXT("\xe6\x97") && !TEXT("a\x80"),
	   "text: no cut or stray continuation bytes");
	ok(!TEXT("\xc0\xaf") && !TEXT("\xe0\x80\xaf") && !TEXT("\xf0\x80\x80\xaf"),
	   "text: no overlong forms");
	ok(!TEXT("\xed\xa0\x80") && !TEXT("\xf4\x90\x80\x80") && !TEXT("\xf5\x80\x80\x80"),
	   "text: no surrogates, nothing past U+10FFFF");
	is_int(utf8_len((const unsigned char *)"\xe2\x82\xac!", 4), 3,
	       "utf8_len: a three-byte sequence");
	is_int(utf8_len((const unsigned char *)"\xe2\x82", 2), 0,
	       "utf8_len: cut short");

	is_str(fold("Alice"), "alice", "handle: folded to lower case");
	is_str(fold("a.b_c-9"), "a.b_c-9", "handle: . _ - after the first");
	is_str(fold("9lives"), "9lives", "handle: may start with a digit");
	ok(!fold("") && !fold("-a") && !fold(".a") && !fold("a b") &&
	   !fold("a/b") && !fold("ä"), "handle: refused shapes");
	char h[CHECK_HANDLE_MAX + 2];
	memset(h, 'a', sizeof h - 1);
	h[sizeof h - 1] = '\0';
	ok(!fold(h), "handle: 65 characters refused");
	h[CHECK_HANDLE_MAX] = '\0';
	ok(fold(h) != NULL, "handle: 64 accepted");
	char in_place[] = "MiXeD";
	ok(check_handle(in_place, 5, in_place) && !strcmp(in_place, "mixed"),
	   "handle: folded in place");

	ok(!check_name("Ana", 3) && check_name("", 0) && check_name("a\tb", 3),
	   "name: 1-200 bytes of text");
	char big[CHECK_NAME_MAX + 1];
	memset(big, 'n', sizeof big);
	ok(!check_name(big, CHECK_NAME_MAX) && check_name(big, CHECK_NAME_MAX + 1),
	   "name: 200 bytes, not 201");
	ok(!check_team("", 0) && !check_team("comms", 5) &&
	   check_team(big, CHECK_NAME_MAX + 1), "team: may be empty, at most 200");
	is_str(check_name("", 0),
	       "invalid name: 1-200 bytes of UTF-8 text, no control characters",
	       "name: the refusal's words");

	ok(!check_email("", 0) && !check_email("a@b", 3) &&
	   !check_email("ana.lima@example.org", 20), "email: empty or one '@'");
	ok(check_email("ab", 2) && check_email("@b", 2) && check_email("a@", 2) &&
	   check_email("a@b@c", 5) && check_email("a b@c", 5),
	   "email: refused shapes");

#define MAIL(s) check_mail(s, sizeof s - 1)
	ok(MAIL("") == 1 && MAIL("yes") == 1 && MAIL("YES") == 1 &&
	   MAIL("Yes") == 1 && MAIL("1") == 1 && MAIL("true") == 1 &&
	   MAIL("TRUE") == 1, "mail: yes, 1, true, any case, or empty");
	ok(MAIL("no") == 0 && MAIL("NO") == 0 && MAIL("0") == 0 &&
	   MAIL("false") == 0 && MAIL("False") == 0, "mail: no, 0, false");
	ok(MAIL("y") == -1 && MAIL("n") == -1 && MAIL(" yes") == -1 &&
	   MAIL("yes ") == -1 && MAIL("yess") == -1 && MAIL("2") == -1 &&
	   MAIL("on") == -1 && MAIL("ye\0") == -1 && MAIL("\0") == -1,
	   "mail: anything else refused");
	ok(check_mail("yes!", 3) == 1, "mail: only the n bytes are read");

	ok(check_campaign("spring 2026", 11) && check_campaign("ü", 2),
	   "campaign: text");
	ok(!check_campaign("", 0) && !check_campaign("a/b", 3) &&
	   !check_campaign("a\nb", 3), "campaign: not empty, no '/', no controls");
	ok(check_campaign(big, CHECK_CAMPAIGN_MAX) &&
	   !check_campaign(big, CHECK_CAMPAIGN_MAX + 1), "campaign: at most 100 bytes");
	return tap_done();
}
