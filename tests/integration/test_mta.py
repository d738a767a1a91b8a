"""The tests' mail transfer agent (mta.py): Debian's Exim started as an
instance of its own on a loopback port, msmtp and Exim's own sendmail
interface as mailers, and the delivered messages read back intact.

1. Started in a directory private to root (as tap.tempdir makes them): Exim
   listens on 127.0.0.1 only, on its own port, and its spool, logs and pid
   file are the instance's own.
2. Three messages through msmtp: a plain ASCII one, one with non-ASCII
   display names as RFC 2047 encoded words and a UTF-8 8bit body, one to
   two recipients.  Each mailbox holds exactly its messages, with From, To,
   Subject (decoded), Date, Message-ID and body as sent, the header lines
   and body bytes unchanged.
3. A message to an address with nobody behind it lands in that address's
   mailbox only, never in another's.
4. Neither mailer adds a header a program should have written (Date,
   Message-ID): the harness does not hide a program's omission.
5. A dozen messages sent four at a time: each delivered once.
6. stop(), and leaving the with-block on an exception: no process of the
   instance left, nothing listening on its port; msmtp then fails (75).

Start-up time and per-message delivery latency are printed as comments
(no assertion on them).
"""
import email.header
import email.utils
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import done, eq, ok, tempdir  # noqa: E402
from mta import EXIM, Mta, require_mta  # noqa: E402

require_mta()

tmp = tempdir("rdmta-")


def listeners(port):
    """The local addresses with a TCP socket listening on port."""
    out = []
    for path, width in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 16)):
        with open(path) as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                addr, p = local.split(":")
                if state != "0A" or int(p, 16) != port:
                    continue
                raw = bytes.fromhex(addr)
                # /proc prints each 32-bit word in host (little-endian) order.
                raw = b"".join(raw[i:i + 4][::-1] for i in range(0, width, 4))
                out.append(socket.inet_ntop(
                    socket.AF_INET if width == 4 else socket.AF_INET6, raw))
    return out


def message(headers, body):
    """A message as bytes: header lines as given, a blank line, the body."""
    head = "".join("%s: %s\n" % kv for kv in headers)
    return head.encode("ascii") + b"\n" + body


def header_lines(raw):
    """The unfolded header lines of a raw message, as text."""
    head = raw.split(b"\n\n", 1)[0].decode("ascii")
    return head.replace("\n\t", " ").replace("\n ", " ").split("\n")


def body_of(raw):
    return raw.split(b"\n\n", 1)[1]


DATE = email.utils.format_datetime(
    email.utils.localtime().replace(microsecond=0))

# 1. Plain ASCII; a body line with a lone dot and one starting "From " (an
# SMTP terminator and an mbox separator, both to come back as they went).
PLAIN = message([
    ("From", "Org Aniser <organiser@example.org>"),
    ("To", "Ann Lee <ann@example.org>"),
    ("Subject", "Your post for today"),
    ("Date", DATE),
    ("Message-ID", "<plain.1@example.org>"),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=us-ascii"),
    ("Content-Transfer-Encoding", "7bit"),
], b"Hello Ann,\n\nshare https://go.example.org/ann today.\n.\n"
   b"From here on, 12 clicks.\n")

# 2. Non-ASCII names as RFC 2047 encoded words, an 8bit UTF-8 body.
BJORN, ZOE = "Bj\u00f6rn \u00c5ngstr\u00f6m", "Zo\u00eb \u00d1\u00fa\u00f1ez"
SUBJECT = "Ihr Beitrag f\u00fcr heute \u2014 5 Klicks"
TEXT = ("Gr\u00fc\u00dfe, Zo\u00eb!\n\u0412\u0430\u0448 \u043f\u043e\u0441\u0442: "
        "https://go.example.org/zoe \U0001f680\n")
UTF8 = message([
    ("From", email.utils.formataddr((BJORN, "bjorn@example.org"), "utf-8")),
    ("To", email.utils.formataddr((ZOE, "zoe@example.com"), "utf-8")),
    ("Subject", email.header.Header(SUBJECT, "utf-8").encode()),
    ("Date", DATE),
    ("Message-ID", "<utf8.2@example.org>"),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Transfer-Encoding", "8bit"),
], TEXT.encode("utf-8"))

# 3. Two recipients.
TWO = message([
    ("From", "organiser@example.org"),
    ("To", "Ann Lee <ann@example.org>, bob@example.com"),
    ("Subject", "This week's leaderboard"),
    ("Date", DATE),
    ("Message-ID", "<two.3@example.org>"),
], b"1. Ann 12\n2. Bob 7\n")

GHOST = message([
    ("From", "organiser@example.org"),
    ("To", "nobody-here@example.net"),
    ("Subject", "Anyone?"),
    ("Date", DATE),
    ("Message-ID", "<ghost.4@example.org>"),
], b"no one reads this\n")

with Mta(tmp) as mta:
    print("# start-up: %.3f s (Exim ready on 127.0.0.1:%d)"
          % (mta.startup_seconds, mta.port))

    # --- 1. an instance of its own -----------------------------------------
    eq(listeners(mta.port), ["127.0.0.1"],
       "Exim listens on 127.0.0.1:%d only" % mta.port)
    ok(mta.proc.pid in mta.processes(), "its daemon is one of its processes",
       mta.processes())
    r = subprocess.run([EXIM, "-C", mta.conf, "-bP", "spool_directory",
                        "log_file_path", "pid_file_path"],
                       capture_output=True, text=True, timeout=20)
    paths = [line.split("=", 1)[1].strip() for line in r.stdout.splitlines()]
    ok(len(paths) == 3 and all(p.startswith(mta.base + "/") for p in paths),
       "spool, logs and pid file are the instance's own", r.stdout + r.stderr)
    # As root Exim runs as Debian-exim, which must pass through; as
    # another user it runs as that user and the directory stays as it was.
    eq(os.stat(tmp).st_mode & 0o777, 0o701 if os.geteuid() == 0 else 0o700,
       "the test's directory: searchable by Exim's user, not readable")

    # --- 2. three messages through msmtp -------------------------------------
    for name, raw in (("plain", PLAIN), ("utf-8", UTF8), ("two", TWO)):
        r = mta.send(raw)
        ok(r.returncode == 0, "msmtp sends the %s message" % name,
           r.stderr.decode(errors="replace"))

    ann = mta.messages("ann@example.org")
    eq([m["Message-ID"] for m in ann], ["<plain.1@example.org>",
                                        "<two.3@example.org>"],
       "ann's mailbox: the plain message and the one to two")
    if ann:
        m = ann[0]
        eq((m["From"].addresses[0].display_name, m["From"].addresses[0].addr_spec),
           ("Org Aniser", "organiser@example.org"), "plain: From")
        eq(str(m["To"]), "Ann Lee <ann@example.org>", "plain: To")
        eq(str(m["Subject"]), "Your post for today", "plain: Subject")
        eq(m["Date"].datetime, email.utils.parsedate_to_datetime(DATE),
           "plain: Date")
        eq(m.get_content(), body_of(PLAIN).decode(), "plain: body")
    raw = mta.raw_messages("ann@example.org")[:1]
    ok(raw and body_of(raw[0]) == body_of(PLAIN),
       "plain: the body's bytes as sent (lone dot, 'From ' line)",
       raw and body_of(raw[0]))
    ok(raw and set(header_lines(PLAIN)) <= set(header_lines(raw[0])),
       "plain: every header line as sent", raw and raw[0])
    eq(header_lines(raw[0])[:2] if raw else None,
       ["Return-path: <mailer@mta.test>", "Envelope-to: ann@example.org"],
       "plain: the delivery's own lines on top (envelope sender, recipient)")

    zoe = mta.messages("zoe@example.com")
    eq(len(zoe), 1, "zoe's mailbox: one message")
    if zoe:
        m = zoe[0]
        eq((m["From"].addresses[0].display_name, m["From"].addresses[0].addr_spec),
           (BJORN, "bjorn@example.org"), "utf-8: From's name decoded")
        eq((m["To"].addresses[0].display_name, m["To"].addresses[0].addr_spec),
           (ZOE, "zoe@example.com"), "utf-8: To's name decoded")
        eq(str(m["Subject"]), SUBJECT, "utf-8: Subject decoded")
        eq(str(m["Message-ID"]), "<utf8.2@example.org>", "utf-8: Message-ID")
        eq(m["Date"].datetime, email.utils.parsedate_to_datetime(DATE),
           "utf-8: Date")
        eq(m.get_content_charset(), "utf-8", "utf-8: charset")
        eq(m.get_content(), TEXT, "utf-8: body decoded")
    raw = mta.raw_messages("zoe@example.com")
    ok(raw and body_of(raw[0]) == TEXT.encode("utf-8"),
       "utf-8: the 8bit body's bytes as sent", raw and body_of(raw[0]))
    lines = header_lines(raw[0]) if raw else []
    ok(set(header_lines(UTF8)) <= set(lines),
       "utf-8: the encoded words as sent (From, To, Subject)", lines)
    ok(lines and all(line.isascii() for line in lines),
       "utf-8: the delivered header is ASCII", lines)

    bob = mta.messages("bob@example.com")
    eq([str(m["Message-ID"]) for m in bob], ["<two.3@example.org>"],
       "bob's mailbox: the message to two, once")
    if bob:
        eq([a.addr_spec for a in bob[0]["To"].addresses],
           ["ann@example.org", "bob@example.com"], "two: To names both")
        eq(bob[0].get_content(), "1. Ann 12\n2. Bob 7\n", "two: body")

    # --- 3. an address with nobody behind it --------------------------------
    r = mta.send(GHOST)
    ok(r.returncode == 0, "msmtp sends to nobody-here@example.net",
       r.stderr.decode(errors="replace"))
    boxes = mta.all_messages()
    eq(sorted(boxes), ["ann@example.org", "bob@example.com",
                       "nobody-here@example.net", "zoe@example.com"],
       "a mailbox for each recipient, no other")
    eq({k: [str(m["Message-ID"]) for m in v] for k, v in boxes.items()},
       {"ann@example.org": ["<plain.1@example.org>", "<two.3@example.org>"],
        "bob@example.com": ["<two.3@example.org>"],
        "zoe@example.com": ["<utf8.2@example.org>"],
        "nobody-here@example.net": ["<ghost.4@example.org>"]},
       "the message to nobody-here is in its mailbox only")

    # --- 4. the mailers add nothing ------------------------------------------
    bare = message([("From", "organiser@example.org"),
                    ("To", "carol@example.org"), ("Subject", "bare")], b"x\n")
    for name, mailer in (("msmtp", mta.mailer), ("sendmail", mta.sendmail)):
        before = len(mta.messages("carol@example.org"))
        r = mta.send(bare, mailer)
        ok(r.returncode == 0, "%s sends a message without Date or Message-ID"
           % name, r.stderr.decode(errors="replace"))
        got = mta.messages("carol@example.org")[before:]
        eq([(m["Date"], m["Message-ID"], m["Sender"], str(m["Subject"]))
            for m in got], [(None, None, None, "bare")],
           "%s: delivered, no Date, Message-ID or Sender added" % name)

    # --- 5. a dozen, four at a time; the latency of one ----------------------
    n0 = mta.count()
    batch = [message([("From", "organiser@example.org"),
                      ("To", "p%d@example.org" % i), ("Subject", "n%d" % i),
                      ("Message-ID", "<batch.%d@example.org>" % i)], b"x\n")
             for i in range(12)]
    with ThreadPoolExecutor(4) as pool:
        codes = [r.returncode for r in pool.map(mta.send, batch)]
    eq(codes, [0] * 12, "12 messages, 4 mailers at a time: all accepted")
    eq(mta.wait_count(n0 + 12), n0 + 12, "12 more deliveries")
    boxes = mta.all_messages()
    eq([[str(m["Message-ID"]) for m in boxes.get("p%d@example.org" % i, [])]
        for i in range(12)],
       [["<batch.%d@example.org>" % i] for i in range(12)],
       "each in its own mailbox, once")

    for name, mailer in (("msmtp", mta.mailer), ("sendmail", mta.sendmail)):
        lat = []
        for i in range(10):
            n = mta.count()
            t0 = time.monotonic()
            mta.send(message([("From", "organiser@example.org"),
                              ("To", "lat-%s@example.org" % name)], b"x\n"),
                     mailer)
            mta.wait_count(n + 1)
            lat.append(time.monotonic() - t0)
        eq(len(mta.messages("lat-%s@example.org" % name)), 10,
           "%s: 10 more, one at a time" % name)
        print("# delivery latency through %s (mailer started to file in the "
              "maildir, 10 in a row): median %.0f ms, max %.0f ms"
              % (name, statistics.median(lat) * 1000, max(lat) * 1000))

    pids, port, conf = mta.processes(), mta.port, mta.conf

# --- 6. stopped -----------------------------------------------------------
eq(mta.processes(), [], "stopped: no process of the instance left (had %d)"
   % len(pids))
eq(listeners(port), [], "stopped: nothing listens on its port")
r = mta.send(PLAIN)
eq(r.returncode, 75, "msmtp to the stopped instance fails: EX_TEMPFAIL")

try:
    with Mta(tmp) as second:
        ok(second.processes() != [] and second.conf != conf,
           "a second instance, its own config")
        port = second.port
        raise KeyError("a test failing inside the block")
except KeyError:
    pass
eq(second.processes(), [], "left on an exception: no process left")
eq(listeners(port), [], "left on an exception: nothing listens")

shutil.rmtree(tmp, ignore_errors=True)
done()
