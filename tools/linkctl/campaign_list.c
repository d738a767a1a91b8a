/*
 * campaign_list: linkctl campaign list [--format tsv|json] -- every
 * campaign with its count of links, state, utm tagging, team, URL,
 * creation time and click ids, in name order (listing.c's shapes).  One read
 * transaction; the counts come from one pass over the links.
 */
#include "args.h"
#include "commands.h"
#include "listing.h"
#include "msg.h"
#include "out.h"
#include "store.h"
#include "txn.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct list_opts {
	const char *format;
};

static const struct option options[] = {
	ARGS_COMMON,
	{ "format", required_argument, NULL, ARGS_FIELD(struct list_opts, format) },
	{ 0, 0, 0, 0 } };

/* How a cursor failed, as the listing has always said it. */
static int cursor_failed(int err)
{
	out_err("mdb_cursor: %s", mdb_strerror(err));
	return EXIT_REFUSED;
}

/* Links per campaign id into *count (the caller frees it), sized by the
 * largest id.  0 or EXIT_REFUSED (reported). */
static int counts(MDB_txn *txn, struct store *s, uint32_t **count)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint32_t max_id = 0;
	int err;
	if ((err = mdb_cursor_open(txn, s->campaigns, &cur)))
		return cursor_failed(err);
	for (MDB_cursor_op op = MDB_FIRST;
	     (err = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		struct campaign c;
		if (store_campaign_decode(&k, &v, &c) == 0 && c.id > max_id)
			max_id = c.id;
	}
	mdb_cursor_close(cur);
	*count = calloc((size_t)max_id + 1, sizeof **count);
	if (!*count) {
		out_err("%s", strerror(ENOMEM));
		return EXIT_REFUSED;
	}
	if ((err = mdb_cursor_open(txn, s->links, &cur)))
		return cursor_failed(err);
	for (MDB_cursor_op op = MDB_FIRST;
	     (err = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		struct link l;
		if (store_link_decode(v.mv_data, v.mv_size, &l) == 0 &&
		    l.campaign_id && l.campaign_id <= max_id)
			(*count)[l.campaign_id]++;
	}
	mdb_cursor_close(cur);
	return err == MDB_NOTFOUND ? 0 : cursor_failed(err);
}

static void row(struct listing *l, const struct campaign *c, uint32_t links)
{
	char when[21];
	out_time_iso(c->created_us, when);
	listing_str(l, "name", c->name, c->name_len);
	listing_uint(l, "links", (unsigned)links);
	listing_cstr(l, "state", c->flags & CAMPAIGN_DISABLED ? "disabled"
	                                                      : "enabled");
	listing_bool(l, "utm", !!(c->flags & CAMPAIGN_UTM));
	listing_str(l, "team", c->team, c->team_len);
	listing_str(l, "url", c->url, c->url_len);
	listing_cstr(l, "created", when);
	listing_json_uint(l, "id", (unsigned)c->id);
	/* Added after the others: scripts read the columns by position. */
	listing_bool(l, "click_id", !!(c->flags & CAMPAIGN_CLICK_ID));
	listing_row_end(l);
}

/* The campaigns, in name order.  0 or EXIT_REFUSED (reported).  Not
 * listing_table: its cursor messages are "mdb_cursor: ...", as they have
 * always been here. */
static int rows(MDB_txn *txn, struct store *s, int json, const uint32_t *count)
{
	MDB_cursor *cur;
	MDB_val k, v;
	struct listing l;
	int err = mdb_cursor_open(txn, s->campaigns, &cur);
	if (err)
		return cursor_failed(err);
	listing_start(&l, json, "name\tlinks\tstate\tutm\tteam\turl\tcreated\t"
	              "click_id\n");
	for (MDB_cursor_op op = MDB_FIRST;
	     (err = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		struct campaign c;
		if (store_campaign_decode(&k, &v, &c)) {
			out_err("campaign '%s': a record that does not decode",
			        msg_show(k.mv_data, k.mv_size));
			mdb_cursor_close(cur);
			return EXIT_REFUSED;
		}
		row(&l, &c, count[c.id]);
	}
	mdb_cursor_close(cur);
	return err == MDB_NOTFOUND ? listing_end(&l) : cursor_failed(err);
}

int campaign_list_main(int argc, char **argv)
{
	struct list_opts o = { 0 };
	struct args a;
	int rc = args_parse(argc, argv, "campaign list", options, &o, &a);
	if (rc != ARGS_RUN)
		return rc;
	if (a.npos)
		return msg_usage_error("campaign list: unexpected argument '%s'",
		                       msg_shows(a.pos[0]));
	int json = listing_format(o.format);
	if (json < 0)
		return msg_usage_error("campaign list: --format must be tsv or json");

	struct store s;
	MDB_txn *txn;
	uint32_t *count = NULL;
	if ((rc = txn_read(&s, &txn)))
		return rc;
	if ((rc = counts(txn, &s, &count)) == 0)
		rc = rows(txn, &s, json, count);
	txn_read_end(&s, txn);
	free(count);
	return rc;
}
