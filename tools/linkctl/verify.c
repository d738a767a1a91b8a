/*
 * verify: the checks of a store's records and indexes (see verify.h).
 *
 * The three kinds of record (links, colleagues, campaigns) are checked by
 * the same two walks over a table: one over the records by name (each
 * decodes, has an id its by-id index maps back to the same name, an id
 * not past its counter), one over the by-id index (each id names a record
 * that has that id).  Between them every disagreement is seen from the
 * side that holds the stray entry.  A link's colleague and campaign are
 * the one check across tables.
 */
#include "verify.h"

#include "le.h"
#include "msg.h"
#include "target.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* One kind of record and its index. */
struct table {
	const char *name, *by_id, *counter, *what;
	MDB_dbi dbi, by_id_dbi;
	unsigned long *count;
};

/* A record's id, or EINVAL when it does not decode. */
static int record_id(const struct table *t, const struct store *s,
                     const MDB_val *k, const MDB_val *v, uint32_t *id)
{
	if (t->dbi == s->links) {
		struct link l;
		int rc = store_link_decode(v->mv_data, v->mv_size, &l);
		*id = l.id;
		return rc;
	}
	if (t->dbi == s->staff) {
		struct staff st;
		int rc = store_staff_decode(k, v, &st);
		*id = st.id;
		return rc;
	}
	struct campaign c;
	int rc = store_campaign_decode(k, v, &c);
	*id = c.id;
	return rc;
}

static void problem(struct verify *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct verify *v, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	v->problems++;
	if (v->problem)
		v->problem(v->ctx, line);
}

static const char *shown(const MDB_val *k)
{
	return msg_show(k->mv_data, k->mv_size);
}

/* Whether id is in the by-id index dbi: 0 yes, MDB_NOTFOUND no, or the
 * LMDB code of the look-up.  *name: what it maps to. */
static int by_id_get(MDB_txn *txn, MDB_dbi dbi, uint32_t id, MDB_val *name)
{
	/* store.c's key: big-endian, so the index walks in id order. */
	unsigned char kb[4] = { (unsigned char)(id >> 24), (unsigned char)(id >> 16),
	                        (unsigned char)(id >> 8), (unsigned char)id };
	MDB_val k = { 4, kb };
	return mdb_get(txn, dbi, &k, name);
}

/* meta's counter; 0 when absent (nothing handed out yet). */
static int counter_get(MDB_txn *txn, const struct store *s,
                       const struct table *t, struct verify *v, uint32_t *last)
{
	MDB_val k = { strlen(t->counter), (void *)t->counter }, val;
	*last = 0;
	int rc = mdb_get(txn, s->meta, &k, &val);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (val.mv_size != 4)
		problem(v, "meta %s: a value of %zu bytes, not a 4-byte counter",
		        t->counter, val.mv_size);
	else
		*last = le_get32(val.mv_data);
	return 0;
}

/* A link's values are ones the daemon can serve (it would answer 500),
 * and its colleague and campaign exist. */
static int link_refs(MDB_txn *txn, const struct store *s, const MDB_val *k,
                     const MDB_val *val, struct verify *v)
{
	struct link l;
	MDB_val name;
	store_link_decode(val->mv_data, val->mv_size, &l);
	if (l.status != 301 && l.status != 302 && l.status != 307 &&
	    l.status != 308)
		problem(v, "links '%s': status %u is not a redirect (301, 302, "
		        "307 or 308)", shown(k), (unsigned)l.status);
	if (l.flags & ~(LINK_DISABLED | LINK_CAMPAIGN_DISABLED |
	                LINK_CLICK_ID))
		problem(v, "links '%s': unknown flags 0x%02x", shown(k),
		        (unsigned)l.flags);
	if (!target_servable(l.url, l.url_len))
		problem(v, "links '%s': its target cannot be served (not an "
		        "http(s) URL of printable ASCII within %d bytes)",
		        shown(k), TARGET_MAX);
	int rc = by_id_get(txn, s->staff_by_id, l.staff_id, &name);
	if (rc == MDB_NOTFOUND)
		problem(v, "links '%s': its colleague, id %u, does not exist",
		        shown(k), l.staff_id);
	else if (rc)
		return rc;
	if (!l.campaign_id)
		return 0;
	rc = by_id_get(txn, s->campaign_by_id, l.campaign_id, &name);
	if (rc == MDB_NOTFOUND)
		problem(v, "links '%s': its campaign, id %u, does not exist",
		        shown(k), l.campaign_id);
	else if (rc)
		return rc;
	return 0;
}

/* One record by name: decodes, its id maps back to it. */
static int check_record(MDB_txn *txn, const struct store *s,
                        const struct table *t, const MDB_val *k,
                        const MDB_val *val, struct verify *v, uint32_t *max)
{
	uint32_t id;
	if (record_id(t, s, k, val, &id)) {
		problem(v, "%s '%s': the record (%zu bytes) does not decode",
		        t->name, shown(k), val->mv_size);
		return 0;
	}
	if (id > *max)
		*max = id;
	MDB_val name;
	int rc = id == 0 ? MDB_NOTFOUND : by_id_get(txn, t->by_id_dbi, id, &name);
	if (id == 0)
		problem(v, "%s '%s': id 0 (ids start at 1)", t->name, shown(k));
	else if (rc == MDB_NOTFOUND)
		problem(v, "%s '%s': id %u has no %s entry", t->name, shown(k),
		        id, t->by_id);
	else if (rc)
		return rc;
	else if (name.mv_size != k->mv_size ||
	         memcmp(name.mv_data, k->mv_data, k->mv_size) != 0)
		problem(v, "%s '%s': id %u, but %s %u names '%s'", t->name,
		        shown(k), id, t->by_id, id, shown(&name));
	if (t->dbi == s->links)
		return link_refs(txn, s, k, val, v);
	return 0;
}

/* One by-id entry: names a record with that id. */
static int check_by_id(MDB_txn *txn, const struct store *s,
                       const struct table *t, const MDB_val *k,
                       const MDB_val *name, struct verify *v)
{
	if (k->mv_size != 4) {
		problem(v, "%s: a key of %zu bytes, not a 4-byte id", t->by_id,
		        k->mv_size);
		return 0;
	}
	const unsigned char *b = k->mv_data;
	uint32_t id = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	              (uint32_t)b[2] << 8 | b[3];
	MDB_val rk = *name, rv;
	int rc = mdb_get(txn, t->dbi, &rk, &rv);
	if (rc == MDB_NOTFOUND) {
		problem(v, "%s %u: names '%s', which is not in %s", t->by_id, id,
		        shown(name), t->name);
		return 0;
	}
	if (rc)
		return rc;
	uint32_t rid;
	if (record_id(t, s, &rk, &rv, &rid) == 0 && rid != id)
		problem(v, "%s %u: names '%s', whose id is %u", t->by_id, id,
		        shown(name), rid);
	return 0;
}

/* Check every entry of t's records (by_id 0) or of its by-id index. */
static int walk(MDB_txn *txn, const struct store *s, const struct table *t,
                int by_id, struct verify *v, uint32_t *max)
{
	MDB_cursor *cur;
	MDB_val k, val;
	int rc = mdb_cursor_open(txn, by_id ? t->by_id_dbi : t->dbi, &cur);
	if (rc)
		return rc;
	while ((rc = mdb_cursor_get(cur, &k, &val, MDB_NEXT)) == 0) {
		if (by_id) {
			rc = check_by_id(txn, s, t, &k, &val, v);
		} else {
			(*t->count)++;
			rc = check_record(txn, s, t, &k, &val, v, max);
		}
		if (rc)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int check_table(MDB_txn *txn, const struct store *s,
                       const struct table *t, struct verify *v)
{
	uint32_t max = 0, last;
	int rc;
	if ((rc = walk(txn, s, t, 0, v, &max)) ||
	    (rc = walk(txn, s, t, 1, v, &max)) ||
	    (rc = counter_get(txn, s, t, v, &last)))
		return rc;
	if (max > last)
		problem(v, "meta %s: %u, below %s id %u in use (the next %s "
		        "would reuse an id)", t->counter, last, t->what, max,
		        t->what);
	return 0;
}

int verify_store(MDB_txn *txn, const struct store *s, struct verify *v)
{
	v->links = v->staff = v->campaigns = v->problems = 0;
	const struct table tables[] = {
		{ "staff", "staff_by_id", "next_staff", "colleague",
		  s->staff, s->staff_by_id, &v->staff },
		{ "campaigns", "campaign_by_id", "next_campaign", "campaign",
		  s->campaigns, s->campaign_by_id, &v->campaigns },
		{ "links", "link_by_id", "next_link", "link",
		  s->links, s->link_by_id, &v->links },
	};
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
		int rc = check_table(txn, s, &tables[i], v);
		if (rc)
			return rc;
	}
	return 0;
}
