#!/usr/bin/env python3
"""What the tools write, against a local attacker and hostile names
(issue 15), through the real linkctl and reach:

- links planted where the tools write (the destination, the temporary
  names one could predict: PATH.tmpPID for the next pids, the mail
  ledger's lock.mdb and data.mdb, the ledger itself, backup's
  .DEST.partial.PID, ship's STATE.lock), each pointing at a 0600 victim:
  the victim stays as it was and the output is right, or the run is
  refused saying why;
- reach --output and the post files made 0666 under the umask (077, 022,
  002);
- names that a spreadsheet would run as formulas (=HYPERLINK(...), +1,
  -2, @SUM(1)) written as text by reach --format csv, reach export
  --format csv and campaign create (a leading ', the cell quoted), as they
  are with --csv-raw; numbers stay numbers;
- C1 controls (U+0085, U+009B) and U+2028/U+2029 refused in names, teams,
  emails and campaign names by staff add, staff import (FILE:LINE), staff
  set and campaign create, so staff list never shows them.
"""
import csv
import hashlib
import io
import os
import pwd
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from tap import eq, ok  # noqa: E402

LINKCTL, REACH, MKSEG = tap.LINKCTL, tap.REACH, tap.MKSEG
TMP = tap.tempdir("outputs-test-")
DB = os.path.join(TMP, "db")
BASE = "https://go.example.org"
FROM = "Comms <comms@example.org>"
EPOCH = "1767441600"   # 2026-01-03 12:00:00 UTC


def env(**extra):
    e = dict(os.environ)
    for k in ("REDIRECTD_DB", "SOURCE_DATE_EPOCH", "TZ", "REDIRECTD_CONF"):
        e.pop(k, None)
    e.update(extra)
    return e


def run(argv, umask=None, **extra):
    pre = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run([str(a) for a in argv], capture_output=True,
                          text=True, timeout=120, env=env(**extra),
                          preexec_fn=pre)


def lk(*args, db=DB, **kw):
    return run([LINKCTL, "--db", db] + list(args), **kw)


def reach(*args, **kw):
    """reach, or reach export/ship (the command first), with --db DB."""
    cmd = [args[0]] if args and args[0] in ("export", "ship") else []
    return run([REACH] + cmd + ["--db", DB] + list(args[len(cmd):]), **kw)


def write(name, text, mode=None):
    path = os.path.join(TMP, name)
    with open(path, "w", newline="") as f:
        f.write(text)
    if mode is not None:
        os.chmod(path, mode)
    return path


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def victim(name):
    """A 0600 file with content of its own: what a planted link aims at."""
    return write(name, "secret %s\n" % name * 500, 0o600)


def next_pids(n=400):
    """The next pids the kernel hands out (those a PATH.tmpPID name would
    carry), best effort."""
    try:
        with open("/proc/sys/kernel/ns_last_pid") as f:
            last = int(f.read())
    except OSError:
        last = os.getpid()
    return range(last + 1, last + 1 + n)


def plant(paths, target):
    for p in paths:
        if not os.path.lexists(p):
            os.symlink(target, p)


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


# ------------------------------------------------------------ the data

HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(1)"]
STAFF = [("ana", HOSTILE[0], "+team"), ("bo", HOSTILE[1], "@SUM(1)"),
         ("cy", HOSTILE[2], "comms"), ("dee", HOSTILE[3], "-sales"),
         ("eli", "Élise Fox", "=1+1")]
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(["handle", "name", "team", "email"])
for h, n, t in STAFF:
    w.writerow([h, n, t, "%s@example.org" % h])
r = lk("staff", "import", write("staff.csv", buf.getvalue()))
ok(r.returncode == 0, "colleagues named =HYPERLINK(...), +1, -2, @SUM(1) "
   "imported (names may start so)", r.stderr)


def neutral(s):
    """What a spreadsheet-safe cell holds once read: ' before a formula."""
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


# ------------------------------------------------- CSV: campaign create

r = lk("campaign", "create", "=camp", "--url", "https://example.org/c",
       "--base-url", BASE)
ok(r.returncode == 0, "campaign create '=camp'", r.stderr)
rows = list(csv.reader(io.StringIO(r.stdout)))
CODES = {row[0]: row[2] for row in rows[1:]}
eq([(row[0], row[1]) for row in rows[1:]],
   [(h, neutral(n)) for h, n, _ in STAFF],
   "campaign create: names a spreadsheet would run are text: ' before them")
ok('"\'=HYPERLINK(""http://x"",""y"")"' in r.stdout and '"\'+1"' in r.stdout
   and '"\'-2"' in r.stdout and '"\'@SUM(1)"' in r.stdout,
   "campaign create: those cells quoted, the ' inside the quotes", r.stdout)
ok(",Élise Fox," in r.stdout, "campaign create: other names as they are",
   r.stdout)
r = lk("campaign", "create", "=camp", "--base-url", BASE, "--csv-raw")
rows = list(csv.reader(io.StringIO(r.stdout)))
eq([(row[0], row[1]) for row in rows[1:]], [(h, n) for h, n, _ in STAFF],
   "campaign create --csv-raw: the names as they are")
ok("\n" + "cy,-2," in r.stdout, "campaign create --csv-raw: -2 unquoted",
   r.stdout)

# ------------------------------------------------- CSV: reach and export

LOGS = os.path.join(TMP, "logs")
os.makedirs(LOGS)
recs = []
for i, (h, _, _) in enumerate(STAFF):
    for v in range(i + 1):
        recs.append("time=@%d staff=%d link=%d campaign=1 class=human "
                    "visitor=%d platform=x" % (int(EPOCH) + v, i + 1, i + 1,
                                               100 * (i + 1) + v))
p = subprocess.run([MKSEG, os.path.join(LOGS, "a.clk"), "--db", DB],
                   input="\n".join(recs) + "\n", capture_output=True,
                   text=True, timeout=60)
ok(p.returncode == 0, "a segment with clicks for each", p.stderr)

r = reach("--format", "csv", LOGS)
ok(r.returncode == 0, "reach --format csv", r.stderr)
rows = list(csv.DictReader(io.StringIO(r.stdout)))
eq(sorted((x["staff"], x["name"], x["team"]) for x in rows),
   sorted((h, neutral(n), neutral(t)) for h, n, t in STAFF),
   "reach --format csv: names and teams a spreadsheet would run are text")
eq(sorted((x["staff"], x["clicks"], x["visitors"], x["rank"]) for x in rows),
   [("ana", "1", "1", "5"), ("bo", "2", "2", "4"), ("cy", "3", "3", "3"),
    ("dee", "4", "4", "2"), ("eli", "5", "5", "1")],
   "reach --format csv: the numbers stay numbers")
ok('"\'=1+1"' in r.stdout and '"\'-sales"' in r.stdout,
   "reach --format csv: the neutralised cells quoted", r.stdout)
r = reach("--format", "csv", "--csv-raw", LOGS)
rows = list(csv.DictReader(io.StringIO(r.stdout)))
eq(sorted((x["staff"], x["name"], x["team"]) for x in rows),
   sorted(STAFF), "reach --csv-raw: the names as they are")
r = reach("--format", "csv", "--by", "campaign", LOGS)
ok(r.returncode == 0 and "\n1,\"'=camp\"," in r.stdout,
   "reach --by campaign: the campaign '=camp' as text", r.stdout + r.stderr)
r = reach("--csv-raw", LOGS)
eq((r.returncode, r.stdout), (2, ""),
   "reach --csv-raw without --format csv: a usage error")
ok("--csv-raw: only with --format csv" in r.stderr, "... saying so",
   r.stderr)

r = reach("export", "--format", "csv", LOGS)
ok(r.returncode == 0, "reach export --format csv", r.stderr)
rows = list(csv.DictReader(io.StringIO(r.stdout)))
eq(sorted(set((x["staff"], x["name"], x["team"], x["campaign"])
              for x in rows)),
   sorted((h, neutral(n), neutral(t), "'=camp") for h, n, t in STAFF),
   "reach export --format csv: names, teams and the campaign as text")
ok(all(x["time_us"].isdigit() and x["link_id"].isdigit() and
       x["status"].isdigit() for x in rows),
   "reach export --format csv: numbers stay numbers", r.stdout[:400])
r = reach("export", "--format", "csv", "--csv-raw", LOGS)
rows = list(csv.DictReader(io.StringIO(r.stdout)))
eq(sorted(set((x["staff"], x["name"], x["team"], x["campaign"])
              for x in rows)),
   sorted((h, n, t, "=camp") for h, n, t in STAFF),
   "reach export --csv-raw: as they are")
r = reach("export", "--csv-raw", LOGS)
eq((r.returncode, r.stdout), (2, ""),
   "reach export --csv-raw without --format csv: a usage error")

# ------------------------------------------------- C1 and line separators

before = lk("staff", "list").stdout
BAD = [("U+0085 (NEL)", "Ana\u0085Lima"), ("U+009B (CSI)", "\u009b2JBo"),
       ("U+0080", "x\u0080"), ("U+009F", "\u009fy"),
       ("U+2028", "Line\u2028Sep"), ("U+2029", "Para\u2029Sep"),
       # Trojan Source: shown, "\u202eNALA" reads ALAN, and an isolate
       # left open reorders the figures after it in a row.
       ("U+202E (RLO)", "\u202eNALA"), ("U+202A (LRE)", "x\u202ay"),
       ("U+2067 (RLI)", "Bo\u2067b"), ("U+2069 (PDI)", "Bob\u2069")]
for what, name in BAD:
    r = lk("staff", "add", "zed", "--name", name)
    ok(r.returncode == 1 and "invalid name" in r.stderr,
       "staff add: a name with %s refused" % what, r.stderr)
    r = lk("staff", "add", "zed", "--name", "Zed", "--team", name)
    ok(r.returncode == 1 and "invalid team" in r.stderr,
       "staff add: a team with %s refused" % what, r.stderr)
r = lk("staff", "add", "zed", "--name", "Zed", "--email", "z\u0085@x.org")
ok(r.returncode == 1 and "invalid email" in r.stderr,
   "staff add: an email with U+0085 refused", r.stderr)
path = write("c1.csv", "handle,name,team,email\nyu,Yu,,yu@example.org\n"
             "zed,Ze\u009bd,,z@example.org\n")
r = lk("staff", "import", path)
ok(r.returncode == 1 and ("%s:3: invalid name" % path) in r.stderr,
   "staff import: a C1 name refused at FILE:LINE", r.stderr)
path = write("sep.csv", "handle,name,team,email\nzed,Zed,a\u2028b,\n")
r = lk("staff", "import", path)
ok(r.returncode == 1 and ("%s:2: invalid team" % path) in r.stderr,
   "staff import: a team with U+2028 refused at FILE:LINE", r.stderr)
r = lk("staff", "set", "ana", "--name", "A\u0085B")
ok(r.returncode == 1 and "invalid name" in r.stderr,
   "staff set: a C1 name refused", r.stderr)
r = lk("campaign", "create", "c\u009b1", "--url", "https://example.org/",
       "--base-url", BASE)
ok(r.returncode == 1 and "invalid campaign name" in r.stderr,
   "campaign create: a C1 campaign name refused", r.stderr)
ok("\u009b" not in r.stderr and "c?1" in r.stderr,
   "... and shown with '?' for the control, not raw", r.stderr)
after = lk("staff", "list").stdout
eq(after, before, "staff list: the store as it was, no control shown")
ok(not any(c in after for c in "\u0085\u009b\u2028\u2029\u202e\u2067"),
   "staff list: no C1, separator or bidirectional override in it")
r = lk("staff", "add", "zed", "--name", "\u05e9\u05de\u05d5\u05d0\u05dc\u200f")
ok(r.returncode == 0, "staff add: a Hebrew name with its U+200F mark is "
   "taken (a mark, not an override)", r.stderr)

# A store written before these checks: eli's name, bytes for bytes, made
# "\u202eESILE F" (mdb_dump, mdb_load).  reach's table shows the override
# as '?' and pads the row as it prints it (the override alone is zero
# columns wide: counted so, the row would be a column too wide).
OLD_DB = os.path.join(TMP, "db-old")
dump = run(["mdb_dump", "-a", DB]).stdout
name, bidi = "Élise Fox".encode(), "\u202eESILE F".encode()
eq(len(name), len(bidi), "the planted name is as long as eli's")
ok(dump.count(name.hex()) == 1, "eli's name is once in the dump")
os.mkdir(OLD_DB)
r = subprocess.run(["mdb_load", OLD_DB], capture_output=True, text=True,
                   input=dump.replace(name.hex(), bidi.hex()), timeout=60)
ok(r.returncode == 0, "mdb_load: the store with the planted name", r.stderr)
table = run([REACH, "--db", DB, LOGS]).stdout.splitlines()
planted = run([REACH, "--db", OLD_DB, LOGS]).stdout.splitlines()
eq(planted, [ln.replace("Élise Fox", "?ESILE F ") for ln in table],
   "reach's table: the override shown as '?', the row as wide as before")
page = run([REACH, "--db", OLD_DB, "--format", "html", LOGS]).stdout
ok("&#xfffd;ESILE F" in page and "\u202e" not in page,
   "reach's HTML report: the override shown as U+FFFD, not written",
   page[:300])

# ------------------------------------------------- planted links: posts

TEMPLATE = write("t.txt", "Subject: Hi {first_name}\n\nShare {link}\n")
POSTS = ["campaign", "posts", "=camp", "--template", TEMPLATE,
         "--base-url", BASE]

mbox = os.path.join(TMP, "out.mbox")
v = victim("victim-mbox")
h = digest(v)
plant([mbox] + ["%s.tmp%d" % (mbox, p) for p in next_pids()], v)
r = lk(*POSTS, "--mbox", mbox, "--from", FROM, SOURCE_DATE_EPOCH=EPOCH)
ok(r.returncode == 0, "posts --mbox with links planted at the destination "
   "and at out.mbox.tmpPID for the next pids", r.stderr)
eq(digest(v), h, "posts --mbox: the 0600 victim unchanged")
ok(not os.path.islink(mbox) and open(mbox).read().count("\nSubject: Hi") +
   open(mbox).read().startswith("From ") >= 5,
   "posts --mbox: out.mbox is the mbox, a file of its own")
eq(mode(v), 0o600, "posts --mbox: the victim still 0600")

out = os.path.join(TMP, "posts")
os.makedirs(out)
v = victim("victim-posts")
h = digest(v)
for hd in CODES:
    f = os.path.join(out, hd + ".txt")
    plant([f] + ["%s.tmp%d" % (f, p) for p in next_pids(100)], v)
r = lk(*POSTS, "--out", out)
ok(r.returncode == 0, "posts --out with links planted at DIR/HANDLE.txt and "
   "its .tmpPID names", r.stderr)
eq(digest(v), h, "posts --out: the victim unchanged")
ok(all(not os.path.islink(os.path.join(out, x + ".txt")) and
       ("Share %s/%s" % (BASE, CODES[x])) in
       open(os.path.join(out, x + ".txt")).read() for x in CODES),
   "posts --out: each HANDLE.txt the colleague's post")

# ------------------------------------------------- planted links: reach

report = os.path.join(TMP, "report.csv")
v = victim("victim-report")
h = digest(v)
plant([report] + ["%s.tmp%d" % (report, p) for p in next_pids()], v)
r = reach("--format", "csv", "--output", report, LOGS)
ok(r.returncode == 0, "reach --output with links planted", r.stderr)
eq(digest(v), h, "reach --output: the victim unchanged")
ok(not os.path.islink(report) and
   open(report).read() == reach("--format", "csv", LOGS).stdout,
   "reach --output: the report, a file of its own")

# ------------------------------------------------- the umask

for um, want in ((0o077, 0o600), (0o022, 0o644), (0o002, 0o664)):
    path = os.path.join(TMP, "um%03o.html" % um)
    r = reach("--format", "html", "--output", path, LOGS, umask=um)
    ok(r.returncode == 0, "reach --output under umask %03o" % um, r.stderr)
    eq(oct(mode(path)), oct(want),
       "reach --output under umask %03o: mode %03o" % (um, want))
    path = os.path.join(TMP, "um%03o.mbox" % um)
    r = lk(*POSTS, "--mbox", path, "--from", FROM, umask=um)
    eq((r.returncode, oct(mode(path)) if os.path.exists(path) else None),
       (0, oct(want)), "posts --mbox under umask %03o: mode %03o" % (um, want))

# ------------------------------------------------- planted links: the ledger

SEND = POSTS + ["--from", FROM, "--send", "--mailer", "cat >/dev/null"]


def ledger_attack(name, setup, why):
    d = os.path.join(TMP, name)
    v = victim("victim-" + name)
    h = digest(v)
    setup(d, v)
    r = lk(*SEND, "--ledger", d)
    ok(r.returncode == 1 and why in r.stderr and "nothing sent" in r.stderr,
       "send: ledger %s: refused, saying why" % name, r.stderr)
    eq(digest(v), h, "send: ledger %s: the 0600 victim unchanged" % name)


def lock_link(d, v):
    os.mkdir(d, 0o750)
    os.symlink(v, os.path.join(d, "lock.mdb"))


def data_link(d, v):
    os.mkdir(d, 0o750)
    os.symlink(v, os.path.join(d, "data.mdb"))


def dir_link(d, v):
    real = d + ".real"
    lock_link(real, v)
    os.chmod(real, 0o750)
    os.symlink(real, d)


def open_dir(d, v):
    os.mkdir(d)
    os.chmod(d, 0o777)


def others_dir(d, v):
    os.mkdir(d, 0o755)
    nobody = pwd.getpwnam("nobody")
    os.chown(d, nobody.pw_uid, nobody.pw_gid)


ledger_attack("lock-link", lock_link, "not a regular file")
ledger_attack("data-link", data_link, "not a regular file")
ledger_attack("dir-link", dir_link, "a symbolic link")
ledger_attack("world-writable", open_dir, "others may write")
if os.geteuid() == 0:
    ledger_attack("owned-by-nobody", others_dir, "owned by another user")
else:
    tap.skip("send: a ledger owned by another user", "needs root to chown")

# The default ledger, beside the store: a mail-ledger/ another user of the
# store's parent planted.
v = victim("victim-default")
h = digest(v)
lock_link(os.path.join(TMP, "mail-ledger"), v)
r = lk(*SEND)
ok(r.returncode == 1 and "not a regular file" in r.stderr,
   "send: the default ledger with lock.mdb planted: refused", r.stderr)
eq(digest(v), h, "send: the default ledger: the victim unchanged")

d = os.path.join(TMP, "good-ledger")
r = lk(*SEND, "--ledger", d)
ok(r.returncode == 0 and "5 sent" in r.stderr,
   "send: a ledger of our own is made and used", r.stderr)
eq(oct(mode(d)), oct(0o750), "send: the ledger directory 0750")
r = lk(*SEND, "--ledger", d)
ok(r.returncode == 0 and "5 already sent" in r.stderr,
   "send: and read again", r.stderr)

# ------------------------------------------------- planted links: backup

dest = os.path.join(TMP, "bk")
vdir = os.path.join(TMP, "victim-backup")
os.mkdir(vdir, 0o700)
v = os.path.join(vdir, "data.mdb")
with open(v, "w") as f:
    f.write("victim\n" * 1000)
os.chmod(v, 0o600)
h = digest(v)
plant([os.path.join(TMP, ".bk.partial.%d" % p) for p in next_pids()], vdir)
r = lk("backup", dest)
ok(r.returncode == 0 or "mkdir" in r.stderr,
   "backup with .bk.partial.PID planted for the next pids: done, or "
   "refused saying mkdir failed", r.stderr)
eq(digest(v), h, "backup: the victim unchanged")
ok("removed" not in r.stderr,
   "backup: the planted links not reported as removed temporaries", r.stderr)
if r.returncode == 0:
    r = lk("verify", db=dest)
    ok(r.returncode == 0, "backup: the copy verifies", r.stderr)

# ------------------------------------------------- planted links: ship

state = os.path.join(TMP, "ship.state")
made = os.path.join(TMP, "made-by-ship")
os.symlink(made, state + ".lock")
r = reach("ship", "--clickhouse", "http://127.0.0.1:9/", "--table", "t",
          "--state", state, LOGS)
ok(r.returncode != 0 and "a symbolic link: refused" in r.stderr,
   "ship: STATE.lock a planted link: refused", r.stderr)
ok(not os.path.lexists(made), "ship: no file made where the link points")

tap.done()
