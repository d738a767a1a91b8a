"""Faults: the click log is the product's memory.  A crash, a rotation or a
full disk must not lose an answered click; the store and the country
database must survive what other processes do to them.

Every section runs the real redirectd on loopback against a client that
keeps a ledger: request i goes to link i % N and the client counts, per
link, the redirects it was answered (a redirect counts as soon as its
status line arrived: that is when a click is acknowledged).  Records are
counted per link id straight from the segment files (link id at record
offset 16), and reach reads the same files to say they are whole.

Sections (FAULTS_ONLY=crash,term,... runs a subset): crash, term, rotate,
full, store, geo, sync.  FAULTS_CRASHES sets the number of kill -9 cycles
under load (default 110).
"""
import collections
import json
import os
import random
import re
import resource
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from tap import BUILD, DAEMON_ARGS, LINKCTL, REACH, REDIRECTD, done, eq, ok, run, tempdir  # noqa: E402
from daemon import free_port  # noqa: E402

HOLD_READER = os.path.join(BUILD, "tests", "hold_reader")
GEO_NESTED = os.path.join(BUILD, "tests", "geo-nested.mmdb")
GEO_FLAT = os.path.join(BUILD, "tests", "geo-flat.mmdb")
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
HDR, REC = 128, 128
ONLY = set(filter(None, os.environ.get("FAULTS_ONLY", "").split(",")))
CRASHES = int(os.environ.get("FAULTS_CRASHES", "110"))
SEED = int(os.environ.get("FAULTS_SEED", str(int(time.time()))))
random.seed(SEED)
print("# random seed %d (FAULTS_SEED=%d repeats this run)" % (SEED, SEED))

tmp = tempdir("rdfaults-")
T0 = time.monotonic()


def section(name):
    if ONLY and name not in ONLY:
        return False
    print("# --- %s (%.1fs)" % (name, time.monotonic() - T0), flush=True)
    return True


def lk(db, *args, env=None, timeout=120):
    e = dict(os.environ)
    e.pop("LINKCTL_TEST_MAPSIZE", None)
    e.pop("LINKCTL_TEST_MAXMAP", None)
    e.update(env or {})
    return subprocess.run([LINKCTL, "--db", db] + [str(a) for a in args],
                          capture_output=True, text=True, env=e, timeout=timeout)


def wait_for(cond, timeout=20.0, step=0.005):
    """Poll cond() until true or timeout; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)


# --- the daemon ---------------------------------------------------------------

_nd = 0


class Redirectd:
    """One redirectd process.  Waits for its "listening on" line (no probe
    connection), so a kill can come at any moment after."""

    def __init__(self, db, log_dir, threads=1, conf=None, extra=(), env=None,
                 preexec=None, wait=True, node="faults", wrap=()):
        global _nd
        _nd += 1
        self.port = free_port()
        self.log_dir = log_dir
        self.state_dir = os.path.join(tmp, "state")
        self.err_path = os.path.join(tmp, "redirectd-%d.err" % _nd)
        args = list(wrap) + [REDIRECTD] + DAEMON_ARGS
        if conf:
            args += ["-c", conf]
        args += ["--listen", "127.0.0.1:%d" % self.port, "--db", db,
                 "--log-dir", log_dir, "--state-dir", self.state_dir,
                 "--threads", str(threads), "--node", node] + list(extra)
        penv = dict(os.environ)
        penv.update(env or {})
        with open(self.err_path, "w") as err:
            self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                         stderr=err, env=penv,
                                         preexec_fn=preexec)
        if wait:
            self.wait_ready()

    def errors(self):
        with open(self.err_path, errors="replace") as f:
            return f.read()

    def wait_ready(self, timeout=30):
        v = wait_for(lambda: self.proc.poll() is not None or
                     " listening on " in self.errors(), timeout)
        if self.proc.poll() is not None or not v:
            raise RuntimeError("redirectd did not start: %s" % self.errors())

    def wait_line(self, pattern, count=1, timeout=20):
        """Wait until pattern (a regex) matches count lines of stderr."""
        rx = re.compile(pattern, re.M)
        return wait_for(lambda: len(rx.findall(self.errors())) >= count,
                        timeout, 0.01)

    def signal(self, sig):
        os.kill(self.pid(), sig)

    def pid(self):
        """The daemon's pid (under a wrapper such as strace, its child)."""
        if not hasattr(self, "_pid"):
            self._pid = self.proc.pid
            try:
                with open("/proc/%d/task/%d/children" % (self._pid, self._pid)) as f:
                    kids = f.read().split()
                if kids and os.readlink("/proc/%s/exe" % kids[0]) == \
                        os.path.realpath(REDIRECTD):
                    self._pid = int(kids[0])
            except OSError:
                pass
        return self._pid

    def kill9(self):
        self.proc.kill()
        return self.proc.wait()

    def stop(self, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "timeout"

    def totals(self, last=True):
        """The counters of the last (or first) totals line, as a dict."""
        lines = [ln for ln in self.errors().splitlines() if "totals:" in ln]
        if not lines:
            return {}
        ln = lines[-1] if last else lines[0]
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", ln)}


def conf_file(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


# --- the client and its ledger --------------------------------------------------

class Conn:
    __slots__ = ("sock", "out", "queued", "sent", "inflight", "inbuf",
                 "closing", "statuses")

    def __init__(self, sock):
        self.sock = sock
        self.out = bytearray()
        self.queued = 0          # bytes ever queued on this connection
        self.sent = 0            # bytes ever handed to the kernel
        self.inflight = collections.deque()   # [link, end, sent_at, head]
        self.inbuf = bytearray()
        self.closing = False     # the server said Connection: close
        self.statuses = []


class Load:
    """Keeps `conns` keep-alive connections busy, `depth` requests in flight
    on each; request i goes to /codes[i % len(codes)].  The ledger:
      got[k]       redirects (3xx) acknowledged for codes[k]
      status       Counter of every status received
      torn         responses cut off after their first byte (a connection
                   reset or closed mid-response)
      lost         requests with no response: (sent_at, why) where sent_at
                   is when their last byte reached the kernel (None: never)
    """

    def __init__(self, port, codes, conns=4, depth=1, total=None,
                 headers=b"", reconnect=True, head_every=0):
        self.port = port
        self.codes = [c.encode() for c in codes]
        self.conns_wanted = conns
        self.depth = depth
        self.total = total
        self.headers = headers
        self.reconnect = reconnect
        self.head_every = head_every
        self.got = [0] * len(codes)
        self.status = collections.Counter()
        self.torn = 0
        self.resets = 0
        self.refused = 0
        self.lost = []
        self.issued = 0
        self.answered = 0
        self.per_conn = []        # status sequences of finished connections
        self._stop = threading.Event()
        self._drain = False
        self._sel = selectors.DefaultSelector()
        self._conns = []
        self._thread = None
        self.error = None

    # The request for number i.
    def _request(self, i):
        k = i % len(self.codes)
        head = self.head_every and i % self.head_every == self.head_every - 1
        raw = b"%s /%s HTTP/1.1\r\nHost: go.example.org\r\nUser-Agent: %s\r\n%s\r\n" % (
            b"HEAD" if head else b"GET", self.codes[k], UA.encode(), self.headers)
        return k, raw, head

    def _open(self):
        try:
            s = socket.create_connection(("127.0.0.1", self.port), 2)
        except ConnectionRefusedError:
            self.refused += 1
            return None
        except OSError:
            self.refused += 1
            return None
        s.setblocking(False)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c = Conn(s)
        self._sel.register(s, selectors.EVENT_READ, c)
        self._conns.append(c)
        return c

    def _fill(self, c):
        while (not c.closing and len(c.inflight) < self.depth and
               not self._stop.is_set() and
               (self.total is None or self.issued < self.total)):
            k, raw, head = self._request(self.issued)
            self.issued += 1
            c.out += raw
            c.queued += len(raw)
            c.inflight.append([k, c.queued, None, head])

    def _send(self, c):
        while c.out:
            try:
                n = c.sock.send(c.out)
            except BlockingIOError:
                break
            except OSError:
                return False
            del c.out[:n]
            c.sent += n
            now = time.monotonic()
            for r in c.inflight:
                if r[2] is None and r[1] <= c.sent:
                    r[2] = now
        ev = selectors.EVENT_READ | (selectors.EVENT_WRITE if c.out else 0)
        self._sel.modify(c.sock, ev, c)
        return True

    def _parse(self, c):
        while c.inflight:
            end = c.inbuf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(c.inbuf[:end]).decode("latin-1").split("\r\n")
            length = 0
            close = False
            for line in head[1:]:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "connection" and value.strip().lower() == "close":
                    close = True
            req = c.inflight[0]
            if req[3]:
                length = 0
            if len(c.inbuf) < end + 4 + length:
                return
            del c.inbuf[:end + 4 + length]
            c.inflight.popleft()
            status = int(head[0].split(" ")[1])
            self._count(req[0], status)
            c.statuses.append(status)
            if close:
                c.closing = True

    def _count(self, k, status):
        self.status[status] += 1
        self.answered += 1
        if 300 <= status < 400:
            self.got[k] += 1

    def _finish(self, c, why):
        """The connection ended: count what it says about in-flight work."""
        if c.inflight and c.inbuf:
            # A response cut mid-way: acknowledged if its status line came.
            line_end = c.inbuf.find(b"\r\n")
            if line_end > 0:
                status = int(bytes(c.inbuf[:line_end]).split(b" ")[1])
                self._count(c.inflight[0][0], status)
                c.inflight.popleft()
            self.torn += 1
        for r in c.inflight:
            self.lost.append((r[2], why))
        c.inflight.clear()
        self.per_conn.append(c.statuses)
        try:
            self._sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()
        self._conns.remove(c)

    def _read(self, c):
        try:
            data = c.sock.recv(65536)
        except BlockingIOError:
            return
        except ConnectionResetError:
            self.resets += 1
            self._finish(c, "reset")
            return
        except OSError:
            self._finish(c, "error")
            return
        if not data:
            self._finish(c, "closed")
            return
        c.inbuf += data
        self._parse(c)

    def _loop(self):
        next_connect = 0.0
        deadline = None
        while True:
            stopping = self._stop.is_set()
            if stopping:
                if deadline is None:
                    deadline = time.monotonic() + 5
                # Drain: until every response is in.  Abort (the daemon
                # is dead): until every connection is closed, so what the
                # kernel already holds for us is still read and counted.
                busy = [c for c in self._conns if c.inflight or not self._drain]
                if not busy or time.monotonic() > deadline:
                    break
            if self.total is not None and self.issued >= self.total and \
                    not any(c.inflight for c in self._conns):
                break
            now = time.monotonic()
            if not stopping and len(self._conns) < self.conns_wanted and \
                    now >= next_connect and self.reconnect:
                if self._open() is None:
                    next_connect = now + 0.01
            for c in list(self._conns):
                self._fill(c)
                if c.out and not self._send(c):
                    self.resets += 1
                    self._finish(c, "send")
            for key, ev in self._sel.select(0.05):
                c = key.data
                if c not in self._conns:
                    continue
                if ev & selectors.EVENT_WRITE:
                    if not self._send(c):
                        self.resets += 1
                        self._finish(c, "send")
                        continue
                if ev & selectors.EVENT_READ:
                    self._read(c)
        for c in list(self._conns):
            self._finish(c, "client stop")

    def _run(self):
        try:
            self._loop()
        except Exception as e:   # reported by the caller
            self.error = repr(e)

    def start(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self, drain=True, timeout=60):
        """Stop issuing; with drain, first read every in-flight response;
        without (the daemon is gone), read until every connection closed."""
        self._drain = drain
        self._stop.set()
        self._thread.join(timeout)
        return self

    def wait(self, timeout=120):
        """For a Load with total: wait until every response is in."""
        self._thread.join(timeout)
        return self


# --- segments -------------------------------------------------------------------

def segments(*dirs):
    out = []
    for d in dirs:
        if os.path.isdir(d):
            out += [os.path.join(d, n) for n in sorted(os.listdir(d))
                    if n.endswith(".clk")]
    return out


def records(*dirs):
    """Records per link id over every segment in dirs (whole records only)."""
    counts = collections.Counter()
    for path in segments(*dirs):
        with open(path, "rb") as f:
            data = f.read()
        n = (len(data) - HDR) // REC if len(data) >= HDR else 0
        for (link,) in struct.iter_unpack("<16xI108x", data[HDR:HDR + n * REC]):
            counts[link] += 1
    return counts


def ledger_check(name, load_got, recs, exact, slack=None):
    """Compare a client's ledger (per link index, ids are index + 1) with
    the records per link id.  Returns the number of records checked."""
    missing = {}
    extra = 0
    for k, g in enumerate(load_got):
        r = recs.get(k + 1, 0)
        if r < g:
            missing[k + 1] = (g, r)
        extra += max(0, r - g)
    strays = {i: n for i, n in recs.items() if i < 1 or i > len(load_got)}
    ok(not missing, "%s: no acknowledged redirect is missing from the log "
       "(%d acknowledged, %d records)" % (name, sum(load_got), sum(recs.values())),
       "link id: (acknowledged, records): %r" % dict(list(missing.items())[:10]))
    ok(not strays, "%s: no record for a link the client never asked for" % name,
       strays)
    if exact:
        eq(extra, 0, "%s: no record without its acknowledged redirect "
           "(nothing duplicated)" % name)
    elif slack is not None:
        ok(extra <= slack, "%s: %d records of redirects lost in flight, at most "
           "%d (the requests in flight at the kills)" % (name, extra, slack))
    return sum(recs.values())


def reach_clean(name, *dirs):
    """reach reads every segment: exit 0, no torn or corrupt record; returns
    the records it counted."""
    r = run([REACH, "--db", "", "--by", "platform", "--format", "json"] +
            list(dirs))
    ok(r.returncode == 0 and "torn" not in r.stderr and "corrupt" not in r.stderr,
       "%s: reach reads every segment, no torn or corrupt record" % name,
       r.stderr[-2000:])
    try:
        rows = json.loads(r.stdout) if r.returncode == 0 else []
    except ValueError:
        rows = []
    return sum(row["clicks"] + row["bots"] + row["internal"] for row in rows)


def whole_files(name, *dirs):
    bad = [(p, os.path.getsize(p)) for p in segments(*dirs)
           if os.path.getsize(p) < HDR or (os.path.getsize(p) - HDR) % REC]
    ok(not bad, "%s: every segment is a header and whole records" % name, bad)


# --- the store used by most sections ---------------------------------------------

N_LINKS = 64
base_db = os.path.join(tmp, "db-base")
r = lk(base_db, "staff", "add", "ana", "--name", "Ana")
assert r.returncode == 0, r.stderr
CODES = ["f%04d" % i for i in range(N_LINKS)]
with open(os.path.join(tmp, "links.tsv"), "w") as f:
    for c in CODES:
        f.write("%s\tana\t\thttps://example.org/%s\n" % (c, c))
r = lk(base_db, "import", os.path.join(tmp, "links.tsv"))
assert r.returncode == 0, r.stderr


def fresh_db(name):
    """A copy of the base store (ids 1..N_LINKS are CODES in order)."""
    d = os.path.join(tmp, name)
    os.mkdir(d)
    shutil.copy(os.path.join(base_db, "data.mdb"), d)
    return d


# ===================================================================== crash
def test_crash():
    """kill -9 at random moments under load, one and two workers."""
    db = fresh_db("db-crash")
    logs = os.path.join(tmp, "log-crash")
    got = [0] * N_LINKS
    crashes = early = torn_cut = 0
    max_inflight = 0
    problems = []
    files_ok = True
    cycles = CRASHES + CRASHES // 5
    batch = conf_file("crash-batch.conf", "log_sync = batch\n")
    for cycle in range(cycles):
        threads = 1 + cycle % 2
        conf = batch if cycle % 4 == 3 else None
        # Start over what the last crash left: the start-up cuts a torn
        # tail, at most one record per segment.
        before = {p: os.path.getsize(p) for p in segments(logs)}
        d = Redirectd(db, logs, threads=threads, conf=conf)
        for m in re.finditer(r"cut (\d+) bytes of torn records off (\d+) segment",
                             d.errors()):
            torn_cut += int(m.group(1))
        for p, size in before.items():
            after = os.path.getsize(p) if os.path.exists(p) else -1
            whole = HDR + (size - HDR) // REC * REC if size >= HDR else -1
            if after not in (whole, whole - REC) or after < HDR:
                files_ok = False
                problems.append("cycle %d: %s: %d bytes before the restart, "
                                "%d after" % (cycle, os.path.basename(p), size, after))
        if cycle % 6 == 5:
            # A kill during start-up: repair, salt, segment creation.
            d.kill9()
            d = Redirectd(db, logs, threads=threads, wait=False)
            time.sleep(random.uniform(0, 0.03))
            d.kill9()
            early += 1
            continue
        depth = random.choice((1, 2, 4))
        conns = random.choice((2, 4, 6))
        max_inflight += conns * depth
        load = Load(d.port, CODES, conns=conns, depth=depth,
                    head_every=random.choice((0, 7))).start()
        t = random.uniform(0.05, 0.2)
        if cycle % 5 == 2:
            # Some kills come just after a rotation.
            time.sleep(t / 2)
            d.signal(random.choice((signal.SIGHUP, signal.SIGUSR1)))
            time.sleep(t / 2)
        else:
            time.sleep(t)
        d.kill9()
        load.stop(drain=False)
        if load.error:
            problems.append("client: %s" % load.error)
        for k in range(N_LINKS):
            got[k] += load.got[k]
        bad = {s: n for s, n in load.status.items() if s != 302}
        if bad:
            problems.append("cycle %d: statuses %r" % (cycle, bad))
        crashes += 1
    final = Redirectd(db, logs, threads=2)
    rc = final.stop()
    eq(rc, 0, "crash: the daemon starts and stops cleanly after every crash")
    ok(crashes >= 100, "crash: %d kill -9 under load (%d more during start-up)"
       % (crashes, early))
    ok(not problems, "crash: every redirect answered 302, every restart cut "
       "at most one torn record per segment", "\n".join(problems[:20]))
    ok(files_ok, "crash: after each restart every segment is whole records")
    whole_files("crash", logs)
    recs = records(logs)
    checked = ledger_check("crash", got, recs, exact=False, slack=max_inflight)
    eq(reach_clean("crash", logs), checked, "crash: reach counts every record")
    print("# crash: %d kills under load, %d in start-up; %d redirects "
          "acknowledged, %d records checked, %d bytes of torn records cut" %
          (crashes, early, sum(got), checked, torn_cut))
    return crashes, checked


def test_crash_points():
    """kill -9 at chosen system calls (strace injects the SIGKILL): inside
    segment creation, at a batch write, inside a rotation."""
    strace = shutil.which("strace")
    if not strace:
        tap.skip("crash points", "strace is not installed", package="strace")
        return 0
    db = fresh_db("db-points")
    logs = os.path.join(tmp, "log-points")
    # linkat, not link: a segment is linked into place by descriptor (a
    # point named by a call the daemon does not make is never reached:
    # its check fails below, it does not pass by the timeout's kill).
    points = [("pwrite64", 1, False, "the first segment's header"),
              ("linkat", 1, False, "linking the first segment into place"),
              ("fsync", 1, False, "syncing the log directory"),
              ("pwrite64", 2, True, "the first batch of records"),
              ("pwrite64", random.randint(3, 40), True, "a later batch"),
              ("linkat", 2, True, "linking a rotation's segment into place")]
    got = [0] * N_LINKS
    killed = 0
    for syscall, when, load_it, what in points:
        wrap = [strace, "-f", "-qq", "-o", "/dev/null", "-e", "trace=" + syscall,
                "-e", "inject=%s:signal=KILL:when=%d" % (syscall, when)]
        d = Redirectd(db, logs, threads=1, wrap=wrap, wait=False)
        wait_for(lambda: d.proc.poll() is not None or
                 " listening on " in d.errors(), 30)
        if load_it and d.proc.poll() is None:
            load = Load(d.port, CODES, conns=2, depth=2).start()
            if syscall == "linkat":
                time.sleep(0.05)
                d.signal(signal.SIGHUP)
            wait_for(lambda: d.proc.poll() is not None, 30)
            load.stop(drain=False)
            for k in range(N_LINKS):
                got[k] += load.got[k]
        try:
            rc = d.proc.wait(30)
        except subprocess.TimeoutExpired:
            # Never reached: the daemon first (killing strace alone
            # detaches it, and it would run on after the test), then
            # strace; not counted as killed at that point.
            if d.pid() != d.proc.pid:
                os.kill(d.pid(), signal.SIGKILL)
            d.proc.kill()
            d.proc.wait()
            rc = "still running after 30 s"
        killed += rc in (-9, 137)
        ok(rc in (-9, 137), "crash points: killed at %s (%s #%d)" % (what, syscall, when),
           "exit %r: %s" % (rc, d.errors()[-1000:]))
        # The next start repairs whatever that left.
        d = Redirectd(db, logs, threads=1)
        leftovers = [n for n in os.listdir(logs) if n.endswith(".tmp")]
        eq(leftovers, [], "crash points (%s): no temporary file left after "
           "the restart" % what)
        d.stop()
        whole_files("crash points (%s)" % what, logs)
        r = run([REACH, "--db", "", logs])
        ok(r.returncode == 0 and "torn" not in r.stderr,
           "crash points (%s): reach reads the log" % what, r.stderr)
    checked = ledger_check("crash points", got, records(logs), exact=False,
                           slack=4 * len(points))
    return killed


# ====================================================================== term
def Reader_response(sock, timeout=30):
    """The bytes of one response with Content-Length (head and body)."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    m = re.search(rb"Content-Length: (\d+)", head)
    need = int(m.group(1)) if m else 0
    while len(body) < need:
        chunk = sock.recv(4096)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def test_term():
    """SIGTERM under load: in-flight requests complete, nothing lost, exit 0
    within drain_timeout."""
    db = fresh_db("db-term")
    for rnd in range(int(os.environ.get('FAULTS_TERM_ROUNDS', '3'))):
        logs = os.path.join(tmp, "log-term-%d" % rnd)
        conf = conf_file("term.conf", "drain_timeout = 5s\n" +
                         ("log_sync = batch\n" if rnd % 3 == 2 else ""))
        d = Redirectd(db, logs, threads=2, conf=conf)
        one = Load(d.port, CODES, conns=8, depth=1).start()
        piped = Load(d.port, CODES[::-1], conns=2, depth=8).start()
        time.sleep(random.uniform(0.2, 0.6))
        t_term = time.monotonic()
        d.signal(signal.SIGTERM)
        rc = d.stop(timeout=60)
        elapsed = time.monotonic() - t_term
        one.stop(drain=False)
        piped.stop(drain=False)
        name = "term %d" % rnd
        eq(rc, 0, "%s: exit 0" % name)
        ok(elapsed < 5.0, "%s: exit within drain_timeout (%.2fs)" % (name, elapsed))
        before = [w for t, w in one.lost if t is not None and t < t_term]
        after = collections.Counter(w for t, w in one.lost + piped.lost
                                    if t is None or t >= t_term)
        print("# %s: %d + %d answered; after SIGTERM: %d refused connections, "
              "unanswered %r; pipelined sent before and unanswered: %d" %
              (name, one.answered, piped.answered, one.refused + piped.refused,
               dict(after), len([1 for t, w in piped.lost if t is not None and t < t_term])))
        eq(before, [], "%s: every request sent before SIGTERM was answered" % name)
        eq((one.torn, piped.torn), (0, 0), "%s: no response cut mid-way" % name)
        bad = {s: n for s, n in (one.status + piped.status).items() if s != 302}
        eq(bad, {}, "%s: only redirects" % name)
        got = [a + b for a, b in zip(one.got, piped.got[::-1])]
        ledger_check(name, got, records(logs), exact=True)
        tot = d.totals()
        eq((tot.get("records_written"), tot.get("records_dropped")),
           (sum(got), 0), "%s: the exit summary counts every record written" % name)
    # A response still in flight at SIGTERM (held for its sync in batch
    # mode), then an idle keep-alive connection: the response arrives, and
    # the daemon does not wait for drain_timeout to be rid of the idle
    # connection.
    logs = os.path.join(tmp, "log-term-held")
    conf = conf_file("term-held.conf", "drain_timeout = 10s\nlog_sync = batch\n")
    d = Redirectd(db, logs, threads=1, conf=conf,
                  env={"REDIRECTD_TEST_SYNC_DELAY_MS": "1000"})
    s = socket.create_connection(("127.0.0.1", d.port), 30)
    s.sendall(b"GET /f0002 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.2)
    t_term = time.monotonic()
    d.signal(signal.SIGTERM)
    resp = Reader_response(s)
    ok(resp.startswith(b"HTTP/1.1 302"), "term: a response held for its sync at "
       "SIGTERM is sent", resp)
    rc = d.stop(timeout=60)
    elapsed = time.monotonic() - t_term
    s.close()
    eq(rc, 0, "term: exit 0 with an idle keep-alive client")
    ok(elapsed < 6, "term: an idle keep-alive connection does not hold the "
       "drain until drain_timeout (10 s): %.2fs" % elapsed)
    ledger_check("term held", [0, 0, 1] + [0] * (N_LINKS - 3), records(logs),
                 exact=True)

    # A client stuck mid-request holds the drain until drain_timeout, no
    # longer: the daemon still exits 0.
    logs = os.path.join(tmp, "log-term-stuck")
    conf = conf_file("term-stuck.conf", "drain_timeout = 1500ms\n")
    d = Redirectd(db, logs, threads=1, conf=conf)
    s = socket.create_connection(("127.0.0.1", d.port))
    s.sendall(b"GET /f0001 HTTP/1.1\r\nHost: x\r\n")
    time.sleep(0.2)
    t_term = time.monotonic()
    rc = d.stop(timeout=60)
    elapsed = time.monotonic() - t_term
    s.close()
    eq(rc, 0, "term: with a stuck client, exit 0")
    ok(1.0 <= elapsed < 15, "term: a stuck client is given drain_timeout, then "
       "dropped (%.2fs)" % elapsed)


# ==================================================================== rotate
def test_rotate(rotations, sync="1000"):
    """Rotations under load, the old segments moved away after each:
    nothing lost, nothing written twice."""
    name = "rotate" if sync == "1000" else "rotate (log_sync = %s)" % sync
    db = fresh_db("db-rotate-" + sync)
    logs = os.path.join(tmp, "log-rotate-" + sync)
    moved = os.path.join(tmp, "log-rotated-" + sync)
    os.mkdir(moved)
    conf = conf_file("rotate-%s.conf" % sync, "log_sync = %s\n" % sync)
    d = Redirectd(db, logs, threads=2, conf=conf)
    load = Load(d.port, CODES, conns=4, depth=2).start()
    fresh = pending = 0
    handled = 0
    for i in range(rotations):
        sig = signal.SIGHUP if i % 2 else signal.SIGUSR1
        d.signal(sig)
        if not d.wait_line(r"SIG(HUP|USR1): new log segments", handled + 1):
            break
        handled += 1
        time.sleep(random.uniform(0.005, 0.03))
        # The operator moves every segment but each worker's newest away.
        newest = {}
        for p in segments(logs):
            w = re.search(r"\.w(\d+)\.clk$", p).group(1)
            newest[w] = max(newest.get(w, ""), p)
        for p in segments(logs):
            if p not in newest.values():
                os.rename(p, os.path.join(moved, os.path.basename(p)))
    load.stop(drain=True)
    rc = d.stop()
    eq(rc, 0, "%s: exit 0" % name)
    eq(handled, rotations, "%s: %d rotation signals handled under load" %
       (name, rotations))
    for m in re.finditer(r"new log segments for (\d+) of (\d+) workers"
                         r"(?: \((\d+) still pending\))?", d.errors()):
        fresh += int(m.group(1))
        pending += int(m.group(3) or 0)
    n_seg = len(segments(logs, moved))
    tot = d.totals()
    removed = tot.get("segments_removed")
    eq((tot.get("segments_created"), n_seg), (2 + fresh, 2 + fresh - removed),
       "%s: one segment per worker at start and one per rotation (%d new, %d "
       "already pending), all kept but the %d that got no record" %
       (name, fresh, pending, removed))
    # (One moved away before it was closed is the operator's: only those
    # still in the log directory are removed.)
    eq([p for p in segments(logs) if os.path.getsize(p) <= 128], [],
       "%s: no header-only segment left in the log directory" % name)
    eq(fresh + pending, 2 * rotations, "%s: every rotation reached every "
       "worker" % name)
    eq(load.error, None, "%s: client ran" % name)
    eq(dict(load.status), {302: load.answered}, "%s: only redirects" % name)
    eq(load.lost, [], "%s: every request answered" % name)
    checked = ledger_check(name, load.got, records(logs, moved), exact=True)
    whole_files(name, logs, moved)
    eq(reach_clean(name, logs, moved), checked, "%s: reach counts every record"
       % name)
    eq((tot.get("records_written"), tot.get("records_dropped")), (checked, 0),
       "%s: the exit summary agrees" % name)
    print("# %s: %d rotations, %d segments, %d records checked" %
          (name, handled, n_seg, checked))
    return handled, checked


# ====================================================================== full
def counters_line(d, count):
    """SIGUSR2, then the counters it printed, as a dict."""
    d.signal(signal.SIGUSR2)
    d.wait_line(r"^redirectd: counters:", count)
    lines = [ln for ln in d.errors().splitlines() if ln.startswith("redirectd: counters:")]
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", lines[-1])} if lines else {}


def full_cycle(name, d, logs, make_room):
    """Fill the log, check the drops are counted and reported, make room,
    check appends resume.  Returns (dropped, written)."""
    load = Load(d.port, CODES, conns=8, depth=2, total=3000).start().wait()
    eq(load.error, None, "%s: client ran" % name)
    eq(dict(load.status), {302: 3000}, "%s: the log full, every request is still "
       "redirected" % name)
    ok(d.wait_line(r"cannot write the click log .*dropping records"),
       "%s: the daemon says it is dropping records" % name, d.errors()[-2000:])
    c = counters_line(d, 1)
    recs1 = sum(records(logs).values())
    ok(c.get("records_dropped", 0) > 0, "%s: records were dropped (%d)" %
       (name, c.get("records_dropped", 0)))
    eq((c.get("records_written"), c.get("records_written", 0) + c.get("records_dropped", 0)),
       (recs1, 3000), "%s: SIGUSR2: written = records in the files, written + "
       "dropped = redirects answered" % name)
    whole_files(name + " (full)", logs)
    if not ok(d.proc.poll() is None, "%s: the daemon is running" % name,
              d.errors()[-2000:]):
        d.stop()
        return None, None
    make_room()
    load2 = Load(d.port, CODES, conns=8, depth=2, total=1000).start().wait()
    eq(dict(load2.status), {302: 1000}, "%s: redirects after room returned" % name)
    ok(d.wait_line(r"click log appends resumed"),
       "%s: the daemon says appends resumed" % name, d.errors()[-2000:])
    rc = d.stop()
    eq(rc, 0, "%s: exit 0" % name)
    tot = d.totals()
    recs = records(logs)
    got = [a + b for a, b in zip(load.got, load2.got)]
    written, dropped = tot.get("records_written", -1), tot.get("records_dropped", -1)
    eq(written, sum(recs.values()), "%s: records_written = records in the files" % name)
    eq(written + dropped, 4000, "%s: written + dropped = every redirect" % name)
    eq(dropped, c.get("records_dropped"), "%s: nothing dropped after room "
       "returned" % name)
    eq(sum(recs.values()) - recs1, 1000, "%s: every record after room returned "
       "is in the log" % name)
    whole_files(name, logs)
    reach_clean(name, logs)
    # Which ones were dropped is not known, but no link has more records
    # than redirects.
    over = {k + 1: (got[k], recs.get(k + 1, 0)) for k in range(N_LINKS)
            if recs.get(k + 1, 0) > got[k]}
    eq(over, {}, "%s: no link has more records than redirects" % name)
    return dropped, written


def test_full():
    db = fresh_db("db-full")
    out = []
    # 1. A file-size limit: every segment may hold 300 records and a half.
    logs = os.path.join(tmp, "log-fsize")
    limit = HDR + 300 * REC + REC // 2

    def fsize():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    d = Redirectd(db, logs, threads=1, preexec=fsize)

    def raise_limit():
        resource.prlimit(d.proc.pid, resource.RLIMIT_FSIZE,
                         (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    dropped, written = full_cycle("fsize", d, logs, raise_limit)
    out.append(("RLIMIT_FSIZE", dropped, written))

    # 2. A full file system: a small tmpfs, filled up.
    mnt = os.path.join(tmp, "tmpfs")
    os.mkdir(mnt)
    r = run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", mnt])
    if r.returncode != 0:
        tap.skip("tmpfs", "cannot mount a tmpfs here (%s)" % r.stderr.strip())
        return out
    try:
        logs = os.path.join(mnt, "log")
        filler = os.path.join(mnt, "filler")
        # Leave room for about 400 records beyond the two headers.
        with open(filler, "wb") as f:
            f.write(b"\0" * (512 * 1024 - 60 * 1024))
        conf = conf_file("tmpfs.conf", "log_sync = batch\n")
        d = Redirectd(db, logs, threads=2, conf=conf)
        dropped, written = full_cycle("tmpfs (log_sync = batch)", d, logs,
                                      lambda: os.unlink(filler))
        out.append(("tmpfs", dropped, written))
        keep = os.path.join(tmp, "log-tmpfs")
        shutil.copytree(logs, keep)
    finally:
        run(["umount", mnt])
    return out


# ===================================================================== store
def same_list(got, want, name):
    """linkctl list outputs: equal, or the first lines that differ."""
    g, w = got.splitlines(), want.splitlines()
    diff = [(a, b) for a, b in zip(g, w) if a != b][:3]
    ok(got == want, name, "%d lines, want %d; first differences: %r" %
       (len(g), len(w), diff))


def test_store():
    db = fresh_db("db-store")
    logs = os.path.join(tmp, "log-store")
    d = Redirectd(db, logs, threads=2)

    # 1. Minting under load: a code hammered before it exists.
    load = Load(d.port, ["newcode1"], conns=4, depth=1).start()
    time.sleep(0.3)
    r = lk(db, "mint", "--staff", "ana", "--url", "https://example.org/new",
           "--code", "newcode1")
    eq(r.returncode, 0, "store: linkctl mints while the code is hammered")
    time.sleep(0.3)
    load.stop(drain=True)
    eq(set(load.status), {404, 302}, "store: the client saw 404s, then 302s, "
       "nothing else (%r)" % dict(load.status))
    flips = [seq for seq in load.per_conn
             if any(a == 302 and b == 404 for a, b in zip(seq, seq[1:]))]
    eq(flips, [], "store: once a connection saw the link, it never lost it")

    # 2. Another process grows the map while the daemon serves.
    load = Load(d.port, CODES, conns=4, depth=2).start()
    size0 = os.path.getsize(os.path.join(db, "data.mdb"))
    imported = []
    for i in range(4):
        path = os.path.join(tmp, "grow-%d.tsv" % i)
        with open(path, "w") as f:
            for j in range(3000):
                code = "g%d_%05d" % (i, j)
                f.write("%s\tana\tgrow%d\thttps://example.org/g/%d/%d\n" % (code, i, i, j))
        r = lk(db, "import", path, env={"LINKCTL_TEST_MAPSIZE": "65536"})
        eq(r.returncode, 0, "store: import %d with a tiny map grows it" % i)
        imported.append("g%d_%05d" % (i, 2999))
    load.stop(drain=True)
    eq(dict(load.status), {302: load.answered}, "store: only redirects while "
       "the map grew (%r)" % dict(load.status))
    grown = os.path.getsize(os.path.join(db, "data.mdb"))
    ok(grown > size0 + (1 << 20), "store: the store file grew from %d to %d "
       "bytes under the daemon" % (size0, grown))
    chk = Load(d.port, imported, conns=1, depth=1, total=len(imported)).start().wait()
    eq(dict(chk.status), {302: len(imported)}, "store: the new links resolve")

    # 3. Reader processes killed mid-read until the table would be full.
    ok(os.path.exists(HOLD_READER), "store: the hold_reader helper is built")
    load = Load(d.port, CODES, conns=2, depth=1).start()
    started = full = 0
    alive = []
    for i in range(560):
        p = subprocess.Popen([HOLD_READER, db, "1"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        line = p.stdout.readline().strip()
        if line == b"held 1":
            started += 1
        elif line == b"full":
            full += 1
        alive.append(p)
        if len(alive) > 3:
            q = alive.pop(0)
            q.kill()
            q.wait()
            q.stdout.close()
    for q in alive:
        q.kill()
        q.wait()
        q.stdout.close()
    ok(started + full == 560, "store: 560 reader processes started and killed "
       "mid-read (%d got a slot, %d found the table full)" % (started, full))
    r = lk(db, "list")
    eq(r.returncode, 0, "store: linkctl list works after the reader kills")
    r = lk(db, "mint", "--staff", "ana", "--url", "https://example.org/r1",
           "--code", "reader1")
    eq(r.returncode, 0, "store: linkctl mint works after the reader kills")
    # Bursts: one process takes every free slot and dies holding them, so
    # the table is all dead slots; then the daemon, linkctl list, linkctl
    # mint and a daemon start each find it that way.
    def burst():
        p = subprocess.Popen([HOLD_READER, db, "100000"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        line = p.stdout.readline().strip()
        p.kill()
        p.wait()
        p.stdout.close()
        m = re.match(rb"held (\d+) full", line)
        return int(m.group(1)) if m else line
    held = [burst()]
    time.sleep(0.3)
    load.stop(drain=True)
    eq(dict(load.status), {302: load.answered}, "store: the daemon kept serving "
       "through the reader kills (%r)" % dict(load.status))
    r = lk(db, "list")
    eq(r.returncode, 0, "store: linkctl list works with the table full of dead slots")
    held.append(burst())
    r = lk(db, "mint", "--staff", "ana", "--url", "https://example.org/r2",
           "--code", "reader2")
    eq(r.returncode, 0, "store: linkctl mint works with the table full of dead slots")
    chk = Load(d.port, ["reader1", "reader2"], conns=1, total=2).start().wait()
    eq(dict(chk.status), {302: 2}, "store: the daemon serves the links minted "
       "around the bursts")
    held.append(burst())
    d2 = Redirectd(db, os.path.join(tmp, "log-store2"), threads=2)
    chk = Load(d2.port, ["reader2"], conns=1, total=1).start().wait()
    eq(dict(chk.status), {302: 1}, "store: a daemon started with the table full "
       "of dead slots serves")
    eq(d2.stop(), 0, "store: and stops cleanly")
    ok(all(isinstance(h, int) and h >= 400 for h in held),
       "store: each burst filled the reader table (%r slots), %d dead slots in "
       "all with the %d killed readers" % (held, sum(h for h in held if
                                                  isinstance(h, int)), started))

    # 4. A full map: a clear error, the store intact.
    before = lk(db, "list").stdout
    size = os.path.getsize(os.path.join(db, "data.mdb"))
    path = os.path.join(tmp, "full.tsv")
    with open(path, "w") as f:
        for j in range(20000):
            f.write("full%05d\tana\t\thttps://example.org/full/%d\n" % (j, j))
    r = lk(db, "import", path, env={"LINKCTL_TEST_MAXMAP": str(size + 65536)})
    ok(r.returncode == 1 and "full" in r.stderr.lower(),
       "store: an import past the map's limit fails with a clear error", r.stderr)
    same_list(lk(db, "list").stdout, before, "store: and leaves the store as it was")
    # Minting into a full map: mints until the cap (the file as it is) is
    # reached; the one that does not fit fails clearly and changes nothing.
    cap = os.path.getsize(os.path.join(db, "data.mdb"))
    minted = 0
    for j in range(200):
        before = lk(db, "list").stdout
        r = lk(db, "mint", "--staff", "ana", "--url",
               "https://example.org/m/" + "x" * 1500 + str(j), "--code", "mfull%d" % j,
               env={"LINKCTL_TEST_MAXMAP": str(cap)})
        if r.returncode != 0:
            break
        minted += 1
    ok(r.returncode == 1 and "full" in r.stderr.lower(),
       "store: minting into a full map fails with a clear error (after %d "
       "mints into free pages)" % minted, r.stderr)
    same_list(lk(db, "list").stdout, before, "store: and the store is as it was")
    r = lk(db, "mint", "--staff", "ana", "--url", "https://example.org/after-full",
           "--code", "afterfull")
    eq(r.returncode, 0, "store: without the cap, minting works again")
    chk = Load(d.port, ["afterfull"], conns=1, total=1).start().wait()
    eq(dict(chk.status), {302: 1}, "store: and the daemon serves the new link")
    before = lk(db, "list").stdout

    # 5. linkctl killed in the middle of a large import.
    path = os.path.join(tmp, "big.tsv")
    with open(path, "w") as f:
        for j in range(150000):
            f.write("big%06d\tana\tbig\thttps://example.org/big/%d\n" % (j, j))
    load = Load(d.port, CODES, conns=2, depth=2).start()
    kills = 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINKCTL_TEST")}
    for k in range(6):
        p = subprocess.Popen([LINKCTL, "--db", db, "import", path],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=env)
        time.sleep(random.uniform(0.02, 0.4))
        if p.poll() is None:
            p.kill()
            kills += 1
        p.wait()
        after = lk(db, "list").stdout
        # Killed after its commit (on a quick run the kill can land
        # between the commit and the exit): all of it is in, as when it
        # finished.  Atomicity is the point: all 150,000 or none.
        if p.returncode == 0 or after.count("\tbig\t") == 150000:
            eq(after.count("\tbig\t"), 150000, "store: an import that "
               "committed before its kill stored every link")
            same_list("".join(l for l in after.splitlines(True)
                              if "\tbig\t" not in l),
                      before, "store: and nothing else changed")
            break
        same_list(after, before, "store: import killed at a random moment (%d): "
                  "the store as before" % k)
    ok(kills >= 1, "store: %d imports killed mid-way" % kills)
    load.stop(drain=True)
    eq(dict(load.status), {302: load.answered}, "store: the daemon served "
       "through the killed imports")
    r = lk(db, "mint", "--staff", "ana", "--url", "https://example.org/last",
           "--code", "lastone")
    eq(r.returncode, 0, "store: writable after the killed imports")
    rc = d.stop()
    eq(rc, 0, "store: the daemon exits 0")
    tot = d.totals()
    eq(tot.get("store_errors"), 0, "store: the daemon saw no store error")


# ======================================================================= geo
def test_geo():
    db = fresh_db("db-geo")
    logs = os.path.join(tmp, "log-geo")
    live = os.path.join(tmp, "country.mmdb")
    shutil.copy(GEO_NESTED, live)
    conf = conf_file("geo.conf", "trusted_proxies = 127.0.0.1\ngeoip_db = %s\n" % live)
    d = Redirectd(db, logs, threads=2, conf=conf)
    load = Load(d.port, CODES, conns=4, depth=2,
                headers=b"X-Real-IP: 198.51.100.7\r\n").start()
    loads = 0
    for i in range(30):
        src = GEO_FLAT if i % 2 else GEO_NESTED
        if i % 3 == 0:
            shutil.copy(src, live + ".tmp")
            os.rename(live + ".tmp", live)
        elif i % 3 == 1:
            shutil.copy(src, live)            # in place: truncate and write
        else:
            with open(live, "r+b") as f:      # in place, torn for a while
                f.truncate(0)
                f.write(b"\0" * 1000)
                f.flush()
                d.signal(signal.SIGHUP)
                time.sleep(0.01)
                with open(src, "rb") as g:
                    f.seek(0)
                    f.write(g.read())
        time.sleep(random.uniform(0.005, 0.03))
        d.signal(signal.SIGHUP)
        loads += 1
        time.sleep(random.uniform(0.01, 0.05))
    d.wait_line(r"SIGHUP: new log segments", loads)
    load.stop(drain=True)
    ok(d.proc.poll() is None, "geo: the daemon survived %d replacements under load"
       % loads)
    eq(load.error, None, "geo: client ran")
    eq(dict(load.status), {302: load.answered}, "geo: only redirects (%d)" %
       load.answered)
    eq(load.lost, [], "geo: every request answered")
    eq(d.stop(), 0, "geo: exit 0")
    checked = ledger_check("geo", load.got, records(logs), exact=True)
    r = run([REACH, "--db", "", "--by", "country", "--format", "json", logs])
    rows = {row["country"]: row["clicks"] for row in json.loads(r.stdout or "[]")}
    eq(sum(rows.values()), checked, "geo: reach counts every record")
    eq(rows, {"DE": checked}, "geo: every click located, by the old or the new "
       "database (a bad file keeps the old one)")


# ====================================================================== sync
def test_sync():
    db = fresh_db("db-sync")
    for mode in ("1000", "5", "never", "batch"):
        logs = os.path.join(tmp, "log-sync-" + mode)
        conf = conf_file("sync-%s.conf" % mode, "log_sync = %s\n" % mode)
        d = Redirectd(db, logs, threads=2, conf=conf)
        a = Load(d.port, CODES, conns=6, depth=1).start()
        b = Load(d.port, CODES[::-1], conns=2, depth=32, head_every=5).start()
        time.sleep(1.0)
        a.stop(drain=True)
        b.stop(drain=True)
        # A burst of 100 pipelined requests in one write, answered in order.
        s = socket.create_connection(("127.0.0.1", d.port), 10)
        burst = b"".join(b"GET /%s HTTP/1.1\r\nHost: x\r\nUser-Agent: %s\r\n\r\n"
                         % (CODES[i % N_LINKS].encode(), UA.encode())
                         for i in range(100))
        s.sendall(burst + b"GET /nosuch HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        locs = re.findall(rb"Location: https://example.org/(f\d+)", data)
        eq([x.decode() for x in locs], [CODES[i % N_LINKS] for i in range(100)],
           "log_sync = %s: 100 pipelined requests answered in order" % mode)
        ok(data.count(b"HTTP/1.1 404") == 1, "log_sync = %s: then the 404" % mode)
        rc = d.stop()
        eq(rc, 0, "log_sync = %s: exit 0" % mode)
        got = [x + y for x, y in zip(a.got, b.got[::-1])]
        for i in range(100):
            got[i % N_LINKS] += 1
        eq(dict(a.status + b.status), {302: a.answered + b.answered},
           "log_sync = %s: only redirects" % mode)
        checked = ledger_check("log_sync = %s" % mode, got, records(logs), exact=True)
        eq(reach_clean("log_sync = %s" % mode, logs), checked,
           "log_sync = %s: reach counts every record" % mode)
        tot = d.totals()
        eq((tot.get("records_written"), tot.get("records_dropped"),
            tot.get("sync_errors")), (checked, 0, 0),
           "log_sync = %s: the summary: every record written, no error" % mode)
        if mode == "batch":
            ok(tot.get("log_syncs", 0) > 0, "log_sync = batch: the batches were "
               "synced (%d fdatasync calls for %d records)" %
               (tot.get("log_syncs", 0), checked))
    # batch: a response waits for its fdatasync, and the worker serves other
    # work meanwhile (a slowed sync thread, a test hook).
    logs = os.path.join(tmp, "log-sync-slow")
    conf = conf_file("sync-slow.conf", "log_sync = batch\n")
    d = Redirectd(db, logs, threads=1, conf=conf,
                  env={"REDIRECTD_TEST_SYNC_DELAY_MS": "3000"})
    slow = socket.create_connection(("127.0.0.1", d.port), 30)
    slow.sendall(b"GET /f0003 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    time.sleep(0.1)
    t = time.monotonic()
    other = socket.create_connection(("127.0.0.1", d.port), 30)
    other.sendall(b"GET /nosuch HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    resp = other.recv(4096)
    other.close()
    ok(resp.startswith(b"HTTP/1.1 404"), "log_sync = batch: a 404 is answered "
       "while a redirect waits for its sync (%.2fs)" % (time.monotonic() - t))
    slow.setblocking(False)
    try:
        early = slow.recv(4096)
    except BlockingIOError:
        early = b""
    eq(early, b"", "log_sync = batch: the redirect is not sent before its sync")
    slow.setblocking(True)
    resp = slow.recv(4096)
    ok(resp.startswith(b"HTTP/1.1 302"), "log_sync = batch: the redirect follows "
       "its sync")
    slow.close()
    eq(d.stop(), 0, "log_sync = batch (slow sync): exit 0")


# =============================================================== the sections
figures = {}
if section("crash"):
    figures["crash"] = test_crash()
    figures["crash points"] = test_crash_points()
if section("term"):
    test_term()
if section("rotate"):
    figures["rotate"] = test_rotate(100)
    figures["rotate batch"] = test_rotate(30, "batch")
if section("full"):
    figures["full"] = test_full()
if section("store"):
    test_store()
if section("geo"):
    test_geo()
if section("sync"):
    test_sync()
print("# figures: %r (%.1fs)" % (figures, time.monotonic() - T0))
shutil.rmtree(tmp, ignore_errors=True)
done()
