/*
 * storewatch: noticing a swapped store, opening and publishing it, closing
 * the old ones, clearing stale reader slots.  See storewatch.h; storeslot.h
 * owns the publish/retire contract with the workers.
 */
#include "storewatch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logmsg.h"
#include "monotime.h"

void storewatch_init(struct storewatch *sw, const struct config *cfg,
                     struct store_slot *slot, struct segments *segs,
                     struct worker *workers, unsigned n_workers)
{
	*sw = (struct storewatch){
		.cfg = cfg,
		.slot = slot,
		.segs = segs,
		.workers = workers,
		.n_workers = n_workers,
		.readers_at_ms = monotime_ms(),
	};
}

/* Say why a swap is not followed: once per reason, not every second. */
static void storewatch_failed(struct storewatch *sw, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void storewatch_failed(struct storewatch *sw, const char *fmt, ...)
{
	char msg[sizeof sw->error];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (strcmp(msg, sw->error)) {
		logmsg("%s", msg);
		snprintf(sw->error, sizeof sw->error, "%s", msg);
	}
}

/* The directory on the way to path that this process cannot search: the
 * deepest prefix that stats, where the next one fails with EACCES.  Into
 * out; 0, or -1 when there is none (another error, or all of it stats). */
static int storewatch_unsearchable(const char *path, char *out, size_t n)
{
	char p[CONFIG_STR_MAX + 16];
	struct stat st;
	size_t last = 0;       /* length of the last prefix that stats */
	snprintf(p, sizeof p, "%s", path);
	size_t len = strlen(p);
	for (size_t i = 1; i <= len; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char c = p[i];
		p[i] = '\0';
		int r = stat(p, &st);
		int e = errno;
		p[i] = c;
		if (r == 0) {
			last = i;
			continue;
		}
		if ((e != EACCES && e != EPERM) || last == 0)
			return -1;
		snprintf(out, n, "%.*s", (int)last, p);
		return 0;
	}
	return -1;
}

/* The note when the daemon's user cannot reach db/data.mdb (started as
 * root with a store only root can reach, privs.h): it serves, but a swap
 * cannot be seen.  Names the directory in the way and the command that
 * mends it; redirectd-ship-store(8) makes copies the user can reach. */
static void storewatch_unwatchable(const struct config *cfg,
                                   const char *path)
{
	char who[64], dir[CONFIG_STR_MAX + 16];
	if (*cfg->user)
		snprintf(who, sizeof who, "%s", cfg->user);
	else
		snprintf(who, sizeof who, "%u", (unsigned)geteuid());
	if (storewatch_unsearchable(path, dir, sizeof dir) < 0)
		logmsg("note: store swaps of %s will not be followed: %s "
		       "cannot look into it (give the store and every "
		       "directory above it to the user: redirectd.conf(5), "
		       "db)", cfg->db, who);
	else if (!strcmp(dir, cfg->db))
		logmsg("note: store swaps of %s will not be followed: %s "
		       "cannot search the store's directory (chown -R %s: "
		       "%s/ ; copies shipped with redirectd-ship-store "
		       "--owner %s are; redirectd.conf(5), db)", cfg->db, who,
		       who, cfg->db, who);
	else
		logmsg("note: store swaps of %s will not be followed: %s "
		       "cannot search %s (chmod o+x %s, or give it to %s's "
		       "group; redirectd.conf(5), db)", cfg->db, who, dir,
		       dir, who);
}

/* Open the data.mdb that st describes; publish it.  0, or -1 (said why). */
static int storewatch_follow(struct storewatch *sw, const struct stat *st,
                             uint64_t now)
{
	const char *db = sw->cfg->db;
	struct store_gen *cur = storeslot_current(sw->slot);
	struct store_gen *gen;
	int rc = storeslot_open(db, sw->cfg->store_map_size, cur, &gen);
	if (rc) {
		if (!(st->st_dev == sw->bad_dev && st->st_ino == sw->bad_ino))
			sw->swap_failures++;
		sw->bad_dev = st->st_dev;
		sw->bad_ino = st->st_ino;
		sw->bad_at_ms = now;
		if (rc == EBUSY)
			storewatch_failed(sw, "store %s: data.mdb was replaced "
			                  "inside the directory in use; not "
			                  "followed (swap the directory: "
			                  "redirectd.conf(5), db); still serving "
			                  "%s", db, cur->dir);
		else
			storewatch_failed(sw, "store %s: the new store cannot be "
			                  "opened: %s; still serving %s", db,
			                  mdb_strerror(rc), cur->dir);
		return -1;
	}
	if (storeslot_publish(sw->slot, gen) < 0) {
		storeslot_close(gen);
		storewatch_failed(sw, "store %s: workers still hold %u old "
		                  "stores; the swap waits", db,
		                  STORESLOT_RETIRED_MAX);
		return -1;
	}
	sw->swaps++;
	sw->error[0] = '\0';
	sw->bad_dev = 0;
	sw->bad_ino = 0;
	logmsg("store %s swapped: now %s (generation %llu)", db, gen->dir,
	       (unsigned long long)gen->gen);
	/* Right after the publish, before the workers are woken: records of
	 * the new store go to segments naming it (a worker's pass begun on
	 * the old store still flushes into the old segment first). */
	segments_store(sw->segs, gen->id);
	/* Workers move between loop passes (server.c): wake them now. */
	worker_wake_all(sw->workers, sw->n_workers);
	return 0;
}

void storewatch_check(struct storewatch *sw, int force)
{
	const struct config *cfg = sw->cfg;
	struct store_gen *cur = storeslot_current(sw->slot);
	char path[CONFIG_STR_MAX + 16];
	struct stat st;
	snprintf(path, sizeof path, "%s/data.mdb", cfg->db);
	uint64_t now = monotime_ms();
	if (stat(path, &st) < 0) {
		if (errno == EACCES || errno == EPERM) {
			/* Said once (again only after it was mended and
			 * broke anew); not a degradation. */
			if (!sw->unwatchable)
				storewatch_unwatchable(cfg, path);
			sw->unwatchable = 1;
			return;
		}
		storewatch_failed(sw, "store %s: %s: %s; still serving %s",
		                  cfg->db, path, strerror(errno), cur->dir);
		return;
	}
	sw->unwatchable = 0;
	if (st.st_dev == cur->data_dev && st.st_ino == cur->data_ino) {
		sw->error[0] = '\0';   /* back to the store in use */
		return;
	}
	if (!force && st.st_dev == sw->bad_dev && st.st_ino == sw->bad_ino &&
	    now - sw->bad_at_ms < STOREWATCH_RETRY_MS)
		return;
	storewatch_follow(sw, &st, now);
}

void storewatch_reclaim(struct storewatch *sw)
{
	uint64_t min = worker_min_seen(sw->workers, sw->n_workers,
	                               WORKER_SEEN_STORE);
	unsigned n = storeslot_reclaim(sw->slot, min);
	if (n)
		logmsg("closed %u old store%s", n, n == 1 ? "" : "s");
}

void storewatch_readers(struct storewatch *sw)
{
	uint64_t now = monotime_ms();
	if (now - sw->readers_at_ms < STOREWATCH_READERS_MS)
		return;
	/* Reader slots of killed processes (a reach or mdb_stat killed
	 * mid-read) stay taken until someone clears them. */
	int dead = 0;
	mdb_reader_check(storeslot_current(sw->slot)->store.env, &dead);
	if (dead)
		logmsg("cleared %d stale LMDB reader slots", dead);
	sw->readers_at_ms = now;
}
