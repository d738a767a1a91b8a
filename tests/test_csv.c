/*
 * test_csv: tools/common/csv.c -- records, quotes, CRLF, line breaks in
 * quotes, a missing final line end, every error, and every incomplete
 * input: each prefix of each record of valid documents, read from a copy
 * that ends at a page the process may not touch (a read past the end
 * crashes, in any build).  And tools/common/out.c's cell writer: RFC 4180
 * quoting, cells a spreadsheet would run as formulas written as text
 * (OWASP's leading '), --csv-raw's cells as they are, every cell read
 * back by the reader as it was written.
 */
#include "csv.h"
#include "out.h"
#include "tap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char *area;
static size_t area_len;

/* s[0..n) copied to end exactly where an inaccessible page starts. */
static const char *guarded(const char *s, size_t n)
{
	if (!area) {
		size_t page = (size_t)sysconf(_SC_PAGESIZE);
		area_len = 4 * page;
		area = mmap(NULL, area_len + page, PROT_READ | PROT_WRITE,
		            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (area == MAP_FAILED || mprotect(area + area_len, page, PROT_NONE)) {
			printf("Bail out! mmap\n");
			exit(1);
		}
	}
	if (n > area_len) {
		printf("Bail out! a test input longer than %zu bytes\n", area_len);
		exit(1);
	}
	memcpy(area + area_len - n, s, n);
	return area + area_len - n;
}

static ptrdiff_t rd(const char *s, size_t n, int eof, struct csv_record *r)
{
	memset(r, 0xa5, sizeof *r);
	return csv_read(guarded(s, n), n, eof, r);
}

/* Field k of the record read from s, unescaped, as a C string. */
static const char *field(const char *s, const struct csv_record *r, size_t k)
{
	static char out[256];
	const struct csv_field *f = &r->f[k];
	if (f->len >= sizeof out)
		return "(too long)";
	memcpy(out, s + f->off, f->len);
	size_t n = f->quoted ? csv_unescape(out, f->len) : f->len;
	out[n] = '\0';
	return out;
}

/* The fields of s's first record joined with '|', or "BAD: why". */
static const char *rec(const char *s, int eof, ptrdiff_t *used)
{
	static char out[1024];
	struct csv_record r;
	size_t n = strlen(s);
	ptrdiff_t rc = rd(s, n, eof, &r);
	*used = rc;
	if (rc == CSV_BAD)
		return r.why;
	if (rc <= 0)
		return rc == 0 ? "END" : "INCOMPLETE";
	out[0] = '\0';
	for (size_t k = 0; k < r.nf && k < CSV_FIELDS_MAX; k++) {
		if (k)
			strcat(out, "|");
		strcat(out, field(s, &r, k));
	}
	return out;
}

static void records(void)
{
	ptrdiff_t n;
	is_str(rec("a,b,c\n", 1, &n), "a|b|c", "three fields");
	is_int(n, 6, "... the line end included");
	is_str(rec("a,b\r\nc\r\n", 1, &n), "a|b", "CRLF ends a record");
	is_int(n, 5, "... CR and LF consumed");
	is_str(rec("\"x,y\",\"say \"\"hi\"\"\",\"l1\nl2\"\nnext\n", 1, &n),
	       "x,y|say \"hi\"|l1\nl2", "quotes: a comma, doubled quotes, a line feed");
	is_int(n, 27, "... up to the record's own line end");
	is_str(rec("\"a\r\nb\"\r\n", 1, &n), "a\r\nb", "CRLF inside quotes is data");
	is_str(rec("a,b", 1, &n), "a|b", "no final line end, at the end of the input");
	is_int(n, 3, "... all of it");
	is_str(rec("a,b", 0, &n), "INCOMPLETE", "no final line end, more to come");
	is_str(rec("a\r", 1, &n), "a", "a lone CR as the input's last byte ends it");
	is_int(n, 2, "... consumed");
	is_str(rec("a\r", 0, &n), "INCOMPLETE", "a CR at the buffer's end may await its LF");
	is_str(rec("\"a\"\r", 1, &n), "a", "a quoted field, then a last lone CR");
	is_str(rec(",,\n", 1, &n), "||", "empty fields");
	is_str(rec("\n", 1, &n), "", "a blank line: one empty field");
	is_int(n, 1, "... one byte");
	is_str(rec("a,\n", 1, &n), "a|", "a trailing comma: an empty last field");
	is_str(rec("a,", 1, &n), "a|", "... also at the end of the input");
	is_str(rec("\"\"\n", 1, &n), "", "an empty quoted field");
	is_str(rec("\"\"\"\"\n", 1, &n), "\"", "a quoted field of one quote");
	is_str(rec("", 1, &n), "END", "nothing left at the end: 0");
	is_int(n, 0, "... 0 bytes");
	is_str(rec("", 0, &n), "INCOMPLETE", "nothing yet: incomplete");
	is_str(rec("\"ab\"", 0, &n), "INCOMPLETE",
	       "a closing quote at the buffer's end may be half of \"\"");
	is_str(rec("\"ab\"", 1, &n), "ab", "... and is one at the end of the input");

	struct csv_record r;
	const char *s = "a\"\"b";
	char u[8];
	memcpy(u, s, 4);
	is_int(csv_unescape(u, 4), 3, "csv_unescape: \"\" becomes \"");
	ok(memcmp(u, "a\"b", 3) == 0, "csv_unescape: in place");

	const char *twenty = "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20\n";
	is_int(rd(twenty, strlen(twenty), 1, &r), 51, "twenty fields");
	is_int(r.nf, 20, "... all counted");
	is_str(field(twenty, &r, CSV_FIELDS_MAX - 1), "16",
	       "... the first CSV_FIELDS_MAX kept");
	rd("\"a\nb\",\"c\nd\"\n", 12, 1, &r);
	is_int(r.lines, 3, "lines: LFs in quotes and the record's own");
	rd("a\r\n", 3, 1, &r);
	is_int(r.lines, 1, "lines: a CRLF is one");
	rd("a", 1, 1, &r);
	is_int(r.lines, 0, "lines: none without a line end");
}

static void errors(void)
{
	ptrdiff_t n;
	is_str(rec("\"abc", 1, &n), "unterminated quoted field", "an open quote at the end");
	is_int(n, CSV_BAD, "... CSV_BAD");
	is_str(rec("\"abc", 0, &n), "INCOMPLETE", "... but incomplete with more to come");
	is_str(rec("\"ab\"\"", 1, &n), "unterminated quoted field",
	       "a doubled quote is not a closing one");
	is_str(rec("\"a\"b,c\n", 1, &n), "text after a closing quote", "text after a closing quote");
	is_str(rec("\"a\" ,c\n", 1, &n), "text after a closing quote", "... a space too");
	is_str(rec("\"a\"\rb\n", 1, &n), "text after a closing quote",
	       "a CR without its LF after a closing quote");
	is_str(rec("ab\"c\"\n", 1, &n),
	       "'\"' inside an unquoted field (quote the field and double the '\"')",
	       "a quote inside an unquoted field");
	is_str(rec("a\rb\n", 1, &n), "carriage return inside an unquoted field",
	       "a CR without its LF");
	is_str(rec("a,b\r,c\n", 1, &n), "carriage return inside an unquoted field",
	       "... before a comma");
	is_str(rec("ok,\"bad\"x\n", 1, &n), "text after a closing quote",
	       "an error in a later field");
}

/* Two reads give the same record. */
static int same(ptrdiff_t a, const struct csv_record *x, ptrdiff_t b,
                const struct csv_record *y)
{
	if (a != b)
		return 0;
	if (a <= 0)
		return 1;
	if (x->nf != y->nf || x->lines != y->lines)
		return 0;
	for (size_t k = 0; k < x->nf && k < CSV_FIELDS_MAX; k++)
		if (x->f[k].off != y->f[k].off || x->f[k].len != y->f[k].len ||
		    x->f[k].quoted != y->f[k].quoted)
			return 0;
	return 1;
}

/*
 * Every prefix of every record of doc: without eof, incomplete until the
 * record's LF is in, then exactly the record the whole document gives;
 * with eof, a record no longer than the prefix, an error, or (past the
 * LF) the same record.  Returns the records read.
 */
static int prefixes(const char *doc, const char *name)
{
	size_t len = strlen(doc), p = 0;
	int nrec = 0, bad_noeof = 0, bad_eof = 0;
	while (p < len) {
		struct csv_record full, r;
		ptrdiff_t q = rd(doc + p, len - p, 1, &full);
		if (q <= 0) {
			ok(0, "%s: record %d reads (%s)", name, nrec,
			   q == CSV_BAD ? full.why : "0");
			return nrec;
		}
		int has_lf = doc[p + (size_t)q - 1] == '\n';
		for (size_t k = 0; k <= len - p; k++) {
			ptrdiff_t got = rd(doc + p, k, 0, &r);
			int want_whole = has_lf && k >= (size_t)q;
			if (want_whole ? !same(got, &r, q, &full) : got != CSV_INCOMPLETE)
				bad_noeof++;
			got = rd(doc + p, k, 1, &r);
			if (want_whole ? !same(got, &r, q, &full)
			               : !(got == CSV_BAD || (got >= 0 && (size_t)got <= k)))
				bad_eof++;
		}
		nrec++;
		p += (size_t)q;
	}
	ok(!bad_noeof, "%s: every prefix without eof is incomplete, or the "
	   "whole record once its LF is in (%d off)", name, bad_noeof);
	ok(!bad_eof, "%s: every prefix at eof is a record within it, an "
	   "error, or the whole record (%d off)", name, bad_eof);
	return nrec;
}

static void incomplete(void)
{
	is_int(prefixes("handle,name,team,email\n"
	                "ana,Ana Lima,comms,ana@example.org\n", "staff"), 2,
	       "staff: two records");
	is_int(prefixes("a,\"b,c\"\r\n\"x\"\"y\",\"multi\nline\"\r\n"
	                "last,no line end", "quotes and CRLF"), 3,
	       "quotes and CRLF: three records");
	is_int(prefixes("\"\",\"\"\"\"\n,,\n\"q\"\r\n", "empty and quote-only"), 3,
	       "empty and quote-only: three records");
	is_int(prefixes("\n\r\nx\n", "blank lines"), 3, "blank lines: three records");
	is_int(prefixes("\"a\nb\nc\",\"\r\n\"\n", "line breaks in quotes"), 1,
	       "line breaks in quotes: one record");
	is_int(prefixes("x,y\r", "a lone last CR"), 1, "a lone last CR: one record");
}

/* One cell as out_csv_text writes it (a static buffer). */
static const char *cell(const char *s, size_t n, enum out_csv m)
{
	static char out[256];
	memset(out, 0, sizeof out);
	FILE *f = fmemopen(out, sizeof out, "w");
	if (!f)
		return "(fmemopen)";
	out_csv_text(f, s, n, m);
	fclose(f);
	return out;
}

#define SAFE(s) cell(s, sizeof s - 1, OUT_CSV_SAFE)
#define RAW(s) cell(s, sizeof s - 1, OUT_CSV_RAW)

static void writer(void)
{
	is_str(SAFE("Ana Lima"), "Ana Lima", "cell: plain text as it is");
	is_str(SAFE(""), "", "cell: empty");
	is_str(SAFE("a,b"), "\"a,b\"", "cell: a comma quoted");
	is_str(SAFE("say \"hi\""), "\"say \"\"hi\"\"\"", "cell: quotes doubled");
	is_str(SAFE("two\nlines"), "\"two\nlines\"", "cell: a line break quoted");
	is_str(SAFE("=HYPERLINK(\"http://x\",\"y\")"),
	       "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"",
	       "cell: =formula as text: ', quoted, quotes doubled");
	is_str(SAFE("+1"), "\"'+1\"", "cell: leading + as text");
	is_str(SAFE("-2"), "\"'-2\"", "cell: leading - as text");
	is_str(SAFE("@SUM(1)"), "\"'@SUM(1)\"", "cell: leading @ as text");
	is_str(SAFE("\tx"), "\"'\tx\"", "cell: leading tab as text");
	is_str(SAFE("\rx"), "\"'\rx\"", "cell: leading CR as text");
	is_str(SAFE("a=b-c+d@e"), "a=b-c+d@e", "cell: = - + @ inside: as it is");
	is_str(SAFE(" =1"), " =1", "cell: a leading space is not a trigger");
	is_str(SAFE("'quoted"), "'quoted", "cell: a leading ' as it is");
	is_str(cell("=x", 1, OUT_CSV_SAFE), "\"'=\"", "cell: only len bytes");
	is_str(RAW("=HYPERLINK(\"http://x\",\"y\")"),
	       "\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"",
	       "raw cell: no ', still RFC 4180 quoting");
	is_str(RAW("-2"), "-2", "raw cell: as it is");
	is_str(RAW("@SUM(1)"), "@SUM(1)", "raw cell: as it is");

	/* Read back: the reader gets ' and the text, one field. */
	static const char *const texts[] = {
		"=1+1", "+1", "-2", "@SUM(1)", "\tt", "\rr", "=a,\"b\"\nc", "plain",
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
		for (int m = OUT_CSV_SAFE; m <= OUT_CSV_RAW; m++) {
			char doc[300], want[300];
			snprintf(doc, sizeof doc, "%s\n",
			         cell(texts[i], strlen(texts[i]), (enum out_csv)m));
			snprintf(want, sizeof want, "%s%s",
			         m == OUT_CSV_SAFE && strcmp(texts[i], "plain")
			         ? "'" : "", texts[i]);
			struct csv_record r;
			ptrdiff_t n = rd(doc, strlen(doc), 1, &r);
			if (n != (ptrdiff_t)strlen(doc) || r.nf != 1 ||
			    strcmp(field(doc, &r, 0), want)) {
				printf("#   %s (mode %d): read back as %s\n",
				       texts[i], m, n > 0 ? field(doc, &r, 0) : "BAD");
				bad++;
			}
		}
	ok(!bad, "cells read back: one field each, ' and the text, or the "
	   "text under --csv-raw");
}

int main(void)
{
	records();
	errors();
	incomplete();
	writer();
	return tap_done();
}
