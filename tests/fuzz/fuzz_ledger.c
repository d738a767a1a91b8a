/* Fuzz target: the ledger's record decoder (tools/linkctl/ledger.c).  A
 * record it takes encodes back to the very same bytes (one spelling per
 * record: a torn or altered record is refused, never misread). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ledger_entry e;
	if (ledger_decode(data, size, &e) != 0)
		return 0;
	unsigned char out[LEDGER_VALUE_MAX];
	size_t n = ledger_encode(&e, out);
	if (n != size || memcmp(out, data, n) != 0)
		abort();
	return 0;
}
