#!/usr/bin/env python3
"""reach ship: click records into ClickHouse, and the SQL of
conf/clickhouse.sql against reach's own leaderboards.

Debian's clickhouse-server (18.16) runs as a child on a free loopback
port with its own minimal configuration in a temp dir.  The log is written
by the real daemon (colleagues, campaigns, humans from many addresses,
previews, crawlers, tools, HEAD probes, internal clicks) plus a segment of
other days from mkseg.  Checked:

  - the SQL leaderboards (--by staff, campaign, day: rank, key, names,
    clicks, visitors, bots and each class, internal) equal reach's CSV;
  - a second run ships nothing; new clicks ship on the next;
  - a run killed (SIGKILL) while ClickHouse has accepted a batch it never
    got the answer to (a proxy forwards the batch, then holds the answer):
    the state stays at the batch before, the rerun sends that batch again,
    and the SQL still equals reach: nothing counts twice;
  - a partial record at a segment's end: the records before it ship, no
    error; the rest on the next run;
  - a damaged record in the middle: exit 1 after the records before it;
    with --skip-damaged the records after it ship, exit 3;
  - ClickHouse stopped: an error naming the URL, exit 1, state unchanged.
"""
import csv
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from daemon import Daemon, free_port, linkctl  # noqa: E402
from tap import eq, ok  # noqa: E402

CH = shutil.which("clickhouse-server") or (
    "/usr/sbin/clickhouse-server"
    if os.path.exists("/usr/sbin/clickhouse-server") else None)
if not CH:
    tap.skip_all("clickhouse-server not installed", package="clickhouse-server")

TMP = tap.tempdir("ship-test-")
REACH = tap.REACH
SQL = os.path.join(tap.SRC, "conf", "clickhouse.sql")


# ------------------------------------------------------------ ClickHouse

class ClickHouse:
    def __init__(self, root):
        self.root = root
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        os.makedirs(os.path.join(root, "data"), exist_ok=True)
        with open(os.path.join(root, "config.xml"), "w") as f:
            f.write("""<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <http_port>%d</http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>%s/data/</path>
  <tmp_path>%s/tmp/</tmp_path>
  <users_config>%s/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
  <timezone>UTC</timezone>
</yandex>
""" % (self.port, root, root, root))
        with open(os.path.join(root, "users.xml"), "w") as f:
            f.write("""<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password>
    <networks><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
""")
        self.log = open(os.path.join(root, "server.log"), "w")
        self.proc = subprocess.Popen(
            [CH, "--config-file=" + os.path.join(root, "config.xml")],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=root)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("clickhouse-server exited: " +
                                   open(self.log.name).read()[-2000:])
            try:
                if urllib.request.urlopen(self.url + "/ping",
                                          timeout=1).read() == b"Ok.\n":
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("clickhouse-server did not answer")

    def query(self, sql):
        try:
            return urllib.request.urlopen(self.url + "/", sql.encode(),
                                          timeout=60).read().decode()
        except urllib.error.HTTPError as e:
            raise RuntimeError("%s\n%s" % (e.read().decode(), sql))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def statements():
    """conf/clickhouse.sql: {'create': [...], 'reach --by staff': sql, ...}"""
    text = open(SQL).read()
    out = {"create": []}
    for chunk in text.split(";\n"):
        m = re.search(r"^-- (reach --by \w+)", chunk, re.M)
        body = re.sub(r"--[^\n]*", "", chunk).strip()
        if not body:
            continue
        if m:
            out[m.group(1)] = body
        else:
            out["create"].append(body)
    return out


# ------------------------------------------------------------ comparing

COLS = ["rank", "KEY", "clicks", "visitors", "bots", "previews",
        "crawlers", "tools", "probes", "internal"]


def reach_rows(by, logs):
    r = tap.run([REACH, "--db", DB, "--by", by, "--format", "csv", logs])
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    cols = [by if c == "KEY" else c for c in COLS]
    if by == "staff":
        cols[2:2] = ["name", "team"]
    return [tuple(row[c] for c in cols) for row in rows]


def sql_rows(by):
    out = CHS.query(STMT["reach --by " + by] + " FORMAT TabSeparated")
    unesc = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\0": "\0",
             "\\r": "\r", "\\'": "'"}
    return [tuple(re.sub(r"\\.", lambda m: unesc.get(m.group(0),
                                                        m.group(0)), f)
                  for f in line.split("\t"))
            for line in out.splitlines()]


def compare(logs, what):
    for by in ("staff", "campaign", "day"):
        want = reach_rows(by, logs)
        eq(sql_rows(by), want, "%s: the SQL of --by %s equals reach's CSV "
           "(%d rows)" % (what, by, len(want)))


def ship(*extra, batch=None, url=None, wait=True):
    args = [REACH, "ship", "--clickhouse", url or CHS.url, "--table",
            "redirectd.clicks", "--db", DB]
    if batch:
        args += ["--batch", str(batch)]
    args += list(extra) + [LOGS]
    if not wait:
        return subprocess.Popen(args, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    return tap.run(args, timeout=300)


def shipped(r):
    m = re.search(r"shipped (\d+) records", r.stderr)
    return int(m.group(1)) if m else None


def total_records():
    r = tap.run([REACH, "--db", DB, "--format", "csv", LOGS])
    m = re.search(r"(\d+) records from", r.stderr + r.stdout)
    if m:
        return int(m.group(1))
    n = 0
    for root, _, files in os.walk(LOGS):
        for f in files:
            if f.endswith(".clk"):
                n += (os.path.getsize(os.path.join(root, f)) - 128) // 128
    return n


def count_final():
    return int(CHS.query("SELECT count() FROM redirectd.clicks FINAL"))


# ------------------------------------------------------------ clicks

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
          "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36")
FIREFOX = ("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 "
           "Firefox/121.0")
TWITTERBOT = "Twitterbot/1.0"
GOOGLEBOT = ("Mozilla/5.0 (compatible; Googlebot/2.1; "
             "+http://www.google.com/bot.html)")
CURL = "curl/8.5.0"

DB = os.path.join(TMP, "db")
LOGS = os.path.join(TMP, "log")
CONF = os.path.join(TMP, "redirectd.conf")
with open(CONF, "w") as f:
    f.write("trusted_proxies = 127.0.0.1\ninternal_networks = 10.0.0.0/8\n")

STAFF = [("alice", "Alice Ames", "north"), ("bob", "Bob\\B", "north"),
         ("chloe", "Chloé, \"C\"", "south"), ("dan", "Dan", "")]
for h, n, t in STAFF:
    args = ["staff", "add", h, "--name", n]
    if t:
        args += ["--team", t]
    linkctl(DB, *args)
CODES = {}
for h, _, _ in STAFF:
    for camp in ("spring", "autumn", None):
        args = ["mint", "--staff", h, "--url", "https://example.org/%s" % h]
        if camp:
            args += ["--campaign", camp]
        CODES[(h, camp)] = linkctl(DB, *args).stdout.strip()


def click_round(seed, n):
    """n requests through the real daemon: a fixed mix per seed."""
    import random
    rnd = random.Random(seed)
    keys = sorted(CODES, key=lambda k: (k[0], k[1] or ""))
    with Daemon(DB, LOGS, conf=CONF, threads=2) as d:
        for i in range(n):
            key = keys[rnd.randrange(len(keys))]
            if key[0] == "dan" and rnd.random() < 0.7:
                key = ("alice", key[1])
            kind = rnd.random()
            ip = "198.51.100.%d" % rnd.randrange(1, 40)
            ua, method = rnd.choice([CHROME, FIREFOX]), "GET"
            if kind < 0.08:
                ua = TWITTERBOT
            elif kind < 0.12:
                ua = GOOGLEBOT
            elif kind < 0.16:
                ua = CURL
            elif kind < 0.22:
                method = "HEAD"
            elif kind < 0.28:
                ip = "10.0.0.%d" % rnd.randrange(1, 5)
            resp = d.get("/" + CODES[key], {"X-Real-IP": ip,
                                             "User-Agent": ua},
                         method=method)
            if resp is None or resp.status != 302:
                raise RuntimeError("request %d: %r" % (i, resp))
        if d.stop() != 0:
            raise RuntimeError("daemon: " + d.errors())


# ------------------------------------------------------------ the run

CHS = ClickHouse(os.path.join(TMP, "ch"))
try:
    STMT = statements()
    ok(len(STMT["create"]) == 2 and all(
        "reach --by " + b in STMT for b in ("staff", "campaign", "day")),
       "conf/clickhouse.sql: the table and the three leaderboards")
    for s in STMT["create"]:
        CHS.query(s)

    click_round(1, 300)
    # Other days, with ids the store knows and one it does not.
    days = []
    for i in range(40):
        days.append("time=2026-03-%02dT1%d:00:00Z staff=%d class=%s "
                    "visitor=%d campaign=%d link=1 status=302"
                    % (1 + i % 3, i % 10, 1 + i % 5,
                       ["human", "human", "preview", "probe"][i % 4],
                       i % 7, i % 3))
    # Two colleagues unknown to the store that tie: ranks "6,6".
    days += ["time=2026-03-04T10:00:00Z staff=6 class=human visitor=61 "
             "campaign=0 link=1 status=302",
             "time=2026-03-04T10:00:01Z staff=7 class=human visitor=71 "
             "campaign=0 link=1 status=302"]
    r = subprocess.run([tap.MKSEG, os.path.join(LOGS, "zz-old.clk"),
                        "--node", "old"], input="\n".join(days) + "\n",
                       capture_output=True, text=True)
    ok(r.returncode == 0, "mkseg writes the old days' segment", r.stderr)
    STATE = os.path.join(LOGS, ".reach-ship.state")

    # ---- the first ship
    r = ship(batch=50)
    eq(r.returncode, 0, "first ship: exit 0")
    n1 = total_records()
    eq(shipped(r), n1, "first ship: every record shipped")
    ok(re.search(r"in \d+ batches, [\d.]+ s \(\d+ records/s\)", r.stderr)
       and "records 0-41 (42)" in r.stderr,
       "first ship: reports segments, records and seconds", r.stderr)
    eq(count_final(), n1, "ClickHouse holds one row per record")
    compare(LOGS, "first ship")
    names = CHS.query("SELECT DISTINCT staff, name, team, campaign FROM "
                      "redirectd.clicks WHERE staff = 'bob' AND "
                      "campaign != '' ORDER BY campaign FORMAT TabSeparated")
    eq(names, "bob\tBob\\\\B\tnorth\tautumn\nbob\tBob\\\\B\tnorth\tspring\n",
       "names resolved at ship time, escaped for TabSeparated")

    r = ship()
    eq((r.returncode, shipped(r)), (0, 0), "a second ship: nothing new")

    # ---- more clicks; a ship killed while a batch is accepted but its
    # answer held back by a proxy
    click_round(2, 300)
    before = open(STATE).read()
    # No merges until the rerun is checked: the resent batch's two copies
    # must both be in the table, and the queries still count them once.
    CHS.query("SYSTEM STOP MERGES")
    accepted = []
    held = threading.Event()

    def proxy_conn(c):
        data = b""
        while b"\r\n\r\n" not in data:
            data += c.recv(65536)
        head, body = data.split(b"\r\n\r\n", 1)
        m = re.search(rb"(?i)content-length: *(\d+)", head)
        n = int(m.group(1))
        while len(body) < n:
            body += c.recv(65536)
        target = head.split(b" ")[1].decode()
        up = urllib.request.urlopen(CHS.url + target, body, timeout=60)
        up.read()
        accepted.append(body.count(b"\n"))
        if len(accepted) >= 2:
            held.set()          # accepted by ClickHouse, answer held
            time.sleep(60)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
                  b"Connection: close\r\n\r\n")
        c.close()

    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)

    def proxy():
        while True:
            try:
                c, _ = lsock.accept()
            except OSError:
                return
            threading.Thread(target=proxy_conn, args=(c,),
                             daemon=True).start()

    threading.Thread(target=proxy, daemon=True).start()
    p = ship(batch=40, url="http://127.0.0.1:%d" % lsock.getsockname()[1],
             wait=False)
    ok(held.wait(60), "killed run: ClickHouse accepted two batches")
    mid = open(STATE).read()
    p.send_signal(signal.SIGKILL)
    p.wait()
    lsock.close()
    ok(mid != before and mid == open(STATE).read(),
       "killed run: the state moved to the first batch, not the second")
    rows_now = int(CHS.query("SELECT count() FROM redirectd.clicks FINAL"))
    eq(rows_now, n1 + 80, "killed run: ClickHouse has both batches")

    r = ship(batch=40)
    eq(r.returncode, 0, "the run after the kill: exit 0")
    n2 = total_records()
    eq(shipped(r), n2 - n1 - 40, "it ships from the first unacknowledged "
       "batch on (the second one again)")
    raw = int(CHS.query("SELECT count() FROM redirectd.clicks"))
    eq(raw, n2 + 40, "the resent batch is in the table twice (merges "
       "stopped)")
    eq(count_final(), n2, "FINAL: one row per record")
    compare(LOGS, "after the kill and rerun")
    CHS.query("SYSTEM START MERGES")
    CHS.query("OPTIMIZE TABLE redirectd.clicks FINAL")
    eq(int(CHS.query("SELECT count() FROM redirectd.clicks")), n2,
       "merged: the two copies collapse into one row")
    r = ship()
    eq((r.returncode, shipped(r)), (0, 0), "and then nothing new")

    # ---- a partial record at the end of a segment being written
    seg = sorted(f for f in os.listdir(LOGS) if f.endswith(".clk"))[0]
    with open(os.path.join(LOGS, seg), "rb") as f:
        whole = f.read()
    with open(os.path.join(LOGS, seg), "ab") as f:
        f.write(whole[128:128 + 60])
    r = ship()
    ok(r.returncode == 1 and "partial record" in r.stderr and
       shipped(r) == 0, "a partial record at the end (a segment being "
       "written): a clear error, exit 1, nothing more to ship", r.stderr)
    with open(os.path.join(LOGS, seg), "r+b") as f:
        f.truncate(len(whole))
        f.seek(len(whole))
        f.write(whole[128:256])        # the whole record, now complete
    r = ship()
    eq((r.returncode, shipped(r)), (0, 1), "once whole, the record ships")
    compare(LOGS, "after the torn tail")

    # ---- a damaged record in the middle of a segment (its own directory
    # and state, so the log above stays whole for reach)
    DMG = os.path.join(TMP, "damaged")
    dseg = tap.mkseg(os.path.join(DMG, "dmg.clk"), [
        "time=2026-03-05T10:00:%02dZ staff=1 class=human visitor=%d "
        "link=1 status=302" % (i, 500 + i) for i in range(10)])
    with open(dseg, "r+b") as f:
        for k in (3, 4):
            f.seek(128 + k * 128 + 20)
            f.write(b"\xff")

    def dship(*extra):
        return tap.run([REACH, "ship", "--clickhouse", CHS.url, "--table",
                        "redirectd.clicks", "--db", DB] + list(extra) +
                       [DMG], timeout=300)

    def dpositions():
        return CHS.query("SELECT position FROM redirectd.clicks FINAL "
                         "WHERE segment = 'dmg.clk' ORDER BY position").split()

    r = dship()
    ok(r.returncode == 1 and "corrupt record at offset %d" % (128 + 3 * 128)
       in r.stderr and shipped(r) == 3, "a damaged record: exit 1, the "
       "records before it shipped", r.stderr)
    r = dship("--skip-damaged")
    eq(r.returncode, 3, "ship --skip-damaged: exit status 3")
    ok("warning: %s: skipped 2 damaged records at bytes 512-768 "
       "(--skip-damaged)" % dseg in r.stderr and "2 damaged records in 1 "
       "place skipped; shipped without them" in r.stderr and
       shipped(r) == 5, "ship --skip-damaged: the stretch named, the "
       "records after it shipped", r.stderr)
    eq(dpositions(), ["0", "1", "2", "5", "6", "7", "8", "9"],
       "ship --skip-damaged: every position but the damaged ones")
    r = dship("--skip-damaged")
    eq((r.returncode, shipped(r)), (0, 0),
       "the next run: nothing left, the skipped records not told again")

    # ---- ClickHouse gone
    click_round(3, 50)
    url = CHS.url
    CHS.stop()
    before = open(STATE).read()
    r = ship(url=url)
    eq(r.returncode, 1, "ClickHouse stopped: exit 1")
    ok(url in r.stderr and "Connection refused" in r.stderr,
       "ClickHouse stopped: the error names the URL and the cause", r.stderr)
    eq(open(STATE).read(), before, "ClickHouse stopped: state unchanged")
finally:
    CHS.stop()
    if not tap._failed:
        shutil.rmtree(TMP, ignore_errors=True)   # ClickHouse's data: MBs
tap.done()
