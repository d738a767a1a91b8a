"""Hostile clients against the real daemon on loopback.

A short domain is public: anyone can send it anything, and behind nginx with
upstream keep-alive one smuggled request poisons attribution for everyone on
the same connection.  Each case here sends something a hostile or broken
client sends, asserts the exact answer (the status line; for errors, that
the connection is then closed and the request smuggled after it never
answered), and that the daemon still serves a well-formed request on a fresh
connection.  Then limits and greedy clients (connection cap, file
descriptors, slowloris, pipelining without reading), paths, the targets
linkctl accepts, targets broken in the store, and the client address from
forged forwarding headers.

Every timing assertion compares against a bound far above what the daemon
needs (or against a baseline measured in the same run), so a loaded machine
does not make it flaky.  Figures are printed as TAP comments.
"""
import json
import multiprocessing
import os
import select
import selectors
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import BUILD, LINKCTL, REACH, done, eq, ok, run, tempdir  # noqa: E402
from daemon import (Daemon, Reader, connect_from, cpu_seconds,  # noqa: E402
                    limit_open_files, linkctl, memory_kb)

UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
GEO = os.path.join(BUILD, "tests", "geo-nested.mmdb")

S200 = "HTTP/1.1 200 OK"
S302 = "HTTP/1.1 302 Found"
S400 = "HTTP/1.1 400 Bad Request"
S404 = "HTTP/1.1 404 Not Found"
S405 = "HTTP/1.1 405 Method Not Allowed"
S414 = "HTTP/1.1 414 URI Too Long"
S431 = "HTTP/1.1 431 Request Header Fields Too Large"
S500 = "HTTP/1.1 500 Internal Server Error"
S505 = "HTTP/1.1 505 HTTP Version Not Supported"

tmp = tempdir("rdhostile-")
db = os.path.join(tmp, "db")
cases = 0          # hostile cases run (each with its own assertions)


def note(s):
    """A figure worth reading in the log, as a TAP comment."""
    print("# " + s, flush=True)


# --- the store ---------------------------------------------------------------
linkctl(db, "staff", "add", "alice", "--name", "Alice")       # staff id 1
linkctl(db, "staff", "add", "bob", "--name", "Bob")           # 2
linkctl(db, "staff", "add", "mallory", "--name", "Mallory")   # 3: smuggled only
TARGET = "https://example.org/campaign?src=go"
A = linkctl(db, "mint", "--staff", "alice", "--url", TARGET).stdout.strip()
linkctl(db, "mint", "--staff", "alice", "--url", "https://example.org/upper",
        "--code", "Abc")
linkctl(db, "mint", "--staff", "bob", "--url", "https://example.org/lower",
        "--code", "abc")
linkctl(db, "mint", "--staff", "mallory", "--url", "https://example.org/smuggled",
        "--code", "smuggled")
linkctl(db, "mint", "--staff", "bob", "--url", "https://example.org/ip",
        "--code", "ipcode")
MALLORY = 3

conf1 = os.path.join(tmp, "hostile.conf")
with open(conf1, "w") as f:
    f.write("trusted_proxies = 127.0.0.1\n"
            "header_timeout = 2s\n"
            "keepalive_timeout = 1500ms\n"
            "short_hosts = go.example.org, sho.rt\n")


def write_conf(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def records(logdir):
    """Every click record in a log directory, decoded to a small dict."""
    out = []
    for name in sorted(os.listdir(logdir)):
        if not name.endswith(".clk"):
            continue
        with open(os.path.join(logdir, name), "rb") as f:
            data = f.read()
        for off in range(128, len(data) - 127, 128):
            r = data[off:off + 128]
            t, _, link, staff = struct.unpack_from("<QQII", r, 0)
            status, = struct.unpack_from("<H", r, 32)
            out.append({"time": t, "link": link, "staff": staff, "status": status,
                        "flags": r[35], "family": r[37], "prefix": r[38],
                        "ip": r[40:56],
                        "country": r[56:58].rstrip(b"\0").decode()})
    return out


# --- one hostile exchange -----------------------------------------------------

def exchange(d, raw, head=False, timeout=3):
    """Send raw on a fresh connection; returns (first response or None,
    whether the server then closed with nothing more, the rest read)."""
    s = d.connect(timeout)
    try:
        try:
            s.sendall(raw)
        except OSError:
            pass               # the server may close before it has it all
        rd = Reader(s)
        resp = rd.response(head=head)
        closed = rd.at_eof(timeout)
        return resp, closed, rd.buf
    finally:
        s.close()


served = {"n": 0}   # 302s answered by serving(): one click record each
clicks = {"n": 0}   # every redirect answered by the framing daemon


def serving(d, name):
    """The daemon still serves a well-formed request on a fresh connection."""
    try:
        r = d.get("/" + A, {"User-Agent": UA})
        good = r is not None and r.status == 302 and r.header("location") == TARGET
    except OSError as e:
        good, r = False, e
    served["n"] += good
    clicks["n"] += good
    return ok(good, "%s: then a fresh connection still gets its 302" % name, r)


# A well-formed request sent after each hostile one on the same connection:
# it must never be answered when the first is refused (or asked to close).
TAIL = b"GET /smuggled HTTP/1.1\r\nHost: go.example.org\r\n\r\n"


def case(d, name, raw, status_line, tail=True, check=None):
    """One hostile case: exactly one response with this status line, then
    the connection closed (the tail unanswered), then serving."""
    global cases
    cases += 1
    head = raw[:5] == b"HEAD "
    resp, closed, rest = exchange(d, raw + (TAIL if tail else b""), head=head)
    got = resp.status_line if resp else None
    eq(got, status_line, "%s: %s" % (name, status_line))
    clicks["n"] += got == S302
    ok(closed, "%s: exactly one response, then the connection is closed" % name,
       "after the response: %r" % rest[:200])
    if check and resp:
        check(resp)
    serving(d, name)
    return resp


def R(first, *fields):
    """A request head from a request line and fields."""
    return first + b"\r\n" + b"".join(f + b"\r\n" for f in fields) + b"\r\n"


H = b"Host: go.example.org"
CLOSE = b"Connection: close"
CODE = A.encode()
GET = b"GET /" + CODE + b" HTTP/1.1"
HEAD = b"HEAD /" + CODE + b" HTTP/1.1"
GET10 = b"GET /" + CODE + b" HTTP/1.0"


def location_is(want):
    return lambda r: eq(r.header("location"), want, "Location is %s" % want)


def allow_is(r):
    eq(r.header("allow"), "GET, HEAD", "405 says Allow: GET, HEAD")


with Daemon(db, os.path.join(tmp, "log1"), conf=conf1, threads=2) as d:
    log1 = d.log_dir

    # --- framing: bodies on GET and HEAD ---------------------------------------
    BODIES = [
        ("GET with Content-Length: 5", R(GET, H, b"Content-Length: 5") + b"hello"),
        ("HEAD with Content-Length: 5", R(HEAD, H, b"Content-Length: 5") + b"hello"),
        ("GET with Transfer-Encoding: chunked",
         R(GET, H, b"Transfer-Encoding: chunked") + b"0\r\n\r\n"),
        ("HEAD with Transfer-Encoding: chunked",
         R(HEAD, H, b"Transfer-Encoding: chunked") + b"0\r\n\r\n"),
        ("Transfer-Encoding: Chunked", R(GET, H, b"Transfer-Encoding: Chunked")),
        ("Transfer-Encoding:  chunked (leading spaces)",
         R(GET, H, b"Transfer-Encoding:   chunked")),
        ("Transfer-Encoding: chunked, identity",
         R(GET, H, b"Transfer-Encoding: chunked, identity")),
        ("Transfer-Encoding: identity", R(GET, H, b"Transfer-Encoding: identity")),
        ("Transfer-Encoding: gzip, chunked",
         R(GET, H, b"Transfer-Encoding: gzip, chunked")),
        ("Transfer-Encoding folded onto the next line (obs-fold)",
         R(GET, H, b"Transfer-Encoding:", b" chunked")),
        ("Transfer-Encoding : x (space before the colon)",
         R(GET, H, b"Transfer-Encoding : x")),
        ("transfer-encoding in lower case", R(GET, H, b"transfer-encoding: chunked")),
        ("TRANSFER-ENCODING in upper case", R(GET, H, b"TRANSFER-ENCODING: CHUNKED")),
        ("an empty Transfer-Encoding", R(GET, H, b"Transfer-Encoding:")),
        ("Content-Length: 0, 0", R(GET, H, b"Content-Length: 0, 0")),
        ("Content-Length: +0", R(GET, H, b"Content-Length: +0")),
        ("Content-Length: 00", R(GET, H, b"Content-Length: 00")),
        ("Content-Length: -0", R(GET, H, b"Content-Length: -0")),
        ("Content-Length: 0x0", R(GET, H, b"Content-Length: 0x0")),
        ("an empty Content-Length", R(GET, H, b"Content-Length:")),
        ("Content-Length: 2^64", R(GET, H, b"Content-Length: 18446744073709551616")),
        ("two Content-Length: 0", R(GET, H, b"Content-Length: 0", b"Content-Length: 0")),
        ("two different Content-Lengths",
         R(GET, H, b"Content-Length: 0", b"Content-Length: 30")),
        ("Content-Length: 0 with Transfer-Encoding: chunked",
         R(GET, H, b"Content-Length: 0", b"Transfer-Encoding: chunked")),
        ("Transfer-Encoding then Content-Length",
         R(GET, H, b"Transfer-Encoding: chunked", b"Content-Length: 5")),
        ("Content-Length : 0 (space before the colon)",
         R(GET, H, b"Content-Length : 0")),
        ("POST with a body", R(b"POST /" + CODE + b" HTTP/1.1", H,
                               b"Content-Length: 4") + b"a=b&"),
    ]
    for name, raw in BODIES:
        case(d, name, raw, S400)
    case(d, "Content-Length: \" 0 \" (OWS around a zero)",
         R(GET, H, b"Content-Length:  0 ", CLOSE), S302, check=location_is(TARGET))
    case(d, "Content-Length: 0", R(GET, H, b"Content-Length: 0", CLOSE), S302)

    # --- smuggling: what follows a refused request is never answered ---------------
    before = len(records(log1))
    SMUGGLE = [
        ("the brief's smuggling request (Content-Length: 30)",
         b"GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 30\r\n\r\n"
         b"GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n", [S400]),
        ("a chunked body hiding a request",
         b"GET /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
         b"GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n", [S400]),
        ("HEAD with a body hiding a request",
         b"HEAD /x HTTP/1.1\r\nHost: a\r\nContent-Length: 38\r\n\r\n"
         b"GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n", [S400]),
        ("Content-Length: 0, 30 hiding a request",
         b"GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0, 38\r\n\r\n"
         b"GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n", [S400]),
        ("a refused request after an answered one",
         R(GET, H) + b"GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 38\r\n\r\n"
         b"GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n", [S302, S400]),
        ("a folded header hiding a request",
         b"GET /x HTTP/1.1\r\nHost: a\r\nX-A: b\r\n GET /smuggled HTTP/1.1\r\n\r\n"
         b"GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n", [S400]),
    ]
    n302 = 0
    for name, raw, want in SMUGGLE:
        cases += 1
        s = d.connect()
        s.sendall(raw)
        rd = Reader(s)
        got = [rd.response(head=(k == len(want) - 1 and b"\nHEAD " in b"\n" + raw))
               for k in range(len(want))]
        eq([r.status_line if r else None for r in got], want,
           "smuggling, %s: %s" % (name, ", ".join(want)))
        ok(rd.at_eof(), "smuggling, %s: nothing more is answered" % name, rd.buf[:200])
        s.close()
        n302 += want.count(S302)
        clicks["n"] += want.count(S302)
        serving(d, "smuggling, " + name)
    recs = records(log1)
    eq([r for r in recs if r["staff"] == MALLORY], [],
       "smuggling: the click log has no record for any smuggled request")
    eq(len(recs) - before, n302 + len(SMUGGLE),
       "smuggling: only the answered redirects were recorded")

    # --- header syntax ------------------------------------------------------------
    HEADERS = [
        ("a folded header (obs-fold)", R(GET, H, b"X-A: a", b" b")),
        ("a folded header with a tab", R(GET, H, b"X-A: a", b"\tb")),
        ("a bare CR inside a value", R(GET, H, b"X-A: a\rb")),
        ("a bare CR ending a field", GET + b"\r\nHost: a\rX-B: b\r\n\r\n"),
        ("bare LF line ends", GET + b"\nHost: a\n\n"),
        ("a bare LF ending one field", GET + b"\r\nHost: a\nX-B: b\r\n\r\n"),
        ("a bare CR ending the request line", GET + b"\rHost: a\r\n\r\n"),
        ("a NUL in a header value", R(GET, H, b"User-Agent: Mozilla\x00/5.0")),
        ("a NUL in a header name", R(GET, H, b"X-\x00A: b")),
        ("a NUL in the target", b"GET /" + CODE + b"\x00x HTTP/1.1\r\nHost: a\r\n\r\n"),
        ("an empty header name", R(GET, H, b": value")),
        ("a header name with a space", R(GET, H, b"X Y: z")),
        ("a header name with '('", R(GET, H, b"X(Y): z")),
        ("a header name with a non-ASCII byte", R(GET, H, b"X-\xc3\xa9: z")),
        ("a field without a colon", R(GET, H, b"X-No-Colon")),
        ("a space before the colon (Host : x)", R(GET, b"Host : go.example.org")),
        ("a tab before the colon", R(GET, b"Host\t: go.example.org")),
        ("HTTP/1.1 without Host", R(GET, b"User-Agent: x")),
        ("two Host fields", R(GET, H, b"Host: evil.example")),
        ("two Host fields in HTTP/1.0", R(GET10, H, H)),
        ("Host with a space inside", R(GET, b"Host: go.example.org evil.example")),
        ("Host with a slash", R(GET, b"Host: evil.example/x")),
        ("Host with a user name", R(GET, b"Host: user@evil.example")),
        ("Host with a comma list", R(GET, b"Host: a.example, b.example")),
        # Malformed hosts (RFC 9110 uri-host [":" port]): refused, as
        # redirectd(8) says, and recorded nowhere (the count at the end).
        ("Host: [::1 (an unclosed IPv6 literal)", R(GET, b"Host: [::1")),
        ("Host: a%00b (percent-encoding)", R(GET, b"Host: a%00b")),
        ("Host: : (no host)", R(GET, b"Host: :")),
        ("Host: :443 (a port without a host)", R(GET, b"Host: :443")),
        ("Host: a:99999999 (a port past 65535)", R(GET, b"Host: a:99999999")),
        ("Host: a:65536", R(GET, b"Host: a:65536")),
        ("Host: [1.2.3.4] (IPv4 in brackets)", R(GET, b"Host: [1.2.3.4]")),
        ("Host: [fe80::1%25eth0] (a zone id)", R(GET, b"Host: [fe80::1%25eth0]")),
        ("Host: go.example.org:80:81", R(GET, b"Host: go.example.org:80:81")),
        ("a DEL byte in a value", R(GET, H, b"X-A: a\x7fb")),
        ("a control byte in a value", R(GET, H, b"X-A: a\x01b")),
        ("an escape sequence in User-Agent", R(GET, H, b"User-Agent: \x1b[2J")),
        ("a leading empty line", b"\r\n" + R(GET, H)),
        ("a leading space", b" " + R(GET, H)),
    ]
    for name, raw in HEADERS:
        case(d, name, raw, S400)
    ACCEPTED = [
        ("HTTP/1.0 without Host", R(GET10, b"User-Agent: x")),
        ("an empty Host", R(GET, b"Host:", CLOSE)),
        ("Host with a port", R(GET, b"Host: go.example.org:443", CLOSE)),
        ("Host as an IPv6 literal", R(GET, b"Host: [::1]:8080", CLOSE)),
        ("Host: go.example.org:8080", R(GET, b"Host: go.example.org:8080", CLOSE)),
        ("Host: 127.0.0.1", R(GET, b"Host: 127.0.0.1", CLOSE)),
        ("Host: [::1]", R(GET, b"Host: [::1]", CLOSE)),
        ("Host with a trailing dot", R(GET, b"Host: go.example.org.", CLOSE)),
        ("Host: a:65535", R(GET, b"Host: a:65535", CLOSE)),
        ("obs-text in User-Agent", R(GET, H, b"User-Agent: caf\xe9", CLOSE)),
        ("a tab inside a value", R(GET, H, b"User-Agent: a\tb", CLOSE)),
        ("Transfer_Encoding (underscore: not a framing field)",
         R(GET, H, b"Transfer_Encoding: chunked", CLOSE)),
        ("Connection: close, keep-alive (close wins)",
         R(GET, H, b"Connection: close, keep-alive")),
        ("an Upgrade to h2c", R(GET, H, b"Connection: Upgrade, HTTP2-Settings, close",
                                b"Upgrade: h2c", b"HTTP2-Settings: AAMAAABkAAQAoAAA")),
    ]
    for name, raw in ACCEPTED:
        case(d, name, raw, S302, check=location_is(TARGET))

    # --- request lines: targets, versions, methods ------------------------------------
    REQLINES = [
        ("an absolute-form target",
         R(b"GET http://go.example.org/" + CODE + b" HTTP/1.1", H), S400),
        ("an absolute-form target naming another host",
         R(b"GET https://evil.example/" + CODE + b" HTTP/1.1", H), S400),
        ("CONNECT (authority-form)", R(b"CONNECT evil.example:443 HTTP/1.1", H), S400),
        ("OPTIONS *", R(b"OPTIONS * HTTP/1.1", H), S400),
        ("GET *", R(b"GET * HTTP/1.1", H), S400),
        ("the HTTP/2 connection preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", S400),
        ("an HTTP/0.9 request line", b"GET /" + CODE + b"\r\n", S400),
        ("HTTP/2.0", R(b"GET /" + CODE + b" HTTP/2.0", H), S505),
        ("HTTP/3.0", R(b"GET /" + CODE + b" HTTP/3.0", H), S505),
        ("HTTP/0.9 as a version", R(b"GET /" + CODE + b" HTTP/0.9", H), S505),
        ("HTTP/1.10", R(b"GET /" + CODE + b" HTTP/1.10", H), S400),
        ("http/1.1 in lower case", R(b"GET /" + CODE + b" http/1.1", H), S400),
        ("HTTP/1 without a minor version", R(b"GET /" + CODE + b" HTTP/1", H), S400),
        ("HTTP/1.1 with a trailing letter", R(b"GET /" + CODE + b" HTTP/1.1x", H), S400),
        ("a tab between method and target", R(b"GET\t/" + CODE + b" HTTP/1.1", H), S400),
        ("a tab before the version", R(b"GET /" + CODE + b"\tHTTP/1.1", H), S400),
        ("two spaces after the method", R(b"GET  /" + CODE + b" HTTP/1.1", H), S400),
        ("two spaces before the version", R(b"GET /" + CODE + b"  HTTP/1.1", H), S400),
        ("a space after the version", R(b"GET /" + CODE + b" HTTP/1.1 ", H), S400),
        ("a space inside the target", R(b"GET /" + CODE + b" x HTTP/1.1", H), S400),
        ("a non-ASCII byte in the target", R(b"GET /caf\xc3\xa9 HTTP/1.1", H), S400),
        ("a target without the leading slash", R(b"GET " + CODE + b" HTTP/1.1", H), S400),
        ("a method with '@'", R(b"G@T /" + CODE + b" HTTP/1.1", H), S400),
        ("a request line of spaces", b"   \r\n\r\n", S400),
        ("binary garbage", bytes(range(256)) * 4, S400),
        ("a TLS ClientHello", bytes.fromhex("16030100c4010000c00303") + os.urandom(180),
         S400),
    ]
    for name, raw, want in REQLINES:
        case(d, name, raw, want)
    case(d, "HTTP/1.2 (answered as 1.1)", R(b"GET /" + CODE + b" HTTP/1.2", H, CLOSE),
         S302, check=location_is(TARGET))
    case(d, "HTTP/1.0 with keep-alive", R(GET10, b"Connection: keep-alive", CLOSE),
         S302)
    for name, line in (("get in lower case", b"get /"), ("an unknown method", b"BREW /"),
                       ("POST without a body", b"POST /"), ("DELETE", b"DELETE /"),
                       ("TRACE", b"TRACE /"), ("OPTIONS on a code", b"OPTIONS /")):
        case(d, name, R(line + CODE + b" HTTP/1.1", H, CLOSE), S405, check=allow_is)

    # --- limits -----------------------------------------------------------------
    def line_of(total):
        """A request line of exactly total bytes, CRLF included."""
        return b"GET /" + b"a" * (total - len(b"GET / HTTP/1.1\r\n")) + b" HTTP/1.1"

    def head_of(total, fields=(H, CLOSE)):
        """A head of exactly total bytes (a padding field makes it up)."""
        base = R(GET, *fields, b"X-Pad: ")
        return R(GET, *fields, b"X-Pad: " + b"p" * (total - len(base)))

    assert len(line_of(4096)) + 2 == 4096 and len(head_of(8192)) == 8192
    LIMITS = [
        ("a request line of exactly 4096 bytes (a code too long: 404)",
         R(line_of(4096), H, CLOSE), S404),
        ("a request line of 4097 bytes", R(line_of(4097), H), S414),
        ("a request line of 64 KiB", R(line_of(65536), H), S414),
        ("a request line that never ends", b"GET /" + b"a" * 100000, S414),
        ("a head of exactly 8192 bytes", head_of(8192), S302),
        ("a head of 8193 bytes", head_of(8193), S431),
        ("one 9000-byte field", R(GET, H, b"X-Big: " + b"b" * 9000), S431),
        ("a field that never ends", GET + b"\r\nHost: a\r\nX-Big: " + b"b" * 100000,
         S431),
        ("64 fields", R(GET, H, CLOSE, *[b"X-%d: 1" % i for i in range(62)]), S302),
        ("65 fields", R(GET, H, CLOSE, *[b"X-%d: 1" % i for i in range(63)]), S431),
        ("1000 tiny fields", R(GET, H, *[b"X: %d" % i for i in range(1000)]), S431),
        ("100 empty fields", R(GET, H, *[b"A:"] * 100), S431),
    ]
    for name, raw, want in LIMITS:
        case(d, name, raw, want)

    # --- paths --------------------------------------------------------------------
    recs_before = len(records(log1))
    served_before = served["n"]
    UP, LOW = "https://example.org/upper", "https://example.org/lower"
    PATHS = [
        ("/", S404, None), ("/favicon.ico", S404, None),
        ("/%41bc (an encoded code character is not decoded)", S404, None),
        ("/Abc", S302, UP), ("/abc (codes are case-sensitive)", S302, LOW),
        ("/ABC", S404, None), ("/aBc", S404, None),
        ("/Abc/ (a trailing slash redirects like the code)", S302, UP),
        ("/abc/", S302, LOW), ("/Abc//", S404, None), ("/Abc/x", S404, None),
        # Click ids go on to the target as sent (query_passthrough),
        # undecoded; other parameters and a fragment in a request target
        # do not.
        ("//Abc", S404, None), ("/Abc/?fbclid=1", S302, UP + "?fbclid=1"),
        ("/Abc/?utm=1", S302, UP),
        ("/Abc?utm_source=x&y=%00", S302, UP),
        ("/Abc?fbclid=%00&y=1", S302, UP + "?fbclid=%00"),
        ("/Abc?next=//evil.example&gclid=1", S302, UP + "?gclid=1"),
        ("/Abc?", S302, UP),
        ("/Abc#fragment", S302, UP), ("/Abc?fbclid=1#b", S302, UP + "?fbclid=1"),
        ("/%00", S404, None), ("/Abc%00", S404, None), ("/%2F", S404, None),
        ("/Abc%2F", S404, None), ("/%2FAbc", S404, None), ("/Ab%63", S404, None),
        ("/" + "a" * 64 + " (64 characters, no such code)", S404, None),
        ("/" + "a" * 65, S404, None),
        ("/" + "a" * 511 + " (LMDB's key limit)", S404, None),
        ("/" + "a" * 512 + " (over LMDB's key limit)", S404, None),
        ("/" + "a" * 4000, S404, None),
        ("/.", S404, None), ("/..", S404, None), ("/../Abc", S404, None),
        ("/./Abc", S404, None), ("/Abc/..", S404, None), ("/~Abc", S404, None),
        ("/ROBOTS.TXT", S404, None), ("/robots.txt/", S404, None),
        ("/.well-known/security.txt", S404, None), ("/index.html", S404, None),
    ]
    n_clicks = 0
    for path, want, loc in PATHS:
        cases += 1
        p = path.split(" ")[0]
        r = d.get(p, {"User-Agent": UA})
        got = (r.status_line, r.header("location")) if r else None
        eq(got, (want, loc), "GET %s: %s%s" % (path[:80], want, " to " + loc if loc else ""))
        n_clicks += want == S302
    clicks["n"] += n_clicks
    serving(d, "paths")
    eq(len(records(log1)) - recs_before, n_clicks + served["n"] - served_before,
       "paths: a click record for each redirect, none for anything else")

    ROBOTS = (b"# Short links: link previews may fetch them, crawlers need not.\n"
              b"User-agent: Twitterbot\nUser-agent: facebookexternalhit\n"
              b"User-agent: LinkedInBot\nUser-agent: Slackbot\n"
              b"User-agent: Discordbot\nUser-agent: TelegramBot\n"
              b"User-agent: WhatsApp\nUser-agent: Pinterestbot\n"
              b"User-agent: redditbot\nAllow: /\n\nUser-agent: *\nDisallow: /\n")
    cases += 1
    r = d.get("/robots.txt")
    eq((r.status_line, r.header("content-type"), r.body),
       (S200, "text/plain; charset=utf-8", ROBOTS),
       "/robots.txt: 200 text/plain: crawlers off, link previews allowed")
    eq(r.header("content-length"), str(len(ROBOTS)), "/robots.txt: its Content-Length")
    r = d.get("/robots.txt?x=1")
    eq((r.status, r.body), (200, ROBOTS), "/robots.txt?x=1: the same")
    r = d.get("/robots.txt", method="HEAD")
    eq((r.status_line, r.header("content-length")), (S200, str(len(ROBOTS))),
       "HEAD /robots.txt: the same head")
    s = d.connect()
    s.sendall(R(b"HEAD /robots.txt HTTP/1.1", H) + R(b"GET /robots.txt HTTP/1.1", H) +
              R(b"GET /Abc HTTP/1.1", H, CLOSE))
    rd = Reader(s)
    r1, r2, r3 = rd.response(head=True), rd.response(), rd.response()
    eq((r1.status, r2.status, r2.body, r3.status), (200, 200, ROBOTS, 302),
       "HEAD and GET /robots.txt and a redirect, pipelined on one connection")
    ok(rd.at_eof(), "and nothing more", rd.buf[:200])
    s.close()
    clicks["n"] += 1
    serving(d, "robots.txt")

    # --- idle and keep-alive timeouts (header_timeout 2s, keepalive 1.5s) ---------
    cases += 4
    t0 = time.monotonic()
    idle = d.connect()                          # says nothing at all
    partial = d.connect()                       # half a request line
    partial.sendall(b"GET /" + CODE)
    kept = d.connect()                          # one answered request, then idle
    kept.sendall(R(GET, H))
    kept_rd = Reader(kept)
    kept_resp = kept_rd.response()
    t_kept = time.monotonic()
    busy = d.connect()                          # a request every 0.6 s
    busy_rd = Reader(busy)
    busy_status = []
    closed_at = {}
    sel = selectors.DefaultSelector()
    for name, s in (("idle", idle), ("partial", partial), ("kept", kept)):
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, name)
    next_busy = t0
    while time.monotonic() - t0 < 5.0 and (len(closed_at) < 3 or len(busy_status) < 5):
        now = time.monotonic()
        if len(busy_status) < 5 and now >= next_busy:
            busy.sendall(R(GET, H))
            r = busy_rd.response()
            busy_status.append(r.status if r else None)
            next_busy = now + 0.6
        for key, _ in sel.select(0.05):
            try:
                data = key.fileobj.recv(4096)
            except OSError:
                data = b""
            if not data:
                closed_at[key.data] = time.monotonic()
                sel.unregister(key.fileobj)
    eq(kept_resp.status if kept_resp else None, 302, "keep-alive: the first request answered")
    # A silent connection is accepted only after TCP_DEFER_ACCEPT's second
    # (net.c); its header deadline runs from then.
    ok(1.9 <= closed_at.get("idle", 99) - t0 <= 4.5,
       "a connection that sends nothing is closed at header_timeout (2s) "
       "after the deferred accept (1s)",
       closed_at.get("idle", 99) - t0)
    ok(1.9 <= closed_at.get("partial", 99) - t0 <= 3.5,
       "half a request line is closed at header_timeout (2s)",
       closed_at.get("partial", 99) - t0)
    ok(1.4 <= closed_at.get("kept", 99) - t_kept <= 3.0,
       "an idle keep-alive connection is closed at keepalive_timeout (1.5s)",
       closed_at.get("kept", 99) - t_kept)
    eq(busy_status, [302] * 5,
       "a connection busy every 0.6s stays open past the keep-alive timeout")
    clicks["n"] += 1 + busy_status.count(302)
    for s in (idle, partial, kept, busy):
        s.close()
    serving(d, "timeouts")

    # --- targets at mint, through the real linkctl ---------------------------------
    def mint(url, *opts, code=None):
        args = ["--db", db] + list(opts) + ["mint", "--staff", "bob", "--url", url]
        if code:
            args += ["--code", code]
        return run([LINKCTL] + args)

    def stored(code):
        rows = json.loads(run([LINKCTL, "--db", db, "list", "--format", "json"]).stdout)
        return {r["code"]: r["url"] for r in rows}.get(code)

    n_links = len(json.loads(run([LINKCTL, "--db", db, "list", "--format",
                                  "json"]).stdout))
    SCHEME, CONTROL = "only absolute http:// and https:// URLs", "control character"
    LONG = "https://example.org/" + "a" * (2048 - 20)
    REFUSED = [
        ("javascript:alert(1)", SCHEME), ("JavaScript:alert(document.cookie)", SCHEME),
        ("data:text/html,<script>alert(1)</script>", SCHEME),
        ("ftp://example.org/file", SCHEME), ("file:///etc/passwd", SCHEME),
        ("mailto:someone@example.org", SCHEME), ("vbscript:msgbox(1)", SCHEME),
        ("https://example.org/a\r\nSet-Cookie: x=1", CONTROL),
        ("https://example.org/a\nLocation:https://evil.example", CONTROL),
        ("https://example.org/a\tb", CONTROL), ("https://example.org/a\x7f", CONTROL),
        ("https://example.org/a\x01", CONTROL), ("https://example.org/a\x1b[2J", CONTROL),
        ("https://example.org/a b", "space"), (" https://example.org/", "space"),
        ("https://trusted.example@evil.example/", "user name"),
        ("https://user:pass@evil.example/", "user name"),
        ("https://trusted.example%40evil.example/", "invalid host"),
        ("//evil.example/x", SCHEME), ("/path", SCHEME), ("evil.example/x", SCHEME),
        ("https:\\\\evil.example/", "backslash"), ("https:/\\evil.example/", "backslash"),
        ("https://evil.example\\@trusted.example/", "backslash"),
        ("https:evil.example", SCHEME), ("https:///evil.example", "no host"),
        ("https://", "no host"), ("https://[::1/x", "invalid host"),
        ("https://example.org:0/", "invalid port"),
        ("https://example.org:65536/", "invalid port"),
        (LONG + "b", "longer than 2048"),
        ("https://example.org/" + "\u00e9" * 340, "longer than 2048"),
        ("https://ex\u00e4mple.org/", "non-ASCII host"),
        ("https://example.org/%zz", "'%' not followed"),
        ("https://go.example.org/x", "our own short domain"),
        ("https://GO.Example.ORG/x", "our own short domain"),
        ("https://go.example.org./x", "our own short domain"),
        ("https://www.go.example.org/x", "our own short domain"),
        ("https://go.example.org:8443/x", "our own short domain"),
        ("https://sho.rt/x", "our own short domain"),
        ("https://bit.ly/abc", "another URL shortener"),
        ("https://BIT.LY/abc", "another URL shortener"),
        ("https://bit.ly./abc", "another URL shortener"),
        ("https://t.co/abc", "another URL shortener"),
        ("https://www.tinyurl.com/abc", "another URL shortener"),
        ("https://lnkd.in/abc", "another URL shortener"),
        ("http://youtu.be/abc", "another URL shortener"),
    ]
    for url, why in REFUSED:
        cases += 1
        r = mint(url, "-c", conf1)
        ok(r.returncode == 1 and why in r.stderr,
           "mint %r: refused (%s)" % (url[:60], why), r.stderr or r.stdout)
    r = mint("https://evil-short.example/x", "--short-host", "evil-short.example")
    ok(r.returncode == 1 and "our own short domain" in r.stderr,
       "--short-host: refused as our own", r.stderr)
    r = run([LINKCTL, "--db", db, "mint", "--staff", "bob", "--url",
             "https://a.evil-short.example/x", "--short-host", "evil-short.example"])
    ok(r.returncode == 1 and "our own short domain" in r.stderr,
       "--short-host after the command, a subdomain: refused", r.stderr)
    r = mint("https://x.evil-short.example./", "--short-host", "Evil-Short.EXAMPLE.")
    ok(r.returncode == 1 and "our own short domain" in r.stderr,
       "--short-host in any case, with the root's dot, on both sides: refused", r.stderr)
    r = mint("https://x.example/", "--short-host", "not a host")
    eq(r.returncode, 2, "--short-host with a bad host name: a usage error")
    bad = write_conf("bad-short.conf", "short_hosts = go..example.org\n")
    r = mint("https://x.example/", "--config", bad)
    ok(r.returncode == 1 and "bad-short.conf:1: short_hosts" in r.stderr,
       "-c with a bad short_hosts: file:line: message", r.stderr)
    tsv = write_conf("loop.tsv", "\tbob\t\thttps://example.org/fine\n"
                                 "\tbob\t\thttps://go.example.org/loop\n")
    r = run([LINKCTL, "--db", db, "-c", conf1, "import", tsv])
    ok(r.returncode == 1 and "loop.tsv:2:" in r.stderr and "own short domain" in r.stderr,
       "import -c: a target on our own domain refuses the file", r.stderr)
    eq(len(json.loads(run([LINKCTL, "--db", db, "list", "--format", "json"]).stdout)),
       n_links, "every refusal left the store unchanged")

    ACCEPT = [
        ("long", LONG, LONG),
        ("utf8", "https://example.org/\u00fcber?q=\u00fc#\u00e9",
         "https://example.org/%C3%BCber?q=%C3%BC#%C3%A9"),
        ("upper", "HTTPS://Example.ORG/Path", "https://example.org/Path"),
        ("notours", "https://not-go.example.org/x", "https://not-go.example.org/x"),
        ("v6", "https://[2001:db8::1]:8443/x", "https://[2001:db8::1]:8443/x"),
        ("pct", "https://example.org/a%20b?c=%2F", "https://example.org/a%20b?c=%2F"),
        ("quote", "https://example.org/a\"b<c>", "https://example.org/a%22b%3Cc%3E"),
    ]
    for code, url, want in ACCEPT:
        cases += 1
        r = mint(url, "-c", conf1, code="t-" + code)
        eq((r.returncode, stored("t-" + code)), (0, want),
           "mint %r: stored as %r" % (url[:50], want[:60]))
        resp = d.get("/t-" + code, {"User-Agent": UA})
        eq((resp.status_line, resp.header("location")), (S302, want),
           "GET /t-%s: redirects to the stored spelling" % code)
        clicks["n"] += resp.status == 302
    eq(len(LONG), 2048, "the longest target is 2048 bytes")
    r = mint("https://go.example.org/x", code="t-noconf")
    eq(r.returncode, 0, "without -c or --short-host, our own domain is not known")
    serving(d, "targets")

    # A slow but honest client (a byte every 10 ms, well within the
    # header deadline) is served.
    cases += 1
    s = d.connect()
    for b in R(GET, H, CLOSE):
        s.send(bytes([b]))
        time.sleep(0.01)
    r = Reader(s).response()
    s.close()
    eq(r.status_line if r else None, S302, "a request sent a byte at a time: 302")
    clicks["n"] += r is not None and r.status == 302

    eq(len(records(log1)), clicks["n"],
       "the framing daemon's log: one record per redirect answered, nothing else")

    eq(d.stop(), 0, "the hostile-framing daemon exits 0")
    ok("records_dropped=0" in d.errors(), "no record dropped", d.errors()[-400:])

note("%d hostile cases through the framing daemon" % cases)

# --- a target broken in the store: 500, never a redirect ---------------------------
db2 = os.path.join(tmp, "db2")
linkctl(db2, "staff", "add", "alice", "--name", "Alice")
GOOD = linkctl(db2, "mint", "--staff", "alice", "--url", TARGET).stdout.strip()


def link_record(url, status=302, version=1, flags=0, url_len=None):
    url = url.encode("latin-1") if isinstance(url, str) else url
    n = len(url) if url_len is None else url_len
    return struct.pack("<BBHIIIQH", version, flags, status, 900, 1, 0,
                       int(time.time() * 1e6), n) + url


BROKEN = [
    ("badjs", link_record("javascript:alert(1)")),
    ("badcrlf", link_record("https://example.org/\r\nSet-Cookie: a=1")),
    ("badlf", link_record("https://example.org/\nLocation: https://evil.example/")),
    ("badspace", link_record("https://example.org/a b")),
    ("badnul", link_record(b"https://example.org/\0x")),
    ("bad8bit", link_record(b"https://example.org/\xc3\xa9")),
    ("badlong", link_record("https://example.org/" + "a" * 2100)),
    ("badempty", link_record("")),
    ("badscheme", link_record("https:/x")),
    ("badbs", link_record("https://evil.example\\@trusted.example/")),
    ("baduser", link_record("https://trusted.example@evil.example/")),
    ("badnohost", link_record("https:///evil.example/")),
    ("badrel", link_record("//evil.example/")),
    ("badtrunc", link_record("https://example.org/")[:10]),
    ("badver", link_record("https://example.org/", version=9)),
    ("badlen", link_record("https://example.org/", url_len=100)),
]
dump = ["VERSION=3", "format=bytevalue", "type=btree", "HEADER=END"]
for code, val in BROKEN:
    dump += [" " + code.encode().hex(), " " + val.hex()]
dump.append("DATA=END")
ok(shutil.which("mdb_load"), "mdb_load is installed (lmdb-utils; tools/deps.sh)")
r = subprocess.run(["mdb_load", "-s", "links", db2], input="\n".join(dump) + "\n",
                   capture_output=True, text=True)
eq(r.returncode, 0, "mdb_load wrote %d broken link records" % len(BROKEN))

with Daemon(db2, os.path.join(tmp, "log2"), threads=1) as d:
    for code, _ in BROKEN:
        cases += 1
        for method in ("GET", "HEAD"):
            r = d.get("/" + code, {"User-Agent": UA}, method=method)
            eq((r.status_line, r.header("location")), (S500, None),
               "%s /%s (broken in the store): 500 without Location" % (method, code))
        r = d.get("/" + GOOD, {"User-Agent": UA})
        eq(r.status, 302, "after /%s: a good link still redirects" % code)
    s = d.connect()
    s.sendall(R(b"GET /badcrlf HTTP/1.1", H) + R(b"GET /" + GOOD.encode() + b" HTTP/1.1",
                                                 H, CLOSE))
    rd = Reader(s)
    got = [rd.response(), rd.response()]
    eq([r.status for r in got], [500, 302], "a 500 keeps the connection: the next is served")
    s.close()
    eq(d.stop(), 0, "the broken-store daemon exits 0")
    ok("bad_targets=%d" % (2 * len(BROKEN) + 1) in d.errors(),
       "every broken record counted as bad_targets", d.errors()[-600:])
recs = records(os.path.join(tmp, "log2"))
eq(sorted(set(r["link"] for r in recs)), [1], "no click recorded for a broken record")

# --- the client address: forged and malformed forwarding headers -------------------
# real_ip_header names the one header believed from trusted_proxies; the
# other may be the client's own, passed on by the proxy.  The proxy's own
# network is internal here, so a fall-back to the peer shows as an internal
# click (what a padded X-Forwarded-For used to buy).
P, U = "127.0.0.1", "127.0.0.2"   # the trusted proxy, an untrusted peer
IP_CONF = ("trusted_proxies = 127.0.0.1\nip_log = full\n"
           "internal_networks = 127.0.0.0/8\ngeoip_db = %s\n" % GEO)
XFF100 = ", ".join("192.0.2.%d" % i for i in range(100))
XFF65 = ", ".join("198.51.100.%d" % i for i in range(65))
# A client's 500 forged entries, then what our proxy appended: 6 KiB.
XFF_LONG = ",".join("10.9.%d.%d" % (i // 250, i % 250) for i in range(500)) + \
    ", 203.0.113.77"
IPS = {
    # real_ip_header: [(from, [(field, value)...], client recorded, country)]
    "x-real-ip": [      # the default, as conf/nginx.conf sets X-Real-IP
        (U, [("X-Real-IP", "198.51.100.7")], U, ""),
        (U, [("X-Forwarded-For", "198.51.100.7")], U, ""),
        (U, [("X-Forwarded-For", "198.51.100.7"), ("X-Real-IP", "203.0.113.9")], U, ""),
        (U, [("X-Forwarded-For", "127.0.0.1, 198.51.100.7")], U, ""),
        (U, [("X-Forwarded-For", "198.51.100.7"), ("X-Forwarded-For", "192.0.2.1")],
         U, ""),
        (P, [("X-Real-IP", "198.51.100.7")], "198.51.100.7", "DE"),
        (P, [("X-Real-IP", " 198.51.100.8\t")], "198.51.100.8", "DE"),
        (P, [("X-Real-IP", "198.51.100.7"), ("X-Forwarded-For", "192.0.2.1")],
         "198.51.100.7", "DE"),
        (P, [("X-Real-IP", "2001:db8:1::5")], "2001:db8:1::5", "FR"),
        # X-Forwarded-For is not believed: never read, the peer counted.
        (P, [("X-Forwarded-For", "192.0.2.1, 203.0.113.9")], P, ""),
        (P, [("X-Forwarded-For", XFF100)], P, ""),
        (P, [("X-Real-IP", "999.1.1.1")], P, ""),
        (P, [("X-Real-IP", "198.51.100.7, 192.0.2.1")], P, ""),
        (P, [("X-Real-IP", "")], P, ""),
        (P, [("X-Real-IP", "198.51.100.7x")], P, ""),
        (P, [("X-Real-IP", "198.051.100.7")], P, ""),
        (P, [("X-Real-IP", "unknown")], P, ""),
        (P, [("X-Real-IP", "1" * 3000)], P, ""),
        (P, [("X-Real-IP", "198.51.100.9" + " " * 3000)], "198.51.100.9", "DE"),  # OWS
    ],
    "x-forwarded-for": [
        (U, [("X-Real-IP", "198.51.100.7")], U, ""),
        (U, [("X-Forwarded-For", "198.51.100.7")], U, ""),
        (P, [("X-Forwarded-For", "192.0.2.1, 203.0.113.9")], "203.0.113.9", "FR"),
        (P, [("X-Forwarded-For", "203.0.113.9, 127.0.0.1")], "203.0.113.9", "FR"),
        (P, [("X-Forwarded-For", "198.51.100.1"), ("X-Forwarded-For", "192.0.2.4")],
         "192.0.2.4", "JP"),
        # A proxy that passes the client's X-Real-IP on: not believed.
        (P, [("X-Real-IP", "198.51.100.66"), ("X-Forwarded-For", "203.0.113.9")],
         "203.0.113.9", "FR"),
        (P, [("X-Forwarded-For", "203.0.113.9"), ("X-Real-IP", "10.1.2.3")],
         "203.0.113.9", "FR"),
        (P, [("X-Real-IP", "198.51.100.66")], P, ""),
        # Long lists are read from the right, however long (65+ entries).
        (P, [("X-Forwarded-For", XFF65)], "198.51.100.64", "DE"),
        (P, [("X-Forwarded-For", XFF100)], "192.0.2.99", "JP"),
        (P, [("X-Forwarded-For", XFF_LONG)], "203.0.113.77", "FR"),
        (P, [("X-Forwarded-For", "garbage, " + XFF100)], "192.0.2.99", "JP"),
        (P, [("X-Forwarded-For", "198.51.100.7, garbage")], P, ""),
        (P, [("X-Forwarded-For", "198.51.100.7,,")], P, ""),
        (P, [("X-Forwarded-For", "x" * 6000)], P, ""),
        (P, [("X-Forwarded-For", "198.51.100.7;203.0.113.9")], P, ""),
        (P, [("X-Forwarded-For", "[2001:db8:1::5]:443, 198.51.100.300")], P, ""),
        (P, [("X-Forwarded-For", "192.0.2.8, [2001:db8:1::5]:443")],
         "2001:db8:1::5", "FR"),
    ],
}


def ip_bytes(addr):
    if ":" in addr:
        return 6, 128, socket.inet_pton(socket.AF_INET6, addr)
    return 4, 32, socket.inet_aton(addr) + b"\0" * 12


def fields_text(fields, width):
    return "; ".join("%s: %s" % (k, v[:width]) for k, v in fields)


want_cc = {}
for header, rows in IPS.items():
    conf_ip = write_conf("ip-%s.conf" % header,
                         IP_CONF + "real_ip_header = %s\n" % header)
    log_ip = os.path.join(tmp, "log-ip-" + header)
    with Daemon(db, log_ip, conf=conf_ip, threads=1) as d:
        for src, fields, _, _ in rows:
            cases += 1
            s = connect_from(d, src)
            raw = "GET /ipcode HTTP/1.1\r\nHost: go.example.org\r\nUser-Agent: %s\r\n" % UA
            raw += "".join("%s: %s\r\n" % kv for kv in fields) + "Connection: close\r\n\r\n"
            s.sendall(raw.encode())
            r = Reader(s).response()
            s.close()
            eq(r.status_line if r else None, S302,
               "%s: from %s with %s: 302" % (header, src, fields_text(fields, 40)))
        serving(d, "forwarded headers, real_ip_header = %s" % header)
        eq(d.stop(), 0, "the client-address daemon (%s) exits 0" % header)
    recs = sorted((r for r in records(log_ip) if r["link"] == 5), key=lambda r: r["time"])
    eq(len(recs), len(rows), "%s: one record per forwarded-header request" % header)
    for (src, fields, want, cc), rec in zip(rows, recs):
        fam, prefix, b = ip_bytes(want)
        eq((rec["family"], rec["prefix"], rec["ip"], rec["country"], rec["flags"] & 1),
           (fam, prefix, b, cc, int(want.startswith("127."))),
           "real_ip_header = %s: from %s with %s: the client is %s (%s%s)"
           % (header, src, fields_text(fields, 30), want, cc or "unknown",
              ", internal" if want.startswith("127.") else ""))
    rows_cc = json.loads(run([REACH, "--db", db, "--format", "json", "--by", "country",
                              "--include-internal", log_ip]).stdout or "[]")
    want_cc = {}
    for _, _, _, cc in rows:
        want_cc[cc or "unknown"] = want_cc.get(cc or "unknown", 0) + 1
    want_cc["unknown"] += 1      # serving()'s own request, from the peer
    eq({r["country"]: r["clicks"] for r in rows_cc}, want_cc,
       "real_ip_header = %s: reach --by country: forged headers never move a click "
       "to their country" % header)

# --- the connection cap --------------------------------------------------------------
conf_cap = write_conf("cap.conf", "max_connections = 6\nheader_timeout = 10s\n"
                                  "keepalive_timeout = 10s\n")
with Daemon(db, os.path.join(tmp, "log-cap"), conf=conf_cap, threads=2) as d:
    cases += 1
    time.sleep(0.3)            # wait_ready's probe connection is gone
    # Each connection sends the start of a request: the listener defers
    # accepting a connection until its first bytes (TCP_DEFER_ACCEPT), and
    # the cap counts accepted connections.
    req = R(GET, H)
    held = [d.connect() for _ in range(6)]
    for s in held:
        s.sendall(req[:5])
    time.sleep(0.2)
    over = d.connect()
    over.sendall(req[:5])
    t0 = time.monotonic()
    try:
        data = over.recv(100)
    except OSError:
        data = b""
    elapsed = time.monotonic() - t0
    ok(data == b"" and elapsed < 1.0,
       "max_connections = 6 over two workers: the 7th is closed at once",
       "got %r after %.2fs" % (data, elapsed))
    over.close()
    statuses = []
    for s in held:
        s.sendall(req[5:])
        r = Reader(s).response()
        statuses.append(r.status if r else None)
    eq(statuses, [302] * 6, "the 6 open connections all keep working")
    held.pop().close()
    time.sleep(0.2)
    serving(d, "the connection cap, one closed")
    for s in held:
        s.close()
    time.sleep(0.2)
    ok(all(serving(d, "the connection cap, all closed, %d" % i) for i in range(6)),
       "the cap counts closed connections out")
    eq(d.stop(), 0, "the capped daemon exits 0")

# --- out of file descriptors: no spinning on accept -----------------------------------
conf_fd = write_conf("fd.conf", "header_timeout = 20s\nkeepalive_timeout = 20s\n")
with Daemon(db, os.path.join(tmp, "log-fd"), conf=conf_fd, threads=1,
            preexec_fn=limit_open_files(64)) as d:
    cases += 1
    time.sleep(0.2)
    socks = [d.connect() for _ in range(120)]     # far more than 64
    time.sleep(0.3)
    socks[0].sendall(R(GET, H))
    r = Reader(socks[0]).response()
    eq(r.status if r else None, 302, "out of descriptors: an accepted connection still works")
    last = socks.pop()
    last.sendall(R(GET, H))                      # still in the listen backlog
    c0, t0 = cpu_seconds(d.proc.pid), time.monotonic()
    time.sleep(2.0)
    cpu = cpu_seconds(d.proc.pid) - c0
    wall = time.monotonic() - t0
    note("EMFILE: the daemon used %.3f s of CPU in %.2f s with 120 connections "
         "and RLIMIT_NOFILE 64" % (cpu, wall))
    ok(cpu < 0.4, "out of descriptors: no spinning on accept (%.3f s CPU in %.1f s)"
       % (cpu, wall))
    ok(d.proc.poll() is None, "out of descriptors: the daemon is still running")
    for s in socks:
        s.close()
    last.settimeout(5)
    r = Reader(last).response()
    eq(r.status if r else None, 302,
       "once connections close, the one waiting in the backlog is served")
    last.close()
    serving(d, "out of descriptors")
    eq(d.stop(), 0, "the descriptor-starved daemon exits 0")
    errs = d.errors()
    ok("accept_errors=0" not in errs and "accept_errors=" in errs,
       "accept errors were counted", errs[-600:])

# --- slowloris: 500 connections trickling a byte a second ------------------------------
conf_slow = write_conf("slow.conf", "header_timeout = 3s\nkeepalive_timeout = 10s\n")


def latencies(d, n, gap):
    """n requests on fresh connections, gap seconds apart: their latencies."""
    out = []
    req = R(GET, H, b"User-Agent: " + UA.encode(), CLOSE)
    for _ in range(n):
        t = time.monotonic()
        s = d.connect()
        s.sendall(req)
        r = Reader(s).response()
        out.append(time.monotonic() - t if r and r.status == 302 else 99.0)
        s.close()
        time.sleep(gap)
    return out


def trickler(host, port, n, late, pipe):
    """In a process of its own (no GIL shared with the measuring client):
    open n + late connections, send the first n a byte a second and the
    last `late` nothing for 2 s, then a byte every half second; report
    when the server closed each, in seconds after it was opened."""
    head = R(GET, H, b"User-Agent: slowloris")
    conns = []
    for _ in range(n + late):
        s = socket.create_connection((host, port), 5)
        s.setblocking(False)
        conns.append([s, time.monotonic(), None, 0])   # socket, opened, closed, sent
    t_start = time.monotonic()
    pipe.send("open")
    sel = selectors.DefaultSelector()
    for i, t in enumerate(conns):
        sel.register(t[0], selectors.EVENT_READ, i)
    next_send = time.monotonic()
    while time.monotonic() - t_start < 10 and any(t[2] is None for t in conns):
        now = time.monotonic()
        if now >= next_send:
            for i, t in enumerate(conns):
                if t[2] is None and (i < n or now - t[1] >= 2.0):
                    try:
                        t[0].send(head[t[3]:t[3] + 1])
                        t[3] += 1
                    except OSError:
                        t[2] = now
            next_send = now + (1.0 if now - t_start < 1.9 else 0.5)
        for key, _ in sel.select(0.02):
            t = conns[key.data]
            try:
                data = t[0].recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                if t[2] is None:
                    t[2] = time.monotonic()
                sel.unregister(t[0])
    pipe.send([t[2] - t[1] if t[2] else 99.0 for t in conns])


with Daemon(db, os.path.join(tmp, "log-slow"), conf=conf_slow, threads=2) as d:
    cases += 2
    N, LATE = 500, 5
    # The baseline: the same requests at the same pace, without trickling
    # connections, on this machine as loaded as it is right now.
    base = latencies(d, 50, 0.03)
    ctx = multiprocessing.get_context("fork")
    mine, theirs = ctx.Pipe()
    proc = ctx.Process(target=trickler, args=(d.host, d.port, N, LATE, theirs))
    proc.start()
    ok(mine.poll(10) and mine.recv() == "open", "%d slowloris connections open" % (N + LATE))
    under = latencies(d, 50, 0.03)
    lived = mine.recv() if mine.poll(15) else [99.0] * (N + LATE)
    proc.join(5)
    bp50, bmax = statistics.median(base), max(base)
    p50, mx = statistics.median(under), max(under)
    p98 = sorted(under)[-2]        # all but the one slowest of 50
    note("slowloris: a normal client's latency p50 %.2f ms, p98 %.2f ms, max %.2f ms "
         "with %d trickling connections (alone: p50 %.2f ms, max %.2f ms)"
         % (p50 * 1e3, p98 * 1e3, mx * 1e3, N + LATE, bp50 * 1e3, bmax * 1e3))
    # A daemon that a slow client can hold up adds seconds to most requests
    # (until the trickle's deadline), one with per-byte costs adds them to
    # every burst.  The bounds are far above the daemon's own cost, and
    # relative to the baseline when the machine is so loaded that requests
    # alone are slow; one scheduling hiccup of a shared machine is allowed
    # past 200 ms, never past a second.
    ok(p50 < max(0.05, 4 * bp50) and p98 < max(0.2, 4 * bmax) and mx < 1.0,
       "slowloris: the normal client's latency stays low "
       "(p50 %.1f ms, p98 %.1f ms, max %.1f ms)" % (p50 * 1e3, p98 * 1e3, mx * 1e3))
    note("slowloris: trickling connections closed after %.2f..%.2f s (header_timeout 3s)"
         % (min(lived[:N]), max(lived[:N])))
    ok(all(2.9 <= x <= 3.0 + 0.25 + 1.5 for x in lived[:N]),
       "slowloris: every trickling connection is closed at the header deadline",
       "min %.2f max %.2f" % (min(lived[:N]), max(lived[:N])))
    ok(all(2.9 <= x <= 3.0 + 0.25 + 1.5 for x in lived[N:]),
       "a connection silent for 2 s, then trickling: its deadline still runs "
       "from the connection's start", lived[N:])
    serving(d, "slowloris")
    eq(d.stop(), 0, "the slowloris daemon exits 0")

# --- pipelining without reading: memory stays bounded ---------------------------------
GREEDY_CONNS, GREEDY_BYTES = 8, 2621440     # 20 MB in all
conf_pipe = write_conf("pipe.conf", "header_timeout = 20s\nkeepalive_timeout = 20s\n")
# Under ASan, its fake stacks (detect_stack_use_after_return) are handed
# out round-robin, so the memory they touch grows with the calls made, up
# to megabytes per thread, whatever the daemon does: off for this
# measurement, which is of the daemon's buffers.
pipe_env = None
if os.environ.get("ASAN_OPTIONS"):
    pipe_env = dict(os.environ, ASAN_OPTIONS=os.environ["ASAN_OPTIONS"] +
                    ":detect_stack_use_after_return=0")
with Daemon(db, os.path.join(tmp, "log-pipe"), conf=conf_pipe, threads=2,
            env=pipe_env) as d:
    cases += 2
    latencies(d, 200, 0)                              # warm the pools up
    time.sleep(0.3)
    rss0, dirty0 = memory_kb(d.proc.pid)
    one = R(b"GET /nosuchcode HTTP/1.1", H)
    LIVE_N = 3000
    greedy = []
    for _ in range(GREEDY_CONNS):
        s = d.connect()
        s.setblocking(False)
        greedy.append([s, one * (GREEDY_BYTES // len(one)), 0])
    live = d.connect()
    live.setblocking(False)
    greedy.append([live, R(GET, H, b"User-Agent: " + UA.encode()) * LIVE_N, 0])
    t0 = time.monotonic()
    while time.monotonic() - t0 < 4.0:
        progress = False
        for g in greedy:
            if g[2] < len(g[1]):
                try:
                    n = g[0].send(g[1][g[2]:g[2] + 262144])
                    g[2] += n
                    progress = progress or n > 0
                except BlockingIOError:
                    pass
        if not progress:
            time.sleep(0.05)
        if all(g[2] >= len(g[1]) for g in greedy):
            break
    sent = sum(g[2] for g in greedy)
    time.sleep(0.5)
    rss1, dirty1 = memory_kb(d.proc.pid)
    note("pipelining: %.1f MB of requests sent on %d connections without reading a "
         "response; the daemon's VmRSS %d -> %d kB, Private_Dirty %d -> %d kB"
         % (sent / 1e6, len(greedy), rss0, rss1, dirty0, dirty1))
    ok(sent >= 8e6, "pipelining: at least 8 MB of requests were pushed (%.1f MB)"
       % (sent / 1e6))
    ok(rss1 - rss0 < 8192 and dirty1 - dirty0 < 8192,
       "pipelining: the daemon's memory grew by less than 8 MB "
       "(RSS %+d kB, private dirty %+d kB)" % (rss1 - rss0, dirty1 - dirty0))
    serving(d, "pipelining without reading")
    # The never-reading client finally reads (and sends the rest): every
    # answer, in order.
    lg = greedy.pop()
    buf, t0 = b"", time.monotonic()
    while buf.count(b"HTTP/1.1 ") < LIVE_N and time.monotonic() - t0 < 15:
        if lg[2] < len(lg[1]):
            try:
                lg[2] += live.send(lg[1][lg[2]:lg[2] + 65536])
            except BlockingIOError:
                pass
        r, _, _ = select.select([live], [], [], 0.05)
        if r:
            data = live.recv(1 << 20)
            if not data:
                break
            buf += data
    eq((buf.count(b"HTTP/1.1 302 Found\r\n"), buf.count(b"HTTP/1.1 ")), (LIVE_N, LIVE_N),
       "the client that read late gets all %d redirects" % LIVE_N)
    live.close()
    for g in greedy:
        g[0].close()
    serving(d, "pipelining, after the greedy clients left")
    eq(d.stop(), 0, "the pipelining daemon exits 0")

note("%d hostile cases in all" % cases)
shutil.rmtree(tmp, ignore_errors=True)
done()
