#!/usr/bin/env python3
"""Each colleague's own figures in campaign posts (linkctl campaign posts
--log DIR --last SPAN), through the real linkctl and the real reach: every
colleague's {visitors} {clicks} {rank} {ranked} against reach --by staff
--last SPAN --format csv over the same log, and {team_rank}
{top_platform} {advice} {leaderboard} against what the data says they
are; {change} {rank_change} against the week before, as the data says
and as reach --compare previous says; --out and --mbox alike; two --log directories, one named twice; the
default window; the refusals (a figure placeholder without --log, a --log
that does not exist, a bad --last, {leaderboard} in the subject, a log
reach refuses), each before anything is written.

The log, times relative to now (the window is --last 7d unless said):

  1 ana  Ana Lima   comms  visitors 101 102 103 on linkedin, 101 104 on x,
                           one without a visitor (no referrer) -> 6 clicks,
                           4 visitors; 2 previews, 1 internal click and a
                           click 10 days ago not counted
  2 bo   Bo Berg    comms  201 202 203, no referrer          -> 3, 3
  3 cy   Cy Dune    (none) 5 clicks without a visitor, unknown platform,
                           in one hour                        -> 5, 0
  4 dee  Dee Egg    sales  401 402 on x, 403 by e-mail        -> 3, 3
  5 eli  Élise Fox  sales  501 502 on reddit, 501 on mastodon -> 3, 2
  6 fay  Fay Gil    comms  no clicks
  7 gus  Gus Hale   sales  701-705 on linkedin 10 days ago    -> 0, 0 (5, 5
                           with --last 14d, second to ana's 5, 7)
  9 (not in the store)     901                                -> 1, 1

  ranks: ana 1; bo and dee tie (3 visitors, 3 clicks): 2 and 2; eli 4;
  #9 5; cy 6; fay and gus 7 and 7; 8 rows ranked.
"""
import csv
import io
import mailbox
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from tap import eq, ok  # noqa: E402

LINKCTL, REACH, MKSEG = tap.LINKCTL, tap.REACH, tap.MKSEG
TMP = tap.tempdir("figures-test-")
DB = os.path.join(TMP, "db")
BASE = "https://go.example.org"
FROM = "Comms <comms@example.org>"
HOUR, DAY = 3600, 86400


def env():
    e = dict(os.environ)
    for k in ("REDIRECTD_DB", "SOURCE_DATE_EPOCH", "TZ"):
        e.pop(k, None)
    return e


def lk(*args):
    return subprocess.run([LINKCTL, "--db", DB] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=120,
                          env=env())


def reach(*args):
    return subprocess.run([REACH, "--db", DB] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=120,
                          env=env())


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def mkseg(path, lines, *opts):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    r = subprocess.run([MKSEG, path] + list(opts),
                       input="".join(x + "\n" for x in lines),
                       capture_output=True, text=True, timeout=60)
    if r.returncode:
        raise RuntimeError("mkseg: " + r.stderr)


# ------------------------------------------------------------ the data

STAFF = [("ana", "Ana Lima", "comms"), ("bo", "Bo Berg", "comms"),
         ("cy", "Cy Dune", ""), ("dee", "Dee Egg", "sales"),
         ("eli", "Élise Fox", "sales"), ("fay", "Fay Gil", "comms"),
         ("gus", "Gus Hale", "sales")]
write("staff.csv", "handle,name,team,email\n" + "".join(
    "%s,%s,%s,%s@example.org\n" % (h, n, t, h) for h, n, t in STAFF))
r = lk("staff", "import", os.path.join(TMP, "staff.csv"))
ok(r.returncode == 0, "the colleagues imported (ids 1-7)", r.stderr)
r = lk("campaign", "create", "spring", "--url", "https://example.org/s",
       "--base-url", BASE)
ok(r.returncode == 0, "a campaign with a link each", r.stderr)

NOW = int(time.time())
# cy's clicks: one hour of yesterday, UTC, well inside the window.
CY_T = (NOW - DAY - 6 * HOUR) // HOUR * HOUR
CY_HOUR = time.gmtime(CY_T).tm_hour


def rec(ago, staff, visitor=0, platform="none", cls="human", **kw):
    t = NOW - ago if ago < 10**8 else ago
    f = ["time=@%d" % t, "staff=%d" % staff, "link=%d" % staff,
         "campaign=1", "class=%s" % cls, "visitor=%d" % visitor,
         "platform=%s" % platform]
    return " ".join(f + ["%s=%s" % kv for kv in kw.items()])


LOGS = os.path.join(TMP, "logs")
mkseg(os.path.join(LOGS, "a", "1.clk"), [
    rec(DAY, 1, 101, "linkedin"), rec(DAY + 60, 1, 102, "linkedin"),
    rec(2 * DAY, 1, 103, "linkedin"), rec(2 * DAY, 1, 101, "x"),
    rec(3 * DAY, 1, 104, "x"), rec(3 * DAY, 1, 0, "none"),
    rec(DAY, 1, 0, "x", "preview"), rec(DAY, 1, 77, "linkedin", "preview"),
    rec(DAY, 1, 105, "linkedin", flags=1),         # internal
    rec(10 * DAY, 1, 106, "linkedin"),             # before the window
    rec(DAY, 2, 201), rec(2 * DAY, 2, 202), rec(4 * DAY, 2, 203),
])
mkseg(os.path.join(LOGS, "b", "2.clk"), [
    rec(CY_T + 60 * i, 3, 0, "unknown") for i in range(5)] + [
    rec(DAY, 4, 401, "x"), rec(2 * DAY, 4, 402, "x"),
    rec(5 * DAY, 4, 403, "email"),
    rec(DAY, 5, 501, "reddit"), rec(DAY, 5, 502, "reddit"),
    rec(2 * DAY, 5, 501, "mastodon"),
    rec(DAY, 9, 901, "x"),
] + [rec(10 * DAY + i, 7, 701 + i, "linkedin") for i in range(5)])

TEMPLATE = write("figures.txt", """Subject: {first_name}: #{rank} of {ranked}

name={name}
visitors={visitors}
clicks={clicks}
rank={rank}
ranked={ranked}
team_rank={team_rank}
top_platform={top_platform}
advice={advice}
leaderboard:
{leaderboard}
end
""")


def figures(text):
    """The fields of a rendered post, and its leaderboard lines."""
    head, _, rest = text.partition("leaderboard:\n")
    f = dict(line.split("=", 1) for line in head.splitlines() if "=" in line)
    f["leaderboard"] = rest.rsplit("\nend\n", 1)[0].split("\n")
    return f


def posts_out(out, *args):
    r = lk("campaign", "posts", "spring", "--template", TEMPLATE, "--out",
           out, "--base-url", BASE, *args)
    got = {}
    if r.returncode == 0:
        for h, _, _ in STAFF:
            with open(os.path.join(out, h + ".txt")) as f:
                got[h] = figures(f.read())
    return r, got


def reach_rows(*args):
    r = reach("--by", "staff", "--format", "csv", *args)
    ok(r.returncode == 0, "reach %s" % " ".join(args), r.stderr)
    return list(csv.DictReader(io.StringIO(r.stdout)))


def against_reach(got, rows, what):
    """Every colleague's visitors, clicks, rank and ranked as reach's."""
    byh = {x["staff"]: x for x in rows}
    for h, _, _ in STAFF:
        want = (byh[h]["visitors"], byh[h]["clicks"], byh[h]["rank"],
                str(len(rows)))
        eq(tuple(got[h][k] for k in ("visitors", "clicks", "rank", "ranked")),
           want, "%s: %s's visitors, clicks, rank, ranked as reach's" % (what, h))


# ------------------------------------------------------- against reach

OUT = os.path.join(TMP, "out7")
r, got = posts_out(OUT, "--log", LOGS, "--last", "7d")
eq((r.returncode, r.stdout, r.stderr),
   (0, "", "linkctl: note: {visitors} counts visitor-days: the window spans "
    "more than one day, and a person has one visitor id per day "
    "(visitor_period, redirectd.conf(5))\n"
    "campaign 'spring': 7 posts written to %s\n" % OUT),
   "--log --last 7d: every post written; a note that {visitors} counts "
   "visitor-days (daily keys over several days)")
rows = reach_rows("--last", "7d", LOGS)
against_reach(got, rows, "7d")
eq([(x["rank"], x["staff"]) for x in rows],
   [("1", "ana"), ("2", "bo"), ("2", "dee"), ("4", "eli"), ("5", "#9"),
    ("6", "cy"), ("7", "fay"), ("7", "gus")],
   "reach's ranks are the ones this test expects")
eq({h: got[h]["visitors"] + "/" + got[h]["clicks"] for h in got},
   {"ana": "4/6", "bo": "3/3", "cy": "0/5", "dee": "3/3", "eli": "2/3",
    "fay": "0/0", "gus": "0/0"}, "visitors and clicks as the data says")
eq({h: got[h]["name"] for h in got}["eli"], "Élise Fox", "{name} as before")

eq({h: got[h]["team_rank"] for h in got},
   {"ana": "1", "bo": "2", "fay": "3", "dee": "1", "eli": "2", "gus": "3",
    "cy": "-"}, "{team_rank}: rank in the team; '-' without a team")
eq({h: got[h]["top_platform"] for h in got},
   {"ana": "LinkedIn", "bo": "no referrer", "cy": "an unknown platform",
    "dee": "X", "eli": "Reddit", "fay": "-", "gus": "-"},
   "{top_platform}: reach's (most clicks), in words; '-' without a click")
NO_CLICKS = ("No clicks in this period yet: share your link once where "
             "your colleagues get the most visitors.")
eq({h: got[h]["advice"] for h in got}, {
    "ana": "LinkedIn brings you the most visitors: post there first.",
    "bo": "Your visitors come without a referrer (chat apps, e-mail, "
          "documents): keep sending your link directly.",
    "cy": "Your clicks peak between %02d:00 and %02d:00 (UTC): post "
          "shortly before." % (CY_HOUR, (CY_HOUR + 1) % 24),
    "dee": "X brings you the most visitors: post there first.",
    "eli": "Reddit brings you the most visitors: post there first.",
    "fay": NO_CLICKS, "gus": NO_CLICKS,
}, "{advice}: the first recommendation of the report's card")
# Daily keys over several days: the leaderboard says what it counts.
BOARD7 = ["1. Ana Lima: 4 visitor-days, 6 clicks",
          "2. Bo Berg: 3 visitor-days, 3 clicks",
          "2. Dee Egg: 3 visitor-days, 3 clicks",
          "4. Élise Fox: 2 visitor-days, 3 clicks",
          "6. Cy Dune: 0 visitor-days, 5 clicks"]
eq(got["fay"]["leaderboard"], BOARD7,
   "{leaderboard}: the first five colleagues with a click, reach's ranks "
   "(#9 is no colleague)")
ok(all(got[h]["leaderboard"] == BOARD7 for h in got),
   "{leaderboard}: the same in every post")

# The report's cards say the same (its first recommendation per card).
html = reach("--by", "staff", "--format", "html", "--last", "7d", LOGS)
for h, adv in (("ana", got["ana"]["advice"]), ("cy", got["cy"]["advice"]),
               ("fay", NO_CLICKS)):
    card = html.stdout.split('<article class="card" data-handle="%s">' % h)[1]
    first = card.split('<ul class="advice">\n<li>')[1].split("<small>")[0]
    eq(first, adv, "the report's card of %s begins with the same advice" % h)

# A wider window: gus's old clicks count, and everything moves.
r, got14 = posts_out(os.path.join(TMP, "out14"), "--log", LOGS, "--last",
                     "14d")
ok(r.returncode == 0, "--last 14d", r.stderr)
rows14 = reach_rows("--last", "14d", LOGS)
against_reach(got14, rows14, "14d")
eq((got14["ana"]["visitors"], got14["ana"]["clicks"], got14["gus"]["visitors"],
    got14["gus"]["rank"], got14["gus"]["team_rank"], got14["dee"]["team_rank"]),
   ("5", "7", "5", "2", "1", "2"),
   "14d: ana's old click counts; gus's five visitors lead his team")
eq(got14["ana"]["leaderboard"][:2], ["1. Ana Lima: 5 visitor-days, 7 clicks",
                                     "2. Gus Hale: 5 visitor-days, 5 clicks"],
   "14d: the leaderboard follows")

# --last defaults to 7d; two --log, one of them named twice: each
# segment counted once, as reach counts them.
r, gotd = posts_out(os.path.join(TMP, "outd"), "--log",
                    os.path.join(LOGS, "a"), "--log", os.path.join(LOGS, "b"),
                    "--log", os.path.join(LOGS, "a", "1.clk"))
ok(r.returncode == 0, "several --log", r.stderr)
eq(gotd, got, "--last 7d by default; --log repeated: the same figures")
rowsd = reach_rows("--last", "7d", os.path.join(LOGS, "a"),
                   os.path.join(LOGS, "b"), os.path.join(LOGS, "a", "1.clk"))
against_reach(gotd, rowsd, "two --log")

# --mbox carries the same figures, in the subject too.
BOX = os.path.join(TMP, "posts.mbox")
r = lk("campaign", "posts", "spring", "--template", TEMPLATE, "--mbox", BOX,
       "--from", FROM, "--base-url", BASE, "--log", LOGS, "--last", "7d")
ok(r.returncode == 0, "--mbox with --log", r.stderr)
msgs = {m["To"].split("<")[1].split("@")[0]: m for m in mailbox.mbox(BOX)}
eq(sorted(msgs), sorted(h for h, _, _ in STAFF), "--mbox: a message each")
eq({h: figures(m.get_payload(decode=True).decode()) for h, m in msgs.items()},
   got, "--mbox: the bodies' figures are --out's")
eq(str(msgs["dee"]["Subject"]), "Dee: #2 of 8", "--mbox: figures in the subject")

# Without {advice} nothing else changes (what it rests on is not counted).
NOADV = write("noadvice.txt", open(TEMPLATE).read().replace(
    "advice={advice}\n", ""))
r = lk("campaign", "posts", "spring", "--template", NOADV, "--out",
       os.path.join(TMP, "noadv"), "--base-url", BASE, "--log", LOGS)
ok(r.returncode == 0, "a template without {advice}", r.stderr)
same = True
for h, _, _ in STAFF:
    with open(os.path.join(TMP, "noadv", h + ".txt")) as f:
        want = dict(got[h])
        del want["advice"]
        same = same and figures(f.read()) == want
ok(same, "without {advice}: the other figures as with it")

# {change} and {rank_change}: the week before --last 7d (7 to 14 days
# ago) holds ana's click 10 days ago (1 visitor) and gus's five visitors.
# Earlier ranks: gus 1, ana 2, bo cy dee eli fay 3 (0, 0); #9 no row.
CMP = write("compare.txt", open(TEMPLATE).read().replace(
    "advice={advice}\n", "change={change}\nrank_change={rank_change}\n"))
r = lk("campaign", "posts", "spring", "--template", CMP, "--out",
       os.path.join(TMP, "cmp"), "--base-url", BASE, "--log", LOGS,
       "--last", "7d")
ok(r.returncode == 0, "a template with {change} {rank_change}", r.stderr)
gotc = {}
for h, _, _ in STAFF:
    with open(os.path.join(TMP, "cmp", h + ".txt")) as f:
        gotc[h] = figures(f.read())
eq({h: (gotc[h]["change"], gotc[h]["rank_change"]) for h in gotc},
   {"ana": ("+3", "+1"), "bo": ("+3", "+1"), "cy": ("0", "-3"),
    "dee": ("+3", "+1"), "eli": ("+2", "-1"), "fay": ("0", "-4"),
    "gus": ("-5", "-6")},
   "{change} {rank_change}: against the week before, as the data says")
ok(all(gotc[h]["visitors"] == got[h]["visitors"] and
       gotc[h]["rank"] == got[h]["rank"] for h in gotc),
   "the comparison changes no other figure")
rowsc = {x["staff"]: x for x in reach_rows("--last", "7d", "--compare",
                                           "previous", LOGS)}
eq({h: (gotc[h]["change"].lstrip("+"), gotc[h]["rank_change"].lstrip("+"))
    for h in gotc},
   {h: (rowsc[h]["change"], rowsc[h]["rank_change"]) for h in gotc},
   "{change} {rank_change}: reach --compare previous's change, rank_change")

# A template without figures needs no log; with --log it is still checked.
PLAIN = write("plain.txt", "Hi {first_name}: {link}\n")
r = lk("campaign", "posts", "spring", "--template", PLAIN, "--out",
       os.path.join(TMP, "plain"), "--base-url", BASE)
ok(r.returncode == 0, "no figure: no --log needed", r.stderr)

# ------------------------------------------------------------ refusals


def refused(name, args, rc, err, out=None):
    out = out or os.path.join(TMP, "refused")
    shutil.rmtree(out, ignore_errors=True)
    r = lk("campaign", "posts", "spring", "--out", out, "--base-url", BASE,
           *args)
    eq((r.returncode, r.stdout, r.stderr), (rc, "", err), name)
    ok(not os.path.exists(out), "%s: nothing written" % name)


USAGE = " (see linkctl --help)\n"
refused("a figure placeholder without --log", ["--template", TEMPLATE], 2,
        "linkctl: campaign posts: {rank} needs --log DIR (the click log to "
        "count)" + USAGE)
VIS = write("vis.txt", "Hi {name}, {{visitors}}: {clicks} then {visitors}\n")
refused("the first figure is named", ["--template", VIS], 2,
        "linkctl: campaign posts: {clicks} needs --log DIR (the click log "
        "to count)" + USAGE)
NOPE = os.path.join(TMP, "no-such-log")
refused("a --log that does not exist", ["--template", TEMPLATE, "--log",
        LOGS, "--log", NOPE], 1,
        "linkctl: campaign posts: --log %s: No such file or directory\n"
        % NOPE)
refused("a bad --last", ["--template", TEMPLATE, "--log", LOGS, "--last",
        "7 days"], 2,
        "linkctl: campaign posts: --last: expected a number and h, d or w "
        "(7d), not '7 days'" + USAGE)
refused("--last without --log", ["--template", PLAIN, "--last", "7d"], 2,
        "linkctl: campaign posts: --last goes with --log" + USAGE)
SUBJ = write("subj.txt", "Subject: Week {leaderboard}\n\n{name}\n")
refused("{leaderboard} in the subject", ["--template", SUBJ, "--log", LOGS], 1,
        "linkctl: %s:1: {leaderboard} is several lines: it cannot go in the "
        "subject\n" % SUBJ)
BAD = os.path.join(TMP, "badlog")
mkseg(os.path.join(BAD, "c.clk"), [rec(DAY, 1, 1), rec(DAY, 1, 2),
                                   rec(DAY, 1, 3)], "--corrupt-at", "1",
      "--db", DB)
refused("a log reach refuses", ["--template", TEMPLATE, "--log", BAD], 1,
        "linkctl: %s: corrupt record at offset 256\n"
        % os.path.join(BAD, "c.clk"))
r = reach("--last", "7d", BAD)
eq((r.returncode, r.stderr), (1, "reach: %s: corrupt record at offset 256\n"
                              % os.path.join(BAD, "c.clk")),
   "reach refuses it alike")

tap.done()
