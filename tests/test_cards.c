/*
 * test_cards: a colleague's card beyond the leaderboard (tools/reach/
 * cards.c) over records encoded as the daemon writes them: distinct
 * visitors per platform, clicks per hour, which records count (window,
 * filters, class, internal), links with a human click in or out of the
 * window, enough visitors to grow the set, the teams' sizes and medians,
 * and the advice made of it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cards.h"
#include "clickrec.h"
#include "tap.h"

#define T0 1793491200000000ull      /* 2026-11-01T00:00:00Z */
#define HOUR 3600000000ull

static unsigned char buf[64 * CLICKREC_SIZE];
static size_t nrec;

static void rec(uint64_t t, uint32_t staff, uint32_t link, unsigned cls,
                unsigned flags, uint64_t visitor, unsigned platform)
{
	struct click c;
	memset(&c, 0, sizeof c);
	c.time_us = t;
	c.staff_id = staff;
	c.link_id = link;
	c.campaign_id = staff % 2;
	c.class = (uint8_t)cls;
	c.flags = (uint8_t)flags;
	c.visitor = visitor;
	c.platform = (uint8_t)platform;
	clickrec_encode(&c, buf + nrec++ * CLICKREC_SIZE);
}

static struct when_zone utc;

/* cards_record over n records at b. */
static int cards_records(struct cards *K, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cards_record(K, b + i * CLICKREC_SIZE) < 0)
			return -1;
	return 0;
}

static void start(struct cards *K)
{
	memset(K, 0, sizeof *K);
	K->since = T0;
	K->until = T0 + 24 * HOUR;
	K->zone = &utc;
}

static void counting(void)
{
	struct cards K;
	start(&K);
	nrec = 0;
	rec(T0 + 9 * HOUR, 1, 10, CLASS_HUMAN, 0, 101, PLATFORM_LINKEDIN);
	rec(T0 + 9 * HOUR, 1, 10, CLASS_HUMAN, 0, 101, PLATFORM_LINKEDIN);
	rec(T0 + 9 * HOUR, 1, 10, CLASS_HUMAN, 0, 101, PLATFORM_X);
	rec(T0 + 10 * HOUR, 1, 11, CLASS_HUMAN, 0, 102, PLATFORM_LINKEDIN);
	rec(T0 + 10 * HOUR, 1, 11, CLASS_HUMAN, 0, 0, PLATFORM_NONE);
	rec(T0 + 10 * HOUR, 1, 12, CLASS_PREVIEW, 0, 103, PLATFORM_X);
	rec(T0 + 11 * HOUR, 1, 13, CLASS_HUMAN, CLICK_F_INTERNAL, 104, 3);
	rec(T0 + 25 * HOUR, 1, 14, CLASS_HUMAN, 0, 105, PLATFORM_X);
	rec(T0 + 1, 2, 20, CLASS_HUMAN, 0, 101, 250);     /* bad platform */
	rec(T0 + 2, CARDS_MAX_ID, 30, CLASS_HUMAN, 0, 1, PLATFORM_X);
	rec(T0 + 3, 3, 4000000000u, CLASS_HUMAN, 0, 7, PLATFORM_X);
	rec(T0 + 4, 1, 15, CLASS_CRAWLER, 0, 8, PLATFORM_X);
	int counted = 0;
	for (size_t i = 0; i < 3; i++)
		counted += cards_record(&K, buf + i * CLICKREC_SIZE);
	is_int(counted, 3, "cards_record: counted clicks say so");
	is_int(cards_record(&K, buf + 5 * CLICKREC_SIZE), 0,
	       "cards_record: a preview is not counted");
	is_int(cards_records(&K, buf + 3 * CLICKREC_SIZE, nrec - 3), 0,
	       "cards_records");
	/* Records 3 and 4 again: counted twice, visitors once. */
	is_int(cards_records(&K, buf + 3 * CLICKREC_SIZE, 2), 0, "again");
	is_int(cards_settle_all(&K), 0, "settled");

	const struct cards_person *p = cards_person(&K, 1);
	ok(p != NULL, "colleague 1 has a card");
	is_int(p->plat_vis[PLATFORM_LINKEDIN], 2, "linkedin: 2 visitors");
	is_int(p->plat_vis[PLATFORM_X], 1, "x: the same visitor counts again");
	is_int(p->plat_vis[PLATFORM_NONE], 0, "no visitor: none counted");
	is_int(p->hours[9], 3, "hour 9: 3 clicks");
	is_int(p->hours[10], 4, "hour 10: 4 clicks (2 counted twice)");
	is_int(p->hours[11], 0, "internal: not counted");
	p = cards_person(&K, 2);
	is_int(p ? p->plat_vis[PLATFORM_UNKNOWN] : 99, 1,
	       "an out-of-range platform is unknown");
	ok(!cards_person(&K, CARDS_MAX_ID), "ids from CARDS_MAX_ID: no card");
	ok(!cards_person(&K, 4), "no click: no card");
	ok(cards_clicked(&K, 10) && cards_clicked(&K, 13) &&
	   cards_clicked(&K, 14) && cards_clicked(&K, 4000000000u),
	   "clicked: human, internal, out of the window, far ids");
	ok(cards_clicked(&K, 12), "a link a preview bot fetched was shared");
	ok(!cards_clicked(&K, 15) && !cards_clicked(&K, 0),
	   "not shared: a crawler's alone, none");
	cards_free(&K);

	/* Filters and internal clicks. */
	uint8_t fstaff[3] = { 0, 0, 1 };
	start(&K);
	K.fstaff = fstaff;
	K.nfstaff = 3;
	K.include_internal = 1;
	nrec = 0;
	rec(T0, 1, 10, CLASS_HUMAN, CLICK_F_INTERNAL, 5, PLATFORM_X);
	rec(T0, 2, 20, CLASS_HUMAN, CLICK_F_INTERNAL, 5, PLATFORM_X);
	rec(T0, 7, 70, CLASS_HUMAN, 0, 5, PLATFORM_X);
	cards_records(&K, buf, nrec);
	cards_settle_all(&K);
	ok(!cards_person(&K, 1) && !cards_person(&K, 7) &&
	   cards_person(&K, 2) && cards_person(&K, 2)->plat_vis[PLATFORM_X] == 1,
	   "--staff filter; --include-internal");
	ok(cards_clicked(&K, 10), "clicked whatever the filters");
	cards_free(&K);

	/* Many visitors: the set grows, and stays exact. */
	start(&K);
	for (uint64_t v = 1; v <= 100000; v++) {
		nrec = 0;
		rec(T0 + v, (uint32_t)(v % 3), 1, CLASS_HUMAN, 0, v % 50000 + 1,
		    (unsigned)(v % 2 ? PLATFORM_X : PLATFORM_EMAIL));
		cards_records(&K, buf, 1);
	}
	cards_settle_all(&K);
	uint64_t sum = 0;
	for (uint32_t s = 0; s < 3; s++)
		for (unsigned pl = 0; pl < PLATFORM_COUNT; pl++)
			sum += cards_person(&K, s)->plat_vis[pl];
	/* v and v + 50000 are one visitor, with one colleague (50000 is
	 * not a multiple of 3: another) and one platform (even: the same). */
	is_int(sum, 100000, "100,000 triples, each counted once");
	cards_free(&K);
}

static void teams(void)
{
	const char *team[] = { "b", "", "a", "b", "b", "a", "" };
	uint64_t vis[] = { 5, 9, 1, 7, 3, 4, 2 };
	size_t size[7];
	uint64_t med[7];
	is_int(cards_teams(7, team, vis, size, med), 0, "cards_teams");
	ok(size[0] == 3 && size[3] == 3 && size[4] == 3 && med[0] == 5 &&
	   med[3] == 5 && med[4] == 5, "team b: 3, median 5");
	ok(size[2] == 2 && size[5] == 2 && med[2] == 1 && med[5] == 1,
	   "team a: 2, the lower middle");
	ok(size[1] == 0 && med[1] == 0 && size[6] == 0 && med[6] == 0,
	   "no team: 0 and 0");
	is_int(cards_teams(0, team, vis, size, med), 0, "no rows");
}

static void advice(void)
{
	struct cards K;
	struct advice a[8];
	start(&K);
	nrec = 0;
	for (unsigned i = 0; i < 6; i++)
		rec(T0 + 14 * HOUR, 1, 10, CLASS_HUMAN, 0, 100 + i,
		    i < 2 ? PLATFORM_LINKEDIN : PLATFORM_NONE);
	cards_records(&K, buf, nrec);
	cards_settle_all(&K);
	struct cards_row r = {
		.staff_id = 1, .visitors = 6, .clicks = 6, .team = "comms",
		.team_size = 3, .team_median = 4,
	};
	size_t n = cards_advice(&K, &r, "UTC", a, 8);
	is_int(n, 3, "three recommendations");
	is_str(a[0].text, "LinkedIn brings you the most visitors: post there "
	       "first.", "the platform with most visitors (unknown and none "
	       "aside)");
	is_str(a[1].text, "Your clicks peak between 14:00 and 15:00 (UTC): post "
	       "shortly before.", "the peak hour");
	is_str(a[2].text, "You reach more people than most of comms: tell your "
	       "colleagues what works for you.", "against the team");
	r.staff_id = 2;
	r.visitors = r.clicks = 0;
	n = cards_advice(&K, &r, "UTC", a, 1);
	is_str(n ? a[0].text : "", "No clicks in this period yet: share your "
	       "link once where your colleagues get the most visitors.",
	       "no card: no clicks");
	struct cards_unshared u = { .n = 1 };
	u.u[0] = (struct advice_unshared){ "spring", "Xk3p9QaT", 4,
	                                   "2026-10-28" };
	r.unshared = &u;
	n = cards_advice(&K, &r, "UTC", a, 1);
	is_str(n ? a[0].text : "", "Share your spring link: minted 4 days ago, "
	       "no click yet.", "an unshared link comes first then");
	cards_free(&K);
}

int main(void)
{
	counting();
	teams();
	advice();
	return tap_done();
}
