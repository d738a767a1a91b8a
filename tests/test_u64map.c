/*
 * test_u64map: the map of reach's number-keyed tables (tools/reach/u64map.c):
 * keys get dense indices in order of first sight, values start at 0 and
 * stay put, key 0 is a key like any other, and the table grows past its
 * load without losing a key.
 */
#include <stdint.h>
#include <stdlib.h>

#include "tap.h"
#include "u64map.h"

int main(void)
{
	struct u64map m = { 0 };
	int fresh = -1;

	ok(u64map_index(&m, 7) == -1 && u64map_find(&m, 0) == NULL,
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
	ok(u64map_index(&m, 7) == 0 && u64map_index(&m, 0) == 1 && m.n == 2,
	   "indices in order of first sight");
	is_int(u64map_add(&m, 9), 2, "u64map_add: the next index");
	ok(m.key[2] == 9 && m.val[2] == 0, "its key and a value of 0");

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
	is_int(m.n, n + 3, "all counted");
	ok(m.n * 2 <= m.mask + 1, "at most half full (%zu of %zu slots)",
	   m.n, m.mask + 1);
	all = 1;
	for (uint64_t i = 1; i <= n; i++) {
		const uint64_t *p = u64map_find(&m, i << 32);
		if (!p || *p != i || u64map_index(&m, i << 32) != (int64_t)i + 2)
			all = 0;
	}
	ok(all, "every key finds its value and index after the growth");
	ok(*u64map_find(&m, 7) == 42 && *u64map_find(&m, 0) == 5,
	   "the first keys survived the growth");
	ok(u64map_find(&m, (n + 1) << 32) == NULL && u64map_index(&m, 8) == -1,
	   "keys never added are not found");
	uint64_t sum = 0;
	for (size_t i = 3; i < m.n; i++)
		sum += m.val[i] == m.key[i] >> 32 ? m.val[i] : 0;
	ok(sum == n * (n + 1) / 2, "the dense arrays hold every key with its "
	   "value");

	u64map_free(&m);
	ok(u64map_find(&m, 7) == NULL && m.n == 0, "freed: empty again");
	return tap_done();
}
