/*
 * groups: making groups (see groups.h); finding them, and the pairs, is
 * inline there.
 */
#include "groups.h"

#include <stdlib.h>
#include <string.h>

/* Grow an array of groups from n to cap, the new ones zeroed, 64-byte
 * aligned (see struct group; realloc keeps 16).  Returns the new array
 * (the old one is freed), or NULL with the old one untouched. */
static struct group *groups_grow(struct group *old, size_t n, size_t cap)
{
	struct group *p = aligned_alloc(64, cap * sizeof *p);
	if (!p)
		return NULL;
	if (n)
		memcpy(p, old, n * sizeof *p);
	memset(p + n, 0, (cap - n) * sizeof *p);
	free(old);
	return p;
}

/* The group of a side id, made on first sight; NULL out of memory. */
static struct group *groups_sparse(struct groups *g, uint32_t id)
{
	int64_t k = u64map_index(&g->sp_map, id);
	if (k >= 0)
		return &g->sp_grp[k];
	size_t n = g->sp_map.n;
	if (n == g->sp_cap) {
		size_t cap = g->sp_cap ? g->sp_cap * 2 : 32;
		struct group *grp = groups_grow(g->sp_grp, n, cap);
		if (!grp)
			return NULL;
		g->sp_grp = grp;
		g->sp_cap = cap;
	}
	if (u64map_add(&g->sp_map, id) < 0)
		return NULL;
	return &g->sp_grp[n];       /* zeroed by groups_grow */
}

struct group *groups_get_slow(struct groups *g, uint32_t id)
{
	if (id >= GROUPS_DENSE_MAX)
		return groups_sparse(g, id);
	uint32_t n = g->ndense ? g->ndense : 64;
	while (n <= id)
		n *= 2;
	struct group *d = groups_grow(g->dense, g->ndense, n);
	if (!d)
		return NULL;
	g->dense = d;
	g->ndense = n;
	return &d[id];
}

const struct group *groups_find(const struct groups *g, uint32_t id)
{
	if (id < g->ndense)
		return &g->dense[id];
	if (id < GROUPS_DENSE_MAX)
		return NULL;
	int64_t k = u64map_index(&g->sp_map, id);
	return k >= 0 ? &g->sp_grp[k] : NULL;
}

struct visitors *groups_each_visitors(void *ctx, size_t i)
{
	struct groups *g = ctx;
	return i < groups_count(g) ? &groups_at(g, i)->vis : NULL;
}

int groups_any(const struct group *c)
{
	for (int i = 0; i < CLASS_COUNT; i++)
		if (c->cls[i])
			return 1;
	return c->internal != 0;    /* internal clicks only: still a row */
}

void groups_free(struct groups *g)
{
	for (size_t i = 0; i < groups_count(g); i++)
		visitors_free(g->arena, &groups_at(g, i)->vis);
	free(g->dense);
	u64map_free(&g->sp_map);
	free(g->sp_grp);
}
