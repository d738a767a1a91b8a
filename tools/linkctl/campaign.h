/*
 * campaign: what linkctl's campaign commands share (create, posts, list,
 * disable/enable/retarget: campaign_*.c) -- finding a campaign, its links
 * and the colleagues, the target of a colleague's link, and the short
 * URLs printed for them.
 *
 * A campaign's record (store.h) keeps what `create` was given: the target
 * URL as typed (normalized, without utm tags), the team (empty: every
 * colleague) and CAMPAIGN_UTM.  Its links are found by a pass over the
 * links table (there is no index by campaign: a campaign command is rare
 * and a pass over ten million links takes seconds).  A colleague "of the
 * campaign" is one holding a link in it.
 *
 * Functions returning int give 0, or TXN_FAILED (reported), or
 * MDB_MAP_FULL in a write transaction, unless said otherwise.
 */
#ifndef REDIRECTD_LINKCTL_CAMPAIGN_H
#define REDIRECTD_LINKCTL_CAMPAIGN_H

#include <stddef.h>
#include <stdint.h>

#include "codes.h"
#include "config.h"
#include "store.h"
#include "target.h"

/* A short link: the base URL, '/', the code, and the NUL. */
#define CAMPAIGN_SHORT_URL_MAX (CONFIG_STR_MAX + CODE_MAX + 2)

/* One link of a campaign, its code copied (views die with writes). */
struct clink {
	uint32_t id, staff_id;
	uint8_t flags;
	char code[CODE_MAX + 1];
};

/* A growable list the caller frees (free(v)); reused across attempts. */
struct clinks {
	struct clink *v;
	size_t n, cap;
};

/* Every colleague, as views into the transaction; free(v). */
struct cstaff {
	struct staff *v;
	size_t n, cap;
};

/* Look a campaign up by its name as typed ("no campaign" when there is
 * none). */
int campaign_find(MDB_txn *txn, struct store *s, const char *name,
                  struct campaign *c);
/* The links of campaign cid into *out, sorted by colleague id, then link
 * id. */
int campaign_links(MDB_txn *txn, struct store *s, uint32_t cid,
                   struct clinks *out);
/* The first of the colleague's links in the sorted list, or NULL. */
const struct clink *campaign_first_link(const struct clinks *ls,
                                        uint32_t staff_id);
/* Every colleague into *out, in handle order. */
int campaign_staff(MDB_txn *txn, struct store *s, struct cstaff *out);

/*
 * The target of a colleague's link: url, with the utm tags for campaign
 * and handle when utm is set, checked again by the target rules (the
 * tags may take it past TARGET_MAX).  out holds TARGET_MAX + 1 bytes.
 */
int campaign_target(const char *url, int utm, const char *campaign,
                    const char *handle, const struct target_policy *policy,
                    char *out, size_t *out_len);

/*
 * For campaign create and posts, and qr (cmd, its words for messages:
 * "campaign create"): the target policy (policy_load, after
 * --base-url arg when set) and the base URL of short links: --base-url,
 * else base_url from -c FILE.  Returns 0, EXIT_REFUSED or EXIT_USAGE
 * (reported).
 */
int campaign_base_url(const char *cmd, const char *arg,
                      struct target_policy *policy, const char **base);
/* base '/' code into out[CAMPAIGN_SHORT_URL_MAX]. */
void campaign_short_url(char *out, const char *base, const char *code);

#endif
