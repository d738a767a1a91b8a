/*
 * conv: reach's conversions (--conversions FILE): the files read into
 * tables before the scan (rows of another --event dropped, duplicates
 * counted once across files, handles and campaigns resolved from the
 * store), the click ids matched against the records during the scan (a
 * cheap check in count.c's loop, inline here), and after it each
 * conversion credited to the group of its click, or of its colleague for
 * rows by handle; what could not be credited is counted, with the first
 * few examples, for stderr.  reach(1) is the reference for the rules;
 * convfile.h reads the files' text.
 *
 * Click-time attribution: a conversion by click id counts where its click
 * counted (its group under --by, and the run's window that holds the
 * click), when the conversion happened within [click, click + window].
 * It needs exactly one record with CLICK_F_CLICKID and that id: none is
 * an unknown id, two or more a collision.  Conversions of clicks that
 * were not a counted human click (bots, previews, tools, probes, unknown
 * classes, colleagues' own clicks without --include-internal) are
 * counted apart, never in a group.  Rows by handle count for that
 * colleague (and the campaign of a `campaign` column) when their own
 * time is in the run's window; they have no platform, country, day or
 * hour.  --compare's earlier window gets no conversions.
 */
#ifndef REDIRECTD_CONV_H
#define REDIRECTD_CONV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "clickid.h"
#include "clickrec.h"
#include "le.h"
#include "names.h"
#include "recfield.h"
#include "u64map.h"

#define CONV_WINDOW_DEFAULT (30 * 86400000000ull)   /* 30 days in us */
#define CONV_SAMPLES 5          /* examples kept of each kind of trouble */
#define CONV_NONE UINT32_MAX

/* A conversion by click id: a list per click. */
struct conv_item {
	int64_t t;                  /* microseconds, UTC */
	int64_t value;              /* convfile units */
	uint32_t next;              /* the click's next one, or CONV_NONE */
};

/* A click id conversions name, and what the scan found for it. */
#define CONV_SEEN 1u            /* a record has the id */
#define CONV_MANY 2u            /* more than one record has it */
#define CONV_COUNTED 4u         /* its record is in the window, filters
                                   passed: gid is its group */
#define CONV_HUMAN 8u           /* ... and a counted human click */

struct conv_click {
	struct clickid id;
	uint8_t state;              /* CONV_* */
	uint8_t plat;
	uint32_t first;             /* its first item */
	uint32_t chain;             /* the next click whose id has the same
	                               clickid_key, or CONV_NONE */
	uint32_t gid;
	uint64_t t;                 /* the record's time */
};

/* A conversion by handle. */
struct conv_hrow {
	int64_t t;
	int64_t value;
	uint32_t staff, campaign;   /* campaign 0: none given */
};

/* What a group's conversions add up to. */
struct conv_sum {
	uint64_t n;
	int64_t value;
};

/* A kind of trouble: how many rows, and the first few examples. */
struct conv_trouble {
	uint64_t n;
	size_t ns;
	int more;                   /* examples past the CONV_SAMPLES kept */
	char sample[CONV_SAMPLES][48];
};

/* Records ahead of the one matched whose filter word conv_prefetch asks
 * for: the filter's cache misses then overlap. */
#define CONV_AHEAD 8
/* Slots of conv.ahead: more than CONV_AHEAD, so the id made for a record
 * is still there when it is matched. */
#define CONV_RING 16
_Static_assert(CONV_RING > CONV_AHEAD,
               "conv.ahead outlives the prefetch distance");

/* All zero, then the settings, then conv_load per file. */
struct conv {
	/* Settings. */
	uint64_t window;            /* --conversion-window, microseconds */
	const char *const *events;  /* --event names (any case); none: all */
	size_t nevents;
	int local;                  /* times without zone are in TZ (--tz) */
	/* Loaded. */
	struct u64map ids;          /* clickid_key -> (val) the first click
	                               of that key in clicks */
	uint64_t *filter;           /* conv_ready: a bit per 2^fshift keys,
	                               set for those of ids; NULL: none */
	unsigned fshift;
	/* The ids conv_prefetch made, for conv_match to take instead of
	 * hashing the record again: a slot per record address (>> 7: a
	 * record's 128 bytes), CONV_RING consecutive records apart. */
	struct conv_ahead {
		const unsigned char *rec;
		struct clickid id;
	} ahead[CONV_RING];
	struct conv_click *clicks;
	size_t nclicks, capclicks;
	struct conv_item *items;
	size_t nitems, capitems;
	struct conv_hrow *hrows;
	size_t nhrows, caphrows;
	struct u64map seen;         /* a hash of each row (or its id) read */
	uint64_t rows;              /* rows read (blank lines not) */
	uint64_t dups, other_events;
	/* The segment being scanned (scan.c): its header's node and worker. */
	uint32_t node, worker;
	/* Credited (conv_credit): per group id, and per group id and
	 * platform (key gid << 8 | platform) for groupings of people. */
	struct u64map gmap, pmap;
	struct conv_sum *gsum, *psum;
	size_t gcap, pcap;
	struct conv_sum total;      /* credited to groups */
	struct conv_sum bots;       /* of clicks that were not human */
	int overflow;               /* a sum of values passed int64_t */
	struct conv_trouble unknown_id, collision, early, late, outside;
	struct conv_trouble unknown_name, hrow_outside, ungrouped;
	/* The store's handles and campaign names, sorted, for the rows. */
	const struct names_entry **sidx, **cidx;
	size_t nsidx, ncidx;
	int indexed;
};

/* Done loading: the filter conv_match asks before the table.  Returns 0,
 * or -1 out of memory. */
int conv_ready(struct conv *v);

/* Read the conversions file path ("-": standard input) into v, handles
 * and campaigns resolved in nm.  Returns 0; or -1 with err holding the
 * message ("FILE:LINE: what is wrong", or the file's error); -2 out of
 * memory. */
int conv_load(struct conv *v, const char *path, const struct names *nm,
              char *err, size_t errlen);


/* The slot of record p: consecutive records, 128 bytes apart, take
 * consecutive slots whatever the buffer's alignment. */
static inline struct conv_ahead *conv_ahead_slot(struct conv *v,
                                           const unsigned char *p)
{
	return &v->ahead[((uintptr_t)p / CLICKREC_SIZE) % CONV_RING];
}

/* A new buffer of records (count_records): the slots' ids are of
 * records no longer there, at addresses the new ones may take. */
static inline void conv_restart(struct conv *v)
{
	for (unsigned i = 0; i < CONV_RING; i++)
		v->ahead[i].rec = NULL;
}

/* The click id of record p (in the scan's segment), made once: by
 * conv_prefetch CONV_AHEAD records before, or here. */
static inline const struct clickid *conv_id(struct conv *v,
                                            const unsigned char *p)
{
	struct conv_ahead *a = conv_ahead_slot(v, p);
	if (a->rec != p) {
		clickid_make(v->node, v->worker, le_get64(p + REC_TIME),
		             (uint32_t)p[REC_SEQ_HI] << 16 |
		             le_get16(p + REC_SEQ_LO), &a->id);
		a->rec = p;
	}
	return &a->id;
}

/* Prefetch the filter's word for record p (not yet verified: only its
 * bytes are read), which conv_match will ask for soon. */
static inline void conv_prefetch(struct conv *v, const unsigned char *p)
{
	uint64_t bit = clickid_key(conv_id(v, p)) >> v->fshift;
	__builtin_prefetch(&v->filter[bit >> 6]);
}

/*
 * The record p (in the scan's segment, with CLICK_F_CLICKID): its click
 * id looked up.  Returns the click it names, marked seen, or NULL (no
 * conversion names it, or another record had the id already: marked a
 * collision).  The counting loop then calls conv_place when the record
 * is counted.
 */
static inline struct conv_click *conv_match(struct conv *v,
                                            const unsigned char *p)
{
	const struct clickid *id = conv_id(v, p);
	uint64_t t = le_get64(p + REC_TIME);
	/* Most records carry an id no conversion names: a bit in a table
	 * about 16 bits per id (a few MB, in the cache more often than
	 * not) turns most of them away before the map's cache misses. */
	uint64_t key = clickid_key(id), bit = key >> v->fshift;
	if (!(v->filter[bit >> 6] & (uint64_t)1 << (bit & 63)))
		return NULL;
	int64_t k = u64map_index(&v->ids, key);
	if (k < 0)
		return NULL;
	/* Ids that share their first 64 bits (a hand-made file) chain. */
	struct conv_click *c = &v->clicks[v->ids.val[k]];
	while (memcmp(c->id.b, id->b, CLICKID_BYTES) != 0) {
		if (c->chain == CONV_NONE)
			return NULL;
		c = &v->clicks[c->chain];
	}
	if (c->state & CONV_SEEN) {
		c->state |= CONV_MANY;
		return NULL;
	}
	c->state |= CONV_SEEN;
	c->t = t;
	return c;
}

/* The record of c was counted in group gid with platform plat; human:
 * as a counted human click. */
static inline void conv_place(struct conv_click *c, uint32_t gid,
                              unsigned plat, int human)
{
	c->state |= CONV_COUNTED | (human ? CONV_HUMAN : 0);
	c->gid = gid;
	c->plat = (uint8_t)plat;
}

struct count;

/* After the scan: every conversion credited or counted as trouble, into
 * C's groups under its grouping, filters and window.  Returns 0, or -1
 * out of memory, -2 when a sum of values would pass the range of int64_t
 * (9.2 trillion). */
int conv_credit(struct conv *v, struct count *C);

/* A group's conversions (zero when none). */
struct conv_sum conv_group(const struct conv *v, uint32_t gid);

/* A group's conversions from clicks on platform plat (groupings of
 * people). */
struct conv_sum conv_group_platform(const struct conv *v, uint32_t gid,
                                    unsigned plat);

/* What was not credited, on stderr: how many of each kind, the first
 * few. */
void conv_warn(const struct conv *v);

void conv_free(struct conv *v);

#endif
