#!/usr/bin/env bash
# reach over a large click log: records/s of `reach --by staff` against
# `cat` of the same files to /dev/null, both pinned to one core, reach's
# peak memory at two sizes, and the error of its estimated visitor counts.
#
#   bench/reach.sh [ROUNDS]                       (ROUNDS default 3)
#
# Environment: RECORDS (default 100000000, 12.8 GB of segments), SMALL (the
# second size, default RECORDS/10), FILES (segments per size, default 8),
# CPU (the core both are pinned to, default 1), DIR (where the segments go,
# default a new directory under /var/tmp), KEEP=1 (leave them there),
# BUILD (a build directory, default build-bench, set up as release),
# REACH_OPTS (extra reach options, e.g. --visitor-memory 64).
#
# Segments come from bench/reachgen (see there for the distributions: 5,000
# colleagues, 50,000 links, 20 million visitors, 85% human).  Both sizes
# must fit in the page cache together (RAM over 1.1 x 12.8 GB for the
# default): the script reads them all twice before timing, and reports the
# page-cache share it found.  Each round times cat, then reach: the
# machines here are shared, so read the ratio, and CPU time (user + system)
# beside wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
records=${RECORDS:-100000000}
small=${SMALL:-$((records / 10))}
files=${FILES:-8}
cpu=${CPU:-1}
build=${BUILD:-build-bench}
read -r -a ropts <<< "${REACH_OPTS:-}"

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=release >/dev/null
fi
meson compile -C "$build" tools/reach/reach bench/reachgen >/dev/null
reach=$build/tools/reach/reach
gen=$build/bench/reachgen

dir=${DIR:-$(mktemp -d /var/tmp/rd-reach.XXXXXX)}
mkdir -p "$dir/big" "$dir/small"
if [ "${KEEP:-0}" != 1 ]; then
	trap 'rm -rf "$dir"' EXIT
fi

# Generate (one process per core; the files are independent), unless a
# kept directory already holds this size.
generate() {    # DIR RECORDS
	local d=$1 n=$2 stamp="$1/.records"
	if [ "$(cat "$stamp" 2>/dev/null)" = "$n $files" ]; then
		return
	fi
	rm -f "$d"/*.clk "$stamp"
	seq 0 $((files - 1)) | xargs -P "$(nproc)" -I{} "$gen" "$d" "$n" "$files" {}
	echo "$n $files" > "$stamp"
}
t0=$(date +%s)
generate "$dir/big" "$records"
generate "$dir/small" "$small"
echo "generated $records + $small records in $(($(date +%s) - t0)) s into $dir"

# Warm the page cache, then say how much of the files it holds.
cat "$dir"/big/*.clk "$dir"/small/*.clk > /dev/null
cat "$dir"/big/*.clk "$dir"/small/*.clk > /dev/null
bytes=$(cat "$dir"/big/*.clk | wc -c)
if command -v fincore >/dev/null; then
	fincore -b -n -o RES "$dir"/big/*.clk |
		awk -v t="$bytes" '{ r += $1 } END { printf "page cache holds %.1f%% of %.1f GB\n", 100 * r / t, t / 1e9 }'
fi

# One timed run: prints "wall cpu maxrss_kb".
timed() {
	/usr/bin/time -f "%e %U %S %M" -o "$dir/time" taskset -c "$cpu" "$@"
	awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$dir/time"
}

echo "reach --by staff ${ropts[*]} over $records records ($files segments), cat and reach pinned to CPU $cpu"
printf '%-6s %9s %9s %12s %9s %9s %12s %12s %12s %8s\n' round cat_s cat_cpu cat_rec/s \
	reach_s reach_cpu reach_rec/s ratio_wall ratio_cpu rss_MB
results=()
for r in $(seq "$rounds"); do
	read -r cw cc _ < <(timed sh -c 'cat "$@" > /dev/null' cat "$dir"/big/*.clk)
	read -r rw rc rss < <(timed sh -c '"$@" > /dev/null 2> "'"$dir"'/reach.err"' reach \
		"$reach" --by staff --format csv "${ropts[@]}" "$dir/big")
	line=$(awk -v n="$records" -v cw="$cw" -v cc="$cc" -v rw="$rw" -v rc="$rc" -v rss="$rss" -v r="$r" 'BEGIN {
		printf "%-6s %9.2f %9.2f %12.0f %9.2f %9.2f %12.0f %12.2f %12.2f %8.0f",
		       r, cw, cc, n / cw, rw, rc, n / rw, cw / rw, cc / rc, rss / 1024 }')
	echo "$line"
	results+=("$line")
done
printf '%s\n' "${results[@]}" | sort -n -k9 | awk -v n="$records" -v m=$(((rounds + 1) / 2)) 'NR == m {
	printf "median round (by cpu ratio): reach %.1fM records/s wall, %.1fM per cpu-second; cat %.1fM wall, %.1fM per cpu-second; reach/cat %.2f wall, %.2f cpu\n",
	       $7 / 1e6, n / $6 / 1e6, $4 / 1e6, n / $3 / 1e6, $8, $9 }'
sed 's/^/reach said: /' "$dir/reach.err"

# Memory as the log grows tenfold.
read -r _ _ rss_small < <(timed sh -c '"$@" > /dev/null 2>&1' reach "$reach" --by staff "${ropts[@]}" "$dir/small")
echo "max RSS: $small records $((rss_small / 1024)) MB, $records records $((rss / 1024)) MB"

# The error of the estimates: the same report with every count exact (a
# budget of 16 GiB; not timed) against the bounded one.
"$reach" --by staff --format json "${ropts[@]}" "$dir/big" > "$dir/bounded.json" 2>/dev/null
read -r _ _ rss_exact < <(timed sh -c '"$@" > "'"$dir"'/exact.json" 2>/dev/null' reach \
	"$reach" --by staff --format json --visitor-memory 16384 "$dir/big")
echo "exact run (--visitor-memory 16384): max RSS $((rss_exact / 1024)) MB"
python3 - "$dir/exact.json" "$dir/bounded.json" <<'PY'
import json, math, sys
exact = {r["staff"]: r for r in json.load(open(sys.argv[1]))}
bounded = json.load(open(sys.argv[2]))
assert not any(r.get("visitors_estimated") for r in exact.values())
errs = [(r["visitors"] - exact[r["staff"]]["visitors"]) / exact[r["staff"]]["visitors"]
        for r in bounded if r.get("visitors_estimated")]
same = sum(1 for r in bounded if not r.get("visitors_estimated")
           and r["visitors"] == exact[r["staff"]]["visitors"])
print("exact rows: %d of %d equal to the exact run" % (same, len(bounded) - len(errs)))
if errs:
    rms = math.sqrt(sum(x * x for x in errs) / len(errs))
    print("estimated rows: %d, rms error %.3f%%, worst %.3f%%, mean %+.3f%%, "
          "within 2 x 0.81%%: %.1f%%" %
          (len(errs), 100 * rms, 100 * max(map(abs, errs)),
           100 * sum(errs) / len(errs),
           100 * sum(1 for x in errs if abs(x) <= 0.0162) / len(errs)))
PY
