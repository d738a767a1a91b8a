/*
 * clickrec: byte layout, checksums and the pure segment reader.  See
 * clickrec.h for the layout; this file is the only one that knows offsets.
 */
#include "clickrec.h"
#include "le.h"

#include <string.h>
#include <xxhash.h>

/* Checksum over everything before the checksum field.  XXH3 is what the
 * project already links; 32 bits catch torn and flipped records with a miss
 * rate of 2^-32, plenty for a format that also has a fixed size. */
static uint32_t sum124(const unsigned char *p)
{
	return (uint32_t)XXH3_64bits(p, 124);
}

void clickrec_encode(const struct click *c, unsigned char *out)
{
	memset(out, 0, CLICKREC_SIZE);
	le_put64(out + 0, c->time_us);
	le_put64(out + 8, c->visitor);
	le_put32(out + 16, c->link_id);
	le_put32(out + 20, c->staff_id);
	le_put32(out + 24, c->campaign_id);
	le_put32(out + 28, c->node_hash);
	le_put16(out + 32, c->status);
	out[34] = c->class;
	out[35] = c->flags;
	out[36] = c->platform;
	out[37] = c->ip_family;
	out[38] = c->ip_prefix;
	out[39] = (unsigned char)(c->seq >> 16);
	memcpy(out + 40, c->ip, 16);
	memcpy(out + 56, c->country, 2);
	size_t n = c->refhost_len > CLICKREC_REFHOST_MAX ? CLICKREC_REFHOST_MAX
	                                                  : c->refhost_len;
	out[58] = (unsigned char)n;
	memcpy(out + 59, c->refhost, n);
	le_put16(out + 122, (uint16_t)c->seq);
	le_put32(out + 124, sum124(out));
}

int clickrec_verify(const unsigned char *in)
{
	return le_get32(in + 124) == sum124(in);
}

int clickrec_decode(const unsigned char *in, struct click *c)
{
	if (!clickrec_verify(in))
		return -1;
	c->time_us = le_get64(in + 0);
	c->visitor = le_get64(in + 8);
	c->link_id = le_get32(in + 16);
	c->staff_id = le_get32(in + 20);
	c->campaign_id = le_get32(in + 24);
	c->node_hash = le_get32(in + 28);
	c->status = le_get16(in + 32);
	c->class = in[34];
	c->flags = in[35];
	c->platform = in[36];
	c->ip_family = in[37];
	c->ip_prefix = in[38];
	c->seq = (uint32_t)in[39] << 16 | le_get16(in + 122);
	memcpy(c->ip, in + 40, 16);
	memcpy(c->country, in + 56, 2);
	size_t n = in[58];
	if (n > CLICKREC_REFHOST_MAX)
		n = CLICKREC_REFHOST_MAX;
	c->refhost_len = (uint8_t)n;
	memcpy(c->refhost, in + 59, n);
	return 0;
}

uint32_t clickrec_node_hash(const char *node, size_t len)
{
	return XXH32(node, len, 0);
}

void clickrec_header_encode(const struct clickrec_header *h, unsigned char *out)
{
	memset(out, 0, CLICKREC_HEADER_SIZE);
	memcpy(out, CLICKREC_MAGIC, 8);
	le_put32(out + 8, h->version);
	le_put32(out + 12, h->record_size);
	le_put64(out + 16, h->created_us);
	le_put32(out + 24, h->worker);
	le_put32(out + 28, h->node_hash);
	size_t n = h->node_len > CLICKREC_NODE_MAX ? CLICKREC_NODE_MAX : h->node_len;
	out[32] = (unsigned char)n;
	memcpy(out + 33, h->node, n);
	memcpy(out + 96, h->store_id, CLICKREC_STORE_ID_SIZE);
	out[112] = h->visitor_period;
	le_put32(out + 124, sum124(out));
}

int clickrec_header_decode(const unsigned char *in, size_t len,
                           struct clickrec_header *h)
{
	if (len < CLICKREC_HEADER_SIZE || memcmp(in, CLICKREC_MAGIC, 8) != 0 ||
	    le_get32(in + 124) != sum124(in))
		return -1;
	memset(h, 0, sizeof *h);
	h->version = le_get32(in + 8);
	h->record_size = le_get32(in + 12);
	h->created_us = le_get64(in + 16);
	h->worker = le_get32(in + 24);
	h->node_hash = le_get32(in + 28);
	h->node_len = in[32];
	if (h->version != CLICKREC_VERSION || h->record_size != CLICKREC_SIZE ||
	    h->node_len > CLICKREC_NODE_MAX)
		return -1;
	memcpy(h->node, in + 33, h->node_len);
	h->node[h->node_len] = '\0';
	memcpy(h->store_id, in + 96, CLICKREC_STORE_ID_SIZE);
	h->visitor_period = in[112];
	return 0;
}

int clickrec_header_has_store(const struct clickrec_header *h)
{
	for (size_t i = 0; i < CLICKREC_STORE_ID_SIZE; i++)
		if (h->store_id[i])
			return 1;
	return 0;
}

static const char *const class_names[CLASS_COUNT] = {
	"unknown", "human", "preview", "crawler", "tool", "probe",
};

static const char *const platform_names[PLATFORM_COUNT] = {
	"unknown", "none", "other", "x", "facebook", "linkedin", "instagram",
	"bluesky", "mastodon", "threads", "reddit", "youtube", "tiktok", "email",
};

const char *clickrec_class_name(unsigned v)
{
	return v < CLASS_COUNT ? class_names[v] : "unknown";
}

const char *clickrec_platform_name(unsigned v)
{
	return v < PLATFORM_COUNT ? platform_names[v] : "unknown";
}

static int find_name(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

int clickrec_class_parse(const char *name)
{
	return find_name(class_names, CLASS_COUNT, name);
}

int clickrec_platform_parse(const char *name)
{
	return find_name(platform_names, PLATFORM_COUNT, name);
}

int clickrec_reader_init(struct clickrec_reader *r, const unsigned char *buf,
                         size_t len)
{
	memset(r, 0, sizeof *r);
	r->buf = buf;
	r->len = len;
	r->off = CLICKREC_HEADER_SIZE;
	return clickrec_header_decode(buf, len, &r->header);
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

int clickrec_reader_next(struct clickrec_reader *r, struct click *c)
{
	if (r->state)
		return r->state;
	if (r->off >= r->len)
		return CLICKREC_END;
	if (r->len - r->off < CLICKREC_SIZE)
		return r->state = CLICKREC_TORN;
	if (clickrec_decode(r->buf + r->off, c) == 0) {
		r->off += CLICKREC_SIZE;
		return CLICKREC_RECORD;
	}
	/* A bad record followed only by zeros is what a crash (or a power cut
	 * on a file system that extended the size before the data) leaves:
	 * torn.  Anything after it that is not zero means the middle of the
	 * file is damaged. */
	size_t rest = r->off + CLICKREC_SIZE;
	if (all_zero(r->buf + rest, r->len - rest))
		return r->state = CLICKREC_TORN;
	return r->state = CLICKREC_CORRUPT;
}

size_t clickrec_valid_length(const unsigned char *buf, size_t len)
{
	struct clickrec_reader r;
	struct click c;
	if (clickrec_reader_init(&r, buf, len) < 0)
		return 0;
	while (clickrec_reader_next(&r, &c) == CLICKREC_RECORD)
		;
	return r.off;
}
