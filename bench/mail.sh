#!/usr/bin/env bash
# The daily posts with every colleague's own figures against the leaderboard
# they come from: `linkctl campaign posts --mbox` with a template holding
# every figure placeholder ({visitors} {clicks} {rank} {ranked} {team_rank}
# {top_platform} {advice} {leaderboard}), and with one holding all but
# {advice} (which alone needs more than the leaderboard: cards.h), against
# `reach --by staff` over the same log and window, alternated in rounds,
# all pinned to one core; the ratios of their times (the goal: about one
# reach --by staff), their peak memory, and a check that the posts carry
# reach's numbers.
#
#   bench/mail.sh [ROUNDS]                        (ROUNDS default 5)
#
# Environment: RECORDS (default 10000000, 1.28 GB of segments), STAFF
# (default 10000 colleagues), FILES (segments, default 4), CPU (the core,
# default 1), DIR (default a new directory under /var/tmp), KEEP=1 (leave
# it), BUILD (default build-bench, set up as release), OUT=1 (also time
# --out DIR once: a file per colleague, each written whole with fsync).
#
# Segments come from bench/reachgen (its distributions: a few colleagues
# with most clicks, 20 million visitors, 85% human; ten links and 1/10 of
# the clicks per colleague id); the store holds STAFF colleagues (ids 1 to
# STAFF, as the segments' staff ids), 40 teams and every ninth colleague
# without one, and one campaign with a link each.  The window (--last) is
# the whole log.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
records=${RECORDS:-10000000}
staff=${STAFF:-10000}
files=${FILES:-4}
cpu=${CPU:-1}
build=${BUILD:-build-bench}

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=release >/dev/null
fi
meson compile -C "$build" tools/reach/reach tools/linkctl/linkctl \
	bench/reachgen >/dev/null
reach=$build/tools/reach/reach
linkctl=$build/tools/linkctl/linkctl

dir=${DIR:-$(mktemp -d /var/tmp/rd-mail.XXXXXX)}
mkdir -p "$dir/log"
if [ "${KEEP:-0}" != 1 ]; then
	trap 'rm -rf "$dir"' EXIT
fi

# The segments (one process per core), unless a kept directory holds them.
stamp="$records $files $staff"
if [ "$(cat "$dir/log/.records" 2>/dev/null)" != "$stamp" ]; then
	rm -f "$dir"/log/*.clk
	seq 0 $((files - 1)) | xargs -P "$(nproc)" -I{} \
		"$build/bench/reachgen" "$dir/log" "$records" "$files" {} "$staff"
	echo "$stamp" > "$dir/log/.records"
fi

# The store: colleagues s00001... in id order, a campaign.
rm -rf "$dir/db"
awk -v n="$staff" 'BEGIN {
	split("Ana Bo Chloé Dan Eve Farid Gita Hugo Inês Jon", first, " ")
	print "handle,name,team,email"
	for (i = 1; i <= n; i++)
		printf "s%05d,%s Person%d,%s,s%05d@example.org\n", i,
		       first[i % 10 + 1], i, i % 9 ? sprintf("team%02d", i % 40) : "", i
}' > "$dir/staff.csv"
"$linkctl" --db "$dir/db" staff import "$dir/staff.csv" 2>/dev/null
"$linkctl" --db "$dir/db" campaign create spring --url https://example.org/spring \
	--base-url https://go.example.org >/dev/null 2>&1
cat > "$dir/post.txt" <<'EOF'
Subject: {first_name}, you are #{rank} of {ranked} this week

Hi {name},

{visitors} people visited your link this week ({clicks} clicks).
You are #{rank} of {ranked}, #{team_rank} in {team}.
Most of your clicks came from {top_platform}.
{advice}

This week's leaders:
{leaderboard}

Your link: {link}
EOF
grep -v '{advice}' "$dir/post.txt" > "$dir/post-noadvice.txt"

# reachgen's log starts 2026-11-01 and spans 30 days: a window from before
# it, in whole days, as --last takes it.
span=$(( ($(date +%s) - $(date -d 2026-10-31 +%s)) / 86400 + 1 ))d
cat "$dir"/log/*.clk > /dev/null
echo "$records records ($files segments, $(du -sh "$dir/log" | cut -f1)), $staff colleagues; --last $span; pinned to CPU $cpu"

# One timed run: prints "wall cpu maxrss_kb".
timed() {
	/usr/bin/time -f "%e %U %S %M" -o "$dir/time" taskset -c "$cpu" "$@"
	awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$dir/time"
}
reach_cmd=("$reach" --db "$dir/db" --by staff --last "$span" --format csv
           --output "$dir/reach.csv" "$dir/log")
posts_cmd=("$linkctl" --db "$dir/db" campaign posts spring
           --base-url https://go.example.org --log "$dir/log" --last "$span")

printf '%-6s %8s %8s %8s %8s %8s %8s %8s %8s %8s %9s\n' round reach_s \
	reach_cpu posts_s posts_cpu noadv_s noadv_cpu reach_MB posts_MB \
	ratio_cpu noadv_cpu
lines=()
for r in $(seq "$rounds"); do
	read -r rw rc rm < <(timed sh -c '"$@" 2> /dev/null' reach "${reach_cmd[@]}")
	read -r pw pc pm < <(timed sh -c '"$@" 2> "'"$dir"'/posts.err"' posts \
		"${posts_cmd[@]}" --template "$dir/post.txt" \
		--mbox "$dir/posts.mbox" --from 'Comms <comms@example.org>')
	read -r nw nc _ < <(timed sh -c '"$@" 2> /dev/null' posts \
		"${posts_cmd[@]}" --template "$dir/post-noadvice.txt" \
		--mbox "$dir/noadvice.mbox" --from 'Comms <comms@example.org>')
	line=$(awk -v r="$r" -v rw="$rw" -v rc="$rc" -v rm="$rm" -v pw="$pw" \
		-v pc="$pc" -v pm="$pm" -v nw="$nw" -v nc="$nc" 'BEGIN {
		printf "%-6s %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f %8.0f %8.0f %8.2f %9.2f",
		       r, rw, rc, pw, pc, nw, nc, rm / 1024, pm / 1024, pc / rc, nc / rc }')
	echo "$line"
	lines+=("$line")
done
m=$(((rounds + 1) / 2))
printf '%s\n' "${lines[@]}" | sort -n -k10 | awk -v m="$m" 'NR == m {
	printf "median round by cpu ratio: posts/reach %.2f (every figure: reach %.2f s, posts %.2f s cpu)\n", $10, $3, $5 }'
printf '%s\n' "${lines[@]}" | sort -n -k11 | awk -v m="$m" 'NR == m {
	printf "median round by cpu ratio: posts/reach %.2f (all but {advice}: reach %.2f s, posts %.2f s cpu)\n", $11, $3, $7 }'
sed 's/^/posts said: /' "$dir/posts.err"

if [ "${OUT:-0}" = 1 ]; then
	rm -rf "$dir/out"
	read -r ow oc _ < <(timed sh -c '"$@" 2> /dev/null' posts "${posts_cmd[@]}" \
		--template "$dir/post.txt" --out "$dir/out")
	echo "--out: $ow s wall, $oc s cpu for $(ls "$dir/out" | wc -l) files"
fi

# The posts carry reach's numbers: every colleague's visitors, clicks,
# rank and ranked against reach's CSV of the same window.
python3 - "$dir/reach.csv" "$dir/posts.mbox" <<'PY'
import csv, mailbox, re, sys
rows = list(csv.DictReader(open(sys.argv[1])))
reach = {r["staff"]: r for r in rows}
bad = n = 0
for m in mailbox.mbox(sys.argv[2]):
    handle = m["To"].split("<")[1].split("@")[0]
    body = m.get_payload(decode=True).decode()
    v, c = re.search(r"(~?\d+) people visited your link this week "
                     r"\((\d+) clicks\)", body).groups()
    rank, ranked = re.search(r"You are #(\d+) of (\d+),", body).groups()
    r = reach[handle]
    n += 1
    bad += (v.lstrip("~"), c, rank, ranked) != (r["visitors"], r["clicks"], r["rank"],
                                                str(len(rows)))
print("posts against reach's CSV: %d colleagues, %d differ" % (n, bad))
sys.exit(1 if bad or not n else 0)
PY
