/*
 * test_visitors: a group's visitors in bounded memory
 * (tools/reach/visitors.c): exact while a set fits, a HyperLogLog sketch
 * past --exact-limit, the largest sets sketched first when all of them pass
 * the budget, never a set no larger than a sketch, and the floor that lets
 * the loop skip a visitor without touching a sketch.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "hash.h"
#include "tap.h"
#include "visitors.h"

#define NGROUPS 8

static struct visitors groups[NGROUPS];

static struct visitors *each(void *ctx, size_t i)
{
	(void)ctx;
	return i < NGROUPS ? &groups[i] : NULL;
}

/* Add visitors first..first+n-1 (ids, hashed as reach does) to v. */
static int add(struct visitors_budget *b, struct visitors *v, uint64_t first,
               uint64_t n)
{
	for (uint64_t i = first; i < first + n; i++)
		if (visitors_add(b, v, hash_mix64(i)) < 0)
			return -1;
	return 0;
}

int main(void)
{
	struct arena a = { 0 };
	struct visitors_budget b;

	/* No limits: exact, whatever the repeats. */
	visitors_budget_init(&b, &a, UINT64_MAX, (size_t)64 << 20, each, NULL);
	struct visitors *v = &groups[0];
	ok(visitors_count(v) == 0 && !visitors_estimated(v), "a new group: none");
	ok(add(&b, v, 1, 1000) == 0 && add(&b, v, 1, 1000) == 0,
	   "1,000 visitors, each twice");
	is_int(visitors_count(v), 1000, "counted once each");
	ok(!visitors_estimated(v), "exact");
	ok(v->mask + 1 >= 1000 * 4 / 3, "at most 3/4 full (%u slots)", v->mask + 1);
	is_int(b.bytes, visitors_bytes(v), "the budget holds what the set takes");
	visitors_free(&a, v);
	ok(visitors_count(v) == 0 && v->v.tab == NULL, "freed: none again");

	/* --exact-limit 100: the 101st visitor makes a sketch. */
	memset(groups, 0, sizeof groups);
	visitors_budget_init(&b, &a, 100, (size_t)64 << 20, each, NULL);
	v = &groups[0];
	add(&b, v, 1, 100);
	ok(!visitors_estimated(v) && visitors_count(v) == 100,
	   "exact up to the limit");
	add(&b, v, 101, 1);
	ok(visitors_estimated(v), "a sketch past it");
	add(&b, v, 102, 9899);
	double est = (double)visitors_count(v);
	ok(fabs(est - 10000) / 10000 < 4 * HLL_STDERR,
	   "10,000 visitors estimated within four standard errors (%.0f)", est);
	is_int(b.bytes, sizeof(struct hll), "a sketch takes 16 KiB");
	/* Past a few keys per register none is empty: the floor rises. */
	add(&b, v, 10001, 300000);
	ok(v->floor.min >= 1, "300,000 more: the floor is %u", v->floor.min);
	uint64_t h = 0;
	for (uint64_t i = 1; !h && i < 1000000; i++)
		if (hll_rank(hash_mix64(i)) <= v->floor.min)
			h = hash_mix64(i);
	ok(h && visitors_skip(v, h), "a hash at the floor is skipped");
	ok(!visitors_skip(&groups[1], hash_mix64(1)),
	   "never in a group without a sketch");
	visitors_free(&a, v);

	/* A budget of 1 MiB over sets of different sizes: the largest are
	 * sketched first, until 7/8 of the budget is used. */
	memset(groups, 0, sizeof groups);
	visitors_budget_init(&b, &a, UINT64_MAX, (size_t)1 << 20, each, NULL);
	static const uint64_t sizes[NGROUPS] = { 10, 60000, 20, 30000, 5,
	                                         1000, 40000, 200 };
	int fine = 1;
	for (int g = 0; g < NGROUPS; g++)
		fine &= add(&b, &groups[g], (uint64_t)g << 32, sizes[g]) == 0;
	ok(fine, "eight groups counted");
	ok(b.bytes <= b.limit, "within the budget (%zu of %zu bytes)", b.bytes,
	   b.limit);
	ok(visitors_estimated(&groups[1]), "the largest (60,000) is a sketch");
	/* 30,000 and 40,000 take 512 KiB each: when the second passed the
	 * budget, the first of the two largest went. */
	ok(visitors_estimated(&groups[3]) && !visitors_estimated(&groups[6]) &&
	   visitors_count(&groups[6]) == 40000,
	   "of two equal largest sets, one is sketched: enough");
	int small = 1;
	for (int g = 0; g < NGROUPS; g++)
		if (sizes[g] <= 1000 && (visitors_estimated(&groups[g]) ||
		                         visitors_count(&groups[g]) != sizes[g]))
			small = 0;
	ok(small, "the small ones stay exact");
	size_t sum = 0;
	for (int g = 0; g < NGROUPS; g++)
		sum += visitors_bytes(&groups[g]);
	is_int(b.bytes, sum, "the budget's count is the groups' bytes");

	/* More groups than the budget covers: sets no larger than a sketch
	 * stay sets, so memory passes the budget rather than nothing
	 * being counted. */
	memset(groups, 0, sizeof groups);
	visitors_budget_init(&b, &a, UINT64_MAX, (size_t)16 << 10, each, NULL);
	fine = 1;
	for (int g = 0; g < NGROUPS; g++)
		fine &= add(&b, &groups[g], (uint64_t)g << 32, 1000) == 0;
	int exact = 1;
	for (int g = 0; g < NGROUPS; g++)
		exact &= !visitors_estimated(&groups[g]) &&
		         visitors_count(&groups[g]) == 1000;
	ok(fine && exact, "sets of 1,000 (16 KiB) are never sketched");

	for (int g = 0; g < NGROUPS; g++)
		visitors_free(&a, &groups[g]);
	arena_free(&a);
	return tap_done();
}
