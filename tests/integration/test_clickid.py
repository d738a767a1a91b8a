#!/usr/bin/env python3
"""Click ids through the real daemon: a link minted with --click-id
redirects with its click's id (click_id_param) as the Location's last
parameter, before the fragment; every id is new; the record carries the
flag and the sequence the id was made with, and reach export names each
record by the id the client was given (the id alone finds the record).
No client's own id passes, in any spelling, even with
query_passthrough = all; a Location that would pass 2048 bytes goes
without the id, counted; links without click ids are as before."""
import csv
import io
import os
import re
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from tap import eq, ok, run  # noqa: E402
from daemon import Daemon, linkctl  # noqa: E402

REACH = tap.REACH
TMP = tap.tempdir("clickid-test-")
ID = r"[A-Za-z0-9_-]{16}"


def records(log_dir):
    """Every record of every segment: (worker, time_us, link_id, flags,
    class, seq), in file order."""
    out = []
    for name in sorted(os.listdir(log_dir)):
        if not name.endswith(".clk"):
            continue
        with open(os.path.join(log_dir, name), "rb") as f:
            data = f.read()
        worker = struct.unpack_from("<I", data, 24)[0]
        for off in range(128, len(data) - 127, 128):
            r = data[off:off + 128]
            t, = struct.unpack_from("<Q", r, 0)
            link, = struct.unpack_from("<I", r, 16)
            seq = r[39] << 16 | struct.unpack_from("<H", r, 122)[0]
            out.append((worker, t, link, r[35], r[34], seq))
    return out


def mint(db, handle, url, *extra):
    return linkctl(db, "mint", "--staff", handle, "--url", url,
                   *extra).stdout.strip()


db = os.path.join(TMP, "db")
linkctl(db, "staff", "add", "ana", "--name", "Ana")
with_id = mint(db, "ana", "https://example.org/p?x=1#sign", "--click-id")
plain = mint(db, "ana", "https://example.org/q")
# 2048 bytes with the id would pass the limit: 2048 - 20 - 26 of padding.
longurl = "https://example.org/" + "a" * (2048 - 20 - 10)
too_long = mint(db, "ana", longurl, "--click-id")
logs = os.path.join(TMP, "log")
os.makedirs(logs)
conf = os.path.join(TMP, "redirectd.conf")
with open(conf, "w") as f:
    f.write("query_passthrough = all\n")

given = {}      # id -> (path, method)
with Daemon(db, logs, conf=conf, threads=2) as d:
    r = d.get("/" + with_id)
    eq(r.status, 302, "a link with click ids redirects")
    loc = (r.header("location") or "")
    m = re.fullmatch(r"https://example\.org/p\?x=1&rd_click=(" + ID + ")#sign",
                     loc)
    ok(m, "the id is the last parameter, before the fragment", loc)
    if m:
        given[m.group(1)] = "GET"
    # Many clicks, on fresh and kept-alive connections: every id new.
    for i in range(60):
        r = d.get("/" + with_id, headers={
            "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) test %d" % i})
        m = re.search(r"rd_click=(" + ID + ")", (r.header("location") or ""))
        if m:
            ok(m.group(1) not in given, "click %d: a new id" % i)
            given[m.group(1)] = "GET"
    eq(len(given), 61, "61 clicks, 61 ids")
    # When each was answered, as the client saw it: a record's time is
    # the wall clock between the request's sending and its answer (an
    # outcome the target records at once is never before its click).
    # libevent's cached time ran up to 3 ms ahead of the wall clock here.
    window = {}
    for i in range(200):
        t0 = time.time_ns() // 1000
        r = d.get("/" + with_id)
        t1 = time.time_ns() // 1000
        m = re.search(r"rd_click=(" + ID + ")", r.header("location") or "")
        if m:
            given[m.group(1)] = "GET"
            window[m.group(1)] = (t0, t1)
        time.sleep(0.005 if i % 20 else 0.3)
    r = d.get("/" + with_id, method="HEAD")
    m = re.search(r"rd_click=(" + ID + ")", (r.header("location") or ""))
    ok(m, "HEAD gets an id too (X's previews send HEADs)")
    if m:
        given[m.group(1)] = "HEAD"

    r = d.get("/" + plain)
    eq(r.header("location"), "https://example.org/q",
       "a link without click ids: the target as minted")

    # A client's own id: never passed, however spelled, even with all.
    for q in ("rd_click=forgedforgedforg", "RD_CLICK=forged", "rd.click=x",
              "rd%5Fclick=x", "rd_click[]=x", "rd+click=x", "x=1;rd_click=y"):
        r = d.get("/%s?%s&fbclid=f" % (with_id, q))
        loc = (r.header("location") or "")
        ok(re.fullmatch(r"https://example\.org/p\?x=1&fbclid=f&rd_click=" + ID +
                        "#sign", loc) or
           re.fullmatch(r"https://example\.org/p\?x=1&x=1&fbclid=f&rd_click=" +
                        ID + "#sign", loc),
           "?%s: the client's dropped, ours last" % q, loc)
        m = re.search(r"rd_click=(" + ID + ")", loc)
        if m:
            given[m.group(1)] = "GET"
    r = d.get("/%s?fbclid=f" % plain)
    eq(r.header("location"), "https://example.org/q?fbclid=f",
       "passthrough unchanged for a link without click ids")

    r = d.get("/" + too_long)
    eq(r.status, 302, "a target too long for the id still redirects")
    eq(r.header("location"), longurl, "  without the id")
    c = d.counters()
    eq(c.get("click_ids"), len(given), "click_ids counts the ids given")
    eq(c.get("click_ids_skipped"), 1, "click_ids_skipped counts the one")

# The records: the flag on those that had an id, not on the others; no
# two records of one worker with the same time and sequence.
recs = records(logs)
flagged = [x for x in recs if x[3] & 0x04]
eq(len(flagged), len(given), "one flagged record per id given")
eq(len(recs), len(given) + 3, "and the three without ids unflagged")
eq(len({(w, t, s) for w, t, _, _, _, s in recs}), len(recs),
   "(worker, time, sequence) unique")
for w in {x[0] for x in recs}:
    seqs = [x[5] for x in recs if x[0] == w]
    eq(seqs, list(range(len(seqs))), "worker %d: sequences 0, 1, 2, ... in "
       "file order" % w)

# reach export names each record by the id its redirect carried.
r = run([REACH, "export", "--db", db, "--format", "csv", logs])
eq(r.returncode, 0, "reach export")
rows = list(csv.DictReader(io.StringIO(r.stdout)))
ok(rows and "click" in rows[0], "export has a click column", r.stdout[:300])
ids = [x.get("click", "") for x in rows]
eq(sorted(i for i in ids if i), sorted(given), "export's ids are exactly the "
   "ids the clients were given")
eq(sum(1 for i in ids if not i), 3, "records without an id: empty")
late = [(x["click"], int(x["time_us"]) - window[x["click"]][1])
        for x in rows if x.get("click") in window
        if not window[x["click"]][0] <= int(x["time_us"]) <= window[x["click"]][1]]
eq(late, [], "every record's time is between its request's sending and its "
   "answer (200 requests)")
heads = [x for x in rows if x.get("click") and given[x["click"]] == "HEAD"]
eq(len(heads), 1, "the HEAD's id names the HEAD's record")

# click_id_param renamed.
logs2 = os.path.join(TMP, "log2")
os.makedirs(logs2)
conf2 = os.path.join(TMP, "ref.conf")
with open(conf2, "w") as f:
    f.write("click_id_param = ref_id\n")
with Daemon(db, logs2, conf=conf2) as d:
    loc = d.get("/" + with_id).header("location") or ""
    ok(re.fullmatch(r"https://example\.org/p\?x=1&ref_id=" + ID + "#sign", loc),
       "click_id_param = ref_id", loc)
    loc = d.get("/%s?ref_id=forged&rd_click=kept&fbclid=f" % with_id
                ).header("location") or ""
    ok(re.fullmatch(r"https://example\.org/p\?x=1&fbclid=f&ref_id=" + ID +
                    "#sign", loc),
       "the renamed one is denied; rd_click is no longer ours (and not on "
       "the default list)", loc)

# A configuration that lists the parameter for passing is refused.
conf3 = os.path.join(TMP, "bad.conf")
with open(conf3, "w") as f:
    f.write("query_passthrough = fbclid, rd_click\n")
r = run([tap.REDIRECTD, "-c", conf3, "--check"])
ok(r.returncode != 0 and "click_id_param" in r.stderr,
   "query_passthrough naming rd_click refused at start", r.stderr)

tap.done()
