/* net: address parsing and listening sockets.  See net.h. */
#include "net.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int net_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len,
                   char *err, size_t errlen)
{
	char host[256] = "0.0.0.0";
	const char *port = s;
	const char *colon = strrchr(s, ':');
	if (colon) {
		const char *h = s;
		size_t hl = (size_t)(colon - s);
		if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
			h++;
			hl -= 2;
		}
		if (hl == 0 || hl >= sizeof host) {
			snprintf(err, errlen, "bad address '%s'", s);
			return -1;
		}
		memcpy(host, h, hl);
		host[hl] = '\0';
		port = colon + 1;
	}
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	                          .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "address '%s': %s", s, gai_strerror(rc));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int net_is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)
		                             (const void *)ss)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return 0;
}

int net_listen(const struct sockaddr_storage *ss, socklen_t len, int backlog,
               char *err, size_t errlen)
{
	int one = 1;
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	                0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
		snprintf(err, errlen, "setsockopt: %s", strerror(errno));
		goto fail;
	}
	/* An IPv6 socket serves IPv6 only: "[::]:80" next to "0.0.0.0:80"
	 * must not collide, and v4 clients keep v4 addresses. */
	if (ss->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) {
		snprintf(err, errlen, "setsockopt IPV6_V6ONLY: %s", strerror(errno));
		goto fail;
	}
	/* Accepted sockets inherit TCP_NODELAY from the listener (Linux):
	 * one setsockopt here instead of one per connection.  A response
	 * always leaves in one send, so Nagle could only delay it. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) {
		snprintf(err, errlen, "setsockopt TCP_NODELAY: %s", strerror(errno));
		goto fail;
	}
	/* Deferred accept: the kernel hands us a connection once its first
	 * bytes are in, so the worker reads it at once (conn_open) without
	 * registering it and waiting for epoll first; for a connection that
	 * sends one request and closes that is two system calls of six.  A
	 * client that says nothing is accepted anyway after about a second
	 * (then header_timeout applies), and costs nothing until then. */
	int defer = 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof defer) < 0) {
		snprintf(err, errlen, "setsockopt TCP_DEFER_ACCEPT: %s", strerror(errno));
		goto fail;
	}
	if (bind(fd, (const struct sockaddr *)ss, len) < 0) {
		snprintf(err, errlen, "bind: %s", strerror(errno));
		goto fail;
	}
	if (listen(fd, backlog) < 0) {
		snprintf(err, errlen, "listen: %s", strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}
