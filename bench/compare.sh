#!/usr/bin/env bash
# The cost of reach --compare previous (and of --repeat-limit) against the
# same run without it, over the same segments, in the same run of this
# script, alternating, pinned to one core; CPU time (user + system), as the
# machines here are shared.
#
#   bench/compare.sh [ROUNDS]                     (ROUNDS default 3)
#
# Environment: RECORDS (default 20000000, 2.6 GB of segments), FILES
# (default 8), CPU (default 1), DIR, KEEP=1, BUILD (default build-bench,
# release): as bench/reach.sh.
#
# reachgen spreads the records evenly over 2026-11-01 to 2026-12-01, so the
# window [11-16, 12-01) holds half of them and --compare previous's earlier
# window [11-01, 11-16) the other half: the plain run counts half the
# records and skips the rest on the time test, the compared run counts
# them all (the worst case for --compare, where no record is skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
records=${RECORDS:-20000000}
files=${FILES:-8}
cpu=${CPU:-1}
build=${BUILD:-build-bench}

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=release >/dev/null
fi
meson compile -C "$build" tools/reach/reach bench/reachgen >/dev/null
reach=$build/tools/reach/reach
gen=$build/bench/reachgen

dir=${DIR:-$(mktemp -d /var/tmp/rd-compare.XXXXXX)}
mkdir -p "$dir/log"
if [ "${KEEP:-0}" != 1 ]; then
	trap 'rm -rf "$dir"' EXIT
fi
if [ "$(cat "$dir/log/.records" 2>/dev/null)" != "$records $files" ]; then
	rm -f "$dir"/log/*.clk
	seq 0 $((files - 1)) |
		xargs -P "$(nproc)" -I{} "$gen" "$dir/log" "$records" "$files" {}
	echo "$records $files" > "$dir/log/.records"
fi
cat "$dir"/log/*.clk > /dev/null
cat "$dir"/log/*.clk > /dev/null

# One timed run: prints "wall cpu maxrss_kb".
timed() {
	/usr/bin/time -f "%e %U %S %M" -o "$dir/time" taskset -c "$cpu" "$@"
	awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$dir/time"
}
win=(--since 2026-11-16 --until 2026-12-01 --by staff --format csv)
all=(--since 2026-11-01 --until 2026-12-01 --by staff --format csv)
echo "reach ${win[*]} over $records records ($files segments), pinned to CPU $cpu"
echo "plain: as it is; whole: both windows as one (--since 2026-11-01), the"
echo "records --compare counts; cmp: --compare previous; rep: --repeat-limit 10"
printf '%-6s %9s %9s %9s %9s %10s %10s %10s %8s %8s %8s\n' round plain_cpu \
	whole_cpu cmp_cpu rep_cpu cmp/plain cmp/whole rep/plain plain_MB \
	cmp_MB rep_MB
for r in $(seq "$rounds"); do
	read -r _ pc pm < <(timed sh -c '"$@" > /dev/null' reach "$reach" \
		"${win[@]}" "$dir/log")
	read -r _ wc _ < <(timed sh -c '"$@" > /dev/null' reach "$reach" \
		"${all[@]}" "$dir/log")
	read -r _ cc cm < <(timed sh -c '"$@" > /dev/null' reach "$reach" \
		"${win[@]}" --compare previous "$dir/log")
	read -r _ rc rm < <(timed sh -c '"$@" > /dev/null' reach "$reach" \
		"${win[@]}" --repeat-limit 10 "$dir/log")
	awk -v r="$r" -v pc="$pc" -v wc="$wc" -v cc="$cc" -v rc="$rc" \
	    -v pm="$pm" -v cm="$cm" -v rm="$rm" 'BEGIN {
		printf "%-6s %9.2f %9.2f %9.2f %9.2f %10.2f %10.2f %10.2f %8.0f %8.0f %8.0f\n",
		       r, pc, wc, cc, rc, cc / pc, cc / wc, rc / pc,
		       pm / 1024, cm / 1024, rm / 1024 }'
done
