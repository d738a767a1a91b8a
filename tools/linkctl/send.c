/* send: campaign posts --send.  See send.h. */
#include "send.h"

#include "mailer.h"
#include "msg.h"
#include "out.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int send_stopped(void)
{
	return stop != 0;
}

int send_ledger_dir(const char *store_dir, char *out, size_t outlen)
{
	size_t n = strlen(store_dir);
	while (n > 1 && store_dir[n - 1] == '/')
		n--;
	while (n && store_dir[n - 1] != '/')
		n--;
	int k = snprintf(out, outlen, "%.*smail-ledger", (int)n, store_dir);
	return k < 0 || (size_t)k >= outlen ? -1 : 0;
}

int send_begin(struct send *s)
{
	/* No SA_RESTART: a read waiting for the courier returns, and the
	 * loop looks at stop after the message in flight. */
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->snap_txn = NULL;
	int rc = ledger_open(&s->snap, s->ledger_dir, 0);
	if (rc == ENOENT)
		return 0;           /* nothing was ever sent */
	if (rc == 0 && (rc = mdb_txn_begin(s->snap.env, NULL, MDB_RDONLY,
	                                   &s->snap_txn)))
		ledger_close(&s->snap);
	if (rc) {
		out_err("ledger %s: %s", s->ledger_dir, mdb_strerror(rc));
		return EXIT_REFUSED;
	}
	return 0;
}

void send_skip_opted_out(struct send *s)
{
	s->opted_out++;
}

void send_skip_no_address(struct send *s)
{
	s->no_address++;
}

/* The snapshot's record of staff_id's copy (LEDGER_NONE without one). */
static void snapshot(const struct send *s, const struct ledger_key *k,
                     struct ledger_entry *e)
{
	memset(e, 0, sizeof *e);
	if (s->snap_txn && ledger_get(&s->snap, s->snap_txn, k, e))
		memset(e, 0, sizeof *e);
}

static void when_text(uint64_t us, char out[32])
{
	time_t t = (time_t)(us / 1000000u);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M:%S %Z", &tm);
}

int send_one(struct send *s, uint32_t staff_id, const char *handle,
             const char *addr, const char *subject, size_t subject_len,
             const char *msg, size_t len)
{
	struct ledger_key k;
	struct ledger_entry e;
	ledger_key(&k, s->campaign, s->message, staff_id);
	snapshot(s, &k, &e);
	if (e.state == LEDGER_SENT && !s->resend) {
		s->already++;
		return 0;
	}
	if (s->dry_run) {
		/* handle, address, subject: a TSV line a script can read. */
		printf("%s\t%s\t%.*s\n", handle, addr, (int)subject_len,
		       subject);
		s->sent++;
		return 0;
	}
	struct mailer_result r;
	int rc = mailer_send(s->mailer, s->ledger_dir, &k, s->resend, msg, len,
	                     &r);
	if (rc) {
		out_err("%s: not sent: %s", handle, strerror(rc));
		s->failed++;
		return 0;
	}
	char when[32];
	switch (r.outcome) {
	case MAILER_SENT:
		s->sent++;
		return 0;
	case MAILER_DONE:
		s->already++;
		return 0;
	case MAILER_BUSY:
		out_err("%s: being sent by another run (pid %u) right now: "
		        "left to it", handle, (unsigned)r.seen.owner.pid);
		s->busy++;
		return 0;
	case MAILER_UNKNOWN:
		when_text(r.seen.at_us, when);
		out_err("%s: a run (pid %u) was killed while handing this "
		        "message to the mailer at %s: whether it went is not "
		        "known; look in the mail log or ask, then send it again "
		        "with --resend --staff %s if it did not", handle,
		        (unsigned)r.seen.owner.pid, when, handle);
		s->unknown++;
		return 0;
	case MAILER_LOST:
		out_err("%s: the process handing this message to the mailer "
		        "died (%s): whether it went is not known; look in the "
		        "mail log or ask, then send it again with --resend "
		        "--staff %s if it did not", handle, r.reason, handle);
		s->unknown++;
		return 0;
	case MAILER_FAILED:
		out_err("%s: not sent: %s", handle, r.reason);
		s->failed++;
		return 0;
	case MAILER_LEDGER:
		break;
	}
	out_err("%s: %s", handle, r.reason);
	s->failed++;
	return EXIT_REFUSED;
}

int send_end(struct send *s, const char *campaign_name)
{
	if (s->snap_txn)
		mdb_txn_abort(s->snap_txn);
	s->snap_txn = NULL;
	ledger_close(&s->snap);
	char line[512];
	size_t o = 0;
#define ADD(...) \
	o += (size_t)snprintf(line + o, o < sizeof line ? sizeof line - o : 0, \
	                      __VA_ARGS__)
	ADD("campaign '%s': %zu %s, %zu already sent", msg_shows(campaign_name),
	    s->sent, s->dry_run ? "would be sent" : "sent", s->already);
	if (s->failed)
		ADD(", %zu not sent (above; the next run tries again)", s->failed);
	if (s->unknown)
		ADD(", %zu unknown (above)", s->unknown);
	if (s->busy)
		ADD(", %zu being sent by another run", s->busy);
	if (s->opted_out || s->no_address)
		ADD(", %zu skipped (%zu opted out, %zu without an address)",
		    s->opted_out + s->no_address, s->opted_out, s->no_address);
	if (stop)
		ADD("; stopped by a signal: run it again for the rest");
#undef ADD
	fprintf(stderr, "%s\n", line);
	if (s->dry_run)
		return msg_flush();
	return s->failed || s->unknown || stop ? EXIT_REFUSED : 0;
}
