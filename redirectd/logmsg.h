/*
 * logmsg: the daemon's messages to the operator, one line each on stderr
 * as "redirectd: ..." (journald and the tests read them there).
 *
 * Main thread only: startup (before the workers run) and the main loop's
 * reports (store swaps, rotations, dropped records, reloads).  Workers and
 * the request path never print: they count.
 */
#ifndef REDIRECTD_LOGMSG_H
#define REDIRECTD_LOGMSG_H

void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
