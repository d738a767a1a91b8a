/* Fuzz target: the CSV reader (tools/common/csv.c).  Reads the input record
 * by record as linkctl staff import does; every record's fields lie inside
 * it, in order; without eof the same bytes give the same record once its
 * LF is in and CSV_INCOMPLETE before; and each record written again (every
 * field quoted) reads back to the same fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

/* The record's fields unescaped, each quoted again, as one CSV line. */
static size_t rewrite(const char *rec, const struct csv_record *r, char *out,
                      char *tmp)
{
	size_t o = 0;
	for (size_t k = 0; k < r->nf && k < CSV_FIELDS_MAX; k++) {
		const struct csv_field *f = &r->f[k];
		memcpy(tmp, rec + f->off, f->len);
		size_t n = f->quoted ? csv_unescape(tmp, f->len) : f->len;
		if (n > f->len)
			abort();
		if (k)
			out[o++] = ',';
		out[o++] = '"';
		for (size_t i = 0; i < n; i++) {
			if (tmp[i] == '"')
				out[o++] = '"';
			out[o++] = tmp[i];
		}
		out[o++] = '"';
	}
	out[o++] = '\n';
	return o;
}

/* The record's fields lie inside it, in order, and read back the same
 * once written again; returns that rewrite (the caller frees it), which
 * two reads of the same record give alike. */
static char *check(const char *rec, size_t q, const struct csv_record *r,
                   size_t *len)
{
	size_t end = 0, nf = r->nf < CSV_FIELDS_MAX ? r->nf : CSV_FIELDS_MAX;
	for (size_t k = 0; k < nf; k++) {
		if (r->f[k].off < end || r->f[k].off + r->f[k].len > q)
			abort();
		end = r->f[k].off + r->f[k].len;
	}
	/* Quoting doubles the bytes at most, plus quotes, commas and LF. */
	char *out = malloc(2 * q + 3 * nf + 2), *tmp = malloc(q + 1);
	*len = rewrite(rec, r, out, tmp);
	struct csv_record again;
	ptrdiff_t n = csv_read(out, *len, 0, &again);
	if (r->nf <= CSV_FIELDS_MAX) {
		if (n != (ptrdiff_t)*len || again.nf != r->nf)
			abort();
		/* The same values: written again, the very same bytes. */
		char *out2 = malloc(2 * *len + 3 * nf + 2), *tmp2 = malloc(*len + 1);
		if (rewrite(out, &again, out2, tmp2) != *len ||
		    memcmp(out2, out, *len) != 0)
			abort();
		free(out2);
		free(tmp2);
	}
	free(tmp);
	return out;
}

/* Two reads of the same bytes agree. */
static void same(ptrdiff_t q, const struct csv_record *r, const char *canon,
                 size_t len, const char *rec, size_t avail)
{
	struct csv_record s;
	size_t n;
	if (csv_read(rec, avail, 0, &s) != q || s.nf != r->nf ||
	    s.lines != r->lines)
		abort();
	char *again = check(rec, (size_t)q, &s, &n);
	if (n != len || memcmp(again, canon, n) != 0)
		abort();
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	size_t p = 0;
	while (p < size) {
		struct csv_record r, s;
		ptrdiff_t q = csv_read(in + p, size - p, 1, &r);
		if (q == CSV_BAD)
			break;
		if (q <= 0 || (size_t)q > size - p)
			abort();
		size_t len;
		char *canon = check(in + p, (size_t)q, &r, &len);
		if (in[p + (size_t)q - 1] == '\n') {
			same(q, &r, canon, len, in + p, size - p);
			same(q, &r, canon, len, in + p, (size_t)q);
			/* Every prefix short of the LF: incomplete (the last
			 * few only, to keep long records quick). */
			size_t from = (size_t)q > 64 ? (size_t)q - 64 : 0;
			for (size_t k = from; k < (size_t)q; k++)
				if (csv_read(in + p, k, 0, &s) != CSV_INCOMPLETE)
					abort();
		} else if (csv_read(in + p, size - p, 0, &s) != CSV_INCOMPLETE) {
			abort();
		}
		free(canon);
		p += (size_t)q;
	}
	return 0;
}
