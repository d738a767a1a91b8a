#!/usr/bin/env bash
# The daemon's memory with LINKS links (default 1,000,000) in the store and
# CONNS (default 10,000) idle keep-alive connections, and heap allocations
# per request in steady state.
#
#   bench/memory.sh                 (LINKS=N CONNS=N WARM=seconds RUN=seconds
#                                    REV=commit NGINX=0)
#
# 1. Builds build-h2, mints LINKS links with `linkctl import` (the input of
#    bench/import.sh), and fetches the DB-IP country database to
#    /tmp/dbip.mmdb if it is not there (tools/fetch-geoip.sh).
# 2. Memory: runs redirectd with attribution on (geoip_db, trusted_proxies,
#    internal_networks, ip_log = truncated) with 1 worker, then with the
#    default (threads = 0: one per CPU).  Warms it with wrk (64 keep-alive
#    connections, requests over all codes, browser User-Agent, Referer,
#    X-Real-IP), opens CONNS connections and sends one redirect request on
#    each (every answer read: real keep-alive connections, now idle), then
#    reads /proc/PID/smaps_rollup and status, and breaks /proc/PID/smaps
#    down by mapping (heap, arenas, thread stacks, the country database's
#    memfd, data.mdb, the binaries).  Then a second process maps data.mdb
#    and touches all of it, and smaps_rollup is read again: pages of a
#    file mapping count as "private" only while one process maps them.
# 3. Allocations: runs redirectd (1 worker) under bench/alloc_count.so,
#    warms it up with every kind of traffic below, then counts every
#    malloc/calloc/realloc/free/memalign and mmap/munmap/mremap per thread
#    over each phase: keep-alive redirects; a new connection per request;
#    404s and 400s mixed in; CONNS new idle connections.  Prints the counts
#    per request (per connection for the last), per thread, and a
#    backtrace of the first allocations of a phase if any (ALLOC_COUNT_BT).
# 4. nginx (skip with NGINX=0): Debian's nginx, one worker, the same LINKS
#    codes in a `map` (`return 302`), the same CONNS idle connections; the
#    memory of its master and its worker.  The map is built in the master
#    before the fork, so its pages are shared by the two processes (copy on
#    write): each one's Rss holds the map, Pss splits it between them.
set -euo pipefail
cd "$(dirname "$0")/.."
links=${LINKS:-1000000}
conns=${CONNS:-10000}
warm=${WARM:-4}
run=${RUN:-5}
geoip=${GEOIP:-/tmp/dbip.mmdb}

command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
[ -s "$geoip" ] || bash tools/fetch-geoip.sh "$geoip"
work=$(mktemp -d /var/tmp/rd-mem.XXXXXX)
# The shim from this tree (build-h2); the daemon and linkctl from this
# tree too, or with REV=rev from that commit (git archive: a tree others
# are editing may not build).
build() {   # build DIR SRCDIR TARGETS...
	local dir=$1 srcdir=$2
	shift 2
	(cd "$srcdir" && { meson setup "$dir" --buildtype=release > /dev/null 2>&1 || true; } &&
	 meson compile -C "$dir" "$@" > "$work/build.log" 2>&1) ||
		{ tail -20 "$work/build.log" >&2; echo "memory.sh: build failed" >&2; exit 1; }
}
build build-h2 . alloc_count
SHIM=$PWD/build-h2/bench/alloc_count.so
if [ -n "${REV:-}" ]; then
	mkdir "$work/src"
	git archive "$REV" | tar -x -C "$work/src"
	build b "$work/src" redirectd linkctl
	B=$work/src/b
	srcdesc="$(git rev-parse --short "$REV") (REV=$REV)"
else
	build build-h2 . redirectd linkctl
	B=$PWD/build-h2
	srcdesc="working tree at $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- redirectd tools || echo " + uncommitted changes in $(git diff --name-only HEAD -- redirectd tools | tr '\n' ' ')")"
fi
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -gt $((conns + 1000)) ] || { echo "memory.sh: RLIMIT_NOFILE $(ulimit -n) is too low for $conns connections" >&2; exit 1; }

echo "== $(date -u +%FT%TZ); $(uname -r); $(nproc) CPUs; $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $links links, $conns connections"
echo "source: $srcdesc"
bash bench/import.sh gen "$links" "$work" >/dev/null
$B/tools/linkctl/linkctl --db "$work/db" staff import "$work/staff.csv" 2>/dev/null
t0=$(date +%s.%N)
$B/tools/linkctl/linkctl --db "$work/db" import "$work/links.tsv"
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "import: %.1f s\n", b - a }'
du -m "$work/db/data.mdb" | awk '{ printf "data.mdb: %d MiB\n", $1 }'
cut -f1 "$work/links.tsv" > "$work/codes"

# --- the load: wrk scripts ---------------------------------------------
# MODE ok: redirects; close: the same with Connection: close; mixed: 90%
# redirects, 5% unknown codes (404), 5% malformed requests (400, which
# close the connection).
cat > "$work/req.lua" <<LUA
local mode = os.getenv("MODE") or "ok"
local codes = {}
for line in io.lines("$work/codes") do codes[#codes + 1] = line end
math.randomseed(7)
local ips = {}
for k = 1, 4096 do
  ips[k] = string.format("%d.%d.%d.%d", math.random(1, 223), math.random(0, 255),
                         math.random(0, 255), math.random(1, 254))
end
local i = math.random(#codes)
local hdr = {
  ["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  ["Referer"] = "https://t.co/AbCdEf1234",
  ["Accept"] = "text/html,application/xhtml+xml",
  ["Accept-Language"] = "en-GB,en;q=0.9" }
if mode == "close" then hdr["Connection"] = "close" end
local n = 0
request = function()
  i = (i + 7919) % #codes + 1
  n = n + 1
  hdr["X-Real-IP"] = ips[n % #ips + 1]
  if mode == "mixed" and n % 20 == 0 then
    return wrk.format("GET", "/zz" .. codes[i], hdr)
  elseif mode == "mixed" and n % 20 == 10 then
    return "GET /" .. codes[i] .. " HTTP/1.1\r\nUser-Agent: x\r\n\r\n"  -- no Host: 400
  end
  return wrk.format("GET", "/" .. codes[i], hdr)
end
LUA

# --- the idle connections: one request on each, then hold ----------------
cat > "$work/idle.py" <<'PY'
import os, random, resource, selectors, socket, sys
host, port, n, codes_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
codes = open(codes_file).read().split()
rnd = random.Random(11)
sel = selectors.DefaultSelector()
done, statuses, socks, started, inflight = 0, {}, [], 0, 0
ua = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/131.0.0.0 Safari/537.36")
def start():
    global started, inflight
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.connect_ex((host, port))
    ip = "%d.%d.%d.%d" % (rnd.randint(1, 223), rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(1, 254))
    req = ("GET /%s HTTP/1.1\r\nHost: go.example.org\r\nUser-Agent: %s\r\n"
           "Referer: https://www.linkedin.com/\r\nX-Real-IP: %s\r\n\r\n"
           % (rnd.choice(codes), ua, ip)).encode()
    sel.register(s, selectors.EVENT_WRITE, [req, b""])
    socks.append(s)
    started += 1
    inflight += 1
while done < n:
    while started < n and inflight < 256:
        start()
    for key, ev in sel.select(timeout=10):
        s, st = key.fileobj, key.data
        if ev & selectors.EVENT_WRITE:
            s.send(st[0])
            sel.modify(s, selectors.EVENT_READ, st)
            continue
        data = s.recv(4096)
        if not data:
            sys.exit("connection closed by the server after %d" % done)
        st[1] += data
        if b"\r\n\r\n" in st[1]:
            code = st[1].split(b" ", 2)[1].decode()
            statuses[code] = statuses.get(code, 0) + 1
            sel.unregister(s)
            done += 1
            inflight -= 1
print("open", done, "statuses", statuses, flush=True)
sys.stdin.read()       # hold until told to go
PY

# --- reading memory -----------------------------------------------------
# smaps: one line per class of mapping, in KiB: Rss, Private (clean +
# dirty), Private_Dirty, Shared.  Anonymous rw mappings of 8 MiB right after
# a guard page are thread stacks; the rest of the anonymous memory past
# [heap] is glibc's per-thread arenas (reserved 64 MiB at a time: their
# size says nothing, their Rss does).
cat > "$work/smaps.py" <<'PY'
import re, sys
pid = sys.argv[1]
cls, cur, prev = {}, None, None
def classify(line):
    f = line.split(None, 5)
    lo, hi = (int(x, 16) for x in f[0].split("-"))
    size, perms, name = (hi - lo) // 1024, f[1], (f[5].strip() if len(f) > 5 else "")
    if name == "[heap]": return "heap (main arena, brk)"
    if name.startswith("[stack"): return "main thread stack"
    if name.startswith("/memfd:redirectd-geo"): return "country db (memfd copy, shmem)"
    if name.endswith("data.mdb"): return "LMDB data.mdb (file, page cache)"
    if name.endswith("lock.mdb"): return "LMDB lock.mdb (reader table)"
    if name.startswith("/memfd:"): return "other memfd"
    if name.startswith("["): return "kernel ([vdso], [vvar]...)"
    if name:
        b = name.rsplit("/", 1)[-1]
        if b == "redirectd": return "redirectd binary"
        for lib in ("libevent", "liblmdb", "libmaxminddb", "libc.so", "libxxhash", "ld-linux"):
            if b.startswith(lib): return "lib: " + lib
        return "other files: " + b
    if perms == "---p": return None          # guard pages, reserved arena space
    if size == 8192 and prev and prev[1] == "---p" and prev[2] == "": return "thread stacks (8 MiB each)"
    return "anonymous (glibc arenas, large mallocs, libevent/LMDB mmaps)"
for line in open("/proc/%s/smaps" % pid):
    if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
        f = line.split(None, 5)
        c = classify(line)
        prev = (f[0], f[1], f[5].strip() if len(f) > 5 else "")
        cur = cls.setdefault(c, {"Rss": 0, "Private_Clean": 0, "Private_Dirty": 0, "Shared_Clean": 0, "Shared_Dirty": 0, "n": 0})
        cur["n"] += 1
    else:
        k, _, v = line.partition(":")
        if cur is not None and k in cur and k != "n":
            cur[k] += int(v.split()[0])
cls.pop(None, None)
print("  %-58s %9s %9s %9s %9s" % ("mapping class (KiB)", "Rss", "Private", "Pr.Dirty", "Shared"))
tot = {"Rss": 0, "P": 0, "PD": 0, "S": 0}
for c, v in sorted(cls.items(), key=lambda kv: -(kv[1]["Private_Clean"] + kv[1]["Private_Dirty"])):
    p = v["Private_Clean"] + v["Private_Dirty"]
    s = v["Shared_Clean"] + v["Shared_Dirty"]
    tot["Rss"] += v["Rss"]; tot["P"] += p; tot["PD"] += v["Private_Dirty"]; tot["S"] += s
    print("  %-58s %9d %9d %9d %9d" % (c + " x%d" % v["n"], v["Rss"], p, v["Private_Dirty"], s))
print("  %-58s %9d %9d %9d %9d" % ("total", tot["Rss"], tot["P"], tot["PD"], tot["S"]))
PY

rollup() {   # $1 pid, $2 label: one line of smaps_rollup and status figures
	awk -v l="$2" '
		FILENAME ~ /rollup/ { v[$1] = $2 }
		FILENAME ~ /status/ { v[$1] = $2 }
		END { printf "%-34s private %7.1f MiB (clean %6.1f, dirty %6.1f)  rss %7.1f  shared %6.1f | RssAnon %6.1f RssFile %6.1f RssShmem %5.1f MiB\n",
			l, (v["Private_Clean:"] + v["Private_Dirty:"]) / 1024, v["Private_Clean:"] / 1024, v["Private_Dirty:"] / 1024,
			v["Rss:"] / 1024, (v["Shared_Clean:"] + v["Shared_Dirty:"]) / 1024,
			v["RssAnon:"] / 1024, v["RssFile:"] / 1024, v["RssShmem:"] / 1024 }' \
		"/proc/$1/smaps_rollup" "/proc/$1/status"
}

priv_kib() {   # $1 pid: "private anon data.mdb-private" in KiB
	local p a m
	p=$(awk '/^Private_(Clean|Dirty):/ { p += $2 } END { print p }' "/proc/$1/smaps_rollup")
	a=$(awk '/^RssAnon:/ { print $2 }' "/proc/$1/status")
	m=$(awk '/^[0-9a-f]+-[0-9a-f]+ / { on = ($NF ~ /data\.mdb$/) } on && /^Private_(Clean|Dirty):/ { p += $2 } END { print p + 0 }' "/proc/$1/smaps")
	echo "$p $a $m"
}

port=$((20000 + RANDOM % 20000))
start_daemon() {   # $1 threads, $2 extra environment (LD_PRELOAD=...); sets $dpid
	rm -rf "$work/log" "$work/state"
	cat > "$work/rd.conf" <<CONF
listen = 127.0.0.1:$port
db = $work/db
log_dir = $work/log
state_dir = $work/state
node = bench
threads = $1
max_connections = 16384
keepalive_timeout = 600s
geoip_db = $geoip
trusted_proxies = 127.0.0.1, ::1
internal_networks = 10.0.0.0/8, 192.168.0.0/16
ip_log = truncated
CONF
	env ${2:-} "$B/redirectd/redirectd" -c "$work/rd.conf" 2> "$work/daemon.err" &
	dpid=$!
	pids+=("$dpid")
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$port/robots.txt" && return 0
		sleep 0.1
	done
	cat "$work/daemon.err" >&2
	exit 1
}

stop_daemon() {
	kill "$dpid"
	wait "$dpid" 2>/dev/null || true
}

wrk_run() {   # MODE seconds connections: prints completed requests
	MODE=$1 wrk -t1 -c"$3" -d"$2s" -s "$work/req.lua" "http://127.0.0.1:$port/" > "$work/wrk.out" 2>&1 || true
	awk '/requests in/ { print $1 }' "$work/wrk.out"
}

open_idle() {   # starts the idle client; waits until all CONNS are answered
	mkfifo "$work/hold.$1"
	python3 "$work/idle.py" 127.0.0.1 "$port" "$conns" "$work/codes" < "$work/hold.$1" > "$work/idle.out" 2>&1 &
	ipid=$!
	pids+=("$ipid")
	exec 7> "$work/hold.$1"
	for _ in $(seq 600); do
		grep -q "^open" "$work/idle.out" && break
		kill -0 "$ipid" 2>/dev/null || { cat "$work/idle.out" >&2; exit 1; }
		sleep 0.1
	done
	sed 's/^/  client: /' "$work/idle.out"
}

close_idle() {
	exec 7>&-
	wait "$ipid" 2>/dev/null || true
}

# --- 2. memory --------------------------------------------------------------
for threads in 1 0; do
	start_daemon "$threads"
	echo
	echo "== memory, threads = $threads ($(ls /proc/$dpid/task | wc -l) threads in the process)"
	rollup "$dpid" "started"
	n=$(wrk_run ok "$warm" 64)
	rollup "$dpid" "after $n requests (64 conns)"
	priv_kib "$dpid" > "$work/p.before"
	open_idle "m$threads"
	rollup "$dpid" "with $conns idle connections"
	priv_kib "$dpid" > "$work/p.with"
	awk -v n="$conns" 'NR == 1 { a = $1 - $3; b = $2 } NR == 2 { printf "per idle connection: %.0f bytes of private memory without data.mdb (anonymous: %.0f bytes)\n", ($1 - $3 - a) * 1024 / n, ($2 - b) * 1024 / n }' \
		"$work/p.before" "$work/p.with"
	echo "private memory without data.mdb's page cache: $(awk '{ printf "%.1f MiB", ($1 - $3) / 1024 }' "$work/p.with")"
	python3 "$work/smaps.py" "$dpid"
	close_idle
	sleep 0.5
	rollup "$dpid" "after the $conns closed"
	# Another process maps all of data.mdb (as linkctl, reach or a
	# second daemon would): the daemon's data.mdb pages turn shared.
	python3 - "$work/db/data.mdb" > "$work/toucher.out" <<'PY' &
import mmap, sys
f = open(sys.argv[1], "rb")
m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
s = sum(m[i] for i in range(0, len(m), 4096))
print("touched", flush=True)
__import__("time").sleep(60)
PY
	tpid=$!
	pids+=("$tpid")
	for _ in $(seq 100); do grep -q touched "$work/toucher.out" && break; sleep 0.1; done
	rollup "$dpid" "same, data.mdb also mapped by another process"
	kill "$tpid" 2>/dev/null || true
	stop_daemon
done

# --- 3. allocations -----------------------------------------------------------
echo
echo "== allocations per request (1 worker, under bench/alloc_count.so)"
cnt=$work/alloc.cnt
start_daemon 1 "LD_PRELOAD=$SHIM ALLOC_COUNT_FILE=$cnt ALLOC_COUNT_BT=$work/bt.txt"
cat > "$work/cnt.py" <<'PY'
# cnt.py FILE [arm N]: print "tid kind=count ..." per thread; or arm the
# backtrace of the next N allocations.
import mmap, struct, sys
K = ["malloc", "calloc", "realloc", "free", "memalign", "mmap", "munmap", "mremap", "bytes"]
f = open(sys.argv[1], "r+b")
m = mmap.mmap(f.fileno(), 0)
if len(sys.argv) > 3 and sys.argv[2] == "arm":
    m[16:24] = struct.pack("<Q", int(sys.argv[3])); sys.exit()
w = struct.unpack("<%dQ" % (len(m) // 8), m[:])
for i in range(min(w[1], 64)):
    s = w[4 + i * 10: 4 + (i + 1) * 10]
    print(s[0], " ".join("%s=%d" % kv for kv in zip(K, s[1:])))
PY
snap() { python3 "$work/cnt.py" "$cnt" > "$work/snap.$1"; }
# Threads by tid: the main thread's tid is the pid; workers and the others
# follow in creation order.
delta() {   # $1 before, $2 after, $3 divisor, $4 unit
	awk -v d="$3" -v u="$4" -v pid="$dpid" '
		NR == FNR { for (i = 2; i <= NF; i++) { split($i, kv, "="); a[$1, kv[1]] = kv[2] } next }
		{ line = ""; tot = 0
		  for (i = 2; i <= NF; i++) { split($i, kv, "="); x = kv[2] - a[$1, kv[1]]
		      if (kv[1] != "bytes") tot += x
		      if (x) line = line sprintf(" %s %d (%.4f/%s)", kv[1], x, x / d, u) }
		  name = $1 == 0 ? "before main" : $1 == pid ? "main thread" : "thread " $1
		  printf "    %-14s %s\n", name, tot ? line : " no allocations, no mappings" }' \
		"$work/snap.$1" "$work/snap.$2"
}
# Warm-up: every kind of traffic, at the concurrency of the phases.  Its
# own counts show the shim sees the worker: pools grow here.
snap w0
for mode in ok close mixed ok; do wrk_run "$mode" 2 64 > /dev/null; done
open_idle w; close_idle
wrk_run ok 2 64 > /dev/null
sleep 1
snap w1
echo "  warm-up (wrk ok/close/mixed/ok 2 s each, $conns idle connections opened and closed):"
delta w0 w1 1 run
# The daemon's own counters (SIGUSR2), outside the counted windows: what
# each phase really was (statuses, connections).
counters() {
	local before
	before=$(grep -c 'counters:' "$work/daemon.err" || true)
	kill -USR2 "$dpid"
	for _ in $(seq 50); do
		[ "$(grep -c 'counters:' "$work/daemon.err" || true)" -gt "$before" ] && break
		sleep 0.1
	done
	grep 'counters:' "$work/daemon.err" | tail -1 | tr ' ' '\n' | grep '=' > "$work/ctr.$1"
}
ctr_delta() {
	awk -F= 'NR == FNR { a[$1] = $2; next }
		$1 ~ /^(requests|redirects|not_found|bad_requests|conns_accepted|records_written)$/ {
			printf " %s=%d", $1, $2 - a[$1] }
		END { print "" }' "$work/ctr.$1" "$work/ctr.$2"
}
phase() {   # label mode connections
	counters a
	snap a
	local n
	n=$(wrk_run "$2" "$run" "$3")
	snap b
	counters b
	echo "  $1: $n requests (wrk -c$3, ${run}s); daemon:$(ctr_delta a b)"
	delta a b "$n" req
}
phase "keep-alive redirects" ok 64
phase "a new connection per request" close 64
phase "mixed: 90% redirects, 5% 404, 5% 400 (closes)" mixed 64
counters a
snap a
open_idle i
snap b
counters b
echo "  $conns new connections, one redirect each, kept open; daemon:$(ctr_delta a b)"
delta a b "$conns" conn
close_idle
sleep 1
snap a
sleep 5
snap b
echo "  idle daemon, 5 s (ticks, log syncs):"
delta a b 5 s
# Backtraces of what a mixed phase allocates, if it allocates at all.
python3 "$work/cnt.py" "$cnt" arm 20
wrk_run mixed 1 64 > /dev/null
if [ -s "$work/bt.txt" ]; then
	echo "  backtraces of the first allocations during a mixed run ($work/bt.txt):"
	# Frames in the daemon as function names (its symbol table).
	while IFS= read -r line; do
		case $line in
		*"/redirectd/redirectd(+0x"*)
			off=${line#*redirectd(+}; off=${off%%)*}
			echo "    $line  $(addr2line -f -e "$B/redirectd/redirectd" "$off" | head -1)" ;;
		*) echo "    $line" ;;
		esac
	done < "$work/bt.txt" | head -60
else
	echo "  backtrace of allocations during a mixed run: none"
fi
stop_daemon

# --- 4. nginx with the same links in a map ----------------------------------
[ "${NGINX:-1}" = 0 ] && exit 0
command -v nginx >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
echo
echo "== nginx $(nginx -v 2>&1 | sed 's|.*/||'), one worker, $links codes in a map"
ng=$work/nginx
mkdir -p "$ng/logs"
# map matches strings case-insensitively: codes that differ only in case
# would clash, so later ones are left out (a handful in a million).
awk -F'\t' '{ k = tolower($1); if (k in seen) next; seen[k] = 1; printf "/%s \"%s\";\n", $1, $4 }' \
	"$work/links.tsv" > "$ng/map.conf"
cat > "$ng/nginx.conf" <<NGX
worker_processes 1;
pid $ng/nginx.pid;
error_log $ng/logs/error.log;
events { worker_connections $((conns + 1024)); }
worker_rlimit_nofile $((conns + 2048));
http {
	access_log off;
	keepalive_timeout 600s;
	keepalive_requests 1000000;
	map_hash_max_size $((links * 2));
	map_hash_bucket_size 128;
	map \$uri \$target {
		default "";
		include $ng/map.conf;
	}
	server {
		listen 127.0.0.1:$port reuseport;
		location / {
			if (\$target) { return 302 \$target; }
			return 404;
		}
	}
}
NGX
t0=$(date +%s.%N)
nginx -p "$ng" -c "$ng/nginx.conf" -g 'daemon off;' 2> "$ng/stderr" &
npid=$!
pids+=("$npid")
for _ in $(seq 600); do
	curl -s -o /dev/null "http://127.0.0.1:$port/robots.txt" && break
	kill -0 "$npid" 2>/dev/null || { cat "$ng/stderr" "$ng/logs/error.log" >&2; exit 1; }
	sleep 0.2
done
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "start-up (building the map): %.1f s\n", b - a }'
wpid=$(pgrep -P "$npid" | head -1)
pss() { awk '/^Pss:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/smaps_rollup"; }
nginx_mem() {
	rollup "$npid" "  master: $1"
	rollup "$wpid" "  worker: $1"
	echo "    Pss master $(pss "$npid") MiB, worker $(pss "$wpid") MiB"
}
nginx_mem "started"
wrk_run ok "$warm" 64 > /dev/null
open_idle n
nginx_mem "with $conns idle connections"
close_idle
kill "$npid"
wait "$npid" 2>/dev/null || true
