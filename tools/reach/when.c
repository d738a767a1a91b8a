/*
 * when: parsing times and durations for reach's windows, and the time
 * zone offsets of its day and hour groupings (see when.h).
 */
#include "when.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int when_set_zone(const char *zone)
{
	/* A name, not a path or a POSIX rule: "../x" or "EST5EDT,M3" would
	 * be read as something other than a zone of the database. */
	if (!*zone || zone[0] == '/' || zone[0] == ':' || strstr(zone, ".."))
		return -1;
	for (const char *p = zone; *p; p++)
		if (*p == ',' || *p == ' ' || (unsigned char)*p < 0x20)
			return -1;
	const char *dir = getenv("TZDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir
	         : "/usr/share/zoneinfo", zone);
	if (access(path, R_OK) != 0)
		return -1;
	if (setenv("TZ", zone, 1) != 0)
		return -1;
	tzset();
	return 0;
}

int when_parse(const char *s, int local, uint64_t *us)
{
	if (s[0] == '@') {
		char *end;
		if (s[1] < '0' || s[1] > '9')
			return -1;
		unsigned long long v = strtoull(s + 1, &end, 10);
		if (*end || v > UINT64_MAX / 1000000u)
			return -1;
		*us = (uint64_t)v * 1000000u;
		return 0;
	}
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	int n = 0, len = (int)strlen(s);
	if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	           &n) != 3 || n != 10)
		return -1;
	const char *p = s + 10;
	if (*p == 'T' || *p == ' ') {
		int m = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &m) != 2 ||
		    m != 5)
			return -1;
		p += 1 + m;
		if (*p == ':') {
			if (sscanf(p + 1, "%2d%n", &tm.tm_sec, &m) != 1 || m != 2)
				return -1;
			p += 3;
		}
	}
	int utc = !local;
	if (*p == 'Z') {
		p++;
		utc = 1;
	}
	if (p != s + len)
		return -1;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 59)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	struct tm want = tm;
	time_t t;
	if (utc) {
		t = timegm(&tm);
	} else {
		tm.tm_isdst = -1;
		t = mktime(&tm);
	}
	/* mktime and timegm normalise 02-31 to 03-03: refuse instead. */
	if (t == (time_t)-1 || t < 0 || tm.tm_mday != want.tm_mday ||
	    tm.tm_mon != want.tm_mon)
		return -1;
	*us = (uint64_t)t * 1000000u;
	return 0;
}

int when_duration(const char *s, uint64_t *us)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	uint64_t unit;
	if (strcmp(end, "h") == 0)
		unit = 3600;
	else if (strcmp(end, "d") == 0)
		unit = 86400;
	else if (strcmp(end, "w") == 0)
		unit = 7 * 86400;
	else
		return -1;
	if (v == 0 || v > UINT64_MAX / 1000000u / unit)
		return -1;
	*us = (uint64_t)v * unit * 1000000u;
	return 0;
}

int when_last(const char *s, uint64_t *since)
{
	uint64_t span;
	struct timespec now;
	if (when_duration(s, &span) < 0)
		return -1;
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t us = (uint64_t)now.tv_sec * 1000000u +
	              (uint64_t)now.tv_nsec / 1000u;
	*since = us > span ? us - span : 0;
	return 0;
}

int64_t when_offset_slow(struct when_zone *z, uint64_t us)
{
	time_t t = (time_t)(us / 1000000u);
	struct tm tm;
	int64_t off = 0;
	if (localtime_r(&t, &tm))
		off = (int64_t)tm.tm_gmtoff * 1000000;
	z->lo = us - us % WHEN_QUARTER;
	z->hi = z->lo + WHEN_QUARTER;
	z->off = off;
	return off;
}

void when_day_text(int64_t day, char out[11])
{
	time_t t = (time_t)(day * 86400);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 ||
	    tm.tm_year + 1900 < 0) {
		out[0] = '\0';
		return;
	}
	strftime(out, 11, "%Y-%m-%d", &tm);
}
