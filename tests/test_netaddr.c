/* Unit tests: netaddr (addresses, prefixes, the client behind proxies). */
#include <stdint.h>
#include <string.h>

#include "netaddr.h"
#include "tap.h"

/* Parse s; the canonical text, or "-" when refused. */
static const char *canon(const char *s)
{
	static char buf[NETADDR_STRLEN];
	struct netaddr a;
	if (netaddr_parse(s, strlen(s), &a) < 0)
		return "-";
	if (netaddr_format(&a, buf, sizeof buf) < 0)
		return "(format failed)";
	return buf;
}

static void good(const char *s, const char *want, int len)
{
	struct netaddr a;
	is_str(canon(s), want, "parse '%s' -> %s", s, want);
	if (netaddr_parse(s, strlen(s), &a) == 0)
		is_int(a.len, len, "  '%s' is %d bytes", s, len);
}

static void bad(const char *s)
{
	is_str(canon(s), "-", "refuse '%s'", s);
}

static struct netaddr addr(const char *s)
{
	struct netaddr a = { 0 };
	if (netaddr_parse(s, strlen(s), &a) < 0)
		ok(0, "test address '%s' parses", s);
	return a;
}

static void test_ipv4(void)
{
	good("0.0.0.0", "0.0.0.0", 4);
	good("1.2.3.4", "1.2.3.4", 4);
	good("255.255.255.255", "255.255.255.255", 4);
	good("192.168.100.10", "192.168.100.10", 4);
	good("10.0.0.1", "10.0.0.1", 4);
	good("100.20.3.0", "100.20.3.0", 4);
	bad("");
	bad("1.2.3");
	bad("1.2.3.4.5");
	bad("256.1.1.1");
	bad("1.256.1.1");
	bad("1.1.1.256");
	bad("1.2.3.1000");
	bad("01.2.3.4");
	bad("1.02.3.4");
	bad("1.2.3.00");
	bad("00.0.0.0");
	bad("0x1.2.3.4");
	bad("1.2.3.0x4");
	bad("1.2.3.4 ");
	bad(" 1.2.3.4");
	bad("1.2.3.4.");
	bad(".1.2.3.4");
	bad("1..2.3");
	bad("1.2.3.");
	bad("1.2.3.-4");
	bad("+1.2.3.4");
	bad("1.2.3.4/32");
	bad("1.2.3.4:80");
	bad("16909060");          /* inet_aton's single number */
	bad("[1.2.3.4]");
	bad("a.b.c.d");
	/* NUL inside the given length. */
	struct netaddr a;
	is_int(netaddr_parse("1.2.3.4\0", 8, &a), -1, "refuse trailing NUL");
	is_int(netaddr_parse("1.2.3.4\n", 8, &a), -1, "refuse trailing newline");
	is_int(netaddr_parse("1.2.3.4xyz", 7, &a), 0, "length bounds the parse");
	is_int(netaddr_parse(NULL, 0, &a), -1, "refuse NULL, 0");
}

static void test_ipv6(void)
{
	good("::", "::", 16);
	good("::1", "::1", 16);
	good("1::", "1::", 16);
	good("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", 16);
	good("2001:DB8::ABCD", "2001:db8::abcd", 16);
	good("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1", 16);
	good("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", 16);    /* first of equal runs */
	good("2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1", 16);      /* longest run */
	good("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", 16); /* lone 0 stays */
	good("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0", 16);           /* "::" = one group */
	good("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8", 16);
	good("fe80::1", "fe80::1", 16);
	good("FE80::1", "fe80::1", 16);
	good("0:0:0:0:0:0:0:0", "::", 16);
	good("::ffff:1.2.3.4", "1.2.3.4", 4);
	good("::FFFF:1.2.3.4", "1.2.3.4", 4);
	good("0:0:0:0:0:ffff:102:304", "1.2.3.4", 4);
	good("::ffff:0.0.0.0", "0.0.0.0", 4);
	good("::1.2.3.4", "::102:304", 16);       /* IPv4-compatible: not mapped */
	good("64:ff9b::192.0.2.33", "64:ff9b::c000:221", 16);
	good("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304", 16);
	good("1::1.2.3.4", "1::102:304", 16);
	good("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
	     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 16);
	good("::ffff:1:2", "0.1.0.2", 4);        /* mapped, in hex */
	good("::fffe:1:2", "::fffe:1:2", 16);     /* not the mapped prefix */
	good("0:0:0:0:1:ffff:1:2", "::1:ffff:1:2", 16);
	good("0::0", "::", 16);
	good("abcd:ef01:2345:6789:ABCD:EF01:2345:6789",
	     "abcd:ef01:2345:6789:abcd:ef01:2345:6789", 16);
	bad(":");
	bad(":::");
	bad("::::");
	bad("1:2:3:4:5:6:7");
	bad("1:2:3:4:5:6:7:8:9");
	bad("1:2:3:4:5:6:7:8::");
	bad("::1:2:3:4:5:6:7:8");
	bad("1::2::3");
	bad("1:::2");
	bad(":1::");
	bad(":1:2:3:4:5:6:7:8");
	bad("1:2:3:4:5:6:7:8:");
	bad("1:");
	bad("fe80::1%eth0");
	bad("fe80::1%1");
	bad("12345::1");
	bad("1:2:3:4:5:6:7:00008");
	bad("g::1");
	bad("::1 ");
	bad(" ::1");
	bad("[::1]");
	bad("::1/128");
	bad("1:2:3:4:5:6:7:1.2.3.4");     /* 9 groups' worth */
	bad("1:2:3:4:5:6:7:8:1.2.3.4");
	bad("::1.2.3");
	bad("::1.2.3.4.5");
	bad("::01.2.3.4");
	bad("::256.2.3.4");
	bad("::1.2.3.4:1");                /* dotted quad only at the end */
	bad("::ffff:1.2.3.4%0");
	bad("1.2.3.4::");
	bad("::1:");
	bad("0000:0000:0000:0000:0000:0000:0000:0000:0");   /* nine groups */
}

static void test_bracketed(void)
{
	struct netaddr a;
	is_int(netaddr_parse_bracketed("[::1]", 5, &a), 0, "bracketed [::1]");
	is_int(a.len, 16, "  is IPv6");
	is_int(netaddr_parse_bracketed("[::ffff:1.2.3.4]", 16, &a), 0,
	       "bracketed mapped");
	is_int(a.len, 4, "  is IPv4");
	is_int(netaddr_parse_bracketed("::1", 3, &a), 0, "bare IPv6 too");
	is_int(netaddr_parse_bracketed("1.2.3.4", 7, &a), 0, "bare IPv4 too");
	is_int(netaddr_parse_bracketed("[1.2.3.4]", 9, &a), -1, "no [IPv4]");
	is_int(netaddr_parse_bracketed("[::1", 4, &a), -1, "unclosed");
	is_int(netaddr_parse_bracketed("::1]", 4, &a), -1, "unopened");
	is_int(netaddr_parse_bracketed("[]", 2, &a), -1, "empty brackets");
	is_int(netaddr_parse_bracketed("[[::1]]", 7, &a), -1, "double brackets");
	is_int(netaddr_parse_bracketed("[fe80::1%eth0]", 14, &a), -1,
	       "no zone in brackets");
}

static void test_bytes_format(void)
{
	struct netaddr a, b;
	uint8_t m[16] = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 1 };
	is_int(netaddr_from_bytes(&a, m, 16), 0, "from mapped bytes");
	is_int(a.len, 4, "  stored as IPv4");
	b = addr("192.0.2.1");
	ok(netaddr_equal(&a, &b), "  equals 192.0.2.1");
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	is_int(netaddr_from_bytes(&a, v6, 16), 0, "from IPv6 bytes");
	b = addr("2001:db8::1");
	ok(netaddr_equal(&a, &b), "  equals 2001:db8::1");
	is_int(netaddr_from_bytes(&a, v6, 5), -1, "from 5 bytes refused");

	char out[NETADDR_STRLEN];
	a = addr("255.255.255.255");
	is_int(netaddr_format(&a, out, 16), 15, "format fits 15+1");
	is_int(netaddr_format(&a, out, 15), -1, "format refuses cap 15");
	a = addr("1:2:3:4:5:6:7:8");
	is_int(netaddr_format(&a, out, sizeof out), 15, "format length");
	a.len = 5;
	is_int(netaddr_format(&a, out, sizeof out), -1, "format bad len");
	a = addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	is_int(netaddr_format(&a, out, sizeof out), 39, "longest canonical text");
	struct netaddr x = addr("1.2.3.4"), y = addr("::ffff:1.2.3.4");
	ok(netaddr_equal(&x, &y), "v4 equals its mapped form");
	x = addr("::1.2.3.4");
	ok(!netaddr_equal(&x, &y), "compatible form differs from mapped");
}

static const char *cidr_text(const char *s)
{
	static char buf[64];
	struct cidr c;
	if (cidr_parse(s, strlen(s), &c) < 0)
		return "-";
	int n = netaddr_format(&c.net, buf, sizeof buf);
	snprintf(buf + n, sizeof buf - (size_t)n, "/%u", c.bits);
	return buf;
}

static int contains(const char *cidr, const char *a)
{
	struct cidr c;
	struct netaddr x = addr(a);
	if (cidr_parse(cidr, strlen(cidr), &c) < 0)
		return -1;
	return cidr_contains(&c, &x);
}

static void test_cidr(void)
{
	is_str(cidr_text("10.0.0.0/8"), "10.0.0.0/8", "cidr 10/8");
	is_str(cidr_text("2001:db8::/32"), "2001:db8::/32", "cidr 2001:db8::/32");
	is_str(cidr_text("1.2.3.4"), "1.2.3.4/32", "bare v4 is /32");
	is_str(cidr_text("::1"), "::1/128", "bare v6 is /128");
	is_str(cidr_text("0.0.0.0/0"), "0.0.0.0/0", "v4 /0");
	is_str(cidr_text("::/0"), "::/0", "v6 /0");
	is_str(cidr_text("1.2.3.4/32"), "1.2.3.4/32", "v4 /32");
	is_str(cidr_text("2001:db8::1/128"), "2001:db8::1/128", "v6 /128");
	is_str(cidr_text("fc00::/7"), "fc00::/7", "v6 /7");
	is_str(cidr_text("fe00::/7"), "fe00::/7", "fe00::/7: last prefix bit 0");
	is_str(cidr_text("fd00::/7"), "-", "fd00::/7: host bit set");
	is_str(cidr_text("::ffff:10.0.0.0/104"), "10.0.0.0/8", "mapped /104 -> v4 /8");
	is_str(cidr_text("::ffff:0:0/96"), "0.0.0.0/0", "mapped /96 -> v4 /0");
	is_str(cidr_text("::ffff:1.2.3.4"), "1.2.3.4/32", "bare mapped -> /32");
	is_str(cidr_text("::ffff:0:0/95"), "-", "mapped below /96");
	is_str(cidr_text("::ffff:10.0.0.0/8"), "-", "mapped /8 (IPv6 bits)");
	is_str(cidr_text("10.0.0.1/8"), "-", "host bits set v4");
	is_str(cidr_text("10.128.0.0/8"), "-", "host bits set v4, first byte");
	is_str(cidr_text("11.0.0.0/7"), "-", "host bits set in partial byte");
	is_str(cidr_text("10.0.0.0/7"), "10.0.0.0/7", "no host bits in partial byte");
	is_str(cidr_text("10.0.0.0/33"), "-", "v4 /33");
	is_str(cidr_text("::/129"), "-", "v6 /129");
	is_str(cidr_text("10.0.0.0/08"), "-", "leading zero in bits");
	is_str(cidr_text("10.0.0.0/"), "-", "empty bits");
	is_str(cidr_text("10.0.0.0/+8"), "-", "signed bits");
	is_str(cidr_text("10.0.0.0/8 "), "-", "trailing space");
	is_str(cidr_text("10.0.0.0/8/8"), "-", "two slashes");
	is_str(cidr_text("/8"), "-", "no address");
	is_str(cidr_text("10.0.0/8"), "-", "short address");
	is_str(cidr_text("1.2.3.4/0"), "-", "host bits at /0");
	is_str(cidr_text("2001:db8::1/64"), "-", "host bits set v6");

	is_int(contains("0.0.0.0/0", "1.2.3.4"), 1, "/0 contains any v4");
	is_int(contains("0.0.0.0/0", "::1"), 0, "v4 /0 not v6");
	is_int(contains("::/0", "2001:db8::1"), 1, "::/0 contains any v6");
	is_int(contains("::/0", "1.2.3.4"), 0, "::/0 not v4");
	is_int(contains("::/0", "::ffff:1.2.3.4"), 0, "::/0 not mapped v4");
	is_int(contains("1.2.3.4/32", "1.2.3.4"), 1, "/32 itself");
	is_int(contains("1.2.3.4/32", "1.2.3.5"), 0, "/32 neighbour");
	is_int(contains("2001:db8::1/128", "2001:db8::1"), 1, "/128 itself");
	is_int(contains("2001:db8::1/128", "2001:db8::"), 0, "/128 neighbour");
	is_int(contains("fc00::/7", "fc00::"), 1, "/7 first");
	is_int(contains("fc00::/7", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 1,
	       "/7 last");
	is_int(contains("fc00::/7", "fe00::"), 0, "/7 just after");
	is_int(contains("fc00::/7", "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 0,
	       "/7 just before");
	is_int(contains("10.0.0.0/8", "10.255.255.255"), 1, "/8 last");
	is_int(contains("10.0.0.0/8", "11.0.0.0"), 0, "/8 just after");
	is_int(contains("10.0.0.0/8", "9.255.255.255"), 0, "/8 just before");
	is_int(contains("172.16.0.0/12", "172.31.255.255"), 1, "/12 last");
	is_int(contains("172.16.0.0/12", "172.32.0.0"), 0, "/12 just after");
	is_int(contains("2001:db8::/32", "2001:db8:ffff::1"), 1, "/32 v6 inside");
	is_int(contains("2001:db8::/32", "2001:db9::"), 0, "/32 v6 after");
	is_int(contains("::ffff:10.0.0.0/104", "10.1.2.3"), 1,
	       "mapped prefix contains v4");
	is_int(contains("10.0.0.0/8", "::ffff:10.1.2.3"), 1,
	       "v4 prefix contains mapped");
	is_int(contains("128.0.0.0/1", "128.0.0.0"), 1, "/1 upper half");
	is_int(contains("128.0.0.0/1", "127.255.255.255"), 0, "/1 lower half");
}

static void test_cidr_list(void)
{
	struct cidr v[4];
	unsigned n = 99;
	char err[128];
	struct cidr_list l = { v, 0 };

	is_int(cidr_list_parse("10.0.0.0/8, 127.0.0.1 ,\t::1", v, 4, &n, err,
	                       sizeof err), 0, "list of 3");
	is_int(n, 3, "  3 items");
	is_str(err, "", "  no message");
	l.n = n;
	struct netaddr a = addr("10.9.9.9");
	ok(cidr_list_contains(&l, &a), "  contains 10.9.9.9");
	a = addr("::1");
	ok(cidr_list_contains(&l, &a), "  contains ::1");
	a = addr("127.0.0.2");
	ok(!cidr_list_contains(&l, &a), "  not 127.0.0.2");
	ok(!cidr_list_contains(NULL, &a), "NULL list contains nothing");
	l.n = 0;
	a = addr("10.9.9.9");
	ok(!cidr_list_contains(&l, &a), "empty list contains nothing");

	is_int(cidr_list_parse("", v, 4, &n, err, sizeof err), 0, "empty string");
	is_int(n, 0, "  no items");
	is_int(cidr_list_parse(" \t ", v, 4, &n, err, sizeof err), 0, "blank string");
	is_int(n, 0, "  no items");
	is_int(cidr_list_parse("1.2.3.4,", v, 4, &n, err, sizeof err), -1,
	       "trailing comma");
	is_str(err, "item 2: empty", "  message");
	is_int(cidr_list_parse("1.2.3.4,,5.6.7.8", v, 4, &n, err, sizeof err), -1,
	       "empty item");
	is_int(n, 1, "  one parsed before");
	is_int(cidr_list_parse(",1.2.3.4", v, 4, &n, err, sizeof err), -1,
	       "leading comma");
	is_int(cidr_list_parse("1.2.3.4, 10.0.0.1/8", v, 4, &n, err, sizeof err), -1,
	       "host bits in list");
	is_str(err, "item 2 '10.0.0.1/8': host bits set beyond the prefix length",
	       "  message says why");
	is_int(cidr_list_parse("nginx", v, 4, &n, err, sizeof err), -1, "a name");
	is_str(err, "item 1 'nginx': not an IP address", "  message");
	is_int(cidr_list_parse("1.2.3.0/33", v, 4, &n, err, sizeof err), -1,
	       "bad bits");
	is_str(err, "item 1 '1.2.3.0/33': bad prefix length", "  message");
	is_int(cidr_list_parse("1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5", v, 4, &n,
	                       err, sizeof err), -1, "over max");
	is_str(err, "more than 4 prefixes", "  message");
	is_int(n, 4, "  max kept");
	is_int(cidr_list_parse("1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4", v, 4, &n, err,
	                       sizeof err), 0, "exactly max");
	char tiny[8];
	is_int(cidr_list_parse("bogus-bogus-bogus", v, 4, &n, tiny, sizeof tiny), -1,
	       "small err buffer");
	is_int(strlen(tiny), 7, "  truncated, terminated");
	char longitem[200];
	memset(longitem, 'x', sizeof longitem - 1);
	longitem[sizeof longitem - 1] = '\0';
	is_int(cidr_list_parse(longitem, v, 4, &n, err, sizeof err), -1, "long item");
	ok(strstr(err, "...") != NULL, "  quoted item shortened");
}

static void special(const char *s, int want)
{
	struct netaddr a = addr(s);
	is_int(netaddr_is_special(&a), want, "%s %s", s, want ? "special" : "public");
}

static void test_special(void)
{
	/* Each range at both ends, and the addresses just outside. */
	special("0.0.0.0", 1);
	special("0.255.255.255", 1);
	special("1.0.0.0", 0);
	special("10.0.0.0", 1);
	special("10.255.255.255", 1);
	special("11.0.0.0", 0);
	special("9.255.255.255", 0);
	special("100.64.0.0", 1);
	special("100.127.255.255", 1);
	special("100.63.255.255", 0);
	special("100.128.0.0", 0);
	special("127.0.0.1", 1);
	special("127.255.255.255", 1);
	special("128.0.0.0", 0);
	special("169.254.0.1", 1);
	special("169.253.255.255", 0);
	special("169.255.0.0", 0);
	special("172.16.0.0", 1);
	special("172.31.255.255", 1);
	special("172.15.255.255", 0);
	special("172.32.0.0", 0);
	special("192.0.0.1", 1);
	special("192.0.1.0", 0);
	special("192.0.2.0", 1);
	special("192.0.2.255", 1);
	special("192.0.3.0", 0);
	special("192.168.0.0", 1);
	special("192.168.255.255", 1);
	special("192.169.0.0", 0);
	special("192.167.255.255", 0);
	special("198.18.0.0", 1);
	special("198.19.255.255", 1);
	special("198.20.0.0", 0);
	special("198.51.100.7", 1);
	special("198.51.101.0", 0);
	special("203.0.113.9", 1);
	special("203.0.114.0", 0);
	special("224.0.0.1", 1);
	special("239.255.255.255", 1);
	special("223.255.255.255", 0);
	special("240.0.0.1", 1);
	special("255.255.255.255", 1);
	special("8.8.8.8", 0);
	special("1.1.1.1", 0);
	special("::ffff:10.0.0.1", 1);
	special("::ffff:8.8.8.8", 0);

	special("::", 1);
	special("::1", 1);
	special("::2", 0);
	special("100::1", 1);
	special("100::1:0:0:0:0", 0);
	special("2001:db8::1", 1);
	special("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 1);
	special("2001:db9::", 0);
	special("2001:db7:ffff::", 0);
	special("3fff::1", 1);
	special("3fff:fff::", 1);
	special("3fff:1000::", 0);
	special("fc00::1", 1);
	special("fd12:3456::1", 1);
	special("fbff::1", 0);
	special("fe80::1", 1);
	special("febf:ffff::1", 1);
	special("fec0::1", 1);
	special("feff::1", 1);
	special("ff02::1", 1);
	special("ff0e::1", 1);
	special("2606:4700::1111", 0);
	special("2a00:1450:4001::1", 0);
	struct netaddr none = { 0 };
	is_int(netaddr_is_special(&none), 0, "no address: 0");
}

static void test_truncate(void)
{
	char out[NETADDR_STRLEN];
	struct netaddr a = addr("203.0.113.77");
	is_int(netaddr_truncate(&a), 24, "v4 keeps 24");
	netaddr_format(&a, out, sizeof out);
	is_str(out, "203.0.113.0", "  to the /24");
	a = addr("2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff");
	is_int(netaddr_truncate(&a), 48, "v6 keeps 48");
	netaddr_format(&a, out, sizeof out);
	is_str(out, "2001:db8:aaaa::", "  to the /48");
	a = addr("::ffff:198.51.100.200");
	is_int(netaddr_truncate(&a), 24, "mapped is v4: 24");
	struct netaddr none = { 0 };
	is_int(netaddr_truncate(&none), 0, "no address: 0");
}

/* clientip_pick with NUL-terminated headers (NULL: absent); returns the
 * source, the chosen address in *out as text. */
static struct cidr tv[8];
static struct cidr_list trusted = { tv, 0 };
static enum clientip_header hdr;   /* the header believed (real_ip_header) */

static int pick(const char *peer, const char *rip, const char *xff,
                const char **out)
{
	static char buf[NETADDR_STRLEN];
	struct netaddr p = addr(peer), o;
	int src = clientip_pick(&trusted, hdr, &p, rip, rip ? strlen(rip) : 0, xff,
	                        xff ? strlen(xff) : 0, &o);
	netaddr_format(&o, buf, sizeof buf);
	*out = buf;
	return src;
}

#define PICK(peer, rip, xff, want_src, want_ip, name) do { \
	const char *o_; \
	is_int(pick(peer, rip, xff, &o_), want_src, name); \
	is_str(o_, want_ip, "  " name ": address"); \
} while (0)

static void test_clientip(void)
{
	char err[100];
	unsigned n;
	if (cidr_list_parse("127.0.0.1, 10.0.0.0/8, 2001:db8:1::/48", tv, 8, &n,
	                    err, sizeof err) < 0)
		ok(0, "trusted list: %s", err);
	trusted.n = n;

	/* Untrusted peers: headers ignored, whichever is believed. */
	hdr = CLIENTIP_HDR_FORWARDED_FOR;
	PICK("198.51.100.1", "1.2.3.4", "5.6.7.8", CLIENTIP_PEER, "198.51.100.1",
	     "untrusted peer ignores both headers (XFF believed)");
	PICK("127.0.0.1", NULL, NULL, CLIENTIP_PEER, "127.0.0.1",
	     "trusted peer without headers (XFF believed)");
	hdr = CLIENTIP_HDR_REAL_IP;
	PICK("198.51.100.1", "1.2.3.4", "5.6.7.8", CLIENTIP_PEER, "198.51.100.1",
	     "untrusted peer ignores both headers");
	PICK("198.51.100.1", NULL, "5.6.7.8", CLIENTIP_PEER, "198.51.100.1",
	     "untrusted peer ignores XFF");
	PICK("198.51.100.1", "garbage", NULL, CLIENTIP_PEER, "198.51.100.1",
	     "untrusted peer: malformed header is not even read");
	PICK("2001:db8:2::1", "1.2.3.4", NULL, CLIENTIP_PEER, "2001:db8:2::1",
	     "untrusted v6 peer");
	PICK("127.0.0.1", NULL, NULL, CLIENTIP_PEER, "127.0.0.1",
	     "trusted peer without headers");

	/* X-Real-IP believed (the default, as conf/nginx.conf sets it). */
	PICK("127.0.0.1", "203.0.113.5", NULL, CLIENTIP_REAL_IP, "203.0.113.5",
	     "X-Real-IP");
	PICK("127.0.0.1", "203.0.113.5", "192.0.2.1", CLIENTIP_REAL_IP,
	     "203.0.113.5", "X-Real-IP wins over XFF");
	PICK("127.0.0.1", "203.0.113.5", "bogus", CLIENTIP_REAL_IP, "203.0.113.5",
	     "X-Real-IP wins over a malformed XFF");
	PICK("127.0.0.1", " \t203.0.113.5\t ", NULL, CLIENTIP_REAL_IP,
	     "203.0.113.5", "X-Real-IP trimmed");
	PICK("127.0.0.1", "2001:DB8::5", NULL, CLIENTIP_REAL_IP, "2001:db8::5",
	     "X-Real-IP v6");
	PICK("127.0.0.1", "::ffff:203.0.113.5", NULL, CLIENTIP_REAL_IP,
	     "203.0.113.5", "X-Real-IP mapped -> v4");
	PICK("127.0.0.1", "10.1.1.1", NULL, CLIENTIP_REAL_IP, "10.1.1.1",
	     "X-Real-IP taken even if trusted");
	PICK("127.0.0.1", "203.0.113.5:4444", NULL, CLIENTIP_REAL_IP,
	     "203.0.113.5", "X-Real-IP with port");
	PICK("127.0.0.1", "", NULL, CLIENTIP_MALFORMED, "127.0.0.1",
	     "empty X-Real-IP");
	PICK("127.0.0.1", "  ", NULL, CLIENTIP_MALFORMED, "127.0.0.1",
	     "blank X-Real-IP");
	PICK("127.0.0.1", "unknown", "203.0.113.9", CLIENTIP_MALFORMED,
	     "127.0.0.1", "malformed X-Real-IP: peer, XFF not consulted");
	PICK("127.0.0.1", "1.2.3.4, 5.6.7.8", NULL, CLIENTIP_MALFORMED,
	     "127.0.0.1", "X-Real-IP list");
	PICK("127.0.0.1", "01.2.3.4", NULL, CLIENTIP_MALFORMED, "127.0.0.1",
	     "X-Real-IP octal-looking");
	PICK("127.0.0.1", NULL, "203.0.113.5", CLIENTIP_MALFORMED, "127.0.0.1",
	     "X-Real-IP believed, only XFF sent: the peer, counted");
	PICK("127.0.0.1", NULL, "192.0.2.1, 203.0.113.5", CLIENTIP_MALFORMED,
	     "127.0.0.1", "X-Real-IP believed, XFF never read");

	/* X-Forwarded-For believed: X-Real-IP is never read, so a proxy that
	 * passes on the client's own cannot let it choose its address. */
	hdr = CLIENTIP_HDR_FORWARDED_FOR;
	PICK("127.0.0.1", "198.51.100.66", "203.0.113.5", CLIENTIP_FORWARDED,
	     "203.0.113.5", "XFF believed: a spoofed X-Real-IP is ignored");
	PICK("127.0.0.1", "garbage", "203.0.113.5", CLIENTIP_FORWARDED,
	     "203.0.113.5", "XFF believed: a malformed X-Real-IP is not read");
	PICK("127.0.0.1", "198.51.100.66", NULL, CLIENTIP_MALFORMED, "127.0.0.1",
	     "XFF believed, only X-Real-IP sent: the peer, counted");

	/* X-Forwarded-For. */
	PICK("127.0.0.1", NULL, "203.0.113.5", CLIENTIP_FORWARDED, "203.0.113.5",
	     "XFF single");
	PICK("127.0.0.1", NULL, "192.0.2.1, 203.0.113.5", CLIENTIP_FORWARDED,
	     "203.0.113.5", "XFF rightmost");
	PICK("127.0.0.1", NULL, "192.0.2.1, 203.0.113.5, 10.0.0.2",
	     CLIENTIP_FORWARDED, "203.0.113.5", "XFF rightmost untrusted");
	PICK("127.0.0.1", NULL, "192.0.2.1,203.0.113.5 ,\t10.0.0.2 , 127.0.0.1",
	     CLIENTIP_FORWARDED, "203.0.113.5",
	     "XFF skips several trusted, spaces and tabs around commas");
	PICK("127.0.0.1", NULL, "10.0.0.3, 10.0.0.2", CLIENTIP_FORWARDED,
	     "10.0.0.3", "XFF all trusted: leftmost");
	PICK("127.0.0.1", NULL, "127.0.0.1", CLIENTIP_FORWARDED, "127.0.0.1",
	     "XFF one trusted entry");
	PICK("127.0.0.1", NULL, "garbage, 203.0.113.5", CLIENTIP_FORWARDED,
	     "203.0.113.5", "junk left of the chosen entry is not read");
	PICK("127.0.0.1", NULL, ", 203.0.113.5", CLIENTIP_FORWARDED,
	     "203.0.113.5", "empty entry left of the chosen one is not read");
	PICK("127.0.0.1", NULL, "203.0.113.5, garbage", CLIENTIP_MALFORMED,
	     "127.0.0.1", "malformed rightmost entry");
	PICK("127.0.0.1", NULL, "203.0.113.5, unknown, 10.0.0.1",
	     CLIENTIP_MALFORMED, "127.0.0.1", "malformed entry the walk reaches");
	PICK("127.0.0.1", NULL, "garbage, 10.0.0.1", CLIENTIP_MALFORMED,
	     "127.0.0.1", "all-trusted walk reaches the junk");
	PICK("127.0.0.1", NULL, "203.0.113.5,", CLIENTIP_MALFORMED, "127.0.0.1",
	     "trailing comma (empty rightmost)");
	PICK("127.0.0.1", NULL, "203.0.113.5, ,10.0.0.1", CLIENTIP_MALFORMED,
	     "127.0.0.1", "empty entry reached");
	PICK("127.0.0.1", NULL, "", CLIENTIP_MALFORMED, "127.0.0.1", "empty XFF");
	PICK("127.0.0.1", NULL, " ", CLIENTIP_MALFORMED, "127.0.0.1", "blank XFF");
	PICK("127.0.0.1", NULL, "203.0.113.5 10.0.0.1", CLIENTIP_MALFORMED,
	     "127.0.0.1", "space-separated, not comma");
	PICK("127.0.0.1", NULL, "fe80::1%eth0", CLIENTIP_MALFORMED, "127.0.0.1",
	     "zone id");

	/* Ports. */
	PICK("127.0.0.1", NULL, "203.0.113.5:5678", CLIENTIP_FORWARDED,
	     "203.0.113.5", "v4:port");
	PICK("127.0.0.1", NULL, "[2001:db8::1]:443", CLIENTIP_FORWARDED,
	     "2001:db8::1", "[v6]:port");
	PICK("127.0.0.1", NULL, "[2001:db8::1]", CLIENTIP_FORWARDED,
	     "2001:db8::1", "[v6]");
	PICK("127.0.0.1", NULL, "2001:db8::1:443", CLIENTIP_FORWARDED,
	     "2001:db8::1:443", "bare v6: no port stripped");
	PICK("127.0.0.1", NULL, "10.0.0.9:80, 203.0.113.5:1", CLIENTIP_FORWARDED,
	     "203.0.113.5", "ports on several entries");
	PICK("127.0.0.1", NULL, "203.0.113.5:65535", CLIENTIP_FORWARDED,
	     "203.0.113.5", "port 65535");
	PICK("127.0.0.1", NULL, "203.0.113.5:65536", CLIENTIP_MALFORMED,
	     "127.0.0.1", "port 65536");
	PICK("127.0.0.1", NULL, "203.0.113.5:", CLIENTIP_MALFORMED, "127.0.0.1",
	     "empty port");
	PICK("127.0.0.1", NULL, "203.0.113.5:123456", CLIENTIP_MALFORMED,
	     "127.0.0.1", "6-digit port");
	PICK("127.0.0.1", NULL, "203.0.113.5:http", CLIENTIP_MALFORMED,
	     "127.0.0.1", "named port");
	PICK("127.0.0.1", NULL, "[203.0.113.5]:80", CLIENTIP_MALFORMED,
	     "127.0.0.1", "[v4]:port");
	PICK("127.0.0.1", NULL, "[2001:db8::1]443", CLIENTIP_MALFORMED,
	     "127.0.0.1", "no colon before port");
	PICK("127.0.0.1", NULL, "[2001:db8::1", CLIENTIP_MALFORMED, "127.0.0.1",
	     "unclosed bracket");

	/* IPv6 and mapped peers and entries. */
	PICK("2001:db8:1::53", NULL, "2001:db8:1::7, 2001:db8:ffff::9",
	     CLIENTIP_FORWARDED, "2001:db8:ffff::9", "v6 peer, v6 entries");
	PICK("2001:db8:1::53", NULL, "203.0.113.5, 2001:db8:1::7",
	     CLIENTIP_FORWARDED, "203.0.113.5", "v6 peer, trusted v6 hop skipped");
	hdr = CLIENTIP_HDR_REAL_IP;
	PICK("2001:db8:1::53", "2001:db8:ffff::9", NULL, CLIENTIP_REAL_IP,
	     "2001:db8:ffff::9", "v6 peer, X-Real-IP");
	hdr = CLIENTIP_HDR_FORWARDED_FOR;
	PICK("::ffff:127.0.0.1", NULL, "203.0.113.5", CLIENTIP_FORWARDED,
	     "203.0.113.5", "v4-mapped trusted peer");
	PICK("127.0.0.1", NULL, "203.0.113.5, ::ffff:10.0.0.1", CLIENTIP_FORWARDED,
	     "203.0.113.5", "mapped trusted entry skipped");

	/* A v4-mapped peer handed in as raw 16 bytes (a dual-stack socket). */
	struct netaddr p, o;
	p.len = 16;
	memset(p.b, 0, 16);
	p.b[10] = p.b[11] = 0xff;
	p.b[12] = 127, p.b[15] = 1;
	is_int(clientip_pick(&trusted, hdr, &p, NULL, 0, "203.0.113.5", 11, &o),
	       CLIENTIP_FORWARDED, "raw mapped peer counts as trusted v4");
	p.b[12] = 198, p.b[13] = 51, p.b[14] = 100, p.b[15] = 1;
	is_int(clientip_pick(&trusted, hdr, &p, NULL, 0, "203.0.113.5", 11, &o),
	       CLIENTIP_PEER, "raw mapped untrusted peer");
	is_int(o.len, 4, "  peer returned as v4");

	/* No trusted list. */
	struct netaddr q = addr("127.0.0.1");
	is_int(clientip_pick(NULL, CLIENTIP_HDR_REAL_IP, &q, "1.2.3.4", 7, NULL, 0,
	                     &o), CLIENTIP_PEER,
	       "NULL trusted list");
	struct cidr_list none = { tv, 0 };
	is_int(clientip_pick(&none, CLIENTIP_HDR_REAL_IP, &q, "1.2.3.4", 7, NULL, 0,
	                     &o), CLIENTIP_PEER,
	       "empty trusted list");

	/* Limits.  XFF: the walk goes as far as the value does (the request
	 * head bounds it), so a client padding the list never pushes the
	 * choice back to the peer (which would count as internal). */
	static char big[8192];
	size_t len = 0;
	for (int i = 0; i < 64; i++)
		len += (size_t)snprintf(big + len, sizeof big - len, "%s10.0.0.%d",
		                        i ? ", " : "", i % 250);
	PICK("127.0.0.1", NULL, big, CLIENTIP_FORWARDED, "10.0.0.0",
	     "64 trusted entries: the leftmost");
	len += (size_t)snprintf(big + len, sizeof big - len, ",203.0.113.5");
	PICK("127.0.0.1", NULL, big, CLIENTIP_FORWARDED, "203.0.113.5",
	     "65 entries: the rightmost untrusted one, not the peer");
	/* A client's 600 entries, then what our two proxies appended. */
	len = 0;
	for (int i = 0; i < 600; i++)
		len += (size_t)snprintf(big + len, sizeof big - len, "192.0.2.%d,",
		                        i % 250);
	len += (size_t)snprintf(big + len, sizeof big - len,
	                        "198.51.100.23, 10.0.0.7");
	ok(len > 6000, "a %zu-byte XFF of 602 entries", len);
	PICK("127.0.0.1", NULL, big, CLIENTIP_FORWARDED, "198.51.100.23",
	     "  read from the right: the client our proxy saw");
	/* All of them trusted: the walk reaches the left end. */
	len = 0;
	for (int i = 0; i < 700; i++)
		len += (size_t)snprintf(big + len, sizeof big - len, "%s10.1.%d.%d",
		                        i ? "," : "", i / 250, i % 250);
	PICK("127.0.0.1", NULL, big, CLIENTIP_FORWARDED, "10.1.0.0",
	     "700 trusted entries: the leftmost");

	memset(big, ' ', sizeof big);
	memcpy(big + CLIENTIP_HEADER_MAX - 11, "203.0.113.5", 11);
	is_int(clientip_pick(&trusted, hdr, &q, NULL, 0, big, CLIENTIP_HEADER_MAX,
	                     &o), CLIENTIP_FORWARDED, "2048-byte XFF");
	memset(big, ' ', sizeof big);
	memcpy(big + CLIENTIP_HEADER_MAX - 10, "203.0.113.5", 11);
	is_int(clientip_pick(&trusted, hdr, &q, NULL, 0, big,
	                     CLIENTIP_HEADER_MAX + 1, &o),
	       CLIENTIP_FORWARDED, "2049-byte XFF too");
	hdr = CLIENTIP_HDR_REAL_IP;
	memset(big, ' ', sizeof big);
	memcpy(big + CLIENTIP_HEADER_MAX - 11, "203.0.113.5", 11);
	is_int(clientip_pick(&trusted, hdr, &q, big, CLIENTIP_HEADER_MAX, NULL, 0,
	                     &o), CLIENTIP_REAL_IP, "2048-byte X-Real-IP allowed");
	memset(big, ' ', sizeof big);
	memcpy(big + CLIENTIP_HEADER_MAX - 10, "203.0.113.5", 11);
	is_int(clientip_pick(&trusted, hdr, &q, big, CLIENTIP_HEADER_MAX + 1, NULL,
	                     0, &o), CLIENTIP_MALFORMED,
	       "2049-byte X-Real-IP: malformed");
	ok(netaddr_equal(&o, &q), "  peer returned");
	hdr = CLIENTIP_HDR_FORWARDED_FOR;

	/* The header is a view: bytes past its length are not read. */
	char want[NETADDR_STRLEN];
	is_int(clientip_pick(&trusted, hdr, &q, NULL, 0, "203.0.113.5, 10.0.0.1", 11,
	                     &o),
	       CLIENTIP_FORWARDED, "length bounds the header");
	netaddr_format(&o, want, sizeof want);
	is_str(want, "203.0.113.5", "  first entry only");
}

int main(void)
{
	test_ipv4();
	test_ipv6();
	test_bracketed();
	test_bytes_format();
	test_cidr();
	test_cidr_list();
	test_special();
	test_truncate();
	test_clientip();
	return tap_done();
}
