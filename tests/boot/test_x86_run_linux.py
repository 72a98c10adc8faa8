"""make run-linux, as a reader types it (DEPS=0, the cache the tests
use): Debian's kernel and busybox from the cache, the initramfs of
tools/make-initramfs.py, packed into pvhboot.elf and booted under QEMU.
/init must run and report the cmdline given, and make must end with
QEMU's status: 0 after /init's poweroff; and a pvhboot error must end
QEMU with 3 (make says "Error 3") instead of leaving it on a halted CPU."""

ARCH = "x86_64"

import os
import re
import subprocess

from common import check
from linux import cache_file
from qemu import DEBUG_EXIT, EXIT_PANIC

INIT_LINE = re.compile(rb"^run-linux: /init ran; Linux (\S+) got: (.*?)\r?$", re.M)


def run_goal(ctx, cmdline, own_dir=None):
    """make run-linux with cmdline. own_dir: its files (initramfs, packed
    image) there instead of the build's run-linux folder, so that two
    runs at once do not write each other's packed image."""
    # Skips where tools/fetch.sh has not filled the cache: the test downloads nothing.
    cache_file(ctx, "linux", "bzImage")
    cache_file(ctx, "busybox", "busybox")
    extra = ["RUN_LINUX=" + own_dir] if own_dir else []
    proc = subprocess.run(ctx.make.split() + [
        "--no-print-directory", "DEPS=0", "O=" + ctx.build_root, "PVHBOOT_CACHE=" + ctx.cache,
        "QEMU_X86_64=" + ctx.qemu, "RUN_LINUX_CMDLINE=" + cmdline] + extra + ["run-linux"],
        cwd=ctx.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    out = proc.stdout
    qemu = [l for l in out.replace(b"\\\n", b" ").splitlines()
            if re.match(rb"^timeout \d+ \S*qemu-system-x86_64 ", l)]
    check(len(qemu) == 1, "make run-linux showed no single 'timeout N qemu-system-x86_64' line:\n"
          + out[-3000:].decode(errors="replace"))
    words = qemu[0].split()
    check(b"-no-reboot" in words and DEBUG_EXIT.encode() in words,
          "the QEMU line lacks -no-reboot or the isa-debug-exit device: %r" % qemu[0])
    return proc.returncode, out


def init_runs(ctx):
    def test():
        cmdline = "console=ttyS0 quiet run-linux-test=\"a b\""
        rc, out = run_goal(ctx, cmdline)
        tail = out[-3000:].decode(errors="replace")
        check(rc == 0, "make run-linux failed (%d): QEMU did not exit 0:\n%s" % (rc, tail))
        found = INIT_LINE.findall(out)
        check(len(found) == 1, "expected one line from /init, got %d:\n%s" % (len(found), tail))
        release, got = found[0]
        check(got == cmdline.encode(), "/init's /proc/cmdline %r, given %r" % (got, cmdline))
        return "Linux %s" % release.decode()
    return test


def error_ends_qemu(ctx):
    def test():
        # pvhboot.format=multiboot: the firmware must refuse the bzImage.
        rc, out = run_goal(ctx, "console=ttyS0 pvhboot.format=multiboot",
                           os.path.join(ctx.tmp, "run-linux-error"))
        tail = out[-3000:].decode(errors="replace")
        check(rc != 0, "make run-linux succeeded with a payload the firmware refuses:\n" + tail)
        check(re.search(rb"pvhboot: error: no multiboot header", out), "no error line:\n" + tail)
        check(re.search(rb"\] Error %d$" % EXIT_PANIC, out, re.M),
              "make does not report QEMU's status %d:\n%s" % (EXIT_PANIC, tail))
        check(not INIT_LINE.search(out), "/init ran anyway")
    return test


def collect(ctx):
    return [("init-runs-and-qemu-exits-0", init_runs(ctx)),
            ("firmware-error-ends-qemu-with-3", error_ends_qemu(ctx))]
