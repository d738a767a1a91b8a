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
/* Write a CSV field (RFC 4180): quoted when it holds , " CR or LF. */
void out_csv_field(FILE *f, const char *s, size_t len);
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
