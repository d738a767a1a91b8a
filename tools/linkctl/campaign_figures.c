/*
 * campaign_figures: the figures of campaign posts (see
 * campaign_figures.h); the counting is reach's (figures.h).
 */
#include "campaign_figures.h"

#include "msg.h"
#include "out.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int campaign_figures_check(struct campaign_figures *cf,
                           const struct posts_template *t,
                           const struct args_many *log, const char *last)
{
	cf->log = log;
	cf->wanted = t->first_figure >= 0;
	cf->advice = (t->uses >> POSTS_ADVICE) & 1;
	/* The earlier window is counted only for the figures that need
	 * it. */
	cf->compare = (t->uses >> POSTS_CHANGE & 1) ||
	              (t->uses >> POSTS_RANK_CHANGE & 1);
	if (cf->wanted && !log->n)
		return msg_usage_error("campaign posts: {%s} needs --log DIR (the "
		                       "click log to count)",
		                       posts_field_name(t->first_figure));
	if (last && !log->n)
		return msg_usage_error("campaign posts: --last goes with --log");
	if (!last)
		last = CAMPAIGN_FIGURES_LAST;
	if (figures_last(last, &cf->since, &cf->prev_since) < 0)
		return msg_usage_error("campaign posts: --last: expected a number "
		                       "and h, d or w (7d), not '%s'",
		                       msg_shows(last));
	for (int i = 0; i < log->n; i++) {
		struct stat st;
		if (stat(log->v[i], &st) < 0) {
			out_err("campaign posts: --log %s: %s",
			        msg_shows(log->v[i]), strerror(errno));
			return EXIT_REFUSED;
		}
	}
	return 0;
}

int campaign_figures_count(struct campaign_figures *cf,
                           const struct store *s, MDB_txn *txn)
{
	if (!cf->wanted)
		return 0;
	const char *db = "the store";
	struct timespec now;
	mdb_env_get_path(s->env, &db);
	clock_gettime(CLOCK_REALTIME, &now);
	struct figures_in in = {
		.paths = cf->log->v, .npaths = (size_t)cf->log->n,
		.s = s, .txn = txn, .db = db,
		.since = cf->since, .until = UINT64_MAX,
		.prev_since = cf->prev_since,
		.prev_until = cf->compare ? cf->since : 0,
		.now_us = (uint64_t)now.tv_sec * 1000000u +
		          (uint64_t)now.tv_nsec / 1000u,
		.advice = cf->advice,
	};
	if (figures_count(&in, &cf->F) < 0)
		return EXIT_REFUSED;
	size_t rows, est = figures_estimated(cf->F, &rows);
	if (est)
		out_err("note: visitors of %zu of %zu colleagues are estimates "
		        "(HyperLogLog, standard error 0.81%%), as reach --by "
		        "staff counts them", est, rows);
	const char *period, *unit = figures_visitor_unit(cf->F, &period);
	if (strcmp(unit, "visitors") != 0)
		out_err("note: {visitors} counts %s: the window spans more "
		        "than one %s, and a person has one visitor id per %s "
		        "(visitor_period, redirectd.conf(5))", unit, period,
		        period);
	return 0;
}

int campaign_figures_values(struct campaign_figures *cf, uint32_t staff_id,
                            struct posts_values *v)
{
	if (!cf->wanted)
		return 0;
	struct figures_text *t = &cf->t;
	if (figures_of(cf->F, staff_id, t) < 0) {
		out_err("campaign posts: no figures for colleague id %u",
		        (unsigned)staff_id);
		return EXIT_REFUSED;
	}
	const char *val[POSTS_NFIELDS] = {
		[POSTS_VISITORS] = t->visitors, [POSTS_CLICKS] = t->clicks,
		[POSTS_RANK] = t->rank, [POSTS_RANKED] = t->ranked,
		[POSTS_TEAM_RANK] = t->team_rank,
		[POSTS_TOP_PLATFORM] = t->top_platform,
		[POSTS_ADVICE] = t->advice,
		[POSTS_LEADERBOARD] = figures_leaderboard(cf->F),
		[POSTS_CHANGE] = t->change, [POSTS_RANK_CHANGE] = t->rank_change,
	};
	for (int f = POSTS_FIRST_FIGURE; f < POSTS_NFIELDS; f++) {
		v->v[f] = val[f];
		v->n[f] = strlen(val[f]);
	}
	return 0;
}

void campaign_figures_free(struct campaign_figures *cf)
{
	figures_free(cf->F);
	cf->F = NULL;
}
