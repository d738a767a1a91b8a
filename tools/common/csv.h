/*
 * csv: one RFC 4180 record at a time from a buffer the caller owns.  Pure:
 * no allocation, no I/O, the buffer is only read; fields come back as
 * offsets into it.  It does not know what the fields mean, nor skip blank
 * lines (one is a record of one empty field) or a byte order mark: the
 * caller decides (linkctl staff import does both).
 *
 * Fields are separated by ',', records end at LF or CRLF.  A quoted field
 * ("...") may hold ',', line breaks and '"' written twice; unquoted fields
 * may not hold '"' nor a CR that does not end the line.
 */
#ifndef REDIRECTD_CSV_H
#define REDIRECTD_CSV_H

#include <stddef.h>

/* Fields whose place is kept; more are counted in nf only. */
#define CSV_FIELDS_MAX 16

#define CSV_BAD (-1)          /* not CSV: why says what is wrong */
#define CSV_INCOMPLETE (-2)   /* the record goes on past the buffer */

struct csv_field {
	size_t off, len;   /* between the quotes, if quoted: still escaped */
	int quoted;        /* unescape with csv_unescape */
};

struct csv_record {
	size_t nf;          /* fields in the record, also past CSV_FIELDS_MAX */
	unsigned lines;     /* line feeds consumed, inside quotes too */
	const char *why;    /* after CSV_BAD: a static message */
	struct csv_field f[CSV_FIELDS_MAX];
};

/*
 * Read the record that starts at buf[0], len bytes available.  eof says
 * the buffer ends the input: a record may then end without a line end (a
 * lone CR at the very end ends it too), and an open quote is an error.
 * Without eof, a record is only complete at its LF, so whatever stops
 * short of one is CSV_INCOMPLETE: call again with more bytes.  Returns the
 * bytes the record takes, line end included (> 0); 0 at the end of the
 * input (len 0 and eof); CSV_INCOMPLETE; or CSV_BAD.  Reads buf[0..len)
 * only.
 */
ptrdiff_t csv_read(const char *buf, size_t len, int eof,
                   struct csv_record *r);

/* Turn a quoted field's "" into " in place; returns the new length. */
size_t csv_unescape(char *s, size_t len);

#endif
