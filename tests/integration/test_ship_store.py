"""redirectd-ship-store (conf/ship-store.sh), run for real: a primary
store that linkctl keeps writing, two nodes in local directories, each with
its own running redirectd under load, and a stand-in for ssh that runs the
node's side here (the script's --ssh), so the remote half is exercised as
it is written, not skipped.

Checked: the copy arrives whole and consistent (every import transaction
in it entirely or not at all, the same snapshot on every node, the store's
identity kept, the daemon reads it); each node's `db` link is switched to
it while its daemon serves (a link minted just before resolves; not one
request of the load fails); old copies are pruned to --keep, never the one
in use; runs back to back and at once each get their own copy, and one
that would switch a node back to an older copy refuses; a node's first
store is made by the same command, and its daemon (as an unprivileged user)
serves and follows it; and what must not switch does not: a node whose db
is not a symbolic link, one whose directory the daemon's user cannot
search, a copy damaged on the way (checksum), an owner that cannot be
given the copy, an unreachable node (the others are still shipped), a
store that does not open, and one that fails linkctl verify (no node
contacted).  The daemon's note when it cannot look into its store names
the directory and the command that mends it."""
import collections
import os
import pwd
import shutil
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import LINKCTL, SRC, done, eq, ok, run, tempdir  # noqa: E402
from daemon import Daemon, Reader, free_port, linkctl, wait_for  # noqa: E402

SCRIPT = os.path.join(SRC, "conf", "ship-store.sh")
BATCH = 40                      # links per import transaction
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"

tmp = tempdir("rdshipstore-")
primary = os.path.join(tmp, "primary")
linkctl(primary, "staff", "add", "ana", "--name", "Ana")
linkctl(primary, "mint", "--staff", "ana", "--url", "https://example.org/stay",
        "--code", "stay")

# The ssh stand-in: runs the command here, as ssh would on the node.  Node
# "down" is unreachable; node "lossy" loses the end of the copy on the way.
fake_ssh = os.path.join(tmp, "fake-ssh")
with open(fake_ssh, "w") as f:
    f.write("""#!/bin/sh
host=$1; shift
echo "$host" >>"%s/ssh.log"
case $host in
down) echo "ssh: connect to host down port 22: Connection refused" >&2; exit 255 ;;
lossy) head -c 4096 | sh -c "$*" ;;
gated) while [ ! -e "%s/gate" ]; do sleep 0.05; done; exec sh -c "$*" ;;
*) exec sh -c "$*" ;;
esac
""" % (tmp, tmp))
os.chmod(fake_ssh, 0o755)
ME = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()


MDB_DUMP, MDB_LOAD = shutil.which("mdb_dump"), shutil.which("mdb_load")


def ship_args(*nodes, opts=(), db=None, owner=None):
    return ["sh", SCRIPT, "--db", db or primary, "--owner", owner or ME, "--ssh", fake_ssh,
            "--linkctl", LINKCTL] + list(opts) + list(nodes)


def ship(*nodes, **kw):
    return run(ship_args(*nodes, **kw), timeout=120)


def ship_bg(*nodes, **kw):
    return subprocess.Popen(ship_args(*nodes, **kw), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(p):
    out, err = p.communicate(timeout=120)
    return subprocess.CompletedProcess(p.args, p.returncode, out, err)


def ssh_calls():
    with open(os.path.join(tmp, "ssh.log")) as f:
        return f.read().split()


def half_made(d):
    return [n for n in os.listdir(d) if n.endswith((".part", ".link")) or n == "db.new"]


def store_id(db):
    """The identity in meta "id", read with mdb_dump (not with our code)."""
    lines = [x.strip() for x in run([MDB_DUMP, "-s", "meta", db]).stdout.splitlines()]
    body = lines[lines.index("HEADER=END") + 1:]
    return dict(zip(body[0::2], body[1::2])).get("6964")     # "id"


def node_dir(name):
    return os.path.join(tmp, name)


def copies(d):
    return sorted(n for n in os.listdir(d) if n.startswith("db.") and n != "db.initial")


def links(db):
    """code -> campaign of every link in a store, read by linkctl."""
    r = linkctl(db, "list", "--format", "tsv")
    rows = [line.split("\t") for line in r.stdout.splitlines()[1:]]
    return {row[0]: row[2] for row in rows}


def get(port, code, close=True):
    s = socket.create_connection(("127.0.0.1", port), 5)
    try:
        s.sendall(("GET /%s HTTP/1.1\r\nHost: go.example.org\r\nUser-Agent: %s\r\n%s\r\n"
                   % (code, UA, "Connection: close\r\n" if close else "")).encode())
        return Reader(s).response()
    finally:
        s.close()


# --- usage ---------------------------------------------------------------------
r = run(["sh", SCRIPT, "--help"])
ok(r.returncode == 0 and r.stdout.startswith("usage: redirectd-ship-store "),
   "--help: usage on stdout, exit 0", r.stdout + r.stderr)
for args, what in ((["--db", primary], "no node"), (["--keep", "0", "web1"], "--keep 0"),
                   (["--bogus", "web1"], "an unknown option"),
                   (["web1:relative/dir"], "a relative directory"),
                   (["web1:/a dir"], "a directory that needs quoting")):
    r = run(["sh", SCRIPT] + args)
    ok(r.returncode == 2 and "usage:" in r.stderr, "%s is a usage error (exit 2)" % what,
       "exit %d: %s" % (r.returncode, r.stderr))

# --- the nodes: a db link to a first copy, as redirectd-ship-store(8) says -------
mdb_copy = "mdb_copy"
for name in ("web1", "web2"):
    d = node_dir(name)
    os.makedirs(os.path.join(d, "db.initial"))
    r = run([mdb_copy, "-c", primary, os.path.join(d, "db.initial")])
    ok(r.returncode == 0, "%s: a first copy with mdb_copy -c" % name, r.stderr)
    os.symlink("db.initial", os.path.join(d, "db"))

# A node still on a plain directory is refused before anything is written.
plain = node_dir("plain")
os.makedirs(os.path.join(plain, "db"))
run([mdb_copy, "-c", primary, os.path.join(plain, "db")])
r = ship("plain:" + plain)
ok(r.returncode == 1 and "not a symbolic link" in r.stderr
   and "mv db db.initial && ln -s db.initial db" in r.stderr,
   "a node whose db is a directory: refused, saying how to convert it (exit 1)", r.stderr)
ok(os.path.isdir(os.path.join(plain, "db")) and not os.path.islink(os.path.join(plain, "db"))
   and copies(plain) == [], "... and left as it was, no copy beside it", os.listdir(plain))


# --- daemons under load ---------------------------------------------------------
# Load: keep-alive and one-request-per-connection clients asking each daemon
# for `stay`, a link in every copy, until stopped: every answer must be 302.
stop_load = threading.Event()
answered = collections.Counter()
failures = []
lock = threading.Lock()


def client(port, keepalive):
    s = reader = None
    while not stop_load.is_set():
        try:
            if not keepalive:
                resp = get(port, "stay")
            else:
                if s is None:
                    s = socket.create_connection(("127.0.0.1", port), 5)
                    reader = Reader(s)
                s.sendall(("GET /stay HTTP/1.1\r\nHost: go.example.org\r\n"
                           "User-Agent: %s\r\n\r\n" % UA).encode())
                resp = reader.response()
        except OSError as e:
            resp = e
        good = getattr(resp, "status", None) == 302
        with lock:
            if good:
                answered[port] += 1
            else:
                failures.append((port, keepalive, repr(resp)))
        if keepalive and not good and s is not None:
            s.close()
            s = None
    if s is not None:
        s.close()


# The writer: linkctl imports batches of BATCH links into the primary,
# campaign bK for batch K, one transaction each, while the store is shipped.
batches = [0]
stop_writer = threading.Event()


def import_batch():
    batches[0] += 1
    k = batches[0]
    rows = "".join("\tana\tb%d\thttps://example.org/b%d/%d\n" % (k, k, i)
                   for i in range(BATCH))
    r = run([LINKCTL, "--db", primary, "import", "-"], input=rows)
    if r.returncode:
        raise RuntimeError("linkctl import: " + r.stderr)


def writer():
    while not stop_writer.is_set():
        import_batch()


def whole_batches(found, name):
    """Every campaign in a copy holds all BATCH of its links, and the
    campaigns are b1..bK: the copy is one moment of the primary."""
    per = collections.Counter(c for c in found.values() if c.startswith("b"))
    ks = sorted(int(c[1:]) for c in per)
    return ok(ks == list(range(1, len(ks) + 1)) and all(n == BATCH for n in per.values()),
              "%s: every import transaction in the copy whole (%d batches of %d)"
              % (name, len(ks), BATCH), dict(per))


daemons = {}
for name in ("web1", "web2"):
    d = node_dir(name)
    daemons[name] = Daemon(os.path.join(d, "db"), os.path.join(d, "log"), threads=2,
                           extra=["--admin-listen", "127.0.0.1:%d" % free_port()])
ports = [dm.port for dm in daemons.values()]
for name, dm in daemons.items():
    eq(get(dm.port, "stay").status, 302, "%s serves its first copy" % name)

load = [threading.Thread(target=client, args=(p, ka), daemon=True)
        for p in ports for ka in (True, False)]
for t in load:
    t.start()
import_batch()
import_batch()
linkctl(primary, "mint", "--staff", "ana", "--url", "https://example.org/fresh",
        "--code", "fresh")
for name, dm in daemons.items():
    eq(get(dm.port, "fresh").status, 404, "%s: a link minted after its copy is 404" % name)

# --- ship while linkctl writes and the daemons serve ------------------------------
writing = threading.Thread(target=writer, daemon=True)
writing.start()
time.sleep(0.3)
r = ship("web1:" + node_dir("web1"), "web2:" + node_dir("web2"))
stop_writer.set()
writing.join(60)
ok(r.returncode == 0, "shipped to both nodes, exit 0", r.stdout + r.stderr)
targets = {}
for name, dm in daemons.items():
    d = node_dir(name)
    link = os.readlink(os.path.join(d, "db"))
    targets[name] = link
    ok(link.startswith("db.2") and link.endswith("Z") and os.path.isdir(os.path.join(d, link)),
       "%s: db now points at a new directory (%s)" % (name, link))
    ok("%s: %s/db -> %s" % (name, d, link) in r.stdout, "%s: the script says so" % name,
       r.stdout)
    ok(wait_for(lambda: get(dm.port, "fresh").status == 302),
       "%s: the daemon serves the new copy (fresh: 302)" % name, dm.errors())
    ok("swapped" in dm.errors(), "%s: the daemon logged the swap" % name, dm.errors())
    eq(os.stat(os.path.join(d, link)).st_uid, os.getuid(),
       "%s: the copy belongs to --owner" % name)
    eq(half_made(d), [], "%s: nothing half-made left behind" % name)
eq(targets["web1"], targets["web2"], "both nodes got the same copy (one snapshot)")
got = {name: links(os.path.join(node_dir(name), "db")) for name in daemons}
eq(got["web1"], got["web2"], "the two nodes' stores hold the same links")
whole_batches(got["web1"], "web1")
ok("fresh" in got["web1"] and "stay" in got["web1"], "the copy has the links written before it")
r = run(["mdb_stat", "-f", os.path.join(node_dir("web1"), "db")])
ok(r.returncode == 0 and "Free pages: 0\n" in r.stdout,
   "mdb_stat reads the copy, compacted as linkctl backup makes it (an empty freelist)",
   r.stdout + r.stderr)
if MDB_DUMP:
    ok(store_id(primary) and store_id(os.path.join(node_dir("web1"), "db")) == store_id(primary),
       "the node's copy is the same store: the primary's identity kept")

# --- again: old copies pruned to --keep, the one in use never -----------------------
for i in (2, 3):
    linkctl(primary, "mint", "--staff", "ana", "--url", "https://example.org/n%d" % i,
            "--code", "n%d" % i)
    r = ship("web1:" + node_dir("web1"), "web2:" + node_dir("web2"))
    ok(r.returncode == 0, "run %d: exit 0" % i, r.stderr)
    for name, dm in daemons.items():
        ok(wait_for(lambda: get(dm.port, "n%d" % i).status == 302),
           "run %d: %s serves the link minted before it" % (i, name))
for name in daemons:
    d = node_dir(name)
    cs = copies(d)
    eq(len(cs), 2, "%s: --keep 2 (the default): two copies left" % name)
    eq(os.readlink(os.path.join(d, "db")), cs[-1], "%s: db points at the newest" % name)
    ok(os.path.isdir(os.path.join(d, "db.initial")), "%s: db.initial is not the script's to remove"
       % name)
r = ship("web1:" + node_dir("web1"), opts=["--keep", "1"])
ok(r.returncode == 0 and copies(node_dir("web1")) == [os.readlink(os.path.join(
   node_dir("web1"), "db"))], "--keep 1: only the copy in use is left",
   copies(node_dir("web1")))

# --- two runs in one second: each its own copy, or a refusal -------------------------
w1, w2 = node_dir("web1"), node_dir("web2")


def stamp_of(r):
    return r.stdout.strip().split(" -> ")[-1]


def whole_store(d, what):
    r = run([LINKCTL, "--db", os.path.join(d, "db"), "verify"])
    ok(r.returncode == 0, "%s: db is a whole store (linkctl verify)" % what, r.stderr)


r1 = ship("web1:" + w1)
r2 = ship("web1:" + w1)
ok(r1.returncode == 0 and r2.returncode == 0 and stamp_of(r1) != stamp_of(r2),
   "two runs back to back: both exit 0, each its own copy (%s, %s)"
   % (stamp_of(r1), stamp_of(r2)), r1.stdout + r1.stderr + r2.stdout + r2.stderr)
eq(os.readlink(os.path.join(w1, "db")), stamp_of(r2), "... db points at the second's")
whole_store(w1, "back to back")

rs = [finish(p) for p in [ship_bg("web1:" + w1) for _ in range(2)]]
good = [x for x in rs if x.returncode == 0]
refused = [x for x in rs if x.returncode != 0]
ok(good and all(x.returncode == 1 and "newer copy" in x.stderr for x in refused),
   "two runs at once: %d exit 0, %d refused (switching back to an older copy)"
   % (len(good), len(refused)), [(x.returncode, x.stdout, x.stderr) for x in rs])
stamps = [stamp_of(x) for x in good]
eq(len(set(stamps)), len(stamps), "... each its own copy")
eq(os.readlink(os.path.join(w1, "db")), max(stamps), "... db points at the newest")
whole_store(w1, "at once")
eq(half_made(w1), [], "... nothing half-made left behind")
ok(len(copies(w1)) <= 2, "... and --keep held", copies(w1))

# A run that took its copy first and reaches the node last (its ssh held
# until another run has switched) must not switch the node back.
gate = os.path.join(tmp, "gate")
slow = ship_bg("gated:" + w2)
ok(wait_for(lambda: "gated" in ssh_calls(), timeout=60),
   "a first run took its copy and is on its way to web2")
linkctl(primary, "mint", "--staff", "ana", "--url", "https://example.org/racer",
        "--code", "racer")
r = ship("web2:" + w2)
ok(r.returncode == 0, "a second run, started later, switched web2 first", r.stderr)
with open(gate, "w"):
    pass
rs = finish(slow)
ok(rs.returncode == 1 and "already points at a newer copy (%s)" % stamp_of(r) in rs.stderr
   and "not switched back" in rs.stderr,
   "the first run, arriving last with the older copy: refused (exit 1)", rs.stdout + rs.stderr)
eq(os.readlink(os.path.join(w2, "db")), stamp_of(r), "... web2 stays on the newer copy")
ok(wait_for(lambda: get(daemons["web2"].port, "racer").status == 302),
   "... which its daemon serves")
eq(half_made(w2), [], "... and the older copy is not left half-made")
os.unlink(gate)

# --- which linkctl -----------------------------------------------------------------
SYSPATH = "/usr/bin:/bin"


def ship_env(env, *nodes):
    return run(["env", "-i"] + ["%s=%s" % kv for kv in env.items()]
               + ["/bin/sh", SCRIPT, "--db", primary, "--owner", ME, "--ssh", fake_ssh]
               + list(nodes), timeout=120)


r = ship_env({"PATH": os.path.dirname(os.path.abspath(LINKCTL)) + ":" + SYSPATH}, "web1:" + w1)
ok(r.returncode == 0, "without --linkctl: the linkctl on PATH", r.stderr)
r = ship_env({"PATH": SYSPATH, "REDIRECTD_LINKCTL": LINKCTL}, "web1:" + w1)
ok(r.returncode == 0, "... or $REDIRECTD_LINKCTL", r.stderr)
if not (shutil.which("linkctl", path=SYSPATH) or os.path.exists("/usr/bin/linkctl")):
    n = len(ssh_calls())
    r = ship_env({"PATH": SYSPATH}, "web1:" + w1)
    ok(r.returncode == 1 and "linkctl not found" in r.stderr and "--linkctl" in r.stderr,
       "no linkctl anywhere: exit 1, saying to give --linkctl", r.stderr)
    eq(len(ssh_calls()), n, "... and no node contacted")

# --- what must not switch -------------------------------------------------------
before = {name: os.readlink(os.path.join(node_dir(name), "db")) for name in daemons}
r = ship("lossy:" + node_dir("web2"))
ok(r.returncode == 1 and "damaged" in r.stderr and "lossy" in r.stderr,
   "a copy cut short on the way: refused by its checksum (exit 1)", r.stderr)
eq(os.readlink(os.path.join(node_dir("web2"), "db")), before["web2"], "... the link unchanged")
eq([n for n in os.listdir(node_dir("web2")) if n.endswith(".part")], [],
   "... and the partial copy removed")

r = ship("web2:" + node_dir("web2"), owner="no-such-user-here")
ok(r.returncode == 1, "an owner the copy cannot be given: exit 1", r.stderr)
eq(os.readlink(os.path.join(node_dir("web2"), "db")), before["web2"],
   "... the link unchanged (chown comes before the switch)")

linkctl(primary, "mint", "--staff", "ana", "--url", "https://example.org/late",
        "--code", "late")
r = ship("down", "web1:" + node_dir("web1"))
ok(r.returncode == 1 and "down" in r.stderr and "not swapped" in r.stderr,
   "an unreachable node: exit 1, named", r.stderr)
ok(os.readlink(os.path.join(node_dir("web1"), "db")) != before["web1"]
   and wait_for(lambda: get(daemons["web1"].port, "late").status == 302),
   "... and the next node is shipped all the same")

before = {name: os.readlink(os.path.join(node_dir(name), "db")) for name in daemons}
n = len(ssh_calls())
r = ship("web1:" + node_dir("web1"), db=os.path.join(tmp, "nothing"))
ok(r.returncode == 1 and "nothing shipped" in r.stderr, "a store that does not open: exit 1",
   r.stderr)
eq(len(ssh_calls()), n, "... without a connection to any node")

# A store that opens but fails linkctl verify (link_by_id lacks link 2's
# entry, planted as test_backup.py does): shipped nowhere.
if not (MDB_DUMP and MDB_LOAD):
    ok(False, "mdb_dump and mdb_load are installed (lmdb-utils, tools/deps.sh)")
else:
    src, bad = os.path.join(tmp, "bad-src"), os.path.join(tmp, "bad")
    linkctl(src, "staff", "add", "ana", "--name", "Ana")
    for c in ("aaa", "bbb", "ccc"):
        linkctl(src, "mint", "--staff", "ana", "--url", "https://example.org/" + c,
                "--code", c)
    dump, out, section = run([MDB_DUMP, "-a", src]).stdout.splitlines(), [], None
    for i, ln in enumerate(dump):
        section = ln.split("=", 1)[1] if ln.startswith("database=") else section
        if section == "link_by_id" and (ln == " 00000002" or dump[i - 1] == " 00000002"):
            continue
        out.append(ln)
    os.mkdir(bad)
    eq(run([MDB_LOAD, bad], input="\n".join(out) + "\n").returncode, 0,
       "a store with a damaged index, loaded")
    eq(run([LINKCTL, "--db", bad, "verify"]).returncode, 1, "... which linkctl verify refuses")
    r = ship("web1:" + node_dir("web1"), "web2:" + node_dir("web2"), db=bad)
    said = [ln for ln in r.stderr.splitlines() if ln.startswith("redirectd-ship-store: ")]
    ok(r.returncode == 1 and len(said) == 1 and "fails linkctl verify (links 'bbb': id 2 "
       "has no link_by_id entry; 1 problem in all)" in said[0] and "nothing shipped" in said[0],
       "a store that fails verification: exit 1, naming what verify found", r.stderr)
    eq(len(ssh_calls()), n, "... without a connection to any node")
    eq({name: os.readlink(os.path.join(node_dir(name), "db")) for name in daemons}, before,
       "... every node's db unchanged")

# --- the load saw every request answered -----------------------------------------
stop_load.set()
for t in load:
    t.join(30)
ok(not failures, "no request failed while the store was shipped (%s answered)"
   % dict(answered), failures[:5])
ok(all(answered[p] > 50 for p in ports), "both daemons served throughout", dict(answered))
for name, dm in daemons.items():
    dm.stop()
    errs = dm.errors()
    ok("store_errors=0 " in errs and "cannot" not in errs and "refus" not in errs,
       "%s: no store error, no swap refused" % name, errs)

# --- a node's first store, made by the same command ------------------------------
# As root, the node's daemon runs as nobody: the copy must be nobody's, and
# every directory above it searchable by nobody, even when the node's
# umask is 077 (as the fake ssh passes it on here).
ROOT = os.geteuid() == 0
try:
    DUSER = pwd.getpwnam("nobody") if ROOT else pwd.getpwuid(os.getuid())
except KeyError:
    DUSER = pwd.getpwuid(os.getuid())
fresh = tempdir("rdshipfirst-")
os.chmod(fresh, 0o755)
first = os.path.join(fresh, "srv", "redirectd")
r = run(["sh", "-c", 'umask 077 && exec "$@"', "sh"]
        + ship_args("web3:" + first, owner=DUSER.pw_name), timeout=120)
ok(r.returncode == 0, "a node without DIR: shipped, exit 0", r.stdout + r.stderr)
link = os.readlink(os.path.join(first, "db")) if os.path.islink(os.path.join(first, "db")) else ""
ok(link.startswith("db.") and "web3: %s/db -> %s" % (first, link) in r.stdout,
   "... DIR made, db a symbolic link to the copy (%s)" % link, os.listdir(fresh))
for p_ in (os.path.join(fresh, "srv"), first):
    eq(oct(os.stat(p_).st_mode & 0o777), "0o755",
       "%s made searchable by all (umask 077 on the node)" % p_)
st = os.stat(os.path.join(first, link))
eq((st.st_uid, oct(st.st_mode & 0o777)), (DUSER.pw_uid, "0o750"),
   "the copy's directory: %s's, mode 0750 (it creates lock.mdb there)" % DUSER.pw_name)
st = os.stat(os.path.join(first, link, "data.mdb"))
eq((st.st_uid, oct(st.st_mode & 0o777)), (DUSER.pw_uid, "0o640"), "data.mdb: the same, 0640")

ADMIN = ["--admin-listen", "127.0.0.1:%d" % free_port()]
conf = os.path.join(fresh, "redirectd.conf")
with open(conf, "w") as f:
    f.write("user = nobody\n" if ROOT else "")
with Daemon(os.path.join(first, "db"), os.path.join(fresh, "log"), conf=conf,
            extra=ADMIN) as dm:
    eq(get(dm.port, "stay").status, 302, "the node's daemon serves its first store")
    linkctl(primary, "mint", "--staff", "ana", "--url", "https://example.org/second",
            "--code", "second")
    r = ship("web3:" + first, owner=DUSER.pw_name)
    ok(r.returncode == 0, "shipped again", r.stderr)
    ok(wait_for(lambda: get(dm.port, "second").status == 302),
       "... and the daemon, as %s, followed the switch" % DUSER.pw_name, dm.errors())
    errs = dm.errors()
ok("will not be followed" not in errs and "swapped" in errs,
   "... without a note that swaps will not be followed", errs)

if ROOT:
    # DIR below a directory nobody cannot search: the daemon could never
    # open the copy, so it is not switched to; the message says what to do.
    private = os.path.join(fresh, "private")
    os.mkdir(private, 0o700)
    hid = os.path.join(private, "node")
    os.makedirs(os.path.join(hid, "db.initial"))
    run(["mdb_copy", "-c", primary, os.path.join(hid, "db.initial")])
    os.symlink("db.initial", os.path.join(hid, "db"))
    r = ship("web4:" + hid, owner="nobody")
    ok(r.returncode == 1 and "nobody cannot search %s" % private in r.stderr
       and "chmod o+x %s" % private in r.stderr,
       "DIR under a directory the daemon's user cannot search: refused, naming it and "
       "the fix (exit 1)", r.stderr)
    eq((os.readlink(os.path.join(hid, "db")), copies(hid), half_made(hid)),
       ("db.initial", [], []), "... db unchanged, nothing left beside it")

    # A daemon that runs as nobody on that store serves it, and its note
    # names the directory it cannot search and the command that mends it.
    with Daemon(os.path.join(hid, "db"), os.path.join(fresh, "log2"), conf=conf,
                extra=ADMIN) as dm:
        eq(get(dm.port, "stay").status, 302, "a daemon as nobody on it serves")
        ok(wait_for(lambda: "will not be followed" in dm.errors()),
           "... with a note that swaps will not be followed", dm.errors())
        ok("nobody cannot search %s" % private in dm.errors()
           and "chmod o+x %s" % private in dm.errors(),
           "... naming the directory and the command that mends it", dm.errors())

    # The store's own directory root's (as linkctl run as root leaves it).
    own = os.path.join(fresh, "own")
    os.makedirs(os.path.join(own, "db.initial"))
    os.chmod(os.path.join(own, "db.initial"), 0o700)
    run(["mdb_copy", "-c", primary, os.path.join(own, "db.initial")])
    os.symlink("db.initial", os.path.join(own, "db"))
    with Daemon(os.path.join(own, "db"), os.path.join(fresh, "log3"), conf=conf,
                extra=ADMIN) as dm:
        eq(get(dm.port, "stay").status, 302, "a daemon as nobody on a store only root reads")
        ok(wait_for(lambda: "will not be followed" in dm.errors()),
           "... notes that swaps will not be followed", dm.errors())
        ok("chown -R nobody: %s/db/" % own in dm.errors(),
           "... and says to give the store's directory to nobody", dm.errors())
shutil.rmtree(fresh, ignore_errors=True)
shutil.rmtree(tmp, ignore_errors=True)
done()
