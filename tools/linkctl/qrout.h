/*
 * qrout: a short link as a QR code -- the symbol (libqrencode: byte mode,
 * error-correction level M, the smallest version that holds it) and its
 * picture, SVG or PNG, with a quiet zone of QROUT_QUIET modules on every
 * side.  Pure: bytes in, a symbol out, the picture written to a stream the
 * caller owns (a memory stream: linkctl's qr.c writes files whole).
 *
 * The text is never written into the picture: the SVG holds only fixed
 * markup and numbers (sizes, the modules' coordinates), so no URL can
 * inject markup into it.  Functions returning int give 0 or a negative
 * errno.
 */
#ifndef REDIRECTD_LINKCTL_QROUT_H
#define REDIRECTD_LINKCTL_QROUT_H

#include <qrencode.h>
#include <stddef.h>
#include <stdio.h>

/* The quiet zone, in modules (ISO/IEC 18004 asks for 4). */
#define QROUT_QUIET 4
/* The picture's default size: pixels per module, quiet zone included. */
#define QROUT_DEFAULT_SCALE 8
/* The largest --size: a 10,000-pixel PNG is ~12 MB of pixels before
 * compression, and nobody prints a code wider than that. */
#define QROUT_SIZE_MAX 10000

enum qrout_format { QROUT_SVG, QROUT_PNG };

/*
 * The symbol of text[0..len) as bytes (8-bit mode: exactly these bytes
 * reach the code), level M.  Free with QRcode_free.  NULL with errno
 * set: ERANGE when it is longer than a QR code holds at level M (2,331
 * bytes), EINVAL for no text, ENOMEM.
 */
QRcode *qrout_encode(const char *text, size_t len);

/* Modules across the picture, quiet zone included. */
int qrout_modules(const QRcode *q);

/*
 * The picture's width in pixels for size px (0: QROUT_DEFAULT_SCALE per
 * module): px itself, or -EINVAL when px is under one pixel per module
 * (qrout_modules) or over QROUT_SIZE_MAX.
 */
int qrout_size(const QRcode *q, unsigned px);

/*
 * The picture of q, px wide and high (as qrout_size), to f.  SVG: one
 * path of the dark modules (each row's runs of them as rectangles) in a
 * viewBox of qrout_modules units, on a white square.  PNG: 1-bit
 * greyscale, every module the same whole number of pixels (px divided by
 * the modules, rounded down), what is left over added to the quiet zone
 * (half each side).  Same input, same bytes.  0, -EINVAL (size), -ENOMEM
 * or -EIO (the stream failed).
 */
int qrout_svg(const QRcode *q, unsigned px, FILE *f);
int qrout_png(const QRcode *q, unsigned px, FILE *f);
int qrout_write(const QRcode *q, enum qrout_format fmt, unsigned px, FILE *f);

#endif
