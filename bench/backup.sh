#!/usr/bin/env bash
# `linkctl backup` of a store of N links (default 1,000,000) while the
# daemon serves it: the backup's time and size, and the daemon's
# throughput during backups as a ratio to its throughput without, measured
# in the same run, rounds alternating.
#
#   bench/backup.sh [ROUNDS]      (ROUNDS default 3; LINKS=N, DUR=seconds
#                                  of each wrk run, default 10; BACKUP_CPU=1
#                                  pins the backups to wrk's CPU, away from
#                                  the daemon's)
#
# The store: bench/import.sh gen's links (1,000 colleagues, 40 campaigns,
# targets of 45-200 bytes), imported with linkctl.  The daemon: one worker
# pinned to CPU 0, no country database; wrk (one thread, 32 keep-alive
# connections) pinned to CPU 1, GETs over 10,000 of the codes at random.
# Each round: wrk for DUR seconds alone ("without"), then wrk for DUR
# seconds while backups run back to back into fresh directories on the
# same disk ("during"; every request of that window overlaps a backup),
# each copy removed after.  The backups are not pinned (unless
# BACKUP_CPU): they compete with both for the two CPUs, as they would on a
# small node.  Release build in
# build-bench/; work files under $WORKDIR (default /var/tmp, the disk of
# the work tree).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-3}
links=${LINKS:-1000000}
dur=${DUR:-10}
command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null

meson setup build-bench --buildtype=release >/dev/null 2>&1 || true
meson compile -C build-bench >/dev/null
RD=$PWD/build-bench/redirectd/redirectd
L=$PWD/build-bench/tools/linkctl/linkctl

work=$(mktemp -d "${WORKDIR:-/var/tmp}/rd-backup-bench.XXXXXX")
cleanup() {
	kill $(jobs -p) 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

bash bench/import.sh gen "$links" "$work/in"
"$L" --db "$work/db" staff import "$work/in/staff.csv" >/dev/null
t0=$(date +%s.%N)
"$L" --db "$work/db" import "$work/in/links.tsv" >/dev/null
echo "store: $links links imported in $(echo "$(date +%s.%N) - $t0" | bc) s," \
     "data.mdb $(stat -c %s "$work/db/data.mdb") bytes"

shuf -n 10000 --random-source=<(yes) "$work/in/links.tsv" | cut -f1 > "$work/codes"
cat > "$work/req.lua" <<LUA
local codes = {}
for line in io.lines("$work/codes") do codes[#codes + 1] = line end
request = function()
  return wrk.format("GET", "/" .. codes[math.random(1, #codes)],
                    { ["Host"] = "go.example.org", ["User-Agent"] = "Mozilla/5.0 bench" })
end
LUA

port=$((20000 + RANDOM % 20000))
mkdir -p "$work/log" "$work/state"
taskset -c 0 "$RD" --listen "127.0.0.1:$port" --db "$work/db" --log-dir "$work/log" \
	--state-dir "$work/state" --threads 1 --node bench --admin-listen off 2>"$work/rd.err" &
rdpid=$!
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.1
done

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$rdpid/stat"; }
rps() {   # wrk for dur seconds: its requests/s, and the daemon's CPU % then
	local t0 t1 r
	t0=$(cpu_ticks)
	r=$(taskset -c 1 wrk -t1 -c32 -d"${dur}s" -s "$work/req.lua" "http://127.0.0.1:$port/" \
		| awk '/Requests\/sec/ { print $2 }')
	t1=$(cpu_ticks)
	echo "$r $(( (t1 - t0) * 100 / $(getconf CLK_TCK) / dur ))%"
}

backups() {   # back to back until $work/stop appears; one line per backup
	local i=0
	while [ ! -e "$work/stop" ]; do
		${BACKUP_CPU:+taskset -c "$BACKUP_CPU"} "$L" --db "$work/db" backup "$work/b.$i" 2>&1 | grep -o '[0-9]* bytes.*' || true
		rm -rf "$work/b.$i"
		i=$((i + 1))
	done
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
seconds() {   # the "in X s" of backup lines
	awk '{ for (i = 1; i <= NF; i++) if ($i == "s" && $(i-1) ~ /^[0-9.]+$/) print $(i-1) }'
}

rps >/dev/null   # warm-up: the page cache, the daemon
printf '| round | without, req/s, daemon CPU | during backups, req/s, daemon CPU | ratio | backups in the window | backup, s (median) | size, bytes |\n'
printf '|---|---:|---:|---:|---:|---:|---:|\n'
for r in $(seq "$rounds"); do
	without=$(rps)
	rm -f "$work/stop"
	backups > "$work/backups.$r" &
	bpid=$!
	during=$(rps)
	touch "$work/stop"
	wait "$bpid"
	n=$(wc -l < "$work/backups.$r")
	med=$(seconds < "$work/backups.$r" | median)
	size=$(awk '{ print $1; exit }' "$work/backups.$r")
	ratio=$(echo "scale=3; ${during% *} / ${without% *}" | bc)
	printf '| %d | %s | %s | %s | %d | %s | %s |\n' "$r" "$without" "$during" "$ratio" "$n" "$med" "$size"
	echo "$ratio" >> "$work/ratios"
	cat "$work/backups.$r" >> "$work/backups"
done
echo "median ratio during/without: $(median < "$work/ratios") over $rounds rounds;" \
     "median backup $(seconds < "$work/backups" | median) s over $(wc -l < "$work/backups") backups"
head -n 1 "$work/backups.1"
grep -c . "$work/rd.err" >/dev/null && tail -n 3 "$work/rd.err" || true
