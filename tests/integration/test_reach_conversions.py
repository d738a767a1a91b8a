#!/usr/bin/env python3
"""Integration tests of reach --conversions: segments written with mkseg
(records with CLICK_F_CLICKID and a click sequence, encoded by clickrec.c as
the daemon writes them; mkseg --ids prints the id each click handed its
target), a store made with linkctl, conversions files as a target site
would export them, and reach's exact figures and messages.

The clicks (2026-03, UTC), node web-1 worker 1 unless said:

  C1 alice spring human  visitor 101 linkedin FR  03-01 10:00  seq 1
  C2 alice spring human  visitor 102 x        DE  03-02 10:00  seq 2
  C3 bob   launch human  visitor 201 linkedin FR  03-01 11:00  seq 3
  C4 bob   launch preview                          03-01 12:00  seq 4
  C5 alice spring human internal visitor 103       03-01 13:00  seq 5
  C6 chloe        human  visitor 301 facebook US  03-01 10:00  seq 1 (web-2)
  C7 chloe        human  visitor 302               03-03 09:00  seq 7, and
     the same time and seq again in d.clk (web-1 worker 1): a collision
  C8 alice        human  visitor 104 without CLICK_F_CLICKID  03-01 14:00 seq 8
  X1 bob          human  visitor 202 (no click id)  03-01 11:30  seq 9
"""
import calendar
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from tap import eq, ok  # noqa: E402

REACH, MKSEG, LINKCTL = tap.REACH, tap.MKSEG, tap.LINKCTL
TMP = tap.tempdir("reach-conv-")
DB = os.path.join(TMP, "db")
LOGS = os.path.join(TMP, "logs")


def env():
    e = dict(os.environ)
    e.pop("REDIRECTD_DB", None)
    return e


def reach(*args, stdin=None):
    return subprocess.run([REACH, "--db", DB] + [str(a) for a in args],
                          input=stdin, capture_output=True, text=True,
                          timeout=120, env=env())


def lk(*args):
    r = subprocess.run([LINKCTL, "--db", DB] + list(args),
                       capture_output=True, text=True, timeout=60, env=env())
    if r.returncode != 0:
        raise RuntimeError("linkctl %s: %s" % (args, r.stderr))
    return r.stdout


def mkseg(path, lines, *opts):
    """Write a segment; returns the click ids mkseg printed, in order."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    r = subprocess.run([MKSEG, path, "--db", DB, "--ids"] + list(opts),
                       input="".join(x + "\n" for x in lines),
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("mkseg %s: %s" % (path, r.stderr))
    return r.stdout.split()


def ts(text):
    """ISO 8601 UTC (no fraction) to Unix seconds."""
    return calendar.timegm(__import__("time").strptime(text,
                                                       "%Y-%m-%dT%H:%M:%SZ"))


def iso(sec, us=0):
    t = __import__("time").gmtime(sec)
    s = __import__("time").strftime("%Y-%m-%dT%H:%M:%S", t)
    return s + (".%06d" % us if us else "") + "Z"


def rec(when, staff, campaign, cls, visitor, seq, **kw):
    f = ["time=%s" % when, "staff=%d" % staff, "campaign=%d" % campaign,
         "link=%d" % staff, "class=%s" % cls, "visitor=%d" % visitor,
         "seq=%d" % seq, "status=302"]
    f += ["%s=%s" % kv for kv in kw.items()]
    return " ".join(f)


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w", newline="") as f:
        f.write(text)
    return path


# Ids follow creation order: alice 1, bob 2, chloe 3; spring 1, launch 2.
lk("staff", "add", "alice", "--name", "Alice", "--team", "growth")
lk("staff", "add", "bob", "--name", "Bob", "--team", "sales")
lk("staff", "add", "chloe", "--name", "Chloe", "--team", "growth")
lk("mint", "--staff", "alice", "--url", "https://example.org/p",
   "--campaign", "spring")
lk("mint", "--staff", "bob", "--url", "https://example.org/p",
   "--campaign", "launch")

T1, T2 = ts("2026-03-01T10:00:00Z"), ts("2026-03-02T10:00:00Z")
T3, T4 = ts("2026-03-01T11:00:00Z"), ts("2026-03-01T12:00:00Z")
T5, T7 = ts("2026-03-01T13:00:00Z"), ts("2026-03-03T09:00:00Z")
W = 30 * 86400

ids_a = mkseg(os.path.join(LOGS, "a.clk"), [
    rec(iso(T1), 1, 1, "human", 101, 1, platform="linkedin", country="FR",
        clickid=1),
    rec(iso(T2), 1, 1, "human", 102, 2, platform="x", country="DE",
        clickid=1),
    rec(iso(T3), 2, 2, "human", 201, 3, platform="linkedin", country="FR",
        clickid=1),
    rec(iso(T4), 2, 2, "preview", 0, 4, clickid=1),
    rec(iso(T5), 1, 1, "human", 103, 5, flags=1, clickid=1),
    rec(iso(T7), 3, 0, "human", 302, 7, clickid=1),
    rec("2026-03-01T14:00:00Z", 1, 0, "human", 104, 8),
    rec("2026-03-01T11:30:00Z", 2, 2, "human", 202, 9),
], "--node", "web-1", "--worker", "1")
C1, C2, C3, C4, C5, C7 = ids_a
ids_c = mkseg(os.path.join(LOGS, "c.clk"), [
    rec(iso(T1), 3, 0, "human", 301, 1, platform="facebook", country="US",
        clickid=1),
], "--node", "web-2")
C6 = ids_c[0]
ids_d = mkseg(os.path.join(LOGS, "d.clk"), [
    rec(iso(T7), 3, 0, "human", 303, 7, clickid=1),
], "--node", "web-1", "--worker", "1")
eq(ids_d, [C7], "mkseg: the same node, worker, time and seq give one id")
# C8's id, had it carried one: a segment reach is not given.
C8 = mkseg(os.path.join(TMP, "aside", "e.clk"), [
    rec("2026-03-01T14:00:00Z", 1, 0, "human", 104, 8, clickid=1),
], "--node", "web-1", "--worker", "1")[0]
ok(len(set([C1, C2, C3, C4, C5, C6, C7, C8])) == 8 and
   all(len(i) == 16 for i in ids_a), "eight distinct 16-character ids",
   ids_a)

# ------------------------------------------------------- the first file

CONV1 = write("conv1.csv",
              "time,click,staff,event,value,id,campaign,email\r\n"
              # exactly at the click, and exactly at click + 30d
              "%s,%s,,signup,10,r1,,a@example.org\r\n" % (iso(T1), C1) +
              "%d,%s,,donation,5.5,r2,,\r\n" % (T1 + W, C1) +
              # one microsecond past the window, one before the click
              "%s,%s,,signup,1,r3,,\r\n" % (iso(T2 + W, 1), C2) +
              "%s,%s,,signup,1,r4,,\r\n" % (iso(T2 - 1, 999999), C2) +
              # Unix seconds with a fraction; offsets
              "%d.5,%s,,signup,2.25,r5,,\r\n" % (T3 + 3600, C3) +
              "%s,%s,,signup,7,r6,,\r\n" % (iso(T4 + 60), C4) +
              "2026-03-01T14:30:00+01:00,%s,,signup,8,r7,,\r\n" % C5 +
              "%s,%s,,signup,,r8,,\r\n" % (iso(T1 + 60), C6) +
              "%s,%s,,signup,,r9,,\r\n" % (iso(T7 + 60), C7) +
              "%s,AAAAAAAAAAAAAAAA,,signup,,r10,,\r\n" % iso(T1) +
              "%s,%s,,signup,,r10b,,\r\n" % (iso(T1 + 3600 * 5), C8) +
              # by handle: bob with a campaign; an unknown handle; alice
              # in capitals, with an offset
              "2026-03-01T15:00:00Z,,bob,signup,2,r11,launch,\r\n"
              "2026-03-01T15:00:00Z,,\"z\x1b]0;x\x07\",signup,2,r12b,,\r\n"
              "2026-03-01T15:00:00Z,,zed,signup,2,r12,,\r\n"
              "2026-03-01T16:00:00+01:00,,ALICE,petition,,r13,,\r\n"
              "2026-03-01T15:00:00Z,,alice,signup,,r14,nosuch,\r\n")
# The second: other column order, utm_content; r1 again (same id, other
# bytes), a row without id twice (once counted), and one more for C2.
CONV2 = write("conv2.csv",
              "\ufeffEvent,utm_content,Time,Click,Id\n"
              "signup,,%s,%s,r1\n" % (iso(T1 + 1), C1) +
              "signup,,%s,%s,\n" % (iso(T2 + 86400), C2) +
              "signup,,%s,%s,\n" % (iso(T2 + 86400), C2) +
              "\n")

HDR = ("rank,staff,name,team,clicks,visitors,bots,previews,crawlers,tools,"
       "probes,internal,countries,top_country,top_platform,conversions,"
       "conversion_value,conversion_rate\n")

r = reach("--format", "csv", "--conversions", CONV1, "--conversions", CONV2,
          LOGS)
eq(r.returncode, 0, "two files: exit 0")
# alice: r1 r2 (C1, both edges), r13 (handle), C2 once from conv2
#        -> 4, value 15.50; 3 clicks and visitors (C1 C2 C8; C5 internal)
# bob: r5 (C3), r11 (handle) -> 2, value 4.25; 2 visitors (C3 X1)
# chloe: r8 (C6); C7's two records collide -> 1, 0.00; 3 visitors
# (platforms tie at one click each: the lowest number, unknown, wins)
eq(r.stdout, HDR +
   "1,alice,Alice,growth,3,3,0,0,0,0,0,1,2,DE,unknown,4,15.50,1.3333\n"
   "1,chloe,Chloe,growth,3,3,0,0,0,0,0,0,1,US,unknown,1,0.00,0.3333\n"
   "3,bob,Bob,sales,2,2,1,1,0,0,0,0,1,FR,unknown,2,4.25,1.0000\n",
   "by staff: click ids at both edges, handles, duplicates once")
err = r.stderr
for want, what in (
        ("note: duplicate conversion rows counted once: 2", "duplicates"),
        ("counted apart, not credited: 2 (value 15.00)",
         "preview's and internal click's conversions apart, with value"),
        ("naming a click id no record read has: 2 (AAAAAAAAAAAAAAAA, %s)"
         % C8, "unknown ids, the record without CLICK_F_CLICKID's too"),
        ("two or more records have (not credited): 1 (%s)" % C7,
         "the collision"),
        ("earlier than their click: 1 (%s)" % C2, "before the click"),
        ("later than --conversion-window after their click: 1 (%s)" % C2,
         "one microsecond past the window"),
        ("the store does not have: 3 (staff z?]0;x?, staff zed, campaign "
         "nosuch)", "unknown handles and campaign; control bytes shown as ?"),
):
    ok(want in err, "stderr: " + what, err)
eq(r.stdout.count("\n"), 4, "no other rows")

# Without --conversions: output as it always was.
r = reach("--format", "csv", LOGS)
ok(r.returncode == 0 and "conversion" not in r.stdout and
   r.stdout.startswith("rank,staff,name,team,clicks,visitors,bots,previews,"
                       "crawlers,tools,probes,internal,countries,"
                       "top_country,top_platform\n"),
   "without --conversions: no new columns", r.stdout)
ok("conversion" not in r.stderr, "without --conversions: no notes")

# --rank conversions
r = reach("--format", "csv", "--rank", "conversions", "--conversions",
          CONV1, "--conversions", CONV2, LOGS)
eq([x.split(",")[:2] for x in r.stdout.splitlines()[1:]],
   [["1", "alice"], ["2", "bob"], ["3", "chloe"]], "--rank conversions")

# The same file twice: every row a duplicate of itself.
r = reach("--format", "csv", "--conversions", CONV1, "--conversions", CONV1,
          "--conversions", CONV2, LOGS)
ok(",4,15.50,1.3333\n" in r.stdout and
   "duplicate conversion rows counted once: 18" in r.stderr,
   "a file given twice counts once", r.stdout + r.stderr)

# --include-internal: C5's conversion is alice's (r1 r2 r7 r13), and C5
# a click and a visitor.
r = reach("--format", "csv", "--include-internal", "--conversions", CONV1,
          LOGS)
ok(r.stdout.splitlines()[1].endswith(",4,23.50,1.0000") and
   "counted apart, not credited: 1 (value 7.00)" in r.stderr,
   "--include-internal: the internal click's conversion credited",
   r.stdout + r.stderr)

# --event
r = reach("--format", "csv", "--event", "petition,DONATION", "--conversions",
          CONV1, LOGS)
rows = {x.split(",")[1]: x.split(",")[-3:] for x in r.stdout.splitlines()[1:]}
eq(rows, {"alice": ["2", "5.50", "0.6667"], "bob": ["0", "0.00", "0.0000"],
          "chloe": ["0", "0.00", "0.0000"]},
   "--event petition,DONATION: only those, any case")
ok("rows of other events left out (--event): 14" in r.stderr,
   "--event: the others counted", r.stderr)

# --by platform, country, day: click ids only; rows by handle left out.
r = reach("--format", "csv", "--by", "platform", "--conversions", CONV1,
          "--conversions", CONV2, LOGS)
rows = {x.split(",")[1]: x.split(",")[-3:] for x in r.stdout.splitlines()[1:]}
eq((rows.get("linkedin"), rows.get("x"), rows.get("facebook")),
   (["3", "17.75", "1.5000"], ["1", "0.00", "1.0000"],
    ["1", "0.00", "1.0000"]), "--by platform: at the click's platform")
ok("by handle in no group of this --by" in r.stderr and
   r.stderr.count("by handle in no group") == 1 and
   "this --by (they have no platform, country, day, hour, nor campaign "
   "without a campaign column): 2" in r.stderr,
   "--by platform: rows by handle told apart", r.stderr)
r = reach("--format", "json", "--by", "country", "--conversions", CONV1,
          LOGS)
rows = {x["country"]: (x["conversions"], x["conversion_value"],
                       x["conversion_rate"]) for x in json.loads(r.stdout)}
eq((rows.get("FR"), rows.get("US")), ((3, 17.75, 1.5), (1, 0.0, 1.0)),
   "--by country (json): numbers")
r = reach("--format", "csv", "--by", "day", "--conversions", CONV1,
          "--conversions", CONV2, LOGS)
rows = {x.split(",")[1]: x.split(",")[-3] for x in r.stdout.splitlines()[1:]}
eq(rows, {"2026-03-01": "4", "2026-03-02": "1", "2026-03-03": "0"},
   "--by day: the click's day, not the conversion's (r2 is 30 days on)")

# --by campaign: bob's handle row names launch; alice's has none.
r = reach("--format", "csv", "--by", "campaign", "--conversions", CONV1,
          LOGS)
rows = {x.split(",")[1]: x.split(",")[-3] for x in r.stdout.splitlines()[1:]}
eq((rows.get("spring"), rows.get("launch")), ("2", "2"),
   "--by campaign: clicks' campaigns, and the handle row's column")

# Click-time attribution: a window holding only 03-01's clicks keeps r2
# (its conversion is 30 days later); C2's conversion is outside.
r = reach("--format", "csv", "--since", "2026-03-01", "--until",
          "2026-03-02", "--conversions", CONV1, "--conversions", CONV2, LOGS)
rows = {x.split(",")[1]: x.split(",")[-3:] for x in r.stdout.splitlines()[1:]}
eq(rows["alice"], ["3", "15.50", "1.5000"],
   "--since/--until: the click's window, the conversion's time aside")
ok("of clicks outside the window or the filters: 3 (%s)" % C2 in r.stderr,
   "clicks outside the window counted", r.stderr)
# The filters apply to rows by handle as to clicks.
r = reach("--format", "csv", "--staff", "bob", "--conversions", CONV1, LOGS)
eq([x.split(",")[1] + ":" + x.split(",")[-3]
    for x in r.stdout.splitlines()[1:]], ["bob:2"], "--staff bob")
ok("by handle outside the window or the filters: 1" in r.stderr,
   "alice's handle row outside the filter counted", r.stderr)

# --conversion-window: the edges to the second.
CONVW = write("convw.csv", "time,click\n%d,%s\n%d,%s\n" %
              (T3 + 3600, C3, T1 + 3601, C1))
r = reach("--format", "csv", "--conversion-window", "1h", "--conversions",
          CONVW, LOGS)
rows = {x.split(",")[1]: x.split(",")[-3] for x in r.stdout.splitlines()[1:]}
eq((rows["bob"], rows["alice"]), ("1", "0"),
   "--conversion-window 1h: at one hour yes, one second past no")
ok("later than --conversion-window after their click: 1 (%s)" % C1
   in r.stderr, "one second past: told", r.stderr)

# Unknown ids: how many, the first five, and that there are more.  They
# share their first 64 bits, the table's key: told apart all the same.
unk = ["AAAAAAAAAAAAAAA" + c for c in "BCDEFG"]
r = reach("--conversions", write("unknown.csv", "time,click\n" + "".join(
    "%d,%s\n" % (T1, u) for u in unk)), LOGS)
ok(r.returncode == 0 and "naming a click id no record read has: 6 (%s, ...)"
   % ", ".join(unk[:5]) in r.stderr, "six unknown ids: five shown, ...",
   r.stderr)

# Handles only, from standard input, no click column.
r = reach("--format", "csv", "--conversions", "-", LOGS,
          stdin="staff,time,value\nbob,2026-03-05T00:00:00Z,1.125\n"
                "chloe,1772323200,\nbob,2026-03-06T00:00:00Z,0.000001\n")
rows = {x.split(",")[1]: x.split(",")[-3:-1]
        for x in r.stdout.splitlines()[1:]}
eq(rows, {"alice": ["0", "0.00"], "bob": ["2", "1.125001"],
          "chloe": ["1", "0.00"]}, "handles only, from stdin; exact sums")

# A time without zone is in --tz (UTC without it).
CONVTZ = write("convtz.csv", "time,staff\n2026-03-01T23:30:00,bob\n")
until = ("--until", "2026-03-01T23:00:00Z")
r = reach("--format", "csv", "--tz", "Europe/Paris", *until,
          "--conversions", CONVTZ, LOGS)
rows = {x.split(",")[1]: x.split(",")[-3] for x in r.stdout.splitlines()[1:]}
eq(rows.get("bob"), "1", "no zone, --tz Europe/Paris: 22:30Z, before --until")
r = reach("--format", "csv", *until, "--conversions", CONVTZ, LOGS)
ok(",bob," in r.stdout and "by handle outside the window or the filters: 1"
   in r.stderr, "no zone, no --tz: 23:30Z, past --until", r.stdout + r.stderr)

# The table: the columns at the end, the total's line.
r = reach("--conversions", CONV1, LOGS)
lines = r.stdout.splitlines()
ok(lines[0].endswith("PLATFORM  CONVERSIONS  VALUE    RATE") and
   lines[-1] == "conversions: 6 (value 19.75) credited in these rows",
   "table: columns and total", r.stdout)

# --by team: the colleagues' teams.
r = reach("--format", "csv", "--by", "team", "--conversions", CONV1, LOGS)
rows = {x.split(",")[1]: x.split(",")[-3] for x in r.stdout.splitlines()[1:]}
eq(rows, {"growth": "4", "sales": "2"}, "--by team")

# ------------------------------------------------------ the HTML report
# alice gets five more human clicks on X (visitors 111-115), two of which
# convert; with C2's (x) that is 6 X visitors and 3 of their conversions
# against LinkedIn's 1 visitor (too few to judge).
RL = os.path.join(TMP, "logs-report")
shutil.copytree(LOGS, RL)
more = mkseg(os.path.join(RL, "f.clk"), [
    rec("2026-03-04T10:%02d:00Z" % k, 1, 1, "human", 111 + k, 20 + k,
        platform="x", clickid=1) for k in range(5)
], "--node", "web-3")
CONVR = write("convr.csv", "time,click\n" + "".join(
    "2026-03-05T00:00:00Z,%s\n" % i for i in more[:2] + [C1, C2]))
r = reach("--format", "html", "--conversions", CONVR, RL)
eq(r.returncode, 0, "html: exit 0")
page = r.stdout
ok('<text class="conv"' in page and ">4 conversions (0.00)</text>" in page,
   "html: alice's conversions in the leaderboard", page[:2000])
ok('<dt>conversions</dt><dd class="conversions">4</dd>' in page,
   "html: in alice's card")
ok("Your visitors from X convert best: post there when the outcome "
   "matters.<small>3 conversions from 6 visitors from X (0.50 per "
   "visitor); all yours: 4 from 8 (0.50)</small>" in page,
   "html: the advice that rests on them, with the figures")
r = reach("--format", "html", RL)
ok(r.returncode == 0 and "conversion" not in r.stdout,
   "html without --conversions: as before")

# ------------------------------------------------------ malformed files


def bad(text, line, why, name="bad.csv"):
    path = write(name, text)
    r = reach("--conversions", path, LOGS)
    eq((r.returncode, r.stdout, r.stderr),
       (1, "", "reach: %s:%d: %s\n" % (path, line, why)),
       "malformed: %s" % why)


bad("time,click\n%s,%s\n2026-02-30T00:00:00Z,%s\n" % (iso(T1), C1, C1), 3,
    "bad time (ISO 8601 such as 2026-05-04T12:30:00Z, or Unix seconds)")
bad('time,click,note\n%s,%s,"two\nlines"\n%s,%s!,x\n' %
    (iso(T1), C1, iso(T1), C1[:15]), 4,
    "bad click id (16 characters of A-Z a-z 0-9 _ -)")
bad("time,staff,value\n%s,bob,12.5 EUR\n" % iso(T1), 2,
    "bad value (a decimal amount such as 12.50, at most 6 decimals, at "
    "most 1000000000)")
bad("time,staff\n%s,bob,extra\n" % iso(T1), 2, "more fields than the header")
bad("time,click,staff\n%s,,\n" % iso(T1), 2,
    "neither a click id nor a handle")
bad("click,value\n", 1, "no time column")
bad("time,value\n", 1, "no click, staff or utm_content column")
bad("time,staff,utm_content\n", 1,
    "the handle given twice (staff, utm_content)")
bad('time,staff\n%s,"bob\n' % iso(T1), 2,
    "unterminated quoted field")
r = reach("--conversions", write("empty.csv", ""), LOGS)
eq((r.returncode, r.stderr), (1, "reach: %s: empty (no header)\n" %
                              os.path.join(TMP, "empty.csv")), "an empty file")
r = reach("--conversions", os.path.join(TMP, "nosuch.csv"), LOGS)
ok(r.returncode == 1 and "nosuch.csv" in r.stderr and not r.stdout,
   "a missing file: exit 1", r.stderr)

# Usage errors.
for args in (["--event", "x"], ["--conversion-window", "2d"],
             ["--rank", "conversions"]):
    r = reach(*(args + [LOGS]))
    ok(r.returncode == 2 and "need --conversions FILE" in r.stderr,
       "%s without --conversions: usage error" % args[0], r.stderr)
r = reach("--conversions", CONV1, "--conversion-window", "30", LOGS)
ok(r.returncode == 2 and "--conversion-window: expected" in r.stderr,
   "--conversion-window without unit: usage error", r.stderr)

shutil.rmtree(TMP, ignore_errors=True)
tap.done()
