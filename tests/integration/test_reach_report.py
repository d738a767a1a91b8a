#!/usr/bin/env python3
"""reach's groupings, windows, filters and ranking, with exact figures.

Part A: a log written by the real daemon (requests with chosen
User-Agents, X-Real-IP from a trusted proxy, Referer; a generated country
database) over a store made with linkctl:

  alice (north)  spring: 198.51.100.7 CHROME linkedin twice (one visitor),
                         198.51.100.8 CHROME t.co (x), Twitterbot preview
                         from 198.51.100.9 (DE)
                 autumn: 203.0.113.5 CHROME facebook (FR)
  bob   (north)  spring: 192.0.2.5 and 192.0.2.6 CHROME (JP, no referrer),
                         curl from 192.0.2.9 (JP)
  carol (south)  spring: 2001:db8:2::1 and ::2 CHROME (BR), and 10.1.2.3
                         (internal, unknown country)
  dan   (south)  a link in spring, no clicks

Part B: segments written by mkseg with chosen times around the change to
summer time in Europe/Paris (2026-03-29 01:00 UTC), for --by day and hour,
--since / --until with and without --tz, and --last.

Visitor periods: segments from mkseg --period with visitor ids made as the
daemon makes them (one per person and key period), ground truth built
here: daily keys over 9 days count visitor-days and say so (table, total,
CSV's note, JSON, HTML); weekly keys within one ISO week count people.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from tap import BUILD, eq, ok  # noqa: E402
from daemon import Daemon, linkctl  # noqa: E402

REACH = tap.REACH
MKSEG = tap.MKSEG
TMP = tap.tempdir("reach-report-")

CHROME = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
          "Gecko) Chrome/120.0.0.0 Safari/537.36")
TWITTERBOT = "Twitterbot/1.0"
CURL = "curl/8.5.0"


def reach(*args, tz_env=None):
    e = dict(os.environ)
    e.pop("REDIRECTD_DB", None)
    e.pop("TZ", None)
    return subprocess.run([REACH] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=120, env=e)


def csv_rows(*args):
    r = reach("--format", "csv", *args)
    if r.returncode != 0:
        return "rc=%d %s" % (r.returncode, r.stderr)
    return r.stdout.splitlines()


def jrows(*args):
    r = reach("--format", "json", *args)
    if r.returncode != 0:
        return "rc=%d %s" % (r.returncode, r.stderr)
    return json.loads(r.stdout)


# ---------------------------------------------------------------- part A

db = os.path.join(TMP, "db")
logs = os.path.join(TMP, "log")
geo = os.path.join(BUILD, "tests", "geo-nested.mmdb")
for h, name, team in [("alice", "Alice Ames", "north"),
                      ("bob", "Bob Berg", "north"),
                      ("carol", "Carol Cruz", "south"),
                      ("dan", "Dan Dahl", "south")]:
    linkctl(db, "staff", "add", h, "--name", name, "--team", team)
code = {}
for h in ("alice", "bob", "carol", "dan"):
    code[h, "spring"] = linkctl(db, "mint", "--staff", h, "--campaign",
                                "spring", "--url",
                                "https://example.org/s").stdout.strip()
code["alice", "autumn"] = linkctl(db, "mint", "--staff", "alice",
                                  "--campaign", "autumn", "--url",
                                  "https://example.org/a").stdout.strip()
conf = os.path.join(TMP, "redirectd.conf")
with open(conf, "w") as f:
    f.write("trusted_proxies = 127.0.0.1, ::1\n"
            "internal_networks = 10.0.0.0/8\n"
            "geoip_db = %s\n" % geo)

REQS = [
    ("alice", "spring", "198.51.100.7", CHROME, "https://www.linkedin.com/feed/"),
    ("alice", "spring", "198.51.100.7", CHROME, "https://www.linkedin.com/feed/"),
    ("alice", "spring", "198.51.100.8", CHROME, "https://t.co/x1"),
    ("alice", "spring", "198.51.100.9", TWITTERBOT, None),
    ("alice", "autumn", "203.0.113.5", CHROME, "https://l.facebook.com/"),
    ("bob", "spring", "192.0.2.5", CHROME, None),
    ("bob", "spring", "192.0.2.6", CHROME, None),
    ("bob", "spring", "192.0.2.9", CURL, None),
    ("carol", "spring", "2001:db8:2::1", CHROME, None),
    ("carol", "spring", "2001:db8:2::2", CHROME, None),
    ("carol", "spring", "10.1.2.3", CHROME, None),
]
with Daemon(db, logs, conf=conf) as d:
    for who, camp, ip, ua, ref in REQS:
        r = d.get("/" + code[who, camp], {"X-Real-IP": ip, "User-Agent": ua,
                                          "Referer": ref})
        if r is None or r.status != 302:
            ok(False, "request for %s/%s answered 302" % (who, camp), r)
    rc = d.stop()
ok(rc == 0, "the daemon stopped cleanly")

COLS = "clicks,visitors,bots,previews,crawlers,tools,probes,internal"
SPREAD = "countries,top_country,top_platform"
eq(csv_rows("--db", db, logs), [
    "rank,staff,name,team," + COLS + "," + SPREAD,
    "1,alice,Alice Ames,north,4,3,1,1,0,0,0,0,2,DE,linkedin",
    "2,bob,Bob Berg,north,2,2,1,0,0,1,0,0,1,JP,none",
    "2,carol,Carol Cruz,south,2,2,0,0,0,0,0,1,1,BR,none",
    "4,dan,Dan Dahl,south,0,0,0,0,0,0,0,0,0,,",
], "--by staff (default): ranks by visitors, ties share a rank (1,2,2,4)")
eq(csv_rows("--db", db, "--by", "team", logs), [
    "rank,team," + COLS + "," + SPREAD,
    "1,north,6,5,2,1,0,1,0,0,3,DE,none",
    "2,south,2,2,0,0,0,0,0,1,1,BR,none",
], "--by team")
eq(csv_rows("--db", db, "--by", "campaign", logs), [
    "rank,campaign," + COLS + "," + SPREAD,
    "1,spring,7,6,2,1,0,1,0,1,3,DE,none",
    "2,autumn,1,1,0,0,0,0,0,0,1,FR,facebook",
], "--by campaign")
eq(csv_rows("--db", db, "--by", "staff,campaign", logs), [
    "rank,staff,name,team,campaign," + COLS + "," + SPREAD,
    "1,alice,Alice Ames,north,spring,3,2,1,1,0,0,0,0,1,DE,linkedin",
    "2,bob,Bob Berg,north,spring,2,2,1,0,0,1,0,0,1,JP,none",
    "2,carol,Carol Cruz,south,spring,2,2,0,0,0,0,0,1,1,BR,none",
    "4,alice,Alice Ames,north,autumn,1,1,0,0,0,0,0,0,1,FR,facebook",
], "--by staff,campaign: a row per pair with clicks")
eq(csv_rows("--db", db, "--by", "country", logs), [
    "rank,country," + COLS,
    "1,DE,3,2,1,1,0,0,0,0",
    "2,BR,2,2,0,0,0,0,0,0",
    "2,JP,2,2,1,0,0,1,0,0",
    "4,FR,1,1,0,0,0,0,0,0",
    "5,unknown,0,0,0,0,0,0,0,1",
], "--by country")
eq(csv_rows("--db", db, "--by", "platform", logs), [
    "rank,platform," + COLS,
    "1,none,4,4,2,1,0,1,0,1",
    "2,linkedin,2,1,0,0,0,0,0,0",
    "3,facebook,1,1,0,0,0,0,0,0",
    "3,x,1,1,0,0,0,0,0,0",
], "--by platform (north's tie of linkedin and none: none, the lower)")

# Filters.
eq(csv_rows("--db", db, "--staff", "alice", logs), [
    "rank,staff,name,team," + COLS + "," + SPREAD,
    "1,alice,Alice Ames,north,4,3,1,1,0,0,0,0,2,DE,linkedin",
], "--staff alice")
both = csv_rows("--db", db, "--staff", "alice,bob", "--by", "campaign", logs)
eq(both, [
    "rank,campaign," + COLS + "," + SPREAD,
    "1,spring,5,4,2,1,0,1,0,0,2,DE,none",
    "2,autumn,1,1,0,0,0,0,0,0,1,FR,facebook",
], "--staff alice,bob --by campaign")
eq(csv_rows("--db", db, "--staff", "alice", "--staff", "bob", "--by",
            "campaign", logs), both,
   "--staff repeated is the same as a comma list")
eq(csv_rows("--db", db, "--team", "south", logs), [
    "rank,staff,name,team," + COLS + "," + SPREAD,
    "1,carol,Carol Cruz,south,2,2,0,0,0,0,0,1,1,BR,none",
    "2,dan,Dan Dahl,south,0,0,0,0,0,0,0,0,0,,",
], "--team south: its colleagues only")
eq(csv_rows("--db", db, "--team", "north", "--staff", "carol,bob", logs), [
    "rank,staff,name,team," + COLS + "," + SPREAD,
    "1,bob,Bob Berg,north,2,2,1,0,0,1,0,0,1,JP,none",
], "--team and --staff together: both apply")
eq(csv_rows("--db", db, "--campaign", "autumn", "--by", "team", logs), [
    "rank,team," + COLS + "," + SPREAD,
    "1,north,1,1,0,0,0,0,0,0,1,FR,facebook",
    "2,south,0,0,0,0,0,0,0,0,0,,",
], "--campaign autumn --by team")
eq(csv_rows("--db", db, "--campaign", "spring", "--by", "country",
            "--include-internal", logs), [
    "rank,country," + COLS,
    "1,DE,3,2,1,1,0,0,0,0",
    "2,BR,2,2,0,0,0,0,0,0",
    "2,JP,2,2,1,0,0,1,0,0",
    "4,unknown,1,1,0,0,0,0,0,1",
], "--campaign spring --by country --include-internal")
for opt, val, what in [("--staff", "zed", "colleague 'zed'"),
                       ("--team", "east", "team 'east'"),
                       ("--campaign", "winter", "campaign 'winter'")]:
    r = reach("--db", db, opt, "alice" if False else val, logs)
    ok(r.returncode == 1 and r.stdout == "" and
       ("no %s in the store" % what) in r.stderr,
       "%s %s: an error naming it, exit 1" % (opt, val), r.stderr)
r = reach("--db", "", "--staff", "alice", logs)
ok(r.returncode == 1 and "need the store" in r.stderr,
   "a filter without a store: an error", r.stderr)

js = jrows("--db", db, "--by", "staff,campaign", logs)
eq(js[3] if isinstance(js, list) else js,
   {"rank": 4, "staff": "alice", "name": "Alice Ames", "team": "north",
    "campaign": "autumn", "clicks": 1, "visitors": 1, "bots": 0,
    "previews": 0, "crawlers": 0, "tools": 0, "probes": 0, "internal": 0,
    "countries": 1, "top_country": "FR", "top_platform": "facebook",
    "visitor_period": "day", "visitor_unit": "visitors"},
   "JSON --by staff,campaign: staff and campaign keys")
js = jrows("--db", db, "--by", "team", logs)
eq([(x["rank"], x["team"]) for x in js] if isinstance(js, list) else js,
   [(1, "north"), (2, "south")], "JSON --by team: a team key")
r = reach("--db", db, "--by", "staff,campaign", logs)
eq(r.stdout.splitlines()[0].split(),
   ["RANK", "STAFF", "NAME", "CAMPAIGN", "VISITORS", "CLICKS", "BOTS",
    "INTERNAL", "COUNTRY", "PLATFORM"], "table --by staff,campaign: header")
ok(r.stdout.splitlines()[-1].startswith(
    "total: 7 visitors (unique per colleague and campaign, summed), 8 clicks"),
   "table --by staff,campaign: total", r.stdout)

# ---------------------------------------------------------------- part B


def mkseg(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    r = subprocess.run([MKSEG, path], input="".join(x + "\n" for x in lines),
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)


# Paris is UTC+1 until 2026-03-29T01:00Z, UTC+2 after.
TIMES = [
    ("2026-03-28T22:30:00Z", 11),  # Paris 03-28 23:30
    ("2026-03-28T23:30:00Z", 12),  # Paris 03-29 00:30
    ("2026-03-29T00:59:00Z", 13),  # Paris 03-29 01:59
    ("2026-03-29T01:00:00Z", 14),  # Paris 03-29 03:00 (summer time)
    ("2026-03-29T22:30:00Z", 15),  # Paris 03-30 00:30
    ("2026-03-29T22:45:00Z", 15),  # same visitor, same local day
]
tl = os.path.join(TMP, "timelog")
mkseg(os.path.join(tl, "t.clk"), [
    "time=%s staff=1 class=human visitor=%d campaign=1" % t for t in TIMES] +
    ["time=2026-03-29T01:30:00Z staff=2 class=crawler"])
DCOLS = "clicks,visitors,bots,previews,crawlers,tools,probes,internal"
eq(csv_rows("--by", "day", tl), [
    "rank,day," + DCOLS,
    "2,2026-03-28,2,2,0,0,0,0,0,0",
    "1,2026-03-29,4,3,1,0,1,0,0,0",
], "--by day (UTC): in time order, each with its rank")
eq(csv_rows("--by", "day", "--tz", "Europe/Paris", tl), [
    "rank,day," + DCOLS,
    "3,2026-03-28,1,1,0,0,0,0,0,0",
    "1,2026-03-29,3,3,1,0,1,0,0,0",
    "2,2026-03-30,2,1,0,0,0,0,0,0",
], "--by day --tz Europe/Paris: local days across the clock change")
eq(csv_rows("--by", "hour", tl), [
    "rank,hour," + DCOLS,
    "2,0,1,1,0,0,0,0,0,0",
    "2,1,1,1,1,0,1,0,0,0",
    "1,22,3,2,0,0,0,0,0,0",
    "2,23,1,1,0,0,0,0,0,0",
], "--by hour (UTC): 0-23 in order, ranked by visitors")
eq(csv_rows("--by", "hour", "--tz", "Europe/Paris", tl), [
    "rank,hour," + DCOLS,
    "1,0,3,2,0,0,0,0,0,0",
    "2,1,1,1,0,0,0,0,0,0",
    "2,3,1,1,1,0,1,0,0,0",
    "2,23,1,1,0,0,0,0,0,0",
], "--by hour --tz Europe/Paris: summer time is +2")
js = jrows("--by", "hour", tl)
eq([x["hour"] for x in js] if isinstance(js, list) else js, [0, 1, 22, 23],
   "JSON --by hour: hours as numbers, in order")


def total_clicks(*args):
    r = reach("--format", "json", *args)
    if r.returncode != 0:
        return "rc=%d %s" % (r.returncode, r.stderr)
    return sum(x["clicks"] for x in json.loads(r.stdout))


eq(total_clicks("--since", "2026-03-29", tl), 4, "--since a date: UTC")
eq(total_clicks("--since", "2026-03-29", "--tz", "Europe/Paris", tl), 5,
   "--since a date --tz Europe/Paris: local midnight (23:00 UTC)")
eq(total_clicks("--tz", "Europe/Paris", "--since", "2026-03-29T00:00Z", tl), 4,
   "--since ...Z with --tz: still UTC")
eq(total_clicks("--until", "2026-03-29T01:00", tl), 3,
   "--until a date-time: before it")
eq(total_clicks("--until", "2026-03-29T03:00", "--tz", "Europe/Paris", tl), 3,
   "--until a local date-time after the clock change (01:00 UTC)")
eq(total_clicks("--since", "2026-03-29T00:30:00", "--until", "2026-03-29T22:30",
                tl), 2, "--since and --until with seconds")
eq(total_clicks("--since", "@1774823400", tl), 2, "--since @SECONDS")
rk = os.path.join(TMP, "ranklog")
mkseg(os.path.join(rk, "k.clk"), [
    "time=@1774823400 staff=1 class=human visitor=1",
    "time=@1774823400 staff=1 class=human visitor=1",
    "time=@1774823400 staff=1 class=human visitor=1",
    "time=@1774823400 staff=2 class=human visitor=2",
    "time=@1774823400 staff=2 class=human visitor=3",
    "time=@1774823400 staff=3 class=human visitor=4",
    "time=@1774823400 staff=3 class=human visitor=5"])
eq([x[:9] for x in csv_rows(rk)[1:]], ["1,#2,,,2,", "1,#3,,,2,", "3,#1,,,3,"],
   "ranked by visitors: #2 and #3 (2 visitors) share rank 1")
eq([x[:9] for x in csv_rows("--rank", "clicks", rk)[1:]],
   ["1,#1,,,3,", "2,#2,,,2,", "2,#3,,,2,"],
   "--rank clicks: #1 (3 clicks, 1 visitor) first")
r = reach("--rank", "reach", rk)
ok(r.returncode == 2 and "--rank" in r.stderr, "--rank reach: a usage error")
r = reach("--tz", "Mars/Olympus", tl)
ok(r.returncode == 2 and "no time zone 'Mars/Olympus'" in r.stderr,
   "--tz with an unknown zone: a usage error", r.stderr)
r = reach("--tz", "../../etc/passwd", tl)
ok(r.returncode == 2, "--tz with a path: a usage error", r.stderr)
r = reach("--since", "2026-02-30", tl)
ok(r.returncode == 2, "--since 2026-02-30: a usage error", r.stderr)

now = int(time.time())
rl = os.path.join(TMP, "recent")
mkseg(os.path.join(rl, "r.clk"), [
    "time=@%d staff=1 class=human visitor=1" % (now - 2 * 3600),
    "time=@%d staff=1 class=human visitor=2" % (now - 3 * 86400),
    "time=@%d staff=1 class=human visitor=3" % (now - 10 * 86400),
    "time=@%d staff=1 class=human visitor=4" % (now - 20 * 86400)])
eq(total_clicks("--last", "3h", rl), 1, "--last 3h")
eq(total_clicks("--last", "7d", rl), 2, "--last 7d")
eq(total_clicks("--last", "2w", rl), 3, "--last 2w")
for bad in ("7", "7m", "d", "-1d", "0d"):
    r = reach("--last", bad, rl)
    ok(r.returncode == 2 and "--last" in r.stderr, "--last %s: a usage error"
       % bad, r.stderr)
r = reach("--last", "7d", "--since", "2026-01-01", rl)
ok(r.returncode == 2, "--last with --since: a usage error", r.stderr)

# ------------------------------------------------------- visitor periods
# Ground truth built here: three people (A, B, C) clicking colleague 1's
# link on chosen days.  Each record's visitor id is what the daemon would
# write: one id per person per key period (the salt changes with the
# period), so the test knows how many people and how many visitor-days
# there are.
DAY_S = 86400
MON = 1795996800            # 2026-11-30, Monday of ISO week 49
PEOPLE = {"A": 1, "B": 2, "C": 3}


def key_period(period, t):
    day = t // DAY_S
    if period == "week":
        return (day + 3) // 7
    if period == "month":
        tm = time.gmtime(t)
        return tm.tm_year * 12 + tm.tm_mon
    return day


def vid(period, who, t):
    """The visitor id of person who at t under keys of `period`."""
    return PEOPLE[who] * 1000003 + key_period(period, t) * 7 + 1


def clicks_seg(path, period, clicks, *opts):
    lines = ["time=@%d staff=1 class=human visitor=%d" % (t, vid(period, who, t))
             for who, t in clicks]
    r = subprocess.run([MKSEG, path] + (["--period", period] if period else [])
                       + list(opts), input="".join(x + "\n" for x in lines),
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("mkseg: " + r.stderr)
    return {(who, key_period(period or "day", t)) for who, t in clicks}


def row1(*args):
    r = reach("--format", "json", *args)
    rows = json.loads(r.stdout) if r.returncode == 0 else []
    return (rows[0]["visitors"], rows[0]["visitor_period"], rows[0]["visitor_unit"]) \
        if rows else (r.returncode, r.stderr)


vp = os.path.join(TMP, "periods")
# Daily keys over 9 days (2026-11-23 .. 2026-12-01): A on four days, B on
# two, C on one; A twice on one day.
nine = [("A", MON - 7 * DAY_S + 3600), ("A", MON - 5 * DAY_S + 7200),
        ("A", MON - 5 * DAY_S + 9000), ("A", MON + 3600),
        ("A", MON + DAY_S + 50000), ("B", MON - 6 * DAY_S + 100),
        ("B", MON + 40000), ("C", MON - 2 * DAY_S + 500)]
os.makedirs(os.path.join(vp, "day"))
pairs = clicks_seg(os.path.join(vp, "day", "d.clk"), "day", nine)
people = {who for who, _ in nine}
ok(len(pairs) == 7 and len(people) == 3,
   "ground truth: 3 people, 7 visitor-days over 9 days")
eq(row1(os.path.join(vp, "day")), (7, "day", "visitor-days"),
   "day keys over 9 days: reach counts 7 visitor-days and says so in JSON")
r = reach(os.path.join(vp, "day"))
lines = r.stdout.splitlines()
ok(r.returncode == 0 and "VISITOR-DAYS" in lines[0] and
   " VISITORS " not in lines[0], "table header: VISITOR-DAYS", r.stdout)
ok(lines[-1].startswith("total: 7 visitor-days (unique per colleague"),
   "total line: 7 visitor-days", lines[-1])
ok("note: visitors are visitor-days" in r.stderr and "one visitor id per day"
   in r.stderr, "a note on stderr says what is counted", r.stderr)
r = reach("--format", "csv", os.path.join(vp, "day"))
ok(r.stdout.startswith("rank,staff,name,team,clicks,visitors,") and
   r.stdout.splitlines()[1].startswith("1,#1,,,8,7,"),
   "CSV keeps its visitors column (7)", r.stdout)
ok("visitor-days" in r.stderr, "CSV: the note on stderr", r.stderr)
html = os.path.join(TMP, "periods.html")
r = reach("--format", "html", "--output", html, os.path.join(vp, "day"))
with open(html) as f:
    page = f.read()
ok(r.returncode == 0 and "Visitors here are visitor-days" in page and
   "Unique visitor-days per colleague" in page,
   "HTML: the header and the leaderboard say visitor-days", r.stderr)
# --by day, UTC: each row is one key's day, so plain visitors; --by hour
# gathers hours of several days: visitor-days.
r = reach("--by", "day", os.path.join(vp, "day"))
ok(r.returncode == 0 and " VISITORS " in r.stdout.splitlines()[0] and
   "note:" not in r.stderr, "--by day with day keys: each row counts visitors",
   r.stdout + r.stderr)
r = reach("--by", "hour", os.path.join(vp, "day"))
ok(r.returncode == 0 and "VISITOR-DAYS" in r.stdout.splitlines()[0],
   "--by hour over 9 days: visitor-days", r.stdout)
# One day of the same segment: plain visitors.
eq(row1("--since", "2026-11-30", "--until", "2026-12-01", os.path.join(vp, "day")),
   (2, "day", "visitors"), "day keys, a window of one day: visitors (A, B)")
r = reach("--since", "2026-11-30", "--until", "2026-12-01", os.path.join(vp, "day"))
ok(" VISITORS " in r.stdout.splitlines()[0] and "note: visitors are" not in r.stderr,
   "one day: the table says VISITORS, no note", r.stdout + r.stderr)

# Weekly keys within ISO week 49: A on Monday, Wednesday and Sunday, B on
# Tuesday and Saturday, C on Thursday: three people, counted once each.
week = [("A", MON + 3600), ("A", MON + 2 * DAY_S + 3600),
        ("A", MON + 6 * DAY_S + 86000), ("B", MON + DAY_S + 10),
        ("B", MON + 5 * DAY_S), ("C", MON + 3 * DAY_S + 999)]
os.makedirs(os.path.join(vp, "week"))
pairs = clicks_seg(os.path.join(vp, "week", "w.clk"), "week", week)
eq(len(pairs), 3, "ground truth: one visitor id per person in the week")
eq(row1(os.path.join(vp, "week")), (3, "week", "visitors"),
   "week keys within one week: 3 visitors, and JSON says week")
r = reach(os.path.join(vp, "week"))
ok(" VISITORS " in r.stdout.splitlines()[0] and
   r.stdout.splitlines()[-1].startswith("total: 3 visitors ") and
   "note: visitors are" not in r.stderr,
   "week keys within one week: the table says visitors", r.stdout + r.stderr)
with open(os.path.join(vp, "week", "w.clk"), "rb") as f:
    eq(f.read(128)[112], 1, "mkseg --period week writes 1 at byte 112")

# Weekly keys over two weeks: visitor-weeks.
os.makedirs(os.path.join(vp, "weeks"))
clicks_seg(os.path.join(vp, "weeks", "w.clk"), "week",
           week + [("A", MON + 8 * DAY_S)])
eq(row1(os.path.join(vp, "weeks")), (4, "week", "visitor-weeks"),
   "week keys over two weeks: 4 visitor-weeks")

# Segments of both periods: labelled by the shorter, a day.
eq(row1(os.path.join(vp, "week"), os.path.join(vp, "day")),
   (10, "day", "visitor-days"), "day and week segments together: visitor-days")
r = reach(os.path.join(vp, "week"), os.path.join(vp, "day"))
ok("mix visitor periods" in r.stderr, "the note says the periods mix", r.stderr)
# One day, segments of both periods with records on it: A has a week id
# and a day id, so even one day is not plain visitors.
eq(row1("--since", "2026-11-30", "--until", "2026-12-01", os.path.join(vp, "week"),
        os.path.join(vp, "day")), (3, "day", "visitor-days"),
   "one day, both periods' segments: A counted twice, labelled visitor-days")
# A segment whose records all lie outside the window does not count.
eq(row1("--since", "2026-11-23", "--until", "2026-11-24", os.path.join(vp, "week"),
        os.path.join(vp, "day")), (1, "day", "visitors"),
   "the week segment has no record on 2026-11-23: plain visitors")

# Monthly keys, and a segment written before the field (no --period): a day.
os.makedirs(os.path.join(vp, "month"))
clicks_seg(os.path.join(vp, "month", "m.clk"), "month",
           [("A", MON + DAY_S + 50000), ("A", MON + 3 * DAY_S)])
eq(row1(os.path.join(vp, "month")), (1, "month", "visitors"),
   "month keys within December: 1 visitor")
os.makedirs(os.path.join(vp, "months"))
clicks_seg(os.path.join(vp, "months", "m.clk"), "month", nine[3:5])
eq(row1(os.path.join(vp, "months")), (2, "month", "visitor-months"),
   "month keys over November 30 and December 1: 2 visitor-months")
os.makedirs(os.path.join(vp, "old"))
clicks_seg(os.path.join(vp, "old", "o.clk"), None, nine)
eq(row1(os.path.join(vp, "old")), (7, "day", "visitor-days"),
   "a segment without a period field reads as daily keys")

# ---------------------------------------------------------------- export

def mkseg_opts(path, lines, *opts):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    r = subprocess.run([MKSEG, path] + list(opts),
                       input="".join(x + "\n" for x in lines),
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)


exdb = os.path.join(TMP, "exdb")
linkctl(exdb, "staff", "add", "alice", "--name", 'Alice "A", <b>',
        "--team", "north")
linkctl(exdb, "mint", "--staff", "alice", "--campaign", "spring", "--url",
        "https://example.org/", "--code", "Abc12345")
ex = os.path.join(TMP, "export", "a.clk")
mkseg_opts(ex, [
    "time=2026-03-01T10:00:00Z staff=1 campaign=1 link=1 class=human "
    "platform=linkedin country=FR visitor=0xdeadbeef status=302 "
    "refhost=www.linkedin.com ip=198.51.100.7",
    "time_us=1772359200123456 staff=7 campaign=0 link=9 class=probe "
    "flags=3 status=410 ip=2001:db8:7::/48",
    "time_us=1772359200123456 staff=1 campaign=1 link=1 class=human "
    "flags=4 status=302"], "--node", "web-1", "--db", exdb)
r = reach("export", "--db", exdb, ex)
eq((r.returncode, r.stderr, r.stdout), (0, "", (
    '{"time": "2026-03-01T10:00:00Z", "time_us": 1772359200000000, '
    '"node": "web-1", "link_id": 1, "code": "Abc12345", "staff": "alice", '
    '"name": "Alice \\"A\\", <b>", "team": "north", "campaign": "spring", '
    '"class": "human", "platform": "linkedin", "country": "FR", '
    '"referrer": "www.linkedin.com", "visitor": "00000000deadbeef", '
    '"status": 302, "internal": false, "head": false, '
    '"ip": "198.51.100.7", "click": ""}\n'
    '{"time": "2026-03-01T10:00:00Z", "time_us": 1772359200123456, '
    '"node": "web-1", "link_id": 9, "code": "", "staff": "", "name": "", '
    '"team": "", "campaign": "", "class": "probe", "platform": "unknown", '
    '"country": "", "referrer": "", "visitor": "", "status": 410, '
    '"internal": true, "head": true, "ip": "2001:db8:7::/48", '
    '"click": ""}\n'
    '{"time": "2026-03-01T10:00:00Z", "time_us": 1772359200123456, '
    '"node": "web-1", "link_id": 1, "code": "Abc12345", "staff": "alice", '
    '"name": "Alice \\"A\\", <b>", "team": "north", "campaign": "spring", '
    '"class": "human", "platform": "unknown", "country": "", '
    '"referrer": "", "visitor": "", "status": 302, "internal": false, '
    '"head": false, "ip": "", "click": "0PTOyXhAlsh9-H0M"}\n')),
   "export: NDJSON, exact; ip, then click last (the id of the record with "
   "CLICK_F_CLICKID, of web-1's worker 0, its time and sequence 0)")
r = reach("export", "--format", "csv", "--db", exdb,
          os.path.dirname(ex))
eq((r.returncode, r.stdout), (0, (
    "time,time_us,node,link_id,code,staff,name,team,campaign,class,"
    "platform,country,referrer,visitor,status,internal,head,ip,click\n"
    "2026-03-01T10:00:00Z,1772359200000000,web-1,1,Abc12345,alice,"
    '"Alice ""A"", <b>",north,spring,human,linkedin,FR,www.linkedin.com,'
    "00000000deadbeef,302,false,false,198.51.100.7,\n"
    "2026-03-01T10:00:00Z,1772359200123456,web-1,9,,,,,,probe,unknown,,,,"
    "410,true,true,2001:db8:7::/48,\n"
    "2026-03-01T10:00:00Z,1772359200123456,web-1,1,Abc12345,alice,"
    '"Alice ""A"", <b>",north,spring,human,unknown,,,,302,false,false,,'
    "0PTOyXhAlsh9-H0M\n")),
   "export --format csv of a directory, exact; ip, then click the last "
   "columns")
# The id is the segment's (its worker) as much as the record's.
mkseg_opts(os.path.join(TMP, "export-w1", "b.clk"), [
    "time_us=1772359200123456 staff=1 campaign=1 link=1 class=human "
    "flags=4 status=302"], "--node", "web-1", "--worker", "1",
    "--db", exdb)
r = reach("export", "--format", "csv", "--db", exdb,
          os.path.join(TMP, "export-w1"))
click = r.stdout.splitlines()[-1].rsplit(",", 1)[1] if r.stdout else ""
ok(r.returncode == 0 and re.fullmatch(r"[A-Za-z0-9_-]{16}", click) and
   click != "0PTOyXhAlsh9-H0M", "export: the same record written by "
   "worker 1 has another id", r.stdout + r.stderr)
# An id starting with '-' (this record's) is written as it is: the guard
# against formulas, which puts a ' before such names, would break a join.
mkseg_opts(os.path.join(TMP, "export-dash", "c.clk"), [
    "time_us=1772359200123604 staff=1 campaign=1 link=1 class=human "
    "flags=4 status=302"], "--node", "web-1", "--db", exdb)
r = reach("export", "--format", "csv", "--db", exdb,
          os.path.join(TMP, "export-dash"))
eq((r.returncode, r.stdout.splitlines()[-1].rsplit(",", 1)[1]),
   (0, "--6ezFMkglB2eF7i"), "export --format csv: an id starting with - "
   "as it is, not as text for spreadsheets")
r = reach("export", "--db", db, logs)
got = sorted((j["staff"], j["campaign"], j["code"] == code[j["staff"],
              j["campaign"]], j["class"], j["platform"], j["country"],
              j["internal"], j["node"], j["status"])
             for j in map(json.loads, r.stdout.splitlines()))
want = sorted([
    ("alice", "spring", True, "human", "linkedin", "DE", False, "test", 302),
    ("alice", "spring", True, "human", "linkedin", "DE", False, "test", 302),
    ("alice", "spring", True, "human", "x", "DE", False, "test", 302),
    ("alice", "spring", True, "preview", "none", "DE", False, "test", 302),
    ("alice", "autumn", True, "human", "facebook", "FR", False, "test", 302),
    ("bob", "spring", True, "human", "none", "JP", False, "test", 302),
    ("bob", "spring", True, "human", "none", "JP", False, "test", 302),
    ("bob", "spring", True, "tool", "none", "JP", False, "test", 302),
    ("carol", "spring", True, "human", "none", "BR", False, "test", 302),
    ("carol", "spring", True, "human", "none", "BR", False, "test", 302),
    ("carol", "spring", True, "human", "none", "", True, "test", 302)])
eq(got, want, "export of the daemon's log: every request, names resolved")
eq({j["ip"] for j in map(json.loads, r.stdout.splitlines())}, {""},
   "export: ip empty where the record carries none (ip_log none)")
eq({j["click"] for j in map(json.loads, r.stdout.splitlines())}, {""},
   "export: click empty where the link has no click ids")
visitors = {j["visitor"] for j in map(json.loads, r.stdout.splitlines())
            if j["class"] == "human" and not j["internal"]}
ok(len(visitors) == 7 and all(len(v) == 16 for v in visitors),
   "export: visitor ids as 16 hex digits (7 distinct humans)", visitors)
# --by day and hour of the daemon's log: its times are the clock's, so the
# expected rows come from the exported records (clickrec's reader, not
# reach's loop), in UTC and in Europe/Paris.
from datetime import datetime, timezone  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402
recs = [json.loads(x) for x in r.stdout.splitlines()]
for zone in (None, "Europe/Paris"):
    for by in ("day", "hour"):
        want = {}
        for j in recs:
            t = datetime.fromtimestamp(j["time_us"] / 1e6, timezone.utc)
            if zone:
                t = t.astimezone(ZoneInfo(zone))
            key = t.strftime("%Y-%m-%d") if by == "day" else str(t.hour)
            w = want.setdefault(key, [0, set(), 0, 0])
            if j["class"] != "human":
                w[2] += 1
            elif j["internal"]:
                w[3] += 1
            else:
                w[0] += 1
                w[1].add(j["visitor"])
        want = {k: (v[0], len(v[1]), v[2], v[3]) for k, v in want.items()}
        args = ["--db", db, "--by", by] + (["--tz", zone] if zone else [])
        rows = csv_rows(*args + [logs])
        got = {x.split(",")[1]: tuple(int(v) for v in
                                      x.split(",")[2:5] + x.split(",")[9:10])
               for x in rows[1:]} if isinstance(rows, list) else rows
        eq(got, want, "--by %s%s of the daemon's log: as its records say"
           % (by, " --tz " + zone if zone else ""))

torn = os.path.join(TMP, "export2", "t.clk")
mkseg_opts(torn, ["time=2026-03-01T10:00:00Z staff=1 class=human"],
           "--torn", "5")
r = reach("export", "--format", "csv", torn)
ok(r.returncode == 0 and len(r.stdout.splitlines()) == 2 and
   "torn record" in r.stderr, "export of a torn tail: a warning, the "
   "whole records", r.stderr)
bad = os.path.join(TMP, "export3", "c.clk")
mkseg_opts(bad, ["time=2026-03-01T10:00:00Z staff=1 class=human"] * 3,
           "--corrupt-at", "1")
r = reach("export", bad)
ok(r.returncode == 1 and len(r.stdout.splitlines()) == 1 and
   "corrupt record at offset 256" in r.stderr,
   "export of a corrupt segment: exit 1 naming the offset", r.stderr)
r = reach("export", "--format", "xml", bad)
ok(r.returncode == 2 and "usage: reach export" in r.stderr,
   "export --format xml: a usage error")

# ------------------------------------------------------- progress line

def run_pty(args, extra_env):
    """Run with stderr on a pseudo-terminal; returns (rc, stdout, stderr
    bytes as the terminal got them)."""
    import pty
    master, slave = pty.openpty()
    e = dict(os.environ)
    e.pop("REDIRECTD_DB", None)
    e.update(extra_env)
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=slave, env=e)
    os.close(slave)
    out = p.stdout.read()
    p.wait(60)
    got = b""
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        got += data
    os.close(master)
    return p.returncode, out, got


rc, out, err = run_pty([REACH, "--db", db, "--format", "csv", logs],
                       {"REACH_PROGRESS_DELAY_MS": "0"})
lines = err.split(b"\r\x1b[K")
ok(rc == 0 and err.startswith(b"\r\x1b[Kreach: segment 1 of 2, ") and
   err.endswith(b"\r\x1b[K") and lines[-1] == b"",
   "stderr a terminal: a progress line, cleared at the end", err)
eq(out.decode().splitlines(), csv_rows("--db", db, logs),
   "stderr a terminal: the report on stdout is the same")
rc, out, err = run_pty([REACH, "--db", db, "--format", "csv", logs], {})
eq((rc, err), (0, b""), "a short run: no progress line (after 0.5 s only)")
r = subprocess.run([REACH, "--db", db, logs], capture_output=True,
                   env=dict(os.environ, REACH_PROGRESS_DELAY_MS="0"))
eq(r.stderr, b"", "stderr not a terminal: no progress line")

shutil.rmtree(TMP, ignore_errors=True)
tap.done()
