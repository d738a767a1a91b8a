/*
 * conv: conversions read, matched and credited (see conv.h).
 */
#include "conv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>
#include <xxhash.h>

#include "convfile.h"
#include "count.h"
#include "input.h"
#include "out.h"

/* Grow *v (of *cap elements of size sz) to hold n + 1.  0, or -1. */
static int conv_grow(void **v, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 1024;
	void *p = realloc(*v, c * sz);
	if (!p)
		return -1;
	*v = p;
	*cap = c;
	return 0;
}

static void conv_note(struct conv_trouble *t, const char *s, size_t len)
{
	if (t->ns < CONV_SAMPLES) {
		size_t n = len < sizeof t->sample[0] - 1 ? len
		                                         : sizeof t->sample[0] - 1;
		/* From a file: no control byte reaches the terminal. */
		for (size_t i = 0; i < n; i++)
			t->sample[t->ns][i] = (unsigned char)s[i] < 0x20 ||
			                      s[i] == 0x7f ? '?' : s[i];
		t->sample[t->ns++][n] = '\0';
	} else {
		t->more = 1;
	}
}

static void conv_note_id(struct conv_trouble *t, const struct clickid *id,
                         uint64_t rows)
{
	char s[CLICKID_LEN];
	clickid_format(id, s);
	conv_note(t, s, CLICKID_LEN);
	t->n += rows;
}

static int conv_cmp_key(const void *a, const void *b)
{
	return strcmp((*(const struct names_entry *const *)a)->key,
	              (*(const struct names_entry *const *)b)->key);
}

/* The store's handles and campaign names, sorted by name. */
static int conv_index(struct conv *v, const struct names *nm)
{
	v->indexed = 1;
	v->sidx = malloc((nm->nstaff + 1) * sizeof *v->sidx);
	v->cidx = malloc((nm->ncamps + 1) * sizeof *v->cidx);
	if (!v->sidx || !v->cidx)
		return -1;
	for (size_t i = 0; i < nm->nstaff; i++)
		v->sidx[i] = &nm->staff[i];
	for (size_t i = 0; i < nm->ncamps; i++)
		v->cidx[i] = &nm->camps[i];
	v->nsidx = nm->nstaff;
	v->ncidx = nm->ncamps;
	qsort(v->sidx, v->nsidx, sizeof *v->sidx, conv_cmp_key);
	qsort(v->cidx, v->ncidx, sizeof *v->cidx, conv_cmp_key);
	return 0;
}

/* The id of the name t in idx (folded to lower case when fold: handles
 * are stored so), or 0. */
static uint32_t conv_lookup(const struct names_entry **idx, size_t n,
                            struct convfile_text t, int fold)
{
	char key[128];
	if (t.len >= sizeof key)
		return 0;
	for (size_t i = 0; i < t.len; i++) {
		char c = t.s[i];
		key[i] = fold && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	key[t.len] = '\0';
	struct names_entry e = { .key = key };
	const struct names_entry *pe = &e;
	const struct names_entry **hit = n ? bsearch(&pe, idx, n, sizeof *idx,
	                                             conv_cmp_key) : NULL;
	return hit ? (*hit)->id : 0;
}

static int conv_event_wanted(const struct conv *v, struct convfile_text e)
{
	if (!v->nevents)
		return 1;
	for (size_t i = 0; i < v->nevents; i++)
		if (strlen(v->events[i]) == e.len &&
		    strncasecmp(v->events[i], e.s, e.len) == 0)
			return 1;
	return 0;
}

/* A time without zone, the wall clock of the zone in TZ (--tz): UTC. */
static int64_t conv_local(int64_t us)
{
	time_t s = (time_t)(us / 1000000);
	struct tm tm;
	gmtime_r(&s, &tm);
	tm.tm_isdst = -1;
	time_t u = mktime(&tm);
	return (int64_t)u * 1000000 + us % 1000000;
}

/* The click of id in v->clicks, made on first sight.  Its index, or -1
 * out of memory. */
static int64_t conv_click_get(struct conv *v, const struct clickid *id)
{
	uint64_t key = clickid_key(id);
	int64_t k = u64map_index(&v->ids, key);
	if (k >= 0)
		for (uint32_t i = (uint32_t)v->ids.val[k]; i != CONV_NONE;
		     i = v->clicks[i].chain)
			if (memcmp(v->clicks[i].id.b, id->b, CLICKID_BYTES) == 0)
				return i;
	if (v->nclicks >= CONV_NONE ||
	    conv_grow((void **)&v->clicks, &v->capclicks, v->nclicks,
	              sizeof *v->clicks) < 0)
		return -1;
	if (k < 0) {
		if ((k = u64map_add(&v->ids, key)) < 0)
			return -1;
		v->ids.val[k] = v->nclicks;
	} else {
		uint32_t i = (uint32_t)v->ids.val[k];
		while (v->clicks[i].chain != CONV_NONE)
			i = v->clicks[i].chain;
		v->clicks[i].chain = (uint32_t)v->nclicks;
	}
	v->clicks[v->nclicks] = (struct conv_click){
		.id = *id, .first = CONV_NONE, .chain = CONV_NONE,
	};
	return (int64_t)v->nclicks++;
}

/* Row r (its raw bytes rec[0, q)) of the file: kept, or dropped as
 * another event or a duplicate.  0, -1 (*why), -2 out of memory. */
static int conv_row(struct conv *v, char *rec, size_t q,
                    struct csv_record *r, const struct convfile_header *h,
                    const char **why)
{
	struct convfile_row row;
	/* The row's own bytes, hashed before the parse unescapes them: the
	 * identity of a row without id (the line end not part of it). */
	size_t n = q;
	while (n && (rec[n - 1] == '\n' || rec[n - 1] == '\r'))
		n--;
	uint64_t raw = XXH3_64bits_withSeed(rec, n, 2);
	int rc = convfile_row(rec, r, h, &row, why);
	if (rc == CONVFILE_BLANK)
		return 0;
	if (rc < 0)
		return -1;
	v->rows++;
	if (!conv_event_wanted(v, row.event)) {
		v->other_events++;
		return 0;
	}
	uint64_t key = row.id.len ? XXH3_64bits_withSeed(row.id.s, row.id.len, 1)
	                          : raw;
	if (u64map_index(&v->seen, key) >= 0) {
		v->dups++;
		return 0;
	}
	if (u64map_add(&v->seen, key) < 0)
		return -2;
	int64_t t = row.local && v->local ? conv_local(row.time_us) : row.time_us;
	if (row.has_click) {
		int64_t k = conv_click_get(v, &row.click);
		if (k < 0)
			return -2;
		if (conv_grow((void **)&v->items, &v->capitems, v->nitems,
		              sizeof *v->items) < 0)
			return -2;
		v->items[v->nitems] = (struct conv_item){
			.t = t, .value = row.value, .next = v->clicks[k].first,
		};
		v->clicks[k].first = (uint32_t)v->nitems++;
		return 0;
	}
	uint32_t staff = conv_lookup(v->sidx, v->nsidx, row.handle, 1);
	uint32_t camp = row.campaign.len ?
	                conv_lookup(v->cidx, v->ncidx, row.campaign, 0) : 0;
	if (!staff || (row.campaign.len && !camp)) {
		char s[48];
		struct convfile_text what = staff ? row.campaign : row.handle;
		int k = snprintf(s, sizeof s, "%s %.*s", staff ? "campaign" : "staff",
		                 (int)(what.len < 32 ? what.len : 32), what.s);
		conv_note(&v->unknown_name, s, (size_t)k < sizeof s ? (size_t)k
		                                                     : sizeof s - 1);
		v->unknown_name.n++;
		return 0;
	}
	if (conv_grow((void **)&v->hrows, &v->caphrows, v->nhrows,
	              sizeof *v->hrows) < 0)
		return -2;
	v->hrows[v->nhrows++] = (struct conv_hrow){
		.t = t, .value = row.value, .staff = staff, .campaign = camp,
	};
	return 0;
}

int conv_load(struct conv *v, const char *path, const struct names *nm,
              char *err, size_t errlen)
{
	char *buf;
	size_t len;
	const char *label;
	*err = '\0';
	if (!v->indexed && conv_index(v, nm) < 0)
		return -2;
	if (input_read(path, &buf, &len, &label) != 0)
		return -1;      /* reported */
	size_t p = 0;
	unsigned line = 1;
	int have_header = 0, ret = 0;
	struct convfile_header h;
	/* A byte order mark, as spreadsheets write. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		p = 3;
	for (;;) {
		struct csv_record r;
		const char *why = NULL;
		ptrdiff_t q = csv_read(buf + p, len - p, 1, &r);
		if (q == 0)
			break;
		if (q < 0) {
			snprintf(err, errlen, "%s:%u: %s", label, line,
			         r.why ? r.why : "not CSV");
			ret = -1;
			break;
		}
		int rc;
		if (!have_header) {
			rc = convfile_header(buf + p, &r, &h, &why);
			have_header = 1;
		} else {
			rc = conv_row(v, buf + p, (size_t)q, &r, &h, &why);
		}
		if (rc == -2) {
			ret = -2;
			break;
		}
		if (rc < 0) {
			snprintf(err, errlen, "%s:%u: %s", label, line, why);
			ret = -1;
			break;
		}
		line += r.lines;
		p += (size_t)q;
	}
	if (!have_header && ret == 0) {
		snprintf(err, errlen, "%s: empty (no header)", label);
		ret = -1;
	}
	free(buf);
	return ret;
}

int conv_ready(struct conv *v)
{
	/* 16 bits per id, a power of two, at least 2^12: 1/16 of the ids
	 * not named pass (about 2 MB for a million ids). */
	unsigned bits = 12;
	while (bits < 40 && ((uint64_t)1 << bits) < 16 * (uint64_t)v->nclicks)
		bits++;
	v->fshift = 64 - bits;
	free(v->filter);
	v->filter = calloc(((size_t)1 << bits) / 64, sizeof *v->filter);
	if (!v->filter)
		return -1;
	for (size_t i = 0; i < v->nclicks; i++) {
		uint64_t bit = clickid_key(&v->clicks[i].id) >> v->fshift;
		v->filter[bit >> 6] |= (uint64_t)1 << (bit & 63);
	}
	return 0;
}

/* Add s to *sum.  0, or -2 past int64_t. */
static int conv_add(struct conv_sum *sum, int64_t value)
{
	sum->n++;
	return __builtin_add_overflow(sum->value, value, &sum->value) ? -2 : 0;
}

/* The sum of key in map m over the array *arr.  NULL out of memory. */
static struct conv_sum *conv_slot(struct u64map *m, struct conv_sum **arr,
                                  size_t *cap, uint64_t key)
{
	int64_t k = u64map_index(m, key);
	if (k < 0) {
		if ((k = u64map_add(m, key)) < 0 ||
		    conv_grow((void **)arr, cap, (size_t)k, sizeof **arr) < 0)
			return NULL;
		(*arr)[k] = (struct conv_sum){ 0 };
	}
	return &(*arr)[k];
}

/* One conversion into group gid (and its platform when plat is one). */
static int conv_give(struct conv *v, uint32_t gid, int plat, int64_t value)
{
	struct conv_sum *g = conv_slot(&v->gmap, &v->gsum, &v->gcap, gid);
	if (!g)
		return -1;
	if (conv_add(g, value) < 0 || conv_add(&v->total, value) < 0)
		return -2;
	if (plat >= 0) {
		struct conv_sum *s = conv_slot(&v->pmap, &v->psum, &v->pcap,
		                               (uint64_t)gid << 8 | (unsigned)plat);
		if (!s)
			return -1;
		if (conv_add(s, value) < 0)
			return -2;
	}
	return 0;
}

/* The conversions of one click. */
static int conv_credit_click(struct conv *v, const struct conv_click *c,
                             int people)
{
	uint64_t n = 0;
	for (uint32_t i = c->first; i != CONV_NONE; i = v->items[i].next)
		n++;
	if (!(c->state & CONV_SEEN)) {
		conv_note_id(&v->unknown_id, &c->id, n);
		return 0;
	}
	if (c->state & CONV_MANY) {
		conv_note_id(&v->collision, &c->id, n);
		return 0;
	}
	if (!(c->state & CONV_COUNTED)) {
		conv_note_id(&v->outside, &c->id, n);
		return 0;
	}
	for (uint32_t i = c->first; i != CONV_NONE; i = v->items[i].next) {
		const struct conv_item *it = &v->items[i];
		int rc = 0;
		if (it->t < (int64_t)c->t)
			conv_note_id(&v->early, &c->id, 1);
		else if ((uint64_t)it->t - c->t > v->window)
			conv_note_id(&v->late, &c->id, 1);
		else if (!(c->state & CONV_HUMAN))
			rc = conv_add(&v->bots, it->value);
		else
			rc = conv_give(v, c->gid, people ? c->plat : -1, it->value);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* A row by handle: its group under C's grouping, or -1 for none. */
static int64_t conv_hrow_group(struct count *C, const struct conv_hrow *h)
{
	switch (C->by) {
	case GROUPING_STAFF:
		return h->staff;
	case GROUPING_CAMPAIGN:
		return h->campaign ? (int64_t)h->campaign : -1;
	case GROUPING_TEAM:
		return h->staff < C->nm->nteam_of ?
		       (int64_t)C->nm->team_of[h->staff] : 0;
	case GROUPING_STAFF_CAMPAIGN:
		/* Only a pair that has a row: one that had a record. */
		return u64map_index(&C->pairs.map,
		                    (uint64_t)h->staff << 32 | h->campaign);
	default:
		return -1;
	}
}

int conv_credit(struct conv *v, struct count *C)
{
	const struct names *nm = C->nm;
	int people = GROUPING_PEOPLE(C->by);
	for (size_t i = 0; i < v->nclicks; i++) {
		int rc = conv_credit_click(v, &v->clicks[i], people);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < v->nhrows; i++) {
		const struct conv_hrow *h = &v->hrows[i];
		if (h->t < 0 || (uint64_t)h->t < C->since ||
		    (uint64_t)h->t >= C->until ||
		    (nm->fstaff && (h->staff >= nm->nfstaff || !nm->fstaff[h->staff])) ||
		    (nm->fcamp && (h->campaign >= nm->nfcamp ||
		                   !nm->fcamp[h->campaign]))) {
			v->hrow_outside.n++;
			continue;
		}
		int64_t gid = conv_hrow_group(C, h);
		if (gid < 0) {
			v->ungrouped.n++;
			continue;
		}
		int rc = conv_give(v, (uint32_t)gid, -1, h->value);
		if (rc < 0)
			return rc;
	}
	return 0;
}

struct conv_sum conv_group(const struct conv *v, uint32_t gid)
{
	int64_t k = u64map_index(&v->gmap, gid);
	return k < 0 ? (struct conv_sum){ 0 } : v->gsum[k];
}

struct conv_sum conv_group_platform(const struct conv *v, uint32_t gid,
                                    unsigned plat)
{
	int64_t k = u64map_index(&v->pmap, (uint64_t)gid << 8 | plat);
	return k < 0 ? (struct conv_sum){ 0 } : v->psum[k];
}

/* "KIND: conversions WHAT: N (examples, ...)". */
static void conv_say(const char *kind, const struct conv_trouble *t,
                     const char *what)
{
	if (!t->n)
		return;
	char ex[CONV_SAMPLES * 52 + 16] = "";
	size_t o = 0;
	for (size_t i = 0; i < t->ns; i++)
		o += (size_t)snprintf(ex + o, sizeof ex - o, "%s%s",
		                      i ? ", " : " (", t->sample[i]);
	if (t->ns)
		snprintf(ex + o, sizeof ex - o, "%s)", t->more ? ", ..." : "");
	out_err("%s: conversions %s: %" PRIu64 "%s", kind, what, t->n, ex);
}

void conv_warn(const struct conv *v)
{
	char val[32];
	if (v->dups)
		out_err("note: duplicate conversion rows counted once: %" PRIu64,
		        v->dups);
	if (v->other_events)
		out_err("note: conversion rows of other events left out "
		        "(--event): %" PRIu64, v->other_events);
	if (v->bots.n) {
		convfile_value_text(v->bots.value, val);
		out_err("note: conversions of clicks that were not a counted "
		        "human's (bots, previews, tools, probes, internal), "
		        "counted apart, not credited: %" PRIu64 " (value %s)",
		        v->bots.n, val);
	}
	conv_say("warning", &v->unknown_id, "naming a click id no record read has");
	conv_say("warning", &v->collision,
	         "naming a click id two or more records have (not credited)");
	conv_say("warning", &v->early, "earlier than their click");
	conv_say("warning", &v->late,
	         "later than --conversion-window after their click");
	conv_say("note", &v->outside,
	         "of clicks outside the window or the filters");
	conv_say("warning", &v->unknown_name,
	         "naming a colleague or campaign the store does not have");
	conv_say("note", &v->hrow_outside,
	         "by handle outside the window or the filters");
	conv_say("note", &v->ungrouped,
	         "by handle in no group of this --by (they have no platform, "
	         "country, day, hour, nor campaign without a campaign column)");
}

void conv_free(struct conv *v)
{
	u64map_free(&v->ids);
	u64map_free(&v->seen);
	u64map_free(&v->gmap);
	u64map_free(&v->pmap);
	free(v->clicks);
	free(v->items);
	free(v->hrows);
	free(v->gsum);
	free(v->psum);
	free(v->sidx);
	free(v->cidx);
	free(v->filter);
	memset(v, 0, sizeof *v);
}
