/*
 * strmap: a map from byte strings to u32 values, for tables built while
 * reading an input (linkctl's imports: a handle to its line, a colleague
 * or campaign to its id).  Open addressing with linear probing, the load
 * kept under 1/2; one allocation per doubling, none per key.
 *
 * Keys are views the map does not copy: they must outlive it (they point
 * into the input buffer), and may be empty but not NULL.  Not thread-safe.  A zeroed struct strmap is an
 * empty map.
 */
#ifndef REDIRECTD_STRMAP_H
#define REDIRECTD_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_ent {
	const char *key;   /* NULL: a free slot */
	uint32_t len;
	uint32_t val;
};

struct strmap {
	struct strmap_ent *e;
	size_t cap, n;     /* cap: 0 or a power of two */
};

/* 1 and *val when key[0..len) is in the map, else 0. */
int strmap_get(const struct strmap *m, const char *key, size_t len,
               uint32_t *val);
/* Insert or replace.  0, or ENOMEM (the map is as it was). */
int strmap_put(struct strmap *m, const char *key, size_t len, uint32_t val);
/* Empty the map, keeping its memory. */
void strmap_clear(struct strmap *m);
/* Free its memory; the map is empty (and usable) afterwards. */
void strmap_free(struct strmap *m);

#endif
