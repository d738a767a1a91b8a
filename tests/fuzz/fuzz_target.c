/* Fuzz target: the URL rules.  Whatever target_normalize accepts must be
 * servable as a Location, and normalizing it again must not change it.
 * target_merge_query on the input split at its first newline (target,
 * query): never past its cap, the target's part before any '#' kept as
 * the start, every byte from the two inputs. */
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

	const uint8_t *nl = memchr(data, '\n', size);
	if (nl) {
		const char *url = (const char *)data;
		size_t url_len = (size_t)(nl - data);
		const char *q = (const char *)nl + 1;
		size_t q_len = size - url_len - 1;
		char m[TARGET_MAX];
		size_t cap = size % 7 == 0 ? 64 : sizeof m;
		size_t n = target_merge_query(url, url_len, q, q_len, m, cap);
		const char *hash = memchr(url, '#', url_len);
		size_t base = hash ? (size_t)(hash - url) : url_len;
		if (n > cap || (n && (n <= base || memcmp(m, url, base) != 0)))
			abort();
		for (size_t i = 0; i < n; i++)
			if (!memchr(url, m[i], url_len) && !memchr(q, m[i], q_len) &&
			    m[i] != '&' && m[i] != '?')
				abort();
	}
	return 0;
}
