#!/usr/bin/env bash
# Builds OUTDIR/redirectd_VERSION_ARCH.deb from this tree with Debian's own
# tooling: what `meson install` puts under /usr (prefix /usr, sysconfdir
# /etc, the units in /lib/systemd/system), staged with DESTDIR, plus the
# packaging files of tools/deb/, then dpkg-deb --build.  Nothing is fetched
# but Debian's packages (the build dependencies, with apt-get, when
# missing).  conf/README.md, "A Debian package", says how to install it.
#
#   bash tools/deb.sh OUTDIR
#
# REDIRECTD_DEB_REVISION  the Debian revision (default 1): a rebuild of
#                         the same tree as an upgrade is VERSION-2
# REDIRECTD_DEB_BUILD     a meson build directory to use and keep (a
#                         second package from it is built incrementally);
#                         default a temporary one, removed
set -euo pipefail

usage() { echo "usage: bash tools/deb.sh OUTDIR" >&2; exit 2; }
[ $# = 1 ] || usage
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)

# The build dependencies (tools/deps.sh: the programs' own), and what
# packing needs, whichever are missing.
bash "$src/tools/deps.sh" dpkg-dev binutils

upstream=$(meson introspect --projectinfo "$src/meson.build" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
version="$upstream-${REDIRECTD_DEB_REVISION:-1}"
arch=$(dpkg --print-architecture)
deb="$out/redirectd_${version}_$arch.deb"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
build=${REDIRECTD_DEB_BUILD:-$work/build}
stage=$work/stage

# Debian's compiler flags (hardening: PIE, fortify, stack protector, relro,
# bindnow), as a debhelper build would use them.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CFLAGS=$(dpkg-buildflags --get CFLAGS)
CPPFLAGS=$(dpkg-buildflags --get CPPFLAGS)
LDFLAGS=$(dpkg-buildflags --get LDFLAGS)
export CFLAGS="$CFLAGS $CPPFLAGS" LDFLAGS
# Without the daemon's test hooks (meson_options.txt): a REDIRECTD_TEST_*
# variable left in a unit must change nothing on a real node.
opts=(--prefix=/usr --sysconfdir=/etc --localstatedir=/var --buildtype=plain
      -Dsystemdsystemunitdir=/lib/systemd/system -Dtest_hooks=false)
if [ -f "$build/build.ninja" ]; then
	meson configure "$build" "${opts[@]}" >/dev/null
else
	meson setup "$build" "$src" "${opts[@]}" >/dev/null
fi
ninja -C "$build" >/dev/null
DESTDIR=$stage meson install -C "$build" --no-rebuild --quiet

# What Debian wants beyond meson's install: stripped programs, compressed
# man pages, the configuration as a conffile, the documents of policy 12.
elves=()
for f in "$stage"/usr/bin/* "$stage"/usr/sbin/*; do
	[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] && elves+=("$f")
done
strip --remove-section=.comment --remove-section=.note --strip-unneeded "${elves[@]}"
find "$stage/usr/share/man" -type f -exec gzip -9n {} +
# The example beside the conffile: the shipped configuration is the
# example with the package's user set.
install -d "$stage/etc/redirectd"
sed 's/^user =$/user = redirectd/' "$src/conf/redirectd.conf" \
	>"$stage/etc/redirectd/redirectd.conf"
grep -q '^user = redirectd$' "$stage/etc/redirectd/redirectd.conf"
chmod 0644 "$stage/etc/redirectd/redirectd.conf"
doc=$stage/usr/share/doc/redirectd
install -d "$doc"
install -m 0644 "$src/tools/deb/copyright" "$src/tools/deb/README.Debian" "$doc/"
# The changelog's date: the tree's last commit (the same package from the
# same tree), else now.
date=$(git -C "$src" log -1 --format=%cD 2>/dev/null || date -R)
{
	echo "redirectd ($version) unstable; urgency=medium"
	echo
	echo "  * Built from the tree by tools/deb.sh."
	echo
	echo " -- redirectd maintainers <redirectd@example.org>  $date"
} | gzip -9n >"$doc/changelog.Debian.gz"

install -d -m 0755 "$stage/DEBIAN"
for s in postinst prerm postrm; do
	install -m 0755 "$src/tools/deb/$s" "$stage/DEBIAN/$s"
done
echo /etc/redirectd/redirectd.conf >"$stage/DEBIAN/conffiles"

# Depends: the libraries' packages as dpkg-shlibdeps finds them (it wants a
# debian/control beside it), and adduser for postinst.
mkdir -p "$work/src/debian"
printf 'Source: redirectd\n\nPackage: redirectd\nArchitecture: any\n' \
	>"$work/src/debian/control"
shlibs=$(cd "$work/src" && dpkg-shlibdeps -O "${elves[@]}" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ]
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
	-e "s/@SHLIBS@/$shlibs/" "$src/tools/deb/control.in" >"$stage/DEBIAN/control"
(cd "$stage" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z |
	xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" "$stage/DEBIAN/md5sums"

# Files root's whatever builds it; directories 0755 (mktemp's is 0700).
chmod 0755 "$stage"
find "$stage" -type d -exec chmod 0755 {} +
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
