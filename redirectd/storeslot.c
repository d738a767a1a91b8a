/* storeslot: publishing and closing store generations.  See storeslot.h. */
#include "storeslot.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int storeslot_open(const char *db, size_t map, const struct store_gen *cur,
                   struct store_gen **out)
{
	struct store_gen *g = calloc(1, sizeof *g);
	if (!g)
		return ENOMEM;
	/* Resolve the link once: everything below (the environment, the
	 * identities) is about this one directory, whatever the link says
	 * by the time we are done. */
	char dir[PATH_MAX];
	if (!realpath(db, dir)) {
		int e = errno;
		free(g);
		return e;
	}
	snprintf(g->dir, sizeof g->dir, "%s", dir);
	struct stat st;
	char lock[sizeof g->dir + 16];
	snprintf(lock, sizeof lock, "%s/lock.mdb", g->dir);
	if (cur && stat(lock, &st) == 0 && st.st_dev == cur->lock_dev &&
	    st.st_ino == cur->lock_ino) {
		free(g);
		return EBUSY;
	}
	int rc = store_open_map(&g->store, g->dir, STORE_RDONLY, map);
	if (rc) {
		free(g);
		return rc;
	}
	rc = store_id_read(&g->store, g->id);
	if (rc == MDB_NOTFOUND)
		memset(g->id, 0, sizeof g->id);
	else if (rc) {
		storeslot_close(g);
		return rc;
	}
	int fd;
	if (mdb_env_get_fd(g->store.env, &fd) || fstat(fd, &st) < 0) {
		storeslot_close(g);
		return EIO;
	}
	g->data_dev = st.st_dev;
	g->data_ino = st.st_ino;
	if (stat(lock, &st) < 0) {
		rc = errno;
		storeslot_close(g);
		return rc;
	}
	g->lock_dev = st.st_dev;
	g->lock_ino = st.st_ino;
	*out = g;
	return 0;
}

void storeslot_close(struct store_gen *g)
{
	if (!g)
		return;
	store_close(&g->store);
	free(g);
}

int storeslot_publish(struct store_slot *s, struct store_gen *g)
{
	struct store_gen *old = atomic_load_explicit(&s->cur, memory_order_relaxed);
	if (old && s->n_retired == STORESLOT_RETIRED_MAX)
		return -1;
	g->gen = ++s->next_gen;
	atomic_store_explicit(&s->cur, g, memory_order_release);
	if (old)
		s->retired[s->n_retired++] = old;
	return 0;
}

unsigned storeslot_reclaim(struct store_slot *s, uint64_t min_seen)
{
	unsigned i = 0, closed = 0;
	while (i < s->n_retired) {
		struct store_gen *r = s->retired[i];
		if (r->gen >= min_seen) {
			i++;
			continue;
		}
		s->retired[i] = s->retired[--s->n_retired];
		storeslot_close(r);
		closed++;
	}
	return closed;
}

void storeslot_free(struct store_slot *s)
{
	while (s->n_retired)
		storeslot_close(s->retired[--s->n_retired]);
	struct store_gen *cur = atomic_load(&s->cur);
	atomic_store(&s->cur, NULL);
	storeslot_close(cur);
}
