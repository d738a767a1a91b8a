#!/usr/bin/env bash
# Installs the Debian packages redirectd needs to build, run and test,
# whichever of them are missing.  Used by tools/demo.sh and tests/run.sh.
set -euo pipefail
need=(gcc meson ninja-build pkg-config libevent-dev liblmdb-dev libxxhash-dev
      libmaxminddb-dev lmdb-utils libmaxmind-db-writer-perl python3 curl
      strace nginx openssl mandoc man-db groff-base chromium
      prometheus clickhouse-server exim4-daemon-light msmtp dpkg-dev lintian
      "$@")
# strace: test_faults kills the daemon at chosen syscalls; nginx, openssl:
# test_nginx runs conf/nginx.conf over TLS; mandoc, man-db, groff-base:
# test_install lints the man pages; chromium: test_browser clicks a short
# link in a real (headless) browser; prometheus: test_admin checks /metrics
# with its promtool; clickhouse-server: test_ship ships the click log into
# it and checks conf/clickhouse.sql against reach; exim4-daemon-light, msmtp:
# the mail tests (tests/integration/mta.py) run an Exim of their own on a
# loopback port and send through msmtp (a system Exim on port 25, if the
# package starts one, is neither used nor in the way); dpkg-dev, lintian:
# test_deb builds the package (tools/deb.sh) and lints it.
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
