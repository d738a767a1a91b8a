/*
 * listing: the one shape of linkctl's listings on stdout (staff list,
 * list, campaign list): a TSV table under a header line, or a JSON array
 * with one object per line.  A command adds a row field by field, in the
 * order of its columns; a field that only JSON shows (an id) is skipped
 * in TSV; or listing_table walks a table of the store and asks the
 * command for each record's row.  The shape is public (scripts parse it): one row is
 *   TSV:  value\tvalue\n      (tabs and line breaks in a value: spaces)
 *   JSON: {"key":value,...}   ("[" first, ",\n" between, "\n]\n" last;
 *                              an empty array is "[]\n")
 */
#ifndef REDIRECTD_LINKCTL_LISTING_H
#define REDIRECTD_LINKCTL_LISTING_H

#include <stddef.h>

#include <lmdb.h>

struct listing {
	int json;
	size_t rows;     /* rows ended so far */
	int fields;      /* fields of the current row so far */
};

/* --format's value: 0 for tsv (also NULL, the default), 1 for json, -1
 * for anything else. */
int listing_format(const char *format);

/* Print "[" or the TSV header (which ends in "\n"). */
void listing_start(struct listing *l, int json, const char *tsv_header);
/* A string: JSON-quoted, or as TSV. */
void listing_str(struct listing *l, const char *key, const char *s, size_t n);
/* A C string (a word such as "enabled", a time). */
void listing_cstr(struct listing *l, const char *key, const char *s);
/* A number. */
void listing_uint(struct listing *l, const char *key, unsigned v);
/* true / false in JSON, yes / no in TSV. */
void listing_bool(struct listing *l, const char *key, int v);
/* A number only JSON shows. */
void listing_json_uint(struct listing *l, const char *key, unsigned v);
void listing_row_end(struct listing *l);
/* Close the array and flush stdout: 0, or EXIT_REFUSED (reported). */
int listing_end(struct listing *l);

/* A record of the table as a row (or none, to leave it out): 0, or
 * EXIT_REFUSED (reported), which ends the listing there. */
typedef int (*listing_row_fn)(struct listing *l, const MDB_val *key,
                              const MDB_val *val, void *arg);
/* The whole listing of table dbi, in key order: started, a row(...) per
 * record, ended.  0 or EXIT_REFUSED (reported). */
int listing_table(MDB_txn *txn, MDB_dbi dbi, int json, const char *tsv_header,
                  listing_row_fn row, void *arg);

#endif
