#!/usr/bin/env python3
"""The Debian package (tools/deb.sh) built, checked, installed, upgraded
and purged on this machine (root only; CI runs it as root on a fresh
Debian 12 without systemd running).

Built twice from one build directory (revisions 1 and 2): its files are
every file `meson install` installs (man pages compressed) and the
conffile; lintian reports no error; installed with apt-get, the user and
group exist and /var/lib/redirectd has the modes README.Debian gives; the
installed daemon passes -n with the installed configuration, runs as
redirectd and writes a click a member of the group reads with reach
without root; the installed units pass systemd-analyze verify; an
upgrade keeps the edited conffile, the store, the click log and the
salt; a purge removes /etc/redirectd and keeps the data.  Everything it
installed is removed at the end; it refuses to run where redirectd is
installed or its directories exist (it would remove them).
"""
import grp
import json
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from tap import SRC, SANITIZE, ok, eq, skip, skip_all, done, run, tempdir  # noqa: E402

if os.geteuid() != 0:
    skip_all("installs a package: root only")
if any(SANITIZE):
    # tools/deb.sh builds the tree itself, without sanitizers: the sanitizer
    # stages would test the same package again.
    skip_all("the package's own build has no sanitizers: the plain stage tests it")
if not shutil.which("dpkg-deb"):
    skip_all("dpkg-deb not installed")
if (run(["dpkg-query", "-W", "-f=${Status}", "redirectd"]).stdout.endswith(" installed")
        or os.path.lexists("/etc/redirectd") or os.path.lexists("/var/lib/redirectd")):
    skip_all("redirectd is installed here, or /etc/redirectd or /var/lib/redirectd "
             "exists: this test would remove them")

VAR = "/var/lib/redirectd"
CONF = "/etc/redirectd/redirectd.conf"
had_user = had_group = False
try:
    pwd.getpwnam("redirectd")
    had_user = True
except KeyError:
    pass
try:
    grp.getgrnam("redirectd-read")
    had_group = True
except KeyError:
    pass

tmp = tempdir("rdtest-deb-")
os.chmod(tmp, 0o755)   # the daemon's user reads nothing here, but apt's _apt does
build = os.path.join(tmp, "build")
APT_ENV = dict(os.environ, DEBIAN_FRONTEND="noninteractive")


def deb_build(revision):
    out = os.path.join(tmp, "out%d" % revision)
    r = subprocess.run(["bash", os.path.join(SRC, "tools", "deb.sh"), out],
                       capture_output=True, text=True, timeout=1200,
                       env=dict(os.environ, REDIRECTD_DEB_BUILD=build,
                                REDIRECTD_DEB_REVISION=str(revision)))
    debs = [f for f in os.listdir(out) if f.endswith(".deb")] if os.path.isdir(out) else []
    ok(r.returncode == 0 and len(debs) == 1
       and r.stdout.strip() == os.path.join(out, debs[0]),
       "tools/deb.sh builds one package (revision %d)" % revision, r.stdout + r.stderr)
    return os.path.join(out, debs[0]) if debs else None


def apt_install(deb):
    return run(["apt-get", "-o", "DPkg::Lock::Timeout=300", "-o",
                "Dpkg::Options::=--force-confold", "install", "-y", "-q",
                "--no-install-recommends", deb], timeout=600)


def mode_owner(path):
    st = os.lstat(path)
    return (oct(stat.S_IMODE(st.st_mode)), pwd.getpwuid(st.st_uid).pw_name,
            grp.getgrgid(st.st_gid).gr_name)


def as_group_member(args, user="nobody"):
    """args run as nobody with the group redirectd-read only (an analyst),
    or as USER with its own groups (as systemd's User= runs a unit)."""
    pw = pwd.getpwnam(user)
    groups = ([grp.getgrnam("redirectd-read").gr_gid] if user == "nobody"
              else os.getgrouplist(user, pw.pw_gid))

    def drop():
        os.setgroups(groups)
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)
    return subprocess.run(args, capture_output=True, text=True, timeout=60,
                          preexec_fn=drop, cwd="/")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cleanup():
    if run(["dpkg-query", "-W", "-f=${Status}", "redirectd"]).stdout.endswith(" installed") \
            or os.path.exists("/usr/share/doc/redirectd/copyright"):
        run(["dpkg", "--purge", "redirectd"], timeout=300)
    shutil.rmtree(VAR, ignore_errors=True)
    shutil.rmtree("/etc/redirectd", ignore_errors=True)
    if not had_user:
        run(["deluser", "--system", "--quiet", "redirectd"])
    if not had_group:
        run(["delgroup", "--system", "--quiet", "redirectd-read"])
    shutil.rmtree(tmp, ignore_errors=True)


try:
    # --- the package's contents -------------------------------------------------
    deb1 = deb_build(1)
    if not deb1:
        done()
    ok(re.fullmatch(r"redirectd_[0-9.]+-1_[a-z0-9]+\.deb", os.path.basename(deb1)),
       "its name is redirectd_VERSION_ARCH.deb", deb1)
    listing = run(["dpkg-deb", "-c", deb1]).stdout
    files = {line.split()[-1].lstrip(".") for line in listing.splitlines()
             if not line.startswith("d")}
    installed = json.loads(run(["meson", "introspect", build, "--installed"]).stdout)
    want = {dest + ".gz" if "/share/man/" in dest else dest for dest in installed.values()}
    missing = sorted(want - files)
    ok(want and not missing, "every file meson installs is in it (%d)" % len(want),
       "missing: %s" % missing)
    for f in ("/usr/sbin/redirectd", "/usr/bin/linkctl", "/usr/bin/reach",
              "/usr/sbin/redirectd-ship-store", "/usr/share/man/man8/redirectd.8.gz",
              "/lib/systemd/system/redirectd.service",
              "/usr/share/doc/redirectd/examples/nginx.conf",
              "/usr/share/doc/redirectd/copyright",
              "/usr/share/doc/redirectd/changelog.Debian.gz",
              "/usr/share/doc/redirectd/README.Debian", CONF):
        ok(f in files, "it holds %s" % f)
    units = sorted(f for f in os.listdir(os.path.join(SRC, "conf"))
                   if f.endswith((".service", ".timer")))
    ok(units and all("/lib/systemd/system/" + u in files for u in units),
       "it holds every unit of conf/ in /lib/systemd/system (%d)" % len(units), units)
    ok(not any(f.startswith("/usr/lib/systemd/") for f in files),
       "no unit under /usr/lib/systemd")
    eq(run(["dpkg-deb", "-I", deb1, "conffiles"]).stdout, CONF + "\n",
       "DEBIAN/conffiles names the configuration")
    info = run(["dpkg-deb", "-f", deb1, "Depends", "Version"]).stdout
    ok(all(p in info for p in ("libevent-core-2.1-7", "liblmdb0", "libxxhash0",
                               "libmaxminddb0", "adduser")),
       "Depends names Debian's libraries and adduser", info)

    lintian = shutil.which("lintian")
    if lintian:
        r = run([lintian, deb1], timeout=600)
        errors = [l for l in r.stdout.splitlines() if l.startswith("E:")]
        ok(not errors, "lintian reports no error", r.stdout + r.stderr)
    else:
        skip("lintian reports no error", "lintian not installed", "lintian")

    # --- installed ----------------------------------------------------------------
    r = apt_install(deb1)
    ok(r.returncode == 0, "apt-get install ./redirectd_*.deb", r.stdout + r.stderr)
    try:
        user = pwd.getpwnam("redirectd")
        group = grp.getgrnam("redirectd-read")
        ok(user.pw_uid < 1000 and user.pw_gid == group.gr_gid and user.pw_dir == VAR
           and user.pw_shell.endswith("nologin"),
           "the system user redirectd, in the group redirectd-read, home %s, no shell" % VAR, user)
    except KeyError as e:
        ok(False, "the system user and group redirectd exist", e)
    for path, want in ((VAR, ("0o755", "root", "root")),
                       (VAR + "/db", ("0o2750", "root", "redirectd-read")),
                       (VAR + "/db/data.mdb", ("0o640", "root", "redirectd-read")),
                       (VAR + "/db/lock.mdb", ("0o660", "root", "redirectd-read")),
                       (VAR + "/log", ("0o750", "redirectd", "redirectd-read")),
                       (VAR + "/state", ("0o700", "redirectd", "redirectd-read")),
                       (CONF, ("0o644", "root", "root"))):
        got = mode_owner(path) if os.path.lexists(path) else None
        eq(got, want, "%s: mode, owner, group" % path)
    ok(re.search(r"(?m)^user = redirectd$", open(CONF).read()),
       "the configuration runs the daemon as redirectd")
    r = run(["/usr/sbin/redirectd", "-n", "-c", CONF])
    ok(r.returncode == 0, "redirectd -n -c %s passes" % CONF, r.stdout + r.stderr)
    with open("/usr/sbin/redirectd", "rb") as f:
        binary = f.read()
    ok(b"REDIRECTD_TEST_" not in binary,
       "the packaged daemon has no test hooks (-Dtest_hooks=false)")
    r = run(["man", "-w", "linkctl"])
    ok(r.returncode == 0 and "qr" in subprocess.run(
        ["man", "-P", "cat", "linkctl"], capture_output=True, text=True,
        env=dict(os.environ, MANWIDTH="80")).stdout,
       "man linkctl is installed and shows qr")

    analyze = shutil.which("systemd-analyze")
    if analyze:
        sysdir = "/lib/systemd/system/"
        groups = [["redirectd.service"]] + [[u, u[:-6] + ".service"] for u in units
                                            if u.endswith(".timer")]
        for names in groups:
            # A template's instance is verified from a copy named for it.
            args = []
            for n in names:
                if "@." in n:
                    args.append(os.path.join(tmp, n.replace("@.", "@x.")))
                    shutil.copy(sysdir + n, args[-1])
                else:
                    args.append(sysdir + n)
            r = run([analyze, "verify"] + args, timeout=120)
            ok(r.returncode == 0 and not (r.stdout + r.stderr).strip(),
               "systemd-analyze verify: installed %s" % " ".join(names),
               r.stdout + r.stderr)
    else:
        skip("systemd-analyze verify: the installed units", "systemd-analyze not installed")

    # The installed daemon with the installed configuration, on a free port:
    # it drops to redirectd, a click lands in the log, an analyst reads it.
    r = run(["/usr/bin/linkctl", "-c", CONF, "--db", VAR + "/db", "staff", "add", "ana",
             "--name", "Ana Lima"])
    r2 = run(["/usr/bin/linkctl", "-c", CONF, "--db", VAR + "/db", "mint", "--staff",
              "ana", "--url", "https://example.org/a", "--code", "debtest"])
    ok(r.returncode == 0 and r2.returncode == 0, "linkctl (root) fills the store",
       r.stderr + r2.stderr)
    port = free_port()
    d = subprocess.Popen(["/usr/sbin/redirectd", "-c", CONF, "--listen",
                          "127.0.0.1:%d" % port, "--admin-listen", "off", "--threads", "1"],
                         stderr=subprocess.PIPE, text=True)
    seen = []
    for line in d.stderr:
        seen.append(line)
        if "listening on" in line:
            break
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /debtest HTTP/1.1\r\nHost: go.example.org\r\n"
                  b"User-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0\r\n"
                  b"Connection: close\r\n\r\n")
        answer = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    d.send_signal(signal.SIGTERM)
    rest = d.communicate(timeout=60)[1]
    ok(d.returncode == 0 and any("running as user redirectd" in l for l in seen),
       "the installed daemon starts with the installed configuration, runs as "
       "redirectd and stops cleanly", "".join(seen) + rest)
    ok(answer.startswith(b"HTTP/1.1 30") and b"https://example.org/a" in answer,
       "it redirects a link linkctl minted", answer[:300])
    segs = sorted(os.listdir(VAR + "/log"))
    salts = sorted(os.listdir(VAR + "/state"))
    ok(len(segs) == 1 and mode_owner(VAR + "/log/" + segs[0]) ==
       ("0o640", "redirectd", "redirectd-read"), "the click is in a segment 0640 of "
       "redirectd:redirectd-read", segs)
    ok(len(salts) == 1 and mode_owner(VAR + "/state/" + salts[0]) ==
       ("0o600", "redirectd", "redirectd-read"), "the salt is redirectd's alone (0600)", salts)
    r = as_group_member(["/usr/bin/reach", "--db", VAR + "/db", "--format", "csv",
                         VAR + "/log"])
    ok(r.returncode == 0 and "ana" in r.stdout,
       "a member of the group reads the store and the log with reach, without root",
       r.stdout + r.stderr)
    r = as_group_member(["/usr/bin/linkctl", "--db", VAR + "/db", "verify"],
                        user="redirectd")
    ok(r.returncode == 0, "the daemon's user reads the store as the backup unit "
       "does (User=redirectd, its own group)", r.stdout + r.stderr)
    r = as_group_member(["/bin/cat", VAR + "/state/" + salts[0]] if salts else ["false"])
    ok(r.returncode != 0, "... but not the salt", r.stdout + r.stderr)
    keep = {p: open(p, "rb").read() for p in
            [VAR + "/log/" + s for s in segs] + [VAR + "/state/" + s for s in salts]}
    links = run(["/usr/bin/linkctl", "--db", VAR + "/db", "list"]).stdout

    # --- upgraded ---------------------------------------------------------------
    with open(CONF, "a") as f:
        f.write("# a local edit (test_deb)\n")
    edited = open(CONF).read()
    deb2 = deb_build(2)
    r = apt_install(deb2) if deb2 else None
    ok(r is not None and r.returncode == 0, "the package of revision 2 installs over it",
       r and r.stdout + r.stderr)
    eq(run(["dpkg-query", "-W", "-f=${Version}", "redirectd"]).stdout.rsplit("-", 1)[-1],
       "2", "revision 2 is installed")
    eq(open(CONF).read(), edited, "the edited conffile survives the upgrade")
    eq(run(["/usr/bin/linkctl", "--db", VAR + "/db", "list"]).stdout, links,
       "the store survives the upgrade")
    ok(all(os.path.exists(p) and open(p, "rb").read() == b for p, b in keep.items()),
       "the click log and the salt survive the upgrade", list(keep))
    eq(mode_owner(VAR + "/db/lock.mdb"), ("0o660", "root", "redirectd-read"),
       "the store's modes are as they were")

    # --- purged -----------------------------------------------------------------
    r = run(["dpkg", "--purge", "redirectd"], timeout=300)
    ok(r.returncode == 0, "dpkg --purge redirectd", r.stdout + r.stderr)
    ok(not os.path.lexists("/etc/redirectd"), "purge removes /etc/redirectd")
    ok(not os.path.exists("/usr/sbin/redirectd"), "purge removes the programs")
    ok(os.path.exists(VAR + "/db/data.mdb") and
       all(os.path.exists(p) and open(p, "rb").read() == b for p, b in keep.items()),
       "purge keeps the store, the click log and the salt", os.listdir(VAR)
       if os.path.isdir(VAR) else VAR)
    try:
        pwd.getpwnam("redirectd")
        ok(True, "purge keeps the user, who owns the data (README.Debian)")
    except KeyError:
        ok(False, "purge keeps the user, who owns the data (README.Debian)")
    left = run(["find", "/etc/systemd", "-name", "redirectd*"]).stdout.strip()
    eq(left, "", "no systemd state of the package is left")
finally:
    cleanup()
ok(not os.path.lexists(VAR) and not os.path.lexists("/etc/redirectd"),
   "the test leaves no redirectd files behind")
done()
