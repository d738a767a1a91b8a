/*
 * json: the leaderboard as a JSON array of objects (--format json), one
 * per group, "visitors_estimated": true on estimates only.
 */
#ifndef REDIRECTD_JSON_H
#define REDIRECTD_JSON_H

#include <stdio.h>

#include "rank.h"

void json_write(FILE *f, const struct board *b);

#endif
