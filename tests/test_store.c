/*
 * test_store: the LMDB schema of store.c -- record codecs, a real store in
 * a temporary directory, the read-only open the daemon uses, schema
 * checks and map growth.
 */
#include "store.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmp[512];
static char dir[600];

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void rm_store(const char *d)
{
	char p[700];
	snprintf(p, sizeof p, "%s/data.mdb", d);
	unlink(p);
	snprintf(p, sizeof p, "%s/lock.mdb", d);
	unlink(p);
	rmdir(d);
}

static void test_codec(void)
{
	static const char url[] = "https://example.org/a?b=c";
	struct link l = {
		.id = 0x01020304, .staff_id = 7, .campaign_id = 0xa0b0c0d0,
		.status = 308, .flags = LINK_DISABLED,
		.created_us = 0x1122334455667788ull,
		.url = url, .url_len = sizeof url - 1,
	};
	unsigned char buf[STORE_LINK_HDR + 64 + 1];
	size_t n = store_link_encode(&l, buf, sizeof buf);
	is_int(n, STORE_LINK_HDR + sizeof url - 1, "encode: header + url bytes");
	/* The on-disk layout is shared with the daemon: pin it. */
	is_int(buf[0], 1, "encode: version byte 1");
	is_int(buf[1], LINK_DISABLED, "encode: flags byte");
	is_int(buf[2] | buf[3] << 8, 308, "encode: status little-endian");
	is_int(buf[4], 0x04, "encode: id little-endian, low byte first");
	is_int(buf[7], 0x01, "encode: id high byte last");
	is_int(buf[12], 0xd0, "encode: campaign at offset 12");
	is_int(buf[16], 0x88, "encode: created_us at offset 16");
	is_int(buf[23], 0x11, "encode: created_us high byte at 23");
	is_int(buf[24] | buf[25] << 8, sizeof url - 1, "encode: url length at 24");
	ok(memcmp(buf + STORE_LINK_HDR, url, sizeof url - 1) == 0,
	   "encode: url bytes after the header");

	struct link d;
	memset(&d, 0xee, sizeof d);
	is_int(store_link_decode(buf, n, &d), 0, "decode: round trip");
	is_int(d.id, 0x01020304, "decode: id");
	is_int(d.staff_id, 7, "decode: staff_id");
	is_int(d.campaign_id, 0xa0b0c0d0u, "decode: campaign_id");
	is_int(d.status, 308, "decode: status");
	is_int(d.flags, LINK_DISABLED, "decode: flags");
	ok(d.created_us == 0x1122334455667788ull, "decode: created_us");
	is_int(d.url_len, sizeof url - 1, "decode: url_len");
	ok(d.url == (const char *)buf + STORE_LINK_HDR, "decode: url is a view");

	is_int(store_link_encode(&l, buf, n - 1), 0, "encode: cap one short -> 0");
	is_int(store_link_encode(&l, buf, n), n, "encode: exact cap fits");

	/* Every truncation is refused, never read past. */
	int bad = 0;
	for (size_t len = 0; len < n; len++) {
		unsigned char *copy = malloc(len ? len : 1);
		memcpy(copy, buf, len);
		if (store_link_decode(copy, len, &d) != EINVAL) {
			bad++;
			printf("# truncation to %zu bytes accepted\n", len);
		}
		free(copy);
	}
	is_int(bad, 0, "decode: every truncation (0..%zu bytes) -> EINVAL", n - 1);
	is_int(store_link_decode(buf, n + 1, &d), EINVAL,
	       "decode: one byte too many -> EINVAL");
	unsigned char v[sizeof buf];
	memcpy(v, buf, n);
	v[0] = 0;
	is_int(store_link_decode(v, n, &d), EINVAL, "decode: version 0 -> EINVAL");
	v[0] = 2;
	is_int(store_link_decode(v, n, &d), EINVAL, "decode: version 2 -> EINVAL");
	memcpy(v, buf, n);
	v[24] = (unsigned char)(v[24] + 1);
	is_int(store_link_decode(v, n, &d), EINVAL,
	       "decode: url_len larger than the value -> EINVAL");

	struct link e = { .status = 302, .url = "", .url_len = 0 };
	n = store_link_encode(&e, buf, sizeof buf);
	is_int(n, STORE_LINK_HDR, "encode: empty url is the bare header");
	is_int(store_link_decode(buf, n, &d), 0, "decode: bare header");
	is_int(d.url_len, 0, "decode: empty url");

	static char big[0x10000];
	struct link b = { .url = big, .url_len = sizeof big };
	static unsigned char bigbuf[STORE_LINK_HDR + sizeof big];
	is_int(store_link_encode(&b, bigbuf, sizeof bigbuf), 0,
	       "encode: url of 65536 bytes does not fit the u16 length");
	b.url_len = 0xffff;
	is_int(store_link_encode(&b, bigbuf, sizeof bigbuf), STORE_LINK_HDR + 0xffff,
	       "encode: url of 65535 bytes fits");
}

/* decode over a copy of exactly len bytes (ASan sees any read past); the
 * copy, which out's views point into, lives until the next call. */
static int staff_decode_copy(const unsigned char *rec, size_t len,
                             struct staff *out)
{
	static unsigned char *copy;
	free(copy);
	copy = malloc(len ? len : 1);
	memcpy(copy, rec, len);
	MDB_val k = { 3, "ana" }, v = { len, copy };
	return store_staff_decode(&k, &v, out);
}

/* Every prefix of rec[0..n) is refused, and one byte more too. */
static void staff_truncations(const unsigned char *rec, size_t n,
                              const char *what)
{
	struct staff d;
	int bad = 0;
	for (size_t len = 0; len < n; len++)
		if (staff_decode_copy(rec, len, &d) != EINVAL)
			bad++;
	is_int(bad, 0, "%s: every truncation (0..%zu bytes) -> EINVAL", what,
	       n - 1);
	unsigned char more[64];
	memcpy(more, rec, n);
	more[n] = 0;
	is_int(staff_decode_copy(more, n + 1, &d), EINVAL,
	       "%s: one byte too many -> EINVAL", what);
}

static void test_staff_codec(void)
{
	struct staff st = {
		.id = 0x01020304, .created_us = 0x1122334455667788ull,
		.flags = STAFF_NO_MAIL,
		.handle = "ana", .handle_len = 3,
		.name = "Ana", .name_len = 3, .team = "", .team_len = 0,
		.email = "a@x.org", .email_len = 7,
	};
	unsigned char buf[64];
	size_t n = store_staff_encode(&st, buf, sizeof buf);
	is_int(n, 14 + 2 + 3 + 2 + 2 + 7, "staff encode: header + 3 strings");
	/* The on-disk layout: pin it. */
	is_int(buf[0], 2, "staff encode: version byte 2");
	is_int(buf[1], 0x04, "staff encode: id little-endian at 1");
	is_int(buf[5], 0x88, "staff encode: created_us at 5");
	is_int(buf[13], STAFF_NO_MAIL, "staff encode: flags at 13");
	is_int(buf[14] | buf[15] << 8, 3, "staff encode: name length at 14");
	ok(memcmp(buf + 16, "Ana", 3) == 0, "staff encode: name bytes");

	struct staff d;
	memset(&d, 0xee, sizeof d);
	is_int(staff_decode_copy(buf, n, &d), 0, "staff decode v2: round trip");
	is_int(d.id, 0x01020304, "staff decode v2: id");
	ok(d.created_us == 0x1122334455667788ull, "staff decode v2: created_us");
	is_int(d.flags, STAFF_NO_MAIL, "staff decode v2: flags");
	ok(d.name_len == 3 && d.team_len == 0 && d.email_len == 7,
	   "staff decode v2: string lengths");
	ok(d.handle_len == 3, "staff decode: handle from the key");
	st.flags = 0;
	n = store_staff_encode(&st, buf, sizeof buf);
	is_int(buf[0], 2, "staff encode: version 2 without flags too");
	is_int(staff_decode_copy(buf, n, &d), 0, "staff decode v2, flags 0");
	is_int(d.flags, 0, "staff decode v2: flags 0");
	is_int(store_staff_encode(&st, buf, n - 1), 0,
	       "staff encode: cap one short -> 0");
	is_int(store_staff_encode(&st, buf, n), n, "staff encode: exact cap fits");
	staff_truncations(buf, n, "staff decode v2");

	/* A version 1 record as the code before flags wrote it. */
	static const unsigned char v1[] = {
		1, 9, 0, 0, 0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
		3, 0, 'B', 'e', 'a', 3, 0, 'o', 'p', 's', 0, 0,
	};
	memset(&d, 0xee, sizeof d);
	is_int(staff_decode_copy(v1, sizeof v1, &d), 0, "staff decode v1");
	is_int(d.id, 9, "staff decode v1: id");
	ok(d.created_us == 0x1122334455667788ull, "staff decode v1: created_us");
	is_int(d.flags, 0, "staff decode v1: flags 0 (mail on)");
	ok(d.name_len == 3 && memcmp(d.name, "Bea", 3) == 0 &&
	   d.team_len == 3 && memcmp(d.team, "ops", 3) == 0 && d.email_len == 0,
	   "staff decode v1: name, team, no email");
	staff_truncations(v1, sizeof v1, "staff decode v1");

	unsigned char v[64];
	memcpy(v, v1, sizeof v1);
	v[0] = 2;   /* a v1 body under a v2 byte: the strings are off by one */
	is_int(staff_decode_copy(v, sizeof v1, &d), EINVAL,
	       "staff decode: v1 body marked version 2 -> EINVAL");
	int accepted = 0;
	for (unsigned ver = 0; ver < 256; ver++) {
		v[0] = (unsigned char)ver;
		if (ver != 1 && staff_decode_copy(v, sizeof v1, &d) != EINVAL)
			accepted++;
	}
	is_int(accepted, 0, "staff decode: versions other than 1 and 2 -> EINVAL");

	static char big[0x10000];
	static unsigned char bigbuf[STORE_STAFF_MAX + 1];
	struct staff b = { .name = big, .name_len = sizeof big };
	is_int(store_staff_encode(&b, bigbuf, sizeof bigbuf), 0,
	       "staff encode: a name of 65536 bytes does not fit");
	b.name_len = b.team_len = b.email_len = 0xffff;
	b.team = b.email = big;
	is_int(store_staff_encode(&b, bigbuf, STORE_STAFF_MAX), STORE_STAFF_MAX,
	       "staff encode: three strings of 65535 bytes fill STORE_STAFF_MAX");
}

static struct staff mk_staff(const char *handle, const char *name,
                             const char *team, const char *email)
{
	struct staff st = {
		.handle = handle, .handle_len = strlen(handle),
		.name = name, .name_len = strlen(name),
		.team = team, .team_len = strlen(team),
		.email = email, .email_len = strlen(email),
	};
	return st;
}

static struct link mk_link(uint32_t staff, uint32_t camp, const char *url)
{
	struct link l = { .staff_id = staff, .campaign_id = camp, .status = 302,
	                  .url = url, .url_len = strlen(url) };
	return l;
}

static void test_write(void)
{
	struct store s;
	MDB_txn *txn;

	snprintf(dir, sizeof dir, "%s/db", tmp);
	ok(!exists(dir), "store dir absent before the first open");
	is_int(store_open(&s, dir, STORE_RDONLY), ENOENT,
	       "read-only open of a missing store -> ENOENT");
	ok(!exists(dir), "read-only open does not create the dir");
	is_int(store_open(&s, dir, STORE_CREATE), 0, "open with STORE_CREATE");
	ok(exists(dir), "STORE_CREATE made the dir");
	is_int(s.readonly, 0, "writer is not readonly");

	is_int(mdb_txn_begin(s.env, NULL, 0, &txn), 0, "begin write txn");
	struct staff a = mk_staff("alice", "Alice Liddell", "Growth", "a@x.org");
	struct staff b = mk_staff("bob", "Bob", "", "");
	is_int(store_staff_add(txn, &s, &a), 0, "staff add alice");
	is_int(a.id, 1, "first staff id is 1");
	ok(a.created_us > 1500000000000000ull, "staff created_us set");
	is_int(store_staff_add(txn, &s, &b), 0, "staff add bob");
	is_int(b.id, 2, "second staff id is 2");
	struct staff dup = mk_staff("alice", "Other", "", "");
	is_int(store_staff_add(txn, &s, &dup), MDB_KEYEXIST,
	       "duplicate handle -> MDB_KEYEXIST");

	struct staff g;
	is_int(store_staff_get(txn, &s, "alice", &g), 0, "staff get alice");
	is_int(g.id, 1, "alice id");
	ok(g.name_len == 13 && memcmp(g.name, "Alice Liddell", 13) == 0,
	   "alice name");
	ok(g.team_len == 6 && memcmp(g.team, "Growth", 6) == 0, "alice team");
	ok(g.email_len == 7 && memcmp(g.email, "a@x.org", 7) == 0, "alice email");
	ok(g.handle_len == 5 && memcmp(g.handle, "alice", 5) == 0,
	   "alice handle from the key");
	is_int(store_staff_get_id(txn, &s, 2, &g), 0, "staff get id 2");
	ok(g.handle_len == 3 && memcmp(g.handle, "bob", 3) == 0, "id 2 is bob");
	is_int(g.team_len + g.email_len, 0, "bob: empty team and email");
	is_int(store_staff_get(txn, &s, "carol", &g), MDB_NOTFOUND,
	       "unknown handle -> MDB_NOTFOUND");
	is_int(store_staff_get_id(txn, &s, 3, &g), MDB_NOTFOUND,
	       "unknown staff id -> MDB_NOTFOUND");

	/* store_staff_put: from a record just read (its views into the map). */
	is_int(store_staff_get(txn, &s, "alice", &g), 0, "get alice to change");
	uint64_t alice_created = g.created_us;
	g.flags = STAFF_NO_MAIL;
	g.email = "";
	g.email_len = 0;
	is_int(store_staff_put(txn, &s, &g), 0, "staff put: alice opts out");
	is_int(store_staff_get_id(txn, &s, 1, &g), 0, "alice by id after put");
	is_int(g.flags, STAFF_NO_MAIL, "put: flags stored");
	is_int(g.email_len, 0, "put: email cleared");
	ok(g.name_len == 13 && memcmp(g.name, "Alice Liddell", 13) == 0 &&
	   g.team_len == 6, "put: name and team kept");
	ok(g.created_us == alice_created, "put: created_us kept");
	struct staff nobody = mk_staff("carol", "Carol", "", "");
	nobody.id = 3;
	is_int(store_staff_put(txn, &s, &nobody), MDB_NOTFOUND,
	       "staff put of an unknown handle -> MDB_NOTFOUND");
	g.id = 2;
	is_int(store_staff_put(txn, &s, &g), EINVAL,
	       "staff put with another colleague's id -> EINVAL");
	/* A version 1 record (the store of an older linkctl) reads as mail
	 * on and is rewritten as version 2. */
	static const unsigned char v1[] = {
		1, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
		3, 0, 'D', 'o', 'r', 0, 0, 0, 0,
	};
	MDB_val k1 = { 4, "dora" }, v1v = { sizeof v1, (void *)v1 };
	is_int(mdb_put(txn, s.staff, &k1, &v1v, 0), 0, "a v1 record for dora");
	is_int(store_staff_get(txn, &s, "dora", &g), 0, "get dora (v1)");
	is_int(g.flags, 0, "dora (v1): flags 0");
	g.flags = STAFF_NO_MAIL;
	is_int(store_staff_put(txn, &s, &g), 0, "put dora");
	is_int(mdb_get(txn, s.staff, &k1, &v1v), 0, "dora's record");
	ok(v1v.mv_size == sizeof v1 + 1 &&
	   ((const unsigned char *)v1v.mv_data)[0] == 2,
	   "rewritten as version 2 (one byte more)");
	is_int(store_staff_get(txn, &s, "dora", &g), 0, "get dora (v2)");
	ok(g.flags == STAFF_NO_MAIL && g.id == 9 && g.name_len == 3,
	   "dora (v2): flags, id and name");
	is_int(mdb_del(txn, s.staff, &k1, NULL), 0, "dora removed again");

	struct campaign c = { .name = "spring", .name_len = 6 };
	int created = -1;
	is_int(store_campaign_ensure(txn, &s, &c, &created), 0, "campaign ensure");
	is_int(created, 1, "campaign created");
	is_int(c.id, 1, "first campaign id is 1");
	struct campaign c2 = { .name = "spring", .name_len = 6 };
	is_int(store_campaign_ensure(txn, &s, &c2, &created), 0,
	       "campaign ensure again");
	is_int(created, 0, "campaign found, not created");
	is_int(c2.id, 1, "found campaign has the same id");
	struct campaign c3 = { .name = "fall", .name_len = 4 };
	is_int(store_campaign_ensure(txn, &s, &c3, &created), 0, "second campaign");
	is_int(c3.id, 2, "second campaign id is 2");
	struct campaign cg;
	is_int(store_campaign_get(txn, &s, "fall", &cg), 0, "campaign get fall");
	is_int(cg.id, 2, "fall id");
	is_int(store_campaign_get_id(txn, &s, 1, &cg), 0, "campaign get id 1");
	ok(cg.name_len == 6 && memcmp(cg.name, "spring", 6) == 0, "id 1 is spring");
	is_int(store_campaign_get(txn, &s, "winter", &cg), MDB_NOTFOUND,
	       "unknown campaign -> MDB_NOTFOUND");

	struct link l1 = mk_link(1, 1, "https://example.org/1");
	struct link l2 = mk_link(2, 0, "https://example.org/2");
	is_int(store_link_add(txn, &s, "abc", 3, &l1), 0, "link add abc");
	is_int(l1.id, 1, "first link id is 1");
	ok(l1.created_us > 1500000000000000ull, "link created_us set");
	struct link l1b = mk_link(2, 0, "https://example.org/other");
	is_int(store_link_add(txn, &s, "abc", 3, &l1b), MDB_KEYEXIST,
	       "duplicate code -> MDB_KEYEXIST");
	is_int(store_link_add(txn, &s, "ABC", 3, &l2), 0,
	       "codes are case-sensitive: ABC is another code");
	is_int(l2.id, 2, "a refused duplicate used no id");
	struct link kept = { .created_us = 42, .staff_id = 1, .status = 301,
	                     .url = "http://x.example/", .url_len = 17 };
	is_int(store_link_add(txn, &s, "kept", 4, &kept), 0, "link add kept");
	is_int(kept.created_us, 42, "a given created_us is kept");

	struct link got;
	is_int(store_link_get(txn, &s, "abc", 3, &got), 0, "link get abc");
	ok(got.url_len == 21 && memcmp(got.url, "https://example.org/1", 21) == 0,
	   "abc url is the one added, not the refused duplicate's");
	is_int(got.staff_id, 1, "abc staff");
	is_int(got.campaign_id, 1, "abc campaign");
	is_int(got.status, 302, "abc status");
	is_int(got.flags, 0, "abc flags");
	is_int(store_link_get(txn, &s, "abd", 3, &got), MDB_NOTFOUND,
	       "unknown code -> MDB_NOTFOUND");
	const char *code;
	size_t code_len;
	is_int(store_link_code(txn, &s, 2, &code, &code_len), 0, "code of id 2");
	ok(code_len == 3 && memcmp(code, "ABC", 3) == 0, "id 2 is ABC");
	is_int(store_link_code(txn, &s, 99, &code, &code_len), MDB_NOTFOUND,
	       "unknown link id -> MDB_NOTFOUND");

	is_int(store_link_get(txn, &s, "abc", 3, &got), 0, "get abc to disable");
	got.flags |= LINK_DISABLED;
	is_int(store_link_put(txn, &s, "abc", 3, &got), 0, "put disables abc");
	is_int(store_link_get(txn, &s, "abc", 3, &got), 0, "get abc again");
	is_int(got.flags, LINK_DISABLED, "abc is disabled");
	is_int(got.id, 1, "put kept the id");
	ok(got.url_len == 21 && memcmp(got.url, "https://example.org/1", 21) == 0,
	   "put kept the url");
	is_int(mdb_txn_commit(txn), 0, "commit");

	/* An aborted transaction leaves nothing behind. */
	is_int(mdb_txn_begin(s.env, NULL, 0, &txn), 0, "begin second txn");
	struct link l3 = mk_link(1, 0, "https://example.org/3");
	is_int(store_link_add(txn, &s, "gone", 4, &l3), 0, "add gone");
	is_int(l3.id, 4, "next link id is 4");
	/* In the transaction that is aborted: a failed add other than
	 * MDB_KEYEXIST may have used an id, callers abort after it. */
	char longcode[600];
	memset(longcode, 'a', sizeof longcode);
	struct link lk = mk_link(1, 0, "https://example.org/long");
	is_int(store_link_add(txn, &s, longcode, sizeof longcode, &lk),
	       MDB_BAD_VALSIZE, "add with a code over the max key size -> MDB_BAD_VALSIZE");
	mdb_txn_abort(txn);
	is_int(mdb_txn_begin(s.env, NULL, MDB_RDONLY, &txn), 0, "begin read txn");
	is_int(store_link_get(txn, &s, "gone", 4, &got), MDB_NOTFOUND,
	       "aborted add is not stored");
	mdb_txn_abort(txn);
	is_int(mdb_txn_begin(s.env, NULL, 0, &txn), 0, "begin third txn");
	struct link l4 = mk_link(1, 0, "https://example.org/4");
	is_int(store_link_add(txn, &s, "four", 4, &l4), 0, "add four");
	is_int(l4.id, 4, "the aborted id is handed out again");
	is_int(mdb_txn_commit(txn), 0, "commit four");
	store_close(&s);
	ok(s.env == NULL, "store_close clears env");
	store_close(&s);   /* twice is harmless */
}

static void test_readonly(void)
{
	struct store s;
	MDB_txn *txn;
	is_int(store_open(&s, dir, STORE_RDONLY), 0, "read-only open");
	is_int(s.readonly, 1, "readonly flag set");
	is_int(mdb_txn_begin(s.env, NULL, MDB_RDONLY, &txn), 0, "begin read txn");
	struct link got;
	/* The daemon's path: handles opened at store_open must still work in
	 * a later transaction. */
	is_int(store_link_get(txn, &s, "abc", 3, &got), 0,
	       "read-only store finds abc");
	ok(got.url_len == 21 && memcmp(got.url, "https://example.org/1", 21) == 0,
	   "read-only: abc url");
	is_int(got.flags, LINK_DISABLED, "read-only: abc disabled");
	is_int(store_link_get(txn, &s, "kept", 4, &got), 0, "read-only finds kept");
	is_int(got.status, 301, "read-only: kept status");
	struct staff st;
	is_int(store_staff_get_id(txn, &s, got.staff_id, &st), 0,
	       "read-only: staff by id");
	ok(st.handle_len == 5 && memcmp(st.handle, "alice", 5) == 0,
	   "read-only: kept belongs to alice");
	struct campaign c;
	is_int(store_campaign_get_id(txn, &s, 2, &c), 0, "read-only: campaign 2");
	ok(c.name_len == 4 && memcmp(c.name, "fall", 4) == 0,
	   "read-only: campaign 2 is fall");
	char longcode[600];
	memset(longcode, 'a', sizeof longcode);
	/* LMDB 0.9.24 answers MDB_NOTFOUND to a get with an over-long key
	 * (a put gets MDB_BAD_VALSIZE); the daemon must 404 on both. */
	int rc = store_link_get(txn, &s, longcode, sizeof longcode, &got);
	ok(rc == MDB_NOTFOUND || rc == MDB_BAD_VALSIZE,
	   "code longer than the max key is not found (%d)", rc);
	mdb_txn_abort(txn);
	/* And a second transaction on the same handles. */
	is_int(mdb_txn_begin(s.env, NULL, MDB_RDONLY, &txn), 0,
	       "begin another read txn");
	is_int(store_link_get(txn, &s, "four", 4, &got), 0,
	       "read-only: second txn finds four");
	mdb_txn_abort(txn);
	MDB_txn *w = NULL;
	ok(mdb_txn_begin(s.env, NULL, 0, &w) != 0,
	   "read-only env refuses a write txn");
	store_close(&s);

	is_int(store_open(&s, dir, STORE_CREATE), 0,
	       "STORE_CREATE on an existing store");
	is_int(mdb_txn_begin(s.env, NULL, MDB_RDONLY, &txn), 0, "begin read txn");
	is_int(store_link_get(txn, &s, "abc", 3, &got), 0,
	       "re-open keeps the data");
	mdb_txn_abort(txn);
	store_close(&s);
}

static int put_schema(uint32_t v)
{
	struct store s;
	MDB_txn *txn;
	int rc = store_open(&s, dir, 0);
	if (rc)
		return rc;
	unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8),
	                       (unsigned char)(v >> 16), (unsigned char)(v >> 24) };
	MDB_val k = { 6, "schema" }, val = { 4, b };
	if (!(rc = mdb_txn_begin(s.env, NULL, 0, &txn))) {
		if ((rc = mdb_put(txn, s.meta, &k, &val, 0)))
			mdb_txn_abort(txn);
		else
			rc = mdb_txn_commit(txn);
	}
	store_close(&s);
	return rc;
}

static void test_schema(void)
{
	struct store s;
	is_int(put_schema(STORE_SCHEMA + 1), 0, "write a future schema version");
	is_int(store_open(&s, dir, STORE_RDONLY), MDB_VERSION_MISMATCH,
	       "read-only open refuses another schema");
	ok(s.env == NULL, "refused open leaves the store closed");
	is_int(store_open(&s, dir, 0), MDB_VERSION_MISMATCH,
	       "writer open refuses another schema");
	/* Put it back by hand: no store_open without the check exists. */
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta;
	int rc = mdb_env_create(&env);
	if (!rc)
		rc = mdb_env_set_maxdbs(env, 16);
	if (!rc)
		rc = mdb_env_open(env, dir, 0, 0640);
	if (!rc)
		rc = mdb_txn_begin(env, NULL, 0, &txn);
	if (!rc) {
		unsigned char b[4] = { STORE_SCHEMA, 0, 0, 0 };
		MDB_val k = { 6, "schema" }, v = { 4, b };
		if ((rc = mdb_dbi_open(txn, "meta", 0, &meta)) ||
		    (rc = mdb_put(txn, meta, &k, &v, 0)))
			mdb_txn_abort(txn);
		else
			rc = mdb_txn_commit(txn);
	}
	mdb_env_close(env);
	is_int(rc, 0, "restore the schema version");
	is_int(store_open(&s, dir, STORE_RDONLY), 0, "right schema opens again");
	store_close(&s);
}

/* Every store has an identity from its creation; a read-only open of a
 * store without one (made before identities) finds none and the next
 * write open gives it one; it never changes after; two stores differ. */
static void test_id(void)
{
	struct store s;
	unsigned char a[STORE_ID_SIZE], b[STORE_ID_SIZE], z[STORE_ID_SIZE] = { 0 };
	char hex[STORE_ID_HEX];
	is_int(store_open(&s, dir, 0), 0, "writer open");
	is_int(store_id_read(&s, a), 0, "the store has an identity");
	ok(memcmp(a, z, sizeof z) != 0, "not all zero");
	store_close(&s);
	is_int(store_open(&s, dir, STORE_RDONLY), 0, "read-only open");
	is_int(store_id_read(&s, b), 0, "read-only reads it");
	ok(memcmp(a, b, sizeof a) == 0, "the same identity");
	/* Remove it, as in a store made before identities. */
	MDB_txn *txn;
	MDB_val k = { 2, "id" };
	store_close(&s);
	is_int(store_open(&s, dir, 0), 0, "writer open again");
	int rc = mdb_txn_begin(s.env, NULL, 0, &txn);
	if (!rc && (rc = mdb_del(txn, s.meta, &k, NULL)))
		mdb_txn_abort(txn);
	else if (!rc)
		rc = mdb_txn_commit(txn);
	is_int(rc, 0, "identity removed by hand");
	store_close(&s);
	is_int(store_open(&s, dir, STORE_RDONLY), 0, "read-only open");
	is_int(store_id_read(&s, b), MDB_NOTFOUND, "an old store has none");
	store_close(&s);
	is_int(store_open(&s, dir, 0), 0, "the next write open...");
	is_int(store_id_read(&s, b), 0, "...gives it one");
	ok(memcmp(a, b, sizeof a) != 0, "a new one, not the old");
	store_close(&s);
	is_int(store_open(&s, dir, 0), 0, "and another write open");
	is_int(store_id_read(&s, a), 0, "reads it");
	ok(memcmp(a, b, sizeof a) == 0, "which does not change");
	store_close(&s);

	char other[700];
	snprintf(other, sizeof other, "%s/other", tmp);
	is_int(store_open(&s, other, STORE_CREATE), 0, "a second store");
	is_int(store_id_read(&s, b), 0, "has an identity");
	ok(memcmp(a, b, sizeof a) != 0, "another one");
	store_close(&s);
	rm_store(other);

	/* A counter of the wrong size must not restart ids at 1. */
	is_int(store_open(&s, dir, 0), 0, "writer open for the counters");
	MDB_val ck = { 10, "next_staff" }, cv = { 2, "\1\0" };
	struct staff st = mk_staff("counter-check", "C", "", "");
	rc = mdb_txn_begin(s.env, NULL, 0, &txn);
	if (!rc) {
		if (!(rc = mdb_put(txn, s.meta, &ck, &cv, 0)))
			rc = store_staff_add(txn, &s, &st);
		mdb_txn_abort(txn);
	}
	is_int(rc, MDB_CORRUPTED, "a garbled counter refuses a new id");
	store_close(&s);

	unsigned char x[STORE_ID_SIZE];
	for (int i = 0; i < STORE_ID_SIZE; i++)
		x[i] = (unsigned char)(i * 17);
	store_id_hex(x, hex);
	is_str(hex, "00112233445566778899aabbccddeeff", "hex of an identity");
}

static void test_grow(void)
{
	struct store s;
	MDB_envinfo info;
	MDB_txn *txn;
	is_int(store_open(&s, dir, 0), 0, "open for growth");
	mdb_env_info(s.env, &info);
	is_int(info.me_mapsize, STORE_MAPSIZE_RW, "writer map starts at 1 GiB");
	/* Shrink to what is stored (LMDB rounds up to the data) so the next
	 * writes fill it. */
	is_int(mdb_env_set_mapsize(s.env, 1), 0, "shrink the map");
	mdb_env_info(s.env, &info);
	size_t small = info.me_mapsize;
	ok(small < (size_t)1 << 20, "map is now small (%zu bytes)", small);

	char url[200];
	memset(url, 'x', sizeof url);
	memcpy(url, "https://example.org/", 20);
	int rc = 0, grows = 0, n = 0, attempts = 0;
	/* The writer's loop: run, on MDB_MAP_FULL abort, grow, redo. */
	for (;;) {
		attempts++;
		if ((rc = mdb_txn_begin(s.env, NULL, 0, &txn)))
			break;
		for (n = 0; n < 2000; n++) {
			char code[16];
			snprintf(code, sizeof code, "g%05d", n);
			struct link l = mk_link(1, 0, url);
			l.url_len = sizeof url;
			if ((rc = store_link_add(txn, &s, code, strlen(code), &l)))
				break;
		}
		if (!rc)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
		if (rc != MDB_MAP_FULL)
			break;
		size_t before;
		mdb_env_info(s.env, &info);
		before = info.me_mapsize;
		if (store_grow(&s))
			break;
		mdb_env_info(s.env, &info);
		if (info.me_mapsize != 2 * before)
			break;
		grows++;
	}
	is_int(rc, 0, "2000 links fit after growing");
	ok(grows >= 2, "the map grew %d times, doubling each time", grows);
	is_int(attempts, grows + 1, "one attempt per growth plus the last");
	mdb_env_info(s.env, &info);
	ok(info.me_mapsize == small << grows, "map size is the start times 2^%d",
	   grows);
	is_int(mdb_txn_begin(s.env, NULL, MDB_RDONLY, &txn), 0, "begin read");
	struct link got;
	is_int(store_link_get(txn, &s, "g01999", 6, &got), 0,
	       "last link of the redone txn is there");
	mdb_txn_abort(txn);
	store_close(&s);
}

/* store_grow stops at map_max, and never goes past STORE_MAPSIZE_RO (what
 * readers map), so a reader never sees MDB_MAP_RESIZED. */
static void test_grow_cap(void)
{
	struct store s;
	MDB_envinfo info;
	is_int(store_open(&s, dir, 0), 0, "open for the cap");
	ok(s.map_max == STORE_MAPSIZE_RO, "map_max defaults to the readers' map");
	is_int(mdb_env_set_mapsize(s.env, STORE_MAPSIZE_RO / 2 + 4096), 0,
	       "a map just over half the readers'");
	is_int(store_grow(&s), 0, "grows once more");
	mdb_env_info(s.env, &info);
	is_int(info.me_mapsize, STORE_MAPSIZE_RO, "to the readers' map, not twice");
	is_int(store_grow(&s), MDB_MAP_FULL, "then refuses: MDB_MAP_FULL");
	mdb_env_info(s.env, &info);
	is_int(info.me_mapsize, STORE_MAPSIZE_RO, "the map is unchanged");
	s.map_max = (size_t)1 << 40 << 4;
	is_int(store_grow(&s), MDB_MAP_FULL, "a larger map_max does not lift it");
	is_int(mdb_env_set_mapsize(s.env, 1), 0, "shrink the map");
	mdb_env_info(s.env, &info);
	s.map_max = info.me_mapsize * 3;
	is_int(store_grow(&s), 0, "a small cap: one doubling");
	is_int(store_grow(&s), 0, "then up to the cap");
	size_t cap = s.map_max;
	mdb_env_info(s.env, &info);
	ok(info.me_mapsize == cap, "at the cap (%zu)", info.me_mapsize);
	is_int(store_grow(&s), MDB_MAP_FULL, "then MDB_MAP_FULL");
	store_close(&s);
}

int main(void)
{
	test_codec();
	test_staff_codec();
	const char *t = getenv("TMPDIR");
	snprintf(tmp, sizeof tmp, "%s/test_store-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	test_write();
	test_readonly();
	test_schema();
	test_id();
	test_grow();
	test_grow_cap();
	rm_store(dir);
	rmdir(tmp);
	return tap_done();
}
