"""Attribution end to end: real-world user agents, referrers and forwarded
headers through the real daemon, from a trusted proxy (127.0.0.1) and from
an untrusted peer (127.0.0.2), with a generated country database; then
reach's exact numbers for each class, platform, country and visitor count.
"""
import json
import os
import shutil
import signal
import socket
import stat
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import BUILD, REACH, done, eq, ok, run, tempdir  # noqa: E402
from daemon import Daemon, Reader, linkctl  # noqa: E402

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
          "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")
FIREFOX = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:132.0) "
           "Gecko/20100101 Firefox/132.0")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
FB_INAPP = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/470.0.0.38.109;"
            "FBBV/620000000;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.5;"
            "FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]")
IG_INAPP = ("Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) "
            "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/128.0.6613.127 "
            "Mobile Safari/537.36 Instagram 348.0.0.44.106 Android (34/14; 420dpi; "
            "1080x2400; Google/google; Pixel 8; shiba; shiba; en_US; 640373217)")
LI_INAPP = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Mobile/15E148 [LinkedInApp]/9.30.1234")
FB_HIT = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
TWITTERBOT = "Twitterbot/1.0"
SLACKBOT = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"
MASTODON = "Mastodon/4.3.1 (http.rb/5.2.0; +https://mastodon.social/) Bot"
GOOGLEBOT = ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
BINGBOT = ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
           "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36")
CURL = "curl/8.5.0"
PYREQ = "python-requests/2.31.0"

tmp = tempdir()
db = os.path.join(tmp, "db")
logs = os.path.join(tmp, "log")
geo_nested = os.path.join(BUILD, "tests", "geo-nested.mmdb")
geo_flat = os.path.join(BUILD, "tests", "geo-flat.mmdb")
geo_live = os.path.join(tmp, "country.mmdb")

linkctl(db, "staff", "add", "alice", "--name", "Alice", "--team", "north")
linkctl(db, "staff", "add", "bob", "--name", "Bob", "--team", "north")
linkctl(db, "staff", "add", "carol", "--name", "Carol", "--team", "south")
code = {}
for who in ("alice", "bob", "carol"):
    code[who] = linkctl(db, "mint", "--staff", who, "--campaign", "spring",
                        "--url", "https://example.org/%s" % who).stdout.strip()

conf = os.path.join(tmp, "redirectd.conf")
with open(conf, "w") as f:
    f.write("trusted_proxies = 127.0.0.1, ::1\n"
            "internal_networks = 10.0.0.0/8\n"
            "geoip_db = %s\n" % geo_live)

ok(os.path.exists(geo_nested), "the build generated the test country database")
shutil.copy(geo_nested, geo_live)

# Each request: (colleague, source address, headers, method, expected class,
# platform, country, visitor identity or None, internal).
P, U = "127.0.0.1", "127.0.0.2"     # trusted proxy, untrusted peer
REQS = [
    ("alice", P, {"X-Real-IP": "198.51.100.7", "User-Agent": CHROME,
                  "Referer": "https://t.co/AbC123"}, "GET",
     "human", "x", "DE", ("198.51.100.7", CHROME), False),
    ("alice", P, {"X-Real-IP": "198.51.100.7", "User-Agent": CHROME,
                  "Referer": "https://x.com/someone/status/1"}, "GET",
     "human", "x", "DE", ("198.51.100.7", CHROME), False),
    # As conf/nginx.conf sends them: X-Real-IP (believed, the default
    # real_ip_header) and X-Forwarded-For with what the client sent.
    ("alice", P, {"X-Real-IP": "203.0.113.9",
                  "X-Forwarded-For": "192.0.2.1, 203.0.113.9", "User-Agent": FIREFOX,
                  "Referer": "https://www.linkedin.com/feed/update/urn:li:activity:1/"},
     "GET", "human", "linkedin", "FR", ("203.0.113.9", FIREFOX), False),
    ("alice", P, {"X-Real-IP": "198.51.100.20",
                  "X-Forwarded-For": "192.0.2.99, 198.51.100.20", "User-Agent": IPHONE,
                  "Referer": "https://lnkd.in/abc"},
     "GET", "human", "linkedin", "DE", ("198.51.100.20", IPHONE), False),
    # From an untrusted peer the forwarding headers are forged: ignored.
    ("alice", U, {"X-Real-IP": "198.51.100.7", "X-Forwarded-For": "192.0.2.9",
                  "User-Agent": CHROME}, "GET",
     "human", "none", "", (U, CHROME), False),
    ("alice", P, {"X-Real-IP": "10.1.2.3", "User-Agent": CHROME,
                  "Referer": "https://mail.google.com/mail/u/0/"}, "GET",
     "human", "email", "", ("10.1.2.3", CHROME), True),
    ("alice", P, {"X-Real-IP": "198.51.100.8", "User-Agent": FB_HIT}, "GET",
     "preview", "none", "DE", None, False),
    ("alice", P, {"X-Real-IP": "198.51.100.7", "User-Agent": CHROME}, "HEAD",
     "probe", "none", "DE", None, False),
    ("bob", P, {"X-Real-IP": "2001:db8:1::5", "User-Agent": FB_INAPP}, "GET",
     "human", "facebook", "FR", ("2001:db8:1::5", FB_INAPP), False),
    ("bob", P, {"X-Real-IP": "192.0.2.5", "User-Agent": IG_INAPP,
                "Referer": "https://l.instagram.com/?u=x"}, "GET",
     "human", "instagram", "JP", ("192.0.2.5", IG_INAPP), False),
    ("bob", P, {"X-Real-IP": "192.0.2.6", "User-Agent": LI_INAPP}, "GET",
     "human", "linkedin", "JP", ("192.0.2.6", LI_INAPP), False),
    ("bob", P, {"X-Forwarded-For": "not-an-ip", "User-Agent": CHROME,
                "Referer": "https://l.facebook.com/l.php?u=x"}, "GET",
     "human", "facebook", "", (P, CHROME), False),
    ("bob", P, {"X-Real-IP": "198.51.100.9", "User-Agent": TWITTERBOT}, "GET",
     "preview", "none", "DE", None, False),
    ("bob", P, {"X-Real-IP": "198.51.100.9", "User-Agent": SLACKBOT}, "GET",
     "preview", "none", "DE", None, False),
    ("bob", P, {"X-Real-IP": "198.51.100.9", "User-Agent": MASTODON}, "GET",
     "preview", "none", "DE", None, False),
    ("bob", P, {"X-Real-IP": "198.51.100.9", "User-Agent": GOOGLEBOT}, "GET",
     "crawler", "none", "DE", None, False),
    ("bob", P, {"X-Real-IP": "198.51.100.9", "User-Agent": BINGBOT}, "GET",
     "crawler", "none", "DE", None, False),
    ("bob", P, {"X-Real-IP": "198.51.100.9", "User-Agent": CURL}, "GET",
     "tool", "none", "DE", None, False),
    ("bob", P, {"X-Real-IP": "198.51.100.9", "User-Agent": PYREQ}, "GET",
     "tool", "none", "DE", None, False),
    ("bob", P, {"X-Real-IP": "198.51.100.9"}, "GET",
     "tool", "none", "DE", None, False),
    ("carol", P, {"X-Real-IP": "2001:db8:2::1", "User-Agent": CHROME,
                  "Referer": "https://mastodon.social/@someone/1234"}, "GET",
     "human", "mastodon", "BR", ("2001:db8:2::1", CHROME), False),
    ("carol", P, {"X-Real-IP": "2001:db8:2::2", "User-Agent": CHROME,
                  "Referer": "https://bsky.app/profile/someone/post/1"}, "GET",
     "human", "bluesky", "BR", ("2001:db8:2::2", CHROME), False),
    ("carol", P, {"X-Real-IP": "2001:db8:2::2", "User-Agent": FIREFOX,
                  "Referer": "https://news.example.com/story?id=7"}, "GET",
     "human", "other", "BR", ("2001:db8:2::2", FIREFOX), False),
    ("carol", P, {"X-Real-IP": "203.0.113.10", "User-Agent": IPHONE,
                  "Referer": "https://www.reddit.com/r/x/comments/1/"}, "GET",
     "human", "reddit", "FR", ("203.0.113.10", IPHONE), False),
]


def send(d, who, src, headers, method):
    s = socket.socket(socket.AF_INET)
    s.bind((src, 0))
    s.settimeout(5)
    s.connect((d.host, d.port))
    raw = "%s /%s HTTP/1.1\r\nHost: go.example.org\r\n" % (method, code[who])
    raw += "".join("%s: %s\r\n" % kv for kv in headers.items())
    raw += "Connection: close\r\n\r\n"
    s.sendall(raw.encode())
    resp = Reader(s).response(head=(method == "HEAD"))
    s.close()
    return resp


def expected(reqs, include_internal=False):
    """Per-colleague, per-country and per-platform figures from REQS."""
    def blank():
        return {"clicks": 0, "visitors": set(), "bots": 0, "previews": 0,
                "crawlers": 0, "tools": 0, "probes": 0, "internal": 0,
                "countries": {}, "platforms": {}}
    by = {"staff": {}, "country": {}, "platform": {}}
    for who, src, hdrs, method, cls, plat, cc, vis, internal in reqs:
        for kind, key in (("staff", who), ("country", cc or "unknown"),
                          ("platform", plat)):
            g = by[kind].setdefault(key, blank())
            if cls == "human":
                if internal:
                    g["internal"] += 1
                if internal and not include_internal:
                    continue
                g["clicks"] += 1
                g["visitors"].add(vis)
                if cc:
                    g["countries"][cc] = g["countries"].get(cc, 0) + 1
                g["platforms"][plat] = g["platforms"].get(plat, 0) + 1
            else:
                g["bots"] += 1
                g[cls + "s"] += 1
    return by


# reach's tie rules: countries alphabetical, platforms in their enum order.
PLATFORMS = ["unknown", "none", "other", "x", "facebook", "linkedin", "instagram",
             "bluesky", "mastodon", "threads", "reddit", "youtube", "tiktok", "email"]


def top(counts, order=None):
    if not counts:
        return ""
    best = max(counts.values())
    return sorted((k for k, v in counts.items() if v == best),
                  key=order.index if order else None)[0]


with Daemon(db, logs, conf=conf, threads=2) as d:
    for who, src, hdrs, method, *_ in REQS:
        resp = send(d, who, src, hdrs, method)
        if not ok(resp is not None and resp.status == 302,
                  "%s %s from %s answered 302" % (method, hdrs.get("User-Agent", "(no UA)")[:30], src)):
            break
    eq(d.stop(), 0, "daemon exits 0")
    salts = os.listdir(d.state_dir)

# --- what is stored about a visitor ------------------------------------------
eq(len(salts), 1, "one salt file in the state directory")
salt_path = os.path.join(tmp, "state", salts[0])
st = os.stat(salt_path)
eq((stat.S_IMODE(st.st_mode), st.st_size), (0o600, 16), "the salt is 16 bytes, mode 0600")
eq(salts[0], "visitor-salt." + time.strftime("%Y-%m-%d", time.gmtime()),
   "the salt file is named for today (UTC)")


def records(logdir):
    out = []
    for name in sorted(os.listdir(logdir)):
        with open(os.path.join(logdir, name), "rb") as f:
            data = f.read()
        for off in range(128, len(data) - 127, 128):
            out.append(data[off:off + 128])
    return out


recs = records(logs)
eq(len(recs), len(REQS), "one record per request")
ok(all(r[37:56] == b"\0" * 19 for r in recs),
   "ip_log = none: no address bytes in any record")
ok(all(r[58] <= 63 and b"/" not in r[59:59 + r[58]] for r in recs),
   "only referrer hosts are stored, never paths")
hosts = sorted(set(r[59:59 + r[58]].decode() for r in recs if r[58]))
eq(hosts, sorted(["t.co", "x.com", "www.linkedin.com", "lnkd.in", "mail.google.com",
                  "l.instagram.com", "l.facebook.com", "mastodon.social", "bsky.app",
                  "news.example.com", "www.reddit.com"]),
   "the referrer hosts stored")

# --- reach's numbers ------------------------------------------------------------
exp = expected(REQS)


def reach_json(*args):
    r = run([REACH, "--db", db, "--format", "json"] + list(args) + [logs])
    ok(r.returncode == 0, "reach %s exits 0" % " ".join(args), r.stderr)
    return json.loads(r.stdout or "[]")


rows = {row["staff"]: row for row in reach_json("--by", "staff")}
for who, g in sorted(exp["staff"].items()):
    got = rows.get(who, {})
    want = {"clicks": g["clicks"], "visitors": len(g["visitors"]), "bots": g["bots"],
            "previews": g["previews"], "crawlers": g["crawlers"], "tools": g["tools"],
            "probes": g["probes"], "internal": g["internal"],
            "countries": len(g["countries"]), "top_country": top(g["countries"]),
            "top_platform": top(g["platforms"], PLATFORMS)}
    eq({k: got.get(k) for k in want}, want, "reach --by staff: %s" % who)

for kind in ("country", "platform"):
    rows = {row[kind]: row for row in reach_json("--by", kind)}
    want = {k: {"clicks": g["clicks"], "visitors": len(g["visitors"]), "bots": g["bots"]}
            for k, g in exp[kind].items()}
    got = {k: {"clicks": r["clicks"], "visitors": r["visitors"], "bots": r["bots"]}
           for k, r in rows.items()}
    eq(got, want, "reach --by %s: clicks, visitors and bots per %s" % (kind, kind))

exp_all = expected(REQS, include_internal=True)
rows = {row["staff"]: row for row in reach_json("--by", "staff", "--include-internal")}
eq((rows["alice"]["clicks"], rows["alice"]["visitors"]),
   (exp_all["staff"]["alice"]["clicks"], len(exp_all["staff"]["alice"]["visitors"])),
   "--include-internal counts colleagues' own clicks")

# --- a restart the same day hashes visitors the same way -------------------------
logs2 = os.path.join(tmp, "log2")
for _ in range(2):
    with Daemon(db, logs2, conf=conf, threads=1) as d:
        send(d, "carol", P, {"X-Real-IP": "2001:db8:2::1", "User-Agent": CHROME}, "GET")
rows = {row["staff"]: row for row in
        json.loads(run([REACH, "--db", db, "--format", "json", logs2]).stdout)}
eq((rows["carol"]["clicks"], rows["carol"]["visitors"]), (2, 1),
   "same visitor across a restart: one visitor, not two")
recs2 = records(logs2)
eq(recs2[0][8:16], recs2[1][8:16], "the visitor id is the same across the restart")
ok(recs2[0][8:16] != b"\0" * 8, "the record holds a visitor id")

# A stale salt from another day is deleted at start.
stale = os.path.join(tmp, "state", "visitor-salt.2001-01-01")
with open(stale, "wb") as f:
    f.write(b"x" * 16)
os.chmod(stale, 0o600)
logs3 = os.path.join(tmp, "log3")
with Daemon(db, logs3, conf=conf, threads=1) as d:
    ok(not os.path.exists(stale), "a previous day's salt is deleted at start")

# --- visitor_period: one salt a week, or a month -----------------------------------
# REDIRECTD_TEST_NOW stands for the clock of the key (not of the records):
# 2026-11-30 is the Monday of ISO week 49, 2026-12-02 its Wednesday,
# 2026-12-07 the Monday of week 50.
MON, WED, NEXT_MON = 1795996800 + 43200, 1796169600 + 43200, 1796601600 + 43200
state = os.path.join(tmp, "state")


def period_run(period, when, logdir):
    """One click by the same person (address and User-Agent) with the key
    of `when`; returns the salt files the daemon left."""
    conf_p = os.path.join(tmp, "period-%s.conf" % period)
    with open(conf_p, "w") as f:
        f.write("trusted_proxies = 127.0.0.1\nvisitor_period = %s\n" % period)
    with Daemon(db, logdir, conf=conf_p, threads=1,
                env=dict(os.environ, REDIRECTD_TEST_NOW=str(when))) as d:
        resp = send(d, "carol", P, {"X-Real-IP": "198.51.100.9", "User-Agent": FIREFOX},
                    "GET")
        ok(resp is not None and resp.status == 302, "visitor_period %s: 302" % period)
        eq(d.stop(), 0, "visitor_period %s: exits 0" % period)
    return sorted(f for f in os.listdir(state) if f.startswith("visitor-salt."))


def visitor_ids(logdir):
    return [r[8:16] for r in records(logdir)]


def header_periods(logdir):
    out = []
    for name in sorted(os.listdir(logdir)):
        with open(os.path.join(logdir, name), "rb") as f:
            out.append(f.read(128)[112])
    return out


# Daily keys (the default) on Monday then Wednesday: two visitor ids.
logs_day = os.path.join(tmp, "log-period-day")
eq(period_run("day", MON, logs_day), ["visitor-salt.2026-11-30"],
   "day: the salt file is named for the day")
eq(period_run("day", WED, logs_day), ["visitor-salt.2026-12-02"],
   "day: Wednesday's salt replaces Monday's")
ids = visitor_ids(logs_day)
ok(len(ids) == 2 and ids[0] != ids[1],
   "day: the same person on Monday and Wednesday has two visitor ids")
eq(header_periods(logs_day), [0, 0], "day: segment headers say day (0)")

# Weekly keys: switching from day deletes the day's salt at start; Monday
# and Wednesday of one ISO week share the week's salt and the visitor id.
logs_week = os.path.join(tmp, "log-period-week")
eq(period_run("week", MON, logs_week), ["visitor-salt.2026-W49"],
   "week: the salt file is named for the ISO week; the day's salt is gone")
st = os.stat(os.path.join(state, "visitor-salt.2026-W49"))
eq((stat.S_IMODE(st.st_mode), st.st_size), (0o600, 16), "week: 16 bytes, mode 0600")
eq(period_run("week", WED, logs_week), ["visitor-salt.2026-W49"],
   "week: Wednesday keeps the week's salt")
ids = visitor_ids(logs_week)
ok(len(ids) == 2 and ids[0] == ids[1] and ids[0] != b"\0" * 8,
   "week: the same person on Monday and Wednesday has one visitor id")
eq(header_periods(logs_week), [1, 1], "week: segment headers say week (1)")
rows = json.loads(run([REACH, "--db", db, "--format", "json", logs_week]).stdout)
carol = [r for r in rows if r["staff"] == "carol"][0]
eq((carol["clicks"], carol["visitors"], carol["visitor_period"]), (2, 1, "week"),
   "reach: two clicks, one visitor, counted with weekly keys")
eq(period_run("week", NEXT_MON, logs_week), ["visitor-salt.2026-W50"],
   "week: the next week's salt replaces the last")
ids = visitor_ids(logs_week)
ok(ids[2] != ids[0], "week: the next week, a new visitor id")

# Monthly keys: the week's salt goes, the month's is named YYYY-MM.
logs_month = os.path.join(tmp, "log-period-month")
eq(period_run("month", WED, logs_month), ["visitor-salt.2026-12"],
   "month: the salt file is named for the month; the week's is gone")
eq(header_periods(logs_month), [2], "month: segment header says month (2)")
# And back to daily keys: the month's salt goes at once.
eq(period_run("day", WED, os.path.join(tmp, "log-period-back")),
   ["visitor-salt.2026-12-02"], "back to day: the month's salt is deleted at start")

# --- ip_log = truncated / full ----------------------------------------------------
for mode, want4, want6 in (("truncated", (4, 24, bytes([198, 51, 100, 0]) + b"\0" * 12),
                            (6, 48, bytes.fromhex("20010db80001") + b"\0" * 10)),
                           ("full", (4, 32, bytes([198, 51, 100, 7]) + b"\0" * 12),
                            (6, 128, bytes.fromhex("20010db8000100000000000000000005")))):
    conf_ip = os.path.join(tmp, "ip-%s.conf" % mode)
    with open(conf_ip, "w") as f:
        f.write("trusted_proxies = 127.0.0.1\nip_log = %s\n" % mode)
    logs_ip = os.path.join(tmp, "log-ip-" + mode)
    with Daemon(db, logs_ip, conf=conf_ip, threads=1) as d:
        send(d, "alice", P, {"X-Real-IP": "198.51.100.7", "User-Agent": CHROME}, "GET")
        send(d, "alice", P, {"X-Real-IP": "2001:db8:1::5", "User-Agent": CHROME}, "GET")
    r4, r6 = records(logs_ip)
    eq((r4[37], r4[38], r4[40:56]), want4, "ip_log = %s: IPv4 stored as documented" % mode)
    eq((r6[37], r6[38], r6[40:56]), want6, "ip_log = %s: IPv6 stored as documented" % mode)

# --- the country database: missing, reloaded, replaced -----------------------------
os.unlink(geo_live)
logs4 = os.path.join(tmp, "log4")
with Daemon(db, logs4, conf=conf, threads=2) as d:
    ok("country" in d.errors() and "unknown" in d.errors(),
       "a missing country database is a warning at start", d.errors())
    send(d, "alice", P, {"X-Real-IP": "198.51.100.7", "User-Agent": CHROME}, "GET")
    shutil.copy(geo_flat, geo_live + ".tmp")
    os.rename(geo_live + ".tmp", geo_live)
    d.signal(signal.SIGHUP)
    time.sleep(0.5)
    send(d, "alice", P, {"X-Real-IP": "198.51.100.7", "User-Agent": CHROME}, "GET")
    # A corrupt new file keeps the old database.
    with open(geo_live + ".tmp", "wb") as f:
        f.write(b"not a database" * 100)
    os.rename(geo_live + ".tmp", geo_live)
    d.signal(signal.SIGHUP)
    time.sleep(0.5)
    send(d, "alice", P, {"X-Real-IP": "198.51.100.7", "User-Agent": CHROME}, "GET")
    # Overwritten in place (what PITFALLS warns about) under requests: no crash.
    shutil.copy(geo_nested, geo_live + ".tmp")
    os.rename(geo_live + ".tmp", geo_live)
    d.signal(signal.SIGHUP)
    time.sleep(0.5)
    with open(geo_live, "r+b") as f:
        f.truncate(0)
        f.write(b"\0" * 4096)
    answered = 0
    for i in range(20):
        resp = send(d, "alice", P, {"X-Real-IP": "198.51.100.7", "User-Agent": CHROME},
                    "GET")
        answered += resp is not None and resp.status == 302
    eq(answered, 20, "the database overwritten in place: still serving")
    ok(d.proc.poll() is None, "the daemon did not crash")
    eq(d.stop(), 0, "and exits 0")
rows = {row["country"]: row["clicks"] for row in
        json.loads(run([REACH, "--db", db, "--format", "json", "--by", "country",
                        logs4]).stdout)}
eq(rows, {"unknown": 1, "DE": 22},
   "countries: unknown before the reload, DE after (and after a bad reload, and in place)")

shutil.rmtree(tmp, ignore_errors=True)
done()
