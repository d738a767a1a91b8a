/*
 * mint: linkctl mint -- one link for a colleague, under a code given or a
 * random one, printed once it is stored -- and mint_random, the random
 * code every command that mints uses.
 */
#include "mint.h"

#include "args.h"
#include "check.h"
#include "commands.h"
#include "msg.h"
#include "out.h"
#include "policy.h"
#include "staff.h"
#include "target.h"
#include "txn.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* With 62^8 codes a collision is rare until the store holds billions; 16
 * in a row means something else is wrong. */
#define RANDOM_TRIES 16

int mint_random(MDB_txn *txn, struct store *s, struct link *l,
                char out[CODE_RANDOM_LEN + 1], const char *file,
                unsigned line)
{
	for (int t = 0; t < RANDOM_TRIES; t++) {
		int rc = code_random(out);
		if (rc) {
			msg_at(file, line, "code_random: %s", strerror(-rc));
			return TXN_FAILED;
		}
		rc = store_link_add(txn, s, out, CODE_RANDOM_LEN, l);
		if (rc == 0 || rc == MDB_MAP_FULL)
			return rc;
		if (rc != MDB_KEYEXIST) {
			msg_at(file, line, "store_link_add: %s", mdb_strerror(rc));
			return TXN_FAILED;
		}
	}
	msg_at(file, line, "store_link_add: no free random code after %d tries",
	       RANDOM_TRIES);
	return TXN_FAILED;
}

struct mint_opts {
	const char *staff, *url, *campaign, *code, *status;
	const char *click_id;   /* a flag: "" when given */
};

#define OPT(name) ARGS_FIELD(struct mint_opts, name)
static const struct option options[] = {
	ARGS_COMMON,
	{ "staff", required_argument, NULL, OPT(staff) },
	{ "url", required_argument, NULL, OPT(url) },
	{ "campaign", required_argument, NULL, OPT(campaign) },
	{ "code", required_argument, NULL, OPT(code) },
	{ "status", required_argument, NULL, OPT(status) },
	{ "click-id", no_argument, NULL, OPT(click_id) },
	{ 0, 0, 0, 0 } };

struct mint {
	const char *handle;        /* as typed */
	const char *campaign;      /* NULL: none */
	const char *code;          /* NULL: random */
	const char *url;           /* normalized */
	size_t url_len;
	uint16_t status;
	int click_id;              /* --click-id */
	char out[CODE_MAX + 1];    /* the code minted */
};

static int txn_mint(MDB_txn *txn, struct store *s, void *arg)
{
	struct mint *m = arg;
	struct link l = { .status = m->status, .url = m->url,
	                  .url_len = m->url_len,
	                  .flags = m->click_id ? LINK_CLICK_ID : 0 };
	int rc = staff_find(txn, s, m->handle, strlen(m->handle), NULL, 0,
	                    &l.staff_id);
	if (rc)
		return rc;
	if (m->campaign) {
		struct campaign c = { .name = m->campaign,
		                      .name_len = strlen(m->campaign) };
		int created;
		if ((rc = store_campaign_ensure(txn, s, &c, &created)))
			return txn_report(rc, "store_campaign_ensure");
		l.campaign_id = c.id;
		l.flags |= store_campaign_link_flags(&c);
	}
	if (m->code) {
		rc = store_link_add(txn, s, m->code, strlen(m->code), &l);
		if (rc == MDB_KEYEXIST) {
			out_err("code '%s' is already taken", m->code);
			return TXN_FAILED;
		}
		if (rc)
			return txn_report(rc, "store_link_add");
		strcpy(m->out, m->code);
		return 0;
	}
	return mint_random(txn, s, &l, m->out, NULL, 0);
}

/* Everything that needs no store, so that a refusal costs nothing: the
 * target under the policy (into url[TARGET_MAX + 1]), the code, the
 * campaign's name.  0 or EXIT_REFUSED (reported). */
static int mint_check(const struct mint_opts *o, struct mint *m, char *url)
{
	struct target_policy policy;
	int rc = policy_load(&policy);
	if (rc)
		return rc;
	int terr = target_normalize(o->url, strlen(o->url), &policy, url,
	                            &m->url_len);
	if (terr != TARGET_OK) {
		out_err("invalid URL: %s", target_strerror(terr));
		return EXIT_REFUSED;
	}
	char warn[256];
	if (policy_homograph(url, m->url_len, warn, sizeof warn))
		out_err("%s", warn);
	m->url = url;
	if (o->code && !code_valid(o->code, strlen(o->code))) {
		out_err(CHECK_CODE_RULE);
		return EXIT_REFUSED;
	}
	if (o->campaign && !check_campaign(o->campaign, strlen(o->campaign))) {
		out_err("invalid campaign name '%s': " CHECK_CAMPAIGN_RULE,
		        msg_shows(o->campaign));
		return EXIT_REFUSED;
	}
	return 0;
}

int mint_main(int argc, char **argv)
{
	struct mint_opts o = { 0 };
	struct args a;
	int rc = args_parse(argc, argv, "mint", options, &o, &a);
	if (rc != ARGS_RUN)
		return rc;
	if (a.npos)
		return msg_usage_error("mint: unexpected argument '%s'",
		                       msg_shows(a.pos[0]));
	if (!o.staff || !o.url)
		return msg_usage_error("mint: --staff and --url are required");
	struct mint m = { .status = 302, .campaign = o.campaign, .code = o.code,
	                  .handle = o.staff, .click_id = !!o.click_id };
	if (o.status) {
		static const char *const ok[] = { "301", "302", "307", "308" };
		size_t i;
		for (i = 0; i < 4 && strcmp(o.status, ok[i]); i++)
			;
		if (i == 4)
			return msg_usage_error("mint: --status must be 301, 302, "
			                       "307 or 308");
		m.status = (uint16_t)atoi(o.status);
	}
	char url[TARGET_MAX + 1];
	if ((rc = mint_check(&o, &m, url)) || (rc = txn_run(txn_mint, &m)))
		return rc;
	/* Only after the commit: a printed code is a stored code. */
	printf("%s\n", m.out);
	return msg_flush();
}
