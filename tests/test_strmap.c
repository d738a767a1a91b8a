/* test_strmap: tools/common/strmap.c -- look-ups, replacing, growth past
 * many doublings, keys that differ in length only, clear and free. */
#include "hash.h"
#include "strmap.h"
#include "tap.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MANY 20000

static char keys[MANY][12];

int main(void)
{
	struct strmap m = { 0 };
	uint32_t v = 7;
	ok(!strmap_get(&m, "a", 1, &v), "an empty map has nothing");
	is_int(v, 7, "... and leaves *val alone");

	const char buf[] = "abcab";
	is_int(strmap_put(&m, buf, 1, 1), 0, "put a");
	is_int(strmap_put(&m, buf, 2, 2), 0, "put ab");
	is_int(strmap_put(&m, buf + 5, 0, 3), 0, "put the empty key");
	ok(strmap_get(&m, "a", 1, &v) && v == 1, "get a");
	ok(strmap_get(&m, "ab", 2, &v) && v == 2, "get ab: keys differ in length");
	ok(strmap_get(&m, "", 0, &v) && v == 3, "get the empty key");
	ok(!strmap_get(&m, "abc", 3, &v), "abc is not there");
	ok(strmap_get(&m, buf + 3, 2, &v) && v == 2,
	   "a key is found by its bytes, not its address");
	is_int(strmap_put(&m, "ab", 2, 20), 0, "replace ab");
	ok(strmap_get(&m, "ab", 2, &v) && v == 20, "... the new value");
	is_int(m.n, 3, "... still three keys");

	for (int i = 0; i < MANY; i++)
		snprintf(keys[i], sizeof keys[i], "k%d", i);
	int bad = 0;
	for (int i = 0; i < MANY; i++)
		bad += strmap_put(&m, keys[i], strlen(keys[i]), (uint32_t)i) != 0;
	is_int(bad, 0, "%d more keys", MANY);
	is_int(m.n, MANY + 3, "... all counted");
	ok(m.cap >= 2 * m.n && (m.cap & (m.cap - 1)) == 0,
	   "the table is a power of two, at most half full (%zu of %zu)", m.n,
	   m.cap);
	for (int i = 0; i < MANY; i++)
		bad += !strmap_get(&m, keys[i], strlen(keys[i]), &v) ||
		       v != (uint32_t)i;
	is_int(bad, 0, "every key found with its value after the growths");
	ok(strmap_get(&m, "ab", 2, &v) && v == 20, "the first keys survive too");
	ok(!strmap_get(&m, "k20000", 6, &v) && !strmap_get(&m, "k", 1, &v),
	   "keys never put are not found");

	size_t cap = m.cap;
	strmap_clear(&m);
	is_int(m.n, 0, "clear: empty");
	is_int(m.cap, cap, "clear: the memory kept");
	ok(!strmap_get(&m, "k1", 2, &v) && !strmap_get(&m, "a", 1, &v),
	   "clear: nothing found");
	ok(strmap_put(&m, "k1", 2, 9) == 0 && strmap_get(&m, "k1", 2, &v) &&
	   v == 9, "clear: usable again");

	strmap_free(&m);
	ok(!m.e && !m.cap && !m.n, "free: the map is empty");
	ok(!strmap_get(&m, "k1", 2, &v), "free: nothing found");
	ok(strmap_put(&m, "x", 1, 1) == 0 && strmap_get(&m, "x", 1, &v) &&
	   v == 1, "free: usable again");
	strmap_free(&m);

	/* The hash it places keys with: FNV-1a (64 bits), high bits folded. */
	uint64_t h = 0xaf63dc4c8601ec8cull;   /* FNV-1a 64 of "a" */
	ok(hash_bytes("a", 1) == (h ^ (h >> 29)), "hash_bytes: FNV-1a of \"a\", folded");
	return tap_done();
}
