/*
 * request: one parsed request answered, into the connection's output
 * buffer: the path judged (a code, robots.txt, or 404), the link looked up
 * in the worker's read transaction, the redirect or the error written, and
 * for a redirect the click recorded in the worker's batch with its
 * attribution (client address, class, platform, country, visitor).  Every
 * answer is counted by status and noted for the latency histogram.
 *
 * conn.c owns the connection around it; http.c the wire format, store.c
 * the link records, clicklog.c the batch.  Never exits, never prints,
 * allocates nothing.
 */
#include "conn.h"

#include <errno.h>
#include <string.h>

#include "clickid.h"
#include "clickrec.h"
#include "codes.h"
#include "monotime.h"
#include "platform.h"
#include "query.h"

/*
 * /robots.txt: crawlers have no business on short links (each visit is a
 * bot click to file, and the target is what should be indexed), but link
 * previews are the point of sharing one, and the unfurlers that honour
 * robots.txt (X, LinkedIn, Slack, Pinterest...) would show no card under a
 * blanket "Disallow: /".  So: previews allowed, everyone else kept off.
 */
static const char robots_txt[] =
	"# Short links: link previews may fetch them, crawlers need not.\n"
	"User-agent: Twitterbot\n"
	"User-agent: facebookexternalhit\n"
	"User-agent: LinkedInBot\n"
	"User-agent: Slackbot\n"
	"User-agent: Discordbot\n"
	"User-agent: TelegramBot\n"
	"User-agent: WhatsApp\n"
	"User-agent: Pinterestbot\n"
	"User-agent: redditbot\n"
	"Allow: /\n"
	"\n"
	"User-agent: *\n"
	"Disallow: /\n";
_Static_assert(sizeof robots_txt - 1 + HTTP_TEXT_HEAD_MAX <= OUT_RESERVE,
               "robots.txt fits the output reserve");

const int server_status_code[SERVER_STATUS_N] = {
#define X(code) [SERVER_STATUS_##code] = code,
	SERVER_STATUSES(X)
#undef X
};

/* 50 us to 2.5 s: a redirect is tens of microseconds when all is well;
 * the upper buckets catch a stalled disk or loop. */
const uint64_t server_lat_bound_ns[SERVER_LAT_BUCKETS - 1] = {
	50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
	25000000, 50000000, 100000000, 250000000, 1000000000, 2500000000u,
};

static void lat_observe(struct worker *w, uint64_t ns, uint64_t n)
{
	unsigned b = 0;
	while (b < SERVER_LAT_BUCKETS - 1 && ns > server_lat_bound_ns[b])
		b++;
	STAT_ADD(w, lat[b], n);
}

/* The answers to requests that began in earlier passes, measured to now. */
static uint64_t lat_observe_early(struct worker *w, uint64_t now)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < w->n_lat_early; i++) {
		const struct worker_lat *e = &w->lat_early[i];
		uint64_t d = now > e->start_ns ? now - e->start_ns : 0;
		lat_observe(w, d, e->n);
		sum += d * e->n;
	}
	w->n_lat_early = 0;
	return sum;
}

/*
 * The latency histogram.  A request's time runs from the loop pass that
 * read its first byte (w->pass_ns then, kept in c->req_ns) to the moment
 * the pass's responses are released for sending, after the click records
 * of the pass are written (request_observe, called from worker_flush: one
 * clock read per pass).  Pipelined requests read together share the read's
 * time.  Not included: time in the kernel's queues before the read and
 * after the send, and with log_sync = batch the wait for fdatasync.
 */
void request_observe(struct worker *w)
{
	uint64_t now = monotime_ns(), sum = 0;
	if (w->lat_same) {
		uint64_t d = now > w->pass_ns ? now - w->pass_ns : 0;
		lat_observe(w, d, w->lat_same);
		sum += d * w->lat_same;
	}
	sum += lat_observe_early(w, now);
	STAT_ADD(w, lat_sum_ns, sum);
	w->lat_same = 0;
}

/*
 * An answer to a request that began in an earlier pass (its output was
 * full, or held for a sync): noted under its start time.  A connection's
 * answers come one after the other and share their start, so the newest
 * entry is tried first; SERVER_LAT_EARLY distinct starts in one pass are
 * many connections resumed at once.  Past that the noted ones are measured
 * now, a little short of their release (one more clock read), and every
 * answer is still counted exactly once.
 */
static void lat_note_early(struct worker *w, uint64_t start_ns)
{
	for (unsigned i = w->n_lat_early; i-- > 0;)
		if (w->lat_early[i].start_ns == start_ns) {
			w->lat_early[i].n++;
			return;
		}
	if (w->n_lat_early == SERVER_LAT_EARLY)
		STAT_ADD(w, lat_sum_ns, lat_observe_early(w, monotime_ns()));
	w->lat_early[w->n_lat_early++] = (struct worker_lat){ start_ns, 1 };
}

static unsigned status_index(int status)
{
	switch (status) {
#define X(code) case code: return SERVER_STATUS_##code;
	SERVER_STATUSES(X)
#undef X
	default: return SERVER_STATUS_OTHER;
	}
}

/* Every answer: its status counted, its latency noted for the flush. */
static void request_answered(struct conn *c, int status)
{
	struct worker *w = c->w;
	unsigned i = status_index(status);
	STAT_INC(w, status[i]);
	if (c->req_ns == w->pass_ns)
		w->lat_same++;
	else
		lat_note_early(w, c->req_ns);
}

/* conn: enum http_conn.  Error responses always fit: the caller keeps
 * OUT_RESERVE bytes free. */
void request_error(struct conn *c, int status, int head_only, int conn)
{
	struct worker *w = c->w;
	size_t n = http_write_error(c->out->data + c->out_len,
	                            BUF_SIZE - c->out_len, status, w->date, conn,
	                            head_only);
	c->out_len += n;
	request_answered(c, status);
	if (conn == HTTP_CONN_CLOSE)
		conn_set_closing(c);
}

/*
 * Fill the attribution fields of a click: client IP (behind trusted
 * proxies only), class, platform, referrer host, country, visitor, the
 * internal flag and, if configured, the (truncated) IP.  Everything here
 * reads immutable state: no locks, no allocation.
 */
static void request_attribute(struct conn *c, const struct http_request *req,
                              int head, struct click *ck)
{
	struct worker *w = c->w;
	const struct config *cfg = w->p->cfg;
	const struct attrib *at = w->at;
	struct netaddr client = c->peer;
	if (cfg->n_trusted) {
		const struct cidr_list trusted = { (struct cidr *)cfg->trusted,
		                                   cfg->n_trusted };
		enum clientip_source src = clientip_pick(
			&trusted, cfg->real_ip_header, &c->peer,
			req->x_real_ip.p, req->x_real_ip.len,
			req->x_forwarded_for.p, req->x_forwarded_for.len, &client);
		if (src == CLIENTIP_REAL_IP || src == CLIENTIP_FORWARDED)
			STAT_INC(w, forwarded);
		else if (src == CLIENTIP_MALFORMED)
			STAT_INC(w, forwarded_bad);
	}

	const char *ua = req->user_agent.p ? req->user_agent.p : "";
	struct ua_verdict v = ua_classify_memo(at->ua, &w->ua_memo, ua,
	                                       req->user_agent.len);
	/* HEAD is a probe whatever it claims to be (X sends HEADs with
	 * browser user agents for every shared link). */
	ck->class = head ? CLASS_PROBE : v.class;

	const char *host;
	size_t host_len;
	ck->platform = platform_from_referer(req->referer.p, req->referer.len,
	                                     &host, &host_len);
	/* In-app browsers often send no referrer; their UA names the app. */
	if (ck->platform == PLATFORM_NONE && v.platform != PLATFORM_UNKNOWN)
		ck->platform = v.platform;
	if (host_len > CLICKREC_REFHOST_MAX)
		host_len = CLICKREC_REFHOST_MAX;
	for (size_t i = 0; i < host_len; i++) {
		char ch = host[i];
		ck->refhost[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
	}
	ck->refhost_len = (uint8_t)host_len;

	if (at->geo && !geo_country(at->geo, client.b, client.len, ck->country))
		memset(ck->country, 0, 2);
	ck->visitor = visitor_hash(&at->vkey, client.b, client.len, ua,
	                           req->user_agent.len);
	if (cfg->n_internal) {
		const struct cidr_list internal = { (struct cidr *)cfg->internal,
		                                    cfg->n_internal };
		if (cidr_list_contains(&internal, &client))
			ck->flags |= CLICK_F_INTERNAL;
	}
	if (cfg->ip_log != IP_LOG_NONE) {
		struct netaddr kept = client;
		unsigned bits = kept.len * 8;
		if (cfg->ip_log == IP_LOG_TRUNCATED)
			bits = netaddr_truncate(&kept);
		ck->ip_family = kept.len == 4 ? 4 : 6;
		ck->ip_prefix = (uint8_t)bits;
		memcpy(ck->ip, kept.b, kept.len);
	}
	unsigned k = ck->class < CLASS_COUNT ? ck->class : CLASS_UNKNOWN;
	STAT_INC(w, class[k]);
}

/* How an answer ends: conn (enum http_conn), close after it, a HEAD's. */
struct reply {
	int close, conn, head;
};

/*
 * A path that is not a code: rare, so its checks cost the hot path
 * nothing.  One trailing slash (link editors and chat apps add it) is the
 * code itself: its length is returned.  robots.txt is answered; the rest is
 * 404 (percent-encoding is not decoded: no code ever needs it).  0: the
 * request is answered.
 */
static size_t request_odd_path(struct conn *c, const struct http_request *req,
                               const struct reply *r)
{
	struct worker *w = c->w;
	const char *code = req->path.p + 1;
	size_t code_len = req->path.len - 1;
	if (code_len > 1 && code[code_len - 1] == '/' &&
	    code_valid(code, code_len - 1))
		return code_len - 1;
	if (req->path.len == sizeof "/robots.txt" - 1 &&
	    memcmp(req->path.p, "/robots.txt", req->path.len) == 0) {
		c->out_len += http_write_text(c->out->data + c->out_len,
		                              BUF_SIZE - c->out_len, 200,
		                              robots_txt, sizeof robots_txt - 1,
		                              w->date, r->conn, r->head);
		request_answered(c, 200);
		if (r->close)
			conn_set_closing(c);
		return 0;
	}
	STAT_INC(w, not_found);
	request_error(c, 404, r->head, r->conn);
	return 0;
}

/* A redirect's click, attributed, into the worker's batch, under the
 * worker's next click sequence (the one its id, if it had one, was made
 * with: request_click_id). */
static void request_click(struct conn *c, const struct http_request *req,
                          const struct link *l, int status, int head,
                          int with_id, uint64_t now_us)
{
	struct worker *w = c->w;
	struct click ck;
	memset(&ck, 0, sizeof ck);
	ck.time_us = now_us;
	ck.link_id = l->id;
	ck.staff_id = l->staff_id;
	ck.campaign_id = l->campaign_id;
	ck.node_hash = w->p->node_hash;
	ck.status = (uint16_t)status;
	ck.flags = (uint8_t)((head ? CLICK_F_HEAD : 0) |
	                     (with_id ? CLICK_F_CLICKID : 0));
	ck.seq = w->click_seq;
	w->click_seq = (w->click_seq + 1) & CLICKREC_SEQ_MASK;
	request_attribute(c, req, head, &ck);
	clicklog_append(&w->log, &ck);
	STAT_INC(w, clicks);
}

/* A live link, read in the worker's transaction: the redirect to loc (its
 * target, or with the query merged in), then its click. */
static void request_redirect(struct conn *c, const struct http_request *req,
                             const struct link *l, const char *loc,
                             size_t loc_len, int with_id,
                             const struct reply *r, uint64_t now_us)
{
	struct worker *w = c->w;
	int status = l->status;
	if (status != 301 && status != 307 && status != 308)
		status = 302;
	/* The target is copied into the output buffer here, before the
	 * transaction is reset and its pages may be reused. */
	size_t n = http_write_redirect(c->out->data + c->out_len,
	                               BUF_SIZE - c->out_len, status,
	                               loc, loc_len, w->date, r->conn);
	if (n == 0) {
		/* The writer refuses what could split the response. */
		STAT_INC(w, bad_targets);
		request_error(c, 500, r->head, r->conn);
		return;
	}
	c->out_len += n;
	request_answered(c, status);
	if (r->close)
		conn_set_closing(c);
	STAT_INC(w, redirects);
	if (with_id)
		STAT_INC(w, click_ids);
	request_click(c, req, l, status, r->head, with_id, now_us);
}

/* The Location of a link minted with --click-id: loc with the id of the
 * click about to be recorded (this worker's next sequence, this pass's
 * time) as click_id_param, into out.  Its length, or 0 when it would pass
 * TARGET_MAX: the redirect goes without (counted).  A hash and 16 bytes
 * of text: no system call, no allocation. */
static size_t request_click_id(struct conn *c, const char *loc,
                               size_t loc_len, uint64_t now_us, char *out)
{
	struct worker *w = c->w;
	const struct config *cfg = w->p->cfg;
	struct clickid id;
	clickid_make(w->p->node_hash, w->id, now_us, w->click_seq, &id);
	size_t n = clickid_location(loc, loc_len, cfg->click_id_param,
	                            cfg->click_id_param_len, &id, out,
	                            TARGET_MAX);
	if (!n)
		STAT_INC(w, click_ids_skipped);
	return n;
}

void request_handle(struct conn *c, const struct http_request *req,
                    uint64_t now_us)
{
	struct worker *w = c->w;
	const struct server_params *p = w->p;
	struct reply r;
	r.close = !req->keep_alive || w->draining ||
	          p->cfg->keepalive_timeout_ms == 0;
	/* HTTP/1.0 keeps a connection only when the answer says so. */
	r.conn = r.close ? HTTP_CONN_CLOSE
	       : req->minor == 0 ? HTTP_CONN_KEEP_ALIVE : HTTP_CONN_DEFAULT;
	r.head = req->method == HTTP_HEAD;

	STAT_INC(w, requests);
	/* The client asked to close: once its answer is out, close at once,
	 * as nginx does (conn_process keeps the lingering close when it sent
	 * anything more). */
	if (!req->keep_alive)
		c->quick_close = 1;
	if (req->method == HTTP_OTHER) {
		STAT_INC(w, method_not_allowed);
		request_error(c, 405, 0, r.conn);
		return;
	}
	const char *code = req->path.p + 1;
	size_t code_len = req->path.len - 1;
	if (!code_valid(code, code_len) &&
	    !(code_len = request_odd_path(c, req, &r)))
		return;

	const struct store *st = &w->st->store;
	int rc = mdb_txn_renew(w->txn);
	if (rc == MDB_READERS_FULL) {
		/* Slots of dead readers: clear them and try once more. */
		int dead;
		mdb_reader_check(st->env, &dead);
		rc = mdb_txn_renew(w->txn);
	}
	if (rc) {
		STAT_INC(w, store_errors);
		request_error(c, 503, r.head, r.conn);
		return;
	}
	struct link l;
	rc = store_link_get(w->txn, st, code, code_len, &l);
	if (rc == MDB_NOTFOUND) {
		STAT_INC(w, not_found);
		request_error(c, 404, r.head, r.conn);
	} else if (rc == EINVAL) {
		/* A record that does not decode: broken, not unavailable
		 * (503 would invite a retry that fails the same way). */
		STAT_INC(w, bad_targets);
		request_error(c, 500, r.head, r.conn);
	} else if (rc) {
		STAT_INC(w, store_errors);
		request_error(c, 503, r.head, r.conn);
	} else if (l.flags & LINK_DISABLED) {
		STAT_INC(w, disabled);
		request_error(c, (int)p->cfg->disabled_status, r.head, r.conn);
	} else if (!target_servable(l.url, l.url_len)) {
		STAT_INC(w, bad_targets);
		request_error(c, 500, r.head, r.conn);
	} else {
		/* query_passthrough: /CODE?fbclid=y goes to the target with
		 * the parameters the allow-list lets through among its own
		 * (the page's analytics read click ids).  Here, not in
		 * request_redirect: merged in this frame keeps that one small
		 * enough for the compiler to inline. */
		const char *loc = l.url;
		size_t loc_len = l.url_len;
		char merged[TARGET_MAX];
		if (req->query.len && p->cfg->query_passthrough.mode) {
			size_t m = query_merge(l.url, l.url_len, req->query.p,
			                       req->query.len,
			                       &p->cfg->query_passthrough, merged,
			                       sizeof merged);
			/* The query's bytes passed the request parser; held to
			 * the stored targets' rule all the same. */
			if (m && target_servable(merged, m)) {
				loc = merged;
				loc_len = m;
			}
		}
		/* The click's id last, after the passed parameters: the
		 * target's own and the client's come first, ours cannot be
		 * shadowed by a first-value parser reading a client's (none
		 * passes: query_pass_deny). */
		char with_id[TARGET_MAX];
		size_t n = 0;
		if ((l.flags & LINK_CLICK_ID) &&
		    (n = request_click_id(c, loc, loc_len, now_us, with_id))) {
			loc = with_id;
			loc_len = n;
		}
		request_redirect(c, req, &l, loc, loc_len, n != 0, &r, now_us);
	}
	mdb_txn_reset(w->txn);
}
