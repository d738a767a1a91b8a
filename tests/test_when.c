/* Unit tests of when.c: times typed on the command line, --last
 * spans, and the cached zone offsets of --tz. */
#include <stdint.h>
#include <stdlib.h>

#include "when.h"
#include "tap.h"

#define S 1000000ull    /* microseconds per second */

int main(void)
{
	uint64_t us;

	/* UTC. */
	ok(when_parse("2026-03-29", 0, &us) == 0 && us == 1774742400 * S,
	   "a date, UTC");
	ok(when_parse("2026-03-29T01:00", 0, &us) == 0 &&
	   us == 1774746000 * S, "a date-time, UTC");
	ok(when_parse("2026-03-29 01:00:30Z", 0, &us) == 0 &&
	   us == 1774746030 * S, "a space, seconds and Z");
	ok(when_parse("@1774742400", 0, &us) == 0 && us == 1774742400 * S,
	   "@SECONDS");
	const char *bad[] = { "", "2026-3-29", "2026-02-30", "2026-13-01",
	                      "2026-03-29T24:00", "2026-03-29T01:00:60",
	                      "2026-03-29X", "@", "@-5", "@12x", "yesterday",
	                      "2026-03-29T1:00" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ok(when_parse(bad[i], 0, &us) < 0, "refused: '%s'", bad[i]);

	/* Durations. */
	ok(when_duration("7d", &us) == 0 && us == 7 * 86400 * S, "7d");
	ok(when_duration("3h", &us) == 0 && us == 3 * 3600 * S, "3h");
	ok(when_duration("2w", &us) == 0 && us == 14 * 86400 * S, "2w");
	const char *badd[] = { "7", "d", "0d", "-1d", "7m", "7dd", " 7d",
	                       "99999999999999999999d" };
	for (size_t i = 0; i < sizeof badd / sizeof *badd; i++)
		ok(when_duration(badd[i], &us) < 0, "refused span: '%s'",
		   badd[i]);

	/* Zones. */
	ok(when_set_zone("Mars/Olympus") < 0, "no such zone");
	ok(when_set_zone("../../etc/passwd") < 0, "a path is no zone");
	ok(when_set_zone("EST5EDT,M3.2.0,M11.1.0") < 0,
	   "a POSIX rule is no zone name");
	if (when_set_zone("Europe/Paris") < 0) {
		ok(0, "Europe/Paris in the TZ database (package tzdata)");
		return tap_done();
	}
	ok(when_parse("2026-03-29", 1, &us) == 0 &&
	   us == (1774742400 - 3600) * S, "local midnight, winter (+1)");
	ok(when_parse("2026-03-29T03:00", 1, &us) == 0 &&
	   us == 1774746000 * S, "local 03:00 after the change (+2)");
	ok(when_parse("2026-03-29T03:00Z", 1, &us) == 0 &&
	   us == (1774746000 + 7200) * S, "Z stays UTC with a zone");

	struct when_zone z = { .local = 1 };
	int64_t h = 3600 * (int64_t)S;
	is_int(when_offset(&z, 1774745940 * S), h, "00:59Z: +1");
	is_int(when_offset(&z, 1774745999 * S), h,
	       "00:59:59Z: +1 (cached)");
	is_int(when_offset(&z, 1774746000 * S), 2 * h, "01:00Z: +2");
	is_int(when_offset(&z, 1774745940 * S), h, "back in time: +1");
	struct when_zone utc = { .local = 0 };
	is_int(when_offset(&utc, 1774746000 * S), 0, "UTC: 0");

	/* Kathmandu is +5:45: its quarter hours are still whole. */
	when_set_zone("Asia/Kathmandu");
	struct when_zone k = { .local = 1 };
	is_int(when_offset(&k, 1774746000 * S), (5 * 60 + 45) * 60 * S,
	       "Asia/Kathmandu: +5:45");

	char day[11];
	when_day_text(20541, day);
	is_str(day, "2026-03-29", "day 20541");
	when_day_text(0, day);
	is_str(day, "1970-01-01", "day 0");
	return tap_done();
}
