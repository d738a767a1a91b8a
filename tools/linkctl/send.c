/* send: campaign posts --send.  See send.h. */
#include "send.h"

#include "grow.h"
#include "ledger.h"
#include "mailer.h"
#include "msg.h"
#include "out.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* One queued message: offsets into s->text. */
struct send_item {
	uint32_t staff_id;
	size_t handle, addr, subject, subject_len, msg, msg_len;
	struct ledger_entry before;     /* the ledger at the start */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
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

void send_skip_opted_out(struct send *s)
{
	s->opted_out++;
}

void send_skip_no_address(struct send *s)
{
	s->no_address++;
}

void send_skip_disabled(struct send *s)
{
	s->disabled++;
}

/* Append p[0..n) and a NUL to s->text; its offset in *off.  -1: out of
 * memory. */
static int text_add(struct send *s, const char *p, size_t n, size_t *off)
{
	if (s->text_cap - s->len < n + 1) {
		size_t cap = s->text_cap ? s->text_cap : 65536;
		while (cap - s->len < n + 1)
			cap *= 2;
		char *t = realloc(s->text, cap);
		if (!t)
			return -1;
		s->text = t;
		s->text_cap = cap;
	}
	*off = s->len;
	memcpy(s->text + s->len, p, n);
	s->text[s->len + n] = '\0';
	s->len += n + 1;
	return 0;
}

int send_queue(struct send *s, uint32_t staff_id, const char *handle,
               const char *addr, const char *subject, size_t subject_len,
               const char *msg, size_t len)
{
	struct send_item *v = grow_array(s->items, &s->cap, s->n, sizeof *v);
	if (!v)
		return ENOMEM;
	s->items = v;
	struct send_item *it = &v[s->n];
	memset(it, 0, sizeof *it);
	it->staff_id = staff_id;
	it->subject_len = subject_len;
	it->msg_len = len;
	size_t mark = s->len;
	if (text_add(s, handle, strlen(handle), &it->handle) ||
	    text_add(s, addr, strlen(addr), &it->addr) ||
	    text_add(s, subject, subject_len, &it->subject) ||
	    text_add(s, msg, len, &it->msg)) {
		s->len = mark;
		return ENOMEM;
	}
	s->n++;
	return 0;
}

void send_free(struct send *s)
{
	free(s->items);
	free(s->text);
	s->items = NULL;
	s->text = NULL;
	s->n = s->cap = s->len = s->text_cap = 0;
}

/* Signals that stop the run between messages; one that was ignored when
 * linkctl started (nohup) stays ignored.  A SIGCHLD ignored by whoever
 * started linkctl would make the mailer's exit status unknowable. */
static void signals_set(void)
{
	struct sigaction sa = { .sa_handler = on_signal }, old;
	/* No SA_RESTART: a read waiting for the courier returns, and the
	 * loop looks at stop after the message in flight. */
	sigemptyset(&sa.sa_mask);
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
}

static int by_staff(const void *a, const void *b)
{
	uint32_t x = (*(struct send_item *const *)a)->staff_id;
	uint32_t y = (*(struct send_item *const *)b)->staff_id;
	return x < y ? -1 : x > y;
}

/*
 * The ledger's records of this message, one cursor pass over its keys
 * (they sort together), into each item's before.  With create, the
 * ledger is made if missing (and so proven writable before anything is
 * sent).  The ledger is closed again: couriers open their own.  0 or
 * EXIT_REFUSED (reported).
 */
static int snapshot(struct send *s, int create)
{
	struct ledger l;
	int rc = ledger_open(&l, s->ledger_dir, create);
	if (rc == ENOENT && !create)
		return 0;           /* nothing was ever sent */
	if (rc) {
		out_err("ledger %s: %s: nothing sent", s->ledger_dir,
		        ledger_strerror(rc));
		return EXIT_REFUSED;
	}
	struct send_item **idx = malloc((s->n ? s->n : 1) * sizeof *idx);
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	if (!idx) {
		rc = ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < s->n; i++)
		idx[i] = &s->items[i];
	qsort(idx, s->n, sizeof *idx, by_staff);
	struct ledger_key first;
	ledger_key(&first, s->campaign, s->message, 0);
	MDB_val k = { LEDGER_KEY_LEN, first.b }, v;
	if ((rc = mdb_txn_begin(l.env, NULL, MDB_RDONLY, &txn)) ||
	    (rc = mdb_cursor_open(txn, l.dbi, &cur)))
		goto out;
	size_t j = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != LEDGER_KEY_LEN || memcmp(k.mv_data, first.b, 12))
			break;
		const unsigned char *kb = k.mv_data;
		uint32_t id = (uint32_t)kb[12] << 24 | (uint32_t)kb[13] << 16 |
		              (uint32_t)kb[14] << 8 | kb[15];
		while (j < s->n && idx[j]->staff_id < id)
			j++;
		if (j < s->n && idx[j]->staff_id == id &&
		    ledger_decode(v.mv_data, v.mv_size, &idx[j]->before))
			memset(&idx[j]->before, 0, sizeof idx[j]->before);
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
out:
	if (cur)
		mdb_cursor_close(cur);
	if (txn)
		mdb_txn_abort(txn);
	ledger_close(&l);
	free(idx);
	if (rc) {
		out_err("ledger %s: %s: nothing sent", s->ledger_dir,
		        mdb_strerror(rc));
		return EXIT_REFUSED;
	}
	return 0;
}

/* The ledger's record of one message now (state LEDGER_NONE without
 * one, or when it cannot be read). */
static void peek(const struct send *s, uint32_t staff_id,
                 struct ledger_entry *e)
{
	struct ledger l;
	struct ledger_key k;
	MDB_txn *txn;
	memset(e, 0, sizeof *e);
	ledger_key(&k, s->campaign, s->message, staff_id);
	if (ledger_open(&l, s->ledger_dir, 0))
		return;
	if (mdb_txn_begin(l.env, NULL, MDB_RDONLY, &txn) == 0) {
		if (ledger_get(&l, txn, &k, e))
			memset(e, 0, sizeof *e);
		mdb_txn_abort(txn);
	}
	ledger_close(&l);
}

static void when_text(uint64_t us, char out[32])
{
	time_t t = (time_t)(us / 1000000u);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M:%S %Z", &tm);
}

static const char *item_str(const struct send *s, size_t off)
{
	return s->text + off;
}

/* A message nobody can tell went or not: say so, and how to send it. */
static void report_unknown(struct send *s, const char *handle,
                           const char *what)
{
	out_err("%s: %s: whether it went is not known; look in the mail log "
	        "or ask, then send it again with --resend --staff %s if it "
	        "did not", handle, what, handle);
	s->unknown++;
}

/* A claim whose holder died: the one case a person settles. */
static void report_dead_claim(struct send *s, const char *handle,
                              const struct ledger_entry *e)
{
	char when[32], what[300];
	when_text(e->at_us, when);
	snprintf(what, sizeof what, "the process (pid %u) handing this "
	         "message to the mailer at %s was killed",
	         (unsigned)e->owner.pid, when);
	report_unknown(s, handle, what);
}

/* After the courier died without a word: what the ledger says. */
static void settle_lost(struct send *s, const struct send_item *it,
                        const struct mailer_result *r)
{
	const char *handle = item_str(s, it->handle);
	struct ledger_entry e;
	peek(s, it->staff_id, &e);
	if (e.state == LEDGER_SENT && e.owner.pid == (uint32_t)r->courier) {
		s->sent++;
	} else if (e.state == LEDGER_SENDING &&
	           e.owner.pid == (uint32_t)r->courier) {
		char what[300];
		snprintf(what, sizeof what, "the process handing this message "
		         "to the mailer died (%s)", r->reason);
		report_unknown(s, handle, what);
	} else {
		out_err("%s: not sent: the process sending it died (%s) before "
		        "it took the message (the next run tries again)", handle,
		        r->reason);
		s->failed++;
	}
}

/* One message through its courier.  0, or EXIT_REFUSED when the run
 * cannot go on (the ledger refused the claim; reported). */
static int send_item(struct send *s, const struct send_item *it,
                     size_t *busy, size_t *nbusy)
{
	const char *handle = item_str(s, it->handle);
	struct ledger_key k;
	struct mailer_result r;
	ledger_key(&k, s->campaign, s->message, it->staff_id);
	int rc = mailer_send(s->mailer, s->ledger_dir, &k, s->resend,
	                     s->timeout_ms, item_str(s, it->msg), it->msg_len,
	                     &r);
	if (rc) {
		out_err("%s: not sent: %s", handle, strerror(rc));
		s->failed++;
		return 0;
	}
	switch (r.outcome) {
	case MAILER_SENT:
		s->sent++;
		return 0;
	case MAILER_DONE:
		s->already++;
		return 0;
	case MAILER_BUSY:
		busy[(*nbusy)++] = (size_t)(it - s->items);
		return 0;
	case MAILER_UNKNOWN:
		report_dead_claim(s, handle, &r.seen);
		return 0;
	case MAILER_FAILED:
		out_err("%s: not sent: %s (the next run tries again)", handle,
		        r.reason);
		s->failed++;
		return 0;
	case MAILER_UNSETTLED:
		report_unknown(s, handle, r.reason);
		return 0;
	case MAILER_LOST:
		settle_lost(s, it, &r);
		return 0;
	case MAILER_LEDGER:
		break;
	}
	out_err("%s: not sent: %s; stopping", handle, r.reason);
	s->failed++;
	return EXIT_REFUSED;
}

/* Messages another run was sending when ours came to them: wait until
 * it settles them (or dies), and count what it did. */
static void wait_busy(struct send *s, const size_t *busy, size_t nbusy)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < nbusy; i++) {
		const struct send_item *it = &s->items[busy[i]];
		const char *handle = item_str(s, it->handle);
		struct ledger_entry e;
		for (;;) {
			peek(s, it->staff_id, &e);
			if (e.state != LEDGER_SENDING || !ledger_alive(&e.owner))
				break;
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			/* Its mailer has as long as ours; then some. */
			if ((now.tv_sec - t0.tv_sec) * 1000 >
			    (long)s->timeout_ms + 10000)
				break;
			nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
		}
		if (e.state == LEDGER_SENT) {
			s->already++;
		} else if (e.state == LEDGER_FAILED) {
			out_err("%s: not sent by the run (pid %u) that had it: %s "
			        "(the next run tries again)", handle,
			        (unsigned)e.owner.pid, e.reason);
			s->failed++;
		} else if (e.state == LEDGER_SENDING && !ledger_alive(&e.owner)) {
			report_dead_claim(s, handle, &e);
		} else {
			out_err("%s: still being sent by another run (pid %u)",
			        handle, (unsigned)e.owner.pid);
			s->busy++;
		}
	}
}

/* The dry run: what would go, and what stands in the way. */
static void dry_item(struct send *s, const struct send_item *it)
{
	const char *handle = item_str(s, it->handle);
	if (it->before.state == LEDGER_SENDING) {
		if (ledger_alive(&it->before.owner)) {
			out_err("%s: being sent by another run (pid %u) right now",
			        handle, (unsigned)it->before.owner.pid);
			s->busy++;
		} else {
			report_dead_claim(s, handle, &it->before);
		}
		if (!s->resend)
			return;
	}
	/* handle, address, subject: a TSV line a script can read. */
	printf("%s\t%s\t%.*s\n", handle, item_str(s, it->addr),
	       (int)it->subject_len, item_str(s, it->subject));
	s->sent++;
}

/* The ledger is a directory of its own: written into the store's, its
 * records would land in the store's main database. */
static int ledger_apart(const struct send *s)
{
	struct stat a, b;
	if (stat(s->ledger_dir, &a) == 0 && stat(s->store_dir, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		out_err("ledger %s: that is the store; the ledger needs a "
		        "directory of its own: nothing sent", s->ledger_dir);
		return EXIT_REFUSED;
	}
	return 0;
}

/* The run's line on standard error. */
static void summary(const struct send *s, const char *campaign_name)
{
	char line[640];
	size_t o = 0;
#define ADD(...) \
	o += (size_t)snprintf(line + o, o < sizeof line ? sizeof line - o : 0, \
	                      __VA_ARGS__)
	ADD("campaign '%s': %zu %s, %zu already sent", msg_shows(campaign_name),
	    s->sent, s->dry_run ? "would be sent" : "sent", s->already);
	if (s->failed)
		ADD(", %zu not sent (above)", s->failed);
	if (s->unknown)
		ADD(", %zu unknown (above)", s->unknown);
	if (s->busy)
		ADD(", %zu being sent by another run", s->busy);
	size_t skipped = s->opted_out + s->no_address + s->disabled;
	if (skipped) {
		ADD(", %zu skipped (%zu opted out, %zu without an address", skipped,
		    s->opted_out, s->no_address);
		if (s->disabled)
			ADD(", %zu with a disabled link", s->disabled);
		ADD(")");
	}
	if (stop)
		ADD("; stopped by a signal: run it again for the rest");
#undef ADD
	fprintf(stderr, "%s\n", line);
}

int send_run(struct send *s, const char *campaign_name)
{
	signals_set();
	int rc = 0;
	size_t *busy = NULL, nbusy = 0;
	if (!s->dry_run && (rc = ledger_apart(s)))
		return rc;
	if ((rc = snapshot(s, !s->dry_run)))
		return rc;
	if (!s->dry_run && !(busy = malloc((s->n ? s->n : 1) * sizeof *busy))) {
		out_err("%s", strerror(ENOMEM));
		return EXIT_REFUSED;
	}
	for (size_t i = 0; i < s->n && !stop && rc == 0; i++) {
		const struct send_item *it = &s->items[i];
		if (it->before.state == LEDGER_SENT && !s->resend)
			s->already++;
		else if (s->dry_run)
			dry_item(s, it);
		else
			rc = send_item(s, it, busy, &nbusy);
	}
	wait_busy(s, busy, nbusy);
	free(busy);
	summary(s, campaign_name);
	if (s->dry_run)
		return msg_flush();
	return rc || s->failed || s->unknown || s->busy || stop ? EXIT_REFUSED
	                                                         : 0;
}
