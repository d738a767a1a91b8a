/*
 * resolve: a record's names from the store, its address and its click id
 * as text (see resolve.h).
 */
#include "resolve.h"

#include <stdio.h>
#include <string.h>

int resolve_open(struct resolve *R, const char *dir, const char **what)
{
	memset(R, 0, sizeof *R);
	int rc = store_open(&R->s, dir, STORE_RDONLY);
	if (rc) {
		*what = "cannot open the store";
		return rc;
	}
	if ((rc = mdb_txn_begin(R->s.env, NULL, MDB_RDONLY, &R->txn))) {
		*what = "reading the store";
		store_close(&R->s);
		memset(R, 0, sizeof *R);
	}
	return rc;
}

static struct resolve_str resolve_view(int ok, const char *s, size_t len)
{
	return ok ? (struct resolve_str){ s, len } : (struct resolve_str){ "", 0 };
}

void resolve_click(struct resolve *R, const struct click *c)
{
	if (R->txn && (c->staff_id != R->staff_id || !R->looked)) {
		R->staff_id = c->staff_id;
		R->staff_ok = store_staff_get_id(R->txn, &R->s, c->staff_id,
		                                 &R->st) == 0;
	}
	if (R->txn && (c->campaign_id != R->camp_id || !R->looked)) {
		R->camp_id = c->campaign_id;
		R->camp_ok = store_campaign_get_id(R->txn, &R->s, c->campaign_id,
		                                   &R->cp) == 0;
	}
	if (R->txn && (c->link_id != R->link_id || !R->looked)) {
		R->link_id = c->link_id;
		R->link_ok = store_link_code(R->txn, &R->s, c->link_id,
		                             &R->code.s, &R->code.len) == 0;
	}
	R->looked = R->txn != NULL;
	R->handle = resolve_view(R->staff_ok, R->st.handle, R->st.handle_len);
	R->name = resolve_view(R->staff_ok, R->st.name, R->st.name_len);
	R->team = resolve_view(R->staff_ok, R->st.team, R->st.team_len);
	R->campaign = resolve_view(R->camp_ok, R->cp.name, R->cp.name_len);
	if (!R->link_ok)
		R->code = resolve_view(0, NULL, 0);
}

void resolve_close(struct resolve *R)
{
	if (R->txn) {
		mdb_txn_abort(R->txn);
		store_close(&R->s);
	}
	memset(R, 0, sizeof *R);
}

void resolve_ip(const struct click *c, char out[RESOLVE_IP_MAX])
{
	out[0] = '\0';
	if (c->ip_family != 4 && c->ip_family != 6)
		return;
	int af = c->ip_family == 4 ? AF_INET : AF_INET6;
	if (!inet_ntop(af, c->ip, out, INET6_ADDRSTRLEN))
		out[0] = '\0';
	else if (c->ip_prefix != (c->ip_family == 4 ? 32 : 128))
		snprintf(out + strlen(out), 8, "/%u", c->ip_prefix);
}

size_t resolve_clickid(const struct clickrec_header *h, const struct click *c,
                       char out[RESOLVE_CLICKID_MAX])
{
	out[0] = '\0';
	if (!(c->flags & CLICK_F_CLICKID))
		return 0;
	struct clickid id;
	clickid_make(h->node_hash, h->worker, c->time_us, c->seq, &id);
	clickid_format(&id, out);
	out[CLICKID_LEN] = '\0';
	return CLICKID_LEN;
}
