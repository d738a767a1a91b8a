"""Headless Chromium (Debian's package) driven over the DevTools protocol on
a pipe (--remote-debugging-pipe: JSON messages separated by NUL on fds 3
and 4), standard library only.  Shared by the browser tests.

    require_chromium()          skip the test without Chromium (fail in CI)
    b = Browser(tmp, rules)     start it; rules: --host-resolver-rules
    sid = open_tab(b)           a page target's flat session (Page, Network,
                                Runtime enabled; more with domains=...)
    evaluate(b, sid, "js")      an expression's value
    navigate(b, sid, url)       load a page, wait for its load event
    click(b, sid, "#sel")       a real mouse click at an element's centre
    b.close()                   Browser.close, then SIGKILL to its group
    close_all(b, server, thread, daemon)   a browser test's end, whatever
                                started (None: not started)
"""
import json
import os
import select
import shutil
import signal
import subprocess
import time

from tap import skip_all

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
WAIT = 30                   # seconds: any one wait on the browser (60 to start)


def require_chromium():
    """Skips the whole test when Chromium is missing; in CI that is a
    failure (tools/deps.sh installs it)."""
    if not os.access(CHROMIUM, os.X_OK):
        skip_all("chromium not installed", package="chromium")


class Browser:
    """Headless Chromium with --remote-debugging-pipe.  call() sends a
    command and returns its result; events are kept in self.events.
    resolver_rules: Chromium's --host-resolver-rules (the default resolves
    nothing, so no byte leaves the machine)."""

    def __init__(self, tmp, resolver_rules="MAP * ~NOTFOUND"):
        self.profile = os.path.join(tmp, "chromium-profile")
        os.mkdir(self.profile)
        self.err_path = os.path.join(tmp, "chromium.err")
        self.events = []
        self.next_id = 0
        self.buf = b""
        cmd_r, self.cmd_w = os.pipe()       # we write, Chromium reads fd 3
        self.res_r, res_w = os.pipe()       # Chromium writes fd 4
        import fcntl

        def child_fds():    # the pipe ends to fds 3 and 4, inheritable;
            # every other descriptor of ours is close-on-exec (PEP 446)
            hi_r = fcntl.fcntl(cmd_r, fcntl.F_DUPFD_CLOEXEC, 10)
            hi_w = fcntl.fcntl(res_w, fcntl.F_DUPFD_CLOEXEC, 10)
            os.dup2(hi_r, 3)
            os.dup2(hi_w, 4)
        # As root Chromium needs --no-sandbox; the background-networking
        # flags keep it from dialling out on a closed network and stalling.
        args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--no-proxy-server",
                "--disable-extensions", "--mute-audio", "--password-store=basic",
                "--user-data-dir=" + self.profile,
                "--host-resolver-rules=" + resolver_rules,
                "--remote-debugging-pipe", "about:blank"]
        self.err = open(self.err_path, "w")
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS="disabled:")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=self.err, stderr=self.err, env=env,
                                     close_fds=False, preexec_fn=child_fds,
                                     start_new_session=True)
        os.close(cmd_r)
        os.close(res_w)

    def _read(self, deadline):
        """One message from Chromium, or None at the deadline or its exit."""
        while b"\0" not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([self.res_r], [], [], min(left, 1.0))
            if r:
                data = os.read(self.res_r, 1 << 16)
                if not data:
                    return None
                self.buf += data
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None, timeout=WAIT):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            m = self._read(deadline)
            if m is None:
                raise TimeoutError("no answer to %s in %ds" % (method, timeout))
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, pred, timeout=WAIT, since=0):
        """The first event from index `since` on that satisfies pred."""
        deadline = time.time() + timeout
        i = since
        while True:
            while i < len(self.events):
                if pred(self.events[i]):
                    return self.events[i]
                i += 1
            m = self._read(deadline)
            if m is None:
                return None
            self.events.append(m)

    def drain(self, seconds):
        """Collect events for a while (late requests show up here)."""
        deadline = time.time() + seconds
        while True:
            m = self._read(deadline)
            if m is None:
                return
            self.events.append(m)

    def errors(self):
        """The end of Chromium's own stderr, without its known noise."""
        self.err.flush()
        with open(self.err_path, errors="replace") as f:
            lines = [ln for ln in f if "dbus" not in ln and "/dev/shm" not in ln
                     and "unexpected operator" not in ln]
        return "".join(lines[-30:])

    def close(self):
        """Browser.close, then SIGKILL to the process group it leads."""
        if self.proc.poll() is None:
            try:
                self.call("Browser.close", timeout=5)
            except Exception:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)   # helpers (renderer, zygote)
        except ProcessLookupError:
            pass
        self.proc.wait()
        for fd in (self.cmd_w, self.res_r):
            os.close(fd)
        self.err.close()


def open_tab(b, domains=("Page", "Network", "Runtime"), timeout=WAIT):
    """A new page target and its flat session, with `domains` enabled."""
    tid = b.call("Target.createTarget", {"url": "about:blank"}, timeout=timeout)["targetId"]
    sid = b.call("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
    for dom in domains:
        b.call(dom + ".enable", session=sid)
    return sid


def evaluate(b, sid, expr):
    """The value of a JavaScript expression in the page (by value)."""
    r = b.call("Runtime.evaluate", {"expression": expr, "returnByValue": True},
               session=sid)
    if "exceptionDetails" in r:
        raise RuntimeError("%s: %s" % (expr, r["exceptionDetails"].get("text")))
    return r["result"].get("value")


def navigate(b, sid, url):
    """Navigate, wait for the load event; returns None, or what went
    wrong."""
    mark = len(b.events)
    r = b.call("Page.navigate", {"url": url}, session=sid)
    if r.get("errorText"):
        return "%s: %s" % (url, r["errorText"])
    # The load event of the page before may still be on its way (a test
    # that polled that page until readyState was "complete" has not read
    # it yet): it would end this wait before this page even started.  So
    # this navigation's own frameNavigated first (its loaderId), then the
    # first load event after it.
    nav = b.wait_event(lambda e: e.get("sessionId") == sid and
                       e.get("method") == "Page.frameNavigated" and
                       not e["params"]["frame"].get("parentId") and
                       e["params"]["frame"].get("loaderId") == r.get("loaderId"),
                       since=mark)
    if nav is None:
        return "%s: no navigation in %ds" % (url, WAIT)
    after = next(i for i in range(len(b.events) - 1, mark - 1, -1)
                 if b.events[i] is nav) + 1
    if b.wait_event(lambda e: e.get("sessionId") == sid and
                    e.get("method") == "Page.loadEventFired", since=after) is None:
        return "no load event for %s in %ds" % (url, WAIT)
    return None


def click(b, sid, selector):
    """A real left click at the centre of the element: mouse move, press
    and release, so the browser acts as for a person (user activation,
    its own referrer policy, any preconnect or prefetch on hover)."""
    box = evaluate(b, sid, "(() => { const r = document.querySelector(%s)"
                           ".getBoundingClientRect(); return [r.x + r.width / 2, "
                           "r.y + r.height / 2]; })()" % json.dumps(selector))
    x, y = box
    for kind, extra in (("mouseMoved", {}),
                        ("mousePressed", {"button": "left", "buttons": 1, "clickCount": 1}),
                        ("mouseReleased", {"button": "left", "buttons": 0, "clickCount": 1})):
        b.call("Input.dispatchMouseEvent", dict({"type": kind, "x": x, "y": y}, **extra),
               session=sid)


def close_all(browser, server, thread, daemon):
    """The end of a browser test, after success or an exception: the
    browser closed, the pages' server shut down (its serve_forever runs in
    thread, if that started) and closed, the daemon stopped."""
    if browser:
        browser.close()
    if thread:
        server.shutdown()
    server.server_close()
    if daemon:
        daemon.stop()
        daemon.stderr.close()
