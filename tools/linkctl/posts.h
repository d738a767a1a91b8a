/*
 * posts: suggested posts for a campaign, from a template -- compiling the
 * template, rendering it for one colleague, and writing one ready-to-send
 * email of an mbox file.  Pure (buffers in, buffers out; no files, no
 * clock, no store): linkctl's campaign_posts.c does the I/O.
 *
 * Template: UTF-8 text (CRLF line ends become LF).  Placeholders {name},
 * {first_name} (the name up to its first space), {link} (the colleague's
 * short link), {campaign}, {team} (the colleague's team) and {qr} (the
 * path of the colleague's QR code file: the caller says whether it has
 * one); and the
 * figures, the colleague's results in the click log ({visitors}, {clicks},
 * {rank}, {ranked}, {team_rank}, {top_platform}, {advice}, {leaderboard},
 * {change}, {rank_change}),
 * which the caller must be able to count: the compiled template says which
 * it uses, and the first.  "{{" is a literal '{' and "}}" a literal '}'.  Anything
 * else in braces, a '{' without its '}' on the same line, a lone '}', or
 * {leaderboard} (several lines) in the subject is an error naming the
 * line.  A first line "Subject: ..." is the email's subject (placeholders
 * allowed) and not part of the post; one empty line after it is dropped.
 */
#ifndef REDIRECTD_POSTS_H
#define REDIRECTD_POSTS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum posts_field {
	POSTS_NAME, POSTS_FIRST_NAME, POSTS_LINK, POSTS_CAMPAIGN, POSTS_TEAM,
	POSTS_QR,
	/* The figures: from here on, values counted in the click log. */
	POSTS_VISITORS, POSTS_CLICKS, POSTS_RANK, POSTS_RANKED,
	POSTS_TEAM_RANK, POSTS_TOP_PLATFORM, POSTS_ADVICE, POSTS_LEADERBOARD,
	POSTS_CHANGE, POSTS_RANK_CHANGE,
	POSTS_NFIELDS
};
#define POSTS_FIRST_FIGURE POSTS_VISITORS
_Static_assert(POSTS_NFIELDS <= 32, "posts_template.uses has a bit each");

/* One run of literal text (field < 0) or one placeholder. */
struct posts_piece {
	int field;
	const char *text;   /* view into posts_template.text */
	size_t len;
};

struct posts_template {
	char *text;                 /* owned: the literal text, unescaped */
	struct posts_piece *piece;  /* owned: subject pieces, then body's */
	size_t n_subject, n_body;
	int has_subject;
	int first_figure;           /* the first figure used, in the text's
	                               order (subject first); -1: none */
	uint32_t uses;              /* bit f: placeholder f is used */
};

/* A growable output buffer.  Appends after an allocation failure do
 * nothing and leave failed set. */
struct posts_buf {
	char *p;
	size_t len, cap;
	int failed;
};

/* Values for rendering, views owned by the caller. */
struct posts_values {
	const char *v[POSTS_NFIELDS];
	size_t n[POSTS_NFIELDS];
};

/*
 * Compile buf[0..len) into *t (free with posts_free, also after an
 * error).  Returns 0; -1 with "message" in err and the 1-based line in
 * *line; or -2 when out of memory.
 */
int posts_compile(struct posts_template *t, const char *buf, size_t len,
                  unsigned *line, char *err, size_t errlen);
void posts_free(struct posts_template *t);

/* A placeholder's name without its braces ("visitors"). */
const char *posts_field_name(enum posts_field f);

/* Append the subject (subject = 1) or the body rendered with v. */
void posts_render(const struct posts_template *t, int subject,
                  const struct posts_values *v, struct posts_buf *b);

/* The first name in name[0..n), as a view (*len bytes): the first word
 * ("Ana Lima": "Ana"; a name of one word is itself), or, for a name
 * written "Family, Given", the first word after the comma ("Doe, Jane":
 * "Jane"). */
const char *posts_first_name(const char *name, size_t n, size_t *len);

void posts_buf_add(struct posts_buf *b, const char *s, size_t n);
void posts_buf_free(struct posts_buf *b);

/* 1 when s[0..n) is an address an email header can carry as it is: a
 * dot-atom local part, '@', a host name (ASCII letters, digits, '-',
 * '.'); at most 254 bytes. */
int posts_addr_ok(const char *s, size_t n);

/* "Display Name <addr>" or a bare "addr" (the display name may be quoted
 * with "..."; it must be UTF-8 text).  Returns 0 and views into s, or -1
 * when it is neither. */
int posts_parse_from(const char *s, size_t n, const char **name,
                     size_t *name_len, const char **addr, size_t *addr_len);

struct posts_mail {
	const char *from_name, *from_addr;   /* name may be "" */
	const char *to_name, *to_addr;
	const char *subject;                 /* rendered, one line */
	const char *body;                    /* rendered */
	size_t subject_len, body_len;
	const char *message_id;              /* without the <> */
	time_t date;                         /* UTC */
};

/*
 * Append one message of an mboxrd file: the "From " separator line,
 * From, To, Subject, Date, Message-ID, MIME-Version, Content-Type
 * (text/plain; charset=utf-8), Content-Transfer-Encoding (8bit), an empty
 * line, the body with every line matching ">*From " given one more '>',
 * ending in a line end, and one empty line.  Display names and subjects
 * that are not plain ASCII become RFC 2047 encoded words; long headers
 * are folded.  Lines end in LF (as mbox files do; MTAs add the CR).
 * Returns 0; -1 when the body holds a line longer than 997 bytes (RFC
 * 5322's limit is 998, and the escape may add a '>'; *line says which);
 * -2 when an address is not one posts_addr_ok takes; -3 when a header
 * line would pass 998 bytes (a display name or a subject word too long to
 * fold), with nothing added to b.
 */
int posts_mbox_message(struct posts_buf *b, const struct posts_mail *m,
                       unsigned *line);

/* The same message as a mailer takes it on its standard input (sendmail
 * -t -oi): no "From " line, the body as it is, no empty line after it.
 * Returns as posts_mbox_message. */
int posts_mail_message(struct posts_buf *b, const struct posts_mail *m,
                       unsigned *line);

#endif
