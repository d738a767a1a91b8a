/*
 * countries: numbering codes on first sight and their text (see
 * countries.h).
 */
#include "countries.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"

int countries_init(struct countries *t)
{
	t->idx = calloc(COUNTRIES_CODES, sizeof *t->idx);
	t->code = calloc(COUNTRIES_CODES, sizeof *t->code);
	if (!t->idx || !t->code)
		return -1;
	t->idx[0] = 1;      /* "\0\0" is index 0 */
	t->code[0] = 0;
	t->n = 1;
	t->ctry_cap = 16;
	return 0;
}

void countries_free(struct countries *t)
{
	free(t->idx);
	free(t->code);
}

/* Resize every group's country histogram from old to cap (a new country
 * outgrew the shared capacity: a handful of times per run at most).
 * Returns 0, or -1 out of memory. */
static int countries_resize(struct groups *g, uint32_t old, uint32_t cap)
{
	for (size_t i = 0; i < groups_count(g); i++) {
		struct group *c = groups_at(g, i);
		if (!c->ctry)
			continue;
		uint64_t *p = arena_get(g->arena, arena_shift(cap * sizeof *p));
		if (!p)
			return -1;
		memcpy(p, c->ctry, old * sizeof *p);
		arena_put(g->arena, c->ctry, arena_shift(old * sizeof *p));
		c->ctry = p;
	}
	return 0;
}

int32_t countries_add(struct countries *t, struct groups *g, unsigned code)
{
	if (t->n == t->ctry_cap) {
		if (countries_resize(g, t->ctry_cap, t->ctry_cap * 2) < 0)
			return -1;
		t->ctry_cap *= 2;
	}
	t->code[t->n] = (uint16_t)code;
	t->idx[code] = t->n + 1;
	return (int32_t)t->n++;
}

void countries_text(uint16_t code, char out[8])
{
	unsigned a = code >> 8, b = code & 0xffu;
	if (code == 0)
		memcpy(out, "unknown", 8);
	else if (a > 0x20 && a < 0x7f && b > 0x20 && b < 0x7f) {
		out[0] = (char)a;
		out[1] = (char)b;
		out[2] = '\0';
	} else {
		snprintf(out, 8, "#%04x", code);
	}
}

void countries_field(const char cc[2], char out[8])
{
	uint16_t code = (uint16_t)((unsigned char)cc[0] << 8 |
	                           (unsigned char)cc[1]);
	if (code == 0)
		out[0] = '\0';
	else
		countries_text(code, out);
}
