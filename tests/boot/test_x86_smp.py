"""hello.elf's other CPUs under QEMU's PVH loader (issue 17): pc, q35 and
microvm with -smp 1, 2, 4 and 4,maxcpus=8 (four present, four more
hot-pluggable: exactly the four present may be listed and started).
Every CPU QEMU offers must run hello's function and read back the APIC
ID it is listed with; QEMU numbers a topology of one core per socket
0..n-1, so the expected IDs follow from the -smp argument. The page
below 1 MiB that the start-up code runs from must be marked as
pvhboot's in the memory map (and claimed only when there is a CPU to
start). Then the ways it must not go wrong: a secondary CPU that
faults (the report names it and the machine stops by itself with the
failure status), more CPUs than pvhboot runs (one warning, the first
16 run), and a write into the start-up page once the CPUs are up (it
must fault: the page is read-only and executable from then on). Without
Xen every CPU is started with INIT and start-up IPIs (hello's
cpus-started-by line says so)."""

ARCH = "x86_64"

import os
import re

from common import TestFailure, check, expect_panic, expect_poweroff
from hello_report import HelloReport, ReportError
from qemu import run_qemu
from test_x86_hello import symbol_range

MACHINES = ["pc", "q35", "microvm"]
SMP = ["1", "2", "4", "4,maxcpus=8"]
CPUS_MAX = 16            # PVH_CPUS_MAX (include/pvhboot/cpu.h)
LOW_RAM_END = 0xa0000    # the start-up page lies below 640 KiB
WARNING = re.compile(rb"^pvhboot: warning: ")


def present(smp):
    """The CPUs QEMU starts the machine with: -smp N[,maxcpus=M] -> N."""
    return int(smp.split(",")[0])


def boot(ctx, machine, smp, cmdline=b"", timeout=60):
    args = ["-M", machine, "-m", "128M", "-smp", smp,
            "-kernel", os.path.join(ctx.build, "hello.elf"), "-append", cmdline]
    return run_qemu(args, timeout, qemu=ctx.qemu)


def report_of(result):
    expect_poweroff(result)
    try:
        return HelloReport(result.lines())
    except ReportError as e:
        raise TestFailure("%s\n%s" % (e, result.describe()))


def check_cpus(report, result, expected):
    """QEMU numbers a topology of one core per socket 0..n-1; without Xen
    every CPU is started by INIT and start-up IPIs."""
    try:
        return report.check_cpu_list(range(expected), "apic", b"tsc", b"madt",
                                     started_by=b"init-sipi")
    except ReportError as e:
        raise TestFailure("%s\n%s" % (e, result.describe()))


def start_pages(report):
    """pvhboot's own RAM below 640 KiB: where the start-up code lives."""
    return [r for r in report.memmap
            if r["pvhboot"] and r["type"] == 1 and r["first"] < LOW_RAM_END]


def smp_case(ctx, machine, smp):
    def test():
        result = boot(ctx, machine, smp)
        report = report_of(result)
        n = present(smp)
        ticks = check_cpus(report, result, n)
        warnings = [l for l in result.lines() if WARNING.match(l)]
        check(not warnings, "warnings: %r" % warnings)
        low = start_pages(report)
        if n == 1:
            check(not low, "a start-up page claimed with no CPU to start: %r" % low)
        else:
            check(len(low) == 1 and low[0]["first"] >= 0x1000 and low[0]["first"] % 0x1000 == 0
                  and low[0]["last"] < LOW_RAM_END,
                  "expected one page of pvhboot's RAM below 640 KiB, not page 0: %r" % low)
        return "cpus-up ticks %d" % ticks
    return test


def secondary_fault(ctx):
    """hello.crash=cpu: the last CPU (cpu 1 of 2) reads through NULL; the
    report names it and QEMU ends with the failure status by itself."""
    def test():
        result = boot(ctx, "q35", "2", b"hello.crash=cpu", timeout=30)
        line = expect_panic(result, b"pvhboot: error: cpu 1: exception page fault (vector 14) "
                                    b"error 0x0 rip 0x")
        check(line.endswith(b" cr2 0x0"), "cr2 should be 0 for a NULL read: %r" % line)
        rip = int(line.split(b" rip 0x")[1].split()[0], 16)
        lo, hi = symbol_range(os.path.join(ctx.build, "hello.elf"), "cpu_main")
        check(lo <= rip < hi, "rip 0x%x is not in cpu_main [0x%x, 0x%x)" % (rip, lo, hi))
        check(b"pvhboot: hello: cpu 1 reading through NULL, as asked" in result.lines(),
              "the faulting CPU did not say it ran: %s" % result.describe())
    return test


START_PAGE_LINE = rb"^pvhboot: start-page: %d CPUs started, %d woken again, page 0x([0-9a-f]+)$"


def start_page_line(result, others):
    """tests/x86/start_page.c's report: every other CPU ran its function
    twice, the second time woken from its halt by an IPI. Returns the
    start-up page it names."""
    said = [l for l in result.lines() if l.startswith(b"pvhboot: start-page: ")]
    m = re.match(START_PAGE_LINE % (others, others), said[0]) if said else None
    check(m is not None, "expected 'start-page: %d CPUs started, %d woken again': %s"
          % (others, others, result.describe()))
    return int(m.group(1), 16)


def start_page_read_only(ctx):
    """tests/x86/start_page.c on q35 -smp 4 starts CPUs 1-3 (INIT-SIPI, so
    through the start-up page), runs a function on each a second time
    (the wake-up IPI), and then writes into that page, found as pvhboot's
    RAM below 640 KiB in the memory map: a write to a present, read-only
    page (error 0x3: present | write) at exactly that address, from its
    pvh_main, ends the boot. Before the fix the page stayed writable and
    executable and the write went through."""
    def test():
        image = os.path.join(ctx.build, "tests", "start-page.elf")
        result = run_qemu(["-M", "q35", "-m", "128M", "-smp", "4", "-kernel", image], 30,
                          qemu=ctx.qemu)
        page = start_page_line(result, 3)
        check(0x1000 <= page < LOW_RAM_END and page % 0x1000 == 0,
              "not a start-up page: 0x%x" % page)
        line = expect_panic(result, b"pvhboot: error: exception page fault (vector 14) "
                                    b"error 0x3 rip 0x")
        check(line.endswith(b" cr2 0x%x" % page), "the fault is not at the page: %r" % line)
        rip = int(line.split(b" rip 0x")[1].split()[0], 16)
        lo, hi = symbol_range(image, "pvh_main")
        check(lo <= rip < hi, "rip 0x%x is not in pvh_main [0x%x, 0x%x)" % (rip, lo, hi))
    return test


def more_than_max(ctx, machine, smp):
    """More CPUs than PVH_CPUS_MAX: one warning that says how many were
    found and how many are used; the first 16 (the boot CPU first) run."""
    def test():
        n = int(smp)
        result = boot(ctx, machine, smp, timeout=120)
        report = report_of(result)
        check_cpus(report, result, CPUS_MAX)
        warnings = [l for l in result.lines() if WARNING.match(l)]
        want = (b"pvhboot: warning: the MADT lists %d CPUs; pvhboot runs at most %d: using the "
                b"first %d" % (n, CPUS_MAX, CPUS_MAX))
        check(warnings == [want], "warnings %r, expected [%r]" % (warnings, want))
    return test


def collect(ctx):
    tests = []
    for machine in MACHINES:
        for smp in SMP:
            name = "%s-smp%s" % (machine, smp.replace(",maxcpus=", "-of-"))
            tests.append((name, smp_case(ctx, machine, smp)))
    tests.append(("secondary-cpu-fault-names-cpu-1", secondary_fault(ctx)))
    tests.append(("start-page-read-only-after-start", start_page_read_only(ctx)))
    tests.append(("q35-smp17-runs-first-16-with-warning", more_than_max(ctx, "q35", "17")))
    return tests
