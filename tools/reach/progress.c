/* progress: the progress line of long runs (see progress.h). */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void progress_init(struct progress *p, uint64_t total_bytes, size_t files)
{
	const char *d = getenv("REACH_PROGRESS_DELAY_MS");
	p->on = isatty(2);
	p->shown = 0;
	/* Tests set the delay to 0 to see the line on a small log. */
	p->delay_ms = d && *d ? atol(d) : PROGRESS_DELAY_MS;
	p->total = total_bytes;
	p->files = files;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
}

static long progress_ms(const struct timespec *a, const struct timespec *b)
{
	return (long)(b->tv_sec - a->tv_sec) * 1000 +
	       (b->tv_nsec - a->tv_nsec) / 1000000;
}

void progress_update(struct progress *p, uint64_t done, size_t file)
{
	struct timespec now;
	if (!p->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (progress_ms(&p->start, &now) < p->delay_ms ||
	    (p->shown && progress_ms(&p->last, &now) < PROGRESS_EVERY_MS))
		return;
	p->last = now;
	p->shown = 1;
	double secs = (double)progress_ms(&p->start, &now) / 1000.0;
	fprintf(stderr, "\r\033[Kreach: segment %zu of %zu, %.1f of %.1f GB "
	        "(%.0f%%), %.0f MB/s", file, p->files, (double)done / 1e9,
	        (double)p->total / 1e9,
	        p->total ? 100.0 * (double)done / (double)p->total : 100.0,
	        secs > 0 ? (double)done / 1e6 / secs : 0.0);
	fflush(stderr);
}

void progress_end(struct progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->shown = 0;
	}
}
