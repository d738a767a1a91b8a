/*
 * convfile: one conversions file's header and rows, as action platforms
 * and analytics tools export them (reach --conversions; reach(1) is the
 * reference for the format).  Pure: no allocation, no I/O, nothing
 * printed; records come from csv.h, fields are read in place (a quoted
 * field is unescaped in the caller's buffer).  What a row means to the
 * counting (duplicates, the window, the click it names) is conv.c's.
 */
#ifndef REDIRECTD_CONVFILE_H
#define REDIRECTD_CONVFILE_H

#include <stddef.h>
#include <stdint.h>

#include "clickid.h"
#include "csv.h"

/* The columns a conversions file may have; others are ignored. */
enum convfile_col {
	CONVFILE_TIME, CONVFILE_CLICK, CONVFILE_HANDLE, CONVFILE_EVENT,
	CONVFILE_VALUE, CONVFILE_ID, CONVFILE_CAMPAIGN, CONVFILE_NCOLS
};

/* Values are held exactly, as integers of 10^-CONVFILE_DECIMALS units. */
#define CONVFILE_DECIMALS 6
#define CONVFILE_UNIT 1000000
/* The largest value a row may give, in units: a billion (sums are
 * checked for overflow by who adds them). */
#define CONVFILE_VALUE_MAX ((int64_t)1000000000 * CONVFILE_UNIT)

struct convfile_header {
	int col[CONVFILE_NCOLS];    /* field index, or -1: no such column */
	size_t nf;                  /* fields of the header */
};

/* A field of a row: a view into the caller's buffer; len 0: empty. */
struct convfile_text {
	const char *s;
	size_t len;
};

struct convfile_row {
	int64_t time_us;            /* UTC; local: the wall clock as if UTC */
	int local;                  /* the time had no zone: read it in --tz */
	int has_click;
	struct clickid click;
	struct convfile_text handle, event, id, campaign;
	int has_value;
	int64_t value;              /* in 10^-CONVFILE_DECIMALS */
};

#define CONVFILE_BLANK 1        /* an empty line: no row */

/*
 * The header record r of buf: column names matched case-insensitively,
 * blanks around them ignored; `staff` and `utm_content` are synonyms.
 * Quoted fields are unescaped in place.  Needs `time` and one of `click`,
 * `staff` or `utm_content`.  Returns 0, or -1 with *why a static message.
 */
int convfile_header(char *buf, struct csv_record *r,
                    struct convfile_header *h, const char **why);

/*
 * The row r of buf under the header h.  Blanks around fields are
 * ignored.  Returns 0, CONVFILE_BLANK for an empty line, or -1 with *why
 * a static message (the field count differs from the header's; no time;
 * a bad time, click id or value; neither click nor handle).
 */
int convfile_row(char *buf, struct csv_record *r,
                 const struct convfile_header *h, struct convfile_row *row,
                 const char **why);

/*
 * A time: ISO 8601 "YYYY-MM-DDTHH:MM[:SS[.fraction]]" (a space may
 * replace the T), with "Z" or an offset "+hh:mm", "+hhmm", "+hh" (or
 * none: *local set, the wall clock returned as if UTC); or Unix seconds,
 * "SECONDS[.fraction]".  Fractions to nine digits, read to the
 * microsecond (the rest dropped).  Years 1970 to 9999.  Returns 0, or -1.
 */
int convfile_time(const char *s, size_t len, int64_t *us, int *local);

/* A decimal amount: [+-]DIGITS[.DIGITS], at most CONVFILE_DECIMALS
 * decimals and CONVFILE_VALUE_MAX in size, into units.  Returns 0, or
 * -1. */
int convfile_value(const char *s, size_t len, int64_t *units);

/* A value in units as text: at least two decimals, more only as needed
 * ("12.50", "0.125", "-3.00").  Returns its length (< 32). */
size_t convfile_value_text(int64_t units, char out[32]);

#endif
