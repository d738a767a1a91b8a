#!/usr/bin/env bash
# The whole test suite from a fresh clone (the README's test command; .ci/run
# runs it in CI).  Installs what is missing (tools/deps.sh --tests), then:
#
#   1. plain:   builds with -Werror and runs every meson test (unit,
#               fuzz-corpus replay, integration);
#   2. asan:    builds everything with clang, AddressSanitizer and UBSan (no
#               recovery) in build-asan and runs the same whole suite under
#               it: the integration tests start the sanitized daemon and tools.
#               Every sanitizer report (of any program, in any test) is
#               written to a file, printed here and counted as a failure;
#   3. tsan:    builds everything with clang and ThreadSanitizer in
#               build-tsan and runs the meson suite `threads` under it (the
#               tests that work the daemon's workers, sync thread, store
#               swaps, reloads and rotation); every report fails its program
#               and is counted as a failure, as in stage 2;
#   4. fuzz:    each libFuzzer target for FUZZ_SECONDS (20) under ASan+UBSan
#               (tests/fuzz/run.sh), from a copy of its seed corpus.
#
# The last line is "N passed, N failed, N skipped" over all stages (TAP
# assertions, sanitizer reports, fuzz targets; a skipped assertion, `ok N
# # SKIP`, and a whole test skipped, `1..0 # SKIP`, count as skipped, not
# passed); the exit status is 1 on any failure.  Just above it, every
# failure again in a line of its own (stage, test, its "not ok" line), so
# the end of a long log (all CI shows) says what failed.  In CI (CI set) a
# test fails instead of skipping when what it needs is something
# tools/deps.sh --tests installs (tests/integration/tap.py: skip,
# skip_all).
#
#   tests/run.sh [--quick | --only STAGE] [MESON-TEST-ARGS...]
#     --quick     a developer's run: the plain suite only (ignored when CI is
#                 set: CI always runs everything)
#     --only STAGE  that stage alone: plain, asan, tsan or fuzz (CI set or
#                 not: it is asked for by name)
#     MESON-TEST-ARGS go to every `meson test`, e.g. --suite unit
#   BUILD_DIR (build), ASAN_BUILD_DIR (build-asan), TSAN_BUILD_DIR
#   (build-tsan), FUZZ_BUILD (build-fuzz), FUZZ_SECONDS (20) choose the
#   build directories and the fuzzing time.
set -uo pipefail
cd "$(dirname "$0")/.."

quick=0 only=
if [ "${1:-}" = "--quick" ]; then
	quick=1
	shift
elif [ "${1:-}" = "--only" ]; then
	only=${2:-}
	case $only in
	plain|asan|tsan|fuzz) ;;
	*) echo "run.sh: --only plain, asan, tsan or fuzz" >&2; exit 2 ;;
	esac
	shift 2
fi
[ -n "${CI:-}" ] && [ "${CI:-}" != "false" ] && quick=0
# want STAGE: whether this run includes the stage.
want() {
	if [ -n "$only" ]; then
		[ "$only" = "$1" ]
	else
		[ "$1" = plain ] || ((!quick))
	fi
}

extra=()
{ want asan || want tsan || want fuzz; } && extra=(clang libclang-rt-14-dev)
bash tools/deps.sh --tests "${extra[@]}" || exit 1

total_pass=0 total_fail=0 total_skip=0
t0=$(date +%s)
recap=$(mktemp "${TMPDIR:-/tmp}/redirectd-recap.XXXXXX")
trap 'rm -f "$recap"' EXIT
stage() {   # stage NAME PASSED FAILED [SKIPPED]
	echo "# $1: $2 passed, $3 failed, ${4:-0} skipped ($(($(date +%s) - t0))s so far)"
	# A stage that failed without a line in the recap (setup, compile).
	if (($3)) && ! grep -q "^$1: " "$recap"; then
		echo "$1: $3 failed" >>"$recap"
	fi
	total_pass=$((total_pass + $2))
	total_fail=$((total_fail + $3))
	total_skip=$((total_skip + ${4:-0}))
}

# Sums the TAP assertions of one `meson test` run from its testlog.json: a
# test that crashed, timed out or failed without a "not ok" counts as one
# failure; `ok N ... # SKIP` is a skipped assertion, and a test skipped
# whole (`1..0 # SKIP`, meson's SKIP) one skipped.  Prints "PASSED FAILED
# SKIPPED"; each failure's line goes to the recap, "STAGE: TEST: not ok ...".
count_tap() {
	python3 - "$1" "$2" "$recap" <<'PY'
import json, re, sys
passed = failed = skipped = 0
recap = open(sys.argv[3], "a")
try:
    lines = open(sys.argv[1]).readlines()
except OSError:
    lines = []
for line in lines:
    t = json.loads(line)
    out = t.get("stdout") or ""
    oks = re.findall(r"^ok \d+.*$", out, re.M)
    skips = sum(1 for o in oks if re.search(r"#\s*skip\b", o, re.I))
    bad = len(re.findall(r"^not ok \d+", out, re.M))
    if t["result"] == "SKIP" and not oks and bad == 0:
        skips = 1   # the whole test: 1..0 # SKIP
    elif t["result"] not in ("OK", "EXPECTEDFAIL", "SKIP") and bad == 0:
        bad = 1     # crashed, timed out or failed without saying which
        recap.write("%s: %s: %s (exit %s), no \"not ok\" line\n"
                    % (sys.argv[2], t["name"], t["result"], t.get("returncode")))
    for m in re.findall(r"^not ok \d+.*$", out, re.M):
        recap.write("%s: %s: %s\n" % (sys.argv[2], t["name"], m[:300]))
    passed += len(oks) - min(skips, len(oks))
    failed += bad
    skipped += skips
if not lines:
    recap.write("%s: no test ran (no testlog.json)\n" % sys.argv[2])
print(passed, failed if lines else failed + 1, skipped)
PY
}

# build_and_test NAME DIR CC SETUP-OPTIONS...: set up (or bring DIR's
# options in line), compile, run the suite; adds to the totals.  CC empty:
# the default compiler; else DIR is set up anew if made with another.
# test_wrap: a command `meson test` runs under; test_args: what the stage
# adds to its arguments (a suite).
build_and_test() {
	local name=$1 dir=$2 cc=$3
	shift 3
	if [ -n "$cc" ] && [ -f "$dir/build.ninja" ] &&
	   ! grep -q "C compiler for the host machine: $cc " "$dir/meson-logs/meson-log.txt"; then
		echo "# $dir was set up with another compiler: setting it up with $cc"
		rm -rf "$dir"
	fi
	if [ ! -f "$dir/build.ninja" ]; then
		CC=${cc:-${CC:-cc}} meson setup "$dir" "$@" ||
			{ stage "$name (meson setup)" 0 1; return; }
	else
		meson configure "$dir" "$@" >/dev/null || { stage "$name (meson configure)" 0 1; return; }
	fi
	meson compile -C "$dir" || { stage "$name (compile)" 0 1; return; }
	rm -f "$dir/meson-logs/testlog.json"
	"${test_wrap[@]}" meson test -C "$dir" --print-errorlogs --num-processes 2 \
		${timeout_mult:+--timeout-multiplier "$timeout_mult"} \
		"${test_args[@]}" "${meson_args[@]}"
	local counts
	counts=$(count_tap "$dir/meson-logs/testlog.json" "$name")
	stage "$name" $counts
}

meson_args=("$@")
test_wrap=() test_args=()

# report_files NAME DIR: every sanitizer report file in DIR printed and
# counted as a failure of stage NAME; DIR removed.
report_files() {
	local reports=0 f
	for f in "$2"/*; do
		[ -f "$f" ] || continue
		reports=$((reports + 1))
		echo "not ok - sanitizer report $(basename "$f"):"
		echo "$1: not ok - sanitizer report $(basename "$f"): $(grep -m1 -E 'ERROR|runtime error|WARNING' "$f" | cut -c1-200)" >>"$recap"
		head -n 80 "$f" | sed 's/^/#   /'
	done
	rm -rf "$2"
	stage "$1" 0 $reports
}

# 1. The plain build.
timeout_mult=
want plain && build_and_test plain "${BUILD_DIR:-build}" "" -Dwerror=true

if want asan; then
	# 2. The whole suite under ASan + UBSan, built with clang: its one
	# runtime writes UBSan's reports where ASan's go (GCC 12's separate
	# libubsan ignores log_path), and its -Werror adds a second compiler's
	# warnings to the plain build's.  Reports go to files in a
	# world-writable directory (the daemon may run as another user, see
	# test_privs.py), so none is lost in a stderr a test does not read.
	sanlog=$(mktemp -d "${TMPDIR:-/tmp}/redirectd-san.XXXXXX")
	chmod 1777 "$sanlog"
	export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:verify_asan_link_order=0:log_path=$sanlog/asan:log_exe_name=1"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$sanlog/ubsan:log_exe_name=1"
	export LSAN_OPTIONS="exitcode=23"
	# Tests that measure time or memory can relax their bounds under ASan.
	export REDIRECTD_SANITIZE=address,undefined
	timeout_mult=3
	build_and_test "asan+ubsan" "${ASAN_BUILD_DIR:-build-asan}" clang \
		-Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true \
		-Dc_args=-fno-sanitize-recover=all
	unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS REDIRECTD_SANITIZE
	report_files "sanitizer reports" "$sanlog"
fi

if want tsan; then
	# 3. The threaded tests (meson suite `threads`) under ThreadSanitizer.
	# Any report makes its program exit 66 at once (halt_on_error) and is
	# also written to a file in a world-writable directory (the daemon
	# may run as nobody, test_privs.py), printed and counted below: a
	# report of a daemon whose exit status a test does not check still
	# fails the stage.  No suppressions: none has been needed.
	tsanlog=$(mktemp -d "${TMPDIR:-/tmp}/redirectd-tsan.XXXXXX")
	chmod 1777 "$tsanlog"
	export TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1:log_path=$tsanlog/tsan:log_exe_name=1"
	# The tests give the daemon a small store map (tap.py, DAEMON_ARGS).
	export REDIRECTD_SANITIZE=thread
	timeout_mult=3
	# Without address-space randomisation (setarch -R, inherited by every
	# program the tests start).  Clang 14's TSan leaves a program about
	# 1.5 TiB for its own maps, below where the kernel starts placing
	# them; with vm.mmap_rnd_bits = 28 that start moves down by up to
	# 1 TiB, and a map of linkctl's or reach's store (they read with
	# STORE_MAPSIZE_RO, 1 TiB, like the daemon's default store_map_size)
	# then fails with ENOMEM (measured: reach 9 runs of 20, linkctl list
	# 4 of 20).  Unrandomised, one such map always fits and two never
	# do, hence the daemon's small map: a store switch keeps the old
	# store mapped while the new one opens.
	if setarch -R true 2>/dev/null; then
		test_wrap=(setarch -R) test_args=(--suite threads)
		build_and_test tsan "${TSAN_BUILD_DIR:-build-tsan}" clang \
			-Db_sanitize=thread -Db_lundef=false -Dwerror=true
		test_wrap=() test_args=()
	else
		# A seccomp filter (a container's default one) may refuse
		# the personality: say so rather than fail at random.
		echo "not ok - setarch -R is refused here (personality" \
		     "ADDR_NO_RANDOMIZE): the tsan stage needs it"
		stage "tsan (setarch -R)" 0 1
	fi
	unset TSAN_OPTIONS REDIRECTD_SANITIZE
	report_files "tsan reports" "$tsanlog"
fi

if want fuzz; then
	# 4. Fuzzing, briefly: every target, ASan+UBSan, a copy of each corpus.
	fuzz_out=$(mktemp "${TMPDIR:-/tmp}/redirectd-fuzzlog.XXXXXX")
	bash tests/fuzz/run.sh "${FUZZ_SECONDS:-20}" | tee "$fuzz_out"
	last=$(tail -n 1 "$fuzz_out")
	grep "^not ok" "$fuzz_out" | sed 's/^/fuzz: /' >>"$recap"
	rm -f "$fuzz_out"
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
		stage fuzz "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[4]:-0}"
	else
		stage "fuzz (no summary)" 0 1
	fi
fi

echo "# total time $(($(date +%s) - t0))s$( ((quick)) && echo " (--quick: no sanitizer or fuzz runs)")$([ -n "$only" ] && echo " (--only $only)")"
if [ -s "$recap" ]; then
	echo "# what failed (in full above):"
	head -n 60 "$recap" | sed 's/^/#   /'
fi
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ $total_fail -eq 0 ]
