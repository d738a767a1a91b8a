/*
 * visitors: what runs once per set, not per record: growing a set,
 * turning it into a sketch, shedding the largest over the budget (see
 * visitors.h for the rules).
 */
#include "visitors.h"

#include <math.h>

void visitors_budget_init(struct visitors_budget *b, struct arena *a,
                          uint64_t exact_limit, size_t limit,
                          struct visitors *(*each)(void *ctx, size_t i),
                          void *ctx)
{
	*b = (struct visitors_budget){
		.arena = a, .exact_limit = exact_limit, .limit = limit,
		.next_shed = limit, .each = each, .ctx = ctx,
	};
}

uint64_t visitors_count(const struct visitors *v)
{
	if (visitors_estimated(v))
		return (uint64_t)llround(hll_estimate(v->v.hll));
	return v->n;
}

int visitors_sketch(struct visitors_budget *b, struct visitors *v)
{
	struct hll *h = arena_get(b->arena, arena_shift(sizeof *h));
	if (!h)
		return -1;
	hll_init(h);
	for (size_t i = 0; v->mask && i <= v->mask; i++)
		if (v->v.tab[i])
			hll_add(h, v->v.tab[i]);
	b->bytes -= visitors_bytes(v);
	visitors_free(b->arena, v);
	v->v.hll = h;
	hll_floor_scan(h, &v->floor);
	b->bytes += sizeof *h;
	return 0;
}

int visitors_shed(struct visitors_budget *b)
{
	size_t low = b->limit - b->limit / 8;
	while (b->bytes > low) {
		struct visitors *big = NULL, *v;
		size_t most = sizeof(struct hll);
		for (size_t i = 0; (v = b->each(b->ctx, i)); i++)
			if (v->mask && visitors_bytes(v) > most) {
				big = v;
				most = visitors_bytes(v);
			}
		if (!big)
			break;
		if (visitors_sketch(b, big) < 0)
			return -1;
	}
	/* Left above the budget with nothing worth converting (many small
	 * groups): look again only after another eighth of it, so that
	 * growing small sets does not scan every group each time. */
	b->next_shed = b->bytes > low ? b->bytes + b->limit / 8 : b->limit;
	return 0;
}

/* Put h in a table that has room and does not hold it. */
static void visitors_put(uint64_t *tab, size_t mask, uint64_t h)
{
	size_t j = h & mask;
	while (tab[j])
		j = (j + 1) & mask;
	tab[j] = h;
}

/* Double v's set (or make its first) and add h.  Walking the old table in
 * order writes the new one in two nearly sequential streams (slot j goes
 * to j or j + old size): no random misses while rehashing.  Returns 0, or
 * -1 out of memory. */
static int visitors_grow(struct visitors_budget *b, struct visitors *v,
                         uint64_t h, size_t cap)
{
	uint64_t *tab = arena_get(b->arena, arena_shift(cap * sizeof *tab));
	if (!tab)
		return -1;
	for (size_t i = 0; v->mask && i <= v->mask; i++)
		if (v->v.tab[i])
			visitors_put(tab, cap - 1, v->v.tab[i]);
	b->bytes -= visitors_bytes(v);
	uint32_t n = v->n;
	visitors_free(b->arena, v);
	v->v.tab = tab;
	v->mask = (uint32_t)(cap - 1);
	v->n = n + 1;
	visitors_put(tab, cap - 1, h);
	b->bytes += cap * sizeof *tab;
	return 0;
}

int visitors_add_slow(struct visitors_budget *b, struct visitors *v,
                      uint64_t h)
{
	size_t slots = v->mask ? (size_t)v->mask + 1 : VISITORS_MIN / 2;
	if (v->n >= b->exact_limit || slots * 2 > VISITORS_MAX) {
		if (visitors_sketch(b, v) < 0)
			return -1;
		hll_add_floor(v->v.hll, &v->floor, h);
	} else if (visitors_grow(b, v, h, slots * 2) < 0) {
		return -1;
	}
	return b->bytes > b->next_shed ? visitors_shed(b) : 0;
}
