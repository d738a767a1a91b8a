/* Fuzz target: punycode labels and host checks (tools/linkctl/idn.c).
 * Whatever the bytes, decoding stays in its buffer, gives only Unicode
 * scalar values and never more than room for; a host's verdict is one of
 * the three, and the label it names lies inside the host. */
#include <stdint.h>
#include <stdlib.h>

#include "idn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	uint32_t out[IDN_LABEL_MAX];
	size_t n = 0;
	size_t max = size ? data[0] % (IDN_LABEL_MAX + 1) : IDN_LABEL_MAX;
	if (idn_punycode_decode(in, size, out, max, &n) == 0) {
		if (n > max)
			abort();
		for (size_t i = 0; i < n; i++)
			if (out[i] > 0x10FFFF ||
			    (out[i] >= 0xD800 && out[i] <= 0xDFFF))
				abort();
	}
	const char *label = NULL, *script[2] = { NULL, NULL };
	size_t len = 0;
	int v = idn_host_check(in, size, &label, &len, script);
	if (v != IDN_OK && v != IDN_MIXED && v != IDN_INVALID)
		abort();
	if (v != IDN_OK && (!label || label < in || label + len > in + size))
		abort();
	if (v == IDN_MIXED && (!script[0] || !script[1]))
		abort();
	return 0;
}
