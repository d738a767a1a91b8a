"""TAP output and helpers shared by the integration tests.

Each test script runs the real programs from $BUILD (the meson build
directory) and prints TAP, which meson reads (protocol: 'tap').
"""
import os
import subprocess
import sys
import tempfile

BUILD = os.environ.get("BUILD") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build")
SRC = os.environ.get("SRC") or os.path.join(os.path.dirname(__file__), "..", "..")
REDIRECTD = os.path.join(BUILD, "redirectd", "redirectd")
LINKCTL = os.path.join(BUILD, "tools", "linkctl", "linkctl")
REACH = os.path.join(BUILD, "tools", "reach", "reach")
MKSEG = os.path.join(BUILD, "tests", "mkseg")
# CI (CI set, as .ci/run's runner does): whatever tools/deps.sh --tests installs
# must be there, so a test skipped for want of it fails instead.
IN_CI = os.environ.get("CI", "") not in ("", "false")
# The sanitizers of the build under test (tests/run.sh sets it in its asan
# and tsan stages).  Under ThreadSanitizer the daemon maps a small store:
# TSan's memory layout leaves about 1.5 TiB for the program's own maps,
# too little for two maps of store_map_size's default 1 TiB during a store
# switch.  Every test that starts the daemon passes DAEMON_ARGS first.
SANITIZE = os.environ.get("REDIRECTD_SANITIZE", "").split(",")
DAEMON_ARGS = ["--store-map-size", "1G"] if "thread" in SANITIZE else []

_n = 0
_failed = 0


def ok(cond, name, diag=None):
    """One TAP assertion; diag is printed as a comment when it fails."""
    global _n, _failed
    _n += 1
    if not cond:
        _failed += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (_n, name), flush=True)
    if not cond and diag is not None:
        for line in str(diag).splitlines() or [""]:
            print("#   " + line)
    return cond


def eq(got, want, name):
    return ok(got == want, name, "got:  %r\nwant: %r" % (got, want))


def skip(name, why, package=None):
    """One assertion skipped: `ok N - name # SKIP why`, which tests/run.sh
    counts as skipped.  package: the Debian package tools/deps.sh --tests installs
    for it; in CI its absence is a failure, not a skip."""
    global _n
    if package and IN_CI:
        return ok(False, "%s: %s (tools/deps.sh --tests installs %s)" % (name, why, package))
    _n += 1
    print("ok %d - %s # SKIP %s" % (_n, name, why), flush=True)
    return False


def skip_all(why, package=None):
    """The whole test skipped (`1..0 # SKIP why`) and the script ended;
    with package (installed by tools/deps.sh --tests), in CI a failure."""
    if package and IN_CI:
        ok(False, "%s (tools/deps.sh --tests installs %s)" % (why, package))
        done()
    print("1..0 # SKIP %s" % why, flush=True)
    sys.exit(0)


def done():
    print("1..%d" % _n)
    if _failed:
        print("# %d of %d failed" % (_failed, _n))
    sys.exit(1 if _failed else 0)


def run(args, input=None, check=None, timeout=60):
    """Run a program; returns CompletedProcess with text stdout/stderr."""
    return subprocess.run([str(a) for a in args], input=input,
                          capture_output=True, text=True, timeout=timeout)


def tempdir(prefix="rdtest-"):
    return tempfile.mkdtemp(prefix=prefix)


def mkseg(path, lines, *opts):
    """Write a click-log segment with the mkseg tool (the real encoder);
    lines are its input lines.  Returns path."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    r = run([MKSEG, path] + list(opts),
            input="".join(line + "\n" for line in lines))
    if r.returncode != 0:
        raise RuntimeError("mkseg %s failed: %s" % (path, r.stderr))
    return path
