/* Fuzz target: the configuration parser over arbitrary text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	struct config_diag d;
	config_init(&c);
	unsigned n = config_parse(&c, (const char *)data, size, &d);
	if (n < d.n && d.n <= CONFIG_DIAG_MAX)
		abort();
	/* Whatever was accepted must be within the documented bounds. */
	if (c.n_listen < 1 || c.n_listen > CONFIG_LIST_MAX ||
	    memchr(c.db, '\0', sizeof c.db) == NULL ||
	    memchr(c.node, '\0', sizeof c.node) == NULL ||
	    (c.disabled_status != 404 && c.disabled_status != 410) ||
	    (c.real_ip_header != CLIENTIP_HDR_REAL_IP &&
	     c.real_ip_header != CLIENTIP_HDR_FORWARDED_FOR) ||
	    c.query_passthrough.n > QUERY_PASS_MAX ||
	    (c.query_passthrough.mode == QUERY_LIST && c.query_passthrough.n == 0))
		abort();
	for (unsigned i = 0; i < n && i < CONFIG_DIAG_MAX; i++)
		if (!memchr(d.e[i].msg, '\0', sizeof d.e[i].msg))
			abort();
	return 0;
}
