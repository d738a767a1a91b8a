/*
 * test_damage: the account of damaged records (tools/reach/damage.c) and
 * segwalk_next (segwalk.c), the reader of export, ship and the report's
 * second pass, over a segment in memory: corrupt records refused without
 * an account, skipped and counted in runs with one, a torn tail still
 * torn after them.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clickrec.h"
#include "damage.h"
#include "segwalk.h"
#include "tap.h"

#define NREC 8
static unsigned char seg[CLICKREC_HEADER_SIZE + NREC * CLICKREC_SIZE];

/* A segment of NREC records, visitor i + 1 in record i. */
static void make(void)
{
	struct clickrec_header h = { .version = CLICKREC_VERSION,
	                             .record_size = CLICKREC_SIZE };
	memset(seg, 0, sizeof seg);
	clickrec_header_encode(&h, seg);
	for (unsigned i = 0; i < NREC; i++) {
		struct click c = { .visitor = i + 1, .class = CLASS_HUMAN };
		clickrec_encode(&c, seg + CLICKREC_HEADER_SIZE + i * CLICKREC_SIZE);
	}
}

static void flip(unsigned i)
{
	seg[CLICKREC_HEADER_SIZE + i * CLICKREC_SIZE + 9] ^= 0x20;
}

/* Read seg[0, len) with segwalk_next; the visitors read into got (as
 * digits), the last code returned. */
static int walk(size_t len, struct damage *D, char *got)
{
	struct segmap m = { .map = seg, .len = len };
	struct click c;
	int rc;
	if (clickrec_reader_init(&m.r, seg, len) < 0)
		return 99;
	while ((rc = segwalk_next(&m, &c, "s.clk", D)) == CLICKREC_RECORD)
		*got++ = (char)('0' + c.visitor);
	*got = '\0';
	return rc;
}

int main(void)
{
	struct damage D = { 0 };
	char got[NREC + 1];

	/* The account: adjacent runs of one file merge, others do not. */
	ok(damage_add(&D, "a.clk", 256, 1) == 0 &&
	   damage_add(&D, "a.clk", 384, 2) == 0 &&
	   damage_add(&D, "a.clk", 1024, 1) == 0 &&
	   damage_add(&D, "b.clk", 1152, 1) == 0, "damage_add");
	is_int(D.n, 3, "adjacent records of a file are one run");
	is_int(D.v[0].n, 3, "the first run: 3 records");
	is_int(D.v[0].off, 256, "from byte 256");
	is_int(D.records, 5, "5 records in all");
	ok(strcmp(D.v[2].path, "b.clk") == 0, "another file: its own run");
	damage_free(&D);
	is_int(D.n + D.records, 0, "damage_free empties it");

	make();
	flip(2);
	flip(3);
	flip(5);
	is_int(walk(sizeof seg, NULL, got), CLICKREC_CORRUPT,
	       "without an account a corrupt record ends the segment");
	ok(strcmp(got, "12") == 0, "after the records before it (%s)", got);

	is_int(walk(sizeof seg, &D, got), CLICKREC_END,
	       "with an account the reader goes on to the end");
	ok(strcmp(got, "12578") == 0, "every record but the damaged (%s)", got);
	is_int(D.n, 2, "two stretches");
	is_int(D.v[0].off, CLICKREC_HEADER_SIZE + 2 * CLICKREC_SIZE,
	       "the first at record 2's offset");
	is_int(D.v[0].n, 2, "two records long");
	is_int(D.v[1].n, 1, "the second one record");
	damage_free(&D);

	/* A bad last record followed by nothing is a torn tail, not damage. */
	flip(7);
	is_int(walk(sizeof seg, &D, got), CLICKREC_TORN,
	       "a bad last record after a damaged stretch: torn");
	ok(strcmp(got, "1257") == 0 && D.records == 3,
	   "the records before it read, the stretches counted (%s)", got);
	damage_free(&D);
	return tap_done();
}
