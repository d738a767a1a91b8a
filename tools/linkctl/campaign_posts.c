/*
 * campaign_posts: linkctl campaign posts NAME --template FILE
 * (--out DIR | --mbox FILE|- | --send) [--qr DIR] -- the template rendered
 * for every colleague of the campaign with their own short link (and with
 * --qr, the path of their QR code, checked to be that link's: qr.h):
 * DIR/HANDLE.txt each, one mbox of ready-to-send emails, or each email
 * handed to the mailer once (send.c, with its ledger).  Reads the store
 * (one read transaction) and writes files; the rendering and the mail
 * format are posts.c's.  Every file is written whole or not at all
 * (wholefile.h).
 */
#include "args.h"
#include "campaign.h"
#include "campaign_figures.h"
#include "check.h"
#include "commands.h"
#include "conf.h"
#include "hash.h"
#include "input.h"
#include "ledger.h"
#include "mailer.h"
#include "msg.h"
#include "out.h"
#include "posts.h"
#include "qr.h"
#include "send.h"
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
	const char *send, *mailer, *resend, *id, *dry_run, *ledger, *staff;
	const char *last, *qr;
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
	{ "send", no_argument, NULL, OPT(send) },
	{ "mailer", required_argument, NULL, OPT(mailer) },
	{ "resend", no_argument, NULL, OPT(resend) },
	{ "id", required_argument, NULL, OPT(id) },
	{ "dry-run", no_argument, NULL, OPT(dry_run) },
	{ "ledger", required_argument, NULL, OPT(ledger) },
	{ "staff", required_argument, NULL, OPT(staff) },
	{ "log", required_argument, NULL, ARGS_MANY(struct posts_opts, log) },
	{ "last", required_argument, NULL, OPT(last) },
	{ "qr", required_argument, NULL, OPT(qr) },
	{ 0, 0, 0, 0 } };

/* --staff's handles: at most this many. */
#define STAFF_ONLY_MAX 256

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
	struct posts_buf mbox, text, subj, msg;
	size_t written, skipped;
	struct send send;               /* --send */
	char ledger_dir[4096];
	char only[STAFF_ONLY_MAX][CHECK_HANDLE_MAX + 1];   /* --staff */
	size_t nonly;
	unsigned char only_seen[STAFF_ONLY_MAX];
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
	int rc = wholefile_write(path, buf, len, 0666);   /* under the umask */
	if (rc < 0) {
		out_err("%s: %s", path, strerror(-rc));
		return EXIT_REFUSED;
	}
	return 0;
}

/*
 * The time the mails carry: now, or SOURCE_DATE_EPOCH (seconds since the
 * epoch, as reproducible-builds.org defines it) for files that are the
 * same on every run.  Mail that is sent carries the real time, and its
 * day is what the ledger counts by: SOURCE_DATE_EPOCH is refused there
 * (left in a timer's environment it would freeze the day, and every
 * later morning would send nothing).  LINKCTL_TEST_NOW is the tests'
 * clock for --send, not an interface.  EXIT_USAGE (reported) or 0.
 */
static int posts_time(const struct posts_opts *o, time_t *t)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	if (e && *e && o->send)
		return msg_usage_error("campaign posts --send: SOURCE_DATE_EPOCH "
		                       "is set; mail carries the real date and "
		                       "the ledger counts days by it (unset it)");
	if (o->send)
		e = getenv("LINKCTL_TEST_NOW");
	if (!e || !*e) {
		*t = time(NULL);
		return 0;
	}
	char *end;
	errno = 0;
	long long v = strtoll(e, &end, 10);
	if (errno || *end || v < 0)
		return msg_usage_error("SOURCE_DATE_EPOCH: want seconds since "
		                       "the epoch");
	*t = (time_t)v;
	return 0;
}

/* The ledger's label of this run's message: --id, else today's date
 * (local time). */
static const char *message_label(const struct run *r)
{
	static char day[16];
	if (r->o->id)
		return r->o->id;
	struct tm tm;
	localtime_r(&r->now, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	return day;
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
	if (rc == 0 && r->o->send)
		r->send.message = ledger_message(buf, len, message_label(r));
	free(buf);
	if (rc == -2) {
		out_err("%s: %s", label, strerror(ENOMEM));
		return EXIT_REFUSED;
	}
	if (rc) {
		out_err("%s:%u: %s", label, line, err);
		return EXIT_REFUSED;
	}
	if (!r->o->out && !r->t.has_subject) {
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
	if (st->flags & STAFF_NO_MAIL) {
		send_skip_opted_out(&r->send);
		r->skipped++;
		return 0;
	}
	if (!st->email_len || !posts_addr_ok(st->email, st->email_len)) {
		if (st->email_len)
			out_err("warning: %s's email '%s' cannot go in a To: "
			        "header: no message for them", handle,
			        msg_show(st->email, st->email_len));
		else
			out_err("warning: %s has no email: no message for "
			        "them", handle);
		send_skip_no_address(&r->send);
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
	r->msg.len = 0;
	int mrc = r->o->send ? posts_mail_message(&r->msg, &m, &bad)
	                     : posts_mbox_message(&r->mbox, &m, &bad);
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
	if (r->o->send) {
		if (r->msg.failed) {
			out_err("%s: %s", handle, strerror(ENOMEM));
			return EXIT_REFUSED;
		}
		if (send_queue(&r->send, st->id, handle, to_addr, subj,
		               r->subj.len, r->msg.p, r->msg.len)) {
			out_err("%s: %s", handle, strerror(ENOMEM));
			return EXIT_REFUSED;
		}
		return 0;
	}
	r->written++;
	return 0;
}

/* Whether --staff (if given) names handle: its index in r->only, -2
 * without --staff, -1 when it is left out. */
static long only_index(const struct run *r, const char *handle)
{
	if (!r->nonly)
		return -2;
	for (size_t i = 0; i < r->nonly; i++)
		if (strcmp(r->only[i], handle) == 0)
			return (long)i;
	return -1;
}

/* With {qr}: the colleague's QR code file, into *path. */
static int qr_value(const struct run *r, const char *handle,
                    const char *link, char *path, size_t n)
{
	if (qr_file_path(path, n, r->o->qr, handle) ||
	    qr_file_check(path, link, r->cname))
		return EXIT_REFUSED;
	return 0;
}

/* Before anything is written or sent: with {qr}, the QR code file of
 * every colleague who gets a post holds their link's code. */
static int qr_check_all(const struct run *r, const struct cstaff *staff,
                        const struct clinks *links)
{
	if (!(r->t.uses >> POSTS_QR & 1))
		return 0;
	for (size_t i = 0; i < staff->n; i++) {
		const struct staff *st = &staff->v[i];
		const struct clink *l = campaign_first_link(links, st->id);
		char handle[CHECK_HANDLE_MAX + 1], link[CAMPAIGN_SHORT_URL_MAX];
		char path[4096];
		view_copy(handle, sizeof handle, st->handle, st->handle_len);
		if (!l || (l->flags & LINK_DISABLED) ||
		    only_index(r, handle) == -1)
			continue;
		campaign_short_url(link, r->base, l->code);
		if (qr_value(r, handle, link, path, sizeof path))
			return EXIT_REFUSED;
	}
	return 0;
}

/* One colleague's post, to DIR/HANDLE.txt or the mbox.  0 or
 * EXIT_REFUSED (reported). */
static int post_one(struct run *r, const struct staff *st,
                    const struct clink *l)
{
	char handle[CHECK_HANDLE_MAX + 1];
	view_copy(handle, sizeof handle, st->handle, st->handle_len);
	long oi = only_index(r, handle);
	if (oi == -1)
		return 0;
	if (oi >= 0)
		r->only_seen[oi] = 1;
	if (l->flags & LINK_DISABLED) {
		out_err("warning: %s's link %s is disabled: no post for them",
		        handle, l->code);
		send_skip_disabled(&r->send);
		r->skipped++;
		return 0;
	}
	char link[CAMPAIGN_SHORT_URL_MAX];
	campaign_short_url(link, r->base, l->code);
	struct posts_values v = { 0 };
	v.v[POSTS_NAME] = st->name;
	v.n[POSTS_NAME] = st->name_len;
	v.v[POSTS_FIRST_NAME] = posts_first_name(st->name, st->name_len,
	                                         &v.n[POSTS_FIRST_NAME]);
	v.v[POSTS_LINK] = link;
	v.n[POSTS_LINK] = strlen(link);
	v.v[POSTS_CAMPAIGN] = r->cname;
	v.n[POSTS_CAMPAIGN] = strlen(r->cname);
	v.v[POSTS_TEAM] = st->team;
	v.n[POSTS_TEAM] = st->team_len;
	char qr[4096];
	if (r->t.uses >> POSTS_QR & 1) {
		/* Checked by qr_check_all: this only makes the path. */
		if (qr_file_path(qr, sizeof qr, r->o->qr, handle))
			return EXIT_REFUSED;
		v.v[POSTS_QR] = qr;
		v.n[POSTS_QR] = strlen(qr);
	}
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

/* --staff's handles: each a colleague with a link in the campaign, or
 * nothing is written or sent.  0 or EXIT_REFUSED (reported). */
static int only_check(const struct run *r, const struct cstaff *staff,
                      const struct clinks *links)
{
	for (size_t i = 0; i < r->nonly; i++) {
		size_t j = 0;
		while (j < staff->n &&
		       !view_eq(staff->v[j].handle, staff->v[j].handle_len,
		                r->only[i]))
			j++;
		if (j == staff->n) {
			out_err("--staff: no colleague '%s'", msg_shows(r->only[i]));
			return EXIT_REFUSED;
		}
		if (!campaign_first_link(links, staff->v[j].id)) {
			out_err("--staff: %s has no link in campaign '%s'",
			        msg_shows(r->only[i]), msg_shows(r->cname));
			return EXIT_REFUSED;
		}
	}
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
	r->send.campaign = c.id;
	view_copy(r->cname, sizeof r->cname, c.name, c.name_len);
	if (c.flags & CAMPAIGN_DISABLED) {
		out_err("campaign '%s' is disabled: its links answer %s (linkctl "
		        "campaign enable '%s' first)", msg_shows(r->cname),
		        "410 or 404", msg_shows(r->cname));
		goto out;
	}
	if (campaign_figures_count(&r->fig, &s, txn))
		goto out;
	if (only_check(r, &staff, &links) || qr_check_all(r, &staff, &links))
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
	/* The messages are rendered: mailing them needs the store no more. */
	txn_read_end(&s, NULL);
	if (r->o->send)
		rc = send_run(&r->send, r->cname);
	else
		rc = 0;
	free(links.v);
	free(staff.v);
	return rc;
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

/* --staff a,b,c into r->only.  0 or EXIT_USAGE (reported). */
static int parse_only(struct run *r, const char *list)
{
	for (const char *p = list;;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (r->nonly == STAFF_ONLY_MAX)
			return msg_usage_error("campaign posts: --staff: more than "
			                       "%d handles", STAFF_ONLY_MAX);
		if (!check_handle(p, n, r->only[r->nonly]))
			return msg_usage_error("campaign posts: --staff: '%s' is "
			                       "not a handle", msg_show(p, n));
		r->nonly++;
		if (!e)
			return 0;
		p = e + 1;
	}
}

/* {qr} needs --qr DIR, as the figures need --log.  0 or EXIT_USAGE
 * (reported). */
static int qr_option_check(const struct posts_template *t, const char *dir)
{
	if ((t->uses >> POSTS_QR & 1) && !dir)
		return msg_usage_error("campaign posts: {qr} needs --qr DIR (the "
		                       "QR codes campaign create --qr DIR wrote)");
	return 0;
}

/* The options that must go together.  0 or EXIT_USAGE (reported). */
static int check_options(const struct posts_opts *o, const struct args *a)
{
	static const char *const send_only[] = {
		"--mailer", "--resend", "--id", "--dry-run", "--ledger" };
	const char *given[] = { o->mailer, o->resend, o->id, o->dry_run,
	                        o->ledger };
	if (a->npos != 1)
		return msg_usage_error("campaign posts: expected one NAME");
	if (!o->template)
		return msg_usage_error("campaign posts: --template FILE is required");
	if (!!o->out + !!o->mbox + !!o->send != 1)
		return msg_usage_error("campaign posts: one of --out DIR, "
		                       "--mbox FILE and --send");
	if (o->out && o->from)
		return msg_usage_error("campaign posts: --from goes with --mbox "
		                       "or --send");
	for (size_t i = 0; i < sizeof given / sizeof *given; i++)
		if (given[i] && !o->send)
			return msg_usage_error("campaign posts: %s goes with --send",
			                       send_only[i]);
	if (o->id && (!*o->id || strlen(o->id) > 64 ||
	              strcspn(o->id, "\t\n\r") != strlen(o->id)))
		return msg_usage_error("campaign posts: --id: 1 to 64 characters "
		                       "on one line, got '%s'", msg_shows(o->id));
	return 0;
}

/* From, the mailer and the ledger of a run that mails: the options, else
 * -c FILE's mail_from and mailer.  0, EXIT_USAGE or EXIT_REFUSED
 * (reported). */
static int mail_setup(struct run *r)
{
	const struct posts_opts *o = r->o;
	const struct config *cfg;
	int rc = conf_load(&cfg);
	if (rc)
		return rc;
	const char *from = o->from ? o->from : cfg->mail_from;
	if (!*from)
		return msg_usage_error("campaign posts: %s needs --from "
		                       "'NAME <ADDRESS>' (or mail_from in -c FILE)",
		                       o->mbox ? "--mbox" : "--send");
	if ((rc = parse_from(r, from)))
		return rc;
	if (!o->send)
		return 0;
	r->send.mailer = o->mailer ? o->mailer : cfg->mailer;
	r->send.resend = o->resend != NULL;
	r->send.dry_run = o->dry_run != NULL;
	char err[300];
	if (mailer_check(r->send.mailer, err, sizeof err)) {
		out_err("campaign posts: %s (set it with --mailer CMD or mailer "
		        "in -c FILE); nothing sent", err);
		return EXIT_REFUSED;
	}
	const char *store = txn_store_path();
	if (!store)
		return EXIT_REFUSED;
	if (o->ledger)
		snprintf(r->ledger_dir, sizeof r->ledger_dir, "%s", o->ledger);
	else if (send_ledger_dir(store, r->ledger_dir,
	                         sizeof r->ledger_dir)) {
		out_err("campaign posts: the store's path is too long");
		return EXIT_REFUSED;
	}
	r->send.ledger_dir = r->ledger_dir;
	r->send.store_dir = store;
	r->send.timeout_ms = cfg->mailer_timeout_ms;
	return 0;
}

int campaign_posts_main(int argc, char **argv)
{
	static struct run r;    /* large (--staff's handles): not on the stack */
	struct posts_opts o = { 0 };
	struct args a;
	int rc = args_parse(argc, argv, "campaign posts", options, &o, &a);
	if (rc != ARGS_RUN)
		return rc;
	if ((rc = check_options(&o, &a)))
		return rc;
	memset(&r, 0, sizeof r);
	r.o = &o;
	struct target_policy policy;
	if ((rc = campaign_base_url("campaign posts", o.base_url, &policy, &r.base)) ||
	    (o.staff && (rc = parse_only(&r, o.staff))) ||
	    (!o.out && (rc = mail_setup(&r))))
		return rc;
	if ((rc = posts_time(&o, &r.now)))
		return rc;
	if ((rc = load_template(&r)) == 0 &&
	    (rc = campaign_figures_check(&r.fig, &r.t, &o.log, o.last)) == 0 &&
	    (rc = qr_option_check(&r.t, o.qr)) == 0)
		rc = posts_write(&r, a.pos[0]);
	if (rc == 0 && !o.send) {
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
	posts_buf_free(&r.msg);
	send_free(&r.send);
	return rc;
}
