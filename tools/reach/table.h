/*
 * table: the leaderboard as a text table for a terminal (--format table,
 * the default): aligned columns, estimates marked ~, and a totals line.
 */
#ifndef REDIRECTD_TABLE_H
#define REDIRECTD_TABLE_H

#include <stdio.h>

#include "rank.h"

void table_write(FILE *f, const struct board *b);

#endif
