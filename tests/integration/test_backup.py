"""linkctl backup and linkctl verify through the real programs.

Backups under load: while the daemon answers a stream of redirects and
linkctl mints in a loop, backups are taken; every link listed before a
backup began is in the copy with a byte-identical line of `linkctl list`
(target, status, colleague, creation time), the copy holds nothing the
store never had, it verifies clean, and a daemon started on the copy
serves its links with their targets.  DEST that exists and is not empty,
or is a file or a symbolic link, is refused and left as it was.  A backup
killed with SIGKILL in the middle of its copy (its writes slowed by
strace) leaves nothing at DEST, only its hidden temporary, which the next
backup removes.  verify names each corruption planted in a copy of the
store (edited with mdb_dump and mdb_load): a link_by_id entry missing, a
link of a colleague who does not exist, a counter below an id in use, an
undecodable record; past 20 problems, how many more."""
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import LINKCTL, done, eq, ok, run, tempdir  # noqa: E402
from daemon import Daemon, linkctl, wait_for  # noqa: E402

MDB_DUMP, MDB_LOAD = shutil.which("mdb_dump"), shutil.which("mdb_load")
STRACE = shutil.which("strace")
N = 3000

tmp = tempdir("rdbackup-")
db = os.path.join(tmp, "db")
linkctl(db, "staff", "add", "ana", "--name", "Ana")
linkctl(db, "staff", "add", "bo", "--name", "Bo")
# Targets of varied bytes: queries, percent-encoded UTF-8, long ones.
tsv = "".join("c%05d\t%s\t\thttps://example.org/p/%d?q=%s&x=%%C3%%A9%s\n"
              % (i, "ana" if i % 2 else "bo", i, "v" * (i % 50), "/z" * (i % 600))
              for i in range(N))
r = run([LINKCTL, "--db", db, "import", "-"], input=tsv)
eq(r.returncode, 0, "the store: %d links imported" % N)


def listing(store):
    r = linkctl(store, "list")
    return r.stdout.splitlines()[1:]


# --- backups under load ------------------------------------------------------
stop = threading.Event()
answers = {"302": 0, "other": []}
minted = []


def redirects():
    i = 0
    while not stop.is_set():
        code = "c%05d" % (i % N)
        try:
            resp = d.get("/" + code)
            if resp.status == 302:
                answers["302"] += 1
            else:
                answers["other"].append((code, resp.status_line))
        except OSError as e:
            answers["other"].append((code, str(e)))
        i += 7


def mints():
    i = 0
    while not stop.is_set():
        r = linkctl(db, "mint", "--staff", "ana", "--url",
                    "https://example.org/m/%d" % i, "--code", "m%05d" % i, ok=False)
        if r.returncode == 0:
            minted.append("m%05d" % i)
        i += 1


copies = []
with Daemon(db, os.path.join(tmp, "log")) as d:
    threads = [threading.Thread(target=f) for f in (redirects, mints)]
    for t in threads:
        t.start()
    wait_for(lambda: len(minted) >= 3, 20)
    for k in range(4):
        before = listing(db)
        dest = os.path.join(tmp, "backup", "db.%d" % k)
        if k == 0:
            os.makedirs(dest)   # an empty directory is taken
        r = run([LINKCTL, "--db", db, "backup", dest])
        after = listing(db)
        eq(r.returncode, 0, "backup %d under load: exit 0" % k)
        ok("bytes" in r.stderr and "links" in r.stderr and "colleagues" in r.stderr,
           "backup %d says what it copied" % k, r.stderr)
        got = listing(dest)
        missing = sorted(set(before) - set(got))
        ok(not missing, "backup %d: all %d links listed before it began are in the "
           "copy, byte-identical" % (k, len(before)), missing[:5])
        extra = sorted(set(got) - set(after))
        ok(not extra, "backup %d: the copy holds nothing the store did not" % k,
           extra[:5])
        v = run([LINKCTL, "--db", dest, "verify"])
        eq(v.returncode, 0, "backup %d verifies clean" % k)
        ok("whole: %d links" % len(got) in v.stderr, "verify counts the copy's %d links"
           % len(got), v.stderr)
        ok(not any(n.startswith(".") for n in os.listdir(os.path.dirname(dest))),
           "backup %d left no temporary beside it" % k)
        ok(sorted(os.listdir(dest)) == ["data.mdb"] or "lock.mdb" in os.listdir(dest),
           "backup %d: the copy is a data.mdb" % k, os.listdir(dest))
        copies.append((dest, got))
        time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join()
    ok(answers["302"] > 0 and not answers["other"],
       "every redirect during the backups was a 302 (%d)" % answers["302"],
       answers["other"][:5])
ok(len(minted) > 3, "links were minted during the backups (%d)" % len(minted))

# A daemon on the last copy serves every one of its links with its target.
dest, got = copies[-1]
with Daemon(dest, os.path.join(tmp, "log2")) as d2:
    bad = []
    for line in got[::1 if len(got) < 400 else len(got) // 400]:
        f = line.split("\t")
        resp = d2.get("/" + f[0])
        if resp.status != int(f[4]) or resp.header("Location") != f[3]:
            bad.append((f[0], resp.status_line, resp.header("Location")))
    ok(not bad, "a daemon started on the copy serves its links with their targets", bad[:5])

# --- DEST refused --------------------------------------------------------------
full = os.path.join(tmp, "full")
os.mkdir(full)
open(os.path.join(full, "keep"), "w").write("x")
r = run([LINKCTL, "--db", db, "backup", full])
eq(r.returncode, 1, "backup into a directory that is not empty: exit 1")
ok("is not empty" in r.stderr and full in r.stderr, "... saying so", r.stderr)
eq(os.listdir(full), ["keep"], "... and leaving it as it was")
afile = os.path.join(tmp, "afile")
open(afile, "w").write("x")
r = run([LINKCTL, "--db", db, "backup", afile])
eq(r.returncode, 1, "backup onto a file: exit 1")
ok("not a directory" in r.stderr, "... saying so", r.stderr)
eq(open(afile).read(), "x", "... and the file as it was")
empty = os.path.join(tmp, "empty")
os.mkdir(empty)
alink = os.path.join(tmp, "alink")
os.symlink(empty, alink)
r = run([LINKCTL, "--db", db, "backup", alink])
eq(r.returncode, 1, "backup onto a symbolic link (to an empty directory): exit 1")
ok(os.path.islink(alink) and os.listdir(empty) == [], "... both left as they were")
r = run([LINKCTL, "--db", os.path.join(tmp, "nostore"), "backup",
         os.path.join(tmp, "nb")])
eq(r.returncode, 1, "backup of a directory without a store: exit 1")
ok(not os.path.exists(os.path.join(tmp, "nb")), "... and no DEST made")
r = run([LINKCTL, "--db", db, "backup"])
eq(r.returncode, 2, "backup without DEST: usage error")

# --- killed halfway ------------------------------------------------------------
if not STRACE:
    ok(False, "strace is installed (tools/deps.sh)")
else:
    parent = os.path.join(tmp, "killed")
    os.mkdir(parent)
    dest = os.path.join(parent, "db.k")
    # Each write of the copy a second late: LMDB's copy writes 1 MiB at
    # a time, so after the first the next waits a second, the kill lands
    # in between.
    p = subprocess.Popen([STRACE, "-f", "-o", "/dev/null", "-e", "trace=write",
                          "-e", "inject=write:delay_enter=1000000",
                          LINKCTL, "--db", db, "backup", dest],
                         stderr=subprocess.PIPE, text=True)

    def partial():
        tmps = [n for n in os.listdir(parent) if ".partial." in n]
        return tmps and os.path.exists(os.path.join(parent, tmps[0], "data.mdb")) \
            and os.path.getsize(os.path.join(parent, tmps[0], "data.mdb")) > 0
    started = wait_for(partial, 20)
    # SIGKILL the whole group: strace and linkctl under it.
    pids = [int(pid) for pid in subprocess.run(["pgrep", "-P", str(p.pid)],
                                               capture_output=True,
                                               text=True).stdout.split()]
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    p.kill()
    p.wait()
    # Gone, not a zombie still holding its pid (the next backup would take
    # its temporary for a live run's and leave it).
    wait_for(lambda: not any(os.path.exists("/proc/%d" % pid) for pid in pids), 10)
    ok(started, "the backup was killed in the middle of its copy")
    said = run([LINKCTL, "--db", db, "backup", os.path.join(tmp, "sz")]).stderr
    size = re.search(r": (\d+) bytes, ", said)
    ok(size and int(size.group(1)) > 2 << 20,
       "(the copy is over 2 MiB: more than one write of LMDB's)", said)
    ok(not os.path.exists(dest), "a backup killed halfway leaves nothing at DEST")
    left = os.listdir(parent)
    ok(all(n.startswith(".db.k.partial.") for n in left) and left,
       "... only its hidden temporary", left)
    r = run([LINKCTL, "--db", db, "backup", dest])
    eq(r.returncode, 0, "the next backup into the same directory: exit 0")
    ok("removed" in r.stderr and ".partial." in r.stderr,
       "... removing the killed one's temporary, saying so", r.stderr)
    eq(os.listdir(parent), ["db.k"], "... which is gone")
    eq(run([LINKCTL, "--db", dest, "verify"]).returncode, 0, "... and its copy verifies")

# --- verify names planted corruptions -------------------------------------------
r = run([LINKCTL, "--db", db, "verify"])
eq(r.returncode, 0, "verify of the live store: exit 0")
ok(r.stderr.count("\n") == 1 and "whole" in r.stderr, "... one line", r.stderr)

if not (MDB_DUMP and MDB_LOAD):
    ok(False, "mdb_dump and mdb_load are installed (lmdb-utils, tools/deps.sh)")
    done()
small = os.path.join(tmp, "small")
linkctl(small, "staff", "add", "ana", "--name", "Ana")
for c in ("aaa", "bbb", "ccc"):
    linkctl(small, "mint", "--staff", "ana", "--url", "https://example.org/" + c,
            "--code", c)
dump = run([MDB_DUMP, "-a", small]).stdout
eq(run([LINKCTL, "--db", small, "verify"]).returncode, 0, "a small store verifies")


def sections(text):
    """mdb_dump -a's text: [(header lines, [(key hex, value hex)])]."""
    out = []
    for part in text.split("VERSION=")[1:]:
        lines = ("VERSION=" + part).splitlines()
        head = [ln for ln in lines if not ln.startswith(" ")]
        data = [ln[1:] for ln in lines if ln.startswith(" ")]
        out.append((head, list(zip(data[0::2], data[1::2]))))
    return out


def planted(change, name):
    """A copy of small with change(db name, key bytes, value bytes) ->
    None (drop) or new value bytes applied; verify's result."""
    text = ""
    for head, pairs in sections(dump):
        dbname = [h.split("=", 1)[1] for h in head if h.startswith("database=")][0]
        body = ""
        for k, v in pairs:
            nv = change(dbname, bytes.fromhex(k), bytes.fromhex(v))
            if nv is not None:
                body += " %s\n %s\n" % (k, nv.hex())
        text += "\n".join(h for h in head if h != "DATA=END") + "\n" + body + "DATA=END\n"
    dest = os.path.join(tmp, "bad-" + name)
    os.mkdir(dest)
    r = run([MDB_LOAD, dest], input=text)
    if r.returncode:
        raise RuntimeError("mdb_load: " + r.stderr)
    return run([LINKCTL, "--db", dest, "verify"])


def keep(db_, k, v):
    return v


r = planted(keep, "none")
eq(r.returncode, 0, "the store dumped and loaded unchanged verifies (the method is sound)")
r = planted(lambda db_, k, v: v[:1] + b"\x07" + v[2:] if db_ == "links" and k == b"aaa"
            else v, "flags-ok")
eq((r.returncode, r.stderr.count("whole")), (0, 1),
   "a link disabled with its campaign and with click ids (flags 0x07) verifies")
cases = [
    ("link_by_id", lambda db_, k, v: None if db_ == "link_by_id" and k == b"\0\0\0\2" else v,
     "links 'bbb': id 2 has no link_by_id entry"),
    ("staff", lambda db_, k, v: v[:8] + b"\x09\0\0\0" + v[12:] if db_ == "links" and k == b"ccc" else v,
     "links 'ccc': its colleague, id 9, does not exist"),
    ("counter", lambda db_, k, v: b"\2\0\0\0" if db_ == "meta" and k == b"next_link" else v,
     "meta next_link: 2, below link id 3 in use"),
    ("decode", lambda db_, k, v: b"\1\0\0" if db_ == "links" and k == b"aaa" else v,
     "links 'aaa': the record (3 bytes) does not decode"),
    ("flags", lambda db_, k, v: v[:1] + b"\x0c" + v[2:] if db_ == "links" and k == b"bbb" else v,
     "links 'bbb': unknown flags 0x0c"),
]
for name, change, want in cases:
    r = planted(change, name)
    eq(r.returncode, 1, "verify of a store with a planted problem (%s): exit 1" % name)
    ok(want in r.stderr, "... naming it: %s" % want, r.stderr)
    ok("1 problem;" in r.stderr, "... one problem, counted", r.stderr)

# Many problems: the first 20 named, then how many more.
dump = run([MDB_DUMP, "-a", db]).stdout
nlinks = len(listing(db))
r = planted(lambda db_, k, v: None if db_ == "link_by_id" else v, "many")
eq(r.returncode, 1, "verify of a store without link_by_id: exit 1")
named = [ln for ln in r.stderr.splitlines() if "has no link_by_id entry" in ln]
eq(len(named), 20, "... the first 20 problems named")
ok("%d problems (%d more not shown)" % (nlinks, nlinks - 20) in r.stderr,
   "... then how many in all (%d) and how many more" % nlinks, r.stderr[-300:])

shutil.rmtree(tmp, ignore_errors=True)
done()
