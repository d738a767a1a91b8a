/*
 * test_convfile: tools/reach/convfile.c -- a conversions file's header
 * (names in any case, blanks, synonyms, unknown columns, what is missing
 * or given twice), its rows (every column, empty fields, field counts,
 * blank lines), times (ISO 8601 with Z, offsets, fractions, no zone; Unix
 * seconds; every out-of-range part), values (exact units, signs, decimals,
 * limits) and their text; every prefix of valid times and values read
 * from a copy that ends where an inaccessible page starts (a read past
 * the end crashes), each either a time or refused.
 */
#include "convfile.h"
#include "tap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char *area;
static size_t area_len;

/* s[0..n) copied to end exactly where an inaccessible page starts. */
static char *guarded(const char *s, size_t n)
{
	if (!area) {
		size_t page = (size_t)sysconf(_SC_PAGESIZE);
		area_len = page;
		area = mmap(NULL, area_len + page, PROT_READ | PROT_WRITE,
		            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (area == MAP_FAILED || mprotect(area + area_len, page, PROT_NONE)) {
			printf("Bail out! mmap\n");
			exit(1);
		}
	}
	memcpy(area + area_len - n, s, n);
	return area + area_len - n;
}

static int64_t T(const char *s, int *local)
{
	int64_t us;
	int l;
	const char *g = guarded(s, strlen(s));
	if (convfile_time(g, strlen(s), &us, &l) < 0)
		return -1;
	if (local)
		*local = l;
	return us;
}

static int64_t V(const char *s)
{
	int64_t u;
	return convfile_value(guarded(s, strlen(s)), strlen(s), &u) < 0 ?
	       INT64_MIN : u;
}

/* Header and row: a document of two lines. */
struct doc {
	char buf[1024];
	struct convfile_header h;
	struct convfile_row row;
	const char *why;
};

static int header(struct doc *d, const char *text)
{
	struct csv_record r;
	snprintf(d->buf, sizeof d->buf, "%s", text);
	if (csv_read(d->buf, strlen(d->buf), 1, &r) <= 0)
		return -2;
	d->why = NULL;
	return convfile_header(d->buf, &r, &d->h, &d->why);
}

static int row(struct doc *d, const char *hdr, const char *line)
{
	struct csv_record r;
	int rc = header(d, hdr);
	if (rc < 0)
		return -2;
	size_t off = strlen(d->buf);
	snprintf(d->buf + off, sizeof d->buf - off, "%s", line);
	if (csv_read(d->buf + off, strlen(line), 1, &r) < 0)
		return -2;
	d->why = NULL;
	return convfile_row(d->buf + off, &r, &d->h, &d->row, &d->why);
}

static int text_is(struct convfile_text t, const char *s)
{
	return t.len == strlen(s) && memcmp(t.s, s, t.len) == 0;
}

static void test_header(void)
{
	struct doc d;
	ok(header(&d, "time,click\n") == 0 && d.h.col[CONVFILE_TIME] == 0 &&
	   d.h.col[CONVFILE_CLICK] == 1 && d.h.col[CONVFILE_HANDLE] == -1 &&
	   d.h.nf == 2, "time and click");
	ok(header(&d, " TIME ,\"Staff\",Email,Event,VALUE,Id,Campaign\r\n") == 0 &&
	   d.h.col[CONVFILE_TIME] == 0 && d.h.col[CONVFILE_HANDLE] == 1 &&
	   d.h.col[CONVFILE_EVENT] == 3 && d.h.col[CONVFILE_VALUE] == 4 &&
	   d.h.col[CONVFILE_ID] == 5 && d.h.col[CONVFILE_CAMPAIGN] == 6 &&
	   d.h.nf == 7, "any case, blanks, quotes, an unknown column skipped");
	ok(header(&d, "utm_content,time\n") == 0 &&
	   d.h.col[CONVFILE_HANDLE] == 0, "utm_content is the handle");
	ok(header(&d, "time,click,staff\n") == 0 &&
	   d.h.col[CONVFILE_CLICK] == 1 && d.h.col[CONVFILE_HANDLE] == 2,
	   "both click and handle");
	ok(header(&d, "click,event\n") == -1 && strstr(d.why, "no time"),
	   "no time column");
	ok(header(&d, "time,event\n") == -1 && strstr(d.why, "no click"),
	   "neither click nor handle");
	ok(header(&d, "time,click,Time\n") == -1 && strstr(d.why, "twice"),
	   "a column twice");
	ok(header(&d, "time,staff,utm_content\n") == -1 &&
	   strstr(d.why, "handle given twice"), "both handle synonyms");
	ok(header(&d, "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,time,click\n") == -1 &&
	   strstr(d.why, "first 16"), "a time past the 16th column");
	ok(header(&d, "time,a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,click\n") == -1 &&
	   strstr(d.why, "first 16"), "a click past the 16th column");
	ok(header(&d, "time,click,a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p\n") == 0 &&
	   d.h.nf == 18, "unknown columns past the 16th");
	ok(header(&d, "\n") == -1, "an empty header");
}

static void test_rows(void)
{
	struct doc d;
	const char *H = "time,click,staff,event,value,id,campaign,email\n";
	ok(row(&d, H, "2026-05-04T12:30:00Z,AAAAAAAAAAAAAAAB,,signup,"
	              "12.5,r1,spring,a@example.org\n") == 0 &&
	   d.row.time_us == INT64_C(1777897800000000) && !d.row.local &&
	   d.row.has_click && d.row.click.b[11] == 1 && !d.row.handle.len &&
	   text_is(d.row.event, "signup") && d.row.has_value &&
	   d.row.value == 12500000 && text_is(d.row.id, "r1") &&
	   text_is(d.row.campaign, "spring"), "a row of every column");
	ok(row(&d, H, " 1777897800 ,, alice ,,,,,\n") == 0 &&
	   d.row.time_us == INT64_C(1777897800000000) && !d.row.has_click &&
	   text_is(d.row.handle, "alice") && !d.row.has_value &&
	   !d.row.event.len && !d.row.id.len && !d.row.campaign.len,
	   "a handle row, blanks trimmed, empty fields");
	ok(row(&d, H, "\"1777897800\",\"AAAAAAAAAAAAAAAA\",\"a\"\"b\",,,,,\n") == 0 &&
	   d.row.has_click && text_is(d.row.handle, "a\"b"),
	   "quoted fields unescaped");
	ok(row(&d, H, "2026-05-04 12:30,x,,,,,,\n") == -1 &&
	   strstr(d.why, "bad click"), "a click id too short");
	ok(row(&d, H, "2026-05-04 12:30,AAAAAAAAAAAAAAA=,,,,,,\n") == -1 &&
	   strstr(d.why, "bad click"), "a click id with a bad character");
	ok(row(&d, H, "2026-05-04 12:30,AAAAAAAAAAAAAAAAA,,,,,,\n") == -1 &&
	   strstr(d.why, "bad click"), "a click id too long");
	ok(row(&d, H, "2026-05-04 12:30,,,,,,,\n") == -1 &&
	   strstr(d.why, "neither"), "neither click nor handle");
	ok(row(&d, H, ",,alice,,,,,\n") == -1 && strstr(d.why, "no time"),
	   "no time");
	ok(row(&d, H, "yesterday,,alice,,,,,\n") == -1 &&
	   strstr(d.why, "bad time"), "a bad time");
	ok(row(&d, H, "1777897800,,alice,,12.5.1,,,\n") == -1 &&
	   strstr(d.why, "bad value"), "a bad value");
	ok(row(&d, H, "1777897800,,alice,,,,\n") == -1 &&
	   strstr(d.why, "fewer"), "fewer fields");
	ok(row(&d, H, "1777897800,,alice,,,,,,\n") == -1 &&
	   strstr(d.why, "more"), "more fields");
	ok(row(&d, H, "\n") == CONVFILE_BLANK, "a blank line");
	ok(row(&d, H, "\r\n") == CONVFILE_BLANK, "a blank CRLF line");
	ok(row(&d, "time,staff\n", "2026-05-04T12:30:00,bob\n") == 0 &&
	   d.row.local && d.row.time_us == INT64_C(1777897800000000),
	   "a time without zone: local, the wall clock as UTC");
	ok(row(&d, "time,click\n", "2026-05-04T12:30:00Z,\n") == -1,
	   "an empty click with no handle column");
}

static void test_times(void)
{
	int l = -1;
	ok(T("0", &l) == 0 && l == 0, "Unix 0");
	ok(T("1777897800", NULL) == INT64_C(1777897800000000), "Unix seconds");
	ok(T("1777897800.5", NULL) == INT64_C(1777897800500000), "Unix .5");
	ok(T("1777897800.123456789", NULL) == INT64_C(1777897800123456),
	   "Unix nanoseconds dropped past the microsecond");
	ok(T("1777897800.1234567890", NULL) == -1, "ten fraction digits");
	ok(T("1777897800.", NULL) == -1, "a point without digits");
	ok(T("-1", NULL) == -1, "negative seconds");
	ok(T("+1", NULL) == -1, "signed seconds");
	ok(T("253402300799", NULL) == INT64_C(253402300799000000),
	   "the last second of 9999");
	ok(T("253402300800", NULL) == -1, "past 9999");
	ok(T("9999999999999", NULL) == -1, "too many digits");
	ok(T("1e9", NULL) == -1, "an exponent");
	ok(T("", NULL) == -1, "empty");
	ok(T("1970-01-01T00:00:00Z", &l) == 0 && l == 0, "the epoch");
	ok(T("2026-05-04T12:30:00Z", NULL) == INT64_C(1777897800000000), "Z");
	ok(T("2026-05-04t12:30:00z", NULL) == INT64_C(1777897800000000),
	   "lower-case t and z");
	ok(T("2026-05-04 12:30Z", NULL) == INT64_C(1777897800000000),
	   "a space, no seconds");
	ok(T("2026-05-04T14:30:00+02:00", NULL) == INT64_C(1777897800000000),
	   "+hh:mm");
	ok(T("2026-05-04T14:30:00+0200", NULL) == INT64_C(1777897800000000),
	   "+hhmm");
	ok(T("2026-05-04T14:30:00+02", NULL) == INT64_C(1777897800000000),
	   "+hh");
	ok(T("2026-05-04T07:00:00-05:30", NULL) == INT64_C(1777897800000000),
	   "-hh:mm");
	ok(T("2026-05-04T12:30:00.25Z", NULL) == INT64_C(1777897800250000),
	   "a fraction");
	ok(T("2026-05-04T12:30:00.000001+00:00", NULL) ==
	   INT64_C(1777897800000001), "a microsecond");
	ok(T("2026-05-04T12:30:00", &l) == INT64_C(1777897800000000) && l == 1,
	   "no zone: local");
	ok(T("2024-02-29T00:00:00Z", NULL) > 0, "a leap day");
	ok(T("2026-02-29T00:00:00Z", NULL) == -1, "no leap day");
	ok(T("2000-02-29T00:00:00Z", NULL) > 0, "leap 2000");
	ok(T("2100-02-29T00:00:00Z", NULL) == -1, "no leap 2100");
	ok(T("2026-04-31T00:00:00Z", NULL) == -1, "April 31");
	ok(T("2026-13-01T00:00:00Z", NULL) == -1, "month 13");
	ok(T("2026-00-01T00:00:00Z", NULL) == -1, "month 0");
	ok(T("2026-01-00T00:00:00Z", NULL) == -1, "day 0");
	ok(T("2026-01-01T24:00:00Z", NULL) == -1, "hour 24");
	ok(T("2026-01-01T00:60:00Z", NULL) == -1, "minute 60");
	ok(T("2026-01-01T00:00:60Z", NULL) == -1, "second 60");
	ok(T("1969-12-31T23:59:59Z", NULL) == -1, "before 1970");
	ok(T("1970-01-01T00:30:00+01:00", NULL) == -1, "before 1970 by offset");
	ok(T("2026-01-01T00:00:00+24:00", NULL) == -1, "offset 24 hours");
	ok(T("2026-01-01T00:00:00+01:60", NULL) == -1, "offset 60 minutes");
	ok(T("2026-01-01T00:00:00+1", NULL) == -1, "offset one digit");
	ok(T("2026-01-01T00:00:00+01:0", NULL) == -1, "offset short minutes");
	ok(T("2026-01-01T00:00:00+01-00", NULL) == -1, "offset bad separator");
	ok(T("2026-01-01T00:00:00ZZ", NULL) == -1, "Z twice");
	ok(T("2026-01-01T00:00:00 Z", NULL) == -1, "a blank before Z");
	ok(T("2026-01-01", NULL) == -1, "a date alone");
	ok(T("2026-01-01T00", NULL) == -1, "an hour alone");
	ok(T("2026-1-01T00:00Z", NULL) == -1, "a one-digit month");
	ok(T("2026/01/01T00:00Z", NULL) == -1, "slashes");
	ok(T("2026-01-01X00:00Z", NULL) == -1, "no T");
	ok(T("2026-01-01T00:00:0Z", NULL) == -1, "one-digit seconds");
	ok(T("2026-01-01T00:00:00.Z", NULL) == -1, "an empty fraction");
	ok(T("2026-01-01T00:00.5Z", NULL) == -1, "a fraction of minutes");
	ok(T("2026-01-01T0a:00Z", NULL) == -1, "a letter in the hour");
	ok(T("10000-01-01T00:00Z", NULL) == -1, "a five-digit year");
	ok(T("9999-12-31T23:59:59.999999Z", NULL) ==
	   INT64_C(253402300799999999), "the last microsecond of 9999");
	/* Every prefix of valid times: refused, or a time, never a read past
	 * the end. */
	const char *valid[] = {
		"2026-05-04T12:30:00.123456789+02:00", "1777897800.123456",
		"2026-05-04 12:30:59Z", "2026-05-04T12:30-0530",
	};
	int fine = 1;
	for (size_t v = 0; v < sizeof valid / sizeof *valid; v++)
		for (size_t n = 0; n <= strlen(valid[v]); n++) {
			int64_t us;
			int loc;
			int rc = convfile_time(guarded(valid[v], n), n, &us, &loc);
			if (n == strlen(valid[v]) && rc != 0)
				fine = 0;
		}
	ok(fine, "every prefix of valid times read within its bytes");
}

static void test_values(void)
{
	ok(V("12.50") == 12500000, "12.50");
	ok(V("0") == 0, "0");
	ok(V("-3") == -3000000, "negative");
	ok(V("+3") == 3000000, "a plus");
	ok(V(".5") == 500000, "no whole part");
	ok(V("0.000001") == 1, "six decimals");
	ok(V("0.0000001") == INT64_MIN, "seven decimals");
	ok(V("1000000000") == INT64_C(1000000000000000), "a billion");
	ok(V("1000000000.000001") == INT64_MIN, "past a billion");
	ok(V("99999999999999999999") == INT64_MIN, "far past");
	ok(V("5.") == INT64_MIN, "a point without decimals");
	ok(V(".") == INT64_MIN, "a point alone");
	ok(V("-") == INT64_MIN, "a sign alone");
	ok(V("") == INT64_MIN, "empty");
	ok(V("1,5") == INT64_MIN, "a decimal comma");
	ok(V("1e3") == INT64_MIN, "an exponent");
	ok(V("12 EUR") == INT64_MIN, "a currency");
	ok(V("--1") == INT64_MIN, "two signs");
	char t[32];
	ok(convfile_value_text(12500000, t) == 5 && strcmp(t, "12.50") == 0,
	   "text 12.50");
	ok(convfile_value_text(0, t) == 4 && strcmp(t, "0.00") == 0, "text 0.00");
	convfile_value_text(125000, t);
	is_str(t, "0.125", "text 0.125");
	convfile_value_text(-3000000, t);
	is_str(t, "-3.00", "text -3.00");
	convfile_value_text(1, t);
	is_str(t, "0.000001", "text a unit");
	convfile_value_text(INT64_MIN, t);
	is_str(t, "-9223372036854.775808", "text the smallest");
	const char *valid[] = { "-123456.789012", "+0.5" };
	int fine = 1;
	for (size_t v = 0; v < 2; v++)
		for (size_t n = 0; n <= strlen(valid[v]); n++) {
			int64_t u;
			int rc = convfile_value(guarded(valid[v], n), n, &u);
			if (n == strlen(valid[v]) && rc != 0)
				fine = 0;
		}
	ok(fine, "every prefix of valid values read within its bytes");
}

int main(void)
{
	test_header();
	test_rows();
	test_times();
	test_values();
	return tap_done();
}
