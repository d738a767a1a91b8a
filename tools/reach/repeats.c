/*
 * repeats: the largest count per group (see repeats.h); the counting is
 * inline there.
 */
#include "repeats.h"

int repeats_settle(struct repeats *r)
{
	for (size_t k = 0; k < r->pair.n; k++) {
		int fresh;
		uint64_t *m = u64map_get(&r->most, (uint32_t)r->pair.key[k],
		                         &fresh);
		if (!m)
			return -1;
		if (r->pair.val[k] > *m)
			*m = r->pair.val[k];
	}
	return 0;
}

uint64_t repeats_max(const struct repeats *r, uint32_t id)
{
	const uint64_t *m = u64map_find(&r->most, id);
	return m ? *m : 0;
}

void repeats_free(struct repeats *r)
{
	u64map_free(&r->visitor);
	u64map_free(&r->pair);
	u64map_free(&r->most);
}
