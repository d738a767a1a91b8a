/*
 * test_txn: tools/linkctl/txn.c over a real LMDB store in a temporary
 * directory -- a write transaction that fills a tiny map is aborted, the
 * map grown and the transaction run again until it commits; one that
 * fails, or a store that may not grow, leaves the store as it was; the
 * read side refuses a directory without a store.  Messages go to stderr
 * and are checked through a temporary file.
 */
#include "msg.h"
#include "store.h"
#include "tap.h"
#include "txn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];

/* stderr into a temporary file between these two. */
static FILE *cap_file;
static int cap_saved = -1;

static void capture(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	cap_saved = dup(2);
	dup2(fileno(cap_file), 2);
}

static const char *captured(void)
{
	static char buf[1024];
	fflush(stderr);
	dup2(cap_saved, 2);
	close(cap_saved);
	size_t n = (size_t)ftell(cap_file);
	rewind(cap_file);
	n = fread(buf, 1, n < sizeof buf - 1 ? n : sizeof buf - 1, cap_file);
	while (n && buf[n - 1] == '\n')
		n--;   /* one line of TAP */
	buf[n] = '\0';
	fclose(cap_file);
	return buf;
}

/* Adds n links of 1000-byte targets, counting its runs. */
struct fill {
	const char *prefix;     /* of the codes */
	int n;
	int runs;
	int added;              /* an output: reset by every run */
	int fail_after;         /* > 0: return TXN_FAILED after that many */
	int other;              /* nonzero: return it (an unreported code) */
};

static int fill(MDB_txn *txn, struct store *s, void *arg)
{
	static char url[1000];
	struct fill *f = arg;
	f->runs++;
	f->added = 0;
	memset(url, 'u', sizeof url);
	memcpy(url, "https://example.org/", 20);
	for (int i = 0; i < f->n; i++) {
		char code[16];
		int len = snprintf(code, sizeof code, "%s%d", f->prefix, i);
		struct link l = { .staff_id = 1, .status = 302, .url = url,
		                  .url_len = sizeof url };
		if (f->fail_after && i == f->fail_after)
			return TXN_FAILED;
		if (f->other)
			return f->other;
		int rc = store_link_add(txn, s, code, (size_t)len, &l);
		if (rc)
			return txn_report(rc, "store_link_add");
		f->added++;
	}
	return 0;
}

/* Links in the store, from a read transaction of its own. */
static int links(struct store *s)
{
	MDB_txn *txn;
	MDB_stat st;
	if (txn_begin(s, MDB_RDONLY, &txn))
		return -1;
	int rc = mdb_stat(txn, s->links, &st);
	mdb_txn_abort(txn);
	return rc ? -1 : (int)st.ms_entries;
}

static size_t mapsize(struct store *s)
{
	MDB_envinfo info;
	mdb_env_info(s->env, &info);
	return info.me_mapsize;
}

static void test_grow(struct store *s)
{
	size_t small = 64 * 1024;
	is_int(mdb_env_set_mapsize(s->env, small), 0, "a 64 KiB map");
	struct fill f = { .prefix = "g", .n = 500 };   /* ~500 KiB of targets */
	is_int(txn_write(s, fill, &f), 0, "a transaction larger than the map commits");
	ok(f.runs > 1, "... after MDB_MAP_FULL, run again (%d runs)", f.runs);
	is_int(f.added, 500, "... the last run's outputs, from the start");
	ok(mapsize(s) >= 8 * small, "... the map grew by doublings (%zu bytes)",
	   mapsize(s));
	is_int(links(s), 500, "... and every link is stored, once");
}

static void test_refusals(struct store *s)
{
	int before = links(s);

	struct fill f = { .prefix = "f", .n = 50, .fail_after = 10 };
	capture();
	int rc = txn_write(s, fill, &f);
	const char *err = captured();
	is_int(rc, EXIT_REFUSED, "a function that fails: refused");
	is_int(f.runs, 1, "... run once");
	is_str(err, "", "... its own report only (it said why)");
	is_int(links(s), before, "... nothing of it written");

	f = (struct fill){ .prefix = "o", .n = 1, .other = MDB_NOTFOUND };
	capture();
	rc = txn_write(s, fill, &f);
	err = captured();
	is_int(rc, EXIT_REFUSED, "a function that returns an LMDB code: refused");
	ok(strstr(err, "write: MDB_NOTFOUND") != NULL,
	   "... reported for it (%s)", err);

	/* A store that may not grow past its map: full, nothing written. */
	s->map_max = mapsize(s);
	f = (struct fill){ .prefix = "m", .n = 5000 };   /* ~5 MB: more than the map */
	capture();
	rc = txn_write(s, fill, &f);
	err = captured();
	is_int(rc, EXIT_REFUSED, "a store at its ceiling: refused");
	char want[200];
	snprintf(want, sizeof want, "the store is full: it may not grow past "
	         "%zu bytes; nothing was written", s->map_max);
	ok(strstr(err, want) != NULL, "... saying so (%s)", err);
	is_int(f.runs, 1, "... without a second run");
	is_int(links(s), before, "... nothing written");
	s->map_max = 0;

	is_int(txn_report(0, "op"), 0, "txn_report: 0 stays 0");
	is_int(txn_report(MDB_MAP_FULL, "op"), MDB_MAP_FULL,
	       "txn_report: MDB_MAP_FULL is for txn_write to handle");
	capture();
	rc = txn_report(MDB_KEYEXIST, "store_x");
	err = captured();
	is_int(rc, TXN_FAILED, "txn_report: anything else is reported");
	ok(strstr(err, "store_x: MDB_KEYEXIST") != NULL, "... naming the call");
}

/* txn_run and txn_read on the directory --db names. */
static void test_command_store(void)
{
	char sub[300];
	snprintf(sub, sizeof sub, "%s/db", dir);
	txn_store_dir(sub);
	struct store s;
	MDB_txn *txn = NULL;
	capture();
	int rc = txn_read(&s, &txn);
	const char *err = captured();
	is_int(rc, EXIT_REFUSED, "txn_read: no store, refused");
	ok(strstr(err, "no store at ") != NULL, "... saying so");
	ok(access(sub, F_OK) != 0, "... and none created");

	struct fill f = { .prefix = "r", .n = 3 };
	is_int(txn_run(fill, &f), 0, "txn_run creates the store and writes");
	is_int(txn_read(&s, &txn), 0, "txn_read then opens it");
	MDB_stat st;
	ok(mdb_stat(txn, s.links, &st) == 0 && st.ms_entries == 3,
	   "... and sees what was written");
	txn_read_end(&s, txn);
}

int main(void)
{
	snprintf(dir, sizeof dir, "%s/test_txn.XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	struct store s;
	if (store_open(&s, dir, STORE_CREATE)) {
		printf("Bail out! store_open %s\n", dir);
		return 1;
	}
	test_grow(&s);
	test_refusals(&s);
	store_close(&s);
	test_command_store();

	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}
