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
  - click ids: the id of each record that carried one ships as `click`,
    the same as reach export's; a table made before click ids refuses
    the insert with the ALTER that mends it, which the file gives; a
    target's conversions CSV loads with clickhouse-client as the file
    says (a file loaded twice counts once) and the file's conversions
    query credits a human's click in the window, nothing else.
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
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from daemon import Daemon, free_port, linkctl  # noqa: E402
from tap import eq, ok  # noqa: E402

CH = shutil.which("clickhouse-server") or (
    "/usr/sbin/clickhouse-server"
    if os.path.exists("/usr/sbin/clickhouse-server") else None)
CH_CLIENT = shutil.which("clickhouse-client")
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
        self.tcp_port = free_port()     # clickhouse-client's
        self.url = "http://127.0.0.1:%d" % self.port
        os.makedirs(os.path.join(root, "data"), exist_ok=True)
        with open(os.path.join(root, "config.xml"), "w") as f:
            f.write("""<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <http_port>%d</http_port>
  <tcp_port>%d</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>%s/data/</path>
  <tmp_path>%s/tmp/</tmp_path>
  <users_config>%s/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
  <timezone>UTC</timezone>
</yandex>
""" % (self.port, self.tcp_port, root, root, root))
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

    def query_args(self, sql, body, **settings):
        q = urllib.parse.urlencode(dict(settings, query=sql))
        return urllib.request.urlopen(self.url + "/?" + q, body.encode(),
                                      timeout=60).read().decode()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def statements():
    """conf/clickhouse.sql: {'create': [...], 'reach --by staff': sql,
    ..., 'Conversions by colleague and platform, ...': sql} (a query by
    the first line of its comment)"""
    text = open(SQL).read()
    out = {"create": []}
    for chunk in text.split(";\n"):
        body = re.sub(r"--[^\n]*", "", chunk).strip()
        if not body:
            continue
        if body.startswith("CREATE"):
            out["create"].append(body)
            continue
        m = re.search(r"^-- (reach --by \w+)", chunk, re.M) or \
            re.search(r"^-- (.*)", chunk, re.M)
        out[m.group(1)] = body
    return out


CONV_SQL = "Conversions by colleague and platform, as reach --conversions credits"


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
    ok(len(STMT["create"]) == 3 and all(
        "reach --by " + b in STMT for b in ("staff", "campaign", "day"))
       and CONV_SQL in STMT, "conf/clickhouse.sql: the database, the "
       "tables of clicks and conversions, the three leaderboards and "
       "the conversions query", sorted(STMT))
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

    # ---- click ids (their own directory and state, as above)
    IDS = os.path.join(TMP, "ids")
    T0 = 1775037600                     # 2026-04-01T10:00:00Z
    # (staff, class, platform, flags): flags 4 = the redirect carried an
    # id, 5 = and the client was internal.
    IDREC = [(1, "human", "x", 4), (1, "human", "facebook", 4),
             (2, "human", "linkedin", 4), (2, "preview", "none", 4),
             (3, "human", "x", 5), (3, "human", "x", 0),
             (1, "human", "x", 4), (2, "crawler", "none", 4)]
    tap.mkseg(os.path.join(IDS, "ids.clk"), [
        "time_us=%d staff=%d campaign=1 link=1 class=%s platform=%s "
        "flags=%d status=302 visitor=%d" % ((T0 + 60 * i) * 10**6 + 7, st,
                                             cl, pl, fl, 900 + i)
        for i, (st, cl, pl, fl) in enumerate(IDREC)],
        "--node", "web-9", "--worker", "2")
    r = tap.run([REACH, "export", "--format", "csv", "--db", DB, IDS])
    exported = [x["click"] for x in csv.DictReader(io.StringIO(r.stdout))]
    ok(r.returncode == 0 and len(exported) == len(IDREC) and
       all(re.fullmatch(r"[A-Za-z0-9_-]{16}", c) for i, c in
           enumerate(exported) if IDREC[i][3] & 4) and
       exported[5] == "" and len(set(exported)) == len(IDREC),
       "export: a distinct 16-character id for each record that carried "
       "one, empty for the one that did not", r.stdout + r.stderr)

    # A table made before click ids: refused, with the statement that
    # mends it; the file's ALTER (for redirectd.clicks) mends it.
    create = [c for c in STMT["create"] if "redirectd.clicks" in c][0]
    old = re.sub(r"ip\s+String,\s*click\s+String", "ip String",
                 create).replace("redirectd.clicks", "redirectd.old")
    ok("click" not in old, "the table as it was before click ids")
    CHS.query(old)

    def ids_ship(table):
        return tap.run([REACH, "ship", "--clickhouse", CHS.url, "--table",
                        table, "--db", DB, "--state",
                        os.path.join(TMP, table + ".state"), IDS],
                       timeout=300)

    r = ids_ship("redirectd.old")
    ok(r.returncode == 1 and "ALTER TABLE redirectd.old ADD COLUMN click "
       "String" in r.stderr, "ship into a table made before click ids: "
       "exit 1, saying the ALTER that mends it", r.stderr)
    alter = re.search(r"^--\s+(ALTER TABLE redirectd\.clicks ADD COLUMN "
                      r"click String)$", open(SQL).read(), re.M)
    ok(alter, "conf/clickhouse.sql: the ALTER for an older table")
    CHS.query(alter.group(1).replace("redirectd.clicks", "redirectd.old"))
    r = ids_ship("redirectd.old")
    eq((r.returncode, shipped(r)), (0, len(IDREC)),
       "after the ALTER, the records ship")
    r = ids_ship("redirectd.clicks")
    eq((r.returncode, shipped(r)), (0, len(IDREC)), "ship of the ids")
    for table in ("redirectd.clicks", "redirectd.old"):
        got = CHS.query("SELECT click FROM %s FINAL WHERE segment = "
                        "'ids.clk' ORDER BY position FORMAT TabSeparated"
                        % table).splitlines()
        eq(got, exported, "%s: click as reach export writes it" % table)

    # A target site's conversions, loaded as the file says (twice: a
    # re-exported file counts once), against the file's query.
    def iso(t, frac=""):
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + frac + "Z"

    conv = ["time,click,event,id,value",
            # alice's x click: a signature an hour on, and a donation
            "%s,%s,signature,s1," % (iso(T0 + 3600, ".25"), exported[0]),
            "%s,%s,donation,d1,12.50" % (iso(T0 + 7200), exported[0]),
            # alice's facebook click: a row without id, given twice
            "%s,%s,signature,," % (iso(T0 + 60 + 5), exported[1]),
            "%s,%s,signature,," % (iso(T0 + 60 + 5), exported[1]),
            # bob's linkedin click: 30 days on (the edge, in) and a second
            # after that (out), and before the click (out)
            "%s,%s,signature,s2," % (iso(T0 + 120 + 30 * 86400),
                                     exported[2]),
            "%s,%s,signature,s3," % (iso(T0 + 121 + 30 * 86400),
                                     exported[2]),
            "%s,%s,signature,s4," % (iso(T0 + 119), exported[2]),
            # a preview's, an internal click's, a crawler's: apart
            "%s,%s,signature,s5," % (iso(T0 + 3600), exported[3]),
            "%s,%s,signature,s6," % (iso(T0 + 3600), exported[4]),
            "%s,%s,signature,s7," % (iso(T0 + 3600), exported[7]),
            # an id of no click, and a row by handle
            "%s,AAAAAAAAAAAAAAAA,signature,s8," % iso(T0 + 3600),
            "%s,,signature,s9," % iso(T0 + 3600)]
    CONV = os.path.join(TMP, "signatures.csv")
    with open(CONV, "w") as f:
        f.write("\n".join(conv) + "\n")
    load = re.search(r"(clickhouse-client .*?)\\\n--\s+'(INSERT INTO "
                     r"redirectd\.conversions \(time, click, event, id\) "
                     r"FORMAT CSVWithNames)'", open(SQL).read())
    ok(load and "--date_time_input_format=best_effort" in load.group(1),
       "conf/clickhouse.sql: how to load a conversions CSV")
    for _ in range(2):
        insert = load.group(2).replace("id)", "id, value)")
        if CH_CLIENT:
            r = tap.run([CH_CLIENT, "--host", "127.0.0.1", "--port",
                         str(CHS.tcp_port), "--date_time_input_format="
                         "best_effort", "--query", insert],
                        input=open(CONV).read())
            ok(r.returncode == 0, "clickhouse-client loads the "
               "conversions CSV", r.stderr)
        else:
            CHS.query_args(insert, open(CONV).read(),
                           date_time_input_format="best_effort")
            tap.skip("clickhouse-client loads the conversions CSV",
                     "loaded over HTTP", package="clickhouse-client")
    eq(int(CHS.query("SELECT count() FROM redirectd.conversions FINAL")),
       len(conv) - 2, "loaded twice, every row once (the row without id "
       "given twice, once)")
    got = CHS.query(STMT[CONV_SQL] + " FORMAT TabSeparated")
    eq(got, "alice\tx\t2\t12.500000\nalice\tfacebook\t1\t0.000000\n"
       "bob\tlinkedin\t1\t0.000000\n", "the conversions query: alice's two on "
       "x (value 12.50) and one on facebook, bob's one at the window's "
       "edge; none after a preview, crawler or internal click, none "
       "outside the window, none for an unknown id or a handle")

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
