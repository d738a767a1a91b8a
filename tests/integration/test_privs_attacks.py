"""Start-up as root against what the daemon's user could have left behind
(issue 15): redirectd starts as root with user = nobody, in directories
nobody could write on an earlier run, and must neither give away, delete
nor truncate anything it did not make.

  - log_dir or state_dir swapped for a symbolic link (in /var/lib/redirectd
    owned by the user: the common layout) to a root directory holding a
    copy of shadow and sudoers: refused, with the path named; the files
    stay root's and unchanged.  A path through a planted link further up
    is refused too; a link root made where only root can write is
    followed, and the plain layout (the user's parent, real log/ and
    state/ inside) works.
  - state_dir pointed at a shared directory (root's, or mode 1777):
    refused when privileges are to be dropped; without `user`, the salt's
    clean-up deletes only the day files it makes.
  - a link planted in log_dir under a segment's name, pointing at a torn
    segment outside: not truncated; nor another user's file there; the
    user's own torn segment is still repaired.
  - the store's lock.mdb (which LMDB opens read-write) a link planted in a
    store directory the user can write: refused, the file behind untouched.

Skipped (TAP) unless run as root: CI runs as root.
"""
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import REDIRECTD, done, eq, mkseg, ok, tempdir  # noqa: E402
from daemon import as_root_with_nobody, free_port, linkctl, wait_for  # noqa: E402

UID, GID = as_root_with_nobody()
OTHER = 54321                 # a uid that is neither root nor nobody

tmp = tempdir()
os.chmod(tmp, 0o755)          # nobody must reach what is under it
db = os.path.join(tmp, "db")
linkctl(db, "staff", "add", "ana", "--name", "Ana")
conf = os.path.join(tmp, "redirectd.conf")
with open(conf, "w") as f:
    f.write("user = nobody\n")
n_start = 0


def start(log_dir, state_dir, user=True):
    """redirectd as root (user = nobody unless user is False) on log_dir and
    state_dir: (exit code, stderr).  A daemon that starts is stopped with
    SIGTERM once it says it runs as nobody (or listens)."""
    return start_db(db, log_dir, state_dir, user)


def start_db(db, log_dir, state_dir, user=True):
    """start(), with the store db."""
    global n_start
    n_start += 1
    args = [REDIRECTD, "--listen", "127.0.0.1:%d" % free_port(), "--db", db,
            "--log-dir", log_dir, "--state-dir", state_dir, "--threads", "1",
            "--node", "test", "--admin-listen", "off"]
    if user:
        args[1:1] = ["-c", conf]
    err = os.path.join(tmp, "start-%d.err" % n_start)
    with open(err, "w") as e:
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=e)
    def said():
        with open(err) as e:
            return e.read()
    wait_for(lambda: p.poll() is not None or " listening on " in said(), 20)
    if p.poll() is None:
        p.terminate()
    rc = p.wait(20)
    return rc, said()


def snapshot(path):
    """Everything about a directory tree that an attack could change:
    each entry's name, type, owner, group, mode and contents."""
    out = {}
    for root, dirs, files in os.walk(path):
        for n in [""] + dirs + files:
            p = os.path.join(root, n) if n else root
            st = os.lstat(p)
            body = None
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    body = hashlib.sha256(f.read()).hexdigest()[:16]
            elif stat.S_ISLNK(st.st_mode):
                body = os.readlink(p)
            out[os.path.relpath(p, path)] = (stat.S_IFMT(st.st_mode), st.st_uid,
                                             st.st_gid, stat.S_IMODE(st.st_mode),
                                             body)
    return out


def victim(name):
    """A root directory with root files worth stealing: a copy of shadow
    (0640) and sudoers (0440)."""
    d = os.path.join(tmp, name)
    os.mkdir(d, 0o755)
    for fname, mode in (("shadow", 0o640), ("sudoers", 0o440)):
        p = os.path.join(d, fname)
        with open(p, "w") as f:
            f.write("root:$6$secret:19000:0:99999:7:::\n")
        os.chmod(p, mode)
    return d


def user_dir(path):
    """A directory as the daemon's user left it (nobody's, 0755): what
    /var/lib/redirectd is in the common layout."""
    os.mkdir(path, 0o755)
    os.chown(path, UID, GID)
    return path


def plant(target, link):
    """A symbolic link as the daemon's user would make it."""
    os.symlink(target, link)
    os.lchown(link, UID, GID)


# --- 1. log and state swapped for links, in the user's /var/lib/redirectd --
for which in ("log", "state"):
    base = user_dir(os.path.join(tmp, "varlib-" + which))
    vic = victim("victim-" + which)
    before = snapshot(vic)
    os.mkdir(os.path.join(base, "log" if which == "state" else "state"))
    plant(vic, os.path.join(base, which))
    rc, err = start(os.path.join(base, "log"), os.path.join(base, "state"))
    ok(rc == 1 and os.path.join(base, which) in err and "symbolic link" in err,
       "%s_dir a link planted in the user's directory: start-up refused, "
       "naming it" % which, "exit %s\n%s" % (rc, err))
    eq(snapshot(vic), before,
       "%s_dir -> a root directory: its shadow and sudoers stay root's and "
       "unchanged, nothing added" % which)

# A link further up the path, in the user's directory.
base = user_dir(os.path.join(tmp, "varlib-up"))
vic = os.path.join(tmp, "victim-up")
os.mkdir(vic, 0o755)
victim(os.path.join("victim-up", "log"))
os.mkdir(os.path.join(vic, "state"), 0o700)
before = snapshot(vic)
plant(vic, os.path.join(base, "data"))
rc, err = start(os.path.join(base, "data", "log"),
                os.path.join(base, "data", "state"))
ok(rc == 1 and os.path.join(base, "data") in err and "symbolic link" in err,
   "a link planted further up the path: start-up refused, naming it",
   "exit %s\n%s" % (rc, err))
eq(snapshot(vic), before, "and the directories behind it are untouched")

# The common layout itself works: the user's directory, log/ and state/ in
# it as real directories (new, or left by the last run).
base = user_dir(os.path.join(tmp, "varlib-ok"))
for _ in range(2):
    rc, err = start(os.path.join(base, "log"), os.path.join(base, "state"))
    ok(rc == 0 and "running as user nobody" in err,
       "the user's /var/lib/redirectd with real log/ and state/: starts and "
       "drops to nobody", "exit %s\n%s" % (rc, err))
eq([os.stat(os.path.join(base, d)).st_uid for d in ("log", "state")],
   [UID, UID], "log/ and state/ are the user's")

# A link root made where only root can write is root's choice: followed.
rootonly = os.path.join(tmp, "rootonly")
os.mkdir(rootonly, 0o755)
real = os.path.join(tmp, "real-ok")
os.mkdir(real, 0o755)
os.symlink(real, os.path.join(rootonly, "data"))
rc, err = start(os.path.join(rootonly, "data", "log"),
                os.path.join(rootonly, "data", "state"))
ok(rc == 0 and "running as user nobody" in err
   and os.stat(os.path.join(real, "log")).st_uid == UID,
   "a link in a directory only root can write is followed", "exit %s\n%s" % (rc, err))

# --- 2. state_dir pointed at a shared directory ------------------------------
shared = victim("shared")
for fname in ("visitor-salt.keep", "visitor-salt.2001-01-01"):
    with open(os.path.join(shared, fname), "w") as f:
        f.write("not redirectd's\n")
before = snapshot(shared)
rc, err = start(os.path.join(tmp, "log-shared"), shared)
ok(rc == 1 and shared in err and "did not make" in err,
   "state_dir = root's shared directory, user = nobody: refused, naming it",
   "exit %s\n%s" % (rc, err))
eq(snapshot(shared), before,
   "nothing in it given away or deleted (visitor-salt.* files included)")

sticky = os.path.join(tmp, "sticky")
os.mkdir(sticky)
os.chmod(sticky, 0o1777)
with open(os.path.join(sticky, "visitor-salt.2001-01-01"), "w") as f:
    f.write("someone else's\n")
os.chown(os.path.join(sticky, "visitor-salt.2001-01-01"), OTHER, OTHER)
before = snapshot(sticky)
rc, err = start(os.path.join(tmp, "log-sticky"), sticky)
ok(rc == 1 and sticky in err and "every user" in err,
   "state_dir = a directory every user can write (1777): refused",
   "exit %s\n%s" % (rc, err))
eq(snapshot(sticky), before, "and left as it was")

# Without `user` (root stays root): the clean-up deletes only the day files
# the daemon makes, and only its own.
shared2 = victim("shared2")
# The week and month names (visitor_period) too: another user's files
# under them stay, and so do names that only look like them.
OTHERS = ("visitor-salt.2001-01-01", "visitor-salt.2001-W01", "visitor-salt.2001-01")
for fname in ("visitor-salt.keep", "visitor-salt.notes.txt", "visitor-salt.2001-W1",
              "visitor-salt.2001-W01x", "visitor-salt.2001-1", ".visitor-salt.2001-W01",
              "visitor-salt.2001-01-1") + OTHERS:
    with open(os.path.join(shared2, fname), "w") as f:
        f.write("not redirectd's\n")
for fname in OTHERS:
    os.chown(os.path.join(shared2, fname), OTHER, OTHER)
before = snapshot(shared2)
rc, err = start(os.path.join(tmp, "log-shared2"), shared2, user=False)
ok(rc == 0, "without user, state_dir = a shared directory: runs", err)
after = snapshot(shared2)
made = sorted(set(after) - set(before))
ok(len(made) == 1 and made[0].startswith("visitor-salt.20")
   and after[made[0]][1] == 0,
   "it adds only its own salt file", made)
eq({k: v for k, v in after.items() if k in before and k != "."},
   {k: v for k, v in before.items() if k != "."},
   "and deletes nothing it did not make (visitor-salt.keep, another "
   "user's day, week and month files, names like a week's or a day's)")

# A FIFO the daemon's user planted under today's salt name: start-up as
# root neither hangs on it nor keeps it; a regular salt file takes its place.
fifo_state = user_dir(os.path.join(tmp, "state-fifo"))
today = "visitor-salt." + time.strftime("%Y-%m-%d", time.gmtime())
os.mkfifo(os.path.join(fifo_state, today), 0o600)
os.chown(os.path.join(fifo_state, today), UID, GID)
t0 = time.monotonic()
rc, err = start(user_dir(os.path.join(tmp, "log-fifo")), fifo_state)
ok(rc == 0 and " listening on " in err and time.monotonic() - t0 < 20,
   "a FIFO planted as the salt file: start-up does not hang on it", err)
st = os.lstat(os.path.join(fifo_state, today))
ok(stat.S_ISREG(st.st_mode) and st.st_size == 16,
   "... and a regular salt file replaces it", oct(st.st_mode))

# --- 3. links in log_dir under a segment's name ---------------------------------
outside = os.path.join(tmp, "outside")
os.mkdir(outside, 0o700)
rec = ["time=2026-03-01T10:00:00Z staff=1 link=1 class=human"] * 2
target = mkseg(os.path.join(outside, "archive.clk"), rec, "--node", "test", "--torn", "50")
os.chmod(target, 0o600)
log3 = user_dir(os.path.join(tmp, "log3"))
plant(target, os.path.join(log3, "test.20260101T000000.000000Z.w0.clk"))
plant(target, os.path.join(log3, "test.20260101T000000.000001Z.w0.clk.tmp"))
# Another user's torn segment in it: not ours to cut.
theirs = mkseg(os.path.join(log3, "test.20260101T000000.000002Z.w0.clk"), rec,
               "--node", "test", "--torn", "50")
os.chown(theirs, OTHER, OTHER)
# The user's own torn segment, from a crash: still repaired.
mine = mkseg(os.path.join(log3, "test.20260101T000000.000003Z.w0.clk"), rec,
             "--node", "test", "--torn", "50")
os.chown(mine, UID, GID)
size = os.path.getsize(target)
with open(target, "rb") as f:
    body = hashlib.sha256(f.read()).hexdigest()
for user in (True, False):
    rc, err = start(log3, os.path.join(tmp, "state3"), user=user)
    ok(rc == 0, "log_dir with planted links: starts (%s)" %
       ("user = nobody" if user else "as root"), err)
    with open(target, "rb") as f:
        now = hashlib.sha256(f.read()).hexdigest()
    eq((os.stat(target).st_uid, os.path.getsize(target), now), (0, size, body),
       "a link named like a segment: the file outside log_dir is not "
       "truncated or given away (%s)" % ("user = nobody" if user else "as root"))
ok(os.path.islink(os.path.join(log3, "test.20260101T000000.000001Z.w0.clk.tmp"))
   or not os.path.lexists(os.path.join(log3, "test.20260101T000000.000001Z.w0.clk.tmp")),
   "a .clk.tmp link: at most the link itself removed")
eq((os.stat(theirs).st_uid, os.path.getsize(theirs)), (OTHER, size),
   "another user's torn segment in log_dir: not cut, not given away")
eq(os.path.getsize(mine), size - 50, "the user's own torn segment is repaired")

# --- 4. the store's lock file: LMDB opens it read-write, as root ---------------
# A store directory the user can write (the layout for starting as the
# user, redirectd(8) PRIVILEGES): lock.mdb swapped for a link to a root file.
store = user_dir(os.path.join(tmp, "store-user"))
shutil.copyfile(os.path.join(db, "data.mdb"), os.path.join(store, "data.mdb"))
vic = victim("victim-lock")
before = snapshot(vic)
plant(os.path.join(vic, "shadow"), os.path.join(store, "lock.mdb"))
rc, err = start_db(store, os.path.join(tmp, "log4"), os.path.join(tmp, "state4"))
ok(rc == 1 and os.path.join(store, "lock.mdb") in err and "symbolic link" in err,
   "the store's lock.mdb a planted link: start-up refused, naming it",
   "exit %s\n%s" % (rc, err))
eq(snapshot(vic), before, "the file behind it is not opened, truncated or changed")

# The check and LMDB's open by name are two steps: the user could swap a
# link in between.  So such a store is opened with the user's file identity:
# the lock file LMDB makes is the user's, and whatever it could have been
# swapped for, root's files are out of its reach.
store5 = user_dir(os.path.join(tmp, "store-user5"))
shutil.copyfile(os.path.join(db, "data.mdb"), os.path.join(store5, "data.mdb"))
os.chmod(os.path.join(store5, "data.mdb"), 0o644)
rc, err = start_db(store5, os.path.join(tmp, "log5"), os.path.join(tmp, "state5"))
ok(rc == 0 and " listening on " in err, "a store the user owns: served", err)
st = os.stat(os.path.join(store5, "lock.mdb"))
eq((st.st_uid, st.st_gid), (UID, GID),
   "... opened as the user (the lock file LMDB made is nobody's, not root's)")
# A store only root can read is still served (opened as root: nobody else
# can write its directory).
store6 = os.path.join(tmp, "store-root6")
os.mkdir(store6, 0o700)
shutil.copyfile(os.path.join(db, "data.mdb"), os.path.join(store6, "data.mdb"))
rc, err = start_db(store6, os.path.join(tmp, "log6"), os.path.join(tmp, "state6"))
ok(rc == 0 and " listening on " in err, "a store only root can read: served", err)

shutil.rmtree(tmp, ignore_errors=True)
done()
