/*
 * ua_eval: how well, and how fast, uaclass sorts labeled User-Agents.
 *
 *   ua_eval [-r RULES] [-t] [-q] < labeled
 *
 * Input lines are "label<TAB>user-agent"; a label is human, preview,
 * crawler, tool, or bot (not human, kind unknown).  Prints the confusion
 * matrix, precision and recall of "not human" (the figure that keeps
 * leaderboards honest), per-class agreement, and every misclassified line
 * (-q: only those that cross the human / not-human line).  -t also times
 * ua_classify over the whole set, and over the human lines alone.  -r adds
 * an operator rules file.  Exit status 0; 1 on bad usage or input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clickrec.h"
#include "uaclass.h"

enum { L_HUMAN, L_PREVIEW, L_CRAWLER, L_TOOL, L_BOT, L_COUNT };
static const char *const label_names[L_COUNT] = {
	"human", "preview", "crawler", "tool", "bot",
};
/* Verdict columns: the four classes ua_classify returns. */
static const int columns[4] = { CLASS_HUMAN, CLASS_PREVIEW, CLASS_CRAWLER,
                                CLASS_TOOL };

struct line {
	int label;
	char *ua;
	size_t len;
};

static int label_parse(const char *s)
{
	for (int i = 0; i < L_COUNT; i++)
		if (strcmp(s, label_names[i]) == 0)
			return i;
	return -1;
}

static int column_of(int class)
{
	for (int i = 0; i < 4; i++)
		if (columns[i] == class)
			return i;
	return -1;
}

/* The whole stream; the buffer always has a spare byte past *len. */
static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
		}
	}
	*len = n;
	return buf;
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Nanoseconds per ua_classify call over the lines with the given label
 * (-1: all): the fastest of many passes over the set, for a second or
 * more, so that other load on the machine shows less. */
static double time_calls(const struct ua_rules *r, const struct line *l,
                         size_t n, int label, size_t *calls, size_t *bytes)
{
	volatile unsigned sink = 0;
	size_t c = 0, b = 0;
	for (size_t i = 0; i < n; i++)
		if (label < 0 || l[i].label == label)
			c++, b += l[i].len;
	*calls = c;
	*bytes = b;
	if (!c)
		return 0;
	double best = 1e30, t0 = now_ns();
	do {
		double t = now_ns();
		for (size_t i = 0; i < n; i++) {
			if (label >= 0 && l[i].label != label)
				continue;
			struct ua_verdict v = ua_classify(r, l[i].ua, l[i].len);
			sink += v.class;
		}
		t = now_ns() - t;
		if (t < best)
			best = t;
	} while (now_ns() - t0 < 1e9);
	(void)sink;
	return best / (double)c;
}

int main(int argc, char **argv)
{
	const char *rules_path = NULL;
	int timing = 0, quiet = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			rules_path = argv[++i];
		else if (strcmp(argv[i], "-t") == 0)
			timing = 1;
		else if (strcmp(argv[i], "-q") == 0)
			quiet = 1;
		else {
			fprintf(stderr, "usage: ua_eval [-r RULES] [-t] [-q] "
			        "< labeled\n");
			return 1;
		}
	}

	char *rules_text = NULL;
	size_t rules_len = 0;
	if (rules_path) {
		FILE *f = fopen(rules_path, "rb");
		if (!f || !(rules_text = read_all(f, &rules_len))) {
			perror(rules_path);
			return 1;
		}
		fclose(f);
	}
	struct ua_diag diag;
	struct ua_rules *r = ua_rules_new(rules_text, rules_len, &diag);
	if (!r) {
		for (unsigned i = 0; i < diag.n && i < UA_DIAG_MAX; i++)
			fprintf(stderr, "%s:%u: %s\n", rules_path ? rules_path :
			        "(built-in)", diag.e[i].line, diag.e[i].msg);
		if (diag.n == 0)
			fprintf(stderr, "ua_eval: out of memory\n");
		return 1;
	}

	size_t len;
	char *in = read_all(stdin, &len);
	if (!in) {
		fprintf(stderr, "ua_eval: out of memory\n");
		return 1;
	}
	size_t cap = 1024, n = 0;
	struct line *lines = malloc(cap * sizeof *lines);
	if (!lines) {
		fprintf(stderr, "ua_eval: out of memory\n");
		return 1;
	}
	unsigned long long m[L_COUNT][4] = { { 0 } };
	for (size_t off = 0, lineno = 1; off < len; lineno++) {
		char *s = in + off;
		char *nl = memchr(s, '\n', len - off);
		size_t ln = nl ? (size_t)(nl - s) : len - off;
		off += ln + (nl != NULL);
		if (ln == 0)
			continue;
		s[ln] = '\0';    /* the '\n', or one past the end at EOF */
		char *tab = memchr(s, '\t', ln);
		int label = -1;
		if (tab) {
			*tab = '\0';
			label = label_parse(s);
		}
		if (label < 0) {
			fprintf(stderr, "stdin:%zu: expected \"label<TAB>ua\"\n",
			        lineno);
			return 1;
		}
		if (n == cap) {
			struct line *nl2 = realloc(lines, (cap *= 2) * sizeof *lines);
			if (!nl2) {
				fprintf(stderr, "ua_eval: out of memory\n");
				return 1;
			}
			lines = nl2;
		}
		lines[n].label = label;
		lines[n].ua = tab + 1;
		lines[n].len = ln - (size_t)(tab + 1 - s);
		n++;
	}
	printf("misclassified:\n");
	for (size_t i = 0; i < n; i++) {
		struct ua_verdict v = ua_classify(r, lines[i].ua, lines[i].len);
		int col = column_of(v.class);
		if (col < 0) {
			printf("  BAD CLASS %u: %s\n", v.class, lines[i].ua);
			continue;
		}
		m[lines[i].label][col]++;
		int lab_human = lines[i].label == L_HUMAN;
		int got_human = v.class == CLASS_HUMAN;
		int wrong = lab_human != got_human ||
		            (lines[i].label != L_BOT && !lab_human &&
		             columns[col] != CLASS_PREVIEW + lines[i].label -
		                             L_PREVIEW);
		if (wrong && (!quiet || lab_human != got_human))
			printf("  %-7s -> %-7s %s%s\n", label_names[lines[i].label],
			       clickrec_class_name(v.class),
			       lab_human != got_human ? "!! " : "", lines[i].ua);
	}

	printf("\nconfusion (rows: label, columns: verdict):\n");
	printf("  %-8s %8s %8s %8s %8s %8s\n", "", "human", "preview",
	       "crawler", "tool", "total");
	for (int l = 0; l < L_COUNT; l++) {
		unsigned long long t = m[l][0] + m[l][1] + m[l][2] + m[l][3];
		if (!t)
			continue;
		printf("  %-8s %8llu %8llu %8llu %8llu %8llu\n", label_names[l],
		       m[l][0], m[l][1], m[l][2], m[l][3], t);
	}
	/* Positive: not human. */
	unsigned long long tp = 0, fn = 0, fp = 0, tn = m[L_HUMAN][0];
	fp = m[L_HUMAN][1] + m[L_HUMAN][2] + m[L_HUMAN][3];
	for (int l = L_PREVIEW; l < L_COUNT; l++) {
		fn += m[l][0];
		tp += m[l][1] + m[l][2] + m[l][3];
	}
	printf("\nnot human: %llu labeled, %llu found, %llu missed; "
	       "%llu humans lost of %llu\n", tp + fn, tp, fn, fp, tn + fp);
	printf("precision %.2f%%  recall %.2f%%\n",
	       tp + fp ? 100.0 * (double)tp / (double)(tp + fp) : 100.0,
	       tp + fn ? 100.0 * (double)tp / (double)(tp + fn) : 100.0);
	printf("per class (verdict == label):");
	for (int l = L_PREVIEW; l <= L_TOOL; l++) {
		unsigned long long t = m[l][0] + m[l][1] + m[l][2] + m[l][3];
		if (t)
			printf("  %s %.1f%% (%llu/%llu)", label_names[l],
			       100.0 * (double)m[l][l] / (double)t, m[l][l], t);
	}
	printf("\n");
	/* Each class's precision: of the verdicts of that class, the share
	 * labeled so (rows labeled "bot" count against none). */
	printf("per class precision:");
	for (int l = L_HUMAN; l <= L_TOOL; l++) {
		unsigned long long got = 0;
		for (int k = L_HUMAN; k <= L_TOOL; k++)
			got += m[k][l];
		if (got)
			printf("  %s %.1f%% (%llu/%llu)", label_names[l],
			       100.0 * (double)m[l][l] / (double)got, m[l][l],
			       got);
	}
	printf("\n");

	if (timing) {
		size_t states, bytes, calls, nbytes;
		ua_rules_size(r, &states, &bytes);
		double t0 = now_ns();
		struct ua_rules *again = ua_rules_new(rules_text, rules_len, NULL);
		double build = now_ns() - t0;
		ua_rules_free(again);
		printf("\nautomaton: %zu states, %zu KiB, built in %.1f ms\n",
		       states, bytes / 1024, build / 1e6);
		double ns = time_calls(r, lines, n, -1, &calls, &nbytes);
		printf("all lines:   %.1f ns/call, %.2f ns/byte, mean %.0f bytes "
		       "(%zu lines)\n", ns, ns * (double)calls / (double)nbytes,
		       (double)nbytes / (double)calls, calls);
		ns = time_calls(r, lines, n, L_HUMAN, &calls, &nbytes);
		if (calls)
			printf("human lines: %.1f ns/call, %.2f ns/byte, mean "
			       "%.0f bytes (%zu lines)\n", ns,
			       ns * (double)calls / (double)nbytes,
			       (double)nbytes / (double)calls, calls);
	}
	ua_rules_free(r);
	free(lines);
	free(in);
	free(rules_text);
	return 0;
}
