/*
 * grouping: what reach counts per (--by): the groupings, their names on
 * the command line and in CSV and JSON, and which of them are of people.
 * Group ids per grouping: store ids for staff and campaign; a team number
 * (names.h's team_of) for team; a pair number (groups.h's struct pairs)
 * for staff,campaign; the compact country index (countries.h); the
 * platform; the local day since 1970 or the hour.
 */
#ifndef REDIRECTD_GROUPING_H
#define REDIRECTD_GROUPING_H

enum grouping { GROUPING_STAFF, GROUPING_CAMPAIGN, GROUPING_TEAM,
                GROUPING_STAFF_CAMPAIGN, GROUPING_COUNTRY, GROUPING_PLATFORM,
                GROUPING_DAY, GROUPING_HOUR, GROUPING_N };

/* Is a grouping one of people's (staff, campaign, team, staff and
 * campaign), which get the country and platform columns, rather than one
 * by a field of the record? */
#define GROUPING_PEOPLE(by) ((by) <= GROUPING_STAFF_CAMPAIGN)
/* Does the report name colleagues (handle, name, team columns)? */
#define GROUPING_NAMES_STAFF(by) ((by) == GROUPING_STAFF || \
                                  (by) == GROUPING_STAFF_CAMPAIGN)

/* The --by value of a grouping ("staff,campaign"). */
const char *grouping_name(enum grouping by);

/* The grouping of a --by value, or -1. */
int grouping_parse(const char *s);

/* The first key column of a grouping in CSV and JSON (staff,campaign:
 * staff, then the name and team, then campaign). */
const char *grouping_key_col(enum grouping by);

/* The groups of a grouping in words, plural ("colleagues' campaigns"). */
const char *grouping_plural(enum grouping by);

#endif
