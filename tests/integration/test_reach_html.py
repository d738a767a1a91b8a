#!/usr/bin/env python3
"""reach --format html in a real browser: headless Chromium (Debian's
package) opens the report from a file and the test reads the page through
the DevTools protocol (--remote-debugging-pipe, standard library only):
the leaderboard's names in rank order, its bars' widths in the same order,
one card per colleague with their recommendations, the daily chart's
lines, names that are HTML (a colleague called <script>...) shown as text
and run as nothing, no console error, no request but the file itself.

Without Chromium the test is skipped, except in CI (CI set).
"""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from tap import eq, ok  # noqa: E402
from daemon import linkctl  # noqa: E402
from cdp import Browser, evaluate, open_tab, require_chromium  # noqa: E402

require_chromium()

TMP = tap.tempdir("reach-html-")
db = os.path.join(TMP, "db")
EVIL1 = "<script>window.pwned=1</script>"
EVIL2 = 'Bo "><img src=x onerror="window.pwned=2">'
for h, name, team in [("ana", EVIL1, "comms"), ("bo", EVIL2, "comms"),
                      ("cy", "Cy Young", "ops"), ("di", "Di Ives", "ops")]:
    linkctl(db, "staff", "add", h, "--name", name, "--team", team)
for h in ("ana", "bo", "cy", "di"):
    linkctl(db, "mint", "--staff", h, "--campaign", "spring", "--url",
            "https://example.org/s")
# Staff ids 1-4 and link ids 1-4 in that order; campaign 1 is spring.
lines = [
    "time=2026-03-01T09:10:00Z staff=1 link=1 campaign=1 class=human "
    "platform=linkedin country=FR visitor=11",
    "time=2026-03-01T09:20:00Z staff=1 link=1 campaign=1 class=human "
    "platform=linkedin country=FR visitor=12",
    "time=2026-03-02T09:30:00Z staff=1 link=1 campaign=1 class=human "
    "platform=x country=DE visitor=13",
    "time=2026-03-02T09:40:00Z staff=1 link=1 campaign=1 class=human "
    "platform=linkedin country=DE visitor=13",
    "time=2026-03-02T17:40:00Z staff=1 link=1 campaign=1 class=human "
    "platform=linkedin country=DE visitor=14",
    "time=2026-03-01T12:00:00Z staff=2 link=2 campaign=1 class=human "
    "platform=facebook country=FR visitor=21",
    "time=2026-03-02T12:00:00Z staff=2 link=2 campaign=1 class=human "
    "platform=facebook country=FR visitor=22",
    "time=2026-03-02T12:00:00Z staff=2 link=2 campaign=1 class=preview",
    "time=2026-03-03T08:00:00Z staff=3 link=3 campaign=1 class=human "
    "platform=none visitor=31",
    # di's link was posted (a preview bot fetched it) and drew no click.
    "time=2026-03-03T08:00:00Z staff=4 link=4 campaign=1 class=preview",
]
seg = os.path.join(TMP, "log", "a.clk")
os.makedirs(os.path.dirname(seg))
r = subprocess.run([tap.MKSEG, seg, "--db", db], input="\n".join(lines) + "\n",
                   capture_output=True, text=True)
assert r.returncode == 0, r.stderr
report = os.path.join(TMP, "report.html")
env = dict(os.environ)
env.pop("REDIRECTD_DB", None)
r = subprocess.run([tap.REACH, "--db", db, "--format", "html", "--output",
                    report, "--unshared-days", "0",
                    os.path.dirname(seg)], capture_output=True, text=True,
                   env=env)
# Three days of daily keys: the one note says the figures are visitor-days.
ok(r.returncode == 0 and r.stdout == "" and
   r.stderr.startswith("reach: note: visitors are visitor-days") and
   r.stderr.count("\n") == 1,
   "reach --format html --output FILE: exit 0, nothing on stdout", r.stderr)
html = open(report, encoding="utf-8").read()
ok("<script" not in html and "<img" not in html and
   "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html,
   "names are escaped in the file")
ok("http://" not in html and "https://" not in html and "@import" not in
   html and "url(" not in html, "the file fetches nothing")
r2 = subprocess.run([tap.REACH, "--db", db, "--format", "html",
                     "--unshared-days", "0", os.path.dirname(seg)],
                    capture_output=True, text=True, env=env)
ok(r2.returncode == 0 and r2.stdout.startswith("<!doctype html>"),
   "--format html without --output: the page on stdout")
r2 = subprocess.run([tap.REACH, "--db", db, "--format", "html", "--by",
                     "campaign", os.path.dirname(seg)],
                    capture_output=True, text=True, env=env)
ok(r2.returncode == 2 and "--by staff only" in r2.stderr,
   "--format html --by campaign: a usage error", r2.stderr)

def reach_json(*args):
    r = subprocess.run([tap.REACH, "--db", db, "--format", "json"] + list(args) +
                       [os.path.dirname(seg)], capture_output=True, text=True, env=env)
    return json.loads(r.stdout) if r.returncode == 0 else r.stderr


by_team = {x["team"]: x for x in reach_json("--by", "team")}
by_campaign = {x["campaign"]: x for x in reach_json("--by", "campaign")}

# A second page: filtered, in a time zone, with clicks of today (a day
# still going on), and 40 colleagues tied at rank 1 (no tie cut).
tz = "Europe/Paris"
now = datetime.datetime.now(datetime.timezone.utc)
local_midnight = now.astimezone(zoneinfo.ZoneInfo(tz)).replace(
    hour=0, minute=0, second=0, microsecond=0)
t_today = max(now - datetime.timedelta(seconds=120),
              local_midnight.astimezone(datetime.timezone.utc) +
              datetime.timedelta(seconds=1))
many = [("p%02d" % i, "P%02d" % i) for i in range(40)]
staff_csv = os.path.join(TMP, "many.csv")
with open(staff_csv, "w") as f:
    f.write("handle,name,team,email\n" + "".join("%s,%s,comms,\n" % m for m in many))
linkctl(db, "staff", "import", staff_csv)
today = [("time=%s staff=%d class=human platform=x visitor=%d campaign=1"
          % (t_today.strftime("%Y-%m-%dT%H:%M:%SZ"), 5 + i, 500 + i)) for i in range(40)]
seg2 = os.path.join(TMP, "log2", "b.clk")
os.makedirs(os.path.dirname(seg2))
r = subprocess.run([tap.MKSEG, seg2, "--db", db], input="\n".join(today) + "\n",
                   capture_output=True, text=True)
assert r.returncode == 0, r.stderr
report2 = os.path.join(TMP, "report2.html")
since = local_midnight.strftime("%Y-%m-%d")
r = subprocess.run([tap.REACH, "--db", db, "--format", "html", "--output", report2,
                    "--team", "comms", "--tz", tz, "--since", since,
                    os.path.dirname(seg2)], capture_output=True, text=True, env=env)
ok(r.returncode == 0, "a filtered report in a time zone", r.stderr)
html2 = open(report2, encoding="utf-8").read() if r.returncode == 0 else ""
eq(len(re.findall(r'<g class="bar"', html2)), 40,
   "40 colleagues tied at rank 1: all drawn, the tie not cut at 30")
eq(len(re.findall(r'<article class="card"', html2)), 40,
   "... each with a card; the 2 without a visitor below them get none")
ok('Cards of the 40 leading colleagues of 42; --staff names others.' in html2,
   "... and the page says so", re.findall(r'<p class="note">.*?</p>', html2))
r = subprocess.run([tap.REACH, "--db", db, "--format", "html", "--staff", "ana,p07",
                    "--tz", tz, "--since", since, os.path.dirname(seg2)],
                   capture_output=True, text=True, env=env)
eq(sorted(re.findall(r'<article class="card" data-handle="([^"]+)"', r.stdout)),
   ["ana", "p07"], "--staff: a card for each colleague named")

# --compare previous: the three days before 2026-03-01 in a second
# segment.  Earlier: ana 1 visitor, bo 3, cy 0, di 1; now ana 4, bo 2,
# cy 1, di 0 (below --min-visitors 1: unranked).
earlier = [
    "time=2026-02-26T10:00:00Z staff=1 link=1 campaign=1 class=human "
    "visitor=91",
    "time=2026-02-27T10:00:00Z staff=2 link=2 campaign=1 class=human "
    "visitor=92",
    "time=2026-02-27T11:00:00Z staff=2 link=2 campaign=1 class=human "
    "visitor=93",
    "time=2026-02-28T23:59:59Z staff=2 link=2 campaign=1 class=human "
    "visitor=94",
    "time=2026-02-28T10:00:00Z staff=4 link=4 campaign=1 class=human "
    "visitor=95",
    "time=2026-02-25T23:59:59Z staff=3 link=3 campaign=1 class=human "
    "visitor=96",   # before the earlier window: not counted
]
seg3 = os.path.join(TMP, "log3", "b.clk")
os.makedirs(os.path.dirname(seg3))
r = subprocess.run([tap.MKSEG, seg3, "--db", db],
                   input="\n".join(earlier) + "\n", capture_output=True,
                   text=True)
assert r.returncode == 0, r.stderr
cmp_report = os.path.join(TMP, "compare.html")
r = subprocess.run([tap.REACH, "--db", db, "--format", "html", "--output",
                    cmp_report, "--since", "2026-03-01", "--until",
                    "2026-03-04", "--compare", "previous", "--min-visitors",
                    "1", "--staff", "ana,bo,cy,di",
                    os.path.dirname(seg), os.path.dirname(seg3)],
                   capture_output=True, text=True, env=env)
ok(r.returncode == 0 and r.stderr.startswith("reach: note: visitors are visitor-days")
   and r.stderr.count("\n") == 1,
   "reach --format html --compare previous: exit 0 (and the visitor-days note)",
   r.stderr)

# --output-dir: the report as an index, and a page for every colleague.
pages = os.path.join(TMP, "pages")
r = subprocess.run([tap.REACH, "--db", db, "--format", "html", "--output-dir", pages,
                    "--unshared-days", "0", os.path.dirname(seg)],
                   capture_output=True, text=True, env=env)
ok(r.returncode == 0 and r.stdout == "", "--output-dir DIR: exit 0, nothing on stdout",
   r.stderr)
handles = ["ana", "bo", "cy", "di"] + [h for h, _ in many]
eq(sorted(os.listdir(os.path.join(pages, "staff"))) if os.path.isdir(pages) else None,
   sorted(h + ".html" for h in handles), "a page for each of the 44 colleagues")
index = open(os.path.join(pages, "index.html"), encoding="utf-8").read() \
    if os.path.exists(os.path.join(pages, "index.html")) else ""
eq(len(re.findall(r'<tr><td class="n">[^<]*</td><td><a href="staff/[a-z0-9._-]+\.html">',
                  index)), 44, "the index lists every colleague, each linked to their page")
eq(len(re.findall(r'<article class="card"', index)),
   len(re.findall(r'<g class="bar"', index)),
   "... and keeps cards for the colleagues its chart draws")
for args, what in ((["--format", "csv"], "without --format html"),
                   (["--format", "html", "--output", os.path.join(TMP, "x.html")],
                    "with --output")):
    r = subprocess.run([tap.REACH, "--db", db, "--output-dir", pages] + args +
                       [os.path.dirname(seg)], capture_output=True, text=True, env=env)
    ok(r.returncode == 2 and "--output-dir" in r.stderr, "--output-dir %s: a usage "
       "error" % what, r.stderr)

b = Browser(TMP)
try:
    sid = open_tab(b, ("Page", "Network", "Runtime", "Log"), timeout=60)
    mark = len(b.events)
    url = "file://" + report
    b.call("Page.navigate", {"url": url}, session=sid)
    loaded = b.wait_event(lambda e: e.get("sessionId") == sid and
                          e.get("method") == "Page.loadEventFired",
                          since=mark)
    ok(loaded is not None, "the report loads in Chromium")
    b.drain(1.0)
    eq(evaluate(b, sid, "document.title"),
       "Reach: who reached how many people", "title")
    eq(evaluate(b, sid, "[...document.querySelectorAll('#leaderboard g.bar')]"
                        ".map(g => g.dataset.handle)"),
       ["ana", "bo", "cy", "di"], "the leaderboard's colleagues in rank order")
    eq(evaluate(b, sid, "[...document.querySelectorAll('#leaderboard "
                        "text.label')].map(t => t.textContent)"),
       ["1. " + EVIL1, "2. " + EVIL2, "3. Cy Young", "4. Di Ives"],
       "the leaderboard's labels: names shown as text")
    widths = evaluate(b, sid, "[...document.querySelectorAll('#leaderboard "
                              "rect')].map(r => r.getBoundingClientRect()"
                              ".width)")
    ok(len(widths) == 4 and widths[0] > widths[1] > widths[2] > 0 and
       widths[3] == 0, "bars' widths follow the ranks (4, 2, 1, 0 visitors)",
       widths)
    ok(abs(widths[1] * 2 - widths[0]) < 1.5,
       "bars' widths are proportional to visitors", widths)
    eq(evaluate(b, sid, "[...document.querySelectorAll('#leaderboard "
                        "text.value')].map(t => t.textContent)"),
       ["4", "2", "1", "0"], "the leaderboard's figures")
    eq(evaluate(b, sid, "document.querySelectorAll('article.card').length"),
       4, "a card per colleague")
    eq(evaluate(b, sid, "[...document.querySelectorAll('article.card')]"
                        ".map(c => [c.dataset.handle, c.querySelector('h3')"
                        ".textContent, c.querySelector('.visitors')"
                        ".textContent, c.querySelector('.clicks')"
                        ".textContent])"),
       [["ana", EVIL1, "4", "5"], ["bo", EVIL2, "2", "2"],
        ["cy", "Cy Young", "1", "1"], ["di", "Di Ives", "0", "0"]],
       "cards: names, visitors and clicks")
    advice = evaluate(b, sid, "[...document.querySelectorAll('article.card')]"
                              ".map(c => [...c.querySelectorAll("
                              "'.advice li')].map(l => l.textContent))")
    eq(advice[0], [
        "LinkedIn brings you the most visitors: post there first."
        "4 of your 4 visitors came from LinkedIn",
        "Your clicks peak between 09:00 and 10:00 (UTC): post shortly "
        "before.4 of your 5 clicks in that hour",
        "You reach more people than most of comms: tell your colleagues "
        "what works for you.your 4 visitors; median of comms's 2 "
        "colleagues: 2"], "ana's recommendations and their figures")
    eq(advice[3][:1], ["Your link was posted (link previews fetched it) but drew no "
                       "clicks in this period: add a line on why it matters, or post it "
                       "where your colleagues get the most visitors.0 clicks, 1 link "
                       "preview"], "di's card: a previewed link was posted, not unshared")
    ok(not any(a.startswith("Share your") or a.startswith("No clicks")
               for a in advice[3]),
       "... so neither 'share your link' nor 'no clicks yet'", advice[3])
    eq(evaluate(b, sid, "[...document.querySelectorAll('article.card')]"
                        ".map(c => [c.querySelector('.platform'), "
                        "c.querySelector('.country')].map(e => e && e.textContent))"),
       [["LinkedIn", "DE"], ["Facebook", "FR"], ["no referrer", "unknown country"],
        [None, None]],
       "cards: top platform by visitors in words, and top country")
    eq(advice[2][-1], "You reach more people than most of ops: tell your "
       "colleagues what works for you.your 1 visitor; median of ops's 2 "
       "colleagues: 0", "cy's card: against the team's median")
    eq(len(advice[3]), 1, "di's card: no comparison of 0 with a median of 0")
    eq(evaluate(b, sid, "[...document.querySelectorAll('#daily polyline')]"
                        ".map(p => [p.dataset.handle, "
                        "p.points.numberOfItems])"),
       [["ana", 3], ["bo", 3], ["cy", 3]],
       "the daily chart: a line per leading colleague over 3 days")
    eq(evaluate(b, sid, "[...document.querySelectorAll('#platforms tr')]"
                        ".slice(1).map(r => r.cells[0].textContent + ' ' + "
                        "r.cells[1].textContent + ' ' + r.cells[2]"
                        ".textContent)"),
       ["LinkedIn 4 4", "Facebook 2 2", "no referrer 1 1", "X 1 1"],
       "platforms: clicks and visitors, named in words")
    eq(evaluate(b, sid, "[...document.querySelectorAll('#countries tr')]"
                        ".slice(1).map(r => r.cells[0].textContent + ' ' + "
                        "r.cells[1].textContent + ' ' + r.cells[2].textContent)"),
       ["FR 4 4", "DE 3 2", "unknown country 1 1"], "countries: clicks and visitors")
    def cells(selector):
        return evaluate(b, sid, "[...document.querySelectorAll(%r)].slice(1)"
                        ".map(r => [...r.cells].map(c => c.textContent)"
                        ".join(' '))" % selector)
    eq(cells("#teams tr"), ["1 comms %d %d 2" % (by_team["comms"]["visitors"],
                                                 by_team["comms"]["clicks"]),
                            "2 ops 1 1 2"],
       "teams: rank, visitors and clicks as reach --by team counts them, colleagues")
    eq(by_team["comms"]["visitors"], 6, "... (comms: 6 people, ana's 4 and bo's 2)")
    eq(cells("#campaigns > table tr"), ["1 spring 7 8 3"],
       "campaigns: visitors and clicks as reach --by campaign, colleagues with clicks")
    eq(by_campaign.get("spring", {}).get("visitors"), 7, "... (reach --by campaign: 7)")
    eq(evaluate(b, sid, "[...document.querySelectorAll('section.campaign')]"
                        ".map(s => [s.querySelector('h3').textContent, "
                        "[...s.querySelectorAll('tr')].slice(1).map(r => "
                        "r.cells[1].textContent + ' ' + r.cells[2].textContent)])"),
       [["spring", [EVIL1 + " 4", EVIL2 + " 2", "Cy Young 1"]]],
       "each campaign's colleagues, escaped, by visitors")
    eq(evaluate(b, sid, "[...document.querySelectorAll('#daily .xtick')]"
                        ".map(g => [g.dataset.day, g.textContent])"),
       [["2026-03-01", "2026-03-01"], ["2026-03-02", "03-02"], ["2026-03-03", "03-03"]],
       "the daily chart: a tick per day, dates in order")
    yt = evaluate(b, sid, "[...document.querySelectorAll('#daily .ytick')]"
                          ".map(g => [+g.textContent, g.querySelector('text')"
                          ".getAttribute('y')])")
    ok(len(yt) >= 2 and yt[0][0] == 0 and [v for v, _ in yt] == sorted(v for v, _ in yt)
       and [float(y) for _, y in yt] == sorted((float(y) for _, y in yt), reverse=True),
       "... and a y-axis with ticks from 0 up", yt)
    eq(evaluate(b, sid, "document.querySelectorAll('#daily .partial').length"), 0,
       "... no day marked partial in a past window")
    eq(evaluate(b, sid, "document.querySelector('.filters')"), None,
       "no filter line without filters")
    eq(evaluate(b, sid, "[typeof window.pwned, document.scripts.length, "
                        "document.images.length]"),
       ["undefined", 0, 0], "no name became a script or an image")
    reqs = [e["params"]["request"]["url"] for e in b.events
            if e.get("method") == "Network.requestWillBeSent"]
    eq(reqs, [url], "no request but the file itself")
    errors = [e for e in b.events
              if e.get("method") in ("Runtime.exceptionThrown",) or
              (e.get("method") == "Runtime.consoleAPICalled" and
               e["params"].get("type") == "error") or
              (e.get("method") == "Log.entryAdded" and
               e["params"]["entry"].get("level") == "error")]
    eq(errors, [], "no console errors")

    mark = len(b.events)
    b.call("Page.navigate", {"url": "file://" + report2}, session=sid)
    ok(b.wait_event(lambda e: e.get("sessionId") == sid and
                    e.get("method") == "Page.loadEventFired", since=mark) is not None,
       "the filtered report loads")
    b.drain(0.5)
    eq(evaluate(b, sid, "document.querySelector('.filters').textContent"),
       "Only team comms.", "the header states the filter")
    period = evaluate(b, sid, "document.querySelector('.period').textContent")
    ok(period.startswith("Clicks from %s 00:00 (Europe/Paris time" % since),
       "... and the window, in that time zone", period)
    eq(evaluate(b, sid, "[...document.querySelectorAll('#daily .partial')]"
                        ".map(g => g.textContent)"), ["today, so far"],
       "today's day is marked partial")

    mark = len(b.events)
    b.call("Page.navigate", {"url": "file://" + os.path.join(pages, "staff", "ana.html")},
           session=sid)
    ok(b.wait_event(lambda e: e.get("sessionId") == sid and
                    e.get("method") == "Page.loadEventFired", since=mark) is not None,
       "a colleague's own page loads")
    b.drain(0.5)
    eq(evaluate(b, sid, "[document.title, document.querySelector('h1').textContent, "
                        "document.querySelectorAll('article.card').length, "
                        "document.querySelector('.card .visitors').textContent, "
                        "document.querySelector('.up a').getAttribute('href'), "
                        "typeof window.pwned]"),
       ["Reach: " + EVIL1, EVIL1, 1, "4", "../index.html", "undefined"],
       "... with their card, their name escaped, and a link back to the index")

    mark = len(b.events)
    b.call("Page.navigate", {"url": "file://" + cmp_report}, session=sid)
    loaded = b.wait_event(lambda e: e.get("sessionId") == sid and
                          e.get("method") == "Page.loadEventFired",
                          since=mark)
    ok(loaded is not None, "the --compare report loads in Chromium")
    b.drain(1.0)
    eq(evaluate(b, sid, "[...document.querySelectorAll('#leaderboard g.bar')]"
                        ".map(g => [g.dataset.handle, g.querySelector("
                        "'text.label').textContent.split('.')[0], "
                        "g.querySelector('text.value').textContent, "
                        "g.querySelector('text.change').textContent, "
                        "g.querySelector('text.change').classList[1]])"),
       [["ana", "1", "4", "\u25b2 +3", "up"],
        ["bo", "2", "2", "\u25bc -1", "down"],
        ["cy", "3", "1", "\u25b2 +1", "up"],
        ["di", "-", "0", "\u25bc -1", "down"]],
       "--compare: arrows with the change in visitors; di unranked "
       "(--min-visitors 1)")
    arrows = evaluate(b, sid, "[...document.querySelectorAll('#leaderboard "
                              "g.bar')].map(g => [g.querySelector('rect')"
                              ".getBoundingClientRect().right, g."
                              "querySelector('text.change')."
                              "getBoundingClientRect().left])")
    ok(all(a > r for r, a in arrows),
       "each arrow is drawn right of its bar", arrows)
    eq(evaluate(b, sid, "document.querySelector('#leaderboard p.improved')"
                        ".textContent"),
       "Against the earlier window (2026-02-26T00:00:00Z until "
       "2026-03-01T00:00:00Z): most improved: " + EVIL1 +
       " (up 1 place), +3 visitors.",
       "the most improved line: who, the move, the gain, the window")
    eq(evaluate(b, sid, "[...document.querySelectorAll('article.card .rank')]"
                        ".map(d => d.textContent)"), ["1", "2", "3", "-"],
       "cards: an unranked colleague's rank is '-', not 0")
    eq(evaluate(b, sid, "[typeof window.pwned, document.scripts.length]"),
       ["undefined", 0], "the most improved name is text")
finally:
    b.close()

shutil.rmtree(TMP, ignore_errors=True)
tap.done()
