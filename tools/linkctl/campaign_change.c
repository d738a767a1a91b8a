/*
 * campaign_change: linkctl campaign disable NAME, campaign enable NAME,
 * campaign retarget NAME --url URL [--utm | --no-utm] and campaign
 * click-id NAME on|off -- all of a campaign's links changed together, in
 * one write transaction.
 *
 * Disabling a campaign sets LINK_DISABLED on each of its links (the daemon
 * reads link records only) and marks the ones it disabled with
 * LINK_CAMPAIGN_DISABLED, so `enable` gives back exactly those: a link
 * disabled on its own stays disabled.  Click ids go the same way:
 * CAMPAIGN_CLICK_ID on the campaign for its links to come, LINK_CLICK_ID
 * on each of its links, which is all the daemon reads; off clears it from
 * every one, also from a link that had it on its own (mint --click-id).
 */
#include "args.h"
#include "campaign.h"
#include "check.h"
#include "commands.h"
#include "msg.h"
#include "out.h"
#include "policy.h"
#include "txn.h"
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct retarget_opts {
	const char *url;
	const char *utm, *no_utm;   /* flags: "" when given */
};

#define OPT(name) ARGS_FIELD(struct retarget_opts, name)
static const struct option retarget_options[] = {
	ARGS_COMMON,
	{ "url", required_argument, NULL, OPT(url) },
	{ "utm", no_argument, NULL, OPT(utm) },
	{ "no-utm", no_argument, NULL, OPT(no_utm) },
	{ 0, 0, 0, 0 } };

struct change {
	const char *name;
	int disable;                /* toggle: 1 disable, 0 enable */
	const char *url;            /* retarget: normalized; NULL: toggle */
	int utm;                    /* retarget: 1 on, 0 off, -1 as it was */
	int click_id;               /* click-id: 1 on, 0 off; -1: not it */
	struct target_policy policy;
	/* Outputs, reset by every attempt. */
	size_t changed, untouched;  /* links rewritten; left (see below) */
	int utm_now;
	int was;                    /* click-id: the campaign had them */
	char cname[CHECK_CAMPAIGN_MAX + 1];
	struct clinks links;
};

/* The new state of link l: 1 to write it, 0 to leave it as it is, or
 * TXN_FAILED / MDB_MAP_FULL. */
static int change_link(MDB_txn *txn, struct store *s, struct change *ch,
                       struct link *l, char *url)
{
	int rc;
	if (ch->click_id >= 0) {
		uint8_t lf = ch->click_id ? (uint8_t)(l->flags | LINK_CLICK_ID)
		                          : (uint8_t)(l->flags & ~LINK_CLICK_ID);
		if (lf == l->flags) {
			ch->untouched++;
			return 0;
		}
		l->flags = lf;
		return 1;
	}
	if (ch->url) {
		char handle[CHECK_HANDLE_MAX + 1];
		struct staff st;
		if ((rc = store_staff_get_id(txn, s, l->staff_id, &st)))
			return txn_report(rc, "store_staff_get_id");
		view_copy(handle, sizeof handle, st.handle, st.handle_len);
		size_t url_len;
		if ((rc = campaign_target(ch->url, ch->utm_now, ch->cname, handle,
		                          &ch->policy, url, &url_len)))
			return rc;
		if (view_eq(l->url, l->url_len, url))
			return 0;
		l->url = url;
		l->url_len = url_len;
		return 1;
	}
	uint8_t lf = l->flags;
	if (ch->disable && !(lf & LINK_DISABLED)) {
		lf |= LINK_DISABLED | LINK_CAMPAIGN_DISABLED;
	} else if (!ch->disable && (lf & LINK_CAMPAIGN_DISABLED)) {
		lf &= (uint8_t)~(LINK_DISABLED | LINK_CAMPAIGN_DISABLED);
	} else {
		/* Already disabled (on its own or before), or disabled on
		 * its own: left as it is. */
		if (!ch->disable && (lf & LINK_DISABLED))
			ch->untouched++;
		return 0;
	}
	l->flags = lf;
	return 1;
}

static int txn_change(MDB_txn *txn, struct store *s, void *arg)
{
	struct change *ch = arg;
	struct campaign c;
	char url[TARGET_MAX + 1];
	int rc;
	ch->changed = ch->untouched = 0;
	if ((rc = campaign_find(txn, s, ch->name, &c)) ||
	    (rc = campaign_links(txn, s, c.id, &ch->links)))
		return rc;
	view_copy(ch->cname, sizeof ch->cname, c.name, c.name_len);

	/* The campaign's record first (store_campaign_put encodes the views
	 * into its own buffer before it writes). */
	uint8_t flags = c.flags;
	if (ch->click_id >= 0) {
		flags = ch->click_id ? (uint8_t)(flags | CAMPAIGN_CLICK_ID)
		                     : (uint8_t)(flags & ~CAMPAIGN_CLICK_ID);
		ch->was = !!(c.flags & CAMPAIGN_CLICK_ID);
	} else if (ch->url) {
		int utm = ch->utm < 0 ? !!(c.flags & CAMPAIGN_UTM) : ch->utm;
		flags = (uint8_t)((flags & ~CAMPAIGN_UTM) | (utm ? CAMPAIGN_UTM : 0));
		ch->utm_now = utm;
		c.url = ch->url;
		c.url_len = strlen(ch->url);
	} else {
		flags = ch->disable ? (uint8_t)(flags | CAMPAIGN_DISABLED)
		                    : (uint8_t)(flags & ~CAMPAIGN_DISABLED);
	}
	if (flags != c.flags || ch->url) {
		c.flags = flags;
		if ((rc = store_campaign_put(txn, s, &c)))
			return txn_report(rc, "store_campaign_put");
	}

	for (size_t i = 0; i < ch->links.n; i++) {
		const struct clink *cl = &ch->links.v[i];
		size_t code_len = strlen(cl->code);
		struct link l;
		if ((rc = store_link_get(txn, s, cl->code, code_len, &l)))
			return txn_report(rc, "store_link_get");
		if ((rc = change_link(txn, s, ch, &l, url)) <= 0) {
			if (rc)
				return rc;
			continue;
		}
		if ((rc = store_link_put(txn, s, cl->code, code_len, &l)))
			return txn_report(rc, "store_link_put");
		ch->changed++;
	}
	return 0;
}

/* --url (normalized into url[TARGET_MAX + 1]) and --utm or --no-utm.  0,
 * EXIT_USAGE or EXIT_REFUSED (reported). */
static int retarget_check(const struct retarget_opts *o, const char *what,
                          struct change *ch, char *url)
{
	int rc;
	if (!o->url)
		return msg_usage_error("%s: --url is required", what);
	if (o->utm && o->no_utm)
		return msg_usage_error("%s: --utm or --no-utm, not both", what);
	if ((rc = policy_load(&ch->policy)))
		return rc;
	size_t len;
	int terr = target_normalize(o->url, strlen(o->url), &ch->policy, url,
	                            &len);
	if (terr != TARGET_OK) {
		out_err("invalid URL: %s", target_strerror(terr));
		return EXIT_REFUSED;
	}
	char warn[256];
	if (policy_homograph(url, len, warn, sizeof warn))
		out_err("%s", warn);
	ch->url = url;
	ch->utm = o->utm ? 1 : o->no_utm ? 0 : -1;
	return 0;
}

int campaign_change_main(int argc, char **argv)
{
	const char *cmd = argv[0];
	int retarget = strcmp(cmd, "retarget") == 0;
	char what[40];
	snprintf(what, sizeof what, "campaign %s", cmd);
	struct retarget_opts o = { 0 };
	struct args a;
	int rc = args_parse(argc, argv, what, retarget ? retarget_options
	                                               : args_shared_only,
	                    &o, &a);
	if (rc != ARGS_RUN)
		return rc;
	int click = strcmp(cmd, "click-id") == 0;
	if (click && (a.npos != 2 || (strcmp(a.pos[1], "on") &&
	                              strcmp(a.pos[1], "off"))))
		return msg_usage_error("%s: expected NAME on|off", what);
	if (!click && a.npos != 1)
		return msg_usage_error("%s: expected one NAME", what);
	struct change ch = { .name = a.pos[0], .disable = !strcmp(cmd, "disable"),
	                     .click_id = click ? !strcmp(a.pos[1], "on") : -1 };
	char url[TARGET_MAX + 1];
	if (retarget && (rc = retarget_check(&o, what, &ch, url)))
		return rc;
	rc = txn_run(txn_change, &ch);
	if (rc == 0 && click)
		fprintf(stderr, "campaign '%s': click ids %s (%s): %zu link%s "
		        "changed, %zu already so\n", msg_shows(ch.name),
		        a.pos[1], ch.was == ch.click_id ? "already so"
		                                        : ch.was ? "were on"
		                                                 : "were off",
		        ch.changed, ch.changed == 1 ? "" : "s", ch.untouched);
	else if (rc == 0 && retarget)
		fprintf(stderr, "campaign '%s': %zu link%s retargeted to %s%s\n",
		        msg_shows(ch.name), ch.changed, ch.changed == 1 ? "" : "s",
		        msg_shows(url), ch.utm_now ? " (with utm tags)" : "");
	else if (rc == 0)
		fprintf(stderr, "campaign '%s' %sd: %zu link%s %sd%s\n",
		        msg_shows(ch.name), cmd, ch.changed,
		        ch.changed == 1 ? "" : "s", cmd,
		        ch.untouched ? " (links disabled on their own stay "
		                       "disabled)" : "");
	free(ch.links.v);
	return rc;
}
