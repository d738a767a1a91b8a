/*
 * test_rank: the order and ranks of reach's leaderboard
 * (tools/reach/rank.c): visitors first (clicks first with --rank clicks),
 * then the other, then the key, ids without a name as numbers; equal
 * (visitors, clicks) share a rank and the next one skips: 1, 2, 2, 4.
 * The prize rules: --min-visitors (unranked rows, rank 0, last) and
 * --rank improved (the change first; ties on change, visitors, clicks).
 */
#include <stdio.h>

#include "rank.h"
#include "tap.h"

static struct row mk(const char *key, uint32_t id, uint64_t visitors,
                     uint64_t clicks)
{
	return (struct row){
		.key = key, .id = id, .visitors = visitors, .clicks = clicks,
		.name = "", .team = "", .top_platform = "",
	};
}

static struct row num(uint32_t id, uint64_t visitors, uint64_t clicks)
{
	struct row r = mk(NULL, id, visitors, clicks);
	snprintf(r.keybuf, sizeof r.keybuf, "#%u", id);
	r.numeric = 1;
	return r;
}

int main(void)
{
	const struct rank_rules min2 = { .by = RANK_VISITORS, .min_visitors = 2 },
		min2_clicks = { .by = RANK_CLICKS, .min_visitors = 2 },
		improved = { .by = RANK_IMPROVED },
		earliest = { .by = RANK_VISITORS, .ties_earliest = 1 },
		shared = { .by = RANK_VISITORS };
	struct row rows[5] = {
		mk("carol", 3, 5, 9), mk("bob", 2, 10, 12), mk("dave", 4, 5, 9),
		mk("alice", 1, 5, 20), mk("erin", 5, 1, 30),
	};
	rank_sort(rows, 5, 0);
	is_str(rank_key(&rows[0]), "bob", "most visitors first");
	is_str(rank_key(&rows[1]), "alice", "equal visitors: more clicks first");
	is_str(rank_key(&rows[2]), "carol", "equal both: by key");
	is_str(rank_key(&rows[3]), "dave", "...");
	is_str(rank_key(&rows[4]), "erin", "fewest visitors last");
	ok(rows[0].rank == 1 && rows[1].rank == 2 && rows[2].rank == 3 &&
	   rows[3].rank == 3 && rows[4].rank == 5,
	   "ranks 1, 2, 3, 3, 5: a tie shares, the next skips");

	rank_sort(rows, 5, 1);
	is_str(rank_key(&rows[0]), "erin", "--rank clicks: most clicks first");
	is_str(rank_key(&rows[1]), "alice", "...");
	is_str(rank_key(&rows[2]), "bob", "...");
	is_str(rank_key(&rows[3]), "carol", "equal clicks and visitors: by key");
	ok(rows[0].rank == 1 && rows[3].rank == 4 && rows[4].rank == 4,
	   "the tie still shares its rank");

	struct row ids[4] = { num(10, 1, 1), num(9, 1, 1), num(100, 1, 1),
	                      mk("zed", 7, 2, 2) };
	rank_sort(ids, 4, 0);
	ok(ids[1].id == 9 && ids[2].id == 10 && ids[3].id == 100,
	   "ids without a name sort as numbers: #9, #10, #100");
	ok(ids[0].rank == 1 && ids[1].rank == 2 && ids[2].rank == 2 &&
	   ids[3].rank == 2, "ranks 1, 2, 2, 2");

	struct row four[4] = { mk("a", 1, 3, 3), mk("b", 2, 2, 2),
	                       mk("c", 3, 2, 2), mk("d", 4, 1, 1) };
	rank_sort(four, 4, 0);
	ok(four[0].rank == 1 && four[1].rank == 2 && four[2].rank == 2 &&
	   four[3].rank == 4, "competition ranking: 1, 2, 2, 4");

	struct row pair[2] = { mk("ann", 1, 1, 1), mk("ann", 1, 1, 1) };
	pair[0].ckey = "spring";
	pair[1].ckey = "autumn";
	rank_sort(pair, 2, 0);
	is_str(rank_ckey(&pair[0]), "autumn", "same colleague: by campaign");

	struct row mv[5] = { mk("a", 1, 1, 9), mk("b", 2, 4, 4),
	                     mk("c", 3, 2, 2), mk("d", 4, 2, 2),
	                     mk("e", 5, 0, 0) };
	rank_sort_rules(mv, 5, &min2);
	ok(mv[0].rank == 1 && mv[1].rank == 2 && mv[2].rank == 2 &&
	   mv[3].rank == 0 && mv[4].rank == 0,
	   "--min-visitors 2: ranks 1, 2, 2 among the ranked, 0 for the rest");
	is_str(rank_key(&mv[3]), "a", "unranked rows last, in the same order");
	rank_sort_rules(mv, 5, &min2_clicks);
	is_str(rank_key(&mv[0]), "b", "--rank clicks --min-visitors 2: a's 9 "
	       "clicks do not rank it");
	ok(mv[3].rank == 0 && mv[4].rank == 0, "...and it stays unranked");

	struct row im[4] = { mk("a", 1, 9, 9), mk("b", 2, 3, 3),
	                     mk("c", 3, 5, 5), mk("d", 4, 3, 3) };
	im[0].change = -1;
	im[1].change = 2;
	im[2].change = 2;
	im[3].change = 2;
	rank_sort_rules(im, 4, &improved);
	is_str(rank_key(&im[0]), "c", "--rank improved: the largest change, "
	       "then more visitors");
	ok(im[0].rank == 1 && im[1].rank == 2 && im[2].rank == 2 &&
	   im[3].rank == 4, "--rank improved: b and d tie (2, 3, 3): 1, 2, 2, 4");
	is_str(rank_key(&im[3]), "a", "the most visitors, but a loss: last");

	/* --ties earliest: equal figures, the earlier last click first; the
	 * same time still shares. */
	struct row te[4] = { mk("a", 1, 3, 3), mk("b", 2, 3, 3),
	                     mk("c", 3, 3, 3), mk("d", 4, 4, 4) };
	te[0].reached = 300;
	te[1].reached = 100;
	te[2].reached = 300;
	te[3].reached = 900;
	rank_sort_rules(te, 4, &earliest);
	ok(te[0].id == 4 && te[1].id == 2 && te[0].rank == 1 &&
	   te[1].rank == 2 && te[2].rank == 3 && te[3].rank == 3,
	   "--ties earliest: b reached 3/3 first (2); a and c at the same "
	   "time share 3");
	rank_sort_rules(te, 4, &shared);
	ok(te[1].rank == 2 && te[2].rank == 2 && te[3].rank == 2 &&
	   te[1].id == 1, "--ties shared: 1, 2, 2, 2 in key order");

	rank_sort(NULL, 0, 0);
	ok(1, "no rows");
	return tap_done();
}
