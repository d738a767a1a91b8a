/*
 * test_arena: the huge-page arena of reach's visitor sets
 * (tools/reach/arena.c): blocks come zeroed and apart, a block given back
 * is taken again by the next of its size or split for smaller ones, and
 * blocks of a chunk or more are mappings of their own.
 */
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "tap.h"

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

int main(void)
{
	struct arena a = { 0 };

	is_int(arena_shift(1), ARENA_MIN_SHIFT, "the smallest block is 64 bytes");
	is_int(arena_shift(64), 6, "64 bytes: 2^6");
	is_int(arena_shift(65), 7, "65 bytes: 2^7");
	is_int(arena_shift(16384), 14, "a sketch: 2^14");

	unsigned char *p = arena_get(&a, 10), *q = arena_get(&a, 10);
	ok(p && q && all_zero(p, 1024) && all_zero(q, 1024), "two zeroed blocks");
	ok(q >= p + 1024 || p >= q + 1024, "that do not overlap");
	ok((uintptr_t)a.chunks[0] % ARENA_CHUNK == 0,
	   "chunks are 2 MiB aligned (huge pages possible)");
	memset(p, 0xab, 1024);
	arena_put(&a, p, 10);
	unsigned char *r = arena_get(&a, 10);
	ok(r == p, "a block given back is the next of its size");
	ok(all_zero(r, 1024), "and comes zeroed again");

	memset(r, 0xcd, 1024);
	arena_put(&a, r, 10);
	unsigned char *s = arena_get(&a, 8), *t = arena_get(&a, 8);
	ok(s == r, "a smaller request splits a free block");
	ok(t == r + 256, "its upper halves go to the lists");
	ok(all_zero(s, 256) && all_zero(t, 256), "split blocks come zeroed");

	unsigned char *big = arena_get(&a, ARENA_CHUNK_SHIFT + 1);
	ok(big && all_zero(big, (size_t)1 << (ARENA_CHUNK_SHIFT + 1)),
	   "a block of two chunks, zeroed");
	size_t chunks = a.nchunks;
	arena_put(&a, big, ARENA_CHUNK_SHIFT + 1);
	ok(a.nchunks == chunks, "it was a mapping of its own, not a chunk");

	/* Fill past one chunk: the rest of the first goes to the lists. */
	int got = 1;
	for (int i = 0; i < 40; i++)
		if (!arena_get(&a, 16))
			got = 0;
	ok(got && a.nchunks >= 2, "64 KiB blocks past a chunk take a new one "
	   "(%zu chunks)", a.nchunks);

	arena_free(&a);
	ok(a.nchunks == 0 && a.chunks == NULL, "freed");
	return tap_done();
}
