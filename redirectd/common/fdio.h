/*
 * fdio: reading a whole span from a file descriptor, through short reads
 * and EINTR.  Shared by the daemon (the salt file) and reach (segments).
 */
#ifndef REDIRECTD_FDIO_H
#define REDIRECTD_FDIO_H

#include <errno.h>
#include <stddef.h>
#include <sys/types.h>
#include <unistd.h>

/* Read up to len bytes into buf, stopping early only at the end of the
 * file.  Returns the bytes read (< len: the file ended), or -1 with errno
 * set. */
static inline ssize_t fdio_read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = read(fd, (char *)buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

#endif
