/*
 * count: the counting loop (see count.h).  Everything it calls per record
 * is inline here or in the tables' headers; only what allocates goes out
 * of line.
 */
#include "count.h"

#include "clickrec.h"
#include "hash.h"
#include "le.h"
#include "recfield.h"
#include "visitor.h"

int count_init(struct count *C, uint64_t exact_limit, size_t vis_limit)
{
	C->groups.arena = &C->arena;
	C->tmin = UINT64_MAX;
	C->tmax = 0;
	visitors_budget_init(&C->vis, &C->arena, exact_limit, vis_limit,
	                     groups_each_visitors, &C->groups);
	return countries_init(&C->countries);
}

void count_free(struct count *C)
{
	groups_free(&C->groups);
	arena_free(&C->arena);
	countries_free(&C->countries);
	pairs_free(&C->pairs);
}

/* The second half of a counted human click.  The group is looked up again
 * by id, not kept as a pointer: the arrays may have moved since, but it
 * exists, so the lookup does not allocate.  Returns 0, or -1 out of memory
 * (a visitor set could not grow). */
static inline int count_settle(struct count *C, const struct count_pending *p,
                               int people)
{
	struct group *grp = groups_get(&C->groups, p->id);
	if (people) {
		grp->plat[p->plat]++;
		grp->ctry[p->ci]++;
	}
	return p->vhash ? visitors_add(&C->vis, &grp->vis, p->vhash) : 0;
}

int count_settle_all(struct count *C)
{
	int people = GROUPING_PEOPLE(C->by);
	size_t n = C->npend;
	for (size_t i = n > COUNT_AHEAD ? n - COUNT_AHEAD : 0; i < n; i++)
		if (count_settle(C, &C->pend[i % COUNT_AHEAD], people) < 0)
			return -1;
	C->npend = 0;
	return C->prev ? count_settle_all(C->prev) : 0;
}

/* The group id of a record p at time t with platform plat under the
 * grouping by (see grouping.h).  Returns it, or -1 out of memory. */
static inline int64_t count_group_id(struct count *C, enum grouping by,
                                     const unsigned char *p, uint64_t t,
                                     unsigned plat)
{
	switch (by) {
	case GROUPING_STAFF:
		return le_get32(p + REC_STAFF);
	case GROUPING_CAMPAIGN:
		return le_get32(p + REC_CAMPAIGN);
	case GROUPING_COUNTRY:
		return countries_index(&C->countries, &C->groups,
		                       (const char *)p + REC_COUNTRY);
	case GROUPING_PLATFORM:
		return plat;
	case GROUPING_TEAM: {
		uint32_t s = le_get32(p + REC_STAFF);
		return s < C->nm->nteam_of ? C->nm->team_of[s] : 0;
	}
	case GROUPING_STAFF_CAMPAIGN:
		return pairs_get(&C->pairs, le_get32(p + REC_STAFF),
		                 le_get32(p + REC_CAMPAIGN));
	default: {
		/* Day or hour of the local time: a day number since
		 * 1970-01-01 (dense until the year 2687), or 0-23. */
		int64_t lt = (int64_t)t + when_offset(&C->zone, t);
		if (lt < 0)
			lt = 0;
		return by == GROUPING_DAY ? lt / 86400000000 : lt / 3600000000 % 24;
	}
	}
}

size_t count_records(struct count *C, const unsigned char *buf, size_t n)
{
	/* Locals, so the compiler keeps them in registers over the loop. */
	const uint64_t since = C->since, until = C->until;
	const enum grouping by = C->by;
	const int people = GROUPING_PEOPLE(by);
	const int include_internal = C->include_internal;
	const uint8_t *fstaff = C->nm->fstaff, *fcamp = C->nm->fcamp;
	const size_t nfstaff = C->nm->nfstaff, nfcamp = C->nm->nfcamp;
	const int filtered = fstaff || fcamp;
	struct cards *const cards = C->cards;
	struct count *const prev = C->prev;
	struct repeats *const repeats = C->repeats;
	struct u64map *const reached = C->reached;
	struct conv *const conv = C->conv;
	struct groups *g = &C->groups;
	struct countries *ct = &C->countries;
	size_t npend = C->npend, k;
	uint64_t records = 0, tmin = C->tmin, tmax = C->tmax;
	if (conv)
		conv_restart(conv);
	for (k = 0; k < n; k++) {
		const unsigned char *p = buf + k * CLICKREC_SIZE;
		if (!clickrec_verify(p))
			break;
		/* The cards' links that were shared: any human record or
		 * link preview, in the window or not. */
		if (cards && (p[REC_CLASS] == CLASS_HUMAN ||
		              p[REC_CLASS] == CLASS_PREVIEW) &&
		    cards_mark(cards, le_get32(p + REC_LINK)) < 0)
			goto oom;
		/* A click id a conversion may name: looked up whatever the
		 * window, so an id is unknown only when no record has it. */
		struct conv_click *cc = NULL;
		if (conv) {
			const unsigned char *a = p + CONV_AHEAD * CLICKREC_SIZE;
			if (k + CONV_AHEAD < n && (a[REC_FLAGS] & CLICK_F_CLICKID))
				conv_prefetch(conv, a);
			if (p[REC_FLAGS] & CLICK_F_CLICKID)
				cc = conv_match(conv, p);
		}
		uint64_t t = le_get64(p + REC_TIME);
		if (t < since || t >= until) {
			/* The earlier window of --compare: the same counting,
			 * out of line, in the same pass (one read of the
			 * segments, the checksum verified again). */
			if (prev && t >= prev->since && t < prev->until &&
			    count_records(prev, p, 1) != 1)
				goto oom;
			continue;
		}
		if (filtered) {
			uint32_t s = le_get32(p + REC_STAFF);
			uint32_t c = le_get32(p + REC_CAMPAIGN);
			if ((fstaff && (s >= nfstaff || !fstaff[s])) ||
			    (fcamp && (c >= nfcamp || !fcamp[c])))
				continue;
		}
		/* Out-of-range platforms count as unknown, as clickrec names
		 * them: one "unknown", not one per stray value. */
		unsigned plat = p[REC_PLATFORM];
		if (plat >= PLATFORM_COUNT)
			plat = PLATFORM_UNKNOWN;
		int64_t id = count_group_id(C, by, p, t, plat);
		struct group *grp;
		if (id < 0 || !(grp = groups_get(g, (uint32_t)id)))
			goto oom;
		unsigned cls = p[REC_CLASS];
		if (cls >= CLASS_COUNT)
			cls = CLASS_UNKNOWN;
		if (cc)
			conv_place(cc, (uint32_t)id, plat, cls == CLASS_HUMAN &&
			           (include_internal ||
			            !(p[REC_FLAGS] & CLICK_F_INTERNAL)));
		records++;
		tmin = t < tmin ? t : tmin;
		tmax = t > tmax ? t : tmax;
		if (cls != CLASS_HUMAN) {
			grp->cls[cls]++;
			continue;
		}
		if (p[REC_FLAGS] & CLICK_F_INTERNAL) {
			grp->internal++;
			if (!include_internal)
				continue;
		}
		grp->cls[CLASS_HUMAN]++;
		if (reached) {
			/* A map of the groups: small, in the cache. */
			int fresh;
			uint64_t *last = u64map_get(reached, (uint32_t)id, &fresh);
			if (!last)
				goto oom;
			if (t > *last)
				*last = t;
		}
		if (cards && cards_click(cards, (uint32_t)id, t, plat,
		                         le_get64(p + REC_VISITOR)) < 0)
			goto oom;
		uint64_t visitor = le_get64(p + REC_VISITOR);
		if (repeats && visitor &&
		    repeats_add(repeats, (uint32_t)id, visitor) < 0)
			goto oom;
		uint64_t h = hash_mix64(visitor);
		/* A visitor a sketch's floor says cannot change it is dropped
		 * here, before its cache miss: on a large sketch, most are. */
		if (h && visitors_skip(&grp->vis, h))
			h = 0;
		/* Prefetches written out here, not in a helper: GCC 12 finds a
		 * function holding only a prefetch "pure" and drops the call
		 * to it. */
		int32_t ci = 0;
		if (people) {
			if ((ci = countries_index(ct, g,
			                          (const char *)p + REC_COUNTRY)) < 0)
				goto oom;
			if (!grp->ctry &&
			    !(grp->ctry = arena_get(g->arena,
			                  arena_shift(ct->ctry_cap * sizeof *grp->ctry))))
				goto oom;
			__builtin_prefetch(&grp->plat[plat], 1);
			__builtin_prefetch(&grp->ctry[ci], 1);
		} else if (!h) {
			continue;
		}
		if (h)
			__builtin_prefetch(visitors_home(&grp->vis, h), 1);
		struct count_pending *q = &C->pend[npend % COUNT_AHEAD];
		if (npend >= COUNT_AHEAD && count_settle(C, q, people) < 0)
			goto oom;
		q->vhash = h;
		q->id = (uint32_t)id;
		q->ci = (uint16_t)ci;
		q->plat = (uint8_t)plat;
		npend++;
	}
	C->npend = npend;
	C->records += records;
	C->tmin = tmin;
	C->tmax = tmax;
	return k;
oom:
	C->npend = npend;
	C->tmin = tmin;
	C->tmax = tmax;
	return (size_t)-1;
}

const char *count_visitor_unit(const struct count *C, unsigned *period)
{
	static const char *const units[VISITOR_PERIOD_COUNT] = {
		"visitor-days", "visitor-weeks", "visitor-months",
	};
	unsigned p = 0;
	while (p + 1 < VISITOR_PERIOD_COUNT && C->periods &&
	       !(C->periods & (1u << p)))
		p++;
	*period = p;
	if (!C->records || C->tmin > C->tmax)
		return "visitors";
	int mixed = (C->periods & (C->periods - 1)) != 0;
	/* --by day in UTC with day keys: each row is one key's day. */
	if (!mixed && p == VISITOR_PERIOD_DAY && C->by == GROUPING_DAY && !C->zone.local)
		return "visitors";
	if (!mixed && visitor_period_index(p, (int64_t)(C->tmin / 1000000)) ==
	              visitor_period_index(p, (int64_t)(C->tmax / 1000000)))
		return "visitors";
	return units[p];
}
