/*
 * clickrec: the click-log format, shared by the daemon that writes it and
 * every tool that reads it.
 *
 * A segment file is a 128-byte header followed by 128-byte records, all
 * little-endian.  Fixed-size records make reading a straight walk and
 * recovery a truncation: after a crash the file is whole records plus, at
 * most, one torn tail.  Every record carries its own XXH3 checksum, so a
 * reader tells a torn tail (the last record only) from corruption in the
 * middle (never skipped silently).
 *
 * This module owns the byte layout and the pure reader.  It does no I/O:
 * clicklog.c (daemon) writes, tools mmap files and hand buffers in here.
 */
#ifndef REDIRECTD_CLICKREC_H
#define REDIRECTD_CLICKREC_H

#include <stddef.h>
#include <stdint.h>

#define CLICKREC_MAGIC "RDCLICK1"   /* 8 bytes, no NUL stored */
#define CLICKREC_VERSION 1
#define CLICKREC_HEADER_SIZE 128
#define CLICKREC_SIZE 128
#define CLICKREC_NODE_MAX 63        /* node name bytes in the header */
#define CLICKREC_REFHOST_MAX 63     /* referrer host bytes in a record */
#define CLICKREC_SUFFIX ".clk"      /* segment file name suffix */
#define CLICKREC_STORE_ID_SIZE 16   /* store identity bytes in the header */

/* Class of the request that made a record.  Values are on disk: append only. */
enum click_class {
	CLASS_UNKNOWN = 0,
	CLASS_HUMAN = 1,
	CLASS_PREVIEW = 2,  /* link unfurlers */
	CLASS_CRAWLER = 3,  /* search, SEO, archive bots */
	CLASS_TOOL = 4,     /* HTTP libraries, CLI clients, headless browsers */
	CLASS_PROBE = 5,    /* HEAD */
	CLASS_COUNT
};

/* Platform the click came from.  Values are on disk: append only. */
enum click_platform {
	PLATFORM_UNKNOWN = 0,
	PLATFORM_NONE = 1,      /* no referrer, no in-app token */
	PLATFORM_OTHER = 2,
	PLATFORM_X = 3,
	PLATFORM_FACEBOOK = 4,
	PLATFORM_LINKEDIN = 5,
	PLATFORM_INSTAGRAM = 6,
	PLATFORM_BLUESKY = 7,
	PLATFORM_MASTODON = 8,
	PLATFORM_THREADS = 9,
	PLATFORM_REDDIT = 10,
	PLATFORM_YOUTUBE = 11,
	PLATFORM_TIKTOK = 12,
	PLATFORM_EMAIL = 13,
	PLATFORM_COUNT
};

/* Record flags. */
#define CLICK_F_INTERNAL 0x01   /* client in internal_networks */
#define CLICK_F_HEAD     0x02   /* request method was HEAD */
/* The redirect carried this click's id (clickid.h) in its Location: the
 * link was minted with --click-id and the Location had room for it. */
#define CLICK_F_CLICKID  0x04

/* The click sequence: a worker's count of its click records, 24 bits,
 * wrapping.  With the segment's node and worker and the record's time it
 * names the record (clickid.h). */
#define CLICKREC_SEQ_MASK 0xffffffu

/*
 * One decoded click record.  The on-disk layout (offsets in bytes):
 *
 *   0  u64 time_us      microseconds since the Unix epoch, UTC
 *   8  u64 visitor      keyed XXH3 of client IP and User-Agent (0: unknown)
 *  16  u32 link_id      store ids (0: unknown)
 *  20  u32 staff_id
 *  24  u32 campaign_id  (0: none)
 *  28  u32 node_hash    XXH32 of the node name, as in the segment header
 *  32  u16 status       HTTP status answered
 *  34  u8  class        enum click_class
 *  35  u8  flags        CLICK_F_*
 *  36  u8  platform     enum click_platform
 *  37  u8  ip_family    0 (not stored), 4 or 6
 *  38  u8  ip_prefix    prefix length stored (32/128 full, 24/48 truncated)
 *  39  u8  seq_hi       bits 16..23 of the click sequence
 *  40  u8  ip[16]       client IP per ip_log, zero unless stored
 *  56  char country[2]  ISO 3166 alpha-2, "\0\0" when unknown
 *  58  u8  refhost_len
 *  59  char refhost[63] referrer host only, never path or query
 * 122  u16 seq_lo       bits 0..15 of the click sequence
 * 124  u32 checksum     low 32 bits of XXH3_64 over bytes 0..123
 *
 * seq_hi and seq_lo were reserved (zero) before click ids: older records
 * read as sequence 0, and never carry CLICK_F_CLICKID.
 */
struct click {
	uint64_t time_us;
	uint64_t visitor;
	uint32_t link_id;
	uint32_t staff_id;
	uint32_t campaign_id;
	uint32_t node_hash;
	uint16_t status;
	uint8_t class;
	uint8_t flags;
	uint8_t platform;
	uint8_t ip_family;
	uint8_t ip_prefix;
	uint32_t seq;           /* click sequence, CLICKREC_SEQ_MASK bits */
	uint8_t ip[16];
	char country[2];
	uint8_t refhost_len;
	char refhost[CLICKREC_REFHOST_MAX];
};

/* Segment header, decoded.  On disk: magic[8], u32 version, u32 record_size,
 * u64 created_us, u32 worker, u32 node_hash, u8 node_len, char node[63],
 * u8 store_id[16] at 96, u8 visitor_period at 112, zero padding, u32
 * checksum at 124 (low 32 bits of XXH3_64 over 0..123).
 *
 * store_id is the identity of the store the daemon served when it created
 * the segment (store.h, meta "id"): the ids in the records mean something
 * only in that store.  visitor_period (enum visitor_period, visitor.h) is
 * how long the visitor key of its records lasted: one person has one
 * visitor id per day, week or month.  Both sit in what was zero padding,
 * so the version stays 1: segments written before them read as all zero
 * ("no identity", daily keys, which is what wrote them), and older
 * readers read new segments as before. */
struct clickrec_header {
	uint32_t version;
	uint32_t record_size;
	uint64_t created_us;
	uint32_t worker;
	uint32_t node_hash;
	uint8_t node_len;
	char node[CLICKREC_NODE_MAX + 1];   /* NUL-terminated copy */
	unsigned char store_id[CLICKREC_STORE_ID_SIZE];   /* all zero: none */
	uint8_t visitor_period;     /* enum visitor_period, as stored (a
	                               reader takes an unknown value as a
	                               day: visitor_period_name) */
};

/* Does the header name a store?  0 for a segment written before store
 * identities (all zero). */
int clickrec_header_has_store(const struct clickrec_header *h);

/* Encode into exactly CLICKREC_SIZE bytes at out.  Pure, thread-safe. */
void clickrec_encode(const struct click *c, unsigned char *out);

/* Decode CLICKREC_SIZE bytes.  Returns 0, or -1 when the checksum fails. */
int clickrec_decode(const unsigned char *in, struct click *c);

/* Encode / decode the segment header (CLICKREC_HEADER_SIZE bytes).
 * decode returns 0, or -1 (bad magic, version, size or checksum). */
void clickrec_header_encode(const struct clickrec_header *h, unsigned char *out);
int clickrec_header_decode(const unsigned char *in, size_t len,
                           struct clickrec_header *h);

/* Does the record at in verify?  1 yes, 0 no. */
int clickrec_verify(const unsigned char *in);

/* Hash of a node name, as stored in headers and records. */
uint32_t clickrec_node_hash(const char *node, size_t len);

/* Names of classes and platforms ("human", "x", ...); "unknown" for any
 * value out of range.  Static strings. */
const char *clickrec_class_name(unsigned v);
const char *clickrec_platform_name(unsigned v);
/* Reverse: returns the value, or -1 when the name is unknown. */
int clickrec_class_parse(const char *name);
int clickrec_platform_parse(const char *name);

/*
 * Reading a whole segment held in memory (an mmap of the file).  Pure.
 *
 *   struct clickrec_reader r;
 *   if (clickrec_reader_init(&r, buf, len) < 0) -> not a segment (bad header)
 *   while ((rc = clickrec_reader_next(&r, &click)) == CLICKREC_RECORD) ...
 *
 * clickrec_reader_next returns:
 *   CLICKREC_RECORD   *c holds the next valid record
 *   CLICKREC_END      no more data
 *   CLICKREC_TORN     the tail from r.off is a torn write: a partial record,
 *                     or one bad record followed by nothing but zero bytes
 *                     (what a crash or a power cut leaves).  The whole
 *                     records before r.off are good; warn, count them.
 *   CLICKREC_CORRUPT  a bad record at r.off with real data after it:
 *                     corruption, report file and r.off.
 * After TORN or CORRUPT, further calls return the same code.
 */
enum { CLICKREC_RECORD = 1, CLICKREC_END = 0, CLICKREC_TORN = -1,
       CLICKREC_CORRUPT = -2 };

struct clickrec_reader {
	const unsigned char *buf;
	size_t len;
	size_t off;         /* offset of the next record to read */
	int state;          /* 0, or the sticky TORN/CORRUPT code */
	struct clickrec_header header;
};

/* Returns 0, or -1 when buf does not start with a valid segment header. */
int clickrec_reader_init(struct clickrec_reader *r, const unsigned char *buf,
                         size_t len);
int clickrec_reader_next(struct clickrec_reader *r, struct click *c);

/* Where the whole, valid records of a segment end: the length to truncate a
 * file to after a crash.  Returns 0 for a file without a valid header. */
size_t clickrec_valid_length(const unsigned char *buf, size_t len);

#endif
