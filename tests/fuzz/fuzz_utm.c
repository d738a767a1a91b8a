/* Fuzz target: utm tagging.  Input: URL, '\n', campaign, '\n', handle.
 * The tags come after the query and before the fragment, and a URL that
 * passed the target rules still passes them, unchanged, once tagged
 * (unless it grew too long). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"
#include "utm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *end = in + size;
	const char *nl1 = memchr(in, '\n', size);
	const char *camp = nl1 ? nl1 + 1 : end;
	const char *nl2 = memchr(camp, '\n', (size_t)(end - camp));
	const char *who = nl2 ? nl2 + 1 : end;
	size_t url_len = (size_t)((nl1 ? nl1 : end) - in);
	size_t camp_len = (size_t)((nl2 ? nl2 : end) - camp);
	size_t who_len = (size_t)(end - who);

	static char out[3 * 65536 + 256];
	size_t n = utm_tag(in, url_len, camp, camp_len, who, who_len, out,
	                   sizeof out);
	if (!n || out[n] != '\0')
		abort();
	const char *hash = memchr(in, '#', url_len);
	if (hash) {
		size_t frag = url_len - (size_t)(hash - in);
		if (n < frag || memcmp(out + n - frag, hash, frag) != 0)
			abort();
	}
	/* Tight caps fail cleanly. */
	char small[64];
	size_t m = utm_tag(in, url_len, camp, camp_len, who, who_len, small,
	                   n < sizeof small ? n : sizeof small);
	if (m)
		abort();

	char norm[TARGET_MAX + 1], again[TARGET_MAX + 1];
	size_t len, len2;
	if (target_normalize(in, url_len, NULL, norm, &len) != TARGET_OK)
		return 0;
	n = utm_tag(norm, len, camp, camp_len, who, who_len, out, sizeof out);
	if (!n)
		abort();
	int rc = target_normalize(out, n, NULL, again, &len2);
	if (rc == TARGET_TOO_LONG)
		return 0;
	if (rc != TARGET_OK || len2 != n || memcmp(out, again, n) != 0)
		abort();
	return 0;
}
