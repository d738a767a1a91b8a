/*
 * output: where the leaderboard goes and in which format: stdout, or the
 * file of --output, which appears whole or not at all (a temporary file
 * renamed); table.h, csv.h, json.h or the HTML report (report.h, handed
 * what it reads beyond the rows); and, after it, the notes on stderr: how
 * many figures are estimates, or why nothing was counted.
 */
#ifndef REDIRECTD_OUTPUT_H
#define REDIRECTD_OUTPUT_H

#include "count.h"
#include "damage.h"
#include "files.h"
#include "names.h"
#include "opts.h"
#include "rank.h"

/* Write b as o asks.  The HTML report reads the segments of F again with
 * C's window and zone and nm's filters, and shows the damaged records D
 * the count skipped (--skip-damaged; the other formats leave that to the
 * note on stderr, as for estimates).  Returns 0, or -1 after reporting
 * (no file of --output left behind). */
int output_write(const struct opts *o, const struct board *b, struct count *C,
                 const struct names *nm, const struct files *F,
                 const struct damage *D);

/* When nothing was counted, a note on stderr saying why: no segments, no
 * records in them (read: the whole records read), or none in the window
 * and filters of o.  The report stays as it is (exit status 0). */
void output_note_nothing(const struct opts *o, const struct board *b,
                         uint64_t read);

#endif
