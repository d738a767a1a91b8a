#!/usr/bin/env python3
"""Reports that survive a damaged log: reach, its HTML report and reach
export over segments with flipped bytes in the middle (made with mkseg, the
real encoder, then damaged with Python as a disk or a copy would).

  - by default a damaged record is still an error: exit 1, no report;
  - with --skip-damaged the damaged records (and only they: fixed-size
    records resynchronise at the next one) are left out, each stretch is
    named on stderr (file, bytes, records), the figures equal those of the
    same log without them, and the exit status is 3; the HTML report shows
    the stretches; reach export writes every other record;
  - a stretch across reach's 1 MiB reads is one stretch; a torn tail after
    a damaged stretch is still a torn tail, its count without the skipped.

And reports of nothing say so: no segments, segments without records, or
a window no record falls in give the empty report (exit 0) with a note on
stderr saying why; --since not before --until is a usage error (exit 2).
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from tap import eq, ok  # noqa: E402

REACH = tap.REACH
TMP = tap.tempdir("reach-damage-")
HDR = 128
REC = 128


def env():
    e = dict(os.environ)
    e.pop("REDIRECTD_DB", None)
    return e


def reach(*args):
    return subprocess.run([REACH] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=120,
                          env=env())


def mkseg(name, lines, *opts):
    return tap.mkseg(os.path.join(TMP, name), lines, *opts)


def damage(path, records, byte=37):
    """Flip one byte (not the checksum's) in each record of records."""
    with open(path, "r+b") as f:
        for k in records:
            f.seek(HDR + k * REC + byte)
            b = f.read(1)
            f.seek(HDR + k * REC + byte)
            f.write(bytes([b[0] ^ 0x5a]))


def line(i):
    """Record i: colleagues 1-4, a visitor per record, humans and bots."""
    cls = "crawler" if i % 7 == 3 else "human"
    return ("time=2026-03-01T10:%02d:00Z staff=%d campaign=%d link=%d "
            "class=%s visitor=%d status=302" % (i % 60, i % 4 + 1, i % 2 + 1,
                                                 i % 4 + 1, cls, 1000 + i))


def warn(path, off, n):
    return ("reach: warning: %s: skipped %d damaged record%s at bytes %d-%d "
            "(--skip-damaged)\n" % (path, n, "" if n == 1 else "s", off,
                                    off + n * REC))


def note(total, places, verb="counted"):
    return ("reach: note: %d damaged record%s in %d place%s skipped; %s "
            "without them (exit status 3)\n"
            % (total, "" if total == 1 else "s", places,
               "" if places == 1 else "s", verb))


# ------------------------------------------- one stretch in the middle

N = 40
LINES = [line(i) for i in range(N)]
BAD = {11, 12, 25}
seg = mkseg("one.clk", LINES)
damage(seg, sorted(BAD))
clean = mkseg("clean/one.clk", [LINES[i] for i in range(N) if i not in BAD])

r = reach("--format", "csv", seg)
eq((r.returncode, r.stdout), (1, ""),
   "a damaged record without --skip-damaged: exit 1, no report")
eq(r.stderr, "reach: %s: corrupt record at offset %d\n" % (seg, HDR + 11 * REC),
   "without --skip-damaged: file and offset, as before")
r = reach("--format", "html", "--output", os.path.join(TMP, "no.html"), seg)
ok(r.returncode == 1 and not os.path.exists(os.path.join(TMP, "no.html")),
   "html without --skip-damaged: exit 1, no file", r.stderr)

want = reach("--format", "csv", clean)
eq(want.returncode, 0, "the same log without the damaged records counts")
for fmt in ("csv", "json", "table"):
    r = reach("--skip-damaged", "--format", fmt, seg)
    w = reach("--format", fmt, clean)
    eq(r.returncode, 3, "--skip-damaged --format %s: exit status 3" % fmt)
    eq(r.stdout, w.stdout, "--format %s: the figures of the log without the "
       "damaged records, nothing else lost" % fmt)
    eq(r.stderr, warn(seg, HDR + 11 * REC, 2) + warn(seg, HDR + 25 * REC, 1) +
       note(3, 2), "--format %s: each stretch named (file, bytes, records) "
       "and the total on stderr" % fmt)
ok(json.loads(reach("--skip-damaged", "--format", "json", seg).stdout),
   "the JSON stays JSON")

# A clean log with --skip-damaged: nothing to say, exit 0.
r = reach("--skip-damaged", "--format", "csv", clean)
eq((r.returncode, r.stdout, r.stderr), (0, want.stdout, ""),
   "--skip-damaged over an undamaged log: exit 0, no note")

# ------------------------------------------------------ the HTML report

out = os.path.join(TMP, "r.html")
r = reach("--skip-damaged", "--format", "html", "--output", out, seg)
eq(r.returncode, 3, "html --output --skip-damaged: exit 3")
eq(r.stderr, warn(seg, HDR + 11 * REC, 2) + warn(seg, HDR + 25 * REC, 1) +
   note(3, 2), "html: the stretches on stderr too")
html = open(out, encoding="utf-8").read() if os.path.exists(out) else ""
ok("<strong>3 damaged records skipped</strong>" in html and
   "<li>%s: 2 records at bytes %d&ndash;%d</li>" % (
       seg, HDR + 11 * REC, HDR + 13 * REC) in html and
   "<li>%s: 1 record at bytes %d&ndash;%d</li>" % (
       seg, HDR + 25 * REC, HDR + 26 * REC) in html,
   "the report shows what was skipped, file and bytes", html[:3000])
cout = os.path.join(TMP, "c.html")
reach("--format", "html", "--output", cout, clean)
chtml = open(cout, encoding="utf-8").read()


def body(h):
    """The page from the leaderboard on: the figures, cards and charts."""
    return h[h.index("</header>"):]


eq(body(html), body(chtml), "html: the charts and cards are those of the "
   "log without the damaged records (the second pass skips them too)")

# ------------------------------------------------------------ reach export

for fmt in ("csv", "ndjson"):
    r = subprocess.run([REACH, "export", "--skip-damaged", "--format", fmt,
                        seg], capture_output=True, text=True, env=env())
    w = subprocess.run([REACH, "export", "--format", fmt, clean],
                       capture_output=True, text=True, env=env())
    eq(r.returncode, 3, "export --skip-damaged --format %s: exit 3" % fmt)
    eq(r.stdout, w.stdout, "export %s: every record but the damaged ones" % fmt)
    eq(r.stderr, warn(seg, HDR + 11 * REC, 2) + warn(seg, HDR + 25 * REC, 1) +
       note(3, 2, "exported"), "export %s: the stretches on stderr" % fmt)
r = subprocess.run([REACH, "export", "--format", "csv", seg],
                   capture_output=True, text=True, env=env())
ok(r.returncode == 1 and "corrupt record at offset %d" % (HDR + 11 * REC)
   in r.stderr, "export without --skip-damaged: still exit 1", r.stderr)

# ---------------------------- across reach's reads, then a torn tail

# 8192 records fill reach's 1 MiB buffer (SCAN_BUF) after the header: a
# stretch over records 8189-8194 spans two reads and is one stretch.
BIG = 8300
big_lines = [line(i) for i in range(BIG)]
big = mkseg("big.clk", big_lines, "--torn", 40)
big_bad = list(range(8189, 8195))
damage(big, big_bad)
bclean = mkseg("clean/big.clk",
               [big_lines[i] for i in range(BIG) if i not in big_bad])
r = reach("--skip-damaged", "--format", "csv", big)
w = reach("--format", "csv", bclean)
eq(r.returncode, 3, "a stretch across two reads: exit 3")
eq(r.stdout, w.stdout, "a stretch across two reads: the others all counted")
torn_off = HDR + BIG * REC
eq(r.stderr, "reach: warning: %s: torn record at offset %d (interrupted "
   "write); counted the %d whole records before it\n" % (
       big, torn_off, BIG - len(big_bad)) +
   warn(big, HDR + 8189 * REC, 6) + note(6, 1),
   "one stretch across the reads; the torn tail after it is a torn tail, "
   "its count without the skipped")

# A stretch of zeros with records after it is damage too; zeros to the end
# are a torn tail (nothing skipped).
hole = mkseg("hole.clk", LINES)
with open(hole, "r+b") as f:
    f.seek(HDR + 5 * REC)
    f.write(bytes(3 * REC))
r = reach("--skip-damaged", "--format", "csv", hole)
w = reach("--format", "csv", mkseg("clean/hole.clk",
                                   LINES[:5] + LINES[8:]))
eq((r.returncode, r.stdout, r.stderr),
   (3, w.stdout, warn(hole, HDR + 5 * REC, 3) + note(3, 1)),
   "zeros in the middle: skipped as damaged")

# ------------------------------------------------------ nothing to count

os.makedirs(os.path.join(TMP, "nothing"))
r = reach("--format", "csv", os.path.join(TMP, "nothing"))
eq((r.returncode, r.stdout.count("\n"), r.stderr),
   (0, 1, "reach: note: no records read: no click-log segments (*.clk) in "
    "the paths given\n"), "an empty log directory: the header, a note, exit 0")
empty = mkseg("headers/w0.clk", [])
mkseg("headers/w1.clk", [])
r = reach(os.path.dirname(empty))
eq((r.returncode, r.stderr), (0, "reach: note: no records read: the 2 "
   "segments hold none\n"), "header-only segments: a note, exit 0")
r = reach("--since", "2026-04-01", "--format", "csv", clean)
eq((r.returncode, r.stdout.count("\n"), r.stderr),
   (0, 1, "reach: note: no records counted: none of the 37 records read is "
    "at or after 2026-04-01T00:00:00Z\n"),
   "a window after every record: the empty report, a note why, exit 0")
r = reach("--since", "2026-02-01", "--until", "2026-02-02", clean)
eq((r.returncode, r.stderr), (0, "reach: note: no records counted: none "
   "of the 37 records read is from 2026-02-01T00:00:00Z until "
   "2026-02-02T00:00:00Z\n"), "a window before every record: the note")
for since, until, a, b in (
        ("2026-03-02", "2026-03-01", "2026-03-02T00:00:00Z",
         "2026-03-01T00:00:00Z"),
        ("2026-03-01T10:00", "2026-03-01T10:00", "2026-03-01T10:00:00Z",
         "2026-03-01T10:00:00Z")):
    r = reach("--since", since, "--until", until, clean)
    ok(r.returncode == 2 and r.stdout == "" and r.stderr.startswith(
        "reach: --since (%s) is not before --until (%s): no time is in "
        "that window\nusage: " % (a, b)),
       "--since %s --until %s: a usage error, exit 2" % (since, until),
       r.stderr)
r = reach("--last", "1d", "--until", "2026-03-01", clean)
ok(r.returncode == 2 and "the start of --last" in r.stderr,
   "--last ending after --until: a usage error", r.stderr)

tap.done()
