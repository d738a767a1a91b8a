#!/usr/bin/env python3
"""Integration tests of linkctl: the real program against stores in
temporary directories.  Every command's output is compared exactly (the
command line is public: scripts parse it), and every refusal must exit 1
with a message and leave the store as it was."""
import calendar
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402
from tap import eq, ok  # noqa: E402

LINKCTL = tap.LINKCTL
CODE_RULE = "linkctl: invalid code: 1-64 characters of A-Z a-z 0-9 _ -\n"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
LIST_HDR = "code\tstaff\tcampaign\turl\tstatus\tstate\tcreated\tclick_id\n"
STAFF_HDR = "handle\tname\tteam\temail\tmail\n"

TMP = tap.tempdir("linkctl-test-")


def lk(db, *args, input=None, env=None):
    """Run linkctl --db db ARGS; db None: no --db."""
    argv = [LINKCTL] + (["--db", db] if db is not None else []) + list(args)
    e = dict(os.environ)
    e.pop("REDIRECTD_DB", None)
    e.pop("LINKCTL_TEST_MAPSIZE", None)
    if env:
        e.update(env)
    return subprocess.run(argv, input=input, capture_output=True, text=True,
                          timeout=120, env=e)


def newdb(name):
    return os.path.join(TMP, name)


def state(db):
    """Everything a refused command must leave alone: both listings and
    the bytes of data.mdb."""
    links = lk(db, "list")
    staff = lk(db, "staff list")
    camp = lk(db, "list", "--format", "json")
    data = os.path.join(db, "data.mdb")
    digest = None
    if os.path.exists(data):
        with open(data, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
    return (links.returncode, links.stdout, staff.returncode, staff.stdout,
            camp.stdout, digest)


def refused(db, args, msg, name, input=None, exact=True):
    """args must exit 1 with msg (exact, or a prefix) and change nothing."""
    before = state(db)
    r = lk(db, *args, input=input)
    eq(r.returncode, 1, name + ": exit 1")
    if exact:
        eq(r.stderr, msg, name + ": message")
    else:
        ok(r.stderr.startswith(msg) and r.stderr.endswith("\n")
           and r.stderr.count("\n") == 1, name + ": message",
           "got:  %r\nwant: %r..." % (r.stderr, msg))
    eq(r.stdout, "", name + ": nothing on stdout")
    eq(state(db), before, name + ": store unchanged")
    return r


def usage(db, args, name):
    r = lk(db, *args)
    eq(r.returncode, 2, name + ": usage error exits 2")
    ok(r.stderr.startswith("linkctl: ") and r.stderr.endswith("\n"),
       name + ": message on stderr", r.stderr)
    return r


def rows(db, *args):
    """list as (rows of the columns before created, created values); the
    click_id column after it is click_ids'."""
    r = lk(db, "list", *args)
    if r.returncode != 0 or not r.stdout.startswith(LIST_HDR):
        return None, None
    out, created = [], []
    for line in r.stdout[len(LIST_HDR):].splitlines():
        f = line.split("\t")
        created.append(f[6])
        out.append("\t".join(f[:6]))
    return out, created


def click_ids(db, *args):
    """{code: click_id column} from list (yes or no)."""
    r = lk(db, "list", *args)
    if r.returncode != 0 or not r.stdout.startswith(LIST_HDR):
        return None
    return {f[0]: f[7] for f in (line.split("\t") for line in
                                 r.stdout[len(LIST_HDR):].splitlines())}


def write(name, text, mode="w"):
    path = os.path.join(TMP, name)
    with open(path, mode, newline="") as f:
        f.write(text)
    return path


def project_version():
    try:
        with open(os.path.join(tap.SRC, "meson.build")) as f:
            m = re.search(r"version\s*:\s*'([^']+)'", f.read())
            return m.group(1) if m else None
    except OSError:
        return None


# ------------------------------------------------------------ basics

def test_help_version():
    r = lk(None, "--help")
    eq(r.returncode, 0, "--help exits 0")
    ok(r.stdout.startswith("usage: linkctl"), "--help prints the usage",
       r.stdout)
    for cmd in ("staff add", "staff import", "staff list", "staff set",
                "--no-mail", "mint", "import",
                "list", "disable", "enable", "--db", "--version"):
        ok(cmd in r.stdout, "--help lists " + cmd)
    eq(r.stderr, "", "--help: nothing on stderr")
    eq(lk(None, "mint", "--help").returncode, 0, "mint --help exits 0")
    eq(lk(None, "staff", "add", "--help").returncode, 0,
       "staff add --help exits 0")
    r = lk(None, "--version")
    eq(r.returncode, 0, "--version exits 0")
    v = project_version() or "0.1.0"
    eq(r.stdout, "linkctl %s\n" % v, "--version prints linkctl VERSION")


def test_usage():
    db = newdb("usage")
    usage(db, [], "no command")
    usage(db, ["frob"], "unknown command")
    usage(db, ["list", "--bogus"], "unknown option")
    usage(db, ["list", "--format", "xml"], "list --format xml")
    usage(db, ["list", "extra"], "list with an argument")
    usage(db, ["list", "--staff"], "option without its value")
    usage(db, ["staff"], "staff without a subcommand")
    usage(db, ["staff", "fire", "x"], "unknown staff subcommand")
    usage(db, ["staff", "add", "x"], "staff add without --name")
    usage(db, ["staff", "add", "--name", "X"], "staff add without a handle")
    usage(db, ["staff", "add", "x", "y", "--name", "X"], "two handles")
    usage(db, ["staff", "list", "--format", "csv"], "staff list --format csv")
    usage(db, ["staff", "import"], "staff import without a file")
    usage(db, ["mint", "--url", "https://example.org/"], "mint without --staff")
    usage(db, ["mint", "--staff", "a"], "mint without --url")
    usage(db, ["mint", "--staff", "a", "--url", "https://example.org/",
               "--status", "404"], "mint --status 404")
    usage(db, ["mint", "--staff", "a", "--url", "https://example.org/", "x"],
          "mint with a stray argument")
    usage(db, ["import", "a", "b"], "import with two files")
    usage(db, ["disable"], "disable without a code")
    usage(db, ["enable", "a", "b"], "enable with two codes")
    usage(None, ["--db"], "--db without a value")
    ok(not os.path.exists(db), "usage errors create no store")


def test_missing_store():
    db = newdb("missing")
    r = lk(db, "list")
    eq(r.returncode, 1, "list of a missing store exits 1")
    eq(r.stderr, "linkctl: no store at %s\n" % db, "no store message")
    r = lk(db, "staff", "list")
    eq(r.returncode, 1, "staff list of a missing store exits 1")
    eq(r.stderr, "linkctl: no store at %s\n" % db, "staff list: no store")
    ok(not os.path.exists(db), "read commands do not create the store")
    os.mkdir(db)
    r = lk(db, "list")
    eq(r.stderr, "linkctl: no store at %s\n" % db, "empty dir: no store")
    eq(os.listdir(db), [], "read command leaves an empty dir empty")
    os.rmdir(db)
    # The environment variable names the default store.
    r = lk(None, "staff", "add", "envy", "--name", "Env",
           env={"REDIRECTD_DB": db})
    eq(r.returncode, 0, "REDIRECTD_DB: staff add")
    ok(os.path.exists(os.path.join(db, "data.mdb")),
       "REDIRECTD_DB: a write command creates the store there")
    eq(lk(db, "staff", "list").stdout, STAFF_HDR + "envy\tEnv\t\t\tyes\n",
       "REDIRECTD_DB: the colleague is in that store")
    r = lk(None, "staff", "list", env={"REDIRECTD_DB": db})
    eq(r.stdout, STAFF_HDR + "envy\tEnv\t\t\tyes\n", "REDIRECTD_DB read")
    r = lk(os.path.join(TMP, "no", "such", "parent"), "staff", "add", "x",
           "--name", "X")
    eq(r.returncode, 1, "store under a missing parent: exit 1")
    ok(r.stderr.startswith("linkctl: store_open "), "names store_open",
       r.stderr)


# ------------------------------------------------------------ staff

def test_staff(db):
    r = lk(db, "staff", "add", "Alice", "--name", "Alice Liddell",
           "--team", "Growth", "--email", "alice@example.org")
    eq((r.returncode, r.stdout, r.stderr), (0, "", ""),
       "staff add: exit 0, prints nothing")
    # Options before the handle, --db after the command.
    r = lk(None, "staff", "add", "--name", "Bob Builder", "bob", "--db", db)
    eq(r.returncode, 0, "staff add with options first and --db last")
    r = lk(db, "staff", "add", "z" * 64, "--name", "N" * 200)
    eq(r.returncode, 0, "64-character handle and 200-byte name accepted")
    r = lk(db, "staff", "add", "0.x_y-z", "--name", "Zoë Ünal",
           "--team", "", "--email", "")
    eq(r.returncode, 0, "handle with . _ - and a UTF-8 name")

    want = (STAFF_HDR +
            "0.x_y-z\tZoë Ünal\t\t\tyes\n"
            "alice\tAlice Liddell\tGrowth\talice@example.org\tyes\n"
            "bob\tBob Builder\t\t\tyes\n" +
            "z" * 64 + "\t" + "N" * 200 + "\t\t\tyes\n")
    r = lk(db, "staff", "list")
    eq((r.returncode, r.stdout), (0, want), "staff list tsv, sorted by handle")
    eq(lk(db, "staff", "list", "--format", "tsv").stdout, want,
       "--format tsv is the default")
    r = lk(db, "staff", "list", "--format", "json")
    eq(r.returncode, 0, "staff list json exit 0")
    try:
        got = json.loads(r.stdout)
    except ValueError as e:
        got = str(e)
    eq(got, [
        {"handle": "0.x_y-z", "name": "Zoë Ünal", "team": "", "email": "",
         "id": 4, "mail": True},
        {"handle": "alice", "name": "Alice Liddell", "team": "Growth",
         "email": "alice@example.org", "id": 1, "mail": True},
        {"handle": "bob", "name": "Bob Builder", "team": "", "email": "",
         "id": 2, "mail": True},
        {"handle": "z" * 64, "name": "N" * 200, "team": "", "email": "",
         "id": 3, "mail": True},
    ], "staff list json")
    ok(r.stdout.startswith("[\n{\"handle\":\"0.x_y-z\",") and
       r.stdout.endswith("}\n]\n"), "staff list json layout", r.stdout)

    refused(db, ["staff", "add", "alice", "--name", "Other"],
            "linkctl: staff 'alice' already exists\n", "duplicate handle")
    refused(db, ["staff", "add", "ALICE", "--name", "Other"],
            "linkctl: staff 'alice' already exists\n",
            "duplicate handle in upper case")
    for h, what in (("-x", "leading dash"), (".x", "leading dot"),
                    ("a b", "space"), ("a/b", "slash"), ("z" * 65, "65 chars"),
                    ("", "empty"), ("ü", "non-ASCII"), ("a@b", "at")):
        refused(db, ["staff", "add", "--name", "X", "--", h],
                "linkctl: invalid handle '", "invalid handle: " + what,
                exact=False)
    name_msg = ("linkctl: invalid name: 1-200 bytes of UTF-8 text, "
                "no control characters\n")
    refused(db, ["staff", "add", "carol", "--name", ""], name_msg, "empty name")
    refused(db, ["staff", "add", "carol", "--name", "N" * 201], name_msg,
            "201-byte name")
    refused(db, ["staff", "add", "carol", "--name", "a\tb"], name_msg,
            "name with a tab")
    refused(db, ["staff", "add", "carol", "--name", "a\x1b[31m"], name_msg,
            "name with an escape")
    refused(db, ["staff", "add", "carol", "--name", "C", "--team", "a\nb"],
            "linkctl: invalid team: at most 200 bytes of UTF-8 text, "
            "no control characters\n", "team with a newline")
    email_msg = ("linkctl: invalid email: one '@' with text on both sides, "
                 "no spaces or control characters\n")
    for e in ("nobody", "a@b@c", "@example.org", "carol@", "a b@c.d",
              "a@b\n"):
        refused(db, ["staff", "add", "carol", "--name", "C", "--email", e],
                email_msg, "email %r" % e)


def test_staff_import(db):
    csv = ('\ufeffhandle,name,team,email\r\n'
           'Carol,"Carol, the ""Great""",Ops,carol@example.org\r\n'
           '\r\n'
           'dave,Dave,"Sales, EMEA",\r\n'
           'erin,"Erin",,"erin@example.org"\r\n')
    path = write("staff.csv", csv)
    r = lk(db, "staff", "import", path)
    eq((r.returncode, r.stdout, r.stderr),
       (0, "", "imported 3 colleagues\n"), "staff import CSV")
    got = lk(db, "staff", "list").stdout.splitlines()
    ok("carol\tCarol, the \"Great\"\tOps\tcarol@example.org\tyes" in got,
       "quoted comma and doubled quotes unescaped, handle folded", got)
    ok("dave\tDave\tSales, EMEA\t\tyes" in got, "quoted comma in team", got)
    ok("erin\tErin\t\terin@example.org\tyes" in got, "quoted email", got)
    r = lk(db, "staff", "import", "-",
           input="handle,name,team,email\nfrank,Frank,,\n")
    eq((r.returncode, r.stderr), (0, "imported 1 colleagues\n"),
       "staff import from stdin, LF line ends, no BOM")
    r = lk(db, "staff", "import", "-", input="handle,name,team,email\n")
    eq((r.returncode, r.stderr), (0, "imported 0 colleagues\n"),
       "header only: nothing imported")

    def bad(text, msg, name):
        p = write("bad.csv", text)
        refused(db, ["staff", "import", p],
                "linkctl: %s:%s\n" % (p, msg), "staff import: " + name)

    bad("handle,name,team\nx,y,z\n",
        "1: expected the header 'handle,name,team,email' or "
        "'handle,name,team,email,mail', found 'handle,name,team'",
        "wrong header")
    bad("gina,Gina,,\n",
        "1: expected the header 'handle,name,team,email' or "
        "'handle,name,team,email,mail', found 'gina,Gina,,'",
        "no header")
    bad("", "1: expected the header 'handle,name,team,email' or "
        "'handle,name,team,email,mail', found ''",
        "empty file")
    bad("handle,name,team,email\ngina,Gina,,\nhank,Hank,,\ngina,G2,,\n",
        "4: staff 'gina' repeats line 2", "handle repeated in the file")
    bad("handle,name,team,email\ngina,Gina,,\nHANK,Hank,,\nhank,H,,\n",
        "4: staff 'hank' repeats line 3", "repeat after case folding")
    bad("handle,name,team,email\ngina,Gina,,\nalice,A,,\n",
        "3: staff 'alice' already exists", "handle already in the store")
    bad("handle,name,team,email\ngina,Gina,,\nhank,Hank,Ops\n",
        "3: expected 4 fields (handle,name,team,email), found 3",
        "three fields")
    bad("handle,name,team,email\ngina,Gina,,,\n",
        "2: expected 4 fields (handle,name,team,email), found 5",
        "five fields")
    bad("handle,name,team,email\ngina,\"Gina,,\n",
        "2: unterminated quoted field", "unterminated quote")
    bad("handle,name,team,email\ngina,\"Gi\"na,,\n",
        "2: text after a closing quote", "text after a closing quote")
    bad("handle,name,team,email\ngina,Gi\"na,,\n",
        "2: '\"' inside an unquoted field (quote the field and double the '\"')",
        "quote inside an unquoted field")
    bad("handle,name,team,email\ngina,\"Gina\nLine\",,\nhank,,,\n",
        "2: invalid name: 1-200 bytes of UTF-8 text, no control characters",
        "newline inside a quoted name")
    bad("handle,name,team,email\ngina,\"Gina\nLine2\",,\n\nhank,Hank,,x\n",
        "2: invalid name: 1-200 bytes of UTF-8 text, no control characters",
        "first error wins")
    bad("handle,name,team,email\nok1,A,,\n\"x\ny\",B,,\nhank,,,\n",
        "3: invalid handle 'x?y': 1-64 characters of a-z 0-9 . _ -, "
        "starting with a letter or digit", "bad handle, shown safely")
    bad("handle,name,team,email\ngina,Gina,,\n\"multi\nline\",N,,\n"
        "hank,,,\n", "3: invalid handle 'multi?line': 1-64 characters of "
        "a-z 0-9 . _ -, starting with a letter or digit",
        "line of a record with a quoted line break")
    bad("handle,name,team,email\ngina,Gina,,\n\"a,b\",N,,\n\nhank,,,\n",
        "3: invalid handle 'a,b': 1-64 characters of a-z 0-9 . _ -, "
        "starting with a letter or digit", "comma in a quoted handle")
    bad("handle,name,team,email\ngina,Gina,,nope\n",
        "2: invalid email: one '@' with text on both sides, no spaces or "
        "control characters", "bad email")
    bad("handle,name,team,email\ngina,Gina,,\nhank,,,\n",
        "3: invalid name: 1-200 bytes of UTF-8 text, no control characters",
        "empty name")
    refused(db, ["staff", "import", "-"],
            "linkctl: stdin:2: invalid name: 1-200 bytes of UTF-8 text, "
            "no control characters\n", "stdin is named 'stdin'",
            input="handle,name,team,email\ngina,,,\n")
    missing = os.path.join(TMP, "nonexistent.csv")
    refused(db, ["staff", "import", missing],
            "linkctl: open %s: No such file or directory\n" % missing,
            "missing file")
    ok("gina" not in lk(db, "staff", "list").stdout,
       "no refused import added anyone")


# ------------------------------------------------------------ mail opt-out

def staff_json(db):
    """staff list --format json as {handle: row}."""
    r = lk(db, "staff", "list", "--format", "json")
    try:
        return {row["handle"]: row for row in json.loads(r.stdout)}
    except (ValueError, KeyError, TypeError):
        return r.stdout


def test_staff_set():
    db = newdb("mail")
    lk(db, "staff", "add", "ana", "--name", "Ana Lima", "--team", "comms",
       "--email", "ana@example.org")
    r = lk(db, "staff", "add", "bo", "--name", "Bo", "--no-mail")
    eq((r.returncode, r.stdout, r.stderr), (0, "", ""),
       "staff add --no-mail: exit 0, prints nothing")
    code = lk(db, "mint", "--staff", "ana", "--url",
              "https://example.org/a").stdout.strip()
    eq(lk(db, "staff", "list").stdout,
       STAFF_HDR + "ana\tAna Lima\tcomms\tana@example.org\tyes\n"
       "bo\tBo\t\t\tno\n", "staff list: mail yes, and no after --no-mail")
    eq(staff_json(db), {
        "ana": {"handle": "ana", "name": "Ana Lima", "team": "comms",
                "email": "ana@example.org", "id": 1, "mail": True},
        "bo": {"handle": "bo", "name": "Bo", "team": "", "email": "",
               "id": 2, "mail": False},
    }, "staff list json: mail true / false")

    r = lk(db, "staff", "set", "ANA", "--no-mail")
    eq((r.returncode, r.stdout, r.stderr),
       (0, "", "staff 'ana': mail yes -> no\n"), "staff set --no-mail")
    eq(lk(db, "staff", "list").stdout.splitlines()[1],
       "ana\tAna Lima\tcomms\tana@example.org\tno", "listed with mail no")
    eq(staff_json(db).get("ana", {}).get("mail"), False, "json: mail false")
    before = state(db)
    r = lk(db, "staff", "set", "ana", "--no-mail")
    eq((r.returncode, r.stderr),
       (0, "staff 'ana': nothing changed (already so)\n"),
       "staff set --no-mail again: nothing changed")
    eq(state(db), before, "nothing changed: the store as it was")
    r = lk(db, "staff", "set", "--mail", "ana")
    eq((r.returncode, r.stderr), (0, "staff 'ana': mail no -> yes\n"),
       "staff set --mail (option before the handle)")
    eq(staff_json(db).get("ana", {}).get("mail"), True, "json: mail true again")
    r = lk(db, "staff", "set", "bo", "--mail", "--team", "ops",
           "--email", "bo@example.org", "--name", "Bo Ek")
    eq((r.returncode, r.stderr),
       (0, "staff 'bo': name 'Bo' -> 'Bo Ek', team '' -> 'ops', "
        "email '' -> 'bo@example.org', mail no -> yes\n"),
       "staff set: every field at once, in one line")
    r = lk(db, "staff", "set", "bo", "--email", "", "--team", "", "--no-mail")
    eq((r.returncode, r.stderr),
       (0, "staff 'bo': team 'ops' -> '', email 'bo@example.org' -> '', "
        "mail yes -> no\n"), "staff set --email '' --team '': cleared")
    eq(staff_json(db).get("bo"),
       {"handle": "bo", "name": "Bo Ek", "team": "", "email": "", "id": 2,
        "mail": False}, "bo: id kept, name set, team and email cleared")
    got, _ = rows(db, "--staff", "ana")
    eq(got, [code + "\tana\t\thttps://example.org/a\t302\tenabled"],
       "ana's link is still hers")

    refused(db, ["staff", "set", "zed", "--no-mail"],
            "linkctl: no colleague 'zed' (add one with: linkctl staff add)\n",
            "staff set: unknown handle")
    refused(db, ["staff", "set", "a b", "--mail"],
            "linkctl: no colleague 'a b' (add one with: linkctl staff add)\n",
            "staff set: a handle nobody can have")
    refused(db, ["staff", "set", "ana", "--name", ""],
            "linkctl: invalid name: 1-200 bytes of UTF-8 text, "
            "no control characters\n", "staff set: empty name")
    refused(db, ["staff", "set", "ana", "--email", "nobody"],
            "linkctl: invalid email: one '@' with text on both sides, "
            "no spaces or control characters\n", "staff set: bad email")
    refused(db, ["staff", "set", "ana", "--team", "a\nb", "--no-mail"],
            "linkctl: invalid team: at most 200 bytes of UTF-8 text, "
            "no control characters\n",
            "staff set: a bad team refuses the whole change")
    before = state(db)
    r = usage(db, ["staff", "set", "ana"], "staff set without a change")
    eq(r.stderr, "linkctl: staff set: nothing to change (--mail, --no-mail, "
       "--name, --team or --email) (see linkctl --help)\n",
       "staff set without a change: message")
    usage(db, ["staff", "set", "ana", "--mail", "--no-mail"],
          "staff set --mail --no-mail")
    usage(db, ["staff", "set", "--no-mail"], "staff set without a handle")
    usage(db, ["staff", "set", "ana", "bo", "--no-mail"],
          "staff set with two handles")
    usage(db, ["staff", "set", "ana", "--mail=yes"], "--mail takes no value")
    usage(db, ["staff", "add", "cy", "--name", "Cy", "--mail"],
          "staff add takes --no-mail only")
    eq(state(db), before, "usage errors change nothing")


def test_staff_import_mail():
    db = newdb("mailimport")
    csv = ("handle,name,team,email,mail\r\n"
           "a1,A1,,a1@example.org,yes\r\n"
           "a2,A2,,,NO\r\n"
           "a3,A3,,,\r\n"
           "a4,A4,,,0\r\n"
           "a5,A5,,,1\r\n"
           "a6,A6,,,False\r\n"
           "a7,A7,,,TRUE\r\n"
           "a8,A8,,,\"no\"\r\n")
    r = lk(db, "staff", "import", write("mail.csv", csv))
    eq((r.returncode, r.stderr), (0, "imported 8 colleagues\n"),
       "staff import with a mail column")
    eq(lk(db, "staff", "list").stdout, STAFF_HDR +
       "a1\tA1\t\ta1@example.org\tyes\n" "a2\tA2\t\t\tno\n"
       "a3\tA3\t\t\tyes\n" "a4\tA4\t\t\tno\n" "a5\tA5\t\t\tyes\n"
       "a6\tA6\t\t\tno\n" "a7\tA7\t\t\tyes\n" "a8\tA8\t\t\tno\n",
       "mail: yes/no, 1/0, true/false in any case, quoted; empty is yes")
    r = lk(db, "staff", "import", "-",
           input="handle,name,team,email\nb1,B1,,\n")
    eq(r.returncode, 0, "a file without the mail column still imports")
    eq(staff_json(db).get("b1", {}).get("mail"), True,
       "without the column: mail yes")

    def bad(text, msg, name):
        p = write("badmail.csv", text)
        refused(db, ["staff", "import", p],
                "linkctl: %s:%s\n" % (p, msg), "staff import: " + name)

    rule = "yes or no (or 1 or 0, true or false; empty: yes)"
    bad("handle,name,team,email,mail\nc1,C1,,,yes\nc2,C2,,,maybe\n",
        "3: invalid mail 'maybe': " + rule, "a bad mail value")
    bad("handle,name,team,email,mail\nc1,C1,,,y\n",
        "2: invalid mail 'y': " + rule, "mail 'y'")
    bad("handle,name,team,email,mail\nc1,C1,,, no\n",
        "2: invalid mail ' no': " + rule, "mail with a space")
    bad("handle,name,team,email,mail\nc1,C1,,,\"n\no\"\n",
        "2: invalid mail 'n?o': " + rule, "mail with a line break, shown safely")
    bad("handle,name,team,email,mail\nc1,C1,,\n",
        "2: expected 5 fields (handle,name,team,email,mail), found 4",
        "a row without its mail field")
    bad("handle,name,team,email,mail\nc1,C1,,,no,x\n",
        "2: expected 5 fields (handle,name,team,email,mail), found 6",
        "a row with a field too many")
    bad("handle,name,team,email,mails\nc1,C1,,,no\n",
        "1: expected the header 'handle,name,team,email' or "
        "'handle,name,team,email,mail', found 'handle,name,team,email,mails'",
        "a fifth column that is not mail")
    bad("handle,name,team,mail,email\nc1,C1,,no,\n",
        "1: expected the header 'handle,name,team,email' or "
        "'handle,name,team,email,mail', found 'handle,name,team,mail,email'",
        "mail in another place")


def test_staff_v1_store():
    """A store an older linkctl wrote (staff records of version 1, without
    the flags byte) reads as mail yes and is upgraded by staff set."""
    mdb_dump, mdb_load = shutil.which("mdb_dump"), shutil.which("mdb_load")
    if not (mdb_dump and mdb_load):
        tap.skip("v1 store", "mdb_dump and mdb_load not installed", package="lmdb-utils")
        return
    db = newdb("v1")
    lk(db, "staff", "add", "old", "--name", "Old Timer", "--email",
       "old@example.org", "--no-mail")
    r = tap.run([mdb_dump, "-s", "staff", db])
    lines = r.stdout.splitlines(keepends=True)
    key = " " + b"old".hex() + "\n"
    i = lines.index(key) if key in lines else -1
    ok(i > 0 and lines[i + 1].startswith(" 02"),
       "linkctl writes a version 2 staff record", r.stdout)
    if i <= 0:
        return
    v2 = bytes.fromhex(lines[i + 1].strip())
    v1 = b"\x01" + v2[1:13] + v2[14:]   # no flags byte
    lines[i + 1] = " " + v1.hex() + "\n"
    r = subprocess.run([mdb_load, "-s", "staff", db], input="".join(lines),
                       capture_output=True, text=True)
    ok(r.returncode == 0, "mdb_load: the record as version 1", r.stderr)
    eq(lk(db, "staff", "list").stdout,
       STAFF_HDR + "old\tOld Timer\t\told@example.org\tyes\n",
       "a version 1 record lists, with mail yes")
    r = lk(db, "staff", "set", "old", "--no-mail")
    eq((r.returncode, r.stderr), (0, "staff 'old': mail yes -> no\n"),
       "staff set on a version 1 record")
    eq(staff_json(db).get("old"),
       {"handle": "old", "name": "Old Timer", "team": "",
        "email": "old@example.org", "id": 1, "mail": False},
       "rewritten: the same colleague, mail no")
    r = tap.run([mdb_dump, "-s", "staff", db])
    ok(" " + v2.hex() + "\n" in r.stdout,
       "rewritten as version 2, byte for byte as linkctl writes it", r.stdout)


# ------------------------------------------------------------ mint

def test_mint(db):
    r = lk(db, "mint", "--staff", "alice", "--url", "https://example.org/a")
    eq(r.returncode, 0, "mint exit 0")
    eq(r.stderr, "", "mint: nothing on stderr")
    ok(re.fullmatch(r"[0-9A-Za-z]{8}\n", r.stdout),
       "mint prints an 8-character base62 code and a newline", r.stdout)
    rnd = r.stdout.strip()

    r = lk(db, "mint", "--code", "promo-2025", "--url",
           "HTTPS://Example.ORG/über?x=\"y\"", "--staff", "ALICE",
           "--campaign", "spring sale", "--status", "301")
    eq((r.returncode, r.stdout, r.stderr), (0, "promo-2025\n", ""),
       "vanity code printed as given")
    # Options after nothing, in another order, and --db after the command.
    r = lk(None, "mint", "--url", "http://example.com", "--status", "307",
           "--staff", "bob", "--code", "Z_9", "--db", db)
    eq((r.returncode, r.stdout), (0, "Z_9\n"), "status 307, --db at the end")
    r = lk(db, "mint", "--staff", "bob", "--url", "https://example.com/8",
           "--status", "308", "--code", "-dash", "--campaign", "spring sale")
    eq((r.returncode, r.stdout), (0, "-dash\n"),
       "status 308, code starting with '-'")
    r = lk(db, "mint", "--staff", "bob", "--url", "https://example.com/2",
           "--status", "302", "--code", "x" * 64)
    eq(r.returncode, 0, "64-character vanity code")

    got, created = rows(db)
    # Sorted by code, byte order ('-' < digits < upper < '_' < lower).
    eq(got, sorted([
        "-dash\tbob\tspring sale\thttps://example.com/8\t308\tenabled",
        "Z_9\tbob\t\thttp://example.com\t307\tenabled",
        "promo-2025\talice\tspring sale\t"
        "https://example.org/%C3%BCber?x=%22y%22\t301\tenabled",
        rnd + "\talice\t\thttps://example.org/a\t302\tenabled",
        "x" * 64 + "\tbob\t\thttps://example.com/2\t302\tenabled",
    ], key=lambda s: s.split("\t")[0].encode()),
        "list after mint: normalized URLs, statuses, sorted by code")
    now = time.time()
    ok(created and all(ISO.match(c) for c in created),
       "created is ISO 8601 UTC", created)
    ok(bool(created) and all(
        abs(calendar.timegm(time.strptime(c, "%Y-%m-%dT%H:%M:%SZ")) - now)
        < 300 for c in created), "created is about now (UTC)", created)

    target_msgs = [
        ("ftp://example.org/", "only absolute http:// and https:// URLs"),
        ("javascript:alert(1)", "only absolute http:// and https:// URLs"),
        ("//example.org/x", "only absolute http:// and https:// URLs"),
        ("/relative", "only absolute http:// and https:// URLs"),
        ("https://example.org/a b", "space in URL (encode it as %20)"),
        ("https://example.org/\r\nX: y", "control character in URL"),
        ("https://user@example.org/",
         "URL has a user name or password (user@host)"),
        ("https://a.example\\@b.example/", "backslash in URL"),
        ("https://bit.ly/x",
         "URL points at another URL shortener: use the final address"),
        ("https://bücher.example/",
         "non-ASCII host: use its xn-- (punycode) form"),
        ("https://example.org:99999/", "invalid port"),
        ("https://example.org/%zz", "'%' not followed by two hex digits"),
        ("https://", "URL has no host"),
        ("", "empty URL"),
        ("https://example.org/" + "a" * 2029, "URL longer than 2048 bytes"),
    ]
    for url, why in target_msgs:
        refused(db, ["mint", "--staff", "alice", "--url", url],
                "linkctl: invalid URL: %s\n" % why, "mint URL %r" % url[:40])
    r = lk(db, "mint", "--staff", "alice", "--url",
           "https://example.org/" + "a" * 2028, "--code", "max-url")
    eq((r.returncode, r.stdout), (0, "max-url\n"), "2048-byte URL accepted")

    refused(db, ["mint", "--staff", "zed", "--url", "https://example.org/"],
            "linkctl: no colleague 'zed' (add one with: linkctl staff add)\n",
            "unknown colleague")
    refused(db, ["mint", "--staff", "Zed", "--url", "https://example.org/"],
            "linkctl: no colleague 'zed' (add one with: linkctl staff add)\n",
            "unknown colleague, named folded")
    refused(db, ["mint", "--staff", "a b", "--url", "https://example.org/"],
            "linkctl: no colleague 'a b' (add one with: linkctl staff add)\n",
            "impossible handle")
    for code in ("a b", "x" * 65, "ü", "a/b", "a.b", "a%20"):
        refused(db, ["mint", "--staff", "alice", "--url",
                     "https://example.org/", "--code", code],
                CODE_RULE, "invalid code %r" % code[:10])
    refused(db, ["mint", "--staff", "alice", "--url", "https://example.org/",
                 "--code", "promo-2025"],
            "linkctl: code 'promo-2025' is already taken\n", "taken code")
    refused(db, ["mint", "--staff", "alice", "--url", "https://example.org/",
                 "--code", rnd],
            "linkctl: code '%s' is already taken\n" % rnd,
            "taken random code")
    for camp in ("a/b", "", "c" * 101, "tab\there"):
        refused(db, ["mint", "--staff", "alice", "--url",
                     "https://example.org/", "--campaign", camp],
                "linkctl: invalid campaign name '", "campaign %r" % camp[:10],
                exact=False)
    # A refused mint that would have created a campaign leaves none.
    refused(db, ["mint", "--staff", "alice", "--url", "https://example.org/",
                 "--campaign", "ghost", "--code", "promo-2025"],
            "linkctl: code 'promo-2025' is already taken\n",
            "taken code with a new campaign")
    refused(db, ["list", "--campaign", "ghost"],
            "linkctl: no campaign 'ghost'\n",
            "the refused mint's campaign does not exist")

    codes = set()
    for _ in range(20):
        r = lk(db, "mint", "--staff", "bob", "--url", "https://example.net/")
        codes.add(r.stdout)
    eq(len(codes), 20, "20 random mints give 20 distinct codes")


# ------------------------------------------------------------ list

def test_list(db):
    r = lk(db, "list", "--format", "json")
    eq(r.returncode, 0, "list json exit 0")
    try:
        got = json.loads(r.stdout)
    except ValueError as e:
        got = [str(e)]
    tsv, created = rows(db)
    ok(len(got) == len(tsv) and len(got) > 20, "json has as many links as tsv",
       (len(got), len(tsv)))
    keys = ["code", "staff", "campaign", "url", "status", "state", "created",
            "click_id"]
    ok(all(list(o.keys()) == keys for o in got), "json keys in order", got[:1])
    ok(all(isinstance(o["status"], int) for o in got), "json status numbers")
    eq(["\t".join(str(o[k]) for k in keys[:6]) for o in got], tsv,
       "json and tsv list the same links in the same order")
    eq([o["created"] for o in got], created, "json created as in tsv")
    ids = click_ids(db)
    eq({o["code"]: o["click_id"] for o in got},
       {c: v == "yes" for c, v in ids.items()} if ids else None,
       "json click_id (true or false) as in tsv (yes or no)")
    promo = [o for o in got if o["code"] == "promo-2025"]
    eq(promo and {k: v for k, v in promo[0].items() if k != "created"}, {
        "code": "promo-2025", "staff": "alice", "campaign": "spring sale",
        "url": "https://example.org/%C3%BCber?x=%22y%22", "status": 301,
        "state": "enabled", "click_id": False}, "json object of promo-2025")
    ok(r.stdout.startswith("[\n{\"code\":") and r.stdout.endswith("}\n]\n"),
       "list json layout")

    got, _ = rows(db, "--campaign", "spring sale")
    eq(got, [
        "-dash\tbob\tspring sale\thttps://example.com/8\t308\tenabled",
        "promo-2025\talice\tspring sale\t"
        "https://example.org/%C3%BCber?x=%22y%22\t301\tenabled",
    ], "list --campaign")
    got, _ = rows(db, "--campaign", "spring sale", "--staff", "ALICE")
    eq(got, ["promo-2025\talice\tspring sale\t"
             "https://example.org/%C3%BCber?x=%22y%22\t301\tenabled"],
       "list --campaign --staff")
    got, _ = rows(db, "--staff", "alice")
    ok(got and all(g.split("\t")[1] == "alice" for g in got) and len(got) == 3,
       "list --staff alice: only alice's links", got)
    got, _ = rows(db, "--staff", "dave")
    eq(got, [], "list --staff of a colleague without links: header only")
    r = lk(db, "list", "--staff", "dave", "--format", "json")
    eq(r.stdout, "[]\n", "empty json list")
    refused(db, ["list", "--staff", "zed"],
            "linkctl: no colleague 'zed' (add one with: linkctl staff add)\n",
            "list --staff unknown")
    refused(db, ["list", "--campaign", "nope"],
            "linkctl: no campaign 'nope'\n", "list --campaign unknown")

    empty = newdb("empty")
    eq(lk(empty, "staff", "add", "x", "--name", "X").returncode, 0,
       "store without links")
    eq(lk(empty, "list").stdout, LIST_HDR, "list of no links: header only")
    eq(lk(empty, "list", "--format", "json").stdout, "[]\n",
       "json list of no links")


def test_toggle(db):
    def st(code):
        got, _ = rows(db)
        for g in got or []:
            f = g.split("\t")
            if f[0] == code:
                return f[5]
        return None

    before, _ = rows(db)
    r = lk(db, "disable", "promo-2025")
    eq((r.returncode, r.stdout, r.stderr), (0, "", ""), "disable exit 0")
    eq(st("promo-2025"), "disabled", "state disabled")
    eq(lk(db, "disable", "promo-2025").returncode, 0, "disable is idempotent")
    eq(st("promo-2025"), "disabled", "still disabled")
    after, _ = rows(db)
    eq([a for a, b in zip(after, before) if a != b],
       ["promo-2025\talice\tspring sale\t"
        "https://example.org/%C3%BCber?x=%22y%22\t301\tdisabled"],
       "disable changed only the state of that link")
    r = lk(db, "list", "--format", "json", "--campaign", "spring sale")
    ok('"state":"disabled"' in r.stdout, "json shows disabled")
    eq(lk(db, "enable", "promo-2025").returncode, 0, "enable exit 0")
    eq(st("promo-2025"), "enabled", "state enabled again")
    eq(lk(db, "enable", "promo-2025").returncode, 0, "enable is idempotent")
    eq(rows(db)[0], before, "round trip restores the listing")
    eq(lk(db, "disable", "--", "-dash").returncode, 0,
       "disable a code starting with '-' after --")
    eq(st("-dash"), "disabled", "-dash disabled")
    eq(lk(db, "enable", "--", "-dash").returncode, 0, "enable -dash")
    refused(db, ["disable", "nope"], "linkctl: no link 'nope'\n",
            "disable unknown code")
    refused(db, ["enable", "nope"], "linkctl: no link 'nope'\n",
            "enable unknown code")
    refused(db, ["disable", "a b"], "linkctl: no link 'a b'\n",
            "disable impossible code")
    refused(db, ["disable", "Promo-2025"], "linkctl: no link 'Promo-2025'\n",
            "codes are case-sensitive")


def test_click_id():
    """mint --click-id and click-id CODE on|off; disable and enable keep
    it; verify takes it.  (Campaigns: test_campaign.py.)"""
    db = newdb("clickid")
    lk(db, "staff", "add", "ana", "--name", "Ana")
    r = lk(db, "mint", "--staff", "ana", "--url", "https://example.org/a",
           "--code", "with", "--click-id")
    eq((r.returncode, r.stdout, r.stderr), (0, "with\n", ""),
       "mint --click-id: exit 0, the code")
    r = lk(db, "mint", "--click-id", "--staff", "ana", "--url",
           "https://example.org/r")
    rnd = r.stdout.strip()
    ok(r.returncode == 0 and re.fullmatch(r"[0-9A-Za-z]{8}", rnd),
       "mint --click-id under a random code", r.stdout + r.stderr)
    lk(db, "mint", "--staff", "ana", "--url", "https://example.org/b",
       "--code", "without")
    eq(click_ids(db), {"with": "yes", rnd: "yes", "without": "no"},
       "list: click_id yes for the links minted with --click-id only")
    r = lk(db, "list", "--format", "json")
    eq({o["code"]: o["click_id"] for o in json.loads(r.stdout)},
       {"with": True, rnd: True, "without": False}, "list json: click_id")

    r = lk(db, "click-id", "without", "on")
    eq((r.returncode, r.stdout, r.stderr),
       (0, "", "link 'without': click ids on\n"), "click-id CODE on")
    before = state(db)
    r = lk(db, "click-id", "without", "on")
    eq((r.returncode, r.stderr),
       (0, "link 'without': click ids on (already so)\n"),
       "click-id CODE on again: already so")
    eq(state(db), before, "... and nothing written")
    r = lk(db, "click-id", "with", "off")
    eq((r.returncode, r.stderr), (0, "link 'with': click ids off\n"),
       "click-id CODE off")
    eq(click_ids(db), {"with": "no", rnd: "yes", "without": "yes"},
       "click-id changed only the link named")
    got, _ = rows(db)
    eq(got, sorted(["with\tana\t\thttps://example.org/a\t302\tenabled",
                    rnd + "\tana\t\thttps://example.org/r\t302\tenabled",
                    "without\tana\t\thttps://example.org/b\t302\tenabled"],
                   key=lambda x: x.split("\t")[0].encode()),
       "click-id changed nothing else of the links")

    eq(lk(db, "disable", "without").returncode, 0, "disable a link with ids")
    row = [x for x in rows(db)[0] if x.startswith("without\t")]
    eq((row and row[0].split("\t")[5], click_ids(db)["without"]),
       ("disabled", "yes"), "disable keeps its click ids")
    eq(lk(db, "enable", "without").returncode, 0, "enable it")
    eq(click_ids(db)["without"], "yes", "enable keeps its click ids")

    r = lk(db, "verify")
    eq((r.returncode, r.stderr), (0, "linkctl: verify: %s: whole: 3 links, "
       "1 colleagues, 0 campaigns\n" % db), "verify: links with click ids "
       "are whole")

    refused(db, ["click-id", "nope", "on"], "linkctl: no link 'nope'\n",
            "click-id of no link")
    refused(db, ["click-id", "a b", "off"], "linkctl: no link 'a b'\n",
            "click-id of an impossible code")
    for args in (["click-id"], ["click-id", "with"],
                 ["click-id", "with", "yes"], ["click-id", "with", "on", "x"],
                 ["mint", "--staff", "ana", "--url", "https://example.org/",
                  "--click-id=1"]):
        usage(db, args, " ".join(args))


# ------------------------------------------------------------ import

def test_import(db):
    lines = ("# code\tstaff\tcampaign\turl\n"
             "imp-1\talice\tautumn\thttps://example.org/1\n"
             "\n"
             "imp-2\tBob\t\thttps://Example.org/2\r\n"
             "\tbob\tautumn\thttps://example.org/random\n"
             "imp-3\tcarol\tspring sale\thttps://example.org/ü\n")
    path = write("links.tsv", lines)
    before, _ = rows(db)
    r = lk(db, "import", path)
    eq((r.returncode, r.stdout, r.stderr), (0, "", "imported 4 links\n"),
       "import file")
    after, _ = rows(db)
    new = sorted(set(after) - set(before))
    rnd = [n for n in new if n.endswith("\tbob\tautumn\t"
                                        "https://example.org/random\t302\tenabled")]
    ok(len(rnd) == 1 and re.fullmatch(r"[0-9A-Za-z]{8}", rnd[0].split("\t")[0]),
       "empty code: a random 8-character code", new)
    eq(sorted(set(new) - set(rnd)), [
        "imp-1\talice\tautumn\thttps://example.org/1\t302\tenabled",
        "imp-2\tbob\t\thttps://example.org/2\t302\tenabled",
        "imp-3\tcarol\tspring sale\thttps://example.org/%C3%BC\t302\tenabled",
    ], "imported links: default status 302, URLs normalized, CRLF stripped")
    eq(len(after), len(before) + 4, "4 links more")

    r = lk(db, "import", input="imp-4\talice\t\thttps://example.org/4\n")
    eq((r.returncode, r.stderr), (0, "imported 1 links\n"),
       "import from stdin without FILE")
    r = lk(db, "import", "-", input="imp-5\talice\t\thttps://example.org/5")
    eq((r.returncode, r.stderr), (0, "imported 1 links\n"),
       "import from - , last line without a newline")
    r = lk(db, "import", "-", input="# nothing\n\n")
    eq((r.returncode, r.stderr), (0, "imported 0 links\n"),
       "only comments and blank lines")

    # All or nothing: line 3 of 5 is bad; lines 1-2 (one with a new
    # campaign) must not be stored.
    five = ("new-1\talice\tbrand-new\thttps://example.org/n1\n"
            "new-2\tbob\t\thttps://example.org/n2\n"
            "new-3\tzed\t\thttps://example.org/n3\n"
            "new-4\talice\t\thttps://example.org/n4\n"
            "new-5\talice\t\thttps://example.org/n5\n")
    p = write("five.tsv", five)
    refused(db, ["import", p],
            "linkctl: %s:3: no colleague 'zed' (add one with: linkctl staff "
            "add)\n" % p, "import: bad line 3 of 5")
    refused(db, ["list", "--campaign", "brand-new"],
            "linkctl: no campaign 'brand-new'\n",
            "import: the campaign of line 1 was not kept")

    def bad(text, msg, name, stdin=False):
        if stdin:
            refused(db, ["import"], "linkctl: stdin:%s\n" % msg,
                    "import: " + name, input=text)
        else:
            p = write("bad.tsv", text)
            refused(db, ["import", p], "linkctl: %s:%s\n" % (p, msg),
                    "import: " + name)

    ok_line = "ok-1\talice\t\thttps://example.org/ok\n"
    bad(ok_line + "x\talice\t\tftp://example.org/\n",
        "2: invalid URL: only absolute http:// and https:// URLs", "bad URL")
    bad(ok_line + "x\talice\t\thttps://example.org/a b\n",
        "2: invalid URL: space in URL (encode it as %20)", "URL with a space",
        stdin=True)
    bad("# comment\n\n" + ok_line + "x\talice\thttps://example.org/\n",
        "4: expected 4 tab-separated fields (code, staff, campaign, url), "
        "found 3", "three fields; comments and blanks count as lines")
    bad(ok_line + "x\talice\t\thttps://example.org/\textra\n",
        "2: expected 4 tab-separated fields (code, staff, campaign, url), "
        "found 5", "five fields")
    bad(ok_line + "a b\talice\t\thttps://example.org/\n",
        "2: invalid code: 1-64 characters of A-Z a-z 0-9 _ -", "bad code")
    bad(ok_line + "x" * 65 + "\talice\t\thttps://example.org/\n",
        "2: invalid code: 1-64 characters of A-Z a-z 0-9 _ -", "65-char code")
    bad(ok_line + "ok-2\talice\tbad/name\thttps://example.org/\n",
        "2: invalid campaign name 'bad/name': 1-100 bytes, no control "
        "characters, no '/'", "bad campaign")
    bad(ok_line + "promo-2025\talice\t\thttps://example.org/\n",
        "2: code 'promo-2025' is already taken", "code already in the store")
    bad("d-1\talice\t\thttps://example.org/1\n"
        "d-2\talice\t\thttps://example.org/2\n"
        "# c\n"
        "d-3\talice\t\thttps://example.org/3\n"
        "d-2\tbob\t\thttps://example.org/x\n",
        "5: code 'd-2' repeats line 2", "code repeated in the file")
    bad(ok_line + "\t\t\thttps://example.org/\n",
        "2: no colleague '' (add one with: linkctl staff add)", "empty staff")
    bad(ok_line * 2, "2: code 'ok-1' repeats line 1", "same line twice")
    missing = os.path.join(TMP, "nonexistent.tsv")
    refused(db, ["import", missing],
            "linkctl: open %s: No such file or directory\n" % missing,
            "import: missing file")

    # A store whose map must grow mid-import: abort, grow, redo all of it.
    grow = newdb("grow")
    eq(lk(grow, "staff", "add", "alice", "--name", "A").returncode, 0,
       "grow: colleague")
    n = 3000
    text = "".join("g%05d\talice\tc%d\thttps://example.org/%d/%s\n"
                   % (i, i % 7, i, "p" * 100) for i in range(n))
    p = write("grow.tsv", text)
    r = lk(grow, "import", p, env={"LINKCTL_TEST_MAPSIZE": "1"})
    eq((r.returncode, r.stderr), (0, "imported %d links\n" % n),
       "import with a tiny map grows and redoes")
    got, _ = rows(grow)
    eq(len(got or []), n, "grow: every link stored once")
    eq(got[0] if got else None,
       "g00000\talice\tc0\thttps://example.org/0/%s\t302\tenabled" % ("p" * 100),
       "grow: first link intact")
    eq(got[-1] if got else None,
       "g02999\talice\tc3\thttps://example.org/2999/%s\t302\tenabled"
       % ("p" * 100), "grow: last link intact")
    r = lk(grow, "list", "--campaign", "c6")
    eq(len(r.stdout.splitlines()) - 1, len(range(6, n, 7)),
       "grow: campaigns created once each")
    r = lk(grow, "mint", "--staff", "alice", "--url", "https://example.org/m",
           "--code", "after-grow", env={"LINKCTL_TEST_MAPSIZE": "1"})
    eq((r.returncode, r.stdout), (0, "after-grow\n"), "mint with a tiny map")

    # -c: the store grows no further than the daemon's store_map_size.
    capped = newdb("capped")
    eq(lk(capped, "staff", "add", "alice", "--name", "A").returncode, 0,
       "capped: colleague")
    conf = write("map1m.conf", "store_map_size = 1M\n")
    big = write("big.tsv", "".join("b%05d\talice\t\thttps://example.org/%d/%s\n"
                                   % (i, i, "p" * 200) for i in range(8000)))
    before = state(capped)
    r = lk(capped, "-c", conf, "import", big)
    eq((r.returncode, r.stderr), (1, "linkctl: the store is full: it may not grow "
       "past 1048576 bytes; nothing was written\n"),
       "-c with store_map_size = 1M: an import past 1 MiB is refused")
    eq(state(capped), before, "... and the store is as it was")
    r = lk(capped, "import", big)
    eq((r.returncode, r.stderr), (0, "imported 8000 links\n"),
       "... the same import without -c grows the store")
    return grow


def test_mdb_stat(db, nlinks):
    """The daemon opens the store read-only; mdb_stat does the same."""
    mdb_stat = shutil.which("mdb_stat")
    if not mdb_stat:
        tap.skip("mdb_stat check", "mdb_stat not installed", package="lmdb-utils")
        return
    r = tap.run([mdb_stat, "-a", db])
    eq(r.returncode, 0, "mdb_stat -a opens the store")
    for name in ("meta", "links", "link_by_id", "staff", "staff_by_id",
                 "campaigns", "campaign_by_id"):
        ok("Status of %s\n" % name in r.stdout, "database %s exists" % name)
    m = re.search(r"Status of links\n(?:  .*\n)*?  Entries: (\d+)", r.stdout)
    eq(int(m.group(1)) if m else None, nlinks, "mdb_stat: links entries")
    m = re.search(r"Status of link_by_id\n(?:  .*\n)*?  Entries: (\d+)",
                  r.stdout)
    eq(int(m.group(1)) if m else None, nlinks, "mdb_stat: link_by_id entries")
    # mdb_stat -r exits 1 even when it works (0.9.24): look at the text.
    r = tap.run([mdb_stat, "-r", db])
    ok("(no active readers)" in r.stdout,
       "no reader slot left behind by linkctl", r.stdout)


def conf_default():
    """The installed configuration this build reads (from --help)."""
    m = re.search(r"else (\S+)\s+if it exists", lk(None, "--help").stdout)
    return m.group(1) if m else None


def test_installed_conf():
    """Without -c, linkctl reads $REDIRECTD_CONF, else the installed
    redirectd.conf: a link to our own short domain is refused with no flag
    (a loop: a link to itself made 31 records of one curl -L)."""
    db = newdb("conf")
    lk(db, "staff", "add", "ana", "--name", "Ana")
    conf = write("installed.conf", "short_hosts = go.example.org\n"
                 "base_url = https://s.example.net\n")
    loop = "linkctl: invalid URL: URL points at our own short domain (a loop)\n"
    for url, what in (("https://go.example.org/abc", "a short host"),
                      ("https://s.example.net/x", "base_url's host")):
        r = lk(db, "mint", "--staff", "ana", "--url", url,
               env={"REDIRECTD_CONF": conf})
        eq((r.returncode, r.stderr), (1, loop),
           "REDIRECTD_CONF: mint to %s refused without -c" % what)
    r = lk(db, "campaign", "create", "spring", "--url", "https://example.org/p",
           env={"REDIRECTD_CONF": conf})
    ok(r.returncode == 0, "campaign create under REDIRECTD_CONF", r.stderr)
    r = lk(db, "campaign", "retarget", "spring", "--url",
           "https://go.example.org/spring", env={"REDIRECTD_CONF": conf})
    eq((r.returncode, r.stderr), (1, loop), "campaign retarget honours it too")
    r = lk(db, "-c", "/dev/null", "mint", "--staff", "ana", "--url",
           "https://go.example.org/abc", env={"REDIRECTD_CONF": conf})
    ok(r.returncode == 0, "-c FILE wins over REDIRECTD_CONF", r.stderr)
    missing = os.path.join(TMP, "no-such.conf")
    r = lk(db, "mint", "--staff", "ana", "--url", "https://example.org/",
           env={"REDIRECTD_CONF": missing})
    ok(r.returncode == 1 and missing in r.stderr,
       "REDIRECTD_CONF naming no file: refused, named", r.stderr)

    # The installed file itself, in a mount namespace of our own (a tmpfs
    # over its parent's parent), so the machine's is never touched.
    path = conf_default()
    ok(path is not None, "--help names the installed configuration", path)
    top = os.path.dirname(os.path.dirname(path or "/"))
    if os.geteuid() != 0 or not shutil.which("unshare") or not os.path.isdir(top) \
            or top in ("/", "/etc"):
        tap.skip("the installed configuration read by default",
                 "needs root, unshare and %s (not /etc) to mount over" % top)
        return
    script = ('mount -t tmpfs none "$1" && mkdir -p "$(dirname "$2")" && '
              'cp "$3" "$2" && shift 3 && exec "$@"')

    def installed(*args, conf=conf, db_args=("--db", db)):
        e = dict(os.environ)
        e.pop("REDIRECTD_CONF", None)
        e.pop("REDIRECTD_DB", None)
        return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", top, path,
                               conf, LINKCTL] + list(db_args) + list(args),
                              capture_output=True, text=True, timeout=60, env=e)
    r = installed("mint", "--staff", "ana", "--url", "https://go.example.org/abc")
    eq((r.returncode, r.stderr), (1, loop),
       "%s read with no flag: a loop refused" % path)
    r = installed("mint", "--staff", "ana", "--url", "https://example.org/ok")
    ok(r.returncode == 0, "... and a good target minted", r.stderr)
    # Its db is the store when nothing else names one.
    withdb = write("installed-db.conf", "db = %s\n" % db)
    r = installed("list", "--format", "tsv", conf=withdb, db_args=())
    ok(r.returncode == 0 and "https://example.org/ok" in r.stdout,
       "%s's db is the store with no flag at all" % path, r.stderr)


def test_conf_db():
    """The store is --db, else $REDIRECTD_DB, else the configuration's db
    (-c FILE, $REDIRECTD_CONF), else the built-in default; the
    configuration is read for it only when a command uses the store
    without --db or $REDIRECTD_DB."""
    db, other = newdb("confdb"), newdb("confdb-other")
    conf = write("confdb.conf", "db = %s\n" % db)
    r = lk(None, "staff", "add", "ana", "--name", "Ana", env={"REDIRECTD_CONF": conf})
    ok(r.returncode == 0 and os.path.isfile(os.path.join(db, "data.mdb")),
       "REDIRECTD_CONF's db: staff add makes the store there, no --db", r.stderr)
    r = lk(None, "-c", conf, "staff", "list")
    ok(r.returncode == 0 and "\nana\tAna" in r.stdout, "-c FILE's db: staff list reads it",
       r.stdout + r.stderr)
    lk(other, "staff", "add", "ben", "--name", "Ben")
    r = lk(None, "-c", conf, "staff", "list", env={"REDIRECTD_DB": other})
    ok(r.returncode == 0 and "\nben\t" in r.stdout and "ana" not in r.stdout,
       "REDIRECTD_DB wins over the configuration's db", r.stdout + r.stderr)
    r = lk(other, "-c", conf, "staff", "list")
    ok(r.returncode == 0 and "\nben\t" in r.stdout and "ana" not in r.stdout,
       "--db wins over it too", r.stdout + r.stderr)
    r = lk(None, "-c", "/dev/null", "staff", "list")
    ok(r.returncode == 1 and "no store at /var/lib/redirectd/db" in r.stderr
       or os.path.isdir("/var/lib/redirectd/db"),
       "a configuration without db: db's default, /var/lib/redirectd/db", r.stderr)
    # A broken configuration refuses what would use its db, naming the
    # mistake, and nothing else.
    bad = write("confdb-bad.conf", "db = %s\nno_such_directive = 1\n" % db)
    r = lk(None, "staff", "list", env={"REDIRECTD_CONF": bad})
    ok(r.returncode == 1 and bad + ":2: unknown directive" in r.stderr
       and "--db DIR names the store" in r.stderr and not r.stdout,
       "a broken configuration: a command needing its db is refused, the line named",
       r.stdout + r.stderr)
    r = lk(db, "staff", "list", env={"REDIRECTD_CONF": bad})
    ok(r.returncode == 0 and "\nana\t" in r.stdout and not r.stderr,
       "... with --db the command runs and the file is not read", r.stdout + r.stderr)
    r = lk(None, "--version", env={"REDIRECTD_CONF": bad})
    ok(r.returncode == 0 and not r.stderr, "... and --version never reads it", r.stderr)


def test_host_spellings():
    """Targets whose host hides where they go: an IPv4 address in any form
    but the dotted quad is refused; a punycode label mixing scripts (a
    look-alike of another name) is minted with a warning."""
    db = newdb("hosts")
    lk(db, "staff", "add", "ana", "--name", "Ana")
    for host in ("0x7f000001", "2130706433", "0177.0.0.1", "127.1"):
        refused(db, ["mint", "--staff", "ana", "--url", "http://%s/admin" % host],
                "linkctl: invalid URL: numeric host not written as a dotted quad",
                "mint to http://%s/" % host, exact=False)
    r = lk(db, "mint", "--staff", "ana", "--url", "http://127.0.0.1:8080/ok")
    ok(r.returncode == 0, "a dotted quad is a target like any other", r.stderr)
    r = lk(db, "mint", "--staff", "ana", "--url", "https://xn--pple-43d.com/login",
           "--code", "homog")
    ok(r.returncode == 0 and r.stdout == "homog\n" and
       "warning: host label 'xn--pple-43d' mixes Latin and Cyrillic letters" in r.stderr,
       "a mixed-script punycode host: minted, with a warning naming the label", r.stderr)
    r = lk(db, "mint", "--staff", "ana", "--url", "https://xn--bcher-kva.example/")
    ok(r.returncode == 0 and r.stderr == "", "one script (bücher): no warning", r.stderr)
    src = write("hosts.tsv", "imp1\tana\t\thttps://example.org/\n"
                "imp2\tana\t\thttps://www.xn--pple-43d.com/\n")
    r = lk(db, "import", src)
    ok(r.returncode == 0 and "%s:2: warning: host label 'xn--pple-43d'" % src in r.stderr
       and r.stderr.count("warning") == 1,
       "import: the warning names the file and line, once", r.stderr)


def main():
    try:
        test_help_version()
        test_usage()
        test_missing_store()
        db = newdb("main")
        test_staff(db)
        test_staff_import(db)
        test_staff_set()
        test_staff_import_mail()
        test_staff_v1_store()
        test_installed_conf()
        test_conf_db()
        test_host_spellings()
        test_mint(db)
        test_list(db)
        test_toggle(db)
        test_click_id()
        grow = test_import(db)
        got, _ = rows(db)
        test_mdb_stat(db, len(got or []))
        test_mdb_stat(grow, 3001)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    tap.done()


main()
