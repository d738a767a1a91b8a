/*
 * fuzz_clickrec: libFuzzer target for the click-log reader (clickrec.c).
 * The input is read twice: as a whole segment (header included), and as
 * the records after a valid header, so mutations reach the record walk
 * without first having to forge a header checksum.  Invariants are checked
 * with abort(), which both libFuzzer and replay.c turn into a failure.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clickrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
	if (!cond)
		abort();
}

/* Walk a whole buffer with the reader and check what it promises. */
static void walk(const unsigned char *buf, size_t len)
{
	struct clickrec_reader r;
	struct click c;
	size_t records = 0;
	int rc;

	if (clickrec_reader_init(&r, buf, len) < 0) {
		check(clickrec_valid_length(buf, len) == 0);
		return;
	}
	check(len >= CLICKREC_HEADER_SIZE);
	check(r.header.version == CLICKREC_VERSION);
	check(r.header.record_size == CLICKREC_SIZE);
	check(r.header.node_len <= CLICKREC_NODE_MAX);
	check(strlen(r.header.node) <= r.header.node_len);
	while ((rc = clickrec_reader_next(&r, &c)) == CLICKREC_RECORD) {
		records++;
		check(r.off <= len);
		check(records <= len / CLICKREC_SIZE);
		check(c.refhost_len <= CLICKREC_REFHOST_MAX);
		/* A decoded record encodes to bytes that decode the same. */
		unsigned char again[CLICKREC_SIZE];
		struct click d;
		clickrec_encode(&c, again);
		check(clickrec_decode(again, &d) == 0);
		check(d.time_us == c.time_us && d.visitor == c.visitor &&
		      d.staff_id == c.staff_id && d.campaign_id == c.campaign_id &&
		      d.class == c.class && d.refhost_len == c.refhost_len &&
		      memcmp(d.refhost, c.refhost, c.refhost_len) == 0);
	}
	check(rc == CLICKREC_END || rc == CLICKREC_TORN || rc == CLICKREC_CORRUPT);
	check(r.off <= len);
	check(records <= len / CLICKREC_SIZE);
	check((r.off - CLICKREC_HEADER_SIZE) % CLICKREC_SIZE == 0);
	check(r.off == CLICKREC_HEADER_SIZE + records * CLICKREC_SIZE);
	if (rc == CLICKREC_END)
		check(r.off == len);
	else
		check(r.off < len);
	/* Sticky: the same answer, and the offset does not move. */
	size_t off = r.off;
	check(clickrec_reader_next(&r, &c) == rc);
	check(r.off == off);
	check(clickrec_valid_length(buf, len) == r.off);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct clickrec_header h;

	/* The header decoder on its own, at every length it may be given. */
	if (clickrec_header_decode(data, size, &h) == 0) {
		check(size >= CLICKREC_HEADER_SIZE);
		check(h.node_len <= CLICKREC_NODE_MAX);
		check(h.node[h.node_len] == '\0');
	}

	/* The input as a whole segment, in an exactly-sized copy (libFuzzer's
	 * buffer already is; the copy keeps this true under replay too). */
	unsigned char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	walk(buf, size);
	free(buf);

	/* The input as records behind a valid header. */
	size_t len = CLICKREC_HEADER_SIZE + size;
	buf = malloc(len);
	if (!buf)
		return 0;
	memset(&h, 0, sizeof h);
	h.version = CLICKREC_VERSION;
	h.record_size = CLICKREC_SIZE;
	h.node_len = 4;
	memcpy(h.node, "fuzz", 4);
	h.node_hash = clickrec_node_hash("fuzz", 4);
	clickrec_header_encode(&h, buf);
	if (size)
		memcpy(buf + CLICKREC_HEADER_SIZE, data, size);
	walk(buf, len);
	free(buf);
	return 0;
}
