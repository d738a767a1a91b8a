#!/usr/bin/env python3
"""Integration tests of linkctl's QR codes: `linkctl qr CODE`, campaign
create --qr DIR and campaign posts' {qr}.  Every code made is read back by
a real decoder (zbarimg, from zbar-tools; SVGs rasterised first by
rsvg-convert, from librsvg2-bin) and must be the exact short URL.  Bad
input exits 1 (usage errors 2), says why, and writes nothing."""
import csv
import io
import os
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from tap import eq, ok  # noqa: E402

LINKCTL = tap.LINKCTL
TMP = tap.tempdir("qr-test-")
BASE = "https://go.example.org"

if not shutil.which("zbarimg"):
    tap.skip_all("zbarimg is not installed", package="zbar-tools")
if not shutil.which("rsvg-convert"):
    tap.skip_all("rsvg-convert is not installed", package="librsvg2-bin")


def lk(db, *args, env=None):
    e = dict(os.environ)
    e.pop("REDIRECTD_DB", None)
    e.update(env or {})
    return subprocess.run([LINKCTL, "--db", db] + list(args),
                          capture_output=True, timeout=120, env=e)


def path(*names):
    return os.path.join(TMP, *names)


def decode_png(data):
    """What zbarimg reads in a PNG's bytes: the one code's text."""
    r = subprocess.run(["zbarimg", "--quiet", "--raw", "--nodbus", "-"],
                       input=data, capture_output=True, timeout=60)
    return r.stdout.decode("utf-8", "replace").rstrip("\n") if r.returncode == 0 \
        else "zbarimg exit %d: %s" % (r.returncode, r.stderr[-300:])


def decode_svg(data):
    """The SVG rasterised by rsvg-convert (at its own width), then read."""
    r = subprocess.run(["rsvg-convert", "--format", "png"], input=data,
                       capture_output=True, timeout=60)
    if r.returncode:
        return "rsvg-convert exit %d: %s" % (r.returncode, r.stderr[-300:])
    return decode_png(r.stdout)


def png_size(data):
    """(width, height) from a PNG's IHDR."""
    return struct.unpack(">II", data[16:24]) if data[:8] == b"\x89PNG\r\n\x1a\n" \
        else None


def read(p):
    with open(p, "rb") as f:
        return f.read()


def setup(db):
    for h, n, t in (("ana", "Ana Lima", "comms"), ("bo", "Bo Zhang", "comms"),
                    ("cy", "Cy Okafor", "ops")):
        r = lk(db, "staff", "add", h, "--name", n, "--team", t)
        assert r.returncode == 0, r.stderr
    r = lk(db, "mint", "--staff", "ana", "--url", "https://example.com/a")
    assert r.returncode == 0, r.stderr
    return r.stdout.decode().strip()


def refused(name, r, status, msg, outputs=()):
    """Exit status, stderr starting with msg, nothing on stdout, none of
    outputs created."""
    eq((r.returncode, r.stdout), (status, b""), "%s: exit %d, nothing on "
       "stdout" % (name, status))
    err = r.stderr.decode()
    ok(err.startswith(msg), "%s: says why" % name, err)
    ok(not any(os.path.exists(p) for p in outputs), "%s: nothing written" % name)


def test_qr(db, code):
    url = "%s/%s" % (BASE, code)
    r = lk(db, "qr", code, "--base-url", BASE)
    eq((r.returncode, r.stderr), (0, b""), "qr: exit 0, quiet")
    ok(r.stdout.startswith(b"<?xml ") and b"<svg " in r.stdout,
       "qr: SVG by default, on stdout")
    eq(decode_svg(r.stdout), url, "qr: the SVG (rasterised) reads back as the "
       "short URL")
    ok(b'width="296" height="296" viewBox="0 0 37 37"' in r.stdout,
       "qr: default size 8 pixels a module (37 modules with the quiet zone)")
    svg = path("a.svg")
    r = lk(db, "qr", code, "--base-url", BASE, "--size", "600", "--output", svg)
    eq((r.returncode, r.stdout, r.stderr), (0, b"", b""), "qr --output: exit 0")
    data = read(svg)
    ok(b'width="600" height="600"' in data, "qr --size 600: the SVG's size")
    eq(decode_svg(data), url, "qr --output FILE: the SVG reads back")

    png = path("a.png")
    r = lk(db, "qr", code, "--base-url", BASE, "--format", "png", "--size",
           "300", "--output", png)
    eq((r.returncode, r.stderr), (0, b""), "qr --format png: exit 0")
    data = read(png)
    eq(png_size(data), (300, 300), "qr --format png --size 300: 300x300 pixels")
    eq(decode_png(data), url, "qr --format png: reads back as the short URL")
    r = lk(db, "qr", code, "--base-url", BASE, "--format", "png", "--size", "37")
    eq(png_size(r.stdout), (37, 37), "qr --format png --size 37 (one pixel "
       "a module): taken, to stdout")
    # zbarimg needs two pixels a module (a printer's dots are finer).
    r = lk(db, "qr", code, "--base-url", BASE, "--format", "png", "--size", "74")
    eq(decode_png(r.stdout), url, "qr: two pixels a module read back")

    # The base URL from the configuration, unless --base-url says.
    conf = path("redirectd.conf")
    with open(conf, "w") as f:
        f.write("base_url = https://cfg.example.net/\n")
    r = lk(db, "-c", conf, "qr", code, "--format", "png")
    eq(decode_png(r.stdout), "https://cfg.example.net/" + code,
       "qr: the base URL from -c FILE's base_url")
    r = lk(db, "qr", code, "--format", "png", env={"REDIRECTD_CONF": conf})
    eq(decode_png(r.stdout), "https://cfg.example.net/" + code,
       "qr: the base URL from $REDIRECTD_CONF's base_url")
    r = lk(db, "-c", conf, "qr", code, "--format", "png", "--base-url", BASE)
    eq(decode_png(r.stdout), url, "qr: --base-url over the configuration's")

    # A disabled link: its code all the same, with a warning.
    lk(db, "disable", code)
    r = lk(db, "qr", code, "--base-url", BASE)
    ok(r.returncode == 0 and decode_svg(r.stdout) == url and
       b"is disabled" in r.stderr, "qr of a disabled link: made, with a "
       "warning", r.stderr)
    lk(db, "enable", code)


def test_longest(db):
    """The longest short link: base_url's most (511 bytes) and a code of
    64 characters."""
    code = "L" * 32 + "q" * 31 + "9"
    r = lk(db, "mint", "--staff", "bo", "--url", "https://example.com/b",
           "--code", code)
    eq(r.returncode, 0, "mint --code of 64 characters", )
    base = BASE + "/" + "p" * (511 - len(BASE) - 1)
    eq(len(base), 511, "a base URL of 511 bytes")
    url = base + "/" + code
    r = lk(db, "qr", code, "--base-url", base)
    eq(r.returncode, 0, "qr: the longest short link (%d bytes)" % len(url))
    ok(b'viewBox="0 0 101 101"' in r.stdout, "the longest: version 19 (93 "
       "modules, 101 with the quiet zone)")
    eq(decode_svg(r.stdout), url, "the longest short link: the SVG reads back")
    r = lk(db, "qr", code, "--base-url", base, "--format", "png")
    eq(decode_png(r.stdout), url, "the longest short link: the PNG reads back")
    out = path("long.svg")
    r = lk(db, "qr", code, "--base-url", base + "p", "--output", out)
    refused("a base URL of 512 bytes", r, 2, "linkctl: --base-url: ", [out])


def test_bad(db, code):
    out = path("bad.svg")
    refused("qr of an unknown code", lk(db, "qr", "NoSuchCode", "--base-url",
                                        BASE, "--output", out),
            1, "linkctl: no link 'NoSuchCode'\n", [out])
    refused("qr of an impossible code", lk(db, "qr", "a/b", "--base-url", BASE),
            1, "linkctl: no link 'a/b'\n")
    for bad in ("ftp://go.example.org", "go.example.org", "javascript:alert(1)",
                "https://go.example.org/?x=1"):
        refused("qr --base-url %s" % bad,
                lk(db, "qr", code, "--base-url", bad, "--output", out),
                2, "linkctl: --base-url: ", [out])
    refused("qr without a base URL", lk(db, "qr", code, "--output", out), 2,
            "linkctl: qr: where do the short links live?", [out])
    refused("qr --output in a missing directory",
            lk(db, "qr", code, "--base-url", BASE, "--output",
               path("nodir", "x.svg")),
            1, "linkctl: %s: No such file or directory" % path("nodir", "x.svg"),
            [path("nodir")])
    refused("qr --output a directory",
            lk(db, "qr", code, "--base-url", BASE, "--output", TMP),
            1, "linkctl: %s: " % TMP)
    refused("qr --format gif", lk(db, "qr", code, "--base-url", BASE,
                                  "--format", "gif", "--output", out),
            2, "linkctl: qr: --format: svg or png, not 'gif'", [out])
    for size in ("0", "-5", "abc", "10001", "12px"):
        refused("qr --size %s" % size,
                lk(db, "qr", code, "--base-url", BASE, "--size", size,
                   "--output", out),
                2, "linkctl: qr: --size: pixels, 1 to 10000", [out])
    refused("qr --size 36 (under a pixel a module)",
            lk(db, "qr", code, "--base-url", BASE, "--size", "36", "--format",
               "png", "--output", out),
            1, "linkctl: qr: --size 36 is under one pixel per module: the "
            "code of %s/%s is 37 modules wide with its quiet zone (--size 37 "
            "or more)\n" % (BASE, code), [out])
    refused("qr with two codes", lk(db, "qr", code, code, "--base-url", BASE),
            2, "linkctl: qr: expected one CODE")
    refused("qr of a store that is not there",
            lk(path("nostore"), "qr", code, "--base-url", BASE, "--output", out),
            1, "linkctl: ", [out])
    # A file already there stays as it was when the command fails.
    with open(out, "w") as f:
        f.write("before\n")
    lk(db, "qr", "NoSuchCode", "--base-url", BASE, "--output", out)
    eq(read(out), b"before\n", "qr refused: the --output file already there "
       "is left as it was")
    os.unlink(out)
    left = [n for n in os.listdir(TMP) if n.startswith(".")]
    eq(left, [], "no temporary files left behind")


def csv_urls(stdout):
    rows = list(csv.reader(io.StringIO(stdout.decode())))
    eq(rows[0], ["staff", "name", "code", "short_url"], "campaign create: CSV")
    return {row[0]: row[3] for row in rows[1:]}


def test_campaign(db):
    qr = path("qr")
    r = lk(db, "campaign", "create", "spring", "--url", "https://example.com/s",
           "--base-url", BASE, "--qr", qr)
    eq(r.returncode, 0, "campaign create --qr: exit 0")
    urls = csv_urls(r.stdout)
    eq(sorted(urls), ["ana", "bo", "cy"], "campaign create: every colleague")
    eq(sorted(os.listdir(qr)), ["ana.svg", "bo.svg", "cy.svg"],
       "campaign create --qr DIR: DIR/HANDLE.svg for each")
    for h, url in sorted(urls.items()):
        eq(decode_svg(read(os.path.join(qr, h + ".svg"))), url,
           "campaign create --qr: %s.svg reads back as the CSV's short_url "
           "for %s" % (h, h))
    ok(b"QR codes in %s: 3 written, 0 already there" % qr.encode() in r.stderr,
       "campaign create --qr: says what it wrote", r.stderr)

    # Again: the same codes, the files left as they are.
    before = {h: (read(os.path.join(qr, h + ".svg")),
                  os.stat(os.path.join(qr, h + ".svg")).st_mtime_ns)
              for h in urls}
    r = lk(db, "campaign", "create", "spring", "--base-url", BASE, "--qr", qr)
    eq((r.returncode, csv_urls(r.stdout)), (0, urls),
       "campaign create again: the same links")
    after = {h: (read(os.path.join(qr, h + ".svg")),
                 os.stat(os.path.join(qr, h + ".svg")).st_mtime_ns)
             for h in urls}
    eq(after, before, "campaign create --qr again: the files left as they "
       "were (same bytes, not rewritten)")
    ok(b"0 written, 3 already there" in r.stderr, "again: says none written",
       r.stderr)

    # A new colleague: only their file written.
    lk(db, "staff", "add", "dee", "--name", "Dee Park")
    r = lk(db, "campaign", "create", "spring", "--base-url", BASE, "--qr", qr)
    urls = csv_urls(r.stdout)
    eq(decode_svg(read(os.path.join(qr, "dee.svg"))), urls["dee"],
       "a new colleague's code reads back as theirs")
    ok(b"1 written, 3 already there" in r.stderr, "only the new one written",
       r.stderr)
    # Another base URL: every file rewritten to it.
    other = "https://s.example.net"
    r = lk(db, "campaign", "create", "spring", "--base-url", other, "--qr", qr)
    urls2 = csv_urls(r.stdout)
    for h, url in sorted(urls2.items()):
        ok(url.startswith(other + "/") and
           decode_svg(read(os.path.join(qr, h + ".svg"))) == url,
           "another base URL: %s.svg rewritten to %s" % (h, url))

    # A link planted at a colleague's file name is replaced, not written
    # through; same for qr --output.
    planted = path("planted")
    os.mkdir(planted)
    victim = path("victim")
    with open(victim, "w") as f:
        f.write("victim\n")
    os.chmod(victim, 0o600)
    os.symlink(victim, os.path.join(planted, "ana.svg"))
    os.symlink(victim, path("planted.svg"))
    r = lk(db, "campaign", "create", "spring", "--base-url", other, "--qr",
           planted)
    lk(db, "qr", csv_urls(r.stdout)["ana"].rsplit("/", 1)[1], "--base-url",
       other, "--output", path("planted.svg"))
    eq(read(victim), b"victim\n", "a link planted at DIR/ana.svg or at "
       "--output: the file it points at is left as it was")
    ok(not os.path.islink(os.path.join(planted, "ana.svg")) and
       not os.path.islink(path("planted.svg")) and
       decode_svg(read(os.path.join(planted, "ana.svg"))) == urls2["ana"] and
       decode_svg(read(path("planted.svg"))) == urls2["ana"],
       "the planted links replaced by the codes")

    # --qr that is a file: refused before anything is minted.
    notdir = path("notdir")
    with open(notdir, "w") as f:
        f.write("x")
    r = lk(db, "campaign", "create", "autumn", "--url", "https://example.com/t",
           "--base-url", BASE, "--qr", notdir)
    refused("campaign create --qr FILE", r, 1,
            "linkctl: --qr: %s: not a directory" % notdir)
    r = lk(db, "campaign", "list")
    ok(b"autumn" not in r.stdout, "campaign create --qr FILE: no campaign made")
    return urls2, other


def test_posts(db, urls, base):
    qr = path("qr")
    tpl = path("post.txt")
    with open(tpl, "w") as f:
        f.write("Hi {first_name}, your link {link}, its QR code {qr}\n")
    out = path("posts")
    refused("campaign posts {qr} without --qr",
            lk(db, "campaign", "posts", "spring", "--template", tpl, "--out",
               out, "--base-url", base),
            2, "linkctl: campaign posts: {qr} needs --qr DIR", [out])
    r = lk(db, "campaign", "posts", "spring", "--template", tpl, "--out", out,
           "--base-url", base, "--qr", qr)
    eq(r.returncode, 0, "campaign posts --qr DIR: exit 0")
    for h, url in sorted(urls.items()):
        text = read(os.path.join(out, h + ".txt")).decode()
        want = os.path.join(qr, h + ".svg")
        ok(text.endswith("your link %s, its QR code %s\n" % (url, want)),
           "{qr}: %s's post names DIR/%s.svg" % (h, h), text)
        eq(decode_svg(read(want)), url, "{qr}: %s's file reads back as the "
           "post's {link}" % h)
    # Posts under another base URL than the codes': refused, nothing written.
    out2 = path("posts2")
    refused("campaign posts --qr with codes of another base URL",
            lk(db, "campaign", "posts", "spring", "--template", tpl, "--out",
               out2, "--base-url", BASE, "--qr", qr),
            1, "linkctl: {qr}: %s/" % qr, [out2])
    refused("campaign posts --qr with a file missing",
            lk(db, "campaign", "posts", "spring", "--template", tpl, "--out",
               out2, "--base-url", base, "--qr", path("noqr")),
            1, "linkctl: {qr}: %s/" % path("noqr"), [out2])


db = path("db")
code = setup(db)
test_qr(db, code)
test_longest(db)
test_bad(db, code)
urls, base = test_campaign(db)
test_posts(db, urls, base)
shutil.rmtree(TMP)
tap.done()
