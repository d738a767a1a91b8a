/*
 * report_pass: the report's second pass over the segments, with the same
 * window and filters as the leaderboard's: the cards' figures (cards.h,
 * as linkctl's posts count them), and what the page's own sections
 * count: platforms and countries, teams and campaigns, the leaders'
 * daily visitors; then the links of the store no one clicked.  It reads
 * and counts; it writes no markup.
 */
#include "report_int.h"
#include "segwalk.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "out.h"
#include "store.h"

/* A key for a tuple: distinct tuples give distinct keys but for 64-bit
 * hash collisions (one in 2^64 per pair).  Never 0. */
static uint64_t report_key(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t h = hash_mix64(a ^ 0x9e3779b97f4a7c15u);
	h = hash_mix64(h ^ b);
	h = hash_mix64(h ^ (c + 0x632be59bd9b4e019u));
	return h ? h : 1;
}

/* Add 1 to m's value of key.  Returns 0, or -1 out of memory. */
static int report_inc(struct u64map *m, uint64_t key)
{
	int fresh;
	uint64_t *v = u64map_get(m, key, &fresh);
	if (!v)
		return -1;
	(*v)++;
	return 0;
}

/* Count a click for the teams and campaigns sections, by the rules of
 * reach --by team, --by campaign and --by staff,campaign: distinct
 * visitors within each.  Returns 0, or -1 out of memory. */
static int report_count_groups(struct report *P, const struct click *c)
{
	const struct names *nm = P->in->nm;
	int fresh;
	if (!nm || !P->team)
		return 0;
	uint32_t t = c->staff_id < nm->nteam_of ? nm->team_of[c->staff_id] : 0;
	uint64_t pair = (uint64_t)c->campaign_id << 32 | c->staff_id;
	P->team[t][0]++;
	if (report_inc(&P->camp_clicks, c->campaign_id) < 0 ||
	    report_inc(&P->pair_clicks, pair) < 0)
		return -1;
	if (!c->visitor)
		return 0;
	if (!u64map_get(&P->seen, report_key(~2ull, t, c->visitor), &fresh))
		return -1;
	P->team[t][1] += (uint64_t)fresh;
	if (!u64map_get(&P->seen, report_key(~3ull, c->campaign_id, c->visitor),
	                &fresh) ||
	    (fresh && report_inc(&P->camp_vis, c->campaign_id) < 0))
		return -1;
	if (!u64map_get(&P->seen, report_key(~4ull, pair, c->visitor), &fresh) ||
	    (fresh && report_inc(&P->pair_vis, pair) < 0))
		return -1;
	return 0;
}

/* Count a counted click (cards_record said so) for the page's own
 * sections: platforms and countries of all clicks, teams and campaigns,
 * and the daily visitors of the leaders.  Returns 0, or -1 out of
 * memory. */
static int report_count(struct report *P, const struct click *c)
{
	const struct report_in *in = P->in;
	int fresh;
	uint64_t *v;
	unsigned plat = c->platform < PLATFORM_COUNT ? c->platform
	                                             : PLATFORM_UNKNOWN;
	uint16_t code = (uint16_t)((unsigned char)c->country[0] << 8 |
	                           (unsigned char)c->country[1]);
	P->plat_clicks[plat]++;
	if (report_count_groups(P, c) < 0 ||
	    !(v = u64map_get(&P->ctry, code, &fresh)))
		return -1;
	(*v)++;
	if (c->visitor) {
		if (!u64map_get(&P->seen, report_key(~0ull, plat, c->visitor),
		                    &fresh))
			return -1;
		P->plat_vis[plat] += (uint64_t)fresh;
		if (!u64map_get(&P->seen, report_key(~1ull, code, c->visitor),
		                &fresh))
			return -1;
		if (fresh) {
			if (!(v = u64map_get(&P->ctry_vis, code, &fresh)))
				return -1;
			(*v)++;
		}
	}
	if (!c->visitor || c->staff_id >= P->nidx || !P->idx[c->staff_id] ||
	    P->idx[c->staff_id] - 1 >= P->nleaders)
		return 0;
	uint32_t row = P->idx[c->staff_id] - 1;
	int64_t lt = (int64_t)c->time_us + when_offset(in->zone, c->time_us);
	if (lt < 0)
		lt = 0;
	int64_t day = lt / 86400000000;
	if (!u64map_get(&P->seen, report_key(row, 1000 + (uint64_t)day,
	                                         c->visitor), &fresh))
		return -1;
	if (fresh) {
		if (!(v = u64map_get(&P->daily,
		                         (uint64_t)row << 32 | ((uint32_t)day + 1u),
		                         &fresh)))
			return -1;
		(*v)++;
		if (P->day_min < 0 || day < P->day_min)
			P->day_min = day;
		if (day > P->day_max)
			P->day_max = day;
	}
	return 0;
}

/* Read one segment (reach has read it already: errors are unexpected,
 * but a segment may have grown).  Returns 0 or -1 after reporting. */
static int report_file(struct report *P, const char *path)
{
	struct segmap m;
	int ret = 0, counted, rc = segwalk_open(path, &m);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	struct click c;
	/* Under --skip-damaged the same records are skipped again; the
	 * count's account (in->damage) already names them. */
	struct damage again = { 0 };
	struct damage *skip = P->in->damage ? &again : NULL;
	while ((rc = segwalk_next(&m, &c, path, skip)) == CLICKREC_RECORD) {
		/* The record just decoded, as it is in the file. */
		counted = cards_record(&P->K, m.r.buf + m.r.off - CLICKREC_SIZE);
		if (counted < 0 || (counted && report_count(P, &c) < 0)) {
			out_err("out of memory");
			ret = -1;
			break;
		}
	}
	if (rc < CLICKREC_CORRUPT) {
		out_err("out of memory");
		ret = -1;
	}
	damage_free(&again);
	segwalk_close(&m);
	return ret;
}

/* Links of the colleagues in a campaign, minted unshared_days or more ago
 * and without a human click in the logs read (cards_unshared). */
static int report_unshared(struct report *P)
{
	const struct report_in *in = P->in;
	struct store s;
	MDB_txn *txn = NULL;
	int rc;
	if (!in->db || !*in->db)
		return 0;
	if ((rc = store_open(&s, in->db, STORE_RDONLY))) {
		out_err("%s: cannot open the store: %s", in->db, mdb_strerror(rc));
		return -1;
	}
	if (!(rc = mdb_txn_begin(s.env, NULL, MDB_RDONLY, &txn))) {
		rc = cards_unshared(&P->K, &s, txn, P->idx, P->nidx, in->now_us,
		                    in->unshared_days, P->un);
		mdb_txn_abort(txn);
	}
	if (rc)
		out_err("%s: reading the store: %s", in->db, mdb_strerror(rc));
	store_close(&s);
	return rc ? -1 : 0;
}

/* Each row's team size and median (cards_teams) into size and median.
 * Returns 0, or -1 out of memory. */
static int report_teams(const struct report_in *in, size_t *size,
                        uint64_t *median)
{
	const char **team = malloc((in->nrows ? in->nrows : 1) * sizeof *team);
	uint64_t *vis = malloc((in->nrows ? in->nrows : 1) * sizeof *vis);
	int rc = -1;
	if (team && vis) {
		for (size_t i = 0; i < in->nrows; i++) {
			team[i] = in->rows[i].team ? in->rows[i].team : "";
			vis[i] = in->rows[i].visitors;
		}
		rc = cards_teams(in->nrows, team, vis, size, median);
	}
	free(team);
	free(vis);
	return rc;
}

void report_release(struct report *P)
{
	u64map_free(&P->seen);
	u64map_free(&P->daily);
	u64map_free(&P->ctry);
	u64map_free(&P->ctry_vis);
	u64map_free(&P->camp_clicks);
	u64map_free(&P->camp_vis);
	u64map_free(&P->pair_clicks);
	u64map_free(&P->pair_vis);
	free(P->team);
	free(P->tsize);
	free(P->tmed);
	cards_free(&P->K);
	free(P->idx);
	free(P->un);
}

/* The second pass and what the pages need of the store.  0, or -1 after
 * reporting; report_release either way. */
int report_prepare(struct report *P, const struct report_in *in)
{
	memset(P, 0, sizeof *P);
	P->in = in;
	P->day_min = -1;
	for (size_t i = 0; i < in->nrows && i < REPORT_LEADERS_DAILY; i++)
		if (in->rows[i].visitors)
			P->nleaders = i + 1;
	uint32_t maxid = 0;
	for (size_t i = 0; i < in->nrows; i++)
		if (in->rows[i].id > maxid && in->rows[i].id < (1u << 24))
			maxid = in->rows[i].id;
	size_t nr = in->nrows ? in->nrows : 1;
	P->nidx = (size_t)maxid + 1;
	P->idx = calloc(P->nidx, sizeof *P->idx);
	P->un = calloc(nr, sizeof *P->un);
	P->tsize = malloc(nr * sizeof *P->tsize);
	P->tmed = malloc(nr * sizeof *P->tmed);
	if (in->nm)
		P->team = calloc(in->nm->nteams + 1, sizeof *P->team);
	if (!P->idx || !P->un || !P->tsize || !P->tmed ||
	    (in->nm && !P->team) || report_teams(in, P->tsize, P->tmed) < 0)
		goto oom;
	for (size_t i = 0; i < in->nrows; i++)
		if (in->rows[i].id < P->nidx)
			P->idx[in->rows[i].id] = (uint32_t)i + 1;
	P->K.since = in->since;
	P->K.until = in->until;
	P->K.fstaff = in->fstaff;
	P->K.nfstaff = in->nfstaff;
	P->K.fcamp = in->fcamp;
	P->K.nfcamp = in->nfcamp;
	P->K.include_internal = in->include_internal;
	P->K.zone = in->zone;
	for (size_t i = 0; i < in->nfiles; i++)
		if (report_file(P, in->files[i]) < 0)
			return -1;
	if (cards_settle_all(&P->K) < 0)
		goto oom;
	return report_unshared(P);
oom:
	out_err("out of memory");
	return -1;
}
