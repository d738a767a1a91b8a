#!/usr/bin/env bash
# What mailing costs beyond the mailer: `linkctl campaign posts --send` of
# N messages to a mailer that takes each and does nothing (`cat >
# /dev/null`), against the anchor, the same mailer started N times by the
# shell with a message on its standard input (what starting a mailer
# costs at all).  The difference is linkctl's price per message: the
# courier process, two durable commits to the ledger (claim, settle), the
# message file.  Alternated in rounds; a second --send of the same
# message (all "already sent") is timed too.
#
#   bench/send.sh [ROUNDS]          (ROUNDS default 3)
#
# Environment: N (default 1000 colleagues), DIR (default a new directory
# under /var/tmp: the ledger's fsyncs go to a real disk), KEEP=1, BUILD
# (default build-bench, set up as release).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
n=${N:-1000}
build=${BUILD:-build-bench}
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=release >/dev/null
fi
meson compile -C "$build" tools/linkctl/linkctl >/dev/null
linkctl=$build/tools/linkctl/linkctl
dir=${DIR:-$(mktemp -d /var/tmp/rd-send.XXXXXX)}
if [ "${KEEP:-0}" != 1 ]; then
	trap 'rm -rf "$dir"' EXIT
fi
awk -v n="$n" 'BEGIN { print "handle,name,team,email"
	for (i = 1; i <= n; i++) printf "s%05d,Person %d,,s%05d@example.org\n", i, i, i }' \
	> "$dir/staff.csv"
rm -rf "$dir/db"
"$linkctl" --db "$dir/db" staff import "$dir/staff.csv" 2>/dev/null
"$linkctl" --db "$dir/db" campaign create spring --url https://example.org/s \
	--base-url https://go.example.org >/dev/null 2>&1
# One message as the mailer gets it, for the anchor.
printf 'Subject: {first_name}, today\n\nHi {name}, share {link}\n' > "$dir/t.txt"
"$linkctl" --db "$dir/db" campaign posts spring --template "$dir/t.txt" \
	--base-url https://go.example.org --mbox "$dir/all.mbox" \
	--from c@example.org 2>/dev/null
sed -n '2,/^$/p' "$dir/all.mbox" > "$dir/one.msg"
echo "Hi, share https://go.example.org/XXXXXXXX" >> "$dir/one.msg"
echo "$n messages; ledger in $dir"

secs() { /usr/bin/time -f "%e" -o "$dir/time" "$@" >/dev/null 2>&1 || true; cat "$dir/time"; }
printf '%-6s %9s %9s %9s %9s %12s\n' round anchor_s send_s again_s ratio ms_per_msg
for r in $(seq "$rounds"); do
	a=$(secs bash -c 'for i in $(seq '"$n"'); do sh -c "cat > /dev/null" < "'"$dir"'/one.msg"; done')
	rm -rf "$dir/ledger"
	printf 'Subject: {first_name}, round %s\n\nHi {name}, share {link}\n' "$r" > "$dir/t.txt"
	cmd=("$linkctl" --db "$dir/db" campaign posts spring --template "$dir/t.txt"
	     --base-url https://go.example.org --send --from c@example.org
	     --mailer 'cat > /dev/null' --ledger "$dir/ledger")
	s=$(secs "${cmd[@]}")
	g=$(secs "${cmd[@]}")
	awk -v r="$r" -v a="$a" -v s="$s" -v g="$g" -v n="$n" 'BEGIN {
		printf "%-6s %9.2f %9.2f %9.2f %9.2f %12.2f\n", r, a, s, g, s / a, (s - a) * 1000 / n }'
done
echo "ledger after $rounds rounds: $(du -k "$dir/ledger/data.mdb" | cut -f1) KiB"
