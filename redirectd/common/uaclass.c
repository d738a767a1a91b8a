/*
 * uaclass: the operator rules parser and the Aho-Corasick automaton that
 * applies them with the built-in rules (uarules.c).  See uaclass.h for the
 * rules' meaning; this file owns how they are matched.
 *
 * The automaton is a full DFA over byte classes: bytes that occur in no
 * rule share class 0, and upper-case ASCII letters share their lower-case
 * letter's class, so case folding costs nothing at match time.  A row per
 * state holds the next state's offset (state * k, premultiplied so a step is
 * one load and one add).  States where some rule ends are numbered last, so
 * the scan tests one comparison per byte and reads the score table only on
 * a hit.  A state's score is the best rule ending there, suffixes included,
 * as (tier, length, rule order) packed so that the larger number wins.
 *
 * Rules anchored at the start of the User-Agent ("^whatsapp") begin with a
 * start-of-text symbol, a class no byte maps to, which the scan feeds
 * before the first byte; anchoring is for built-ins only (an operator's '^'
 * is a plain byte).
 */
#include "uaclass.h"
#include "uarules.h"
#include <xxhash.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rule {
	uint8_t class, platform, tier, anchored;
	uint8_t where;        /* enum where (uarules.h) */
	uint32_t off, len;    /* the lower-cased pattern in ua_rules.text */
};

struct ua_rules {
	uint8_t cls[256];     /* byte -> input class, case folded */
	uint32_t k;           /* input classes: row length */
	uint32_t start;       /* offset of the state after start-of-text */
	uint32_t out_from;    /* offsets from here on are states with a score */
	uint32_t n_states;
	uint32_t *delta;      /* n_states * k next-state offsets */
	uint32_t *score;      /* per scoring state, (offset - out_from) / k */
	uint32_t *score_fixed; /* the same without W_STANDING rules */
	struct rule *rule;    /* by rule index */
	uint32_t n_rules;
	char *text;           /* every pattern, lower-cased, for the reference */
};

/* A score packs tier (bits 24-26), length (16-23) and 0xffff - index
 * (0-15): comparing scores compares tier, then length, then prefers the
 * earlier rule.  0 is "no rule". */
#define SCORE(tier, len, idx) \
	(((uint32_t)(tier) << 24) | ((uint32_t)(len) << 16) | \
	 (0xffffu - (uint32_t)(idx)))
#define SCORE_INDEX(s) (0xffffu - ((s) & 0xffffu))
#define RULES_LIMIT 0xfff0u   /* built-ins plus operator rules, < 0xffff */

/* One pattern to compile: bytes (not yet lower-cased), anchoring, rule. */
struct pat {
	const char *s;
	uint32_t len;
	uint32_t line;        /* operator file line; 0 for built-ins */
	int anchored;
	struct rule r;
};

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

__attribute__((format(printf, 3, 4)))
static void diag_add(struct ua_diag *d, unsigned line, const char *fmt, ...)
{
	if (!d)
		return;
	if (d->n < UA_DIAG_MAX) {
		va_list ap;
		va_start(ap, fmt);
		d->e[d->n].line = line;
		vsnprintf(d->e[d->n].msg, sizeof d->e[0].msg, fmt, ap);
		va_end(ap);
	}
	d->n++;
}

/* ------------------------------------------------------------ parsing */

/* Blanks separate and surround the fields; '\r' too, so that a file with
 * CRLF line ends reads the same. */
static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Parse one line (without its '\n') into *p.  Returns 1 for a rule, 0 for
 * a blank or comment line, -1 after reporting an error. */
static int parse_line(const char *s, size_t n, unsigned line, struct pat *p,
                      struct ua_diag *diag)
{
	const char *hash = memchr(s, '#', n);
	if (hash)
		n = (size_t)(hash - s);
	while (n && is_blank(*s))
		s++, n--;
	while (n && is_blank(s[n - 1]))
		n--;
	if (n == 0)
		return 0;
	/* Control characters (but tab) have no place in a User-Agent, and a
	 * NUL would cut the class name short. */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			diag_add(diag, line, "control character 0x%02x", c);
			return -1;
		}
	}

	size_t w = 0;
	while (w < n && !is_blank(s[w]))
		w++;
	char word[32];
	if (w >= sizeof word) {
		diag_add(diag, line, "unknown class \"%.*s...\" (human, preview, "
		         "crawler or tool)", 16, s);
		return -1;
	}
	memcpy(word, s, w);
	word[w] = '\0';
	const char *body = s + w;
	size_t blen = n - w;
	while (blen && is_blank(*body))
		body++, blen--;

	int platform = PLATFORM_UNKNOWN;
	char *slash = strchr(word, '/');
	if (slash) {
		*slash = '\0';
		platform = clickrec_platform_parse(slash + 1);
	}
	int class = clickrec_class_parse(word);
	int bad = 0;
	if (class != CLASS_HUMAN && class != CLASS_PREVIEW &&
	    class != CLASS_CRAWLER && class != CLASS_TOOL) {
		diag_add(diag, line, "unknown class \"%s\" (human, preview, "
		         "crawler or tool)", word);
		bad = 1;
	}
	if (platform < 0) {
		diag_add(diag, line, "unknown platform \"%s\"", slash + 1);
		bad = 1;
	}
	if (blen == 0) {
		diag_add(diag, line, "empty substring: expected \"CLASS[/PLATFORM] "
		         "SUBSTRING\"");
		bad = 1;
	} else if (blen > UA_RULE_MAX) {
		diag_add(diag, line, "substring of %zu bytes is over %d", blen,
		         UA_RULE_MAX);
		bad = 1;
	}
	if (bad)
		return -1;
	p->s = body;
	p->len = (uint32_t)blen;
	p->line = line;
	p->anchored = 0;
	p->r.class = (uint8_t)class;
	p->r.platform = (uint8_t)platform;
	p->r.tier = T_OPERATOR;
	p->r.where = W_ANY;
	return 1;
}

/* The operator rule among pats[from..n) with p's substring, ignoring
 * ASCII case, or NULL.  Quadratic, but over at most UA_RULES_MAX rules,
 * once at startup; it keeps errors in line order. */
static const struct pat *find_same(const struct pat *pats, size_t from,
                                   size_t n, const struct pat *p)
{
	for (size_t i = from; i < n; i++) {
		if (pats[i].len != p->len)
			continue;
		uint32_t j = 0;
		while (j < p->len && lower((unsigned char)pats[i].s[j]) ==
		                     lower((unsigned char)p->s[j]))
			j++;
		if (j == p->len)
			return &pats[i];
	}
	return NULL;
}

/* Split the operator file into pats[*n...].  Returns the number of errors
 * reported. */
static unsigned parse_file(const char *text, size_t len, struct pat *pats,
                           size_t *n, struct ua_diag *diag)
{
	const size_t first = *n;
	unsigned errors = 0, line = 0, rules = 0;
	size_t off = 0, bytes = 0;
	while (off < len) {
		const char *s = text + off;
		const char *nl = memchr(s, '\n', len - off);
		size_t ln = nl ? (size_t)(nl - s) : len - off;
		off += ln + (nl != NULL);
		line++;
		struct pat p;
		int rc = parse_line(s, ln, line, &p, diag);
		if (rc < 0) {
			errors++;
		} else if (rc > 0) {
			if (++rules > UA_RULES_MAX) {
				if (rules == UA_RULES_MAX + 1) {
					diag_add(diag, line, "more than %d rules",
					         UA_RULES_MAX);
					errors++;
				}
				continue;
			}
			bytes += p.len;
			if (bytes > UA_RULES_BYTES_MAX) {
				if (bytes - p.len <= UA_RULES_BYTES_MAX) {
					diag_add(diag, line, "rules hold more than "
					         "%d bytes of substrings",
					         UA_RULES_BYTES_MAX);
					errors++;
				}
				continue;
			}
			const struct pat *same = find_same(pats, first, *n, &p);
			if (same) {
				diag_add(diag, line, "duplicate rule (first at line "
				         "%u)", same->line);
				errors++;
				continue;
			}
			pats[(*n)++] = p;
		}
	}
	return errors;
}

/* Count the built-in patterns and the lines of text (an upper bound on
 * operator rules). */
static size_t count_patterns(const char *text, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < ua_n_builtins; i++) {
		n++;
		for (const char *c = ua_builtins[i].pats; *c; c++)
			n += *c == '|';
	}
	if (text) {
		size_t lines = 1;
		for (size_t i = 0; i < len; i++)
			lines += text[i] == '\n';
		n += lines < UA_RULES_MAX ? lines : UA_RULES_MAX;
	}
	return n;
}

static size_t add_builtins(struct pat *pats)
{
	size_t n = 0;
	for (size_t i = 0; i < ua_n_builtins; i++) {
		const struct builtin *b = &ua_builtins[i];
		const char *s = b->pats;
		for (;;) {
			const char *end = strchr(s, '|');
			size_t len = end ? (size_t)(end - s) : strlen(s);
			struct pat *p = &pats[n++];
			p->anchored = *s == '^';
			p->s = s + p->anchored;
			p->len = (uint32_t)(len - (size_t)p->anchored);
			p->line = 0;
			p->r.class = b->class;
			p->r.platform = b->platform;
			p->r.tier = b->tier;
			p->r.where = b->where;
			if (!end)
				break;
			s = end + 1;
		}
	}
	return n;
}

/* ----------------------------------------------------------- compiling */

/* The work arrays of one compilation, total states at most. */
struct build {
	uint32_t k;             /* input classes */
	uint32_t anchor;        /* the start-of-text class */
	uint8_t map[256];       /* byte (lower-cased) -> class */
	uint32_t states;        /* in the trie */
	uint32_t *g;            /* goto, then delta: [state * k + class] */
	uint32_t *own;          /* best rule ending here */
	uint32_t *own_fixed;    /* the same if not W_STANDING, else 0 */
	uint32_t *fail;
	uint32_t *best;         /* own or a suffix's */
	uint32_t *best_fixed;   /* own_fixed or a suffix's */
	uint32_t *queue;
	uint32_t *newid;
};

/* Input classes: 0 for bytes in no pattern, one per byte used, and the
 * start-of-text symbol last.  Upper-case letters never count as used, so
 * there are at most 256 - 26 + 2 classes: a uint8_t holds one.  Returns
 * the most states the trie can have. */
static size_t compile_classes(struct ua_rules *r, struct build *b,
                              const struct pat *pats, size_t n)
{
	uint8_t used[256] = { 0 };
	size_t total = 1;
	for (size_t i = 0; i < n; i++) {
		for (uint32_t j = 0; j < pats[i].len; j++)
			used[lower((unsigned char)pats[i].s[j])] = 1;
		total += pats[i].len + (size_t)pats[i].anchored;
	}
	uint32_t k = 1;
	memset(b->map, 0, sizeof b->map);
	for (int c = 0; c < 256; c++)
		if (used[c])
			b->map[c] = (uint8_t)k++;
	b->anchor = k++;
	for (int c = 0; c < 256; c++)
		r->cls[c] = b->map[lower((unsigned char)c)];
	r->k = b->k = k;
	return total;
}

/* The trie.  State 0 is the root; 0 as a child means "none yet".  Returns
 * 0, or 1 after reporting a built-in pattern listed twice. */
static int compile_trie(struct build *b, const struct pat *pats, size_t n,
                        struct ua_diag *diag)
{
	const uint32_t k = b->k;
	uint32_t *g = b->g;
	int rc = 0;
	b->states = 1;
	for (size_t i = 0; i < n; i++) {
		uint32_t s = 0;
		if (pats[i].anchored) {
			if (!g[s * k + b->anchor])
				g[s * k + b->anchor] = b->states++;
			s = g[s * k + b->anchor];
		}
		for (uint32_t j = 0; j < pats[i].len; j++) {
			uint32_t c = b->map[lower((unsigned char)pats[i].s[j])];
			if (!g[s * k + c])
				g[s * k + c] = b->states++;
			s = g[s * k + c];
		}
		uint32_t sc = SCORE(pats[i].r.tier, pats[i].len, i);
		if (b->own[s] && pats[i].line == 0) {
			/* The same substring twice.  The parser refuses an
			 * operator's duplicates, so an operator rule may
			 * replace a built-in (below), and a built-in table
			 * edit that lists one twice is caught here. */
			diag_add(diag, 0, "built-in rule \"%.*s\" listed twice",
			         (int)pats[i].len, pats[i].s);
			rc = 1;
			continue;
		}
		b->own[s] = sc;
		b->own_fixed[s] = pats[i].r.where == W_STANDING ? 0 : sc;
	}
	return rc;
}

/* Breadth-first: failure links, completed rows, inherited scores.  A
 * state's failure target is shallower, so its row is already whole. */
static void compile_links(struct build *b)
{
	const uint32_t k = b->k;
	uint32_t *g = b->g, head = 0, tail = 0;
	for (uint32_t c = 0; c < k; c++) {
		uint32_t u = g[c];
		if (u) {
			b->fail[u] = 0;
			b->queue[tail++] = u;
		}
	}
	while (head < tail) {
		uint32_t s = b->queue[head++];
		uint32_t f = b->fail[s];
		b->best[s] = b->own[s] > b->best[f] ? b->own[s] : b->best[f];
		b->best_fixed[s] = b->own_fixed[s] > b->best_fixed[f] ?
		                   b->own_fixed[s] : b->best_fixed[f];
		for (uint32_t c = 0; c < k; c++) {
			uint32_t u = g[s * k + c];
			if (u) {
				b->fail[u] = g[f * k + c];
				b->queue[tail++] = u;
			} else {
				g[s * k + c] = g[f * k + c];
			}
		}
	}
}

/* The tables the matcher runs on.  States are renumbered: those without a
 * score first (the root stays 0), then the scoring ones, so "offset >=
 * out_from" tells a hit.  Returns 0, or -1 when memory ran out. */
static int compile_tables(struct ua_rules *r, struct build *b)
{
	const uint32_t k = b->k, states = b->states;
	uint32_t next = 0, n_out = 0;
	for (uint32_t s = 0; s < states; s++)
		if (!b->best[s])
			b->newid[s] = next++;
	r->out_from = next * k;
	for (uint32_t s = 0; s < states; s++)
		if (b->best[s]) {
			b->newid[s] = next++;
			n_out++;
		}
	r->delta = malloc((size_t)states * k * sizeof *r->delta);
	r->score = malloc((n_out ? n_out : 1) * sizeof *r->score);
	r->score_fixed = malloc((n_out ? n_out : 1) * sizeof *r->score_fixed);
	if (!r->delta || !r->score || !r->score_fixed)
		return -1;
	for (uint32_t s = 0; s < states; s++) {
		uint32_t *row = r->delta + (size_t)b->newid[s] * k;
		for (uint32_t c = 0; c < k; c++)
			row[c] = b->newid[b->g[s * k + c]] * k;
		if (b->best[s]) {
			uint32_t o = b->newid[s] - r->out_from / k;
			r->score[o] = b->best[s];
			r->score_fixed[o] = b->best_fixed[s];
		}
	}
	r->n_states = states;
	r->start = r->delta[b->anchor];     /* root's row is row 0 */
	return 0;
}

/* Build the automaton from pats[0..n).  Returns 0, -1 when memory ran out,
 * or 1 after reporting duplicate patterns. */
static int compile(struct ua_rules *r, const struct pat *pats, size_t n,
                   struct ua_diag *diag)
{
	struct build b;
	size_t total = compile_classes(r, &b, pats, n);
	int rc = -1;
	b.g = calloc(total * b.k, sizeof *b.g);
	b.own = calloc(total, sizeof *b.own);
	b.own_fixed = calloc(total, sizeof *b.own_fixed);
	b.best_fixed = calloc(total, sizeof *b.best_fixed);
	b.fail = calloc(total, sizeof *b.fail);
	b.best = calloc(total, sizeof *b.best);
	b.queue = calloc(total, sizeof *b.queue);
	b.newid = calloc(total, sizeof *b.newid);
	if (b.g && b.own && b.own_fixed && b.best_fixed &&
	    b.fail && b.best && b.queue && b.newid &&
	    (rc = compile_trie(&b, pats, n, diag)) == 0) {
		compile_links(&b);
		rc = compile_tables(r, &b);
	}
	free(b.g);
	free(b.own);
	free(b.own_fixed);
	free(b.best_fixed);
	free(b.fail);
	free(b.best);
	free(b.queue);
	free(b.newid);
	return rc;
}

struct ua_rules *ua_rules_new(const char *text, size_t len,
                              struct ua_diag *diag)
{
	if (diag)
		memset(diag, 0, sizeof *diag);
	size_t cap = count_patterns(text, len);
	struct pat *pats = calloc(cap, sizeof *pats);
	struct ua_rules *r = calloc(1, sizeof *r);
	if (!pats || !r)
		goto fail;
	size_t n = add_builtins(pats);
	if (text && parse_file(text, len, pats, &n, diag))
		goto fail;
	if (n > RULES_LIMIT)
		goto fail;    /* cannot happen: UA_RULES_MAX bounds it */
	size_t bytes = 1;
	for (size_t i = 0; i < n; i++)
		bytes += pats[i].len;
	r->rule = malloc(n * sizeof *r->rule);
	r->text = malloc(bytes);
	if (!r->rule || !r->text)
		goto fail;
	for (size_t i = 0, off = 0; i < n; i++) {
		r->rule[i] = pats[i].r;
		r->rule[i].anchored = (uint8_t)pats[i].anchored;
		r->rule[i].off = (uint32_t)off;
		r->rule[i].len = pats[i].len;
		for (uint32_t j = 0; j < pats[i].len; j++)
			r->text[off++] = (char)lower((unsigned char)pats[i].s[j]);
	}
	r->n_rules = (uint32_t)n;
	if (compile(r, pats, n, diag))
		goto fail;
	free(pats);
	return r;
fail:
	free(pats);
	ua_rules_free(r);
	return NULL;
}

void ua_rules_free(struct ua_rules *r)
{
	if (!r)
		return;
	free(r->delta);
	free(r->score);
	free(r->score_fixed);
	free(r->rule);
	free(r->text);
	free(r);
}

void ua_rules_size(const struct ua_rules *r, size_t *states, size_t *bytes)
{
	*states = r->n_states;
	*bytes = sizeof *r + (size_t)r->n_states * r->k * sizeof *r->delta +
	         (r->n_states - r->out_from / r->k) * 2 * sizeof *r->score +
	         r->n_rules * sizeof *r->rule;
}

/* ---------------------------------------------------------- classifying */

/* Does the User-Agent start as browsers' do: "Mozilla/5.0 (" or
 * "Opera/9.80 (" (Presto), the version then the platform in parentheses?
 * Exact case: browsers never vary it; scripts that only put "Mozilla/5.0"
 * in front of their name ("Mozilla/5.0 researchscan...", "Mozilla/5.0;
 * Keydrop.io") do not get past the parenthesis.
 *
 * Measured with bench/ua_accuracy.sh (2,115 bot and 955 browser
 * User-Agents): treating every unmatched User-Agent as human gives recall
 * 94.3%; this test gives 99.8%, and no browser in the set (nor in
 * tests/data/ua/labeled.tsv) fails it.  What it costs: feature-phone
 * browsers that do not start so ("Nokia6230/2.0 ... Profile/MIDP-2.0",
 * "UCWEB/2.0 ...") count as tools; they are all but gone from traffic. */
static int browser_like(const char *ua, size_t len)
{
	size_t i;
	if (len >= 8 && memcmp(ua, "Mozilla/", 8) == 0)
		i = 8;
	else if (len >= 6 && memcmp(ua, "Opera/", 6) == 0)
		i = 6;
	else
		return 0;
	size_t v = i;
	while (i < len && ((ua[i] >= '0' && ua[i] <= '9') || ua[i] == '.'))
		i++;
	if (i == v)
		return 0;
	while (i < len && ua[i] == ' ')
		i++;
	return i < len && ua[i] == '(';
}

static unsigned char lower_c(char c)
{
	return lower((unsigned char)c);
}

/* Does the comment's text, c[0..n) (between its parentheses), stand as a
 * list of products: a "compatible" entry (entries end at ';' or ','), and
 * no "MSIE" one?  "(compatible; FooBot/1.0; +http://...)" stands; Internet
 * Explorer's "(compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0; ...)"
 * does not, because what follows MSIE there is what the PC has installed
 * and the organisation's own token, which IE's administration kit lets a
 * company set to its name ("Abbott Labs", "Scania IT", "Crawler Corp IT"). */
static int comment_stands(const char *c, size_t n)
{
	int compatible = 0;
	for (size_t i = 0; i < n;) {
		while (i < n && c[i] == ' ')
			i++;
		size_t e = i;
		while (e < n && c[e] != ';' && c[e] != ',')
			e++;
		size_t t = e;
		while (t > i && c[t - 1] == ' ')
			t--;
		if (t - i == 10) {
			size_t j = 0;
			while (j < 10 && lower_c(c[i + j]) == "compatible"[j])
				j++;
			compatible |= j == 10;
		}
		if (t - i >= 4 && lower_c(c[i]) == 'm' && lower_c(c[i + 1]) == 's' &&
		    lower_c(c[i + 2]) == 'i' && lower_c(c[i + 3]) == 'e')
			return 0;
		i = e + 1;
	}
	return compatible;
}

/* Is the browser an app's WebView, whose product tokens after the
 * engine's are the app's name ("... Mobile Safari/537.36 CamScanner/6.5")?
 * Android's say "; wv)"; iOS's WKWebViews have "Mobile/" but no
 * "Safari/". */
static int webview(const char *ua, size_t len)
{
	return memmem(ua, len, "; wv)", 5) != NULL ||
	       (memmem(ua, len, "Mobile/", 7) != NULL &&
	        memmem(ua, len, "Safari/", 7) == NULL);
}

/* Where words of automation stand in a browser's User-Agent: the parts
 * outside comments (product tokens, "... Safari/537.36 AcmeCrawler/2.0"),
 * except in a WebView; the comments that stand as a list of products; and,
 * but in a WebView, comments of one entry.
 * Comments run from '(' to the next ')' or the end; they do not nest. */
struct regions {
	size_t from;
	int in_comment, webview;
};

static void regions_init(struct regions *it, const char *ua, size_t len)
{
	it->from = 0;
	it->in_comment = 0;
	it->webview = webview(ua, len);
}

/* The next region: ua[*a..*b).  Returns 0 when there is none. */
static int regions_next(struct regions *it, const char *ua, size_t len,
                        size_t *a, size_t *b)
{
	while (it->from < len) {
		size_t s = it->from;
		const char *end = memchr(ua + s, it->in_comment ? ')' : '(',
		                         len - s);
		size_t e = end ? (size_t)(end - ua) : len;
		int comment = it->in_comment;
		it->from = end ? e + 1 : len;
		it->in_comment = !comment;
		/* A comment of one entry, "(IndeedBot 1.1)", is a product's
		 * own note, but an app's in a WebView "(io.scanbot.app)". */
		if (comment ? comment_stands(ua + s, e - s) ||
		              (!it->webview && !memchr(ua + s, ';', e - s) &&
		               !memchr(ua + s, ',', e - s)) :
		              !it->webview && e > s) {
			*a = s;
			*b = e;
			return 1;
		}
	}
	return 0;
}

static int host_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

/* A contact token without a scheme, "+devin.ai" or "+example.com/bot":
 * '+' where a token starts (the first byte, or after ' ', '(', ';' or
 * ','), then a host name with a dot and a last label of two letters or
 * more.  Browsers never send one; "+http..." is a rule of its own. */
static int contact_token(const char *ua, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		const char *p = memchr(ua + i, '+', len - i);
		if (!p)
			return 0;
		i = (size_t)(p - ua);
		if (i > 0 && ua[i - 1] != ' ' && ua[i - 1] != '(' &&
		    ua[i - 1] != ';' && ua[i - 1] != ',')
			continue;
		size_t j = i + 1, dots = 0, label = 0, letters = 0;
		for (; j < len && (host_byte(ua[j]) || ua[j] == '.'); j++) {
			if (ua[j] == '.') {
				if (label == 0)
					break;
				dots++;
				label = letters = 0;
			} else {
				label++;
				letters = (ua[j] >= '0' && ua[j] <= '9') ||
				          ua[j] == '-' ? 0 : letters + 1;
			}
		}
		if (dots && label >= 2 && letters == label)
			return 1;
	}
	return 0;
}

/* The verdict from the best score found (0: none); browser: browser_like's
 * answer. */
static struct ua_verdict verdict(const struct ua_rules *r, uint32_t best,
                                 int browser, const char *ua, size_t len)
{
	struct ua_verdict v = { CLASS_TOOL, PLATFORM_UNKNOWN };
	if (best) {
		const struct rule *rule = &r->rule[SCORE_INDEX(best)];
		if (rule->class != CLASS_HUMAN || rule->tier == T_OPERATOR ||
		    rule->where == W_BROWSER) {
			v.class = rule->class;
			v.platform = rule->platform;
			return v;
		}
		/* A built-in human rule vouches for a browser only. */
		if (browser) {
			v.class = CLASS_HUMAN;
			v.platform = rule->platform;
		}
		return v;
	}
	if (contact_token(ua, len))
		v.class = CLASS_CRAWLER;
	else if (browser)
		v.class = CLASS_HUMAN;
	return v;
}

/* Run the automaton from offset s over p[0..n) with the score table given;
 * the best score, at least best.  With all != NULL, also the best by every
 * rule (r->score) in *all, for a scan with score_fixed. */
static uint32_t scan(const struct ua_rules *r, const uint32_t *score, size_t s,
                     const unsigned char *p, size_t n, uint32_t best,
                     uint32_t *all)
{
	const uint32_t *delta = r->delta;
	const size_t out_from = r->out_from;
	for (size_t i = 0; i < n; i++) {
		s = delta[s + r->cls[p[i]]];
		if (s >= out_from) {
			size_t o = (s - out_from) / r->k;
			if (score[o] > best)
				best = score[o];
			if (all && r->score[o] > *all)
				*all = r->score[o];
		}
	}
	return best;
}

/*
 * Words of automation (W_STANDING: "bot", "scan", "check"...) count in a
 * browser's User-Agent only where they stand (regions_next): in a product
 * token ("... Safari/537.36 AcmeCrawler/2.0") or a comment that stands as
 * a list of products ("Mozilla/5.0 (compatible; SiteCheck/2.0)").  In an
 * app's WebView, or in the platform's and IE's comments, they are an
 * app's, a device's or a company's name ("...; wv) ... Chrome/120 Mobile
 * Safari/537.36 CamScanner/6.5", "(compatible; MSIE 8.0; ...; Abbott
 * Labs)"), not what made the request: a named service, an HTTP library or
 * a contact ("+http", "+devin.ai") has to say so.  In other User-Agents
 * (scripts, libraries, apps' own clients) they count anywhere: those are
 * tools already, and the word only tells which kind.
 *
 * So a browser's User-Agent is scanned without them (score_fixed), noting
 * the best score with them; only when that is better (a word of
 * automation would decide: rare in people's User-Agents) are the regions
 * where they stand scanned again with every rule, until it is reached.
 */
struct ua_verdict ua_classify(const struct ua_rules *r, const char *ua,
                              size_t len)
{
	if (!ua || len == 0)
		return (struct ua_verdict){ CLASS_TOOL, PLATFORM_UNKNOWN };
	const unsigned char *p = (const unsigned char *)ua;
	int browser = browser_like(ua, len);
	uint32_t all = 0, best;
	if (!browser) {
		best = scan(r, r->score, r->start, p, len, 0, NULL);
	} else {
		best = scan(r, r->score_fixed, r->start, p, len, 0, &all);
		if (all > best) {
			struct regions it;
			size_t a, b;
			regions_init(&it, ua, len);
			while (best < all && regions_next(&it, ua, len, &a, &b))
				best = scan(r, r->score, 0, p + a, b - a, best,
				            NULL);
		}
	}
	return verdict(r, best, browser, ua, len);
}

struct ua_verdict ua_classify_memo(const struct ua_rules *r, struct ua_memo *m,
                                   const char *ua, size_t len)
{
	if (len == 0 || len > UA_MEMO_LEN)
		return ua_classify(r, ua, len);
	if (m->rules != r) {
		memset(m->slot, 0, sizeof m->slot);
		m->rules = r;
	}
	struct ua_memo_slot *e =
		&m->slot[XXH3_64bits(ua, len) & (UA_MEMO_SLOTS - 1)];
	if (e->len == len && memcmp(e->ua, ua, len) == 0) {
		m->hits++;
		return e->v;
	}
	m->misses++;
	e->v = ua_classify(r, ua, len);
	e->len = (uint8_t)len;
	memcpy(e->ua, ua, len);
	return e->v;
}

/* Does the lower-cased pattern occur at ua[at...]? */
static int occurs_at(const char *pat, uint32_t n, const char *ua, size_t len,
                     size_t at)
{
	if (len - at < n)
		return 0;
	for (uint32_t j = 0; j < n; j++)
		if (lower((unsigned char)ua[at + j]) != (unsigned char)pat[j])
			return 0;
	return 1;
}

/* Does ua[at..end) lie in a region where words stand?  For the
 * reference: it asks each occurrence, where ua_classify rescans the
 * regions. */
static int within_standing(const char *ua, size_t len, size_t at, size_t end)
{
	struct regions it;
	size_t a, b;
	regions_init(&it, ua, len);
	while (regions_next(&it, ua, len, &a, &b))
		if (a <= at && end <= b)
			return 1;
	return 0;
}

struct ua_verdict ua_classify_slow(const struct ua_rules *r, const char *ua,
                                   size_t len)
{
	if (!ua || len == 0)
		return (struct ua_verdict){ CLASS_TOOL, PLATFORM_UNKNOWN };
	int browser = browser_like(ua, len);
	uint32_t best = 0;
	for (uint32_t i = 0; i < r->n_rules; i++) {
		const struct rule *rule = &r->rule[i];
		const char *pat = r->text + rule->off;
		size_t last = rule->anchored ? 0 : len;
		for (size_t at = 0; at <= last && at < len; at++) {
			if (occurs_at(pat, rule->len, ua, len, at) &&
			    (!browser || rule->where != W_STANDING ||
			     within_standing(ua, len, at, at + rule->len))) {
				uint32_t sc = SCORE(rule->tier, rule->len, i);
				if (sc > best)
					best = sc;
				break;
			}
		}
	}
	return verdict(r, best, browser, ua, len);
}
