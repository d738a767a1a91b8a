/* attrib: publishing and reclaiming attribution state.  See attrib.h. */
#include "attrib.h"

#include <stdlib.h>
#include <string.h>

static int shares(const struct attrib_slot *s, const struct attrib *a,
                  int geo)
{
	struct attrib *cur = atomic_load_explicit((_Atomic(struct attrib *) *)&s->cur,
	                                          memory_order_relaxed);
	if (cur && cur != a && (geo ? cur->geo == a->geo : cur->ua == a->ua))
		return 1;
	for (unsigned i = 0; i < s->n_retired; i++) {
		const struct attrib *r = s->retired[i];
		if (r != a && (geo ? r->geo == a->geo : r->ua == a->ua))
			return 1;
	}
	return 0;
}

void attrib_free(struct attrib_slot *s, struct attrib *a)
{
	if (!a)
		return;
	if (a->geo && !shares(s, a, 1))
		geo_close(a->geo);
	if (a->ua && !shares(s, a, 0))
		ua_rules_free(a->ua);
	/* The key is a secret: do not leave it in freed memory. */
	explicit_bzero(&a->vkey, sizeof a->vkey);
	free(a);
}

int attrib_publish(struct attrib_slot *s, struct attrib *a)
{
	struct attrib *old = atomic_load_explicit(&s->cur, memory_order_relaxed);
	if (old && s->n_retired == ATTRIB_RETIRED_MAX)
		return -1;
	a->gen = ++s->next_gen;
	atomic_store_explicit(&s->cur, a, memory_order_release);
	if (old)
		s->retired[s->n_retired++] = old;
	return 0;
}

void attrib_reclaim(struct attrib_slot *s, uint64_t min_seen)
{
	unsigned i = 0;
	while (i < s->n_retired) {
		struct attrib *r = s->retired[i];
		if (r->gen >= min_seen) {
			i++;
			continue;
		}
		s->retired[i] = s->retired[--s->n_retired];
		attrib_free(s, r);
	}
}

void attrib_slot_free(struct attrib_slot *s)
{
	while (s->n_retired) {
		struct attrib *r = s->retired[--s->n_retired];
		attrib_free(s, r);
	}
	struct attrib *cur = atomic_load(&s->cur);
	atomic_store(&s->cur, NULL);
	attrib_free(s, cur);
}
