"""pvh_exit(status) on arm64 (tests/unikernel/exit.c, which calls it with
the number its cmdline gives). PSCI SYSTEM_OFF carries no status, and
pvhboot does not use QEMU's semihosting (off unless QEMU is given
-semihosting): on bare QEMU virt every status ends QEMU by itself with 0,
the program's last line printed, no error. Under Xen (dom0) only whether
the status was 0 survives: SCHEDOP_shutdown(poweroff) or (crash)."""

ARCH = "arm64"

import os
import re

from common import check
from qemu_arm64 import run_qemu_arm64
from test_arm64_xen import DOM0_HALTED, boot_dom0, module_file

DOM0_CRASHED = re.compile(rb"\(XEN\) Hardware Dom0 crashed[^\n]*")
DOM0_END = re.compile(rb"\(XEN\) Hardware Dom0 (halted|crashed)[^\n]*")
# 0, some, the largest x86 carries, one above, the largest there is.
STATUSES = (0, 7, 126, 127, 0xffffffff)


def expect_exit_line(result, lines, n):
    check(not [l for l in lines if l.startswith(b"pvhboot: error: ")],
          "an error line: " + result.describe())
    check(lines[-1:] == [b"pvhboot: exit status %d" % n],
          "the program's last line is not its exit status %d: %s" % (n, result.describe()))


def bare_virt(ctx, n, el):
    def test():
        machine = "virt,virtualization=on" if el == 2 else "virt"
        result = run_qemu_arm64(["-M", machine, "-cpu", "cortex-a57", "-m", "128M",
                                 "-kernel", os.path.join(ctx.build_arm64, "tests", "exit.bin"),
                                 "-append", "exit=%d" % n], 30, qemu=ctx.qemu_aarch64)
        check(not result.timed_out, "did not end: " + result.describe())
        check(result.status == 0, "expected QEMU to exit 0 (PSCI SYSTEM_OFF): " + result.describe())
        expect_exit_line(result, result.lines(), n)
    return test


def xen_dom0(ctx, n, reason):
    def test():
        mod_path, _ = module_file(ctx)
        result = boot_dom0(ctx, "exit=%d" % n, mod_path, vcpus=1,
                           image=os.path.join(ctx.build_arm64, "tests", "exit.bin"),
                           stop_on=DOM0_END)
        check(not result.timed_out, "Xen did not finish: " + result.describe())
        check(result.stopped_on is not None and reason.match(result.stopped_on),
              "expected Xen to say %r: %s" % (reason.pattern, result.describe()))
        expect_exit_line(result, result.lines(), n)
        return "%.2fs" % result.elapsed
    return test


def collect(ctx):
    tests = [("virt-el1-exit-%d-powers-off" % n, bare_virt(ctx, n, 1)) for n in STATUSES]
    tests += [
        ("virt-el2-exit-7-powers-off", bare_virt(ctx, 7, 2)),
        ("xen-dom0-exit-0-is-a-poweroff", xen_dom0(ctx, 0, DOM0_HALTED)),
        ("xen-dom0-exit-7-is-a-crash", xen_dom0(ctx, 7, DOM0_CRASHED)),
    ]
    return tests
