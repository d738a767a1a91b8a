/*
 * store: the LMDB schema shared by redirectd (reads) and linkctl (writes).
 *
 * One environment, named databases:
 *   meta            "schema" -> u32; "next_link", "next_staff",
 *                   "next_campaign" -> u32 id counters (last id handed out;
 *                   they only grow, and nothing deletes a record, so an id
 *                   is never handed out twice in one store);
 *                   "id" -> 16 random bytes, the store's identity (below)
 *   links           code -> link record (below)
 *   link_by_id      u32 id (big-endian) -> code
 *   staff           handle -> staff record (below)
 *   staff_by_id     u32 id (big-endian) -> handle
 *   campaigns       name -> campaign record
 *   campaign_by_id  u32 id (big-endian) -> name
 * Ids start at 1; 0 means "none" in click records.  Every record starts with
 * a version byte so the schema can grow without a migration of old records:
 * staff records are version 2 since they carry flags (STAFF_NO_MAIL);
 * version 1 records, written before, are the same without the flags byte,
 * read as flags 0, and become version 2 when they are next written.  The
 * byte layouts are store.c's, beside each codec.
 *
 * The identity is made when the store is created (the first write open,
 * which writes "schema"); a store created before identities existed gets
 * one at its next write open (any linkctl command that opens it to write).
 * It is data in the store, so a copy (mdb_copy, linkctl backup, a node's
 * shipped copy) is the same store.  The daemon writes it into every
 * segment header (clickrec.h) and reach refuses segments of another store:
 * the ids in click records mean something only in the store that made them.
 *
 * Functions return 0 or an LMDB return code (an errno value or an MDB_*
 * code); describe one with mdb_strerror().  Views (const char * + length)
 * returned from a transaction live until that transaction ends or is reset:
 * copy them before.  Nothing here prints.
 */
#ifndef REDIRECTD_STORE_H
#define REDIRECTD_STORE_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_SCHEMA 1
#define STORE_ID_SIZE 16
#define STORE_ID_HEX (2 * STORE_ID_SIZE + 1)   /* hex and its NUL */
/*
 * Map sizes.  Readers (the daemon, reach, linkctl list) map STORE_MAPSIZE_RO
 * of address space, so they never see MDB_MAP_RESIZED: LMDB reports that to
 * a reader only when the data outgrows *its* map, and writers never grow the
 * store past STORE_MAPSIZE_RO (store_grow refuses: MDB_MAP_FULL, reported
 * as a full store).  Writers start at STORE_MAPSIZE_RW and double.
 */
#define STORE_MAPSIZE_RO   ((size_t)1 << 40)  /* 1 TiB of address space */
#define STORE_MAPSIZE_RW   ((size_t)1 << 30)  /* writers start here, grow x2 */
#define STORE_MAXREADERS   510

/* Open flags. */
#define STORE_RDONLY 0x1   /* the daemon: MDB_RDONLY, never writes data.mdb */
#define STORE_CREATE 0x2   /* create the directory and schema if missing */

/* Link flags (on disk). */
#define LINK_DISABLED 0x01
/* Disabled with its campaign (always with LINK_DISABLED): `campaign
 * enable` re-enables these and no others, so a link disabled on its own
 * stays disabled.  The daemon reads LINK_DISABLED only. */
#define LINK_CAMPAIGN_DISABLED 0x02
/* Its redirects carry the click's id (click_id_param, clickid.h) for the
 * target to report outcomes against: `mint --click-id`, or its campaign's
 * (CAMPAIGN_CLICK_ID).  The daemon reads this flag, never the campaign's. */
#define LINK_CLICK_ID 0x04

struct store {
	MDB_env *env;
	MDB_dbi meta, links, link_by_id, staff, staff_by_id, campaigns,
		campaign_by_id;
	int readonly;
	size_t map_max;     /* store_grow's limit: STORE_MAPSIZE_RO, or less
	                     * (store_limit) */
};

struct link {
	uint32_t id;
	uint32_t staff_id;
	uint32_t campaign_id;   /* 0: none */
	uint16_t status;        /* 301, 302, 307 or 308 */
	uint8_t flags;          /* LINK_* */
	uint64_t created_us;
	const char *url;        /* view, not NUL-terminated */
	size_t url_len;
};

/* Staff flags (on disk, in staff records of version 2).  STAFF_NO_MAIL:
 * the colleague opted out of mail from `campaign posts --send` (linkctl
 * staff set --no-mail); they still have links, they are not mailed. */
#define STAFF_NO_MAIL 0x01

struct staff {
	uint32_t id;
	uint64_t created_us;
	uint8_t flags;          /* STAFF_*; 0 in a version 1 record */
	const char *handle; size_t handle_len;   /* the key */
	const char *name;   size_t name_len;
	const char *team;   size_t team_len;
	const char *email;  size_t email_len;
};

#define CAMPAIGN_DISABLED 0x01  /* `campaign disable`: its links are too */
#define CAMPAIGN_UTM 0x02       /* its links' targets carry utm_* tags */
#define CAMPAIGN_CLICK_ID 0x04  /* its links carry LINK_CLICK_ID */

struct campaign {
	uint32_t id;
	uint8_t flags;
	uint64_t created_us;
	const char *name; size_t name_len;       /* the key */
	const char *url;  size_t url_len;        /* default target, may be empty */
	const char *team; size_t team_len;       /* may be empty */
};

/* The flags a new link of campaign c starts with (linkctl's mint
 * --campaign, import, campaign create): its click ids, and disabled with
 * it while it is, marked so that `campaign enable` gives it back. */
static inline uint8_t store_campaign_link_flags(const struct campaign *c)
{
	return (uint8_t)((c->flags & CAMPAIGN_CLICK_ID ? LINK_CLICK_ID : 0) |
	                 (c->flags & CAMPAIGN_DISABLED
	                  ? LINK_DISABLED | LINK_CAMPAIGN_DISABLED : 0));
}

/* Open (and with STORE_CREATE, create) the store in dir.  On error *s is
 * left closed.  A read-only open checks the schema version. */
int store_open(struct store *s, const char *dir, unsigned flags);
/* The same with a map of map bytes (0: the default above); LMDB maps at
 * least the data already stored.  The daemon's store_map_size: under
 * ThreadSanitizer, whose layout leaves too little address space for
 * several maps of 1 TiB. */
int store_open_map(struct store *s, const char *dir, unsigned flags,
                   size_t map);
void store_close(struct store *s);

/* The store's identity (meta "id").  0, MDB_NOTFOUND for a store created
 * before identities that no writer has opened since, or MDB_CORRUPTED for
 * a value of the wrong size. */
int store_id_get(MDB_txn *txn, const struct store *s,
                 unsigned char id[STORE_ID_SIZE]);
/* The same opening its own read transaction. */
int store_id_read(const struct store *s, unsigned char id[STORE_ID_SIZE]);
/* An identity as 32 lowercase hex digits.  Pure. */
void store_id_hex(const unsigned char id[STORE_ID_SIZE],
                  char out[STORE_ID_HEX]);

/* On MDB_MAP_FULL in a write transaction the caller aborts, calls
 * store_grow() (no transaction may be open) and redoes the transaction.
 * store_grow doubles the map up to s->map_max and returns 0, or
 * MDB_MAP_FULL when the map is already that large: the store is full (past
 * STORE_MAPSIZE_RO the daemon could not map it). */
int store_grow(struct store *s);
/* Writers: never grow past max bytes (a reader's map, as the daemon's
 * store_map_size); a larger map shrinks to it now (no transaction may be
 * open; LMDB keeps at least the data).  Lowers s->map_max only. */
int store_limit(struct store *s, size_t max);

/* Pure codecs for link records.  encode returns the bytes written, or 0 when
 * cap is too small.  decode returns 0, or EINVAL for a malformed value. */
size_t store_link_encode(const struct link *l, unsigned char *out, size_t cap);
int store_link_decode(const void *val, size_t len, struct link *out);
#define STORE_LINK_HDR 26   /* bytes before the URL in an encoded link */

/*
 * Pure codec for staff records (the handle is the key, not in the record).
 * encode writes version 2 and returns the bytes written, or 0 when cap is
 * too small or a string is over 65535 bytes; STORE_STAFF_MAX always fits.
 * Decoding (store_staff_decode, below) reads versions 1 and 2.
 */
size_t store_staff_encode(const struct staff *st, unsigned char *out,
                          size_t cap);
#define STORE_STAFF_MAX (14 + 3 * (2 + 0xffff))

/* Look-ups.  MDB_NOTFOUND when absent; views live as long as txn. */
int store_link_get(MDB_txn *txn, const struct store *s, const char *code,
                   size_t code_len, struct link *out);
int store_staff_get(MDB_txn *txn, const struct store *s, const char *handle,
                    struct staff *out);
int store_staff_get_id(MDB_txn *txn, const struct store *s, uint32_t id,
                       struct staff *out);
int store_campaign_get(MDB_txn *txn, const struct store *s, const char *name,
                       struct campaign *out);
int store_campaign_get_id(MDB_txn *txn, const struct store *s, uint32_t id,
                          struct campaign *out);
/* Decode a staff or campaign record found with a cursor (key and value as
 * the cursor gave them); views into them.  0 or EINVAL. */
int store_staff_decode(const MDB_val *key, const MDB_val *val,
                       struct staff *out);
int store_campaign_decode(const MDB_val *key, const MDB_val *val,
                          struct campaign *out);
/* Code of a link id, as a view. */
int store_link_code(MDB_txn *txn, const struct store *s, uint32_t id,
                    const char **code, size_t *code_len);

/* Writes (txn must be a write transaction).
 * store_link_add assigns l->id, fails with MDB_KEYEXIST for a taken code.
 * store_link_put rewrites an existing link's record (flags, url, status). */
int store_link_add(MDB_txn *txn, const struct store *s, const char *code,
                   size_t code_len, struct link *l);
int store_link_put(MDB_txn *txn, const struct store *s, const char *code,
                   size_t code_len, const struct link *l);
/* store_staff_add assigns st->id; MDB_KEYEXIST for a taken handle.
 * store_staff_put rewrites the record of an existing colleague (found by
 * st->handle) with st's fields and flags: MDB_NOTFOUND when there is none,
 * EINVAL when st->id is not theirs (ids are never reassigned).  st's views
 * may point into the map (a record just read): they are copied first.
 * Both write version 2 records. */
int store_staff_add(MDB_txn *txn, const struct store *s, struct staff *st);
int store_staff_put(MDB_txn *txn, const struct store *s,
                    const struct staff *st);
/* store_campaign_ensure finds the campaign by name or creates it (assigning
 * c->id); *created tells which.  On find, *c is filled from the store. */
int store_campaign_ensure(MDB_txn *txn, const struct store *s,
                          struct campaign *c, int *created);
int store_campaign_put(MDB_txn *txn, const struct store *s,
                       const struct campaign *c);

#endif
