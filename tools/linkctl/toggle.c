/*
 * toggle: linkctl disable CODE and enable CODE -- one link's own state.
 * Whatever is chosen here for a link stays its own choice: campaign
 * enable gives back only the links campaign disable disabled
 * (LINK_CAMPAIGN_DISABLED), so this clears that mark.  And linkctl
 * click-id CODE on|off, its LINK_CLICK_ID; off is refused for a link of a
 * campaign with click ids, whose links all carry them (store.h).
 */
#include "args.h"
#include "codes.h"
#include "commands.h"
#include "msg.h"
#include "out.h"
#include "store.h"
#include "txn.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct toggle {
	const char *code;
	int disable;
	int click_id;     /* click-id: 1 on, 0 off; -1: disable or enable */
	int changed;      /* out: whether the link was written */
};

/* click-id CODE on|off on link l (read in this transaction). */
static int click_id(MDB_txn *txn, struct store *s, struct toggle *t,
                    struct link *l, size_t len)
{
	struct campaign c;
	int rc;
	if (!t->click_id && (l->flags & LINK_CLICK_ID) && l->campaign_id) {
		if ((rc = store_campaign_get_id(txn, s, l->campaign_id, &c)))
			return txn_report(rc, "store_campaign_get_id");
		if (c.flags & CAMPAIGN_CLICK_ID) {
			out_err("link '%s' is in campaign '%s', which has click "
			        "ids on all its links (linkctl campaign click-id "
			        "'%s' off)", msg_shows(t->code),
			        msg_show(c.name, c.name_len),
			        msg_show(c.name, c.name_len));
			return TXN_FAILED;
		}
	}
	uint8_t flags = t->click_id ? (uint8_t)(l->flags | LINK_CLICK_ID)
	                            : (uint8_t)(l->flags & ~LINK_CLICK_ID);
	if (flags == l->flags)
		return 0;
	l->flags = flags;
	t->changed = 1;
	return txn_report(store_link_put(txn, s, t->code, len, l),
	                  "store_link_put");
}

static int txn_toggle(MDB_txn *txn, struct store *s, void *arg)
{
	struct toggle *t = arg;
	struct link l;
	size_t len = strlen(t->code);
	int rc = store_link_get(txn, s, t->code, len, &l);
	if (rc == MDB_NOTFOUND) {
		out_err("no link '%s'", msg_shows(t->code));
		return TXN_FAILED;
	}
	if (rc)
		return txn_report(rc, "store_link_get");
	t->changed = 0;
	if (t->click_id >= 0)
		return click_id(txn, s, t, &l, len);
	uint8_t flags = t->disable
	        ? (uint8_t)((l.flags | LINK_DISABLED) & ~LINK_CAMPAIGN_DISABLED)
	        : (uint8_t)(l.flags & ~(LINK_DISABLED | LINK_CAMPAIGN_DISABLED));
	if (flags == l.flags)
		return 0;   /* already so: nothing to write */
	l.flags = flags;
	/* l.url is a view into the map; store_link_put copies it into the
	 * new record before it writes. */
	return txn_report(store_link_put(txn, s, t->code, len, &l),
	                  "store_link_put");
}

int toggle_main(int argc, char **argv)
{
	const char *cmd = argv[0];
	struct args a;
	int rc = args_parse(argc, argv, cmd, args_shared_only, NULL, &a);
	if (rc != ARGS_RUN)
		return rc;
	int click = strcmp(cmd, "click-id") == 0;
	if (click && (a.npos != 2 || (strcmp(a.pos[1], "on") &&
	                              strcmp(a.pos[1], "off"))))
		return msg_usage_error("%s: expected CODE on|off", cmd);
	if (!click && a.npos != 1)
		return msg_usage_error("%s: expected one CODE", cmd);
	struct toggle t = { a.pos[0], strcmp(cmd, "disable") == 0,
	                    click ? strcmp(a.pos[1], "on") == 0 : -1, 0 };
	if (!code_valid(t.code, strlen(t.code))) {
		/* Not a possible code (and too long a key upsets LMDB). */
		out_err("no link '%s'", msg_shows(t.code));
		return EXIT_REFUSED;
	}
	if ((rc = txn_run(txn_toggle, &t)) == 0 && click)
		fprintf(stderr, "link '%s': click ids %s%s\n", msg_shows(t.code),
		        a.pos[1], t.changed ? "" : " (already so)");
	return rc;
}
