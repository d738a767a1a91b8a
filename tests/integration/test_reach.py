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
  #9 is 4; dan 5.  Only alice's first click has a country (FR) and a
  platform (linkedin); every other human click has platform 0, unknown, so
  top_platform is "unknown" (counted honestly) where there are human clicks.

The attribution data set (logs-attrib/, see there) covers internal
clicks, countries, platforms and --by country / platform.
"""
import json
import re
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

CSV_HDR = ("rank,staff,name,team,clicks,visitors,bots,previews,crawlers,"
           "tools,probes,internal,countries,top_country,top_platform\n")
CSV_CAMP_HDR = ("rank,campaign,clicks,visitors,bots,previews,crawlers,tools,"
                "probes,internal,countries,top_country,top_platform\n")
TOTAL = ("total: 10 visitors (unique per colleague, summed), 13 clicks, "
         "10 bots, 0 internal (excluded), 23 records from 3 segments\n")

# ------------------------------------------------------- without a store

r = reach("--format", "csv", LOGS)
eq(r.returncode, 0, "directory tree: exit 0")
eq(r.stderr, "", "directory tree: nothing on stderr")
eq(r.stdout, CSV_HDR +
   "1,#1,,,6,3,3,2,1,0,0,0,1,FR,unknown\n"
   "2,#2,,,3,3,4,0,0,1,3,0,0,,unknown\n"
   "2,#3,,,3,3,1,0,1,0,0,0,0,,unknown\n"
   "4,#9,,,1,1,2,0,0,0,0,0,0,,unknown\n",
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
   "1,#1,,,4,2,3,2,1,0,0,0,1,FR,unknown\n"
   "2,#2,,,2,2,0,0,0,0,0,0,0,,unknown\n"
   "3,#9,,,1,1,2,0,0,0,0,0,0,,unknown\n",
   "one segment alone")

# Any file name is taken when named explicitly.
other = os.path.join(TMP, "plain-name.seg")
shutil.copy(C, other)
r2 = reach("--format", "csv", other)
eq(r2.stdout, CSV_HDR + "1,#3,,,3,3,1,0,1,0,0,0,0,,unknown\n"
   "2,#2,,,0,0,1,0,0,0,1,0,0,,\n",
   "a segment with any name, named explicitly; no human click: no top "
   "platform")

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
        crawlers=0, tools=0, probes=0, internal=0, countries=0,
        top_country="", top_platform="unknown"):
    return {"rank": rank, "staff": staff, "name": name, "team": team,
            "clicks": clicks, "visitors": visitors, "bots": bots,
            "previews": previews, "crawlers": crawlers, "tools": tools,
            "probes": probes, "internal": internal, "countries": countries,
            "top_country": top_country, "top_platform": top_platform,
            # What "visitors" counts: these records lie within one day.
            "visitor_period": "day", "visitor_unit": "visitors"}


eq(rows, [row(1, "#1", "", "", 6, 3, 3, previews=2, crawlers=1,
              countries=1, top_country="FR"),
          row(2, "#2", "", "", 3, 3, 4, tools=1, probes=3),
          row(2, "#3", "", "", 3, 3, 1, crawlers=1),
          row(4, "#9", "", "", 1, 1, 2)],
   "json without a store: the same rows, numbers as numbers")
ok(all(isinstance(x["clicks"], int) for x in rows or []),
   "json numbers are integers")

r = reach(LOGS)
eq(r.stdout,
   "RANK  STAFF  NAME  VISITORS  CLICKS  BOTS  INTERNAL  COUNTRY  PLATFORM\n"
   "   1  #1                  3       6     3         0  FR       unknown\n"
   "   2  #2                  3       3     4         0           unknown\n"
   "   2  #3                  3       3     1         0           unknown\n"
   "   4  #9                  1       1     2         0           unknown\n"
   + TOTAL,
   "table without a store (default format)")

r = reach("--by", "campaign", "--format", "csv", LOGS)
eq(r.stdout, CSV_CAMP_HDR +
   "1,#1,8,5,4,2,2,0,0,0,1,FR,unknown\n"
   "2,#2,3,3,4,0,0,1,3,0,0,,unknown\n"
   "3,(none),2,2,2,0,0,0,0,0,0,,unknown\n",
   "--by campaign: campaign 0 is (none)")
r = reach("--by", "campaign", LOGS)
eq(r.stdout,
   "RANK  CAMPAIGN  VISITORS  CLICKS  BOTS  INTERNAL  COUNTRY  PLATFORM\n"
   "   1  #1               5       8     4         0  FR       unknown\n"
   "   2  #2               3       3     4         0           unknown\n"
   "   3  (none)           2       2     2         0           unknown\n"
   "total: 10 visitors (unique per campaign, summed), 13 clicks, 10 bots, "
   "0 internal (excluded), 23 records from 3 segments\n",
   "--by campaign table")
r = reach("--by", "campaign", "--format", "json", LOGS)
ok(r.returncode == 0 and json.loads(r.stdout)[2] == {
    "rank": 3, "campaign": "(none)", "clicks": 2, "visitors": 2, "bots": 2,
    "previews": 0, "crawlers": 0, "tools": 0, "probes": 0, "internal": 0,
    "countries": 0, "top_country": "", "top_platform": "unknown",
    "visitor_period": "day", "visitor_unit": "visitors"},
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
ok(r.stdout.endswith("3 clicks, 0 bots, 0 internal (excluded), 3 records "
                    "from 1 segments\n"),
   "records in the total line are those in the window", r.stdout)
r = reach("--since", DAY + "10:30", T)
ok(r.returncode == 0 and "   1  #1                  3       3     1         0"
   "           unknown\n" in r.stdout,
   "visitors counted in the window only", r.stdout)

# ------------------------------------ attribution: internal, country, platform

# The attribution data set, logs-attrib/ (no store: ids show as #N).
# I = CLICK_F_INTERNAL (flags=1).  "--" is an unknown country.
#
#   #1 ana (campaign 1)          #2 ben (campaign 2)
#   a1 human 11 FR linkedin      b1 human 21 -- unknown
#   a2 human 12 FR linkedin      b2 human 22 -- unknown
#   a3 human 13 DE x             b3 human 23 GB none
#   a4 human 13 DE x             b4 probe    GB unknown
#   a5 human 14 -- none          b5 human 21 GB linkedin  I
#   a6 human 15 FR linkedin  I   b6 crawler  -- platform 99 (-> unknown)
#   a7 human 16 US email     I
#   a8 preview  DE x             #3 cat (campaign 1)
#   a9 crawler  US other         c1 human 31 FR linkedin  I
#                                c2 human 32 DE none      I
#   #4 dan (no campaign)         c3 tool     -- unknown
#   d1 human 41 FR x         I   c4 preview  FR x  flags=1 (a bot: not internal)
#
# Without --include-internal, ana's counted clicks are a1-a5: FR 2 and DE 2
# tie (top_country DE, alphabetically first, though FR came first); x 2 and
# linkedin 2 tie (top_platform x, the lower enum value).  ben's countries:
# GB only (unknown is never a country), his top platform "unknown" (2 of 3).
# cat and dan have internal clicks only: rows with internal, nothing else.
ATT = os.path.join(TMP, "logs-attrib")
mkseg(os.path.join(ATT, "n1.clk"), [
    rec(0, 1, "human", 11, 1, country="FR", platform="linkedin"),
    rec(1, 1, "human", 12, 1, country="FR", platform="linkedin"),
    rec(2, 1, "human", 13, 1, country="DE", platform="x"),
    rec(3, 1, "human", 13, 1, country="DE", platform="x"),
    rec(4, 1, "human", 14, 1, platform="none"),
    rec(5, 1, "human", 15, 1, country="FR", platform="linkedin", flags=1),
    rec(6, 1, "human", 16, 1, country="US", platform="email", flags=1),
    rec(7, 1, "preview", 0, 1, country="DE", platform="x"),
    rec(8, 1, "crawler", 0, 1, country="US", platform="other"),
    rec(10, 2, "human", 21, 2),
    rec(11, 2, "human", 22, 2),
    rec(12, 2, "human", 23, 2, country="GB", platform="none"),
    rec(13, 2, "probe", 0, 2, country="GB", flags=2),
    rec(14, 2, "human", 21, 2, country="GB", platform="linkedin", flags=1),
    rec(15, 2, "crawler", 0, 2, platform="99"),
], "--node", "web-1")
mkseg(os.path.join(ATT, "n2.clk"), [
    rec(20, 3, "human", 31, 1, country="FR", platform="linkedin", flags=1),
    rec(21, 3, "human", 32, 1, country="DE", platform="none", flags=1),
    rec(22, 3, "tool", 0, 1),
    rec(23, 3, "preview", 0, 1, country="FR", platform="x", flags=1),
    rec(24, 4, "human", 41, 0, country="FR", platform="x", flags=1),
], "--node", "web-2")
COUNTRY_HDR = ("rank,country,clicks,visitors,bots,previews,crawlers,tools,"
               "probes,internal\n")
PLATFORM_HDR = COUNTRY_HDR.replace("country", "platform")
INCL = "--include-internal"


def csv_of(*args):
    r = reach("--format", "csv", *args)
    return r.stdout if r.returncode == 0 and r.stderr == "" else (
        r.returncode, r.stdout, r.stderr)


def json_rows(*args, at=slice(None)):
    """Rows [at] of reach's json output; the output itself when that fails
    (so a broken build fails the assertion, not the script)."""
    r = reach("--format", "json", *args)
    try:
        return json.loads(r.stdout)[at]
    except (ValueError, IndexError):
        return (r.returncode, r.stdout, r.stderr)


eq(csv_of(ATT), CSV_HDR +
   "1,#1,,,5,4,2,1,1,0,0,2,2,DE,x\n"
   "2,#2,,,3,3,2,0,1,0,1,1,1,GB,unknown\n"
   "3,#3,,,0,0,2,1,0,1,0,2,0,,\n"
   "3,#4,,,0,0,0,0,0,0,0,1,0,,\n",
   "internal excluded: not in clicks, visitors, countries or top_*; "
   "always in internal; ties in top_country / top_platform; internal-only rows")
eq(csv_of(INCL, ATT), CSV_HDR +
   "1,#1,,,7,6,2,1,1,0,0,2,3,FR,linkedin\n"
   "2,#2,,,4,3,2,0,1,0,1,1,1,GB,unknown\n"
   "3,#3,,,2,2,2,1,0,1,0,2,2,DE,none\n"
   "4,#4,,,1,1,0,0,0,0,0,1,1,FR,x\n",
   "--include-internal: internal clicks counted too (ben's visitor 21 once); "
   "cat's ties: DE over FR, none over linkedin")
eq(json_rows(ATT, at=slice(0, 2)),
   [row(1, "#1", "", "", 5, 4, 2, previews=1, crawlers=1, internal=2,
        countries=2, top_country="DE", top_platform="x"),
    row(2, "#2", "", "", 3, 3, 2, crawlers=1, probes=1, internal=1,
        countries=1, top_country="GB", top_platform="unknown")],
   "json: internal, countries (a number), top_country, top_platform")
eq(json_rows(ATT, at=3),
   row(3, "#4", "", "", 0, 0, 0, internal=1, top_platform=""),
   "json: no counted human click gives empty top_country and top_platform")

eq(csv_of("--by", "campaign", ATT), CSV_CAMP_HDR +
   "1,#1,5,4,4,2,1,1,0,4,2,DE,x\n"
   "2,#2,3,3,2,0,1,0,1,1,1,GB,unknown\n"
   "3,(none),0,0,0,0,0,0,0,1,0,,\n",
   "--by campaign: internal, countries, top_* per campaign")
eq(json_rows("--by", "campaign", INCL, ATT, at=0), {
    "rank": 1, "campaign": "#1", "clicks": 9, "visitors": 8, "bots": 4,
    "previews": 2, "crawlers": 1, "tools": 1, "probes": 0, "internal": 4,
    "countries": 3, "top_country": "FR", "top_platform": "linkedin",
    "visitor_period": "day", "visitor_unit": "visitors"},
   "--by campaign --include-internal json")

eq(csv_of("--by", "country", ATT), COUNTRY_HDR +
   "1,unknown,3,3,2,0,1,1,0,0\n"
   "2,FR,2,2,1,1,0,0,0,3\n"
   "3,DE,2,1,1,1,0,0,0,1\n"
   "4,GB,1,1,1,0,0,0,1,1\n"
   "5,US,0,0,1,0,1,0,0,1\n",
   "--by country: groups from the records, unknown for \\0\\0, bots under "
   "their own country, internal excluded")
eq(csv_of("--by", "country", INCL, ATT), COUNTRY_HDR +
   "1,FR,5,5,1,1,0,0,0,3\n"
   "2,unknown,3,3,2,0,1,1,0,0\n"
   "3,DE,3,2,1,1,0,0,0,1\n"
   "4,GB,2,2,1,0,0,0,1,1\n"
   "5,US,1,1,1,0,1,0,0,1\n",
   "--by country --include-internal")
eq(csv_of("--by", "platform", ATT), PLATFORM_HDR +
   "1,linkedin,2,2,0,0,0,0,0,3\n"
   "1,none,2,2,0,0,0,0,0,1\n"
   "1,unknown,2,2,3,0,1,1,1,0\n"
   "4,x,2,1,2,2,0,0,0,1\n"
   "5,email,0,0,0,0,0,0,0,1\n"
   "5,other,0,0,1,0,1,0,0,0\n",
   "--by platform: ties share a rank, by name; platform 99 is unknown; "
   "bots under their own platform")
eq(csv_of("--by", "platform", INCL, ATT), PLATFORM_HDR +
   "1,linkedin,5,5,0,0,0,0,0,3\n"
   "2,none,3,3,0,0,0,0,0,1\n"
   "3,x,3,2,2,2,0,0,0,1\n"
   "4,unknown,2,2,3,0,1,1,1,0\n"
   "5,email,1,1,0,0,0,0,0,1\n"
   "6,other,0,0,1,0,1,0,0,0\n",
   "--by platform --include-internal")
eq(json_rows("--by", "country", ATT, at=slice(0, 2)),
   [{"rank": 1, "country": "unknown", "clicks": 3, "visitors": 3, "bots": 2,
     "previews": 0, "crawlers": 1, "tools": 1, "probes": 0, "internal": 0,
     "visitor_period": "day", "visitor_unit": "visitors"},
    {"rank": 2, "country": "FR", "clicks": 2, "visitors": 2, "bots": 1,
     "previews": 1, "crawlers": 0, "tools": 0, "probes": 0, "internal": 3,
     "visitor_period": "day", "visitor_unit": "visitors"}],
   "--by country json: the csv keys, no spread columns")
eq(json_rows("--by", "platform", ATT, at=3), {
    "rank": 4, "platform": "x", "clicks": 2, "visitors": 1, "bots": 2,
    "previews": 2, "crawlers": 0, "tools": 0, "probes": 0, "internal": 1,
    "visitor_period": "day", "visitor_unit": "visitors"},
   "--by platform json")

ATT_TOTAL = "6 bots, 6 internal (%s), 20 records from 2 segments\n"
r = reach(ATT)
eq(r.stdout,
   "RANK  STAFF  NAME  VISITORS  CLICKS  BOTS  INTERNAL  COUNTRY  PLATFORM\n"
   "   1  #1                  4       5     2         2  DE       x\n"
   "   2  #2                  3       3     2         1  GB       unknown\n"
   "   3  #3                  0       0     2         2\n"
   "   3  #4                  0       0     0         1\n"
   "total: 7 visitors (unique per colleague, summed), 8 clicks, " +
   ATT_TOTAL % "excluded",
   "table: INTERNAL, COUNTRY, PLATFORM; internal-only rows end after INTERNAL")
r = reach("--by", "country", ATT)
eq(r.stdout,
   "RANK  COUNTRY  VISITORS  CLICKS  BOTS  INTERNAL\n"
   "   1  unknown         3       3     2         0\n"
   "   2  FR              2       2     1         3\n"
   "   3  DE              1       2     1         1\n"
   "   4  GB              1       1     1         1\n"
   "   5  US              0       0     1         1\n"
   "total: 7 visitors (unique per country, summed), 8 clicks, " +
   ATT_TOTAL % "excluded", "--by country table")
r = reach("--by", "platform", INCL, ATT)
eq(r.stdout,
   "RANK  PLATFORM  VISITORS  CLICKS  BOTS  INTERNAL\n"
   "   1  linkedin         5       5     0         3\n"
   "   2  none             3       3     0         1\n"
   "   3  x                2       3     2         1\n"
   "   4  unknown          2       2     3         0\n"
   "   5  email            1       1     0         1\n"
   "   6  other            0       0     1         0\n"
   "total: 13 visitors (unique per platform, summed), 14 clicks, " +
   ATT_TOTAL % "included", "--by platform --include-internal table")

# Ties between countries, and codes that are not printable ASCII (what a
# hand-made file can hold; "é" is the bytes c3 a9): ranked by their text,
# "#c3a9" < "AR" < "US" < "unknown".  #1's three clicks: US first, then AR,
# then unknown; top_country AR (alphabetical, unknown never), top_platform
# x (x 3 < linkedin 5 < bluesky 7, one click each).
TIE = mkseg(os.path.join(TMP, "tie", "t.clk"), [
    rec(0, 1, "human", 1, country="US", platform="x"),
    rec(1, 1, "human", 2, country="AR", platform="linkedin"),
    rec(2, 1, "human", 3, platform="bluesky"),
    rec(3, 2, "human", 4, country="é", platform="none"),
])
eq(csv_of("--by", "country", TIE), COUNTRY_HDR +
   "1,#c3a9,1,1,0,0,0,0,0,0\n"
   "1,AR,1,1,0,0,0,0,0,0\n"
   "1,US,1,1,0,0,0,0,0,0\n"
   "1,unknown,1,1,0,0,0,0,0,0\n",
   "--by country: a four-way tie, by text; a non-ASCII code in hex")
eq(csv_of(TIE), CSV_HDR +
   "1,#1,,,3,3,0,0,0,0,0,0,2,AR,x\n"
   "2,#2,,,1,1,0,0,0,0,0,0,1,#c3a9,none\n",
   "top_country: a tie goes to the alphabetically first, not the first "
   "seen; top_platform: to the lowest enum value")
eq(csv_of("--since", DAY + "10:01", "--by", "country", TIE), COUNTRY_HDR +
   "1,#c3a9,1,1,0,0,0,0,0,0\n"
   "1,AR,1,1,0,0,0,0,0,0\n"
   "1,unknown,1,1,0,0,0,0,0,0\n",
   "--by country honours the time window")

# Forty countries: the histograms, shared capacity 16 at first, grow twice
# (16 -> 32 -> 64) while #2's already holds a count.  #1 clicks once from
# each of AA..AZ, BA..BN, then again from BN: 40 countries, top BN.  #2's
# AA click comes before the growth, its BN click after: AA must survive
# the growth to win the tie.
CODES = ["A" + chr(c) for c in range(65, 91)] + ["B" + chr(c)
                                                 for c in range(65, 79)]
MANY = mkseg(os.path.join(TMP, "many", "m.clk"),
             [rec(0, 2, "human", 1000, country="AA")] +
             [rec(1, 1, "human", 1 + i, country=cc)
              for i, cc in enumerate(CODES)] +
             [rec(2, 1, "human", 99, country="BN"),
              rec(3, 2, "human", 1001, country="BN")])
eq(csv_of(MANY), CSV_HDR +
   "1,#1,,,41,41,0,0,0,0,0,0,40,BN,unknown\n"
   "2,#2,,,2,2,0,0,0,0,0,0,2,AA,unknown\n",
   "forty countries: counts survive the histograms growing")

r = reach("--by", "country", "--db", os.path.join(TMP, "no-db"), "--format",
          "csv", ATT)
eq((r.returncode, r.stdout), (0, csv_of("--by", "country", ATT)),
   "--by country does not read the store (a missing --db is no error)")

# ---------------------------------------------------- empty and edge cases

H = mkseg(os.path.join(TMP, "empty", "h.clk"), [], "--node", "web-3")
r = reach("--format", "json", H)
ok(r.returncode == 0 and r.stdout == "[]\n" and json.loads(r.stdout) == [],
   "json with no rows is []", repr(r.stdout))
r = reach("--format", "csv", H)
eq((r.returncode, r.stdout), (0, CSV_HDR), "csv with no rows: the header")
r = reach(H)
eq(r.stdout, "RANK  STAFF  NAME  VISITORS  CLICKS  BOTS  INTERNAL  COUNTRY  "
   "PLATFORM\n"
   "total: 0 visitors (unique per colleague, summed), 0 clicks, 0 bots, "
   "0 internal (excluded), 0 records from 1 segments\n", "table with no rows")
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
eq(r.stdout, CSV_HDR + "1,#1,,,2,2,0,0,0,0,0,0,0,,unknown\n"
   "2,#2,,,0,0,1,0,1,0,0,0,0,,\n",
   "torn tail: the whole records counted")
for n in (1, 127):
    t2 = mkseg(os.path.join(BAD, "torn%d.clk" % n),
               ["staff=1 class=human visitor=1"], "--torn", n)
    r = reach("--format", "csv", t2)
    ok(r.returncode == 0 and "offset 256" in r.stderr and
       r.stdout == CSV_HDR + "1,#1,,,1,1,0,0,0,0,0,0,0,,unknown\n",
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
    tap.skip("unreadable file", "running as root: permissions do not apply")

# ------------------------------------------------------------ usage errors

for args, what in [
        ((), "no PATH"),
        (("--by", "tribe", A), "--by tribe"),
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
        tap.skip(what, "no linkctl at %s" % LINKCTL)
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
   "1,alice,Alice Martin,growth,6,3,3,2,1,0,0,0,1,FR,unknown\n"
   '2,bob,"Bob ""B"" Ng, Jr.",sales,3,3,4,0,0,1,3,0,0,,unknown\n'
   "2,chloe,Chloé Dürr-Ørsted,growth,3,3,1,0,1,0,0,0,0,,unknown\n"
   "4,#9,,,1,1,2,0,0,0,0,0,0,,unknown\n"
   "5,dan,Dan,,0,0,0,0,0,0,0,0,0,,\n",
   "store csv: names, teams, RFC 4180 quoting, a zero row for dan, #9")

r = reach("--db", DB, "--format", "json", LOGS)
eq(json.loads(r.stdout) if r.returncode == 0 else r.stderr,
   [row(1, "alice", "Alice Martin", "growth", 6, 3, 3, previews=2,
        crawlers=1, countries=1, top_country="FR"),
    row(2, "bob", 'Bob "B" Ng, Jr.', "sales", 3, 3, 4, tools=1, probes=3),
    row(2, "chloe", "Chloé Dürr-Ørsted", "growth", 3, 3, 1, crawlers=1),
    row(4, "#9", "", "", 1, 1, 2),
    row(5, "dan", "Dan", "", 0, 0, 0, top_platform="")],
   "store json: parsed, exact")

r = reach("--db", DB, LOGS)
NAMES = ["Alice Martin", 'Bob "B" Ng, Jr.', "Chloé Dürr-Ørsted", "", "Dan"]
w = max(len(n) for n in NAMES)     # code points: Chloé's, 17 (20 bytes)
SPREAD = "  %-7s  %s"     # COUNTRY, PLATFORM: empty for dan, who has no clicks
table = [
    "RANK  STAFF  %s  VISITORS  CLICKS  BOTS  INTERNAL  COUNTRY  PLATFORM"
    % "NAME".ljust(w),
    "   1  alice  %s         3       6     3         0" % "Alice Martin".ljust(w)
    + SPREAD % ("FR", "unknown"),
    "   2  bob    %s         3       3     4         0" % 'Bob "B" Ng, Jr.'.ljust(w)
    + SPREAD % ("", "unknown"),
    "   2  chloe  %s         3       3     1         0" % "Chloé Dürr-Ørsted".ljust(w)
    + SPREAD % ("", "unknown"),
    "   4  #9     %s         1       1     2         0" % "".ljust(w)
    + SPREAD % ("", "unknown"),
    "   5  dan    %s         0       0     0         0" % "Dan".ljust(w),
]
eq(r.stdout, "\n".join(table) + "\n" + TOTAL, "store table, exact")

# Alignment, checked on its own: in code points (what a terminal shows),
# each column starts (left-aligned) or ends (right-aligned) where its header
# does, and no line has trailing blanks (the last column is not padded; a
# row without human clicks ends after INTERNAL).
lines = r.stdout.splitlines()[:-1]
hdr = lines[0]
aligned = len(lines) == 6 and all(line == line.rstrip() for line in lines)
for col, values in (("STAFF", ["alice", "bob", "chloe", "#9", "dan"]),
                    ("NAME", NAMES),
                    ("COUNTRY", ["FR", "", "", "", None]),
                    ("PLATFORM", ["unknown"] * 4 + [None])):
    at = hdr.index(col)
    aligned &= all(line[at - 2:at] == "  " and
                   (line + " ")[at:at + len(v) + 1] == v + " "
                   for line, v in zip(lines[1:], values) if v is not None)
for col in ("RANK", "VISITORS", "CLICKS", "BOTS", "INTERNAL"):
    end = hdr.index(col) + len(col)
    aligned &= all(line[end - 1:end].isdigit() and
                   line[end:end + 1] in ("", " ")
                   for line in lines[1:])
ok(aligned, "table columns line up by code point (UTF-8 names)", r.stdout)
ok(len(lines[3].encode()) > len(lines[3]), "the check covers a non-ASCII name")


def columns(text):
    """Terminal columns of text: East Asian wide and fullwidth two,
    combining marks none."""
    import unicodedata
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


# Names a terminal shows wider or narrower than their code points: every
# column still starts where its header does, counted in columns.
WDB = os.path.join(TMP, "wide-db")
for h, name, team in (("taro", "山田 太郎", "営業"), ("jose", "Jose\u0301 Nu\u0303o", "ops"),
                      ("ana", "Ana", "ops")):
    subprocess.run([LINKCTL, "--db", WDB, "staff", "add", h, "--name", name, "--team", team],
                   capture_output=True, check=True)
mkseg(os.path.join(TMP, "wide-log", "w.clk"),
      ["staff=%d class=human visitor=%d" % (sid, v) for sid, v in ((1, 1), (1, 2), (2, 3))])
r = reach("--db", WDB, os.path.join(TMP, "wide-log"))
lines = r.stdout.splitlines()[:-1]
ok(len(lines) == 4 and lines[0].startswith("RANK"), "a table of wide names", r.stdout + r.stderr)
if len(lines) == 4:
    hdr = lines[0]
    want = columns(hdr[:hdr.index("VISITORS") + len("VISITORS")])
    got = []
    for line, name in zip(lines[1:], ("山田 太郎", "Jose\u0301 Nu\u0303o", "Ana")):
        k = line.find(name)
        m = re.match(r" +\d+", line[k + len(name):]) if k >= 0 else None
        got.append(columns(line[:k + len(name) + m.end()]) if m else None)
    eq(got, [want] * 3, "CJK and combining names: VISITORS ends at the header's "
       "terminal column in every row")
    ok(columns(lines[1]) < len(lines[1].encode()), "the check covers wide characters")

r = reach("--db", DB, "--by", "campaign", "--format", "csv", LOGS)
eq(r.stdout, CSV_CAMP_HDR +
   "1,spring,8,5,4,2,2,0,0,0,1,FR,unknown\n"
   "2,launch,3,3,4,0,0,1,3,0,0,,unknown\n"
   "3,(none),2,2,2,0,0,0,0,0,0,,unknown\n"
   "4,idle,0,0,0,0,0,0,0,0,0,,\n",
   "store --by campaign: names, every campaign, (none) when used")
r = reach("--db", DB, "--by", "campaign", "--format", "csv", C)
eq(r.stdout, CSV_CAMP_HDR +
   "1,spring,3,3,1,0,1,0,0,0,0,,unknown\n"
   "2,idle,0,0,0,0,0,0,0,0,0,,\n"
   "2,launch,0,0,1,0,0,0,1,0,0,,\n",
   "store --by campaign: no (none) row without such records; bots do "
   "not break a tie")

r = reach("--db", DB, "--format", "csv", H)
eq(r.stdout, CSV_HDR +
   "1,alice,Alice Martin,growth,0,0,0,0,0,0,0,0,0,,\n"
   '1,bob,"Bob ""B"" Ng, Jr.",sales,0,0,0,0,0,0,0,0,0,,\n'
   "1,chloe,Chloé Dürr-Ørsted,growth,0,0,0,0,0,0,0,0,0,,\n"
   "1,dan,Dan,,0,0,0,0,0,0,0,0,0,,\n",
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

# The store from the configuration: its db, when the file sets one, is the
# default store (-c FILE, $REDIRECTD_CONF); --db and $REDIRECTD_DB win.
conf = os.path.join(TMP, "reach.conf")
with open(conf, "w") as f:
    f.write("db = %s\n" % DB)
named = "1,alice,Alice Martin,growth,6,3,3"
r = reach("--format", "csv", LOGS, extra_env={"REDIRECTD_CONF": conf})
ok(r.returncode == 0 and named in r.stdout and "warning" not in r.stderr,
   "$REDIRECTD_CONF's db is the default store", r.stdout + r.stderr)
r = reach("-c", conf, "--format", "csv", LOGS)
ok(r.returncode == 0 and named in r.stdout and "warning" not in r.stderr,
   "-c FILE's db too", r.stdout + r.stderr)
r = reach("--config", conf, "--format", "csv", LOGS, extra_env={"REDIRECTD_DB": ""})
ok(r.returncode == 0 and r.stdout.startswith(CSV_HDR + "1,#1,"),
   "REDIRECTD_DB set, empty: no store, whatever the configuration says", r.stdout)
r = reach("-c", conf, "--db", "", "--format", "csv", LOGS)
ok(r.returncode == 0 and r.stdout.startswith(CSV_HDR + "1,#1,"),
   "--db '' wins over the configuration", r.stdout)
r = reach("--format", "csv", LOGS)
ok(r.returncode == 0 and r.stdout.startswith(CSV_HDR + "1,#1,") and not r.stderr,
   "a configuration that does not set db (/dev/null): no store, as before",
   r.stdout + r.stderr)
missing = os.path.join(TMP, "reach-missing.conf")
with open(missing, "w") as f:
    f.write("db = %s\n" % os.path.join(TMP, "no-db"))
r = reach("-c", missing, "--format", "csv", LOGS)
ok(r.returncode == 0 and "warning" in r.stderr and "no-db" in r.stderr and
   r.stdout.startswith(CSV_HDR + "1,#1,"),
   "the configuration's db naming a missing store: a warning, ids", r.stderr)
bad = os.path.join(TMP, "reach-bad.conf")
with open(bad, "w") as f:
    f.write("db = %s\nno_such_directive = 1\n" % DB)
r = reach("-c", bad, "--format", "csv", LOGS)
ok(r.returncode == 1 and r.stdout == "" and bad + ":2: unknown directive" in r.stderr,
   "a broken configuration: exit 1, the line named, nothing counted", r.stderr)
r = reach("-c", bad, "--db", DB, "--format", "csv", LOGS)
ok(r.returncode == 0 and named in r.stdout and "bad.conf" not in r.stderr,
   "... with --db it is not read", r.stdout + r.stderr)
r = reach("export", "--format", "csv", "-c", conf, LOGS)
ok(r.returncode == 0 and ",alice,Alice Martin,growth," in r.stdout,
   "reach export -c FILE: names from the configuration's db", r.stdout + r.stderr)
r = reach("ship", "--clickhouse", "http://127.0.0.1:9/", "--table", "t",
          "--state", os.path.join(TMP, "ship.state"), "-c", bad, LOGS)
ok(r.returncode == 1 and bad + ":2: unknown directive" in r.stderr
   and not os.path.exists(os.path.join(TMP, "ship.state")),
   "reach ship -c FILE, a broken configuration: exit 1 before anything is sent",
   r.stderr)

shutil.rmtree(TMP, ignore_errors=True)
tap.done()
