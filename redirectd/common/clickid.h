/*
 * clickid: the id a redirect hands the target site for one click, so the
 * site can report an outcome (a signature, a sign-up) against it and reach
 * can credit the colleague whose link brought it.
 *
 * The id is what names the click's record: the segment's node and worker,
 * the record's time and its click sequence (clickrec.h), hashed (XXH3-128)
 * and cut to 96 bits, written as 16 characters of base64url.  Nothing in
 * it can be read back: no address, no visitor hash, no colleague.  reach
 * finds the record by computing the id of every record that carried one
 * (CLICK_F_CLICKID) and looking it up among the ids of the conversions.
 *
 * Unique as long as one worker never stamps two records with the same time
 * and sequence: the sequence counts every click of the worker, so that
 * takes 2^24 clicks in one microsecond, or the clock stepped back onto a
 * microsecond that already had a click whose sequence was 2^24 clicks
 * apart.  reach counts two records with one id as a collision, never
 * guesses between them.
 *
 * Pure, thread-safe; no allocation.
 */
#ifndef REDIRECTD_CLICKID_H
#define REDIRECTD_CLICKID_H

#include <stddef.h>
#include <stdint.h>

#define CLICKID_BYTES 12    /* 96 bits */
#define CLICKID_LEN 16      /* its text: base64url, no padding */
#define CLICKID_PARAM_DEFAULT "rd_click"
#define CLICKID_PARAM_MAX 32

struct clickid {
	unsigned char b[CLICKID_BYTES];
};

/* The id of a record: node_hash and worker from its segment's header,
 * time_us and seq from the record. */
void clickid_make(uint32_t node_hash, uint32_t worker, uint64_t time_us,
                  uint32_t seq, struct clickid *id);

/* Its text: exactly CLICKID_LEN bytes at out, not NUL-terminated. */
void clickid_format(const struct clickid *id, char out[CLICKID_LEN]);

/* Text back to an id: exactly CLICKID_LEN base64url characters (16 of 6
 * bits are the 96: every id has one spelling, every such text is an id,
 * most of them of no click).  0, or -1. */
int clickid_parse(const char *s, size_t len, struct clickid *id);

/* A hash of an id for tables (its first 8 bytes: already uniform). */
uint64_t clickid_key(const struct clickid *id);

/* Is name fit for click_id_param: 1 to CLICKID_PARAM_MAX bytes of
 * [A-Za-z0-9_.-], not starting with "utm" in any case (those names are
 * the --utm tags').  1 yes, 0 no. */
int clickid_param_valid(const char *name, size_t len);

/* The Location for a click with an id: url with "param=ID" added as its
 * last parameter, before any #fragment ('?' or '&' as the url needs; none
 * after a trailing '?' or '&').  Writes to out (not NUL-terminated) and
 * returns the length, or 0 when it would pass cap: serve url without the
 * id.  Pure, no allocation, one pass over url. */
size_t clickid_location(const char *url, size_t url_len, const char *param,
                        size_t param_len, const struct clickid *id, char *out,
                        size_t cap);

#endif
