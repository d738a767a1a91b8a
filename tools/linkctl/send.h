/*
 * send: campaign posts --send -- each colleague's message handed to the
 * mailer (mailer.c) once, as the ledger (ledger.c) keeps count; the
 * colleagues it skips and why; what a run did, in one line, and every
 * colleague it could not mail, by name and reason.  With dry_run: what
 * would be sent to whom, on standard output, and nothing sent or written.
 *
 * SIGINT, SIGTERM and SIGHUP stop a run between two messages (the one in
 * flight is finished and recorded): the next run sends the rest.
 */
#ifndef REDIRECTD_LINKCTL_SEND_H
#define REDIRECTD_LINKCTL_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "ledger.h"

struct send {
	/* Set by the caller before send_begin. */
	const char *mailer;     /* the command line */
	const char *ledger_dir;
	int resend, dry_run;
	uint32_t campaign;
	uint64_t message;       /* ledger_message of the template and label */
	/* What the run did. */
	size_t sent, already, busy, unknown, failed, opted_out, no_address;
	/* The ledger as it was when the run began (for dry_run and to pass
	 * over what was sent without a process each). */
	struct ledger snap;
	MDB_txn *snap_txn;
};

/* The ledger's default place: "mail-ledger" beside the store's
 * directory.  out has room for 4096 bytes.  0, or -1 when too long. */
int send_ledger_dir(const char *store_dir, char *out, size_t outlen);

/* Open the snapshot and set up the signals.  0 or EXIT_REFUSED
 * (reported). */
int send_begin(struct send *s);

/* 1 once a signal asked the run to stop. */
int send_stopped(void);

/* A colleague skipped before any message: opted out, or no usable
 * address (counted; reported by the caller). */
void send_skip_opted_out(struct send *s);
void send_skip_no_address(struct send *s);

/*
 * One colleague's message msg[0..len) (as posts_mail_message made it),
 * to addr, for the dry run's listing with subject[0..subject_len).  Reports a failure
 * naming handle.  0, or EXIT_REFUSED when the run cannot go on (the
 * ledger cannot be written; reported).
 */
int send_one(struct send *s, uint32_t staff_id, const char *handle,
             const char *addr, const char *subject, size_t subject_len,
             const char *msg, size_t len);

/* The run's line on standard error ("campaign 'NAME': 3 sent, 2 already
 * sent, ..."), the snapshot closed.  Returns the exit status: 0, or
 * EXIT_REFUSED when a message failed, is unknown, or the run was
 * stopped. */
int send_end(struct send *s, const char *campaign_name);

#endif
