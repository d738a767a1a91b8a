# bench/lib.sh: what bench/nginx.sh and bench/scale.sh share: packages,
# the release build, the country database, link sets, the wrk client, the
# servers (nginx and redirectd, pinned to a CPU) and one measured run.
# Sourced, with the caller's settings: dur, conns, srv_cpu, cli_cpu, and
# for each run `data` (a bench_data directory) and rd_threads.

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v npm >/dev/null || need+=(npm)
if ((${#need[@]})); then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d /tmp/rd-bench.XXXXXX)
cleanup() {
	kill $(jobs -p) 2>/dev/null || true
	wait 2>/dev/null || true
	[ "${KEEP:-0}" = 1 ] && echo "work dir kept: $work" || rm -rf "$work"
}
trap cleanup EXIT

meson setup build-bench --buildtype=release >/dev/null 2>&1 || true
meson compile -C build-bench >/dev/null
RD=build-bench/redirectd/redirectd
linkctl=build-bench/tools/linkctl/linkctl

geoip=${GEOIP:-/var/tmp/redirectd-bench/dbip-country.mmdb}
if [ ! -s "$geoip" ]; then
	mkdir -p "$(dirname "$geoip")"
	bash tools/fetch-geoip.sh "$geoip" >&2
fi

# --- the links -------------------------------------------------------------
# bench_data N DIR [nomap]: N links in DIR/db (linkctl import), the same
# pairs as an nginx map (DIR/map.conf, unless nomap), and the codes
# requests walk (DIR/codes).
bench_data() {
	local n=$1 d=$2 map=${3:-map}
	mkdir -p "$d"
	# Targets of realistic length (60-140 bytes): campaign landing pages with a
	# path and a query, as colleagues' links point at.
	awk -v n="$n" 'BEGIN {
	srand(1)
	a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	split("appeal petition report event donate volunteer news story", w, " ")
	for (i = 0; i < n; i++) {
		c = ""; for (k = 0; k < 8; k++) c = c substr(a, int(rand() * 62) + 1, 1)
		p = w[int(rand() * 8) + 1] "-" w[int(rand() * 8) + 1]
		q = ""; m = int(rand() * 4)
		for (k = 0; k < m; k++) q = q "&p" k "=" int(rand() * 1e9)
		printf "%s\tbench\tspring\thttps://www.example.org/campaigns/2026/%s/%d?ref=%d%s\n", c, p, i, i, q
	} }' | sort -u -k1,1 > "$d/links.tsv"
	$linkctl --db "$d/db" staff add bench --name Bench >/dev/null
	$linkctl --db "$d/db" import "$d/links.tsv" >/dev/null
	if [ "$map" = map ]; then
		awk -F'\t' '{ printf "/%s \"%s\";\n", $1, $4 }' "$d/links.tsv" > "$d/map.conf"
	fi
	# Requests walk the codes in a shuffled order (the file is sorted by code);
	# with huge stores, a sample of a million codes spread over all of them.
	cut -f1 "$d/links.tsv" | shuf -n 1000000 --random-source=<(yes) > "$d/codes"
}
# User-Agents as clicks on shared links bring them: mostly a few current
# browsers (Chrome's reduced UA is one string for millions), a long tail of
# other browsers and in-app browsers, some link previews and crawlers;
# taken from the test suite's labelled table.
awk -F'\t' '!/^#/ && NF == 3 { print $1 "\t" $3 }' tests/data/ua/labeled.tsv > "$work/uas"

# --- the client --------------------------------------------------------------
# Every request is formatted once in init(): wrk's Lua then costs a table
# look-up per request, so the client is not the bottleneck it is when
# request() formats each one.  paced: each connection waits between its
# requests so that CONNS of them make RATE requests/s in all (wrk's delay()
# is in whole milliseconds: a mix of the two neighbours gives the mean).
cat > "$work/req.lua" <<LUA
local reqs = {}
local close = os.getenv("RD_CLOSE") == "1"
local rate = tonumber(os.getenv("RD_RATE") or "0")
local conns = tonumber(os.getenv("RD_CONNS") or "64")
math.randomseed(7)
local human, bot = {}, {}
for line in io.lines("$work/uas") do
  local class, ua = line:match("^(%S+)\t(.*)$")
  if class == "human" then human[#human + 1] = ua else bot[#bot + 1] = ua end
end
local function pick_ua()
  local x = math.random()
  if x < 0.70 then return human[math.random(1, 8)] end   -- the common few
  if x < 0.95 then return human[math.random(1, #human)] end
  return bot[math.random(1, #bot)]
end
local referers = { "https://t.co/AbCdEf1234", "https://www.facebook.com/",
  "https://l.facebook.com/", "https://www.linkedin.com/", "https://bsky.app/",
  "https://mastodon.social/", "android-app://com.google.android.gm/", false }
local i = 0
for code in io.lines(os.getenv("RD_CODES")) do
  i = i + 1
  local h = {
    ["Host"] = "go.example.org",
    ["X-Real-IP"] = string.format("%d.%d.%d.%d", math.random(1, 223),
        math.random(0, 255), math.random(0, 255), math.random(1, 254)),
    ["User-Agent"] = pick_ua(),
    ["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ["Accept-Language"] = "en-GB,en;q=0.9",
  }
  local ref = referers[math.random(1, #referers)]
  if ref then h["Referer"] = ref end
  if close then h["Connection"] = "close" end
  reqs[i] = wrk.format("GET", "/" .. code, h)
end
local n = #reqs
local k = 0
request = function()
  k = k % n + 1
  return reqs[k]
end
if rate > 0 then
  local gap = conns * 1000 / rate      -- ms between one connection's requests
  local lo = math.floor(gap)
  local frac = gap - lo
  delay = function()
    if math.random() < frac then return lo + 1 end
    return lo
  end
end
LUA

# --- the servers -------------------------------------------------------------
cat > "$work/redirectd.conf" <<CONF
node = bench
log_dir = $work/rdlog
state_dir = $work/state
geoip_db = $geoip
trusted_proxies = 127.0.0.1
internal_networks = 10.0.0.0/8
CONF

nginx_conf() {   # $1 port, $2 log|nolog
	local log="access_log off;"
	[ "$2" = log ] && log="access_log $work/ngx/access.log combined buffer=64k flush=1s;"
	cat <<CONF
daemon off;
master_process on;
worker_processes 1;
user root;
pid $work/ngx/nginx.pid;
error_log $work/ngx/error.log warn;
events { worker_connections 20000; }
http {
	$log
	keepalive_requests 100000000;
	keepalive_timeout 75s;
	map_hash_max_size $(($(wc -l < "$data/map.conf") * 2 + 1024));
	map_hash_bucket_size 128;
	map \$uri \$target {
		default "";
		include $data/map.conf;
	}
	server {
		# redirectd defers accepts (TCP_DEFER_ACCEPT): so does nginx here.
		listen 127.0.0.1:$1 backlog=4096 deferred;
		location / {
			if (\$target = "") { return 404; }
			return 302 \$target;
		}
	}
}
CONF
}

# proc_cpu PID...: utime+stime in clock ticks over the processes' threads.
# proc_user PID...: the same, utime only.
proc_cpu() {
	local t=0 p
	for p in "$@"; do
		t=$((t + $(awk '{ print $14 + $15 }' /proc/$p/stat)))
	done
	echo $t
}
proc_user() {
	local t=0 p
	for p in "$@"; do
		t=$((t + $(awk '{ print $14 }' /proc/$p/stat)))
	done
	echo $t
}

# to_us "1.23ms" -> 1230
to_us() {
	awk -v v="$1" 'BEGIN { u = v; sub(/[0-9.]+/, "", u); x = v + 0;
		if (u == "us") x *= 1; else if (u == "ms") x *= 1000; else if (u == "s") x *= 1e6;
		printf "%.0f", x }'
}

start_server() {   # $1 server, $2 port; sets pids
	case $1 in
	redirectd)
		rm -rf "$work/rdlog"
		taskset -c "$srv_cpu" "$RD" -c "$work/redirectd.conf" --listen "127.0.0.1:$2" \
			--db "$data/db" --threads "${rd_threads:-1}" \
			2>>"$work/redirectd.err" &
		pids=($!)
		;;
	nginx*)
		rm -rf "$work/ngx"; mkdir -p "$work/ngx"
		local variant=nolog
		[ "$1" = nginx-log ] && variant=log
		nginx_conf "$2" $variant > "$work/ngx/nginx.conf"
		taskset -c "$srv_cpu" "$NGINX" -p "$work/ngx" -c "$work/ngx/nginx.conf" \
			2>>"$work/nginx.err" &
		local master=$!
		local w=
		for _ in $(seq 100); do
			w=$(pgrep -P "$master" || true)
			[ -n "$w" ] && break
			sleep 0.05
		done
		pids=("$master" $w)
		;;
	esac
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$2/robots.txt" && return 0
		sleep 0.05
	done
	echo "$1 did not start" >&2
	cat "$work"/*.err >&2
	exit 1
}

stop_server() {
	kill "${pids[0]}" 2>/dev/null || true
	wait "${pids[0]}" 2>/dev/null || true
}

# run SERVER MODE [RATE]: one measured run; appends a line to results.
run() {
	local srv=$1 mode=$2 rate=${3:-0}
	local port=$((20000 + RANDOM % 20000))
	local close=0 c=$conns
	[ "$mode" = close ] && close=1
	start_server "$srv" "$port"
	local url="http://127.0.0.1:$port/"
	# Warm up (connections, caches, the first segment; warmup seconds,
	# default 1), then measure.
	RD_CODES=$data/codes RD_CLOSE=$close RD_RATE=$rate RD_CONNS=$c taskset -c "$cli_cpu" \
		wrk -t"${wrk_threads:-1}" -c"$c" -d"${warmup:-1}s" -s "$work/req.lua" "$url" >/dev/null
	local t0 t1 u0 u1 perf=()
	if [ "${SYSCALLS:-0}" = 1 ]; then
		# Count the servers' system calls by kind over the run (perf
		# tracepoints: a small cost, paid by every server alike).
		local ev=() sc
		for sc in read recvfrom sendto write writev pwrite64 epoll_wait \
		          epoll_ctl accept4 close shutdown setsockopt; do
			ev+=(-e "syscalls:sys_enter_$sc")
		done
		perf stat -x, -o "$work/perf.out" "${ev[@]}" -e raw_syscalls:sys_enter \
			-p "$(IFS=,; echo "${pids[*]}")" &
		perf=($!)
		sleep 0.2
	fi
	t0=$(proc_cpu "${pids[@]}")
	u0=$(proc_user "${pids[@]}")
	RD_CODES=$data/codes RD_CLOSE=$close RD_RATE=$rate RD_CONNS=$c taskset -c "$cli_cpu" \
		wrk -t"${wrk_threads:-1}" -c"$c" -d"${dur}s" --latency -s "$work/req.lua" "$url" > "$work/wrk.out"
	t1=$(proc_cpu "${pids[@]}")
	u1=$(proc_user "${pids[@]}")
	if ((${#perf[@]})); then
		kill -INT "${perf[0]}"; wait "${perf[0]}" 2>/dev/null || true
		local nreq
		nreq=$(awk '/requests in/ { print $1 }' "$work/wrk.out")
		awk -F, -v n="$nreq" -v s="$srv" -v m="$mode" '$3 ~ /sys_enter/ && $1 > 0 {
			sub(/.*sys_enter_?/, "", $3); if ($3 == "") $3 = "all"
			o = o sprintf(" %s %.2f", $3, $1 / n) }
			END { print "#   syscalls/req " m " " s ":" o }' "$work/perf.out"
	fi
	stop_server
	local n rps p50 p99 errs
	n=$(awk '/requests in/ { print $1 }' "$work/wrk.out")
	rps=$(awk '/Requests\/sec/ { print $2 }' "$work/wrk.out")
	p50=$(to_us "$(awk '$1 == "50%" { print $2 }' "$work/wrk.out")")
	p99=$(to_us "$(awk '$1 == "99%" { print $2 }' "$work/wrk.out")")
	errs=$(awk '/Non-2xx|Socket errors/' "$work/wrk.out" | tr -s ' ' | tr '\n' ';')
	# wrk counts statuses >= 400 and socket errors: every answer here
	# should be a 302.
	if [ -n "$errs" ]; then
		echo "warning: $srv $mode: $errs" >&2
	fi
	awk -v s="${label:-$srv}" -v m="$mode" -v n="$n" -v r="$rps" -v t=$((t1 - t0)) -v u=$((u1 - u0)) \
		-v hz="$(getconf CLK_TCK)" -v p50="$p50" -v p99="$p99" \
		'BEGIN { printf "%-9s %-10s %9.0f req/s  p50 %6d us  p99 %6d us  %6.2f us CPU/req  user %3.0f%%\n",
			m, s, r, p50, p99, t * 1e6 / hz / n, t ? 100 * u / t : 0 }' | tee -a "$work/results"
}
