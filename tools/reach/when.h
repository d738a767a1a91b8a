/*
 * when: the times of reach's windows and groupings: a time or date
 * typed on the command line, in UTC or in a time zone (--tz), a relative
 * window (--last 7d), and the zone's offset at a record's time, cheap
 * enough for the counting loop.  It owns nothing else of reach; the zone
 * itself is the C library's (TZ and the TZ database).
 */
#ifndef REDIRECTD_WHEN_H
#define REDIRECTD_WHEN_H

#include <stdint.h>

/* Make ZONE (an IANA name such as "Europe/Paris", or "UTC") the process's
 * local time zone (sets TZ).  Returns 0, or -1 when the TZ database has
 * no such zone (glibc would silently use UTC). */
int when_set_zone(const char *zone);

/*
 * Parse "YYYY-MM-DD", "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS" (a space
 * may replace the T) as a time in the zone set by when_set_zone when
 * local is 1, in UTC when 0 or with a trailing Z; or "@SECONDS".  A local
 * time that a clock change skips is taken as the time after it, one that
 * happens twice as the first.  Returns 0 and microseconds, or -1.
 */
int when_parse(const char *s, int local, uint64_t *us);

/* Parse a duration "N" followed by h, d or w ("7d") into microseconds.
 * Returns 0, or -1. */
int when_duration(const char *s, uint64_t *us);

/* --last SPAN: the start of the window that ends now and lasts the
 * duration s (when_duration), in microseconds (0 for a span longer than
 * the time since 1970).  Returns 0, or -1 for a bad span. */
int when_last(const char *s, uint64_t *since);

/*
 * The zone's UTC offset at a record's time.  Offsets are looked up with
 * localtime_r once per quarter hour of log time and cached: records come
 * in time order within a segment, so the loop meets the C library about
 * 100 times a day of log, not once a record.  Every zone of the current
 * TZ database changes its offset on a quarter hour UTC.
 */
struct when_zone {
	int local;          /* 0: UTC, offset 0 */
	uint64_t lo, hi;    /* [lo, hi) microseconds with offset off */
	int64_t off;        /* microseconds to add to UTC */
};

#define WHEN_QUARTER 900000000ull   /* microseconds */

int64_t when_offset_slow(struct when_zone *z, uint64_t us);

static inline int64_t when_offset(struct when_zone *z, uint64_t us)
{
	if (!z->local)
		return 0;
	if (us - z->lo < z->hi - z->lo)
		return z->off;
	return when_offset_slow(z, us);
}

/* Days since 1970-01-01 of a local day number: "YYYY-MM-DD" into out[11]. */
void when_day_text(int64_t day, char out[11]);

#endif
