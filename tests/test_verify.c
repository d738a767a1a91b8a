/*
 * test_verify: tools/linkctl/verify.c over real small stores -- a whole
 * one passes; each corruption planted with store.c's own writes or a raw
 * mdb_put/mdb_del (a link_by_id entry missing or naming another code, a
 * link whose colleague or campaign does not exist, or whose status, flags
 * or target the daemon could not serve, a counter below an id
 * in use, an undecodable record, a stray staff_by_id entry) is found and
 * named, and nothing else is.
 */
#include "le.h"
#include "store.h"
#include "tap.h"
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];

/* The problems of one check, one per line. */
struct found {
	char text[4096];
	size_t len;
};

static void collect(void *ctx, const char *problem)
{
	struct found *f = ctx;
	f->len += (size_t)snprintf(f->text + f->len, sizeof f->text - f->len,
	                           "%s\n", problem);
	if (f->len >= sizeof f->text)
		f->len = sizeof f->text - 1;
}

/* A fresh store: two colleagues, a campaign, three links. */
static void fresh(struct store *s)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s/db", dir);
	if (system(cmd) != 0)
		printf("# %s failed\n", cmd);
	snprintf(cmd, sizeof cmd, "%s/db", dir);
	if (store_open(s, cmd, STORE_CREATE)) {
		printf("Bail out! store_open\n");
		exit(1);
	}
	MDB_txn *txn;
	mdb_txn_begin(s->env, NULL, 0, &txn);
	struct staff a = { .handle = "alice", .handle_len = 5, .name = "A",
	                   .name_len = 1 };
	struct staff b = { .handle = "bob", .handle_len = 3, .name = "B",
	                   .name_len = 1 };
	struct campaign c = { .name = "spring", .name_len = 6 };
	int created;
	store_staff_add(txn, s, &a);
	store_staff_add(txn, s, &b);
	store_campaign_ensure(txn, s, &c, &created);
	const char *codes[] = { "aaa", "bbb", "ccc" };
	for (int i = 0; i < 3; i++) {
		struct link l = { .staff_id = i ? b.id : a.id,
		                  .campaign_id = i == 2 ? c.id : 0, .status = 302,
		                  .url = "https://example.org/", .url_len = 20 };
		store_link_add(txn, s, codes[i], 3, &l);
	}
	if (mdb_txn_commit(txn)) {
		printf("Bail out! commit\n");
		exit(1);
	}
}

/* Verify s in a read transaction; the problems into f. */
static unsigned long check(struct store *s, struct found *f, struct verify *v)
{
	MDB_txn *txn;
	memset(f, 0, sizeof *f);
	memset(v, 0, sizeof *v);
	v->problem = collect;
	v->ctx = f;
	mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
	int rc = verify_store(txn, s, v);
	mdb_txn_abort(txn);
	ok(rc == 0, "verify_store read the store to the end");
	return v->problems;
}

static void put_raw(struct store *s, MDB_dbi dbi, const void *k, size_t kn,
                    const void *val, size_t vn)
{
	MDB_txn *txn;
	MDB_val key = { kn, (void *)k }, data = { vn, (void *)val };
	mdb_txn_begin(s->env, NULL, 0, &txn);
	if (vn == 0 ? mdb_del(txn, dbi, &key, NULL)
	            : mdb_put(txn, dbi, &key, &data, 0))
		printf("# raw write failed\n");
	mdb_txn_commit(txn);
}

/* Rewrite link code's colleague (staff_id) or campaign (campaign_id),
 * whichever is nonzero, with store.c's own write. */
static void relink(struct store *s, const char *code, uint32_t staff_id,
                   uint32_t campaign_id)
{
	MDB_txn *txn;
	struct link l;
	char url[32];
	mdb_txn_begin(s->env, NULL, 0, &txn);
	store_link_get(txn, s, code, 3, &l);
	memcpy(url, l.url, l.url_len);
	l.url = url;
	if (staff_id)
		l.staff_id = staff_id;
	if (campaign_id)
		l.campaign_id = campaign_id;
	store_link_put(txn, s, code, 3, &l);
	mdb_txn_commit(txn);
}

/* Give the link code a status, flags and url the daemon cannot serve
 * (0 / NULL: keep that one), with store.c's own write. */
static void revalue(struct store *s, const char *code, uint16_t status,
                    uint8_t flags, const char *url)
{
	MDB_txn *txn;
	struct link l;
	char keep[32];
	mdb_txn_begin(s->env, NULL, 0, &txn);
	store_link_get(txn, s, code, 3, &l);
	memcpy(keep, l.url, l.url_len);
	l.url = url ? url : keep;
	l.url_len = url ? strlen(url) : l.url_len;
	if (status)
		l.status = status;
	if (flags)
		l.flags = flags;
	store_link_put(txn, s, code, 3, &l);
	mdb_txn_commit(txn);
}

/* One planted problem: exactly one, with want in its text. */
static void expect_one(struct store *s, const char *want, const char *what)
{
	struct found f;
	struct verify v;
	is_int(check(s, &f, &v), 1, "%s: one problem", what);
	ok(strstr(f.text, want) != NULL, "%s: named (\"%s\")", what, want);
	if (!strstr(f.text, want))
		printf("#   got: %s", f.text);
	store_close(s);
}

int main(void)
{
	snprintf(dir, sizeof dir, "%s/test_verify.XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	struct store s;
	struct found f;
	struct verify v;

	fresh(&s);
	is_int(check(&s, &f, &v), 0, "a whole store: no problem");
	if (f.len)
		printf("#   %s", f.text);
	ok(v.links == 3 && v.staff == 2 && v.campaigns == 1,
	   "counted 3 links, 2 colleagues, 1 campaign");
	store_close(&s);

	unsigned char id2[4] = { 0, 0, 0, 2 }, id9[4] = { 0, 0, 0, 9 };
	fresh(&s);
	put_raw(&s, s.link_by_id, id2, 4, NULL, 0);
	expect_one(&s, "links 'bbb': id 2 has no link_by_id entry",
	           "a link_by_id entry missing");

	fresh(&s);
	put_raw(&s, s.link_by_id, id2, 4, "ccc", 3);
	struct found f2;
	check(&s, &f2, &v);
	ok(strstr(f2.text, "links 'bbb': id 2, but link_by_id 2 names 'ccc'") &&
	   strstr(f2.text, "link_by_id 2: names 'ccc', whose id is 3"),
	   "a link_by_id entry naming another code: seen from both sides");
	store_close(&s);

	fresh(&s);
	put_raw(&s, s.link_by_id, id9, 4, "zzz", 3);
	expect_one(&s, "link_by_id 9: names 'zzz', which is not in links",
	           "a link_by_id entry of no link");

	fresh(&s);
	relink(&s, "aaa", 7, 0);
	expect_one(&s, "links 'aaa': its colleague, id 7, does not exist",
	           "a link of a colleague who does not exist");

	fresh(&s);
	relink(&s, "ccc", 0, 5);
	expect_one(&s, "links 'ccc': its campaign, id 5, does not exist",
	           "a link of a campaign that does not exist");

	fresh(&s);
	revalue(&s, "aaa", 200, 0, NULL);
	expect_one(&s, "links 'aaa': status 200 is not a redirect",
	           "a link whose status is not a redirect's");

	fresh(&s);
	revalue(&s, "bbb", 0, 0x80, NULL);
	expect_one(&s, "links 'bbb': unknown flags 0x80",
	           "a link with a flag no version writes");

	fresh(&s);
	revalue(&s, "ccc", 0, 0, "https://example.org/\r\nSet-Cookie: a=b");
	expect_one(&s, "links 'ccc': its target cannot be served",
	           "a link whose target would split the Location header");

	fresh(&s);
	revalue(&s, "aaa", 0, 0, "javascript:alert(1)");
	expect_one(&s, "links 'aaa': its target cannot be served",
	           "a link whose target is not http(s)");

	fresh(&s);
	unsigned char two[4];
	le_put32(two, 2);
	put_raw(&s, s.meta, "next_link", 9, two, 4);
	expect_one(&s, "meta next_link: 2, below link id 3 in use",
	           "a counter below an id in use");

	fresh(&s);
	put_raw(&s, s.meta, "next_staff", 10, NULL, 0);
	expect_one(&s, "meta next_staff: 0, below colleague id 2 in use",
	           "a counter missing while ids are in use");

	fresh(&s);
	put_raw(&s, s.links, "bbb", 3, "\x01\x00", 2);
	struct found f3;
	check(&s, &f3, &v);
	ok(strstr(f3.text, "links 'bbb': the record (2 bytes) does not decode") &&
	   !strstr(f3.text, "whose id"),
	   "an undecodable link record: named once");
	store_close(&s);

	fresh(&s);
	put_raw(&s, s.staff, "bob", 3, "\x09", 1);
	struct found f4;
	check(&s, &f4, &v);
	ok(strstr(f4.text, "staff 'bob': the record (1 bytes) does not decode") != NULL,
	   "an undecodable colleague record");
	if (!strstr(f4.text, "staff 'bob'"))
		printf("#   got: %s", f4.text);
	store_close(&s);

	fresh(&s);
	put_raw(&s, s.staff_by_id, id9, 4, "alice", 5);
	expect_one(&s, "staff_by_id 9: names 'alice', whose id is 1",
	           "a second staff_by_id entry for a colleague");

	fresh(&s);
	put_raw(&s, s.campaign_by_id, id9, 3, "spring", 6);
	expect_one(&s, "campaign_by_id: a key of 3 bytes, not a 4-byte id",
	           "a by-id key that is not an id");

	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# %s failed\n", cmd);
	return tap_done();
}
