/*
 * jsonout: the leaderboard as a JSON array of objects (--format json), one
 * per group, "visitors_estimated": true on estimates only.
 */
#ifndef REDIRECTD_JSONOUT_H
#define REDIRECTD_JSONOUT_H

#include <stdio.h>

#include "rank.h"

void jsonout_write(FILE *f, const struct board *b);

#endif
