/*
 * reload: making and replacing the attribution state.  See reload.h;
 * attrib.c owns publishing and freeing it.
 */
#include "reload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logmsg.h"
#include "salt.h"

/* Read a whole small file into a malloc'd buffer.  NULL and errno on
 * failure. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap || cap >= (1u << 24))
			break;
		char *bigger = realloc(buf, cap *= 2);
		if (!bigger) {
			free(buf);
			buf = NULL;
		}
		buf = bigger;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	*len = n;
	return buf;
}

struct ua_rules *reload_ua_rules(const char *path)
{
	struct ua_diag diag = { 0 };
	char *text = NULL;
	size_t len = 0;
	if (*path && !(text = read_file(path, &len))) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	struct ua_rules *r = ua_rules_new(text, len, &diag);
	for (unsigned i = 0; i < diag.n && i < sizeof diag.e / sizeof *diag.e; i++)
		fprintf(stderr, "%s:%u: %s\n", path, diag.e[i].line, diag.e[i].msg);
	if (!r && !diag.n)
		fprintf(stderr, "%s: out of memory for the User-Agent rules\n",
		        *path ? path : "ua_rules");
	free(text);
	return r;
}

struct geo *reload_geo(const char *path)
{
	struct geo *g = NULL;
	char err[256], desc[256];
	if (!*path)
		return NULL;
	if (geo_open(path, &g, err, sizeof err) < 0) {
		logmsg("warning: country database %s: %s; countries will be "
		       "unknown", path, err);
		return NULL;
	}
	geo_describe(g, desc, sizeof desc);
	logmsg("country database: %s", desc);
	return g;
}

/* The period (visitor_period_index of cfg's visitor_period) of now.
 * REDIRECTD_TEST_NOW (seconds since the epoch) stands for the clock in the
 * tests, which cannot wait for a week to pass; read once, at start; only
 * in a build with the test hooks (meson option test_hooks). */
static int64_t reload_period_now(const struct reload *r)
{
	static int64_t fake = -1;
#ifdef REDIRECTD_TEST_HOOKS
	if (fake == -1) {
		const char *e = getenv("REDIRECTD_TEST_NOW");
		char *end;
		long long v = e && *e ? strtoll(e, &end, 10) : -1;
		fake = e && *e && !*end && v >= 0 ? v : -2;
	}
#endif
	int64_t t = fake >= 0 ? fake : (int64_t)time(NULL);
	return visitor_period_index(r->cfg->visitor_period, t);
}

/* A new state from parts; the key is the period's (from state_dir). */
static struct attrib *reload_make(struct reload *r, int64_t period,
                                  struct geo *geo, struct ua_rules *ua)
{
	unsigned char salt[VISITOR_SALT_LEN];
	int rc = salt_load(r->cfg->state_dir, r->cfg->visitor_period, period,
	                   salt);
	if (rc < 0) {
		logmsg("cannot keep the visitor salt in %s: %s",
		       r->cfg->state_dir, strerror(-rc));
		return NULL;
	}
	struct attrib *a = calloc(1, sizeof *a);
	if (a) {
		a->period = period;
		a->geo = geo;
		a->ua = ua;
		visitor_key_init(&a->vkey, salt);
	}
	explicit_bzero(salt, sizeof salt);
	return a;
}

/* Publish a and wake the workers so they take it up now. */
static void reload_switch(struct reload *r, struct attrib *a)
{
	if (attrib_publish(r->slot, a) < 0) {
		logmsg("workers are slow to take up new state; keeping the old");
		attrib_free(r->slot, a);
		return;
	}
	worker_wake_all(r->workers, r->n_workers);
}

int reload_start(struct reload *r, const struct config *cfg,
                 struct attrib_slot *slot, struct worker *workers,
                 unsigned n_workers, struct ua_rules *ua)
{
	r->cfg = cfg;
	r->slot = slot;
	r->workers = workers;
	r->n_workers = n_workers;
	struct attrib *a = reload_make(r, reload_period_now(r),
	                               reload_geo(r->cfg->geoip_db), ua);
	if (!a)
		return -1;
	attrib_publish(r->slot, a);
	return 0;
}

void reload_all(struct reload *r)
{
	struct attrib *cur = attrib_current(r->slot);
	struct geo *geo = cur->geo;
	struct ua_rules *ua = reload_ua_rules(r->cfg->ua_rules);
	if (!ua) {
		logmsg("keeping the previous User-Agent rules");
		ua = cur->ua;
	}
	if (*r->cfg->geoip_db) {
		struct geo *fresh = reload_geo(r->cfg->geoip_db);
		if (fresh)
			geo = fresh;
		else if (geo)
			logmsg("keeping the previous country database");
	}
	struct attrib *a = reload_make(r, reload_period_now(r), geo, ua);
	if (!a) {
		if (geo != cur->geo)
			geo_close(geo);
		if (ua != cur->ua)
			ua_rules_free(ua);
		return;
	}
	reload_switch(r, a);
}

void reload_tick(struct reload *r)
{
	/* A new key period (day, week or month): a new visitor key, and the
	 * last period's salt is gone. */
	struct attrib *cur = attrib_current(r->slot);
	int64_t period = reload_period_now(r);
	if (period != cur->period) {
		struct attrib *a = reload_make(r, period, cur->geo, cur->ua);
		if (a)
			reload_switch(r, a);
	}
	attrib_reclaim(r->slot, worker_min_seen(r->workers, r->n_workers,
	                                        WORKER_SEEN_GEN));
}
