/*
 * shipstate: reach ship's state file, one line per segment,
 * "RECORDS<TAB>SEGMENT NAME": how many records of it ClickHouse has
 * accepted.  Loaded once; replaced atomically (temporary file, fsync,
 * rename, fsync of the directory) by shipstate_save, which ship.c calls
 * after every batch ClickHouse answered 200 to, and only then.  Segments
 * are named by their base name, which the daemon makes unique across
 * nodes (NODE.TIME.wN.clk).
 */
#ifndef REDIRECTD_SHIPSTATE_H
#define REDIRECTD_SHIPSTATE_H

#include <stddef.h>
#include <stdint.h>

struct shipstate_seg {
	char *name;             /* base name, the state's key */
	uint64_t done;          /* records ClickHouse accepted */
	uint64_t first, sent;   /* this run: first record sent, how many */
};

/* All zero but path: an empty state. */
struct shipstate {
	const char *path;
	struct shipstate_seg **segs;   /* sorted by name; each its own
	                                * allocation: pointers to them stay
	                                * valid as the array grows */
	size_t n, cap;
};

/* Read the file; a missing one is an empty state.  Returns 0, or -1
 * after reporting. */
int shipstate_load(struct shipstate *T);

/* Write the file anew.  Returns 0, or -1 after reporting (the old file
 * stays). */
int shipstate_save(const struct shipstate *T);

/* The segment called name, or NULL. */
struct shipstate_seg *shipstate_find(const struct shipstate *T,
                                     const char *name);

/* Add a segment (not there yet) with done records.  Returns it, or NULL
 * out of memory. */
struct shipstate_seg *shipstate_add(struct shipstate *T, const char *name,
                                    uint64_t done);

void shipstate_free(struct shipstate *T);

#endif
