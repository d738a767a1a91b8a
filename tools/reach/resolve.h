/*
 * resolve: the store's names of a record's ids (link code, colleague's
 * handle, name and team, campaign), for reach export and reach ship, one
 * record at a time, and the record's client address as text, the fields
 * both write that the record alone does not spell.  Looked up again only
 * when an id changes (records of
 * one colleague and campaign come in runs); an id the store does not know
 * gives empty names.  reach's leaderboard loads every name at once
 * instead (names.h).
 */
#ifndef REDIRECTD_RESOLVE_H
#define REDIRECTD_RESOLVE_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>

#include "clickid.h"
#include "clickrec.h"
#include "store.h"

struct resolve_str {
	const char *s;      /* "" when unknown */
	size_t len;
};

/* All zero: no store, every name empty. */
struct resolve {
	/* The names of the record last resolved: views into txn, valid
	 * until the next resolve_click or resolve_close. */
	struct resolve_str code, handle, name, team, campaign;
	struct store s;
	MDB_txn *txn;               /* NULL: no store */
	uint32_t staff_id, camp_id, link_id;
	int staff_ok, camp_ok, link_ok, looked;
	struct staff st;
	struct campaign cp;
};

/* Open the store in dir read-only, in one read transaction.  Returns 0,
 * or the code for mdb_strerror with *what the step that failed ("cannot
 * open the store", or "reading the store"); ENOENT: no store there.
 * Without a store R stays all zero. */
int resolve_open(struct resolve *R, const char *dir, const char **what);

/* The names of c's ids into R's views. */
void resolve_click(struct resolve *R, const struct click *c);

void resolve_close(struct resolve *R);

/* The client address c carries (ip_log), as text: "198.51.100.7", or
 * "198.51.100.0/24" with the prefix when ip_log cut it; "" when the
 * record carries none. */
#define RESOLVE_IP_MAX (INET6_ADDRSTRLEN + 8)
void resolve_ip(const struct click *c, char out[RESOLVE_IP_MAX]);

/* The id the redirect handed the target for c, a record of the segment
 * whose header is h (clickid.h: the header's node and worker, the
 * record's time and sequence), as text: CLICKID_LEN characters, or ""
 * when the redirect carried none (no CLICK_F_CLICKID: the id of such a
 * record was never seen by anyone, so none is made up).  NUL-terminated;
 * returns the length. */
#define RESOLVE_CLICKID_MAX (CLICKID_LEN + 1)
size_t resolve_clickid(const struct clickrec_header *h, const struct click *c,
                       char out[RESOLVE_CLICKID_MAX]);

#endif
