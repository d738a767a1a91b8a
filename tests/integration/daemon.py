"""Starting the real redirectd on a loopback port, and talking raw HTTP to it."""
import os
import pwd
import re
import signal
import socket
import subprocess
import time

from tap import DAEMON_ARGS, LINKCTL, REDIRECTD, ok, run, skip_all


def free_port(host="127.0.0.1"):
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(cond, timeout=10):
    """Polls cond until it is true or timeout seconds pass; its last value."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def as_root_with_nobody():
    """The tests of privileges start the daemon as root to become nobody:
    nobody's (uid, gid), or the whole test skipped (TAP) when not run as
    root (CI runs as root) or without that user."""
    if os.geteuid() != 0:
        skip_all("needs root (to drop privileges to nobody)")
    try:
        pw = pwd.getpwnam("nobody")
    except KeyError:
        skip_all("no user 'nobody' on this system")
    return pw.pw_uid, pw.pw_gid


def linkctl(db, *args, ok=True):
    r = run([LINKCTL, "--db", db] + list(args))
    if ok and r.returncode != 0:
        raise RuntimeError("linkctl %s failed: %s" % (args, r.stderr))
    return r


class Daemon:
    """A redirectd process; use as a context manager.  Leaving the with
    block stops it (SIGTERM) and fails the test unless it exits with
    expect_exit: 0, what a drain ends with; a test that kills it says so
    (expect_exit=-signal.SIGKILL), or None not to check."""

    def __init__(self, db, log_dir, threads=2, extra=(), host="127.0.0.1",
                 conf=None, preexec_fn=None, env=None, expect_exit=0):
        self.expect_exit = expect_exit
        self.host = host
        self.port = free_port(host)
        self.db = db
        self.log_dir = log_dir
        listen = "[%s]:%d" % (host, self.port) if ":" in host else \
            "%s:%d" % (host, self.port)
        args = [REDIRECTD] + DAEMON_ARGS
        if conf:
            args += ["-c", conf]
        self.state_dir = os.path.join(os.path.dirname(log_dir.rstrip("/")),
                                      "state")
        args += ["--listen", listen, "--db", db, "--log-dir", log_dir,
                 "--state-dir", self.state_dir,
                 "--threads", str(threads), "--node", "test"] + list(extra)
        self.stderr_path = os.path.join(os.path.dirname(log_dir.rstrip("/")),
                                        "redirectd-%d.err" % self.port)
        self.stderr = open(self.stderr_path, "w")
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=self.stderr, preexec_fn=preexec_fn,
                                     env=env)
        self.wait_ready()

    def wait_ready(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("redirectd exited: %s" % self.errors())
            try:
                socket.create_connection((self.host, self.port), 0.2).close()
                # Its signal handlers are in place once it says so: a
                # SIGTERM before that would kill it.
                if " listening on " in self.errors():
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("redirectd did not listen: %s" % self.errors())

    def errors(self):
        self.stderr.flush()
        with open(self.stderr_path) as f:
            return f.read()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def counters(self):
        """SIGUSR2, then the counters line it printed, as a dict."""
        mark = "redirectd: counters:"
        before = self.errors().count(mark)
        self.signal(signal.SIGUSR2)
        deadline = time.time() + 5
        while time.time() < deadline and self.errors().count(mark) == before:
            time.sleep(0.02)
        line = [ln for ln in self.errors().splitlines()
                if ln.startswith(mark)][-1]
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}

    def stop(self, timeout=20):
        """SIGTERM and wait; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        rc = self.stop()
        if self.expect_exit is not None and rc != self.expect_exit:
            ok(False, "redirectd (port %d) exits %d on leaving its with block"
               % (self.port, self.expect_exit),
               "exit status %r; its stderr ends:\n%s" % (rc, self.errors()[-2000:]))
        self.stderr.close()

    def connect(self, timeout=5):
        s = socket.create_connection((self.host, self.port), timeout)
        s.settimeout(timeout)
        return s

    def exchange(self, raw, n=1, head=False):
        """Send raw bytes on a new connection, read n responses."""
        s = self.connect()
        try:
            s.sendall(raw)
            reader = Reader(s)
            return [reader.response(head=head) for _ in range(n)], reader
        finally:
            pass

    def get(self, path, headers=None, method="GET"):
        """One request on a fresh connection; returns a Response."""
        hdrs = {"Host": "go.example.org", "User-Agent": "Mozilla/5.0 test"}
        hdrs.update(headers or {})
        raw = "%s %s HTTP/1.1\r\n" % (method, path)
        raw += "".join("%s: %s\r\n" % kv for kv in hdrs.items() if kv[1] is not None)
        raw += "Connection: close\r\n\r\n"
        (resp,), reader = self.exchange(raw.encode(), head=(method == "HEAD"))
        reader.sock.close()
        return resp


class Response:
    def __init__(self, status_line, headers, body):
        self.status_line = status_line
        self.status = int(status_line.split(" ")[1]) if status_line else 0
        self.headers = headers          # list of (name-lower, value)
        self.body = body

    def header(self, name):
        vals = [v for k, v in self.headers if k == name.lower()]
        return vals[0] if vals else None

    def __repr__(self):
        return "<%s %r>" % (self.status_line, self.headers)


class Reader:
    """Reads HTTP/1.1 responses off a socket, one at a time."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.closed = False

    def _fill(self):
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            self.closed = True
        self.buf += data
        return bool(data)

    def response(self, head=False):
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                return None
        head_bytes, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head_bytes.decode("latin-1").split("\r\n")
        headers = []
        for line in lines[1:]:
            k, v = line.split(":", 1)
            headers.append((k.strip().lower(), v.strip()))
        length = 0
        for k, v in headers:
            if k == "content-length":
                length = int(v)
        if head:
            length = 0
        while len(self.buf) < length:
            if not self._fill():
                break
        body, self.buf = self.buf[:length], self.buf[length:]
        return Response(lines[0], headers, body)

    def at_eof(self, timeout=3):
        """True when the server closes the connection (nothing more)."""
        self.sock.settimeout(timeout)
        while not self.closed:
            if not self._fill():
                break
            if self.buf:
                return False
        return self.closed and not self.buf


# --- what the hostile-client tests (test_hostile.py) add -----------------------

def connect_from(d, source, timeout=5):
    """A connection to d from a chosen local address (e.g. 127.0.0.2)."""
    s = socket.socket(socket.AF_INET6 if ":" in d.host else socket.AF_INET)
    s.bind((source, 0))
    s.settimeout(timeout)
    s.connect((d.host, d.port))
    return s


def cpu_seconds(pid):
    """User plus system CPU time a process has used, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is stat's field 3 (state); utime and stime are 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_kb(pid):
    """(VmRSS, Private_Dirty) of a process, in kB."""
    rss = dirty = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Private_Dirty:"):
                    dirty = int(line.split()[1])
    except OSError:
        dirty = rss
    return rss, dirty


def store_maps(pid):
    """The process's maps of LMDB stores: {data.mdb path: bytes mapped}."""
    maps = {}
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            if line.rstrip().endswith("/data.mdb"):
                lo, hi = line.split()[0].split("-")
                path = line.split()[-1]
                maps[path] = maps.get(path, 0) + int(hi, 16) - int(lo, 16)
    return maps


def limit_open_files(n):
    """A preexec_fn for Daemon: RLIMIT_NOFILE of n (soft and hard)."""
    import resource

    def apply():
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
    return apply
