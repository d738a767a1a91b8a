/*
 * ledger: which message went to whom, so that `campaign posts --send`
 * mails nobody the same message twice by accident -- not on a second run,
 * not when two runs overlap, not after a run was killed.
 *
 * An LMDB environment of its own, a directory beside the store
 * ("mail-ledger" next to the store's directory, or --ledger DIR), not in
 * the store: the daily send then needs to read the store and the log but
 * to write only this.  One record per (campaign, message, colleague),
 * where the message is the template's bytes and the day (or --id) hashed
 * together.  A record says how far that message got:
 *
 *   SENDING  claimed by a live process, which hands it to the mailer
 *   SENT     the mailer took it (exit status 0)
 *   FAILED   the mailer refused it or could not be started; sent again
 *            by the next run
 *
 * A SENDING record whose owner is no longer alive (pid, its start time
 * and the boot it ran in are kept, so a reused pid does not look alive)
 * is the one case nobody can settle: the mailer may or may not have
 * taken the message.  The caller reports it rather than risk a second
 * copy.  Claims and settlements are write transactions with LMDB's
 * durable commit; LMDB's writer lock makes "look, then claim" one step
 * across processes.
 *
 * Functions return 0 or an LMDB code (an errno value or MDB_*), and never
 * print.  ledger_decode is pure.
 */
#ifndef REDIRECTD_LINKCTL_LEDGER_H
#define REDIRECTD_LINKCTL_LEDGER_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#define LEDGER_KEY_LEN 16
#define LEDGER_REASON_MAX 200

enum ledger_state {
	LEDGER_NONE = 0, LEDGER_SENDING = 1, LEDGER_SENT = 2, LEDGER_FAILED = 3
};

/* A process, told apart from a later one with the same pid. */
struct ledger_owner {
	uint32_t pid;
	uint64_t start;                 /* clock ticks after boot */
	unsigned char boot[16];         /* the kernel's boot id */
};

struct ledger_entry {
	uint8_t state;
	uint64_t at_us;                 /* when it got there */
	struct ledger_owner owner;      /* who claimed or settled it */
	char reason[LEDGER_REASON_MAX + 1];   /* FAILED: why; else "" */
};

struct ledger_key {
	unsigned char b[LEDGER_KEY_LEN];
};

struct ledger {
	MDB_env *env;
	MDB_dbi dbi;
};

/* The message's part of the key: the template's bytes and the label (the
 * day, or --id), hashed. */
uint64_t ledger_message(const void *template, size_t len, const char *label);
/* The key of one colleague's copy of a campaign's message. */
void ledger_key(struct ledger_key *k, uint32_t campaign, uint64_t message,
                uint32_t staff);

/* Open the ledger in dir; with create, make the directory (0750) and the
 * environment when missing.  Without create and without a ledger: ENOENT
 * (nothing was ever sent).  A directory others could have planted links
 * in is refused with a PRIVDIR_* code (privdir.h).  On error *l is
 * closed; ledger_strerror words any code it returns. */
int ledger_open(struct ledger *l, const char *dir, int create);
const char *ledger_strerror(int rc);
void ledger_close(struct ledger *l);

/* The record of k, read in txn (a read or write transaction of l):
 * 0, or MDB_NOTFOUND (state LEDGER_NONE), or EINVAL for a record this
 * version cannot read. */
int ledger_get(const struct ledger *l, MDB_txn *txn,
               const struct ledger_key *k, struct ledger_entry *e);

/* What ledger_claim found. */
enum ledger_claim {
	LEDGER_CLAIMED,     /* now ours: hand it to the mailer */
	LEDGER_DONE,        /* already sent (and not resend) */
	LEDGER_BUSY,        /* a live process is sending it (*seen) */
	LEDGER_UNKNOWN,     /* a process died sending it (*seen) */
};

/*
 * In one write transaction: look at k's record and, when it is nobody's
 * (none, failed; sent too with resend), make it SENDING by self.
 * *result says which; *seen is the record found.  Returns 0 or the LMDB
 * code.
 */
int ledger_claim(struct ledger *l, const struct ledger_key *k,
                 const struct ledger_owner *self, int resend,
                 enum ledger_claim *result, struct ledger_entry *seen);

/* Settle k as SENT or FAILED (with reason) by self, durably. */
int ledger_settle(struct ledger *l, const struct ledger_key *k,
                  const struct ledger_owner *self, enum ledger_state state,
                  const char *reason);

/* The calling process's identity, from /proc.  0 or an errno value. */
int ledger_self(struct ledger_owner *o);
/* 1 when o is still running (on this boot, with that start time). */
int ledger_alive(const struct ledger_owner *o);

/* Codec, pure: value bytes to an entry (0 or EINVAL), and an entry to at
 * most LEDGER_VALUE_MAX bytes (returns the length). */
#define LEDGER_VALUE_MAX (40 + LEDGER_REASON_MAX)
int ledger_decode(const void *val, size_t len, struct ledger_entry *e);
size_t ledger_encode(const struct ledger_entry *e, unsigned char *out);

#endif
