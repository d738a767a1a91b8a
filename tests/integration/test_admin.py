"""The admin listener (admin_listen): /metrics in the Prometheus text format,
checked by a real parser (`promtool check metrics`, Debian's prometheus
package) and against the exact traffic this test sends, the latency
histogram against the status counters under heavy pipelining; /healthz ok and
degraded (a file-size limit that makes the click log unwritable, a
configured country database that is missing), and back to ok when the
cause goes; the admin listener serves no redirects and the public one no
/metrics; a unix-socket admin listener; a taken admin address does not stop
the daemon, which takes the address over once it is free."""
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import BUILD, done, eq, ok, tempdir  # noqa: E402
from daemon import Daemon, Reader, free_port, linkctl  # noqa: E402

PROMTOOL = shutil.which("promtool")
GEO_FLAT = os.path.join(BUILD, "tests", "geo-flat.mmdb")
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
UAS = {"human": UA, "preview": "Twitterbot/1.0",
       "crawler": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
       "tool": "curl/8.5.0"}

tmp = tempdir("rdadmin-")
db = os.path.join(tmp, "db")
linkctl(db, "staff", "add", "ana", "--name", "Ana")
a302 = linkctl(db, "mint", "--staff", "ana", "--url", "https://example.org/a",
               "--code", "a302").stdout.strip()
linkctl(db, "mint", "--staff", "ana", "--url", "https://example.org/b", "--status", "301",
        "--code", "a301")
linkctl(db, "mint", "--staff", "ana", "--url", "https://example.org/c", "--status", "307",
        "--code", "a307")
linkctl(db, "mint", "--staff", "ana", "--url", "https://example.org/d", "--status", "308",
        "--code", "a308")
linkctl(db, "mint", "--staff", "ana", "--url", "https://example.org/e", "--code", "gone")
linkctl(db, "disable", "gone")


def request(addr, raw, n=1, head=False):
    """Send raw bytes to addr ((host, port) or a unix path); n responses."""
    if isinstance(addr, str):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(5)
        s.connect(addr)
    else:
        s = socket.create_connection(addr, 5)
    try:
        s.sendall(raw)
        r = Reader(s)
        return [r.response(head=head) for _ in range(n)]
    finally:
        s.close()


def get(addr, path, method="GET", ua=None, close=True):
    raw = "%s %s HTTP/1.1\r\nHost: admin\r\n" % (method, path)
    if ua:
        raw += "User-Agent: %s\r\n" % ua
    raw += "Connection: close\r\n\r\n" if close else "\r\n"
    return request(addr, raw.encode(), head=(method == "HEAD"))[0]


LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')


def parse(text):
    """{(name, frozenset(labels)): value} of an exposition; types too."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            types[name] = typ
            continue
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        if not m:
            raise ValueError("bad sample line %r" % line)
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples, types


def metric(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


def scrape(addr):
    r = get(addr, "/metrics")
    return r, r.body.decode()


def promtool_check(text, what):
    if not PROMTOOL:
        ok(False, "promtool is installed (tools/deps.sh installs Debian's prometheus)")
        return
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=60)
    ok(r.returncode == 0 and not (r.stdout + r.stderr).strip(),
       "promtool check metrics: %s parses and lints clean" % what, r.stdout + r.stderr)


def wait(cond, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    return cond()


# --- /metrics against exact traffic --------------------------------------------
logs = os.path.join(tmp, "log")
aport = free_port()
admin = ("127.0.0.1", aport)
with Daemon(db, logs, threads=2, extra=["--admin-listen", "127.0.0.1:%d" % aport]) as d:
    ok("admin: /metrics and /healthz on 127.0.0.1:%d" % aport in d.errors(),
       "the daemon says where the admin listener is", d.errors())
    r, text = scrape(admin)
    eq((r.status, r.header("content-type"), r.header("cache-control")),
       (200, "text/plain; version=0.0.4; charset=utf-8", "no-store"),
       "GET /metrics: 200, the exposition's content type, not cacheable")
    promtool_check(text, "the exposition at start")
    s0, types = parse(text)
    eq(metric(s0, "redirectd_http_responses_total", code="302"), 0.0,
       "at start: no 302 counted")
    eq(metric(s0, "redirectd_workers"), 2.0, "redirectd_workers is 2")
    ok(abs(metric(s0, "process_start_time_seconds") - time.time()) < 60,
       "process_start_time_seconds is about now")
    ok(any(k[0] == "redirectd_build_info" and dict(k[1]).get("version") for k in s0),
       "redirectd_build_info has a version label")
    for name, typ in (("redirectd_http_responses_total", "counter"),
                      ("redirectd_clicks_total", "counter"),
                      ("redirectd_request_duration_seconds", "histogram"),
                      ("redirectd_log_written_bytes_total", "counter"),
                      ("redirectd_log_segments_open", "gauge"),
                      ("redirectd_log_records_dropped_total", "counter"),
                      ("redirectd_log_sync_lag_seconds", "gauge"),
                      ("redirectd_log_unsynced_batches", "gauge"),
                      ("redirectd_store_errors_total", "counter"),
                      ("redirectd_lmdb_readers", "gauge"),
                      ("redirectd_connections_open", "gauge")):
        eq(types.get(name), typ, "%s is a %s" % (name, typ))
    eq(metric(s0, "redirectd_lmdb_readers"), 2.0,
       "redirectd_lmdb_readers: one reader slot per worker")
    eq(metric(s0, "redirectd_log_segments_open"), 2.0, "one open segment per worker")

    pub = (d.host, d.port)
    want_codes = {}
    want_class = {}

    def send(path, status, cls=None, ua=UA, method="GET", raw=None):
        resp = request(pub, raw, head=(method == "HEAD"))[0] if raw else \
            get(pub, path, method=method, ua=ua)
        ok(resp is not None and resp.status == status, "public %s %s: %d"
           % (method, path if raw is None else repr(raw[:20]), status), resp)
        want_codes[status] = want_codes.get(status, 0) + 1
        if cls:
            want_class[cls] = want_class.get(cls, 0) + 1

    for cls, n in (("human", 5), ("preview", 2), ("crawler", 3), ("tool", 4)):
        for _ in range(n):
            send("/a302", 302, cls, ua=UAS[cls])
    for _ in range(2):
        send("/a302", 302, "probe", method="HEAD")
    send("/a301", 301, "human")
    send("/a307", 307, "human")
    send("/a308", 308, "human")
    for _ in range(3):
        send("/nosuch", 404)
    send("/gone", 410)
    send("/gone", 410)
    send("/a302", 405, method="POST")
    send("/robots.txt", 200)
    send(None, 400, raw=b"GARBAGE\r\n\r\n")
    send("/metrics", 404)
    send("/healthz", 404)
    # Keep-alive: four redirects on one connection.
    ka = b"GET /a302 HTTP/1.1\r\nHost: x\r\nUser-Agent: %s\r\n\r\n" % UA.encode()
    rs = request(pub, ka * 4, n=4)
    eq([x.status for x in rs if x], [302] * 4, "public keep-alive: 4 redirects on one "
       "connection")
    want_codes[302] += 4
    want_class["human"] += 4
    # The admin listener serves no redirects.
    for path in ("/a302", "/a301", "/", "/robots.txt"):
        resp = get(admin, path, ua=UA)
        ok(resp.status == 404 and resp.header("location") is None,
           "admin GET %s: 404, no Location" % path, resp)

    r, text = scrape(admin)
    promtool_check(text, "the exposition after traffic")
    s1, _ = parse(text)
    got = {c: int(metric(s1, "redirectd_http_responses_total", code=str(c)) or 0)
           for c in (200, 301, 302, 307, 308, 400, 404, 405, 410, 414, 431, 500, 503, 505)}
    eq({c: n for c, n in got.items() if n}, want_codes,
       "redirectd_http_responses_total by code is exactly the traffic sent")
    got = {c: int(metric(s1, "redirectd_clicks_total", **{"class": c}) or 0)
           for c in ("human", "preview", "crawler", "tool", "probe")}
    eq(got, {c: want_class.get(c, 0) for c in got},
       "redirectd_clicks_total by class is exactly the clicks sent (the admin "
       "listener's requests count nothing)")
    n_clicks = sum(want_class.values())
    n_answers = sum(want_codes.values())
    eq(metric(s1, "redirectd_log_records_written_total"), float(n_clicks),
       "redirectd_log_records_written_total: one record per click (%d)" % n_clicks)
    segs = metric(s1, "redirectd_log_segments_created_total")
    eq(metric(s1, "redirectd_log_written_bytes_total"), float(n_clicks * 128 + segs * 128),
       "redirectd_log_written_bytes_total: 128 bytes per record and segment header")
    on_disk = sum(os.path.getsize(os.path.join(logs, f)) for f in os.listdir(logs)
                  if f.endswith(".clk"))
    eq(metric(s1, "redirectd_log_written_bytes_total"), float(on_disk),
       "... which is what the segments hold on disk (%d bytes)" % on_disk)
    eq(metric(s1, "redirectd_redirects_total"), float(want_codes[302] + 3),
       "redirectd_redirects_total counts every 3xx")
    eq(metric(s1, "redirectd_not_found_total"), 5.0,
       "redirectd_not_found_total: the 404s (/metrics and /healthz among them)")
    eq(metric(s1, "redirectd_bad_requests_total"), 1.0, "redirectd_bad_requests_total")
    eq(metric(s1, "redirectd_log_records_dropped_total"), 0.0, "nothing dropped")
    eq(metric(s1, "redirectd_request_duration_seconds_count"), float(n_answers),
       "the latency histogram counts every answer (%d)" % n_answers)
    buckets = sorted((float(dict(k[1])["le"]), v) for k, v in s1.items()
                     if k[0] == "redirectd_request_duration_seconds_bucket")
    ok(all(buckets[i][1] <= buckets[i + 1][1] for i in range(len(buckets) - 1))
       and buckets[-1] == (float("inf"), float(n_answers)),
       "histogram buckets are cumulative up to +Inf = count", buckets)
    ssum = metric(s1, "redirectd_request_duration_seconds_sum")
    ok(0 < ssum < n_answers * 0.5, "histogram sum is positive and sane (%.6f s)" % ssum)
    eq(metric(s1, "redirectd_store_errors_total"), 0.0, "no store errors")
    eq(metric(s1, "redirectd_healthy"), 1.0, "redirectd_healthy is 1")
    eq(metric(s1, "redirectd_connections_open"), 0.0,
       "redirectd_connections_open: 0 with every client gone")
    held = [socket.create_connection(pub, 5) for _ in range(3)]
    for h in held:
        h.sendall(b"GET /nosuch HTTP/1.1\r\nHost: x\r\n\r\n")
        Reader(h).response()
    want_codes[404] += 3
    s2, _ = parse(scrape(admin)[1])
    eq(metric(s2, "redirectd_connections_open"), 3.0,
       "redirectd_connections_open: 3 with three keep-alive clients")
    for h in held:
        h.close()
    ok(wait(lambda: metric(parse(scrape(admin)[1])[0], "redirectd_connections_open") == 0),
       "redirectd_connections_open: back to 0 when they close")
    lag = metric(s2, "redirectd_log_sync_lag_seconds")
    ok(lag is not None and 0 <= lag < 5, "redirectd_log_sync_lag_seconds is small (%r)" % lag)
    ok(wait(lambda: metric(parse(scrape(admin)[1])[0], "redirectd_log_unsynced_batches") == 0,
            timeout=5),
       "redirectd_log_unsynced_batches: 0 once the 1 s fdatasync ran")

    # --- the admin listener's own HTTP ----------------------------------------
    r = get(admin, "/healthz")
    eq((r.status, r.body, r.header("content-type")), (200, b"ok\n", "text/plain; charset=utf-8"),
       "GET /healthz: 200 ok")
    r = get(admin, "/metrics", method="HEAD")
    ok(r.status == 200 and int(r.header("content-length")) > 1000 and r.body == b"",
       "HEAD /metrics: the headers with the length, no body", r)
    r = get(admin, "/metrics", method="POST")
    eq((r.status, r.header("allow")), (405, "GET, HEAD"), "POST /metrics: 405 with Allow")
    r = request(admin, b"GET /metrics HTTP/1.1\r\n\r\n")[0]
    eq(r.status, 400, "admin: HTTP/1.1 without Host is 400 (the strict parser)")
    r = request(admin, b"GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc")[0]
    eq(r.status, 400, "admin: a body is 400")
    rs = request(admin, b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
                 b"GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", n=2)
    ok([x.status for x in rs] == [200, 200] and rs[1].body.startswith(b"# HELP"),
       "admin: keep-alive and pipelining (healthz, then metrics)")
    # Nothing above reached the public counters.
    s3, _ = parse(scrape(admin)[1])
    eq(metric(s3, "redirectd_clicks_total", **{"class": "human"}),
       float(want_class["human"]), "admin requests added no click")
    ok(metric(s3, "redirectd_admin_requests_total") >= 10, "redirectd_admin_requests_total counts")

    # --- a taken admin address: the daemon serves, and takes it over later -----
    d2 = Daemon(db, os.path.join(tmp, "log2"),
                threads=1, extra=["--admin-listen", "127.0.0.1:%d" % aport])
    try:
        ok(wait(lambda: "warning: admin_listen 127.0.0.1:%d" % aport in d2.errors()),
           "a second daemon on the same admin address warns", d2.errors())
        resp = d2.get("/a302", {"User-Agent": UA})
        eq(resp.status, 302, "... and serves redirects all the same")
    finally:
        pass
eq(d.proc.returncode, 0, "the first daemon stops cleanly")
ok(wait(lambda: "admin: /metrics and /healthz on" in d2.errors(), timeout=12),
   "the second daemon takes the admin address over once it is free", d2.errors())
r = get(admin, "/healthz")
eq(r.status, 200, "... and answers /healthz there")
eq(d2.stop(), 0, "the second daemon stops cleanly")
d2.stderr.close()

# --- the latency histogram under pipelining ------------------------------------
# Clients that pipeline hundreds of requests and read slowly (a small receive
# buffer): the daemon's output fills, and each time a socket drains it
# answers the next requests, read in an earlier pass, many in one pass.
# Every answer is in the histogram once: its _count is the status counters'
# sum (a pass with over 32 such answers used to drop one).
N_CONNS, N_PIPE = 8, 1500
aport = free_port()
admin = ("127.0.0.1", aport)
with Daemon(db, os.path.join(tmp, "log-pipe"), threads=1,
            extra=["--admin-listen", "127.0.0.1:%d" % aport]) as d:
    socks = []
    for i in range(N_CONNS):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        s.settimeout(30)
        s.connect((d.host, d.port))
        socks.append(s)
    reqs = [(b"GET /%s HTTP/1.1\r\nHost: x\r\nUser-Agent: %s\r\n\r\n"
             % (b"a302" if i % 2 else b"nosuch", UA.encode())) * N_PIPE
            for i in range(N_CONNS)]
    senders = [threading.Thread(target=s.sendall, args=(raw,))
               for s, raw in zip(socks, reqs)]
    for t in senders:
        t.start()
    time.sleep(0.5)     # let every socket's buffers fill before reading
    statuses = {}
    for s in socks:
        rd = Reader(s)
        for _ in range(N_PIPE):
            resp = rd.response()
            st = resp.status if resp else None
            statuses[st] = statuses.get(st, 0) + 1
    for t in senders:
        t.join()
    for s in socks:
        s.close()
    half = N_CONNS // 2 * N_PIPE
    eq(statuses, {302: half, 404: half},
       "pipelining: %d connections get all %d answers each" % (N_CONNS, N_PIPE))
    s4, _ = parse(scrape(admin)[1])
    answers = sum(v for k, v in s4.items() if k[0] == "redirectd_http_responses_total")
    eq(answers, float(N_CONNS * N_PIPE), "pipelining: the status counters count every answer")
    eq(metric(s4, "redirectd_request_duration_seconds_count"), answers,
       "pipelining: the latency histogram counts every answer once (%d)" % answers)
    eq(metric(s4, "redirectd_request_duration_seconds_bucket", le="+Inf"), answers,
       "... and so does its +Inf bucket")
eq(d.proc.returncode, 0, "the pipelining daemon stops cleanly")

# --- /healthz degraded: a click log that cannot be written ---------------------
LIMIT = 128 + 4 * 128     # the segment header and four records


def fsize_limit():
    # The hard limit stays: the test lifts the soft one later (prlimit).
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, resource.RLIM_INFINITY))


logs3 = os.path.join(tmp, "log3")
aport3 = free_port()
admin3 = ("127.0.0.1", aport3)
with Daemon(db, logs3, threads=1, extra=["--admin-listen", "127.0.0.1:%d" % aport3],
            preexec_fn=fsize_limit) as d:
    eq(get(admin3, "/healthz").status, 200, "log: healthy at start")
    statuses = [d.get("/a302", {"User-Agent": UA}).status for _ in range(6)]
    eq(statuses, [302] * 6, "log: six redirects served with room for four records")
    r = get(admin3, "/healthz")
    eq((r.status, r.body),
       (503, b"degraded: click log not writable (File too large): 2 records dropped\n"),
       "log: /healthz is 503 with the reason and the count")
    s, _ = parse(scrape(admin3)[1])
    eq((metric(s, "redirectd_log_records_written_total"),
        metric(s, "redirectd_log_records_dropped_total"),
        metric(s, "redirectd_healthy")), (4.0, 2.0, 0.0),
       "log: /metrics: 4 written, 2 dropped, healthy 0")
    ok(metric(s, "redirectd_log_write_errors_total") >= 2, "log: write errors counted")
    resource.prlimit(d.proc.pid, resource.RLIMIT_FSIZE,
                     (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    d.signal(signal.SIGUSR1)
    ok(wait(lambda: "new log segments for 1 of 1" in d.errors()), "log: rotated")
    eq(d.get("/a302", {"User-Agent": UA}).status, 302, "log: a redirect after the limit went")
    r = get(admin3, "/healthz")
    eq((r.status, r.body), (200, b"ok\n"), "log: /healthz is ok again once a write succeeds")

# --- /healthz degraded: a country database configured but missing -----------------
geo = os.path.join(tmp, "country.mmdb")
conf = os.path.join(tmp, "geo.conf")
with open(conf, "w") as f:
    f.write("geoip_db = %s\n" % geo)
logs4 = os.path.join(tmp, "log4")
sock = os.path.join(tmp, "admin.sock")
with Daemon(db, logs4, threads=1, conf=conf, extra=["--admin-listen", "unix:" + sock]) as d:
    ok(wait(lambda: os.path.exists(sock)) and
       oct(os.stat(sock).st_mode & 0o777) == oct(0o660),
       "unix: the admin socket exists, mode 0660")
    r = get(sock, "/healthz")
    eq((r.status, r.body),
       (503, ("degraded: country database %s not loaded (countries are unknown)\n"
              % geo).encode()),
       "geo: /healthz over the unix socket is 503: the configured database is missing")
    eq(d.get("/a302", {"User-Agent": UA}).status, 302, "geo: redirects go on")
    if os.path.exists(GEO_FLAT):
        shutil.copy(GEO_FLAT, geo + ".tmp")
        os.rename(geo + ".tmp", geo)
        d.signal(signal.SIGHUP)
        ok(wait(lambda: get(sock, "/healthz").status == 200),
           "geo: after the database appears and SIGHUP, /healthz is ok")
    else:
        ok(False, "the test country database was built (%s)" % GEO_FLAT)
    promtool_check(get(sock, "/metrics").body.decode(), "the exposition over a unix socket")
ok(not os.path.exists(sock), "unix: the socket is removed at exit")

# --- admin_listen = off, and bad values -------------------------------------------
from tap import REDIRECTD, run  # noqa: E402
for value, good in (("off", True), ("unix:/run/x.sock", True), ("[::1]:9180", True),
                    ("127.0.0.1:0", False), ("unix:relative", False),
                    ("1.2.3.4:80, 5.6.7.8:80", False), ("", False)):
    c = os.path.join(tmp, "check.conf")
    with open(c, "w") as f:
        f.write("admin_listen = %s\n" % value)
    r = run([REDIRECTD, "-n", "-c", c])
    eq(r.returncode, 0 if good else 1, "admin_listen = %r is %s" % (value, "accepted" if good
                                                                    else "refused"))
with Daemon(db, os.path.join(tmp, "log5"), threads=1, extra=["--admin-listen", "off"]) as d:
    eq(d.get("/a302", {"User-Agent": UA}).status, 302, "admin_listen = off: serves")
    ok("/metrics" not in d.errors() and "admin_listen" not in d.errors(),
       "admin_listen = off: no admin listener", d.errors())

shutil.rmtree(tmp, ignore_errors=True)
done()
