#!/usr/bin/env bash
# `linkctl import` of N links (default 1,000,000) against `mdb_load`
# (Debian's lmdb-utils) loading the same code -> target pairs into a bare
# LMDB, on the same disk, rounds alternating, with the rates and the ratio.
#
#   bench/import.sh [ROUNDS]            (ROUNDS default 3; LINKS=N to change N,
#                                        REV=commit to build linkctl from it)
#   bench/import.sh gen N DIR           (only write DIR/links.tsv, DIR/staff.csv:
#                                        memory.sh uses it)
#
# Input: random 8-character base62 codes in random order (no two alike),
# 1,000 colleagues, 40 campaigns, targets of realistic shapes and lengths
# (campaign pages with UTM parameters, petitions, news articles, videos,
# documents: 45-200 bytes, mean ~105).
#
# mdb_load as Debian ships it (LMDB 0.9.24): no -T (that takes no header,
# so no mapsize: LMDB's default 1 MiB map is full after ~2,900 of these
# pairs); the input is mdb_dump's "print" format with a header giving a
# 4 GiB map.
# mdb_load puts with a cursor, default flags (no -N: nothing to skip in a
# fresh env) and commits every 100 records, each commit synced
# (an fdatasync of the data, then an O_DSYNC write of the meta page):
# 10,000 synced commits for 1M pairs (strace counts them below).
# linkctl import is one transaction, one synced commit, and per link does
# 2 look-ups and 3 puts (links, link_by_id, the id counter) plus URL
# normalisation.  So the script measures both ways, alternating:
#   disk      both as shipped, on the work tree's disk (the target's figure)
#   nosync    both under eatmydata (fsync/fdatasync/msync are no-ops): the
#             CPU and page-writing work alone, mdb_load without its syncs
# Both write to fresh directories under $WORKDIR (default: a directory
# under /var/tmp, the same disk as the work tree) and are dropped after.
# The page cache is not dropped between runs (both read their input hot).
set -euo pipefail
cd "$(dirname "$0")/.."

gen() {   # gen N DIR: links.tsv and staff.csv in DIR
	local n=$1 dir=$2
	mkdir -p "$dir"
	awk 'BEGIN { print "handle,name,team,email";
		for (i = 1; i <= 1000; i++)
			printf "s%04d,Colleague %d,team%d,s%04d@example.org\n", i, i, i % 25, i }' \
		> "$dir/staff.csv"
	# Codes: random base62 (dupes dropped), so the file order is random.
	awk -v n="$n" 'BEGIN {
		srand(20260); A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		split("www.example.org act.example.org news.example.com donate.example.org www.example.net blog.example.org", H, " ")
		split("climate housing health schools transport water energy jobs rights food", W, " ")
		split("twitter linkedin facebook email mastodon bluesky whatsapp", S, " ")
		made = 0
		while (made < n) {
			c = ""; for (k = 0; k < 8; k++) c = c substr(A, int(rand() * 62) + 1, 1)
			if (c in seen) continue
			seen[c] = 1; made++
			st = sprintf("s%04d", int(rand() * 1000) + 1)
			ci = int(rand() * 40); camp = sprintf("campaign-2026-%02d", ci)
			w1 = W[int(rand() * 10) + 1]; w2 = W[int(rand() * 10) + 1]
			h = H[int(rand() * 6) + 1]; r = rand()
			if (r < 0.35)
				u = sprintf("https://%s/campaigns/2026/%s-%s/?utm_source=%s&utm_medium=staff&utm_campaign=%s&utm_content=%s", h, w1, w2, S[int(rand() * 7) + 1], camp, st)
			else if (r < 0.55)
				u = sprintf("https://%s/petition/%s-for-%s-%d", h, w1, w2, int(rand() * 100000))
			else if (r < 0.75)
				u = sprintf("https://%s/2026/%02d/%02d/%s-and-%s-what-the-new-plan-means-for-you-%d.html", h, int(rand() * 12) + 1, int(rand() * 28) + 1, w1, w2, int(rand() * 1000))
			else if (r < 0.9)
				u = sprintf("https://www.youtube.com/watch?v=%s%s&t=%ds", substr(c, 1, 6), substr(A, int(rand() * 62) + 1, 5), int(rand() * 600))
			else
				u = sprintf("https://%s/files/reports/2026/%s-%s-report-summary.pdf", h, w1, w2)
			printf "%s\t%s\t%s\t%s\n", c, st, camp, u
		}
	}' > "$dir/links.tsv"
}

if [ "${1:-}" = gen ]; then
	gen "$2" "$3"
	exit 0
fi

rounds=${1:-3}
links=${LINKS:-1000000}
command -v mdb_load >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq lmdb-utils >/dev/null
command -v eatmydata >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq eatmydata >/dev/null
work=${WORKDIR:-$(mktemp -d /var/tmp/rd-import.XXXXXX)}
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
# linkctl from this tree (build-h2) or, with REV=rev, from that commit
# (git archive: a tree others are editing may not build).
srcdir=. bdir=build-h2
if [ -n "${REV:-}" ]; then
	mkdir "$work/src"
	git archive "$REV" | tar -x -C "$work/src"
	srcdir=$work/src bdir=b
	srcdesc="$(git rev-parse --short "$REV") (REV=$REV)"
else
	srcdesc="working tree at $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- redirectd tools || echo " + uncommitted changes in $(git diff --name-only HEAD -- redirectd tools | tr '\n' ' ')")"
fi
(cd "$srcdir" && { meson setup "$bdir" --buildtype=release > /dev/null 2>&1 || true; } &&
 meson compile -C "$bdir" linkctl > "$work/build.log" 2>&1) ||
	{ tail -20 "$work/build.log" >&2; echo "import.sh: build failed" >&2; exit 1; }
linkctl=$(cd "$srcdir" && pwd)/$bdir/tools/linkctl/linkctl
gen "$links" "$work"
# The same pairs in mdb_dump's print format: printable bytes as they are,
# backslash doubled (codes and targets have no other special bytes).
{
	printf 'VERSION=3\nformat=print\ntype=btree\nmapsize=4294967296\nmaxreaders=126\nHEADER=END\n'
	awk -F'\t' '{ gsub(/\\/, "\\\\", $4); printf " %s\n %s\n", $1, $4 }' "$work/links.tsv"
	printf 'DATA=END\n'
} > "$work/pairs.dump"
n=$(wc -l < "$work/links.tsv")
echo "source: $srcdesc"

# One timed run: label, then the command (its stderr goes to a file).
# Wall time, and CPU time (user + system) which shared, busy machines
# disturb less; the rate per CPU second leaves the waits for the disk out.
timed() {
	local label=$1
	shift
	sync
	/usr/bin/time -f '%e %U %S' -o "$work/time" "$@" > /dev/null 2> "$work/err"
	awk -v l="$label" -v n="$n" '{ cpu = $2 + $3
		printf "%-18s %7.2f s wall %7.2f s CPU %9.0f links/s %9.0f links/CPU-s\n", l, $1, cpu, n / $1, n / cpu }' "$work/time"
}

run_linkctl() {   # $1: prefix (empty or eatmydata)
	rm -rf "$work/db"
	$linkctl --db "$work/db" staff import "$work/staff.csv" 2>/dev/null
	sync
	timed "linkctl${1:+-$1}" ${1:+$1} "$linkctl" --db "$work/db" import "$work/links.tsv"
	grep -q "imported $n links" "$work/err" || { cat "$work/err" >&2; exit 1; }
	du -sm "$work/db" | awk '{ printf "  store %d MiB\n", $1 }' >&2
}

run_mdb_load() {
	rm -rf "$work/bare"
	mkdir "$work/bare"
	timed "mdb_load${1:+-$1}" ${1:+$1} mdb_load -f "$work/pairs.dump" "$work/bare"
	local got
	got=$(mdb_stat "$work/bare" | awk '/Entries:/ { print $2 }')
	[ "$got" = "$n" ] || { echo "mdb_load stored $got of $n" >&2; cat "$work/err" >&2; exit 1; }
	du -sm "$work/bare" | awk '{ printf "  bare env %d MiB\n", $1 }' >&2
}

echo "$n links; $rounds rounds; $(date -u +%FT%TZ); $(nproc) CPUs; work dir $work ($(df --output=source "$work" | tail -1))"
# How mdb_load commits, counted on 10,000 pairs (the syncs it makes).
hdr=$(grep -n -m1 '^HEADER=END$' "$work/pairs.dump" | cut -d: -f1)
head -n $((hdr + 20000)) "$work/pairs.dump" > "$work/small.dump"
echo DATA=END >> "$work/small.dump"
if command -v strace >/dev/null; then
	rm -rf "$work/bare" && mkdir "$work/bare"
	strace -f -c -e trace=fdatasync,fsync,msync,pwrite64,pwritev -o "$work/strace" \
		mdb_load -f "$work/small.dump" "$work/bare"
	awk '$NF ~ /^(fdatasync|fsync|msync|pwrite64|pwritev)$/ { printf "  mdb_load, 10000 pairs: %s %s calls\n", $NF, $4 }' "$work/strace"
fi

for r in $(seq "$rounds"); do
	for mode in "" eatmydata; do
		run_linkctl "$mode"
		run_mdb_load "$mode"
	done
done | tee "$work/results"
# Means of the rounds, and the median of the per-round ratios (each round
# runs the two back to back: the ratio is what a noisy machine spoils least).
awk '/links\/s/ { k = $1; i = ++cnt[k]; w[k, i] = $8; c[k, i] = $10 }
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
	END {
		for (m = 0; m < 2; m++) {
			s = m ? "-eatmydata" : ""; L = "linkctl" s; D = "mdb_load" s
			n = cnt[L] < cnt[D] ? cnt[L] : cnt[D]; lw = dw = lc = dc = 0
			for (i = 1; i <= n; i++) {
				lw += w[L, i]; dw += w[D, i]; lc += c[L, i]; dc += c[D, i]
				rw[i] = w[L, i] / w[D, i]; rc[i] = c[L, i] / c[D, i] }
			printf "%-19s linkctl %7.0f links/s (%7.0f /CPU-s), mdb_load %7.0f pairs/s (%7.0f /CPU-s); ratio linkctl/mdb_load: wall %.2f, CPU %.2f (medians of %d rounds)\n",
				(m ? "no syncs (eatmydata):" : "as shipped, on disk:"), lw / n, lc / n, dw / n, dc / n, median(rw, n), median(rc, n), n
		}
	}' "$work/results"
