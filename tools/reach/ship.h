/*
 * ship: `reach ship`, the click records of the segments into a ClickHouse
 * table over its HTTP interface, in batches, remembering per segment how
 * far it got (conf/clickhouse.sql has the table and the queries).
 */
#ifndef REDIRECTD_SHIP_H
#define REDIRECTD_SHIP_H

/* Run `reach ship` with argv[0] == "ship".  Returns the exit status: 0,
 * 1 for an error (after reporting), 2 for a usage error. */
int ship_main(int argc, char **argv);

#endif
