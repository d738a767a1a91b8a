/*
 * net: sockets.  Listening ones: each worker gets its own SO_REUSEPORT
 * socket per listen address, so the kernel spreads connections over the
 * workers and no accept lock is shared (startup zone: main() calls these
 * before any thread starts and reports failures).  And sending what is
 * left of a response on a non-blocking socket, for the workers and the
 * admin listener alike (inline: the workers call it per response).
 */
#ifndef REDIRECTD_NET_H
#define REDIRECTD_NET_H

#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Parse "HOST:PORT", "[V6]:PORT" or "PORT" (all IPv4 addresses) into *ss.
 * Numeric addresses only ("localhost" is resolved through getaddrinfo with
 * AI_NUMERICSERV).  Returns 0, or -1 with a message in err. */
int net_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len,
                   char *err, size_t errlen);

/* 1 when *ss is a loopback address (127.0.0.0/8, ::1, or ::ffff:127.x.y.z),
 * which no other host can reach; 0 otherwise (0.0.0.0 and :: among them). */
int net_is_loopback(const struct sockaddr_storage *ss);

/* A non-blocking, close-on-exec listening socket with SO_REUSEADDR and
 * SO_REUSEPORT.  Returns the fd, or -1 with a message in err. */
int net_listen(const struct sockaddr_storage *ss, socklen_t len, int backlog,
               char *err, size_t errlen);

/* Send buf[*off, len) on a non-blocking socket, moving *off along.
 * Returns 0 (all sent), 1 (the socket is full: wait until it is writable)
 * or -1 (the peer is gone or the socket failed: close it).  No SIGPIPE.
 * buf may be NULL when nothing is left (*off == len). */
static inline int net_send(int fd, const char *buf, size_t len, size_t *off)
{
	while (*off < len) {
		ssize_t n = send(fd, buf + *off, len - *off, MSG_NOSIGNAL);
		if (n > 0) {
			*off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && errno == EAGAIN ? 1 : -1;
	}
	return 0;
}

#endif
