/* Unit tests of qrout.c: the symbol's version and size, the quiet zone,
 * the SVG's shape (and that no text reaches it), the PNG's pixels. */
#include <errno.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "qrout.h"
#include "tap.h"

/* The picture of q in memory; *len bytes, or NULL when it failed (*rc). */
static char *picture(const QRcode *q, enum qrout_format fmt, unsigned px,
                     size_t *len, int *rc)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	*rc = qrout_write(q, fmt, px, f);
	fclose(f);
	if (*rc) {
		free(buf);
		return NULL;
	}
	return buf;
}

static QRcode *enc(const char *s)
{
	return qrout_encode(s, strlen(s));
}

/* A string of n bytes of 'a'. */
static const char *bytes(size_t n)
{
	static char s[3000];
	memset(s, 'a', n);
	s[n] = '\0';
	return s;
}

static void test_versions(void)
{
	/* Byte mode at level M holds 14 bytes in version 1, 26 in 2, 42 in
	 * 3 (ISO/IEC 18004 table 7); a version is 4v+17 modules. */
	static const struct { size_t n; int version; } v[] = {
		{ 1, 1 }, { 14, 1 }, { 15, 2 }, { 26, 2 }, { 27, 3 }, { 42, 3 },
		{ 43, 4 }, { 2331, 40 },
	};
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		QRcode *q = enc(bytes(v[i].n));
		ok(q != NULL, "%zu bytes: encoded", v[i].n);
		if (!q)
			continue;
		is_int(q->version, v[i].version, "%zu bytes: version %d",
		       v[i].n, v[i].version);
		is_int(q->width, 4 * v[i].version + 17, "%zu bytes: %d modules",
		       v[i].n, 4 * v[i].version + 17);
		is_int(qrout_modules(q), q->width + 8,
		       "%zu bytes: four modules of quiet zone each side", v[i].n);
		QRcode_free(q);
	}
	errno = 0;
	ok(!enc(bytes(2332)) && errno == ERANGE, "2,332 bytes: too long (ERANGE)");
	errno = 0;
	ok(!qrout_encode("", 0) && errno == EINVAL, "no text: EINVAL");
	/* The longest short link: a 511-byte base_url, '/', a 64-byte code. */
	QRcode *q = enc(bytes(576));
	ok(q && q->version == 19 && q->width == 93, "576 bytes (the longest "
	   "short link): version 19, 93 modules");
	QRcode_free(q);
}

static void test_size(void)
{
	QRcode *q = enc("https://go.example.org/Xk3p9QaT");   /* 31 bytes */
	int m = qrout_modules(q);
	is_int(m, 29 + 8, "31 bytes: version 3, 37 modules with the quiet zone");
	is_int(qrout_size(q, 0), m * QROUT_DEFAULT_SCALE, "default size");
	is_int(qrout_size(q, (unsigned)m), m, "one pixel per module: taken");
	is_int(qrout_size(q, (unsigned)m - 1), -EINVAL, "under one: refused");
	is_int(qrout_size(q, QROUT_SIZE_MAX + 1), -EINVAL, "over the most");
	size_t len = 0;
	int rc;
	char *p = picture(q, QROUT_SVG, (unsigned)m - 1, &len, &rc);
	ok(!p && rc == -EINVAL && len == 0, "SVG too small: -EINVAL, nothing "
	   "written");
	p = picture(q, QROUT_PNG, (unsigned)m - 1, &len, &rc);
	ok(!p && rc == -EINVAL && len == 0, "PNG too small: -EINVAL, nothing "
	   "written");
	QRcode_free(q);
}

/* The dark modules the SVG's path draws, into grid[m*m]; -1 when the path
 * is not runs "Mx yhNv1h-Nz" or draws outside the symbol. */
static int svg_modules(const char *svg, const QRcode *q, unsigned char *grid)
{
	int m = qrout_modules(q), n = 0;
	const char *d = strstr(svg, " d=\"");
	if (!d)
		return -1;
	d += 4;
	while (*d == 'M') {
		int x, y, run, back, used;
		if (sscanf(d, "M%d %dh%dv1h-%dz%n", &x, &y, &run, &back,
		           &used) != 4 || run != back || run < 1)
			return -1;
		if (x < QROUT_QUIET || y < QROUT_QUIET ||
		    x + run > m - QROUT_QUIET || y >= m - QROUT_QUIET)
			return -1;   /* in the quiet zone */
		for (int i = 0; i < run; i++)
			grid[y * m + x + i] = 1;
		n += run;
		d += used;
	}
	return strncmp(d, "\"/>\n</svg>\n", 10) == 0 ? n : -1;
}

static void test_svg(void)
{
	const char *url = "https://go.example.org/Xk3p9QaT";
	QRcode *q = enc(url);
	int m = qrout_modules(q), dark = 0;
	size_t len;
	int rc;
	char *svg = picture(q, QROUT_SVG, 300, &len, &rc);
	ok(svg && rc == 0 && strlen(svg) == len, "SVG made");
	ok(strncmp(svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 44)
	   == 0, "SVG: an XML declaration, then <svg>");
	ok(strstr(svg, " width=\"300\" height=\"300\" viewBox=\"0 0 37 37\""),
	   "SVG: width and height from the size, viewBox in modules");
	ok(strstr(svg, "<rect width=\"37\" height=\"37\" fill=\"#fff\"/>"),
	   "SVG: a white square under it (the quiet zone prints white)");
	int tags = 0;
	for (const char *p = svg; (p = strchr(p, '<')); p++)
		tags++;
	is_int(tags, 5, "SVG: <?xml, <svg, <rect, <path and </svg>, no more");
	unsigned char *grid = calloc((size_t)m * (size_t)m, 1);
	int drawn = svg_modules(svg, q, grid);
	for (int i = 0; i < q->width * q->width; i++)
		dark += q->data[i] & 1;
	is_int(drawn, dark, "SVG: one path drawing each dark module once, "
	       "none in the quiet zone");
	int same = 1;
	for (int y = 0; y < q->width; y++)
		for (int x = 0; x < q->width; x++)
			same &= grid[(y + QROUT_QUIET) * m + x + QROUT_QUIET] ==
			        (q->data[y * q->width + x] & 1);
	ok(same, "SVG: the modules are the symbol's, shifted by the quiet zone");
	size_t len2;
	char *again = picture(q, QROUT_SVG, 300, &len2, &rc);
	ok(len2 == len && memcmp(svg, again, len) == 0, "SVG: same input, "
	   "same bytes");
	free(again);
	free(grid);
	free(svg);
	QRcode_free(q);

	/* Markup in the text never reaches the SVG: only the modules do. */
	q = enc("https://go.example.org/\"><script>alert(1)</script><!--&");
	svg = picture(q, QROUT_SVG, 0, &len, &rc);
	ok(svg && !strstr(svg, "script") && !strstr(svg, "&") &&
	   !strstr(svg, "<!--"), "SVG of a text with markup: none of it");
	tags = 0;
	for (const char *p = svg; (p = strchr(p, '<')); p++)
		tags++;
	is_int(tags, 5, "SVG of a text with markup: the five tags only");
	free(svg);
	QRcode_free(q);
}

static void test_png(void)
{
	QRcode *q = enc("https://go.example.org/Xk3p9QaT");
	size_t len;
	int rc;
	char *p = picture(q, QROUT_PNG, 300, &len, &rc);
	ok(p && rc == 0, "PNG made");
	png_image img = { .version = PNG_IMAGE_VERSION };
	ok(png_image_begin_read_from_memory(&img, p, len), "PNG: libpng reads it");
	is_int(img.width, 300, "PNG: --size pixels wide");
	is_int(img.height, 300, "PNG: and high");
	img.format = PNG_FORMAT_GRAY;
	unsigned char *px = malloc(PNG_IMAGE_SIZE(img));
	ok(png_image_finish_read(&img, NULL, px, 0, NULL), "PNG: decoded");
	/* 37 modules in 300 pixels: 8 each (296), the 4 left over split
	 * into the quiet zone: the symbol starts at 4*8 + 2 = 34. */
	int scale = 8, pad = 34, bad = 0, quiet_dark = 0;
	for (int y = 0; y < q->width; y++)
		for (int x = 0; x < q->width; x++)
			for (int dy = 0; dy < scale; dy++)
				for (int dx = 0; dx < scale; dx++) {
					int v = px[(pad + y * scale + dy) * 300 +
					           pad + x * scale + dx];
					bad += (v == 0) != (q->data[y * q->width + x] & 1);
				}
	is_int(bad, 0, "PNG: each module 8x8 pixels, the symbol's colour");
	int end = pad + q->width * scale;
	for (int y = 0; y < 300; y++)
		for (int x = 0; x < 300; x++)
			if ((x < pad || y < pad || x >= end || y >= end) &&
			    px[y * 300 + x] == 0)
				quiet_dark++;
	is_int(quiet_dark, 0, "PNG: the quiet zone (34 pixels or more) is white");
	ok(pad >= QROUT_QUIET * scale && 300 - end >= QROUT_QUIET * scale,
	   "PNG: at least four modules of quiet zone each side");
	size_t len2;
	char *again = picture(q, QROUT_PNG, 300, &len2, &rc);
	ok(len2 == len && memcmp(p, again, len) == 0, "PNG: same input, same "
	   "bytes");
	free(again);
	free(px);
	free(p);
	QRcode_free(q);
}

int main(void)
{
	test_versions();
	test_size();
	test_svg();
	test_png();
	return tap_done();
}
