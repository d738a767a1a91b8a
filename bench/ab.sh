#!/usr/bin/env bash
# A/B: redirect throughput and server CPU per request of this build against
# another revision's, on the same machine in the same run.
#
#   bench/ab.sh [REV] [ROUNDS]      (REV default: HEAD~1, ROUNDS default 3)
#   B_CLICK_ID=1 bench/ab.sh same   this build against itself, B serving a
#                                   copy of the store whose links all carry
#                                   click ids (the cost of adding the id)
#
# Builds REV in a temporary worktree (REV "same": this build for both), mints LINKS links (default 10000) in
# one store, then alternates the two daemons (one worker, pinned to CPU 0;
# wrk pinned to CPU 1, 64 keep-alive connections, a browser User-Agent and
# a Referer on every request, requests spread over all codes) and prints
# requests/s and server CPU microseconds per request (utime+stime from
# /proc), with the ratio B/A.  Every request carries X-Real-IP (random
# public IPv4).  Extra options for both: OPTS (e.g. -c FILE with
# trusted_proxies and geoip_db, to have every attribution step on); for B
# only: B_OPTS.
# IR=1: also the instructions of answering one request (request_handle and
# everything it calls: look-up, attribution, the record, the response) for
# each, counted by callgrind over a 10 s wrk run: the steadier figure
# (with --store-map-size 1G: valgrind cannot map the default 1 TiB).
# KEEP=1 keeps the work directory (stores, logs, callgrind files).
# Machines here are shared: read the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:-HEAD~1}
rounds=${2:-3}
links=${LINKS:-10000}
dur=${DURATION:-5}
command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
work=$(mktemp -d /tmp/rd-ab.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; git worktree remove --force "$work/src" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

meson setup build-bench --buildtype=release >/dev/null 2>&1 || true
meson compile -C build-bench >/dev/null
B="build-bench/redirectd/redirectd"
if [ "$rev" = same ]; then
	A=$B
else
	git worktree add --detach "$work/src" "$rev" >/dev/null 2>&1
	(cd "$work/src" && meson setup b --buildtype=release >/dev/null && meson compile -C b >/dev/null)
	A="$work/src/b/redirectd/redirectd"
fi
linkctl=build-bench/tools/linkctl/linkctl

$linkctl --db "$work/db" staff add bench --name Bench >/dev/null
awk -v n="$links" 'BEGIN { srand(1); for (i = 0; i < n; i++) {
	c = ""; for (k = 0; k < 8; k++) c = c substr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", int(rand()*62)+1, 1);
	printf "%s\tbench\tspring\thttps://www.example.org/campaigns/2026/spring-appeal/landing-page?ref=%d&lang=en\n", c, i } }' \
	> "$work/links.tsv"
$linkctl --db "$work/db" import "$work/links.tsv" 2>/dev/null
db_b="$work/db"
if [ -n "${B_CLICK_ID:-}" ]; then
	# The same links, every one with click ids: B adds the id to each
	# Location (a hash, 16 characters, the record's flag and sequence).
	db_b="$work/db-clickid"
	$linkctl --db "$work/db" backup "$db_b" >/dev/null
	$linkctl --db "$db_b" campaign click-id spring on >/dev/null
fi
cut -f1 "$work/links.tsv" > "$work/codes"
cat > "$work/req.lua" <<LUA
local codes = {}
for line in io.lines("$work/codes") do codes[#codes + 1] = line end
-- Client addresses as a trusted proxy reports them: public IPv4 spread
-- over the whole space, so country look-ups walk the real tree.
math.randomseed(7)
local ips = {}
for k = 1, 4096 do
  ips[k] = string.format("%d.%d.%d.%d", math.random(1, 223), math.random(0, 255),
                         math.random(0, 255), math.random(1, 254))
end
local i = 0
request = function()
  i = i % #codes + 1
  return wrk.format("GET", "/" .. codes[i], {
    ["X-Real-IP"] = ips[i % #ips + 1],
    ["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    ["Referer"] = "https://t.co/AbCdEf1234",
    ["Accept"] = "text/html,application/xhtml+xml",
    ["Accept-Language"] = "en-GB,en;q=0.9" })
end
LUA

run_one() {   # $1 label, $2 binary
	local port=$((20000 + RANDOM % 20000))
	rm -rf "$work/log"
	local extra=() opts=${OPTS:-} db="$work/db"
	[ "$1" = B ] && opts="$opts ${B_OPTS:-}" && db=$db_b
	# Builds since attribution keep the visitor salt in a state directory.
	if "$2" --help | grep -q -- --state-dir; then extra=(--state-dir "$work/state"); fi
	taskset -c 0 "$2" --listen 127.0.0.1:$port --db "$db" --log-dir "$work/log" \
		--threads 1 --node bench "${extra[@]}" $opts 2>"$work/err.$1" &
	local pid=$!
	for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
	local t0 t1
	t0=$(awk '{print $14 + $15}' /proc/$pid/stat)
	taskset -c 1 wrk -t1 -c64 -d"${dur}s" -s "$work/req.lua" "http://127.0.0.1:$port/" > "$work/wrk.$1"
	t1=$(awk '{print $14 + $15}' /proc/$pid/stat)
	kill $pid; wait $pid 2>/dev/null || true
	local n rps
	n=$(awk '/requests in/ {print $1}' "$work/wrk.$1")
	rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.$1")
	local hz; hz=$(getconf CLK_TCK)
	awk -v l="$1" -v n="$n" -v r="$rps" -v t=$((t1 - t0)) -v hz="$hz" \
		'BEGIN { printf "%-4s %10.0f req/s %8.2f us CPU/req\n", l, r, t * 1e6 / hz / n }'
}

# Instructions per request: callgrind counting inside request_handle only,
# divided by the responses wrk completed.
ir_one() {   # $1 label, $2 binary
	local port=$((20000 + RANDOM % 20000)) db="$work/db"
	[ "$1" = B ] && db=$db_b
	rm -rf "$work/log"
	valgrind --tool=callgrind --toggle-collect=request_handle \
		--callgrind-out-file="$work/cg.$1" "$2" --listen 127.0.0.1:$port \
		--db "$db" --log-dir "$work/log" --state-dir "$work/state" \
		--threads 1 --node bench --store-map-size 1G 2>"$work/cgerr.$1" &
	local pid=$!
	for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
	wrk -t1 -c8 -d10s -s "$work/req.lua" "http://127.0.0.1:$port/" > "$work/cgwrk.$1"
	kill $pid; wait $pid 2>/dev/null || true
	local n ir
	n=$(awk '/requests in/ {print $1}' "$work/cgwrk.$1")
	ir=$(callgrind_annotate "$work/cg.$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
	awk -v l="$1" -v n="$n" -v ir="$ir" 'BEGIN { printf "%-4s %8d requests %8.0f instructions/request\n", l, n, ir / n }'
}

b_what="working tree"
[ -n "${B_CLICK_ID:-}" ] && b_what="working tree, its links with click ids"
if [ "$rev" = same ]; then
	echo "A = working tree, B = $b_what; $links links, $rounds rounds of ${dur}s"
else
	echo "A = $rev ($(git rev-parse --short "$rev")), B = $b_what; $links links, $rounds rounds of ${dur}s"
fi
for r in $(seq "$rounds"); do
	run_one A "$A"
	run_one B "$B"
done | tee "$work/results"
awk '{ rps[$1] += $2; cpu[$1] += $4; n[$1]++ }
	END { printf "mean: A %.0f req/s %.2f us/req; B %.0f req/s %.2f us/req; B/A throughput %.2f, CPU/req %.2f\n",
		rps["A"]/n["A"], cpu["A"]/n["A"], rps["B"]/n["B"], cpu["B"]/n["B"],
		(rps["B"]/n["B"]) / (rps["A"]/n["A"]), (cpu["B"]/n["B"]) / (cpu["A"]/n["A"]) }' "$work/results"
if [ -n "${IR:-}" ]; then
	command -v valgrind >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
	ir_one A "$A" | tee "$work/ir"
	ir_one B "$B" | tee -a "$work/ir"
	awk '{ v[$1] = $4 } END { printf "instructions/request B/A %.3f (%+.0f)\n", v["B"] / v["A"], v["B"] - v["A"] }' "$work/ir"
fi
