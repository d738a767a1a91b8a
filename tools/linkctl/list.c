/*
 * list: linkctl list [--staff HANDLE] [--campaign NAME] -- the links, in
 * code order, with their colleague's handle and campaign's name, state
 * and click ids, as TSV or JSON (listing.c).  One read transaction; names
 * come from a small cache, since a listing repeats a few colleagues and
 * campaigns.
 */
#include "args.h"
#include "commands.h"
#include "listing.h"
#include "msg.h"
#include "out.h"
#include "staff.h"
#include "store.h"
#include "txn.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct list_opts {
	const char *staff, *campaign, *format;
};

#define OPT(name) ARGS_FIELD(struct list_opts, name)
static const struct option options[] = {
	ARGS_COMMON,
	{ "staff", required_argument, NULL, OPT(staff) },
	{ "campaign", required_argument, NULL, OPT(campaign) },
	{ "format", required_argument, NULL, OPT(format) },
	{ 0, 0, 0, 0 } };

/* Id -> name views, direct-mapped; the views live as long as the read
 * transaction. */
#define NAMES 64
struct names {
	uint32_t id[NAMES];
	const char *s[NAMES];
	size_t n[NAMES];
};

/* The handle of colleague id, or (campaign set) the name of campaign
 * id, through cache c.  0 or the LMDB code of the look-up. */
static int cached_name(MDB_txn *txn, struct store *s, struct names *c,
                       int campaign, uint32_t id, const char **name,
                       size_t *len)
{
	unsigned i = id % NAMES;
	if (c->id[i] != id || !id) {
		struct staff st;
		struct campaign cp;
		int rc = campaign ? store_campaign_get_id(txn, s, id, &cp)
		                  : store_staff_get_id(txn, s, id, &st);
		if (rc)
			return rc;
		c->id[i] = id;
		c->s[i] = campaign ? cp.name : st.handle;
		c->n[i] = campaign ? cp.name_len : st.handle_len;
	}
	*name = c->s[i];
	*len = c->n[i];
	return 0;
}

/* The ids --staff and --campaign name (0: no filter).  0 or EXIT_REFUSED
 * (reported). */
static int filters(MDB_txn *txn, struct store *s, const struct list_opts *o,
                   uint32_t *staff, uint32_t *camp)
{
	if (o->staff && staff_find(txn, s, o->staff, strlen(o->staff), NULL, 0,
	                           staff))
		return EXIT_REFUSED;
	if (o->campaign) {
		struct campaign c;
		int err = store_campaign_get(txn, s, o->campaign, &c);
		if (err == MDB_NOTFOUND) {
			out_err("no campaign '%s'", msg_shows(o->campaign));
			return EXIT_REFUSED;
		}
		if (err) {
			out_err("store_campaign_get: %s", mdb_strerror(err));
			return EXIT_REFUSED;
		}
		*camp = c.id;
	}
	return 0;
}

/* What the rows are read from and which links they show. */
struct reader {
	MDB_txn *txn;
	struct store *s;
	uint32_t want_staff, want_camp;   /* 0: any */
	struct names staff_names, camp_names;
};

/* A link as a row, unless the filters leave it out. */
static int row(struct listing *l, const MDB_val *k, const MDB_val *v,
               void *arg)
{
	struct reader *r = arg;
	struct link ln;
	const char *code = k->mv_data, *who, *camp = "";
	size_t code_len = k->mv_size, who_len, camp_len = 0;
	int err = store_link_decode(v->mv_data, v->mv_size, &ln);
	if (err) {
		out_err("link '%s': store_link_decode: %s",
		        msg_show(code, code_len), mdb_strerror(err));
		return EXIT_REFUSED;
	}
	if ((r->want_staff && ln.staff_id != r->want_staff) ||
	    (r->want_camp && ln.campaign_id != r->want_camp))
		return 0;
	if ((err = cached_name(r->txn, r->s, &r->staff_names, 0, ln.staff_id,
	                       &who, &who_len))) {
		out_err("link '%s': store_staff_get_id %u: %s",
		        msg_show(code, code_len), (unsigned)ln.staff_id,
		        mdb_strerror(err));
		return EXIT_REFUSED;
	}
	if (ln.campaign_id && (err = cached_name(r->txn, r->s, &r->camp_names,
	                                         1, ln.campaign_id, &camp,
	                                         &camp_len))) {
		out_err("link '%s': store_campaign_get_id %u: %s",
		        msg_show(code, code_len), (unsigned)ln.campaign_id,
		        mdb_strerror(err));
		return EXIT_REFUSED;
	}
	char when[21];
	out_time_iso(ln.created_us, when);
	listing_str(l, "code", code, code_len);
	listing_str(l, "staff", who, who_len);
	listing_str(l, "campaign", camp, camp_len);
	listing_str(l, "url", ln.url, ln.url_len);
	listing_uint(l, "status", (unsigned)ln.status);
	listing_cstr(l, "state", ln.flags & LINK_DISABLED ? "disabled"
	                                                 : "enabled");
	listing_cstr(l, "created", when);
	/* Added after the others: scripts read the columns by position. */
	listing_bool(l, "click_id", !!(ln.flags & LINK_CLICK_ID));
	listing_row_end(l);
	return 0;
}

int list_main(int argc, char **argv)
{
	struct list_opts o = { 0 };
	struct args a;
	int rc = args_parse(argc, argv, "list", options, &o, &a);
	if (rc != ARGS_RUN)
		return rc;
	if (a.npos)
		return msg_usage_error("list: unexpected argument '%s'",
		                       msg_shows(a.pos[0]));
	int json = listing_format(o.format);
	if (json < 0)
		return msg_usage_error("list: --format must be tsv or json");

	struct store s;
	static struct reader r;   /* large (the name caches): not on the stack */
	r.s = &s;
	if ((rc = txn_read(&s, &r.txn)))
		return rc;
	rc = filters(r.txn, &s, &o, &r.want_staff, &r.want_camp);
	if (rc == 0)
		rc = listing_table(r.txn, s.links, json, "code\tstaff\tcampaign\t"
		                   "url\tstatus\tstate\tcreated\tclick_id\n",
		                   row, &r);
	txn_read_end(&s, r.txn);
	return rc;
}
