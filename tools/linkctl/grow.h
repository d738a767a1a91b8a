/*
 * grow: room for one more element in a heap array that doubles (64
 * elements first), for the lists linkctl builds while reading a file or a
 * transaction.
 */
#ifndef REDIRECTD_LINKCTL_GROW_H
#define REDIRECTD_LINKCTL_GROW_H

#include <stdlib.h>

/* v (holding cap elements of size) with room for element n: v itself, or
 * a larger copy with *cap updated, or NULL when out of memory (v stays
 * valid and the caller's to free). */
static inline void *grow_array(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	size_t ncap = *cap ? *cap * 2 : 64;
	void *nv = realloc(v, ncap * size);
	if (nv)
		*cap = ncap;
	return nv;
}

#endif
