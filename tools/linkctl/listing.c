/* listing: TSV tables and JSON arrays on stdout.  See listing.h. */
#include "listing.h"

#include "msg.h"
#include "out.h"

#include <lmdb.h>

#include <stdio.h>
#include <string.h>

int listing_format(const char *f)
{
	if (!f || strcmp(f, "tsv") == 0)
		return 0;
	if (strcmp(f, "json") == 0)
		return 1;
	return -1;
}

void listing_start(struct listing *l, int json, const char *tsv_header)
{
	*l = (struct listing){ .json = json };
	fputs(json ? "[" : tsv_header, stdout);
}

/* What goes before a field's value: the object's opening or a comma and
 * the key in JSON, a tab between TSV columns. */
static void field(struct listing *l, const char *key)
{
	if (l->json) {
		if (!l->fields)
			fputs(l->rows ? ",\n{" : "\n{", stdout);
		else
			putchar(',');
		printf("\"%s\":", key);
	} else if (l->fields) {
		putchar('\t');
	}
	l->fields++;
}

/* A TSV value: tabs and line breaks inside it would shift the columns. */
static void tsv(const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			fwrite(s + start, 1, i - start, stdout);
			putchar(' ');
			start = i + 1;
		}
	}
	fwrite(s + start, 1, n - start, stdout);
}

void listing_str(struct listing *l, const char *key, const char *s, size_t n)
{
	field(l, key);
	if (l->json)
		out_json_str(stdout, s, n);
	else
		tsv(s, n);
}

void listing_cstr(struct listing *l, const char *key, const char *s)
{
	listing_str(l, key, s, strlen(s));
}

void listing_uint(struct listing *l, const char *key, unsigned v)
{
	field(l, key);
	printf("%u", v);
}

void listing_bool(struct listing *l, const char *key, int v)
{
	field(l, key);
	fputs(l->json ? (v ? "true" : "false") : (v ? "yes" : "no"), stdout);
}

void listing_json_uint(struct listing *l, const char *key, unsigned v)
{
	if (l->json)
		listing_uint(l, key, v);
}

void listing_row_end(struct listing *l)
{
	putchar(l->json ? '}' : '\n');
	l->rows++;
	l->fields = 0;
}

int listing_end(struct listing *l)
{
	if (l->json)
		fputs(l->rows ? "\n]\n" : "]\n", stdout);
	return msg_flush();
}

int listing_table(MDB_txn *txn, MDB_dbi dbi, int json, const char *tsv_header,
                  listing_row_fn row, void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	struct listing l;
	int err = mdb_cursor_open(txn, dbi, &cur), rc = EXIT_REFUSED;
	if (err) {
		out_err("mdb_cursor_open: %s", mdb_strerror(err));
		return rc;
	}
	listing_start(&l, json, tsv_header);
	for (MDB_cursor_op op = MDB_FIRST;
	     (err = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT)
		if (row(&l, &k, &v, arg))
			goto out;
	if (err != MDB_NOTFOUND)
		out_err("mdb_cursor_get: %s", mdb_strerror(err));
	else
		rc = listing_end(&l);
out:
	mdb_cursor_close(cur);
	return rc;
}
