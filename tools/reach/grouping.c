/*
 * grouping: the names of the groupings (see grouping.h).
 */
#include "grouping.h"

#include <string.h>

static const char *const grouping_names[] = {
	[GROUPING_STAFF] = "staff", [GROUPING_CAMPAIGN] = "campaign",
	[GROUPING_TEAM] = "team", [GROUPING_STAFF_CAMPAIGN] = "staff,campaign",
	[GROUPING_COUNTRY] = "country", [GROUPING_PLATFORM] = "platform",
	[GROUPING_DAY] = "day", [GROUPING_HOUR] = "hour",
};

const char *grouping_name(enum grouping by)
{
	return grouping_names[by];
}

int grouping_parse(const char *s)
{
	for (int i = 0; i < GROUPING_N; i++)
		if (strcmp(s, grouping_names[i]) == 0)
			return i;
	return -1;
}

const char *grouping_key_col(enum grouping by)
{
	return by == GROUPING_STAFF_CAMPAIGN ? "staff" : grouping_names[by];
}

const char *grouping_plural(enum grouping by)
{
	static const char *const what[] = {
		[GROUPING_STAFF] = "colleagues", [GROUPING_CAMPAIGN] = "campaigns",
		[GROUPING_TEAM] = "teams",
		[GROUPING_STAFF_CAMPAIGN] = "colleagues' campaigns",
		[GROUPING_COUNTRY] = "countries", [GROUPING_PLATFORM] = "platforms",
		[GROUPING_DAY] = "days", [GROUPING_HOUR] = "hours",
	};
	return what[by];
}
