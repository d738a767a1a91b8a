/*
 * test_hll: the HyperLogLog sketch (tools/reach/hll.c) against known
 * cardinalities.  For each cardinality, many sketches of distinct keys
 * (random 64-bit hashes, as real visitor ids are, and consecutive small
 * integers through hash_mix64, as test visitors are) give the relative
 * errors; their root mean square must stay near the documented standard
 * error, their mean near zero (no bias), and none beyond four standard
 * errors.  Seeds are fixed: the figures printed as comments are the ones
 * reach(1) and bench/RESULTS.md quote.
 *
 * What a broken sketch does here: a wrong alpha or rank is a bias of
 * several per cent at every size; a missing small-range correction is
 * tens of per cent below a few thousand keys; a weak index is a spread
 * well past 1.5 standard errors.
 */
#include "hash.h"
#include "hll.h"
#include "tap.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Keys of trial t: random hashes (distinct with overwhelming odds at these
 * sizes; splitmix is a bijection of its counter, so they are distinct), or
 * consecutive integers from a per-trial base through hash_mix64. */
static uint64_t key(int sequential, uint64_t t, uint64_t i, uint64_t *state)
{
	if (sequential)
		return hash_mix64((t << 40) + i + 1);
	(void)i;
	return splitmix(state);
}

/* Squared errors of every sketch, for the figure reach(1) quotes. */
static double pooled2;
static int pooled_n;

static void check_cardinality(struct hll *h, uint64_t n, int trials,
                              int sequential)
{
	double sum = 0, sum2 = 0, worst = 0;
	for (int t = 0; t < trials; t++) {
		uint64_t state = 0x1234567ULL * (uint64_t)(t + 1) + n;
		hll_init(h);
		for (uint64_t i = 0; i < n; i++)
			hll_add(h, key(sequential, (uint64_t)t, i, &state));
		double err = (hll_estimate(h) - (double)n) / (double)n;
		sum += err;
		sum2 += err * err;
		if (fabs(err) > worst)
			worst = fabs(err);
	}
	double mean = sum / trials, rms = sqrt(sum2 / trials);
	const char *kind = sequential ? "consecutive keys" : "random hashes";
	printf("# n=%llu %s, %d sketches: rms %.3f%%, mean %+.3f%%, "
	       "worst %.3f%%\n", (unsigned long long)n, kind, trials,
	       100 * rms, 100 * mean, 100 * worst);
	/* Bounds that shrink with the number of sketches: the rms of k
	 * errors spreads by about stderr / sqrt(2k), their mean by
	 * stderr / sqrt(k). */
	double rms_max = HLL_STDERR * (1 + 2.5 / sqrt(trials));
	double bias_max = 4 * HLL_STDERR / sqrt(trials);
	ok(rms <= rms_max, "n=%llu %s: rms error %.3f%% <= %.3f%%",
	   (unsigned long long)n, kind, 100 * rms, 100 * rms_max);
	ok(fabs(mean) <= bias_max, "n=%llu %s: bias %+.3f%% within %.3f%%",
	   (unsigned long long)n, kind, 100 * mean, 100 * bias_max);
	pooled2 += sum2;
	pooled_n += trials;
	ok(worst <= 4 * HLL_STDERR, "n=%llu %s: worst %.3f%% <= 4 x %.2f%%",
	   (unsigned long long)n, kind, 100 * worst, 100 * HLL_STDERR);
}

int main(void)
{
	struct hll *h = malloc(sizeof *h), *h2 = malloc(sizeof *h2);
	if (!h || !h2)
		return 1;

	hll_init(h);
	ok(hll_estimate(h) == 0.0, "empty sketch: 0");
	hll_add(h, hash_mix64(42));
	is_int(llround(hll_estimate(h)), 1, "one key: 1");
	for (int i = 0; i < 10; i++)
		hll_add(h, hash_mix64(42));
	is_int(llround(hll_estimate(h)), 1, "the same key ten times more: 1");

	/* Adding keys again changes no register. */
	hll_init(h);
	uint64_t s = 99;
	for (int i = 0; i < 50000; i++)
		hll_add(h, splitmix(&s));
	memcpy(h2, h, sizeof *h);
	s = 99;
	for (int i = 0; i < 50000; i++)
		hll_add(h2, splitmix(&s));
	ok(memcmp(h, h2, sizeof *h) == 0, "50,000 keys added twice: same sketch");

	/* A hash with all 50 rank bits zero saturates its register; the
	 * estimator must still give a finite, sane figure. */
	hll_init(h);
	hll_add(h, (uint64_t)5 << HLL_Q);
	double e = hll_estimate(h);
	ok(e >= 0.5 && e <= 2.0, "one saturated register: about 1 (%.3f)", e);

	/* The floor: kept by hll_add_floor as a rescan finds it, and a
	 * caller that skips every hash of rank <= floor builds the very
	 * sketch plain adds build. */
	struct hll_floor f, scan;
	hll_init(h);
	hll_init(h2);
	hll_floor_scan(h2, &f);
	ok(f.min == 0 && f.count == HLL_REGISTERS, "empty: floor 0, all %u",
	   HLL_REGISTERS);
	s = 7;
	int kept = 1, skipped = 0, rose = 0;
	uint8_t last = 0;
	for (int i = 0; i < 2000000; i++) {
		uint64_t k = splitmix(&s);
		hll_add(h, k);
		if (hll_rank(k) <= f.min)
			skipped++;
		else
			hll_add_floor(h2, &f, k);
		if (f.min != last) {
			rose++;
			last = f.min;
		}
		if (i % 99991 == 0) {
			hll_floor_scan(h2, &scan);
			kept &= scan.min == f.min && scan.count == f.count;
		}
	}
	ok(kept, "floor kept as a rescan finds it (now %u, %u registers)",
	   f.min, f.count);
	ok(memcmp(h, h2, sizeof *h) == 0,
	   "skipping ranks <= floor: the same sketch as plain adds");
	ok(rose >= 3 && skipped > 2000000 / 2,
	   "2,000,000 keys: the floor rose %d times, %d adds skipped", rose,
	   skipped);

	static const struct { uint64_t n; int trials; } sizes[] = {
		{ 100, 64 },  { 1000, 64 },  { 5000, 64 },   { 20000, 64 },
		{ 100000, 32 }, { 1000000, 16 }, { 10000000, 4 },
	};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		for (int seq = 0; seq < 2; seq++)
			check_cardinality(h, sizes[i].n, sizes[i].trials, seq);
	printf("# all %d sketches of 100 to 10,000,000 keys: rms error %.3f%%\n",
	       pooled_n, 100 * sqrt(pooled2 / pooled_n));

	free(h);
	free(h2);
	return tap_done();
}
