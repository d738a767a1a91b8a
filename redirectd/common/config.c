/* config: the directive table and the parser.  See config.h. */
#include "config.h"
#include "clickid.h"
#include "target.h"
#include "visitor.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int set_listen(struct config *c, const char *v, char *err, size_t n);
static int set_path(char *dst, const char *v, char *err, size_t n);
static int set_hosts(struct config *c, const char *v, char *err, size_t n);

/* One row per directive: the name, how to set it, and its default as the
 * file spells it.  config_init sets each default by parsing that text, so
 * what redirectd.conf(5) and conf/redirectd.conf state is what the program
 * does; tests/integration/test_docs.py holds the three to one another. */
enum kind { K_LISTEN, K_PATH, K_OPT_PATH, K_NODE, K_UINT, K_DURATION,
            K_SYNC, K_DISABLED, K_CIDRS, K_IP_LOG, K_HOSTS, K_USER,
            K_URL, K_ADMIN, K_TEXT, K_QUERY, K_REAL_IP, K_SIZE,
            K_PERIOD, K_CLICK_ID };
static const struct directive {
	const char *name;
	enum kind kind;
	const char *def;      /* the default; NULL: none, decided at start */
	size_t off;           /* offset of the field in struct config */
	unsigned min, max;    /* K_UINT bounds; K_DURATION bounds in ms */
	size_t count_off;     /* K_CIDRS: offset of the entry count */
} directives[] = {
#define F(field) .off = offsetof(struct config, field)
	{ .name = "listen", .kind = K_LISTEN, .def = "127.0.0.1:8080" },
	{ .name = "db", .kind = K_PATH, .def = "/var/lib/redirectd/db", F(db) },
	/* The default is STORE_MAPSIZE_RO, the most linkctl grows a store
	 * to: more would map what no store can fill. */
	{ .name = "store_map_size", .kind = K_SIZE, .def = "1T",
	  F(store_map_size) },
	{ .name = "log_dir", .kind = K_PATH, .def = "/var/lib/redirectd/log",
	  F(log_dir) },
	{ .name = "state_dir", .kind = K_PATH, .def = "/var/lib/redirectd/state",
	  F(state_dir) },
	{ .name = "ua_rules", .kind = K_OPT_PATH, .def = "", F(ua_rules) },
	{ .name = "geoip_db", .kind = K_OPT_PATH, .def = "", F(geoip_db) },
	{ .name = "trusted_proxies", .kind = K_CIDRS, .def = "", F(trusted),
	  .count_off = offsetof(struct config, n_trusted) },
	{ .name = "real_ip_header", .kind = K_REAL_IP, .def = "x-real-ip" },
	{ .name = "internal_networks", .kind = K_CIDRS, .def = "", F(internal),
	  .count_off = offsetof(struct config, n_internal) },
	{ .name = "ip_log", .kind = K_IP_LOG, .def = "none" },
	/* How long one visitor salt lasts: a day keeps a person
	 * recognisable for the shortest time (redirectd.conf(5)). */
	{ .name = "visitor_period", .kind = K_PERIOD, .def = "day" },
	/* No default: the daemon takes the host name's first label. */
	{ .name = "node", .kind = K_NODE },
	{ .name = "threads", .kind = K_UINT, .def = "0", F(threads), .min = 0,
	  .max = 256 },
	{ .name = "max_connections", .kind = K_UINT, .def = "16384",
	  F(max_connections), .min = 1, .max = 1000000 },
	{ .name = "header_timeout", .kind = K_DURATION, .def = "10s",
	  F(header_timeout_ms), .min = 100, .max = 3600000 },
	{ .name = "keepalive_timeout", .kind = K_DURATION, .def = "60s",
	  F(keepalive_timeout_ms), .min = 0, .max = 3600000 },
	{ .name = "drain_timeout", .kind = K_DURATION, .def = "10s",
	  F(drain_timeout_ms), .min = 0, .max = 3600000 },
	{ .name = "log_sync", .kind = K_SYNC, .def = "1000" },
	{ .name = "disabled_status", .kind = K_DISABLED, .def = "410" },
	{ .name = "short_hosts", .kind = K_HOSTS, .def = "" },
	{ .name = "user", .kind = K_USER, .def = "" },
	{ .name = "query_passthrough", .kind = K_QUERY,
	  .def = QUERY_PASS_DEFAULT },
	{ .name = "click_id_param", .kind = K_CLICK_ID,
	  .def = CLICKID_PARAM_DEFAULT },
	{ .name = "base_url", .kind = K_URL, .def = "" },
	{ .name = "admin_listen", .kind = K_ADMIN, .def = "127.0.0.1:9180" },
	/* linkctl's campaign posts --send: the command mails are handed to
	 * on its standard input, and their From. */
	{ .name = "mailer", .kind = K_TEXT, .def = "/usr/sbin/sendmail -t -oi",
	  F(mailer) },
	{ .name = "mail_from", .kind = K_TEXT, .def = "", F(mail_from) },
	{ .name = "mailer_timeout", .kind = K_DURATION, .def = "5m",
	  F(mailer_timeout_ms), .min = 1000, .max = 3600000 },
#undef F
};
#define N_DIRECTIVES (sizeof directives / sizeof *directives)

void config_init(struct config *c)
{
	char err[200];
	memset(c, 0, sizeof *c);
	/* Every default parses: tests/config_table.c sets each one through
	 * config_set and fails on a refusal. */
	for (size_t i = 0; i < N_DIRECTIVES; i++)
		if (directives[i].def)
			(void)config_set(c, directives[i].name, directives[i].def,
			                 err, sizeof err);
}

const char *config_directive(size_t i, const char **def)
{
	if (i >= N_DIRECTIVES)
		return NULL;
	*def = directives[i].def;
	return directives[i].name;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static int parse_uint(const char *s, unsigned long long *out)
{
	if (*s < '0' || *s > '9')
		return -1;
	unsigned long long v = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	if (*s)
		return -1;
	*out = v;
	return 0;
}

/* A number and its unit ("250ms", "64G"): the number in *v (at most
 * UINT32_MAX) and the unit (possibly "") returned; NULL when there is no
 * number or it is too large. */
static const char *number_unit(const char *s, unsigned long long *v)
{
	char num[32];
	size_t i = 0;
	while (s[i] >= '0' && s[i] <= '9' && i < sizeof num - 1) {
		num[i] = s[i];
		i++;
	}
	num[i] = '\0';
	if (i == 0 || parse_uint(num, v) < 0)
		return NULL;
	return s + i;
}

int config_duration(const char *s, unsigned *ms)
{
	unsigned long long v, mult;
	const char *unit = number_unit(s, &v);
	if (!unit)
		return -1;
	if (!strcmp(unit, "ms"))
		mult = 1;
	else if (!strcmp(unit, "s") || !*unit)
		mult = 1000;
	else if (!strcmp(unit, "m"))
		mult = 60000;
	else if (!strcmp(unit, "h"))
		mult = 3600000;
	else
		return -1;
	if (v * mult > UINT32_MAX)
		return -1;
	*ms = (unsigned)(v * mult);
	return 0;
}

int config_size(const char *s, uint64_t *bytes)
{
	unsigned long long v;
	unsigned shift;
	const char *unit = number_unit(s, &v);
	if (!unit)
		return -1;
	if (!*unit)
		shift = 0;
	else if (!strcmp(unit, "K"))
		shift = 10;
	else if (!strcmp(unit, "M"))
		shift = 20;
	else if (!strcmp(unit, "G"))
		shift = 30;
	else if (!strcmp(unit, "T"))
		shift = 40;
	else
		return -1;
	/* v < 2^32 (number_unit), so v << 40 fits in 64 bits. */
	*bytes = (uint64_t)v << shift;
	return 0;
}

static int set_path(char *dst, const char *v, char *err, size_t n)
{
	if (!*v) {
		snprintf(err, n, "empty path");
		return -1;
	}
	if (strlen(v) >= CONFIG_STR_MAX) {
		snprintf(err, n, "path longer than %d bytes", CONFIG_STR_MAX - 1);
		return -1;
	}
	strcpy(dst, v);
	return 0;
}

/* HOST:PORT, [V6]:PORT, or a bare PORT (all addresses). */
static int check_listen(const char *v, char *err, size_t n)
{
	const char *colon = strrchr(v, ':');
	const char *port = colon ? colon + 1 : v;
	unsigned long long p;
	if (parse_uint(port, &p) < 0 || p == 0 || p > 65535) {
		snprintf(err, n, "listen: bad port in '%s' (want HOST:PORT)", v);
		return -1;
	}
	if (colon && v[0] == '[' && colon[-1] != ']') {
		snprintf(err, n, "listen: IPv6 addresses go in brackets: '%s'", v);
		return -1;
	}
	if (colon == v) {
		snprintf(err, n, "listen: empty host in '%s'", v);
		return -1;
	}
	return 0;
}

static int set_listen(struct config *c, const char *v, char *err, size_t n)
{
	char tmp[CONFIG_LIST_MAX * CONFIG_STR_MAX];
	unsigned count = 0;
	char items[CONFIG_LIST_MAX][CONFIG_STR_MAX] = { { 0 } };
	if (strlen(v) >= sizeof tmp) {
		snprintf(err, n, "listen: value too long");
		return -1;
	}
	strcpy(tmp, v);
	char *save = NULL;
	for (char *tok = strtok_r(tmp, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		tok = trim(tok);
		if (!*tok)
			continue;
		if (count == CONFIG_LIST_MAX) {
			snprintf(err, n, "listen: more than %d addresses",
			         CONFIG_LIST_MAX);
			return -1;
		}
		if (strlen(tok) >= CONFIG_STR_MAX || check_listen(tok, err, n) < 0) {
			if (strlen(tok) >= CONFIG_STR_MAX)
				snprintf(err, n, "listen: address too long");
			return -1;
		}
		strcpy(items[count++], tok);
	}
	if (!count) {
		snprintf(err, n, "listen: no address");
		return -1;
	}
	memcpy(c->listen, items, sizeof items);
	c->n_listen = count;
	return 0;
}

/*
 * A comma list of DNS names: [A-Za-z0-9-] labels of 1..63 characters that
 * neither start nor end with '-', dot-separated, at most 253 characters; one
 * trailing dot (the root) is dropped.  Stored in lower case, so linkctl
 * compares one spelling.  Empty: none.
 */
static int set_hosts(struct config *c, const char *v, char *err, size_t n)
{
	char items[CONFIG_LIST_MAX][CONFIG_HOST_MAX] = { { 0 } };
	unsigned count = 0;
	const char *p = v;
	while (*p) {
		const char *e = strchr(p, ',');
		if (!e)
			e = p + strlen(p);
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		const char *q = e;
		while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
			q--;
		size_t len = (size_t)(q - p);
		if (len && p[len - 1] == '.')
			len--;
		if (q > p) {
			int ok = len > 0 && len < CONFIG_HOST_MAX;
			size_t label = 0;
			for (size_t i = 0; ok && i < len; i++) {
				char ch = p[i];
				if (ch == '.') {
					ok = label > 0 && p[i - 1] != '-';
					label = 0;
				} else if ((ch >= 'a' && ch <= 'z') ||
				           (ch >= 'A' && ch <= 'Z') ||
				           (ch >= '0' && ch <= '9') ||
				           (ch == '-' && label > 0)) {
					ok = ++label <= 63;
				} else {
					ok = 0;
				}
			}
			if (!ok || label == 0 || p[len - 1] == '-') {
				snprintf(err, n, "short_hosts: not a host name: "
				         "'%.*s'", (int)(q - p), p);
				return -1;
			}
			if (count == CONFIG_LIST_MAX) {
				snprintf(err, n, "short_hosts: more than %d hosts",
				         CONFIG_LIST_MAX);
				return -1;
			}
			for (size_t i = 0; i < len; i++) {
				char ch = p[i];
				items[count][i] = (ch >= 'A' && ch <= 'Z')
				                  ? (char)(ch + 32) : ch;
			}
			items[count++][len] = '\0';
		}
		p = *e ? e + 1 : e;
	}
	memcpy(c->short_hosts, items, sizeof items);
	c->n_short_hosts = count;
	return 0;
}

/* query_passthrough's list naming click_id_param: it would never pass
 * (query_pass_deny), which the operator who listed it does not expect. */
static int clickid_conflict(const struct config *c, char *err, size_t errlen)
{
	const char *v = c->click_id_param;
	size_t len = c->click_id_param_len;
	for (unsigned k = 0; len && k < c->query_passthrough.n; k++) {
		const struct query_name *q = &c->query_passthrough.v[k];
		if (q->prefix ? len >= q->len && !strncasecmp(v, q->name, q->len)
		              : len == q->len && !strcasecmp(v, q->name)) {
			snprintf(err, errlen, "query_passthrough names '%s%s', "
			         "which click_id_param '%s' keeps for the ids the "
			         "daemon adds: no client may send its own", q->name,
			         q->prefix ? "*" : "", v);
			return -1;
		}
	}
	return 0;
}

int config_set(struct config *c, const char *name, const char *value,
               char *err, size_t errlen)
{
	const struct directive *d = NULL;
	for (size_t i = 0; i < N_DIRECTIVES; i++)
		if (!strcmp(directives[i].name, name))
			d = &directives[i];
	if (!d) {
		snprintf(err, errlen, "unknown directive '%s'", name);
		return -1;
	}
	unsigned long long u;
	unsigned ms;
	switch (d->kind) {
	case K_LISTEN:
		return set_listen(c, value, err, errlen);
	case K_PATH:
		return set_path((char *)c + d->off, value, err, errlen);
	case K_OPT_PATH:
		/* Empty switches the feature off. */
		if (!*value) {
			*((char *)c + d->off) = '\0';
			return 0;
		}
		return set_path((char *)c + d->off, value, err, errlen);
	case K_CIDRS: {
		unsigned *count = (unsigned *)((char *)c + d->count_off);
		char msg[160];
		if (cidr_list_parse(value, (struct cidr *)((char *)c + d->off),
		                    CONFIG_CIDR_MAX, count, msg, sizeof msg) < 0) {
			*count = 0;
			snprintf(err, errlen, "%s: %s", name, msg);
			return -1;
		}
		return 0;
	}
	case K_IP_LOG:
		if (!strcmp(value, "none"))
			c->ip_log = IP_LOG_NONE;
		else if (!strcmp(value, "truncated"))
			c->ip_log = IP_LOG_TRUNCATED;
		else if (!strcmp(value, "full"))
			c->ip_log = IP_LOG_FULL;
		else {
			snprintf(err, errlen, "ip_log: none, truncated or full, "
			         "got '%s'", value);
			return -1;
		}
		return 0;
	case K_NODE:
		/* The node name goes into segment file names: keep it to
		 * characters that are safe there. */
		if (!*value || strlen(value) >= sizeof c->node ||
		    strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		                  "0123456789-_") != strlen(value)) {
			snprintf(err, errlen,
			         "node: 1-63 characters of [A-Za-z0-9_-], got '%s'",
			         value);
			return -1;
		}
		strcpy(c->node, value);
		return 0;
	case K_UINT:
		if (parse_uint(value, &u) < 0 || u < d->min || u > d->max) {
			snprintf(err, errlen, "%s: want a whole number from %u to %u, "
			         "got '%s'", name, d->min, d->max, value);
			return -1;
		}
		*(unsigned *)((char *)c + d->off) = (unsigned)u;
		return 0;
	case K_DURATION:
		if (config_duration(value, &ms) < 0 || ms < d->min || ms > d->max) {
			snprintf(err, errlen, "%s: want a duration like 10s or 500ms "
			         "(%ums to %us), got '%s'", name, d->min,
			         d->max / 1000, value);
			return -1;
		}
		*(unsigned *)((char *)c + d->off) = ms;
		return 0;
	case K_SIZE: {
		/* store_map_size: LMDB needs no more than the data, and a map
		 * under 1 MiB is a typo, not a setting. */
		uint64_t b;
		if (config_size(value, &b) < 0 || b < CONFIG_SIZE_MIN ||
		    b > CONFIG_SIZE_MAX) {
			snprintf(err, errlen, "%s: want a size like 64G or 512M "
			         "(1M to 1T; K, M, G, T are powers of 1024), "
			         "got '%s'", name, value);
			return -1;
		}
		*(uint64_t *)((char *)c + d->off) = b;
		return 0;
	}
	case K_SYNC:
		if (!strcmp(value, "never")) {
			c->log_sync_ms = LOG_SYNC_NEVER;
			return 0;
		}
		if (!strcmp(value, "batch")) {
			c->log_sync_ms = LOG_SYNC_BATCH;
			return 0;
		}
		if (parse_uint(value, &u) < 0 || u < 1 || u > 3600000) {
			snprintf(err, errlen, "log_sync: want milliseconds (1 to "
			         "3600000), 'batch' or 'never', got '%s'", value);
			return -1;
		}
		c->log_sync_ms = (int)u;
		return 0;
	case K_DISABLED:
		if (strcmp(value, "404") && strcmp(value, "410")) {
			snprintf(err, errlen, "disabled_status: 404 or 410, got '%s'",
			         value);
			return -1;
		}
		c->disabled_status = (unsigned)atoi(value);
		return 0;
	case K_PERIOD: {
		int p = visitor_period_parse(value);
		if (p < 0) {
			snprintf(err, errlen, "visitor_period: day, week or month, "
			         "got '%s'", value);
			return -1;
		}
		c->visitor_period = (enum visitor_period)p;
		return 0;
	}
	case K_HOSTS:
		return set_hosts(c, value, err, errlen);
	case K_QUERY:
		if (query_pass_parse(value, &c->query_passthrough, err,
		                     errlen) < 0)
			return -1;
		return clickid_conflict(c, err, errlen);
	case K_CLICK_ID: {
		size_t len = strlen(value);
		if (!clickid_param_valid(value, len)) {
			snprintf(err, errlen, "click_id_param: a parameter name "
			         "of 1 to %d characters of [A-Za-z0-9_.-], not "
			         "starting with utm, got '%s'", CLICKID_PARAM_MAX,
			         value);
			return -1;
		}
		memcpy(c->click_id_param, value, len + 1);
		c->click_id_param_len = (unsigned char)len;
		query_pass_deny(&c->query_passthrough, value, len);
		return clickid_conflict(c, err, errlen);
	}
	case K_REAL_IP:
		/* Header names are case-insensitive; so is their choice. */
		if (!strcasecmp(value, "x-real-ip"))
			c->real_ip_header = CLIENTIP_HDR_REAL_IP;
		else if (!strcasecmp(value, "x-forwarded-for"))
			c->real_ip_header = CLIENTIP_HDR_FORWARDED_FOR;
		else {
			snprintf(err, errlen, "real_ip_header: x-real-ip or "
			         "x-forwarded-for, got '%s'", value);
			return -1;
		}
		return 0;
	case K_URL: {
		/* base_url: a URL that codes are appended to, so no query or
		 * fragment; the target rules (bar the shortener list: a
		 * shortener's own domain is its base) check the rest. */
		char url[TARGET_MAX + 1];
		size_t len;
		struct target_policy any = { .allow_shorteners = 1 };
		int terr;
		if (!*value) {
			c->base_url[0] = '\0';
			return 0;
		}
		if ((terr = target_normalize(value, strlen(value), &any, url,
		                             &len)) != TARGET_OK) {
			snprintf(err, errlen, "base_url: %s", target_strerror(terr));
			return -1;
		}
		if (memchr(url, '?', len) || memchr(url, '#', len)) {
			snprintf(err, errlen, "base_url: no query or fragment, "
			         "codes follow it: '%s'", value);
			return -1;
		}
		while (len && url[len - 1] == '/')
			url[--len] = '\0';
		if (len >= sizeof c->base_url) {
			snprintf(err, errlen, "base_url: longer than %zu bytes",
			         sizeof c->base_url - 1);
			return -1;
		}
		memcpy(c->base_url, url, len + 1);
		return 0;
	}
	case K_TEXT: {
		/* Text as written: what it means is its user's to check
		 * (linkctl checks mail_from as an address, runs mailer). */
		size_t len = strlen(value);
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f) {
				snprintf(err, errlen, "%s: control character in the "
				         "value", name);
				return -1;
			}
		if (len >= CONFIG_STR_MAX) {
			snprintf(err, errlen, "%s: longer than %d bytes", name,
			         CONFIG_STR_MAX - 1);
			return -1;
		}
		memcpy((char *)c + d->off, value, len + 1);
		return 0;
	}
	case K_ADMIN:
		/* off, unix:/absolute/path (it must fit sun_path), or one
		 * HOST:PORT as listen takes it. */
		if (!strcmp(value, "off")) {
			c->admin_listen[0] = '\0';
			return 0;
		}
		if (!strncmp(value, "unix:", 5)) {
			if (value[5] != '/' || strlen(value + 5) >= 108) {
				snprintf(err, errlen, "admin_listen: unix: takes an "
				         "absolute path of up to 107 bytes, got '%s'",
				         value);
				return -1;
			}
		} else if (strchr(value, ',') || strlen(value) >= CONFIG_STR_MAX ||
		           check_listen(value, err, errlen) < 0) {
			snprintf(err, errlen, "admin_listen: HOST:PORT, "
			         "unix:/path or off, got '%s'", value);
			return -1;
		}
		strcpy(c->admin_listen, value);
		return 0;
	case K_USER:
		/* A user name (looked up at start, see privs.c); empty: stay
		 * who we are started as. */
		if (strlen(value) >= sizeof c->user || value[0] == '-' ||
		    strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		                  "0123456789._-") != strlen(value)) {
			snprintf(err, errlen, "user: a user name of up to 32 "
			         "characters of [A-Za-z0-9._-], got '%s'", value);
			return -1;
		}
		strcpy(c->user, value);
		return 0;
	}
	return -1;
}

static void diag_add(struct config_diag *diag, unsigned line, const char *msg)
{
	if (diag->n < CONFIG_DIAG_MAX) {
		diag->e[diag->n].line = line;
		snprintf(diag->e[diag->n].msg, sizeof diag->e[0].msg, "%s", msg);
	}
	diag->n++;
}

unsigned config_parse(struct config *c, const char *buf, size_t len,
                      struct config_diag *diag)
{
	char seen[N_DIRECTIVES] = { 0 };
	unsigned line = 0;
	size_t pos = 0;
	memset(diag, 0, sizeof *diag);
	while (pos < len) {
		size_t end = pos;
		while (end < len && buf[end] != '\n')
			end++;
		line++;
		char text[4096], err[200];
		size_t n = end - pos;
		int too_long = n >= sizeof text;
		if (too_long)
			n = sizeof text - 1;
		memcpy(text, buf + pos, n);
		text[n] = '\0';
		pos = end + 1;
		if (too_long) {
			diag_add(diag, line, "line too long");
			continue;
		}
		if (memchr(text, '\0', n)) {
			diag_add(diag, line, "NUL byte in line");
			continue;
		}
		char *hash = strchr(text, '#');
		if (hash)
			*hash = '\0';
		char *s = trim(text);
		if (!*s)
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			diag_add(diag, line, "expected 'name = value'");
			continue;
		}
		*eq = '\0';
		char *name = trim(s), *value = trim(eq + 1);
		/* A directive set twice is a mistake (which one did the
		 * author mean?); a line refused for its value does not count. */
		size_t k = 0, nd = N_DIRECTIVES;
		while (k < nd && strcmp(directives[k].name, name))
			k++;
		if (k < nd && seen[k]) {
			snprintf(err, sizeof err, "'%s' set twice", name);
			diag_add(diag, line, err);
		} else if (config_set(c, name, value, err, sizeof err) < 0) {
			diag_add(diag, line, err);
		} else {
			seen[k] = 1;
		}
	}
	return diag->n;
}
