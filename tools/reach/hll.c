/*
 * hll: the HyperLogLog estimator.  Adding is inline in hll.h (reach calls
 * it per record); this file holds what runs once per sketch.
 */
#include "hll.h"

#include <math.h>
#include <string.h>

void hll_init(struct hll *h)
{
	memset(h->reg, 0, sizeof h->reg);
}

void hll_floor_scan(const struct hll *h, struct hll_floor *f)
{
	uint8_t min = HLL_Q + 1;
	unsigned count = 0;
	for (size_t i = 0; i < HLL_REGISTERS; i++) {
		if (h->reg[i] < min) {
			min = h->reg[i];
			count = 0;
		}
		count += h->reg[i] == min;
	}
	f->min = min;
	f->count = (uint16_t)count;
}

/* Ertl's sigma(x) = x + sum_k x^(2^k) 2^(k-1): the correction for empty
 * registers (x is their share).  Summed until it stops changing. */
static double hll_sigma(double x)
{
	if (x == 1.0)
		return INFINITY;
	double y = 1.0, z = x, prev;
	do {
		x *= x;
		prev = z;
		z += x * y;
		y += y;
	} while (z != prev);
	return z;
}

/* Ertl's tau(x): the correction for saturated registers (rank HLL_Q + 1;
 * x is the share of the others).  Summed until it stops changing. */
static double hll_tau(double x)
{
	if (x == 0.0 || x == 1.0)
		return 0.0;
	double y = 1.0, z = 1.0 - x, prev;
	do {
		x = sqrt(x);
		prev = z;
		y *= 0.5;
		z -= (1.0 - x) * (1.0 - x) * y;
	} while (z != prev);
	return z / 3.0;
}

double hll_estimate(const struct hll *h)
{
	/* The estimator needs only the histogram of register values. */
	unsigned count[HLL_Q + 2] = { 0 };
	for (size_t i = 0; i < HLL_REGISTERS; i++)
		count[h->reg[i]]++;
	const double m = HLL_REGISTERS;
	double z = m * hll_tau((m - count[HLL_Q + 1]) / m);
	for (int k = HLL_Q; k >= 1; k--)
		z = 0.5 * (z + count[k]);
	z += m * hll_sigma(count[0] / m);
	/* alpha_inf = 1 / (2 ln 2); an empty sketch has z = inf: 0. */
	return 0.5 / M_LN2 * m * m / z;
}
