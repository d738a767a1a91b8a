/* visitor: keyed hashing of (IP, User-Agent).  See visitor.h. */
#define XXH_STATIC_LINKING_ONLY
#include "visitor.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <xxhash.h>

void visitor_key_init(struct visitor_key *k,
                      const unsigned char salt[VISITOR_SALT_LEN])
{
	XXH3_generateSecret(k->secret, sizeof k->secret, salt, VISITOR_SALT_LEN);
}

int visitor_salt_new(unsigned char salt[VISITOR_SALT_LEN])
{
	size_t got = 0;
	while (got < VISITOR_SALT_LEN) {
		ssize_t n = getrandom(salt + got, VISITOR_SALT_LEN - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	return 0;
}

uint64_t visitor_hash(const struct visitor_key *k, const unsigned char *ip,
                      size_t ip_len, const char *ua, size_t ua_len)
{
	/* Two short hashes instead of a streaming state: the User-Agent's
	 * hash and the IP go through the keyed hash together, so neither part
	 * alone can be matched across visitors. */
	unsigned char buf[16 + 8 + 1];
	uint64_t h = XXH3_64bits_withSecret(ua, ua_len, k->secret,
	                                    sizeof k->secret);
	memset(buf, 0, sizeof buf);
	memcpy(buf, ip, ip_len > 16 ? 16 : ip_len);
	memcpy(buf + 16, &h, 8);
	buf[24] = (unsigned char)ip_len;
	h = XXH3_64bits_withSecret(buf, sizeof buf, k->secret, sizeof k->secret);
	return h ? h : 1;
}
