#!/usr/bin/env python3
"""reach --compare, --rank improved and the prize rules (--min-visitors,
--repeat-limit), through the real reach over segments written by mkseg,
against ground truth this test builds from the records it wrote.

The store: ana, bo, cy, di, ed (ids 1-5).  Two windows of 7 days, the
current one [2026-05-11, 2026-05-18) and the one before it; the records
are drawn from a seeded generator (visitors, clicks, countries, classes,
internal clicks, records outside both windows), and the test counts each
window itself: distinct visitors and human clicks per colleague, the
competition ranks on (visitors, clicks), the change and the movement.
Then by hand: --compare SPAN (a window further back), --last with
--compare previous, --by country (rows matched by key, not by the
countries' numbering, which differs between the windows), --rank
improved, --min-visitors in every format, the repeat flag, --ties
earliest over two nodes' segments, and the usage errors.
"""
import calendar
import csv
import io
import json
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from tap import eq, ok  # noqa: E402
from daemon import linkctl  # noqa: E402

TMP = tap.tempdir("reach-compare-")
DB = os.path.join(TMP, "db")
HANDLES = ["ana", "bo", "cy", "di", "ed"]
for h in HANDLES:
    linkctl(DB, "staff", "add", h, "--name", h.title(), "--team", "t")
DAY = 86400


def at(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%d"))


CUR = (at("2026-05-11"), at("2026-05-18"))
PREV = (CUR[0] - 7 * DAY, CUR[0])
BACK2 = (CUR[0] - 14 * DAY, CUR[0] - 7 * DAY)     # --compare 14d


def env():
    e = dict(os.environ)
    e.pop("REDIRECTD_DB", None)
    e.pop("TZ", None)
    return e


def reach(*args):
    return subprocess.run([tap.REACH, "--db", DB] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=120,
                          env=env())


def mkseg(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    r = subprocess.run([tap.MKSEG, path], input="".join(
        x + "\n" for x in lines), capture_output=True, text=True, timeout=60)
    if r.returncode:
        raise RuntimeError("mkseg: " + r.stderr)


def csv_rows(*args):
    r = reach("--format", "csv", *args)
    ok(r.returncode == 0, "reach --format csv %s" % " ".join(map(str, args)),
       r.stderr)
    return list(csv.DictReader(io.StringIO(r.stdout)))


# ------------------------------------------------------- the records

rnd = random.Random(16)
recs = []       # (time, staff, class, visitor, internal, country)
for t0, t1 in (BACK2, PREV, CUR):
    for staff in range(1, 6):
        for _ in range(rnd.randrange(0, 25)):
            recs.append((rnd.randrange(t0, t1), staff,
                         rnd.choice(["human"] * 6 + ["crawler", "preview"]),
                         rnd.randrange(1, 12) + 100 * staff,
                         rnd.random() < 0.1, rnd.choice(["FR", "DE", "JP"])))
# The edges: the first second of each window counts, the last one's end
# does not.
recs += [(PREV[0], 4, "human", 999, False, "FR"),
         (CUR[0], 5, "human", 998, False, "FR"),
         (CUR[1], 1, "human", 997, False, "FR")]
rnd.shuffle(recs)
LOG = os.path.join(TMP, "log")
mkseg(os.path.join(LOG, "a.clk"), [
    "time=@%d staff=%d class=%s visitor=%d flags=%d country=%s" %
    (t, s, c, v, 1 if i else 0, ctry) for t, s, c, v, i, ctry in recs])


def truth(window, key=lambda r: HANDLES[r[1] - 1]):
    """Visitors and clicks per row key of the records in window."""
    vis, clk = {}, {}
    for r in recs:
        if window[0] <= r[0] < window[1] and r[2] == "human" and not r[4]:
            k = key(r)
            vis.setdefault(k, set()).add(r[3])
            clk[k] = clk.get(k, 0) + 1
    return {k: (len(vis[k]), clk[k]) for k in vis}


def ranks(fig, keys, order=None):
    """Competition ranks on (visitors, clicks), or on order's value."""
    val = order or (lambda k: fig.get(k, (0, 0)))
    s = sorted(keys, key=lambda k: tuple(-x for x in val(k)))
    out = {}
    for i, k in enumerate(s):
        out[k] = out[s[i - 1]] if i and val(k) == val(s[i - 1]) else i + 1
    return out


def expected(cur, prev):
    rc, rp = ranks(cur, HANDLES), ranks(prev, HANDLES)
    out = {}
    for h in HANDLES:
        v, c = cur.get(h, (0, 0))
        pv, pc = prev.get(h, (0, 0))
        out[h] = {"rank": str(rc[h]), "visitors": str(v), "clicks": str(c),
                  "prev_visitors": str(pv), "prev_clicks": str(pc),
                  "change": str(v - pv), "prev_rank": str(rp[h]),
                  "rank_change": str(rp[h] - rc[h])}
    return out


COLS = ["rank", "visitors", "clicks", "prev_visitors", "prev_clicks",
        "change", "prev_rank", "rank_change"]


def got(rows):
    return {x["staff"]: {k: x[k] for k in COLS} for x in rows}


cur, prev = truth(CUR), truth(PREV)
ok(len({v for v, _ in cur.values()}) > 2 and any(
    cur.get(h, (0, 0))[0] < prev.get(h, (0, 0))[0] for h in HANDLES) and
    any(cur.get(h, (0, 0))[0] > prev.get(h, (0, 0))[0] for h in HANDLES),
    "the data has gains, losses and several figures", (cur, prev))
WIN = ["--since", "2026-05-11", "--until", "2026-05-18"]
rows = csv_rows(*WIN, "--compare", "previous", LOG)
eq(got(rows), expected(cur, prev),
   "--compare previous: every colleague's figures in both windows, the "
   "change and the movement, as counted by the test")
eq(list(rows[0].keys()),
   ["rank", "staff", "name", "team", "clicks", "visitors", "bots",
    "previews", "crawlers", "tools", "probes", "internal", "countries",
    "top_country", "top_platform", "prev_clicks", "prev_visitors", "change",
    "prev_rank", "rank_change"],
   "CSV: the new columns after the old ones, none renamed")
plain = csv_rows(*WIN, LOG)
eq([{k: v for k, v in x.items() if k in plain[0]} for x in rows], plain,
   "--compare changes none of the current window's columns")
rows = csv_rows(*WIN, "--compare", "14d", LOG)
eq(got(rows), expected(cur, truth(BACK2)),
   "--compare 14d: the week starting 14 days before this one")

# JSON: the same, as numbers.
r = reach("--format", "json", *WIN, "--compare", "previous", LOG)
js = {x["staff"]: x for x in json.loads(r.stdout)}
exp = expected(cur, prev)
eq({h: [js[h][k] for k in COLS] for h in HANDLES},
   {h: [int(exp[h][k]) for k in COLS] for h in HANDLES},
   "JSON --compare: prev_visitors, prev_clicks, change, prev_rank, "
   "rank_change as numbers")

# The table: the columns after INTERNAL, signed changes.
r = reach(*WIN, "--compare", "previous", LOG)
head = r.stdout.splitlines()[0].split()
eq(head[7:11], ["PREV_VISITORS", "CHANGE", "PREV_RANK", "MOVE"],
   "table: the comparison's columns")
line = {x.split()[1]: x.split() for x in r.stdout.splitlines()[1:-1]}
eq({h: (line[h][8], line[h][10]) for h in HANDLES},
   {h: ("%+d" % int(exp[h]["change"]) if exp[h]["change"] != "0" else "0",
        "%+d" % int(exp[h]["rank_change"])
        if exp[h]["rank_change"] != "0" else "0") for h in HANDLES},
   "table: CHANGE and MOVE signed")

# --rank improved: on the change, then visitors, then clicks.
rows = csv_rows(*WIN, "--compare", "previous", "--rank", "improved", LOG)
chg = {h: int(exp[h]["change"]) for h in HANDLES}
ri = ranks(None, HANDLES, lambda k: (chg[k],) + cur.get(k, (0, 0)))
eq({x["staff"]: x["rank"] for x in rows}, {h: str(ri[h]) for h in HANDLES},
   "--rank improved: ranked on the change in visitors")
eq([int(x["change"]) for x in rows],
   sorted((int(x["change"]) for x in rows), reverse=True),
   "--rank improved: the largest gain first")
eq({x["staff"]: x["prev_rank"] for x in rows},
   {h: exp[h]["prev_rank"] for h in HANDLES},
   "--rank improved: the earlier ranks are by visitors")

# --last 7d --compare previous, times relative to now.
NOW = int(time.time())
RL = os.path.join(TMP, "recent")
mkseg(os.path.join(RL, "r.clk"), [
    "time=@%d staff=1 class=human visitor=1" % (NOW - DAY),
    "time=@%d staff=1 class=human visitor=2" % (NOW - 8 * DAY),
    "time=@%d staff=1 class=human visitor=3" % (NOW - 9 * DAY),
    "time=@%d staff=2 class=human visitor=4" % (NOW - 2 * DAY),
    "time=@%d staff=2 class=human visitor=5" % (NOW - 3 * DAY),
    "time=@%d staff=2 class=human visitor=6" % (NOW - 4 * DAY),
    "time=@%d staff=3 class=human visitor=7" % (NOW - 15 * DAY),
])
rows = {x["staff"]: x for x in csv_rows("--last", "7d", "--compare",
                                        "previous", RL)}
eq({h: (rows[h]["visitors"], rows[h]["prev_visitors"], rows[h]["change"],
        rows[h]["rank"], rows[h]["prev_rank"], rows[h]["rank_change"])
    for h in ("ana", "bo", "cy")},
   {"ana": ("1", "2", "-1", "2", "1", "-1"),
    "bo": ("3", "0", "3", "1", "2", "1"),
    "cy": ("0", "0", "0", "3", "2", "-1")},
   "--last 7d --compare previous: the 7 days before the last 7")

# --by country: rows matched by the country, whatever order the windows
# first saw them in.
byc = lambda r: r[5]  # noqa: E731
cc, cp = truth(CUR, byc), truth(PREV, byc)
rows = {x["country"]: x for x in csv_rows(*WIN, "--compare", "previous",
                                          "--by", "country", LOG)}
eq({k: (rows[k]["visitors"], rows[k]["prev_visitors"], rows[k]["change"])
    for k in rows},
   {k: (str(cc[k][0]), str(cp.get(k, (0, 0))[0]),
        str(cc[k][0] - cp.get(k, (0, 0))[0])) for k in cc},
   "--by country --compare: each country against itself")

# --min-visitors: rows below are unranked, last; ranks among the others.
MIN = sorted(v for v, _ in cur.values())[len(cur) // 2]
rows = csv_rows(*WIN, "--min-visitors", MIN, LOG)
ranked = [h for h in HANDLES if cur.get(h, (0, 0))[0] >= MIN]
rm = ranks(cur, ranked)
eq({x["staff"]: x["rank"] for x in rows},
   {h: str(rm[h]) if h in rm else "" for h in HANDLES},
   "--min-visitors %d: ranks among those with as many, empty for the "
   "others" % MIN)
eq([x["rank"] == "" for x in rows],
   sorted((x["rank"] == "" for x in rows)), "unranked rows come last")
r = reach("--format", "json", *WIN, "--min-visitors", MIN, LOG)
eq({x["staff"]: x["rank"] for x in json.loads(r.stdout)},
   {h: rm.get(h) for h in HANDLES}, "JSON: an unranked row's rank is null")
r = reach(*WIN, "--min-visitors", MIN, LOG)
eq({x.split()[1]: x.split()[0] for x in r.stdout.splitlines()[1:-1]},
   {h: str(rm[h]) if h in rm else "-" for h in HANDLES},
   "table: an unranked row's rank is -")
rows = csv_rows(*WIN, "--min-visitors", MIN, "--compare", "previous", LOG)
pr = ranks(prev, [h for h in HANDLES if prev.get(h, (0, 0))[0] >= MIN])
eq({x["staff"]: x["prev_rank"] for x in rows},
   {h: str(pr[h]) if h in pr else "" for h in HANDLES},
   "--min-visitors applies to the earlier window's ranks too")
eq({x["staff"]: x["rank_change"] for x in rows},
   {h: str(pr[h] - rm[h]) if h in pr and h in rm else "" for h in HANDLES},
   "no movement without both ranks")

# The repeat flag: one visitor with more than N of a row's clicks.
RP = os.path.join(TMP, "repeat")
mkseg(os.path.join(RP, "r.clk"),
      ["time=2026-05-12T10:00:00Z staff=1 class=human visitor=1"] * 4 +
      ["time=2026-05-12T10:00:00Z staff=1 class=human visitor=2"] +
      ["time=2026-05-12T10:00:00Z staff=2 class=human visitor=%d" % v
       for v in (3, 3, 3, 4, 5)] +
      ["time=2026-05-12T10:00:00Z staff=3 class=human visitor=1"] * 2 +
      # not counted: a bot, an internal click, no visitor
      ["time=2026-05-12T10:00:00Z staff=2 class=crawler visitor=3"] * 5 +
      ["time=2026-05-12T10:00:00Z staff=2 class=human visitor=3 flags=1"] +
      ["time=2026-05-12T10:00:00Z staff=4 class=human visitor=0"] * 9)
rows = csv_rows("--repeat-limit", 3, RP)
eq({x["staff"]: x["flags"] for x in rows},
   {"ana": "repeat", "bo": "", "cy": "", "di": "", "ed": ""},
   "--repeat-limit 3: ana's visitor 1 made 4 clicks; bo's 3 (bots, "
   "internal clicks and clicks without a visitor apart)")
rows = csv_rows("--repeat-limit", 2, RP)
eq({x["staff"]: x["flags"] for x in rows},
   {"ana": "repeat", "bo": "repeat", "cy": "", "di": "", "ed": ""},
   "--repeat-limit 2: bo's visitor 3 too; cy's visitor 1 is another "
   "row's")
eq(list(rows[0].keys())[-1], "flags", "CSV: flags is the last column")
r = reach("--format", "json", "--repeat-limit", 3, RP)
eq({x["staff"]: x["flags"] for x in json.loads(r.stdout)},
   {"ana": ["repeat"], "bo": [], "cy": [], "di": [], "ed": []},
   "JSON: flags as a list")
r = reach("--repeat-limit", 3, RP)
ok(r.stdout.splitlines()[0].split()[7] == "FLAGS" and
   any(x.split()[1] == "ana" and "repeat" in x.split()
       for x in r.stdout.splitlines()), "table: a FLAGS column", r.stdout)
eq([x["rank"] for x in csv_rows("--repeat-limit", 3, RP)],
   [x["rank"] for x in csv_rows(RP)], "a flag changes no rank")
ok("flags" not in csv_rows(RP)[0], "no flags column without --repeat-limit")

# --ties earliest: equal (visitors, clicks), the one whose last counted
# click came first ranks first; the records of two nodes, read in either
# order.  ana and bo: 2 visitors, 2 clicks; ana's last at 11:00 (on the
# second node), bo's at 10:30; cy the same figures at 11:00 too.
TE = os.path.join(TMP, "ties")
mkseg(os.path.join(TE, "n1.clk"), [
    "time=2026-05-12T09:00:00Z staff=1 class=human visitor=1",
    "time=2026-05-12T10:30:00Z staff=2 class=human visitor=2",
    "time=2026-05-12T10:00:00Z staff=2 class=human visitor=3",
    "time=2026-05-12T12:00:00Z staff=1 class=crawler",
    "time=2026-05-12T12:00:00Z staff=2 class=human visitor=9 flags=1",
    "time=2026-05-12T09:00:00Z staff=3 class=human visitor=4",
    "time=2026-05-12T11:00:00Z staff=3 class=human visitor=5"])
mkseg(os.path.join(TE, "n2.clk"), [
    "time=2026-05-12T11:00:00Z staff=1 class=human visitor=6"])
for paths in ([os.path.join(TE, "n1.clk"), os.path.join(TE, "n2.clk")],
              [os.path.join(TE, "n2.clk"), os.path.join(TE, "n1.clk")]):
    rows = csv_rows("--ties", "earliest", *paths)
    eq([(x["rank"], x["staff"], x["reached"]) for x in rows],
       [("1", "bo", "2026-05-12T10:30:00Z"),
        ("2", "ana", "2026-05-12T11:00:00Z"),
        ("2", "cy", "2026-05-12T11:00:00Z"), ("4", "di", ""),
        ("4", "ed", "")],
       "--ties earliest: bo reached 2 visitors, 2 clicks first; ana and cy "
       "at the same second share (read %s first)" %
       os.path.basename(paths[0]))
eq([(x["rank"], x["staff"]) for x in csv_rows(TE)][:3],
   [("1", "ana"), ("1", "bo"), ("1", "cy")],
   "--ties shared (the default): one rank for equal figures")
r = reach("--format", "json", "--ties", "earliest", TE)
eq([x["reached"] for x in json.loads(r.stdout)],
   ["2026-05-12T10:30:00Z", "2026-05-12T11:00:00Z", "2026-05-12T11:00:00Z",
    None, None], "JSON: reached, null without a click")
rows = csv_rows("--ties", "earliest", "--since", "2026-05-13", "--until",
                "2026-05-14", "--compare", "previous", TE)
eq([(x["staff"], x["prev_rank"]) for x in rows][:3],
   [("ana", "2"), ("bo", "1"), ("cy", "2")],
   "--ties earliest applies to the earlier window's ranks")

# Usage errors.
for args, what in [
        (["--compare", "previous"], "a window with a start"),
        (WIN + ["--compare", "3d"], "would overlap"),
        (WIN + ["--compare", "last"], "expected previous or a span"),
        (WIN + ["--rank", "improved"], "give --compare"),
        (WIN + ["--compare", "previous", "--by", "day"], "other days"),
        (["--since", "2099-01-01", "--compare", "previous"],
         "not in the past"),
        (["--repeat-limit", "0"], "--repeat-limit"),
        (["--min-visitors", "x"], "--min-visitors"),
        (["--ties", "first"], "expected shared or earliest")]:
    r = reach(*args, LOG)
    ok(r.returncode == 2 and what in r.stderr and r.stdout == "",
       "%s: a usage error (%s)" % (" ".join(args), what), r.stderr)
ok(reach(*WIN, "--compare", "7d", LOG).returncode == 0,
   "--compare 7d over a 7-day window: the one just before")

tap.done()
