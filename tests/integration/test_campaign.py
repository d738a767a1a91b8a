#!/usr/bin/env python3
"""Integration tests of linkctl's campaign commands: the real program
against stores in temporary directories, and the real daemon for what
disable, enable and retarget change while it serves.  Outputs are compared
exactly (scripts and mailers read them); refusals exit 1 (usage errors 2),
say why, and leave the store as it was."""
import email
import email.header
import email.policy
import hashlib
import json
import mailbox
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from tap import eq, ok  # noqa: E402
from daemon import Daemon  # noqa: E402

LINKCTL = tap.LINKCTL
TMP = tap.tempdir("campaign-test-")
BASE = "https://go.example.org"
CSV_HDR = "staff,name,code,short_url\n"
CAMP_HDR = "name\tlinks\tstate\tutm\tteam\turl\tcreated\tclick_id\n"
LIST_HDR = "code\tstaff\tcampaign\turl\tstatus\tstate\tcreated\tclick_id\n"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
TAGS = "utm_source=advocacy&utm_medium=social&utm_campaign=%s&utm_content=%s"
EPOCH = "1767441600"   # 2026-01-03 12:00:00 UTC, a Saturday


def lk(db, *args, env=None):
    argv = [LINKCTL] + (["--db", db] if db is not None else []) + list(args)
    e = dict(os.environ)
    e.pop("REDIRECTD_DB", None)
    e.pop("SOURCE_DATE_EPOCH", None)
    e.update(env or {})
    return subprocess.run(argv, capture_output=True, text=True, timeout=120,
                          env=e)


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w", newline="") as f:
        f.write(text)
    return path


def digest(db):
    with open(os.path.join(db, "data.mdb"), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def links(db, campaign=None):
    """{code: (staff, campaign, url, status, state)} from linkctl list."""
    r = lk(db, "list", *(["--campaign", campaign] if campaign else []))
    out = {}
    for line in r.stdout.splitlines()[1:]:
        f = line.split("\t")
        out[f[0]] = tuple(f[1:6])
    return out


def camp_list(db):
    """campaign list as lines without the created column (the 7th of 8)."""
    r = lk(db, "campaign", "list")
    if r.returncode or not r.stdout.startswith(CAMP_HDR):
        return r.stdout
    rows = [x.split("\t") for x in r.stdout[len(CAMP_HDR):].splitlines()]
    ok(all(len(f) == 8 and ISO.match(f[6]) for f in rows),
       "campaign list: created is an ISO time", r.stdout)
    return ["\t".join(f[:6] + f[7:]) for f in rows]


def csv_rows(text):
    """CSV of campaign create as [(staff, name, code, short_url)]."""
    import csv
    import io
    rows = list(csv.reader(io.StringIO(text)))
    return [tuple(r) for r in rows[1:]]


def refused(db, args, msg, name, code=1):
    before = digest(db)
    r = lk(db, *args)
    eq((r.returncode, r.stdout), (code, ""), name + ": exit %d, no output" % code)
    eq(r.stderr, msg, name + ": message")
    eq(digest(db), before, name + ": store unchanged")


STAFF = ("handle,name,team,email\n"
         "ana,Ana Lima,comms,ana@example.org\n"
         "bo,Bo Ek,ops,\n"
         "cy,José Dupont,comms,jose@example.org\n"
         "dee,\"O'Neil, Dee\",comms,dee@example.org\n")


def setup(name):
    db = os.path.join(TMP, name)
    path = write(name + "-staff.csv", STAFF)
    r = lk(db, "staff", "import", path)
    assert r.returncode == 0, r.stderr
    return db


# ------------------------------------------------------------ create

def test_create():
    db = setup("create")
    url = "https://example.org/spring"
    r = lk(db, "campaign", "create", "spring", "--url", url)
    eq(r.returncode, 2, "create without a base URL: usage error")
    eq(r.stderr, "linkctl: campaign create: where do the short links live? "
       "pass --base-url https://SHORT.HOST or set base_url in the "
       "configuration (-c FILE) (see linkctl --help)\n",
       "create without a base URL: says what to pass")

    r = lk(db, "campaign", "create", "spring", "--url", url,
           "--base-url", BASE + "/")
    eq(r.returncode, 0, "create: exit 0")
    eq(r.stderr, "campaign 'spring': 4 new links, 4 in all\n",
       "create: how many were new, on stderr")
    rows = csv_rows(r.stdout)
    ls = links(db)
    want = CSV_HDR
    for handle, name in (("ana", "Ana Lima"), ("bo", "Bo Ek"),
                         ("cy", "José Dupont"), ("dee", "O'Neil, Dee")):
        code = [c for c, v in ls.items() if v[0] == handle]
        ok(len(code) == 1, "create: one link for %s" % handle, ls)
        code = code[0]
        eq(ls[code], (handle, "spring", url, "302", "enabled"),
           "create: %s's link" % handle)
        q = '"%s"' % name if "," in name else name
        want += "%s,%s,%s,%s/%s\n" % (handle, q, code, BASE, code)
    eq(r.stdout, want, "create: CSV of every colleague, in handle order")
    eq(len(ls), 4, "create: four links in the store")
    first = r.stdout

    r = lk(db, "campaign", "create", "spring", "--url", url, "--base-url", BASE)
    eq((r.returncode, r.stdout), (0, first),
       "create again: the same links, the same CSV")
    eq(r.stderr, "campaign 'spring': 0 new links, 4 in all\n",
       "create again: none new")
    r = lk(db, "campaign", "create", "spring", "--base-url", BASE)
    eq((r.returncode, r.stdout), (0, first),
       "create again without --url: the campaign's own")
    eq(links(db), ls, "create again: nothing minted")

    lk(db, "staff", "add", "bea", "--name", "Bea Ruiz", "--team", "ops")
    r = lk(db, "campaign", "create", "spring", "--url", url, "--base-url", BASE)
    eq(r.stderr, "campaign 'spring': 1 new link, 5 in all\n",
       "a colleague added since: one new link")
    ls2 = links(db)
    new = [c for c in ls2 if c not in ls]
    ok(len(new) == 1 and ls2[new[0]][0] == "bea", "the new link is bea's",
       ls2)
    lines = first.splitlines(True)
    eq(r.stdout, "".join(lines[:2]) + "bea,Bea Ruiz,%s,%s/%s\n"
       % (new[0], BASE, new[0]) + "".join(lines[2:]),
       "the CSV: the old rows and bea's, in handle order")

    refused(db, ["campaign", "create", "spring", "--url",
                 "https://example.org/other", "--base-url", BASE],
            "linkctl: campaign 'spring' goes to https://example.org/spring "
            "(to change that: linkctl campaign retarget 'spring' --url URL)\n",
            "create with another URL")
    refused(db, ["campaign", "create", "spring", "--team", "comms",
                 "--base-url", BASE],
            "linkctl: campaign 'spring' is for every colleague, not team "
            "'comms'\n", "create with a team it does not have")
    refused(db, ["campaign", "create", "spring", "--utm", "--base-url", BASE],
            "linkctl: campaign 'spring' was created without --utm (to add "
            "the tags: linkctl campaign retarget 'spring' --url URL --utm)\n",
            "create --utm for a campaign without")
    refused(db, ["campaign", "create", "new", "--base-url", BASE],
            "linkctl: campaign create: --url is required for a new campaign "
            "'new'\n", "create without --url")
    refused(db, ["campaign", "create", "loop", "--url", BASE + "/x",
                 "--base-url", BASE],
            "linkctl: invalid URL: URL points at our own short domain "
            "(a loop)\n", "create: a target on the base URL's host")
    refused(db, ["campaign", "create", "short", "--url", "https://bit.ly/x",
                 "--base-url", BASE], "linkctl: invalid URL: URL points at "
            "another URL shortener: use the final address\n",
            "create: a target on a shortener")
    refused(db, ["campaign", "create", "a/b", "--url", url, "--base-url",
                 BASE], "linkctl: invalid campaign name 'a/b': 1-100 bytes, "
            "no control characters, no '/'\n", "create: invalid name")
    r = lk(db, "campaign", "create", "x", "--url", url, "--base-url",
           "https://go.example.org/?a=1")
    eq(r.returncode, 2, "--base-url with a query: usage error")
    eq(r.stderr, "linkctl: --base-url: no query or fragment, codes follow "
       "it: 'https://go.example.org/?a=1' (see linkctl --help)\n",
       "--base-url with a query: message")
    eq(lk(db, "campaign", "create", "x", "--url", url, "--base-url",
          "ftp://go.example.org").returncode, 2, "--base-url ftp: usage error")

    # base_url from the configuration; --base-url wins over it.
    conf = write("create.conf", "base_url = https://l.example.net/s/\n"
                 "short_hosts = go2.example.org\n")
    r = lk(db, "-c", conf, "campaign", "create", "spring")
    with_base = lk(db, "campaign", "create", "spring", "--base-url", BASE)
    eq(r.stdout, with_base.stdout.replace(BASE + "/",
                                          "https://l.example.net/s/"),
       "base_url from -c FILE (its trailing '/' dropped)")
    r = lk(db, "campaign", "create", "spring", "-c", conf,
           "--base-url", BASE)
    ok(r.stdout.count(BASE + "/") == 5, "--base-url overrides base_url",
       r.stdout)
    refused(db, ["-c", conf, "campaign", "create", "c2", "--url",
                 "https://l.example.net/page"],
            "linkctl: invalid URL: URL points at our own short domain "
            "(a loop)\n", "base_url's host counts as a short host")
    refused(db, ["-c", conf, "campaign", "create", "c2", "--url",
                 "https://go2.example.org/page"],
            "linkctl: invalid URL: URL points at our own short domain "
            "(a loop)\n", "short_hosts apply to campaign targets")
    bad = write("bad.conf", "base_url = https://go.example.org/?s=1\n")
    r = lk(db, "-c", bad, "campaign", "create", "spring")
    eq((r.returncode, r.stderr), (1, "linkctl: %s:1: base_url: no query or "
       "fragment, codes follow it: 'https://go.example.org/?s=1'\n" % bad),
       "a bad base_url: file:line: message")


def test_team():
    db = setup("team")
    url = "https://example.org/comms"
    r = lk(db, "campaign", "create", "comms-only", "--url", url, "--team",
           "comms", "--base-url", BASE)
    eq([x[0] for x in csv_rows(r.stdout)], ["ana", "cy", "dee"],
       "--team: only the team's colleagues")
    eq(r.stderr, "campaign 'comms-only': 3 new links, 3 in all\n",
       "--team: three new")
    first = r.stdout
    lk(db, "staff", "add", "fay", "--name", "Fay", "--team", "ops")
    lk(db, "staff", "add", "gil", "--name", "Gil", "--team", "comms")
    r = lk(db, "campaign", "create", "comms-only", "--base-url", BASE)
    eq(r.stderr, "campaign 'comms-only': 1 new link, 4 in all\n",
       "--team kept: a new team member gets a link, others not")
    eq([x[0] for x in csv_rows(r.stdout)], ["ana", "cy", "dee", "gil"],
       "--team kept: the rows")
    ok(r.stdout.startswith(first), "the earlier rows unchanged", r.stdout)
    refused(db, ["campaign", "create", "comms-only", "--team", "ops",
                 "--base-url", BASE],
            "linkctl: campaign 'comms-only' is for team 'comms', not 'ops'\n",
            "another team")
    refused(db, ["campaign", "create", "nobody", "--url", url, "--team",
                 "legal", "--base-url", BASE],
            "linkctl: no colleague in team 'legal' (teams are set with "
            "linkctl staff add --team or staff import)\n",
            "a team without colleagues: nothing created")
    eq(camp_list(db), ["comms-only\t4\tenabled\tno\tcomms\t" + url + "\tno"],
       "the refused campaign was not created")
    # A link minted by hand into the campaign counts as the colleague's.
    r = lk(db, "mint", "--staff", "fay", "--url", "https://example.org/f",
           "--campaign", "comms-only")
    code = r.stdout.strip()
    r = lk(db, "campaign", "create", "comms-only", "--base-url", BASE)
    eq([x[0] for x in csv_rows(r.stdout)], ["ana", "cy", "dee", "fay", "gil"],
       "a hand-minted link of the campaign is listed")
    ok("fay,Fay,%s,%s/%s\n" % (code, BASE, code) in r.stdout,
       "with its own code", r.stdout)


def test_utm():
    db = setup("utm")
    url = "https://example.org/p?a=1&utm_source=news&b=%C3%A9#top"
    r = lk(db, "campaign", "create", "Spring 2026", "--url", url, "--utm",
           "--base-url", BASE)
    eq(r.returncode, 0, "--utm: exit 0")
    got = {v[0]: v[2] for v in links(db).values()}
    base = "https://example.org/p?a=1&b=%C3%A9&"
    eq(got, {h: base + TAGS % ("Spring%202026", h) + "#top"
             for h in ("ana", "bo", "cy", "dee")},
       "--utm: tags after the query (utm_source replaced), before the "
       "fragment, values percent-encoded")
    eq(camp_list(db), ["Spring 2026\t4\tenabled\tyes\t\t"
                       "https://example.org/p?a=1&utm_source=news&b=%C3%A9#top"
                       "\tno"],
       "--utm: the campaign keeps the URL as given, and the flag")
    lk(db, "staff", "add", "eve", "--name", "Eve")
    r = lk(db, "campaign", "create", "Spring 2026", "--base-url", BASE)
    got = {v[0]: v[2] for v in links(db).values()}
    eq(got.get("eve"), base + TAGS % ("Spring%202026", "eve") + "#top",
       "--utm kept for a new colleague on the next run")
    r = lk(db, "campaign", "create", "plain", "--url",
           "https://example.org/", "--utm", "--base-url", BASE)
    got = {v[0]: v[2] for v in links(db, "plain").values()}
    eq(got.get("ana"), "https://example.org/?" + TAGS % ("plain", "ana"),
       "--utm on a URL without a query")
    long = "https://example.org/" + "a" * 1980
    refused(db, ["campaign", "create", "long", "--url", long, "--utm",
                 "--base-url", BASE],
            "linkctl: the target with utm tags for 'ana': URL longer than "
            "2048 bytes\n", "--utm past the length limit: refused, nothing minted")


def test_concurrent():
    db = os.path.join(TMP, "concurrent")
    lines = ["handle,name,team,email"] + ["p%02d,Person %d,t,"
                                         % (i, i) for i in range(60)]
    lk(db, "staff", "import", write("many.csv", "\n".join(lines) + "\n"))
    procs = [subprocess.Popen([LINKCTL, "--db", db, "campaign", "create",
                               "rush", "--url", "https://example.org/r",
                               "--base-url", BASE], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for _ in range(6)]
    outs = [p.communicate(timeout=60) + (p.returncode,) for p in procs]
    eq([o[2] for o in outs], [0] * 6, "6 concurrent creates: all exit 0")
    eq(len(set(o[0] for o in outs)), 1, "6 concurrent creates: one CSV")
    news = sorted(int(re.search(r": (\d+) new", o[1]).group(1)) for o in outs)
    eq(news, [0, 0, 0, 0, 0, 60], "one run minted all 60, the others none")
    eq(len(links(db)), 60, "60 links: never a duplicate")


# ------------------------------------------------------------- posts

TEMPLATE = ("Subject: {first_name}, share {campaign} — today\n"
            "\n"
            "Hi {first_name} ({team}),\n"
            "\n"
            "Here is {name}'s link for {campaign}: {link}\n"
            "{{literal braces}}\n"
            "From the comms team\n"
            ">From a quote\n")


def fnv32(b, h=2166136261):
    for c in b:
        h = ((h ^ c) * 16777619) & 0xffffffff
    return h


def test_posts():
    db = setup("posts")
    r = lk(db, "campaign", "create", "spring", "--url",
           "https://example.org/s", "--base-url", BASE)
    codes = {x[0]: x[2] for x in csv_rows(r.stdout)}
    tpl = write("post.txt", TEMPLATE)
    out = os.path.join(TMP, "posts-out")
    r = lk(db, "campaign", "posts", "spring", "--template", tpl, "--out", out,
           "--base-url", BASE)
    eq((r.returncode, r.stdout), (0, ""), "posts --out: exit 0")
    eq(r.stderr, "campaign 'spring': 4 posts written to %s\n" % out,
       "posts --out: how many")
    eq(sorted(os.listdir(out)), ["ana.txt", "bo.txt", "cy.txt", "dee.txt"],
       "one file per colleague")
    people = {"ana": ("Ana Lima", "Ana", "comms"), "bo": ("Bo Ek", "Bo", "ops"),
              "cy": ("José Dupont", "José", "comms"),
              "dee": ("O'Neil, Dee", "Dee", "comms")}   # "Family, Given"

    def body(h):
        name, first, team = people[h]
        return ("Hi %s (%s),\n\nHere is %s's link for spring: %s/%s\n"
                "{literal braces}\nFrom the comms team\n>From a quote\n"
                % (first, team, name, BASE, codes[h]))
    for h in people:
        with open(os.path.join(out, h + ".txt"), "rb") as f:
            eq(f.read(), body(h).encode(), "post of %s, byte for byte" % h)

    box = os.path.join(TMP, "spring.mbox")
    r = lk(db, "campaign", "posts", "spring", "--template", tpl, "--mbox", box,
           "--from", "Comms Team <comms@example.org>", "--base-url", BASE,
           env={"SOURCE_DATE_EPOCH": EPOCH})
    eq(r.returncode, 0, "posts --mbox: exit 0")
    eq(r.stderr, "linkctl: warning: bo has no email: no message for them\n"
       "campaign 'spring': 3 messages written to %s, 1 colleague skipped\n"
       % box, "posts --mbox: colleagues without an email skipped, said")

    def b64(s):
        import base64
        return "=?UTF-8?B?" + base64.b64encode(s.encode()).decode() + "?="
    ids = {"ana": 1, "cy": 3, "dee": 4}
    want = b""
    for h, to, addr in (("ana", "Ana Lima", "ana@example.org"),
                        ("cy", b64("José Dupont"), "jose@example.org"),
                        ("dee", '"O\'Neil, Dee"', "dee@example.org")):
        subject = "%s, share spring — today" % people[h][1]
        text = body(h)
        hsh = fnv32(subject.encode(), fnv32(text.encode()))
        want += ("From comms@example.org Sat Jan  3 12:00:00 2026\n"
                 "From: Comms Team <comms@example.org>\n"
                 "To: %s <%s>\n"
                 "Subject: %s\n"
                 "Date: Sat, 03 Jan 2026 12:00:00 +0000\n"
                 "Message-ID: <20260103120000.1.%d.%08x.redirectd@example.org>\n"
                 "MIME-Version: 1.0\n"
                 "Content-Type: text/plain; charset=utf-8\n"
                 "Content-Transfer-Encoding: 8bit\n"
                 "\n" % (to, addr, b64(subject), ids[h], hsh) +
                 text.replace("\nFrom the", "\n>From the")
                 .replace("\n>From a", "\n>>From a") + "\n").encode()
    with open(box, "rb") as f:
        got = f.read()
    eq(got, want, "the mbox, byte for byte")
    # What a mail reader makes of it.
    msgs = list(mailbox.mbox(box, factory=lambda f: email.message_from_binary_file(
        f, policy=email.policy.default)))
    eq([(str(m["To"]), str(m["Subject"])) for m in msgs],
       [("Ana Lima <ana@example.org>", "Ana, share spring — today"),
        ("José Dupont <jose@example.org>", "José, share spring — today"),
        ('"O\'Neil, Dee" <dee@example.org>', "Dee, share spring — today")],
       "Python's mailbox reads three messages, To and Subject decoded")
    eq(msgs[1].get_content(), body("cy").replace("\nFrom the", "\n>From the")
       .replace("\n>From a", "\n>>From a"),
       "the body as a reader sees it (mboxo readers keep the escapes)")

    r = lk(db, "campaign", "posts", "spring", "--template", tpl, "--mbox", "-",
           "--from", "comms@example.org", "--base-url", BASE,
           env={"SOURCE_DATE_EPOCH": EPOCH})
    ok(r.returncode == 0 and r.stdout.count("\nFrom: comms@example.org\n") == 3,
       "--mbox -: to stdout; a bare --from address", r.stdout[:300])

    # Refusals: nothing written.
    bad = write("bad.txt", "Subject: hi\n\nHi {first_name},\nsee {lnk} now\n")
    out2 = os.path.join(TMP, "posts-bad")
    r = lk(db, "campaign", "posts", "spring", "--template", bad, "--out", out2,
           "--base-url", BASE)
    eq((r.returncode, r.stdout), (1, ""), "unknown placeholder: exit 1")
    eq(r.stderr, "linkctl: %s:4: unknown placeholder {lnk} (known: {name}, "
       "{first_name}, {link}, {campaign}, {team}, {qr}, {visitors}, {clicks}, "
       "{rank}, {ranked}, {team_rank}, {top_platform}, {advice}, "
       "{leaderboard}, {change}, {rank_change}; write {{ and }} for "
       "literal braces)\n" % bad,
       "unknown placeholder: named, with its line")
    ok(not os.path.exists(out2), "unknown placeholder: nothing written")
    brace = write("brace.txt", "Use {{ and }} but not }\n")
    r = lk(db, "campaign", "posts", "spring", "--template", brace, "--out",
           out2, "--base-url", BASE)
    eq(r.stderr, "linkctl: %s:1: a lone '}' (write }} for a literal '}')\n"
       % brace, "a lone }: refused")
    nosub = write("nosub.txt", "Hi {name}\n")
    r = lk(db, "campaign", "posts", "spring", "--template", nosub, "--mbox",
           box + "2", "--from", "c@example.org", "--base-url", BASE)
    eq((r.returncode, r.stderr), (1, "linkctl: %s: an email needs a subject: "
       "start the template with a line 'Subject: ...'\n" % nosub),
       "--mbox without a Subject line: refused")
    ok(not os.path.exists(box + "2"), "and no mbox written")
    for args, name in (([], "neither --out nor --mbox"),
                       (["--out", out2, "--mbox", box], "both"),
                       (["--mbox", box], "--mbox without --from"),
                       (["--mbox", box, "--from", "not an address"],
                        "--from not an address"),
                       (["--out", out2, "--from", "c@example.org"],
                        "--from with --out")):
        r = lk(db, "campaign", "posts", "spring", "--template", tpl,
               "--base-url", BASE, *args)
        eq(r.returncode, 2, "posts, %s: usage error" % name)
    r = lk(db, "campaign", "posts", "nope", "--template", tpl, "--out", out2,
           "--base-url", BASE)
    eq((r.returncode, r.stderr), (1, "linkctl: no campaign 'nope'\n"),
       "posts of no campaign")


# ------------------------------------- list, disable, enable, retarget

def test_list(db):
    r = lk(db, "campaign", "list", "--format", "json")
    eq(r.returncode, 0, "campaign list json: exit 0")
    got = json.loads(r.stdout)
    for c in got:
        ok(ISO.match(c.pop("created")), "json created is an ISO time")
    return got


def test_daemon():
    db = setup("daemon")
    r = lk(db, "campaign", "create", "spring", "--url",
           "https://example.org/a", "--base-url", BASE)
    codes = {x[0]: x[2] for x in csv_rows(r.stdout)}
    lk(db, "mint", "--staff", "ana", "--url", "https://example.org/other")
    other = [c for c, v in links(db).items() if v[1] == ""][0]
    r = lk(db, "campaign", "create", "summer", "--url",
           "https://example.org/b", "--team", "ops", "--base-url", BASE)
    eq(camp_list(db), ["spring\t4\tenabled\tno\t\thttps://example.org/a\tno",
                       "summer\t1\tenabled\tno\tops\thttps://example.org/b\tno"],
       "campaign list (tsv)")
    eq(test_list(db),
       [{"name": "spring", "links": 4, "state": "enabled", "utm": False,
         "team": "", "url": "https://example.org/a", "id": 1,
         "click_id": False},
        {"name": "summer", "links": 1, "state": "enabled", "utm": False,
         "team": "ops", "url": "https://example.org/b", "id": 2,
         "click_id": False}],
       "campaign list (json)")
    empty = os.path.join(TMP, "empty")
    lk(empty, "staff", "add", "x", "--name", "X")
    eq(lk(empty, "campaign", "list").stdout, CAMP_HDR, "no campaigns: header")
    eq(lk(empty, "campaign", "list", "--format", "json").stdout, "[]\n",
       "no campaigns: []")

    logs = os.path.join(TMP, "daemon-log")
    with Daemon(db, logs, threads=2) as d:
        def seen():
            return {h: (lambda r: (r.status, r.header("Location")))(
                d.get("/" + c)) for h, c in codes.items()}
        eq(seen(), {h: (302, "https://example.org/a") for h in codes},
           "the daemon: every link redirects")
        lk(db, "disable", codes["cy"])   # cy's, on its own
        r = lk(db, "campaign", "disable", "spring")
        eq((r.returncode, r.stderr), (0, "campaign 'spring' disabled: 3 links "
           "disabled\n"), "campaign disable: exit 0, how many")
        eq(seen(), {h: (410, None) for h in codes},
           "disabled: every link of the campaign answers 410")
        eq((d.get("/" + other).status), 302, "a link of no campaign still 302")
        eq(camp_list(db)[0], "spring\t4\tdisabled\tno\t\thttps://example.org/a\tno",
           "campaign list: disabled")
        r = lk(db, "campaign", "posts", "spring", "--template",
               write("t.txt", "x\n"), "--out", os.path.join(TMP, "o"),
               "--base-url", BASE)
        eq((r.returncode, r.stderr), (1, "linkctl: campaign 'spring' is "
           "disabled: its links answer 410 or 404 (linkctl campaign enable "
           "'spring' first)\n"), "posts of a disabled campaign: refused")
        lk(db, "staff", "add", "hal", "--name", "Hal")
        r = lk(db, "campaign", "create", "spring", "--base-url", BASE)
        eq(r.stderr, "campaign 'spring': 1 new link, 5 in all (disabled, as "
           "the campaign is)\n", "create in a disabled campaign: says so")
        codes["hal"] = [x[2] for x in csv_rows(r.stdout) if x[0] == "hal"][0]
        eq(d.get("/" + codes["hal"]).status, 410, "and the new link is 410")

        r = lk(db, "campaign", "enable", "spring")
        eq((r.returncode, r.stderr), (0, "campaign 'spring' enabled: 4 links "
           "enabled (links disabled on their own stay disabled)\n"),
           "campaign enable: exit 0, how many")
        want = {h: (302, "https://example.org/a") for h in codes}
        want["cy"] = (410, None)
        eq(seen(), want, "enabled: 302 again, but the link disabled on its "
           "own stays 410")
        lk(db, "enable", codes["cy"])

        r = lk(db, "campaign", "retarget", "spring", "--url",
               "https://example.org/new?x=1#f")
        eq((r.returncode, r.stderr), (0, "campaign 'spring': 5 links "
           "retargeted to https://example.org/new?x=1#f\n"), "retarget")
        eq(seen(), {h: (302, "https://example.org/new?x=1#f") for h in codes},
           "retargeted: the new Location at once")
        r = lk(db, "campaign", "retarget", "spring", "--url",
               "https://example.org/new?x=1#f", "--utm")
        eq(r.stderr, "campaign 'spring': 5 links retargeted to "
           "https://example.org/new?x=1#f (with utm tags)\n", "retarget --utm")
        eq(seen(), {h: (302, "https://example.org/new?x=1&" +
                        TAGS % ("spring", h) + "#f") for h in codes},
           "retarget --utm: each colleague's own utm_content")
        r = lk(db, "campaign", "retarget", "spring", "--url",
               "https://example.org/third")
        eq(seen(), {h: (302, "https://example.org/third?" +
                        TAGS % ("spring", h)) for h in codes},
           "retarget keeps the campaign's --utm")
        r = lk(db, "campaign", "retarget", "spring", "--url",
               "https://example.org/third", "--no-utm")
        eq(seen(), {h: (302, "https://example.org/third") for h in codes},
           "retarget --no-utm drops the tags")
        eq(camp_list(db)[0], "spring\t5\tenabled\tno\t\thttps://example.org/third\tno",
           "campaign list after retarget")
        eq(d.get("/" + other).header("Location"), "https://example.org/other",
           "a link of no campaign untouched")
        conf = write("daemon.conf", "base_url = %s\n" % BASE)
        refused(db, ["-c", conf, "campaign", "retarget", "spring", "--url",
                     BASE + "/abc"], "linkctl: invalid URL: URL points at our "
                "own short domain (a loop)\n", "retarget to a short host")
        r = lk(db, "--short-host", "go.example.org", "campaign", "retarget",
               "spring", "--url", "https://go.example.org/abc")
        eq(r.returncode, 1, "retarget: --short-host applies")
        refused(db, ["campaign", "disable", "nope"],
                "linkctl: no campaign 'nope'\n", "disable of no campaign")


# ------------------------------------------------------------ click ids

def click_ids(db, campaign=None):
    """{code: click_id column of linkctl list} (yes or no)."""
    r = lk(db, "list", *(["--campaign", campaign] if campaign else []))
    return {f[0]: f[7] for f in (line.split("\t") for line in
                                 r.stdout.splitlines()[1:])}


def test_click_id():
    db = setup("clickid")
    r = lk(db, "campaign", "create", "spring", "--url",
           "https://example.org/s", "--click-id", "--base-url", BASE)
    eq((r.returncode, r.stderr), (0, "campaign 'spring': 4 new links, 4 in "
       "all\n"), "create --click-id: exit 0")
    eq(sorted(click_ids(db, "spring").values()), ["yes"] * 4,
       "create --click-id: every link has click ids")
    eq(camp_list(db), ["spring\t4\tenabled\tno\t\thttps://example.org/s"
                       "\tyes"], "campaign list: click_id yes")
    got = test_list(db)
    eq([(c["name"], c["click_id"]) for c in got], [("spring", True)],
       "campaign list json: click_id true")

    # Links added later inherit it: create again, mint --campaign, import.
    lk(db, "staff", "add", "eve", "--name", "Eve")
    r = lk(db, "campaign", "create", "spring", "--base-url", BASE)
    eve = [x[2] for x in csv_rows(r.stdout) if x[0] == "eve"]
    eq(eve and click_ids(db)[eve[0]], "yes",
       "a colleague added later: create's new link inherits click ids")
    r = lk(db, "mint", "--staff", "bo", "--url", "https://example.org/m",
           "--campaign", "spring", "--code", "minted")
    eq((r.returncode, click_ids(db).get("minted")), (0, "yes"),
       "mint --campaign: the link inherits click ids")
    lk(db, "mint", "--staff", "bo", "--url", "https://example.org/m",
       "--code", "alone")
    r = lk(db, "import", write("clickid.tsv",
                               "imp-1\tana\tspring\thttps://example.org/i\n"
                               "imp-2\tana\t\thttps://example.org/i\n"
                               "imp-3\tana\tautumn\thttps://example.org/i\n"
                               "imp-4\tbo\tspring\thttps://example.org/i\n"))
    eq(r.returncode, 0, "import: exit 0")
    ids = click_ids(db)
    eq([ids.get(c) for c in ("alone", "imp-1", "imp-2", "imp-3", "imp-4")],
       ["no", "yes", "no", "no", "yes"],
       "import and mint: links of the campaign inherit, others do not")

    # A campaign made without: create --click-id refused; a URL-less one
    # (made by import: autumn) takes it, with its older link.
    lk(db, "campaign", "create", "plain", "--url", "https://example.org/p",
       "--base-url", BASE)
    refused(db, ["campaign", "create", "plain", "--click-id", "--base-url",
                 BASE], "linkctl: campaign 'plain' has no click ids (to turn "
            "them on for all its links: linkctl campaign click-id 'plain' "
            "on)\n", "create --click-id of a campaign made without")
    r = lk(db, "campaign", "create", "autumn", "--url",
           "https://example.org/a", "--click-id", "--base-url", BASE)
    eq((r.returncode, r.stderr), (0, "campaign 'autumn': 4 new links, 5 in "
       "all\ncampaign 'autumn': click ids on for its 1 older link too\n"),
       "create --click-id of a URL-less campaign: its older link too")
    eq(sorted(click_ids(db, "autumn").values()), ["yes"] * 5,
       "... all five links of autumn (ana's imported one too) have click "
       "ids")

    # One link of such a campaign cannot leave it; one of another can.
    refused(db, ["click-id", "minted", "off"], "linkctl: link 'minted' is in "
            "campaign 'spring', which has click ids on all its links (linkctl "
            "campaign click-id 'spring' off)\n",
            "click-id CODE off in a campaign with click ids")
    r = lk(db, "click-id", "minted", "on")
    eq((r.returncode, r.stderr), (0, "link 'minted': click ids on (already "
       "so)\n"), "click-id CODE on in such a campaign: already so")

    # campaign click-id off, then on: the campaign and all its links.
    spring = sorted(click_ids(db, "spring"))
    eq(len(spring), 8, "spring has 8 links")
    r = lk(db, "campaign", "click-id", "spring", "off")
    eq((r.returncode, r.stdout, r.stderr), (0, "", "campaign 'spring': click "
       "ids off (were on): 8 links changed, 0 already so\n"),
       "campaign click-id off: exit 0, what changed")
    eq(sorted(click_ids(db, "spring").values()), ["no"] * 8,
       "campaign click-id off: no link of it has click ids")
    eq(camp_list(db)[-1].rsplit("\t", 1)[1], "no",
       "campaign list: click_id no")
    eq([ids[c] for c, ids in ((c, click_ids(db)) for c in
                              ("imp-2", "imp-3", "alone"))],
       ["no", "yes", "no"], "campaign click-id off: other links untouched")
    r = lk(db, "mint", "--staff", "bo", "--url", "https://example.org/m",
           "--campaign", "spring", "--code", "after-off")
    eq(click_ids(db).get("after-off"), "no",
       "a link minted after off inherits nothing")
    r = lk(db, "campaign", "click-id", "spring", "off")
    eq(r.stderr, "campaign 'spring': click ids off (already so): 0 links "
       "changed, 9 already so\n", "campaign click-id off again: already so")
    lk(db, "click-id", "minted", "on")
    r = lk(db, "campaign", "click-id", "spring", "on")
    eq((r.returncode, r.stderr), (0, "campaign 'spring': click ids on (were "
       "off): 8 links changed, 1 already so\n"),
       "campaign click-id on: counts the link that had them on its own")
    eq(sorted(click_ids(db, "spring").values()), ["yes"] * 9,
       "campaign click-id on: every link of it")

    # disable, enable and retarget keep the click ids.
    lk(db, "disable", "imp-1")
    eq(lk(db, "campaign", "disable", "spring").returncode, 0,
       "campaign disable")
    eq({(v[4], click_ids(db)[c]) for c, v in links(db, "spring").items()},
       {("disabled", "yes")}, "campaign disable keeps the click ids")
    # Links added to a disabled campaign start disabled with it, whichever
    # way they come (mint --campaign and import gave live links before).
    r = lk(db, "mint", "--staff", "bo", "--url", "https://example.org/late",
           "--campaign", "spring", "--code", "late-1")
    eq(r.returncode, 0, "mint --campaign into the disabled campaign")
    r = lk(db, "import", write("late.tsv", "late-2\tbo\tspring\t"
                                "https://example.org/late2\n"))
    eq(r.returncode, 0, "import into the disabled campaign")
    eq({c: (links(db)[c][4], click_ids(db)[c]) for c in ("late-1", "late-2")},
       {"late-1": ("disabled", "yes"), "late-2": ("disabled", "yes")},
       "they start disabled, with the campaign's click ids")
    eq(lk(db, "campaign", "enable", "spring").returncode, 0, "campaign enable")
    eq({c: links(db)[c][4] for c in ("late-1", "late-2")},
       {"late-1": "enabled", "late-2": "enabled"},
       "campaign enable gives them back with the rest")
    eq((lk(db, "disable", "late-1").returncode,
        lk(db, "disable", "late-2").returncode), (0, 0),
       "the two late links disabled on their own")
    eq({(c == "imp-1", v[4], click_ids(db)[c])
        for c, v in links(db, "spring").items() if not c.startswith("late-")},
       {(False, "enabled", "yes"), (True, "disabled", "yes")},
       "campaign enable keeps them (and the link disabled on its own)")
    lk(db, "enable", "imp-1")
    eq(lk(db, "campaign", "retarget", "spring", "--url",
          "https://example.org/s2").returncode, 0, "retarget")
    eq(sorted(click_ids(db, "spring").values()), ["yes"] * 11,
       "retarget keeps the click ids")
    r = lk(db, "verify")
    eq((r.returncode, "whole" in r.stderr), (0, True),
       "verify: a store with click ids is whole")

    refused(db, ["campaign", "click-id", "nope", "on"],
            "linkctl: no campaign 'nope'\n", "campaign click-id of no campaign")
    for args in (["campaign", "click-id"], ["campaign", "click-id", "spring"],
                 ["campaign", "click-id", "spring", "On"],
                 ["campaign", "click-id", "spring", "on", "x"]):
        r = lk(db, *args)
        ok(r.returncode == 2 and r.stderr.startswith("linkctl: campaign "
           "click-id: ") and r.stdout == "", "usage error: %s"
           % " ".join(args[1:]), r.stderr)

    # Through the daemon: the flags land where it reads them.
    logs = os.path.join(TMP, "clickid-log")
    code = [c for c, v in links(db, "spring").items() if v[0] == "ana"][0]
    with Daemon(db, logs, threads=2) as d:
        def loc(c):
            r = d.get("/" + c)
            return r.status, r.header("Location")
        st, l1 = loc(code)
        st2, l2 = loc(code)
        ok(st == st2 == 302 and re.fullmatch(
            r"https://example\.org/s2\?rd_click=[A-Za-z0-9_-]{16}", l1 or "")
           and l1 != l2, "the daemon: a link of the campaign redirects with "
           "a new rd_click each time", (st, l1, l2))
        eq(loc("alone"), (302, "https://example.org/m"),
           "the daemon: a link without click ids as before")
        lk(db, "campaign", "click-id", "spring", "off")
        eq(loc(code), (302, "https://example.org/s2"),
           "the daemon: campaign click-id off, without a restart")
        lk(db, "click-id", "alone", "on")
        st, l1 = loc("alone")
        ok(st == 302 and re.fullmatch(
            r"https://example\.org/m\?rd_click=[A-Za-z0-9_-]{16}", l1 or ""),
           "the daemon: click-id CODE on", (st, l1))


def test_usage():
    db = setup("usage")
    for args in (["campaign"], ["campaign", "frob"],
                 ["campaign", "create", "--base-url", BASE],
                 ["campaign", "list", "x"], ["campaign", "list", "--format",
                                              "xml"],
                 ["campaign", "disable"], ["campaign", "retarget", "x"],
                 ["campaign", "retarget", "x", "--url", "https://e.org/",
                  "--utm", "--no-utm"],
                 ["campaign", "create", "x", "--bogus"]):
        r = lk(db, *args)
        ok(r.returncode == 2 and r.stderr.startswith("linkctl: ") and
           r.stdout == "", "usage error: %s" % " ".join(args[1:]), r.stderr)
    r = lk(None, "--help")
    for s in ("campaign create", "campaign posts", "campaign list",
              "campaign disable", "campaign enable", "campaign retarget",
              "--base-url", "--utm"):
        ok(s in r.stdout, "--help lists " + s)
    eq(lk(None, "campaign", "create", "--help").returncode, 0,
       "campaign create --help exits 0")


test_usage()
test_create()
test_team()
test_utm()
test_concurrent()
test_posts()
test_daemon()
test_click_id()
tap.done()
