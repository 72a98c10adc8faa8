#!/usr/bin/env python3
"""pvhboot's test runner: host unit tests and boot tests, one summary.

  tests/run.py --build-root build --host-build build/host [--arch A]...
               [--jobs N] [--filter TEXT] [--list]

Unit tests are the cmocka binaries in <host-build>/unit/, run with TAP
output so every test case counts. Boot tests come from
tests/boot/test_*.py: each module's collect(ctx) returns (name,
function) pairs; a function passes by returning (optionally a short
note) and fails by raising. A module whose ARCH is not among the
selected architectures (--arch, default all built) is not run. A test that cannot run raises Skip, and a
skip is reported as a skip, never as a pass; unless
PVHBOOT_ALLOW_SKIP=1 is set, a skip also makes the run fail.

The last line is always "N passed, N failed".
"""

import argparse
import concurrent.futures
import glob
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "boot"))

from common import Skip, TestFailure  # noqa: E402  (tests/boot/common.py)


class Context:
    """What a boot test needs to know about the build and the machine."""

    def __init__(self, args):
        self.root = ROOT
        self.build_root = os.path.abspath(args.build_root)
        self.build = os.path.join(self.build_root, "x86_64")
        self.build_arm64 = os.path.join(self.build_root, "arm64")
        self.host_build = os.path.abspath(args.host_build)
        self.qemu = args.qemu
        self.qemu_aarch64 = args.qemu_aarch64
        self.make = args.make
        self.cache = os.path.abspath(os.environ.get("PVHBOOT_CACHE", os.path.join(ROOT, "cache")))
        self.tmp = tempfile.mkdtemp(prefix="pvhboot-tests-")


def unit_tests(ctx):
    """One (name, function) per cmocka binary; the function returns TAP results."""
    for path in sorted(glob.glob(os.path.join(ctx.host_build, "unit", "test_*"))):
        if os.access(path, os.X_OK) and not path.endswith((".o", ".d")):
            yield os.path.basename(path), path


def run_unit_binary(path):
    """Run one cmocka binary; return [(case, ok, detail)]."""
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP")
    proc = subprocess.run([path], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=300)
    out = proc.stdout.decode("utf-8", "replace")
    results = []
    for line in out.splitlines():
        m = re.match(r"^(not ok|ok) \d+ - (.*)$", line)
        if m:
            results.append((m.group(2).strip(), m.group(1) == "ok", ""))
    if proc.returncode != 0 and all(ok for _, ok, _ in results):
        # A crash (sanitizer report, abort) outside any counted case.
        results.append(("(binary exit status %d)" % proc.returncode, False, out[-3000:]))
    elif proc.returncode != 0:
        results = [(c, ok, "" if ok else out[-3000:]) for c, ok, _ in results]
    if not results:
        results.append(("(no tests ran)", False, out[-3000:]))
    return results


def boot_tests(ctx, arches):
    for path in sorted(glob.glob(os.path.join(HERE, "boot", "test_*.py"))):
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if getattr(module, "ARCH", None) not in arches:
            continue
        for test_name, fn in module.collect(ctx):
            yield "%s/%s" % (name[len("test_"):], test_name), fn


class Reporter:
    def __init__(self):
        self.lock = threading.Lock()
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def report(self, name, outcome, seconds, detail=""):
        with self.lock:
            if outcome == "PASS":
                self.passed += 1
            elif outcome == "SKIP":
                self.skipped += 1
            else:
                self.failed += 1
                self.failures.append(name)
            note = (" " + detail) if (detail and outcome == "PASS") else ""
            print("%-4s %s (%.2fs)%s" % (outcome, name, seconds, note), flush=True)
            if detail and outcome != "PASS":
                for line in str(detail).rstrip().splitlines():
                    print("     | " + line)
                sys.stdout.flush()


def run_boot_test(reporter, name, fn):
    start = time.monotonic()
    try:
        note = fn()
        reporter.report(name, "PASS", time.monotonic() - start, note or "")
    except Skip as e:
        reporter.report(name, "SKIP", time.monotonic() - start, str(e))
    except TestFailure as e:
        reporter.report(name, "FAIL", time.monotonic() - start, str(e))
    except Exception:  # a bug in the test itself is a failure too
        reporter.report(name, "FAIL", time.monotonic() - start, traceback.format_exc())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-root", default="build")
    ap.add_argument("--arch", action="append", default=[],
                    help="run the boot tests of this architecture (repeatable; default: all)")
    ap.add_argument("--host-build", default="build/host")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--qemu-aarch64", default="qemu-system-aarch64")
    ap.add_argument("--make", default="make")
    ap.add_argument("--filter", action="append", default=[],
                    help="run only tests whose name contains this (repeatable)")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    ctx = Context(args)
    selected = lambda n: not args.filter or any(f in n for f in args.filter)

    units = [(n, p) for n, p in unit_tests(ctx) if selected("unit/" + n) or
             any(f.startswith("unit/") and f[5:] in n for f in args.filter)]
    arches = args.arch or ["x86_64", "arm64"]
    boots = [(n, f) for n, f in boot_tests(ctx, arches) if selected(n)]
    if args.list:
        for n, _ in units:
            print("unit/" + n)
        for n, _ in boots:
            print(n)
        return 0

    reporter = Reporter()
    for name, path in units:
        start = time.monotonic()
        results = run_unit_binary(path)
        each = (time.monotonic() - start) / max(len(results), 1)
        for case, ok, detail in results:
            reporter.report("unit/%s/%s" % (name, case), "PASS" if ok else "FAIL", each, detail)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        futures = [pool.submit(run_boot_test, reporter, n, f) for n, f in boots]
        for fut in futures:
            fut.result()

    allow_skip = os.environ.get("PVHBOOT_ALLOW_SKIP") == "1"
    if reporter.failures:
        print("failed:")
        for n in reporter.failures:
            print("  " + n)
    if reporter.skipped:
        print("%d skipped%s" % (reporter.skipped,
                                "" if allow_skip else " (a skip fails the run; PVHBOOT_ALLOW_SKIP=1 allows it)"))
    print("%d passed, %d failed" % (reporter.passed, reporter.failed))
    ok = reporter.failed == 0 and (allow_skip or reporter.skipped == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
