#!/usr/bin/env bash
# redirectd against nginx at nginx's own job, side by side in one run.
#
#   bash bench/nginx.sh [ROUNDS]          (ROUNDS default 3)
#
# Sets up both servers with the same LINKS links (default 100000; random
# 8-character codes, targets of realistic length): redirectd from a
# `linkctl import`, nginx 1.22 (Debian) from a `map` of the same pairs with
# `return 302`.  Each server is pinned to CPU 0 and wrk (Debian) to CPU 1.
# Every request carries a User-Agent (mostly a few common browsers, a tail
# of others, 5% bots: tests/data/ua/labeled.tsv), usually a Referer, and
# X-Real-IP (a random public IPv4 address; redirectd trusts 127.0.0.1 as
# its proxy); the requests walk all codes in a shuffled order.
#
# Servers, alternated within every round:
#   nginx-log    one worker, buffered access_log (combined, 64k buffer): the
#                honest peer, it records every request too
#   nginx        one worker, access_log off
#   redirectd    one worker thread, everything on: User-Agent class,
#                platform, visitor hash, country from DB-IP's country
#                database (tools/fetch-geoip.sh), the click log
# Modes (MODES, default all three):
#   keepalive    CONNS (64) keep-alive connections, as fast as wrk can
#   close        a new connection per request (Connection: close)
#   paced        64 connections paced to half of nginx's highest keepalive
#                rate of the round: latency at a load both can carry
# For each it prints requests/s, p50/p99 latency (wrk), server CPU time per
# request (utime+stime of all the server's processes and threads from
# /proc, across the measured run), and at the end the means with the
# ratios to nginx-log and nginx.  Machines here are shared and noisy: read
# the ratios, which come from the same rounds.
#
# Environment: LINKS, DURATION (s per run, default 10), CONNS, MODES,
# GEOIP (an .mmdb to use instead of fetching), KEEP=1 (keep the work dir).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
links=${LINKS:-100000}
dur=${DURATION:-10}
conns=${CONNS:-64}
modes=${MODES:-keepalive close paced}
srv_cpu=${SERVER_CPU:-0}
cli_cpu=${CLIENT_CPU:-1}

. bench/lib.sh
data=$work/links
bench_data "$links" "$data"

echo "# $(date -u +%FT%TZ) $(nproc) CPUs, $(uname -r); $links links, $rounds rounds of ${dur}s, $conns connections"
echo "# nginx $("$NGINX" -v 2>&1 | sed 's/.*\///'), redirectd $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- redirectd || echo +changes)"
for r in $(seq "$rounds"); do
	echo "# round $r"
	best=0
	for mode in $modes; do
		[ "$mode" = paced ] && continue
		# Alternate the order each round: no server always runs first.
		if ((r % 2)); then order="nginx-log nginx redirectd"; else order="redirectd nginx nginx-log"; fi
		for s in $order; do run "$s" "$mode"; done
	done
	if [[ " $modes " == *" paced "* ]]; then
		# Half of nginx's highest keepalive rate: from this round, or a
		# quick measurement when keepalive was not run.
		best=$(awk '$1 == "keepalive" && $2 ~ /^nginx/ { if ($3 > b) b = $3 } END { printf "%.0f", b }' "$work/results")
		if [ "$best" = 0 ]; then
			run nginx keepalive >/dev/null
			best=$(awk '$1 == "keepalive" && $2 == "nginx" { b = $3 } END { printf "%.0f", b }' "$work/results")
			sed -i '$d' "$work/results"
		fi
		rate=$((best / 2))
		echo "# paced at $rate req/s"
		for s in nginx-log nginx redirectd; do run "$s" paced "$rate"; done
	fi
done

echo "# medians over $rounds rounds, and redirectd's ratios to nginx with and without its log"
python3 bench/summary.py "$work/results" redirectd/nginx-log redirectd/nginx
