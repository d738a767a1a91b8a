/*
 * csvout: the leaderboard as CSV with a header line (--format csv), one row
 * per group; the columns are those of the grouping (see reach(1)).  Names
 * that a spreadsheet would run as formulas are written as text unless mode
 * is OUT_CSV_RAW (out.h).
 */
#ifndef REDIRECTD_CSVOUT_H
#define REDIRECTD_CSVOUT_H

#include <stdio.h>

#include "out.h"
#include "rank.h"

void csvout_write(FILE *f, const struct board *b, enum out_csv mode);

#endif
