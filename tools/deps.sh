#!/usr/bin/env bash
# Installs the Debian packages redirectd needs, whichever of them are
# missing: by default what building and running the programs need (used by
# tools/demo.sh); with --tests also what the test suite adds (used by
# tests/run.sh).  More package names may follow (the sanitizer stages add
# clang).  --print lists the chosen packages, one a line, and installs
# nothing.
#
#   tools/deps.sh [--tests] [--print] [PACKAGE...]
set -euo pipefail

# Building and running the programs (the -dev packages pull in the
# libraries the programs run with).
programs=(gcc meson ninja-build pkg-config libevent-dev liblmdb-dev
          libxxhash-dev libmaxminddb-dev libqrencode-dev libpng-dev)

# What the tests add:
# python3: the integration tests; lmdb-utils: mdb_dump, mdb_load and
# mdb_copy, to plant and copy stores; libmaxmind-db-writer-perl: the geo
# test databases (tests/data/mkmmdb.pl); curl: test_daemon fetches links
# with it; strace: test_faults kills the daemon at chosen syscalls; nginx, openssl:
# test_nginx runs conf/nginx.conf over TLS; mandoc, man-db, groff-base:
# test_install lints the man pages; chromium: test_browser clicks a short
# link in a real (headless) browser; prometheus: test_admin checks /metrics
# with its promtool; clickhouse-server: test_ship ships the click log into
# it and checks conf/clickhouse.sql against reach; clickhouse-client: and
# loads a conversions file with it as the file says; exim4-daemon-light, msmtp:
# the mail tests (tests/integration/mta.py) run an Exim of their own on a
# loopback port and send through msmtp (a system Exim on port 25, if the
# package starts one, is neither used nor in the way); zbar-tools,
# librsvg2-bin: test_qr reads linkctl's QR codes back with zbarimg, SVGs
# rasterised by rsvg-convert; dpkg-dev, lintian: test_deb builds the
# package (tools/deb.sh) and lints it.
tests=(python3 lmdb-utils libmaxmind-db-writer-perl curl strace nginx openssl
       mandoc man-db groff-base chromium prometheus clickhouse-server
       clickhouse-client exim4-daemon-light msmtp zbar-tools librsvg2-bin dpkg-dev lintian)

with_tests=0 print=0
while (($#)); do
	case $1 in
	--tests) with_tests=1 ;;
	--print) print=1 ;;
	-*) echo "deps.sh: unknown option $1 (--tests, --print)" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
need=("${programs[@]}")
((with_tests)) && need+=("${tests[@]}")
need+=("$@")
if ((print)); then
	printf '%s\n' "${need[@]}"
	exit 0
fi

missing=()
for p in "${need[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	echo "installing: ${missing[*]}" >&2
	sudo=
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${missing[@]}" >/dev/null
fi
