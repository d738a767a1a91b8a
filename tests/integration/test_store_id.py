"""Store identity (issue 14): click records carry ids, not names, so a
segment read against another store credits one colleague's clicks to
another.  The issue's scenario: two stores built from the same staff.csv,
sorted differently, with the same codes; the daemon logs clicks of store
OLD; reach --db NEW over that log refuses (exit 1, naming both identities
and the file), --any-store counts; reach export and reach ship likewise.
Also: a segment written before identities reads, with one note; a copy
(mdb_copy, linkctl backup) keeps the identity; a store made before
identities (its "id" left out by mdb_dump/mdb_load) is read with a note,
the daemon's segments of it name none, and the next linkctl write gives it
one; the daemon switched under it to a store of another identity starts
segments naming the new one, and to a copy of the same store does not."""
import http.server
import os
import shutil
import subprocess
import sys
import threading
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import LINKCTL, REACH, done, eq, mkseg, ok, run, skip_all, tempdir  # noqa: E402
from daemon import Daemon, linkctl, wait_for  # noqa: E402

MDB_COPY = shutil.which("mdb_copy")
MDB_DUMP = shutil.which("mdb_dump")
if not MDB_COPY or not MDB_DUMP:
    skip_all("mdb_copy and mdb_dump are not installed", package="lmdb-utils")

tmp = tempdir("rdstoreid-")
STAFF = [("ana", "Ana"), ("bob", "Bob"), ("cyd", "Cyd"), ("dee", "Dee")]


def build(name, rows):
    db = os.path.join(tmp, name)
    csv = os.path.join(tmp, name + ".csv")
    with open(csv, "w") as f:
        f.write("handle,name,team,email\n")
        for h, n in rows:
            f.write("%s,%s,t,%s@example.org\n" % (h, n, h))
    linkctl(db, "staff", "import", csv)
    for h, _ in STAFF:      # the same codes, the same order
        linkctl(db, "mint", "--staff", h, "--url",
                "https://example.org/" + h, "--code", "go-" + h)
    return db


def store_id(db):
    """The identity in meta "id", read with mdb_dump (not with our code)."""
    r = run([MDB_DUMP, "-s", "meta", db])
    lines = [x.strip() for x in r.stdout.splitlines()]
    body = lines[lines.index("HEADER=END") + 1:]
    for k, v in zip(body[0::2], body[1::2]):
        if k == "6964":         # "id"
            return v
    return None


def header_id(path):
    with open(path, "rb") as f:
        h = f.read(128)
    return h[96:112].hex()


def segments(logs):
    return sorted(os.path.join(logs, n) for n in os.listdir(logs)
                  if n.endswith(".clk"))


def records(path):
    return (os.path.getsize(path) - 128) // 128


old = build("old", STAFF)
new = build("new", list(reversed(STAFF)))
old_id, new_id = store_id(old), store_id(new)
ok(old_id is not None and len(old_id) == 32, "a new store has an identity",
   repr(old_id))
ok(new_id is not None and old_id != new_id, "another store, another identity")
linkctl(old, "staff", "list")
eq(store_id(old), old_id, "a later write open keeps the identity")

# --- a copy is the same store ---------------------------------------------
cp = os.path.join(tmp, "copy")
os.mkdir(cp)
r = run([MDB_COPY, "-c", old, cp])
eq(r.returncode, 0, "mdb_copy -c")
eq(store_id(cp), old_id, "mdb_copy keeps the identity")
bk = os.path.join(tmp, "backup")
r = run([LINKCTL, "--db", old, "backup", bk])
eq(r.returncode, 0, "linkctl backup")
eq(store_id(bk), old_id, "linkctl backup keeps the identity")

# --- the daemon logs the identity of the store it serves -------------------
logs = os.path.join(tmp, "logs")
with Daemon(old, logs, threads=2) as d:
    for _ in range(7):
        eq(d.get("/go-ana").status, 302, "ana's link redirects")
segs = segments(logs)
ok(len(segs) >= 1, "segments written")
eq(sorted(set(header_id(p) for p in segs)), [old_id],
   "every segment header names the store served")

r = run([REACH, "--db", old, "--format", "csv", logs])
eq(r.returncode, 0, "reach --db OLD over OLD's log")
ok("Ana" in r.stdout or "ana" in r.stdout, "credits ana", r.stdout)

r = run([REACH, "--db", new, "--format", "csv", logs])
eq(r.returncode, 1, "reach --db NEW over OLD's log: exit 1")
ok(old_id in r.stderr and new_id in r.stderr,
   "the error names both identities", r.stderr)
ok(any(p in r.stderr for p in segs), "and the file", r.stderr)
ok("--any-store" in r.stderr, "and the way round it", r.stderr)
eq(r.stdout, "", "no leaderboard")

r = run([REACH, "--db", new, "--any-store", "--format", "csv", logs])
eq(r.returncode, 0, "--any-store: read anyway")
ok("7" in r.stdout, "and counted", r.stdout)

r = run([REACH, "export", "--db", new, logs])
eq(r.returncode, 1, "reach export --db NEW: exit 1")
ok(old_id in r.stderr and new_id in r.stderr, "export names both", r.stderr)
eq(r.stdout, "", "export writes no record of another store")
r = run([REACH, "export", "--db", new, "--any-store", logs])
eq(r.returncode, 0, "reach export --any-store")
eq(r.stdout.count("\n"), 7, "exports every record")
r = run([REACH, "export", "--db", old, logs])
eq((r.returncode, r.stdout.count('"go-ana"')), (0, 7),
   "reach export --db OLD: ana's code on every record")


# --- reach ship, to a stand-in that accepts every batch --------------------
class Accept(http.server.BaseHTTPRequestHandler):
    rows = 0

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        Accept.rows += self.rfile.read(n).count(b"\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Accept)
threading.Thread(target=srv.serve_forever, daemon=True).start()
url = "http://127.0.0.1:%d/" % srv.server_address[1]
state = os.path.join(tmp, "ship.state")
r = run([REACH, "ship", "--clickhouse", url, "--table", "clicks", "--db", new,
         "--state", state, logs])
eq(r.returncode, 1, "reach ship --db NEW: exit 1")
ok(old_id in r.stderr and new_id in r.stderr, "ship names both", r.stderr)
eq(Accept.rows, 0, "nothing shipped")
r = run([REACH, "ship", "--clickhouse", url, "--table", "clicks", "--db", new,
         "--state", state, "--any-store", logs])
eq(r.returncode, 0, "reach ship --any-store")
ok(Accept.rows >= 7, "ships the records", "%d rows; %s" % (Accept.rows, r.stderr))
srv.shutdown()

# --- segments written before identities ------------------------------------
oldlog = os.path.join(tmp, "oldlog")
for k in range(2):
    mkseg(os.path.join(oldlog, "n.2026010%d.clk" % (k + 1)),
          ["time=2026-01-0%dT10:00:00Z staff=1 link=1 class=human visitor=%d"
           % (k + 1, k + 1)])
r = run([REACH, "--db", new, "--format", "csv", oldlog])
eq(r.returncode, 0, "segments without an identity read")
ok(r.stderr.count("names no store") == 1, "with one note for all of them",
   r.stderr)
r = run([REACH, "--db", new, "--any-store", "--format", "csv", oldlog])
# (Two days of daily keys: the one note left says they are visitor-days.)
eq((r.returncode, [x for x in r.stderr.splitlines()
                   if "visitors are visitor-days" not in x]),
   (0, []), "--any-store: no note about the store")

# --- a store made before identities ---------------------------------------
# OLD without its "id": dumped, the key left out, loaded.
dump = run([MDB_DUMP, "-a", old]).stdout
text, skip = [], False
for line in dump.splitlines():
    if skip:
        skip = False
        continue
    if line == " 6964":             # the key "id"; its value follows
        skip = True
        continue
    text.append(line)
preid = os.path.join(tmp, "preid")
os.mkdir(preid)
r = run([shutil.which("mdb_load"), preid], input="\n".join(text) + "\n")
eq(r.returncode, 0, "a store without an identity (mdb_load)")
eq(store_id(preid), None, "has none")
r = run([REACH, "--db", preid, "--format", "csv", logs])
eq(r.returncode, 0, "reach --db with a store without identity reads")
ok(r.stderr.count("has no identity") == 1, "with one note", r.stderr)
prelogs = os.path.join(tmp, "prelogs")
with Daemon(preid, prelogs, threads=1) as d:
    eq(d.get("/go-cyd").status, 302, "the daemon serves it")
eq([header_id(p) for p in segments(prelogs)], ["00" * 16],
   "its segments name no store")
eq(store_id(preid), None, "the daemon (read-only) gives it none")
linkctl(preid, "staff", "add", "zed", "--name", "Zed")
pre_new = store_id(preid)
ok(pre_new is not None and pre_new != old_id,
   "the next linkctl write gives it one of its own", repr(pre_new))
r = run([REACH, "--db", preid, "--format", "csv", prelogs])
eq(r.returncode, 0, "its older segments still read")
ok(r.stderr.count("names no store") == 1, "with one note", r.stderr)

# --- the daemon follows a store of another identity -----------------------
live = os.path.join(tmp, "live")
for name, src in (("db.0", old), ("db.1", new), ("db.2", old)):
    os.mkdir(os.path.join(tmp, name))
    r = run([MDB_COPY, "-c", src, os.path.join(tmp, name)])
    eq(r.returncode, 0, "ship %s" % name)


def switch(name):
    link = os.path.join(tmp, "live.tmp")
    os.symlink(name, link)
    os.rename(link, live)


def get_ok(d, code):
    return d.get("/" + code).status == 302


switch("db.0")
swlogs = os.path.join(tmp, "swlogs")
with Daemon(live, swlogs, threads=2) as d:
    get_ok(d, "go-ana")
    switch("db.2")          # a copy of the same store: no new segments
    ok(wait_for(lambda: d.errors().count(" swapped: now ") == 1),
       "the daemon follows a copy of the same store")
    eq(len(segments(swlogs)), 2, "same identity: no new segments")
    switch("db.1")
    ok(wait_for(lambda: "another store" in d.errors()),
       "another identity: said", d.errors()[-600:])
    after = segments(swlogs)
    eq(len(after), 4, "a new segment per worker")
    eq(sorted(header_id(p) for p in after), sorted([old_id] * 2 + [new_id] * 2),
       "the new segments name the new store")
    for _ in range(5):
        get_ok(d, "go-bob")
per_id = {}
for p in segments(swlogs):
    per_id[header_id(p)] = per_id.get(header_id(p), 0) + records(p)
eq(per_id, {old_id: 1, new_id: 5}, "records by the store their segment names")
r = run([REACH, "--db", new, "--format", "csv", swlogs])
eq(r.returncode, 1, "reach --db NEW refuses the old store's segments")
r = run([REACH, "--db", new, "--format", "csv"] +
        [p for p in segments(swlogs) if header_id(p) == new_id])
eq(r.returncode, 0, "and reads the new store's")
shutil.rmtree(tmp) if not os.environ.get("KEEP") else None
done()
