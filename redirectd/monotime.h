/*
 * monotime: the daemon's one clock for intervals and deadlines
 * (CLOCK_MONOTONIC: never steps with the wall clock).  Wall-clock time
 * (click times, Date:) comes from libevent's cached time or time(2), not
 * from here.
 *
 * static inline: the workers read it once per event-loop pass on the
 * request path, where a call into another file would cost every pass.
 */
#ifndef REDIRECTD_MONOTIME_H
#define REDIRECTD_MONOTIME_H

#include <stdint.h>
#include <time.h>

static inline uint64_t monotime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t monotime_ms(void)
{
	return monotime_ns() / 1000000;
}

#endif
