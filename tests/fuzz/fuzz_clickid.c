/* Fuzz target: click id text and the Location.  Input: a URL, '\n', a
 * would-be id.  An id that parses formats to the same text; a Location
 * made holds the url's bytes around "rd_click=ID", and a servable url
 * stays servable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clickid.h"
#include "target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *end = in + size;
	const char *nl = memchr(in, '\n', size);
	const char *idt = nl ? nl + 1 : end;
	size_t url_len = (size_t)((nl ? nl : end) - in);
	size_t id_len = (size_t)(end - idt);

	struct clickid id;
	memset(&id, 0x5a, sizeof id);
	if (clickid_parse(idt, id_len, &id) == 0) {
		char t[CLICKID_LEN];
		clickid_format(&id, t);
		if (id_len != CLICKID_LEN || memcmp(t, idt, CLICKID_LEN))
			abort();
	}
	static char out[TARGET_MAX + 64];
	size_t n = clickid_location(in, url_len, "rd_click", 8, &id, out,
	                            TARGET_MAX);
	if (n) {
		if (n > TARGET_MAX || n < url_len + 9 + CLICKID_LEN)
			abort();
		const char *p = memmem(out, n, "rd_click=", 9);
		if (!p)
			abort();
		if (target_servable(in, url_len) && !target_servable(out, n))
			abort();
	} else if (url_len + 1 + 9 + CLICKID_LEN <= TARGET_MAX) {
		abort();   /* room enough, yet refused */
	}
	return 0;
}
