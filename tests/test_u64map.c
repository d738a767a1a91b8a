/*
 * test_u64map: the map of reach's number-keyed tables (tools/reach/u64map.c):
 * values start at 0 and stay put, key 0 is a key like any other, the
 * table grows past its load without losing a key, and walking it meets
 * every key once.
 */
#include <stdint.h>
#include <stdlib.h>

#include "tap.h"
#include "u64map.h"

int main(void)
{
	struct u64map m = { 0 };
	int fresh = -1;

	ok(u64map_find(&m, 7) == NULL && u64map_find(&m, 0) == NULL,
	   "an empty map holds nothing, key 0 included");
	uint64_t *v = u64map_get(&m, 7, &fresh);
	ok(v && *v == 0 && fresh == 1, "a new key starts at 0, fresh");
	*v = 42;
	v = u64map_get(&m, 7, &fresh);
	ok(v && *v == 42 && fresh == 0, "the same key again: its value, not fresh");
	v = u64map_get(&m, 0, &fresh);
	ok(v && *v == 0 && fresh == 1, "key 0 is a key: new, fresh");
	*v = 5;
	ok(u64map_find(&m, 0) && *u64map_find(&m, 0) == 5, "key 0 keeps its value");
	is_int(u64map_count(&m), 2, "two keys, key 0 counted");

	/* Keys that collide in the low bits before mixing, and enough of
	 * them to double the table many times. */
	const uint64_t n = 100000;
	int all = 1;
	for (uint64_t i = 1; i <= n; i++) {
		uint64_t *p = u64map_get(&m, i << 32, &fresh);
		if (!p || !fresh)
			all = 0;
		else
			*p = i;
	}
	ok(all, "%llu more keys, each new", (unsigned long long)n);
	is_int(u64map_count(&m), n + 2, "all counted");
	ok((m.n + 0) * 4 <= (m.mask + 1) * 3, "at most 3/4 full (%zu of %zu)",
	   m.n, m.mask + 1);
	all = 1;
	for (uint64_t i = 1; i <= n; i++) {
		const uint64_t *p = u64map_find(&m, i << 32);
		if (!p || *p != i)
			all = 0;
	}
	ok(all, "every key finds its value after the growth");
	ok(*u64map_find(&m, 7) == 42 && *u64map_find(&m, 0) == 5,
	   "the first keys survived the growth");
	ok(u64map_find(&m, (n + 1) << 32) == NULL && u64map_find(&m, 8) == NULL,
	   "keys never added are not found");

	size_t pos = 0, seen = 0;
	uint64_t key, val, sum = 0;
	int zero = 0;
	while (u64map_next(&m, &pos, &key, &val)) {
		seen++;
		zero += key == 0;
		if (key && key != 7)
			sum += val;
	}
	is_int(seen, n + 2, "the walk meets every key");
	is_int(zero, 1, "key 0 once");
	ok(sum == n * (n + 1) / 2, "with its value");

	u64map_free(&m);
	ok(u64map_find(&m, 7) == NULL && u64map_count(&m) == 0,
	   "freed: empty again");
	pos = 0;
	ok(!u64map_next(&m, &pos, &key, &val), "an empty walk");
	return tap_done();
}
