/*
 * test_clickrec: the click-log format (clickrec.c).  Every input the reader
 * sees is in a malloc'd block of exactly its length, so a sanitizer build
 * catches any read past the end.
 */
#include "clickrec.h"
#include "visitor.h"
#include "tap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* Stamp the checksum as the format defines it, for hand-made records whose
 * fields encode() would not produce. */
static void restamp(unsigned char *p)
{
	uint32_t sum = (uint32_t)XXH3_64bits(p, 124);
	for (int i = 0; i < 4; i++)
		p[124 + i] = (unsigned char)(sum >> (8 * i));
}

static void sample_click(struct click *c, unsigned i)
{
	memset(c, 0, sizeof *c);
	c->time_us = 1772000000000000ULL + i;
	c->visitor = 0x0123456789abcdefULL ^ i;
	c->link_id = 0x11223344u + i;
	c->staff_id = 0x55667788u + i;
	c->campaign_id = 0x99aabbccu + i;
	c->node_hash = clickrec_node_hash("node-a", 6);
	c->status = 302;
	c->class = CLASS_HUMAN;
	c->flags = CLICK_F_INTERNAL;
	c->platform = PLATFORM_LINKEDIN;
	c->ip_family = 6;
	c->ip_prefix = 48;
	for (int k = 0; k < 16; k++)
		c->ip[k] = (uint8_t)(0xf0 + k);
	memcpy(c->country, "FR", 2);
	c->refhost_len = 12;
	memcpy(c->refhost, "linkedin.com", 12);
}

static int same_click(const struct click *a, const struct click *b)
{
	return a->time_us == b->time_us && a->visitor == b->visitor &&
	       a->link_id == b->link_id && a->staff_id == b->staff_id &&
	       a->campaign_id == b->campaign_id &&
	       a->node_hash == b->node_hash && a->status == b->status &&
	       a->class == b->class && a->flags == b->flags &&
	       a->platform == b->platform && a->ip_family == b->ip_family &&
	       a->ip_prefix == b->ip_prefix &&
	       memcmp(a->ip, b->ip, 16) == 0 &&
	       memcmp(a->country, b->country, 2) == 0 &&
	       a->refhost_len == b->refhost_len &&
	       memcmp(a->refhost, b->refhost, a->refhost_len) == 0;
}

/*
 * A segment in an exactly-sized block: header, n records, then tail_len
 * bytes of tail (tail may be NULL for zeros).  bad >= 0 corrupts record bad.
 */
static unsigned char *segment(size_t n, int bad, const unsigned char *tail,
                              size_t tail_len, size_t *len)
{
	struct clickrec_header h;
	memset(&h, 0, sizeof h);
	h.version = CLICKREC_VERSION;
	h.record_size = CLICKREC_SIZE;
	h.created_us = 1772000000000000ULL;
	h.worker = 3;
	h.node_len = 6;
	memcpy(h.node, "node-a", 6);
	h.node_hash = clickrec_node_hash("node-a", 6);
	*len = CLICKREC_HEADER_SIZE + n * CLICKREC_SIZE + tail_len;
	unsigned char *buf = malloc(*len ? *len : 1);
	if (!buf)
		abort();
	clickrec_header_encode(&h, buf);
	for (size_t i = 0; i < n; i++) {
		struct click c;
		sample_click(&c, (unsigned)i);
		clickrec_encode(&c, buf + CLICKREC_HEADER_SIZE + i * CLICKREC_SIZE);
	}
	if ((size_t)bad < n)
		buf[CLICKREC_HEADER_SIZE + (size_t)bad * CLICKREC_SIZE + 20] ^= 0x40;
	unsigned char *t = buf + CLICKREC_HEADER_SIZE + n * CLICKREC_SIZE;
	if (tail)
		memcpy(t, tail, tail_len);
	else
		memset(t, 0, tail_len);
	return buf;
}

/* Read a whole segment: returns the final code, the records read, the
 * offset where it stopped. */
static int read_all(const unsigned char *buf, size_t len, size_t *records,
                    size_t *off)
{
	struct clickrec_reader r;
	struct click c;
	int rc;
	*records = 0;
	if (clickrec_reader_init(&r, buf, len) < 0)
		return 99;
	while ((rc = clickrec_reader_next(&r, &c)) == CLICKREC_RECORD)
		(*records)++;
	*off = r.off;
	return rc;
}

static void test_roundtrip(void)
{
	struct click in, out;
	unsigned char rec[CLICKREC_SIZE];

	sample_click(&in, 7);
	clickrec_encode(&in, rec);
	memset(&out, 0xaa, sizeof out);
	is_int(clickrec_decode(rec, &out), 0, "decode of an encoded record");
	is_int(out.time_us == in.time_us, 1, "time_us round trip");
	is_int(out.visitor == in.visitor, 1, "visitor round trip");
	is_int(out.link_id, in.link_id, "link_id round trip");
	is_int(out.staff_id, in.staff_id, "staff_id round trip");
	is_int(out.campaign_id, in.campaign_id, "campaign_id round trip");
	is_int(out.node_hash, in.node_hash, "node_hash round trip");
	is_int(out.status, 302, "status round trip");
	is_int(out.class, CLASS_HUMAN, "class round trip");
	is_int(out.flags, CLICK_F_INTERNAL, "flags round trip");
	is_int(out.platform, PLATFORM_LINKEDIN, "platform round trip");
	is_int(out.ip_family, 6, "ip_family round trip");
	is_int(out.ip_prefix, 48, "ip_prefix round trip");
	ok(memcmp(out.ip, in.ip, 16) == 0, "ip round trip");
	ok(memcmp(out.country, "FR", 2) == 0, "country round trip");
	is_int(out.refhost_len, 12, "refhost_len round trip");
	ok(memcmp(out.refhost, "linkedin.com", 12) == 0, "refhost round trip");

	/* Extremes: every integer at its maximum. */
	memset(&in, 0xff, sizeof in);
	in.refhost_len = CLICKREC_REFHOST_MAX;
	memset(in.refhost, 'h', CLICKREC_REFHOST_MAX);
	clickrec_encode(&in, rec);
	is_int(clickrec_decode(rec, &out), 0, "decode of all-ones fields");
	ok(same_click(&in, &out), "all-ones fields round trip");
	is_int(out.refhost_len, CLICKREC_REFHOST_MAX, "max-length refhost kept");

	/* Layout: the documented offsets, little-endian. */
	sample_click(&in, 0);
	in.time_us = 0x0807060504030201ULL;
	in.staff_id = 0xa1a2a3a4u;
	clickrec_encode(&in, rec);
	ok(rec[0] == 0x01 && rec[7] == 0x08, "time_us at 0, little-endian");
	ok(rec[20] == 0xa4 && rec[23] == 0xa1, "staff_id at 20");
	ok(rec[32] == (302 & 0xff) && rec[33] == (302 >> 8), "status at 32");
	is_int(rec[34], CLASS_HUMAN, "class at 34");
	ok(memcmp(rec + 56, "FR", 2) == 0, "country at 56");
	is_int(rec[58], 12, "refhost_len at 58");
	ok(rec[122] == 0 && rec[123] == 0 && rec[39] == 0, "reserved bytes zero");

	/* A length past the array is cut to what the record can hold. */
	sample_click(&in, 0);
	memset(in.refhost, 'x', CLICKREC_REFHOST_MAX);
	in.refhost_len = 200;
	clickrec_encode(&in, rec);
	is_int(rec[58], CLICKREC_REFHOST_MAX, "refhost_len 200 encoded as 63");
	clickrec_decode(rec, &out);
	is_int(out.refhost_len, CLICKREC_REFHOST_MAX, "and decoded as 63");

	/* A record claiming more (a future writer, a bug) never overflows. */
	rec[58] = 250;
	restamp(rec);
	is_int(clickrec_decode(rec, &out), 0, "record with refhost_len 250");
	is_int(out.refhost_len, CLICKREC_REFHOST_MAX, "decoded length capped");

	/* Bytes the struct does not hold are not part of the decode. */
	clickrec_encode(&in, rec);
	rec[122] = 0x55;
	restamp(rec);
	is_int(clickrec_decode(rec, &out), 0, "reserved bytes do not fail decode");
}

static void test_bitflips(void)
{
	struct click in, out;
	unsigned char rec[CLICKREC_SIZE], bad[CLICKREC_SIZE];
	int missed = -1, nmissed = 0;

	sample_click(&in, 1);
	clickrec_encode(&in, rec);
	for (int bit = 0; bit < 124 * 8; bit++) {
		memcpy(bad, rec, sizeof rec);
		bad[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		if (clickrec_decode(bad, &out) == 0) {
			nmissed++;
			if (missed < 0)
				missed = bit;
		}
	}
	is_int(nmissed, 0, "every one of 992 single-bit flips in bytes 0..123 "
	       "detected (first missed: %d)", missed);
	missed = -1, nmissed = 0;
	for (int bit = 124 * 8; bit < 128 * 8; bit++) {
		memcpy(bad, rec, sizeof rec);
		bad[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		if (clickrec_decode(bad, &out) == 0)
			nmissed++;
	}
	is_int(nmissed, 0, "every flip of the checksum itself detected");
	memcpy(bad, rec, sizeof rec);
	memset(&out, 0x5a, sizeof out);
	bad[0] ^= 1;
	clickrec_decode(bad, &out);
	is_int(out.staff_id, 0x5a5a5a5au, "a failed decode leaves *c alone");
}

static void test_header(void)
{
	struct clickrec_header h, g;
	unsigned char buf[CLICKREC_HEADER_SIZE];

	memset(&h, 0, sizeof h);
	h.version = CLICKREC_VERSION;
	h.record_size = CLICKREC_SIZE;
	h.created_us = 1772000000123456ULL;
	h.worker = 7;
	h.node_len = CLICKREC_NODE_MAX;
	memset(h.node, 'n', CLICKREC_NODE_MAX);
	h.node_hash = clickrec_node_hash(h.node, h.node_len);
	clickrec_header_encode(&h, buf);
	ok(memcmp(buf, CLICKREC_MAGIC, 8) == 0, "header starts with the magic");

	unsigned char *exact = malloc(CLICKREC_HEADER_SIZE);
	memcpy(exact, buf, CLICKREC_HEADER_SIZE);
	is_int(clickrec_header_decode(exact, CLICKREC_HEADER_SIZE, &g), 0,
	       "header decodes");
	is_int(g.version, CLICKREC_VERSION, "version");
	is_int(g.record_size, CLICKREC_SIZE, "record_size");
	ok(g.created_us == h.created_us, "created_us");
	is_int(g.worker, 7, "worker");
	is_int(g.node_hash, h.node_hash, "node_hash");
	is_int(g.node_len, CLICKREC_NODE_MAX, "node_len (max)");
	ok(memcmp(g.node, h.node, CLICKREC_NODE_MAX) == 0 &&
	   g.node[CLICKREC_NODE_MAX] == '\0', "node, NUL-terminated");
	is_int(clickrec_node_hash("a", 1) != clickrec_node_hash("b", 1), 1,
	       "node hashes differ");

	/* Short buffer: the decoder must not read past len. */
	unsigned char *shorter = malloc(CLICKREC_HEADER_SIZE - 1);
	memcpy(shorter, buf, CLICKREC_HEADER_SIZE - 1);
	is_int(clickrec_header_decode(shorter, CLICKREC_HEADER_SIZE - 1, &g), -1,
	       "127-byte buffer refused");
	free(shorter);
	unsigned char *none = malloc(1);
	is_int(clickrec_header_decode(none, 0, &g), -1, "empty buffer refused");
	free(none);

	memcpy(exact, buf, CLICKREC_HEADER_SIZE);
	exact[0] = 'X';
	restamp(exact);
	is_int(clickrec_header_decode(exact, CLICKREC_HEADER_SIZE, &g), -1,
	       "bad magic refused");

	struct clickrec_header v = h;
	v.version = CLICKREC_VERSION + 1;
	clickrec_header_encode(&v, exact);
	is_int(clickrec_header_decode(exact, CLICKREC_HEADER_SIZE, &g), -1,
	       "unknown version refused");
	v = h;
	v.record_size = 64;
	clickrec_header_encode(&v, exact);
	is_int(clickrec_header_decode(exact, CLICKREC_HEADER_SIZE, &g), -1,
	       "other record size refused");

	memcpy(exact, buf, CLICKREC_HEADER_SIZE);
	exact[40] ^= 0x01;
	is_int(clickrec_header_decode(exact, CLICKREC_HEADER_SIZE, &g), -1,
	       "checksum mismatch refused");
	memcpy(exact, buf, CLICKREC_HEADER_SIZE);
	exact[124] ^= 0x80;
	is_int(clickrec_header_decode(exact, CLICKREC_HEADER_SIZE, &g), -1,
	       "flipped checksum refused");

	memcpy(exact, buf, CLICKREC_HEADER_SIZE);
	exact[32] = CLICKREC_NODE_MAX + 1;
	restamp(exact);
	is_int(clickrec_header_decode(exact, CLICKREC_HEADER_SIZE, &g), -1,
	       "node_len 64 refused");

	/* encode caps an oversized node_len instead of overrunning. */
	v = h;
	v.node_len = 200;
	clickrec_header_encode(&v, exact);
	is_int(exact[32], CLICKREC_NODE_MAX, "encode caps node_len at 63");
	free(exact);
}

/* The store identity sits in the old padding (96..111): written and read
 * back, absent (all zero) in a header made before it, and covered by the
 * checksum. */
static void test_header_store(void)
{
	struct clickrec_header h = { .version = CLICKREC_VERSION,
	                             .record_size = CLICKREC_SIZE,
	                             .node_len = 1, .node = "n" }, g;
	unsigned char buf[CLICKREC_HEADER_SIZE];
	clickrec_header_encode(&h, buf);
	is_int(clickrec_header_decode(buf, sizeof buf, &g), 0,
	       "header without a store decodes");
	ok(!clickrec_header_has_store(&g), "all-zero store id: no store");
	for (int i = 0; i < CLICKREC_STORE_ID_SIZE; i++)
		h.store_id[i] = (unsigned char)(0xa0 + i);
	clickrec_header_encode(&h, buf);
	is_int(buf[96], 0xa0, "store id starts at byte 96");
	is_int(buf[111], 0xaf, "...and ends at byte 111");
	is_int(buf[112], 0, "byte 112 (visitor period) zero: a day");
	is_int(buf[113] | buf[123], 0, "bytes 113..123 stay zero");
	is_int(clickrec_header_decode(buf, sizeof buf, &g), 0,
	       "header with a store decodes");
	ok(memcmp(g.store_id, h.store_id, CLICKREC_STORE_ID_SIZE) == 0,
	   "store id round-trips");
	ok(clickrec_header_has_store(&g), "a store is named");
	is_int(strcmp(g.node, "n"), 0, "node unchanged beside it");
	buf[100] ^= 0x04;
	is_int(clickrec_header_decode(buf, sizeof buf, &g), -1,
	       "a flipped store-id bit fails the checksum");
	memset(h.store_id, 0, sizeof h.store_id);
	h.store_id[15] = 1;
	clickrec_header_encode(&h, buf);
	is_int(clickrec_header_decode(buf, sizeof buf, &g), 0, "one bit set");
	ok(clickrec_header_has_store(&g), "a store with one bit set is named");
}

/* The visitor period sits at byte 112 (old padding): a header made before
 * it (zero) reads as daily keys; week and month round-trip; the byte is
 * under the checksum; the names and the period arithmetic (visitor.h). */
static void test_header_period(void)
{
	struct clickrec_header h = { .version = CLICKREC_VERSION,
	                             .record_size = CLICKREC_SIZE,
	                             .node_len = 1, .node = "n" }, g;
	unsigned char buf[CLICKREC_HEADER_SIZE];
	clickrec_header_encode(&h, buf);
	is_int(clickrec_header_decode(buf, sizeof buf, &g), 0, "decodes");
	is_int(g.visitor_period, VISITOR_PERIOD_DAY, "old header: day");
	h.visitor_period = VISITOR_PERIOD_WEEK;
	for (int i = 0; i < CLICKREC_STORE_ID_SIZE; i++)
		h.store_id[i] = 0xff;
	clickrec_header_encode(&h, buf);
	is_int(buf[112], 1, "week is 1 at byte 112");
	is_int(buf[111], 0xff, "beside the store id, not over it");
	is_int(clickrec_header_decode(buf, sizeof buf, &g), 0, "decodes");
	is_int(g.visitor_period, VISITOR_PERIOD_WEEK, "week round-trips");
	ok(memcmp(g.store_id, h.store_id, CLICKREC_STORE_ID_SIZE) == 0,
	   "store id unchanged");
	h.visitor_period = VISITOR_PERIOD_MONTH;
	clickrec_header_encode(&h, buf);
	is_int(clickrec_header_decode(buf, sizeof buf, &g), 0, "decodes");
	is_int(g.visitor_period, VISITOR_PERIOD_MONTH, "month round-trips");
	buf[112] ^= 0x01;
	is_int(clickrec_header_decode(buf, sizeof buf, &g), -1,
	       "a flipped period bit fails the checksum");
	ok(!strcmp(visitor_period_name(VISITOR_PERIOD_WEEK), "week"), "name");
	ok(!strcmp(visitor_period_name(9), "day"), "unknown value: day");
	is_int(visitor_period_parse("month"), VISITOR_PERIOD_MONTH, "parse");
	is_int(visitor_period_parse("fortnight"), -1, "parse refuses");

	/* 2026-11-30 is a Monday, 2026-12-06 a Sunday (ISO week 49). */
	int64_t mon = 1795996800, sun = mon + 6 * 86400 + 86399;
	char name[32];
	is_int(visitor_period_index(VISITOR_PERIOD_WEEK, mon),
	       visitor_period_index(VISITOR_PERIOD_WEEK, sun),
	       "Monday to Sunday: one week");
	is_int(visitor_period_index(VISITOR_PERIOD_WEEK, sun + 1),
	       visitor_period_index(VISITOR_PERIOD_WEEK, sun) + 1,
	       "the next Monday: the next week");
	is_int(visitor_period_index(VISITOR_PERIOD_WEEK, mon - 1) + 1,
	       visitor_period_index(VISITOR_PERIOD_WEEK, mon),
	       "the Sunday before: the week before");
	visitor_period_label(VISITOR_PERIOD_WEEK,
	                     visitor_period_index(VISITOR_PERIOD_WEEK, sun),
	                     name, sizeof name);
	ok(!strcmp(name, "2026-W49"), "week label %s", name);
	visitor_period_label(VISITOR_PERIOD_DAY,
	                     visitor_period_index(VISITOR_PERIOD_DAY, mon + 7200),
	                     name, sizeof name);
	ok(!strcmp(name, "2026-11-30"), "day label %s", name);
	visitor_period_label(VISITOR_PERIOD_MONTH,
	                     visitor_period_index(VISITOR_PERIOD_MONTH, sun),
	                     name, sizeof name);
	ok(!strcmp(name, "2026-12"), "month label %s", name);
	/* 2027-01-01 is a Friday: ISO week 53 of 2026. */
	visitor_period_label(VISITOR_PERIOD_WEEK,
	                     visitor_period_index(VISITOR_PERIOD_WEEK, 1798761600),
	                     name, sizeof name);
	ok(!strcmp(name, "2026-W53"), "ISO year at New Year: %s", name);
	is_int(visitor_period_index(VISITOR_PERIOD_MONTH, 1798761600),
	       visitor_period_index(VISITOR_PERIOD_MONTH, sun) + 1,
	       "January follows December");
}

static void test_reader(void)
{
	size_t len, n, off;
	unsigned char *buf;
	struct clickrec_reader r;
	struct click c;

	/* Header only: a fresh segment. */
	buf = segment(0, -1, NULL, 0, &len);
	is_int(read_all(buf, len, &n, &off), CLICKREC_END, "empty segment: END");
	is_int(n, 0, "empty segment: no records");
	is_int(off, CLICKREC_HEADER_SIZE, "empty segment: off at 128");
	is_int(clickrec_valid_length(buf, len), CLICKREC_HEADER_SIZE,
	       "empty segment: valid length 128");
	free(buf);

	/* Not a segment at all. */
	buf = segment(0, -1, NULL, 0, &len);
	buf[3] ^= 1;
	is_int(clickrec_reader_init(&r, buf, len), -1, "bad header: init fails");
	is_int(clickrec_valid_length(buf, len), 0, "bad header: valid length 0");
	free(buf);
	buf = malloc(100);
	memset(buf, 0, 100);
	is_int(clickrec_reader_init(&r, buf, 100), -1, "100 bytes: init fails");
	free(buf);

	/* Whole records, and every record decoded as written. */
	buf = segment(5, -1, NULL, 0, &len);
	{
		int good = 1, rc;
		size_t i = 0;
		clickrec_reader_init(&r, buf, len);
		is_int(r.header.worker, 3, "reader exposes the header");
		ok(strcmp(r.header.node, "node-a") == 0, "header node");
		while ((rc = clickrec_reader_next(&r, &c)) == CLICKREC_RECORD) {
			struct click want;
			sample_click(&want, (unsigned)i++);
			good &= same_click(&c, &want);
		}
		is_int(rc, CLICKREC_END, "5 records: END");
		is_int(i, 5, "5 records: 5 read");
		ok(good, "5 records: each as written");
		is_int(clickrec_reader_next(&r, &c), CLICKREC_END, "END again");
	}
	is_int(clickrec_valid_length(buf, len), len, "5 records: valid length");
	free(buf);

	/* Every torn-tail length, garbage and zeros. */
	{
		int bad_rc = 0, bad_off = 0, bad_n = 0, bad_vl = 0, bad_sticky = 0;
		int first = -1;
		unsigned char garbage[CLICKREC_SIZE];
		for (int i = 0; i < CLICKREC_SIZE; i++)
			garbage[i] = (unsigned char)(0x80 | i);
		for (int zeros = 0; zeros < 2; zeros++) {
			for (size_t t = 1; t < CLICKREC_SIZE; t++) {
				buf = segment(3, -1, zeros ? NULL : garbage, t, &len);
				int rc = read_all(buf, len, &n, &off);
				size_t want = CLICKREC_HEADER_SIZE + 3 * CLICKREC_SIZE;
				if (rc != CLICKREC_TORN)
					bad_rc++;
				if (off != want)
					bad_off++;
				if (n != 3)
					bad_n++;
				if (clickrec_valid_length(buf, len) != want)
					bad_vl++;
				clickrec_reader_init(&r, buf, len);
				while (clickrec_reader_next(&r, &c) == CLICKREC_RECORD)
					;
				if (clickrec_reader_next(&r, &c) != CLICKREC_TORN ||
				    r.off != want)
					bad_sticky++;
				if ((bad_rc || bad_off || bad_n) && first < 0)
					first = (int)t;
				free(buf);
			}
		}
		is_int(bad_rc, 0, "tails of 1..127 bytes (garbage, zeros): TORN "
		       "(first failing length %d)", first);
		is_int(bad_off, 0, "torn tails: off at the end of the whole records");
		is_int(bad_n, 0, "torn tails: the 3 whole records read");
		is_int(bad_vl, 0, "torn tails: valid length drops the tail");
		is_int(bad_sticky, 0, "torn tails: TORN is sticky, off unmoved");
	}

	/* A bad last record: what a crash leaves. */
	buf = segment(4, 3, NULL, 0, &len);
	is_int(read_all(buf, len, &n, &off), CLICKREC_TORN, "bad last record: TORN");
	is_int(n, 3, "bad last record: 3 read");
	is_int(off, CLICKREC_HEADER_SIZE + 3 * CLICKREC_SIZE, "bad last record: off");
	free(buf);

	/* A bad record followed by zeros only (size extended before data). */
	buf = segment(4, 3, NULL, 3 * CLICKREC_SIZE + 17, &len);
	is_int(read_all(buf, len, &n, &off), CLICKREC_TORN,
	       "bad record + zeros: TORN");
	is_int(off, CLICKREC_HEADER_SIZE + 3 * CLICKREC_SIZE,
	       "bad record + zeros: off");
	is_int(clickrec_valid_length(buf, len),
	       CLICKREC_HEADER_SIZE + 3 * CLICKREC_SIZE,
	       "bad record + zeros: valid length");
	free(buf);

	/* A whole record of zeros at the end is torn too (never valid). */
	buf = segment(2, -1, NULL, CLICKREC_SIZE, &len);
	is_int(read_all(buf, len, &n, &off), CLICKREC_TORN, "zero record: TORN");
	is_int(n, 2, "zero record: 2 read");
	free(buf);

	/* A bad record in the middle is corruption. */
	buf = segment(6, 2, NULL, 0, &len);
	is_int(read_all(buf, len, &n, &off), CLICKREC_CORRUPT,
	       "bad record 2 of 6: CORRUPT");
	is_int(n, 2, "corrupt: the 2 records before it read");
	is_int(off, CLICKREC_HEADER_SIZE + 2 * CLICKREC_SIZE,
	       "corrupt: off at the bad record (384)");
	clickrec_reader_init(&r, buf, len);
	while (clickrec_reader_next(&r, &c) == CLICKREC_RECORD)
		;
	is_int(clickrec_reader_next(&r, &c), CLICKREC_CORRUPT, "CORRUPT is sticky");
	is_int(clickrec_reader_next(&r, &c), CLICKREC_CORRUPT, "and stays");
	is_int(r.off, CLICKREC_HEADER_SIZE + 2 * CLICKREC_SIZE, "off unmoved");
	is_int(clickrec_valid_length(buf, len),
	       CLICKREC_HEADER_SIZE + 2 * CLICKREC_SIZE,
	       "corrupt: valid length stops at the bad record");
	free(buf);

	/* The first record bad, the rest fine. */
	buf = segment(3, 0, NULL, 0, &len);
	is_int(read_all(buf, len, &n, &off), CLICKREC_CORRUPT,
	       "bad first record: CORRUPT");
	is_int(off, CLICKREC_HEADER_SIZE, "bad first record: off 128");
	free(buf);

	/* A bad record, zeros, then one non-zero byte: still corruption. */
	{
		unsigned char tail[CLICKREC_SIZE + 9];
		memset(tail, 0, sizeof tail);
		tail[sizeof tail - 1] = 1;
		buf = segment(4, 3, tail, sizeof tail, &len);
		is_int(read_all(buf, len, &n, &off), CLICKREC_CORRUPT,
		       "bad record, zeros, one stray byte: CORRUPT");
		free(buf);
	}

	/* A bad record then a torn partial: data after it, corruption. */
	{
		unsigned char tail[40];
		memset(tail, 0x33, sizeof tail);
		buf = segment(4, 2, tail, sizeof tail, &len);
		is_int(read_all(buf, len, &n, &off), CLICKREC_CORRUPT,
		       "bad record in the middle and a torn tail: CORRUPT");
		is_int(off, CLICKREC_HEADER_SIZE + 2 * CLICKREC_SIZE,
		       "reported at the bad record");
		free(buf);
	}
}

static void test_names(void)
{
	int bad = 0;
	for (unsigned v = 0; v < CLASS_COUNT; v++)
		if (clickrec_class_parse(clickrec_class_name(v)) != (int)v)
			bad++;
	is_int(bad, 0, "every class name parses back to its value");
	bad = 0;
	for (unsigned v = 0; v < PLATFORM_COUNT; v++)
		if (clickrec_platform_parse(clickrec_platform_name(v)) != (int)v)
			bad++;
	is_int(bad, 0, "every platform name parses back to its value");
	is_str(clickrec_class_name(CLASS_HUMAN), "human", "class 1 is human");
	is_str(clickrec_class_name(CLASS_PROBE), "probe", "class 5 is probe");
	is_str(clickrec_class_name(CLASS_COUNT), "unknown", "class 6: unknown");
	is_str(clickrec_class_name(255), "unknown", "class 255: unknown");
	is_str(clickrec_class_name(~0u), "unknown", "class UINT_MAX: unknown");
	is_str(clickrec_platform_name(PLATFORM_X), "x", "platform 3 is x");
	is_str(clickrec_platform_name(PLATFORM_EMAIL), "email", "platform 13");
	is_str(clickrec_platform_name(PLATFORM_COUNT), "unknown",
	       "platform 14: unknown");
	is_str(clickrec_platform_name(1000), "unknown", "platform 1000: unknown");
	is_int(clickrec_class_parse("robot"), -1, "unknown class name: -1");
	is_int(clickrec_class_parse(""), -1, "empty class name: -1");
	is_int(clickrec_class_parse("Human"), -1, "names are case-sensitive");
	is_int(clickrec_platform_parse("myspace"), -1, "unknown platform: -1");
	is_int(clickrec_class_parse("unknown"), CLASS_UNKNOWN, "'unknown' is 0");
}

int main(void)
{
	test_roundtrip();
	test_bitflips();
	test_header();
	test_header_store();
	test_header_period();
	test_reader();
	test_names();
	return tap_done();
}
