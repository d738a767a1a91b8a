/*
 * mkseg: writes a click-log segment with chosen contents, for the tests of
 * reach and the fuzz corpus.  It owns nothing of the format: the header and
 * records are encoded by clickrec.c, exactly as the daemon writes them.
 *
 *   mkseg OUT.clk [--node NAME] [--worker N] [--created TIME] [--db DIR]
 *                 [--period day|week|month|N] [--torn N] [--corrupt-at K]
 *                 [--ids] < records
 *
 * One record per input line, whitespace-separated key=value pairs, missing
 * fields 0:
 *   time=2026-03-01T10:00:00Z | time=@SECONDS   time_us=MICROSECONDS
 *   staff=ID campaign=ID link=ID class=human|preview|...|N
 *   platform=x|linkedin|...|N country=FR visitor=DECIMAL|0xHEX
 *   status=N flags=N refhost=HOST ip=ADDRESS[/PREFIX] (IPv4 or IPv6)
 *   seq=N (the click sequence, 24 bits) clickid=1 (sets CLICK_F_CLICKID)
 * Blank lines and lines starting with '#' are skipped.
 *
 * --db DIR names that store in the header, as the daemon serving it does
 * (store.h, its identity); without it the header names none, as a segment
 * written before store identities.
 * --period writes the visitor period of the records' keys into the header
 * (visitor.h; a raw number for values no daemon writes); without it, 0: a
 * day, as a segment written before the field.
 * --torn N appends N (1..127) non-zero garbage bytes: a torn tail.
 * --corrupt-at K flips one byte in record K (0-based), after its checksum
 * was computed: corruption.
 * --ids prints the click id of each record with CLICK_F_CLICKID (clickid.h:
 * the header's node and worker, the record's time and seq), one a line,
 * in order: what the daemon put in that click's Location.
 * Exit status: 0, 1 for an I/O error, 2 for bad usage or input.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clickid.h"
#include "clickrec.h"
#include "out.h"
#include "store.h"
#include "visitor.h"
#include "when.h"

static void mkseg_usage(void)
{
	fputs("usage: mkseg OUT.clk [--node NAME] [--worker N] [--created TIME]\n"
	      "             [--db DIR] [--period day|week|month|N]\n"
	      "             [--torn N] [--corrupt-at K] [--ids] < records\n",
	      stderr);
}

/* Unsigned number, decimal or 0x hex, the whole string.  Not strtoull's
 * base 0: a leading zero is not octal here ("0100" is a hundred). */
static int mkseg_num(const char *s, unsigned long long max,
                     unsigned long long *out)
{
	char *end;
	int base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
	}
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* A class or platform: a name, or a raw number (out-of-range values are
 * what some tests are about). */
static int mkseg_enum(const char *s, int (*parse)(const char *), uint8_t *out)
{
	unsigned long long v;
	int p = parse(s);
	if (p >= 0) {
		*out = (uint8_t)p;
		return 0;
	}
	if (mkseg_num(s, 255, &v) < 0)
		return -1;
	*out = (uint8_t)v;
	return 0;
}

/* ip=ADDRESS[/PREFIX] into c, as ip_log stores it.  Returns 0 or -1. */
static int mkseg_ip(char *val, struct click *c)
{
	char *slash = strchr(val, '/');
	unsigned long long prefix;
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, val, c->ip) == 1)
		c->ip_family = 4;
	else if (inet_pton(AF_INET6, val, c->ip) == 1)
		c->ip_family = 6;
	else
		return -1;
	prefix = c->ip_family == 4 ? 32 : 128;
	if (slash && mkseg_num(slash, prefix, &prefix) < 0)
		return -1;
	c->ip_prefix = (uint8_t)prefix;
	return 0;
}

/* Parse one input line into c.  Returns 0 or -1 after reporting. */
static int mkseg_parse(char *line, unsigned long lineno, struct click *c)
{
	char *save = NULL;
	for (char *tok = strtok_r(line, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		char *val = strchr(tok, '=');
		unsigned long long v;
		int bad = 0;
		if (!val) {
			out_err("line %lu: '%s' is not key=value", lineno, tok);
			return -1;
		}
		*val++ = '\0';
		if (strcmp(tok, "time") == 0) {
			bad = when_parse(val, 0, &c->time_us) < 0;
		} else if (strcmp(tok, "time_us") == 0) {
			bad = mkseg_num(val, UINT64_MAX, &v) < 0;
			c->time_us = v;
		} else if (strcmp(tok, "staff") == 0) {
			bad = mkseg_num(val, UINT32_MAX, &v) < 0;
			c->staff_id = (uint32_t)v;
		} else if (strcmp(tok, "campaign") == 0) {
			bad = mkseg_num(val, UINT32_MAX, &v) < 0;
			c->campaign_id = (uint32_t)v;
		} else if (strcmp(tok, "link") == 0) {
			bad = mkseg_num(val, UINT32_MAX, &v) < 0;
			c->link_id = (uint32_t)v;
		} else if (strcmp(tok, "class") == 0) {
			bad = mkseg_enum(val, clickrec_class_parse, &c->class) < 0;
		} else if (strcmp(tok, "platform") == 0) {
			bad = mkseg_enum(val, clickrec_platform_parse,
			                 &c->platform) < 0;
		} else if (strcmp(tok, "country") == 0) {
			bad = strlen(val) != 2;
			if (!bad)
				memcpy(c->country, val, 2);
		} else if (strcmp(tok, "visitor") == 0) {
			bad = mkseg_num(val, UINT64_MAX, &v) < 0;
			c->visitor = v;
		} else if (strcmp(tok, "status") == 0) {
			bad = mkseg_num(val, UINT16_MAX, &v) < 0;
			c->status = (uint16_t)v;
		} else if (strcmp(tok, "flags") == 0) {
			bad = mkseg_num(val, UINT8_MAX, &v) < 0;
			c->flags = (uint8_t)(c->flags | v);
		} else if (strcmp(tok, "seq") == 0) {
			bad = mkseg_num(val, CLICKREC_SEQ_MASK, &v) < 0;
			c->seq = (uint32_t)v;
		} else if (strcmp(tok, "clickid") == 0) {
			bad = strcmp(val, "1") != 0;
			c->flags |= CLICK_F_CLICKID;
		} else if (strcmp(tok, "ip") == 0) {
			bad = mkseg_ip(val, c) < 0;
		} else if (strcmp(tok, "refhost") == 0) {
			/* Longer hosts are cut as the daemon cuts them. */
			size_t n = strlen(val);
			if (n > CLICKREC_REFHOST_MAX)
				n = CLICKREC_REFHOST_MAX;
			memcpy(c->refhost, val, n);
			c->refhost_len = (uint8_t)n;
		} else {
			out_err("line %lu: unknown field '%s'", lineno, tok);
			return -1;
		}
		if (bad) {
			out_err("line %lu: bad value for %s: '%s'", lineno, tok,
			        val);
			return -1;
		}
	}
	return 0;
}

/* The identity of the store at dir into id.  0, or -1 after reporting. */
static int mkseg_store_id(const char *dir, unsigned char *id)
{
	struct store s;
	int rc = store_open(&s, dir, STORE_RDONLY);
	if (rc == 0) {
		rc = store_id_read(&s, id);
		store_close(&s);
	}
	if (rc)
		out_err("--db %s: %s", dir, mdb_strerror(rc));
	return rc ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *out = NULL, *node = "", *db = NULL;
	unsigned long long worker = 0, torn = 0, corrupt_at = 0;
	uint8_t period = VISITOR_PERIOD_DAY;
	uint64_t created = 0;
	int corrupt = 0, ids = 0, ret = 2;
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0, nrec = 0;

	out_prog = "mkseg";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int has = i + 1 < argc;
		if (strcmp(a, "--node") == 0 && has) {
			node = argv[++i];
			if (strlen(node) > CLICKREC_NODE_MAX) {
				out_err("--node: longer than %d bytes",
				        CLICKREC_NODE_MAX);
				goto usage;
			}
		} else if (strcmp(a, "--db") == 0 && has) {
			db = argv[++i];
		} else if (strcmp(a, "--period") == 0 && has) {
			if (mkseg_enum(argv[++i], visitor_period_parse,
			               &period) < 0)
				goto usage;
		} else if (strcmp(a, "--worker") == 0 && has) {
			if (mkseg_num(argv[++i], UINT32_MAX, &worker) < 0)
				goto usage;
		} else if (strcmp(a, "--created") == 0 && has) {
			if (when_parse(argv[++i], 0, &created) < 0)
				goto usage;
		} else if (strcmp(a, "--torn") == 0 && has) {
			if (mkseg_num(argv[++i], CLICKREC_SIZE - 1, &torn) < 0 ||
			    torn == 0)
				goto usage;
		} else if (strcmp(a, "--corrupt-at") == 0 && has) {
			if (mkseg_num(argv[++i], UINT32_MAX, &corrupt_at) < 0)
				goto usage;
			corrupt = 1;
		} else if (strcmp(a, "--ids") == 0) {
			ids = 1;
		} else if (a[0] == '-' && a[1]) {
			out_err("unknown option or missing value: '%s'", a);
			goto usage;
		} else if (!out) {
			out = a;
		} else {
			goto usage;
		}
	}
	if (!out)
		goto usage;

	ret = 1;
	f = fopen(out, "wb");
	if (!f) {
		out_err("%s: %s", out, strerror(errno));
		goto cleanup;
	}
	struct clickrec_header h;
	unsigned char buf[CLICKREC_SIZE];
	memset(&h, 0, sizeof h);
	h.version = CLICKREC_VERSION;
	h.record_size = CLICKREC_SIZE;
	h.created_us = created;
	h.worker = (uint32_t)worker;
	h.node_len = (uint8_t)strlen(node);
	memcpy(h.node, node, h.node_len);
	h.node_hash = clickrec_node_hash(node, h.node_len);
	h.visitor_period = period;
	if (db && mkseg_store_id(db, h.store_id) < 0)
		goto cleanup;
	clickrec_header_encode(&h, buf);
	fwrite(buf, 1, CLICKREC_HEADER_SIZE, f);

	while (getline(&line, &cap, stdin) != -1) {
		struct click c;
		const char *p = line + strspn(line, " \t\r\n");
		lineno++;
		if (!*p || *p == '#')
			continue;
		memset(&c, 0, sizeof c);
		c.node_hash = h.node_hash;
		if (mkseg_parse(line, lineno, &c) < 0) {
			ret = 2;
			goto cleanup;
		}
		clickrec_encode(&c, buf);
		if (ids && (c.flags & CLICK_F_CLICKID)) {
			struct clickid id;
			char text[CLICKID_LEN];
			clickid_make(h.node_hash, h.worker, c.time_us, c.seq, &id);
			clickid_format(&id, text);
			printf("%.*s\n", CLICKID_LEN, text);
		}
		if (corrupt && nrec == corrupt_at)
			buf[20] ^= 0x5a;    /* staff_id: the checksum no longer fits */
		fwrite(buf, 1, CLICKREC_SIZE, f);
		nrec++;
	}
	if (corrupt && corrupt_at >= nrec) {
		out_err("--corrupt-at %llu: only %lu records", corrupt_at, nrec);
		ret = 2;
		goto cleanup;
	}
	for (unsigned long long i = 0; i < torn; i++)
		putc(0x80 | (int)(i * 37 % 127), f);   /* never zero */
	int werr = ferror(f);
	if (fclose(f) != 0 || werr) {
		f = NULL;
		out_err("%s: write error", out);
		goto cleanup;
	}
	f = NULL;
	ret = 0;
cleanup:
	if (f)
		fclose(f);
	/* No half-written segment left behind to confuse a later test. */
	if (ret != 0 && out)
		remove(out);
	free(line);
	return ret;
usage:
	mkseg_usage();
	return ret;
}
