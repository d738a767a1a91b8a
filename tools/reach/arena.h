/*
 * arena: the memory of reach's visitor sets, sketches and country
 * histograms: zeroed blocks of 2^k bytes carved from 2 MiB chunks mapped
 * with transparent huge pages asked for.  These are probed at random, and
 * with 4 KiB pages nearly every probe is a TLB miss (on a VM, a two-level
 * page walk): with malloc, which gives huge pages only to mappings of its
 * own, most of a 200 MB working set was on 4 KiB pages and the counting
 * loop ran at half speed.
 *
 * Freed blocks wait on a list per size for the next request of that size,
 * or are split for a smaller one; blocks are never merged (sets only grow,
 * so what they free is mostly taken again by other sets growing).  Blocks
 * of a chunk or more are mappings of their own.  Nothing here is called
 * per record; not thread-safe.
 */
#ifndef REDIRECTD_ARENA_H
#define REDIRECTD_ARENA_H

#include <stddef.h>
#include <sys/mman.h>

#define ARENA_CHUNK_SHIFT 21
#define ARENA_CHUNK ((size_t)1 << ARENA_CHUNK_SHIFT)
#define ARENA_MIN_SHIFT 6                   /* 64 bytes */

/* All zero is an empty arena. */
struct arena {
	void *free[ARENA_CHUNK_SHIFT];  /* by size 2^k; next in the block */
	unsigned char *cur;             /* the rest of the newest chunk */
	size_t left;
	void **chunks;                  /* every chunk, unmapped at the end */
	size_t nchunks, capchunks;
};

/* k for a size: the smallest power of two >= bytes (and >= 64). */
static inline unsigned arena_shift(size_t bytes)
{
	unsigned k = ARENA_MIN_SHIFT;
	while (((size_t)1 << k) < bytes)
		k++;
	return k;
}

/* A zeroed block of 2^k bytes, or NULL.  The arena owns it. */
void *arena_get(struct arena *a, unsigned k);

/* Give back a block of 2^k bytes that arena_get returned (NULL: none). */
static inline void arena_put(struct arena *a, void *p, unsigned k)
{
	if (!p)
		return;
	if (k >= ARENA_CHUNK_SHIFT) {
		munmap(p, (size_t)1 << k);
		return;
	}
	*(void **)p = a->free[k];
	a->free[k] = p;
}

/* Unmap the chunks.  Blocks of a chunk or more are their own mappings:
 * their owners put them back first. */
void arena_free(struct arena *a);

#endif
