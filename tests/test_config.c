/* Unit tests of config.c: the parser, every directive, every diagnostic. */
#include <string.h>

#include "config.h"
#include "tap.h"

static unsigned parse(struct config *c, const char *text, struct config_diag *d)
{
	config_init(c);
	return config_parse(c, text, strlen(text), d);
}

int main(void)
{
	struct config c;
	struct config_diag d;

	config_init(&c);
	is_str(c.listen[0], "127.0.0.1:8080", "default listen");
	is_int(c.n_listen, 1, "one default address");
	is_str(c.db, "/var/lib/redirectd/db", "default db");
	is_str(c.log_dir, "/var/lib/redirectd/log", "default log_dir");
	is_int(c.threads, 0, "default threads");
	is_int(c.header_timeout_ms, 10000, "default header_timeout");
	is_int(c.keepalive_timeout_ms, 60000, "default keepalive_timeout");
	is_int(c.log_sync_ms, 1000, "default log_sync");
	is_int(c.disabled_status, 410, "default disabled_status");
	ok(c.store_map_size == (uint64_t)1 << 40, "default store_map_size 1T");

	is_int(parse(&c,
	             "# comment\n"
	             "\n"
	             "listen = 127.0.0.1:9000, [::1]:9001 ,8080\n"
	             "db=/srv/db   # trailing comment\n"
	             "  log_dir =  /srv/log\t\n"
	             "threads = 4\r\n"
	             "node = web-1\n"
	             "max_connections = 100\n"
	             "header_timeout = 500ms\n"
	             "keepalive_timeout = 2m\n"
	             "drain_timeout = 3\n"
	             "log_sync = never\n"
	             "disabled_status = 404\n", &d),
	       0, "a full file parses");
	is_int(c.n_listen, 3, "three listen addresses");
	is_str(c.listen[0], "127.0.0.1:9000", "first address");
	is_str(c.listen[1], "[::1]:9001", "second address trimmed");
	is_str(c.listen[2], "8080", "bare port");
	is_str(c.db, "/srv/db", "db without spaces around =, comment cut");
	is_str(c.log_dir, "/srv/log", "log_dir trimmed");
	is_int(c.threads, 4, "threads with CRLF line end");
	is_str(c.node, "web-1", "node");
	is_int(c.max_connections, 100, "max_connections");
	is_int(c.header_timeout_ms, 500, "ms duration");
	is_int(c.keepalive_timeout_ms, 120000, "minute duration");
	is_int(c.drain_timeout_ms, 3000, "bare seconds");
	is_int(c.log_sync_ms, -1, "log_sync never");
	is_int(c.disabled_status, 404, "disabled_status 404");

	/* Every error is reported with its line, and parsing goes on. */
	is_int(parse(&c,
	             "threads = many\n"          /* 1 */
	             "bogus = 1\n"               /* 2 */
	             "listen\n"                  /* 3 */
	             "listen = 127.0.0.1:0\n"    /* 4 */
	             "threads = 2\n"             /* 5: twice */
	             "threads = 3\n"             /* 6 */
	             "header_timeout = 10x\n"    /* 7 */
	             "node = a.b\n"              /* 8 */
	             "log_sync = 0\n"            /* 9 */
	             "disabled_status = 500\n"   /* 10 */
	             "db = \n", &d),             /* 11 */
	       10, "ten errors found");
	is_int(d.e[0].line, 1, "bad number on line 1");
	ok(strstr(d.e[0].msg, "threads") != NULL, "message names the directive");
	is_int(d.e[1].line, 2, "unknown directive on line 2");
	ok(strstr(d.e[1].msg, "unknown directive 'bogus'") != NULL,
	   "message names the unknown directive");
	is_int(d.e[2].line, 3, "missing '=' on line 3");
	is_int(d.e[3].line, 4, "port 0 on line 4");
	is_int(d.e[4].line, 6, "second 'threads' on line 6");
	ok(strstr(d.e[4].msg, "set twice") != NULL, "duplicate reported");
	is_int(d.e[5].line, 7, "bad duration on line 7");
	is_int(d.e[6].line, 8, "bad node on line 8");
	is_int(d.e[7].line, 9, "log_sync 0 on line 9");
	is_int(d.e[8].line, 10, "bad disabled_status on line 10");
	is_int(d.e[9].line, 11, "empty db on line 11");
	is_int(c.threads, 2, "the valid threads line still applied");

	config_init(&c);
	is_int(parse(&c, "log_sync = batch\n", &d), 0, "log_sync = batch");
	is_int(c.log_sync_ms, LOG_SYNC_BATCH, "log_sync batch");
	config_init(&c);
	is_int(parse(&c, "log_sync = 250\n", &d), 0, "log_sync = 250");
	is_int(c.log_sync_ms, 250, "log_sync 250 ms");
	is_int(parse(&c, "log_sync = Batch\n", &d), 1, "log_sync is case-sensitive");
	ok(strstr(d.e[0].msg, "'batch'") != NULL, "the message lists batch");

	/* visitor_period: how long a salt lasts. */
	config_init(&c);
	is_int(c.visitor_period, VISITOR_PERIOD_DAY, "default visitor_period day");
	is_int(parse(&c, "visitor_period = week\n", &d), 0, "visitor_period = week");
	is_int(c.visitor_period, VISITOR_PERIOD_WEEK, "visitor_period week");
	is_int(parse(&c, "visitor_period = month\n", &d), 0, "visitor_period = month");
	is_int(c.visitor_period, VISITOR_PERIOD_MONTH, "visitor_period month");
	is_int(parse(&c, "visitor_period = Week\n", &d), 1,
	       "visitor_period is case-sensitive");
	ok(strstr(d.e[0].msg, "day, week or month") != NULL,
	   "the message lists the periods");
	is_int(parse(&c, "visitor_period = year\n", &d), 1, "year refused");
	is_int(parse(&c, "visitor_period =\n", &d), 1, "empty refused");

	/* click_id_param: a parameter name, denied to query_passthrough. */
	config_init(&c);
	is_str(c.click_id_param, "rd_click", "default click_id_param");
	is_str(c.query_passthrough.deny, "rd_click", "  denied to query_passthrough");
	is_int(parse(&c, "click_id_param = ref_id\n", &d), 0, "click_id_param = ref_id");
	ok(!strcmp(c.click_id_param, "ref_id") && c.click_id_param_len == 6 &&
	   !strcmp(c.query_passthrough.deny, "ref_id"), "  set, and denied");
	is_int(parse(&c, "click_id_param = ref_id\nquery_passthrough = all\n", &d),
	       0, "click_id_param, then query_passthrough = all");
	ok(c.query_passthrough.mode == QUERY_ALL &&
	   !strcmp(c.query_passthrough.deny, "ref_id"), "  still denied");
	is_int(parse(&c, "click_id_param = utm_id\n", &d), 1, "utm_id refused");
	is_int(parse(&c, "click_id_param = a=b\n", &d), 1, "'=' refused");
	is_int(parse(&c, "click_id_param =\n", &d), 1, "empty refused");
	config_init(&c);
	is_int(parse(&c, "query_passthrough = fbclid, rd_click\n", &d), 1,
	       "a list naming click_id_param refused");
	ok(strstr(d.e[0].msg, "click_id_param") != NULL, "  the message says why",
	   d.e[0].msg);
	config_init(&c);
	is_int(parse(&c, "query_passthrough = fbclid, ref*\nclick_id_param = ref_id\n",
	             &d), 1, "click_id_param that a list's prefix lets through refused");
	is_int(parse(&c, "query_passthrough = fbclid, ref*\nclick_id_param = x_id\n",
	             &d), 0, "  another name is fine");

	/* query_passthrough: an allow-list (query.c holds the details). */
	config_init(&c);
	is_int(c.query_passthrough.mode, QUERY_LIST, "default query_passthrough: a list");
	is_int(c.query_passthrough.n, 10, "  of the 10 click ids");
	is_str(c.query_passthrough.v[0].name, "fbclid", "  fbclid first");
	is_int(parse(&c, "query_passthrough = off\n", &d), 0, "query_passthrough = off");
	is_int(c.query_passthrough.mode, QUERY_OFF, "query_passthrough off");
	is_int(parse(&c, "query_passthrough = yes\n", &d), 0, "query_passthrough = yes");
	ok(c.query_passthrough.mode == QUERY_LIST && c.query_passthrough.n == 10,
	   "query_passthrough yes (the old boolean): the default list, not all");
	is_int(parse(&c, "query_passthrough = on\n", &d), 0, "query_passthrough = on");
	ok(c.query_passthrough.mode == QUERY_LIST && c.query_passthrough.n == 10,
	   "query_passthrough on: the default list");
	is_int(parse(&c, "query_passthrough = all\n", &d), 0, "query_passthrough = all");
	is_int(c.query_passthrough.mode, QUERY_ALL, "query_passthrough all");
	is_int(parse(&c, "query_passthrough = fbclid, Ref, mc_*  # ours\n", &d), 0,
	       "query_passthrough = a list with a prefix and a comment");
	ok(c.query_passthrough.mode == QUERY_LIST && c.query_passthrough.n == 3 &&
	   !strcmp(c.query_passthrough.v[1].name, "ref") &&
	   c.query_passthrough.v[2].prefix && c.query_passthrough.v[2].len == 3,
	   "  three entries, lower case, the prefix without its star");
	is_int(parse(&c, "query_passthrough = 1\n", &d), 0,
	       "query_passthrough = 1: a parameter named 1");
	is_int(parse(&c, "query_passthrough = utm_source\n", &d), 1,
	       "query_passthrough = utm_source refused");
	ok(strstr(d.e[0].msg, "never pass") != NULL, "  the message says why", d.e[0].msg);
	is_int(parse(&c, "query_passthrough =\n", &d), 1, "query_passthrough empty refused");
	is_int(parse(&c, "query_passthrough = next, all\n", &d), 1,
	       "query_passthrough: all in a list refused");
	is_int(parse(&c, "query_passthrough = a b\n", &d), 1,
	       "query_passthrough: a space in a name refused");
	is_int(d.e[0].line, 1, "  on its line");

	/* real_ip_header: the one forwarding header believed. */
	config_init(&c);
	is_int(c.real_ip_header, CLIENTIP_HDR_REAL_IP, "default real_ip_header x-real-ip");
	is_int(parse(&c, "real_ip_header = x-forwarded-for\n", &d), 0,
	       "real_ip_header = x-forwarded-for");
	is_int(c.real_ip_header, CLIENTIP_HDR_FORWARDED_FOR, "  set");
	is_int(parse(&c, "real_ip_header = X-Real-IP\n", &d), 0,
	       "real_ip_header = X-Real-IP (any case)");
	is_int(c.real_ip_header, CLIENTIP_HDR_REAL_IP, "  set");
	is_int(parse(&c, "real_ip_header = X-Forwarded-For\n", &d), 0,
	       "real_ip_header = X-Forwarded-For (any case)");
	is_int(c.real_ip_header, CLIENTIP_HDR_FORWARDED_FOR, "  set");
	is_int(parse(&c, "real_ip_header = forwarded\n", &d), 1, "real_ip_header = forwarded refused");
	ok(strstr(d.e[0].msg, "x-real-ip or x-forwarded-for") != NULL,
	   "  the message names both", d.e[0].msg);
	is_int(parse(&c, "real_ip_header = x-real-ip, x-forwarded-for\n", &d), 1,
	       "real_ip_header: one header, not two");
	is_int(parse(&c, "real_ip_header =\n", &d), 1, "real_ip_header empty refused");

	is_int(parse(&c, "listen = [::1:80\n", &d), 1, "unbracketed IPv6 refused");
	is_int(parse(&c, "listen = ,\n", &d), 1, "empty list refused");
	is_int(parse(&c, "threads = 4294967296\n", &d), 1, "overflow refused");
	is_int(parse(&c, "threads = 257\n", &d), 1, "over the bound refused");
	is_int(parse(&c, "threads = -1\n", &d), 1, "negative refused");
	config_init(&c);
	is_int(config_parse(&c, "", 0, &d), 0, "empty buffer");
	{
		const char nul[] = "threads = 1\0\n";
		config_init(&c);
		is_int(config_parse(&c, nul, sizeof nul - 1, &d), 1, "NUL byte refused");
	}
	is_int(parse(&c, "threads = 1", &d), 0, "no final newline");
	is_int(c.threads, 1, "last line without newline applied");

	unsigned ms;
	is_int(config_duration("250ms", &ms), 0, "250ms");
	is_int(ms, 250, "250ms value");
	is_int(config_duration("1h", &ms), 0, "1h");
	is_int(ms, 3600000, "1h value");
	is_int(config_duration("", &ms), -1, "empty duration");
	is_int(config_duration("ms", &ms), -1, "unit alone");
	is_int(config_duration("5d", &ms), -1, "unknown unit");
	is_int(config_duration("99999999999", &ms), -1, "overflow");

	uint64_t b;
	is_int(config_size("64G", &b), 0, "64G");
	ok(b == (uint64_t)64 << 30, "64G value");
	is_int(config_size("512M", &b), 0, "512M");
	ok(b == (uint64_t)512 << 20, "512M value");
	is_int(config_size("4096K", &b), 0, "4096K");
	ok(b == (uint64_t)4 << 20, "4096K value");
	is_int(config_size("1T", &b), 0, "1T");
	ok(b == (uint64_t)1 << 40, "1T value");
	is_int(config_size("4294967295T", &b), 0, "the largest number");
	ok(b == (uint64_t)4294967295 << 40, "and its T do not overflow");
	is_int(config_size("1048576", &b), 0, "bare bytes");
	ok(b == 1048576, "bare bytes value");
	is_int(config_size("", &b), -1, "empty size");
	is_int(config_size("G", &b), -1, "unit alone");
	is_int(config_size("1g", &b), -1, "lower-case unit");
	is_int(config_size("1GB", &b), -1, "unit with B");
	is_int(config_size("1 G", &b), -1, "space before the unit");
	is_int(config_size("-1G", &b), -1, "negative");
	is_int(config_size("1.5G", &b), -1, "fraction");
	is_int(config_size("4294967296G", &b), -1, "number overflow");

	config_init(&c);
	is_int(parse(&c, "store_map_size = 4G\n", &d), 0, "store_map_size = 4G");
	ok(c.store_map_size == (uint64_t)4 << 30, "store_map_size 4G");
	is_int(parse(&c, "store_map_size = 1M\n", &d), 0, "the least: 1M");
	ok(c.store_map_size == (uint64_t)1 << 20, "store_map_size 1M");
	is_int(parse(&c, "store_map_size = 1023K\n", &d), 1, "under 1M refused");
	ok(strstr(d.e[0].msg, "store_map_size: want a size") != NULL,
	   "the message names the directive and what it wants");
	is_int(parse(&c, "store_map_size = 1025G\n", &d), 1, "over 1T refused");
	is_int(parse(&c, "store_map_size = lots\n", &d), 1, "words refused");
	is_int(parse(&c, "store_map_size = 1e9\n", &d), 1, "exponent refused");
	is_int(parse(&c, "store_map_size =\n", &d), 1, "empty refused");
	ok(c.store_map_size == (uint64_t)1 << 40, "a refused value leaves the default");

	char err[200];
	config_init(&c);
	is_int(config_set(&c, "threads", "8", err, sizeof err), 0, "config_set");
	is_int(c.threads, 8, "config_set value");
	is_int(config_set(&c, "nope", "1", err, sizeof err), -1, "config_set unknown");
	is_str(err, "unknown directive 'nope'", "config_set message");

	/* Many errors: the count goes on past the kept diagnostics. */
	{
		char big[4096] = "";
		for (int i = 0; i < 40; i++)
			strcat(big, "x = 1\n");
		is_int(parse(&c, big, &d), 40, "40 errors counted");
		is_int(d.e[CONFIG_DIAG_MAX - 1].line, CONFIG_DIAG_MAX, "kept ones in order");
	}
	return tap_done();
}
