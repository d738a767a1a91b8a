/*
 * platform: which platform a click came from, read from its Referer.
 *
 * A Referer names the page (or, on Android, the app) the link was clicked
 * in.  This module maps its host to enum click_platform with a small static
 * table of host suffixes, plus two documented heuristics.  It owns that
 * table and the minimal URL reading it needs; it does not read User-Agent
 * in-app tokens, store anything, or lower-case for the caller.  Platform
 * names ("x", "facebook") are clickrec_platform_name()'s.
 *
 * What to expect from the data: many sites send no Referer or only an
 * origin (Referrer-Policy), mobile apps often send none, so PLATFORM_NONE
 * is common and is not "direct traffic".  Mastodon and webmail are
 * recognised by heuristics (see platform.c) and undercount.
 */
#ifndef REDIRECTD_PLATFORM_H
#define REDIRECTD_PLATFORM_H

#include <stddef.h>

#include "clickrec.h"   /* enum click_platform */

/* Longest host platform_from_referer reports (a DNS name, RFC 1035). */
#define PLATFORM_HOST_MAX 253

/*
 * The platform of a Referer value ref[0..len) (no NUL needed).
 *   - absent (ref NULL or len 0): PLATFORM_NONE, host len 0
 *   - http(s)://[userinfo@]host[:port][/?#...]: looked up by host, any
 *     case, the host or any subdomain of a table entry ("l.facebook.com"
 *     is facebook, "notfacebook.com" and "facebook.com.evil.example" are
 *     not); PLATFORM_OTHER if no entry matches
 *   - android-app://package[/...]: looked up by the exact package name
 *     (the app's id, e.g. com.google.android.gm); the package is the host
 *   - anything else (another scheme, a relative or unparsable value, a host
 *     with characters outside [A-Za-z0-9._-] or an invalid [IPv6] literal,
 *     a bad port): PLATFORM_OTHER, host len 0
 * *host, *host_len: a view into ref of the host without userinfo, port or
 * a trailing dot (an IPv6 literal keeps its brackets); never the path or
 * query.  As typed: the caller lower-cases it when storing.  Pure,
 * thread-safe, no allocation.
 */
enum click_platform platform_from_referer(const char *ref, size_t len,
                                          const char **host, size_t *host_len);

#endif
