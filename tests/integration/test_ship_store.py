"""redirectd-ship-store (conf/ship-store.sh), run for real: a primary
store that linkctl keeps writing, two nodes in local directories, each with
its own running redirectd under load, and a stand-in for ssh that runs the
node's side here (the script's --ssh), so the remote half is exercised as
it is written, not skipped.

Checked: the copy arrives whole and consistent (every import transaction
in it entirely or not at all, the same snapshot on every node, the daemon
reads it); each node's `db` link is switched to it while its daemon serves
(a link minted just before resolves; not one request of the load fails);
old copies are pruned to --keep, never the one in use; and what must not
switch does not: a node whose db is not a symbolic link, a copy damaged on
the way (checksum), an owner that cannot be given the copy, an unreachable
node (the others are still shipped), a store that does not open."""
import collections
import os
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
*) exec sh -c "$*" ;;
esac
""" % tmp)
os.chmod(fake_ssh, 0o755)
ME = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()


def ship(*nodes, opts=()):
    return run(["sh", SCRIPT, "--db", primary, "--owner", ME, "--ssh", fake_ssh]
               + list(opts) + list(nodes), timeout=120)


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
    eq([n for n in os.listdir(d) if n.endswith(".part") or n == "db.new"], [],
       "%s: nothing half-made left behind" % name)
eq(targets["web1"], targets["web2"], "both nodes got the same copy (one snapshot)")
got = {name: links(os.path.join(node_dir(name), "db")) for name in daemons}
eq(got["web1"], got["web2"], "the two nodes' stores hold the same links")
whole_batches(got["web1"], "web1")
ok("fresh" in got["web1"] and "stay" in got["web1"], "the copy has the links written before it")
r = run(["mdb_stat", "-f", os.path.join(node_dir("web1"), "db")])
ok(r.returncode == 0 and "Free pages: 0\n" in r.stdout,
   "mdb_stat reads the copy, compacted as mdb_copy -c makes it (an empty freelist)",
   r.stdout + r.stderr)

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

# --- what must not switch -------------------------------------------------------
before = {name: os.readlink(os.path.join(node_dir(name), "db")) for name in daemons}
r = ship("lossy:" + node_dir("web2"))
ok(r.returncode == 1 and "damaged" in r.stderr and "lossy" in r.stderr,
   "a copy cut short on the way: refused by its checksum (exit 1)", r.stderr)
eq(os.readlink(os.path.join(node_dir("web2"), "db")), before["web2"], "... the link unchanged")
eq([n for n in os.listdir(node_dir("web2")) if n.endswith(".part")], [],
   "... and the partial copy removed")

r = run(["sh", SCRIPT, "--db", primary, "--owner", "no-such-user-here", "--ssh", fake_ssh,
         "web2:" + node_dir("web2")])
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

r = run(["sh", SCRIPT, "--db", os.path.join(tmp, "nothing"), "--ssh", fake_ssh,
         "web1:" + node_dir("web1")])
ok(r.returncode == 1 and "nothing shipped" in r.stderr, "a store that does not open: exit 1",
   r.stderr)
with open(os.path.join(tmp, "ssh.log")) as f:
    calls = f.read().split()
eq(calls.count("web1"), 5, "... without a connection to any node (web1 reached 5 times in all)")

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
done()
