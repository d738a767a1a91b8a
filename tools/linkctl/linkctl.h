/*
 * linkctl.h: what linkctl.c shares with the files that hold more of its
 * commands (campaign.c): argument parsing, the store's open and write
 * loop, the target policy, messages.  Only linkctl's own files include it.
 * Functions report their own errors (out_err) and return 0, EXIT_REFUSED
 * or EXIT_USAGE unless said otherwise.
 */
#ifndef REDIRECTD_LINKCTL_H
#define REDIRECTD_LINKCTL_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include "codes.h"
#include "store.h"
#include "target.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2

/* A transaction function's "I already said what went wrong". LMDB's own
 * codes are -30799..-30780 and errno values are positive: no clash. */
#define FAILED (-1)

#define CAMPAIGN_RULE "1-100 bytes, no control characters, no '/'"

enum {
	OPT_DB = 0x100, OPT_HELP, OPT_VERSION, OPT_NAME, OPT_TEAM, OPT_EMAIL,
	OPT_STAFF, OPT_URL, OPT_CAMPAIGN, OPT_CODE, OPT_STATUS, OPT_FORMAT,
	OPT_CONFIG, OPT_SHORT_HOST,
	/* campaign's */
	OPT_BASE_URL, OPT_UTM, OPT_NO_UTM, OPT_TEMPLATE, OPT_OUT, OPT_MBOX,
	OPT_FROM,
};

#define MAXPOS 4

struct args {
	const char *name, *team, *email, *staff, *url, *campaign, *code,
		*status, *format;
	const char *base_url, *template, *out, *mbox, *from;
	int utm, no_utm;
	int help;
	int npos;
	const char *pos[MAXPOS];
};

/* Options every command takes. */
#define COMMON_OPTS \
	{ "db", required_argument, NULL, OPT_DB }, \
	{ "config", required_argument, NULL, OPT_CONFIG }, \
	{ "short-host", required_argument, NULL, OPT_SHORT_HOST }, \
	{ "help", no_argument, NULL, OPT_HELP }

void linkctl_usage(FILE *f);
/* "linkctl: MESSAGE (see linkctl --help)"; returns EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parse a command's options (table lo) and positionals into *a. */
int linkctl_args(int argc, char **argv, const char *cmd,
                 const struct option *lo, struct args *a);
/* 0 for tsv (the default), 1 for json, -1 for anything else. */
int linkctl_format(const char *f);

/* A value for a message: control characters as '?', cut at ~100 bytes.
 * Four rotating static buffers. */
const char *show(const char *s, size_t n);
const char *shows(const char *s);
/* Report rc from op unless 0 or MDB_MAP_FULL; returns 0, MDB_MAP_FULL
 * or FAILED. */
int op_fail(int rc, const char *op);

int linkctl_open(struct store *s, int write);
int linkctl_begin(struct store *s, unsigned flags, MDB_txn **txn);
/* fn returns 0, FAILED (reported) or MDB_MAP_FULL, and is run again
 * from the start after the map grew: it must reset its outputs. */
typedef int (*linkctl_txn_fn)(MDB_txn *txn, struct store *s, void *arg);
int linkctl_write(struct store *s, linkctl_txn_fn fn, void *arg);

/* A whole file ("-": stdin) in a heap buffer with a NUL after it. */
int linkctl_read_all(const char *path, char **buf, size_t *len,
                     const char **label);
/* A TSV value (tabs and line breaks as spaces) to stdout. */
void put_tsv(const char *s, size_t n);
/* fflush(stdout), reporting a failed write. */
int linkctl_flush(void);

/* Add l under a fresh random code, written to out.  0, MDB_MAP_FULL or
 * FAILED (reported, with file:line when file is set). */
int linkctl_add_random(MDB_txn *txn, struct store *s, struct link *l,
                       char out[CODE_RANDOM_LEN + 1], const char *file,
                       unsigned line);

/* Register --base-url (checked as the base_url directive); its host
 * becomes one of our own short hosts. */
int linkctl_base_url_arg(const char *v);
/* The target policy of mint and import: short_hosts and base_url's host
 * from -c FILE, --short-host and --base-url. */
int linkctl_policy(struct target_policy *p);
/* After linkctl_policy: --base-url, else base_url from -c FILE, else
 * NULL.  Without a trailing '/'. */
const char *linkctl_base_url(void);

int campaign_ok(const char *s, size_t n);
/* 1 when s[0..n) is UTF-8 text without control characters. */
int text_ok(const char *s, size_t n);

#endif
