/*
 * campaign_create: linkctl campaign create NAME [--url URL] [--team TEAM]
 * [--utm] [--click-id] [--base-url URL] [--csv-raw] [--qr DIR] -- a
 * link for every colleague (of the team) who has none in the campaign
 * yet (with the campaign's click ids, when it has them), all minted in
 * one write transaction, so concurrent runs never mint a colleague two
 * links; then, with --qr, DIR/HANDLE.svg, the QR code of each colleague's
 * (first) link, written only when it is not that already (qr.h); then the
 * CSV staff,name,code,short_url for every colleague of the campaign (names
 * a spreadsheet would run as formulas written as text unless --csv-raw:
 * out.h).  A
 * campaign made by mint --campaign or import (no URL yet) gets its URL
 * here; one made here may only be repeated (retarget changes it).
 */
#include "args.h"
#include "campaign.h"
#include "check.h"
#include "commands.h"
#include "grow.h"
#include "mint.h"
#include "msg.h"
#include "out.h"
#include "policy.h"
#include "qr.h"
#include "txn.h"
#include "view.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct create_opts {
	const char *url, *team, *base_url;
	const char *utm;       /* a flag: "" when given */
	const char *click_id;  /* a flag */
	const char *csv_raw;   /* a flag */
	const char *qr;        /* DIR */
};

#define OPT(name) ARGS_FIELD(struct create_opts, name)
static const struct option options[] = {
	ARGS_COMMON,
	{ "url", required_argument, NULL, OPT(url) },
	{ "team", required_argument, NULL, OPT(team) },
	{ "utm", no_argument, NULL, OPT(utm) },
	{ "click-id", no_argument, NULL, OPT(click_id) },
	{ "base-url", required_argument, NULL, OPT(base_url) },
	{ "csv-raw", no_argument, NULL, OPT(csv_raw) },
	{ "qr", required_argument, NULL, OPT(qr) },
	{ 0, 0, 0, 0 } };

/* A colleague of the campaign: a link it has, or one to mint. */
struct row {
	uint32_t staff_id;
	int is_new;
	char handle[CHECK_HANDLE_MAX + 1];
	char name[CHECK_NAME_MAX + 1];
	char code[CODE_MAX + 1];
};

struct create {
	const char *name;
	const char *url;            /* normalized, or NULL */
	const char *team;           /* NULL: as stored, or every colleague */
	int utm, click_id;
	struct target_policy policy;
	/* Outputs, reset by every attempt. */
	struct row *rows;
	size_t n, cap, n_new;
	size_t n_click;             /* its old links given click ids */
	int disabled;               /* minted into a disabled campaign */
	struct clinks links;
	struct cstaff staff;
};

/* What the campaign is in this attempt: its record, or this command's
 * options for a new one (or one without a URL yet). */
struct plan {
	struct campaign c;
	int exists, update, utm, click_id;
	char url[TARGET_MAX + 1], team[CHECK_NAME_MAX + 1];
};

static int row_add(struct create *cr, const struct staff *st, int is_new,
                   const char *code)
{
	struct row *nv = grow_array(cr->rows, &cr->cap, cr->n, sizeof *nv);
	if (!nv) {
		out_err("%s", strerror(ENOMEM));
		return TXN_FAILED;
	}
	cr->rows = nv;
	struct row *r = &cr->rows[cr->n++];
	r->staff_id = st->id;
	r->is_new = is_new;
	view_copy(r->handle, sizeof r->handle, st->handle, st->handle_len);
	view_copy(r->name, sizeof r->name, st->name, st->name_len);
	view_copy(r->code, sizeof r->code, code, strlen(code));
	return 0;
}

/* A campaign made by campaign create: the options may only repeat it. */
static int plan_repeat(const struct create *cr, struct plan *p)
{
	const struct campaign *c = &p->c;
	if (cr->url && !view_eq(c->url, c->url_len, cr->url)) {
		out_err("campaign '%s' goes to %s (to change that: linkctl "
		        "campaign retarget '%s' --url URL)", msg_shows(cr->name),
		        msg_show(c->url, c->url_len), msg_shows(cr->name));
		return TXN_FAILED;
	}
	if (cr->team && !view_eq(c->team, c->team_len, cr->team)) {
		if (c->team_len)
			out_err("campaign '%s' is for team '%s', not '%s'",
			        msg_shows(cr->name), msg_show(c->team, c->team_len),
			        msg_shows(cr->team));
		else
			out_err("campaign '%s' is for every colleague, not "
			        "team '%s'", msg_shows(cr->name), msg_shows(cr->team));
		return TXN_FAILED;
	}
	if (cr->utm && !(c->flags & CAMPAIGN_UTM)) {
		out_err("campaign '%s' was created without --utm (to add "
		        "the tags: linkctl campaign retarget '%s' --url URL "
		        "--utm)", msg_shows(cr->name), msg_shows(cr->name));
		return TXN_FAILED;
	}
	if (cr->click_id && !p->click_id) {
		out_err("campaign '%s' has no click ids (to turn them on for "
		        "all its links: linkctl campaign click-id '%s' on)",
		        msg_shows(cr->name), msg_shows(cr->name));
		return TXN_FAILED;
	}
	view_copy(p->url, sizeof p->url, c->url, c->url_len);
	view_copy(p->team, sizeof p->team, c->team, c->team_len);
	p->utm = !!(c->flags & CAMPAIGN_UTM);
	return 0;
}

static int plan_make(MDB_txn *txn, struct store *s, struct create *cr,
                     struct plan *p)
{
	int rc = store_campaign_get(txn, s, cr->name, &p->c);
	if (rc && rc != MDB_NOTFOUND)
		return txn_report(rc, "store_campaign_get");
	p->exists = rc == 0;
	p->update = 0;
	cr->disabled = p->exists && (p->c.flags & CAMPAIGN_DISABLED);
	/* Click ids once on stay on (campaign click-id turns them off). */
	p->click_id = p->exists && (p->c.flags & CAMPAIGN_CLICK_ID);
	if (p->exists && p->c.url_len)
		return plan_repeat(cr, p);
	/* New, or made by mint --campaign or import (no URL yet): this
	 * command says what it is. */
	if (!cr->url) {
		out_err("campaign create: --url is required for %s "
		        "campaign '%s'", p->exists ? "the URL-less" : "a new",
		        msg_shows(cr->name));
		return TXN_FAILED;
	}
	strcpy(p->url, cr->url);
	strcpy(p->team, cr->team ? cr->team : "");
	p->utm = cr->utm;
	p->click_id |= cr->click_id;
	p->update = 1;
	return 0;
}

/* Who has a link (every one of them), who needs one: all read before
 * anything is written (views into the map may move once we write). */
static int plan_rows(MDB_txn *txn, struct store *s, struct create *cr,
                     const struct plan *p)
{
	int rc;
	cr->links.n = 0;
	if ((p->exists && (rc = campaign_links(txn, s, p->c.id, &cr->links))) ||
	    (rc = campaign_staff(txn, s, &cr->staff)))
		return rc;
	for (size_t i = 0; i < cr->staff.n; i++) {
		const struct staff *st = &cr->staff.v[i];
		const struct clink *l = campaign_first_link(&cr->links, st->id);
		for (; l && l < cr->links.v + cr->links.n &&
		       l->staff_id == st->id; l++)
			if ((rc = row_add(cr, st, 0, l->code)))
				return rc;
		if (!campaign_first_link(&cr->links, st->id) &&
		    (!p->team[0] || view_eq(st->team, st->team_len, p->team)) &&
		    (rc = row_add(cr, st, 1, "")))
			return rc;
	}
	if (cr->n)
		return 0;
	if (p->team[0])
		out_err("no colleague in team '%s' (teams are set with "
		        "linkctl staff add --team or staff import)",
		        msg_shows(p->team));
	else
		out_err("no colleagues (add them with linkctl staff add "
		        "or staff import)");
	return TXN_FAILED;
}

/* A campaign made by mint --campaign or import that gets click ids here:
 * its links made before get them too, as every link of a campaign with
 * click ids carries them (store.h). */
static int click_old_links(MDB_txn *txn, struct store *s, struct create *cr)
{
	int rc;
	for (size_t i = 0; i < cr->links.n; i++) {
		const struct clink *cl = &cr->links.v[i];
		size_t code_len = strlen(cl->code);
		struct link l;
		if (cl->flags & LINK_CLICK_ID)
			continue;
		if ((rc = store_link_get(txn, s, cl->code, code_len, &l)))
			return txn_report(rc, "store_link_get");
		l.flags |= LINK_CLICK_ID;
		if ((rc = store_link_put(txn, s, cl->code, code_len, &l)))
			return txn_report(rc, "store_link_put");
		cr->n_click++;
	}
	return 0;
}

/* The writes: the campaign's record, then the new links. */
static int plan_write(MDB_txn *txn, struct store *s, struct create *cr,
                      struct plan *p)
{
	int rc, created;
	uint8_t flags = (uint8_t)((p->utm ? CAMPAIGN_UTM : 0) |
	                          (p->click_id ? CAMPAIGN_CLICK_ID : 0));
	if (!p->exists) {
		struct campaign nc = {
			.name = cr->name, .name_len = strlen(cr->name),
			.url = p->url, .url_len = strlen(p->url),
			.team = p->team, .team_len = strlen(p->team),
			.flags = flags,
		};
		if ((rc = store_campaign_ensure(txn, s, &nc, &created)))
			return txn_report(rc, "store_campaign_ensure");
		p->c.id = nc.id;
	} else if (p->update) {
		p->c.url = p->url;
		p->c.url_len = strlen(p->url);
		p->c.team = p->team;
		p->c.team_len = strlen(p->team);
		int was_click = !!(p->c.flags & CAMPAIGN_CLICK_ID);
		p->c.flags = (uint8_t)((p->c.flags & ~(CAMPAIGN_UTM |
		                                       CAMPAIGN_CLICK_ID)) | flags);
		if ((rc = store_campaign_put(txn, s, &p->c)))
			return txn_report(rc, "store_campaign_put");
		if (p->click_id && !was_click &&
		    (rc = click_old_links(txn, s, cr)))
			return rc;
	}
	for (size_t i = 0; i < cr->n; i++) {
		struct row *r = &cr->rows[i];
		if (!r->is_new)
			continue;
		char target[TARGET_MAX + 1];
		struct link l = {
			.staff_id = r->staff_id, .campaign_id = p->c.id,
			.status = 302, .url = target,
			/* A disabled campaign's new links start disabled
			 * with it. */
			.flags = (uint8_t)((cr->disabled ? LINK_DISABLED |
			                        LINK_CAMPAIGN_DISABLED : 0) |
			                   (p->click_id ? LINK_CLICK_ID : 0)),
		};
		if ((rc = campaign_target(p->url, p->utm, cr->name, r->handle,
		                          &cr->policy, target, &l.url_len)) ||
		    (rc = mint_random(txn, s, &l, r->code, NULL, 0)))
			return rc;
		cr->n_new++;
	}
	return 0;
}

static int txn_create(MDB_txn *txn, struct store *s, void *arg)
{
	struct create *cr = arg;
	struct plan p;
	int rc;
	cr->n = cr->n_new = cr->n_click = 0;
	cr->disabled = 0;
	if ((rc = plan_make(txn, s, cr, &p)) ||
	    (rc = plan_rows(txn, s, cr, &p)))
		return rc;
	return plan_write(txn, s, cr, &p);
}

/* --qr DIR, made if missing, before anything is written: a typo fails
 * the command before it mints. */
static int qr_dir(const char *dir)
{
	struct stat st;
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		out_err("--qr: mkdir %s: %s", dir, strerror(errno));
		return EXIT_REFUSED;
	}
	if (stat(dir, &st) < 0) {
		out_err("--qr: %s: %s", dir, strerror(errno));
		return EXIT_REFUSED;
	}
	if (!S_ISDIR(st.st_mode)) {
		out_err("--qr: %s: not a directory", dir);
		return EXIT_REFUSED;
	}
	return 0;
}

/* After the commit: DIR/HANDLE.svg for each colleague's first link (the
 * rows are in handle order, a colleague's links by id: the first row of
 * a handle is the link campaign posts gives as {link}).  *written: the
 * files written (the others already held their code). */
static int qr_files(const struct create *cr, const char *base,
                    const char *dir, size_t *written, size_t *all)
{
	*written = *all = 0;
	for (size_t i = 0; i < cr->n; i++) {
		const struct row *r = &cr->rows[i];
		if (i && strcmp(r->handle, cr->rows[i - 1].handle) == 0)
			continue;
		char link[CAMPAIGN_SHORT_URL_MAX], path[4096];
		int w;
		campaign_short_url(link, base, r->code);
		if (qr_file_path(path, sizeof path, dir, r->handle) ||
		    qr_file_sync(path, link, &w)) {
			out_err("campaign '%s': the links are stored; run the "
			        "command again to write the QR codes",
			        msg_shows(cr->name));
			return EXIT_REFUSED;
		}
		*written += (size_t)w;
		(*all)++;
	}
	return 0;
}

/* Only after the commit: a printed code is a stored code. */
static int print_rows(const struct create *cr, const char *base,
                      enum out_csv m)
{
	fputs("staff,name,code,short_url\n", stdout);
	for (size_t i = 0; i < cr->n; i++) {
		const struct row *r = &cr->rows[i];
		char link[CAMPAIGN_SHORT_URL_MAX];
		campaign_short_url(link, base, r->code);
		out_csv_text(stdout, r->handle, strlen(r->handle), m);
		putchar(',');
		out_csv_text(stdout, r->name, strlen(r->name), m);
		putchar(',');
		out_csv_text(stdout, r->code, strlen(r->code), m);
		putchar(',');
		out_csv_text(stdout, link, strlen(link), m);
		putchar('\n');
	}
	int rc = msg_flush();
	fprintf(stderr, "campaign '%s': %zu new link%s, %zu in all%s\n",
	        msg_shows(cr->name), cr->n_new, cr->n_new == 1 ? "" : "s", cr->n,
	        cr->disabled && cr->n_new ? " (disabled, as the campaign is)"
	                                  : "");
	if (cr->n_click)
		fprintf(stderr, "campaign '%s': click ids on for its %zu "
		        "older link%s too\n", msg_shows(cr->name), cr->n_click,
		        cr->n_click == 1 ? "" : "s");
	return rc;
}

int campaign_create_main(int argc, char **argv)
{
	struct create_opts o = { 0 };
	struct args a;
	int rc = args_parse(argc, argv, "campaign create", options, &o, &a);
	if (rc != ARGS_RUN)
		return rc;
	if (a.npos != 1)
		return msg_usage_error("campaign create: expected one NAME");
	struct create cr = { .name = a.pos[0], .team = o.team, .utm = !!o.utm,
	                     .click_id = !!o.click_id };
	const char *base;
	if ((rc = campaign_base_url("campaign create", o.base_url, &cr.policy, &base)))
		return rc;
	if (!check_campaign(cr.name, strlen(cr.name))) {
		out_err("invalid campaign name '%s': " CHECK_CAMPAIGN_RULE,
		        msg_shows(cr.name));
		return EXIT_REFUSED;
	}
	if (o.qr && (rc = qr_dir(o.qr)))
		return rc;
	if (o.team && (!o.team[0] || strlen(o.team) > CHECK_NAME_MAX ||
	               !check_text(o.team, strlen(o.team)))) {
		out_err("invalid team: 1-200 bytes of UTF-8 text, no control "
		        "characters");
		return EXIT_REFUSED;
	}
	char url[TARGET_MAX + 1];
	if (o.url) {
		size_t len;
		int terr = target_normalize(o.url, strlen(o.url), &cr.policy, url,
		                            &len);
		if (terr != TARGET_OK) {
			out_err("invalid URL: %s", target_strerror(terr));
			return EXIT_REFUSED;
		}
		char warn[256];
		if (policy_homograph(url, len, warn, sizeof warn))
			out_err("%s", warn);
		cr.url = url;
	}
	size_t n_qr = 0, all_qr = 0;
	int qrc = 0;
	if ((rc = txn_run(txn_create, &cr)) == 0) {
		if (o.qr)
			qrc = qr_files(&cr, base, o.qr, &n_qr, &all_qr);
		rc = print_rows(&cr, base, o.csv_raw ? OUT_CSV_RAW : OUT_CSV_SAFE);
		if (o.qr && !qrc)
			fprintf(stderr, "campaign '%s': QR codes in %s: %zu "
			        "written, %zu already there\n", msg_shows(cr.name),
			        o.qr, n_qr, all_qr - n_qr);
		if (qrc)
			rc = qrc;
	}
	free(cr.rows);
	free(cr.links.v);
	free(cr.staff.v);
	return rc;
}
