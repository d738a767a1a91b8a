/*
 * test_geo: country look-ups, both record layouts, and what geo_open must
 * refuse.
 *
 *   test_geo NESTED.mmdb FLAT.mmdb NOCOUNTRY.mmdb
 *
 * The three files are written at build time by tests/data/mkmmdb.pl from
 * tests/data/geo.spec (nested and flat layouts) and geo-nocountry.spec.
 * Without arguments (meson found no MaxMind::DB::Writer) the test fails,
 * saying what to install.
 */
#include "geo.h"
#include "tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/test_geo.XXXXXX";

/* The country of a textual address: "DE", or "" for unknown. */
static const char *country(const struct geo *g, const char *addr)
{
	static char out[3];
	uint8_t ip[16];
	char cc[2] = { '?', '?' };
	size_t len = 16;

	if (inet_pton(AF_INET, addr, ip) == 1)
		len = 4;
	else if (inet_pton(AF_INET6, addr, ip) != 1)
		return "(bad test address)";
	if (!geo_country(g, ip, len, cc)) {
		/* "unknown" must not touch cc: callers may pre-fill it */
		return cc[0] == '?' && cc[1] == '?' ? "" : "(0 but cc written)";
	}
	out[0] = cc[0];
	out[1] = cc[1];
	out[2] = '\0';
	return out;
}

static int read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;
	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0 || !(*buf = malloc((size_t)n + 1)) ||
	    fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -1;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

static int write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb"); /* truncates in place: same inode */
	if (!f)
		return -1;
	if (fwrite(buf, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

/* Everything both layouts must answer identically (see geo.spec). */
static void check_lookups(const struct geo *g, const char *name)
{
	/* IPv4 */
	is_str(country(g, "198.51.100.7"), "DE", "%s: IPv4 198.51.100.7", name);
	is_str(country(g, "198.51.100.0"), "DE", "%s: first of a network", name);
	is_str(country(g, "198.51.100.255"), "DE", "%s: last of a network", name);
	is_str(country(g, "203.0.113.5"), "FR", "%s: IPv4 203.0.113.5", name);
	is_str(country(g, "192.0.2.200"), "JP", "%s: IPv4 192.0.2.200", name);
	is_str(country(g, "203.0.113.230"), "NL",
	       "%s: lower-case code is upper-cased", name);
	is_str(country(g, "203.0.113.130"), "",
	       "%s: record without country field", name);
	is_str(country(g, "203.0.113.200"), "", "%s: ZZ is unknown", name);
	/* IPv6 */
	is_str(country(g, "2001:db8:1::5"), "FR", "%s: IPv6 2001:db8:1::5", name);
	is_str(country(g, "2001:db8:2:ffff::1"), "BR", "%s: IPv6 in /48", name);
	is_str(country(g, "2001:db8:3::1"), "",
	       "%s: IPv6 record without country", name);
	/* IPv4-mapped: the test files have no ::ffff:0:0/96 alias, so only
	 * geo's own mapping can find these. */
	is_str(country(g, "::ffff:198.51.100.7"), "DE", "%s: v4-mapped v6", name);
	is_str(country(g, "::ffff:203.0.113.230"), "NL", "%s: v4-mapped v6 (2)", name);
	/* outside every network */
	is_str(country(g, "8.8.8.8"), "", "%s: IPv4 not in the database", name);
	is_str(country(g, "198.51.101.1"), "", "%s: IPv4 next to a network", name);
	is_str(country(g, "2001:db8:4::1"), "", "%s: IPv6 not in the database", name);
	is_str(country(g, "2a00:1450::1"), "", "%s: IPv6 not in the database (2)", name);
	is_str(country(g, "::ffff:8.8.8.8"), "", "%s: v4-mapped not in the database", name);
	/* reserved ranges: the database says US for these, geo must not */
	is_str(country(g, "10.1.2.3"), "", "%s: private 10/8", name);
	is_str(country(g, "127.0.0.1"), "", "%s: loopback 127/8", name);
	is_str(country(g, "::ffff:127.0.0.1"), "", "%s: v4-mapped loopback", name);
	is_str(country(g, "::ffff:10.0.0.1"), "", "%s: v4-mapped private", name);
	is_str(country(g, "::1"), "", "%s: IPv6 loopback", name);
	is_str(country(g, "fd12:3456::1"), "", "%s: IPv6 unique local", name);
	is_str(country(g, "192.168.1.1"), "", "%s: private 192.168/16", name);
	is_str(country(g, "172.16.0.1"), "", "%s: private 172.16/12", name);
	is_str(country(g, "169.254.1.1"), "", "%s: link-local", name);
	is_str(country(g, "100.64.0.1"), "", "%s: CGNAT", name);
	is_str(country(g, "fe80::1"), "", "%s: IPv6 link-local", name);
	is_str(country(g, "0.0.0.0"), "", "%s: 0.0.0.0", name);
	is_str(country(g, "::"), "", "%s: ::", name);
	is_str(country(g, "255.255.255.255"), "", "%s: broadcast", name);

	char cc[2];
	uint8_t junk[16] = { 198, 51, 100, 7 };
	is_int(geo_country(g, junk, 5, cc), 0, "%s: 5-byte address is unknown", name);
	is_int(geo_country(g, junk, 0, cc), 0, "%s: empty address is unknown", name);
}

static void check_layout(const char *path, const char *name, const char *type,
                         const char *layout)
{
	struct geo *g = NULL;
	char err[256] = "", desc[512];

	is_int(geo_open(path, &g, err, sizeof err), 0, "%s: geo_open", name);
	if (!g) {
		printf("#   %s\n", err);
		return;
	}
	geo_describe(g, desc, sizeof desc);
	printf("# %s\n", desc);
	ok(strstr(desc, path) != NULL, "%s: describe names the file", name);
	ok(strstr(desc, type) != NULL, "%s: describe names the type %s", name, type);
	ok(strstr(desc, layout) != NULL, "%s: layout detected as %s", name, layout);
	check_lookups(g, name);
	geo_close(g);
}

static void check_refused(const char *path, const char *name, const char *want)
{
	struct geo *g = (struct geo *)&g; /* must be reset to NULL */
	char err[256] = "";

	is_int(geo_open(path, &g, err, sizeof err), -1, "%s: geo_open fails", name);
	ok(g == NULL, "%s: *out is NULL", name);
	ok(strstr(err, want) != NULL, "%s: message \"%s\" says \"%s\"", name,
	   err, want);
}

/* Prefixes of a valid file, as a reader sees it while the file is being
 * written in place: geo_open must refuse each one, so a reload keeps the
 * old database.  Every length over the last 300 bytes (the metadata and
 * the end of the data), every 5th before: each try is a dozen system
 * calls, and CI machines are slow at those. */
static void check_truncated(const char *src)
{
	char path[256], err[256];
	char *buf = NULL;
	size_t len = 0, accepted = 0, first = 0, tried = 0;

	snprintf(path, sizeof path, "%s/truncated.mmdb", tmpdir);
	if (!ok(read_file(src, &buf, &len) == 0, "read %s", src))
		return;
	for (size_t n = 0; n < len; n++) {
		struct geo *g = NULL;
		if (n + 300 < len && n % 5)
			continue;
		tried++;
		if (write_file(path, buf, n) < 0)
			break;
		if (geo_open(path, &g, err, sizeof err) == 0) {
			if (!accepted++)
				first = n;
			geo_close(g);
		}
	}
	if (!ok(accepted == 0, "all %zu truncated copies of %s (%zu bytes) "
	        "refused", tried, src, len))
		printf("#   %zu accepted, first at length %zu\n", accepted, first);
	unlink(path);
	free(buf);
}

/* A search-tree record pointing past the data section: MMDB_open does not
 * look, geo_open must. */
static void check_corrupt_tree(const char *src)
{
	char path[256];
	char *buf = NULL;
	size_t len = 0;

	snprintf(path, sizeof path, "%s/corrupt.mmdb", tmpdir);
	if (!ok(read_file(src, &buf, &len) == 0 && len > 64, "read %s", src))
		return;
	/* node 0's right record (24-bit records: bytes 3..5) */
	buf[3] = buf[4] = buf[5] = (char)0xff;
	write_file(path, buf, len);
	check_refused(path, "corrupt search tree", "corrupt search tree");
	unlink(path);
	free(buf);
}

/* The database file is rewritten in place (truncated first, as cp does),
 * then deleted: the loaded database must neither crash (SIGBUS, if it
 * still mapped the file) nor change its answers. */
static void check_private_copy(const char *nested, const char *flat)
{
	char path[256], err[256] = "";
	char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	struct geo *g = NULL;

	snprintf(path, sizeof path, "%s/live.mmdb", tmpdir);
	if (!ok(read_file(nested, &a, &alen) == 0 &&
	        read_file(flat, &b, &blen) == 0 &&
	        write_file(path, a, alen) == 0, "copy %s", nested))
		goto out;
	is_int(geo_open(path, &g, err, sizeof err), 0, "open the live file");
	if (!g)
		goto out;
	is_int(truncate(path, 0), 0, "truncate the file to 0 bytes");
	is_str(country(g, "198.51.100.7"), "DE", "answers after truncation");
	is_str(country(g, "2001:db8:2::1"), "BR", "answers after truncation (v6)");
	/* a different database, shorter, written over the same inode */
	is_int(write_file(path, b, blen / 2), 0, "overwrite in place");
	is_str(country(g, "203.0.113.5"), "FR", "answers after overwrite");
	is_int(unlink(path), 0, "delete the file");
	is_str(country(g, "192.0.2.1"), "JP", "answers after delete");
	is_str(country(g, "::ffff:198.51.100.1"), "DE", "answers after delete (v4-mapped)");
	char desc[512];
	geo_describe(g, desc, sizeof desc);
	ok(strstr(desc, "GeoLite2-Country") != NULL, "still the old database");
	geo_close(g);
out:
	unlink(path);
	free(a);
	free(b);
}

static void check_nocountry(const char *path)
{
	struct geo *g = NULL;
	char err[256] = "", desc[512];

	is_int(geo_open(path, &g, err, sizeof err), 0,
	       "database without countries loads");
	if (!g) {
		printf("#   %s\n", err);
		return;
	}
	geo_describe(g, desc, sizeof desc);
	printf("# %s\n", desc);
	ok(strstr(desc, "no country data") != NULL, "describe says no country data");
	is_str(country(g, "198.51.100.7"), "", "no country: IPv4 unknown");
	is_str(country(g, "2001:db8:1::1"), "", "no country: IPv6 unknown");
	geo_close(g);
}

int main(int argc, char **argv)
{
	char path[256];

	if (argc != 4) {
		printf("not ok 1 - test databases were not generated: "
		       "install the Perl module MaxMind::DB::Writer::Tree "
		       "(Debian: libmaxmind-db-writer-perl), then "
		       "meson setup --reconfigure\n");
		return tap_done(), 1;
	}
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}

	check_layout(argv[1], "nested", "GeoLite2-Country", "country/iso_code");
	check_layout(argv[2], "flat", "Test-Flat-Country", "country_code");
	check_nocountry(argv[3]);

	snprintf(path, sizeof path, "%s/missing.mmdb", tmpdir);
	check_refused(path, "missing file", "No such file");
	snprintf(path, sizeof path, "%s/text.mmdb", tmpdir);
	write_file(path, "198.51.100.0/24 DE\n", 19);
	check_refused(path, "text file", "not a valid MMDB");
	unlink(path);
	snprintf(path, sizeof path, "%s/empty.mmdb", tmpdir);
	write_file(path, "", 0);
	check_refused(path, "empty file", "not an MMDB");
	unlink(path);
	check_refused(tmpdir, "directory", "not a regular file");
	check_truncated(argv[1]);
	check_truncated(argv[2]);
	check_corrupt_tree(argv[1]);
	check_private_copy(argv[1], argv[2]);

	geo_close(NULL);
	ok(1, "geo_close(NULL) is a no-op");
	geo_describe(NULL, path, sizeof path);
	is_str(path, "no database", "describe(NULL)");

	rmdir(tmpdir);
	return tap_done();
}
