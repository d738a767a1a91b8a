/*
 * chttp: the blocking HTTP/1.1 POST that `reach ship` speaks to ClickHouse.
 * It owns URL parsing, the connection (getaddrinfo, each address in turn,
 * SO_SNDTIMEO/SO_RCVTIMEO as the timeouts: Linux applies SO_SNDTIMEO to
 * connect too) and reading one response.  It knows nothing of ClickHouse.
 */
#include "chttp.h"
#include "out.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define CHTTP_RESP_MAX (64 * 1024)

static int chttp_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Copy s[0..n) percent-decoded into out[cap].  Returns 0 or -1. */
static int chttp_pdecode(char *out, size_t cap, const char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '%' && i + 2 < n && chttp_hex(s[i + 1]) >= 0 &&
		    chttp_hex(s[i + 2]) >= 0) {
			c = chttp_hex(s[i + 1]) * 16 + chttp_hex(s[i + 2]);
			i += 2;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

int chttp_url_parse(const char *url, struct chttp_url *u, char *err,
                    size_t errlen)
{
	memset(u, 0, sizeof *u);
	if (strncasecmp(url, "http://", 7) != 0) {
		snprintf(err, errlen, "expected http://HOST[:PORT]%s",
		         strncasecmp(url, "https://", 8) == 0
		                 ? " (https is not supported: put a local "
		                   "proxy in front)" : "");
		return -1;
	}
	const char *p = url + 7;
	const char *end = p + strcspn(p, "/?#");
	const char *at = memchr(p, '@', (size_t)(end - p));
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		const char *ue = colon ? colon : at;
		if (chttp_pdecode(u->user, sizeof u->user, p, (size_t)(ue - p)) ||
		    (colon && chttp_pdecode(u->password, sizeof u->password,
		                            colon + 1,
		                            (size_t)(at - colon - 1)))) {
			snprintf(err, errlen, "user or password too long");
			return -1;
		}
		p = at + 1;
	}
	const char *hs = p, *he, *ps = NULL;
	if (*p == '[') {
		hs = p + 1;
		he = memchr(hs, ']', (size_t)(end - hs));
		if (!he) {
			snprintf(err, errlen, "unterminated [ in the host");
			return -1;
		}
		if (he + 1 < end) {
			if (he[1] != ':') {
				snprintf(err, errlen, "junk after ]");
				return -1;
			}
			ps = he + 2;
		}
	} else {
		he = memchr(hs, ':', (size_t)(end - hs));
		if (he)
			ps = he + 1;
		else
			he = end;
	}
	if (he == hs || (size_t)(he - hs) >= sizeof u->host) {
		snprintf(err, errlen, "no host");
		return -1;
	}
	memcpy(u->host, hs, (size_t)(he - hs));
	if (ps) {
		size_t n = (size_t)(end - ps);
		if (n == 0 || n > 5 || strspn(ps, "0123456789") < n ||
		    atoi(ps) == 0 || atoi(ps) > 65535) {
			snprintf(err, errlen, "bad port");
			return -1;
		}
		memcpy(u->port, ps, n);
	} else {
		strcpy(u->port, "80");
	}
	p = end;
	if (*p == '#')
		p += strlen(p);
	size_t pl = strcspn(p, "?#");
	if (pl >= sizeof u->path) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	if (pl)
		memcpy(u->path, p, pl);
	else
		strcpy(u->path, "/");
	p += pl;
	if (*p == '?') {
		size_t ql = strcspn(++p, "#");
		if (ql >= sizeof u->query) {
			snprintf(err, errlen, "query too long");
			return -1;
		}
		memcpy(u->query, p, ql);
	}
	return 0;
}

int chttp_qencode(char *out, size_t cap, const char *s)
{
	size_t o = strlen(out);
	size_t n = out_pct_encode(s, strlen(s), out + o, cap - o - 1);
	if (n == (size_t)-1)
		return -1;
	out[o + n] = '\0';
	return 0;
}

static int chttp_connect(const struct chttp_url *u, int timeout_s, char *err,
                         size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	int rc = getaddrinfo(u->host, u->port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "%s: %s", u->host, gai_strerror(rc));
		return -1;
	}
	int fd = -1, e = 0;
	struct timeval tv = { .tv_sec = timeout_s };
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
		            a->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		e = errno == EINPROGRESS ? ETIMEDOUT : errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(err, errlen, "connect: %s", strerror(e));
	return fd;
}

static int chttp_send(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Undo chunked framing in place (enough for error messages).  Returns the
 * decoded length. */
static size_t chttp_dechunk(char *b, size_t n)
{
	size_t in = 0, out = 0;
	while (in < n) {
		char *e;
		unsigned long sz = strtoul(b + in, &e, 16);
		char *nl = memchr(b + in, '\n', n - in);
		if (e == b + in || !nl || sz == 0)
			break;
		in = (size_t)(nl - b) + 1;
		if (sz > n - in)
			sz = n - in;
		memmove(b + out, b + in, sz);
		out += sz;
		in += sz;
		if (in < n && b[in] == '\r')
			in++;
		if (in < n && b[in] == '\n')
			in++;
	}
	b[out] = '\0';
	return out;
}

/* Is the response in buf[0..got) whole by its own framing?  A server that
 * keeps the connection open despite "Connection: close" would otherwise
 * hold us until the timeout. */
static int chttp_complete(char *buf, size_t got)
{
	buf[got] = '\0';
	char *eoh = strstr(buf, "\r\n\r\n");
	if (!eoh)
		return 0;
	size_t hl = (size_t)(eoh + 4 - buf);
	*eoh = '\0';
	const char *cl = strcasestr(buf, "\r\ncontent-length:");
	int chunked = strcasestr(buf, "\r\ntransfer-encoding: chunked") != NULL;
	*eoh = '\r';
	if (cl && !chunked)
		return got - hl >= strtoull(cl + 17, NULL, 10);
	if (chunked)
		return (got == hl + 5 && memcmp(buf + hl, "0\r\n\r\n", 5) == 0) ||
		       (got >= hl + 7 &&
		        memcmp(buf + got - 7, "\r\n0\r\n\r\n", 7) == 0);
	return 0;
}

int chttp_post(const struct chttp_url *u, const char *target,
               const void *body, size_t len, int timeout_s, char **resp,
               char *err, size_t errlen)
{
	*resp = NULL;
	int fd = chttp_connect(u, timeout_s, err, errlen);
	if (fd < 0)
		return -1;
	char head[3072];
	int hl = snprintf(head, sizeof head,
	                  "POST %s HTTP/1.1\r\nHost: %s%s%s:%s\r\n"
	                  "Content-Type: text/plain; charset=utf-8\r\n"
	                  "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	                  target, strchr(u->host, ':') ? "[" : "", u->host,
	                  strchr(u->host, ':') ? "]" : "", u->port, len);
	if (hl < 0 || (size_t)hl >= sizeof head) {
		snprintf(err, errlen, "request target too long");
		close(fd);
		return -1;
	}
	/* A server refusing early may close while the body is going out: its
	 * answer, when it sent one, still says why, so read it anyway. */
	int send_errno = 0;
	if (chttp_send(fd, head, (size_t)hl) < 0 ||
	    chttp_send(fd, body, len) < 0)
		send_errno = errno;
	char *buf = malloc(CHTTP_RESP_MAX + 1);
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return -1;
	}
	size_t got = 0;
	int rerr = 0;
	for (;;) {
		char sink[4096];
		char *dst = got < CHTTP_RESP_MAX ? buf + got : sink;
		size_t room = got < CHTTP_RESP_MAX ? CHTTP_RESP_MAX - got
		                                   : sizeof sink;
		ssize_t r = recv(fd, dst, room, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rerr = errno;
			break;
		}
		if (r == 0)
			break;
		if (dst == buf + got)
			got += (size_t)r;
		if (chttp_complete(buf, got))
			break;
	}
	close(fd);
	buf[got] = '\0';
	int status = 0;
	char *eoh = strstr(buf, "\r\n\r\n");
	if (got < 12 || strncmp(buf, "HTTP/1.", 7) != 0 ||
	    sscanf(buf + 9, "%3d", &status) != 1 || !eoh) {
		if (send_errno)
			snprintf(err, errlen, "sending: %s", strerror(send_errno));
		else if (rerr)
			snprintf(err, errlen, "reading the answer: %s",
			         strerror(rerr == EAGAIN ? ETIMEDOUT : rerr));
		else
			snprintf(err, errlen, "no HTTP answer");
		free(buf);
		return -1;
	}
	*eoh = '\0';
	int chunked = strcasestr(buf, "\r\ntransfer-encoding: chunked") != NULL;
	size_t bl = got - (size_t)(eoh + 4 - buf);
	memmove(buf, eoh + 4, bl);
	buf[bl] = '\0';
	if (chunked)
		chttp_dechunk(buf, bl);
	if (rerr && status == 200) {
		/* 200 but the answer broke off: ClickHouse sends 200 once the
		 * insert is done, so that is a success only when whole. */
		snprintf(err, errlen, "reading the answer: %s",
		         strerror(rerr == EAGAIN ? ETIMEDOUT : rerr));
		free(buf);
		return -1;
	}
	*resp = buf;
	return status;
}
