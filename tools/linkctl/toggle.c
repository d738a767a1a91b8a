/*
 * toggle: linkctl disable CODE and enable CODE -- one link's own state.
 * Whatever is chosen here for a link stays its own choice: campaign
 * enable gives back only the links campaign disable disabled
 * (LINK_CAMPAIGN_DISABLED), so this clears that mark.
 */
#include "args.h"
#include "codes.h"
#include "commands.h"
#include "msg.h"
#include "out.h"
#include "store.h"
#include "txn.h"

#include <stdint.h>
#include <string.h>

struct toggle {
	const char *code;
	int disable;
};

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
	if (a.npos != 1)
		return msg_usage_error("%s: expected one CODE", cmd);
	struct toggle t = { a.pos[0], strcmp(cmd, "disable") == 0 };
	if (!code_valid(t.code, strlen(t.code))) {
		/* Not a possible code (and too long a key upsets LMDB). */
		out_err("no link '%s'", msg_shows(t.code));
		return EXIT_REFUSED;
	}
	return txn_run(txn_toggle, &t);
}
