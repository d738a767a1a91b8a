/*
 * jsonout: the leaderboard as a JSON array of objects (--format json), one
 * per group, "visitors_estimated": true on estimates only, and on every
 * row "visitor_period" and "visitor_unit" (what "visitors" counts: the
 * board's, the same on every row, so the array stays an array).
 */
#ifndef REDIRECTD_JSONOUT_H
#define REDIRECTD_JSONOUT_H

#include <stdio.h>

#include "rank.h"

void jsonout_write(FILE *f, const struct board *b);

#endif
