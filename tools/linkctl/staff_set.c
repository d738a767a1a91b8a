/*
 * staff_set: linkctl staff set HANDLE [--mail | --no-mail] [--name NAME]
 * [--team TEAM] [--email ADDR] -- one colleague changed in one write
 * transaction: whether they are mailed (STAFF_NO_MAIL: colleagues are free
 * to opt out of `campaign posts --send`) and the fields staff add set,
 * under the same rules (check.c).  The handle and the id stay, so the
 * colleague's links and their clicks stay theirs.  Says on stderr what
 * changed, from what to what.
 */
#include "args.h"
#include "check.h"
#include "commands.h"
#include "msg.h"
#include "out.h"
#include "staff.h"
#include "txn.h"
#include "view.h"

#include <stdio.h>
#include <string.h>

struct set_opts {
	const char *mail, *no_mail;   /* flags: "" when given */
	const char *name, *team, *email;
};

#define OPT(member) ARGS_FIELD(struct set_opts, member)
static const struct option set_options[] = {
	ARGS_COMMON,
	{ "mail", no_argument, NULL, OPT(mail) },
	{ "no-mail", no_argument, NULL, OPT(no_mail) },
	{ "name", required_argument, NULL, OPT(name) },
	{ "team", required_argument, NULL, OPT(team) },
	{ "email", required_argument, NULL, OPT(email) },
	{ 0, 0, 0, 0 } };

/* A text field of the colleague: its new value (NULL: left as it is) and,
 * when that differs, the old one, copied out before the write moves it. */
struct field {
	const char *word;     /* "name", as in the message */
	const char *now;
	int changed;
	char was[CHECK_EMAIL_MAX + 1];   /* the longest of the three */
};

struct set {
	const char *handle;   /* as typed */
	int mail;             /* 1 --mail, 0 --no-mail, -1 neither */
	struct field f[3];    /* name, team, email */
	/* Outputs, reset by every attempt. */
	char folded[CHECK_HANDLE_MAX + 1];
	int mail_was, changes;
};

static int txn_set(MDB_txn *txn, struct store *s, void *arg)
{
	struct set *set = arg;
	struct staff st;
	uint32_t id;
	int rc;
	set->changes = 0;
	if ((rc = staff_find(txn, s, set->handle, strlen(set->handle), NULL, 0,
	                     &id)))
		return rc;
	if ((rc = store_staff_get_id(txn, s, id, &st)))
		return txn_report(rc, "store_staff_get_id");
	view_copy(set->folded, sizeof set->folded, st.handle, st.handle_len);

	struct { const char **v; size_t *n; } cur[3] = {
		{ &st.name, &st.name_len }, { &st.team, &st.team_len },
		{ &st.email, &st.email_len },
	};
	for (int i = 0; i < 3; i++) {
		struct field *f = &set->f[i];
		f->changed = f->now && !view_eq(*cur[i].v, *cur[i].n, f->now);
		if (!f->changed)
			continue;
		view_copy(f->was, sizeof f->was, *cur[i].v, *cur[i].n);
		*cur[i].v = f->now;
		*cur[i].n = strlen(f->now);
		set->changes++;
	}
	set->mail_was = !(st.flags & STAFF_NO_MAIL);
	if (set->mail >= 0 && set->mail != set->mail_was) {
		st.flags = set->mail ? (uint8_t)(st.flags & ~STAFF_NO_MAIL)
		                     : (uint8_t)(st.flags | STAFF_NO_MAIL);
		set->changes++;
	}
	if (!set->changes)
		return 0;   /* already so: nothing to write */
	return txn_report(store_staff_put(txn, s, &st), "store_staff_put");
}

/* "staff 'ana': team 'comms' -> 'ops', mail yes -> no" on stderr. */
static void set_report(const struct set *set)
{
	fprintf(stderr, "staff '%s': ", set->folded);
	if (!set->changes) {
		fputs("nothing changed (already so)\n", stderr);
		return;
	}
	const char *sep = "";
	for (int i = 0; i < 3; i++) {
		const struct field *f = &set->f[i];
		if (!f->changed)
			continue;
		fprintf(stderr, "%s%s '%s' -> '%s'", sep, f->word,
		        msg_shows(f->was), msg_shows(f->now));
		sep = ", ";
	}
	if (set->mail >= 0 && set->mail != set->mail_was)
		fprintf(stderr, "%smail %s -> %s", sep, set->mail_was ? "yes" : "no",
		        set->mail ? "yes" : "no");
	fputc('\n', stderr);
}

int staff_set_main(int argc, char **argv)
{
	struct set_opts o = { 0 };
	struct args a;
	int rc = args_parse(argc, argv, "staff set", set_options, &o, &a);
	if (rc != ARGS_RUN)
		return rc;
	if (a.npos != 1)
		return msg_usage_error("staff set: expected one HANDLE");
	if (o.mail && o.no_mail)
		return msg_usage_error("staff set: --mail or --no-mail, not both");
	if (!o.mail && !o.no_mail && !o.name && !o.team && !o.email)
		return msg_usage_error("staff set: nothing to change (--mail, "
		                       "--no-mail, --name, --team or --email)");
	const char *why = NULL;
	if ((o.name && (why = check_name(o.name, strlen(o.name)))) ||
	    (o.team && (why = check_team(o.team, strlen(o.team)))) ||
	    (o.email && (why = check_email(o.email, strlen(o.email))))) {
		out_err("%s", why);
		return EXIT_REFUSED;
	}
	struct set set = {
		.handle = a.pos[0],
		.mail = o.mail ? 1 : o.no_mail ? 0 : -1,
		.f = { { .word = "name", .now = o.name },
		       { .word = "team", .now = o.team },
		       { .word = "email", .now = o.email } },
	};
	if ((rc = txn_run(txn_set, &set)) == 0)
		set_report(&set);
	return rc;
}
