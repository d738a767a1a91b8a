/*
 * store: opening the LMDB environment and the codecs of its records.  The
 * schema is described in store.h.  Multi-byte integers in values are
 * little-endian; id keys are big-endian so they sort numerically.
 */
#include "store.h"
#include "le.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>

static void id_key(uint32_t id, unsigned char k[4])
{
	k[0] = (unsigned char)(id >> 24);
	k[1] = (unsigned char)(id >> 16);
	k[2] = (unsigned char)(id >> 8);
	k[3] = (unsigned char)id;
}

static uint64_t now_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

static const struct {
	const char *name;
	size_t off;
} dbs[] = {
	{ "meta", offsetof(struct store, meta) },
	{ "links", offsetof(struct store, links) },
	{ "link_by_id", offsetof(struct store, link_by_id) },
	{ "staff", offsetof(struct store, staff) },
	{ "staff_by_id", offsetof(struct store, staff_by_id) },
	{ "campaigns", offsetof(struct store, campaigns) },
	{ "campaign_by_id", offsetof(struct store, campaign_by_id) },
};

/* A write open gives the store its identity if it has none: at creation,
 * or the first write open of a store made before identities. */
static int store_id_ensure(MDB_txn *txn, const struct store *s)
{
	unsigned char id[STORE_ID_SIZE];
	int rc = store_id_get(txn, s, id);
	if (rc != MDB_NOTFOUND)
		return rc;
	/* Up to 256 bytes, getrandom never returns short (getrandom(2)). */
	if (getrandom(id, sizeof id, 0) != (ssize_t)sizeof id)
		return errno ? errno : EIO;
	MDB_val k = { 2, "id" }, v = { sizeof id, id };
	return mdb_put(txn, s->meta, &k, &v, MDB_NOOVERWRITE);
}

int store_id_get(MDB_txn *txn, const struct store *s,
                 unsigned char id[STORE_ID_SIZE])
{
	MDB_val k = { 2, "id" }, v;
	int rc = mdb_get(txn, s->meta, &k, &v);
	if (rc)
		return rc;
	if (v.mv_size != STORE_ID_SIZE)
		return MDB_CORRUPTED;
	memcpy(id, v.mv_data, STORE_ID_SIZE);
	return 0;
}

int store_id_read(const struct store *s, unsigned char id[STORE_ID_SIZE])
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
	if (rc)
		return rc;
	rc = store_id_get(txn, s, id);
	mdb_txn_abort(txn);
	return rc;
}

void store_id_hex(const unsigned char id[STORE_ID_SIZE],
                  char out[STORE_ID_HEX])
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < STORE_ID_SIZE; i++) {
		out[2 * i] = digits[id[i] >> 4];
		out[2 * i + 1] = digits[id[i] & 15];
	}
	out[2 * STORE_ID_SIZE] = '\0';
}

int store_open(struct store *s, const char *dir, unsigned flags)
{
	return store_open_map(s, dir, flags, 0);
}

int store_open_map(struct store *s, const char *dir, unsigned flags,
                   size_t map)
{
	int rc;
	MDB_txn *txn = NULL;
	memset(s, 0, sizeof *s);
	s->readonly = !!(flags & STORE_RDONLY);
	s->map_max = STORE_MAPSIZE_RO;
	if ((flags & STORE_CREATE) && mkdir(dir, 0750) < 0 && errno != EEXIST)
		return errno;
	if ((rc = mdb_env_create(&s->env)))
		return rc;
	if ((rc = mdb_env_set_maxdbs(s->env, 16)) ||
	    (rc = mdb_env_set_maxreaders(s->env, STORE_MAXREADERS)) ||
	    (rc = mdb_env_set_mapsize(s->env, map ? map : s->readonly
	                                                  ? STORE_MAPSIZE_RO
	                                                  : STORE_MAPSIZE_RW)))
		goto fail;
	/* The daemon reads codes at random: readahead only pollutes the page
	 * cache of a large store. */
	/* MDB_NOTLS ties a reader slot to its transaction, not its thread,
	 * so a worker's read transaction can be made at startup. */
	unsigned envflags = s->readonly ? MDB_RDONLY | MDB_NORDAHEAD | MDB_NOTLS
	                                : 0;
	if ((rc = mdb_env_open(s->env, dir, envflags, 0640)))
		goto fail;
	/* Reader slots of processes killed while reading stay taken until
	 * someone clears them; every opener does. */
	int dead;
	mdb_reader_check(s->env, &dead);

	if ((rc = mdb_txn_begin(s->env, NULL, s->readonly ? MDB_RDONLY : 0, &txn)))
		goto fail;
	for (size_t i = 0; i < sizeof dbs / sizeof *dbs; i++) {
		MDB_dbi *dbi = (MDB_dbi *)((char *)s + dbs[i].off);
		rc = mdb_dbi_open(txn, dbs[i].name,
		                  s->readonly ? 0 : MDB_CREATE, dbi);
		if (rc)
			goto fail;
	}
	MDB_val k = { 6, "schema" }, v;
	rc = mdb_get(txn, s->meta, &k, &v);
	if (rc == MDB_NOTFOUND && !s->readonly) {
		unsigned char b[4];
		le_put32(b, STORE_SCHEMA);
		v.mv_size = 4;
		v.mv_data = b;
		rc = mdb_put(txn, s->meta, &k, &v, 0);
	} else if (rc == 0 && (v.mv_size != 4 || le_get32(v.mv_data) != STORE_SCHEMA)) {
		rc = MDB_VERSION_MISMATCH;
	}
	if (rc == 0 && !s->readonly)
		rc = store_id_ensure(txn, s);
	if (rc)
		goto fail;
	/* Commit even the read-only transaction: aborting it would close the
	 * dbi handles opened in it, and every later look-up would fail with
	 * EINVAL. */
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc)
		goto fail;
	return 0;
fail:
	if (txn)
		mdb_txn_abort(txn);
	mdb_env_close(s->env);
	s->env = NULL;
	return rc;
}

void store_close(struct store *s)
{
	if (s->env)
		mdb_env_close(s->env);
	s->env = NULL;
}

int store_grow(struct store *s)
{
	MDB_envinfo info;
	int rc = mdb_env_info(s->env, &info);
	if (rc)
		return rc;
	/* Never past what readers map: a daemon whose map the data outgrew
	 * would answer 503 (MDB_MAP_RESIZED) until restarted. */
	size_t max = s->map_max && s->map_max < STORE_MAPSIZE_RO
	             ? s->map_max : STORE_MAPSIZE_RO;
	if (info.me_mapsize >= max)
		return MDB_MAP_FULL;
	size_t next = info.me_mapsize <= max / 2 ? info.me_mapsize * 2 : max;
	return mdb_env_set_mapsize(s->env, next);
}

int store_limit(struct store *s, size_t max)
{
	MDB_envinfo info;
	if (max < s->map_max)
		s->map_max = max;
	int rc = mdb_env_info(s->env, &info);
	if (rc == 0 && info.me_mapsize > s->map_max)
		rc = mdb_env_set_mapsize(s->env, s->map_max);
	return rc;
}

/* Link record v1: u8 version, u8 flags, u16 status, u32 id, u32 staff,
 * u32 campaign, u64 created_us, u16 url_len, url. */
size_t store_link_encode(const struct link *l, unsigned char *out, size_t cap)
{
	size_t n = STORE_LINK_HDR + l->url_len;
	if (n > cap || l->url_len > 0xffff)
		return 0;
	out[0] = 1;
	out[1] = l->flags;
	le_put16(out + 2, l->status);
	le_put32(out + 4, l->id);
	le_put32(out + 8, l->staff_id);
	le_put32(out + 12, l->campaign_id);
	le_put64(out + 16, l->created_us);
	le_put16(out + 24, (uint16_t)l->url_len);
	memcpy(out + STORE_LINK_HDR, l->url, l->url_len);
	return n;
}

int store_link_decode(const void *val, size_t len, struct link *out)
{
	const unsigned char *p = val;
	if (len < STORE_LINK_HDR || p[0] != 1)
		return EINVAL;
	out->flags = p[1];
	out->status = le_get16(p + 2);
	out->id = le_get32(p + 4);
	out->staff_id = le_get32(p + 8);
	out->campaign_id = le_get32(p + 12);
	out->created_us = le_get64(p + 16);
	out->url_len = le_get16(p + 24);
	if (STORE_LINK_HDR + out->url_len != len)
		return EINVAL;
	out->url = (const char *)p + STORE_LINK_HDR;
	return 0;
}

int store_link_get(MDB_txn *txn, const struct store *s, const char *code,
                   size_t code_len, struct link *out)
{
	MDB_val k = { code_len, (void *)code }, v;
	int rc = mdb_get(txn, s->links, &k, &v);
	if (rc)
		return rc;
	return store_link_decode(v.mv_data, v.mv_size, out);
}

int store_link_code(MDB_txn *txn, const struct store *s, uint32_t id,
                    const char **code, size_t *code_len)
{
	unsigned char kb[4];
	id_key(id, kb);
	MDB_val k = { 4, kb }, v;
	int rc = mdb_get(txn, s->link_by_id, &k, &v);
	if (rc)
		return rc;
	*code = v.mv_data;
	*code_len = v.mv_size;
	return 0;
}

/* Strings in staff and campaign records: u16 length, bytes. */
static unsigned char *put_str(unsigned char *p, const char *str, size_t len)
{
	le_put16(p, (uint16_t)len);
	if (len)
		memcpy(p + 2, str, len);
	return p + 2 + len;
}

static const unsigned char *get_str(const unsigned char *p,
                                    const unsigned char *end, const char **str,
                                    size_t *len)
{
	if (!p || end - p < 2)
		return NULL;
	*len = le_get16(p);
	if ((size_t)(end - p - 2) < *len)
		return NULL;
	*str = (const char *)p + 2;
	return p + 2 + *len;
}

static int next_id(MDB_txn *txn, const struct store *s, const char *counter,
                   uint32_t *id)
{
	MDB_val k = { strlen(counter), (void *)counter }, v;
	uint32_t last = 0;
	int rc = mdb_get(txn, s->meta, &k, &v);
	if (rc == 0 && v.mv_size != 4)
		return MDB_CORRUPTED;   /* never restart the ids at 1 */
	if (rc == 0)
		last = le_get32(v.mv_data);
	else if (rc != MDB_NOTFOUND)
		return rc;
	if (last == UINT32_MAX)
		return MDB_MAP_FULL;
	unsigned char b[4];
	le_put32(b, ++last);
	v.mv_size = 4;
	v.mv_data = b;
	if ((rc = mdb_put(txn, s->meta, &k, &v, 0)))
		return rc;
	*id = last;
	return 0;
}

static int put_by_id(MDB_txn *txn, MDB_dbi dbi, uint32_t id, const char *name,
                     size_t len)
{
	unsigned char kb[4];
	id_key(id, kb);
	MDB_val k = { 4, kb }, v = { len, (void *)name };
	return mdb_put(txn, dbi, &k, &v, 0);
}

static int get_by_id(MDB_txn *txn, MDB_dbi dbi, uint32_t id, MDB_val *v)
{
	unsigned char kb[4];
	id_key(id, kb);
	MDB_val k = { 4, kb };
	return mdb_get(txn, dbi, &k, v);
}

int store_link_add(MDB_txn *txn, const struct store *s, const char *code,
                   size_t code_len, struct link *l)
{
	MDB_val k = { code_len, (void *)code }, v;
	int rc = mdb_get(txn, s->links, &k, &v);
	if (rc == 0)
		return MDB_KEYEXIST;
	if (rc != MDB_NOTFOUND)
		return rc;
	if ((rc = next_id(txn, s, "next_link", &l->id)))
		return rc;
	if (!l->created_us)
		l->created_us = now_us();
	if ((rc = store_link_put(txn, s, code, code_len, l)))
		return rc;
	return put_by_id(txn, s->link_by_id, l->id, code, code_len);
}

int store_link_put(MDB_txn *txn, const struct store *s, const char *code,
                   size_t code_len, const struct link *l)
{
	unsigned char buf[STORE_LINK_HDR + 0xffff];
	size_t n = store_link_encode(l, buf, sizeof buf);
	if (!n)
		return EINVAL;
	MDB_val k = { code_len, (void *)code }, v = { n, buf };
	return mdb_put(txn, s->links, &k, &v, 0);
}

/* Staff record v2: u8 version, u32 id, u64 created_us, u8 flags, name,
 * team, email.  v1, written before STAFF_* flags existed, is the same
 * without the flags byte: it still decodes, with flags 0 (a colleague who
 * never opted out), and is rewritten as v2 when it changes. */
#define STAFF_V1_HDR 13
#define STAFF_V2_HDR 14

/* 1 when st's strings fit their u16 lengths. */
static int staff_fits(const struct staff *st)
{
	return st->name_len <= 0xffff && st->team_len <= 0xffff &&
	       st->email_len <= 0xffff;
}

size_t store_staff_encode(const struct staff *st, unsigned char *out,
                          size_t cap)
{
	if (!staff_fits(st))
		return 0;
	size_t n = STAFF_V2_HDR + 6 + st->name_len + st->team_len +
	           st->email_len;
	if (n > cap)
		return 0;
	out[0] = 2;
	le_put32(out + 1, st->id);
	le_put64(out + 5, st->created_us);
	out[13] = st->flags;
	unsigned char *p = put_str(out + STAFF_V2_HDR, st->name, st->name_len);
	p = put_str(p, st->team, st->team_len);
	put_str(p, st->email, st->email_len);
	return n;
}

int store_staff_decode(const MDB_val *key, const MDB_val *val,
                       struct staff *st)
{
	const unsigned char *p = val->mv_data, *end = p + val->mv_size;
	size_t hdr;
	if (val->mv_size == 0)
		return EINVAL;
	if (p[0] == 1)
		hdr = STAFF_V1_HDR;
	else if (p[0] == 2)
		hdr = STAFF_V2_HDR;
	else
		return EINVAL;
	if (val->mv_size < hdr)
		return EINVAL;
	memset(st, 0, sizeof *st);
	st->id = le_get32(p + 1);
	st->created_us = le_get64(p + 5);
	if (p[0] == 2)
		st->flags = p[13];
	st->handle = key->mv_data;
	st->handle_len = key->mv_size;
	p += hdr;
	p = get_str(p, end, &st->name, &st->name_len);
	p = get_str(p, end, &st->team, &st->team_len);
	p = get_str(p, end, &st->email, &st->email_len);
	return p == end ? 0 : EINVAL;
}

int store_staff_get(MDB_txn *txn, const struct store *s, const char *handle,
                    struct staff *out)
{
	MDB_val k = { strlen(handle), (void *)handle }, v;
	int rc = mdb_get(txn, s->staff, &k, &v);
	if (rc)
		return rc;
	return store_staff_decode(&k, &v, out);
}

int store_staff_get_id(MDB_txn *txn, const struct store *s, uint32_t id,
                       struct staff *out)
{
	MDB_val k, v;
	int rc = get_by_id(txn, s->staff_by_id, id, &k);
	if (rc)
		return rc;
	if ((rc = mdb_get(txn, s->staff, &k, &v)))
		return rc;
	return store_staff_decode(&k, &v, out);
}

/* The record of st under its handle, encoded before it is written: st's
 * views may point into the map (a record just read), which mdb_put may
 * change under them. */
static int staff_write(MDB_txn *txn, const struct store *s,
                       const struct staff *st)
{
	unsigned char buf[STORE_STAFF_MAX];
	size_t n = store_staff_encode(st, buf, sizeof buf);
	if (!n)
		return EINVAL;
	MDB_val k = { st->handle_len, (void *)st->handle }, v = { n, buf };
	return mdb_put(txn, s->staff, &k, &v, 0);
}

int store_staff_add(MDB_txn *txn, const struct store *s, struct staff *st)
{
	MDB_val k = { st->handle_len, (void *)st->handle }, v;
	int rc = mdb_get(txn, s->staff, &k, &v);
	if (rc == 0)
		return MDB_KEYEXIST;
	if (rc != MDB_NOTFOUND)
		return rc;
	if (!staff_fits(st))
		return EINVAL;   /* before an id is spent on it */
	if ((rc = next_id(txn, s, "next_staff", &st->id)))
		return rc;
	if (!st->created_us)
		st->created_us = now_us();
	if ((rc = staff_write(txn, s, st)))
		return rc;
	return put_by_id(txn, s->staff_by_id, st->id, st->handle, st->handle_len);
}

int store_staff_put(MDB_txn *txn, const struct store *s, const struct staff *st)
{
	MDB_val k = { st->handle_len, (void *)st->handle }, v;
	struct staff old;
	int rc = mdb_get(txn, s->staff, &k, &v);
	if (rc)
		return rc;
	if ((rc = store_staff_decode(&k, &v, &old)))
		return rc;
	/* The id is staff_by_id's key and every link's staff_id: a record
	 * that changed it would orphan both. */
	if (old.id != st->id)
		return EINVAL;
	return staff_write(txn, s, st);
}

/* Campaign record v1: u8 version, u32 id, u8 flags, u64 created_us, url,
 * team. */
static int campaign_decode(const MDB_val *key, const MDB_val *val,
                           struct campaign *c)
{
	const unsigned char *p = val->mv_data, *end = p + val->mv_size;
	if (val->mv_size < 14 || p[0] != 1)
		return EINVAL;
	memset(c, 0, sizeof *c);
	c->id = le_get32(p + 1);
	c->flags = p[5];
	c->created_us = le_get64(p + 6);
	c->name = key->mv_data;
	c->name_len = key->mv_size;
	p += 14;
	p = get_str(p, end, &c->url, &c->url_len);
	p = get_str(p, end, &c->team, &c->team_len);
	return p == end ? 0 : EINVAL;
}

int store_campaign_decode(const MDB_val *key, const MDB_val *val,
                          struct campaign *out)
{
	return campaign_decode(key, val, out);
}

int store_campaign_get(MDB_txn *txn, const struct store *s, const char *name,
                       struct campaign *out)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	int rc = mdb_get(txn, s->campaigns, &k, &v);
	if (rc)
		return rc;
	return campaign_decode(&k, &v, out);
}

int store_campaign_get_id(MDB_txn *txn, const struct store *s, uint32_t id,
                          struct campaign *out)
{
	MDB_val k, v;
	int rc = get_by_id(txn, s->campaign_by_id, id, &k);
	if (rc)
		return rc;
	if ((rc = mdb_get(txn, s->campaigns, &k, &v)))
		return rc;
	return campaign_decode(&k, &v, out);
}

int store_campaign_put(MDB_txn *txn, const struct store *s,
                       const struct campaign *c)
{
	if (c->url_len > 0xffff || c->team_len > 0xffff)
		return EINVAL;
	unsigned char buf[14 + 4 + 2 * 0xffff];
	unsigned char *p = buf;
	p[0] = 1;
	le_put32(p + 1, c->id);
	p[5] = c->flags;
	le_put64(p + 6, c->created_us);
	p = put_str(p + 14, c->url, c->url_len);
	p = put_str(p, c->team, c->team_len);
	MDB_val k = { c->name_len, (void *)c->name }, v = { (size_t)(p - buf), buf };
	return mdb_put(txn, s->campaigns, &k, &v, 0);
}

int store_campaign_ensure(MDB_txn *txn, const struct store *s,
                          struct campaign *c, int *created)
{
	MDB_val k = { c->name_len, (void *)c->name }, v;
	int rc = mdb_get(txn, s->campaigns, &k, &v);
	*created = 0;
	if (rc == 0)
		return campaign_decode(&k, &v, c);
	if (rc != MDB_NOTFOUND)
		return rc;
	if ((rc = next_id(txn, s, "next_campaign", &c->id)))
		return rc;
	if (!c->created_us)
		c->created_us = now_us();
	if ((rc = store_campaign_put(txn, s, c)))
		return rc;
	*created = 1;
	return put_by_id(txn, s->campaign_by_id, c->id, c->name, c->name_len);
}
