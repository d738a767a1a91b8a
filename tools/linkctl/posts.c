/*
 * posts: templates of suggested posts and the emails that carry them.
 * See posts.h for the template language and the mbox format.
 */
#include "posts.h"
#include "utf8.h"


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const field_names[POSTS_NFIELDS] = {
	[POSTS_NAME] = "name",
	[POSTS_FIRST_NAME] = "first_name",
	[POSTS_LINK] = "link",
	[POSTS_CAMPAIGN] = "campaign",
	[POSTS_TEAM] = "team",
	[POSTS_QR] = "qr",
	[POSTS_VISITORS] = "visitors",
	[POSTS_CLICKS] = "clicks",
	[POSTS_RANK] = "rank",
	[POSTS_RANKED] = "ranked",
	[POSTS_TEAM_RANK] = "team_rank",
	[POSTS_TOP_PLATFORM] = "top_platform",
	[POSTS_ADVICE] = "advice",
	[POSTS_LEADERBOARD] = "leaderboard",
	[POSTS_CHANGE] = "change",
	[POSTS_RANK_CHANGE] = "rank_change",
};

const char *posts_field_name(enum posts_field f)
{
	return f < POSTS_NFIELDS ? field_names[f] : "";
}

/* ------------------------------------------------------------- buffers */

void posts_buf_add(struct posts_buf *b, const char *s, size_t n)
{
	if (b->failed || n == 0)
		return;
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap - b->len < n) {
			if (cap > SIZE_MAX / 2) {
				b->failed = 1;
				return;
			}
			cap *= 2;
		}
		char *p = realloc(b->p, cap);
		if (!p) {
			b->failed = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void add_str(struct posts_buf *b, const char *s)
{
	posts_buf_add(b, s, strlen(s));
}

void posts_buf_free(struct posts_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* ------------------------------------------------------------ templates */

struct compiler {
	struct posts_template *t;
	size_t w;          /* bytes written to t->text */
	size_t lit;        /* where the current literal run starts in t->text */
	size_t n, cap;     /* pieces */
	unsigned line;
	int subject;       /* compiling the subject line */
	char *err;
	size_t errlen;
};

static int piece_add(struct compiler *c, int field, const char *text,
                     size_t len)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct posts_piece *p = realloc(c->t->piece, cap * sizeof *p);
		if (!p)
			return -2;
		c->t->piece = p;
		c->cap = cap;
	}
	c->t->piece[c->n++] = (struct posts_piece){ field, text, len };
	return 0;
}

/* End the current literal run (if any) as a piece. */
static int literal_end(struct compiler *c)
{
	int rc = 0;
	if (c->w > c->lit)
		rc = piece_add(c, -1, c->t->text + c->lit, c->w - c->lit);
	c->lit = c->w;
	return rc;
}

static int fail(struct compiler *c, const char *msg)
{
	snprintf(c->err, c->errlen, "%s", msg);
	return -1;
}

/*
 * Compile buf[i..end) (one line for the subject, the rest for the body)
 * into pieces.  Text was checked for UTF-8 and control characters before;
 * a CR before an LF is dropped.
 */
static int compile_run(struct compiler *c, const char *buf, size_t i,
                       size_t end)
{
	char *out = c->t->text;
	while (i < end) {
		char ch = buf[i];
		if (ch == '\r' && i + 1 < end && buf[i + 1] == '\n') {
			i++;
			continue;
		}
		if (ch == '\n')
			c->line++;
		if (ch == '{' && i + 1 < end && buf[i + 1] == '{') {
			out[c->w++] = '{';
			i += 2;
			continue;
		}
		if (ch == '}') {
			if (i + 1 < end && buf[i + 1] == '}') {
				out[c->w++] = '}';
				i += 2;
				continue;
			}
			return fail(c, "a lone '}' (write }} for a literal '}')");
		}
		if (ch != '{') {
			out[c->w++] = ch;
			i++;
			continue;
		}
		size_t j = i + 1;
		while (j < end && buf[j] != '}' && buf[j] != '{' && buf[j] != '\n')
			j++;
		if (j == end || buf[j] != '}')
			return fail(c, "a '{' without its '}' on the line "
			            "(write {{ for a literal '{')");
		const char *name = buf + i + 1;
		size_t name_len = j - i - 1;
		int field = -1;
		for (int f = 0; f < POSTS_NFIELDS; f++)
			if (strlen(field_names[f]) == name_len &&
			    memcmp(field_names[f], name, name_len) == 0)
				field = f;
		if (field < 0) {
			char known[256];
			size_t k = 0;
			for (int f = 0; f < POSTS_NFIELDS; f++)
				k += (size_t)snprintf(known + k, sizeof known - k,
				                      "%s{%s}", f ? ", " : "",
				                      field_names[f]);
			snprintf(c->err, c->errlen, "unknown placeholder {%.*s} "
			         "(known: %s; write {{ and }} for literal braces)",
			         (int)(name_len > 60 ? 60 : name_len), name, known);
			return -1;
		}
		if (field == POSTS_LEADERBOARD && c->subject)
			return fail(c, "{leaderboard} is several lines: it cannot "
			            "go in the subject");
		if (field >= POSTS_FIRST_FIGURE && c->t->first_figure < 0)
			c->t->first_figure = field;
		c->t->uses |= (uint32_t)1 << field;
		int rc;
		if ((rc = literal_end(c)) || (rc = piece_add(c, field, NULL, 0)))
			return rc;
		i = j + 1;
	}
	return literal_end(c);
}

int posts_compile(struct posts_template *t, const char *buf, size_t len,
                  unsigned *line, char *err, size_t errlen)
{
	memset(t, 0, sizeof *t);
	t->first_figure = -1;
	*line = 0;
	err[0] = '\0';
	/* Text first: UTF-8 (the mails say charset=utf-8), no control
	 * characters but tab, LF and the CR of a CRLF. */
	unsigned ln = 1;
	for (size_t i = 0; i < len;) {
		unsigned char ch = (unsigned char)buf[i];
		size_t n = utf8_len((const unsigned char *)buf + i, len - i);
		if (!n) {
			*line = ln;
			snprintf(err, errlen, "not UTF-8 text");
			return -1;
		}
		if ((ch < 0x20 && ch != '\t' && ch != '\n' &&
		     !(ch == '\r' && i + 1 < len && buf[i + 1] == '\n')) ||
		    ch == 0x7f) {
			*line = ln;
			snprintf(err, errlen, "control character 0x%02x", ch);
			return -1;
		}
		if (ch == '\n')
			ln++;
		i += n;
	}
	t->text = malloc(len + 1);
	if (!t->text)
		return -2;
	struct compiler c = { .t = t, .line = 1, .err = err, .errlen = errlen };
	size_t pos = 0;
	int rc;
	if (len >= 8 && strncasecmp(buf, "subject:", 8) == 0) {
		size_t s = 8, e = 8;
		while (e < len && buf[e] != '\n')
			e++;
		size_t next = e < len ? e + 1 : e;
		if (e > s && buf[e - 1] == '\r')
			e--;
		while (s < e && (buf[s] == ' ' || buf[s] == '\t'))
			s++;
		while (e > s && (buf[e - 1] == ' ' || buf[e - 1] == '\t'))
			e--;
		t->has_subject = 1;
		c.subject = 1;
		rc = compile_run(&c, buf, s, e);
		c.subject = 0;
		if (rc)
			goto out;
		t->n_subject = c.n;
		pos = next;
		c.line = 2;
		/* One empty line between the subject and the post. */
		if (pos < len && buf[pos] == '\n')
			pos++, c.line++;
		else if (pos + 1 < len && buf[pos] == '\r' && buf[pos + 1] == '\n')
			pos += 2, c.line++;
	}
	if ((rc = compile_run(&c, buf, pos, len)))
		goto out;
	t->n_body = c.n - t->n_subject;
	if (t->n_body == 0) {
		snprintf(err, errlen, "the template has no text%s",
		         t->has_subject ? " after its subject" : "");
		rc = -1;
	}
out:
	if (rc == -1)
		*line = c.line;
	return rc;
}

void posts_free(struct posts_template *t)
{
	free(t->text);
	free(t->piece);
	memset(t, 0, sizeof *t);
}

const char *posts_first_name(const char *name, size_t n, size_t *len)
{
	const char *p = name, *end = name + n;
	/* "Family, Given": the given name is after the comma, when there is
	 * one there ("Doe," alone keeps "Doe"). */
	const char *comma = memchr(name, ',', n);
	if (comma) {
		const char *g = comma + 1;
		while (g < end && *g == ' ')
			g++;
		if (g < end)
			p = g;
		else
			end = comma;
	}
	while (p < end && *p == ' ')
		p++;
	const char *q = p;
	while (q < end && *q != ' ' && *q != ',')
		q++;
	*len = (size_t)(q - p);
	return p;
}

void posts_render(const struct posts_template *t, int subject,
                  const struct posts_values *v, struct posts_buf *b)
{
	size_t from = subject ? 0 : t->n_subject;
	size_t to = subject ? t->n_subject : t->n_subject + t->n_body;
	for (size_t i = from; i < to; i++) {
		const struct posts_piece *p = &t->piece[i];
		if (p->field < 0)
			posts_buf_add(b, p->text, p->len);
		else
			posts_buf_add(b, v->v[p->field], v->n[p->field]);
	}
}

/* ------------------------------------------------------------ addresses */

static int atext(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

int posts_addr_ok(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	if (!at || n > 254)
		return 0;
	size_t local = (size_t)(at - s), dom = n - local - 1;
	if (!local || !dom || s[0] == '.' || at[-1] == '.')
		return 0;
	for (size_t i = 0; i < local; i++)
		if (!(atext((unsigned char)s[i]) ||
		      (s[i] == '.' && s[i + 1] != '.')))
			return 0;
	const char *d = at + 1;
	if (d[0] == '.' || d[0] == '-' || d[dom - 1] == '.' || d[dom - 1] == '-')
		return 0;
	for (size_t i = 0; i < dom; i++) {
		char c = d[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '-' ||
		      (c == '.' && d[i + 1] != '.')))
			return 0;
	}
	return 1;
}

int posts_parse_from(const char *s, size_t n, const char **name,
                     size_t *name_len, const char **addr, size_t *addr_len)
{
	while (n && s[0] == ' ')
		s++, n--;
	while (n && s[n - 1] == ' ')
		n--;
	*name = s;
	*name_len = 0;
	if (n && s[n - 1] == '>') {
		const char *lt = NULL;
		for (size_t i = 0; i < n; i++)
			if (s[i] == '<')
				lt = s + i;
		if (!lt)
			return -1;
		*addr = lt + 1;
		*addr_len = (size_t)(s + n - 1 - *addr);
		size_t nl = (size_t)(lt - s);
		while (nl && s[nl - 1] == ' ')
			nl--;
		if (nl >= 2 && s[0] == '"' && s[nl - 1] == '"') {
			s++;
			nl -= 2;
		}
		for (size_t i = 0; i < nl;) {
			unsigned char c = (unsigned char)s[i];
			size_t k = utf8_len((const unsigned char *)s + i, nl - i);
			if (!k || c == '"' || c == '\\' ||
			    utf8_control((const unsigned char *)s + i, nl - i))
				return -1;
			i += k;
		}
		*name = s;
		*name_len = nl;
	} else {
		*addr = s;
		*addr_len = n;
	}
	return posts_addr_ok(*addr, *addr_len) ? 0 : -1;
}

/* ---------------------------------------------------------------- mail */

static void base64(struct posts_buf *b, const unsigned char *s, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		char q[4] = {
			tab[v >> 18], tab[(v >> 12) & 63],
			i + 1 < n ? tab[(v >> 6) & 63] : '=',
			i + 2 < n ? tab[v & 63] : '=',
		};
		posts_buf_add(b, q, 4);
	}
}

/*
 * RFC 2047 encoded words ("=?UTF-8?B?...?="), each of at most 39 bytes of
 * whole UTF-8 characters (64 characters encoded: with "Subject: " the line
 * stays under 78), folded onto lines of their own.  Readers join adjacent
 * encoded words without the folding space.
 */
static void encoded_words(struct posts_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n) {
			size_t k = utf8_len(u + j, n - j);
			if (!k)
				k = 1;   /* not UTF-8: bytes pass one by one */
			if (j + k - i > 39)
				break;
			j += k;
		}
		if (j == i)
			j = i + 1;
		if (i)
			add_str(b, "\n ");
		add_str(b, "=?UTF-8?B?");
		base64(b, u + i, j - i);
		add_str(b, "?=");
		i = j;
	}
}

/* 1 when s[0..n) is printable ASCII that cannot be read as an encoded
 * word. */
static int plain_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e ||
		    (s[i] == '=' && i + 1 < n && s[i + 1] == '?'))
			return 0;
	return 1;
}

/* A display name: as it is (atext and spaces), quoted, or encoded. */
static void phrase(struct posts_buf *b, const char *s, size_t n)
{
	if (!plain_ascii(s, n)) {
		encoded_words(b, s, n);
		return;
	}
	int atoms = 1;
	for (size_t i = 0; i < n; i++)
		if (!atext((unsigned char)s[i]) && s[i] != ' ')
			atoms = 0;
	if (atoms && s[0] != ' ' && s[n - 1] != ' ') {
		posts_buf_add(b, s, n);
		return;
	}
	add_str(b, "\"");
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			add_str(b, "\\");
		posts_buf_add(b, s + i, 1);
	}
	add_str(b, "\"");
}

static void mailbox(struct posts_buf *b, const char *field, const char *name,
                    const char *addr)
{
	add_str(b, field);
	if (*name) {
		phrase(b, name, strlen(name));
		add_str(b, " <");
		add_str(b, addr);
		add_str(b, ">\n");
	} else {
		add_str(b, addr);
		add_str(b, "\n");
	}
}

/* Subject: folded at spaces before column 78 when plain ASCII, encoded
 * words otherwise. */
static void subject(struct posts_buf *b, const char *s, size_t n)
{
	add_str(b, "Subject:");
	if (n)
		add_str(b, " ");
	if (!plain_ascii(s, n)) {
		encoded_words(b, s, n);
		add_str(b, "\n");
		return;
	}
	size_t col = 9;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		if (s[j] == ' ')
			j++;
		while (j < n && s[j] != ' ')
			j++;
		/* Fold before " word", never before a bare space: a
		 * folded line of only whitespace is not allowed. */
		if (s[i] == ' ' && j - i > 1 && col + (j - i) > 78 && col > 9) {
			add_str(b, "\n");
			col = 0;
		}
		posts_buf_add(b, s + i, j - i);
		col += j - i;
		i = j;
	}
	add_str(b, "\n");
}

/* One message: mboxrd-framed (mbox) or as a mailer takes it. */
static int message(struct posts_buf *b, const struct posts_mail *m, int mbox,
                   unsigned *line)
{
	static const char days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec" };
	*line = 0;
	/* Every line of the body fits, before anything is written. */
	unsigned ln = 1;
	for (size_t i = 0, start = 0; i <= m->body_len; i++) {
		if (i == m->body_len || m->body[i] == '\n') {
			/* An escaped line may gain one '>'. */
			if (i - start > 997) {
				*line = ln;
				return -1;
			}
			start = i + 1;
			ln++;
		}
	}
	if (!posts_addr_ok(m->from_addr, strlen(m->from_addr)) ||
	    !posts_addr_ok(m->to_addr, strlen(m->to_addr)))
		return -2;

	struct tm tm;
	char when[80];
	gmtime_r(&m->date, &tm);
	/* The "From " line: envelope sender and asctime()'s date. */
	snprintf(when, sizeof when, "%s %s %2d %02d:%02d:%02d %d\n",
	         days[tm.tm_wday], months[tm.tm_mon], tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
	size_t start = b->len;
	if (mbox) {
		add_str(b, "From ");
		add_str(b, m->from_addr);
		add_str(b, " ");
		add_str(b, when);
	}
	mailbox(b, "From: ", m->from_name, m->from_addr);
	mailbox(b, "To: ", m->to_name, m->to_addr);
	subject(b, m->subject, m->subject_len);
	snprintf(when, sizeof when, "Date: %s, %02d %s %d %02d:%02d:%02d +0000\n",
	         days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	         tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	add_str(b, when);
	add_str(b, "Message-ID: <");
	add_str(b, m->message_id);
	add_str(b, ">\n"
	        "MIME-Version: 1.0\n"
	        "Content-Type: text/plain; charset=utf-8\n"
	        "Content-Transfer-Encoding: 8bit\n"
	        "\n");
	/* A display name or a subject word too long to fold (RFC 5322: 998
	 * bytes a line) makes a message no MTA carries: refuse it whole. */
	if (!b->failed) {
		for (size_t i = start, ls = start; i < b->len; i++) {
			if (b->p[i] != '\n')
				continue;
			if (i - ls > 998) {
				b->len = start;
				return -3;
			}
			ls = i + 1;
		}
	}
	/* mboxrd: ">From ", ">>From "... gain one '>', so a reader that
	 * takes one away from each gets the body back exactly.  A mailer
	 * takes the body as it is (sendmail -oi: a lone "." ends nothing). */
	const char *p = m->body, *end = m->body + m->body_len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *q = p;
		while (mbox && q < e && *q == '>')
			q++;
		if (mbox && (size_t)(e - q) >= 5 && memcmp(q, "From ", 5) == 0)
			add_str(b, ">");
		posts_buf_add(b, p, (size_t)(e - p));
		add_str(b, "\n");
		p = nl ? nl + 1 : end;
	}
	if (mbox)
		add_str(b, "\n");
	return 0;
}

int posts_mbox_message(struct posts_buf *b, const struct posts_mail *m,
                       unsigned *line)
{
	return message(b, m, 1, line);
}

int posts_mail_message(struct posts_buf *b, const struct posts_mail *m,
                       unsigned *line)
{
	return message(b, m, 0, line);
}
