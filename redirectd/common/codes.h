/*
 * codes: what a short-link code may be, and minting random ones.
 *
 * Random codes are 8 base62 characters from getrandom(): 62^8 ≈ 2.2e14, not
 * sequential and not guessable, so nobody can walk the link space.  Vanity
 * codes use the safe alphabet [A-Za-z0-9_-]: nothing that needs
 * percent-encoding, nothing a mail client or a chat app cuts off a URL at.
 * Codes are case-sensitive.
 */
#ifndef REDIRECTD_CODES_H
#define REDIRECTD_CODES_H

#include <stddef.h>

#define CODE_RANDOM_LEN 8
#define CODE_MAX 64

/* 1 when c may appear in a code.  Table look-up, for the hot path. */
extern const unsigned char code_alphabet[256];
static inline int code_char(unsigned char c) { return code_alphabet[c]; }

/* 1 when code[0..len) is a valid code (1..CODE_MAX safe characters). */
int code_valid(const char *code, size_t len);

/* Write CODE_RANDOM_LEN random base62 characters and a NUL to out.
 * Returns 0, or a negative errno when getrandom() fails. */
int code_random(char out[CODE_RANDOM_LEN + 1]);

#endif
