/* logmsg: one line on stderr.  See logmsg.h. */
#include "logmsg.h"

#include <stdarg.h>
#include <stdio.h>

void logmsg(const char *fmt, ...)
{
	va_list ap;
	fputs("redirectd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
