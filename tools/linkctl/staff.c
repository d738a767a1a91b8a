/*
 * staff: the colleagues -- linkctl staff add, staff import (CSV, all or
 * nothing: the whole file is parsed and checked before the store is
 * opened, then written in one transaction), staff list -- and staff_find,
 * the look-up of a handle as typed that mint, import, list and staff set
 * share.  staff set is staff_set.c's.  The rules for a colleague's fields
 * are check.c's; the CSV reader is tools/common/csv.c.
 */
#include "staff.h"

#include "args.h"
#include "check.h"
#include "commands.h"
#include "csv.h"
#include "grow.h"
#include "input.h"
#include "listing.h"
#include "msg.h"
#include "out.h"
#include "strmap.h"
#include "txn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int staff_find(MDB_txn *txn, struct store *s, const char *in, size_t len,
               const char *file, unsigned line, uint32_t *id)
{
	char handle[CHECK_HANDLE_MAX + 1];
	struct staff st;
	int rc = MDB_NOTFOUND;   /* not a possible handle: nobody has it */
	int valid = check_handle(in, len, handle);
	if (valid)
		rc = store_staff_get(txn, s, handle, &st);
	if (rc == MDB_NOTFOUND) {
		msg_at(file, line,
		       "no colleague '%s' (add one with: linkctl staff add)",
		       valid ? handle : msg_show(in, len));
		return TXN_FAILED;
	}
	if (rc == MDB_MAP_FULL)
		return rc;
	if (rc) {
		msg_at(file, line, "store_staff_get: %s", mdb_strerror(rc));
		return TXN_FAILED;
	}
	*id = st.id;
	return 0;
}

/* ------------------------------------------------------------------ add */

struct add_opts {
	const char *name, *team, *email;
	const char *no_mail;   /* a flag: "" when given */
};

static const struct option add_options[] = {
	ARGS_COMMON,
	{ "name", required_argument, NULL, ARGS_FIELD(struct add_opts, name) },
	{ "team", required_argument, NULL, ARGS_FIELD(struct add_opts, team) },
	{ "email", required_argument, NULL, ARGS_FIELD(struct add_opts, email) },
	{ "no-mail", no_argument, NULL, ARGS_FIELD(struct add_opts, no_mail) },
	{ 0, 0, 0, 0 } };

static int txn_add(MDB_txn *txn, struct store *s, void *arg)
{
	struct staff *st = arg;
	int rc = store_staff_add(txn, s, st);
	if (rc == MDB_KEYEXIST) {
		out_err("staff '%s' already exists", st->handle);
		return TXN_FAILED;
	}
	return txn_report(rc, "store_staff_add");
}

int staff_add_main(int argc, char **argv)
{
	struct add_opts o = { 0 };
	struct args a;
	int rc = args_parse(argc, argv, "staff add", add_options, &o, &a);
	if (rc != ARGS_RUN)
		return rc;
	if (a.npos != 1)
		return msg_usage_error("staff add: expected one HANDLE");
	if (!o.name)
		return msg_usage_error("staff add: --name is required");
	char handle[CHECK_HANDLE_MAX + 1];
	const char *why;
	if (!check_handle(a.pos[0], strlen(a.pos[0]), handle)) {
		out_err("invalid handle '%s': " CHECK_HANDLE_RULE,
		        msg_shows(a.pos[0]));
		return EXIT_REFUSED;
	}
	const char *team = o.team ? o.team : "", *email = o.email ? o.email : "";
	if ((why = check_name(o.name, strlen(o.name))) ||
	    (why = check_team(team, strlen(team))) ||
	    (why = check_email(email, strlen(email)))) {
		out_err("%s", why);
		return EXIT_REFUSED;
	}
	struct staff st = {
		.handle = handle, .handle_len = strlen(handle),
		.name = o.name, .name_len = strlen(o.name),
		.team = team, .team_len = strlen(team),
		.email = email, .email_len = strlen(email),
		.flags = o.no_mail ? STAFF_NO_MAIL : 0,
	};
	return txn_run(txn_add, &st);
}

/* --------------------------------------------------------------- import */

/* The header: these four columns, or these and mail (optional: a file
 * made before it existed still imports, everybody with mail on). */
#define CSV_HEADER "handle,name,team,email"
#define CSV_MAIL ",mail"
#define CSV_FIELDS 5

/* One colleague of the file: its line, its fields (the fifth, mail, when
 * the header has it), unescaped in place and NUL-terminated, and whether
 * they are mailed. */
struct row {
	unsigned line;
	char *f[CSV_FIELDS];
	size_t len[CSV_FIELDS];
	int mail;
};

struct import {
	const char *file;
	size_t nf;            /* the header's fields: 4, or 5 with mail */
	struct row *rows;
	size_t n, cap;
	struct strmap seen;   /* handle -> its line */
};

/*
 * Read the record at *pos: its first CSV_FIELDS fields unescaped in place
 * and NUL-terminated (the byte after a field -- its separator, closing
 * quote or line end, or the spare byte after the buffer -- is read
 * already), the count of all in *nf.  *line counts the line feeds.  NULL,
 * or what is wrong.
 */
static const char *record(char *buf, size_t len, size_t *pos, unsigned *line,
                          struct row *row, size_t *nf)
{
	struct csv_record r;
	char *rec = buf + *pos;
	ptrdiff_t n = csv_read(rec, len - *pos, 1, &r);
	if (n == CSV_BAD)
		return r.why;
	for (size_t k = 0; k < r.nf && k < CSV_FIELDS; k++) {
		row->f[k] = rec + r.f[k].off;
		row->len[k] = r.f[k].quoted
		            ? csv_unescape(row->f[k], r.f[k].len) : r.f[k].len;
		row->f[k][row->len[k]] = '\0';
	}
	*nf = r.nf;
	*line += r.lines;
	*pos += (size_t)n;
	return NULL;
}

/* Check a colleague of the file and keep it.  0 or EXIT_REFUSED
 * (reported). */
static int import_row(struct import *im, struct row *row)
{
	const char *why;
	char *const *f = row->f;
	const size_t *fl = row->len;
	uint32_t first;
	if (!check_handle(f[0], fl[0], f[0])) {
		msg_at(im->file, row->line, "invalid handle '%s': " CHECK_HANDLE_RULE,
		       msg_show(f[0], fl[0]));
		return EXIT_REFUSED;
	}
	if ((why = check_name(f[1], fl[1])) || (why = check_team(f[2], fl[2])) ||
	    (why = check_email(f[3], fl[3]))) {
		msg_at(im->file, row->line, "%s", why);
		return EXIT_REFUSED;
	}
	row->mail = im->nf > 4 ? check_mail(f[4], fl[4]) : 1;
	if (row->mail < 0) {
		msg_at(im->file, row->line, "invalid mail '%s': " CHECK_MAIL_RULE,
		       msg_show(f[4], fl[4]));
		return EXIT_REFUSED;
	}
	if (strmap_get(&im->seen, f[0], fl[0], &first)) {
		msg_at(im->file, row->line, "staff '%s' repeats line %u", f[0],
		       (unsigned)first);
		return EXIT_REFUSED;
	}
	if (strmap_put(&im->seen, f[0], fl[0], row->line))
		goto nomem;
	struct row *nr = grow_array(im->rows, &im->cap, im->n, sizeof *nr);
	if (!nr)
		goto nomem;
	im->rows = nr;
	im->rows[im->n++] = *row;
	return 0;
nomem:
	out_err("%s: %s", im->file, strerror(ENOMEM));
	return EXIT_REFUSED;
}

/* Parse and check the whole CSV before the store is opened: a bad file
 * costs no transaction.  Returns 0 or EXIT_REFUSED (reported). */
static int import_parse(char *buf, size_t len, struct import *im)
{
	size_t pos = 0, nf;
	unsigned line = 1;
	struct row row;
	const char *why;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		pos = 3;   /* spreadsheets write a UTF-8 byte order mark */
	/* Shown as found, before reading unescapes the buffer in place. */
	const char *found = msg_show(buf + pos, strcspn(buf + pos, "\r\n"));
	if ((why = record(buf, len, &pos, &line, &row, &nf)) ||
	    (nf != 4 && nf != 5) ||
	    strcmp(row.f[0], "handle") || strcmp(row.f[1], "name") ||
	    strcmp(row.f[2], "team") || strcmp(row.f[3], "email") ||
	    (nf == 5 && strcmp(row.f[4], "mail"))) {
		msg_at(im->file, 1, "expected the header '" CSV_HEADER "' or '"
		       CSV_HEADER CSV_MAIL "', found '%s'", found);
		return EXIT_REFUSED;
	}
	im->nf = nf;
	while (pos < len) {
		row.line = line;
		if (buf[pos] == '\n' || (buf[pos] == '\r' && pos + 1 < len &&
		                         buf[pos + 1] == '\n')) {
			pos += buf[pos] == '\r' ? 2 : 1;   /* blank line */
			line++;
			continue;
		}
		if ((why = record(buf, len, &pos, &line, &row, &nf))) {
			msg_at(im->file, row.line, "%s", why);
			return EXIT_REFUSED;
		}
		if (nf != im->nf) {
			msg_at(im->file, row.line, "expected %zu fields (" CSV_HEADER
			       "%s), found %zu", im->nf, im->nf > 4 ? CSV_MAIL : "",
			       nf);
			return EXIT_REFUSED;
		}
		if (import_row(im, &row))
			return EXIT_REFUSED;
	}
	return 0;
}

static int txn_import(MDB_txn *txn, struct store *s, void *arg)
{
	struct import *im = arg;
	for (size_t r = 0; r < im->n; r++) {
		struct row *row = &im->rows[r];
		struct staff st = {
			.handle = row->f[0], .handle_len = row->len[0],
			.name = row->f[1], .name_len = row->len[1],
			.team = row->f[2], .team_len = row->len[2],
			.email = row->f[3], .email_len = row->len[3],
			.flags = row->mail ? 0 : STAFF_NO_MAIL,
		};
		int rc = store_staff_add(txn, s, &st);
		if (rc == MDB_KEYEXIST) {
			msg_at(im->file, row->line, "staff '%s' already exists",
			       row->f[0]);
			return TXN_FAILED;
		}
		if (rc == MDB_MAP_FULL)
			return rc;
		if (rc) {
			msg_at(im->file, row->line, "store_staff_add: %s",
			       mdb_strerror(rc));
			return TXN_FAILED;
		}
	}
	return 0;
}

int staff_import_main(int argc, char **argv)
{
	struct args a;
	int rc = args_parse(argc, argv, "staff import", args_shared_only,
	                    NULL, &a);
	if (rc != ARGS_RUN)
		return rc;
	if (a.npos != 1)
		return msg_usage_error("staff import: expected one FILE (or - for stdin)");
	char *buf;
	size_t len;
	struct import im = { 0 };
	if ((rc = input_read(a.pos[0], &buf, &len, &im.file)))
		return rc;
	if ((rc = import_parse(buf, len, &im)) == 0)
		rc = txn_run(txn_import, &im);
	if (rc == 0)
		fprintf(stderr, "imported %zu colleagues\n", im.n);
	strmap_free(&im.seen);
	free(im.rows);
	free(buf);
	return rc;
}

/* ----------------------------------------------------------------- list */

struct list_opts {
	const char *format;
};

static const struct option list_options[] = {
	ARGS_COMMON,
	{ "format", required_argument, NULL, ARGS_FIELD(struct list_opts, format) },
	{ 0, 0, 0, 0 } };

/* A read transaction, for listing rows. */
struct reader {
	MDB_txn *txn;
	struct store *s;
};

/* A colleague as a row (the staff table is keyed by handle: the listing
 * walks it sorted). */
static int list_row(struct listing *l, const MDB_val *k, const MDB_val *v,
                    void *arg)
{
	struct reader *r = arg;
	char handle[512];
	struct staff st;
	(void)v;
	if (k->mv_size >= sizeof handle) {
		out_err("staff key of %zu bytes", k->mv_size);
		return EXIT_REFUSED;
	}
	/* store_staff_get wants a C string; the key view has no NUL. */
	memcpy(handle, k->mv_data, k->mv_size);
	handle[k->mv_size] = '\0';
	int err = store_staff_get(r->txn, r->s, handle, &st);
	if (err) {
		out_err("store_staff_get '%s': %s", msg_shows(handle),
		        mdb_strerror(err));
		return EXIT_REFUSED;
	}
	listing_str(l, "handle", st.handle, st.handle_len);
	listing_str(l, "name", st.name, st.name_len);
	listing_str(l, "team", st.team, st.team_len);
	listing_str(l, "email", st.email, st.email_len);
	listing_json_uint(l, "id", (unsigned)st.id);
	/* Last, after the columns scripts already read. */
	listing_bool(l, "mail", !(st.flags & STAFF_NO_MAIL));
	listing_row_end(l);
	return 0;
}

int staff_list_main(int argc, char **argv)
{
	struct list_opts o = { 0 };
	struct args a;
	int rc = args_parse(argc, argv, "staff list", list_options, &o, &a);
	if (rc != ARGS_RUN)
		return rc;
	if (a.npos)
		return msg_usage_error("staff list: no arguments expected");
	int json = listing_format(o.format);
	if (json < 0)
		return msg_usage_error("staff list: --format must be tsv or json");

	struct store s;
	struct reader r = { NULL, &s };
	if ((rc = txn_read(&s, &r.txn)))
		return rc;
	rc = listing_table(r.txn, s.staff, json,
	                   "handle\tname\tteam\temail\tmail\n", list_row, &r);
	txn_read_end(&s, r.txn);
	return rc;
}
