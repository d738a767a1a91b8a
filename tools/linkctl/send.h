/*
 * send: campaign posts --send -- each colleague's message handed to the
 * mailer (mailer.c) once, as the ledger (ledger.c) keeps count; the
 * colleagues it skips and why; what a run did, in one line, and every
 * colleague it could not mail, by name and reason.  With dry_run: what
 * would be sent to whom, on standard output, and nothing sent or written.
 *
 * The messages are rendered first, into a queue, while the store's read
 * transaction is open; send_run mails them after it ended, so a run of
 * thousands of messages pins no old pages of the store, and the ledger
 * is read once at the start (its records of this message) and then only
 * by the couriers, so no long reader pins the ledger's pages either.
 *
 * SIGINT, SIGTERM and SIGHUP (unless ignored when linkctl started) stop a
 * run between two messages (the one in flight is finished and recorded):
 * the next run sends the rest.
 */
#ifndef REDIRECTD_LINKCTL_SEND_H
#define REDIRECTD_LINKCTL_SEND_H

#include <stddef.h>
#include <stdint.h>

struct send_item;

struct send {
	/* Set by the caller. */
	const char *mailer;     /* the command line */
	const char *ledger_dir;
	const char *store_dir;  /* the ledger must not be the store */
	unsigned timeout_ms;    /* mailer_timeout */
	int resend, dry_run;
	uint32_t campaign;
	uint64_t message;       /* ledger_message of the template and label */
	/* The queue. */
	struct send_item *items;
	size_t n, cap;
	char *text;             /* handles, addresses, subjects, messages */
	size_t len, text_cap;
	/* What the run did. */
	size_t sent, already, busy, unknown, failed;
	size_t opted_out, no_address, disabled;
};

/* The ledger's default place: "mail-ledger" beside the store's
 * directory.  0, or -1 when it does not fit outlen. */
int send_ledger_dir(const char *store_dir, char *out, size_t outlen);

/* A colleague left out (counted for the run's line; the caller warns). */
void send_skip_opted_out(struct send *s);
void send_skip_no_address(struct send *s);
void send_skip_disabled(struct send *s);

/* Queue one colleague's message msg[0..len), as posts_mail_message made
 * it, to addr, with its subject for the dry run's listing.  0, or ENOMEM
 * (nothing queued). */
int send_queue(struct send *s, uint32_t staff_id, const char *handle,
               const char *addr, const char *subject, size_t subject_len,
               const char *msg, size_t len);

/*
 * Mail the queue (or list it, dry_run), then print the run's line on
 * standard error ("campaign 'NAME': 3 sent, 2 already sent, ...").
 * Returns the exit status: 0, or EXIT_REFUSED when the ledger cannot be
 * written (nothing sent), a message failed or its fate is unknown, or a
 * signal stopped the run.
 */
int send_run(struct send *s, const char *campaign_name);

void send_free(struct send *s);

#endif
