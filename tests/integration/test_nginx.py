"""Behind nginx: the shipped conf/nginx.conf, with only its ports,
certificate and upstream address swapped (each swap must match exactly the
lines it is meant for, so a changed file cannot silently test something
else), run by Debian's nginx as root in the foreground with its own prefix,
pid and error log, in front of the real daemon (trusted_proxies =
127.0.0.1, ip_log = full so each record holds the address it was
attributed to).  Clients connect from other loopback addresses
(127.0.0.2...) over TLS checked against the test certificate.

It checks: redirects and Location pass intact (the longest target a link
may have too) and plain HTTP goes to HTTPS uncounted; each click is
attributed to the address nginx saw, whatever X-Real-IP / X-Forwarded-For
the client forged; upstream keep-alive: hundreds of requests from
concurrent pipelining clients over a handful of upstream connections, each
answer the one for its request; requests nginx passes with bodies or
hostile framing smuggle nothing into the upstream connection; limit_req
answers 429 past the burst and those requests never reach the daemon.
"""
import os
import random
import re
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import SRC, done, eq, ok, run, tempdir  # noqa: E402
from daemon import Daemon, Reader, free_port, linkctl  # noqa: E402

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
if not ok(os.access(NGINX, os.X_OK) and shutil.which("openssl"),
          "nginx and openssl are installed (tools/deps.sh installs them)"):
    done()

UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/131.0.0.0 Safari/537.36")
HOST = "go.example.org"

tmp = tempdir("rdnginx-")
db = os.path.join(tmp, "db")
logs = os.path.join(tmp, "log")

# --- the store: links numbered in mint order (store ids start at 1) ---------
linkctl(db, "staff", "add", "ana", "--name", "Ana")
ids, urls = {}, {}


def mint(url):
    code = linkctl(db, "mint", "--staff", "ana", "--url", url).stdout.strip()
    ids[code] = len(ids) + 1
    urls[code] = url
    return code


POOL = [mint("https://example.org/pool/%d?utm_source=go&n=%d" % (i, i)) for i in range(20)]
# The longest target a link may have (2,048 bytes, target.h), percent-escapes
# included: the response head nginx must buffer whole.
base = "https://example.org/long/%C3%A9t%C3%A9?q="
LONG_URL = base + "x" * (2048 - len(base))
LONG = mint(LONG_URL)
SMUGGLED = mint("https://evil.example.net/smuggled")   # only ever inside bodies
PLAIN = mint("https://example.org/plain")               # only ever over port 80
LIMITED = mint("https://example.org/limited")
FORGED = [mint("https://example.org/forged/%d" % i) for i in range(8)]
ATTR = mint("https://example.org/attributed")
HEADLINK = mint("https://example.org/head")
eq(urls[LONG], LONG_URL, "linkctl stored the 2,048-byte target as given")

conf = os.path.join(tmp, "redirectd.conf")
with open(conf, "w") as f:
    f.write("trusted_proxies = 127.0.0.1, ::1\nip_log = full\n")

# --- nginx: the shipped file, ports and paths swapped ------------------------
cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
r = run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
         "-days", "2", "-subj", "/CN=" + HOST, "-addext", "subjectAltName=DNS:" + HOST])
ok(r.returncode == 0, "a self-signed certificate for %s" % HOST, r.stderr)

with open(os.path.join(SRC, "conf", "nginx.conf")) as f:
    shipped = f.read()
http_port, https_port = free_port(), free_port()


def swap(text, pattern, repl, count, what):
    new, n = re.subn(pattern, repl, text, flags=re.M)
    eq(n, count, "conf/nginx.conf: %s (%d line%s)" % (what, count, "s" if count > 1 else ""))
    return new


def nginx_conf(upstream_port):
    t = swap(shipped, r"^(\s*server\s+)127\.0\.0\.1:8080;", r"\g<1>127.0.0.1:%d;" % upstream_port,
             1, "the upstream is redirectd's listen address")
    t = swap(t, r"^\s*listen\s+\[::\]:\d+[^;]*;\n", "", 2, "IPv6 listen lines dropped")
    t = swap(t, r"^(\s*listen\s+)80;", r"\g<1>127.0.0.1:%d;" % http_port, 1, "listen 80 moved")
    t = swap(t, r"^(\s*listen\s+)443 ", r"\g<1>127.0.0.1:%d " % https_port, 1, "listen 443 moved")
    t = swap(t, r"^(\s*ssl_certificate\s+)\S+;", r"\g<1>%s;" % cert, 1, "certificate")
    t = swap(t, r"^(\s*ssl_certificate_key\s+)\S+;", r"\g<1>%s;" % key, 1, "certificate key")
    return t


class Nginx:
    """nginx as root in the foreground, everything under its own prefix."""

    def __init__(self, upstream_port):
        self.prefix = os.path.join(tmp, "nginx")
        os.makedirs(self.prefix, exist_ok=True)
        site = os.path.join(self.prefix, "redirectd.conf")
        with open(site, "w") as f:
            f.write(nginx_conf(upstream_port))
        p = self.prefix
        self.conf = os.path.join(p, "nginx.conf")
        self.error_log = os.path.join(p, "error.log")
        with open(self.conf, "w") as f:
            f.write("%s\nworker_processes 2;\npid %s/nginx.pid;\n"
                    "error_log %s info;\nevents { worker_connections 1024; }\n"
                    "http {\n" % ("user root root;" if os.geteuid() == 0 else "",
                                  p, self.error_log))
            for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
                f.write("    %s_temp_path %s/%s;\n" % (t, p, t))
            f.write("    include %s;\n}\n" % site)
        self.args = [NGINX, "-p", p + "/", "-c", self.conf, "-e", self.error_log]
        r = run(self.args + ["-t"])
        ok(r.returncode == 0, "nginx -t accepts the configuration", r.stderr)
        self.proc = subprocess.Popen(self.args + ["-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", https_port), 0.2).close()
                socket.create_connection(("127.0.0.1", http_port), 0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError("nginx did not start: %s" % self.errors())

    def errors(self):
        try:
            with open(self.error_log) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)     # graceful
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


tls = ssl.create_default_context(cafile=cert)


def connect(src, port=None, secure=True, timeout=10):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port or (https_port if secure else http_port)))
    return tls.wrap_socket(s, server_hostname=HOST) if secure else s


def request(code, method="GET", headers=(), close=False):
    raw = "%s /%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n" % (method, code, HOST, UA)
    raw += "".join("%s: %s\r\n" % h for h in headers)
    raw += "Connection: close\r\n\r\n" if close else "\r\n"
    return raw.encode()


def one(src, code, method="GET", headers=(), secure=True):
    s = connect(src, secure=secure)
    s.sendall(request(code, method, headers, close=True))
    resp = Reader(s).response(head=(method == "HEAD"))
    s.close()
    return resp


def records():
    """(link id, status, client address) of every record, in time order."""
    out = []
    for name in sorted(os.listdir(logs)):
        if not name.endswith(".clk"):
            continue
        with open(os.path.join(logs, name), "rb") as f:
            data = f.read()
        for off in range(128, len(data) - 127, 128):
            r = data[off:off + 128]
            fam = r[37]
            addr = (socket.inet_ntop(socket.AF_INET, r[40:44]) if fam == 4 else
                    socket.inet_ntop(socket.AF_INET6, r[40:56]) if fam == 6 else None)
            out.append((struct.unpack_from("<Q", r, 0)[0], struct.unpack_from("<I", r, 16)[0],
                        struct.unpack_from("<H", r, 32)[0], addr))
    return [r[1:] for r in sorted(out)]


def clicks_of(code, recs):
    return [r for r in recs if r[0] == ids[code]]


with Daemon(db, logs, conf=conf, threads=2) as d:
    ngx = Nginx(d.port)

    # --- a redirect through nginx, intact ------------------------------------
    code = POOL[0]
    resp = one("127.0.0.2", code)
    ok(resp is not None and resp.status == 302, "GET through nginx: 302", resp)
    eq(resp.header("location"), urls[code], "Location passes intact")
    eq(resp.header("cache-control"), "private, max-age=0", "Cache-Control passes intact")
    eq(resp.header("server"), "nginx", "server_tokens off: no nginx version")
    resp = one("127.0.0.2", HEADLINK, method="HEAD")
    eq((resp.status, resp.header("location")), (302, urls[HEADLINK]), "HEAD through nginx")
    resp = one("127.0.0.2", LONG)
    eq((resp.status, resp.header("location")), (302, LONG_URL),
       "the longest target (2,048-byte Location) passes intact")
    resp = one("127.0.0.2", "NoSuchCode")
    eq(resp.status, 404, "an unknown code: the daemon's 404 passes")
    resp = one("127.0.0.2", PLAIN, secure=False)
    eq((resp.status, resp.header("location")), (301, "https://%s/%s" % (HOST, PLAIN)),
       "plain HTTP: 301 to the same link over HTTPS")

    # --- attribution: the address nginx saw, whatever the client forged ------
    resp = one("127.0.0.2", ATTR)
    forged = [
        [("X-Real-IP", "203.0.113.5")],
        [("X-Forwarded-For", "198.51.100.1")],
        [("X-Real-IP", "203.0.113.5"), ("X-Forwarded-For", "198.51.100.1, 192.0.2.7")],
        [("X-Real-IP", "203.0.113.5"), ("X-Real-IP", "203.0.113.6")],
        [("x-real-ip", "203.0.113.5"), ("X-FORWARDED-FOR", "198.51.100.1")],
        [("X-Forwarded-For", "127.0.0.1")],
        [("X-Real-IP", "127.0.0.1"), ("X-Forwarded-For", "127.0.0.1, 127.0.0.1")],
        [("X_Real_IP", "203.0.113.5"), ("Forwarded", "for=203.0.113.5")],
    ]
    for i, hdrs in enumerate(forged):
        resp = one("127.0.0.3", FORGED[i], headers=hdrs)
        ok(resp is not None and resp.status == 302,
           "forged %s from 127.0.0.3: 302" % ", ".join(h[0] for h in hdrs))

    # --- upstream keep-alive: many requests, few connections, no mix-up ------
    c0 = d.counters()
    THREADS, CONNS, PER_CONN = 8, 3, 12
    results = [[] for _ in range(THREADS)]

    def client(t):
        rnd = random.Random(t)
        for _ in range(CONNS):
            s = connect("127.0.0.%d" % (10 + t))
            reader = Reader(s)
            sent = 0
            while sent < PER_CONN:
                batch = [rnd.choice(POOL) for _ in range(rnd.choice((1, 2, 4)))]
                batch = batch[:PER_CONN - sent]
                s.sendall(b"".join(request(c) for c in batch))   # pipelined
                for c in batch:
                    resp = reader.response()
                    results[t].append((c, resp.status if resp else None,
                                       resp.header("location") if resp else None))
                sent += len(batch)
            s.close()

    threads = [threading.Thread(target=client, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    c1 = d.counters()
    flat = [x for res in results for x in res]
    total = THREADS * CONNS * PER_CONN
    eq(len(flat), total, "%d requests from %d concurrent pipelining clients answered"
       % (total, THREADS))
    wrong = [x for x in flat if x[1] != 302 or x[2] != urls[x[0]]]
    eq(wrong, [], "every answer is the redirect of its own request (no mix-up)")
    upstream = c1["conns_accepted"] - c0["conns_accepted"]
    eq(c1["requests"] - c0["requests"], total, "the daemon saw each of them once")
    ok(1 <= upstream <= 2 * THREADS,
       "upstream keep-alive: %d requests over %d upstream connections (%d client connections)"
       % (total, upstream, THREADS * CONNS))

    # --- hostile framing at nginx: nothing smuggled upstream -----------------
    inner = ("GET /%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n\r\n"
             % (SMUGGLED, HOST, UA)).encode()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(inner), inner)
    H = ("Host: %s\r\nUser-Agent: %s\r\n" % (HOST, UA)).encode()
    hostile = {
        "GET with a Content-Length body holding a request":
            b"GET /%s HTTP/1.1\r\n%sContent-Length: %d\r\n\r\n%s"
            % (POOL[1].encode(), H, len(inner), inner),
        "GET with a chunked body holding a request":
            b"GET /%s HTTP/1.1\r\n%sTransfer-Encoding: chunked\r\n\r\n%s"
            % (POOL[1].encode(), H, chunked),
        "Content-Length and Transfer-Encoding both":
            b"GET /%s HTTP/1.1\r\n%sContent-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n%s"
            % (POOL[1].encode(), H, len(chunked), chunked),
        "HEAD with a body holding a request":
            b"HEAD /%s HTTP/1.1\r\n%sContent-Length: %d\r\n\r\n%s"
            % (POOL[1].encode(), H, len(inner), inner),
        "two Content-Length fields":
            b"GET /%s HTTP/1.1\r\n%sContent-Length: 0\r\nContent-Length: %d\r\n\r\n%s"
            % (POOL[1].encode(), H, len(inner), inner),
        "Transfer-Encoding: chunked, gzip":
            b"GET /%s HTTP/1.1\r\n%sTransfer-Encoding: chunked, gzip\r\n\r\n%s"
            % (POOL[1].encode(), H, chunked),
    }
    hostile_served = 0
    c2 = d.counters()
    for name, raw in hostile.items():
        s = connect("127.0.0.4")
        # The hostile request, then a plain one pipelined behind it.
        s.sendall(raw + request(POOL[2]))
        reader = Reader(s)
        got = []
        for i in range(2):
            try:
                resp = reader.response(head=(i == 0 and raw.startswith(b"HEAD")))
            except OSError:
                resp = None
            if resp is None:
                break
            got.append((resp.status, resp.header("location")))
        # Whatever else arrives would answer a request nobody sent.
        extra = reader.buf
        s.settimeout(0.5)
        try:
            extra += s.recv(65536)
        except OSError:
            pass
        s.close()
        got.append(extra)
        hostile_served += sum(1 for st, _ in got[:-1] if st == 302)
        ok(len(got) > 1 and got[0][0] >= 400 and got[-1] == b""
           and all(loc != urls[SMUGGLED] for _, loc in got[:-1])
           and all(loc in (None, urls[POOL[2]]) for _, loc in got[1:-1]),
           "%s: refused, nothing smuggled, nothing out of order" % name, got)
    refused = d.counters()["bad_requests"] - c2["bad_requests"]
    ok(refused >= 1, "nginx passed %d of them upstream, and the daemon refused them" % refused)
    # The upstream connections are sound afterwards.
    res = []
    s = connect("127.0.0.5")
    s.sendall(b"".join(request(c) for c in POOL))
    reader = Reader(s)
    for c in POOL:
        resp = reader.response()
        res.append((resp.status, resp.header("location")) if resp else None)
    s.close()
    eq(res, [(302, urls[c]) for c in POOL], "after them, 20 pipelined requests answered in order")

    # --- limit_req ------------------------------------------------------------
    rate = re.search(r"limit_req_zone .* rate=(\d+)r/s;", shipped)
    burst = re.search(r"limit_req zone=\S+ burst=(\d+) nodelay;", shipped)
    ok(rate and burst, "conf/nginx.conf sets a limit_req zone and a burst")
    n = int(burst.group(1)) * 2 + 50
    statuses = []
    s = connect("127.0.0.6")
    s.sendall(request(LIMITED) * n)
    reader = Reader(s)
    while len(statuses) < n:
        resp = reader.response()
        if resp is None:
            break
        statuses.append(resp.status)
    s.close()
    served = statuses.count(302)
    ok(set(statuses) <= {302, 429} and statuses.count(429) > 0
       and served >= int(burst.group(1)),
       "limit_req: %d pipelined requests, the burst (%s) served, 429 past it (%d 302, %d 429)"
       % (n, burst.group(1), served, statuses.count(429)), statuses[:5])
    eq(one("127.0.0.7", LIMITED).status, 302, "another client address is not limited")
    served += 1

    ngx.stop()
    ok("[alert]" not in ngx.errors() and "[emerg]" not in ngx.errors(),
       "nginx logged no alert", ngx.errors()[-2000:])
    eq(d.stop(), 0, "the daemon exits 0")

# --- the click records ----------------------------------------------------------
recs = records()
eq(clicks_of(ATTR, recs), [(ids[ATTR], 302, "127.0.0.2")],
   "a click through nginx is attributed to the client address nginx saw")
eq([r[2] for c in FORGED for r in clicks_of(c, recs)], ["127.0.0.3"] * len(FORGED),
   "forged X-Real-IP / X-Forwarded-For never reach attribution")
eq(clicks_of(SMUGGLED, recs), [], "no click for the link only ever inside bodies")
eq(clicks_of(PLAIN, recs), [], "no click for plain HTTP (redirected to HTTPS first)")
eq(len(clicks_of(LIMITED, recs)), served, "one click per served request; 429s never reach it")
eq(clicks_of(LONG, recs), [(ids[LONG], 302, "127.0.0.2")], "the long link's click")
pool_clicks = sum(len(clicks_of(c, recs)) for c in POOL)
eq(pool_clicks, 1 + total + len(POOL) + hostile_served,
   "pool clicks: one per request answered with its redirect, none for refused ones")
ok(all(r[2] and r[2].startswith("127.0.0.") and r[2] != "127.0.0.1" for r in recs),
   "no click is attributed to nginx itself")

done()
