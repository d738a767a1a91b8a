#!/usr/bin/env bash
# reach ship against reach: records/s of `reach ship` into a local
# ClickHouse (Debian's clickhouse-server, started here on a free loopback
# port with its own data directory) and of `reach --by staff` over the same
# segments, then the SQL leaderboard of conf/clickhouse.sql over the table.
#
#   bench/ship.sh                 (one command; run as root or the owner of DIR)
#
# Environment: RECORDS (default 5000000), FILES (segments, default 4),
# BATCH (reach ship --batch, default 100000), BUILD (default build-bench,
# set up as release), DIR (default a new directory under /var/tmp).
# Segments come from bench/reachgen (5,000 colleagues, 85% human).  There
# is no store, so no names are resolved: ship sends ids (its lookups in the
# store are cached per run of equal ids, a small share of its time).
set -euo pipefail
cd "$(dirname "$0")/.."
records=${RECORDS:-5000000}
files=${FILES:-4}
batch=${BATCH:-100000}
build=${BUILD:-build-bench}
ch=$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)
[ -x "$ch" ] || { echo "ship.sh: clickhouse-server is not installed" >&2; exit 1; }

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=release >/dev/null
fi
meson compile -C "$build" tools/reach/reach bench/reachgen >/dev/null
reach=$build/tools/reach/reach

dir=${DIR:-$(mktemp -d /var/tmp/rd-ship.XXXXXX)}
mkdir -p "$dir/log" "$dir/ch/data" "$dir/ch/tmp"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$dir/ch/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <http_port>$port</http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$dir/ch/data/</path>
  <tmp_path>$dir/ch/tmp/</tmp_path>
  <users_config>$dir/ch/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709120</mark_cache_size>
  <timezone>UTC</timezone>
</yandex>
EOF
cat > "$dir/ch/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
EOF
"$ch" --config-file="$dir/ch/config.xml" > "$dir/ch/server.log" 2>&1 &
chpid=$!
trap 'kill $chpid 2>/dev/null; wait $chpid 2>/dev/null; rm -rf "$dir"' EXIT
url=http://127.0.0.1:$port
for _ in $(seq 100); do
	[ "$(curl -s "$url/ping")" = "Ok." ] && break
	sleep 0.2
done

# The CREATEs and the --by staff query of conf/clickhouse.sql.
python3 - "$url" "$dir/staff.sql" <<'EOF'
import re, sys, urllib.request
text = open("conf/clickhouse.sql").read()
for chunk in text.split(";\n"):
    body = re.sub(r"--[^\n]*", "", chunk).strip()
    if body.startswith("CREATE"):
        urllib.request.urlopen(sys.argv[1] + "/", body.encode()).read()
    elif "-- reach --by staff" in chunk:
        open(sys.argv[2], "w").write(body)
EOF

seq 0 $((files - 1)) | xargs -P "$(nproc)" -I{} "$build/bench/reachgen" "$dir/log" "$records" "$files" {}
cat "$dir"/log/*.clk > /dev/null
echo "$records records in $files segments ($(du -sh "$dir/log" | cut -f1)), ClickHouse $(curl -s "$url/?query=SELECT%20version()") on 127.0.0.1:$port"

t() {   # prints "wall_s cpu_s" of "$@" (its output to $dir/out, $dir/err)
	/usr/bin/time -f "%e %U %S" -o "$dir/time" "$@" > "$dir/out" 2> "$dir/err"
	awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$dir/time"
}
read -r rs rc < <(t "$reach" --by staff --format csv "$dir/log")
read -r ss sc < <(t "$reach" ship --clickhouse "$url" --table redirectd.clicks --batch "$batch" "$dir/log")
tail -1 "$dir/err"
read -r qs _ < <(t curl -sS "$url/" --data-binary @"$dir/staff.sql")
rows=$(curl -s "$url/" --data-binary "SELECT count() FROM redirectd.clicks FINAL")
printf '%-28s %8s %8s %12s\n' "" wall_s cpu_s records/s
printf '%-28s %8s %8s %12s\n' "reach --by staff" "$rs" "$rc" "$(echo "$records / $rs" | bc)"
printf '%-28s %8s %8s %12s   (ClickHouse: the rest of the wall time)\n' "reach ship --batch $batch" "$ss" "$sc" "$(echo "$records / $ss" | bc)"
printf '%-28s %8s %8s %12s   (%s rows)\n' "SQL --by staff, FINAL" "$qs" "-" "$(echo "$rows / $qs" | bc)" "$rows"
