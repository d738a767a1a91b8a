/* Fuzz target: a conversions file (tools/reach/convfile.c) read as reach
 * reads it: the header, then every row.  A refusal always says why; a
 * row's views lie inside its record; a time is in its range; a value
 * written as text reads back to the same units. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "convfile.h"

static void inside(const char *rec, size_t q, struct convfile_text t)
{
	if (t.len && (t.s < rec || t.s + t.len > rec + q))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	size_t p = 0;
	struct convfile_header h;
	int have_header = 0;
	while (p < size) {
		struct csv_record r;
		struct convfile_row row;
		const char *why = NULL;
		ptrdiff_t q = csv_read(in + p, size - p, 1, &r);
		if (q <= 0)
			break;
		if (!have_header) {
			if (convfile_header(in + p, &r, &h, &why) < 0) {
				if (!why)
					abort();
				break;
			}
			if (h.col[CONVFILE_TIME] < 0 ||
			    (h.col[CONVFILE_CLICK] < 0 && h.col[CONVFILE_HANDLE] < 0))
				abort();
			have_header = 1;
		} else {
			int rc = convfile_row(in + p, &r, &h, &row, &why);
			if (rc < 0 && !why)
				abort();
			if (rc == 0) {
				if (row.time_us < 0 ||
				    row.time_us > INT64_C(253402300799999999))
					abort();
				if (!row.has_click && !row.handle.len)
					abort();
				inside(in + p, (size_t)q, row.handle);
				inside(in + p, (size_t)q, row.event);
				inside(in + p, (size_t)q, row.id);
				inside(in + p, (size_t)q, row.campaign);
				if (row.has_value) {
					char t[32];
					int64_t back;
					size_t n = convfile_value_text(row.value, t);
					if (n >= 32 || convfile_value(t, n, &back) < 0 ||
					    back != row.value)
						abort();
				}
			}
		}
		p += (size_t)q;
	}
	free(in);
	return 0;
}
