#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs what is missing, builds
# with -Werror, runs every meson test (unit, fuzz-corpus replay,
# integration) and ends with the line "N passed, N failed" (TAP assertions).
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh || exit 1
build=${BUILD_DIR:-build}
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Dwerror=true || exit 1
fi
meson compile -C "$build" || { echo "0 passed, 1 failed"; exit 1; }
meson test -C "$build" --print-errorlogs --num-processes 2 "$@"
status=$?
python3 - "$build/meson-logs/testlog.json" <<'PY'
import json, re, sys
passed = failed = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    out = t.get("stdout") or ""
    oks = len(re.findall(r"^ok \d+", out, re.M))
    bad = len(re.findall(r"^not ok \d+", out, re.M))
    if t["result"] not in ("OK", "EXPECTEDFAIL", "SKIP") and bad == 0:
        bad = 1     # crashed, timed out or failed without saying which
    passed += oks
    failed += bad
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
summary=$?
[ $status -eq 0 ] && [ $summary -eq 0 ]
