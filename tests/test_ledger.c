/*
 * test_ledger: tools/linkctl/ledger.c -- the record codec (round trip,
 * every truncation and bad field refused), keys (campaign, message and
 * colleague each change them; the template's bytes and the label each
 * change the message), processes told apart (this one alive; a dead
 * child, another boot and another start time not), and claims over a
 * real LMDB ledger: claimed once, DONE after SENT, BUSY while a live
 * process holds it, UNKNOWN after its holder died, FAILED claimed again,
 * resend claims SENT and UNKNOWN.
 */
#include "ledger.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void codec(void)
{
	struct ledger_entry e = { .state = LEDGER_FAILED, .at_us = 123456789,
	                          .owner = { .pid = 4242, .start = 99 } };
	memset(e.owner.boot, 0xab, sizeof e.owner.boot);
	snprintf(e.reason, sizeof e.reason, "the mailer exited with status 75");
	unsigned char buf[LEDGER_VALUE_MAX];
	size_t n = ledger_encode(&e, buf);
	struct ledger_entry d;
	is_int(ledger_decode(buf, n, &d), 0, "a record decodes");
	ok(d.state == e.state && d.at_us == e.at_us && d.owner.pid == 4242 &&
	   d.owner.start == 99 && !memcmp(d.owner.boot, e.owner.boot, 16),
	   "state, time and owner round-trip");
	is_str(d.reason, e.reason, "the reason round-trips");
	int bad = 0;
	for (size_t k = 0; k < n; k++)
		bad += ledger_decode(buf, k, &d) != 0;
	is_int(bad, (long long)n, "every truncation of it is refused");
	unsigned char b2[LEDGER_VALUE_MAX + 1];
	memcpy(b2, buf, n);
	b2[n] = 'x';
	ok(ledger_decode(b2, n + 1, &d) != 0, "a byte too many is refused");
	b2[0] = 2;
	ok(ledger_decode(b2, n, &d) != 0, "another version is refused");
	memcpy(b2, buf, n);
	b2[1] = 0;
	ok(ledger_decode(b2, n, &d) != 0, "state 0 is refused");
	b2[1] = 4;
	ok(ledger_decode(b2, n, &d) != 0, "state 4 is refused");
	memcpy(b2, buf, n);
	b2[n - 3] = '\0';
	ok(ledger_decode(b2, n, &d) != 0, "a NUL in the reason is refused "
	   "(found by fuzz_ledger: it re-encoded shorter)");
	memset(e.reason, 'r', sizeof e.reason - 1);
	e.reason[sizeof e.reason - 1] = '\0';
	n = ledger_encode(&e, buf);
	is_int(n, LEDGER_VALUE_MAX, "the longest reason fits the buffer");
	is_int(ledger_decode(buf, n, &d), 0, "and decodes");
}

static void keys(void)
{
	uint64_t m = ledger_message("Hi {name}", 9, "2026-12-02");
	ok(m == ledger_message("Hi {name}", 9, "2026-12-02"),
	   "the same template and label: the same message");
	ok(m != ledger_message("Hi {name}", 9, "2026-12-03"),
	   "another day: another message");
	ok(m != ledger_message("Hi {name}!", 10, "2026-12-02"),
	   "another template: another message");
	ok(ledger_message("ab", 2, "c") != ledger_message("a", 1, "bc"),
	   "template and label do not run into one another");
	struct ledger_key a, b, c, d;
	ledger_key(&a, 1, m, 7);
	ledger_key(&b, 2, m, 7);
	ledger_key(&c, 1, m + 1, 7);
	ledger_key(&d, 1, m, 8);
	ok(memcmp(a.b, b.b, LEDGER_KEY_LEN) && memcmp(a.b, c.b, LEDGER_KEY_LEN) &&
	   memcmp(a.b, d.b, LEDGER_KEY_LEN),
	   "campaign, message and colleague each change the key");
	ok(memcmp(a.b, b.b, LEDGER_KEY_LEN) < 0,
	   "keys sort by campaign first (big-endian)");
}

static void processes(void)
{
	struct ledger_owner self, o;
	is_int(ledger_self(&self), 0, "this process's identity");
	ok(self.pid == (uint32_t)getpid() && self.start > 0,
	   "its pid and start time");
	ok(ledger_alive(&self), "this process is alive");
	o = self;
	o.start++;
	ok(!ledger_alive(&o), "the same pid with another start time is not");
	o = self;
	o.boot[0] ^= 1;
	ok(!ledger_alive(&o), "the same process of another boot is not");
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	o = self;
	o.pid = (uint32_t)pid;
	ok(!ledger_alive(&o), "a child that exited and was reaped is not");
}

static void claims(const char *dir)
{
	struct ledger l;
	struct ledger_owner self, dead;
	struct ledger_entry seen, e;
	enum ledger_claim res;
	struct ledger_key k;
	ledger_self(&self);
	dead = self;
	dead.start++;
	is_int(ledger_open(&l, dir, 0), ENOENT,
	       "no ledger yet: ENOENT without create");
	is_int(ledger_open(&l, dir, 1), 0, "created");
	ledger_key(&k, 3, 77, 5);
	is_int(ledger_claim(&l, &k, &self, 0, &res, &seen), 0, "claim");
	is_int(res, LEDGER_CLAIMED, "a new message is claimed");
	is_int(ledger_claim(&l, &k, &self, 0, &res, &seen), 0, "claim again");
	is_int(res, LEDGER_BUSY, "held by a live process: busy");
	is_int(ledger_settle(&l, &k, &self, LEDGER_SENT, NULL), 0, "settle");
	ledger_claim(&l, &k, &self, 0, &res, &seen);
	is_int(res, LEDGER_DONE, "sent: done");
	ledger_claim(&l, &k, &self, 1, &res, &seen);
	is_int(res, LEDGER_CLAIMED, "sent, with resend: claimed");
	ledger_settle(&l, &k, &self, LEDGER_FAILED, "status 75");
	ledger_claim(&l, &k, &self, 0, &res, &seen);
	is_int(res, LEDGER_CLAIMED, "failed: claimed again");
	is_str(seen.reason, "status 75", "the failure's reason was seen");
	ledger_settle(&l, &k, &dead, LEDGER_SENDING, NULL);
	ledger_claim(&l, &k, &self, 0, &res, &seen);
	is_int(res, LEDGER_UNKNOWN, "held by a dead process: unknown");
	ok(seen.owner.start == dead.start, "the dead holder is told");
	MDB_txn *txn;
	mdb_txn_begin(l.env, NULL, MDB_RDONLY, &txn);
	ledger_get(&l, txn, &k, &e);
	mdb_txn_abort(txn);
	is_int(e.state, LEDGER_SENDING, "an unknown claim is left as it was");
	ledger_claim(&l, &k, &self, 1, &res, &seen);
	is_int(res, LEDGER_CLAIMED, "unknown, with resend: claimed");
	ledger_close(&l);
	is_int(ledger_open(&l, dir, 0), 0, "opened read-only");
	mdb_txn_begin(l.env, NULL, MDB_RDONLY, &txn);
	is_int(ledger_get(&l, txn, &k, &e), 0, "read back");
	is_int(e.state, LEDGER_SENDING, "as the last claim left it");
	struct ledger_key other;
	ledger_key(&other, 3, 77, 6);
	is_int(ledger_get(&l, txn, &other, &e), MDB_NOTFOUND,
	       "another colleague's: not found");
	mdb_txn_abort(txn);
	ledger_close(&l);
}

int main(void)
{
	char tmpl[] = "/tmp/test_ledger.XXXXXX";
	if (!mkdtemp(tmpl))
		return 1;
	char dir[300];
	snprintf(dir, sizeof dir, "%s/ledger", tmpl);
	codec();
	keys();
	processes();
	claims(dir);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
