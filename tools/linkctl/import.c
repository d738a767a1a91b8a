/*
 * import: linkctl import [FILE|-] -- links from TSV lines (code, staff,
 * campaign, url; an empty code gets a random one; '#' starts a comment
 * line), all or nothing: one write transaction for the whole file, which
 * is read into memory first so the transaction can be redone from the
 * same bytes after the map grew.  A link of a campaign with click ids
 * carries them (store.h); one of a disabled campaign starts disabled with
 * it, as campaign create's do.
 */
#include "args.h"
#include "check.h"
#include "codes.h"
#include "commands.h"
#include "input.h"
#include "mint.h"
#include "msg.h"
#include "out.h"
#include "policy.h"
#include "staff.h"
#include "store.h"
#include "strmap.h"
#include "target.h"
#include "txn.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct import {
	const char *file;
	const char *buf;
	size_t len;
	struct target_policy policy;
	/* Outputs, reset by every attempt. */
	size_t n;                  /* links added */
	uint32_t first_id;         /* id of the first link added */
	uint32_t *lines;           /* line of the i-th link added */
	struct strmap staff, camp; /* raw handle -> id, campaign -> id */
	struct strmap camp_flags;  /* campaign -> the link flags its links
	                              take (store_campaign_link_flags), when any */
};

/* The campaign named f[0..n) (created when new), through the cache;
 * *flags: the link flags its links take.  0, MDB_MAP_FULL or TXN_FAILED
 * (reported). */
static int line_campaign(MDB_txn *txn, struct store *s, struct import *im,
                         unsigned line, const char *f, size_t n, uint32_t *id,
                         uint8_t *flags)
{
	uint32_t v;
	if (strmap_get(&im->camp, f, n, id)) {
		*flags = strmap_get(&im->camp_flags, f, n, &v) ? (uint8_t)v : 0;
		return 0;
	}
	if (!check_campaign(f, n)) {
		msg_at(im->file, line, "invalid campaign name '%s': "
		       CHECK_CAMPAIGN_RULE, msg_show(f, n));
		return TXN_FAILED;
	}
	struct campaign c = { .name = f, .name_len = n };
	int created;
	int rc = store_campaign_ensure(txn, s, &c, &created);
	if (rc == MDB_MAP_FULL)
		return rc;
	if (rc) {
		msg_at(im->file, line, "store_campaign_ensure: %s", mdb_strerror(rc));
		return TXN_FAILED;
	}
	*id = c.id;
	*flags = store_campaign_link_flags(&c);
	if (strmap_put(&im->camp, f, n, c.id) ||
	    (*flags && strmap_put(&im->camp_flags, f, n, *flags))) {
		msg_at(im->file, line, "%s", strerror(ENOMEM));
		return TXN_FAILED;
	}
	return 0;
}

/* Add l under the code f[0..n), naming the line it repeats when this file
 * added it.  0, MDB_MAP_FULL or TXN_FAILED (reported). */
static int line_code(MDB_txn *txn, struct store *s, struct import *im,
                     unsigned line, const char *f, size_t n, struct link *l)
{
	int rc = store_link_add(txn, s, f, n, l);
	if (rc == MDB_KEYEXIST) {
		/* Ids are handed out in order within this transaction: an id
		 * from first_id on is a line of this file. */
		struct link ex;
		if (store_link_get(txn, s, f, n, &ex) == 0 && im->n &&
		    ex.id >= im->first_id && ex.id - im->first_id < im->n)
			msg_at(im->file, line, "code '%s' repeats line %u",
			       msg_show(f, n), im->lines[ex.id - im->first_id]);
		else
			msg_at(im->file, line, "code '%s' is already taken",
			       msg_show(f, n));
		return TXN_FAILED;
	}
	if (rc == MDB_MAP_FULL)
		return rc;
	if (rc) {
		msg_at(im->file, line, "store_link_add: %s", mdb_strerror(rc));
		return TXN_FAILED;
	}
	return 0;
}

/* Add one line's link.  f: the four fields.  Returns 0, MDB_MAP_FULL or
 * TXN_FAILED (reported). */
static int import_line(MDB_txn *txn, struct store *s, struct import *im,
                       unsigned line, const char *const f[4],
                       const size_t fl[4])
{
	int rc;
	if (fl[0] && !code_valid(f[0], fl[0])) {
		msg_at(im->file, line, CHECK_CODE_RULE);
		return TXN_FAILED;
	}
	char url[TARGET_MAX + 1];
	struct link l = { .status = 302, .url = url };
	int terr = target_normalize(f[3], fl[3], &im->policy, url, &l.url_len);
	if (terr != TARGET_OK) {
		msg_at(im->file, line, "invalid URL: %s", target_strerror(terr));
		return TXN_FAILED;
	}
	char warn[256];
	if (policy_homograph(url, l.url_len, warn, sizeof warn))
		msg_at(im->file, line, "%s", warn);
	/* The same few colleagues and campaigns recur on most lines: a hash
	 * look-up in memory instead of a B-tree descent each time. */
	if (!strmap_get(&im->staff, f[1], fl[1], &l.staff_id)) {
		if ((rc = staff_find(txn, s, f[1], fl[1], im->file, line,
		                     &l.staff_id)))
			return rc;
		if (strmap_put(&im->staff, f[1], fl[1], l.staff_id)) {
			msg_at(im->file, line, "%s", strerror(ENOMEM));
			return TXN_FAILED;
		}
	}
	uint8_t inherit = 0;
	if (fl[2] && (rc = line_campaign(txn, s, im, line, f[2], fl[2],
	                                 &l.campaign_id, &inherit)))
		return rc;
	l.flags |= inherit;
	if (fl[0]) {
		rc = line_code(txn, s, im, line, f[0], fl[0], &l);
	} else {
		char code[CODE_RANDOM_LEN + 1];
		rc = mint_random(txn, s, &l, code, im->file, line);
	}
	if (rc)
		return rc;
	if (im->n == 0)
		im->first_id = l.id;
	im->lines[im->n++] = line;
	return 0;
}

/* Split a line [p, e) at its tabs: up to four fields in f, all counted. */
static int split(const char *p, const char *e, const char *f[4], size_t fl[4])
{
	int nf = 0;
	for (const char *q = p;;) {
		const char *t = memchr(q, '\t', (size_t)(e - q));
		const char *fe = t ? t : e;
		if (nf < 4) {
			f[nf] = q;
			fl[nf] = (size_t)(fe - q);
		}
		nf++;
		if (!t)
			return nf;
		q = t + 1;
	}
}

static int txn_import(MDB_txn *txn, struct store *s, void *arg)
{
	struct import *im = arg;
	/* A redo after MDB_MAP_FULL starts over: ids cached from the aborted
	 * transaction may not exist any more. */
	im->n = 0;
	im->first_id = 0;
	strmap_clear(&im->staff);
	strmap_clear(&im->camp);
	strmap_clear(&im->camp_flags);

	const char *p = im->buf, *end = im->buf + im->len;
	unsigned line = 0;
	while (p < end) {
		line++;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *next = nl ? nl + 1 : end;
		const char *f[4];
		size_t fl[4];
		if (e > p && e[-1] == '\r')
			e--;
		if (e == p || *p == '#') {
			p = next;
			continue;
		}
		int nf = split(p, e, f, fl);
		if (nf != 4) {
			msg_at(im->file, line,
			       "expected 4 tab-separated fields (code, staff, campaign, url), found %d",
			       nf);
			return TXN_FAILED;
		}
		int rc = import_line(txn, s, im, line, f, fl);
		if (rc)
			return rc;
		p = next;
	}
	return 0;
}

int import_main(int argc, char **argv)
{
	struct args a;
	int rc = args_parse(argc, argv, "import", args_shared_only, NULL, &a);
	if (rc != ARGS_RUN)
		return rc;
	if (a.npos > 1)
		return msg_usage_error("import: expected at most one FILE");
	char *buf;
	size_t len;
	struct import im = { 0 };
	if ((rc = policy_load(&im.policy)))
		return rc;
	if ((rc = input_read(a.npos ? a.pos[0] : NULL, &buf, &len, &im.file)))
		return rc;
	im.buf = buf;
	im.len = len;
	/* One slot per line, allocated once: no allocation per line. */
	size_t lines = 1;
	for (const char *p = buf; (p = memchr(p, '\n', len - (size_t)(p - buf)));
	     p++)
		lines++;
	im.lines = malloc(lines * sizeof *im.lines);
	if (!im.lines) {
		out_err("%s: %s", im.file, strerror(ENOMEM));
		free(buf);
		return EXIT_REFUSED;
	}
	rc = txn_run(txn_import, &im);
	if (rc == 0)
		fprintf(stderr, "imported %zu links\n", im.n);
	strmap_free(&im.staff);
	strmap_free(&im.camp);
	strmap_free(&im.camp_flags);
	free(im.lines);
	free(buf);
	return rc;
}
