#!/usr/bin/env python3
"""Integration tests of reach: segments written with mkseg (the real
encoder), a store written with linkctl, and reach's exact numbers, text and
exit codes.  reach's command line and output formats are public (scripts
and leaderboards read them), so output is compared exactly.

The data set (times are 2026-03-01, UTC):

  logs/node1/a.clk       (node web-1)
  logs/node1/sub/b.clk   (node web-1, worker 2)
  logs/node2/c.clk       (node web-2)
  logs/node2/notes.txt   not a segment name: never read

  staff 1 alice   humans 101 102 101 0 (a), 102 103 (b)  -> 6 clicks, 3 visitors
                  2 previews, 1 crawler                   -> 3 bots
  staff 2 bob     humans 201 202 (a), 101 (b)             -> 3 clicks, 3 visitors
                  1 tool, 2 probes (b), 1 probe (c)       -> 4 bots
  staff 3 chloe   humans 301 302 303 (c)                  -> 3 clicks, 3 visitors
                  1 crawler                               -> 1 bot
  staff 9 (only in the logs) human 901, class unknown,
                  class 200 (out of range)                -> 1, 1, 2 bots
  staff 4 dan     in the store, no clicks                 -> a zero row

  ranks: alice 1; bob and chloe tie on (3 visitors, 3 clicks): 2 and 2;
  #9 is 4; dan 5.
"""
import json
import os
import shutil
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from tap import eq, ok  # noqa: E402

REACH = tap.REACH
MKSEG = tap.MKSEG
LINKCTL = tap.LINKCTL

TMP = tap.tempdir("reach-test-")
DAY = "2026-03-01T"


def env(extra=None):
    e = dict(os.environ)
    e.pop("REDIRECTD_DB", None)
    if extra:
        e.update(extra)
    return e


def reach(*args, extra_env=None):
    return subprocess.run([REACH] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=120,
                          env=env(extra_env))


def mkseg(path, lines, *opts):
    """Write a segment; lines are mkseg input lines."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    r = subprocess.run([MKSEG, path] + [str(o) for o in opts],
                       input="".join(line + "\n" for line in lines),
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("mkseg %s failed: %s" % (path, r.stderr))
    return path


def rec(minute, staff, cls, visitor=0, campaign=0, **kw):
    fields = ["time=%s10:%02d:00Z" % (DAY, minute), "staff=%d" % staff,
              "class=%s" % cls, "visitor=%d" % visitor,
              "campaign=%d" % campaign, "link=%d" % staff, "status=302"]
    fields += ["%s=%s" % kv for kv in kw.items()]
    return " ".join(fields)


# ------------------------------------------------------------- data set

LOGS = os.path.join(TMP, "logs")
A = mkseg(os.path.join(LOGS, "node1", "a.clk"), [
    rec(0, 1, "human", 101, 1, platform="linkedin", country="FR",
        refhost="www.linkedin.com"),
    rec(1, 1, "human", 102, 1),
    rec(2, 1, "human", 101, 1),
    rec(3, 1, "human", 0, 1),          # unknown visitor: a click, no visitor
    rec(4, 1, "preview", 0, 1, platform="x"),
    rec(5, 1, "preview", 77, 1),       # a bot's visitor is never counted
    rec(6, 1, "crawler", 0, 1),
    rec(7, 2, "human", 201, 2),
    rec(8, 2, "human", 202, 2),
    rec(9, 9, "human", 901, 0),
    rec(10, 9, "unknown", 0, 0),
    rec(11, 9, "200", 0, 0),           # a class from the future: a bot
], "--node", "web-1", "--worker", "1")
B = mkseg(os.path.join(LOGS, "node1", "sub", "b.clk"), [
    rec(20, 1, "human", 102, 1),       # seen in a.clk: same visitor
    rec(21, 1, "human", 103, 0),
    rec(22, 2, "human", 101, 2),       # alice's visitor, new for bob
    rec(23, 2, "tool", 0, 2),
    rec(24, 2, "probe", 0, 2, flags=2),
    rec(25, 2, "probe", 0, 2, flags=2),
], "--node", "web-1", "--worker", "2")
C = mkseg(os.path.join(LOGS, "node2", "c.clk"), [
    rec(30, 3, "human", 301, 1),
    rec(31, 3, "human", 302, 1),
    rec(32, 3, "human", 303, 1),
    rec(33, 3, "crawler", 0, 1),
    rec(34, 2, "probe", 0, 2),
], "--node", "web-2")
with open(os.path.join(LOGS, "node2", "notes.txt"), "w") as f:
    f.write("not a segment\n")

CSV_HDR = "rank,staff,name,team,clicks,visitors,bots,previews,crawlers,tools,probes\n"
CSV_CAMP_HDR = "rank,campaign,clicks,visitors,bots,previews,crawlers,tools,probes\n"
TOTAL = ("total: 10 visitors (unique per colleague, summed), 13 clicks, "
         "10 bots, 23 records from 3 segments\n")

# ------------------------------------------------------- without a store

r = reach("--format", "csv", LOGS)
eq(r.returncode, 0, "directory tree: exit 0")
eq(r.stderr, "", "directory tree: nothing on stderr")
eq(r.stdout, CSV_HDR +
   "1,#1,,,6,3,3,2,1,0,0\n"
   "2,#2,,,3,3,4,0,0,1,3\n"
   "2,#3,,,3,3,1,0,1,0,0\n"
   "4,#9,,,1,1,2,0,0,0,0\n",
   "csv without a store: ids, exact numbers, ties share rank 2, then 4")

r2 = reach("--format", "csv", A, B, C)
eq(r2.stdout, r.stdout, "three files named: same as the directory")
r2 = reach("--format", "csv", os.path.join(LOGS, "node1"),
           os.path.join(LOGS, "node2"))
eq(r2.stdout, r.stdout, "two node directories: same as the tree")
r2 = reach("--format", "csv", LOGS + "/")
eq(r2.stdout, r.stdout, "trailing slash on a directory")

r2 = reach(LOGS, C)
ok(r2.returncode == 0 and r2.stdout.endswith(
    "23 records from 3 segments\n"),
   "a file named twice (dir and path) is counted once", r2.stdout)

r2 = reach("--format", "csv", A)
eq(r2.stdout, CSV_HDR +
   "1,#1,,,4,2,3,2,1,0,0\n"
   "2,#2,,,2,2,0,0,0,0,0\n"
   "3,#9,,,1,1,2,0,0,0,0\n",
   "one segment alone")

# Any file name is taken when named explicitly.
other = os.path.join(TMP, "plain-name.seg")
shutil.copy(C, other)
r2 = reach("--format", "csv", other)
eq(r2.stdout, CSV_HDR + "1,#3,,,3,3,1,0,1,0,0\n2,#2,,,0,0,1,0,0,0,1\n",
   "a segment with any name, named explicitly")

r = reach("--format", "json", LOGS)
eq(r.returncode, 0, "json: exit 0")
try:
    rows = json.loads(r.stdout)
except ValueError as e:
    rows = None
    ok(False, "json parses", "%s\n%s" % (e, r.stdout))
else:
    ok(True, "json parses")


def row(rank, staff, name, team, clicks, visitors, bots, previews=0,
        crawlers=0, tools=0, probes=0):
    return {"rank": rank, "staff": staff, "name": name, "team": team,
            "clicks": clicks, "visitors": visitors, "bots": bots,
            "previews": previews, "crawlers": crawlers, "tools": tools,
            "probes": probes}


eq(rows, [row(1, "#1", "", "", 6, 3, 3, previews=2, crawlers=1),
          row(2, "#2", "", "", 3, 3, 4, tools=1, probes=3),
          row(2, "#3", "", "", 3, 3, 1, crawlers=1),
          row(4, "#9", "", "", 1, 1, 2)],
   "json without a store: the same rows, numbers as numbers")
ok(all(isinstance(x["clicks"], int) for x in rows or []),
   "json numbers are integers")

r = reach(LOGS)
eq(r.stdout,
   "RANK  STAFF  NAME  VISITORS  CLICKS  BOTS\n"
   "   1  #1                  3       6     3\n"
   "   2  #2                  3       3     4\n"
   "   2  #3                  3       3     1\n"
   "   4  #9                  1       1     2\n" + TOTAL,
   "table without a store (default format)")

r = reach("--by", "campaign", "--format", "csv", LOGS)
eq(r.stdout, CSV_CAMP_HDR +
   "1,#1,8,5,4,2,2,0,0\n"
   "2,#2,3,3,4,0,0,1,3\n"
   "3,(none),2,2,2,0,0,0,0\n",
   "--by campaign: campaign 0 is (none)")
r = reach("--by", "campaign", LOGS)
eq(r.stdout,
   "RANK  CAMPAIGN  VISITORS  CLICKS  BOTS\n"
   "   1  #1               5       8     4\n"
   "   2  #2               3       3     4\n"
   "   3  (none)           2       2     2\n"
   "total: 10 visitors (unique per campaign, summed), 13 clicks, 10 bots, "
   "23 records from 3 segments\n",
   "--by campaign table")
r = reach("--by", "campaign", "--format", "json", LOGS)
ok(r.returncode == 0 and json.loads(r.stdout)[2] == {
    "rank": 3, "campaign": "(none)", "clicks": 2, "visitors": 2, "bots": 2,
    "previews": 0, "crawlers": 0, "tools": 0, "probes": 0},
   "--by campaign json keys", r.stdout)

# ------------------------------------------------------------ time window

T = mkseg(os.path.join(TMP, "time", "t.clk"), [
    "time=%s09:59:59Z staff=1 class=human visitor=1" % DAY,
    "time=%s10:00:00Z staff=1 class=human visitor=2" % DAY,
    "time=%s10:30:00Z staff=1 class=human visitor=3" % DAY,
    "time_us=1772362799999999 staff=1 class=human visitor=4",  # 10:59:59.999999
    "time=%s11:00:00Z staff=1 class=human visitor=5" % DAY,
    "time=%s11:00:01Z staff=1 class=preview" % DAY,
])


def clicks_bots(*args):
    r = reach("--format", "csv", *args)
    if r.returncode != 0 or not r.stdout.startswith(CSV_HDR):
        return (r.returncode, r.stdout, r.stderr)
    lines = r.stdout.splitlines()[1:]
    if not lines:
        return (0, 0)
    f = lines[0].split(",")
    return (int(f[4]), int(f[6]))


eq(clicks_bots(T), (5, 1), "no window: everything")
eq(clicks_bots("--since", DAY + "10:00", "--until", DAY + "11:00", T),
   (3, 0), "--since inclusive, --until exclusive (10:00, 10:30, 10:59:59.999999)")
eq(clicks_bots("--since", DAY + "10:00:00Z", T), (4, 1),
   "--since alone, at the second of a record: included")
eq(clicks_bots("--until", DAY + "11:00:00", T), (4, 0),
   "--until alone, at the second of a record: excluded")
eq(clicks_bots("--since", "@1772359200", "--until", "@1772362800", T), (3, 0),
   "@SECONDS bounds")
eq(clicks_bots("--since", "2026-03-02", T), (0, 0),
   "a window after every record: no rows")
eq(clicks_bots("--until", "2026-03-01", T), (0, 0),
   "a window before every record: no rows")
r = reach("--since", DAY + "10:00", "--until", DAY + "11:00", T)
ok(r.stdout.endswith("3 clicks, 0 bots, 3 records from 1 segments\n"),
   "records in the total line are those in the window", r.stdout)
r = reach("--since", DAY + "10:30", T)
ok(r.returncode == 0 and "   1  #1                  3       3     1\n" in r.stdout,
   "visitors counted in the window only", r.stdout)

# ---------------------------------------------------- empty and edge cases

H = mkseg(os.path.join(TMP, "empty", "h.clk"), [], "--node", "web-3")
r = reach("--format", "json", H)
ok(r.returncode == 0 and r.stdout == "[]\n" and json.loads(r.stdout) == [],
   "json with no rows is []", repr(r.stdout))
r = reach("--format", "csv", H)
eq((r.returncode, r.stdout), (0, CSV_HDR), "csv with no rows: the header")
r = reach(H)
eq(r.stdout, "RANK  STAFF  NAME  VISITORS  CLICKS  BOTS\n"
   "total: 0 visitors (unique per colleague, summed), 0 clicks, 0 bots, "
   "0 records from 1 segments\n", "table with no rows")
os.makedirs(os.path.join(TMP, "nothing"))
r = reach("--format", "csv", os.path.join(TMP, "nothing"))
eq((r.returncode, r.stdout), (0, CSV_HDR),
   "a directory without segments: an empty report")

# ---------------------------------------------------------- damaged files

BAD = os.path.join(TMP, "bad")
torn = mkseg(os.path.join(BAD, "torn.clk"), [
    "staff=1 class=human visitor=1", "staff=1 class=human visitor=2",
    "staff=2 class=crawler"], "--torn", "57")
r = reach("--format", "csv", torn)
eq(r.returncode, 0, "torn tail: exit 0")
eq(r.stderr, "reach: warning: %s: torn record at offset 512 (interrupted "
   "write); counted the 3 whole records before it\n" % torn,
   "torn tail: the warning, exact")
eq(r.stdout, CSV_HDR + "1,#1,,,2,2,0,0,0,0,0\n2,#2,,,0,0,1,0,1,0,0\n",
   "torn tail: the whole records counted")
for n in (1, 127):
    t2 = mkseg(os.path.join(BAD, "torn%d.clk" % n),
               ["staff=1 class=human visitor=1"], "--torn", n)
    r = reach("--format", "csv", t2)
    ok(r.returncode == 0 and "offset 256" in r.stderr and
       r.stdout == CSV_HDR + "1,#1,,,1,1,0,0,0,0,0\n",
       "torn tail of %d bytes" % n, r.stderr + r.stdout)

lastbad = mkseg(os.path.join(BAD, "lastbad.clk"), [
    "staff=1 class=human visitor=1", "staff=1 class=human visitor=2"],
    "--corrupt-at", "1")
r = reach("--format", "csv", lastbad)
ok(r.returncode == 0 and "torn record at offset 256" in r.stderr and
   "counted the 1 whole records" in r.stderr,
   "a bad last record is a torn write", r.stderr)

corrupt = mkseg(os.path.join(BAD, "corrupt.clk"), [
    "staff=1 class=human visitor=%d" % i for i in range(1, 6)],
    "--corrupt-at", "2")
r = reach(corrupt)
eq(r.returncode, 1, "corrupt record in the middle: exit 1")
eq(r.stderr, "reach: %s: corrupt record at offset 384\n" % corrupt,
   "corrupt: file and offset, exact")
eq(r.stdout, "", "corrupt: no report at all")

tree = os.path.join(TMP, "tree-with-corrupt")
shutil.copytree(LOGS, tree)
shutil.copy(corrupt, os.path.join(tree, "node2", "zz.clk"))
r = reach("--format", "csv", tree)
ok(r.returncode == 1 and r.stdout == "" and
   "zz.clk: corrupt record at offset 384" in r.stderr,
   "one corrupt segment among good ones: exit 1, no report", r.stderr)

garbage = os.path.join(BAD, "garbage.clk")
with open(garbage, "wb") as f:
    f.write(bytes(range(256)) * 2)
r = reach(garbage)
eq((r.returncode, r.stdout, r.stderr),
   (1, "", "reach: %s: not a click-log segment (bad header)\n" % garbage),
   "bad header: exit 1, exact message")

empty = os.path.join(BAD, "empty.clk")
open(empty, "wb").close()
r = reach(empty)
ok(r.returncode == 1 and r.stdout == "" and
   r.stderr.startswith("reach: %s: not a click-log segment" % empty),
   "empty file: not a click-log segment", r.stderr)
short = os.path.join(BAD, "short.clk")
with open(A, "rb") as f, open(short, "wb") as g:
    g.write(f.read(100))
r = reach(short)
ok(r.returncode == 1 and
   r.stderr.startswith("reach: %s: not a click-log segment" % short),
   "file shorter than the header: not a click-log segment", r.stderr)

missing = os.path.join(TMP, "no-such-file.clk")
r = reach(missing)
eq((r.returncode, r.stdout, r.stderr),
   (1, "", "reach: %s: No such file or directory\n" % missing),
   "missing path: exit 1, path and strerror")
r = reach(A, missing)
ok(r.returncode == 1 and r.stdout == "", "missing path among good ones: "
   "exit 1, no report")
r = reach(os.path.join(A, "x.clk"))
ok(r.returncode == 1 and "Not a directory" in r.stderr,
   "path through a file: strerror", r.stderr)
fifo = os.path.join(BAD, "fifo.clk")
os.mkfifo(fifo)
r = reach(fifo)
eq((r.returncode, r.stdout, r.stderr),
   (1, "", "reach: %s: not a regular file or directory\n" % fifo),
   "a FIFO named explicitly: refused, not waited on")
os.rename(fifo, os.path.join(LOGS, "node2", "fifo.clk"))
r = reach("--format", "csv", LOGS)
ok(r.returncode == 0 and r.stdout.startswith(CSV_HDR + "1,#1,,,6,3,3"),
   "a FIFO named *.clk inside a tree is skipped", r.stderr)
os.remove(os.path.join(LOGS, "node2", "fifo.clk"))
if os.geteuid() != 0:
    locked = os.path.join(BAD, "locked.clk")
    shutil.copy(A, locked)
    os.chmod(locked, 0)
    r = reach(locked)
    eq((r.returncode, r.stderr),
       (1, "reach: %s: Permission denied\n" % locked),
       "unreadable file: exit 1, Permission denied")
    os.chmod(locked, stat.S_IRUSR | stat.S_IWUSR)
else:
    ok(True, "unreadable file # SKIP running as root: permissions do not apply")

# ------------------------------------------------------------ usage errors

for args, what in [
        ((), "no PATH"),
        (("--by", "team", A), "--by team"),
        (("--format", "xml", A), "--format xml"),
        (("--since", "yesterday", A), "--since yesterday"),
        (("--until", "2026-13-01", A), "--until month 13"),
        (("--bogus", A), "an unknown option"),
        ((A, "--db"), "--db without a value")]:
    r = reach(*args)
    ok(r.returncode == 2 and r.stdout == "" and
       r.stderr.startswith("reach: ") and "usage: reach" in r.stderr,
       "usage error, exit 2: %s" % what,
       "rc=%d\n%s%s" % (r.returncode, r.stdout, r.stderr))
r = reach("--help")
ok(r.returncode == 0 and r.stdout.startswith("usage: reach [--db DIR]") and
   r.stderr == "", "--help: usage on stdout, exit 0")
r = reach("--version")
ok(r.returncode == 0 and r.stdout.startswith("reach ") and
   len(r.stdout.split()) == 2, "--version: 'reach VERSION', exit 0", r.stdout)

# ------------------------------------------------------------ with a store

if not os.access(LINKCTL, os.X_OK):
    for what in ("store: names, teams and zero rows",
                 "store: csv, json, table, campaigns, REDIRECTD_DB"):
        ok(True, "%s # SKIP no linkctl at %s" % (what, LINKCTL))
    shutil.rmtree(TMP, ignore_errors=True)
    tap.done()

DB = os.path.join(TMP, "db")


def lk(*args):
    r = subprocess.run([LINKCTL, "--db", DB] + list(args),
                       capture_output=True, text=True, timeout=60, env=env())
    if r.returncode != 0:
        raise RuntimeError("linkctl %s: %s" % (args, r.stderr))
    return r.stdout


# Ids follow creation order: alice 1, bob 2, chloe 3, dan 4; campaigns
# spring 1, launch 2, idle 3.
lk("staff", "add", "alice", "--name", "Alice Martin", "--team", "growth")
lk("staff", "add", "bob", "--name", 'Bob "B" Ng, Jr.', "--team", "sales")
lk("staff", "add", "chloe", "--name", "Chloé Dürr-Ørsted", "--team", "growth")
lk("staff", "add", "dan", "--name", "Dan")
for who, camp in (("alice", "spring"), ("bob", "launch"), ("chloe", "idle")):
    code = lk("mint", "--staff", who, "--url", "https://example.com/" + camp,
              "--campaign", camp).strip()
    ok(code != "", "minted a %s link for %s" % (camp, who))

r = reach("--db", DB, "--format", "csv", LOGS)
eq(r.returncode, 0, "store: exit 0")
eq(r.stdout, CSV_HDR +
   "1,alice,Alice Martin,growth,6,3,3,2,1,0,0\n"
   '2,bob,"Bob ""B"" Ng, Jr.",sales,3,3,4,0,0,1,3\n'
   "2,chloe,Chloé Dürr-Ørsted,growth,3,3,1,0,1,0,0\n"
   "4,#9,,,1,1,2,0,0,0,0\n"
   "5,dan,Dan,,0,0,0,0,0,0,0\n",
   "store csv: names, teams, RFC 4180 quoting, a zero row for dan, #9")

r = reach("--db", DB, "--format", "json", LOGS)
eq(json.loads(r.stdout) if r.returncode == 0 else r.stderr,
   [row(1, "alice", "Alice Martin", "growth", 6, 3, 3, previews=2,
        crawlers=1),
    row(2, "bob", 'Bob "B" Ng, Jr.', "sales", 3, 3, 4, tools=1, probes=3),
    row(2, "chloe", "Chloé Dürr-Ørsted", "growth", 3, 3, 1, crawlers=1),
    row(4, "#9", "", "", 1, 1, 2),
    row(5, "dan", "Dan", "", 0, 0, 0)],
   "store json: parsed, exact")

r = reach("--db", DB, LOGS)
NAMES = ["Alice Martin", 'Bob "B" Ng, Jr.', "Chloé Dürr-Ørsted", "", "Dan"]
w = max(len(n) for n in NAMES)     # code points: Chloé's, 17 (20 bytes)
table = [
    "RANK  STAFF  %s  VISITORS  CLICKS  BOTS" % "NAME".ljust(w),
    "   1  alice  %s         3       6     3" % "Alice Martin".ljust(w),
    "   2  bob    %s         3       3     4" % 'Bob "B" Ng, Jr.'.ljust(w),
    "   2  chloe  %s         3       3     1" % "Chloé Dürr-Ørsted".ljust(w),
    "   4  #9     %s         1       1     2" % "".ljust(w),
    "   5  dan    %s         0       0     0" % "Dan".ljust(w),
]
eq(r.stdout, "\n".join(table) + "\n" + TOTAL, "store table, exact")

# Alignment, checked on its own: in code points (what a terminal shows),
# every line of the table is as long as the header, and each column starts
# (left-aligned) or ends (right-aligned) where its header does.
lines = r.stdout.splitlines()[:-1]
hdr = lines[0]
aligned = len(lines) == 6 and all(len(line) == len(hdr) for line in lines)
for col, values in (("STAFF", ["alice", "bob", "chloe", "#9", "dan"]),
                    ("NAME", NAMES)):
    at = hdr.index(col)
    aligned &= all(line[at - 2:at] == "  " and
                   line[at:at + len(v) + 1] == v + " "
                   for line, v in zip(lines[1:], values))
for col in ("RANK", "VISITORS", "CLICKS", "BOTS"):
    end = hdr.index(col) + len(col)
    aligned &= all(line[end - 1:end].isdigit() and
                   line[end:end + 1] in ("", " ")
                   for line in lines[1:])
ok(aligned, "table columns line up by code point (UTF-8 names)", r.stdout)
ok(len(lines[3].encode()) > len(lines[3]), "the check covers a non-ASCII name")

r = reach("--db", DB, "--by", "campaign", "--format", "csv", LOGS)
eq(r.stdout, CSV_CAMP_HDR +
   "1,spring,8,5,4,2,2,0,0\n"
   "2,launch,3,3,4,0,0,1,3\n"
   "3,(none),2,2,2,0,0,0,0\n"
   "4,idle,0,0,0,0,0,0,0\n",
   "store --by campaign: names, every campaign, (none) when used")
r = reach("--db", DB, "--by", "campaign", "--format", "csv", C)
eq(r.stdout, CSV_CAMP_HDR +
   "1,spring,3,3,1,0,1,0,0\n"
   "2,idle,0,0,0,0,0,0,0\n"
   "2,launch,0,0,1,0,0,0,1\n",
   "store --by campaign: no (none) row without such records; bots do "
   "not break a tie")

r = reach("--db", DB, "--format", "csv", H)
eq(r.stdout, CSV_HDR +
   "1,alice,Alice Martin,growth,0,0,0,0,0,0,0\n"
   '1,bob,"Bob ""B"" Ng, Jr.",sales,0,0,0,0,0,0,0\n'
   "1,chloe,Chloé Dürr-Ørsted,growth,0,0,0,0,0,0,0\n"
   "1,dan,Dan,,0,0,0,0,0,0,0\n",
   "store, no clicks yet: everyone listed, all tied at rank 1")

r = reach("--format", "csv", LOGS, extra_env={"REDIRECTD_DB": DB})
ok(r.returncode == 0 and "1,alice,Alice Martin,growth,6,3,3" in r.stdout,
   "$REDIRECTD_DB is the default store", r.stdout + r.stderr)
r = reach("--db", "", "--format", "csv", LOGS,
          extra_env={"REDIRECTD_DB": DB})
ok(r.returncode == 0 and r.stdout.startswith(CSV_HDR + "1,#1,"),
   "--db '' turns the default store off", r.stdout)
r = reach("--db", os.path.join(TMP, "no-db"), LOGS)
ok(r.returncode == 1 and r.stdout == "" and
   r.stderr.startswith("reach: %s: " % os.path.join(TMP, "no-db")),
   "--db naming a missing store: exit 1", r.stderr)
r = reach("--format", "csv", LOGS,
          extra_env={"REDIRECTD_DB": os.path.join(TMP, "no-db")})
ok(r.returncode == 0 and "warning" in r.stderr and
   r.stdout.startswith(CSV_HDR + "1,#1,"),
   "$REDIRECTD_DB naming a missing store: a warning, ids", r.stderr)

shutil.rmtree(TMP, ignore_errors=True)
tap.done()
