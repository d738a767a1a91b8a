/* ledger: which message went to whom.  See ledger.h. */
#include "ledger.h"

#include "le.h"
#include "privdir.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <xxhash.h>

/*
 * Address space for the ledger's map: a record takes under 100 bytes
 * with LMDB's own, so 10,000 colleagues mailed daily for a year is some
 * 400 MB.  The file grows with what it holds, not with the map.
 */
#define LEDGER_MAPSIZE ((size_t)64 << 30)

/* Value v1: u8 version, u8 state, u16 reason length, u32 pid, u64 start,
 * u64 at_us, 16 bytes boot id, reason. */
#define HDR 40

uint64_t ledger_message(const void *template, size_t len, const char *label)
{
	/* The label seeds the template's hash: one value from both, and no
	 * streaming state to allocate. */
	return XXH3_64bits_withSeed(template, len,
	                            XXH3_64bits(label, strlen(label)));
}

void ledger_key(struct ledger_key *k, uint32_t campaign, uint64_t message,
                uint32_t staff)
{
	/* Big-endian: a campaign's records sort together, a message's
	 * colleagues after one another. */
	for (int i = 0; i < 4; i++)
		k->b[i] = (unsigned char)(campaign >> (24 - 8 * i));
	for (int i = 0; i < 8; i++)
		k->b[4 + i] = (unsigned char)(message >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		k->b[12 + i] = (unsigned char)(staff >> (24 - 8 * i));
}

int ledger_decode(const void *val, size_t len, struct ledger_entry *e)
{
	const unsigned char *p = val;
	memset(e, 0, sizeof *e);
	if (len < HDR || p[0] != 1 || p[1] < LEDGER_SENDING ||
	    p[1] > LEDGER_FAILED)
		return EINVAL;
	size_t rl = le_get16(p + 2);
	/* The reason is text: a NUL in it would be a second spelling of a
	 * shorter one. */
	if (rl > LEDGER_REASON_MAX || len != HDR + rl || memchr(p + HDR, 0, rl))
		return EINVAL;
	e->state = p[1];
	e->owner.pid = le_get32(p + 4);
	e->owner.start = le_get64(p + 8);
	e->at_us = le_get64(p + 16);
	memcpy(e->owner.boot, p + 24, 16);
	memcpy(e->reason, p + HDR, rl);
	e->reason[rl] = '\0';
	return 0;
}

size_t ledger_encode(const struct ledger_entry *e, unsigned char *out)
{
	size_t rl = strnlen(e->reason, LEDGER_REASON_MAX);
	out[0] = 1;
	out[1] = e->state;
	le_put16(out + 2, (uint16_t)rl);
	le_put32(out + 4, e->owner.pid);
	le_put64(out + 8, e->owner.start);
	le_put64(out + 16, e->at_us);
	memcpy(out + 24, e->owner.boot, 16);
	memcpy(out + HDR, e->reason, rl);
	return HDR + rl;
}

int ledger_open(struct ledger *l, const char *dir, int create)
{
	MDB_txn *txn = NULL;
	char path[PRIVDIR_PATH_MAX];
	int rc, dfd;
	l->env = NULL;
	/* linkctl often runs as root: LMDB must not follow a link planted
	 * in the ledger's place or in it (privdir.h). */
	if ((rc = privdir_open(dir, create, 0750, &dfd)))
		return rc;
	privdir_path(dfd, path);
	if ((rc = mdb_env_create(&l->env)) ||
	    (rc = mdb_env_set_mapsize(l->env, LEDGER_MAPSIZE)) ||
	    (rc = mdb_env_open(l->env, path, create ? 0 : MDB_RDONLY, 0640))) {
		close(dfd);
		goto fail;
	}
	close(dfd);   /* LMDB holds its own descriptors of the files */
	int dead;
	mdb_reader_check(l->env, &dead);
	if ((rc = mdb_txn_begin(l->env, NULL, create ? 0 : MDB_RDONLY, &txn)) ||
	    (rc = mdb_dbi_open(txn, NULL, 0, &l->dbi)))
		goto fail;
	/* Committed even when read-only: an abort would close the handle. */
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc == 0)
		return 0;
fail:
	if (txn)
		mdb_txn_abort(txn);
	ledger_close(l);
	return rc;
}

const char *ledger_strerror(int rc)
{
	const char *why = privdir_strerror(rc);
	return why ? why : mdb_strerror(rc);
}

void ledger_close(struct ledger *l)
{
	if (l->env)
		mdb_env_close(l->env);
	l->env = NULL;
}

int ledger_get(const struct ledger *l, MDB_txn *txn,
               const struct ledger_key *k, struct ledger_entry *e)
{
	MDB_val key = { LEDGER_KEY_LEN, (void *)k->b }, v;
	memset(e, 0, sizeof *e);
	int rc = mdb_get(txn, l->dbi, &key, &v);
	if (rc)
		return rc;
	return ledger_decode(v.mv_data, v.mv_size, e);
}

static uint64_t now_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

static int put(struct ledger *l, MDB_txn *txn, const struct ledger_key *k,
               const struct ledger_owner *self, enum ledger_state state,
               const char *reason)
{
	struct ledger_entry e = { .state = (uint8_t)state, .at_us = now_us(),
	                          .owner = *self };
	snprintf(e.reason, sizeof e.reason, "%s", reason ? reason : "");
	unsigned char buf[LEDGER_VALUE_MAX];
	MDB_val key = { LEDGER_KEY_LEN, (void *)k->b };
	MDB_val v = { ledger_encode(&e, buf), buf };
	return mdb_put(txn, l->dbi, &key, &v, 0);
}

int ledger_claim(struct ledger *l, const struct ledger_key *k,
                 const struct ledger_owner *self, int resend,
                 enum ledger_claim *result, struct ledger_entry *seen)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(l->env, NULL, 0, &txn);
	if (rc)
		return rc;
	rc = ledger_get(l, txn, k, seen);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	if (rc)
		goto out;
	if (seen->state == LEDGER_SENDING) {
		*result = ledger_alive(&seen->owner) ? LEDGER_BUSY
		                                     : LEDGER_UNKNOWN;
		/* An unknown one is only sent again when asked to. */
		if (*result == LEDGER_BUSY || !resend)
			goto out;
	} else if (seen->state == LEDGER_SENT && !resend) {
		*result = LEDGER_DONE;
		goto out;
	}
	if ((rc = put(l, txn, k, self, LEDGER_SENDING, NULL)))
		goto out;
	*result = LEDGER_CLAIMED;
	return mdb_txn_commit(txn);
out:
	mdb_txn_abort(txn);
	return rc;
}

int ledger_settle(struct ledger *l, const struct ledger_key *k,
                  const struct ledger_owner *self, enum ledger_state state,
                  const char *reason)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(l->env, NULL, 0, &txn);
	if (rc)
		return rc;
	if ((rc = put(l, txn, k, self, state, reason))) {
		mdb_txn_abort(txn);
		return rc;
	}
	return mdb_txn_commit(txn);
}

/* ----------------------------------------------------------- processes */

/* Field 22 of /proc/PID/stat, the start time, read past the command
 * name (which may hold spaces and parentheses: the last ')' ends it). */
static int proc_start(uint32_t pid, uint64_t *start)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%u/stat", (unsigned)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	int err = errno;
	close(fd);
	if (n <= 0)
		return n < 0 ? err : EINVAL;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (!p)
		return EINVAL;
	/* p + 1 is the space before field 3 (the state); the start time
	 * is field 22. */
	p++;
	/* A zombie has ended: whatever it was doing is over (a parent that
	 * died leaves its children to an init that may be slow to reap). */
	if (p[0] == ' ' && (p[1] == 'Z' || p[1] == 'X'))
		return ENOENT;
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	unsigned long long v;
	if (!p || sscanf(p, " %llu", &v) != 1)
		return EINVAL;
	*start = v;
	return 0;
}

static int boot_id(unsigned char id[16])
{
	char buf[64];
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return EINVAL;
	buf[n] = '\0';
	size_t o = 0;
	for (ssize_t i = 0; i < n && o < 32; i++) {
		char c = buf[i];
		int d = c >= '0' && c <= '9' ? c - '0'
		        : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			continue;
		if (o % 2 == 0)
			id[o / 2] = (unsigned char)(d << 4);
		else
			id[o / 2] |= (unsigned char)d;
		o++;
	}
	return o == 32 ? 0 : EINVAL;
}

int ledger_self(struct ledger_owner *o)
{
	memset(o, 0, sizeof *o);
	o->pid = (uint32_t)getpid();
	int rc = proc_start(o->pid, &o->start);
	if (rc == 0)
		rc = boot_id(o->boot);
	return rc;
}

int ledger_alive(const struct ledger_owner *o)
{
	unsigned char boot[16];
	uint64_t start;
	if (boot_id(boot) == 0 && memcmp(boot, o->boot, sizeof boot) != 0)
		return 0;           /* another boot: everything of it is gone */
	int rc = proc_start(o->pid, &start);
	if (rc == ENOENT)
		return 0;
	if (rc == 0)
		return start == o->start;
	/* /proc unreadable: the pid alone, erring towards "alive" (a
	 * message is then reported, never sent twice). */
	return kill((pid_t)o->pid, 0) == 0 || errno == EPERM;
}
