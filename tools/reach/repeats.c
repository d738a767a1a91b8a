/*
 * repeats: the groups' tables and their largest counts (see repeats.h);
 * the counting is inline there.
 */
#include "repeats.h"

#include <stdlib.h>
#include <string.h>

int64_t repeats_group(struct repeats *r, uint32_t id)
{
	if (r->group.n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct u64map *p = realloc(r->per, cap * sizeof *p);
		if (!p)
			return -1;
		memset(p + r->cap, 0, (cap - r->cap) * sizeof *p);
		r->per = p;
		r->cap = cap;
	}
	return u64map_add(&r->group, id);
}

void repeats_settle(struct repeats *r)
{
	for (size_t k = 0; k < r->group.n; k++) {
		uint64_t most = 0;
		for (size_t i = 0; i < r->per[k].n; i++)
			if (r->per[k].val[i] > most)
				most = r->per[k].val[i];
		r->group.val[k] = most;
	}
}

uint64_t repeats_max(const struct repeats *r, uint32_t id)
{
	const uint64_t *m = u64map_find(&r->group, id);
	return m ? *m : 0;
}

void repeats_free(struct repeats *r)
{
	for (size_t k = 0; k < r->group.n; k++)
		u64map_free(&r->per[k]);
	free(r->per);
	u64map_free(&r->group);
}
