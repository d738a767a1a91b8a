/*
 * out: what linkctl and reach share for talking to people and scripts:
 * CSV and JSON quoting, percent-encoding, times, and the one way tools report errors.
 */
#ifndef REDIRECTD_OUT_H
#define REDIRECTD_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Write s[0..len) as a JSON string literal, quotes included. */
void out_json_str(FILE *f, const char *s, size_t len);
/*
 * How a CSV text cell is written.  OUT_CSV_SAFE (the default of every
 * tool): a cell a spreadsheet would take for a formula -- one starting
 * with = + - @, a tab or a CR -- is written as text the way OWASP's "CSV
 * Injection" page says: a ' before it, the whole cell quoted.  A name
 * like =HYPERLINK(...) then shows as itself when an analyst opens the
 * file, and the ' shows to a script reading it.  OUT_CSV_RAW (--csv-raw):
 * the text as it is, for programs that must read names back unchanged.
 */
enum out_csv { OUT_CSV_SAFE, OUT_CSV_RAW };
/* Write s[0..len) as one CSV text cell: quoted (RFC 4180) when it holds
 * , " CR or LF, neutralised as mode says.  Numbers are not text cells:
 * print them as they are (a negative number stays a number). */
void out_csv_text(FILE *f, const char *s, size_t len, enum out_csv mode);
/* Percent-encode s[0..n) for a URL's query (RFC 3986: unreserved bytes
 * stay, every other byte is %XX, a space %20) into out; returns the length
 * written (not NUL-terminated), or (size_t)-1 when it would pass cap. */
size_t out_pct_encode(const char *s, size_t n, char *out, size_t cap);
/* Format microseconds since the epoch as "2026-11-25T18:33:07Z" (UTC)
 * into out[21]. */
void out_time_iso(uint64_t us, char out[21]);

/* Print "PROG: message" to stderr (printf-style). */
void out_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The program name used by out_err. */
extern const char *out_prog;

#endif
