/* visitor: keyed hashing of (IP, User-Agent).  See visitor.h. */
#define XXH_STATIC_LINKING_ONLY
#include "visitor.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <xxhash.h>

static const char *const period_names[VISITOR_PERIOD_COUNT] = {
	"day", "week", "month",
};

const char *visitor_period_name(unsigned p)
{
	return p < VISITOR_PERIOD_COUNT ? period_names[p] : period_names[0];
}

int visitor_period_parse(const char *name)
{
	for (unsigned i = 0; i < VISITOR_PERIOD_COUNT; i++)
		if (strcmp(name, period_names[i]) == 0)
			return (int)i;
	return -1;
}

/* a / b rounded down, for b > 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int64_t visitor_period_index(unsigned p, int64_t t)
{
	int64_t day = floor_div(t, 86400);
	if (p == VISITOR_PERIOD_WEEK)
		return floor_div(day + 3, 7);   /* 1970-01-01 was a Thursday */
	if (p == VISITOR_PERIOD_MONTH) {
		time_t tt = (time_t)t;
		struct tm tm;
		gmtime_r(&tt, &tm);
		return ((int64_t)tm.tm_year + 1900) * 12 + tm.tm_mon;
	}
	return day;
}

void visitor_period_label(unsigned p, int64_t index, char *out, size_t cap)
{
	struct tm tm;
	time_t t;
	if (p == VISITOR_PERIOD_MONTH) {
		snprintf(out, cap, "%04lld-%02lld",
		         (long long)floor_div(index, 12),
		         (long long)(index - floor_div(index, 12) * 12 + 1));
		return;
	}
	/* A week is named by its Monday's ISO year and week. */
	t = (time_t)(p == VISITOR_PERIOD_WEEK ? index * 7 - 3 : index) * 86400;
	gmtime_r(&t, &tm);
	strftime(out, cap, p == VISITOR_PERIOD_WEEK ? "%G-W%V" : "%Y-%m-%d", &tm);
}

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
