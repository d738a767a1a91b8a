/*
 * mailer: one message handed to the mailer command, settled in the
 * ledger whatever happens to linkctl meanwhile.
 *
 * Each message is written whole into an anonymous file first, which
 * becomes the mailer's standard input: a mailer never reads half a
 * message, even when linkctl dies while it runs (`sendmail -t` would send
 * what it got at end of input).  A child process of its own (the
 * "courier", in its own process group, so a terminal's Ctrl-C reaches
 * linkctl and not the message in flight) claims the message in the
 * ledger, runs the mailer through /bin/sh -c, waits for it and settles
 * the ledger: if linkctl is killed meanwhile the courier still records
 * whether the message went, and a re-run neither loses nor repeats it.
 * The courier tells linkctl the outcome over a pipe.  The courier opens
 * the ledger afresh; linkctl has no ledger open while couriers run, and
 * the store it has open is never touched in the child.
 *
 * Returns 0 or an errno value; never prints (the outcome's reason says
 * what the mailer said).
 */
#ifndef REDIRECTD_LINKCTL_MAILER_H
#define REDIRECTD_LINKCTL_MAILER_H

#include <stddef.h>

#include "ledger.h"

enum mailer_outcome {
	MAILER_SENT,        /* the mailer took it */
	MAILER_FAILED,      /* it did not (reason); the next run tries again */
	MAILER_DONE,        /* already sent by an earlier run */
	MAILER_BUSY,        /* another run is sending it now (seen) */
	MAILER_UNKNOWN,     /* a run died while sending it (seen) */
	MAILER_UNSETTLED,   /* the mailer may have taken it, but that could
	                     * not be told or recorded (reason): the ledger
	                     * keeps it as being sent, for a person to decide */
	MAILER_LOST,        /* the courier died without a word (reason) */
	MAILER_LEDGER,      /* the ledger could not be claimed in (reason):
	                     * nothing was sent */
};

struct mailer_result {
	enum mailer_outcome outcome;
	char reason[LEDGER_REASON_MAX + 1];
	struct ledger_entry seen;   /* BUSY, UNKNOWN: the claim found */
	int courier;                /* its pid */
};

/*
 * Whether cmd's program can be run: its first word, a path or a name
 * looked up in $PATH, is an executable file.  0, or -1 with why in err
 * (nothing has been sent: a typo in --mailer is found before the first
 * message).
 */
int mailer_check(const char *cmd, char *err, size_t errlen);

/*
 * Send msg[0..len) to cmd as the message k of the ledger in ledger_dir
 * (resend: also when it was sent before).  A mailer still running after
 * timeout_ms is killed (its process group) and the message left
 * unsettled: it may have gone.  *r says what happened.
 */
int mailer_send(const char *cmd, const char *ledger_dir,
                const struct ledger_key *k, int resend, unsigned timeout_ms,
                const char *msg, size_t len, struct mailer_result *r);

#endif
