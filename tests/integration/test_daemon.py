"""redirectd end to end: the real daemon on a loopback port, links minted by
the real linkctl, real HTTP (curl and raw sockets), and reach's exact
numbers over the log the daemon wrote; SIGTERM with connections waiting in
the listen queues (each answered, none reset)."""
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import DAEMON_ARGS, REACH, REDIRECTD, SANITIZE, done, eq, ok, run, skip, tempdir  # noqa: E402
from daemon import Daemon, Reader, limit_open_files, linkctl, store_maps, wait_for  # noqa: E402

HEADER = 128          # a segment's header (clickrec.h)

CURL = shutil.which("curl")
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"

tmp = tempdir()
db = os.path.join(tmp, "db")
logs = os.path.join(tmp, "log")

linkctl(db, "staff", "add", "alice", "--name", "Alice Example", "--team", "north")
linkctl(db, "staff", "add", "bob", "--name", "Bob Example", "--team", "south")
linkctl(db, "staff", "add", "carol", "--name", "Carol Example")
TARGET = "https://example.org/campaign/page?src=go"
a302 = linkctl(db, "mint", "--staff", "alice", "--url", TARGET,
               "--campaign", "spring").stdout.strip()
a301 = linkctl(db, "mint", "--staff", "alice", "--url", "https://example.org/301",
               "--status", "301").stdout.strip()
b307 = linkctl(db, "mint", "--staff", "bob", "--url", "https://example.org/307",
               "--status", "307", "--campaign", "spring").stdout.strip()
b308 = linkctl(db, "mint", "--staff", "bob", "--url", "https://example.org/308",
               "--status", "308", "--code", "bob-308").stdout.strip()
gone = linkctl(db, "mint", "--staff", "carol", "--url", "https://example.org/gone",
               "--code", "gone").stdout.strip()
linkctl(db, "disable", "gone")
# A campaign minted with utm tags: each colleague's link carries its own
# utm_content, which no request may re-tag.
r = linkctl(db, "campaign", "create", "autumn", "--url", "https://example.org/autumn",
            "--utm", "--base-url", "https://go.example.org")
utm_code = [line.split(",")[2] for line in r.stdout.splitlines()
            if line.startswith("carol,")][0]
UTM_TARGET = ("https://example.org/autumn?utm_source=advocacy&utm_medium=social"
              "&utm_campaign=autumn&utm_content=carol")
eq(len(a302), 8, "a minted code has 8 characters")

# --- configuration check (-n) ------------------------------------------------
bad_conf = os.path.join(tmp, "bad.conf")
with open(bad_conf, "w") as f:
    f.write("listen = 127.0.0.1:8080\nthreads = lots\n# fine\nnope = 1\n")
r = run([REDIRECTD, "-n", "-c", bad_conf])
eq(r.returncode, 1, "-n with a bad file exits 1")
ok("%s:2: " % bad_conf in r.stderr and "threads" in r.stderr,
   "-n names file:line of the bad threads value", r.stderr)
ok("%s:4: unknown directive 'nope'" % bad_conf in r.stderr,
   "-n names file:line of the unknown directive", r.stderr)
good_conf = os.path.join(os.environ.get("SRC", "."), "conf", "redirectd.conf")
r = run([REDIRECTD, "-n", "-c", good_conf])
eq(r.returncode, 0, "-n accepts the shipped conf/redirectd.conf")
r = run([REDIRECTD, "-n", "-c", good_conf, "--threads", "x"])
eq(r.returncode, 1, "-n checks command-line overrides too")
r = run([REDIRECTD, "--version"])
ok(r.returncode == 0 and r.stdout.startswith("redirectd "), "--version")
r = run([REDIRECTD, "--help"])
ok(r.returncode == 0 and "--listen" in r.stdout, "--help")
r = run([REDIRECTD, "--bogus"])
eq(r.returncode, 2, "unknown option exits 2")
r = run([REDIRECTD, "--db", os.path.join(tmp, "nostore"), "--log-dir", logs,
         "--listen", "127.0.0.1:1"])
ok(r.returncode == 1 and "store" in r.stderr, "a missing store is a clear startup error",
   r.stderr)

# The whole config file drives the daemon; the command line overrides it.
conf = os.path.join(tmp, "redirectd.conf")
with open(conf, "w") as f:
    f.write("threads = 1\nlisten = 127.0.0.1:1\nkeepalive_timeout = 1s\n"
            "header_timeout = 1s\n")

expect = {"alice": {"clicks": 0, "bots": 0}, "bob": {"clicks": 0, "bots": 0},
          "carol": {"clicks": 0, "bots": 0}}
visitors = {"alice": set(), "bob": set(), "carol": set()}

with Daemon(db, logs, conf=conf, threads=2) as d:
    # --- the redirect ---------------------------------------------------------
    if CURL:
        r = run([CURL, "-si", "-A", UA, "http://127.0.0.1:%d/%s" % (d.port, a302)])
        lines = r.stdout.splitlines()
        eq(lines[0], "HTTP/1.1 302 Found", "curl: 302 Found")
        ok("Location: %s" % TARGET in lines, "curl: Location is the target", r.stdout)
        ok("Cache-Control: private, max-age=0" in lines, "curl: Cache-Control")
        ok("Content-Length: 0" in lines, "curl: Content-Length: 0")
        expect["alice"]["clicks"] += 1
        visitors["alice"].add(UA)
        r = run([CURL, "-sI", "-A", UA, "http://127.0.0.1:%d/%s" % (d.port, a302)])
        ok(r.stdout.startswith("HTTP/1.1 302 Found") and TARGET in r.stdout,
           "curl -I: HEAD gets the same redirect")
        expect["alice"]["bots"] += 1
    else:
        ok(False, "curl is installed (tests/run.sh installs it)")

    resp = d.get("/" + a302, {"User-Agent": UA})
    eq((resp.status, resp.header("location")), (302, TARGET), "GET: 302 and Location")
    eq(resp.header("cache-control"), "private, max-age=0", "GET: Cache-Control")
    eq(resp.header("content-length"), "0", "GET: Content-Length 0")
    eq(resp.body, b"", "GET: no body")
    expect["alice"]["clicks"] += 1
    for code, status, reason, owner in ((a301, 301, "Moved Permanently", "alice"),
                                        (b307, 307, "Temporary Redirect", "bob"),
                                        (b308, 308, "Permanent Redirect", "bob")):
        resp = d.get("/" + code, {"User-Agent": UA})
        eq(resp.status_line, "HTTP/1.1 %d %s" % (status, reason),
           "per-link status %d" % status)
        expect[owner]["clicks"] += 1
    visitors["bob"].add(UA)

    resp = d.get("/" + a302, {"User-Agent": UA}, method="HEAD")
    eq((resp.status, resp.header("location"), resp.header("content-length")),
       (302, TARGET, "0"), "HEAD: the same headers")
    expect["alice"]["bots"] += 1

    # --- what is not a redirect ----------------------------------------------
    for path, why in (("/", "the root"), ("/nosuchcode", "an unknown code"),
                      ("/a.b", "a dot in the code"), ("/%41bc", "percent-encoding"),
                      ("/" + "x" * 65, "a code over 64 characters"),
                      ("/" + "y" * 600, "a code over LMDB's key limit"),
                      ("/favicon.ico", "favicon.ico"),
                      ("/%s/extra" % a302, "a path under a code")):
        resp = d.get(path)
        eq(resp.status, 404, "404 for %s" % why)
    resp = d.get("/gone")
    eq(resp.status, 410, "a disabled link is 410 Gone")
    # query_passthrough (by default the click ids only): nothing else
    # reaches the target, so the short domain lends itself to no open
    # redirect, and the target's own parameters (src=go) win.
    evil = "https://evil.com"
    for q, want in (("next=%s&fbclid=X" % evil, TARGET + "&fbclid=X"),
                    ("next=%s&return_to=%s&redirect_uri=%s&fbclid=X&gclid=Y"
                     % (evil, evil, evil), TARGET + "&fbclid=X&gclid=Y"),
                    ("next=%s" % evil, TARGET),
                    ("url=https%3A%2F%2Fevil.com", TARGET),
                    ("utm=1", TARGET),
                    ("src=evil&fbclid=Ab-9_c", TARGET + "&fbclid=Ab-9_c"),
                    ("fbclid=1;msclkid=2", TARGET + "&fbclid=1&msclkid=2"),
                    ("FBCLID=3", TARGET + "&FBCLID=3"),
                    ("src=evil", TARGET),
                    ("", TARGET)):
        resp = d.get("/%s?%s" % (a302, q), {"User-Agent": UA})
        eq((resp.status, resp.header("location")), (302, want),
           "query passed through: /CODE?%s" % q)
        expect["alice"]["clicks"] += 1
    # A --utm link: no spelling of a minted tag gets in, and nothing
    # follows the minted tags but a click id.
    for q in ("UTM_SOURCE=evil", "utm%5Fsource=evil", "%75tm_source=evil",
              "a=1;utm_source=evil", "utm_content=alice", "Utm_Content=alice",
              "utm.content=alice", "+utm_content=alice", "%2575tm_content=alice",
              "utm_source=evil&utm_medium=evil&utm_campaign=evil&utm_content=evil"):
        resp = d.get("/%s?%s" % (utm_code, q), {"User-Agent": UA})
        eq((resp.status, resp.header("location")), (302, UTM_TARGET),
           "a --utm link: /CODE?%s does not reach the target" % q)
        expect["carol"]["clicks"] += 1
    resp = d.get("/%s?utm_content=alice&fbclid=Z;utm_source=evil" % utm_code,
                 {"User-Agent": UA})
    eq((resp.status, resp.header("location")), (302, UTM_TARGET + "&fbclid=Z"),
       "a --utm link: the click id after the minted tags, nothing else")
    expect["carol"]["clicks"] += 1
    resp = d.get("/%s/?fbclid=1&x=1" % b308, {"User-Agent": UA})
    eq((resp.status, resp.header("location")),
       (308, "https://example.org/308?fbclid=1"),
       "query passed through after a trailing slash")
    expect["bob"]["clicks"] += 1

    resp = d.get("/" + a302, method="POST")
    eq((resp.status, resp.header("allow")), (405, "GET, HEAD"),
       "POST without a body: 405 with Allow")
    resp = d.get("/" + a302, method="DELETE")
    eq(resp.status, 405, "DELETE: 405")

    # A body is never taken: 400, and the connection is closed.
    for extra, why in (("Content-Length: 5\r\n\r\nhello", "Content-Length 5"),
                       ("Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "chunked"),
                       ("Content-Length: 0\r\nContent-Length: 0\r\n\r\n",
                        "two Content-Length")):
        raw = ("GET /%s HTTP/1.1\r\nHost: x\r\n" % a302 + extra).encode()
        (resp,), reader = d.exchange(raw)
        eq(resp.status, 400, "body framing: 400 for %s" % why)
        ok(reader.at_eof(), "body framing: connection closed after %s" % why)
        reader.sock.close()
    raw = ("GET /%s HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n" % a302).encode()
    (resp,), reader = d.exchange(raw)
    eq(resp.status, 302, "Content-Length: 0 is not a body")
    reader.sock.close()
    expect["alice"]["bots"] += 1   # no User-Agent: a tool, not a human

    for raw, status, why in (
            (b"GARBAGE\r\n\r\n", 400, "a malformed request line"),
            (b"GET /x HTTP/1.1\r\n\r\n", 400, "HTTP/1.1 without Host"),
            (b"GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "two Hosts"),
            (b"GET /x HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400, "a folded header"),
            (b"GET /x HTTP/1.1\nHost: a\n\n", 400, "bare LF"),
            (b"GET /x HTTP/2.0\r\nHost: a\r\n\r\n", 505, "HTTP/2.0"),
            (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414,
             "a request line over the limit"),
            (b"GET /x HTTP/1.1\r\nHost: a\r\n" + b"X-Big: " + b"b" * 9000 + b"\r\n\r\n",
             431, "a head over the limit"),
            (b"GET /x HTTP/1.1\r\nHost: a\r\n" +
             b"".join(b"X-%d: 1\r\n" % i for i in range(100)) + b"\r\n",
             431, "too many headers")):
        (resp,), reader = d.exchange(raw)
        ok(resp is not None and resp.status == status, "%d for %s" % (status, why),
           resp)
        ok(resp is not None and resp.status_line.startswith("HTTP/1.1 "),
           "status line says HTTP/1.1 for %s" % why)
        ok(reader.at_eof(), "connection closed after %s" % why)
        reader.sock.close()

    # --- keep-alive, pipelining, HTTP/1.0 -----------------------------------
    s = d.connect()
    reader = Reader(s)
    for i in range(3):
        s.sendall(("GET /%s HTTP/1.1\r\nHost: x\r\nUser-Agent: %s\r\n\r\n"
                   % (b307, UA)).encode())
        resp = reader.response()
        eq(resp.status, 307, "keep-alive: request %d on one connection" % (i + 1))
        expect["bob"]["clicks"] += 1
    s.close()

    s = d.connect()
    reader = Reader(s)
    pipe = b"".join(("GET /%s HTTP/1.1\r\nHost: x\r\nUser-Agent: %s\r\n\r\n"
                     % (c, UA)).encode() for c in (a302, "nosuch", b307, a301))
    s.sendall(pipe)
    got = [reader.response() for _ in range(4)]
    eq([r.status for r in got], [302, 404, 307, 301], "pipelining: responses in order")
    eq(got[0].header("location"), TARGET, "pipelining: first Location")
    expect["alice"]["clicks"] += 2
    expect["bob"]["clicks"] += 1
    s.close()

    # Many pipelined requests in one write, more than the output buffer holds.
    s = d.connect()
    reader = Reader(s)
    s.sendall((("GET /%s HTTP/1.1\r\nHost: x\r\nUser-Agent: %s\r\n\r\n"
                % (b308, UA)) * 200).encode())
    got = [reader.response() for _ in range(200)]
    ok(all(r is not None and r.status == 308 for r in got),
       "200 pipelined requests: 200 responses")
    expect["bob"]["clicks"] += 200
    s.close()

    # Half-close after pipelined requests: every one is still answered.
    s = d.connect()
    reader = Reader(s)
    s.sendall((("GET /%s HTTP/1.1\r\nHost: x\r\nUser-Agent: %s\r\n\r\n"
                % (b308, UA)) * 50).encode())
    s.shutdown(socket.SHUT_WR)
    got = [reader.response() for _ in range(50)]
    ok(all(r is not None and r.status == 308 for r in got),
       "half-close: all 50 pipelined requests answered")
    ok(reader.at_eof(), "half-close: then closed")
    expect["bob"]["clicks"] += 50
    s.close()

    (resp,), reader = d.exchange(("GET /%s HTTP/1.0\r\nUser-Agent: %s\r\n\r\n"
                                  % (a302, UA)).encode())
    eq(resp.status_line, "HTTP/1.1 302 Found", "HTTP/1.0: answered, status line 1.1")
    ok(reader.at_eof(), "HTTP/1.0: connection closed")
    expect["alice"]["clicks"] += 1
    (resp1, resp2), reader = d.exchange(
        ("GET /%s HTTP/1.0\r\nConnection: keep-alive\r\nUser-Agent: %s\r\n\r\n"
         % (a302, UA) * 2).encode(), n=2)
    eq((resp1.status, resp2.status), (302, 302), "HTTP/1.0 keep-alive: two answers")
    eq(resp1.header("connection"), "keep-alive", "HTTP/1.0 keep-alive is confirmed")
    reader.sock.close()
    expect["alice"]["clicks"] += 2

    # Keep-alive timeout (1s in the conf file): the server closes idle ones.
    s = d.connect()
    reader = Reader(s)
    t0 = time.time()
    ok(reader.at_eof(timeout=5), "an idle connection is closed by the server")
    ok(time.time() - t0 < 3, "within the 1s header/idle timeout (+ sweep)")
    s.close()

    # --- minted while running, rotation, HUP --------------------------------
    fresh = linkctl(db, "mint", "--staff", "carol", "--url",
                    "https://example.org/fresh").stdout.strip()
    resp = d.get("/" + fresh, {"User-Agent": UA})
    eq((resp.status, resp.header("location")), (302, "https://example.org/fresh"),
       "a link minted while the daemon runs resolves at once")
    expect["carol"]["clicks"] += 1
    visitors["carol"].add(UA)
    linkctl(db, "disable", fresh)
    eq(d.get("/" + fresh).status, 410, "disabled while running: 410 at once")
    linkctl(db, "enable", fresh)
    eq(d.get("/" + fresh, {"User-Agent": UA}).status, 302, "enabled again: 302")
    expect["carol"]["clicks"] += 1

    before = set(glob.glob(os.path.join(logs, "*.clk")))
    eq(len(before), 2, "one segment per worker")
    d.signal(signal.SIGHUP)
    time.sleep(0.5)
    statuses = [d.get("/" + a302, {"User-Agent": UA}).status for i in range(20)]
    eq(statuses, [302] * 20, "after SIGHUP: 20 redirects")
    expect["alice"]["clicks"] += 20
    mid = set(glob.glob(os.path.join(logs, "*.clk")))
    d.signal(signal.SIGUSR1)
    time.sleep(0.5)
    after = set(glob.glob(os.path.join(logs, "*.clk")))
    eq(len(after - mid), 2, "SIGUSR1 starts a new segment per worker")
    ok(before <= after, "the first segments, which hold records, stay", sorted(after))
    code = d.stop()
    eq(code, 0, "SIGTERM: exit status 0")
    errs = d.errors()
    ok("records_dropped=0" in errs, "no record dropped", errs)
    # The segments SIGUSR1 started got no record: removed as they closed.
    left = set(glob.glob(os.path.join(logs, "*.clk")))
    eq(left & (after - mid), set(), "segments that got no record are removed at exit")
    eq([p for p in left if os.path.getsize(p) <= HEADER], [],
       "no header-only segment left: every one holds a record")

# --- segments are made in the directory start-up checked -------------------------
# By descriptor, never by path again: a log_dir swapped for a link while the
# daemon runs (as whoever can write its parent could) is not followed.
swapped = os.path.join(tmp, "swap-log")
elsewhere = os.path.join(tmp, "elsewhere")
os.mkdir(elsewhere)
with Daemon(db, swapped, threads=1) as d:
    os.rename(swapped, swapped + ".moved")
    os.symlink(elsewhere, swapped)
    d.get("/" + a302, {"User-Agent": UA})
    d.signal(signal.SIGHUP)
    ok(wait_for(lambda: "new log segments for 1 of 1 workers" in d.errors()),
       "log_dir swapped for a link: SIGHUP rotates", d.errors())
    d.get("/" + a302, {"User-Agent": UA})
    d.stop()
eq(os.listdir(elsewhere), [], "... and no segment goes where the link points")
eq(len(glob.glob(os.path.join(swapped + ".moved", "*.clk"))), 2,
   "... both segments are in the directory it started with")

# --- an idle node collects no header-only segments ------------------------------
# Every start and every SIGHUP gives each worker a new segment; one that got
# no record is removed when it is closed (at the next rotation, or exit).
idle = os.path.join(tmp, "idle-log")
with Daemon(db, idle, threads=2) as d:
    eq(len(glob.glob(os.path.join(idle, "*.clk"))), 2, "idle: a segment per worker at start")
    for i in range(3):
        d.signal(signal.SIGHUP)
        time.sleep(0.3)
    ok(wait_for(lambda: len(glob.glob(os.path.join(idle, "*.clk"))) == 2),
       "idle: three SIGHUPs later still 2 segments, not 8", sorted(os.listdir(idle)))
    d.stop()
    ok("new log segments for 2 of 2 workers" in d.errors(), "idle: each SIGHUP rotated",
       d.errors())
eq(sorted(os.listdir(idle)), [], "idle: nothing left after exit")

# --- reach over the daemon's log ---------------------------------------------
r = run([REACH, "--db", db, "--format", "json", logs])
eq(r.returncode, 0, "reach reads the daemon's log")
rows = {row["staff"]: row for row in json.loads(r.stdout or "[]")}
for who in ("alice", "bob", "carol"):
    got = rows.get(who, {})
    eq((got.get("clicks"), got.get("bots")),
       (expect[who]["clicks"], expect[who]["bots"]),
       "reach: %s's clicks and bots" % who)
eq(rows.get("alice", {}).get("visitors"), 1, "reach: alice's one visitor (one IP and UA)")
eq(rows.get("bob", {}).get("visitors"), 1, "reach: bob's one visitor")
eq(rows.get("carol", {}).get("visitors"), 1, "reach: carol's one visitor")
r = run([REACH, "--db", db, "--by", "campaign", "--format", "csv", logs])
ok(r.returncode == 0 and r.stdout.startswith("rank,campaign,"), "reach --by campaign",
   r.stdout + r.stderr)

# --- query_passthrough = off: the target exactly as minted ----------------------
conf_off = os.path.join(tmp, "off.conf")
with open(conf_off, "w") as f:
    f.write("query_passthrough = off\n")
with Daemon(db, os.path.join(tmp, "log-off"), conf=conf_off, threads=1) as d:
    resp = d.get("/%s?utm=1&x=2&fbclid=3" % a302, {"User-Agent": UA})
    eq((resp.status, resp.header("location")), (302, TARGET),
       "query_passthrough = off: the query is not passed on")

# --- query_passthrough = all, and a list: still never a minted tag ----------------
for value, q, want in (
        ("all", "next=x&UTM_SOURCE=evil&%75tm_content=bob;a=1",
         UTM_TARGET + "&next=x&a=1"),
        ("ref, mc_*", "mc_eid=1&ref=2&fbclid=3&utm%5Fsource=evil&MC_CID=4",
         UTM_TARGET + "&mc_eid=1&ref=2&MC_CID=4")):
    conf_q = os.path.join(tmp, "q.conf")
    with open(conf_q, "w") as f:
        f.write("query_passthrough = %s\n" % value)
    with Daemon(db, os.path.join(tmp, "log-q"), conf=conf_q, threads=1) as d:
        resp = d.get("/%s?%s" % (utm_code, q), {"User-Agent": UA})
        eq((resp.status, resp.header("location")), (302, want),
           "query_passthrough = %s: /CODE?%s" % (value, q))

# --- the daemon's log after a kill -9: nothing answered is lost ---------------
logs2 = os.path.join(tmp, "log2")
with Daemon(db, logs2, threads=1, expect_exit=-signal.SIGKILL) as d:
    s = d.connect()
    reader = Reader(s)
    answered = 0
    for i in range(100):
        s.sendall(("GET /%s HTTP/1.1\r\nHost: x\r\nUser-Agent: %s\r\n\r\n"
                   % (b307, UA)).encode())
        if reader.response().status == 307:
            answered += 1
    d.proc.kill()
    d.proc.wait()
r = run([REACH, "--db", db, "--format", "json", logs2])
rows = {row["staff"]: row for row in json.loads(r.stdout or "[]")}
eq(rows.get("bob", {}).get("clicks"), answered,
   "kill -9: every answered redirect is in the log")

# --- SIGTERM: connections waiting in the accept queue are answered ----------
# A client whose handshake completed and whose request arrived before the
# SIGTERM sits in a worker's listen queue (deferred accept: queued once its
# first bytes are in).  Draining takes those before closing the listener,
# which would reset them.


def answers(socks):
    """{status or what went wrong: count} of one response per socket."""
    got = {}
    for s in socks:
        s.settimeout(20)
        try:
            r = Reader(s).response()
            k = r.status if r and len(r.body) == int(r.header("content-length") or 0) \
                else "no answer"
        except ConnectionResetError:
            k = "reset"
        except OSError as e:
            k = type(e).__name__
        got[k] = got.get(k, 0) + 1
        s.close()
    return got


REQ = ("GET /%s HTTP/1.1\r\nHost: x\r\nUser-Agent: %s\r\n"
       "Connection: close\r\n\r\n" % (a302, UA)).encode()
N_QUEUED = 500
with Daemon(db, os.path.join(tmp, "log-queued"), threads=2) as d:
    # Stopped, the daemon accepts nothing: every connection below is in a
    # listen queue when SIGTERM arrives, and still is when it runs again.
    os.kill(d.proc.pid, signal.SIGSTOP)
    socks = []
    for i in range(N_QUEUED):
        s = socket.create_connection((d.host, d.port), 10)
        s.sendall(REQ)
        socks.append(s)
    os.kill(d.proc.pid, signal.SIGTERM)
    os.kill(d.proc.pid, signal.SIGCONT)
    eq(answers(socks), {302: N_QUEUED}, "SIGTERM with %d connections in the "
       "listen queues: each gets its whole redirect, none a reset" % N_QUEUED)
    eq(d.proc.wait(30), 0, "... and the daemon exits 0")

# Out of descriptors, connections wait in the backlog (accepting pauses):
# SIGTERM closes the idle keep-alive ones first, and the queued ones are
# accepted into the room they leave.
with Daemon(db, os.path.join(tmp, "log-emfile"), threads=1,
            preexec_fn=limit_open_files(64)) as d:
    fds = lambda: len(os.listdir("/proc/%d/fd" % d.proc.pid))  # noqa: E731
    room = 64 - fds()
    idle = []
    for i in range(room):
        s = d.connect()
        s.sendall(REQ.replace(b"Connection: close", b"Connection: keep-alive"))
        r = Reader(s).response()
        idle.append(s)
        if not r or r.status != 302:
            break
    eq((len(idle), fds()), (room, 64),
       "%d keep-alive connections take the daemon's last descriptors" % room)
    queued = []
    for i in range(min(room, 16)):
        s = socket.create_connection((d.host, d.port), 10)
        s.sendall(REQ)
        queued.append(s)
    d.signal(signal.SIGTERM)
    eq(answers(queued), {302: len(queued)}, "SIGTERM out of descriptors: the %d "
       "connections waiting in the backlog each get their redirect"
       % len(queued))
    eq(d.proc.wait(30), 0, "... and the daemon exits 0")
    for s in idle:
        s.close()

# --- store_map_size: the address space mapped for the store ------------------
MIB, GIB = 1 << 20, 1 << 30
data = os.path.join(os.path.realpath(db), "data.mdb")
# Under ThreadSanitizer the tests give every daemon a small map (tap.py).
want = GIB if DAEMON_ARGS else 1 << 40
with Daemon(db, os.path.join(tmp, "log-map1"), threads=1) as d:
    eq(store_maps(d.proc.pid), {data: want},
       "store_map_size: %d GiB mapped by default" % (want // GIB))
with Daemon(db, os.path.join(tmp, "log-map2"), threads=1,
            extra=["--store-map-size", "64M"]) as d:
    eq(store_maps(d.proc.pid), {data: 64 * MIB}, "--store-map-size 64M: 64 MiB mapped")
    eq(d.get("/" + a302).status, 302, "... and the daemon serves")
mapconf = os.path.join(tmp, "map.conf")
with open(mapconf, "w") as f:
    f.write("store_map_size = 32M\n")
with Daemon(db, os.path.join(tmp, "log-map3"), threads=1, conf=mapconf) as d:
    eq(store_maps(d.proc.pid), {data: 32 * MIB if not DAEMON_ARGS else GIB},
       "store_map_size = 32M in the file (the command line over it)")
with Daemon(db, os.path.join(tmp, "log-map4"), threads=1, conf=mapconf,
            extra=["--store-map-size", "48M"]) as d:
    eq(store_maps(d.proc.pid), {data: 48 * MIB}, "--store-map-size over the file's")
r = run([REDIRECTD, "-n", "--store-map-size", "1x"])
ok(r.returncode == 1 and "command line: store_map_size: want a size" in r.stderr,
   "--store-map-size 1x: refused, naming the directive", r.stderr)
with open(mapconf, "w") as f:
    f.write("store_map_size = 2T\n")
r = run([REDIRECTD, "-n", "-c", mapconf])
ok(r.returncode == 1 and "%s:1: store_map_size:" % mapconf in r.stderr,
   "store_map_size = 2T: refused as file:line", r.stderr)
# Where address space is short (here an RLIMIT_AS of 4 GiB) the default
# does not fit and a smaller map does.  Sanitizers reserve terabytes of
# shadow memory: no address-space limit under them.
if SANITIZE != [""]:
    skip("a 4 GiB address-space limit", "under %s" % ",".join(SANITIZE))
else:
    def limit_as():
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (4 * GIB, 4 * GIB))
    r = subprocess.run([REDIRECTD, "--db", db, "--log-dir", os.path.join(tmp, "log-as"),
                        "--state-dir", os.path.join(tmp, "state-as"), "--listen",
                        "127.0.0.1:1", "--threads", "1", "--node", "test"],
                       preexec_fn=limit_as, capture_output=True, text=True, timeout=30)
    ok(r.returncode == 1 and "Cannot allocate memory (no address space for a map "
       "of store_map_size: lower it)" in r.stderr,
       "4 GiB of address space, the default map: a start-up error saying what to "
       "lower", r.stderr)
    with Daemon(db, os.path.join(tmp, "log-as2"), threads=1, preexec_fn=limit_as,
                extra=["--store-map-size", "64M"]) as d:
        eq(d.get("/" + a302).status, 302, "... and with store_map_size = 64M it serves")

shutil.rmtree(tmp, ignore_errors=True)
done()
