/*
 * test_groups: reach's group tables (tools/reach/groups.c, countries.c):
 * dense ids in an array, ids past GROUPS_DENSE_MAX in a side map, pairs
 * numbered in order of first sight, countries numbered likewise with
 * every group's histogram grown when they pass its capacity, and the text
 * of a country code.
 */
#include <stdint.h>
#include <string.h>

#include "countries.h"
#include "groups.h"
#include "tap.h"

int main(void)
{
	struct arena a = { 0 };
	struct groups g = { .arena = &a };

	struct group *c = groups_get(&g, 5);
	ok(c && g.ndense > 5, "a small id: the dense array grows to it");
	ok(!groups_any(c), "a new group saw nothing");
	c->cls[CLASS_HUMAN] = 3;
	ok(groups_get(&g, 5) == c && groups_any(c), "the same group again");
	ok(((uintptr_t)g.dense % 64) == 0, "groups are 64-byte aligned");

	uint32_t far = GROUPS_DENSE_MAX + 7, farther = UINT32_MAX;
	struct group *s = groups_get(&g, far);
	ok(s && g.ndense <= GROUPS_DENSE_MAX, "a large id: a side group, no "
	   "giant array");
	s->internal = 1;
	struct group *t = groups_get(&g, farther);
	ok(t && t != s && groups_get(&g, far)->internal == 1,
	   "side groups apart, found again");
	ok(groups_find(&g, far) == groups_get(&g, far) &&
	   groups_find(&g, GROUPS_DENSE_MAX + 8) == NULL &&
	   groups_find(&g, GROUPS_DENSE_MAX - 1) == NULL,
	   "groups_find finds and makes nothing");
	size_t n = groups_count(&g);
	is_int(n, g.ndense + 2, "count: the dense array and two side groups");
	ok(groups_id(&g, n - 2) == far && groups_id(&g, n - 1) == farther &&
	   groups_at(&g, n - 2) == s, "side groups in order of first sight");
	ok(groups_each_visitors(&g, n - 1) == &groups_at(&g, n - 1)->vis &&
	   groups_each_visitors(&g, n) == NULL, "the visitors of each group");

	struct pairs p = { 0 };
	ok(pairs_get(&p, 1, 2) == 0 && pairs_get(&p, 0, 0) == 1 &&
	   pairs_get(&p, 2, 1) == 2 && pairs_get(&p, 1, 2) == 0,
	   "pairs numbered in order of first sight, (0, 0) too");
	ok(pairs_staff(&p, 2) == 2 && pairs_campaign(&p, 2) == 1,
	   "a number maps back to its pair");
	int all = 1;
	for (uint32_t i = 0; i < 5000; i++)
		all &= pairs_get(&p, i, UINT32_MAX - i) == (int64_t)i + 3;
	for (uint32_t i = 0; i < 5000; i++)
		all &= pairs_get(&p, i, UINT32_MAX - i) == (int64_t)i + 3 &&
		       pairs_staff(&p, i + 3) == i;
	ok(all && pairs_get(&p, 1, 2) == 0, "5,000 more pairs keep their "
	   "numbers as the table grows");
	pairs_free(&p);

	struct countries ct = { 0 };
	ok(countries_init(&ct) == 0, "countries");
	is_int(countries_index(&ct, &g, "\0\0"), 0, "unknown is index 0");
	is_int(countries_index(&ct, &g, "FR"), 1, "the first country seen: 1");
	is_int(countries_index(&ct, &g, "DE"), 2, "the next: 2");
	is_int(countries_index(&ct, &g, "FR"), 1, "FR again: 1");
	c = groups_get(&g, 5);
	c->ctry = arena_get(&a, arena_shift(ct.ctry_cap * sizeof *c->ctry));
	c->ctry[2] = 9;
	uint32_t cap = ct.ctry_cap;
	char cc[2] = { 'A', 'A' };
	for (int i = 0; i < 40; i++, cc[1]++)
		countries_index(&ct, &g, cc);
	ok(ct.ctry_cap > cap && ct.n == 43, "43 countries: the capacity grew "
	   "(%u)", ct.ctry_cap);
	ok(groups_get(&g, 5)->ctry[2] == 9, "a histogram keeps its counts when "
	   "it grows");

	char text[8];
	countries_text(0, text);
	is_str(text, "unknown", "code 0: unknown");
	countries_text('F' << 8 | 'R', text);
	is_str(text, "FR", "letters: as they are");
	countries_text(0x0141, text);
	is_str(text, "#0141", "other bytes: in hex");
	countries_field("\0\0", text);
	is_str(text, "", "a field: unknown is empty");
	countries_field("\xff" "A", text);
	is_str(text, "#ff41", "a field: other bytes in hex");

	countries_free(&ct);
	groups_free(&g);
	arena_free(&a);
	return tap_done();
}
