/*
 * hash: the tools' non-cryptographic hashes, in one place.  Nothing here is
 * secret or stored in a file but the FNV-1a of a mail's Message-ID, which
 * must stay the same from release to release (a re-run's duplicate mail
 * keeps its Message-ID); the others only place keys in in-memory tables.
 * The daemon's keyed visitor hash is visitor.c's, and the click log's
 * checksum clickrec.c's (XXH3): neither belongs here.
 */
#ifndef REDIRECTD_TOOLS_HASH_H
#define REDIRECTD_TOOLS_HASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * murmur3's 64-bit finaliser: spreads structured keys (store ids, test
 * visitors that are small integers) over all bits.  A bijection, so
 * distinct keys stay distinct, and 0 maps to 0 only: callers may keep 0
 * for "no key".
 */
static inline uint64_t hash_mix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

/* 32-bit FNV-1a of s[0..n), continuing from h (start: HASH_FNV32_SEED). */
#define HASH_FNV32_SEED 2166136261u
static inline uint32_t hash_fnv32(const void *s, size_t n, uint32_t h)
{
	const unsigned char *p = s;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* 64-bit FNV-1a of a short byte string, its high bits folded into the low
 * ones, which a power-of-two table's mask keeps. */
static inline uint64_t hash_bytes(const void *s, size_t n)
{
	const unsigned char *p = s;
	uint64_t h = 0xcbf29ce484222325u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3u;
	return h ^ (h >> 29);
}

#endif
