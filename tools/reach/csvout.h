/*
 * csvout: the leaderboard as CSV with a header line (--format csv), one row
 * per group; the columns are those of the grouping (see reach(1)).
 */
#ifndef REDIRECTD_CSVOUT_H
#define REDIRECTD_CSVOUT_H

#include <stdio.h>

#include "rank.h"

void csvout_write(FILE *f, const struct board *b);

#endif
