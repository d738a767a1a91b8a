/*
 * idn: internationalised host names as linkctl sees them in targets.  A
 * target's host is ASCII (target.h: non-ASCII hosts are entered in their
 * "xn--" punycode form), but a browser shows the decoded name, and
 * xn--pple-43d shows as "аpple" with a Cyrillic "а": a look-alike of
 * another site.  idn_host_check decodes each xn-- label (RFC 3492) and
 * says when one mixes letters of scripts that are not written together
 * (Latin with Cyrillic, Greek or Armenian, say), the homograph browsers
 * themselves guard against.  Pure functions; no allocation.
 */
#ifndef REDIRECTD_LINKCTL_IDN_H
#define REDIRECTD_LINKCTL_IDN_H

#include <stddef.h>
#include <stdint.h>

/* The longest label DNS allows, in code points decoded. */
#define IDN_LABEL_MAX 63

/*
 * Decode the punycode in[0..n) (a label without its "xn--") into out
 * (max code points).  0 and *outn set, or -1: not valid punycode (a digit
 * out of range, an overflow, a code point that is not a scalar value,
 * more than max code points, input that ends mid-number).
 */
int idn_punycode_decode(const char *in, size_t n, uint32_t *out, size_t max,
                        size_t *outn);

enum idn_verdict {
	IDN_OK = 0,        /* no xn-- label, or each one of one script */
	IDN_MIXED,         /* a label mixes scripts */
	IDN_INVALID,       /* an xn-- label that does not decode */
};

/*
 * Check every label of host[0..n) (ASCII, as stored in a target).  On
 * IDN_MIXED, script[0] and script[1] name two of the scripts mixed
 * ("Latin", "Cyrillic", ...); on MIXED or INVALID, *label and *label_len
 * point at the label in host.
 */
int idn_host_check(const char *host, size_t n, const char **label,
                   size_t *label_len, const char *script[2]);

#endif
