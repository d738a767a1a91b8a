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

#include "hash.h"
#include "le.h"
#include "out.h"
#include "recfield.h"

/* ----------------------------------------------------------- counting */

/* The budget of the seen set never sheds: nothing to walk. */
static struct visitors *cards_no_sets(void *ctx, size_t i)
{
	(void)ctx, (void)i;
	return NULL;
}

/* The key of a (colleague, platform, visitor) triple: spread over all
 * bits (the set's slot is its low bits), never 0 (an empty slot). */
static inline uint64_t cards_key(uint32_t staff, unsigned plat,
                                 uint64_t visitor)
{
	uint64_t k = hash_mix64(hash_mix64(visitor) ^
	                        ((uint64_t)staff << 8 | plat) *
	                        0x9e3779b97f4a7c15u);
	return k ? k : 1;
}

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

/* A colleague's person index, made on first sight: idx grown to cover
 * the id, a zeroed person added.  Returns it, or -1 out of memory. */
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
		size_t cap = K->capp ? K->capp * 2 : 256;
		struct cards_person *p = realloc(K->p, cap * sizeof *p);
		if (!p)
			return -1;
		K->p = p;
		K->capp = cap;
	}
	memset(&K->p[K->np], 0, sizeof K->p[K->np]);
	K->idx[staff] = (uint32_t)++K->np;
	return (int64_t)K->np - 1;
}

static inline int64_t cards_person_get(struct cards *K, uint32_t staff)
{
	if (staff < K->nidx && K->idx[staff])
		return K->idx[staff] - 1;
	return cards_person_slow(K, staff);
}

/* Mark link id as clicked.  Returns 0, or -1 out of memory. */
static int cards_mark_slow(struct cards *K, uint32_t link)
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

static inline int cards_mark(struct cards *K, uint32_t link)
{
	if (link / 64 < K->nclicked) {
		K->clicked[link / 64] |= (uint64_t)1 << (link % 64);
		return 0;
	}
	return cards_mark_slow(K, link);
}

int cards_clicked(const struct cards *K, uint32_t link)
{
	if (link / 64 < K->nclicked)
		return (int)(K->clicked[link / 64] >> (link % 64) & 1);
	return link >= CARDS_DENSE_LINKS &&
	       u64map_index(&K->clicked_far, link) >= 0;
}

/* The second half of a counted click: its hour, and its visitor in the
 * seen set, new ones counted for the platform.  Returns 0, or -1 out of
 * memory (or past the set's 2^31 slots, where it would turn into a
 * sketch and stop telling new visitors from old). */
static inline int cards_settle(struct cards *K, const struct cards_pending *q)
{
	struct cards_person *p = &K->p[q->person];
	p->hours[q->hour]++;
	if (!q->key)
		return 0;
	uint32_t n = K->seen.n;
	if (visitors_add(&K->budget, &K->seen, q->key) < 0 || !K->seen.mask)
		return -1;
	p->plat_vis[q->plat] += K->seen.n != n;
	return 0;
}

int cards_settle_all(struct cards *K)
{
	size_t n = K->npend;
	for (size_t i = n > CARDS_AHEAD ? n - CARDS_AHEAD : 0; i < n; i++)
		if (cards_settle(K, &K->pend[i % CARDS_AHEAD]) < 0)
			return -1;
	K->npend = 0;
	return 0;
}

static inline int cards_one(struct cards *K, const unsigned char *p)
{
	if (p[REC_CLASS] != CLASS_HUMAN)
		return 0;
	uint32_t link = le_get32(p + REC_LINK);
	if (link && cards_mark(K, link) < 0)
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
	if (s >= CARDS_MAX_ID)
		return 1;
	int64_t who = cards_person_get(K, s);
	if (who < 0)
		return -1;
	unsigned plat = p[REC_PLATFORM] < PLATFORM_COUNT ? p[REC_PLATFORM]
	                                                 : PLATFORM_UNKNOWN;
	int64_t lt = (int64_t)t + when_offset(K->zone, t);
	if (lt < 0)
		lt = 0;
	uint64_t v = le_get64(p + REC_VISITOR);
	struct cards_pending *q = &K->pend[K->npend % CARDS_AHEAD];
	if (K->npend >= CARDS_AHEAD && cards_settle(K, q) < 0)
		return -1;
	q->key = v ? cards_key(s, plat, v) : 0;
	q->person = (uint32_t)who;
	q->plat = (uint8_t)plat;
	q->hour = (uint8_t)(lt / 3600000000 % 24);
	K->npend++;
	__builtin_prefetch(&K->p[who].hours[q->hour], 1);
	__builtin_prefetch(&K->p[who].plat_vis[plat], 1);
	if (q->key)
		__builtin_prefetch(visitors_home(&K->seen, q->key), 1);
	return 1;
}

void cards_init(struct cards *K)
{
	visitors_budget_init(&K->budget, &K->arena, UINT64_MAX, SIZE_MAX,
	                     cards_no_sets, NULL);
}

int cards_record(struct cards *K, const unsigned char *rec)
{
	return cards_one(K, rec);
}

int cards_records(struct cards *K, const unsigned char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cards_one(K, buf + i * CLICKREC_SIZE) < 0)
			return -1;
	return 0;
}

const struct cards_person *cards_person(const struct cards *K,
                                        uint32_t staff)
{
	return staff < K->nidx && K->idx[staff] ? &K->p[K->idx[staff] - 1]
	                                        : NULL;
}

void cards_free(struct cards *K)
{
	visitors_free(&K->arena, &K->seen);
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
	return advice_for(&ai, out, max);
}
