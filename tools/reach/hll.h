/*
 * hll: a HyperLogLog sketch of distinct 64-bit keys, for reach's visitor
 * counts past what it keeps exactly.  Pure: no allocation, no I/O; the
 * caller owns the storage (struct hll is 16 KiB of registers).
 *
 * Precision 14: 16,384 one-byte registers, a standard error of
 * 1.04 / sqrt(16384) = 0.81% (HLL_STDERR) at every cardinality, from a few
 * to billions.  The estimator is Ertl's improved raw estimator ("New
 * cardinality estimation algorithms for HyperLogLog sketches", 2017): no
 * empirical bias tables, and no switch to linear counting with a bias at
 * the threshold, as the original HyperLogLog and HLL++ have.
 *
 * Keys must be uniform 64-bit hashes: structured keys (visitor ids that
 * are small integers in tests) go through hash.h's hash_mix64 first.  The
 * index is the hash's top 14 bits, the rank comes from the rest.
 */
#ifndef REDIRECTD_HLL_H
#define REDIRECTD_HLL_H

#include <stddef.h>
#include <stdint.h>

#define HLL_P 14
#define HLL_REGISTERS (1u << HLL_P)
#define HLL_Q (64 - HLL_P)          /* hash bits left for the rank */
#define HLL_STDERR 0.0081           /* 1.04 / sqrt(HLL_REGISTERS) */

struct hll {
	uint8_t reg[HLL_REGISTERS];     /* 0, or rank 1..HLL_Q + 1 */
};

/* The register a hash goes to (for a prefetch before hll_add). */
static inline size_t hll_index(uint64_t hash)
{
	return (size_t)(hash >> HLL_Q);
}

/* The rank a hash would put in its register: the position of the first 1
 * in the HLL_Q bits after the index, 1-based; HLL_Q + 1 when they are all
 * zero. */
static inline unsigned hll_rank(uint64_t hash)
{
	uint64_t w = hash << HLL_P;
	return w ? (unsigned)__builtin_clzll(w) + 1 : HLL_Q + 1;
}

/* Add a hashed key.  Thread-safe per sketch only. */
static inline void hll_add(struct hll *h, uint64_t hash)
{
	uint8_t rank = (uint8_t)hll_rank(hash);
	uint8_t *r = &h->reg[hll_index(hash)];
	if (rank > *r)
		*r = rank;
}

/*
 * The floor of a sketch: its smallest register and how many registers
 * hold it.  A hash of rank at most min changes nothing, so a caller that
 * keeps the floor where it is read anyway can skip such a hash without
 * touching the sketch: once a sketch has seen a few times more keys than
 * it has registers, that is most of them (rank r has odds 2^-r), and the
 * cache miss of a sketch larger than the cache is the cost of an add.
 */
struct hll_floor {
	uint16_t count;     /* registers at min, 1..HLL_REGISTERS */
	uint8_t min;
};

/* Set f to the floor of h: one pass over the registers, which
 * hll_add_floor needs once per value the floor takes (at most HLL_Q + 1
 * times in a sketch's life). */
void hll_floor_scan(const struct hll *h, struct hll_floor *f);

/* Add a hashed key and keep f the floor of h (f as hll_floor_scan set it).
 * A rank of at most f->min may be skipped instead: same sketch. */
static inline void hll_add_floor(struct hll *h, struct hll_floor *f,
                                 uint64_t hash)
{
	uint8_t rank = (uint8_t)hll_rank(hash);
	uint8_t *r = &h->reg[hll_index(hash)];
	if (rank <= *r)
		return;
	uint8_t old = *r;
	*r = rank;
	if (old == f->min && --f->count == 0)
		hll_floor_scan(h, f);
}

/* An empty sketch. */
void hll_init(struct hll *h);

/* The estimated number of distinct keys added; 0 for an empty sketch. */
double hll_estimate(const struct hll *h);

#endif
