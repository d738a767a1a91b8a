#!/usr/bin/env bash
# redirectd at scale, in one run: a store of 10 thousand links against one
# of 10 million, and one worker against two.
#
#   bash bench/scale.sh [ROUNDS]          (ROUNDS default 3)
#
# Stores: SMALL (10000) and BIG (10000000) links made as bench/nginx.sh
# makes them (bench/lib.sh); requests walk all codes of the small store and
# a million codes spread over the whole big one.  Keep-alive, 64
# connections, the same requests and attribution as bench/nginx.sh.
#
#   stores   one worker pinned to CPU 0, wrk to CPU 1, the two stores
#            alternated: requests/s and server CPU per request, big/small
#   workers  the small store, one worker then two, the daemon and wrk
#            (two threads) sharing both CPUs: this machine has only two,
#            so the client takes its share from the server's; read the CPU
#            per request and the requests/s together
#
# Environment: SMALL, BIG, DURATION (default 10), PARTS ("stores workers"),
# GEOIP, KEEP=1.  Making the big store takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
dur=${DURATION:-10}
conns=${CONNS:-64}
parts=${PARTS:-stores workers}
srv_cpu=0
cli_cpu=1

. bench/lib.sh
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, $(uname -r); $rounds rounds of ${dur}s, $conns connections"
echo "# redirectd $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- redirectd || echo +changes)"
t0=$(date +%s)
bench_data "${SMALL:-10000}" "$work/small" nomap
if [[ " $parts " == *" stores "* ]]; then
	bench_data "${BIG:-10000000}" "$work/big" nomap
	echo "# stores made in $(($(date +%s) - t0)) s; big store $(du -sh "$work/big/db" | cut -f1)"
fi

for r in $(seq "$rounds"); do
	echo "# round $r"
	if [[ " $parts " == *" stores "* ]]; then
		# A daemon runs for days: its store's pages are mapped and in
		# the CPU's reach long before a benchmark's few seconds.  The
		# first 100,000-odd requests into a fresh 1.6 GB map cost up to
		# 1.8x the CPU of later ones, so each store gets 20 s of warm-up.
		for s in small big; do
			warmup=20 data=$work/$s label=$s-store run redirectd keepalive
		done
	fi
	if [[ " $parts " == *" workers "* ]]; then
		for t in 1 2; do
			srv_cpu=0,1 cli_cpu=0,1 wrk_threads=2 rd_threads=$t \
				data=$work/small label=$t-worker run redirectd keepalive
		done
	fi
done

echo "# medians over $rounds rounds"
python3 bench/summary.py "$work/results" big-store/small-store 2-worker/1-worker
