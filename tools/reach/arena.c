/*
 * arena: blocks of 2^k bytes from huge-page chunks (see arena.h).
 */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* A fresh mapping of bytes (a multiple of ARENA_CHUNK), 2 MiB aligned so
 * that it can be huge pages, or NULL. */
static void *arena_map_huge(size_t bytes)
{
	size_t span = bytes + ARENA_CHUNK;
	unsigned char *p = mmap(NULL, span, PROT_READ | PROT_WRITE,
	                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	size_t lead = (ARENA_CHUNK - (uintptr_t)p % ARENA_CHUNK) % ARENA_CHUNK;
	if (lead)
		munmap(p, lead);
	munmap(p + lead + bytes, span - lead - bytes);
	madvise(p + lead, bytes, MADV_HUGEPAGE);
	return p + lead;
}

/* A new chunk to carve from; the rest of the old one goes to the lists,
 * in blocks of the sizes its length is made of.  Returns 0 or -1. */
static int arena_new_chunk(struct arena *a)
{
	for (unsigned b = ARENA_MIN_SHIFT; b < ARENA_CHUNK_SHIFT; b++)
		if (a->left & ((size_t)1 << b)) {
			arena_put(a, a->cur, b);
			a->cur += (size_t)1 << b;
		}
	a->left = 0;
	if (a->nchunks == a->capchunks) {
		size_t cap = a->capchunks ? a->capchunks * 2 : 16;
		void **c = realloc(a->chunks, cap * sizeof *c);
		if (!c)
			return -1;
		a->chunks = c;
		a->capchunks = cap;
	}
	if (!(a->cur = arena_map_huge(ARENA_CHUNK)))
		return -1;
	a->chunks[a->nchunks++] = a->cur;
	a->left = ARENA_CHUNK;
	return 0;
}

void *arena_get(struct arena *a, unsigned k)
{
	size_t size = (size_t)1 << k;
	if (k >= ARENA_CHUNK_SHIFT)
		return arena_map_huge(size);    /* anonymous: zeroed */
	unsigned j = k;
	while (j < ARENA_CHUNK_SHIFT && !a->free[j])
		j++;
	if (j < ARENA_CHUNK_SHIFT) {
		void *p = a->free[j];
		a->free[j] = *(void **)p;
		/* Split down to k: the upper halves go to the lists. */
		while (j > k) {
			j--;
			arena_put(a, (unsigned char *)p + ((size_t)1 << j), j);
		}
		memset(p, 0, size);
		return p;
	}
	if (a->left < size && arena_new_chunk(a) < 0)
		return NULL;
	/* Chunk memory is carved once, so still zero. */
	void *p = a->cur;
	a->cur += size;
	a->left -= size;
	return p;
}

void arena_free(struct arena *a)
{
	for (size_t i = 0; i < a->nchunks; i++)
		munmap(a->chunks[i], ARENA_CHUNK);
	free(a->chunks);
	memset(a, 0, sizeof *a);
}
