"""A real browser: headless Chromium clicks a short link on a "post" page
served on loopback, as a person would on a social network.

Chromium's resolver maps t.co and l.facebook.com (the hosts X's and
Facebook's link wrappers send as referrers), go.example.org (the short
domain) and landing.example (the link's target) to 127.0.0.1 and every
other name to nothing, so the browser sees real platform hosts while no
byte leaves the machine.  One Python http.server (a thread) serves the
post page on both platform hosts and the landing page, over plain HTTP on
a loopback port; the real redirectd serves the short link.  (The hosts
must not be on Chromium's HSTS preload list, which would turn http:// into
https:// on our plain port: www.facebook.com and www.reddit.com are, t.co
and l.facebook.com are not; load() says so if that changes.)

The browser is driven over the DevTools protocol on a pipe
(--remote-debugging-pipe: JSON messages separated by NUL on fds 3 and 4),
standard library only.  The click is a real one: mouse move, press and
release (Input.dispatchMouseEvent) at the centre of the link, so the
browser navigates exactly as for a person (user activation, its own
referrer policy, any preconnect or prefetch it does on hover or press).

1. From t.co, with the browser's own User-Agent minus "Headless" (what the
   same Chromium sends with a screen): the browser lands on the target,
   the daemon answered one 302 and logged one record for the link: human,
   platform x, referrer host t.co, not HEAD; nothing else in the log
   (no prefetch, preconnect or favicon record).
2. From l.facebook.com, the browser as it announces itself
   ("HeadlessChrome"): it lands too, and the click is a tool, platform
   facebook: a scripted browser is kept apart from humans.
3. reach counts one click and one visitor for the first colleague, one bot
   (a tool) for the second.

Without Chromium (tools/deps.sh installs Debian's `chromium`) the test is
skipped, except in CI (CI set), where that is a failure.
"""
import json
import os
import shutil
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import REACH, done, eq, ok, run, tempdir  # noqa: E402
from daemon import Daemon, linkctl  # noqa: E402
from cdp import (WAIT, Browser, click, close_all, evaluate, navigate,  # noqa: E402
                 open_tab, require_chromium)

require_chromium()

SHORT = "go.example.org"
POST_HOSTS = ("t.co", "l.facebook.com")
LANDING = "landing.example"

# Click records (redirectd/README.md "The click log"; offsets in clickrec.h).
CLASS = {1: "human", 2: "preview", 3: "crawler", 4: "tool", 5: "probe"}
PLATFORM = {3: "x", 4: "facebook"}
F_HEAD = 0x02


def records(logdir):
    """Every record in the log directory, decoded as (staff_id, status,
    class, flags, platform, referrer host)."""
    out = []
    for name in sorted(os.listdir(logdir)):
        if not name.endswith(".clk"):
            continue
        with open(os.path.join(logdir, name), "rb") as f:
            data = f.read()
        for off in range(128, len(data) - 127, 128):
            r = data[off:off + 128]
            staff, = struct.unpack_from("<I", r, 20)
            status, cls, flags, plat = struct.unpack_from("<HBBB", r, 32)
            out.append((staff, status, CLASS.get(cls, cls), flags,
                        PLATFORM.get(plat, plat), r[59:59 + r[58]].decode("ascii", "replace")))
    return out


# --- the pages: one http.server thread, pages by Host ------------------------

class Pages(BaseHTTPRequestHandler):
    seen = []               # (host, path, Referer, User-Agent) of every request
    short_base = ""         # http://go.example.org:PORT
    lock = threading.Lock()

    def do_GET(self):
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        path, _, query = self.path.partition("?")
        with Pages.lock:
            Pages.seen.append((host, self.path, self.headers.get("Referer"),
                               self.headers.get("User-Agent")))
        if host in POST_HOSTS and path == "/post":
            code = query.partition("code=")[2]
            body = ("<!doctype html><html><head><meta charset=utf-8>"
                    "<title>A post on %s</title></head><body>"
                    "<p>Our campaign, shared by a colleague:</p>"
                    "<a id=go href=\"%s/%s\" style=\"display:block;width:320px;"
                    "height:80px;font-size:24px\">read more</a>"
                    "</body></html>" % (host, Pages.short_base, code))
        elif host == LANDING and path == "/landing":
            body = ("<!doctype html><html><head><meta charset=utf-8>"
                    "<title>Landing</title></head><body>"
                    "<h1 id=t>campaign landing page</h1></body></html>")
        else:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def load(b, sid, url):
    """Navigate, wait for the load event; returns None when the page loaded
    is ours at `url`, else what went wrong."""
    err = navigate(b, sid, url)
    if err:
        return err
    href, title = evaluate(b, sid, "[location.href, document.title]")
    if href != url or not title.startswith("A post on "):
        return "%s loaded %s (%r): an HTTPS upgrade (HSTS preload)?" % (url, href, title)
    return None


def wait_landed(b, sid, url, timeout=WAIT):
    """Polls the page until it is `url`, loaded; returns (href, heading)."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = evaluate(b, sid, "[location.href, document.readyState, "
                                    "(document.getElementById('t') || {}).textContent]")
            if last[0] == url and last[1] == "complete":
                return last[0], last[2]
        except (RuntimeError, TimeoutError):
            pass            # the context went away mid-navigation: ask again
        time.sleep(0.1)
    return (last or [None])[0], None


def short_requests(b, sid, base):
    """(method, url, status) of every response the browser got from the
    short domain, redirects included, from its Network events."""
    out = []
    for e in b.events:
        if e.get("sessionId") != sid:
            continue
        p = e.get("params", {})
        if e.get("method") == "Network.requestWillBeSent" and p.get("redirectResponse"):
            rr = p["redirectResponse"]
            if rr["url"].startswith(base):
                out.append(("redirect", rr["url"], rr["status"], rr["headers"].get("Location")
                            or rr["headers"].get("location")))
        elif e.get("method") == "Network.responseReceived":
            if p["response"]["url"].startswith(base):
                out.append(("response", p["response"]["url"], p["response"]["status"], None))
        elif e.get("method") == "Network.loadingFailed":
            out.append(("failed", p.get("errorText"), 0, None))
    return out


# --- setup ------------------------------------------------------------------

tmp = tempdir()
db = os.path.join(tmp, "db")
logs = os.path.join(tmp, "log")
t_start = time.time()

server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
server.daemon_threads = True
wport = server.server_address[1]
landing_url = "http://%s:%d/landing" % (LANDING, wport)

linkctl(db, "staff", "add", "alice", "--name", "Alice", "--team", "north")
linkctl(db, "staff", "add", "bob", "--name", "Bob", "--team", "south")
codes = {who: linkctl(db, "mint", "--staff", who, "--campaign", "spring",
                      "--url", landing_url).stdout.strip()
         for who in ("alice", "bob")}

rules = ", ".join(["MAP %s 127.0.0.1" % h for h in POST_HOSTS + (SHORT, LANDING)] +
                  ["MAP * ~NOTFOUND"])
browser = None
thread = None
d = None
try:
    d = Daemon(db, logs, threads=2)
    base = "http://%s:%d" % (SHORT, d.port)
    Pages.short_base = base
    browser = Browser(tmp, rules)      # before the server thread: it forks
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()

    version = browser.call("Browser.getVersion", timeout=WAIT * 2)
    headless_ua = version["userAgent"]
    ok("HeadlessChrome/" in headless_ua, "Chromium is up, its User-Agent says HeadlessChrome",
       headless_ua)
    print("# %s; started in %.1fs" % (version.get("product"), time.time() - t_start))

    # --- 1. a person on t.co ---------------------------------------------------
    sid = open_tab(browser)
    ua = headless_ua.replace("HeadlessChrome/", "Chrome/")
    browser.call("Network.setUserAgentOverride", {"userAgent": ua}, session=sid)
    post = "http://t.co:%d/post?code=%s" % (wport, codes["alice"])
    err = load(browser, sid, post)
    ok(err is None, "the post page on t.co loads", err)
    t_click = time.time()
    click(browser, sid, "#go")
    href, heading = wait_landed(browser, sid, landing_url)
    eq((href, heading), (landing_url, "campaign landing page"),
       "one click on the link: the browser lands on the target page")
    print("# from the click to the landed page: %.2fs" % (time.time() - t_click))
    browser.drain(1.0)       # late prefetches, favicons, beacons

    got = short_requests(browser, sid, base)
    eq(got, [("redirect", "%s/%s" % (base, codes["alice"]), 302, landing_url)],
       "the browser got exactly one answer from the short domain: the 302 to the target")
    landed = [s for s in Pages.seen if s[0] == LANDING and s[1] == "/landing"]
    eq([(s[2], s[3]) for s in landed], [("http://t.co:%d/" % wport, ua)],
       "the landing page was fetched once, with the referrer origin only "
       "(strict-origin-when-cross-origin) and the browser's User-Agent")
    recs = records(logs)
    ok(len(recs) == 1 and recs[0][1:] == (302, "human", 0, "x", "t.co"),
       "the click log holds exactly one record: status 302, human, not HEAD, "
       "platform x, referrer host t.co", recs)
    others = [s for s in Pages.seen if s[1] not in ("/landing",) and not s[1].startswith("/post")]
    print("# other requests the browser made to the pages: %r" % sorted(set(
        (s[0], s[1]) for s in others)))

    # --- 2. the headless browser as it announces itself, from Facebook --------
    sid2 = open_tab(browser)
    post2 = "http://l.facebook.com:%d/post?code=%s" % (wport, codes["bob"])
    err = load(browser, sid2, post2)
    ok(err is None, "the post page on l.facebook.com loads", err)
    click(browser, sid2, "#go")
    href, heading = wait_landed(browser, sid2, landing_url)
    eq(href, landing_url, "HeadlessChrome lands on the target page too")
    browser.drain(0.5)
    eq([g[2] for g in short_requests(browser, sid2, base)], [302],
       "and got one 302 from the short domain")
    recs = records(logs)
    new = recs[1:]
    ok(len(new) == 1 and new[0][1:] == (302, "tool", 0, "facebook", "l.facebook.com"),
       "its click is one record: status 302, a tool (headless browser), "
       "platform facebook, referrer host l.facebook.com", new)
    eq(d.stop(), 0, "the daemon exits 0")
    ok("ERROR" not in d.errors() and "runtime error" not in d.errors(),
       "and logged no error", d.errors())
    eq(len(records(logs)), 2, "two clicks, two records: nothing more after the daemon stopped")
except Exception:           # a hang or a crash is a failure with what we know
    import traceback
    ok(False, "the browser test ran to the end",
       traceback.format_exc() + (browser.errors() if browser else "") +
       (d.errors() if d else ""))
finally:
    close_all(browser, server, thread, d)

# --- 3. what reach makes of it ------------------------------------------------
r = run([REACH, "--db", db, "--format", "json", logs])
ok(r.returncode == 0, "reach exits 0", r.stderr)
rows = {row["staff"]: row for row in json.loads(r.stdout or "[]")}
eq({w: {k: rows.get(w, {}).get(k) for k in ("clicks", "visitors", "bots", "tools")}
    for w in ("alice", "bob")},
   {"alice": {"clicks": 1, "visitors": 1, "bots": 0, "tools": 0},
    "bob": {"clicks": 0, "visitors": 0, "bots": 1, "tools": 1}},
   "reach: the person's click counts (one click, one visitor), the headless one is a bot")
eq(rows.get("alice", {}).get("top_platform"), "x", "reach: alice's clicks came from x")
print("# browser test: %.1fs in all" % (time.time() - t_start))
shutil.rmtree(tmp, ignore_errors=True)
done()
