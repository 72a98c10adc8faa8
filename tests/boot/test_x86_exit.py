"""pvh_exit(status) on x86 (tests/unikernel/exit.c, which calls it with
the number its cmdline gives): QEMU's exit status under isa-debug-exit,
computed from the status as include/pvhboot/power.h maps it; a poweroff
where the device is absent; and Xen's shutdown reason for a PVH dom0."""

ARCH = "x86_64"

import os
import re

from common import check
from qemu import EXIT_PANIC, EXIT_POWEROFF, run_qemu
from test_x86_xen import CRASHED, HALTED, boot_dom0

# QEMU's exit status is 8 bits and isa-debug-exit exits with (v << 1) | 1;
# pvh_exit(s) writes s + 1 (1 is pvh_panic's value), so the largest status
# carried is the v that gives 255, less 1.
STATUS_BASE = 1
STATUS_MAX = (0xff >> 1) - STATUS_BASE
# pvh_poweroff's status where ACPI did not stop the machine (it writes 0).
POWEROFF_WITHOUT_ACPI = (0 << 1) | 1
STATUSES = (0, 1, 7, STATUS_MAX, STATUS_MAX + 1, 0xffffffff)


def qemu_status(n):
    """QEMU's exit status for pvh_exit(n)."""
    if n == 0:
        return EXIT_POWEROFF
    return ((min(n, STATUS_MAX) + STATUS_BASE) << 1) | 1


def header_max(ctx):
    with open(os.path.join(ctx.root, "include", "pvhboot", "power.h")) as f:
        m = re.search(r"^#define PVH_EXIT_STATUS_MAX (\d+)u?$", f.read(), re.M)
    check(m is not None, "no PVH_EXIT_STATUS_MAX in include/pvhboot/power.h")
    return int(m.group(1))


def expect_exit_line(result, n):
    lines = result.lines()
    check(not [l for l in lines if l.startswith(b"pvhboot: error: ")],
          "an error line: " + result.describe())
    check(lines[-1:] == [b"pvhboot: exit status %d" % n],
          "the program's last line is not its exit status %d: %s" % (n, result.describe()))


def boot(ctx, n, machine="pc", debug_exit=True):
    return run_qemu(["-M", machine, "-m", "128M",
                     "-kernel", os.path.join(ctx.build, "tests", "exit.elf"),
                     "-append", "console=ttyS0 exit=%d" % n], 30, qemu=ctx.qemu,
                    debug_exit=debug_exit)


def status_through_debug_exit(ctx, n, machine="pc"):
    def test():
        check(header_max(ctx) == STATUS_MAX, "PVH_EXIT_STATUS_MAX is %d; QEMU's 8-bit status "
              "carries %d at most" % (header_max(ctx), STATUS_MAX))
        result = boot(ctx, n, machine)
        check(not result.timed_out and not result.triple_fault, "did not end: " + result.describe())
        expect_exit_line(result, n)
        want = qemu_status(n)
        check(want == EXIT_POWEROFF or want not in (POWEROFF_WITHOUT_ACPI, EXIT_PANIC),
              "status %d would read as a poweroff or a panic" % n)
        check(result.status == want, "pvh_exit(%d): QEMU exit status %s, expected %d: %s" %
              (n, result.status, want, result.describe()))
        return "QEMU exit status %d" % result.status
    return test


def powers_off_without_device(ctx):
    """No isa-debug-exit (as Firecracker, Cloud Hypervisor): the status is
    lost, the machine powers off through ACPI all the same."""
    def test():
        result = boot(ctx, 5, debug_exit=False)
        check(not result.timed_out and not result.triple_fault, "did not end: " + result.describe())
        expect_exit_line(result, 5)
        check(result.status == EXIT_POWEROFF, "expected the ACPI poweroff's 0: " + result.describe())
    return test


def xen_shutdown_reason(ctx, n, reason):
    """Under Xen (a PVH dom0) only whether the status was 0 survives:
    SCHEDOP_shutdown(poweroff) for 0, (crash) for any other."""
    def test():
        image = os.path.join(ctx.build, "tests", "exit.elf")
        result, _, _ = boot_dom0(ctx, image, "exit=%d" % n)
        check(not result.timed_out, "Xen did not finish: " + result.describe())
        check(result.stopped_on is not None and reason.match(result.stopped_on),
              "expected Xen to say %r: %s" % (reason.pattern, result.describe()))
        expect_exit_line(result, n)
    return test


def collect(ctx):
    tests = [("exit-%d-qemu-status-%d" % (n, qemu_status(n)), status_through_debug_exit(ctx, n))
             for n in STATUSES]
    tests += [
        ("exit-7-on-microvm", status_through_debug_exit(ctx, 7, "microvm")),
        ("exit-5-without-isa-debug-exit-powers-off", powers_off_without_device(ctx)),
        ("xen-dom0-exit-0-is-a-poweroff", xen_shutdown_reason(ctx, 0, HALTED)),
        ("xen-dom0-exit-5-is-a-crash", xen_shutdown_reason(ctx, 5, CRASHED)),
    ]
    return tests
