"""A real mail transfer agent for the tests: Debian's Exim (exim4-daemon-light)
started by the test as an instance of its own on a loopback port, taking mail
for every address of every domain and delivering it into one maildir in the
test's directory.  Standard library only.

    require_mta()               skip the test without exim4 and msmtp (fail in CI)
    with Mta(tmp) as mta:       started: own config, port, spool, logs, maildir
        run(["sh", "-c", mta.mailer], input=msg)   # or linkctl --mailer mta.mailer
        mta.messages("ann@example.org")            # [EmailMessage], once delivered
    # stopped: no process of this instance left, nothing listening on its port

mailer is msmtp (Debian's) sending over SMTP to the instance's port: one
message on standard input, recipients from its To:, Cc: and Bcc: (-t), as
`sendmail -t -oi` does.  It adds no header: no Date:, Message-ID: or From:
of its own (msmtp adds them by default), so a program that forgets one is
caught.  Its envelope sender is always mailer@mta.test.  sendmail is the same
instance's own sendmail interface (exim4 -C ours -odi -t -oi), which adds
nothing either; only the user that started the instance may use it (Exim
keeps the privilege to write this spool only for that caller).

Why Exim and not OpenSMTPD: OpenSMTPD's spool (/var/spool/smtpd) and control
socket are fixed at build time, so a second instance would share them with
the system's.  Exim takes its spool, log and pid file paths from its
configuration (-C), which this module writes fresh for each instance.

Every address is delivered to one maildir, `BASE/mail/new/`, one file per
recipient with Exim's `Envelope-to:` naming that recipient (and a
`Return-path:` and `Received:` on top, as a real mailbox has): Exim (4.94
and later) refuses file names made of what the sender sent ("tainted"), so
a directory per address would need every address known in advance.
messages(addr) reads the files whose Envelope-to is addr.

As root (CI), Exim runs as Debian-exim and drops root for every delivery
(deliver_drop_privilege): the instance's directory (mode 0755) is created
inside workdir, and workdir gets search permission for others (o+x, not
read) so that Debian-exim reaches it; every directory above workdir must
already let it through (a checkout private to root is never used: the
config is written here, not read from the source tree).  As another user,
Exim runs as that user throughout.  Nothing is resolved in the DNS, no
ident or reverse look-up is made, and the only socket is 127.0.0.1:port.
"""
import email
import email.policy
import grp
import os
import pwd
import re
import signal
import socket
import subprocess
import tempfile
import time

from daemon import free_port, wait_for
from tap import skip_all

EXIM = "/usr/sbin/exim4"
MSMTP = "/usr/bin/msmtp"
SENDER = "mailer@mta.test"          # the envelope sender of mailer's messages

# @NAME@ is replaced by Mta._write_config; Exim's own "%s" and "$" stay.
CONFIG = """\
# Written by tests/integration/mta.py for one test's own Exim instance:
# spool, logs, pid file and mail are all under @BASE@, nothing is shared
# with a system instance, and nothing is looked up in the DNS.
primary_hostname = mta.test
qualify_domain = mta.test
exim_user = @USER@
exim_group = @GROUP@
deliver_drop_privilege = true
spool_directory = @BASE@/spool
log_file_path = @BASE@/log/%slog
pid_file_path = @BASE@/exim.pid
local_interfaces = <; 127.0.0.1
daemon_smtp_ports = @PORT@
# A port taken since free_port(): exit at once (start() tries another).
daemon_startup_retries = 0
keep_environment =
# No reverse look-ups, ident calls, DKIM checks (DNS) or TLS.
host_lookup =
rfc1413_hosts =
helo_lookup_domains =
dkim_verify_signers =
tls_advertise_hosts =
# A sender that mails a few at once, or many in one connection, is
# delivered at once, never queued for later.
smtp_accept_max = 100
smtp_accept_queue_per_connection = 0
check_spool_space = 0
acl_smtp_rcpt = acl_rcpt
acl_not_smtp_start = acl_local

begin acl

acl_rcpt:
  accept  hosts = <; 127.0.0.0/8 ; ::1
  deny

# The sendmail interface adds no Date:, Message-ID:, From: or Sender:.
acl_local:
  accept  control = suppress_local_fixups

begin routers

everyone:
  driver = accept
  transport = maildir

begin transports

maildir:
  driver = appendfile
  directory = @BASE@/mail
  maildir_format
  envelope_to_add
  return_path_add
  user = @USER@
  group = @GROUP@
  mode = 0644

begin retry

*  *  F,5m,1s
"""


def require_mta():
    """Skips the whole test without Exim or msmtp; in CI that is a failure
    (tools/deps.sh installs exim4-daemon-light and msmtp)."""
    missing = [p for p in (EXIM, MSMTP) if not os.access(p, os.X_OK)]
    if missing:
        skip_all("%s not installed" % " and ".join(missing),
                 package="exim4-daemon-light and msmtp")


def _run_as():
    """(user, group, uid, gid) Exim runs and delivers as."""
    uid = os.geteuid()
    pw = pwd.getpwnam("Debian-exim") if uid == 0 else pwd.getpwuid(uid)
    return pw.pw_name, grp.getgrgid(pw.pw_gid).gr_name, pw.pw_uid, pw.pw_gid


def _passable(path, uid, gid):
    """Whether uid (in group gid) may search directory path."""
    st = os.stat(path)
    if st.st_uid == uid:
        return bool(st.st_mode & 0o100)
    if st.st_gid == gid:
        return bool(st.st_mode & 0o010)
    return bool(st.st_mode & 0o001)


class Mta:
    """One Exim instance; use as a context manager (stop() on any exit).
    Attributes once started: port, base (its directory), conf, mailer,
    sendmail, startup_seconds."""

    def __init__(self, workdir):
        self.workdir = os.path.abspath(workdir)
        self.user, self.group, self.uid, self.gid = _run_as()
        self.base = None
        self.proc = None
        self.port = None
        self.startup_seconds = None

    # --- starting and stopping ---------------------------------------------

    def start(self, timeout=15):
        """Writes the instance's files, starts Exim in the foreground and
        waits for its SMTP greeting.  A port taken between free_port() and
        Exim's bind is retried on another."""
        self._make_dirs()
        t0 = time.monotonic()
        for attempt in range(3):
            self.port = free_port()
            self._write_config()
            self.stderr = open(os.path.join(self.base, "exim.stderr"), "ab")
            # -bdf: the daemon in the foreground (our child, stop() waits
            # for it), left in the test's process group so that meson,
            # killing a test that timed out by its group, kills it too;
            # -q1s: a queue run each second retries anything deferred, so
            # the queue always drains.
            self.proc = subprocess.Popen(
                [EXIM, "-C", self.conf, "-bdf", "-q1s"],
                stdin=subprocess.DEVNULL, stdout=self.stderr,
                stderr=self.stderr)
            err = self._wait_greeting(timeout)
            if err is None:
                self.startup_seconds = time.monotonic() - t0
                return self
            self.stop()
            if "in use" not in err or attempt == 2:
                raise RuntimeError("exim did not start: %s" % err)
        return self

    def _make_dirs(self):
        path = os.path.dirname(self.workdir)
        while path != "/":
            if not _passable(path, self.uid, self.gid):
                raise RuntimeError("%s cannot reach %s (mode %o): put the "
                                   "test's directory elsewhere" % (
                                       self.user, path,
                                       os.stat(path).st_mode & 0o7777))
            path = os.path.dirname(path)
        if not _passable(self.workdir, self.uid, self.gid):
            os.chmod(self.workdir, os.stat(self.workdir).st_mode | 0o001)
        self.base = tempfile.mkdtemp(prefix="mta-", dir=self.workdir)
        if not re.fullmatch(r"[A-Za-z0-9_./+-]+", self.base):
            raise RuntimeError("%r: Exim's configuration takes plain paths"
                               % self.base)
        os.chmod(self.base, 0o755)
        for d in ("spool", "log", "mail"):
            p = os.path.join(self.base, d)
            os.mkdir(p, 0o755)
            os.chown(p, self.uid, self.gid)
        self.conf = os.path.join(self.base, "exim.conf")
        self.maildir = os.path.join(self.base, "mail")

    def _write_config(self):
        text = CONFIG
        for k, v in (("BASE", self.base), ("USER", self.user),
                     ("GROUP", self.group), ("PORT", str(self.port))):
            text = text.replace("@%s@" % k, v)
        # Kept by root when root starts Exim with -C: owned by us, written
        # by nobody else, readable by the Exim user that re-reads it.
        with open(self.conf, "w") as f:
            f.write(text)
        os.chmod(self.conf, 0o644)
        self.mailer = " ".join([
            MSMTP, "--host=127.0.0.1", "--port=%d" % self.port,
            "--domain=localhost", "--auth=off", "--tls=off",
            "--from=" + SENDER, "--set-from-header=off",
            "--set-date-header=off", "--set-msgid-header=off",
            "--timeout=10", "-t"])
        self.sendmail = "%s -C %s -odi -oi -t" % (EXIM, self.conf)

    def _wait_greeting(self, timeout):
        """None once Exim answers 220 on its port, else what went wrong."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return "exited %d: %s" % (self.proc.returncode, self.errors())
            try:
                with socket.create_connection(("127.0.0.1", self.port), 1) as s:
                    s.settimeout(max(1.0, deadline - time.monotonic()))
                    greeting = s.recv(512)
                    # Not waiting for the 221: Exim holds it back 200 ms.
                    s.sendall(b"QUIT\r\n")
                if greeting.startswith(b"220"):
                    return None
                return "greeting %r" % greeting
            except OSError:
                time.sleep(0.02)
        return "no greeting on 127.0.0.1:%d in %ds: %s" % (
            self.port, timeout, self.errors())

    def processes(self):
        """Pids of every live process of this instance: the daemon and any
        reception, delivery or queue run (each is exim4 -C our config)."""
        pids = []
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % name, "rb") as f:
                    args = f.read().split(b"\0")
            except OSError:
                continue
            if self.base and self.conf.encode() in args:
                pids.append(int(name))
        return pids

    def stop(self, timeout=10):
        """SIGTERM to the daemon, then to anything of this instance still
        running (SIGKILL after timeout).  Safe to call twice."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.stderr.close()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in self.processes():
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            if wait_for(lambda: not self.processes(), timeout):
                break

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    # --- sending and reading -----------------------------------------------

    def send(self, message, mailer=None, timeout=30):
        """Hands message (bytes or str) to mailer (default self.mailer) as a
        program would: `sh -c MAILER` with the message on standard input."""
        if isinstance(message, str):
            message = message.encode()
        return subprocess.run(["sh", "-c", mailer or self.mailer],
                              input=message, capture_output=True,
                              timeout=timeout)

    def queued(self):
        """Messages still in Exim's queue (accepted, not yet delivered to
        every recipient): one -H file each in spool/input."""
        try:
            names = os.listdir(os.path.join(self.base, "spool", "input"))
        except FileNotFoundError:
            return 0
        return sum(1 for n in names if n.endswith("-H"))

    def settle(self, timeout=20):
        """Waits until every message handed to the instance is delivered.
        A mailer that has returned has had its message accepted (Exim
        writes it to the spool before answering 250), so an empty queue
        means all of it is in the maildir.  Raises with Exim's view if
        the queue does not empty in time."""
        if not wait_for(lambda: self.queued() == 0, timeout):
            raise RuntimeError("mail still queued after %ds:\n%s"
                               % (timeout, self.diagnosis()))

    def _deliveries(self):
        """[(recipient, raw bytes)] in delivery order.  Exim names each
        maildir file TIME.MUSECPpid.host; a file is in new/ only whole."""
        new = os.path.join(self.maildir, "new")
        try:
            names = os.listdir(new)
        except FileNotFoundError:
            return []

        def order(name):
            m = re.match(r"(\d+)\.M(\d+)P(\d+)", name)
            return (int(m.group(1)), int(m.group(2))) if m else (0, 0)
        out = []
        for name in sorted(names, key=order):
            with open(os.path.join(new, name), "rb") as f:
                raw = f.read()
            m = re.search(rb"^Envelope-to: *([^\r\n]*)", raw, re.M | re.I)
            rcpt = m.group(1).decode("ascii", "replace") if m else ""
            out.append((rcpt.strip().lower(), raw))
        return out

    def raw_messages(self, addr, timeout=20):
        """The delivered files for addr (any case), bytes as stored."""
        self.settle(timeout)
        return [raw for rcpt, raw in self._deliveries() if rcpt == addr.lower()]

    def messages(self, addr, timeout=20):
        """What was delivered to addr, oldest first, parsed with
        email.policy.default (headers decoded: RFC 2047 words come back as
        text).  Waits for the queue to drain first."""
        return [email.message_from_bytes(raw, policy=email.policy.default)
                for raw in self.raw_messages(addr, timeout)]

    def all_messages(self, timeout=20):
        """{recipient (lower case): [EmailMessage]} for every delivery."""
        self.settle(timeout)
        out = {}
        for rcpt, raw in self._deliveries():
            out.setdefault(rcpt, []).append(
                email.message_from_bytes(raw, policy=email.policy.default))
        return out

    def count(self):
        """Deliveries so far (one file per recipient), without waiting."""
        try:
            return len(os.listdir(os.path.join(self.maildir, "new")))
        except FileNotFoundError:
            return 0

    def wait_count(self, n, timeout=20):
        """Waits until at least n deliveries are in and the queue is empty;
        returns the number of deliveries.  Raises on timeout."""
        if not wait_for(lambda: self.count() >= n and self.queued() == 0,
                        timeout):
            raise RuntimeError("%d of %d deliveries after %ds:\n%s"
                               % (self.count(), n, timeout, self.diagnosis()))
        return self.count()

    # --- when something is wrong ----------------------------------------------

    def errors(self):
        """What Exim wrote on its standard error (start-up problems)."""
        try:
            with open(os.path.join(self.base, "exim.stderr"), "rb") as f:
                return f.read().decode(errors="replace")
        except (OSError, TypeError):
            return ""

    def diagnosis(self):
        """The queue (exim -bp), the main and panic logs' last lines."""
        q = subprocess.run([EXIM, "-C", self.conf, "-bp"],
                           capture_output=True, text=True, timeout=20)
        parts = ["queue:\n" + (q.stdout or q.stderr)]
        for log in ("mainlog", "paniclog"):
            try:
                with open(os.path.join(self.base, "log", log), "rb") as f:
                    tail = f.read().decode(errors="replace").splitlines()[-20:]
                parts.append("%s:\n%s" % (log, "\n".join(tail)))
            except OSError:
                pass
        return "\n".join(parts)
