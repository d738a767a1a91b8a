/* codes: the code alphabet and random codes.  See codes.h. */
#include "codes.h"

#include <errno.h>
#include <sys/random.h>

#define SAFE(c) [c] = 1
const unsigned char code_alphabet[256] = {
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
	SAFE('_'), SAFE('-'),
};

int code_valid(const char *code, size_t len)
{
	if (len == 0 || len > CODE_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!code_char((unsigned char)code[i]))
			return 0;
	return 1;
}

int code_random(char out[CODE_RANDOM_LEN + 1])
{
	static const char b62[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	size_t n = 0;
	while (n < CODE_RANDOM_LEN) {
		unsigned char r[32];
		ssize_t got = getrandom(r, sizeof r, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* Rejection sampling: 248 = 4 * 62, so bytes below it map
		 * uniformly; a plain modulo would favour the first digits. */
		for (ssize_t i = 0; i < got && n < CODE_RANDOM_LEN; i++)
			if (r[i] < 248)
				out[n++] = b62[r[i] % 62];
	}
	out[n] = '\0';
	return 0;
}
