/*
 * geo: the country of a client address, from a MaxMind DB (MMDB) file.
 *
 * Owns loading a country database into private memory, checking it, and the
 * per-request look-up.  It does not decide where the database lives, when to
 * reload it, or what a click record stores for "unknown": the caller does.
 *
 * A loaded database never changes and never sees its file again: geo_open
 * copies the file into sealed anonymous memory, so the file may be
 * overwritten in place, truncated or deleted while the daemon runs (with
 * libmaxminddb's own mmap of the file, `cp new old` could kill a reader with
 * SIGBUS).  To reload: geo_open the new file, swap the pointer the workers
 * read, and geo_close the old one once no worker can still be using it.
 * A failed geo_open (file missing, half-written, not an MMDB) leaves the
 * caller's current database untouched.
 *
 * Needs /proc mounted (libmaxminddb can only open a path: the copy is opened
 * as /proc/self/fd/N).
 */
#ifndef REDIRECTD_GEO_H
#define REDIRECTD_GEO_H

#include <stddef.h>
#include <stdint.h>

/* One loaded database: immutable, shareable read-only between threads. */
struct geo;

/* Load the database at path.  Returns 0 and a new *out (the caller owns it:
 * geo_close), or -1 with a message in err (path missing or unreadable, not
 * an MMDB, truncated, changed while being read, corrupt search tree).  A
 * valid database without country data is not an error: it loads, every
 * geo_country answers 0, and geo_describe says "no country data".
 * Startup / main-thread zone: reads the whole file and every tree node,
 * may block: ~25 ms for an 8 MB country database (DB-IP lite), ~0.7 s for
 * a 63 MB city one.  Memory: the file's size, plus 8 bytes per distinct
 * record times 2 to 4 (a few KB for country databases). */
int geo_open(const char *path, struct geo **out, char *err, size_t errlen);

/* Free g and its memory.  g may be NULL.  No thread may still be in
 * geo_country on g. */
void geo_close(struct geo *g);

/* The ISO 3166-1 alpha-2 country of an address: ip is 4 bytes (IPv4) or 16
 * (IPv6, network order; IPv4-mapped ::ffff:a.b.c.d is looked up as IPv4).
 * Returns 1 and writes 2 upper-case letters to cc (not NUL-terminated), or
 * 0 for unknown: not in the database, a private / loopback / link-local /
 * multicast / reserved address, no country field, a malformed value, or
 * the "ZZ" (unknown) code.  Thread-safe, no allocation, no system calls:
 * for the request path. */
int geo_country(const struct geo *g, const uint8_t *ip, size_t ip_len,
                char cc[2]);

/* One line for logs: path, database type, build time, node count, IP
 * version, which layout the country is read from, bytes held in memory.
 * Always NUL-terminates out (if cap > 0); truncates to fit. */
void geo_describe(const struct geo *g, char *out, size_t cap);

#endif
