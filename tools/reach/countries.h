/*
 * countries: the countries of the records seen, in a compact numbering
 * for the per-group histograms (groups.h), and the text of a record's
 * country code, which every output of reach spells the same way.
 *
 * A record's two code bytes, read as a 16-bit number, index idx (index +
 * 1; 0: not seen yet); code maps an index back.  Index 0 is always
 * "\0\0", unknown.  Indices are handed out in order of first sight, so a
 * log with the usual two hundred-odd countries keeps the histograms
 * short.  The tables themselves are fixed (no allocation for a lookup);
 * only the histograms grow, all of them to ctry_cap at once, when a new
 * country passes it.  countries_index is inline: the counting loop calls
 * it per record.
 */
#ifndef REDIRECTD_COUNTRIES_H
#define REDIRECTD_COUNTRIES_H

#include <stdint.h>

struct groups;

#define COUNTRIES_CODES 65536

struct countries {
	uint32_t *idx;              /* [COUNTRIES_CODES] */
	uint16_t *code;             /* [COUNTRIES_CODES], [0, n) used */
	uint32_t n;
	uint32_t ctry_cap;          /* length of every group's ctry, >= n */
};

/* Returns 0, or -1 out of memory (countries_free still safe). */
int countries_init(struct countries *t);

/* countries_index's slow path: number a new code, growing every group's
 * histogram in g when it passes ctry_cap.  Returns the index, or -1 out of
 * memory. */
int32_t countries_add(struct countries *t, struct groups *g, unsigned code);

/* The compact index of a record's country, numbering it on first sight.
 * Returns the index (< t->ctry_cap), or -1 out of memory. */
static inline int32_t countries_index(struct countries *t, struct groups *g,
                                      const char cc[2])
{
	unsigned code = (unsigned)(unsigned char)cc[0] << 8 | (unsigned char)cc[1];
	uint32_t i = t->idx[code];
	if (__builtin_expect(i == 0, 0))
		return countries_add(t, g, code);
	return (int32_t)(i - 1);
}

/*
 * The text of a country code (the record's two bytes, first byte high):
 * its two letters, "unknown" for "\0\0", and "#hhhh" (the bytes in hex)
 * for bytes that are not printable ASCII.  The daemon writes ISO codes
 * only; a hand-made or future file may not, and two such codes must not
 * print alike.
 */
void countries_text(uint16_t code, char out[8]);

/* The same for a record's two bytes, with "" for unknown (export, ship). */
void countries_field(const char cc[2], char out[8]);

void countries_free(struct countries *t);

#endif
