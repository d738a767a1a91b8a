#!/usr/bin/env bash
# The cost of reach --conversions with a file of a million conversions
# against the same run without it, over the same segments, in the same run
# of this script, alternating, pinned to one core; CPU time (user +
# system), as the machines here are shared.
#
#   bench/conversions.sh [ROUNDS]                 (ROUNDS default 3)
#
# Environment: RECORDS (default 20000000, 2.6 GB of segments), CONV
# (conversions wanted, default 1000000), FILES (default 8), CPU (default
# 1), DIR, KEEP=1, BUILD (default build-bench, release): as bench/reach.sh.
#
# reachgen gives about half the records a click id (campaigns 1 to 10 of
# 20) and writes every K-th of them as a conversion an hour after its
# click: every one names a click the segments hold, so the run with
# conversions computes the id of every record that carried one (XXH3 of
# node, worker, time and sequence), looks each up among a million, and
# credits a million conversions after the scan; reading and parsing the
# file is in its time too.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
records=${RECORDS:-20000000}
conv=${CONV:-1000000}
files=${FILES:-8}
cpu=${CPU:-1}
build=${BUILD:-build-bench}

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=release >/dev/null
fi
meson compile -C "$build" tools/reach/reach bench/reachgen >/dev/null
reach=$build/tools/reach/reach
gen=$build/bench/reachgen

dir=${DIR:-$(mktemp -d /var/tmp/rd-conv.XXXXXX)}
mkdir -p "$dir/log"
if [ "${KEEP:-0}" != 1 ]; then
	trap 'rm -rf "$dir"' EXIT
fi
# About half the records carry an id: every K-th of them makes a row.
every=$(( records / 2 / conv ))
[ "$every" -ge 1 ] || every=1
if [ "$(cat "$dir/log/.records" 2>/dev/null)" != "$records $files $every" ]; then
	rm -f "$dir"/log/*.clk "$dir"/conv.*
	seq 0 $((files - 1)) | REACHGEN_CONV_EVERY=$every xargs -P "$(nproc)" -I{} \
		sh -c '"$0" "$1" "$2" "$3" "$4" > "$5/conv.$4"' \
		"$gen" "$dir/log" "$records" "$files" {} "$dir"
	# Exactly CONV rows (reachgen's share of ids is near half, not half).
	{ echo "time,click,event,value,id"; awk -v n="$conv" 'NR <= n' "$dir"/conv.*; } \
		> "$dir/conversions.csv"
	rm -f "$dir"/conv.*
	echo "$records $files $every" > "$dir/log/.records"
fi
rows=$(($(wc -l < "$dir/conversions.csv") - 1))
cat "$dir"/log/*.clk "$dir/conversions.csv" > /dev/null
cat "$dir"/log/*.clk "$dir/conversions.csv" > /dev/null

# One timed run: prints "wall cpu maxrss_kb".
timed() {
	/usr/bin/time -f "%e %U %S %M" -o "$dir/time" taskset -c "$cpu" "$@"
	awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$dir/time"
}
args=(--by staff --format csv)
echo "reach ${args[*]} over $records records ($files segments), pinned to CPU $cpu"
echo "plain: as it is; conv: --conversions with $rows rows ($(du -m "$dir/conversions.csv" | cut -f1) MB)"
printf '%-6s %9s %9s %10s %8s %8s\n' round plain_cpu conv_cpu conv/plain \
	plain_MB conv_MB
for r in $(seq "$rounds"); do
	read -r _ pc pm < <(timed sh -c '"$@" > /dev/null 2>&1' reach \
		"$reach" "${args[@]}" "$dir/log")
	read -r _ cc cm < <(timed sh -c '"$@" > "'"$dir"'/conv.out" 2> "'"$dir"'/conv.err"' reach \
		"$reach" "${args[@]}" --conversions "$dir/conversions.csv" "$dir/log")
	awk -v r="$r" -v pc="$pc" -v cc="$cc" -v pm="$pm" -v cm="$cm" 'BEGIN {
		printf "%-6s %9.2f %9.2f %10.2f %8.0f %8.0f\n", r, pc, cc, cc / pc,
		       pm / 1024, cm / 1024 }'
done
# Every row credited (the run's own check): the sum of the column.
awk -F, 'NR > 1 { n += $(NF - 2) } END { print "conversions credited: " n }' "$dir/conv.out"
sed 's/^/reach said: /' "$dir/conv.err"
