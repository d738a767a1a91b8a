/*
 * qr: linkctl qr CODE -- an existing link's short URL as a QR code (SVG or
 * PNG, to standard output or a file written whole) -- and the QR code
 * files of a campaign: campaign create --qr DIR writes them (qr_file_sync),
 * campaign posts --qr DIR names them in {qr} after checking each is the
 * code of the colleague's link (qr_file_check).  The symbol and its
 * picture are qrout.c's.  Functions returning int give 0 or EXIT_REFUSED,
 * reported, unless said otherwise.
 */
#ifndef REDIRECTD_LINKCTL_QR_H
#define REDIRECTD_LINKCTL_QR_H

#include <stddef.h>

/* A colleague's file: DIR/HANDLE.svg into out[n]; EXIT_REFUSED
 * (reported) when it does not fit. */
int qr_file_path(char *out, size_t n, const char *dir, const char *handle);

/* Make path the SVG (default size) of url: written whole when it is not
 * that already, left as it is (not even touched) when it is.  *written:
 * 1 when it was written. */
int qr_file_sync(const char *path, const char *url, int *written);

/* 0 when path holds the SVG of url; else EXIT_REFUSED saying what is
 * wrong and how to mend it (campaign, for the message). */
int qr_file_check(const char *path, const char *url, const char *campaign);

#endif
