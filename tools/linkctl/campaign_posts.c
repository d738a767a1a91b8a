/*
 * campaign_posts: linkctl campaign posts NAME --template FILE
 * (--out DIR | --mbox FILE|- --from 'NAME <ADDR>') -- the template
 * rendered for every colleague of the campaign with their own short
 * link: DIR/HANDLE.txt each, or one mbox of ready-to-send emails.  Reads
 * the store (one read transaction) and writes files; the rendering and
 * the mail format are posts.c's.  Every file is written whole or not at
 * all (wholefile.h).
 */
#include "args.h"
#include "campaign.h"
#include "campaign_figures.h"
#include "check.h"
#include "commands.h"
#include "hash.h"
#include "input.h"
#include "msg.h"
#include "out.h"
#include "posts.h"
#include "txn.h"
#include "view.h"
#include "wholefile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct posts_opts {
	const char *template, *out, *mbox, *from, *base_url;
	const char *last;
	struct args_many log;
};

#define OPT(name) ARGS_FIELD(struct posts_opts, name)
static const struct option options[] = {
	ARGS_COMMON,
	{ "template", required_argument, NULL, OPT(template) },
	{ "out", required_argument, NULL, OPT(out) },
	{ "mbox", required_argument, NULL, OPT(mbox) },
	{ "from", required_argument, NULL, OPT(from) },
	{ "base-url", required_argument, NULL, OPT(base_url) },
	{ "log", required_argument, NULL, ARGS_MANY(struct posts_opts, log) },
	{ "last", required_argument, NULL, OPT(last) },
	{ 0, 0, 0, 0 } };

/* One run: what every colleague's post is made from, and the output. */
struct run {
	const struct posts_opts *o;
	const char *base;
	char from_name[CHECK_NAME_MAX + 1], from_addr[256];
	time_t now;
	uint32_t cid;
	char cname[CHECK_CAMPAIGN_MAX + 1];
	struct posts_template t;
	struct campaign_figures fig;    /* the colleagues' own figures */
	struct posts_buf mbox, text, subj;
	size_t written, skipped;
};

/* Write buf to path whole or not at all (wholefile.h): a reader (or a
 * mailer) never sees half of it.  "-": standard output.  Returns 0 or
 * EXIT_REFUSED (reported). */
static int write_file(const char *path, const char *buf, size_t len)
{
	if (strcmp(path, "-") == 0) {
		fwrite(buf, 1, len, stdout);
		return msg_flush();
	}
	struct wholefile w;
	int rc = wholefile_open(&w, path, 0644);
	if (rc == 0) {
		fwrite(buf, 1, len, w.f);
		rc = wholefile_commit(&w);
	}
	if (rc < 0) {
		out_err("%s: %s", path, strerror(-rc));
		return EXIT_REFUSED;
	}
	return 0;
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

/* The template, compiled before the store is opened.  0 or EXIT_REFUSED
 * (reported); r->t is to be freed either way. */
static int load_template(struct run *r)
{
	char *buf, err[300];
	size_t len;
	unsigned line;
	const char *label;
	int rc = input_read(r->o->template, &buf, &len, &label);
	if (rc)
		return rc;
	rc = posts_compile(&r->t, buf, len, &line, err, sizeof err);
	free(buf);
	if (rc == -2) {
		out_err("%s: %s", label, strerror(ENOMEM));
		return EXIT_REFUSED;
	}
	if (rc) {
		out_err("%s:%u: %s", label, line, err);
		return EXIT_REFUSED;
	}
	if (r->o->mbox && !r->t.has_subject) {
		out_err("%s: an email needs a subject: start the template with "
		        "a line 'Subject: ...'", label);
		return EXIT_REFUSED;
	}
	return 0;
}

/* One colleague's email, the body rendered in r->text.  0 or
 * EXIT_REFUSED (reported); a colleague without a usable address is
 * skipped with a warning. */
static int post_mail(struct run *r, const struct staff *st,
                     const char *handle, const struct posts_values *v)
{
	char to_name[CHECK_NAME_MAX + 1], to_addr[256];
	if (!st->email_len || !posts_addr_ok(st->email, st->email_len)) {
		if (st->email_len)
			out_err("warning: %s's email '%s' cannot go in a To: "
			        "header: no message for them", handle,
			        msg_show(st->email, st->email_len));
		else
			out_err("warning: %s has no email: no message for "
			        "them", handle);
		r->skipped++;
		return 0;
	}
	view_copy(to_name, sizeof to_name, st->name, st->name_len);
	view_copy(to_addr, sizeof to_addr, st->email, st->email_len);
	posts_render(&r->t, 1, v, &r->subj);
	/* Message-ID: unique per colleague, campaign and time, and the same
	 * for the same mail (a re-run's duplicate). */
	char id[400], stamp[16];
	struct tm tm;
	gmtime_r(&r->now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
	const char *text = r->text.p ? r->text.p : "";
	const char *subj = r->subj.p ? r->subj.p : "";
	uint32_t h = hash_fnv32(text, r->text.len, HASH_FNV32_SEED);
	h = hash_fnv32(subj, r->subj.len, h);
	snprintf(id, sizeof id, "%s.%u.%u.%08x.redirectd@%s", stamp,
	         (unsigned)r->cid, (unsigned)st->id, (unsigned)h,
	         strchr(r->from_addr, '@') + 1);
	struct posts_mail m = {
		.from_name = r->from_name, .from_addr = r->from_addr,
		.to_name = to_name, .to_addr = to_addr,
		.subject = subj, .subject_len = r->subj.len,
		.body = text, .body_len = r->text.len,
		.message_id = id, .date = r->now,
	};
	unsigned bad;
	if (r->text.failed || r->subj.failed) {
		out_err("%s: %s", handle, strerror(ENOMEM));
		return EXIT_REFUSED;
	}
	int mrc = posts_mbox_message(&r->mbox, &m, &bad);
	if (mrc == -3) {
		out_err("%s's post: a header line (the name or a word of the "
		        "subject) would be longer than 998 bytes, more than "
		        "email carries", handle);
		return EXIT_REFUSED;
	}
	if (mrc) {
		out_err("%s's post: line %u is longer than 997 bytes, more "
		        "than email carries", handle, bad);
		return EXIT_REFUSED;
	}
	r->written++;
	return 0;
}

/* One colleague's post, to DIR/HANDLE.txt or the mbox.  0 or
 * EXIT_REFUSED (reported). */
static int post_one(struct run *r, const struct staff *st,
                    const struct clink *l)
{
	char handle[CHECK_HANDLE_MAX + 1];
	view_copy(handle, sizeof handle, st->handle, st->handle_len);
	if (l->flags & LINK_DISABLED) {
		out_err("warning: %s's link %s is disabled: no post for them",
		        handle, l->code);
		r->skipped++;
		return 0;
	}
	char link[CAMPAIGN_SHORT_URL_MAX];
	campaign_short_url(link, r->base, l->code);
	struct posts_values v = { 0 };
	v.v[POSTS_NAME] = st->name;
	v.n[POSTS_NAME] = st->name_len;
	v.v[POSTS_FIRST_NAME] = st->name;
	v.n[POSTS_FIRST_NAME] = posts_first_name(st->name, st->name_len);
	v.v[POSTS_LINK] = link;
	v.n[POSTS_LINK] = strlen(link);
	v.v[POSTS_CAMPAIGN] = r->cname;
	v.n[POSTS_CAMPAIGN] = strlen(r->cname);
	v.v[POSTS_TEAM] = st->team;
	v.n[POSTS_TEAM] = st->team_len;
	if (campaign_figures_values(&r->fig, st->id, &v))
		return EXIT_REFUSED;
	r->text.len = r->subj.len = 0;
	posts_render(&r->t, 0, &v, &r->text);
	if (!r->o->out)
		return post_mail(r, st, handle, &v);
	char path[4096];
	int n = snprintf(path, sizeof path, "%s/%s.txt", r->o->out, handle);
	if (r->text.failed || n < 0 || (size_t)n >= sizeof path) {
		out_err("%s: %s", handle, r->text.failed ? strerror(ENOMEM)
		                                         : "path too long");
		return EXIT_REFUSED;
	}
	if (write_file(path, r->text.p ? r->text.p : "", r->text.len))
		return EXIT_REFUSED;
	r->written++;
	return 0;
}

/* Every colleague of the campaign, from one read transaction; the mbox
 * is written after it ended.  0 or EXIT_REFUSED (reported). */
static int posts_write(struct run *r, const char *name)
{
	struct store s;
	MDB_txn *txn;
	struct clinks links = { 0 };
	struct cstaff staff = { 0 };
	struct campaign c;
	int rc = txn_read(&s, &txn);
	if (rc)
		return rc;
	rc = EXIT_REFUSED;
	if (campaign_find(txn, &s, name, &c) ||
	    campaign_links(txn, &s, c.id, &links) ||
	    campaign_staff(txn, &s, &staff))
		goto out;
	r->cid = c.id;
	view_copy(r->cname, sizeof r->cname, c.name, c.name_len);
	if (c.flags & CAMPAIGN_DISABLED) {
		out_err("campaign '%s' is disabled: its links answer %s (linkctl "
		        "campaign enable '%s' first)", msg_shows(r->cname),
		        "410 or 404", msg_shows(r->cname));
		goto out;
	}
	if (campaign_figures_count(&r->fig, &s, txn))
		goto out;
	if (r->o->out && mkdir(r->o->out, 0777) < 0 && errno != EEXIST) {
		out_err("mkdir %s: %s", r->o->out, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < staff.n; i++) {
		const struct clink *l = campaign_first_link(&links, staff.v[i].id);
		if (l && post_one(r, &staff.v[i], l))   /* !l: not in it */
			goto out;
	}
	if (r->mbox.failed) {
		out_err("%s", strerror(ENOMEM));
		goto out;
	}
	/* The transaction's views are no longer needed. */
	mdb_txn_abort(txn);
	txn = NULL;
	if (r->o->mbox && write_file(r->o->mbox, r->mbox.p ? r->mbox.p : "",
	                             r->mbox.len))
		goto out;
	rc = 0;
out:
	txn_read_end(&s, txn);
	free(links.v);
	free(staff.v);
	return rc;
}

/* --from 'NAME <ADDR>' into r.  0 or EXIT_USAGE (reported). */
static int parse_from(struct run *r, const char *from)
{
	const char *fn, *fa;
	size_t fnl, fal;
	if (posts_parse_from(from, strlen(from), &fn, &fnl, &fa, &fal) ||
	    fnl > CHECK_NAME_MAX)
		return msg_usage_error("campaign posts: --from: want "
		                       "'Name <user@example.org>' or "
		                       "'user@example.org', got '%s'",
		                       msg_shows(from));
	view_copy(r->from_name, sizeof r->from_name, fn, fnl);
	view_copy(r->from_addr, sizeof r->from_addr, fa, fal);
	return 0;
}

/* The options that must go together.  0 or EXIT_USAGE (reported). */
static int check_options(const struct posts_opts *o, const struct args *a)
{
	if (a->npos != 1)
		return msg_usage_error("campaign posts: expected one NAME");
	if (!o->template)
		return msg_usage_error("campaign posts: --template FILE is required");
	if (!o->out == !o->mbox)
		return msg_usage_error("campaign posts: one of --out DIR and "
		                       "--mbox FILE");
	if (o->mbox && !o->from)
		return msg_usage_error("campaign posts: --mbox needs --from "
		                       "'NAME <ADDRESS>'");
	if (o->out && o->from)
		return msg_usage_error("campaign posts: --from goes with --mbox");
	return 0;
}

int campaign_posts_main(int argc, char **argv)
{
	struct posts_opts o = { 0 };
	struct args a;
	int rc = args_parse(argc, argv, "campaign posts", options, &o, &a);
	if (rc != ARGS_RUN)
		return rc;
	if ((rc = check_options(&o, &a)))
		return rc;
	struct run r = { .o = &o };
	struct target_policy policy;
	if ((rc = campaign_base_url("posts", o.base_url, &policy, &r.base)) ||
	    (o.from && (rc = parse_from(&r, o.from))))
		return rc;
	if (posts_time(&r.now))
		return msg_usage_error("SOURCE_DATE_EPOCH: want seconds since the "
		                       "epoch");
	if ((rc = load_template(&r)) == 0 &&
	    (rc = campaign_figures_check(&r.fig, &r.t, &o.log, o.last)) == 0)
		rc = posts_write(&r, a.pos[0]);
	if (rc == 0) {
		fprintf(stderr, "campaign '%s': %zu %s written to %s%s",
		        msg_shows(r.cname), r.written,
		        o.out ? (r.written == 1 ? "post" : "posts")
		              : (r.written == 1 ? "message" : "messages"),
		        o.out ? o.out : o.mbox, r.skipped ? "" : "\n");
		if (r.skipped)
			fprintf(stderr, ", %zu colleague%s skipped\n", r.skipped,
			        r.skipped == 1 ? "" : "s");
	}
	posts_free(&r.t);
	campaign_figures_free(&r.fig);
	posts_buf_free(&r.mbox);
	posts_buf_free(&r.text);
	posts_buf_free(&r.subj);
	return rc;
}
