#!/usr/bin/env bash
# The demo: builds everything, creates a demo store (a few colleagues, a
# campaign, their links) under ./demo if there is none, prints the short
# links, and runs redirectd in the foreground on 127.0.0.1:8080.
# Ctrl-C stops it; the clicks stay in demo/log for reach.  It installs
# only what building and running need (tools/deps.sh without --tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
build=${BUILD_DIR:-build}
[ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
meson compile -C "$build" >/dev/null
demo=${DEMO_DIR:-demo}
listen=${DEMO_LISTEN:-127.0.0.1:8080}
linkctl="$build/tools/linkctl/linkctl --db $demo/db"

if [ ! -d "$demo/db" ]; then
	mkdir -p "$demo"
	$linkctl staff import - <<'CSV'
handle,name,team,email
ana,Ana Lima,comms,ana@example.org
ben,Ben Okafor,comms,ben@example.org
chen,Chen Wei,policy,chen@example.org
dara,Dara Byrne,policy,dara@example.org
CSV
	for who in ana ben chen dara; do
		$linkctl mint --staff "$who" --campaign spring-appeal \
			--url "https://example.org/spring-appeal" >/dev/null
	done
fi

echo
echo "Demo short links (campaign spring-appeal):"
$linkctl list --format tsv | tail -n +2 | sort -t$'\t' -k2,2 |
	while IFS=$'\t' read -r code staff campaign url _; do
		printf '  %-6s http://%s/%s  ->  %s\n' "$staff" "$listen" "$code" "$url"
	done
first=$($linkctl list --format tsv | sed -n 2p | cut -f1)
cat <<TXT

Try:   curl -i http://$listen/$first
       (curl counts as a tool, not a human: reach lists it under BOTS;
       a browser, or curl -A 'Mozilla/5.0 (X11; Linux x86_64) Firefox/132.0',
       counts as a human click)
Then:  $build/tools/reach/reach --db $demo/db $demo/log
Stop with Ctrl-C.

TXT
exec "$build/redirectd/redirectd" --listen "$listen" --db "$demo/db" \
	--log-dir "$demo/log" --state-dir "$demo/state" --node demo --threads 2
