/*
 * utm: the Google Analytics tags (utm_*) a campaign link's target carries,
 * so the destination's own analytics can tell advocacy traffic and each
 * colleague's share apart.  Pure string work; the URL rules stay
 * target.c's (the caller normalizes before and after).
 *
 * The values: utm_source=advocacy (the programme the visit came through),
 * utm_medium=social (what GA4's default channel grouping files as
 * "Organic Social"), utm_campaign=<campaign name>, utm_content=<the
 * colleague's handle>.  Which network a click came from is not known when
 * a link is minted (one link per colleague for every network): the daemon
 * records it per click from the Referer (reach --by platform).
 */
#ifndef REDIRECTD_UTM_H
#define REDIRECTD_UTM_H

#include <stddef.h>

#define UTM_SOURCE "advocacy"
#define UTM_MEDIUM "social"

/*
 * Write url[0..len) to out with the four utm parameters after its own
 * query and before its #fragment.  The query's other parameters stay as
 * they are, in order; parameters already named utm_source, utm_medium,
 * utm_campaign or utm_content are dropped (ours replace them), and so are
 * empty ones ("a=1&&b=2" gives "a=1&b=2").  campaign and content are
 * percent-encoded (RFC 3986 unreserved bytes stay, every other byte is
 * %XX, a space %20: out_pct_encode).  Returns the length written (out is NUL-terminated),
 * or 0 when the result and its NUL would not fit in cap.
 */
size_t utm_tag(const char *url, size_t len, const char *campaign,
               size_t campaign_len, const char *content, size_t content_len,
               char *out, size_t cap);

#endif
