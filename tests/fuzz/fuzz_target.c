/* Fuzz target: the URL rules.  Whatever target_normalize accepts must be
 * servable as a Location, and normalizing it again must not change it.
 * (The query merged into a target is fuzz_query.c's.) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[TARGET_MAX + 1], again[TARGET_MAX + 1];
	size_t len, len2;
	static const char *const own[] = { "go.example.org" };
	struct target_policy p = { .own_hosts = own, .n_own_hosts = 1 };
	int rc = target_normalize((const char *)data, size, &p, out, &len);
	if (rc == TARGET_OK) {
		if (len > TARGET_MAX || strlen(out) != len ||
		    !target_servable(out, len))
			abort();
		if (target_normalize(out, len, &p, again, &len2) != TARGET_OK ||
		    len2 != len || memcmp(out, again, len) != 0)
			abort();
		const char *host;
		size_t hlen;
		target_host(out, len, &host, &hlen);
		if (!host || host < out || host + hlen > out + len)
			abort();
	}
	const char *host;
	size_t hlen;
	target_host((const char *)data, size, &host, &hlen);
	if (host && (host < (const char *)data ||
	             host + hlen > (const char *)data + size))
		abort();
	target_servable((const char *)data, size);

	return 0;
}
