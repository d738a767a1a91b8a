/* csv: RFC 4180 records from a buffer.  See csv.h. */
#include "csv.h"

static int bad(struct csv_record *r, const char *why)
{
	r->why = why;
	return CSV_BAD;
}

/* The quoted field whose opening quote is buf[*i]; *i ends after the
 * closing quote.  0, CSV_INCOMPLETE or CSV_BAD. */
static int quoted(const char *buf, size_t len, int eof, size_t *i,
                  struct csv_field *f, struct csv_record *r)
{
	size_t k = *i + 1;
	f->quoted = 1;
	f->off = k;
	for (;; k++) {
		if (k == len)
			return eof ? bad(r, "unterminated quoted field")
			           : CSV_INCOMPLETE;
		if (buf[k] == '\n') {
			r->lines++;
		} else if (buf[k] == '"') {
			/* Without eof, the next byte may make it "" */
			if (k + 1 == len && !eof)
				return CSV_INCOMPLETE;
			if (k + 1 == len || buf[k + 1] != '"')
				break;
			k++;
		}
	}
	f->len = k - f->off;
	*i = k + 1;
	if (*i < len && buf[*i] != ',' && buf[*i] != '\n' && buf[*i] != '\r')
		return bad(r, "text after a closing quote");
	return 0;
}

ptrdiff_t csv_read(const char *buf, size_t len, int eof, struct csv_record *r)
{
	size_t i = 0;
	r->nf = 0;
	r->lines = 0;
	r->why = NULL;
	if (len == 0)
		return eof ? 0 : CSV_INCOMPLETE;
	for (;;) {
		struct csv_field f = { i, 0, 0 };
		if (i < len && buf[i] == '"') {
			int rc = quoted(buf, len, eof, &i, &f, r);
			if (rc)
				return rc;
		} else {
			while (i < len && buf[i] != ',' && buf[i] != '\n' &&
			       buf[i] != '\r' && buf[i] != '"')
				i++;
			f.len = i - f.off;
			if (i < len && buf[i] == '"')
				return bad(r, "'\"' inside an unquoted field (quote "
				           "the field and double the '\"')");
		}
		/* A CR ends a record with its LF, or as the input's last byte. */
		if (i < len && buf[i] == '\r') {
			if (i + 1 == len && !eof)
				return CSV_INCOMPLETE;
			if (i + 1 < len && buf[i + 1] != '\n')
				return bad(r, f.quoted ? "text after a closing quote"
				           : "carriage return inside an unquoted field");
		}
		if (r->nf < CSV_FIELDS_MAX)
			r->f[r->nf] = f;
		r->nf++;
		if (i < len && buf[i] == ',') {
			i++;
			continue;
		}
		if (i == len)
			return eof ? (ptrdiff_t)i : CSV_INCOMPLETE;
		if (buf[i] == '\r')
			i++;
		if (i < len && buf[i] == '\n') {
			i++;
			r->lines++;
		}
		return (ptrdiff_t)i;
	}
}

size_t csv_unescape(char *s, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		s[o++] = c;
		if (c == '"' && i + 1 < len && s[i + 1] == '"')
			i++;
	}
	return o;
}
