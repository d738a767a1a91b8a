/*
 * config: redirectd's configuration, as one declarative table of directives.
 *
 * The file format: one directive per line, "name = value"; '#' starts a
 * comment; blank lines are ignored; a list takes comma-separated values.
 * Parsing is pure (a buffer in, a struct and diagnostics out) and goes on
 * after an error, so one run of `redirectd -n` shows every mistake, each as
 * "file:line: message".  Reading the file and printing are the caller's.
 * redirectd.conf(5) is the reference for every directive, and
 * conf/redirectd.conf shows each with its default: test_docs.py fails when
 * either disagrees with the table.
 */
#ifndef REDIRECTD_CONFIG_H
#define REDIRECTD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "clickid.h"
#include "netaddr.h"
#include "query.h"
#include "visitor.h"

#define CONFIG_LIST_MAX 16
#define CONFIG_STR_MAX 512
#define CONFIG_DIAG_MAX 32
#define CONFIG_CIDR_MAX 64
#define CONFIG_HOST_MAX 254     /* a DNS name (253) and its NUL */
#define CONFIG_SIZE_MIN ((uint64_t)1 << 20)   /* store_map_size bounds */
#define CONFIG_SIZE_MAX ((uint64_t)1 << 40)

enum ip_log { IP_LOG_NONE = 0, IP_LOG_TRUNCATED = 1, IP_LOG_FULL = 2 };

/* log_sync values other than an interval in milliseconds. */
#define LOG_SYNC_NEVER (-1)     /* the kernel's writeback only */
#define LOG_SYNC_BATCH (-2)     /* every batch durable before its responses */

struct config {
	char listen[CONFIG_LIST_MAX][CONFIG_STR_MAX];
	unsigned n_listen;
	char db[CONFIG_STR_MAX];
	/* store_map_size: address space mapped for each open store, in
	 * bytes (mdb_env_set_mapsize); 1 MiB to 1 TiB. */
	uint64_t store_map_size;
	char log_dir[CONFIG_STR_MAX];
	char state_dir[CONFIG_STR_MAX]; /* the daily visitor salt */
	char ua_rules[CONFIG_STR_MAX];  /* operator's User-Agent rules; "" none */
	char geoip_db[CONFIG_STR_MAX];  /* country database; "" none */
	struct cidr trusted[CONFIG_CIDR_MAX];   /* trusted_proxies */
	unsigned n_trusted;
	struct cidr internal[CONFIG_CIDR_MAX];  /* internal_networks */
	unsigned n_internal;
	enum ip_log ip_log;
	enum visitor_period visitor_period;   /* how long a salt lasts */
	char node[64];                  /* empty: the host name */
	unsigned threads;               /* 0: one per CPU */
	unsigned max_connections;       /* whole daemon */
	unsigned header_timeout_ms;     /* deadline for a whole request head */
	unsigned keepalive_timeout_ms;  /* idle time between requests */
	unsigned drain_timeout_ms;      /* SIGTERM: time for in-flight requests */
	int log_sync_ms;                /* fdatasync interval, or LOG_SYNC_* */
	unsigned disabled_status;       /* 404 or 410 */
	char user[33];                  /* run as after start-up; "" stay */
	/* query_passthrough: which of a request's parameters join the
	 * target's (query_merge). */
	struct query_pass query_passthrough;
	/* click_id_param: the parameter a link minted with --click-id gets
	 * in its Location (clickid_location); also denied to
	 * query_passthrough, so no client supplies its own. */
	char click_id_param[CLICKID_PARAM_MAX + 1];
	unsigned char click_id_param_len;
	/* real_ip_header: the one forwarding header trusted_proxies are
	 * believed in (clientip_pick). */
	enum clientip_header real_ip_header;
	/* short_hosts: our own short domains, lower case, without a
	 * trailing dot.  linkctl refuses targets on them (a loop). */
	char short_hosts[CONFIG_LIST_MAX][CONFIG_HOST_MAX];
	unsigned n_short_hosts;
	/* base_url: where short links live ("https://go.example.org"), for
	 * linkctl's campaign output; http(s), no query or fragment, stored
	 * without a trailing '/'.  "" none.  The daemon does not use it. */
	char base_url[CONFIG_STR_MAX];
	/* admin_listen: where /metrics and /healthz are served (the main
	 * thread, never a worker): "HOST:PORT", "[V6]:PORT", or
	 * "unix:/absolute/path"; "" when off. */
	char admin_listen[CONFIG_STR_MAX];
	/* mailer, mail_from: for linkctl's campaign posts --send (a command
	 * line run by /bin/sh; "Name <addr>" or ""), as written.  The daemon
	 * does not use them. */
	char mailer[CONFIG_STR_MAX];
	char mail_from[CONFIG_STR_MAX];
	unsigned mailer_timeout_ms;     /* then the mailer is killed */
};

struct config_diag {
	unsigned n;                     /* errors found (may exceed the kept) */
	struct { unsigned line; char msg[200]; } e[CONFIG_DIAG_MAX];
};

/* Every directive at its default (the table's text, parsed). */
void config_init(struct config *c);

/* The directives, in table order: the name of the i-th and, in *def, its
 * default as the file would spell it ("" empty; NULL none: decided at
 * start, as node's host name).  NULL past the last.  Static strings. */
const char *config_directive(size_t i, const char **def);

/* Parse a whole file's text; returns the number of errors (0: valid).
 * Directives set here override earlier values in *c. */
unsigned config_parse(struct config *c, const char *buf, size_t len,
                      struct config_diag *diag);

/* Set one directive from text (the file and command-line options share
 * this).  Returns 0, or -1 with a message in err. */
int config_set(struct config *c, const char *name, const char *value,
               char *err, size_t errlen);

/* A duration: "250ms", "10s", "2m", or a bare number of seconds.
 * Returns 0 and milliseconds in *ms, or -1. */
int config_duration(const char *s, unsigned *ms);

/* A size: a whole number of bytes, or followed by K, M, G or T (powers of
 * 1024): "64G", "512M".  Returns 0 and the bytes in *bytes, or -1. */
int config_size(const char *s, uint64_t *bytes);

#endif
