/*
 * names: what reach knows from the store (read-only): every
 * colleague and campaign by id, so a leaderboard can show names and list
 * people without clicks; the teams, numbered, for --by team; and the
 * filters --staff, --team and --campaign resolved to sets of ids for the
 * counting loop.  Nothing here reads the logs.
 */
#ifndef REDIRECTD_NAMES_H
#define REDIRECTD_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* A colleague or a campaign. */
struct names_entry {
	uint32_t id;
	char *key;      /* handle or campaign name */
	char *name;     /* staff: the name; campaigns: "" */
	char *team;     /* the colleague's or the campaign's team, or "" */
};

struct names {
	struct names_entry *staff;  /* sorted by id */
	size_t nstaff;
	struct names_entry *camps;  /* sorted by id */
	size_t ncamps;
	char **teams;               /* team number - 1 -> name (views), sorted */
	size_t nteams;
	uint32_t *team_of;          /* staff id -> team number (0: none) */
	size_t nteam_of;
	/* A record counts when its colleague (its campaign) has a non-zero
	 * entry; NULL: no such filter. */
	uint8_t *fstaff, *fcamp;
	size_t nfstaff, nfcamp;
};

/*
 * --staff, --team and --campaign as given: each value a comma-separated
 * list, each option repeatable.  A record counts when its colleague is
 * among those named by --staff (if given) and in a team named by --team
 * (if given), and its campaign among --campaign (if given).
 */
struct names_filter_args {
	const char **staff, **team, **campaign;
	size_t nstaff, nteam, ncampaign;
};

/* Read every colleague and campaign of the store in dir, and the teams.
 * Returns 0 or -1 after reporting; a store that does not exist is only a
 * warning unless explicit (named by --db, not $REDIRECTD_DB or the
 * configuration). */
int names_load(struct names *N, const char *dir, int explicit);

/*
 * The store for names when --db names none (flag NULL): $REDIRECTD_DB when
 * set (empty: none); else the db directive of the configuration in effect
 * when the file sets one (conf.h: -c FILE, $REDIRECTD_CONF, the installed
 * file), so an analyst on a node reads the daemon's store with no flag;
 * else none.  Sets *db (NULL:
 * none) and returns 0, or -1 after the configuration's errors.
 */
int names_store(const char *flag, const char **db);

/* The same from a store the caller has open (s, a read transaction txn;
 * dir names it in messages): for a program that holds the store itself,
 * which LMDB forbids opening twice in one process.  Returns 0 or -1 after
 * reporting. */
int names_read(struct names *N, const struct store *s, MDB_txn *txn,
               const char *dir);

/* The entry of id in v[0, n) (sorted by id), or NULL. */
const struct names_entry *names_find(const struct names_entry *v,
                                     size_t n, uint32_t id);

/* Resolve the filters into N->fstaff and N->fcamp.  Names the store does
 * not know are an error.  Returns 0 or -1 after reporting. */
int names_filters(struct names *N, const struct names_filter_args *f);

void names_free(struct names *N);

#endif
