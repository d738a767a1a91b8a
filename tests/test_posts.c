/* Unit tests of posts.c: templates, addresses, mbox messages. */
#include <stdlib.h>
#include <string.h>

#include "posts.h"
#include "tap.h"

static struct posts_values vals(void)
{
	static const char *const v[POSTS_NFIELDS] = {
		[POSTS_NAME] = "Ana Lima", [POSTS_FIRST_NAME] = "Ana",
		[POSTS_LINK] = "https://go.example.org/Xk3p9QaT",
		[POSTS_CAMPAIGN] = "spring", [POSTS_TEAM] = "comms",
		[POSTS_QR] = "qr/ana.svg",
		[POSTS_VISITORS] = "~281", [POSTS_CLICKS] = "310",
		[POSTS_RANK] = "2", [POSTS_RANKED] = "40",
		[POSTS_TEAM_RANK] = "1", [POSTS_TOP_PLATFORM] = "LinkedIn",
		[POSTS_ADVICE] = "Post there first.",
		[POSTS_LEADERBOARD] = ("1. Bo: 300 visitors, 320 clicks\n"
		                       "2. Ana Lima: ~281 visitors, 310 clicks"),
		[POSTS_CHANGE] = "+12", [POSTS_RANK_CHANGE] = "-1",
	};
	struct posts_values pv;
	for (int i = 0; i < POSTS_NFIELDS; i++) {
		pv.v[i] = v[i];
		pv.n[i] = strlen(v[i]);
	}
	return pv;
}

/* The first figure and the placeholders used of the template render
 * compiled last. */
static int last_figure;
static uint32_t last_uses;

/* Render text (subject with which = 1); NULL and err on a compile error. */
static const char *render(const char *text, int which, unsigned *line,
                          char *err)
{
	static char out[4096];
	struct posts_template t;
	struct posts_values v = vals();
	struct posts_buf b = { 0 };
	int rc = posts_compile(&t, text, strlen(text), line, err, 300);
	if (rc) {
		posts_free(&t);
		return NULL;
	}
	last_figure = t.first_figure;
	last_uses = t.uses;
	posts_render(&t, which, &v, &b);
	memcpy(out, b.p ? b.p : "", b.len);
	out[b.len] = '\0';
	posts_buf_free(&b);
	posts_free(&t);
	return out;
}

static void refused(const char *text, unsigned want_line, const char *want,
                    const char *name)
{
	unsigned line;
	char err[300] = "";
	const char *got = render(text, 0, &line, err);
	ok(!got, "%s: refused", name);
	is_int(line, want_line, "%s: line", name);
	is_str(err, want, "%s: message", name);
}

static const char *mail(const char *from_name, const char *to_name,
                        const char *subject, const char *body, int *rc)
{
	static char out[8192];
	struct posts_buf b = { 0 };
	unsigned line;
	struct posts_mail m = {
		.from_name = from_name, .from_addr = "comms@example.org",
		.to_name = to_name, .to_addr = "ana@example.org",
		.subject = subject, .subject_len = strlen(subject),
		.body = body, .body_len = strlen(body),
		.message_id = "1.2.3@example.org", .date = 1767441600,
	};
	*rc = posts_mbox_message(&b, &m, &line);
	memcpy(out, b.p ? b.p : "", b.len);
	out[b.len] = '\0';
	posts_buf_free(&b);
	return out;
}

/* The end of the "unknown placeholder" message. */
#define KNOWN "(known: {name}, {first_name}, " \
	"{link}, {campaign}, {team}, {qr}, {visitors}, {clicks}, {rank}, {ranked}, " \
	"{team_rank}, {top_platform}, {advice}, {leaderboard}, {change}, " \
	"{rank_change}; write {{ and }} " \
	"for literal braces)"

#define HEAD_TAIL "Date: Sat, 03 Jan 2026 12:00:00 +0000\n" \
	"Message-ID: <1.2.3@example.org>\n" \
	"MIME-Version: 1.0\n" \
	"Content-Type: text/plain; charset=utf-8\n" \
	"Content-Transfer-Encoding: 8bit\n" \
	"\n"

int main(void)
{
	unsigned line;
	char err[300];

	is_str(render("Hi {first_name} ({name}, {team}): {link} #{campaign}\n",
	              0, &line, err),
	       "Hi Ana (Ana Lima, comms): https://go.example.org/Xk3p9QaT "
	       "#spring\n", "every placeholder");
	is_str(render("{{name}} is {name}; }} {{ {{{name}}}\n", 0, &line, err),
	       "{name} is Ana Lima; } { {Ana Lima}\n", "{{ and }} are braces");
	is_str(render("Subject:   Hi {first_name}  \r\n\r\nBody {link}\r\nx",
	              1, &line, err),
	       "Hi Ana", "Subject line: trimmed, placeholders");
	is_str(render("Subject:   Hi {first_name}  \r\n\r\nBody {link}\r\nx",
	              0, &line, err),
	       "Body https://go.example.org/Xk3p9QaT\nx",
	       "body: one empty line after the subject dropped, CRLF as LF");
	is_str(render("subject: s\nno blank line\n", 0, &line, err),
	       "no blank line\n", "Subject without an empty line after it");
	is_str(render("Subject: s\n\n\nTwo\n", 0, &line, err), "\nTwo\n",
	       "only one empty line is dropped");
	is_str(render("Hi\n", 1, &line, err), "", "no subject: empty");
	is_str(render("Dear  team,\tok\n", 0, &line, err), "Dear  team,\tok\n",
	       "text without placeholders as it is");
	is_int(last_figure, -1, "no figure: first_figure -1");
	is_int(last_uses, 0, "no placeholder: uses 0");

	/* The figures, as the caller gives them. */
	is_str(render("{visitors} visitors, {clicks} clicks: #{rank} of "
	              "{ranked}, #{team_rank} in {team}; {top_platform}. "
	              "{advice}\n{leaderboard}\n{change} visitors, {rank_change} "
	              "places\n", 0, &line, err),
	       "~281 visitors, 310 clicks: #2 of 40, #1 in comms; LinkedIn. "
	       "Post there first.\n1. Bo: 300 visitors, 320 clicks\n"
	       "2. Ana Lima: ~281 visitors, 310 clicks\n+12 visitors, -1 "
	       "places\n", "every figure");
	is_int(last_figure, POSTS_VISITORS, "first_figure: the first in the text");
	is_int(last_uses, ((uint32_t)1 << POSTS_NFIELDS) - 1 -
	       (1u << POSTS_NAME) - (1u << POSTS_FIRST_NAME) - (1u << POSTS_LINK) -
	       (1u << POSTS_CAMPAIGN) - (1u << POSTS_QR), "uses: every figure and {team}");
	render("Subject: {rank} of {ranked}\n\n{name} {clicks}\n", 0, &line,
	       err);
	is_int(last_figure, POSTS_RANK, "first_figure: the subject comes first");
	render("{name}: {{clicks}} {link}\n{advice} {visitors}", 0, &line, err);
	is_int(last_figure, POSTS_ADVICE, "first_figure: braces are no figure");
	is_str(render("Subject: {first_name}, week {rank}: {advice}\n\n{team_rank}",
	              1, &line, err),
	       "Ana, week 2: Post there first.", "figures in the subject");
	is_str(posts_field_name(POSTS_TOP_PLATFORM), "top_platform",
	       "posts_field_name");
	is_str(posts_field_name(POSTS_NFIELDS), "", "posts_field_name: none");

	refused("Hi {first_name}\nand {First Name}\n", 2,
	        "unknown placeholder {First Name} " KNOWN,
	        "unknown placeholder");
	refused("Subject: {nam}\n\nx\n", 1,
	        "unknown placeholder {nam} " KNOWN,
	        "unknown placeholder in the subject");
	refused("a\nb\n{}\n", 3,
	        "unknown placeholder {} " KNOWN,
	        "empty placeholder");
	refused("Subject: Week {leaderboard}\n\nx\n", 1,
	        "{leaderboard} is several lines: it cannot go in the subject",
	        "{leaderboard} in the subject");
	is_str(render("Subject: Week {rank}\n\n{leaderboard}\n", 0, &line, err),
	       "1. Bo: 300 visitors, 320 clicks\n"
	       "2. Ana Lima: ~281 visitors, 310 clicks\n",
	       "{leaderboard} in the body");
	refused("{Visitors}\n", 1, "unknown placeholder {Visitors} " KNOWN,
	        "figures are lower case");
	refused("a\n{\"json\": {name}}\n", 2,
	        "a '{' without its '}' on the line (write {{ for a literal '{')",
	        "a brace that starts no placeholder");
	refused("x {name\n}\n", 1,
	        "a '{' without its '}' on the line (write {{ for a literal '{')",
	        "placeholder across lines");
	refused("ok\nok\nsmile :}\n", 3,
	        "a lone '}' (write }} for a literal '}')", "lone }");
	refused("a\n\xc3(\n", 2, "not UTF-8 text", "not UTF-8");
	refused("a\x01\n", 1, "control character 0x01", "control character");
	refused("a\rb\n", 1, "control character 0x0d", "bare CR");
	refused("", 1, "the template has no text", "empty template");
	refused("Subject: hi\n\n", 3,
	        "the template has no text after its subject", "subject only");

	static const char *const firsts[][2] = {
		{ "Ana Lima", "Ana" },          /* to the space */
		{ "Ana", "Ana" },               /* one word: itself */
		{ "Doe, Jane", "Jane" },        /* family, given */
		{ "Doe,Jane Mary", "Jane" },
		{ "van der Berg, Anna", "Anna" },
		{ "Doe,", "Doe" },              /* nothing after the comma */
		{ "Doe,  ", "Doe" },
		{ " Ana", "Ana" },
		{ "Zoë Ng", "Zoë" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof firsts / sizeof *firsts; i++) {
		size_t n;
		const char *f = posts_first_name(firsts[i][0],
		                                 strlen(firsts[i][0]), &n);
		ok(n == strlen(firsts[i][1]) && memcmp(f, firsts[i][1], n) == 0,
		   "first name of '%s': '%s'", firsts[i][0], firsts[i][1]);
	}

	ok(posts_addr_ok("ana.lima+x@example.org", 22), "addr: dot-atom");
	ok(!posts_addr_ok("ana..lima@example.org", 21), "addr: two dots");
	ok(!posts_addr_ok(".ana@example.org", 16), "addr: leading dot");
	ok(!posts_addr_ok("a<b@example.org", 15), "addr: '<'");
	ok(!posts_addr_ok("ana@exa_mple.org", 16), "addr: '_' in domain");
	ok(!posts_addr_ok("ana@", 4), "addr: no domain");
	ok(!posts_addr_ok("josé@example.org", 17), "addr: non-ASCII");

	const char *n, *a;
	size_t nl, al;
	const char *f = "  \"Comms, Team\" <comms@example.org> ";
	ok(posts_parse_from(f, strlen(f), &n, &nl, &a, &al) == 0 &&
	   nl == 11 && memcmp(n, "Comms, Team", nl) == 0 && al == 17 &&
	   memcmp(a, "comms@example.org", al) == 0, "from: quoted name");
	f = "comms@example.org";
	ok(posts_parse_from(f, strlen(f), &n, &nl, &a, &al) == 0 && nl == 0 &&
	   al == 17, "from: bare address");
	f = "Equipe Comunicação <comms@example.org>";
	ok(posts_parse_from(f, strlen(f), &n, &nl, &a, &al) == 0 &&
	   nl == strlen("Equipe Comunicação"), "from: UTF-8 name");
	f = "Comms <comms@example.org";
	ok(posts_parse_from(f, strlen(f), &n, &nl, &a, &al) < 0, "from: no '>'");
	f = "Comms \"x\" <comms@example.org>";
	ok(posts_parse_from(f, strlen(f), &n, &nl, &a, &al) < 0,
	   "from: a quote inside the name");
	f = "Comms";
	ok(posts_parse_from(f, strlen(f), &n, &nl, &a, &al) < 0, "from: no address");

	int rc;
	is_str(mail("Comms Team", "Ana Lima", "Share spring",
	            "Hi\nFrom here\n>From there\n>>From x\nFrom\n", &rc),
	       "From comms@example.org Sat Jan  3 12:00:00 2026\n"
	       "From: Comms Team <comms@example.org>\n"
	       "To: Ana Lima <ana@example.org>\n"
	       "Subject: Share spring\n"
	       HEAD_TAIL
	       "Hi\n>From here\n>>From there\n>>>From x\nFrom\n\n",
	       "mbox message: headers, mboxrd escaping");
	is_int(rc, 0, "mbox message: 0");
	is_str(mail("", "Lima, Ana", "", "no line end", &rc),
	       "From comms@example.org Sat Jan  3 12:00:00 2026\n"
	       "From: comms@example.org\n"
	       "To: \"Lima, Ana\" <ana@example.org>\n"
	       "Subject:\n"
	       HEAD_TAIL
	       "no line end\n\n",
	       "bare From, quoted To, empty subject, a line end added");
	is_str(mail("A \"B\" C.", "José Dupont", "Olá, José — 2026",
	            "x\n", &rc),
	       "From comms@example.org Sat Jan  3 12:00:00 2026\n"
	       "From: \"A \\\"B\\\" C.\" <comms@example.org>\n"
	       "To: =?UTF-8?B?Sm9zw6kgRHVwb250?= <ana@example.org>\n"
	       "Subject: =?UTF-8?B?T2zDoSwgSm9zw6kg4oCUIDIwMjY=?=\n"
	       HEAD_TAIL "x\n\n",
	       "quoted-string escapes; non-ASCII as encoded words");
	is_str(mail("x", "y", "=?UTF-8?B?QQ==?=", "x\n", &rc),
	       "From comms@example.org Sat Jan  3 12:00:00 2026\n"
	       "From: x <comms@example.org>\n"
	       "To: y <ana@example.org>\n"
	       "Subject: =?UTF-8?B?PT9VVEYtOD9CP1FRPT0/PQ==?=\n"
	       HEAD_TAIL "x\n\n",
	       "a subject that looks encoded is encoded");
	is_str(mail("x", "y", "aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd "
	            "eeeeeeeeee ffffffffff gggggggggg hhhhhhhhhh", "x\n", &rc),
	       "From comms@example.org Sat Jan  3 12:00:00 2026\n"
	       "From: x <comms@example.org>\n"
	       "To: y <ana@example.org>\n"
	       "Subject: aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee "
	       "ffffffffff\n gggggggggg hhhhhhhhhh\n"
	       HEAD_TAIL "x\n\n",
	       "a long ASCII subject folds at a space before column 78");
	is_str(mail("x", "y", "ééééééééééééééééééééééééé", "x\n", &rc),
	       "From comms@example.org Sat Jan  3 12:00:00 2026\n"
	       "From: x <comms@example.org>\n"
	       "To: y <ana@example.org>\n"
	       "Subject: =?UTF-8?B?w6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6k=?=\n"
	       " =?UTF-8?B?w6nDqcOpw6nDqcOp?=\n"
	       HEAD_TAIL "x\n\n",
	       "long encoded subject: words of whole characters, folded");

	char *big = malloc(1200);
	memset(big, 'a', 1199);
	big[1199] = '\0';
	big[3] = '\n';
	big[1002] = '\n';   /* line 2: 998 bytes */
	struct posts_buf b = { 0 };
	struct posts_mail m = { .from_name = "", .from_addr = "a@b",
	                        .to_name = "", .to_addr = "c@d", .subject = "",
	                        .body = big, .body_len = 1199,
	                        .message_id = "x@b" };
	is_int(posts_mbox_message(&b, &m, &line), -1, "a 998-byte line (999 with a '>'): refused");
	is_int(line, 2, "which line");
	is_int(b.len, 0, "nothing written");
	big[1002] = 'a';
	big[1001] = '\n';   /* line 2: 997 bytes */
	is_int(posts_mbox_message(&b, &m, &line), 0, "997-byte lines pass");
	m.to_addr = "c<d@e";
	is_int(posts_mbox_message(&b, &m, &line), -2, "bad address: -2");
	/* A quoted display name too long for one header line (found by
	 * fuzz_posts): refused whole, nothing added. */
	m.to_addr = "c@d";
	m.body = "x";
	m.body_len = 1;
	char *name = malloc(1000);
	memset(name, 'Z', 999);
	name[0] = '"';
	name[999] = '\0';
	m.from_name = name;
	size_t before = b.len;
	is_int(posts_mbox_message(&b, &m, &line), -3,
	       "a 999-byte quoted display name: -3");
	is_int(b.len, before, "and nothing added");
	name[900] = '\0';
	is_int(posts_mbox_message(&b, &m, &line), 0, "a 900-byte one fits");
	free(name);
	posts_buf_free(&b);
	free(big);
	return tap_done();
}
