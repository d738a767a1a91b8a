/*
 * visitor: the pseudonymous visitor id of a click.
 *
 * A visitor is XXH3 of the client IP and User-Agent under a secret derived
 * from a 128-bit salt.  The raw IP is never stored: the hash is what lets
 * reach count unique humans.  xxHash is not a cryptographic hash: the id
 * stays pseudonymous only while the salt is secret (a leaked salt lets
 * anyone invert IPv4 addresses by brute force), so the salt never appears
 * in a log and is replaced daily.
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

/* Derive the hashing secret from a salt.  Pure. */
void visitor_key_init(struct visitor_key *k, const unsigned char salt[VISITOR_SALT_LEN]);

/* Fill salt with random bytes from getrandom().  0 or a negative errno. */
int visitor_salt_new(unsigned char salt[VISITOR_SALT_LEN]);

/* The visitor id; never 0 (0 means "unknown" in records).  ip is 4 or 16
 * bytes.  Pure, thread-safe. */
uint64_t visitor_hash(const struct visitor_key *k, const unsigned char *ip,
                      size_t ip_len, const char *ua, size_t ua_len);

#endif
