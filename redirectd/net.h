/*
 * net: listening sockets.  Each worker gets its own SO_REUSEPORT socket per
 * listen address, so the kernel spreads connections over the workers and
 * no accept lock is shared.  Startup zone: main() calls these before any
 * thread starts and reports failures.
 */
#ifndef REDIRECTD_NET_H
#define REDIRECTD_NET_H

#include <stddef.h>
#include <sys/socket.h>

/* Parse "HOST:PORT", "[V6]:PORT" or "PORT" (all IPv4 addresses) into *ss.
 * Numeric addresses only ("localhost" is resolved through getaddrinfo with
 * AI_NUMERICSERV).  Returns 0, or -1 with a message in err. */
int net_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len,
                   char *err, size_t errlen);

/* A non-blocking, close-on-exec listening socket with SO_REUSEADDR and
 * SO_REUSEPORT.  Returns the fd, or -1 with a message in err. */
int net_listen(const struct sockaddr_storage *ss, socklen_t len, int backlog,
               char *err, size_t errlen);

#endif
