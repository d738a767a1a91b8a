/*
 * visitor: the pseudonymous visitor id of a click.
 *
 * A visitor is XXH3 of the client IP and User-Agent under a secret derived
 * from a 128-bit salt.  The raw IP is never stored: the hash is what lets
 * reach count unique humans.  xxHash is not a cryptographic hash: the id
 * stays pseudonymous only while the salt is secret (a leaked salt lets
 * anyone invert IPv4 addresses by brute force), so the salt never appears
 * in a log and is replaced at the end of every key period (a day by
 * default: directive visitor_period).
 */
#ifndef REDIRECTD_VISITOR_H
#define REDIRECTD_VISITOR_H

#include <stddef.h>
#include <stdint.h>

#define VISITOR_SALT_LEN 16
#define VISITOR_SECRET_LEN 192

struct visitor_key {
	unsigned char secret[VISITOR_SECRET_LEN];
};

/* How long one salt (and so one visitor id per person) lasts: UTC days,
 * ISO weeks (Monday to Sunday, UTC) or UTC calendar months.  The values
 * are on disk (byte 112 of a segment header, clickrec.h): append only; 0,
 * what segments written before the field hold, is a day. */
enum visitor_period {
	VISITOR_PERIOD_DAY = 0,
	VISITOR_PERIOD_WEEK = 1,
	VISITOR_PERIOD_MONTH = 2,
	VISITOR_PERIOD_COUNT
};

/* "day", "week", "month"; "day" for a value out of range (read as the
 * shortest period: a figure is never labelled as counting fewer times
 * than it may).  Static strings. */
const char *visitor_period_name(unsigned p);

/* The value of a name above, or -1. */
int visitor_period_parse(const char *name);

/* The period of kind p holding t seconds since the epoch, as a number
 * that grows by one per period.  Pure. */
int64_t visitor_period_index(unsigned p, int64_t t);

/* The period's name as salt files carry it: "2026-12-02", "2026-W49"
 * (ISO year and week), "2026-12".  out holds at least 16 bytes. */
void visitor_period_label(unsigned p, int64_t index, char *out, size_t cap);

/* Derive the hashing secret from a salt.  Pure. */
void visitor_key_init(struct visitor_key *k, const unsigned char salt[VISITOR_SALT_LEN]);

/* Fill salt with random bytes from getrandom().  0 or a negative errno. */
int visitor_salt_new(unsigned char salt[VISITOR_SALT_LEN]);

/* The visitor id; never 0 (0 means "unknown" in records).  ip is 4 or 16
 * bytes.  Pure, thread-safe. */
uint64_t visitor_hash(const struct visitor_key *k, const unsigned char *ip,
                      size_t ip_len, const char *ua, size_t ua_len);

#endif
