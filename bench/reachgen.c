/*
 * reachgen: writes large click-log segments with realistic contents, for
 * bench/reach.sh.  tests/mkseg.c parses a text line per record, which is
 * right for tests and far too slow for a hundred million records; this one
 * draws records from fixed distributions and encodes them with clickrec.c,
 * exactly as the daemon writes them (header, fields, checksums).
 *
 *   reachgen DIR RECORDS FILES INDEX [STAFF [VISITORS]]
 *
 * Writes segment INDEX (0-based) of FILES into DIR: RECORDS / FILES records
 * (the first files take the remainder), as the worker INDEX + 1 of node
 * "bench" would.  Files are independent, so the script runs one process per
 * core.  STAFF colleagues (default 5,000) with ten links each; a pool of
 * VISITORS visitors (default 20,000,000).  The output depends only on the
 * arguments: two runs write the same bytes.
 *
 * The distributions, chosen to look like a campaign's log, not to flatter
 * reach:
 *   links     popularity ~ 1/rank (log-uniform ranks), ranks scattered
 *             over colleagues, so a few colleagues have millions of clicks
 *             and most have thousands;
 *   visitors  70% drawn uniformly from the pool, 30% from its first 1% (a
 *             core audience that clicks again and again); ids are 64-bit
 *             hashes, as the daemon's keyed XXH3 makes; 0.5% unknown (0);
 *   class     85% human, 8% preview, 3% crawler, 2% tool, 2% probe (HEAD);
 *   internal  2% of human clicks;
 *   country   ~1/rank over 64 codes, 3% unknown;
 *   platform  and a matching referrer host, weighted as below;
 *   click ids every record has a click sequence (the worker's count, as
 *             the daemon's); the campaigns 1 to 10 of 20 hand out click
 *             ids (CLICK_F_CLICKID), about half the records.
 *
 * With REACHGEN_CONV_EVERY=K in the environment, every K-th record with a
 * click id is also written to standard output as a row of a conversions
 * file (reach --conversions, no header): "SECONDS,ID,signup,VALUE,ROWID",
 * an hour after its click (bench/conversions.sh).
 *
 * Exit status: 0, 1 for an I/O error, 2 for bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clickid.h"
#include "clickrec.h"

#define GEN_BATCH 8192      /* records per write(2): 1 MiB */
#define GEN_LINKS_PER_STAFF 10
#define GEN_CAMPAIGNS 20
#define GEN_START_US 1793491200000000ULL   /* 2026-11-01T00:00:00Z */
#define GEN_SPAN_US (30ULL * 86400 * 1000000)

/* splitmix64: fast, and every output bit depends on every state bit. */
static inline uint64_t gen_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static inline uint64_t gen_below(uint64_t *s, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)gen_next(s) * n) >> 64);
}

/* A rank in [0, n) with P(k) ~ 1/(k + 1): exp of a uniform log. */
static inline uint64_t gen_zipf(uint64_t *s, uint64_t n)
{
	double u = (double)(gen_next(s) >> 11) * 0x1.0p-53;
	uint64_t k = (uint64_t)exp(u * log((double)n + 1)) - 1;
	return k < n ? k : n - 1;
}

static const char gen_countries[] =
	"USGBDEFRINBRCANLESITAUMXJPPLSEBEIECHATNODKFIPTZAARCOCLPENGKEPH"
	"IDTRROCZGRHUILUASGNZMYTHVNEGMAPKBDSAAEKRTWHKUYECBOLTLVEESISKBG";

struct gen_platform {
	uint8_t platform;
	unsigned weight;    /* per thousand */
	const char *refhost;
};

static const struct gen_platform gen_platforms[] = {
	{ PLATFORM_NONE, 300, "" },
	{ PLATFORM_LINKEDIN, 200, "www.linkedin.com" },
	{ PLATFORM_FACEBOOK, 150, "l.facebook.com" },
	{ PLATFORM_X, 100, "t.co" },
	{ PLATFORM_EMAIL, 80, "outlook.live.com" },
	{ PLATFORM_INSTAGRAM, 50, "l.instagram.com" },
	{ PLATFORM_OTHER, 50, "news.example.com" },
	{ PLATFORM_BLUESKY, 20, "bsky.app" },
	{ PLATFORM_MASTODON, 10, "mastodon.social" },
	{ PLATFORM_THREADS, 10, "l.threads.net" },
	{ PLATFORM_REDDIT, 10, "out.reddit.com" },
	{ PLATFORM_YOUTUBE, 10, "www.youtube.com" },
	{ PLATFORM_TIKTOK, 10, "www.tiktok.com" },
};

static int gen_arg(const char *s, uint64_t min, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v < min)
		return -1;
	*out = v;
	return 0;
}

/* One record, drawn from the distributions above.  i is the record's
 * number in its file, n the file's count (for the time). */
static void gen_record(uint64_t *s, uint64_t i, uint64_t n, uint64_t staff,
                       uint64_t visitors, uint32_t node_hash, struct click *c)
{
	uint64_t nlinks = staff * GEN_LINKS_PER_STAFF;
	memset(c, 0, sizeof *c);
	c->time_us = GEN_START_US + GEN_SPAN_US * i / n + gen_below(s, 1000);
	/* Scatter popularity ranks over links (an odd multiplier modulo a
	 * power of two would leave gaps; a prime stride does not). */
	uint64_t rank = gen_zipf(s, nlinks);
	uint64_t link = (rank * 2654435761ULL) % nlinks;
	c->link_id = (uint32_t)link + 1;
	c->staff_id = (uint32_t)(link / GEN_LINKS_PER_STAFF) + 1;
	c->campaign_id = (uint32_t)(link % GEN_CAMPAIGNS) + 1;
	c->node_hash = node_hash;
	c->status = 302;
	/* Derived, not drawn: the other fields' draws stay as they were. */
	c->seq = (uint32_t)i & CLICKREC_SEQ_MASK;
	if (c->campaign_id <= GEN_CAMPAIGNS / 2)
		c->flags |= CLICK_F_CLICKID;

	unsigned r = (unsigned)gen_below(s, 1000);
	c->class = r < 850 ? CLASS_HUMAN : r < 930 ? CLASS_PREVIEW
	         : r < 960 ? CLASS_CRAWLER : r < 980 ? CLASS_TOOL : CLASS_PROBE;
	if (c->class == CLASS_PROBE)
		c->flags |= CLICK_F_HEAD;
	if (c->class == CLASS_HUMAN && gen_below(s, 100) < 2)
		c->flags |= CLICK_F_INTERNAL;

	r = (unsigned)gen_below(s, 1000);
	if (r >= 5) {
		uint64_t v = r < 305 ? gen_below(s, visitors / 100 + 1)
		                     : gen_below(s, visitors);
		uint64_t t = v ^ 0x5eed;
		c->visitor = gen_next(&t) | 1;  /* a hash, never 0 */
	}

	if (gen_below(s, 100) >= 3) {
		uint64_t k = gen_zipf(s, sizeof gen_countries / 2);
		memcpy(c->country, gen_countries + 2 * k, 2);
	}
	r = (unsigned)gen_below(s, 1000);
	const struct gen_platform *p = gen_platforms;
	while (r >= p->weight) {
		r -= p->weight;
		p++;
	}
	c->platform = p->platform;
	c->refhost_len = (uint8_t)strlen(p->refhost);
	memcpy(c->refhost, p->refhost, c->refhost_len);

	uint64_t ip = gen_next(s);
	c->ip_family = 4;
	c->ip_prefix = 24;
	c->ip[0] = (uint8_t)(ip % 223 + 1);
	c->ip[1] = (uint8_t)(ip >> 8);
	c->ip[2] = (uint8_t)(ip >> 16);
}

static int gen_write(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t records, files, index, staff = 5000, visitors = 20000000;
	if (argc < 5 || argc > 7 || gen_arg(argv[2], 0, &records) < 0 ||
	    gen_arg(argv[3], 1, &files) < 0 || gen_arg(argv[4], 0, &index) < 0 ||
	    index >= files || (argc > 5 && gen_arg(argv[5], 1, &staff) < 0) ||
	    (argc > 6 && gen_arg(argv[6], 100, &visitors) < 0) ||
	    staff > UINT32_MAX / GEN_LINKS_PER_STAFF) {
		fputs("usage: reachgen DIR RECORDS FILES INDEX [STAFF [VISITORS]]\n",
		      stderr);
		return 2;
	}
	uint64_t n = records / files + (index < records % files);

	char path[4096];
	int len = snprintf(path, sizeof path,
	                   "%s/bench.20261101T000000.000000Z.w%" PRIu64 ".clk",
	                   argv[1], index + 1);
	if (len < 0 || (size_t)len >= sizeof path) {
		fputs("reachgen: path too long\n", stderr);
		return 2;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "reachgen: %s: %s\n", path, strerror(errno));
		return 1;
	}
	unsigned char *buf = malloc((size_t)GEN_BATCH * CLICKREC_SIZE);
	if (!buf) {
		fputs("reachgen: out of memory\n", stderr);
		close(fd);
		return 1;
	}

	struct clickrec_header h = {
		.version = CLICKREC_VERSION,
		.record_size = CLICKREC_SIZE,
		.created_us = GEN_START_US,
		.worker = (uint32_t)index + 1,
		.node_len = 5,
	};
	memcpy(h.node, "bench", 5);
	h.node_hash = clickrec_node_hash(h.node, h.node_len);
	clickrec_header_encode(&h, buf);
	int ret = gen_write(fd, buf, CLICKREC_HEADER_SIZE) < 0;

	uint64_t seed = 0x243f6a8885a308d3ULL ^ (index * 0x9e3779b97f4a7c15ULL);
	const char *ev = getenv("REACHGEN_CONV_EVERY");
	uint64_t every = 0, nid = 0;
	if (ev && gen_arg(ev, 1, &every) < 0) {
		fputs("reachgen: REACHGEN_CONV_EVERY: expected a number\n", stderr);
		return 2;
	}
	struct click c;
	for (uint64_t i = 0; i < n && !ret;) {
		size_t k = 0;
		for (; k < GEN_BATCH && i < n; k++, i++) {
			gen_record(&seed, i, n, staff, visitors, h.node_hash, &c);
			clickrec_encode(&c, buf + k * CLICKREC_SIZE);
			if (every && (c.flags & CLICK_F_CLICKID) &&
			    nid++ % every == 0) {
				struct clickid id;
				char text[CLICKID_LEN];
				clickid_make(h.node_hash, h.worker, c.time_us, c.seq,
				             &id);
				clickid_format(&id, text);
				printf("%" PRIu64 ",%.*s,signup,%" PRIu64 ".%02" PRIu64
				       ",w%" PRIu64 "-%" PRIu64 "\n",
				       c.time_us / 1000000 + 3600, CLICKID_LEN, text,
				       i % 50, i % 100, index + 1, i);
			}
		}
		ret = gen_write(fd, buf, k * CLICKREC_SIZE) < 0;
	}
	if (ret)
		fprintf(stderr, "reachgen: %s: %s\n", path, strerror(errno));
	if (close(fd) < 0 && !ret) {
		fprintf(stderr, "reachgen: %s: %s\n", path, strerror(errno));
		ret = 1;
	}
	free(buf);
	return ret;
}
