#!/usr/bin/env bash
# tests/fuzz/run.sh [--merge] SECONDS [TARGET...]
#
# Runs libFuzzer targets (tests/fuzz/fuzz_TARGET.c), one after the other,
# SECONDS each, under AddressSanitizer and UndefinedBehaviorSanitizer (UBSan
# without recovery: any report is a finding).  Default: every target.
# Each starts from a copy of its seed corpus tests/fuzz/corpus/TARGET (the
# repository is never written, except with --merge) and its dictionary
# tests/fuzz/dict/TARGET.dict if there is one.
#
# Prints one TAP line per target ("ok" with executions and corpus growth,
# "not ok" with the sanitizer's report and the crashing input in hex), then
# "N passed, N failed"; exits 1 on any finding.  tests/run.sh runs this for a
# short time per target; longer runs (tests/README.md, "Fuzzing"):
#
#     nice -n 19 bash tests/fuzz/run.sh 900 http target clickrec config
#
#   --merge        afterwards, add to tests/fuzz/corpus/TARGET the inputs
#                  that reach code the seeds do not (libFuzzer -merge=1 over
#                  edges alone, -use_counters=0, which keeps the seeds to
#                  tens of files); only for targets without findings
#   FUZZ_BUILD     the build directory (default build-fuzz; set up here with
#                  CC=clang -Dfuzz=true if it does not exist)
#   FUZZ_OUT       where corpora, logs, findings and summary.tsv go (default:
#                  a temporary directory, removed when nothing was found)
set -uo pipefail
cd "$(dirname "$0")/../.."

usage() {
	sed -n '2,3p' "$0" | sed 's/^# //' >&2
	exit 2
}
merge=0
while [ $# -gt 0 ]; do
	case $1 in
	--merge) merge=1; shift ;;
	-h|--help) usage ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] && [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -gt 0 ] || usage
secs=$1
shift
# Every target there is: tests/fuzz/fuzz_NAME.c (a new one is fuzzed without
# being listed here).
all=()
for f in tests/fuzz/fuzz_*.c; do t=${f#tests/fuzz/fuzz_}; all+=("${t%.c}"); done
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")
for t in "${targets[@]}"; do
	[ -f "tests/fuzz/fuzz_$t.c" ] || { echo "no such fuzz target: $t" >&2; exit 2; }
done

build=${FUZZ_BUILD:-build-fuzz}
own_out=0
if [ -z "${FUZZ_OUT:-}" ]; then
	FUZZ_OUT=$(mktemp -d "${TMPDIR:-/tmp}/redirectd-fuzz.XXXXXX") || exit 1
	own_out=1
fi
out=$FUZZ_OUT
mkdir -p "$out"

bail() {   # a build problem: one failure, and the summary line
	echo "not ok 1 - fuzz build: $1"
	[ -f "$2" ] && tail -n 30 "$2" | sed 's/^/#   /'
	echo "0 passed, 1 failed"
	exit 1
}

bash tools/deps.sh clang libclang-rt-14-dev >&2 || bail "tools/deps.sh" /dev/null
if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fno-sanitize-recover=all \
		>"$out/setup.log" 2>&1 || bail "meson setup $build" "$out/setup.log"
fi
names=()
for t in "${targets[@]}"; do names+=("tests/fuzz_$t"); done
meson compile -C "$build" "${names[@]}" >"$out/compile.log" 2>&1 ||
	bail "meson compile -C $build" "$out/compile.log"

# libFuzzer catches the sanitizers' reports itself; symbolized stacks and
# no recovery make every report a finding with a readable trace.
export ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-detect_leaks=1:symbolize=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:symbolize=1

count() { find "$1" -maxdepth 1 -type f | wc -l; }

n=0 passed=0 failed=0
printf 'target\tseconds\texecs\texecs_per_s\tcorpus_before\tcorpus_after\tnew_units\tfindings\tmerged\n' \
	>"$out/summary.tsv"
for t in "${targets[@]}"; do
	dir=$out/$t
	rm -rf "$dir"
	mkdir -p "$dir/corpus" "$dir/findings"
	cp tests/fuzz/corpus/"$t"/* "$dir/corpus/"
	before=$(count "$dir/corpus")
	args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2560
	      -print_final_stats=1 -artifact_prefix="$dir/findings/")
	[ -f "tests/fuzz/dict/$t.dict" ] && args+=(-dict="tests/fuzz/dict/$t.dict")
	start=$(date +%s)
	"$build/tests/fuzz_$t" "${args[@]}" "$dir/corpus" >"$dir/log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n 1)
	units=$(sed -n 's/^stat::new_units_added: *//p' "$dir/log" | tail -n 1)
	execs=${execs:-0} units=${units:-0}
	after=$(count "$dir/corpus")
	findings=$(count "$dir/findings")
	n=$((n + 1))
	merged=0
	if [ $rc -eq 0 ] && [ "$findings" -eq 0 ]; then
		passed=$((passed + 1))
		if ((merge)); then
			had=$(count "tests/fuzz/corpus/$t")
			"$build/tests/fuzz_$t" -merge=1 -use_counters=0 \
				"tests/fuzz/corpus/$t" "$dir/corpus" \
				>"$dir/merge.log" 2>&1
			merged=$(($(count "tests/fuzz/corpus/$t") - had))
		fi
		note=
		((merge)) && note=", $merged merged into the seeds"
		echo "ok $n - fuzz_$t: $execs executions in ${took}s" \
		     "($((execs / (took ? took : 1)))/s), corpus $before -> $after," \
		     "no findings$note"
	else
		failed=$((failed + 1))
		((findings)) || findings=1
		echo "not ok $n - fuzz_$t: a finding after $execs executions" \
		     "(exit $rc; log $dir/log)"
		# The sanitizer's or libFuzzer's report, from its first line to
		# its SUMMARY (the shadow-byte legend after it says nothing).
		awk '/^==[0-9]+==|runtime error:|deadly signal|ERROR: libFuzzer/ { on = 1 }
		     on { print } on && /^SUMMARY: / { exit }' "$dir/log" |
			head -n 60 | sed 's/^/#   /'
		for f in "$dir"/findings/*; do
			[ -f "$f" ] || continue
			echo "#   input $(basename "$f"), $(stat -c %s "$f") bytes, hex:"
			od -An -tx1 -v "$f" | head -n 256 | sed 's/^ */#     /'
			echo "#   reproduce: $build/tests/fuzz_$t $f"
		done
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$took" "$execs" \
		"$((execs / (took ? took : 1)))" "$before" "$after" "$units" \
		"$findings" "$merged" >>"$out/summary.tsv"
done

if ((failed)); then
	echo "# findings, logs and corpora kept in $out"
elif ((own_out)); then
	rm -rf "$out"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
