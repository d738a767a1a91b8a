/* out: quoting, times and error messages for the tools.  See out.h. */
#include "out.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *out_prog = "redirectd";

void out_json_str(FILE *f, const char *s, size_t len)
{
	putc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			putc('\\', f);
			putc(c, f);
		} else if (c == '\n') {
			fputs("\\n", f);
		} else if (c == '\t') {
			fputs("\\t", f);
		} else if (c == '\r') {
			fputs("\\r", f);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
		} else {
			putc(c, f);
		}
	}
	putc('"', f);
}

/* The first bytes that make a spreadsheet read a cell as a formula
 * (OWASP, "CSV Injection"). */
static int out_csv_formula(const char *s, size_t len)
{
	return len && memchr("=+-@\t\r", s[0], 6);
}

void out_csv_text(FILE *f, const char *s, size_t len, enum out_csv mode)
{
	int neutral = mode == OUT_CSV_SAFE && out_csv_formula(s, len);
	int quote = neutral;
	for (size_t i = 0; i < len; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			quote = 1;
	if (!quote) {
		fwrite(s, 1, len, f);
		return;
	}
	fputs(neutral ? "\"'" : "\"", f);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			putc('"', f);
		putc(s[i], f);
	}
	putc('"', f);
}

size_t out_pct_encode(const char *s, size_t n, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		            (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		            c == '_' || c == '~';
		if (cap - o < (plain ? 1u : 3u))
			return (size_t)-1;
		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	return o;
}

void out_time_iso(uint64_t us, char out[21])
{
	time_t t = (time_t)(us / 1000000u);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void out_err(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", out_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	putc('\n', stderr);
}
