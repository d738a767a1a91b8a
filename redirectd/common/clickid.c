/*
 * clickid: see clickid.h.
 */
#include "clickid.h"

#include <string.h>

#include <xxhash.h>

#include "le.h"

static const char b64url[64] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* A seed of our own, so an id is not the plain XXH3 of the same bytes
 * (some other system hashing the same tuple would not meet ours). */
#define CLICKID_SEED 0x7264636c69636b31ull  /* "rdclick1" */

void clickid_make(uint32_t node_hash, uint32_t worker, uint64_t time_us,
                  uint32_t seq, struct clickid *id)
{
	unsigned char in[20];
	le_put32(in + 0, node_hash);
	le_put32(in + 4, worker);
	le_put64(in + 8, time_us);
	le_put32(in + 16, seq);
	XXH128_hash_t h = XXH3_128bits_withSeed(in, sizeof in, CLICKID_SEED);
	le_put64(id->b, h.low64);
	le_put32(id->b + 8, (uint32_t)h.high64);
}

void clickid_format(const struct clickid *id, char out[CLICKID_LEN])
{
	/* 12 bytes are 4 groups of 3: 16 characters, no padding. */
	for (unsigned g = 0; g < 4; g++) {
		const unsigned char *p = id->b + 3 * g;
		uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
		out[4 * g + 0] = b64url[v >> 18];
		out[4 * g + 1] = b64url[(v >> 12) & 63];
		out[4 * g + 2] = b64url[(v >> 6) & 63];
		out[4 * g + 3] = b64url[v & 63];
	}
}

static int b64url_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '-')
		return 62;
	if (ch == '_')
		return 63;
	return -1;
}

int clickid_parse(const char *s, size_t len, struct clickid *id)
{
	if (len != CLICKID_LEN)
		return -1;
	for (unsigned g = 0; g < 4; g++) {
		uint32_t v = 0;
		for (unsigned k = 0; k < 4; k++) {
			int d = b64url_value((unsigned char)s[4 * g + k]);
			if (d < 0)
				return -1;
			v = v << 6 | (uint32_t)d;
		}
		id->b[3 * g + 0] = (unsigned char)(v >> 16);
		id->b[3 * g + 1] = (unsigned char)(v >> 8);
		id->b[3 * g + 2] = (unsigned char)v;
	}
	return 0;
}

uint64_t clickid_key(const struct clickid *id)
{
	return le_get64(id->b);
}

int clickid_param_valid(const char *name, size_t len)
{
	if (len == 0 || len > CLICKID_PARAM_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
		      ch == '-'))
			return 0;
	}
	if (len >= 3 && (name[0] | 32) == 'u' && (name[1] | 32) == 't' &&
	    (name[2] | 32) == 'm')
		return 0;
	return 1;
}

size_t clickid_location(const char *url, size_t url_len, const char *param,
                        size_t param_len, const struct clickid *id, char *out,
                        size_t cap)
{
	const char *hash = memchr(url, '#', url_len);
	size_t end = hash ? (size_t)(hash - url) : url_len;
	const char *q = memchr(url, '?', end);
	char sep = !q ? '?' : (url[end - 1] == '?' || url[end - 1] == '&')
	                      ? 0 : '&';
	size_t n = url_len + (sep != 0) + param_len + 1 + CLICKID_LEN;
	if (n > cap)
		return 0;
	char *o = out;
	memcpy(o, url, end);
	o += end;
	if (sep)
		*o++ = sep;
	memcpy(o, param, param_len);
	o += param_len;
	*o++ = '=';
	clickid_format(id, o);
	o += CLICKID_LEN;
	memcpy(o, url + end, url_len - end);
	return n;
}
