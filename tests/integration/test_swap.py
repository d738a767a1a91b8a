"""More than one node: the store is shipped with `mdb_copy -c` and swapped
under the running daemon by switching the symbolic link `db` to the new
directory (`ln -sfn` and a rename over the link, as conf/README.md "More than one
node" says), many times, under continuous load from keep-alive clients and
clients opening a new connection per request.

Two stores share 20 links (same codes, same ids); `onlyA` exists in store A
only and `onlyB` in store B only.  After each swap the test waits for every
worker to read the new store (/metrics: redirectd_store_workers_behind 0),
then checks that the new store's own link resolves and the old store's one
is 404, on several fresh connections.  At the end: no request of the load
failed or went unanswered (every one a 302), the click records in the
segments equal the redirects answered, per link id, exactly; every old
environment was closed (one data.mdb mapped); swaps the daemon must refuse
(a directory without a store, a file that is not a store, data.mdb replaced
inside the directory in use) keep the old store serving and make /healthz
degraded until a good swap."""
import collections
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import done, eq, ok, tempdir  # noqa: E402
from daemon import Daemon, Reader, free_port, linkctl, store_maps  # noqa: E402

SWAPS = int(os.environ.get("SWAPS", "20"))
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
MDB_COPY = shutil.which("mdb_copy")
N = 20
CODES = ["c%02d" % i for i in range(N)]

tmp = tempdir("rdswap-")
base = os.path.join(tmp, "base")
linkctl(base, "staff", "add", "ana", "--name", "Ana")
for c in CODES:
    linkctl(base, "mint", "--staff", "ana", "--url", "https://example.org/" + c, "--code", c)


def copy(src, dst):
    os.mkdir(dst)
    r = subprocess.run([MDB_COPY, "-c", src, dst], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError("mdb_copy: %s" % r.stderr)


if not ok(MDB_COPY is not None, "mdb_copy is installed (lmdb-utils, tools/deps.sh)"):
    done()
# The masters: A = base + onlyA (id 21); B = base + filler (id 21) + onlyB (22).
masterA, masterB = os.path.join(tmp, "A"), os.path.join(tmp, "B")
copy(base, masterA)
copy(base, masterB)
linkctl(masterA, "mint", "--staff", "ana", "--url", "https://a.example.org/", "--code", "onlyA")
linkctl(masterB, "mint", "--staff", "ana", "--url", "https://b.example.org/f", "--code", "filler")
linkctl(masterB, "mint", "--staff", "ana", "--url", "https://b.example.org/", "--code", "onlyB")
ID = {c: i + 1 for i, c in enumerate(CODES)}
ID.update(onlyA=N + 1, onlyB=N + 2)

db = os.path.join(tmp, "db")


def swap_to(master, name):
    """Ship master as a new directory and switch the link db to it."""
    new = os.path.join(tmp, name)
    copy(master, new)
    link = os.path.join(tmp, "db.link-tmp")
    os.symlink(name, link)          # ln -sfn db.N db.link-tmp
    os.rename(link, db)             # mv -T db.link-tmp db: atomic
    return new


swap_to(masterA, "db.0")


def get(addr, path, close=True):
    s = socket.create_connection(addr, 5)
    try:
        s.sendall(("GET %s HTTP/1.1\r\nHost: go.example.org\r\nUser-Agent: %s\r\n%s\r\n"
                   % (path, UA, "Connection: close\r\n" if close else "")).encode())
        return Reader(s).response()
    finally:
        s.close()


def scrape(addr):
    out = {}
    for line in get(addr, "/metrics").body.decode().splitlines():
        if line and not line.startswith("#"):
            k, v = line.rsplit(" ", 1)
            out[k] = float(v)
    return out


def wait(cond, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


class Load:
    """Keep-alive clients and one-request-per-connection clients, round
    robin over the shared codes, until stopped.  Every answer must be a
    302; anything else (another status, a reset, a connection closed with a
    request in flight) is a failure."""

    def __init__(self, addr, keepalive=3, fresh=2):
        self.addr = addr
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.got = collections.Counter()      # code -> 302s answered
        self.failures = []
        self.requests = collections.Counter()  # "keepalive" / "fresh"
        self.threads = [threading.Thread(target=self.keepalive, args=(i,), daemon=True)
                        for i in range(keepalive)]
        self.threads += [threading.Thread(target=self.fresh, args=(i,), daemon=True)
                         for i in range(fresh)]

    def count(self, kind, code, resp):
        with self.lock:
            self.requests[kind] += 1
            if resp is not None and resp.status == 302:
                self.got[code] += 1
            else:
                self.failures.append((kind, code, resp and resp.status_line))

    def keepalive(self, k):
        i = k * 7
        s = None
        while not self.stop.is_set():
            try:
                if s is None:
                    s = socket.create_connection(self.addr, 5)
                    reader = Reader(s)
                code = CODES[i % N]
                i += 1
                s.sendall(("GET /%s HTTP/1.1\r\nHost: go.example.org\r\n"
                           "User-Agent: %s\r\n\r\n" % (code, UA)).encode())
                resp = reader.response()
            except OSError as e:
                resp = None
                code = "error: %r" % e
            self.count("keepalive", code, resp)
            if resp is None and s is not None:
                s.close()
                s = None
        if s is not None:
            s.close()

    def fresh(self, k):
        i = k * 11
        while not self.stop.is_set():
            code = CODES[i % N]
            i += 1
            try:
                resp = get(self.addr, "/" + code)
            except OSError as e:
                resp = None
                code = "error: %r" % e
            self.count("fresh", code, resp)

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(30)


def segment_records(logs):
    counts = collections.Counter()
    for name in sorted(os.listdir(logs)):
        if not name.endswith(".clk"):
            continue
        with open(os.path.join(logs, name), "rb") as f:
            data = f.read()
        n = (len(data) - 128) // 128
        for (link,) in struct.iter_unpack("<16xI108x", data[128:128 + n * 128]):
            counts[link] += 1
    return counts


def mapped_stores(pid):
    with open("/proc/%d/maps" % pid) as f:
        return sorted({line.split()[-1] for line in f if line.rstrip().endswith("/data.mdb")})


logs = os.path.join(tmp, "log")
aport = free_port()
admin = ("127.0.0.1", aport)
probes = collections.Counter()     # onlyA / onlyB redirects answered
with Daemon(db, logs, threads=2, extra=["--admin-listen", "127.0.0.1:%d" % aport]) as d:
    pub = (d.host, d.port)
    eq((get(pub, "/onlyA").status, get(pub, "/onlyB").status), (302, 404),
       "store A at start: onlyA resolves, onlyB is 404")
    probes["onlyA"] += 1
    load = Load(pub).start()
    time.sleep(0.3)
    followed, flips, behind_ok, t0 = 0, [], 0, time.time()
    for i in range(1, SWAPS + 1):
        now_b = i % 2 == 1
        swap_to(masterB if now_b else masterA, "db.%d" % i)
        gen_ok = wait(lambda: (lambda m: m.get("redirectd_store_generation") == i + 1 and
                               m.get("redirectd_store_workers_behind") == 0)(scrape(admin)))
        followed += gen_ok
        # Every worker reads the new store: fresh connections (spread over
        # the workers by SO_REUSEPORT) and a keep-alive one all agree.
        seen = []
        for _ in range(4):
            for code in ("onlyA", "onlyB"):
                st = get(pub, "/" + code).status
                seen.append((code, st))
                if st == 302:
                    probes[code] += 1
        want = [("onlyA", 404), ("onlyB", 302)] * 4 if now_b else \
            [("onlyA", 302), ("onlyB", 404)] * 4
        if seen != want:
            flips.append((i, seen))
        # The store before last is no longer needed by anyone: remove it
        # while the daemon runs (its files may still be mapped: harmless).
        if i >= 2:
            shutil.rmtree(os.path.join(tmp, "db.%d" % (i - 2)))
        time.sleep(0.1)
    eq(followed, SWAPS, "the daemon followed all %d swaps under load (generation and "
       "every worker on it), in %.1f s" % (SWAPS, time.time() - t0))
    eq(flips, [], "after each swap the new store's link resolves and the old store's "
       "one is 404, on every worker")
    time.sleep(0.3)

    # --- swaps that must be refused, under the same load ------------------------
    cur = masterB if SWAPS % 2 else masterA
    only, other = ("onlyB", "onlyA") if SWAPS % 2 else ("onlyA", "onlyB")
    empty = os.path.join(tmp, "db.empty")
    os.mkdir(empty)
    link = os.path.join(tmp, "db.link-tmp")
    os.symlink("db.empty", link)
    os.rename(link, db)
    ok(wait(lambda: get(admin, "/healthz").status == 503),
       "a link to a directory without a store: /healthz degraded")
    body = get(admin, "/healthz").body.decode()
    ok("data.mdb: No such file or directory; still serving" in body, "... saying why", body)
    eq((get(pub, "/" + only).status, get(pub, "/" + other).status), (302, 404),
       "... and the old store still serves")
    probes[only] += 1
    garbage = os.path.join(tmp, "db.garbage")
    os.mkdir(garbage)
    with open(os.path.join(garbage, "data.mdb"), "wb") as f:
        f.write(os.urandom(65536))
    os.symlink("db.garbage", link)
    os.rename(link, db)
    ok(wait(lambda: "the new store cannot be opened" in get(admin, "/healthz").body.decode()),
       "a file that is not a store: refused, /healthz says so",
       get(admin, "/healthz").body)
    m = scrape(admin)
    eq((m.get("redirectd_store_swap_failures_total"), m.get("redirectd_store_generation")),
       (1.0, float(SWAPS + 1)), "... counted as a failed swap; the generation stays")
    eq(get(pub, "/" + only).status, 302, "... and the old store still serves")
    probes[only] += 1
    # Back to the store in use: healthy again.
    os.symlink("db.%d" % SWAPS, link)
    os.rename(link, db)
    ok(wait(lambda: get(admin, "/healthz").status == 200),
       "the link back to the store in use: /healthz ok")
    # data.mdb replaced inside the directory in use: never opened twice.
    live = os.path.join(tmp, "db.%d" % SWAPS)
    copy(masterA if SWAPS % 2 else masterB, os.path.join(tmp, "inplace"))
    os.rename(os.path.join(tmp, "inplace", "data.mdb"), os.path.join(live, "data.mdb"))
    ok(wait(lambda: "replaced inside the directory in use" in
            get(admin, "/healthz").body.decode()),
       "data.mdb replaced inside the directory in use: refused, /healthz says so",
       get(admin, "/healthz").body)
    eq(get(pub, "/" + only).status, 302, "... and the old environment still serves")
    probes[only] += 1
    swap_to(cur, "db.final")
    ok(wait(lambda: get(admin, "/healthz").status == 200 and
            scrape(admin).get("redirectd_store_generation") == SWAPS + 2),
       "a proper swap after all that: followed, /healthz ok")
    eq(get(pub, "/" + only).status, 302, "... serving the new store")
    probes[only] += 1
    time.sleep(0.3)
    load.finish()
    ok(wait(lambda: scrape(admin).get("redirectd_store_retired_open") == 0, timeout=5),
       "every old store is closed once no worker reads it")
    maps = mapped_stores(d.proc.pid)
    eq(maps, [os.path.join(tmp, "db.final", "data.mdb")],
       "only the current store is mapped (old environments closed and unmapped)")
    m = scrape(admin)
    eq(m.get("redirectd_lmdb_readers"), 2.0, "reader slots: one per worker, in the "
       "current store's lock file")
    errors = d.errors()
eq(d.proc.returncode, 0, "the daemon exits 0")

total = sum(load.requests.values())
ok(load.requests["keepalive"] > 200 and load.requests["fresh"] > 100,
   "the load ran throughout: %d keep-alive requests, %d on new connections"
   % (load.requests["keepalive"], load.requests["fresh"]))
eq(load.failures[:5], [], "no request of the load failed, was refused or went "
   "unanswered (%d requests, every one a 302)" % total)
eq(errors.count("swapped: now"), SWAPS + 1, "the daemon logged every swap it followed")
recs = segment_records(logs)
want = collections.Counter({ID[c]: n for c, n in load.got.items()})
for code, n in probes.items():
    want[ID[code]] += n
eq(dict(recs), dict(want), "click records per link id equal the redirects answered, "
   "exactly (%d records: %d of the load, %d probes)"
   % (sum(recs.values()), sum(load.got.values()), sum(probes.values())))

# --- store_map_size: every store the daemon follows is mapped that large -----
MIB = 1 << 20
swap_to(masterA, "db.m1")
with Daemon(db, os.path.join(tmp, "log-map"), threads=2,
            extra=["--store-map-size", "64M"]) as d:
    m1 = os.path.join(tmp, "db.m1", "data.mdb")
    eq(store_maps(d.proc.pid), {m1: 64 * MIB},
       "--store-map-size 64M: the store is mapped with 64 MiB")
    swap_to(masterB, "db.m2")
    m2 = os.path.join(tmp, "db.m2", "data.mdb")
    ok(wait(lambda: list(store_maps(d.proc.pid)) == [m2]),
       "the daemon follows a swap with its own map size", store_maps(d.proc.pid))
    eq(store_maps(d.proc.pid), {m2: 64 * MIB}, "... of 64 MiB too")
    eq(get((d.host, d.port), "/onlyB").status, 302, "... and serves the new store")

shutil.rmtree(tmp, ignore_errors=True)
done()
