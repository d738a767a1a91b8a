/*
 * check: the rules for the values linkctl stores -- handles, names, teams,
 * emails, the mail opt-out, campaign names -- and the UTF-8 they are made
 * of.  Pure: the callers word and print the refusals (the *_RULE texts are
 * public: tests and scripts match them).  Links' codes are codes.c's
 * (code_valid); targets are target.c's.
 */
#ifndef REDIRECTD_LINKCTL_CHECK_H
#define REDIRECTD_LINKCTL_CHECK_H

#include <stddef.h>

#define CHECK_HANDLE_MAX 64      /* bytes */
#define CHECK_NAME_MAX 200       /* a colleague's name, a team */
#define CHECK_EMAIL_MAX 254
#define CHECK_CAMPAIGN_MAX 100   /* a campaign's name */

#define CHECK_HANDLE_RULE \
	"1-64 characters of a-z 0-9 . _ -, starting with a letter or digit"
#define CHECK_CAMPAIGN_RULE "1-100 bytes, no control characters, no '/'"
#define CHECK_CODE_RULE "invalid code: 1-64 characters of A-Z a-z 0-9 _ -"

/* 1 when s[0..n) is UTF-8 without control characters (C0, DEL, C1,
 * U+2028, U+2029: utf8_control): what the name-like fields may hold (they
 * end up in JSON and in terminals). */
int check_text(const char *s, size_t n);

/* Fold a handle to lower case into out[CHECK_HANDLE_MAX + 1] (in may be
 * out); 0 when it is not a valid handle.  Folding makes "Alice" and
 * "alice" one colleague. */
int check_handle(const char *in, size_t n, char *out);

/* A colleague's fields: NULL when fine, else the whole refusal
 * ("invalid name: ...").  The email may be empty. */
const char *check_name(const char *s, size_t n);
const char *check_team(const char *s, size_t n);
const char *check_email(const char *s, size_t n);

/* A colleague's mail setting as staff import's mail column spells it:
 * 1 for yes (also empty, 1, true), 0 for no (0, false), any case; -1 for
 * anything else (CHECK_MAIL_RULE). */
int check_mail(const char *s, size_t n);
#define CHECK_MAIL_RULE "yes or no (or 1 or 0, true or false; empty: yes)"

/* 1 when s[0..n) may name a campaign (CHECK_CAMPAIGN_RULE). */
int check_campaign(const char *s, size_t n);

#endif
