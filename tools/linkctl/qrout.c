/* qrout: a QR code's symbol and its picture.  See qrout.h. */
#include "qrout.h"

#include <errno.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

/* libqrencode's module byte: bit 0 set for a dark module. */
static int dark(const QRcode *q, int x, int y)
{
	return q->data[(size_t)y * (size_t)q->width + (size_t)x] & 1;
}

QRcode *qrout_encode(const char *text, size_t len)
{
	if (!len) {
		errno = EINVAL;
		return NULL;
	}
	if (len > 2331) {   /* version 40-M's bytes */
		errno = ERANGE;
		return NULL;
	}
	/* Version 0: the smallest that holds the data.  The library sets
	 * ERANGE itself when it does not fit. */
	return QRcode_encodeData((int)len, (const unsigned char *)text, 0,
	                         QR_ECLEVEL_M);
}

int qrout_modules(const QRcode *q)
{
	return q->width + 2 * QROUT_QUIET;
}

int qrout_size(const QRcode *q, unsigned px)
{
	unsigned m = (unsigned)qrout_modules(q);
	if (!px)
		px = m * QROUT_DEFAULT_SCALE;
	if (px < m || px > QROUT_SIZE_MAX)
		return -EINVAL;
	return (int)px;
}

int qrout_svg(const QRcode *q, unsigned px, FILE *f)
{
	int size = qrout_size(q, px), m = qrout_modules(q);
	if (size < 0)
		return size;
	/* Only numbers go into the text below: no input is ever quoted. */
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	        "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	        "shape-rendering=\"crispEdges\">\n"
	        "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n"
	        "<path fill=\"#000\" d=\"", size, size, m, m, m, m);
	for (int y = 0; y < q->width; y++)
		for (int x = 0; x < q->width;) {
			if (!dark(q, x, y)) {
				x++;
				continue;
			}
			int run = 1;
			while (x + run < q->width && dark(q, x + run, y))
				run++;
			fprintf(f, "M%d %dh%dv1h-%dz", x + QROUT_QUIET,
			        y + QROUT_QUIET, run, run);
			x += run;
		}
	fputs("\"/>\n</svg>\n", f);
	return ferror(f) ? -EIO : 0;
}

/* libpng's errors come here (and longjmp back); warnings are dropped:
 * a module never prints. */
static void png_fail(png_structp png, png_const_charp msg)
{
	(void)msg;
	png_longjmp(png, 1);
}

static void png_quiet(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

/* One row of 1-bit pixels (1 = white, libpng's greyscale) for symbol row
 * y (-1: a quiet row): the quiet zone of pad pixels left, then the
 * modules at scale pixels each. */
static void png_row(const QRcode *q, int y, unsigned size, unsigned pad,
                    unsigned scale, unsigned char *row)
{
	memset(row, 0xff, (size + 7) / 8);
	if (y < 0)
		return;
	for (int x = 0; x < q->width; x++) {
		if (!dark(q, x, y))
			continue;
		unsigned p = pad + (unsigned)x * scale;
		for (unsigned i = p; i < p + scale; i++)
			row[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
	}
}

int qrout_png(const QRcode *q, unsigned px, FILE *f)
{
	int s = qrout_size(q, px);
	if (s < 0)
		return s;
	unsigned size = (unsigned)s;
	unsigned scale = size / (unsigned)qrout_modules(q);
	/* The quiet zone's pixels left of (and above) the symbol: its four
	 * modules and half of what the whole modules leave over. */
	unsigned pad = QROUT_QUIET * scale +
	               (size - scale * (unsigned)qrout_modules(q)) / 2;
	unsigned char *row = malloc((size + 7) / 8);
	if (!row)
		return -ENOMEM;
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
	                                          png_fail, png_quiet);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!info) {
		png_destroy_write_struct(&png, NULL);
		free(row);
		return -ENOMEM;
	}
	if (setjmp(png_jmpbuf(png))) {
		/* Nothing set after setjmp is read here: row and png were
		 * set before it. */
		png_destroy_write_struct(&png, &info);
		free(row);
		return -EIO;
	}
	png_init_io(png, f);
	png_set_IHDR(png, info, size, size, 1, PNG_COLOR_TYPE_GRAY,
	             PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	             PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (unsigned y = 0; y < size; y++) {
		/* The module row under pixel row y, or -1 in the quiet zone. */
		int my = y < pad ? -1 : (int)((y - pad) / scale);
		png_row(q, my < q->width ? my : -1, size, pad, scale, row);
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(row);
	fflush(f);
	return ferror(f) ? -EIO : 0;
}

int qrout_write(const QRcode *q, enum qrout_format fmt, unsigned px, FILE *f)
{
	return fmt == QROUT_PNG ? qrout_png(q, px, f) : qrout_svg(q, px, f);
}
