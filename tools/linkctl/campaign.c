/*
 * campaign: what the campaign commands share -- a campaign found by name,
 * its links and the colleagues read from a transaction, a colleague's
 * target with or without utm tags, the base URL of short links.  See
 * campaign.h.  The commands are campaign_create.c, campaign_posts.c,
 * campaign_list.c and campaign_change.c.
 */
#include "campaign.h"

#include "check.h"
#include "grow.h"
#include "msg.h"
#include "out.h"
#include "policy.h"
#include "txn.h"
#include "utm.h"
#include "view.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int campaign_find(MDB_txn *txn, struct store *s, const char *name,
                  struct campaign *c)
{
	int rc = MDB_NOTFOUND;
	if (check_campaign(name, strlen(name)))
		rc = store_campaign_get(txn, s, name, c);
	if (rc == MDB_NOTFOUND) {
		out_err("no campaign '%s'", msg_shows(name));
		return TXN_FAILED;
	}
	return txn_report(rc, "store_campaign_get");
}

/* How a walk with a cursor ended: err is MDB_NOTFOUND after the last
 * record, 0 after a break for want of memory.  0 or TXN_FAILED
 * (reported). */
static int cursor_end(int err)
{
	if (err == MDB_NOTFOUND)
		return 0;
	if (err == 0)
		out_err("%s", strerror(ENOMEM));
	else
		out_err("mdb_cursor_get: %s", mdb_strerror(err));
	return TXN_FAILED;
}

static int clink_cmp(const void *a, const void *b)
{
	const struct clink *x = a, *y = b;
	if (x->staff_id != y->staff_id)
		return x->staff_id < y->staff_id ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int campaign_links(MDB_txn *txn, struct store *s, uint32_t cid,
                   struct clinks *out)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int err = mdb_cursor_open(txn, s->links, &cur);
	out->n = 0;
	if (err)
		return txn_report(err, "mdb_cursor_open");
	for (MDB_cursor_op op = MDB_FIRST;
	     (err = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		struct link l;
		if (store_link_decode(v.mv_data, v.mv_size, &l)) {
			out_err("link '%s': store_link_decode: %s",
			        msg_show(k.mv_data, k.mv_size), mdb_strerror(EINVAL));
			mdb_cursor_close(cur);
			return TXN_FAILED;
		}
		if (l.campaign_id != cid || k.mv_size > CODE_MAX)
			continue;
		struct clink *nv = grow_array(out->v, &out->cap, out->n,
		                              sizeof *nv);
		if (!nv)
			break;
		out->v = nv;
		struct clink *c = &out->v[out->n++];
		c->id = l.id;
		c->staff_id = l.staff_id;
		c->flags = l.flags;
		view_copy(c->code, sizeof c->code, k.mv_data, k.mv_size);
	}
	mdb_cursor_close(cur);
	if ((err = cursor_end(err)))
		return err;
	qsort(out->v, out->n, sizeof *out->v, clink_cmp);
	return 0;
}

const struct clink *campaign_first_link(const struct clinks *ls,
                                        uint32_t staff_id)
{
	size_t lo = 0, hi = ls->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ls->v[mid].staff_id < staff_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ls->n && ls->v[lo].staff_id == staff_id ? &ls->v[lo] : NULL;
}

int campaign_staff(MDB_txn *txn, struct store *s, struct cstaff *out)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int err = mdb_cursor_open(txn, s->staff, &cur);
	out->n = 0;
	if (err)
		return txn_report(err, "mdb_cursor_open");
	for (MDB_cursor_op op = MDB_FIRST;
	     (err = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		struct staff *nv = grow_array(out->v, &out->cap, out->n,
		                              sizeof *nv);
		if (!nv)
			break;
		out->v = nv;
		if (store_staff_decode(&k, &v, &out->v[out->n])) {
			out_err("staff '%s': a record that does not decode",
			        msg_show(k.mv_data, k.mv_size));
			mdb_cursor_close(cur);
			return TXN_FAILED;
		}
		out->n++;
	}
	mdb_cursor_close(cur);
	return cursor_end(err);
}

int campaign_target(const char *url, int utm, const char *campaign,
                    const char *handle, const struct target_policy *policy,
                    char *out, size_t *out_len)
{
	if (!utm) {
		*out_len = strlen(url);
		memcpy(out, url, *out_len + 1);
		return 0;
	}
	char tagged[TARGET_MAX * 2];
	size_t n = utm_tag(url, strlen(url), campaign, strlen(campaign), handle,
	                   strlen(handle), tagged, sizeof tagged);
	int terr = n ? target_normalize(tagged, n, policy, out, out_len)
	             : TARGET_TOO_LONG;
	if (terr != TARGET_OK) {
		out_err("the target with utm tags for '%s': %s", handle,
		        target_strerror(terr));
		return TXN_FAILED;
	}
	return 0;
}

int campaign_base_url(const char *cmd, const char *arg,
                      struct target_policy *policy, const char **base)
{
	int rc;
	if (arg && policy_base_url_arg(arg))
		return EXIT_USAGE;
	if ((rc = policy_load(policy)))
		return rc;
	*base = policy_base_url();
	if (!*base)
		return msg_usage_error("%s: where do the short links "
		                       "live? pass --base-url https://SHORT.HOST "
		                       "or set base_url in the configuration (-c "
		                       "FILE)", cmd);
	return 0;
}

void campaign_short_url(char *out, const char *base, const char *code)
{
	snprintf(out, CAMPAIGN_SHORT_URL_MAX, "%s/%s", base, code);
}
