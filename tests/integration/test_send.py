#!/usr/bin/env python3
"""Integration tests of `linkctl campaign posts --send`: the real linkctl
handing messages to a real mail transfer agent (Debian's Exim, started by
the test on loopback: mta.py) through msmtp, and the delivered messages
read back from the mailboxes.  One message per colleague with an address
and no opt-out, with correct headers and their own link; the ledger's
promises (sent once; --resend; a failing, killed or slow mailer; linkctl
killed mid-run; two runs at once; a signal between messages); the
refusals that send nothing."""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from tap import eq, ok  # noqa: E402
from daemon import wait_for  # noqa: E402
from mta import Mta, require_mta  # noqa: E402

LINKCTL = tap.LINKCTL
TMP = tap.tempdir("send-test-")
DB = os.path.join(TMP, "db")
LEDGER = os.path.join(TMP, "mail-ledger")
BASE = "https://go.example.org"
FROM = "Comms Team <comms@example.org>"
DAY = 1767441600            # 2026-01-03 12:00:00 UTC
STAFF = """handle,name,team,email,mail
ana,Ana Lima,comms,ana@example.org,yes
ben,Bén Ørsted,comms,ben@example.org,
cy,Cy Diaz,ops,,
dee,Dee Park,ops,dee@example.org,no
eve,Eve Stone,ops,eve@example.org,yes
"""
MAILED = ["ana", "ben", "eve"]      # an address and no opt-out
ADDR = {h: h + "@example.org" for h in ("ana", "ben", "dee", "eve")}


def lk(*args, env=None, timeout=120):
    e = dict(os.environ)
    e.pop("REDIRECTD_DB", None)
    e.pop("SOURCE_DATE_EPOCH", None)
    e["LINKCTL_TEST_NOW"] = str(DAY)
    e.update(env or {})
    return subprocess.run([LINKCTL, "--db", DB] + list(args),
                          capture_output=True, text=True, timeout=timeout,
                          env=e)


def write(name, text, mode=None):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    if mode:
        os.chmod(path, mode)
    return path


TEMPLATE = write("daily.txt", "Subject: {first_name}, today's post\n\n"
                 "Hi {first_name},\n\nShare this today: {link}\n"
                 "From {campaign}, for {team}.\n")


def send(template, *extra, mailer, env=None):
    return lk("campaign", "posts", "spring", "--template", template,
              "--base-url", BASE, "--send", "--from", FROM, "--mailer", mailer,
              *extra, env=env)


def counts(mta):
    """{handle: number of messages delivered to them so far}."""
    got = mta.all_messages()
    return {h: len(got.get(ADDR[h], [])) for h in ADDR}


def wrapper(name, body, mta):
    """A mailer script: body (shell) runs with the message in $f, then the
    real mailer reads it."""
    return write(name, "#!/bin/sh\nf=$(mktemp)\ncat > \"$f\"\n" + body +
                 "\n%s < \"$f\"\nrc=$?\nrm -f \"$f\"\nexit $rc\n" % mta.mailer,
                 0o755)


def setup():
    r = lk("staff", "import", write("staff.csv", STAFF))
    ok(r.returncode == 0, "staff imported", r.stderr)
    r = lk("campaign", "create", "spring", "--url", "https://example.org/p",
           "--base-url", BASE)
    ok(r.returncode == 0, "campaign created", r.stderr)
    links = {}
    for line in r.stdout.splitlines()[1:]:
        handle, _name, code, url = line.split(",")
        links[handle] = url
    return links


def test_delivery(mta, links):
    r = send(TEMPLATE, mailer=mta.mailer)
    eq(r.returncode, 0, "the first send succeeds")
    ok("3 sent, 0 already sent, 2 skipped (1 opted out, 1 without an "
       "address)" in r.stderr, "it says what it sent and skipped", r.stderr)
    ok("cy has no email" in r.stderr, "the colleague without one is named",
       r.stderr)
    eq(counts(mta), {"ana": 1, "ben": 1, "dee": 0, "eve": 1},
       "one message per colleague with an address and no opt-out")
    names = {"ana": "Ana Lima", "ben": "Bén Ørsted", "eve": "Eve Stone"}
    for h in MAILED:
        m = mta.messages(ADDR[h])[0]
        eq(str(m["From"]), FROM, "%s: From" % h)
        eq(m["To"].addresses[0].addr_spec, ADDR[h], "%s: To's address" % h)
        eq(m["To"].addresses[0].display_name, names[h], "%s: To's name" % h)
        eq(str(m["Subject"]), "%s, today's post" % names[h].split()[0],
           "%s: Subject" % h)
        ok(m["Date"] is not None and m["Date"].datetime.timestamp() == DAY,
           "%s: Date (the run's time)" % h, m["Date"])
        ok(m["Message-ID"] and str(m["Message-ID"]).endswith(
            "redirectd@example.org>"), "%s: Message-ID" % h, m["Message-ID"])
        eq(m["MIME-Version"], "1.0", "%s: MIME-Version" % h)
        eq(m.get_content_type(), "text/plain", "%s: text/plain" % h)
        eq(m.get_content_charset(), "utf-8", "%s: charset=utf-8" % h)
        body = m.get_content()
        ok(links[h] in body, "%s: the body holds their own link" % h, body)
        others = [links[o] for o in links if o != h]
        ok(not any(u in body for u in others), "%s: and nobody else's" % h)
    raw = mta.raw_messages(ADDR["ben"])[0].decode("utf-8", "replace")
    ok("To: =?UTF-8?B?" in raw and "Subject: =?UTF-8?B?" in raw,
       "a non-ASCII name and subject travel as RFC 2047 encoded words",
       raw[:600])
    ids = {str(mta.messages(ADDR[h])[0]["Message-ID"]) for h in MAILED}
    eq(len(ids), 3, "every message has its own Message-ID")

    r = send(TEMPLATE, mailer=mta.mailer)
    eq(r.returncode, 0, "the same command again succeeds")
    ok("0 sent, 3 already sent" in r.stderr, "and sends nothing", r.stderr)
    eq(counts(mta), {"ana": 1, "ben": 1, "dee": 0, "eve": 1},
       "nobody got a second copy")

    r = send(TEMPLATE, "--dry-run", "--resend", mailer=mta.mailer)
    eq(r.returncode, 0, "--dry-run --resend succeeds")
    eq(sorted(r.stdout.splitlines()),
       ["ana\tana@example.org\tAna, today's post",
        "ben\tben@example.org\tBén, today's post",
        "eve\teve@example.org\tEve, today's post"],
       "--dry-run lists handle, address and subject of what would go")
    ok("3 would be sent" in r.stderr, "and says how many", r.stderr)
    r = send(TEMPLATE, "--resend", mailer=mta.mailer)
    ok(r.returncode == 0 and "3 sent, 0 already sent" in r.stderr,
       "--resend sends every message again", r.stderr)
    eq(counts(mta), {"ana": 2, "ben": 2, "dee": 0, "eve": 2},
       "a second copy each")

    # The next day, the same template: a new message.  A series with --id
    # is one message whatever the day.
    next_day = {"LINKCTL_TEST_NOW": str(DAY + 86400)}
    r = send(TEMPLATE, "--dry-run", mailer=mta.mailer, env=next_day)
    ok("3 would be sent, 0 already sent" in r.stderr,
       "the next day the same template is a new message", r.stderr)
    r = send(TEMPLATE, "--id", "week-1", mailer=mta.mailer)
    ok(r.returncode == 0 and "3 sent" in r.stderr, "--id week-1 sends",
       r.stderr)
    r = send(TEMPLATE, "--id", "week-1", mailer=mta.mailer, env=next_day)
    ok(r.returncode == 0 and "0 sent, 3 already sent" in r.stderr,
       "--id week-1 the next day sends nothing", r.stderr)
    eq(counts(mta), {"ana": 3, "ben": 3, "dee": 0, "eve": 3},
       "one copy of week-1 each")


def subjects(mta, subject):
    """[messages with this subject] per colleague of ADDR, in order."""
    got = mta.all_messages()
    return [len([m for m in got.get(ADDR[h], [])
                 if str(m["Subject"]) == subject]) for h in ADDR]


def test_opt_out(mta):
    t = write("optout.txt", "Subject: opt-out check\n\nHi {name}\n")
    r = lk("staff", "set", "eve", "--no-mail")
    eq(r.returncode, 0, "staff set eve --no-mail")
    r = send(t, mailer=mta.mailer)
    ok(r.returncode == 0 and "2 sent" in r.stderr and
       "2 opted out" in r.stderr, "eve is skipped once opted out", r.stderr)
    r = lk("staff", "set", "eve", "--mail")
    r = send(t, mailer=mta.mailer)
    ok(r.returncode == 0 and "1 sent, 2 already sent" in r.stderr,
       "and mailed (alone) once she opts back in", r.stderr)
    eq(subjects(mta, "opt-out check"),
       [1, 1, 0, 1], "every colleague with mail on has exactly one")


def test_failures(mta):
    t = write("fail.txt", "Subject: failure check\n\nHi {name}\n")
    fails = wrapper("fail-ben.sh", "if grep -q '^To:.*ben@' \"$f\"; then "
                    "echo '550 5.1.1 <ben@example.org>: mailbox full' >&2; "
                    "rm -f \"$f\"; exit 75; fi", mta)
    before = counts(mta)
    r = send(t, mailer=fails)
    eq(r.returncode, 1, "a mailer failing for one colleague: exit status 1")
    ok("ben: not sent: the mailer exited with status 75: 550 5.1.1 "
       "<ben@example.org>: mailbox full" in r.stderr,
       "names the colleague and why", r.stderr)
    ok("2 sent, 0 already sent, 1 not sent" in r.stderr,
       "the others were sent", r.stderr)
    after = counts(mta)
    eq({h: after[h] - before[h] for h in ADDR},
       {"ana": 1, "ben": 0, "dee": 0, "eve": 1}, "ana and eve got theirs")
    r = send(t, mailer=mta.mailer)
    ok(r.returncode == 0 and "1 sent, 2 already sent" in r.stderr,
       "the next run sends only ben's", r.stderr)
    after = counts(mta)
    eq({h: after[h] - before[h] for h in ADDR},
       {"ana": 1, "ben": 1, "dee": 0, "eve": 1}, "one each now")

    t = write("kill.txt", "Subject: killed mailer\n\nHi {name}\n")
    dies = wrapper("die-eve.sh", "if grep -q '^To:.*eve@' \"$f\"; then "
                   "rm -f \"$f\"; kill -9 $$; fi", mta)
    before = counts(mta)
    r = send(t, mailer=dies)
    eq(r.returncode, 1, "a mailer killed for one colleague: exit status 1")
    ok("eve: not sent: the mailer exited with status 137 (signal 9: "
       "Killed)" in r.stderr,
       "names the colleague and the signal", r.stderr)
    r = send(t, mailer=mta.mailer)
    ok(r.returncode == 0 and "1 sent, 2 already sent" in r.stderr,
       "the next run sends only eve's", r.stderr)
    after = counts(mta)
    eq({h: after[h] - before[h] for h in ADDR},
       {"ana": 1, "ben": 1, "dee": 0, "eve": 1}, "one each")


STARTS = os.path.join(TMP, "starts")


def slow_mailer(mta, seconds):
    """A mailer that notes each start in STARTS, then takes its time."""
    return wrapper("slow.sh", "echo start >> %s\nsleep %s" % (STARTS, seconds),
                   mta)


def starts():
    try:
        with open(STARTS) as f:
            return len(f.read().splitlines())
    except FileNotFoundError:
        return 0


def start_send(template, mailer, *extra):
    e = dict(os.environ)
    e.pop("REDIRECTD_DB", None)
    e.pop("SOURCE_DATE_EPOCH", None)
    e["LINKCTL_TEST_NOW"] = str(DAY)
    return subprocess.Popen(
        [LINKCTL, "--db", DB, "campaign", "posts", "spring", "--template",
         template, "--base-url", BASE, "--send", "--from", FROM, "--mailer",
         mailer, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=e)


def children(pid):
    """The pids whose parent is pid."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(d))
    return out


def couriers_mailing(pid):
    """linkctl's children in a process group of their own whose mailer
    has started (so the message is claimed)."""
    return [c for c in children(pid)
            if os.getpgid(c) == c and children(c)]


def test_killed(mta):
    t = write("killed.txt", "Subject: linkctl killed\n\nHi {name}\n")
    slow = slow_mailer(mta, 1)
    base = mta.count()
    begun = starts()
    p = start_send(t, slow)
    ok(wait_for(lambda: starts() == begun + 2, 30),
       "the second message is in flight")
    p.kill()                         # SIGKILL, while the second is in flight
    p.wait()
    # The message in flight still goes, and is recorded: its courier and
    # mailer outlive linkctl.
    mta.wait_count(base + 2, timeout=30)
    ok(wait_for(lambda: "2 already sent" in send(
        t, "--dry-run", mailer=mta.mailer).stderr, 10),
       "its courier recorded it")
    r = send(t, mailer=mta.mailer)
    ok(r.returncode == 0 and "1 sent, 2 already sent" in r.stderr,
       "after SIGKILL a re-run sends only what was not sent", r.stderr)
    eq(subjects(mta, "linkctl killed"),
       [1, 1, 0, 1], "every colleague has exactly one message")

    # linkctl and the courier both killed while the mailer holds the
    # message: whether it went nobody knows; the re-run says so and sends
    # it only when asked.
    t = write("unknown.txt", "Subject: lost courier\n\nHi {name}\n")
    slow = slow_mailer(mta, 3)
    p = start_send(t, slow)
    couriers = []
    begun = starts()
    ok(wait_for(lambda: starts() == begun + 1, 10) and
       wait_for(lambda: couriers.extend(couriers_mailing(p.pid)) or couriers,
                10), "a courier carries the first message")
    p.kill()
    p.wait()
    for c in couriers:
        try:
            os.killpg(c, signal.SIGKILL)     # the courier and its mailer
        except ProcessLookupError:
            pass
    r = send(t, mailer=mta.mailer)
    eq(r.returncode, 1, "a message whose courier died: exit status 1")
    ok("ana: the process (pid %d) handing this message to the mailer at "
       % couriers[0] in r.stderr and "was killed: whether it went is not "
       "known" in r.stderr and "--resend --staff ana" in r.stderr,
       "names it, the process and what to do", r.stderr)
    ok("2 sent, 0 already sent, 1 unknown" in r.stderr,
       "the others were sent", r.stderr)
    r = send(t, mailer=mta.mailer)
    ok(r.returncode == 1 and "0 sent, 2 already sent, 1 unknown"
       in r.stderr, "never sent again unasked", r.stderr)
    r = send(t, "--dry-run", mailer=mta.mailer)
    ok("0 would be sent, 2 already sent, 1 unknown" in r.stderr and
       r.stdout == "", "--dry-run says so too", r.stdout + r.stderr)
    r = send(t, "--resend", "--staff", "ana", mailer=mta.mailer)
    ok(r.returncode == 0 and "1 sent, 0 already sent" in r.stderr,
       "--resend --staff ana sends hers alone", r.stderr)
    eq(subjects(mta, "lost courier"),
       [1, 1, 0, 1], "every colleague has exactly one")


def test_concurrent(mta):
    t = write("together.txt", "Subject: two at once\n\nHi {name}\n")
    slow = slow_mailer(mta, 0.3)
    p1 = start_send(t, slow)
    p2 = start_send(t, slow)
    out1, err1 = p1.communicate(timeout=60)
    out2, err2 = p2.communicate(timeout=60)
    ok(p1.returncode == 0 and p2.returncode == 0, "both runs succeed",
       err1 + err2)
    eq(subjects(mta, "two at once"),
       [1, 1, 0, 1], "two runs at once: exactly one message each")


def test_signal(mta):
    t = write("term.txt", "Subject: stopped\n\nHi {name}\n")
    slow = slow_mailer(mta, 1)
    begun = starts()
    p = start_send(t, slow)
    ok(wait_for(lambda: starts() == begun + 2, 30),
       "the second message is in flight")
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=30)
    eq(p.returncode, 1, "SIGTERM: exit status 1")
    ok("stopped by a signal: run it again for the rest" in err,
       "says so", err)
    ok("2 sent" in err, "after finishing the message in flight", err)
    r = send(t, mailer=mta.mailer)
    ok(r.returncode == 0 and "1 sent, 2 already sent" in r.stderr,
       "the next run sends the rest", r.stderr)
    eq(subjects(mta, "stopped"),
       [1, 1, 0, 1], "exactly one each")


def test_refusals(mta):
    before = mta.count()
    ledger = os.path.join(TMP, "refusal-ledger")

    def refused(name, args, want, code=1):
        r = lk("campaign", "posts", "spring", "--base-url", BASE, "--send",
               "--ledger", ledger, *args)
        eq(r.returncode, code, name + ": exit status %d" % code)
        ok(want in r.stderr, name + ": says why", r.stderr)
        ok(not os.path.exists(ledger), name + ": no ledger written")

    refused("an unknown placeholder",
            ["--template", write("bad.txt", "Subject: x\n\n{nmae}\n"),
             "--from", FROM, "--mailer", mta.mailer],
            "bad.txt:3: unknown placeholder {nmae}")
    refused("a figure placeholder without --log",
            ["--template", write("fig.txt", "Subject: x\n\n{visitors}\n"),
             "--from", FROM, "--mailer", mta.mailer],
            "{visitors} needs --log DIR", 2)
    refused("a missing template",
            ["--template", os.path.join(TMP, "nope.txt"), "--from", FROM,
             "--mailer", mta.mailer], "nope.txt")
    refused("a --from that is not an address",
            ["--template", TEMPLATE, "--from", "Comms Team", "--mailer",
             mta.mailer], "--from: want 'Name <user@example.org>'", 2)
    refused("no --from and no mail_from",
            ["--template", TEMPLATE, "--mailer", mta.mailer],
            "--send needs --from", 2)
    refused("a mailer that does not exist",
            ["--template", TEMPLATE, "--from", FROM, "--mailer",
             "/usr/sbin/no-such-sendmail -t -oi"],
            "mailer /usr/sbin/no-such-sendmail: No such file or directory")
    refused("a mailer not in PATH",
            ["--template", TEMPLATE, "--from", FROM, "--mailer",
             "no-such-mailer -t"], "mailer no-such-mailer: not found in PATH")
    r = lk("campaign", "posts", "spring", "--template", TEMPLATE,
           "--out", os.path.join(TMP, "o"), "--mailer", mta.mailer)
    ok(r.returncode == 2 and "--mailer goes with --send" in r.stderr,
       "--mailer without --send is a usage error", r.stderr)
    eq(mta.count(), before, "none of them sent anything")


def test_config(mta):
    conf = write("redirectd.conf", "base_url = %s\nmailer = %s\n"
                 "mail_from = %s\n" % (BASE, mta.mailer, FROM))
    t = write("conf.txt", "Subject: from the configuration\n\nHi {name}\n")
    r = lk("-c", conf, "campaign", "posts", "spring", "--template", t,
           "--send")
    ok(r.returncode == 0 and "3 sent" in r.stderr,
       "mailer and mail_from from -c FILE", r.stderr)
    m = [m for m in mta.messages(ADDR["ana"])
         if str(m["Subject"]) == "from the configuration"]
    ok(len(m) == 1 and str(m[0]["From"]) == FROM, "From is mail_from")
    bad = write("bad.conf", "mail_from = not an address\n")
    r = lk("-c", bad, "campaign", "posts", "spring", "--template", t,
           "--base-url", BASE, "--send", "--mailer", mta.mailer)
    ok(r.returncode == 2 and "want 'Name <user@example.org>'" in r.stderr,
       "a mail_from that is not an address is refused", r.stderr)
    before = mta.count()
    bad = write("broken.conf", "mailer = %s\nmail_from = %s\nthreads = many\n"
                % (mta.mailer, FROM))
    r = lk("-c", bad, "campaign", "posts", "spring", "--template", t,
           "--base-url", BASE, "--send", "--resend")
    ok(r.returncode == 1 and "broken.conf:3: threads:" in r.stderr,
       "a configuration with a mistake is refused, naming its line", r.stderr)
    eq(mta.count(), before, "and nothing is sent")


def test_robust(mta, links):
    """What a review tried in order to break it."""
    # Started with SIGCHLD ignored (inherited across exec): the mailer's
    # exit status must still be known, or a sent message reads as failed.
    t = write("sigchld.txt", "Subject: sigchld\n\nHi {name}\n")
    e = dict(os.environ, LINKCTL_TEST_NOW=str(DAY))
    e.pop("SOURCE_DATE_EPOCH", None)
    r = subprocess.run(
        [LINKCTL, "--db", DB, "campaign", "posts", "spring", "--template", t,
         "--base-url", BASE, "--send", "--from", FROM, "--mailer",
         mta.mailer], capture_output=True, text=True, timeout=120, env=e,
        preexec_fn=lambda: signal.signal(signal.SIGCHLD, signal.SIG_IGN))
    ok(r.returncode == 0 and "3 sent" in r.stderr,
       "started with SIGCHLD ignored: sent and recorded", r.stderr)
    r = send(t, mailer=mta.mailer)
    ok("0 sent, 3 already sent" in r.stderr, "so nothing goes twice",
       r.stderr)
    eq(subjects(mta, "sigchld"), [1, 1, 0, 1], "one each")

    # A mailer that leaves a process behind holding its output: the run
    # waits for the mailer, not for that process, which goes with it.
    t = write("bg.txt", "Subject: background\n\nHi {name}\n")
    # A sleep of its own length (this test's pid in it), so that pgrep
    # finds no one else's; SIGKILL takes effect when the killed process
    # next runs, which on a loaded machine is not at once: looked for
    # until it is gone, for 10 s at most.
    mark = "sleep 600.%d" % os.getpid()
    bg = wrapper("bg.sh", mark + " &", mta)
    r = send(t, mailer=bg)
    ok(r.returncode == 0 and "3 sent" in r.stderr,
       "a mailer leaving a background process behind: the run ends",
       r.stderr)
    deadline = time.monotonic() + 10
    while True:
        left = subprocess.run(["pgrep", "-f", "^" + mark.replace(".", r"\.")],
                              capture_output=True, text=True).stdout.split()
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    eq(left, [], "and what the mailer left in its group is gone")

    # A mailer that hangs: killed after mailer_timeout; the message may
    # have gone, so it is reported, and sent again only when asked.
    t = write("hang.txt", "Subject: hung mailer\n\nHi {name}\n")
    hang = wrapper("hang.sh", "if grep -q '^To:.*ben@' \"$f\"; then "
                   "sleep 600; fi", mta)
    # 5 s, not less: the other colleagues' real deliveries must finish
    # inside it on a loaded machine (under ASan, beside other tests).
    conf = write("timeout.conf", "mailer_timeout = 5s\n")
    r = lk("-c", conf, "campaign", "posts", "spring", "--template", t,
           "--base-url", BASE, "--send", "--from", FROM, "--mailer", hang)
    eq(r.returncode, 1, "a mailer past mailer_timeout: exit status 1")
    ok("ben: the mailer did not finish within 5000 ms and was killed: "
       "whether it went is not known" in r.stderr and
       "2 sent, 0 already sent, 1 unknown" in r.stderr,
       "it is named, the others sent", r.stderr)
    r = send(t, mailer=mta.mailer)
    ok(r.returncode == 1 and "0 sent, 2 already sent, 1 unknown"
       in r.stderr, "not sent again unasked", r.stderr)
    r = send(t, "--resend", "--staff", "ben", mailer=mta.mailer)
    ok(r.returncode == 0 and "1 sent" in r.stderr, "--resend --staff ben",
       r.stderr)
    eq(subjects(mta, "hung mailer"), [1, 1, 0, 1], "one each")

    # The shell's own words start a mailer command as well as programs.
    t = write("exec.txt", "Subject: exec\n\nHi {name}\n")
    r = send(t, mailer="exec " + mta.mailer)
    ok(r.returncode == 0 and "3 sent" in r.stderr,
       "--mailer 'exec msmtp ...' is the shell's to run", r.stderr)

    # A colleague whose link is disabled is counted among the skipped.
    r = lk("disable", links["eve"].rsplit("/", 1)[1])
    t = write("disabled.txt", "Subject: disabled\n\nHi {name}\n")
    r = send(t, mailer=mta.mailer)
    ok(r.returncode == 0 and "2 sent, 0 already sent, 3 skipped (1 opted "
       "out, 1 without an address, 1 with a disabled link)" in r.stderr,
       "a disabled link is counted as skipped", r.stderr)
    lk("enable", links["eve"].rsplit("/", 1)[1])

    before = mta.count()
    r = send(TEMPLATE, "--ledger", DB, "--resend", mailer=mta.mailer)
    ok(r.returncode == 1 and "that is the store" in r.stderr,
       "--ledger naming the store is refused", r.stderr)
    r = send(TEMPLATE, "--ledger", "/dev/null/ledger", "--resend",
             mailer=mta.mailer)
    ok(r.returncode == 1 and "ledger /dev/null/ledger: Not a directory: "
       "nothing sent" in r.stderr,
       "a ledger that cannot be made: one message, nothing sent", r.stderr)
    r = send(TEMPLATE, "--resend", mailer=mta.mailer,
             env={"SOURCE_DATE_EPOCH": str(DAY)})
    ok(r.returncode == 2 and "SOURCE_DATE_EPOCH is set" in r.stderr,
       "--send refuses SOURCE_DATE_EPOCH (it would freeze the day)",
       r.stderr)
    eq(mta.count(), before, "none of these sent anything")


def test_weekly(mta):
    """The week's leaderboard and each colleague's own figures, mailed
    once for the week (--id), the numbers reach's."""
    now = int(time.time())
    lines = []
    for staff, visitors in ((1, (11, 12, 13)), (2, (21, 22)), (5, (51,))):
        for i, v in enumerate(visitors):
            lines.append("time=@%d staff=%d link=%d campaign=1 class=human "
                         "visitor=%d platform=linkedin"
                         % (now - 86400 * (i + 1), staff, staff, v))
    lines.append("time=@%d staff=1 link=1 campaign=1 class=human visitor=11 "
                 "platform=x" % (now - 3600))
    logs = os.path.join(TMP, "log")
    os.makedirs(logs, exist_ok=True)
    r = subprocess.run([tap.MKSEG, os.path.join(logs, "n1.clk")],
                       input="".join(x + "\n" for x in lines),
                       capture_output=True, text=True, timeout=60)
    ok(r.returncode == 0, "a week of clicks", r.stderr)
    t = write("weekly.txt", "Subject: {first_name}, your week\n\n"
              "You reached {visitors} people ({clicks} clicks): number "
              "{rank} of {ranked}, {team_rank} in {team}, mostly on "
              "{top_platform}.\n\nThis week's top five:\n{leaderboard}\n")
    week = ["--log", logs, "--last", "7d", "--id", "week-1-leaderboard"]
    r = send(t, *week, mailer=mta.mailer)
    ok(r.returncode == 0 and "3 sent" in r.stderr, "the weekly mail is sent",
       r.stderr)
    r = send(t, *week, mailer=mta.mailer,
             env={"LINKCTL_TEST_NOW": str(DAY + 2 * 86400)})
    ok(r.returncode == 0 and "0 sent, 3 already sent" in r.stderr,
       "once for the week, whichever day it runs again", r.stderr)
    rr = subprocess.run([tap.REACH, "--db", DB, "--by", "staff", "--last",
                         "7d", "--format", "csv", logs], capture_output=True,
                        text=True, timeout=60)
    rows = {row["staff"]: row for row in
            __import__("csv").DictReader(rr.stdout.splitlines())}
    ok(rr.returncode == 0 and "ana" in rows, "reach counts the same log",
       rr.stderr)
    names = {"ana": "Ana Lima", "ben": "Bén Ørsted", "eve": "Eve Stone"}
    # Daily keys (mkseg's default) over several days: visitor-days.
    board = "1. Ana Lima: 3 visitor-days, 4 clicks\n" \
            "2. Bén Ørsted: 2 visitor-days, 2 clicks\n" \
            "3. Eve Stone: 1 visitor-day, 1 click\n"
    for h in MAILED:
        m = [m for m in mta.messages(ADDR[h])
             if str(m["Subject"]) == "%s, your week" % names[h].split()[0]]
        body = m[0].get_content() if len(m) == 1 else ""
        row = rows.get(h, {})
        want = ("You reached %s people (%s clicks): number %s of %s"
                % (row.get("visitors"), row.get("clicks"), row.get("rank"),
                   len(rows)))
        ok(len(m) == 1 and want in body,
           "%s's mail carries reach's figures: %s" % (h, want), body)
        ok(board in body, "%s's mail carries the week's leaderboard" % h,
           body)


def main():
    require_mta()
    with Mta(TMP) as mta:
        links = setup()
        test_delivery(mta, links)
        test_opt_out(mta)
        test_failures(mta)
        test_killed(mta)
        test_concurrent(mta)
        test_signal(mta)
        test_refusals(mta)
        test_config(mta)
        test_robust(mta, links)
        test_weekly(mta)
    ok(os.path.isdir(LEDGER), "the ledger is beside the store")
    tap.done()


main()
