/* Fuzz target: post templates and the mbox writer.  The input is a
 * template (rendered and mailed when it compiles), and also a subject, a
 * display name and a body as they come.  Whatever goes in, a message's
 * header block holds only header lines, and undoing the mboxrd escape
 * gives the body back byte for byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "posts.h"

static void check_message(const char *subject, size_t subject_len,
                          const char *name, const char *body, size_t body_len)
{
	struct posts_buf b = { 0 };
	unsigned line;
	struct posts_mail m = {
		.from_name = name, .from_addr = "comms@example.org",
		.to_name = name, .to_addr = "ana@example.org",
		.subject = subject, .subject_len = subject_len,
		.body = body, .body_len = body_len,
		.message_id = "1.2@example.org", .date = 1767441600,
	};
	int rc = posts_mbox_message(&b, &m, &line);
	if (rc == -3 && b.len != 0)
		abort();   /* a refused message adds nothing */
	if (rc == -1 || rc == -3 || b.failed) {
		posts_buf_free(&b);
		return;
	}
	if (rc != 0 || b.len < 6 || memcmp(b.p, "From ", 5) != 0)
		abort();
	const char *p = b.p, *end = b.p + b.len;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl)
		abort();
	/* Headers: "Name: ..." or a folded continuation, up to "\n\n". */
	for (p = nl + 1; p < end && *p != '\n';) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || nl - p > 998)
			abort();
		if (*p != ' ' && !memchr(p, ':', (size_t)(nl - p)))
			abort();
		if (*p == ' ' && nl - p == 1)
			abort();   /* a folded line of only whitespace */
		p = nl + 1;
	}
	if (p >= end)
		abort();
	p++;
	/* The body, unescaped, then the separating empty line. */
	size_t want = body_len + (body_len && body[body_len - 1] != '\n');
	char *back = malloc(want + 1);
	size_t o = 0;
	while (p < end && !(p + 1 == end && *p == '\n')) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			abort();
		const char *q = p;
		while (q < nl && *q == '>')
			q++;
		if ((size_t)(nl - q) >= 5 && memcmp(q, "From ", 5) == 0) {
			if (q == p)
				abort();   /* an unescaped From_ line */
			p++;
		}
		size_t n = (size_t)(nl - p) + 1;
		if (o + n > want)
			abort();
		memcpy(back + o, p, n);
		o += n;
		p = nl + 1;
	}
	if (o != want || memcmp(back, body, body_len) != 0)
		abort();
	free(back);
	posts_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct posts_template t;
	unsigned line;
	char err[300];
	int rc = posts_compile(&t, in, size, &line, err, sizeof err);
	if (rc == 0) {
		static const char *const v[POSTS_NFIELDS] = {
			"Ana Lima", "Ana", "https://go.example.org/Xk3p9QaT",
			"spring", "comms", "qr/ana.svg", "~281", "310", "2", "40", "1",
			"LinkedIn", ("LinkedIn brings you the most visitors: "
			             "post there first."),
			("1. Bo: 300 visitors, 320 clicks\n"
			 "2. Ana Lima: ~281 visitors, 310 clicks"),
			"+12", "-1",
		};
		_Static_assert(POSTS_NFIELDS == 16, "a value per field");
		struct posts_values pv;
		for (int i = 0; i < POSTS_NFIELDS; i++) {
			pv.v[i] = v[i];
			pv.n[i] = strlen(v[i]);
		}
		struct posts_buf s = { 0 }, body = { 0 };
		posts_render(&t, 1, &pv, &s);
		posts_render(&t, 0, &pv, &body);
		if (!t.has_subject && s.len)
			abort();
		/* first_figure is the first figure among the pieces (the
		 * caller refuses a template it cannot fill by it), uses says
		 * which are there, and the subject holds no {leaderboard}. */
		int first = -1;
		uint32_t uses = 0;
		for (size_t i = 0; i < t.n_subject + t.n_body; i++) {
			int f = t.piece[i].field;
			if (first < 0 && f >= POSTS_FIRST_FIGURE)
				first = f;
			if (f >= 0)
				uses |= (uint32_t)1 << f;
			if (i < t.n_subject && f == POSTS_LEADERBOARD)
				abort();
		}
		if (first != t.first_figure || uses != t.uses)
			abort();
		if (memchr(s.p ? s.p : "", '\n', s.len))
			abort();   /* a subject is one line */
		if (!s.failed && !body.failed)
			check_message(s.p ? s.p : "", s.len, "Ana Lima",
			              body.p ? body.p : "", body.len);
		posts_buf_free(&s);
		posts_buf_free(&body);
	} else if (rc == -1 && (line == 0 || !err[0])) {
		abort();
	}
	posts_free(&t);

	/* The raw input as subject, display name and body. */
	char *name = malloc(size + 1);
	memcpy(name, in, size);
	name[size] = '\0';
	check_message(in, size, name, in, size);
	const char *fn, *fa;
	size_t fnl, fal;
	if (posts_parse_from(in, size, &fn, &fnl, &fa, &fal) == 0 &&
	    (fa < in || fa + fal > in + size || !posts_addr_ok(fa, fal)))
		abort();
	free(name);
	return 0;
}
