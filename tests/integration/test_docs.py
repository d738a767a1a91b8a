"""The documentation against the programs.  Fails when:

  - the directives of the configuration table (redirectd/common/config.c,
    printed with their defaults by tests/config_table), redirectd.conf(5)
    (the reference: one `.It Cm NAME` each, its "Default:") and
    conf/redirectd.conf (the example: each as `NAME = DEFAULT`, or
    commented out when it has no default) disagree, in names or defaults;
  - a command of `linkctl --help` or `reach --help`, or an option of those,
    of `redirectd --help` and of `redirectd-ship-store --help`, run for
    real, is missing from its man page;
  - a page in man/ is not installed, or mandoc -T lint warns about it;
  - a file in redirectd/, tools/, tests/, bench/ or conf/ is not named in
    its folder's README.md (the source map), fuzz seed corpora aside.
"""
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import BUILD, LINKCTL, REACH, REDIRECTD, SRC, done, eq, ok, run  # noqa: E402

MAN = os.path.join(SRC, "man")


def read(*parts):
    with open(os.path.join(SRC, *parts)) as f:
        return f.read()


# --- the directive table, from the program ------------------------------------
r = run([os.path.join(BUILD, "tests", "config_table")])
ok(r.returncode == 0 and r.stdout, "config_table prints the table; every default parses",
   r.stderr)
table = {}
for line in r.stdout.splitlines():
    name, _, default = line.partition("\t")
    table[name] = default if "\t" in line else None


# --- redirectd.conf(5): one entry per directive, its "Default:" -----------------
def man_entries(text):
    """NAME -> the text of its `.It Cm NAME No = ...` entry."""
    entries, name, body = {}, None, []
    for line in text.splitlines():
        m = re.match(r"\.It Cm ([a-z_]+) No =", line)
        if m or line.startswith((".It ", ".El", ".Ss", ".Sh")):
            if name:
                entries.setdefault(name, []).append(body)
            name, body = (m.group(1), []) if m else (None, [])
        elif name:
            body.append(line)
    return entries


def man_default(body):
    """What follows "Default:", as its first word: a value, "empty", or the
    start of prose (for a directive without a default)."""
    for i, line in enumerate(body):
        if "Default:" in line:
            rest = line.split("Default:", 1)[1].split()
            if not rest and i + 1 < len(body):
                nxt = body[i + 1].split()       # .Ql VALUE . / .Pa DIR .
                rest = nxt[1:] if nxt and nxt[0].startswith(".") else nxt
            if rest:
                return rest[0].rstrip(".,"), " ".join(rest)
            return "", ""
    return None, None


page = read("man", "redirectd.conf.5")
entries = man_entries(page)
eq(sorted(entries), sorted(table),
   "redirectd.conf(5) has an entry for exactly the directives of the table")
for name, bodies in sorted(entries.items()):
    ok(len(bodies) == 1, "redirectd.conf(5): %s is described once" % name)
for name, default in sorted(table.items()):
    if name not in entries:
        continue
    word, prose = man_default(entries[name][0])
    if default is None:
        ok(word is not None and len(prose.split()) > 2 and word != "empty",
           "redirectd.conf(5): %s has no default value and says what happens instead" % name,
           prose)
    elif " " in default:    # a command line: all of its words
        eq(prose.rstrip(" ."), default,
           "redirectd.conf(5): the default of %s" % name)
    else:
        eq(word, default or "empty", "redirectd.conf(5): the default of %s" % name)


# --- conf/redirectd.conf: each directive with its default ----------------------
set_lines, commented = {}, set()
for line in read("conf", "redirectd.conf").splitlines():
    m = re.match(r"(#?)\s*([a-z_]+) =(.*)$", line)
    if not m:
        continue
    if m.group(1):
        commented.add(m.group(2))
    else:
        set_lines.setdefault(m.group(2), []).append(m.group(3).strip())
eq(sorted(n for n in set_lines if n not in table), [],
   "conf/redirectd.conf sets no directive the table lacks")
for name, default in sorted(table.items()):
    if default is None:
        ok(name in commented and name not in set_lines,
           "conf/redirectd.conf: %s (no default) appears commented out" % name)
    else:
        eq(set_lines.get(name), [default],
           "conf/redirectd.conf: %s = its default, once" % name)


# --- --help against the man pages --------------------------------------------------
def help_text(exe):
    r = run([exe, "--help"])
    ok(r.returncode == 0 and r.stdout.startswith("usage: "), "%s --help runs"
       % os.path.basename(exe), r.stderr)
    return r.stdout


def linkctl_commands(text):
    """The command words of each line of `linkctl --help`'s command list."""
    cmds, inside = [], False
    for line in text.splitlines():
        if line == "commands:":
            inside = True
        elif inside and not line.strip():
            break
        elif inside and re.match(r"  [a-z]", line):
            words = []
            for w in line.split():
                if not re.fullmatch(r"[a-z]+(?:-[a-z]+)*", w):
                    break
                words.append(w)
            cmds.append(" ".join(words))
    return cmds


def reach_commands(text):
    """The subcommands on `reach --help`'s usage lines (reach WORD ...)."""
    return re.findall(r"^(?:usage:)?\s+reach ([a-z]+) ", text, re.M)


def item_heads(man):
    """The heads of the man page's list items: `.It Cm ...`, and the line
    after `.It Xo`."""
    lines = man.splitlines()
    heads = []
    for i, line in enumerate(lines):
        if line.startswith(".It Xo") and i + 1 < len(lines):
            heads.append(lines[i + 1])
        elif line.startswith(".It Cm "):
            heads.append(line[len(".It "):])
    return [re.sub(r"^\.?Cm ", "", h) for h in heads]


def synopsis_and_body(man, cmd):
    """`.Nm` then `.Cm CMD` both in SYNOPSIS and after it."""
    syn, _, body = man.partition(".Sh DESCRIPTION")
    pair = re.compile(r"^\.Nm\n\.Cm %s\b" % re.escape(cmd), re.M)
    return bool(pair.search(syn)) and bool(pair.search(body))


SHIP_STORE = os.path.join(SRC, "conf", "ship-store.sh")
linkctl_help, reach_help, redirectd_help = (help_text(LINKCTL), help_text(REACH),
                                            help_text(REDIRECTD))
ship_store_help = help_text(SHIP_STORE)
linkctl_page, reach_page = read("man", "linkctl.1"), read("man", "reach.1")
cmds = linkctl_commands(linkctl_help)
ok(len(cmds) >= 10 and all(cmds), "linkctl --help lists its commands (%d)" % len(cmds), cmds)
heads = item_heads(linkctl_page)
for cmd in cmds:
    ok(any(h == cmd or h.startswith(cmd + " ") for h in heads),
       "linkctl(1) has an entry for linkctl %s" % cmd)
cmds = reach_commands(reach_help)
ok(cmds, "reach --help names its subcommands (%s)" % ", ".join(cmds))
for cmd in cmds:
    ok(synopsis_and_body(reach_page, cmd),
       "reach(1) has reach %s in SYNOPSIS and describes it" % cmd)
for name, text, man in (("linkctl", linkctl_help, linkctl_page),
                        ("reach", reach_help, reach_page),
                        ("redirectd", redirectd_help, read("man", "redirectd.8")),
                        ("redirectd-ship-store", ship_store_help,
                         read("man", "redirectd-ship-store.8"))):
    opts = sorted(set(re.findall(r"(?<![\w-])--([a-z][a-z-]*)", text)))
    missing = [o for o in opts if not re.search(r"\bFl -%s\b" % re.escape(o), man)]
    ok(opts and not missing, "%s's man page has every option of its --help (%d)"
       % (name, len(opts)), "missing: %s" % missing)


# --- every page in man/ installed and lint-clean ------------------------------------
pages = sorted(f for f in os.listdir(MAN) if re.search(r"\.[1-9]$", f))
r = run(["meson", "introspect", "--installed", BUILD])
installed = {os.path.realpath(k): v for k, v in json.loads(r.stdout).items()} \
    if r.returncode == 0 else {}
mandoc = shutil.which("mandoc")
for p in pages:
    dest = installed.get(os.path.realpath(os.path.join(MAN, p)), "")
    ok(dest.endswith("/man%s/%s" % (p[-1], p)), "man/%s is installed in man%s (%s)"
       % (p, p[-1], dest or "not installed"))
    if mandoc:
        r = subprocess.run([mandoc, "-T", "lint", "-W", "warning", os.path.join(MAN, p)],
                           capture_output=True, text=True)
        ok(r.returncode == 0 and not (r.stdout + r.stderr).strip(),
           "mandoc -T lint: man/%s has no warnings" % p, r.stdout + r.stderr)
ok(mandoc is not None, "mandoc is installed (tools/deps.sh installs it)")


# --- each folder's README names every file in it -------------------------------------
# A file is named by its name, as the source maps' tables do.  Seed corpora
# (tests/fuzz/corpus/) are data named as a folder; anything git does not
# keep (caches) is skipped.
SKIP_DIRS = {"corpus", "__pycache__"}
for folder in ("redirectd", "tools", "tests", "bench", "conf"):
    readme = read(folder, "README.md")
    names = []
    for root, dirs, files in os.walk(os.path.join(SRC, folder)):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        names += [os.path.relpath(os.path.join(root, f), os.path.join(SRC, folder))
                  for f in sorted(files) if f != "README.md" and not f.endswith(".pyc")]
    missing = [n for n in names if not re.search(r"(?<![\w.-])%s(?![\w-])"
                                                 % re.escape(os.path.basename(n)), readme)]
    ok(names and not missing, "%s/README.md names every file in %s/ (%d)"
       % (folder, folder, len(names)), "missing: %s" % missing)
# --- the README's commands use options the programs have ------------------------
# Its walkthroughs are examples a reader pastes: an option renamed or gone
# must fail here, not in the reader's terminal.
readme = read("README.md")
blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)
helps = {"reach": run([REACH, "--help"]).stdout, "linkctl": run([LINKCTL, "--help"]).stdout}
used = 0
for block in blocks:
    for cmd in re.split(r"(?<!\\)\n", block):
        words = cmd.replace("\\\n", " ").split()
        prog = next((w for w in words if w in helps), None)
        if not prog:
            continue
        for opt in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", cmd):
            used += 1
            ok(re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(opt), helps[prog]),
               "README: %s %s is in %s --help" % (prog, opt, prog))
ok(used >= 10, "README: its commands' options checked (%d)" % used)
done()
