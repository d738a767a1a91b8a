/*
 * convfile: a conversions file's header and rows (see convfile.h).
 */
#include "convfile.h"

#include <stdio.h>
#include <string.h>

static const char *const convfile_names[] = {
	"time", "click", "staff", "event", "value", "id", "campaign",
};

static int convfile_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Field k of r, unescaped in place and trimmed of blanks. */
static struct convfile_text convfile_field(char *buf, struct csv_record *r,
                                           size_t k)
{
	struct csv_field *f = &r->f[k];
	if (f->quoted) {
		f->len = csv_unescape(buf + f->off, f->len);
		f->quoted = 0;
	}
	struct convfile_text t = { buf + f->off, f->len };
	while (t.len && convfile_blank(t.s[0])) {
		t.s++;
		t.len--;
	}
	while (t.len && convfile_blank(t.s[t.len - 1]))
		t.len--;
	return t;
}

static int convfile_is(struct convfile_text t, const char *name)
{
	size_t n = strlen(name);
	if (t.len != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = t.s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != name[i])
			return 0;
	}
	return 1;
}

int convfile_header(char *buf, struct csv_record *r,
                    struct convfile_header *h, const char **why)
{
	for (int c = 0; c < CONVFILE_NCOLS; c++)
		h->col[c] = -1;
	h->nf = r->nf;
	size_t nf = r->nf < CSV_FIELDS_MAX ? r->nf : CSV_FIELDS_MAX;
	for (size_t k = 0; k < nf; k++) {
		struct convfile_text t = convfile_field(buf, r, k);
		int c = -1;
		for (int i = 0; i < CONVFILE_NCOLS; i++)
			if (convfile_is(t, convfile_names[i]))
				c = i;
		if (c < 0 && convfile_is(t, "utm_content"))
			c = CONVFILE_HANDLE;
		if (c < 0)
			continue;
		if (h->col[c] >= 0) {
			*why = c == CONVFILE_HANDLE ?
			       "the handle given twice (staff, utm_content)" :
			       "a column given twice";
			return -1;
		}
		h->col[c] = (int)k;
	}
	/* Known columns past the fields csv.h keeps are not seen: the
	 * messages below say where they were looked for. */
	if (h->col[CONVFILE_TIME] < 0) {
		*why = r->nf > CSV_FIELDS_MAX ?
		       "no time column (in the first 16 columns)" :
		       "no time column";
		return -1;
	}
	if (h->col[CONVFILE_CLICK] < 0 && h->col[CONVFILE_HANDLE] < 0) {
		*why = r->nf > CSV_FIELDS_MAX ?
		       "no click, staff or utm_content column (in the first "
		       "16 columns)" : "no click, staff or utm_content column";
		return -1;
	}
	return 0;
}

/* Up to n decimal digits of s, exactly n: their value; else -1. */
static int convfile_digits(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t convfile_days(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static unsigned convfile_mdays(int y, int m)
{
	static const unsigned char md[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return md[m - 1] + (m == 2 && leap);
}

/* ".fraction" at s[*i]: up to nine digits, to microseconds in *us. */
static int convfile_fraction(const char *s, size_t len, size_t *i,
                             int64_t *us)
{
	*us = 0;
	if (*i >= len || s[*i] != '.')
		return 0;
	size_t k = ++*i, n = 0;
	int64_t v = 0;
	while (k < len && s[k] >= '0' && s[k] <= '9') {
		if (++n > 9)
			return -1;
		if (n <= 6)
			v = v * 10 + (s[k] - '0');
		k++;
	}
	if (n == 0)
		return -1;
	for (size_t j = n; j < 6; j++)
		v *= 10;
	*us = v;
	*i = k;
	return 0;
}

/* The latest second accepted: 9999-12-31T23:59:59Z. */
#define CONVFILE_SEC_MAX 253402300799

int convfile_time(const char *s, size_t len, int64_t *us, int *local)
{
	size_t i = 0;
	int64_t frac;
	*local = 0;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == 0)
		return -1;
	if (i == len || s[i] == '.') {
		/* Unix seconds. */
		if (i > 12)
			return -1;
		int64_t sec = 0;
		for (size_t k = 0; k < i; k++)
			sec = sec * 10 + (s[k] - '0');
		if (sec > CONVFILE_SEC_MAX ||
		    convfile_fraction(s, len, &i, &frac) < 0 || i != len)
			return -1;
		*us = sec * 1000000 + frac;
		return 0;
	}
	/* YYYY-MM-DD[T ]HH:MM */
	if (len < 16 || i != 4 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':')
		return -1;
	int y = convfile_digits(s, 4), mo = convfile_digits(s + 5, 2);
	int d = convfile_digits(s + 8, 2), hh = convfile_digits(s + 11, 2);
	int mi = convfile_digits(s + 14, 2), ss = 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    (unsigned)d > convfile_mdays(y, mo) || hh < 0 || hh > 23 ||
	    mi < 0 || mi > 59)
		return -1;
	i = 16;
	frac = 0;
	if (i < len && s[i] == ':') {
		if (len < i + 3 || (ss = convfile_digits(s + i + 1, 2)) < 0 ||
		    ss > 59)
			return -1;
		i += 3;
		if (convfile_fraction(s, len, &i, &frac) < 0)
			return -1;
	}
	int64_t off = 0;
	if (i == len) {
		*local = 1;
	} else if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		/* +hh, +hhmm or +hh:mm */
		size_t rest = len - i - 1;
		const char *o = s + i + 1;
		int oh, om = 0;
		if (rest != 2 && rest != 4 && !(rest == 5 && o[2] == ':'))
			return -1;
		if ((oh = convfile_digits(o, 2)) < 0 || oh > 23 ||
		    (rest > 2 && ((om = convfile_digits(o + rest - 2, 2)) < 0 ||
		                  om > 59)))
			return -1;
		off = (int64_t)(oh * 60 + om) * 60;
		if (s[i] == '-')
			off = -off;
	} else {
		return -1;
	}
	int64_t sec = convfile_days(y, (unsigned)mo, (unsigned)d) * 86400 +
	              hh * 3600 + mi * 60 + ss - off;
	if (sec < 0 || sec > CONVFILE_SEC_MAX)
		return -1;
	*us = sec * 1000000 + frac;
	return 0;
}

int convfile_value(const char *s, size_t len, int64_t *units)
{
	size_t i = 0;
	int neg = 0;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	size_t start = i;
	int64_t v = 0;
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		v = v * 10 + (s[i] - '0');
		if (v > CONVFILE_VALUE_MAX / CONVFILE_UNIT)
			return -1;
		i++;
	}
	size_t whole = i - start, dec = 0;
	v *= CONVFILE_UNIT;
	if (i < len && s[i] == '.') {
		int64_t scale = CONVFILE_UNIT;
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (++dec > CONVFILE_DECIMALS)
				return -1;
			scale /= 10;
			v += (s[i] - '0') * scale;
		}
		if (dec == 0)
			return -1;
	}
	if (i != len || whole + dec == 0 || v > CONVFILE_VALUE_MAX)
		return -1;
	*units = neg ? -v : v;
	return 0;
}

size_t convfile_value_text(int64_t units, char out[32])
{
	uint64_t a = units < 0 ? -(uint64_t)units : (uint64_t)units;
	uint64_t frac = a % CONVFILE_UNIT;
	int n = snprintf(out, 32, "%s%llu.%06llu", units < 0 ? "-" : "",
	                 (unsigned long long)(a / CONVFILE_UNIT),
	                 (unsigned long long)frac);
	/* Drop trailing zeros past the second decimal. */
	while (out[n - 1] == '0' && out[n - 3] != '.')
		n--;
	out[n] = '\0';
	return (size_t)n;
}

int convfile_row(char *buf, struct csv_record *r,
                 const struct convfile_header *h, struct convfile_row *row,
                 const char **why)
{
	memset(row, 0, sizeof *row);
	if (r->nf == 1 && r->f[0].len == 0)
		return CONVFILE_BLANK;
	if (r->nf != h->nf) {
		*why = r->nf < h->nf ? "fewer fields than the header" :
		                       "more fields than the header";
		return -1;
	}
	struct convfile_text t[CONVFILE_NCOLS] = { { 0 } };
	for (int c = 0; c < CONVFILE_NCOLS; c++)
		if (h->col[c] >= 0)
			t[c] = convfile_field(buf, r, (size_t)h->col[c]);
	if (!t[CONVFILE_TIME].len) {
		*why = "no time";
		return -1;
	}
	if (convfile_time(t[CONVFILE_TIME].s, t[CONVFILE_TIME].len,
	                  &row->time_us, &row->local) < 0) {
		*why = "bad time (ISO 8601 such as 2026-05-04T12:30:00Z, or "
		       "Unix seconds)";
		return -1;
	}
	if (t[CONVFILE_CLICK].len) {
		if (clickid_parse(t[CONVFILE_CLICK].s, t[CONVFILE_CLICK].len,
		                  &row->click) < 0) {
			*why = "bad click id (16 characters of A-Z a-z 0-9 _ -)";
			return -1;
		}
		row->has_click = 1;
	}
	row->handle = t[CONVFILE_HANDLE];
	if (!row->has_click && !row->handle.len) {
		*why = "neither a click id nor a handle";
		return -1;
	}
	if (t[CONVFILE_VALUE].len) {
		if (convfile_value(t[CONVFILE_VALUE].s, t[CONVFILE_VALUE].len,
		                   &row->value) < 0) {
			*why = "bad value (a decimal amount such as 12.50, at "
			       "most 6 decimals, at most 1000000000)";
			return -1;
		}
		row->has_value = 1;
	}
	row->event = t[CONVFILE_EVENT];
	row->id = t[CONVFILE_ID];
	row->campaign = t[CONVFILE_CAMPAIGN];
	return 0;
}
