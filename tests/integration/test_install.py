"""Installation: `meson install --destdir` (and DESTDIR) from the build under
test puts the programs, man pages, example configurations and the systemd
unit where a distro expects them; every program, built and installed,
answers --help (usage on stdout, exit 0) and --version (its name and
meson's project version, exit 0); the man pages lint clean (mandoc, groff,
man-db) and name every option and directive the programs know; the unit
passes `systemd-analyze verify`, and (as root) the installed daemon starts,
serves, reloads and stops three times under exactly the unit's capability
bounding set and no_new_privs, dropping to `nobody` on a port under 1024.
"""
import glob
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import BUILD, LINKCTL, REACH, REDIRECTD, SRC, done, eq, ok, run, skip, tempdir  # noqa: E402
from daemon import Reader  # noqa: E402


def meson_json(*args):
    r = run(["meson", "introspect"] + list(args) + [BUILD])
    return json.loads(r.stdout) if r.returncode == 0 else None


info = meson_json("--projectinfo")
opts = {o["name"]: o["value"] for o in meson_json("--buildoptions")}
VERSION = info["version"]
prefix = opts["prefix"]


def under(d):
    """An install directory, absolute (meson's dirs may be relative)."""
    return d if os.path.isabs(d) else os.path.join(prefix, d)


SBINDIR, BINDIR = under(opts["sbindir"]), under(opts["bindir"])
MANDIR, DATADIR = under(opts["mandir"]), under(opts["datadir"])
SYSCONFDIR = under(opts["sysconfdir"])
UNITDIR = opts.get("systemdsystemunitdir") or os.path.join(prefix, "lib", "systemd", "system")

tmp = tempdir("rdinstall-")
os.chmod(tmp, 0o755)        # nobody must reach the daemon's dirs in it
dest = os.path.join(tmp, "dest")


def installed(*parts):
    """Where a file installed at the absolute path parts lands under dest."""
    return os.path.join(dest, os.path.join(*parts).lstrip("/"))


# --- meson install --destdir --------------------------------------------------
r = run(["meson", "install", "-C", BUILD, "--no-rebuild", "--destdir", dest],
        timeout=300)
if not ok(r.returncode == 0, "meson install --destdir exits 0", r.stdout + r.stderr):
    done()

PROGRAMS = {"redirectd": os.path.join(SBINDIR, "redirectd"),
            "linkctl": os.path.join(BINDIR, "linkctl"),
            "reach": os.path.join(BINDIR, "reach")}
SCRIPTS = {"redirectd-ship-store": os.path.join(SBINDIR, "redirectd-ship-store")}
MANPAGES = {"redirectd": ("8", "redirectd.8"), "redirectd.conf": ("5", "redirectd.conf.5"),
            "linkctl": ("1", "linkctl.1"), "reach": ("1", "reach.1"),
            "redirectd-ship-store": ("8", "redirectd-ship-store.8")}
EXAMPLES = os.path.join(DATADIR, "doc", "redirectd", "examples")
UNIT = os.path.join(UNITDIR, "redirectd.service")
MAIL_UNIT = os.path.join(UNITDIR, "redirectd-mail@.service")
MAIL_TIMER = os.path.join(UNITDIR, "redirectd-mail@.timer")
BACKUP_UNIT = os.path.join(UNITDIR, "redirectd-backup.service")
BACKUP_TIMER = os.path.join(UNITDIR, "redirectd-backup.timer")
SHIP_UNIT = os.path.join(UNITDIR, "redirectd-reach-ship.service")
SHIP_TIMER = os.path.join(UNITDIR, "redirectd-reach-ship.timer")
CLICKHOUSE_SQL = os.path.join(DATADIR, "redirectd", "clickhouse.sql")

for name, path in list(PROGRAMS.items()) + list(SCRIPTS.items()):
    p = installed(path)
    ok(os.path.isfile(p) and os.access(p, os.X_OK),
       "%s installed executable at %s" % (name, path))
for name, (sec, fname) in MANPAGES.items():
    ok(os.path.isfile(installed(MANDIR, "man" + sec, fname)),
       "%s(%s) installed in %s/man%s" % (name, sec, MANDIR, sec))
for conf in ("redirectd.conf", "nginx.conf"):
    p = installed(EXAMPLES, conf)
    with open(p, "rb") as f, open(os.path.join(SRC, "conf", conf), "rb") as g:
        eq(f.read(), g.read(), "example %s installed in %s, as in conf/" % (conf, EXAMPLES))
ok(os.path.isfile(installed(UNIT)), "redirectd.service installed in " + UNITDIR)
with open(installed(CLICKHOUSE_SQL), "rb") as f, \
        open(os.path.join(SRC, "conf", "clickhouse.sql"), "rb") as g:
    eq(f.read(), g.read(), "clickhouse.sql installed in %s, as in conf/"
       % os.path.dirname(CLICKHOUSE_SQL))
for u in (MAIL_UNIT, MAIL_TIMER, BACKUP_UNIT, BACKUP_TIMER, SHIP_UNIT, SHIP_TIMER):
    ok(os.path.isfile(installed(u)), "%s installed in %s"
       % (os.path.basename(u), UNITDIR))
everything = sorted(os.path.relpath(os.path.join(d, f), dest)
                    for d, _, fs in os.walk(dest) for f in fs)
# 2 examples, 7 units and timers, clickhouse.sql.
ok(len(everything) == len(PROGRAMS) + len(SCRIPTS) + len(MANPAGES) + 2 + 7 + 1,
   "nothing else is installed (%d files)" % len(everything), "\n".join(everything))

with open(installed(SCRIPTS["redirectd-ship-store"])) as f:
    ok("\ninstalled_linkctl=%s\n" % PROGRAMS["linkctl"] in f.read(),
       "redirectd-ship-store falls back on the installed linkctl (%s)" % PROGRAMS["linkctl"])

# DESTDIR in the environment works the same way.
dest2 = os.path.join(tmp, "dest2")
r = subprocess.run(["meson", "install", "-C", BUILD, "--no-rebuild"],
                   env=dict(os.environ, DESTDIR=dest2), capture_output=True,
                   text=True, timeout=300)
ok(r.returncode == 0, "DESTDIR=... meson install exits 0", r.stdout + r.stderr)
eq(sorted(os.path.relpath(os.path.join(d, f), dest2)
          for d, _, fs in os.walk(dest2) for f in fs), everything,
   "DESTDIR installs the same files as --destdir")
shutil.rmtree(dest2, ignore_errors=True)

# --- --help and --version, built and installed ------------------------------------
for where, progs in (("built", {"redirectd": REDIRECTD, "linkctl": LINKCTL, "reach": REACH}),
                     ("installed", {n: installed(p) for n, p in PROGRAMS.items()})):
    for name, exe in progs.items():
        r = run([exe, "--version"])
        eq((r.returncode, r.stdout, r.stderr), (0, "%s %s\n" % (name, VERSION), ""),
           "%s %s --version: name and meson's project version on stdout, exit 0"
           % (where, name))
        for opt in ("--help", "-h"):
            r = run([exe, opt])
            ok(r.returncode == 0 and r.stdout.startswith("usage: %s " % name)
               and r.stderr == "",
               "%s %s %s: usage on stdout, nothing on stderr, exit 0" % (where, name, opt),
               "exit %d\nstdout: %s\nstderr: %s" % (r.returncode, r.stdout[:300], r.stderr))
        r = run([exe, "--no-such-option"])
        ok(r.returncode == 2 and r.stdout == "" and "no-such-option" in r.stderr,
           "%s %s --no-such-option: a usage error on stderr, exit 2" % (where, name),
           "exit %d\nstdout: %s\nstderr: %s" % (r.returncode, r.stdout[:300], r.stderr))

for name, path in SCRIPTS.items():
    r = run([installed(path), "--help"])
    ok(r.returncode == 0 and r.stdout.startswith("usage: %s " % name) and r.stderr == "",
       "installed %s --help: usage on stdout, exit 0" % name, r.stdout + r.stderr)

# The installed example configuration is valid for the installed daemon.
r = run([installed(PROGRAMS["redirectd"]), "-n", "-c", installed(EXAMPLES, "redirectd.conf")])
ok(r.returncode == 0 and "configuration OK" in r.stdout,
   "redirectd -n accepts the installed example redirectd.conf", r.stdout + r.stderr)

# --- the man pages: lint clean, findable, accurate ---------------------------------
manroot = installed(MANDIR)
mandoc = shutil.which("mandoc")
ok(mandoc is not None, "mandoc is installed (tools/deps.sh installs it)")
for name, (sec, fname) in MANPAGES.items():
    page = os.path.join(manroot, "man" + sec, fname)
    if mandoc:
        r = run([mandoc, "-T", "lint", "-W", "warning", page])
        ok(r.returncode == 0 and not (r.stdout + r.stderr).strip(),
           "mandoc -T lint: %s(%s) has no warnings" % (name, sec), r.stdout + r.stderr)
    r = run(["groff", "-mandoc", "-ww", "-z", page])
    ok(r.returncode == 0 and not r.stderr.strip(),
       "groff -ww: %s(%s) has no warnings" % (name, sec), r.stderr)
    r = subprocess.run(["man", "--warnings", "-l", page], capture_output=True, text=True,
                       env=dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0"))
    ok(r.returncode == 0 and not r.stderr.strip() and name in r.stdout,
       "man -l renders %s(%s) without warnings" % (name, sec), r.stderr)
    r = subprocess.run(["man", "-w", sec, name], capture_output=True, text=True,
                       env=dict(os.environ, MANPATH=manroot))
    eq(r.stdout.strip(), page, "man -w %s %s finds the installed page" % (sec, name))


def page_text(fname, sec):
    with open(os.path.join(manroot, "man" + sec, fname)) as f:
        return f.read()


def long_options(src):
    """The long options in a C file's struct option tables."""
    with open(src) as f:
        return sorted(set(re.findall(r'\{\s*"([a-z][a-z-]*)",\s*(?:no|required)_argument', f.read())))


# Each program's options, from every C file of its folder (a file split in
# two keeps its options checked).
for name, folder in (("redirectd", "redirectd"), ("linkctl", "tools/linkctl"),
                     ("reach", "tools/reach")):
    sec, fname = MANPAGES[name]
    text = page_text(fname, sec)
    found = 0
    for src in sorted(glob.glob(os.path.join(SRC, folder, "*.c"))):
        opts_src = long_options(src)
        if not opts_src:
            continue
        found += len(opts_src)
        missing = [o for o in opts_src if not re.search(r"\bFl -%s\b" % re.escape(o), text)]
        ok(not missing, "%s(%s) documents every long option of %s (%d)"
           % (name, sec, os.path.relpath(src, SRC), len(opts_src)), "missing: %s" % missing)
    ok(found > 0, "%s's sources have long options to check (%d)" % (name, found))
with open(os.path.join(SRC, "redirectd", "common", "config.c")) as f:
    directives = re.findall(r'\.name = "([a-z_]+)"', f.read())
text = page_text("redirectd.conf.5", "5")
missing = [d for d in directives if not re.search(r"^\.It Cm %s\b" % d, text, re.M)]
ok(directives and not missing, "redirectd.conf(5) documents every directive (%d)"
   % len(directives), "missing: %s" % missing)
with open(os.path.join(SRC, "conf", "redirectd.conf")) as f:
    example = f.read()
missing = [d for d in directives if not re.search(r"^#?%s =" % d, example, re.M)]
ok(not missing, "the example redirectd.conf shows every directive", "missing: %s" % missing)

# --- the systemd unit -------------------------------------------------------------
def unit_keys(text):
    """{key: [value, ...]} of a unit file's settings."""
    keys = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            keys.setdefault(k, []).append(v)
    return keys


with open(installed(UNIT)) as f:
    unit = f.read()
keys = unit_keys(unit)
eq(keys.get("ExecStart"), ["%s -c %s" % (PROGRAMS["redirectd"],
                                         os.path.join(SYSCONFDIR, "redirectd", "redirectd.conf"))],
   "the unit starts the installed daemon with sysconfdir's redirectd.conf")
for k, v in (("ProtectSystem", "strict"), ("NoNewPrivileges", "yes"), ("PrivateTmp", "yes"),
             ("KillSignal", "SIGTERM"), ("ExecReload", "/bin/kill -HUP $MAINPID")):
    eq(keys.get(k), [v], "the unit says %s=%s" % (k, v))
ok("/var/lib/redirectd" in (keys.get("ReadWritePaths") or [""])[0],
   "the unit makes the default store, log and state dirs writable")
m = re.match(r"(\d+)s$", (keys.get("TimeoutStopSec") or [""])[0])
drain = re.search(r"^drain_timeout = (\d+)s$", example, re.M)
ok(m and drain and int(m.group(1)) > int(drain.group(1)) + 5,
   "TimeoutStopSec leaves SIGTERM's drain (drain_timeout) and the final sync time",
   keys.get("TimeoutStopSec"))
caps = (keys.get("CapabilityBoundingSet") or [""])[0].split()
ok("CAP_NET_BIND_SERVICE" in caps and "CAP_SYS_ADMIN" not in caps and len(caps) <= 6,
   "the bounding set is small and allows ports under 1024", caps)

analyze = shutil.which("systemd-analyze")
if analyze:
    # verify checks that ExecStart exists and Documentation= resolves: point
    # both at the destdir's files.
    probe = os.path.join(tmp, "redirectd.service")
    with open(probe, "w") as f:
        f.write(unit.replace(PROGRAMS["redirectd"], installed(PROGRAMS["redirectd"])))
    r = subprocess.run([analyze, "verify", probe], capture_output=True, text=True,
                       env=dict(os.environ, MANPATH=manroot), timeout=60)
    ok(r.returncode == 0 and not (r.stdout + r.stderr).strip(),
       "systemd-analyze verify: the unit is clean", r.stdout + r.stderr)
else:
    skip("systemd-analyze verify: the unit", "systemd-analyze not installed")

def analyze_pair(name, service, timer, what):
    """systemd-analyze verify of NAME.service and NAME.timer, written from
    these texts (ExecStart pointing at the destdir's programs)."""
    for ext, text in ((".service", service), (".timer", timer)):
        with open(os.path.join(tmp, name + ext), "w") as f:
            f.write(text)
    r = subprocess.run([analyze, "verify", os.path.join(tmp, name + ".timer"),
                        os.path.join(tmp, name + ".service")],
                       capture_output=True, text=True,
                       env=dict(os.environ, MANPATH=manroot), timeout=60)
    ok(r.returncode == 0 and not (r.stdout + r.stderr).strip(),
       "systemd-analyze verify: %s are clean" % what, r.stdout + r.stderr)


# --- the daily mail's units -------------------------------------------------------
with open(installed(MAIL_UNIT)) as f:
    mail_unit = f.read()
mkeys = unit_keys(mail_unit)
start = (mkeys.get("ExecStart") or [""])[0].split()
ok(start[:3] == [PROGRAMS["linkctl"], "-c",
                 os.path.join(SYSCONFDIR, "redirectd", "redirectd.conf")]
   and "--send" in start and "%i" in start,
   "the mail unit runs the installed linkctl's campaign posts --send for "
   "its instance with sysconfdir's redirectd.conf", start)
for k, v in (("Type", "oneshot"), ("User", "redirectd"), ("KillMode", "mixed")):
    eq(mkeys.get(k), [v], "the mail unit says %s=%s" % (k, v))
ok(start[start.index("--ledger") + 1] == "/var/lib/redirectd/" +
   (mkeys.get("StateDirectory") or [""])[0].split("/", 1)[-1],
   "the ledger is the directory systemd makes for the unit's user",
   (start, mkeys.get("StateDirectory")))
if analyze:
    # An instance of the pair, ExecStart pointing at the destdir's linkctl.
    analyze_pair("redirectd-mail@spring",
                 mail_unit.replace(PROGRAMS["linkctl"], installed(PROGRAMS["linkctl"])),
                 open(installed(MAIL_TIMER)).read(), "the mail timer and service")
else:
    skip("systemd-analyze verify: the mail timer and service",
         "systemd-analyze not installed")


# --- the nightly backup's units -------------------------------------------------------
with open(installed(BACKUP_UNIT)) as f:
    backup_unit = f.read()
# systemd joins a line ending in a backslash to the next with a space.
bkeys = unit_keys(backup_unit.replace("\\\n", " "))
for k, v in (("Type", "oneshot"), ("User", "redirectd"),
             ("StateDirectory", "redirectd/backup")):
    eq(bkeys.get(k), [v], "the backup unit says %s=%s" % (k, v))
bstart = (bkeys.get("ExecStart") or [""])[0]
ok(PROGRAMS["linkctl"] + " --db" in bstart and " backup " in bstart and " verify " in bstart,
   "the backup unit runs the installed linkctl's backup, then verify", bstart)
env = dict(kv.split("=", 1) for kv in (bkeys.get("Environment") or [""])[0].split())
ok(env.get("BACKUP") == "/var/lib/redirectd/backup" and env.get("KEEP") == "14"
   and env.get("DB") == "/var/lib/redirectd/db",
   "... of /var/lib/redirectd/db into StateDirectory's, keeping 14", env)
# Its script, run as systemd would (its escapes undone), on a test store:
# a new copy made and verified, the oldest pruned to KEEP, a hidden
# temporary and other files left alone; a copy that fails verification is
# kept aside, nothing pruned, exit 1.
script = shlex.split(bstart.replace(PROGRAMS["linkctl"], installed(PROGRAMS["linkctl"])))
script = [a.replace("$$", "$").replace("%%", "%") for a in script]
ok(script[:2] == ["/bin/sh", "-ec"], "... as a /bin/sh script", script)
bdir = os.path.join(tmp, "backups")
bdb = os.path.join(tmp, "bstore")
run([LINKCTL, "--db", bdb, "staff", "add", "ana", "--name", "Ana"])
run([LINKCTL, "--db", bdb, "mint", "--staff", "ana", "--url", "https://example.org/", "--code", "x1"])
os.mkdir(bdir)
olds = ["db.2020-01-0%dT000000" % i for i in range(1, 5)]
for o in olds + [".db.x.partial.1"]:
    os.mkdir(os.path.join(bdir, o))
open(os.path.join(bdir, "notes"), "w").close()
r = subprocess.run(script, env=dict(os.environ, DB=bdb, BACKUP=bdir, KEEP="3"),
                   capture_output=True, text=True, timeout=60)
eq(r.returncode, 0, "the backup script: exit 0")
left = sorted(os.listdir(bdir))
new = [n for n in left if n.startswith("db.") and n not in olds]
ok(len(new) == 1 and re.fullmatch(r"db\.\d{4}-\d\d-\d\dT\d{6}", new[0]),
   "... made one copy, db.DATE", left)
ok(left == sorted([".db.x.partial.1", "notes"] + olds[2:] + new),
   "... and kept the newest 3 (KEEP), removing only older db.*", left)
ok("verify:" in r.stderr and "whole: 1 links" in r.stderr, "... having verified it", r.stderr)
shutil.rmtree(os.path.join(bdir, new[0]))
# A store whose counter is below its link's id (meta next_link 1 -> 0),
# made with mdb_dump and mdb_load: its copy fails verification.
bbad = os.path.join(tmp, "bbad")
os.mkdir(bbad)
dump = run(["mdb_dump", "-a", bdb]).stdout
bad = dump.replace(" %s\n 01000000\n" % b"next_link".hex(), " %s\n 00000000\n" % b"next_link".hex())
ok(bad != dump and run(["mdb_load", bbad], input=bad).returncode == 0,
   "(a store planted with a counter below an id in use)")
r = subprocess.run(script, env=dict(os.environ, DB=bbad, BACKUP=bdir, KEEP="1"),
                   capture_output=True, text=True, timeout=60)
eq(r.returncode, 1, "the backup script, a copy that fails verify: exit 1")
left2 = sorted(os.listdir(bdir))
failed = [n for n in left2 if re.fullmatch(r"failed\.db\.\d{4}-\d\d-\d\dT\d{6}", n)]
ok(len(failed) == 1 and left2 == sorted([".db.x.partial.1", "notes"] + olds[2:] + failed),
   "... the copy kept aside as failed.db.DATE, nothing pruned (KEEP=1)", left2)
ok("meta next_link" in r.stderr, "... the journal names the problem", r.stderr)
if analyze:
    analyze_pair("redirectd-backup",
                 backup_unit.replace(PROGRAMS["linkctl"], installed(PROGRAMS["linkctl"])),
                 open(installed(BACKUP_TIMER)).read(), "the backup timer and service")
else:
    ok(True, "# SKIP systemd-analyze not installed")

# --- the click log into ClickHouse: reach ship's units --------------------------------
with open(installed(SHIP_UNIT)) as f:
    ship_unit = f.read()
skeys = unit_keys(ship_unit)
ship_env = os.path.join(SYSCONFDIR, "redirectd", "ship.env")
sstart = (skeys.get("ExecStart") or [""])[0].split()
ok(sstart[:2] == [PROGRAMS["reach"], "ship"]
   and sstart[sstart.index("--clickhouse") + 1] == "${CLICKHOUSE_URL}"
   and sstart[sstart.index("--table") + 1] == "${CLICKHOUSE_TABLE}",
   "the ship unit runs the installed reach's ship with the server and table "
   "of its environment file", sstart)
for k, v in (("Type", "oneshot"), ("ConditionPathExists", ship_env),
             ("EnvironmentFile", ship_env), ("DynamicUser", "yes"),
             ("SupplementaryGroups", "redirectd-read")):
    eq(skeys.get(k), [v], "the ship unit says %s=%s" % (k, v))
ok(sstart[sstart.index("--state") + 1] == "%S/" + (skeys.get("StateDirectory") or [""])[0]
   + "/state", "... and keeps its state in the directory systemd makes for it", sstart)
ship_timer = open(installed(SHIP_TIMER)).read()
eq(unit_keys(ship_timer).get("OnCalendar"), ["*:0/5"], "the ship timer runs every 5 minutes")
if analyze:
    analyze_pair("redirectd-reach-ship",
                 ship_unit.replace(PROGRAMS["reach"], installed(PROGRAMS["reach"])),
                 ship_timer, "the ship timer and service")
else:
    skip("systemd-analyze verify: the ship timer and service",
         "systemd-analyze not installed")

# --- the installed daemon under the unit's capabilities (root only) -----------------
def low_port():
    for p in range(1023, 600, -1):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
            return p
        except OSError:
            continue
        finally:
            s.close()
    return None


def get(port, code):
    s = socket.create_connection(("127.0.0.1", port), 5)
    s.sendall(("GET /%s HTTP/1.1\r\nHost: go.example.org\r\nConnection: close\r\n\r\n"
               % code).encode())
    resp = Reader(s).response()
    s.close()
    return resp


setpriv = shutil.which("setpriv")
if os.geteuid() != 0 or not setpriv:
    skip("the capability run", "needs root and setpriv")
    done()

installed_linkctl = installed(PROGRAMS["linkctl"])
db = os.path.join(tmp, "db")
run([installed_linkctl, "--db", db, "staff", "add", "ana", "--name", "Ana"])
code = run([installed_linkctl, "--db", db, "mint", "--staff", "ana",
            "--url", "https://example.org/installed"]).stdout.strip()
ok(len(code) == 8, "the installed linkctl mints a link")
conf = os.path.join(tmp, "redirectd.conf")
with open(conf, "w") as f:
    f.write("user = nobody\n")
bounding = ",".join("+" + c[len("CAP_"):].lower() for c in caps)
logs, state = os.path.join(tmp, "log"), os.path.join(tmp, "state")
port = low_port()
for start in (1, 2, 3):
    if start == 3:
        os.chmod(state, 0o755)      # someone loosened it: CAP_FOWNER puts it back
    errpath = os.path.join(tmp, "redirectd-%d.err" % start)
    with open(errpath, "w") as err:
        proc = subprocess.Popen(
            [setpriv, "--bounding-set", "-all," + bounding, "--inh-caps", "-all",
             "--no-new-privs", "--", installed(PROGRAMS["redirectd"]), "-c", conf,
             "--listen", "127.0.0.1:%d" % port, "--db", db, "--log-dir", logs,
             "--state-dir", state, "--threads", "1", "--node", "inst"],
            stdout=subprocess.DEVNULL, stderr=err)
    resp = None
    deadline = time.time() + 10
    while time.time() < deadline and proc.poll() is None:
        try:
            resp = get(port, code)
            break
        except OSError:
            time.sleep(0.05)
    ok(resp is not None and resp.status == 302
       and resp.header("location") == "https://example.org/installed",
       "start %d under the unit's bounding set (%s): serves on port %d" % (start, bounding, port),
       open(errpath).read())
    if proc.poll() is None:
        proc.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
    errs = open(errpath).read()
    ok(rc == 0 and "running as user nobody" in errs and "new log segments for 1 of 1" in errs,
       "start %d: dropped to nobody, SIGHUP rotated, SIGTERM exited 0" % start, errs)
eq(oct(os.stat(state).st_mode & 0o7777), oct(0o700), "state_dir is 0700 again")

shutil.rmtree(dest, ignore_errors=True)      # the installed copies are large
done()
