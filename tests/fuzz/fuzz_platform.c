/*
 * Fuzz target: platform_from_referer.  The host view always lies inside
 * the input, never holds a path, query, fragment or userinfo character, and
 * a present referrer is never "none".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *ref = (const char *)data;
	const char *host = NULL;
	size_t hlen = 12345;
	enum click_platform p = platform_from_referer(ref, size, &host, &hlen);
	if (p < PLATFORM_NONE || p >= PLATFORM_COUNT)
		abort();
	if ((size == 0) != (p == PLATFORM_NONE))
		abort();
	if (hlen > PLATFORM_HOST_MAX)
		abort();
	if (hlen) {
		if (host < ref || host + hlen > ref + size)
			abort();
		for (size_t i = 0; i < hlen; i++)
			if (strchr("/?#@\\ ", host[i]) || host[i] == '\0')
				abort();
		/* Looking the host view up again (as the caller stores it)
		 * must give the same platform. */
		static const char *const schemes[] = { "https://", "android-app://" };
		int app = size >= 14 && strncasecmp(ref, "android-app://", 14) == 0;
		const char *sc = schemes[app];
		char *again = malloc(strlen(sc) + hlen + 1);
		memcpy(again, sc, strlen(sc));
		memcpy(again + strlen(sc), host, hlen);
		again[strlen(sc) + hlen] = '/';
		const char *h2;
		size_t l2;
		enum click_platform q = platform_from_referer(
			again, strlen(sc) + hlen + 1, &h2, &l2);
		if (q != p || l2 != hlen || memcmp(h2, host, hlen))
			abort();
		free(again);
	}
	return 0;
}
