#!/usr/bin/env bash
# The HTML report for a real organisation: 1,000 colleagues.  The page's
# size and its time to load and lay out in headless Chromium, as reach
# writes it (cards for the colleagues its chart draws) against the page
# with a card for every colleague (--staff naming all of them: what every
# report was before), and reach --format html and --output-dir against
# reach --format csv over the same log, alternated in rounds, pinned to one
# core.
#
#   bench/report.sh [ROUNDS]                      (ROUNDS default 3)
#
# Environment: RECORDS (default 2000000), STAFF (default 1000), CPU (the
# core, default 1), DIR (default a new directory under /var/tmp), KEEP=1
# (leave it), BUILD (default build-bench, set up as release).
#
# Segments come from bench/reachgen (a few colleagues with most clicks,
# 85% human); the store holds STAFF colleagues in 40 teams (every ninth
# without one) and one campaign.  Chromium: Debian's, headless, driven by
# tests/integration/cdp.py; the load time is from Page.navigate to
# Page.loadEventFired of the file, with a fresh tab per load.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
records=${RECORDS:-2000000}
staff=${STAFF:-1000}
cpu=${CPU:-1}
build=${BUILD:-build-bench}

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=release >/dev/null
fi
meson compile -C "$build" tools/reach/reach tools/linkctl/linkctl \
	bench/reachgen >/dev/null
reach=$build/tools/reach/reach
linkctl=$build/tools/linkctl/linkctl

dir=${DIR:-$(mktemp -d /var/tmp/rd-report.XXXXXX)}
mkdir -p "$dir/log"
if [ "${KEEP:-0}" != 1 ]; then
	trap 'rm -rf "$dir"' EXIT
fi
stamp="$records $staff"
if [ "$(cat "$dir/log/.records" 2>/dev/null)" != "$stamp" ]; then
	rm -f "$dir"/log/*.clk
	seq 0 1 | xargs -P 2 -I{} "$build/bench/reachgen" "$dir/log" \
		"$records" 2 {} "$staff"
	echo "$stamp" > "$dir/log/.records"
fi
rm -rf "$dir/db"
awk -v n="$staff" 'BEGIN {
	print "handle,name,team,email"
	for (i = 1; i <= n; i++)
		printf "s%05d,Person %d,%s,\n", i, i,
		       i % 9 ? sprintf("team%02d", i % 40) : ""
}' > "$dir/staff.csv"
"$linkctl" --db "$dir/db" staff import "$dir/staff.csv" 2>/dev/null
"$linkctl" --db "$dir/db" campaign create spring \
	--url https://example.org/spring --base-url https://go.example.org \
	>/dev/null 2>&1
all=$(seq -f 's%05g' 1 "$staff" | paste -sd,)
export REDIRECTD_DB=
common=(--db "$dir/db" --unshared-days 0 "$dir/log")
cat "$dir"/log/*.clk > /dev/null
echo "$records records, $staff colleagues; pinned to CPU $cpu"

timed() {   # prints "wall cpu maxrss_kb"
	/usr/bin/time -f "%e %U %S %M" -o "$dir/time" taskset -c "$cpu" "$@" \
		2>/dev/null
	awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$dir/time"
}
printf '%-6s %8s %8s %8s %9s %9s\n' round csv_cpu html_cpu dir_cpu \
	html/csv dir/csv
lines=()
for r in $(seq "$rounds"); do
	read -r _ cc _ < <(timed "$reach" --format csv --output "$dir/r.csv" \
		"${common[@]}")
	read -r _ hc _ < <(timed "$reach" --format html --output "$dir/page.html" \
		"${common[@]}")
	rm -rf "$dir/pages"
	read -r _ dc _ < <(timed "$reach" --format html --output-dir "$dir/pages" \
		"${common[@]}")
	line=$(awk -v r="$r" -v c="$cc" -v h="$hc" -v d="$dc" 'BEGIN {
		printf "%-6s %8.2f %8.2f %8.2f %9.2f %9.2f", r, c, h, d,
		       h / c, d / c }')
	echo "$line"
	lines+=("$line")
done
printf '%s\n' "${lines[@]}" | python3 -c '
import statistics, sys
rows = [line.split() for line in sys.stdin]
print("median html/csv %.2f, dir/csv %.2f" % (
    statistics.median(float(r[4]) for r in rows),
    statistics.median(float(r[5]) for r in rows)))'

"$reach" --format html --output "$dir/all.html" --staff "$all" \
	"${common[@]}" 2>/dev/null
echo "page bytes: as written $(stat -c %s "$dir/page.html"), with a card" \
     "for every colleague $(stat -c %s "$dir/all.html"); --output-dir:" \
     "index $(stat -c %s "$dir/pages/index.html"), $(ls "$dir/pages/staff" |
     wc -l) colleague pages of $(du -cb "$dir"/pages/staff/*.html |
     tail -1 | awk -v n="$staff" '{ printf "%d", $1 / n }') bytes on average"

# Chromium: each page loaded ROUNDS times, alternating, a fresh tab each.
python3 - "$dir" "$rounds" <<'PY'
import os, statistics, sys, tempfile, time
sys.path.insert(0, os.path.join(os.getcwd(), "tests", "integration"))
from cdp import Browser, evaluate, open_tab
d, rounds = sys.argv[1], int(sys.argv[2])
pages = {"as written": os.path.join(d, "page.html"),
         "every card": os.path.join(d, "all.html"),
         "index (--output-dir)": os.path.join(d, "pages", "index.html")}
tmp = tempfile.mkdtemp(dir=d)
b = Browser(tmp)
got = {k: [] for k in pages}
height = {}
try:
    for _ in range(rounds):
        for name, path in pages.items():
            sid = open_tab(b, ("Page", "Runtime"), timeout=60)
            mark = len(b.events)
            t0 = time.monotonic()
            b.call("Page.navigate", {"url": "file://" + path}, session=sid)
            b.wait_event(lambda e: e.get("sessionId") == sid and
                         e.get("method") == "Page.loadEventFired", since=mark)
            got[name].append(time.monotonic() - t0)
            height[name] = evaluate(b, sid, "document.documentElement.scrollHeight")
finally:
    b.close()
for name in pages:
    print("chromium %-22s load %.0f ms (median of %d), %d px tall" %
          (name, 1000 * statistics.median(got[name]), rounds, height[name]))
PY
