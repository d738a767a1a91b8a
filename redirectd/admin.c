/*
 * admin: the admin listener and its connections.  See admin.h for the
 * contract; metrics.c writes the pages it serves.
 */
#include "admin.h"

#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "monotime.h"
#include "net.h"

struct admin_conn {
	struct admin *a;
	unsigned slot;              /* its index in a->conns */
	int fd;
	struct event *rev, *wev;
	char in[HTTP_HEAD_MAX];
	size_t in_len;
	struct text out;
	size_t out_off;             /* sent of out */
	uint64_t deadline_ms;       /* monotonic: the head's, or the idle one */
	int idle;                   /* between requests, nothing of the next */
	int paused;                 /* output over ADMIN_OUT_MAX: not reading */
	int closing;
};

static struct timeval tv_ms(uint64_t ms)
{
	return (struct timeval){ (time_t)(ms / 1000),
	                         (suseconds_t)(ms % 1000) * 1000 };
}

/* --- connections ---------------------------------------------------------- */

static void admin_conn_close(struct admin_conn *c)
{
	struct admin *a = c->a;
	struct admin_conn *last = a->conns[--a->n_conns];
	a->conns[c->slot] = last;
	last->slot = c->slot;
	event_free(c->rev);
	event_free(c->wev);
	close(c->fd);
	text_free(&c->out);
	free(c);
	if (a->accept_paused && a->lev && event_add(a->lev, NULL) == 0)
		a->accept_paused = 0;   /* a slot is free: the queue's turn */
}

/* Read events with a timeout at the deadline: EV_PERSIST would re-arm a
 * plain timeout on every byte, which is how a trickling client used to
 * hold a connection forever. */
static void admin_conn_arm(struct admin_conn *c)
{
	uint64_t now = monotime_ms();
	struct timeval tv = tv_ms(c->deadline_ms > now ? c->deadline_ms - now
	                                               : 0);
	if (event_add(c->rev, &tv) < 0)
		c->closing = 1;
}

/* Out of memory: what fitted is sent, then the connection closes. */
static void out_put(struct admin_conn *c, const char *p, size_t n)
{
	text_put(&c->out, p, n);
	if (c->out.oom)
		c->closing = 1;
}

static void respond(struct admin_conn *c, int status, const char *ctype,
                    const struct text *body, int head, int conn)
{
	char date[30], hdr[512];
	http_format_date((int64_t)time(NULL), date);
	int n = snprintf(hdr, sizeof hdr,
	                 "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: %s\r\n"
	                 "Content-Length: %zu\r\nCache-Control: no-store\r\n%s\r\n",
	                 status, http_reason(status), date, ctype, body->len,
	                 conn == HTTP_CONN_CLOSE ? "Connection: close\r\n"
	                 : conn == HTTP_CONN_KEEP_ALIVE
	                 ? "Connection: keep-alive\r\n" : "");
	out_put(c, hdr, (size_t)n);
	if (!head)
		out_put(c, body->p, body->len);
}

static void reply_error(struct admin_conn *c, int status, int head, int conn)
{
	char buf[512];
	char date[30];
	http_format_date((int64_t)time(NULL), date);
	size_t n = http_write_error(buf, sizeof buf, status, date, conn, head);
	out_put(c, buf, n);
	if (conn == HTTP_CONN_CLOSE)
		c->closing = 1;
}

static int path_is(const struct http_request *r, const char *p)
{
	return r->path.len == strlen(p) && !memcmp(r->path.p, p, r->path.len);
}

static void handle(struct admin_conn *c, const struct http_request *req)
{
	struct admin *a = c->a;
	int head = req->method == HTTP_HEAD;
	int conn = !req->keep_alive ? HTTP_CONN_CLOSE
	         : req->minor == 0 ? HTTP_CONN_KEEP_ALIVE : HTTP_CONN_DEFAULT;
	a->served++;
	if (req->method == HTTP_OTHER) {
		reply_error(c, 405, 0, conn);
		return;
	}
	struct text t = { 0 };
	if (path_is(req, "/metrics")) {
		metrics_render(a->metrics, a->served, &t);
		if (!t.oom)
			respond(c, 200, "text/plain; version=0.0.4; charset=utf-8",
			        &t, head, conn);
	} else if (path_is(req, "/healthz")) {
		int bad = metrics_health(a->metrics, &t);
		if (!t.oom)
			respond(c, bad ? 503 : 200, "text/plain; charset=utf-8", &t,
			        head, conn);
	} else {
		reply_error(c, 404, head, conn);
		return;
	}
	if (t.oom)
		reply_error(c, 503, head, HTTP_CONN_CLOSE);
	text_free(&t);
	if (conn == HTTP_CONN_CLOSE)
		c->closing = 1;
}

/* Parse and answer the whole requests in the input, while the unsent
 * output is under ADMIN_OUT_MAX; past it, stop reading (paused) until
 * admin_conn_flush has sent it all. */
static void admin_conn_process(struct admin_conn *c)
{
	size_t off = 0;
	while (off < c->in_len && !c->closing) {
		if (c->out.len - c->out_off >= ADMIN_OUT_MAX) {
			c->paused = 1;
			event_del(c->rev);
			break;
		}
		struct http_request req;
		int rc = http_parse(c->in + off, c->in_len - off, &req);
		if (rc == HTTP_INCOMPLETE && !(off == 0 && c->in_len == sizeof c->in))
			break;
		if (rc == HTTP_INCOMPLETE)
			rc = HTTP_ERR_HEADERS_TOO_LARGE;
		if (rc < 0) {
			reply_error(c, http_error_status(rc), req.method == HTTP_HEAD,
			      HTTP_CONN_CLOSE);
			break;
		}
		off += (size_t)rc;
		handle(c, &req);
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	if (c->closing) {
		c->in_len = 0;
		event_del(c->rev);
		return;
	}
	if (off) {
		/* What is left is the start of the next head, read in this
		 * pass (or waiting since a pause): its deadline runs from
		 * now.  Nothing left: idle until the next byte. */
		c->idle = c->in_len == 0;
		c->deadline_ms = monotime_ms() +
		                 (c->idle ? ADMIN_IDLE_MS : c->a->header_ms);
	}
}

static void admin_conn_flush(struct admin_conn *c)
{
	for (;;) {
		int rc = net_send(c->fd, c->out.p, c->out.len, &c->out_off);
		if (rc > 0) {
			/* A client that does not read is closed as an idle
			 * one is (the timeout restarts whenever it takes
			 * some). */
			struct timeval idle = tv_ms(ADMIN_IDLE_MS);
			event_add(c->wev, &idle);
			return;
		}
		if (rc < 0) {
			admin_conn_close(c);
			return;
		}
		c->out_off = c->out.len = 0;
		event_del(c->wev);
		if (c->closing) {
			admin_conn_close(c);
			return;
		}
		if (!c->paused)
			return;
		/* Drained: that was progress, so the head waiting in the
		 * input (if any) gets a fresh deadline; answer what is
		 * waiting, then read again (unless that filled the output). */
		c->paused = 0;
		c->deadline_ms = monotime_ms() +
		                 (c->in_len ? c->a->header_ms : ADMIN_IDLE_MS);
		admin_conn_process(c);
		if (!c->paused && !c->closing)
			admin_conn_arm(c);
	}
}

static void admin_conn_read(evutil_socket_t fd, short what, void *arg)
{
	struct admin_conn *c = arg;
	if (what & EV_TIMEOUT) {
		/* The head's deadline (or the idle one) passed: closed
		 * without an answer, as the public port does. */
		admin_conn_close(c);
		return;
	}
	if (c->closing || c->paused)
		return;   /* an event already queued in this pass */
	ssize_t n = read(fd, c->in + c->in_len, sizeof c->in - c->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		admin_conn_close(c);
		return;
	}
	if (c->in_len == 0 && c->idle) {
		/* The first byte of a request after a keep-alive pause. */
		c->idle = 0;
		c->deadline_ms = monotime_ms() + c->a->header_ms;
	}
	c->in_len += (size_t)n;
	admin_conn_process(c);
	if (!c->paused && !c->closing)
		admin_conn_arm(c);
	admin_conn_flush(c);
}

static void admin_conn_write(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	if (what & EV_TIMEOUT)
		admin_conn_close(arg);
	else
		admin_conn_flush(arg);
}

static void admin_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct admin *a = arg;
	(void)what;
	for (int i = 0; i < 16; i++) {
		if (a->n_conns >= ADMIN_CONNS_MAX) {
			/* Full: the rest wait in the listen queue, in order,
			 * until a connection closes (admin_conn_close), which
			 * the head deadline bounds.  Accepting and closing
			 * them instead would let trickling clients that hold
			 * every slot keep /healthz out for good. */
			event_del(a->lev);
			a->accept_paused = 1;
			return;
		}
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct admin_conn *c = calloc(1, sizeof *c);
		if (!c) {
			close(fd);
			continue;
		}
		c->a = a;
		c->fd = fd;
		/* The head's deadline runs from the accept: waiting before
		 * the first byte does not buy a second one. */
		c->deadline_ms = monotime_ms() + a->header_ms;
		c->rev = event_new(a->base, fd, EV_READ | EV_PERSIST,
		                   admin_conn_read, c);
		c->wev = event_new(a->base, fd, EV_WRITE | EV_PERSIST,
		                   admin_conn_write, c);
		struct timeval head = tv_ms(a->header_ms);
		if (!c->rev || !c->wev || event_add(c->rev, &head) < 0) {
			if (c->rev)
				event_free(c->rev);
			if (c->wev)
				event_free(c->wev);
			close(fd);
			free(c);
			continue;
		}
		c->slot = a->n_conns;
		a->conns[a->n_conns++] = c;
	}
}

/* --- the listener ------------------------------------------------------- */

void admin_init(struct admin *a, struct event_base *base, const char *spec,
                unsigned header_ms, struct metrics *metrics)
{
	memset(a, 0, sizeof *a);
	a->base = base;
	a->metrics = metrics;
	a->header_ms = header_ms;
	a->fd = -1;
	snprintf(a->spec, sizeof a->spec, "%s", spec);
}

int admin_unbound(const struct admin *a)
{
	return a->spec[0] && a->fd < 0;
}

static int listen_unix(struct admin *a, const char *path, char *err,
                       size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sun.sun_path) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* The owner and its group may connect: the socket is made 0660 as
	 * bind creates it (umask 027 would take group write, which connect
	 * needs), not chmod'ed by name afterwards, which would follow a link
	 * swapped in meanwhile.  Start-up and the main loop's retry only: no
	 * other thread creates files. */
	mode_t mask = umask(0117);
	int rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	if (rc < 0 && errno == EADDRINUSE) {
		/* A socket file is there: another process's (leave it), or
		 * a dead one's (nothing answers: replace it). */
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int live = probe >= 0 &&
		           connect(probe, (struct sockaddr *)&sun, sizeof sun) == 0;
		if (probe >= 0)
			close(probe);
		struct stat st;
		if (live || lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s", live ? "another process listens "
			         "there" : "the path exists and is not a socket");
			umask(mask);
			close(fd);
			return -1;
		}
		unlink(path);
		rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	}
	int e = errno;
	umask(mask);
	if (rc < 0) {
		snprintf(err, errlen, "bind: %s", strerror(e));
		close(fd);
		return -1;
	}
	if (listen(fd, 64) < 0) {
		snprintf(err, errlen, "listen: %s", strerror(errno));
		unlink(path);
		close(fd);
		return -1;
	}
	snprintf(a->unix_path, sizeof a->unix_path, "%s", path);
	return fd;
}

int admin_listen(struct admin *a, char *err, size_t errlen)
{
	if (!admin_unbound(a))
		return 0;
	int fd;
	if (!strncmp(a->spec, "unix:", 5)) {
		fd = listen_unix(a, a->spec + 5, err, errlen);
	} else {
		struct sockaddr_storage ss;
		socklen_t len;
		if (net_parse_addr(a->spec, &ss, &len, err, errlen) < 0)
			return -1;
		/* Not net_listen: that socket shares its port (SO_REUSEPORT)
		 * and defers accepts; two daemons must not share this one. */
		int one = 1;
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		            0);
		if (fd < 0) {
			snprintf(err, errlen, "socket: %s", strerror(errno));
			return -1;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (ss.ss_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			close(fd);
			return -1;
		}
	}
	if (fd < 0)
		return -1;
	a->lev = event_new(a->base, fd, EV_READ | EV_PERSIST, admin_accept_cb, a);
	if (!a->lev || event_add(a->lev, NULL) < 0) {
		snprintf(err, errlen, "cannot add the listener event");
		if (a->lev)
			event_free(a->lev);
		a->lev = NULL;
		close(fd);
		return -1;
	}
	a->fd = fd;
	return 0;
}

void admin_deinit(struct admin *a)
{
	while (a->n_conns)
		admin_conn_close(a->conns[0]);
	if (a->lev)
		event_free(a->lev);
	a->lev = NULL;
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	if (a->unix_path[0])
		unlink(a->unix_path);
	a->unix_path[0] = '\0';
}
