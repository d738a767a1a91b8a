/*
 * test_count: reach's counting loop (tools/reach/count.c) over records
 * encoded as the daemon writes them, then ranked (rank.c) and written as
 * CSV (csvout.c): classes, internal clicks, the time window, the filters,
 * visitors counted once, the spread of countries and platforms, the
 * groupings by record fields, and a record that does not verify.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clickrec.h"
#include "count.h"
#include "csvout.h"
#include "rank.h"
#include "tap.h"

#define T0 1793491200000000ull      /* 2026-11-01T00:00:00Z */
#define HOUR 3600000000ull

static unsigned char buf[64 * CLICKREC_SIZE];
static size_t nrec;

static void rec(uint64_t t, uint32_t staff, uint32_t campaign, unsigned cls,
                unsigned flags, uint64_t visitor, const char *cc,
                unsigned platform)
{
	struct click c;
	memset(&c, 0, sizeof c);
	c.time_us = t;
	c.staff_id = staff;
	c.campaign_id = campaign;
	c.class = (uint8_t)cls;
	c.flags = (uint8_t)flags;
	c.visitor = visitor;
	c.platform = (uint8_t)platform;
	if (cc)
		memcpy(c.country, cc, 2);
	clickrec_encode(&c, buf + nrec++ * CLICKREC_SIZE);
}

/* The records every case counts. */
static void records(void)
{
	nrec = 0;
	rec(T0, 1, 0, CLASS_HUMAN, 0, 11, "FR", 1);
	rec(T0 + 1, 1, 0, CLASS_HUMAN, 0, 11, "FR", 1);          /* again */
	rec(T0 + 2, 1, 2, CLASS_HUMAN, 0, 12, "DE", 2);
	rec(T0 + 3, 1, 2, CLASS_PREVIEW, 0, 13, "DE", 0);
	rec(T0 + 4, 2, 2, CLASS_HUMAN, CLICK_F_INTERNAL, 14, "US", 3);
	rec(T0 + HOUR, 2, 2, CLASS_HUMAN, 0, 0, "US", 3);          /* no visitor */
	rec(T0 + HOUR, 3, 0, 200, 0, 15, NULL, 0);                 /* bad class */
	rec(T0 + 2 * HOUR, 3, 0, CLASS_HUMAN, 0, 16, "DE", 250);   /* bad platform */
}

static char *csv(struct count *C, const struct names *nm)
{
	struct board b;
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);
	if (rank_board(C, nm, 0, &b) < 0 || !f)
		return NULL;
	csvout_write(f, &b, OUT_CSV_SAFE);
	fclose(f);
	free(b.rows);
	return text;
}

/* Count the records under a grouping and window; the CSV of the result. */
static char *run(enum grouping by, uint64_t since, uint64_t until,
                 int internal, const struct names *nm)
{
	struct count C;
	memset(&C, 0, sizeof C);
	C.by = by;
	C.since = since;
	C.until = until;
	C.include_internal = internal;
	C.nm = nm;
	if (count_init(&C, UINT64_MAX, (size_t)16 << 20) < 0)
		return NULL;
	size_t k = count_records(&C, buf, nrec);
	char *text = k == nrec && count_settle_all(&C) == 0 ? csv(&C, nm) : NULL;
	count_free(&C);
	return text;
}

int main(void)
{
	static const struct names none;
	records();
	char *t = run(GROUPING_STAFF, 0, UINT64_MAX, 0, &none);
	is_str(t, "rank,staff,name,team,clicks,visitors,bots,previews,crawlers,"
	          "tools,probes,internal,countries,top_country,top_platform\n"
	          "1,#1,,,3,2,1,1,0,0,0,0,2,FR,none\n"
	          "2,#3,,,1,1,1,0,0,0,0,0,1,DE,unknown\n"
	          "3,#2,,,1,0,0,0,0,0,0,1,1,US,x\n",
	       "by staff: clicks, visitors once each, bots, internal apart, "
	       "the spread");
	free(t);

	t = run(GROUPING_STAFF, 0, UINT64_MAX, 1, &none);
	ok(t && strstr(t, "\n1,#1,,,3,2,") && strstr(t, "\n2,#2,,,2,1,"),
	   "--include-internal: the internal click counts, with its visitor");
	free(t);

	t = run(GROUPING_STAFF, T0 + HOUR, T0 + 2 * HOUR, 0, &none);
	is_str(t, "rank,staff,name,team,clicks,visitors,bots,previews,crawlers,"
	          "tools,probes,internal,countries,top_country,top_platform\n"
	          "1,#2,,,1,0,0,0,0,0,0,0,1,US,x\n"
	          "2,#3,,,0,0,1,0,0,0,0,0,0,,\n",
	       "a window [since, until): only its records");
	free(t);

	t = run(GROUPING_HOUR, 0, UINT64_MAX, 0, &none);
	is_str(t, "rank,hour,clicks,visitors,bots,previews,crawlers,tools,"
	          "probes,internal\n"
	          "1,0,3,2,1,1,0,0,0,1\n"
	          "3,1,1,0,1,0,0,0,0,0\n"
	          "2,2,1,1,0,0,0,0,0,0\n",
	       "by hour (UTC): in hour order, ranked by visitors");
	free(t);

	t = run(GROUPING_COUNTRY, 0, UINT64_MAX, 0, &none);
	ok(t && strstr(t, "\n1,DE,2,2,1,") && strstr(t, "\n2,FR,2,1,0,") &&
	   strstr(t, ",unknown,0,0,1,"), "by country, unknown included");
	free(t);

	t = run(GROUPING_STAFF_CAMPAIGN, 0, UINT64_MAX, 0, &none);
	ok(t && strstr(t, ",#1,,,(none),2,1,") && strstr(t, ",#1,,,#2,1,1,"),
	   "by staff and campaign: a row per pair");
	free(t);

	uint8_t only1[4] = { 0, 1, 0, 0 };
	struct names f = { .fstaff = only1, .nfstaff = 4 };
	t = run(GROUPING_STAFF, 0, UINT64_MAX, 0, &f);
	ok(t && strstr(t, "\n1,#1,") && !strstr(t, "#2") && !strstr(t, "#3"),
	   "a filter on staff: only theirs");
	free(t);

	/* A record that does not verify stops the loop there. */
	struct count C;
	memset(&C, 0, sizeof C);
	C.until = UINT64_MAX;
	C.nm = &none;
	ok(count_init(&C, UINT64_MAX, (size_t)16 << 20) == 0, "count_init");
	buf[5 * CLICKREC_SIZE + 40] ^= 1;
	is_int(count_records(&C, buf, nrec), 5, "a bad checksum: the index of "
	       "that record");
	ok(count_settle_all(&C) == 0 && C.records == 5,
	   "the records before it counted");
	count_free(&C);
	return tap_done();
}
