/*
 * qr: linkctl qr CODE [--base-url URL] [--format svg|png] [--size PX]
 * [--output FILE], and the QR code files of campaigns.  See qr.h.
 *
 * The picture is made in memory (or in wholefile's temporary file) before
 * anything reaches its destination: a command that fails writes nothing.
 */
#include "qr.h"

#include "args.h"
#include "campaign.h"
#include "codes.h"
#include "commands.h"
#include "msg.h"
#include "out.h"
#include "qrout.h"
#include "store.h"
#include "txn.h"
#include "wholefile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct qr_opts {
	const char *base_url, *format, *size, *output;
};

#define OPT(name) ARGS_FIELD(struct qr_opts, name)
static const struct option options[] = {
	ARGS_COMMON,
	{ "base-url", required_argument, NULL, OPT(base_url) },
	{ "format", required_argument, NULL, OPT(format) },
	{ "size", required_argument, NULL, OPT(size) },
	{ "output", required_argument, NULL, OPT(output) },
	{ 0, 0, 0, 0 } };

/* The symbol of url, reported when it cannot be made. */
static QRcode *encode(const char *url)
{
	QRcode *q = qrout_encode(url, strlen(url));
	if (!q)
		out_err("QR code of %s: %s", msg_shows(url),
		        errno == ERANGE ? "too long for a QR code"
		                        : strerror(errno));
	return q;
}

/* The picture of url in memory: *buf (free it), *len bytes. */
static int render(const char *url, enum qrout_format fmt, unsigned px,
                  char **buf, size_t *len)
{
	QRcode *q = encode(url);
	if (!q)
		return EXIT_REFUSED;
	*buf = NULL;
	FILE *f = open_memstream(buf, len);
	int rc = f ? qrout_write(q, fmt, px, f) : -errno;
	if (f && fclose(f) && !rc)
		rc = -ENOMEM;
	QRcode_free(q);
	if (rc) {
		free(*buf);
		*buf = NULL;
		out_err("QR code of %s: %s", msg_shows(url), strerror(-rc));
		return EXIT_REFUSED;
	}
	return 0;
}

/* 1 when path holds exactly buf[0..len). */
static int same_file(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	char chunk[4096];
	size_t off = 0, n;
	int same = 1;
	while (same && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		same = off + n <= len && memcmp(chunk, buf + off, n) == 0;
		off += n;
	}
	same = same && !ferror(f) && off == len;
	fclose(f);
	return same;
}

/* buf to path whole (wholefile.h). */
static int write_whole(const char *path, const char *buf, size_t len)
{
	int rc = wholefile_write(path, buf, len, 0666);   /* under the umask */
	if (rc < 0) {
		out_err("%s: %s", path, strerror(-rc));
		return EXIT_REFUSED;
	}
	return 0;
}

int qr_file_path(char *out, size_t n, const char *dir, const char *handle)
{
	int k = snprintf(out, n, "%s/%s.svg", dir, handle);
	if (k < 0 || (size_t)k >= n) {
		out_err("%s/%s.svg: path too long", dir, handle);
		return EXIT_REFUSED;
	}
	return 0;
}

int qr_file_sync(const char *path, const char *url, int *written)
{
	char *buf;
	size_t len;
	*written = 0;
	if (render(url, QROUT_SVG, 0, &buf, &len))
		return EXIT_REFUSED;
	int rc = 0;
	if (!same_file(path, buf, len)) {
		rc = write_whole(path, buf, len);
		*written = rc == 0;
	}
	free(buf);
	return rc;
}

int qr_file_check(const char *path, const char *url, const char *campaign)
{
	char *buf;
	size_t len;
	if (render(url, QROUT_SVG, 0, &buf, &len))
		return EXIT_REFUSED;
	int same = same_file(path, buf, len);
	free(buf);
	if (same)
		return 0;
	if (access(path, F_OK) < 0)
		out_err("{qr}: %s: %s (write the codes with linkctl campaign "
		        "create '%s' --qr DIR)", path, strerror(errno),
		        msg_shows(campaign));
	else
		out_err("{qr}: %s is not the QR code of %s (write it again "
		        "with linkctl campaign create '%s' --qr DIR and the "
		        "same base URL)", path, msg_shows(url),
		        msg_shows(campaign));
	return EXIT_REFUSED;
}

/* The link must exist: an unknown code is an error naming it.  A
 * disabled one gets its code all the same (it may be enabled again),
 * with a warning. */
static int txn_link_exists(const char *code)
{
	struct store s;
	MDB_txn *txn;
	struct link l;
	int rc = txn_read(&s, &txn);
	if (rc)
		return rc;
	rc = store_link_get(txn, &s, code, strlen(code), &l);
	if (rc == 0 && (l.flags & LINK_DISABLED))
		out_err("warning: link '%s' is disabled: the code leads to "
		        "an error page until it is enabled", code);
	if (rc == MDB_NOTFOUND)
		out_err("no link '%s'", msg_shows(code));
	else if (rc)
		out_err("store_link_get: %s", mdb_strerror(rc));
	txn_read_end(&s, txn);
	return rc ? EXIT_REFUSED : 0;
}

/* --format and --size.  0 or EXIT_USAGE (reported). */
static int parse_opts(const struct qr_opts *o, enum qrout_format *fmt,
                      unsigned *px)
{
	*fmt = QROUT_SVG;
	if (o->format && strcmp(o->format, "png") == 0)
		*fmt = QROUT_PNG;
	else if (o->format && strcmp(o->format, "svg") != 0)
		return msg_usage_error("qr: --format: svg or png, not '%s'",
		                       msg_shows(o->format));
	*px = 0;
	if (o->size) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(o->size, &end, 10);
		if (errno || end == o->size || *end || o->size[0] == '-' ||
		    v < 1 || v > QROUT_SIZE_MAX)
			return msg_usage_error("qr: --size: pixels, 1 to %d, not "
			                       "'%s'", QROUT_SIZE_MAX,
			                       msg_shows(o->size));
		*px = (unsigned)v;
	}
	return 0;
}

int qr_main(int argc, char **argv)
{
	struct qr_opts o = { 0 };
	struct args a;
	enum qrout_format fmt = QROUT_SVG;
	unsigned px = 0;
	int rc = args_parse(argc, argv, "qr", options, &o, &a);
	if (rc != ARGS_RUN)
		return rc;
	if (a.npos != 1)
		return msg_usage_error("qr: expected one CODE");
	if ((rc = parse_opts(&o, &fmt, &px)))
		return rc;
	if (fmt == QROUT_PNG && !o.output && isatty(STDOUT_FILENO))
		return msg_usage_error("qr: a PNG is not for a terminal: "
		                       "--output FILE, or redirect it");
	const char *code = a.pos[0], *base;
	struct target_policy policy;
	if ((rc = campaign_base_url("qr", o.base_url, &policy, &base)))
		return rc;
	if (!code_valid(code, strlen(code))) {
		out_err("no link '%s'", msg_shows(code));
		return EXIT_REFUSED;
	}
	if ((rc = txn_link_exists(code)))
		return rc;
	char url[CAMPAIGN_SHORT_URL_MAX];
	campaign_short_url(url, base, code);
	QRcode *q = encode(url);
	if (!q)
		return EXIT_REFUSED;
	if (qrout_size(q, px) < 0) {
		out_err("qr: --size %u is under one pixel per module: the code "
		        "of %s is %d modules wide with its quiet zone (--size "
		        "%d or more)", px, msg_shows(url), qrout_modules(q),
		        qrout_modules(q));
		QRcode_free(q);
		return EXIT_REFUSED;
	}
	QRcode_free(q);
	char *buf;
	size_t len;
	if ((rc = render(url, fmt, px, &buf, &len)))
		return rc;
	if (o.output && strcmp(o.output, "-") != 0) {
		rc = write_whole(o.output, buf, len);
	} else {
		fwrite(buf, 1, len, stdout);
		rc = msg_flush();
	}
	free(buf);
	return rc;
}
