/*
 * cards: a colleague's card beyond the leaderboard (see cards.h): the
 * counting of one record, the unshared links from the store, the teams,
 * and the advice's input.  The per-record part is inline here; what
 * allocates is out of line.
 */
#include "cards.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "le.h"
#include "out.h"
#include "recfield.h"

/* ----------------------------------------------------------- counting */

/* The array p of *n zeroed elements of size bytes grown by doubling (from
 * first) until it holds index i, the new ones zeroed, and *n set.  Returns
 * it, or NULL out of memory with p and *n as they were. */
static void *cards_grow(void *p, size_t *n, size_t size, size_t first,
                        size_t i)
{
	size_t m = *n ? *n : first;
	while (m <= i)
		m *= 2;
	unsigned char *q = realloc(p, m * size);
	if (q) {
		memset(q + *n * size, 0, (m - *n) * size);
		*n = m;
	}
	return q;
}

/* A colleague's index, made on first sight: idx grown to cover the id, a
 * zeroed person added.  Returns it, or -1 out of memory. */
static int64_t cards_person_slow(struct cards *K, uint32_t staff)
{
	if (staff >= K->nidx) {
		uint32_t *idx = cards_grow(K->idx, &K->nidx, sizeof *idx, 1024,
		                           staff);
		if (!idx)
			return -1;
		K->idx = idx;
	}
	if (K->np == K->capp) {
		struct cards_person *p = cards_grow(K->p, &K->capp, sizeof *p, 256,
		                                    K->np);
		if (!p)
			return -1;
		K->p = p;
	}
	K->idx[staff] = (uint32_t)++K->np;
	return (int64_t)K->np - 1;
}

int cards_mark_slow(struct cards *K, uint32_t link)
{
	if (link >= CARDS_DENSE_LINKS) {
		int fresh;
		return u64map_get(&K->clicked_far, link, &fresh) ? 0 : -1;
	}
	uint64_t *b = cards_grow(K->clicked, &K->nclicked, sizeof *b, 64,
	                         link / 64);
	if (!b)
		return -1;
	K->clicked = b;
	b[link / 64] |= (uint64_t)1 << (link % 64);
	return 0;
}

int cards_clicked(const struct cards *K, uint32_t link)
{
	if (link / 64 < K->nclicked)
		return (int)(K->clicked[link / 64] >> (link % 64) & 1);
	return link >= CARDS_DENSE_LINKS &&
	       u64map_index(&K->clicked_far, link) >= 0;
}

/* A new block for part t, key the first in it.  Returns 0, or -1 out of
 * memory. */
static int cards_block_new(struct cards *K, struct cards_part *t,
                           uint64_t key, uint32_t person)
{
	if (t->nb == t->capb) {
		size_t cap = t->capb ? t->capb * 2 : 16;
		struct cards_block **b = realloc(t->b, cap * sizeof *b);
		if (!b)
			return -1;
		t->b = b;
		t->capb = cap;
	}
	struct cards_block *b = arena_get(&K->arena, CARDS_BLOCK_SHIFT);
	if (!b)
		return -1;
	t->b[t->nb++] = b;
	t->used = 1;
	b->key[0] = key;
	b->person[0] = person;
	return 0;
}

int cards_click_slow(struct cards *K, uint32_t staff, uint64_t key)
{
	int64_t who = staff < K->nidx && K->idx[staff]
	            ? (int64_t)K->idx[staff] - 1 : cards_person_slow(K, staff);
	if (who < 0)
		return -1;
	struct cards_part *t = &K->part[who % CARDS_PARTS];
	if (t->nb && t->used < CARDS_BLOCK) {
		t->b[t->nb - 1]->key[t->used] = key;
		t->b[t->nb - 1]->person[t->used++] = (uint32_t)who;
		return 0;
	}
	return cards_block_new(K, t, key, (uint32_t)who);
}

/* A colleague's clicks k[0, n) counted into p: the hours, and each
 * distinct (platform, visitor) once, in a scratch set of at least twice
 * as many slots (tab, [mask + 1], zeroed here). */
static void cards_tally(const uint64_t *k, size_t n, struct cards_person *p,
                        uint64_t *tab, size_t mask)
{
	memset(tab, 0, (mask + 1) * sizeof *tab);
	for (size_t i = 0; i < n; i++) {
		/* The slot of a click 16 ahead: the misses of a set larger
		 * than the cache overlap. */
		if (i + 16 < n)
			__builtin_prefetch(&tab[(size_t)(k[i + 16] >> CARDS_VIS_SHIFT) &
			                        mask], 1);
		p->hours[k[i] & 31]++;
		if (!(k[i] >> CARDS_VIS_SHIFT))
			continue;
		uint64_t v = k[i] >> CARDS_PLAT_SHIFT;
		size_t j = (size_t)(k[i] >> CARDS_VIS_SHIFT) & mask;
		while (tab[j] && tab[j] != v)
			j = (j + 1) & mask;
		if (!tab[j]) {
			tab[j] = v;
			p->plat_vis[v & 15]++;
		}
	}
}

/* One part of the log sorted by colleague into keys (a counting sort:
 * start[l] is where the part's l-th colleague's clicks begin, start[nl]
 * the end), its blocks given back as they are read. */
static void cards_sort(struct cards *K, struct cards_part *t, size_t *start,
                       size_t *pos, size_t nl, uint64_t *keys)
{
	memset(start, 0, (nl + 1) * sizeof *start);
	for (size_t c = 0; c < t->nb; c++)
		for (size_t i = 0, n = c + 1 < t->nb ? CARDS_BLOCK : t->used;
		     i < n; i++)
			start[t->b[c]->person[i] / CARDS_PARTS + 1]++;
	for (size_t l = 1; l <= nl; l++)
		start[l] += start[l - 1];
	memcpy(pos, start, nl * sizeof *pos);
	for (size_t c = 0; c < t->nb; c++) {
		const struct cards_block *b = t->b[c];
		for (size_t i = 0, n = c + 1 < t->nb ? CARDS_BLOCK : t->used;
		     i < n; i++)
			keys[pos[b->person[i] / CARDS_PARTS]++] = b->key[i];
		arena_put(&K->arena, t->b[c], CARDS_BLOCK_SHIFT);
	}
	free(t->b);
	memset(t, 0, sizeof *t);
}

/* The clicks in a part of the log. */
static size_t cards_part_len(const struct cards_part *t)
{
	return t->nb ? (t->nb - 1) * CARDS_BLOCK + t->used : 0;
}

/*
 * Part by part (a part holds every CARDS_PARTS-th colleague: its sorted
 * copy stays small, and its colleagues' ends stay in the cache while it
 * is sorted), each colleague's clicks tallied.  The sorted copy and the
 * scratch set are sized once, for the largest part, on the arena's huge
 * pages: a scratch array grown and freed as it went cost five thousand
 * page faults over 10 million records.
 */
int cards_settle_all(struct cards *K)
{
	size_t nl = (K->np + CARDS_PARTS - 1) / CARDS_PARTS, most = 1, slots = 16;
	for (size_t p = 0; p < CARDS_PARTS; p++)
		if (cards_part_len(&K->part[p]) > most)
			most = cards_part_len(&K->part[p]);
	while (slots < 2 * most)
		slots *= 2;
	unsigned kshift = arena_shift(most * sizeof(uint64_t));
	unsigned tshift = arena_shift(slots * sizeof(uint64_t));
	size_t *start = malloc((nl + 1) * sizeof *start);
	size_t *pos = malloc((nl ? nl : 1) * sizeof *pos);
	uint64_t *keys = arena_get(&K->arena, kshift);
	uint64_t *tab = arena_get(&K->arena, tshift);
	int ret = -1;
	if (!start || !pos || !keys || !tab)
		goto done;
	for (size_t p = 0; p < CARDS_PARTS; p++) {
		cards_sort(K, &K->part[p], start, pos, nl, keys);
		for (size_t l = 0; l < nl && l * CARDS_PARTS + p < K->np; l++) {
			size_t n = start[l + 1] - start[l], m = 16;
			while (m < 2 * n)
				m *= 2;
			cards_tally(keys + start[l], n, &K->p[l * CARDS_PARTS + p],
			            tab, m - 1);
		}
	}
	ret = 0;
done:
	free(start);
	free(pos);
	arena_put(&K->arena, keys, kshift);
	arena_put(&K->arena, tab, tshift);
	return ret;
}

int cards_record(struct cards *K, const unsigned char *p)
{
	/* A link a preview bot fetched was posted: shared, if unclicked. */
	if (p[REC_CLASS] == CLASS_PREVIEW)
		return cards_mark(K, le_get32(p + REC_LINK)) < 0 ? -1 : 0;
	if (p[REC_CLASS] != CLASS_HUMAN)
		return 0;
	if (cards_mark(K, le_get32(p + REC_LINK)) < 0)
		return -1;
	uint64_t t = le_get64(p + REC_TIME);
	if (t < K->since || t >= K->until)
		return 0;
	uint32_t s = le_get32(p + REC_STAFF), c = le_get32(p + REC_CAMPAIGN);
	if ((K->fstaff && (s >= K->nfstaff || !K->fstaff[s])) ||
	    (K->fcamp && (c >= K->nfcamp || !K->fcamp[c])))
		return 0;
	if ((p[REC_FLAGS] & CLICK_F_INTERNAL) && !K->include_internal)
		return 0;
	unsigned plat = p[REC_PLATFORM] < PLATFORM_COUNT ? p[REC_PLATFORM]
	                                                 : PLATFORM_UNKNOWN;
	return cards_click(K, s, t, plat, le_get64(p + REC_VISITOR)) < 0 ? -1 : 1;
}

const struct cards_person *cards_person(const struct cards *K,
                                        uint32_t staff)
{
	return staff < K->nidx && K->idx[staff] ? &K->p[K->idx[staff] - 1]
	                                        : NULL;
}

void cards_free(struct cards *K)
{
	for (size_t p = 0; p < CARDS_PARTS; p++)
		free(K->part[p].b);
	arena_free(&K->arena);
	free(K->idx);
	free(K->p);
	free(K->clicked);
	u64map_free(&K->clicked_far);
}

/* -------------------------------------------------------------- store */

int cards_unshared(const struct cards *K, const struct store *s,
                   MDB_txn *txn, const uint32_t *row, size_t nrow,
                   uint64_t now_us, unsigned days,
                   struct cards_unshared *out)
{
	MDB_cursor *cur = NULL;
	MDB_val k, val;
	int rc;
	if ((rc = mdb_cursor_open(txn, s->links, &cur)))
		return rc;
	uint64_t age = (uint64_t)days * 86400000000u;
	for (rc = mdb_cursor_get(cur, &k, &val, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &val, MDB_NEXT)) {
		struct link l;
		if (store_link_decode(val.mv_data, val.mv_size, &l) != 0 ||
		    !l.campaign_id || (l.flags & LINK_DISABLED) ||
		    l.staff_id >= nrow || !row[l.staff_id] ||
		    l.created_us + age > now_us)
			continue;
		if (K->fcamp && (l.campaign_id >= K->nfcamp ||
		                 !K->fcamp[l.campaign_id]))
			continue;
		if (cards_clicked(K, l.id))
			continue;
		struct cards_unshared *u = &out[row[l.staff_id] - 1];
		struct campaign cp;
		if (u->n == CARDS_MAX_UNSHARED ||
		    store_campaign_get_id(txn, s, l.campaign_id, &cp) != 0)
			continue;
		size_t i = u->n++;
		snprintf(u->camp[i], sizeof u->camp[i], "%.*s",
		         (int)(cp.name_len < 63 ? cp.name_len : 63), cp.name);
		snprintf(u->code[i], sizeof u->code[i], "%.*s",
		         (int)(k.mv_size < 31 ? k.mv_size : 31),
		         (const char *)k.mv_data);
		u->u[i].campaign = u->camp[i];
		u->u[i].code = u->code[i];
		u->u[i].days = (unsigned)((now_us - l.created_us) / 86400000000u);
		char iso[21];
		out_time_iso(l.created_us, iso);
		memcpy(u->u[i].created, iso, 10);
		u->u[i].created[10] = '\0';
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* -------------------------------------------------------------- teams */

/* A row's team and its place, for sorting the rows by team. */
struct cards_member {
	const char *team;
	size_t i;
};

static int cards_cmp_member(const void *a, const void *b)
{
	const struct cards_member *x = a, *y = b;
	int c = strcmp(x->team, y->team);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

int cards_teams(size_t n, const char *const *team, const uint64_t *visitors,
                size_t *size, uint64_t *median)
{
	struct cards_member *m = malloc((n ? n : 1) * sizeof *m);
	uint64_t *v = malloc((n ? n : 1) * sizeof *v);
	if (!m || !v) {
		free(m);
		free(v);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		m[i] = (struct cards_member){ team[i], i };
	qsort(m, n, sizeof *m, cards_cmp_member);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i; j < n && strcmp(m[j].team, m[i].team) == 0; j++)
			v[j - i] = visitors[m[j].i];
		int none = !m[i].team[0];
		uint64_t med = none ? 0 : advice_median(v, j - i);
		for (size_t k = i; k < j; k++) {
			size[m[k].i] = none ? 0 : j - i;
			median[m[k].i] = med;
		}
	}
	free(m);
	free(v);
	return 0;
}

/* ------------------------------------------------------------- advice */

size_t cards_advice(const struct cards *K, const struct cards_row *r,
                    const char *zone, struct advice *out, size_t max)
{
	const struct cards_person *p = cards_person(K, r->staff_id);
	struct advice_input ai;
	memset(&ai, 0, sizeof ai);
	ai.visitors = r->visitors;
	ai.clicks = r->clicks;
	ai.previews = r->previews;
	if (p) {
		memcpy(ai.plat_visitors, p->plat_vis, sizeof ai.plat_visitors);
		memcpy(ai.hour_clicks, p->hours, sizeof ai.hour_clicks);
	}
	ai.zone = zone;
	ai.team = r->team;
	ai.team_size = r->team_size;
	ai.team_median = r->team_median;
	if (r->unshared) {
		ai.unshared = r->unshared->u;
		ai.nunshared = r->unshared->n;
	}
	if (r->conv) {
		ai.has_conv = 1;
		ai.conversions = r->conversions;
		for (unsigned k = 0; k < PLATFORM_COUNT; k++)
			ai.plat_conv[k] = conv_group_platform(r->conv, r->staff_id,
			                                      k).n;
	}
	return advice_for(&ai, out, max);
}

unsigned cards_top_platform(const struct cards *K, uint32_t staff_id)
{
	const struct cards_person *p = cards_person(K, staff_id);
	return p ? advice_top_platform(p->plat_vis) : PLATFORM_COUNT;
}
