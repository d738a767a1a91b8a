/* input: whole files in memory.  See input.h. */
#include "input.h"

#include "out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int input_read(const char *path, char **buf, size_t *len, const char **label)
{
	int fd = 0;
	*label = "stdin";
	if (path && strcmp(path, "-") != 0) {
		*label = path;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			out_err("open %s: %s", path, strerror(errno));
			return 1;
		}
	}
	struct stat st;
	size_t cap = 1 << 16, n = 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size + 2;
	char *b = malloc(cap);
	if (!b)
		goto nomem;
	for (;;) {
		if (cap - n < 2) {
			char *nb = realloc(b, cap * 2);
			if (!nb)
				goto nomem;
			b = nb;
			cap *= 2;
		}
		ssize_t got = read(fd, b + n, cap - n - 1);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			out_err("read %s: %s", *label, strerror(errno));
			free(b);
			if (fd)
				close(fd);
			return 1;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (fd)
		close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
nomem:
	out_err("reading %s: %s", *label, strerror(ENOMEM));
	free(b);
	if (fd)
		close(fd);
	return 1;
}
