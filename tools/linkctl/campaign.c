/*
 * campaign: linkctl campaign create | posts | list | disable | enable |
 * retarget.  See campaign.h; the command line is in linkctl --help and the
 * README ("Campaigns").
 *
 * A campaign's record (store.h) keeps what `create` was given: the target
 * URL as typed (normalized, without utm tags), the team (empty: every
 * colleague) and CAMPAIGN_UTM.  Its links are found by a pass over the
 * links table (there is no index by campaign: a campaign command is rare
 * and a pass over ten million links takes seconds).  A colleague "of the
 * campaign" is one holding a link in it; `create` mints for the
 * colleagues of its team who hold none.
 *
 * Disabling a campaign sets LINK_DISABLED on each of its links (the daemon
 * reads link records only) and marks the ones it disabled with
 * LINK_CAMPAIGN_DISABLED, so `enable` gives back exactly those.
 */
#include "campaign.h"

#include "codes.h"
#include "config.h"
#include "linkctl.h"
#include "out.h"
#include "posts.h"
#include "store.h"
#include "target.h"
#include "utm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TEAM_MAX 200
#define NAME_MAX_BYTES 200
#define CAMPAIGN_MAX_BYTES 100   /* campaign_ok's limit */

static const struct option opts_create[] = {
	COMMON_OPTS,
	{ "url", required_argument, NULL, OPT_URL },
	{ "team", required_argument, NULL, OPT_TEAM },
	{ "utm", no_argument, NULL, OPT_UTM },
	{ "base-url", required_argument, NULL, OPT_BASE_URL },
	{ 0, 0, 0, 0 } };
static const struct option opts_posts[] = {
	COMMON_OPTS,
	{ "template", required_argument, NULL, OPT_TEMPLATE },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "mbox", required_argument, NULL, OPT_MBOX },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "base-url", required_argument, NULL, OPT_BASE_URL },
	{ 0, 0, 0, 0 } };
static const struct option opts_list[] = {
	COMMON_OPTS,
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ 0, 0, 0, 0 } };
static const struct option opts_plain[] = {
	COMMON_OPTS, { 0, 0, 0, 0 } };
static const struct option opts_retarget[] = {
	COMMON_OPTS,
	{ "url", required_argument, NULL, OPT_URL },
	{ "utm", no_argument, NULL, OPT_UTM },
	{ "no-utm", no_argument, NULL, OPT_NO_UTM },
	{ 0, 0, 0, 0 } };

/* ------------------------------------------------------------ helpers */

static int view_eq(const char *v, size_t n, const char *s)
{
	return strlen(s) == n && (n == 0 || memcmp(v, s, n) == 0);
}

static void copy_view(char *dst, size_t cap, const char *v, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

/* One link of a campaign, its code copied (views die with writes). */
struct clink {
	uint32_t id, staff_id;
	uint8_t flags;
	char code[CODE_MAX + 1];
};

struct clinks {
	struct clink *v;
	size_t n, cap;
};

static int clink_cmp(const void *a, const void *b)
{
	const struct clink *x = a, *y = b;
	if (x->staff_id != y->staff_id)
		return x->staff_id < y->staff_id ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The links of campaign cid, sorted by colleague id, then link id.
 * Returns 0 or FAILED (reported). */
static int campaign_links(MDB_txn *txn, struct store *s, uint32_t cid,
                          struct clinks *out)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int err = mdb_cursor_open(txn, s->links, &cur);
	out->n = 0;
	if (err)
		return op_fail(err, "mdb_cursor_open");
	for (MDB_cursor_op op = MDB_FIRST;
	     (err = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		struct link l;
		if (store_link_decode(v.mv_data, v.mv_size, &l)) {
			out_err("link '%s': store_link_decode: %s",
			        show(k.mv_data, k.mv_size), mdb_strerror(EINVAL));
			mdb_cursor_close(cur);
			return FAILED;
		}
		if (l.campaign_id != cid || k.mv_size > CODE_MAX)
			continue;
		if (out->n == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 64;
			struct clink *nv = realloc(out->v, cap * sizeof *nv);
			if (!nv) {
				out_err("%s", strerror(ENOMEM));
				mdb_cursor_close(cur);
				return FAILED;
			}
			out->v = nv;
			out->cap = cap;
		}
		struct clink *c = &out->v[out->n++];
		c->id = l.id;
		c->staff_id = l.staff_id;
		c->flags = l.flags;
		copy_view(c->code, sizeof c->code, k.mv_data, k.mv_size);
	}
	mdb_cursor_close(cur);
	if (err != MDB_NOTFOUND) {
		out_err("mdb_cursor_get: %s", mdb_strerror(err));
		return FAILED;
	}
	qsort(out->v, out->n, sizeof *out->v, clink_cmp);
	return 0;
}

/* The first of staff_id's links in the sorted list, or NULL. */
static const struct clink *links_first(const struct clinks *ls, uint32_t staff)
{
	size_t lo = 0, hi = ls->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ls->v[mid].staff_id < staff)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ls->n && ls->v[lo].staff_id == staff ? &ls->v[lo] : NULL;
}

/* Every colleague, in handle order, as views into the transaction. */
struct cstaff {
	struct staff *v;
	size_t n, cap;
};

static int staff_all(MDB_txn *txn, struct store *s, struct cstaff *out)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int err = mdb_cursor_open(txn, s->staff, &cur);
	out->n = 0;
	if (err)
		return op_fail(err, "mdb_cursor_open");
	for (MDB_cursor_op op = MDB_FIRST;
	     (err = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		if (out->n == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 64;
			struct staff *nv = realloc(out->v, cap * sizeof *nv);
			if (!nv) {
				out_err("%s", strerror(ENOMEM));
				mdb_cursor_close(cur);
				return FAILED;
			}
			out->v = nv;
			out->cap = cap;
		}
		if (store_staff_decode(&k, &v, &out->v[out->n])) {
			out_err("staff '%s': a record that does not decode",
			        show(k.mv_data, k.mv_size));
			mdb_cursor_close(cur);
			return FAILED;
		}
		out->n++;
	}
	mdb_cursor_close(cur);
	if (err != MDB_NOTFOUND) {
		out_err("mdb_cursor_get: %s", mdb_strerror(err));
		return FAILED;
	}
	return 0;
}

/* Look a campaign up by its name as typed.  0, or FAILED (reported:
 * "no campaign" when there is none). */
static int campaign_find(MDB_txn *txn, struct store *s, const char *name,
                         struct campaign *c)
{
	int rc = MDB_NOTFOUND;
	if (campaign_ok(name, strlen(name)))
		rc = store_campaign_get(txn, s, name, c);
	if (rc == MDB_NOTFOUND) {
		out_err("no campaign '%s'", shows(name));
		return FAILED;
	}
	return op_fail(rc, "store_campaign_get");
}

/*
 * The target of a colleague's link: url, with the utm tags for campaign
 * and handle when utm is set, checked again by the target rules (the
 * tags may take it past TARGET_MAX).  out holds TARGET_MAX + 1 bytes.
 * Returns 0 or FAILED (reported).
 */
static int campaign_target(const char *url, int utm, const char *campaign,
                           const char *handle,
                           const struct target_policy *policy, char *out,
                           size_t *out_len)
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
		return FAILED;
	}
	return 0;
}

/* A short link: the base URL, '/', the code. */
static void short_url(char *out, size_t cap, const char *base,
                      const char *code)
{
	snprintf(out, cap, "%s/%s", base, code);
}

/* The base URL of short links: --base-url, else base_url from -c FILE.
 * Reads the configuration (linkctl_policy) into *policy. */
static int need_base_url(const char *cmd, const char *arg,
                         struct target_policy *policy, const char **base)
{
	int rc;
	if (arg && linkctl_base_url_arg(arg))
		return EXIT_USAGE;
	if ((rc = linkctl_policy(policy)))
		return rc;
	*base = linkctl_base_url();
	if (!*base)
		return usage_error("campaign %s: where do the short links live? "
		                   "pass --base-url https://SHORT.HOST or set "
		                   "base_url in the configuration (-c FILE)", cmd);
	return 0;
}

/* ------------------------------------------------------------- create */

struct row {
	uint32_t staff_id;
	int is_new;
	char handle[65];
	char name[NAME_MAX_BYTES + 1];
	char code[CODE_MAX + 1];
};

struct create {
	const char *name;
	const char *url;            /* normalized, or NULL */
	const char *team;           /* NULL: as stored, or every colleague */
	int utm;
	struct target_policy policy;
	/* Outputs, reset by every attempt. */
	struct row *rows;
	size_t n, cap, n_new;
	int disabled;               /* minted into a disabled campaign */
	struct clinks links;
	struct cstaff staff;
};

static int row_add(struct create *cr, const struct staff *st, uint32_t id,
                   int is_new, const char *code)
{
	if (cr->n == cr->cap) {
		size_t cap = cr->cap ? cr->cap * 2 : 64;
		struct row *nv = realloc(cr->rows, cap * sizeof *nv);
		if (!nv) {
			out_err("%s", strerror(ENOMEM));
			return FAILED;
		}
		cr->rows = nv;
		cr->cap = cap;
	}
	struct row *r = &cr->rows[cr->n++];
	r->staff_id = id;
	r->is_new = is_new;
	copy_view(r->handle, sizeof r->handle, st->handle, st->handle_len);
	copy_view(r->name, sizeof r->name, st->name, st->name_len);
	copy_view(r->code, sizeof r->code, code, strlen(code));
	return 0;
}

static int txn_create(MDB_txn *txn, struct store *s, void *arg)
{
	struct create *cr = arg;
	char url[TARGET_MAX + 1], team[TEAM_MAX + 1];
	struct campaign c;
	int rc, exists, update = 0;
	cr->n = cr->n_new = 0;
	cr->disabled = 0;

	/* What the campaign is: its record, or this command's options. */
	rc = store_campaign_get(txn, s, cr->name, &c);
	if (rc && rc != MDB_NOTFOUND)
		return op_fail(rc, "store_campaign_get");
	exists = rc == 0;
	if (exists && c.url_len) {
		/* Made by campaign create: the options may only repeat it. */
		if (cr->url && !view_eq(c.url, c.url_len, cr->url)) {
			out_err("campaign '%s' goes to %s (to change that: linkctl "
			        "campaign retarget '%s' --url URL)", shows(cr->name),
			        show(c.url, c.url_len), shows(cr->name));
			return FAILED;
		}
		if (cr->team && !view_eq(c.team, c.team_len, cr->team)) {
			if (c.team_len)
				out_err("campaign '%s' is for team '%s', not '%s'",
				        shows(cr->name), show(c.team, c.team_len),
				        shows(cr->team));
			else
				out_err("campaign '%s' is for every colleague, not "
				        "team '%s'", shows(cr->name), shows(cr->team));
			return FAILED;
		}
		if (cr->utm && !(c.flags & CAMPAIGN_UTM)) {
			out_err("campaign '%s' was created without --utm (to add "
			        "the tags: linkctl campaign retarget '%s' --url URL "
			        "--utm)", shows(cr->name), shows(cr->name));
			return FAILED;
		}
		copy_view(url, sizeof url, c.url, c.url_len);
		copy_view(team, sizeof team, c.team, c.team_len);
	} else {
		/* New, or made by mint --campaign or import (no URL yet):
		 * this command says what it is. */
		if (!cr->url) {
			out_err("campaign create: --url is required for %s "
			        "campaign '%s'", exists ? "the URL-less" : "a new",
			        shows(cr->name));
			return FAILED;
		}
		strcpy(url, cr->url);
		strcpy(team, cr->team ? cr->team : "");
		update = 1;
	}
	int utm = exists && c.url_len ? !!(c.flags & CAMPAIGN_UTM) : cr->utm;
	cr->disabled = exists && (c.flags & CAMPAIGN_DISABLED);

	/* Who has a link, who needs one: all read before anything is
	 * written (views into the map may move once we write). */
	if (exists && (rc = campaign_links(txn, s, c.id, &cr->links)))
		return rc;
	if (!exists)
		cr->links.n = 0;
	if ((rc = staff_all(txn, s, &cr->staff)))
		return rc;
	for (size_t i = 0; i < cr->staff.n; i++) {
		const struct staff *st = &cr->staff.v[i];
		const struct clink *l = links_first(&cr->links, st->id);
		for (; l && l < cr->links.v + cr->links.n &&
		       l->staff_id == st->id; l++)
			if ((rc = row_add(cr, st, st->id, 0, l->code)))
				return rc;
		if (!links_first(&cr->links, st->id) &&
		    (!team[0] || view_eq(st->team, st->team_len, team)))
			if ((rc = row_add(cr, st, st->id, 1, "")))
				return rc;
	}
	if (cr->n == 0) {
		if (team[0])
			out_err("no colleague in team '%s' (teams are set with "
			        "linkctl staff add --team or staff import)",
			        shows(team));
		else
			out_err("no colleagues (add them with linkctl staff add "
			        "or staff import)");
		return FAILED;
	}

	/* The writes: the campaign's record, then the new links. */
	if (!exists) {
		struct campaign nc = {
			.name = cr->name, .name_len = strlen(cr->name),
			.url = url, .url_len = strlen(url),
			.team = team, .team_len = strlen(team),
			.flags = utm ? CAMPAIGN_UTM : 0,
		};
		int created;
		if ((rc = store_campaign_ensure(txn, s, &nc, &created)))
			return op_fail(rc, "store_campaign_ensure");
		c.id = nc.id;
	} else if (update) {
		c.url = url;
		c.url_len = strlen(url);
		c.team = team;
		c.team_len = strlen(team);
		c.flags = (uint8_t)((c.flags & ~CAMPAIGN_UTM) |
		                    (utm ? CAMPAIGN_UTM : 0));
		if ((rc = store_campaign_put(txn, s, &c)))
			return op_fail(rc, "store_campaign_put");
	}
	for (size_t i = 0; i < cr->n; i++) {
		struct row *r = &cr->rows[i];
		if (!r->is_new)
			continue;
		char target[TARGET_MAX + 1];
		struct link l = {
			.staff_id = r->staff_id, .campaign_id = c.id,
			.status = 302, .url = target,
			/* A disabled campaign's new links start disabled
			 * with it. */
			.flags = cr->disabled ? LINK_DISABLED |
			                        LINK_CAMPAIGN_DISABLED : 0,
		};
		if ((rc = campaign_target(url, utm, cr->name, r->handle,
		                          &cr->policy, target, &l.url_len)))
			return rc;
		if ((rc = linkctl_add_random(txn, s, &l, r->code, NULL, 0)))
			return rc;
		cr->n_new++;
	}
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	struct args a;
	int rc = linkctl_args(argc, argv, "campaign create", opts_create, &a);
	if (rc)
		return rc;
	if (a.help) {
		linkctl_usage(stdout);
		return 0;
	}
	if (a.npos != 1)
		return usage_error("campaign create: expected one NAME");
	struct create cr = { .name = a.pos[0], .team = a.team, .utm = a.utm };
	const char *base;
	if ((rc = need_base_url("create", a.base_url, &cr.policy, &base)))
		return rc;
	if (!campaign_ok(cr.name, strlen(cr.name))) {
		out_err("invalid campaign name '%s': " CAMPAIGN_RULE,
		        shows(cr.name));
		return EXIT_REFUSED;
	}
	if (a.team && (!a.team[0] || strlen(a.team) > TEAM_MAX ||
	               !text_ok(a.team, strlen(a.team)))) {
		out_err("invalid team: 1-200 bytes of UTF-8 text, no control "
		        "characters");
		return EXIT_REFUSED;
	}
	char url[TARGET_MAX + 1];
	if (a.url) {
		size_t len;
		int terr = target_normalize(a.url, strlen(a.url), &cr.policy, url,
		                            &len);
		if (terr != TARGET_OK) {
			out_err("invalid URL: %s", target_strerror(terr));
			return EXIT_REFUSED;
		}
		cr.url = url;
	}
	struct store s;
	if ((rc = linkctl_open(&s, 1)) == 0) {
		rc = linkctl_write(&s, txn_create, &cr);
		store_close(&s);
	}
	if (rc == 0) {
		/* Only after the commit: a printed code is a stored code. */
		fputs("staff,name,code,short_url\n", stdout);
		for (size_t i = 0; i < cr.n; i++) {
			struct row *r = &cr.rows[i];
			char link[CONFIG_STR_MAX + CODE_MAX + 2];
			short_url(link, sizeof link, base, r->code);
			out_csv_field(stdout, r->handle, strlen(r->handle));
			putchar(',');
			out_csv_field(stdout, r->name, strlen(r->name));
			putchar(',');
			out_csv_field(stdout, r->code, strlen(r->code));
			putchar(',');
			out_csv_field(stdout, link, strlen(link));
			putchar('\n');
		}
		rc = linkctl_flush();
		fprintf(stderr, "campaign '%s': %zu new link%s, %zu in all%s\n",
		        shows(cr.name), cr.n_new, cr.n_new == 1 ? "" : "s", cr.n,
		        cr.disabled && cr.n_new ? " (disabled, as the campaign is)"
		                                : "");
	}
	free(cr.rows);
	free(cr.links.v);
	free(cr.staff.v);
	return rc;
}

/* -------------------------------------------------------------- posts */

/* Write buf to path through a temporary file and rename(2): a reader
 * (or a mailer) never sees half of it.  "-": standard output.  Returns 0
 * or EXIT_REFUSED (reported). */
static int write_file(const char *path, const char *buf, size_t len)
{
	if (strcmp(path, "-") == 0) {
		fwrite(buf, 1, len, stdout);
		return linkctl_flush();
	}
	char tmp[4096];
	int n = snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof tmp) {
		out_err("%s: name too long", path);
		return EXIT_REFUSED;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		out_err("open %s: %s", tmp, strerror(errno));
		return EXIT_REFUSED;
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			out_err("write %s: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			return EXIT_REFUSED;
		}
		off += (size_t)w;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		out_err("%s: %s", path, strerror(errno));
		unlink(tmp);
		return EXIT_REFUSED;
	}
	return 0;
}

static uint32_t fnv32(const char *s, size_t n, uint32_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/*
 * The time the mails carry: now, or SOURCE_DATE_EPOCH (seconds since the
 * epoch, as reproducible-builds.org defines it) for output that is the
 * same on every run.  -1 when that variable is not a number.
 */
static int posts_time(time_t *t)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	if (!e || !*e) {
		*t = time(NULL);
		return 0;
	}
	char *end;
	errno = 0;
	long long v = strtoll(e, &end, 10);
	if (errno || *end || v < 0)
		return -1;
	*t = (time_t)v;
	return 0;
}

static int cmd_posts(int argc, char **argv)
{
	struct args a;
	int rc = linkctl_args(argc, argv, "campaign posts", opts_posts, &a);
	if (rc)
		return rc;
	if (a.help) {
		linkctl_usage(stdout);
		return 0;
	}
	if (a.npos != 1)
		return usage_error("campaign posts: expected one NAME");
	if (!a.template)
		return usage_error("campaign posts: --template FILE is required");
	if (!a.out == !a.mbox)
		return usage_error("campaign posts: one of --out DIR and "
		                   "--mbox FILE");
	if (a.mbox && !a.from)
		return usage_error("campaign posts: --mbox needs --from "
		                   "'NAME <ADDRESS>'");
	if (a.out && a.from)
		return usage_error("campaign posts: --from goes with --mbox");
	const char *base;
	struct target_policy policy;
	if ((rc = need_base_url("posts", a.base_url, &policy, &base)))
		return rc;
	char from_name[NAME_MAX_BYTES + 1], from_addr[256];
	if (a.from) {
		const char *fn, *fa;
		size_t fnl, fal;
		if (posts_parse_from(a.from, strlen(a.from), &fn, &fnl, &fa,
		                     &fal) || fnl > NAME_MAX_BYTES)
			return usage_error("campaign posts: --from: want "
			                   "'Name <user@example.org>' or "
			                   "'user@example.org', got '%s'",
			                   shows(a.from));
		copy_view(from_name, sizeof from_name, fn, fnl);
		copy_view(from_addr, sizeof from_addr, fa, fal);
	}
	time_t now;
	if (posts_time(&now))
		return usage_error("SOURCE_DATE_EPOCH: want seconds since the "
		                   "epoch");

	/* The template, compiled before the store is opened. */
	char *tbuf;
	size_t tlen;
	const char *label;
	if ((rc = linkctl_read_all(a.template, &tbuf, &tlen, &label)))
		return rc;
	struct posts_template t;
	char err[300];
	unsigned line;
	int crc = posts_compile(&t, tbuf, tlen, &line, err, sizeof err);
	free(tbuf);
	if (crc == -2) {
		out_err("%s: %s", label, strerror(ENOMEM));
		posts_free(&t);
		return EXIT_REFUSED;
	}
	if (crc) {
		out_err("%s:%u: %s", label, line, err);
		posts_free(&t);
		return EXIT_REFUSED;
	}
	if (a.mbox && !t.has_subject) {
		out_err("%s: an email needs a subject: start the template with "
		        "a line 'Subject: ...'", label);
		posts_free(&t);
		return EXIT_REFUSED;
	}

	struct store s;
	MDB_txn *txn = NULL;
	struct clinks links = { 0 };
	struct cstaff staff = { 0 };
	struct posts_buf mbox = { 0 }, text = { 0 }, subj = { 0 };
	size_t written = 0, skipped = 0;
	if ((rc = linkctl_open(&s, 0))) {
		posts_free(&t);
		return rc;
	}
	rc = EXIT_REFUSED;
	struct campaign c;
	char cname[CAMPAIGN_MAX_BYTES + 1];
	if (linkctl_begin(&s, MDB_RDONLY, &txn) ||
	    campaign_find(txn, &s, a.pos[0], &c) ||
	    campaign_links(txn, &s, c.id, &links) ||
	    staff_all(txn, &s, &staff))
		goto out;
	copy_view(cname, sizeof cname, c.name, c.name_len);
	if (c.flags & CAMPAIGN_DISABLED) {
		out_err("campaign '%s' is disabled: its links answer %s (linkctl "
		        "campaign enable '%s' first)", shows(cname), "410 or 404",
		        shows(cname));
		goto out;
	}
	if (a.out && mkdir(a.out, 0777) < 0 && errno != EEXIST) {
		out_err("mkdir %s: %s", a.out, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < staff.n; i++) {
		const struct staff *st = &staff.v[i];
		const struct clink *l = links_first(&links, st->id);
		char handle[65];
		if (!l)
			continue;   /* not in this campaign */
		copy_view(handle, sizeof handle, st->handle, st->handle_len);
		if (l->flags & LINK_DISABLED) {
			out_err("warning: %s's link %s is disabled: no post for "
			        "them", handle, l->code);
			skipped++;
			continue;
		}
		char link[CONFIG_STR_MAX + CODE_MAX + 2];
		short_url(link, sizeof link, base, l->code);
		struct posts_values v = { 0 };
		v.v[POSTS_NAME] = st->name;
		v.n[POSTS_NAME] = st->name_len;
		v.v[POSTS_FIRST_NAME] = st->name;
		v.n[POSTS_FIRST_NAME] = posts_first_name(st->name, st->name_len);
		v.v[POSTS_LINK] = link;
		v.n[POSTS_LINK] = strlen(link);
		v.v[POSTS_CAMPAIGN] = cname;
		v.n[POSTS_CAMPAIGN] = strlen(cname);
		v.v[POSTS_TEAM] = st->team;
		v.n[POSTS_TEAM] = st->team_len;
		text.len = subj.len = 0;
		posts_render(&t, 0, &v, &text);
		if (a.out) {
			char path[4096];
			int n = snprintf(path, sizeof path, "%s/%s.txt", a.out,
			                 handle);
			if (text.failed || n < 0 || (size_t)n >= sizeof path) {
				out_err("%s: %s", handle, text.failed
				        ? strerror(ENOMEM) : "path too long");
				goto out;
			}
			if (write_file(path, text.p ? text.p : "", text.len))
				goto out;
			written++;
			continue;
		}
		char to_name[NAME_MAX_BYTES + 1], to_addr[256];
		if (!st->email_len || !posts_addr_ok(st->email, st->email_len)) {
			if (st->email_len)
				out_err("warning: %s's email '%s' cannot go in a To: "
				        "header: no message for them", handle,
				        show(st->email, st->email_len));
			else
				out_err("warning: %s has no email: no message for "
				        "them", handle);
			skipped++;
			continue;
		}
		copy_view(to_name, sizeof to_name, st->name, st->name_len);
		copy_view(to_addr, sizeof to_addr, st->email, st->email_len);
		posts_render(&t, 1, &v, &subj);
		/* Message-ID: unique per colleague, campaign and time, and
		 * the same for the same mail (a re-run's duplicate). */
		char id[400], stamp[16];
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
		uint32_t h = fnv32(text.p ? text.p : "", text.len, 2166136261u);
		h = fnv32(subj.p ? subj.p : "", subj.len, h);
		snprintf(id, sizeof id, "%s.%u.%u.%08x.redirectd@%s", stamp,
		         (unsigned)c.id, (unsigned)st->id, (unsigned)h,
		         strchr(from_addr, '@') + 1);
		struct posts_mail m = {
			.from_name = from_name, .from_addr = from_addr,
			.to_name = to_name, .to_addr = to_addr,
			.subject = subj.p ? subj.p : "", .subject_len = subj.len,
			.body = text.p ? text.p : "", .body_len = text.len,
			.message_id = id, .date = now,
		};
		unsigned bad;
		if (text.failed || subj.failed) {
			out_err("%s: %s", handle, strerror(ENOMEM));
			goto out;
		}
		int mrc = posts_mbox_message(&mbox, &m, &bad);
		if (mrc == -3) {
			out_err("%s's post: a header line (the name or a word of "
			        "the subject) would be longer than 998 bytes, more "
			        "than email carries", handle);
			goto out;
		}
		if (mrc) {
			out_err("%s's post: line %u is longer than 997 bytes, "
			        "more than email carries", handle, bad);
			goto out;
		}
		written++;
	}
	if (mbox.failed) {
		out_err("%s", strerror(ENOMEM));
		goto out;
	}
	/* The transaction's views are no longer needed. */
	mdb_txn_abort(txn);
	txn = NULL;
	if (a.mbox && write_file(a.mbox, mbox.p ? mbox.p : "", mbox.len))
		goto out;
	fprintf(stderr, "campaign '%s': %zu %s written to %s%s", shows(cname),
	        written, a.out ? (written == 1 ? "post" : "posts")
	                       : (written == 1 ? "message" : "messages"),
	        a.out ? a.out : a.mbox, skipped ? "" : "\n");
	if (skipped)
		fprintf(stderr, ", %zu colleague%s skipped\n", skipped,
		        skipped == 1 ? "" : "s");
	rc = 0;
out:
	if (txn)
		mdb_txn_abort(txn);
	store_close(&s);
	posts_free(&t);
	posts_buf_free(&mbox);
	posts_buf_free(&text);
	posts_buf_free(&subj);
	free(links.v);
	free(staff.v);
	return rc;
}

/* --------------------------------------------------------------- list */

static int cmd_list(int argc, char **argv)
{
	struct args a;
	int rc = linkctl_args(argc, argv, "campaign list", opts_list, &a);
	if (rc)
		return rc;
	if (a.help) {
		linkctl_usage(stdout);
		return 0;
	}
	if (a.npos)
		return usage_error("campaign list: unexpected argument '%s'",
		                   shows(a.pos[0]));
	int json = linkctl_format(a.format);
	if (json < 0)
		return usage_error("campaign list: --format must be tsv or json");

	struct store s;
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	uint32_t *count = NULL;
	uint32_t max_id = 0;
	MDB_val k, v;
	int err;
	if ((rc = linkctl_open(&s, 0)))
		return rc;
	rc = EXIT_REFUSED;
	if (linkctl_begin(&s, MDB_RDONLY, &txn))
		goto out;
	/* Links per campaign id, from one pass over the links. */
	if ((err = mdb_cursor_open(txn, s.campaigns, &cur)))
		goto cursor;
	for (MDB_cursor_op op = MDB_FIRST;
	     (err = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		struct campaign c;
		if (store_campaign_decode(&k, &v, &c) == 0 && c.id > max_id)
			max_id = c.id;
	}
	mdb_cursor_close(cur);
	cur = NULL;
	count = calloc((size_t)max_id + 1, sizeof *count);
	if (!count) {
		out_err("%s", strerror(ENOMEM));
		goto out;
	}
	if ((err = mdb_cursor_open(txn, s.links, &cur)))
		goto cursor;
	for (MDB_cursor_op op = MDB_FIRST;
	     (err = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		struct link l;
		if (store_link_decode(v.mv_data, v.mv_size, &l) == 0 &&
		    l.campaign_id && l.campaign_id <= max_id)
			count[l.campaign_id]++;
	}
	if (err != MDB_NOTFOUND)
		goto cursor;
	mdb_cursor_close(cur);
	cur = NULL;

	if ((err = mdb_cursor_open(txn, s.campaigns, &cur)))
		goto cursor;
	fputs(json ? "[" : "name\tlinks\tstate\tutm\tteam\turl\tcreated\n",
	      stdout);
	size_t n = 0;
	for (MDB_cursor_op op = MDB_FIRST;
	     (err = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		struct campaign c;
		if (store_campaign_decode(&k, &v, &c)) {
			out_err("campaign '%s': a record that does not decode",
			        show(k.mv_data, k.mv_size));
			goto out;
		}
		char when[21];
		out_time_iso(c.created_us, when);
		const char *state = (c.flags & CAMPAIGN_DISABLED) ? "disabled"
		                                                  : "enabled";
		int utm = !!(c.flags & CAMPAIGN_UTM);
		if (json) {
			fputs(n ? ",\n{\"name\":" : "\n{\"name\":", stdout);
			out_json_str(stdout, c.name, c.name_len);
			printf(",\"links\":%u,\"state\":\"%s\",\"utm\":%s,\"team\":",
			       (unsigned)count[c.id], state, utm ? "true" : "false");
			out_json_str(stdout, c.team, c.team_len);
			fputs(",\"url\":", stdout);
			out_json_str(stdout, c.url, c.url_len);
			printf(",\"created\":\"%s\",\"id\":%u}", when,
			       (unsigned)c.id);
		} else {
			put_tsv(c.name, c.name_len);
			printf("\t%u\t%s\t%s\t", (unsigned)count[c.id], state,
			       utm ? "yes" : "no");
			put_tsv(c.team, c.team_len);
			putchar('\t');
			put_tsv(c.url, c.url_len);
			printf("\t%s\n", when);
		}
		n++;
	}
	if (err != MDB_NOTFOUND)
		goto cursor;
	if (json)
		fputs(n ? "\n]\n" : "]\n", stdout);
	rc = linkctl_flush();
	goto out;
cursor:
	out_err("mdb_cursor: %s", mdb_strerror(err));
out:
	if (cur)
		mdb_cursor_close(cur);
	if (txn)
		mdb_txn_abort(txn);
	store_close(&s);
	free(count);
	return rc;
}

/* ---------------------------------------------- disable, enable, retarget */

struct change {
	const char *name;
	int disable;                /* toggle: 1 disable, 0 enable */
	const char *url;            /* retarget: normalized; NULL: toggle */
	int utm;                    /* retarget: 1 on, 0 off, -1 as it was */
	struct target_policy policy;
	/* Outputs, reset by every attempt. */
	size_t changed, untouched;  /* links rewritten; left (see below) */
	int utm_now;
	struct clinks links;
};

static int txn_change(MDB_txn *txn, struct store *s, void *arg)
{
	struct change *ch = arg;
	struct campaign c;
	char url[TARGET_MAX + 1], name[CAMPAIGN_MAX_BYTES + 1];
	int rc;
	ch->changed = ch->untouched = 0;
	if ((rc = campaign_find(txn, s, ch->name, &c)) ||
	    (rc = campaign_links(txn, s, c.id, &ch->links)))
		return rc;
	copy_view(name, sizeof name, c.name, c.name_len);

	/* The campaign's record first (store_campaign_put encodes the views
	 * into its own buffer before it writes). */
	uint8_t flags = c.flags;
	if (ch->url) {
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
			return op_fail(rc, "store_campaign_put");
	}

	for (size_t i = 0; i < ch->links.n; i++) {
		const struct clink *cl = &ch->links.v[i];
		size_t code_len = strlen(cl->code);
		struct link l;
		if ((rc = store_link_get(txn, s, cl->code, code_len, &l)))
			return op_fail(rc, "store_link_get");
		if (ch->url) {
			char handle[65];
			struct staff st;
			if ((rc = store_staff_get_id(txn, s, l.staff_id, &st)))
				return op_fail(rc, "store_staff_get_id");
			copy_view(handle, sizeof handle, st.handle, st.handle_len);
			size_t url_len;
			if ((rc = campaign_target(ch->url, ch->utm_now, name,
			                          handle, &ch->policy, url,
			                          &url_len)))
				return rc;
			if (view_eq(l.url, l.url_len, url))
				continue;
			l.url = url;
			l.url_len = url_len;
		} else {
			uint8_t lf = l.flags;
			if (ch->disable && !(lf & LINK_DISABLED))
				lf |= LINK_DISABLED | LINK_CAMPAIGN_DISABLED;
			else if (!ch->disable && (lf & LINK_CAMPAIGN_DISABLED))
				lf &= (uint8_t)~(LINK_DISABLED | LINK_CAMPAIGN_DISABLED);
			else {
				/* Already disabled (on its own or before),
				 * or disabled on its own: left as it is. */
				if (!ch->disable && (lf & LINK_DISABLED))
					ch->untouched++;
				continue;
			}
			l.flags = lf;
		}
		if ((rc = store_link_put(txn, s, cl->code, code_len, &l)))
			return op_fail(rc, "store_link_put");
		ch->changed++;
	}
	return 0;
}

static int cmd_change(int argc, char **argv, const char *cmd)
{
	int retarget = strcmp(cmd, "retarget") == 0;
	char what[40];
	snprintf(what, sizeof what, "campaign %s", cmd);
	struct args a;
	int rc = linkctl_args(argc, argv, what, retarget ? opts_retarget
	                                                 : opts_plain, &a);
	if (rc)
		return rc;
	if (a.help) {
		linkctl_usage(stdout);
		return 0;
	}
	if (a.npos != 1)
		return usage_error("%s: expected one NAME", what);
	struct change ch = { .name = a.pos[0], .disable = !strcmp(cmd, "disable"),
	                     .utm = a.utm ? 1 : a.no_utm ? 0 : -1 };
	char url[TARGET_MAX + 1];
	if (retarget) {
		if (!a.url)
			return usage_error("%s: --url is required", what);
		if (a.utm && a.no_utm)
			return usage_error("%s: --utm or --no-utm, not both", what);
		if ((rc = linkctl_policy(&ch.policy)))
			return rc;
		size_t len;
		int terr = target_normalize(a.url, strlen(a.url), &ch.policy, url,
		                            &len);
		if (terr != TARGET_OK) {
			out_err("invalid URL: %s", target_strerror(terr));
			return EXIT_REFUSED;
		}
		ch.url = url;
	}
	struct store s;
	if ((rc = linkctl_open(&s, 1)) == 0) {
		rc = linkctl_write(&s, txn_change, &ch);
		store_close(&s);
	}
	if (rc == 0 && retarget)
		fprintf(stderr, "campaign '%s': %zu link%s retargeted to %s%s\n",
		        shows(ch.name), ch.changed, ch.changed == 1 ? "" : "s",
		        shows(url), ch.utm_now ? " (with utm tags)" : "");
	else if (rc == 0)
		fprintf(stderr, "campaign '%s' %sd: %zu link%s %sd%s\n",
		        shows(ch.name), cmd, ch.changed, ch.changed == 1 ? "" : "s",
		        cmd, ch.untouched ? " (links disabled on their own stay "
		                             "disabled)" : "");
	free(ch.links.v);
	return rc;
}

/* --------------------------------------------------------------- main */

int campaign_main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("campaign: expected create, posts, list, "
		                   "disable, enable or retarget");
	const char *sub = argv[1];
	if (strcmp(sub, "create") == 0)
		return cmd_create(argc - 1, argv + 1);
	if (strcmp(sub, "posts") == 0)
		return cmd_posts(argc - 1, argv + 1);
	if (strcmp(sub, "list") == 0)
		return cmd_list(argc - 1, argv + 1);
	if (strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0 ||
	    strcmp(sub, "retarget") == 0)
		return cmd_change(argc - 1, argv + 1, sub);
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		linkctl_usage(stdout);
		return 0;
	}
	return usage_error("campaign: unknown subcommand '%s' (create, posts, "
	                   "list, disable, enable, retarget)", shows(sub));
}
