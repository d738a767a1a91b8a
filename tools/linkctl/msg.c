/* msg: linkctl's messages and exit statuses.  See msg.h. */
#include "msg.h"

#include "out.h"
#include "utf8.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The message (cut at 511 bytes), after FILE:LINE when file is set, and
 * then tail. */
static void vsay(const char *file, unsigned line, const char *tail,
                 const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (file)
		out_err("%s:%u: %s%s", file, line, msg, tail);
	else
		out_err("%s%s", msg, tail);
}

int msg_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(NULL, 0, " (see linkctl --help)", fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

void msg_at(const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(file, line, "", fmt, ap);
	va_end(ap);
}

/* A pasted escape sequence (C0 or C1) must not drive the terminal, and a
 * long value must not drown the message. */
const char *msg_show(const char *s, size_t n)
{
	static char bufs[4][100];
	static int next;
	char *b = bufs[next++ & 3];
	size_t max = sizeof bufs[0] - 4, o = 0;
	for (size_t i = 0, k; i < n && o < max; i += k) {
		k = utf8_control((const unsigned char *)s + i, n - i);
		b[o++] = k ? '?' : s[i];
		k += !k;
	}
	if (n > max)
		memcpy(b + o, "...", 3), o += 3;
	b[o] = '\0';
	return b;
}

const char *msg_shows(const char *s)
{
	return msg_show(s, strlen(s));
}

int msg_flush(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		out_err("write to stdout: %s", strerror(errno));
		return EXIT_REFUSED;
	}
	return 0;
}
