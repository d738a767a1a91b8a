#!/usr/bin/env python3
"""Integration tests of reach past its small cases: visitor counts that stop
being exact (--exact-limit, --visitor-memory) and become HyperLogLog
estimates, said so in every format; and segments longer than reach's read
buffer (1 MiB, 8,192 records), with a bad record on either side of a
buffer boundary.

Visitors are random 64-bit ids, as the daemon's keyed hashes are.  The
estimates are checked against the documented error: a standard error of
0.81%, so every estimate within 4 x 0.81% (reach(1), "Visitors in bounded memory").

  staff 1   3,000 visitors, each clicking twice, and 100 previews
  staff 2     400 visitors
  staff 3  12,000 visitors
  staff 4   1,000 visitors (exactly --exact-limit 1000)
  staff 5 150,000 visitors (only in big/: a set of 2 MiB, past a 1 MiB
            --visitor-memory)
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from tap import eq, ok  # noqa: E402

REACH = tap.REACH
MKSEG = tap.MKSEG
TMP = tap.tempdir("reach-large-")
ERR = 4 * 0.0081        # four standard errors


def reach(*args):
    e = dict(os.environ)
    e.pop("REDIRECTD_DB", None)
    return subprocess.run([REACH] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=300, env=e)


def mkseg(path, lines, *opts):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    r = subprocess.run([MKSEG, path] + [str(o) for o in opts],
                       input="".join(line + "\n" for line in lines),
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError("mkseg %s failed: %s" % (path, r.stderr))
    return path


rng = random.Random(20261125)
used = set()


def visitors(n):
    out = []
    while len(out) < n:
        v = rng.getrandbits(64)
        if v and v not in used:
            used.add(v)
            out.append(v)
    return out


def human(staff, v, i):
    return ("time_us=%d staff=%d campaign=%d class=human visitor=%d" %
            (1772359200000000 + i, staff, staff, v))


TRUE = {1: 3000, 2: 400, 3: 12000, 4: 1000}
lines = []
for staff, n in TRUE.items():
    vs = visitors(n)
    for v in vs * (2 if staff == 1 else 1):
        lines.append(human(staff, v, len(lines)))
lines += ["time_us=1772359300000000 staff=1 class=preview"] * 100
rng.shuffle(lines)
SMALL = os.path.join(TMP, "small")
half = len(lines) // 2
# Two segments: a visitor's second click is often in the other one.
mkseg(os.path.join(SMALL, "a.clk"), lines[:half])
mkseg(os.path.join(SMALL, "b.clk"), lines[half:])


def rows(*args):
    r = reach("--format", "json", *args)
    if r.returncode != 0:
        return {}, r
    return {int(x["staff"][1:]): x for x in json.loads(r.stdout)}, r


def within(got, want):
    return abs(got - want) <= ERR * want


# ------------------------------------------------------------ exact counts

got, r = rows(SMALL)
eq({k: v["visitors"] for k, v in got.items()}, TRUE,
   "no limit: every count exact")
ok(not any("visitors_estimated" in v for v in got.values()) and
   r.stderr == "", "no limit: no estimate marked, nothing on stderr",
   r.stderr)
eq(got[1]["clicks"], 6000, "staff 1: 6,000 clicks")

# ------------------------------------------------- --exact-limit 1000

got, r = rows("--exact-limit", 1000, SMALL)
eq(r.returncode, 0, "--exact-limit 1000: exit 0")
for staff in (2, 4):
    ok(got[staff]["visitors"] == TRUE[staff] and
       "visitors_estimated" not in got[staff],
       "--exact-limit 1000: staff %d (%d visitors) exact, unmarked" %
       (staff, TRUE[staff]), got.get(staff))
for staff in (1, 3):
    v = got[staff]["visitors"]
    ok(got[staff].get("visitors_estimated") is True and
       within(v, TRUE[staff]),
       "--exact-limit 1000: staff %d estimated: %d for %d (%.2f%%)" %
       (staff, v, TRUE[staff], 100.0 * (v - TRUE[staff]) / TRUE[staff]),
       got.get(staff))
eq(got[1]["clicks"], 6000, "--exact-limit: clicks stay exact")
eq(got[1]["bots"], 100, "--exact-limit: bots stay exact")
eq(r.stderr, "reach: note: visitors of 2 of 4 colleagues are estimates "
   "(HyperLogLog, standard error 0.81%), past --exact-limit or "
   "--visitor-memory\n", "--exact-limit: a note on stderr says how many")
EST = got

r = reach("--exact-limit", 1000, SMALL)
table = r.stdout.splitlines()
mark = {int(line.split()[1][1:]): line.split()[2] for line in table[1:-1]}
eq(mark, {1: "~%d" % EST[1]["visitors"], 2: "400",
          3: "~%d" % EST[3]["visitors"], 4: "1000"},
   "table: estimates marked ~, exact counts bare")
total = sum(x["visitors"] for x in EST.values())
ok(table[-1].startswith("total: ~%d visitors" % total),
   "table: the total of estimates is marked ~", table[-1])
vis_end = table[0].index("VISITORS") + len("VISITORS")
ends = [list(re.finditer(r"\S+", line))[2].end() for line in table[1:-1]]
eq(ends, [vis_end] * 4, "table: the column stays aligned with the mark")

r = reach("--format", "csv", "--exact-limit", 1000, SMALL)
csv_vis = {int(line.split(",")[1][1:]): int(line.split(",")[5])
           for line in r.stdout.splitlines()[1:]}
eq(csv_vis, {k: v["visitors"] for k, v in EST.items()},
   "csv: plain numbers, the same estimates")
ok("note: visitors of 2 of 4" in r.stderr, "csv: the note on stderr",
   r.stderr)

got, r = rows("--exact-limit", 0, SMALL)
ok(all(v.get("visitors_estimated") and within(v["visitors"], TRUE[k])
       for k, v in got.items()),
   "--exact-limit 0: every count estimated, all within 4 x 0.81%",
   {k: (v["visitors"], TRUE[k]) for k, v in got.items()})

r = reach("--format", "json", "--by", "campaign", "--exact-limit", 1000,
          SMALL)
camp = {x["campaign"]: x for x in json.loads(r.stdout)}
ok(camp["#3"].get("visitors_estimated") and
   within(camp["#3"]["visitors"], 12000) and
   camp["#2"]["visitors"] == 400 and "visitors_estimated" not in camp["#2"],
   "--by campaign: the same limit per campaign", r.stdout)

# ------------------------------------------------ --visitor-memory 1 (MiB)

BIG = os.path.join(TMP, "big")
shutil.copytree(SMALL, BIG)
big = [human(5, v, i) for i, v in enumerate(visitors(150000))]
mkseg(os.path.join(BIG, "c.clk"), big)

got, r = rows(BIG)
eq(got[5]["visitors"], 150000, "default budget (256 MiB): 150,000 exact")
got, r = rows("--visitor-memory", 1, BIG)
ok(got[5].get("visitors_estimated") and within(got[5]["visitors"], 150000),
   "--visitor-memory 1: the largest set, 150,000, estimated: %d" %
   got[5]["visitors"], got.get(5))
eq({k: v["visitors"] for k, v in got.items() if k != 5}, TRUE,
   "--visitor-memory 1: the smaller sets stay exact")
ok(not any("visitors_estimated" in v for k, v in got.items() if k != 5),
   "--visitor-memory 1: and are not marked")
eq(r.stderr.count("visitors of 1 of 5 colleagues are estimates"), 1,
   "--visitor-memory 1: the note counts one")

# ------------------------------------------------------------ bad options

for args, msg in [(("--exact-limit", "-1"), "--exact-limit: expected"),
                  (("--exact-limit", "ten"), "--exact-limit: expected"),
                  (("--exact-limit", ""), "--exact-limit: expected"),
                  (("--visitor-memory", "0"), "--visitor-memory: expected"),
                  (("--visitor-memory", "1048577"),
                   "--visitor-memory: expected"),
                  (("--visitor-memory", "1k"), "--visitor-memory: expected")]:
    r = reach(*(args + (SMALL,)))
    ok(r.returncode == 2 and r.stderr.startswith("reach: " + msg) and
       r.stdout == "", "bad %s %r: usage error" % args, r.stderr)
r = reach("--help")
ok("--exact-limit N" in r.stdout and "--visitor-memory MIB" in r.stdout and
   "0.81%" in r.stdout, "--help documents both options and the error")

# ------------------------------------- segments longer than the buffer

# 8,192 records fill reach's buffer; the first buffer of a file starts
# after the 128-byte header.  Records land on both sides of the boundary.
N = 20000
long_lines = [human(7, i + 1, i) for i in range(N)]
LONG = mkseg(os.path.join(TMP, "long", "l.clk"), long_lines)
got, r = rows(LONG)
ok(r.returncode == 0 and got[7]["visitors"] == N and got[7]["clicks"] == N,
   "20,000 records (three buffers): every one counted", r.stderr)

for k in (8191, 8192, 16383, 19999):
    path = mkseg(os.path.join(TMP, "bad%d" % k, "x.clk"), long_lines,
                 "--corrupt-at", k)
    r = reach(path)
    want = ("reach: %s: corrupt record at offset %d\n" %
            (path, 128 + 128 * k)) if k < N - 1 else (
            "reach: warning: %s: torn record at offset %d (interrupted "
            "write); counted the %d whole records before it\n" %
            (path, 128 + 128 * k, k))
    eq((r.returncode, r.stderr), (1 if k < N - 1 else 0, want),
       "bad record %d of %d: %s" %
       (k, N, "corrupt" if k < N - 1 else "the last one: torn"))

path = mkseg(os.path.join(TMP, "torn", "t.clk"), long_lines, "--torn", 100)
got, r = rows(path)
eq(r.stderr, "reach: warning: %s: torn record at offset %d (interrupted "
   "write); counted the %d whole records before it\n" %
   (path, 128 + 128 * N, N), "a torn tail after three buffers: warned")
eq(got[7]["clicks"], N, "and every whole record counted")

shutil.rmtree(TMP, ignore_errors=True)
tap.done()
