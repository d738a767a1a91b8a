/* conf: -c FILE, read once.  See conf.h. */
#include "conf.h"

#include "input.h"
#include "msg.h"
#include "out.h"

#include <stdlib.h>

static const char *path;

void conf_file(const char *p)
{
	path = p;
}

int conf_given(void)
{
	return path != NULL;
}

int conf_load(const struct config **out)
{
	static struct config cfg;   /* large: not on the stack */
	static int state = -1;      /* -1 unread, else conf_load's result */
	if (state < 0) {
		config_init(&cfg);
		state = 0;
		if (path) {
			char *buf;
			size_t len;
			const char *label;
			int rc = input_read(path, &buf, &len, &label);
			if (rc)
				return state = rc;
			struct config_diag diag;
			unsigned bad = config_parse(&cfg, buf, len, &diag);
			free(buf);
			for (unsigned i = 0; i < bad && i < CONFIG_DIAG_MAX; i++)
				out_err("%s:%u: %s", label, diag.e[i].line,
				        diag.e[i].msg);
			if (bad)
				state = EXIT_REFUSED;
		}
	}
	*out = &cfg;
	return state;
}
