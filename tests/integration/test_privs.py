"""Least privilege: redirectd started as root with user = nobody binds,
opens what it needs, then runs as nobody for good (real, effective, saved
and filesystem ids; no capabilities; no_new_privs; not dumpable; no core
file), serves and logs, and everything after start-up works as nobody:
rotation, a new salt, SIGHUP's re-reading of the User-Agent rules and the
country database, LMDB reader slots in a root-owned lock.mdb.  Skipped
(TAP) unless run as root: CI runs as root.
"""
import glob
import grp
import os
import re
import shutil
import signal
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import BUILD, REACH, REDIRECTD, done, eq, ok, run, tempdir  # noqa: E402
from daemon import Daemon, as_root_with_nobody, free_port, linkctl, wait_for  # noqa: E402

UID, GID = as_root_with_nobody()
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"

tmp = tempdir()
os.chmod(tmp, 0o755)          # nobody must reach log/ and state/ in it
db = os.path.join(tmp, "db")
logs = os.path.join(tmp, "log")
state = os.path.join(tmp, "state")
linkctl(db, "staff", "add", "ana", "--name", "Ana")
code = linkctl(db, "mint", "--staff", "ana",
               "--url", "https://example.org/privs").stdout.strip()
ok(os.stat(os.path.join(db, "lock.mdb")).st_uid == 0,
   "the store (lock.mdb too) belongs to root, as linkctl run as root left it")

rules = os.path.join(tmp, "ua.rules")
with open(rules, "w") as f:
    f.write("tool PrivsProbe/\n")
os.chmod(rules, 0o644)
# A copy of the test country database beside the rules: the checkout (and
# the build in it) may be private to root, as in CI, where nobody could
# not read it again on SIGHUP.
geo = os.path.join(tmp, "geo-flat.mmdb")
built_geo = os.path.join(BUILD, "tests", "geo-flat.mmdb")
if os.path.exists(built_geo):
    shutil.copyfile(built_geo, geo)
    os.chmod(geo, 0o644)
conf = os.path.join(tmp, "redirectd.conf")
with open(conf, "w") as f:
    f.write("user = nobody\nua_rules = %s\n" % rules)
    if os.path.exists(geo):
        f.write("geoip_db = %s\n" % geo)


def status_fields(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.split()
    return fields


def segments():
    return sorted(glob.glob(os.path.join(logs, "test.*.clk")))


def records():
    return sum((os.path.getsize(p) - 128) // 128 for p in segments())


with Daemon(db, logs, conf=conf, threads=2) as d:
    pid = d.proc.pid
    # The socket accepts (it is bound as root) before privileges are
    # dropped: wait for the daemon to say it has dropped them.
    wait_for(lambda: "running as user nobody" in d.errors())
    st = status_fields(pid)
    eq(st["Uid"], [str(UID)] * 4, "Uid: real, effective, saved, fs are nobody's")
    eq(st["Gid"], [str(GID)] * 4, "Gid: real, effective, saved, fs are nobody's")
    eq(sorted(map(int, st.get("Groups", []))),
       sorted(set(os.getgrouplist("nobody", GID))),
       "supplementary groups are nobody's (root's are gone)")
    eq([st["CapInh"][0], st["CapPrm"][0], st["CapEff"][0]],
       ["0000000000000000"] * 3, "no capabilities left")
    eq(st.get("NoNewPrivs"), ["1"], "no_new_privs is set")
    eq(os.stat("/proc/%d/status" % pid).st_uid, 0,
       "not dumpable (its /proc/PID files stay root's)")
    with open("/proc/%d/limits" % pid) as f:
        core = [l for l in f if l.startswith("Max core file size")]
    ok(core and core[0].split()[4:6] == ["0", "0"],
       "Max core file size 0 (soft and hard)", core)
    with open("/proc/%d/maps" % pid) as f:
        maps = f.read().splitlines()
    data_maps = [l for l in maps if l.endswith("/data.mdb")]
    ok(data_maps and all("w" not in l.split()[1] for l in data_maps),
       "data.mdb is mapped read-only", "\n".join(data_maps))
    lock_maps = [l for l in maps if l.endswith("/lock.mdb")]
    ok(lock_maps and all(l.split()[1].startswith("rw") for l in lock_maps),
       "lock.mdb is mapped read-write (reader slots)", "\n".join(lock_maps))
    ok("running as user nobody (uid %d, gid %d)" % (UID, GID) in d.errors(),
       "the log says who it runs as", d.errors())

    # Serving and logging, as nobody.
    sent = 0
    for _ in range(5):
        r = d.get("/" + code, headers={"User-Agent": UA})
        sent += 1
    eq((r.status, r.header("Location")), (302, "https://example.org/privs"),
       "serves redirects as nobody")
    eq(d.get("/nope").status, 404, "a 404 as nobody")
    ok(wait_for(lambda: records() == sent), "writes the click records",
       "records %d, sent %d" % (records(), sent))

    # What start-up made is nobody's, with tight modes.
    st_log, st_state = os.stat(logs), os.stat(state)
    eq((st_log.st_uid, st_log.st_gid, oct(stat.S_IMODE(st_log.st_mode))),
       (UID, GID, "0o750"), "log_dir: created nobody's, mode 0750")
    eq((st_state.st_uid, st_state.st_gid, oct(stat.S_IMODE(st_state.st_mode))),
       (UID, GID, "0o700"), "state_dir: created nobody's, mode 0700")
    first = segments()
    eq(len(first), 2, "one segment per worker")
    eq([(os.stat(p).st_uid, oct(stat.S_IMODE(os.stat(p).st_mode))) for p in first],
       [(UID, "0o640")] * 2, "the first segments (made as root) handed to nobody, 0640")
    salts = glob.glob(os.path.join(state, "visitor-salt.*"))
    eq([(os.stat(p).st_uid, oct(stat.S_IMODE(os.stat(p).st_mode))) for p in salts],
       [(UID, "0o600")], "the salt (made as root) handed to nobody, mode 0600")

    # Rotation as nobody: new segments are nobody's, 0640.
    d.signal(signal.SIGHUP)
    ok(wait_for(lambda: len(segments()) == 4), "SIGHUP: two new segments",
       segments())
    new = [p for p in segments() if p not in first]
    eq([(os.stat(p).st_uid, os.stat(p).st_gid, oct(stat.S_IMODE(os.stat(p).st_mode)))
        for p in new], [(UID, GID, "0o640")] * 2,
       "segments made after SIGHUP: nobody's, mode 0640")
    ok("keeping the previous" not in d.errors() and "Permission denied" not in d.errors(),
       "SIGHUP re-read the rules (and country database) as nobody", d.errors())
    r = d.get("/" + code, headers={"User-Agent": UA})
    sent += 1
    eq(r.status, 302, "serves after the rotation")
    ok(wait_for(lambda: records() == sent), "records go to the new segments",
       "records %d, sent %d" % (records(), sent))

    # A new salt as nobody (what UTC midnight does): with today's file
    # gone, the next SIGHUP makes one.
    for p in salts:
        os.unlink(p)
    d.signal(signal.SIGHUP)
    ok(wait_for(lambda: len(glob.glob(os.path.join(state, "visitor-salt.*"))) == 1),
       "a new salt file made as nobody", d.errors())
    salts = glob.glob(os.path.join(state, "visitor-salt.*"))
    eq([(os.stat(p).st_uid, oct(stat.S_IMODE(os.stat(p).st_mode))) for p in salts],
       [(UID, "0o600")], "the new salt: nobody's, mode 0600")

    # The reload really runs as nobody: a rules file only root can read is
    # refused (and the old rules kept).
    os.chmod(rules, 0o600)
    mark = len(d.errors())
    d.signal(signal.SIGHUP)
    ok(wait_for(lambda: "Permission denied" in d.errors()[mark:]),
       "SIGHUP as nobody cannot read a root-only rules file",
       d.errors()[mark:])
    ok("keeping the previous User-Agent rules" in d.errors()[mark:],
       "and keeps the previous rules", d.errors()[mark:])
    eq(d.get("/" + code, headers={"User-Agent": UA}).status, 302,
       "still serving")
    sent += 1
    ok(wait_for(lambda: records() == sent), "every click recorded")
    code_rc = d.stop()
    ok(code_rc == 0, "SIGTERM: exits 0 as nobody",
       "exit %s\n%s" % (code_rc, d.errors()))

r = run([REACH, "--db", db, logs])
ok(r.returncode == 0 and "ana" in r.stdout, "reach reads the log nobody wrote",
   r.stderr)

# --- start-up refusals and warnings -----------------------------------------
bad = os.path.join(tmp, "bad.conf")
with open(bad, "w") as f:
    f.write("user = no body\n")
r = run([REDIRECTD, "-n", "-c", bad])
ok(r.returncode == 1 and "%s:1: user:" % bad in r.stderr,
   "-n: a malformed user name is file:line", r.stderr)

with open(bad, "w") as f:
    f.write("user = no-such-user-here\n")
r = run([REDIRECTD, "-c", bad, "--listen", "127.0.0.1:1", "--db", db,
         "--log-dir", os.path.join(tmp, "log2"), "--state-dir",
         os.path.join(tmp, "state2")])
ok(r.returncode == 1 and "no-such-user-here" in r.stderr,
   "an unknown user is a start-up error", r.stderr)

# A log_dir nobody cannot reach: refused at start-up, not at the first
# rotation.
hidden = os.path.join(tmp, "hidden")
os.mkdir(hidden, 0o700)
with open(bad, "w") as f:
    f.write("user = nobody\n")
r = run([REDIRECTD, "-c", bad, "--listen", "127.0.0.1:%d" % free_port(), "--db", db,
         "--log-dir", os.path.join(hidden, "log"), "--state-dir",
         os.path.join(tmp, "state3"), "--threads", "1", "--node", "test"],
        timeout=30)
ok(r.returncode == 1 and "not writable by user nobody" in r.stderr,
   "a log_dir nobody cannot write: start-up error", r.stderr)

# Without `user`, root gets a warning.
logs4 = os.path.join(tmp, "log4")
with Daemon(db, logs4, threads=1) as d:
    ok("warning: running as root" in d.errors(),
       "started as root without user: a warning", d.errors())
    eq(status_fields(d.proc.pid)["Uid"][0], "0", "and it stays root")

shutil.rmtree(tmp, ignore_errors=True)
done()
