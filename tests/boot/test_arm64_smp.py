"""hello.bin's other CPUs on bare QEMU virt (issue 17): entered at EL1
(PSCI through HVC) and at EL2 (virtualization=on: PSCI through SMC, the
secondaries start at EL2 and take the boot CPU's way down to EL1), with
-smp 1 and 4: every CPU QEMU offers runs hello's function and reads
back the MPIDR it is listed with, which is computed here from QEMU's
topology. Then the ways it must not go wrong: a secondary CPU that
faults (the report names it, the machine stops by itself), more CPUs
than pvhboot runs (those QEMU lacks refuse CPU_ON: each is reported as
not started), a /cpus that does not list the boot CPU, a CPU without
enable-method "psci" and a malformed /cpus. (A PSCI 0.1 tree cannot be
tried here: QEMU rewrites /psci in a tree it is given; the unit tests
of common/fdt/fdt_cpus.c cover it.)"""

ARCH = "arm64"

import os
import re

from common import TestFailure, check
from hello_report import HelloReport, ReportError
from qemu_arm64 import dtb_to_dts, dts_to_dtb, dump_dtb, run_qemu_arm64
from test_arm64_hello import IMAGE_BASE, expect_error, expect_poweroff, machine, symbol_range

CPU = "cortex-a57"
MEM = "1G"
# QEMU virt numbers CPUs into clusters of 8 (virt_cpu_mp_affinity with
# GICv2, the default): Aff0 = index % 8, Aff1 = index / 8.
CLUSTER = 8
WARNING = re.compile(rb"^pvhboot: warning: ")


def virt_mpidr(index):
    return (index // CLUSTER) << 8 | index % CLUSTER


def boot(ctx, el, smp, cmdline=b"", dtb=None, cpu=CPU, timeout=60):
    args = ["-M", machine(el), "-cpu", cpu, "-m", MEM, "-smp", str(smp),
            "-kernel", os.path.join(ctx.build_arm64, "hello.bin"), "-append", cmdline]
    if dtb:
        args += ["-dtb", dtb]
    return run_qemu_arm64(args, timeout, qemu=ctx.qemu_aarch64)


def report_of(result):
    try:
        return HelloReport(result.lines())
    except ReportError as e:
        raise TestFailure("%s\n%s" % (e, result.describe()))


def check_cpus(result, expected_hwids, source=b"fdt"):
    """hello ran on exactly these CPUs (MPIDRs, the boot CPU first), each
    read back its own MPIDR; 'cpus-up' names the source."""
    report = report_of(result)
    try:
        return report.check_cpu_list(expected_hwids, "mpidr", b"cntvct", source,
                                     started_by=b"psci")
    except ReportError as e:
        raise TestFailure("%s\n%s" % (e, result.describe()))


def warnings(result):
    return [l for l in result.lines() if WARNING.match(l)]


def smp_case(ctx, el, smp):
    def test():
        result = boot(ctx, el, smp)
        expect_poweroff(result)
        ticks = check_cpus(result, [virt_mpidr(i) for i in range(smp)])
        check(not warnings(result), "warnings: %r" % warnings(result))
        return "cpus-up %d ticks, %.2fs" % (ticks, result.elapsed)
    return test


def secondary_fault(ctx, el, smp):
    """The last CPU reads through NULL: one error line naming it, with
    the data abort at address 0 in hello's cpu_main, and QEMU ends by
    itself (PSCI SYSTEM_OFF from that CPU)."""
    def test():
        result = boot(ctx, el, smp, b"hello.crash=cpu", cpu="max")
        cpu = smp - 1
        line = expect_error(result, b"pvhboot: error: cpu %d: exception data abort (class 0x25) "
                            b"esr 0x" % cpu)
        m = re.match(rb".* esr 0x([0-9a-f]+) elr 0x([0-9a-f]+) far 0x([0-9a-f]+)$", line)
        check(m is not None, "malformed exception line %r" % line)
        esr, elr, far = (int(g, 16) for g in m.groups())
        check(far == 0 and esr >> 26 == 0x25, "esr 0x%x far 0x%x: not a NULL read at EL1" %
              (esr, far))
        lo, hi = symbol_range(os.path.join(ctx.build_arm64, "hello.elf"), "cpu_main")
        check(IMAGE_BASE + lo <= elr < IMAGE_BASE + hi,
              "elr 0x%x is not in cpu_main [0x%x, 0x%x)" % (elr, IMAGE_BASE + lo, IMAGE_BASE + hi))
        asked = b"pvhboot: hello: cpu %d reading through NULL, as asked" % cpu
        check(asked in result.lines(), "the fault did not come from cpu %d: %s" %
              (cpu, result.describe()))
    return test


# --- trees of our own: QEMU's, with /cpus or /psci edited ---------------------

def edited_tree(ctx, el, smp, name, edit):
    """QEMU's tree for this machine, passed through edit(dts) -> dts."""
    dts = dtb_to_dts(dump_dtb(ctx, machine(el), CPU, MEM, str(smp)))
    edited = edit(dts)
    check(edited != dts, "the edit %s changed nothing" % name)
    return dts_to_dtb(edited, os.path.join(ctx.tmp, "smp-%s-el%d-%d.dtb" % (name, el, smp)))


def cpu_node_re(index):
    """The whole cpu@N node of a decompiled QEMU tree."""
    return re.compile(r"\n\t\tcpu@%x \{\n.*?\n\t\t\};" % index, re.S)


def cpu_node(dts, index):
    m = cpu_node_re(index).search(dts)
    if not m:
        raise TestFailure("no cpu@%x in QEMU's tree" % index)
    return m


def extra_cpus(dts, count, first):
    """count more cpu nodes after the last one, MPIDRs first.. (not in
    QEMU's machine: pvhboot lists them, but must never reach them)."""
    last = None
    for last in re.finditer(r"\n\t\tcpu@[0-9a-f]+ \{\n.*?\n\t\t\};", dts, re.S):
        pass
    nodes = "".join("\n\t\tcpu@%x {\n\t\t\treg = <0x%x>;\n\t\t\tenable-method = \"psci\";\n"
                    "\t\t\tcompatible = \"arm,cortex-a57\";\n\t\t\tdevice_type = \"cpu\";\n\t\t};"
                    % (first + i, first + i) for i in range(count))
    return dts[:last.end()] + nodes + dts[last.end():]


def too_many_cpus(ctx, el):
    """20 CPUs listed, 4 in QEMU: 16 kept (one warning with both counts),
    and the 12 that QEMU lacks fail to start, each with the warning of
    the common code, without holding up the boot."""
    def test():
        dtb = edited_tree(ctx, el, 4, "twenty", lambda d: extra_cpus(d, 16, 0x10))
        result = boot(ctx, el, 4, dtb=dtb, timeout=120)
        expect_poweroff(result)
        listed_hwids = [virt_mpidr(i) for i in range(4)] + [0x10 + i for i in range(12)]
        check([l for l in warnings(result) if b"cpus found" in l] ==
              [b"pvhboot: warning: /cpus: 20 cpus found, using the first 16"],
              "expected the 20-of-16 warning: %r" % warnings(result))
        failed = [l for l in warnings(result) if b"did not start" in l]
        want = [b"pvhboot: warning: cpu %d (mpidr 0x%x) did not start" % (i, listed_hwids[i])
                for i in range(4, 16)]
        check(len(failed) == 12 and all(f.startswith(w) for f, w in zip(failed, want)),
              "expected cpus 4..15 reported as not started: %r" % failed)
        report = report_of(result)
        listed, count = report.cpus()
        check(count == 4, "'cpus %s', 4 ran" % count)
        check([c["hwid"] for c in listed] == listed_hwids, "listed %r" % listed)
        check([c["ran"] for c in listed] == [True] * 4 + [False] * 12, "ran: %r" % listed)
    return test


def boot_cpu_not_listed(ctx, el):
    def test():
        dtb = edited_tree(ctx, el, 2, "no-boot-cpu",
                          lambda d: cpu_node_re(0).sub("", d, count=1))
        result = boot(ctx, el, 2, dtb=dtb)
        expect_poweroff(result)
        check(warnings(result) == [b"pvhboot: warning: fdt: /cpus does not list the boot cpu "
                                   b"(mpidr 0x0): running on the boot cpu alone"],
              "warnings: %r" % warnings(result))
        check_cpus(result, [0], source=b"none")
    return test


def cpu_without_psci(ctx, el):
    """cpu@1 with a spin-table enable-method: left out, one warning; the
    others (cpu@2, cpu@3) move up."""
    def test():
        def edit(dts):
            m = cpu_node(dts, 1)
            node = m.group(0).replace('enable-method = "psci"', 'enable-method = "spin-table"')
            return dts[:m.start()] + node + dts[m.end():]
        dtb = edited_tree(ctx, el, 4, "spin-table", edit)
        result = boot(ctx, el, 4, dtb=dtb)
        expect_poweroff(result)
        check(warnings(result) == [b"pvhboot: warning: /cpus: 1 cpu without enable-method "
                                   b"\"psci\" left out (the first: mpidr 0x1)"],
              "warnings: %r" % warnings(result))
        check_cpus(result, [0, 2, 3])
    return test


def malformed_cpus(ctx, el):
    """/cpus with #size-cells 1: refused as a whole, the boot CPU alone."""
    def test():
        dtb = edited_tree(ctx, el, 2, "size-cells",
                          lambda d: d.replace("\t\t#size-cells = <0x00>;\n\t\t#address-cells = <0x01>;",
                                              "\t\t#size-cells = <0x01>;\n\t\t#address-cells = <0x01>;",
                                              1))
        result = boot(ctx, el, 2, dtb=dtb)
        expect_poweroff(result)
        check(warnings(result) == [b"pvhboot: warning: fdt: /cpus: #size-cells 1, expected 0: "
                                   b"running on the boot cpu alone"],
              "warnings: %r" % warnings(result))
        check_cpus(result, [0], source=b"none")
    return test


def collect(ctx):
    tests = []
    for el in (1, 2):
        for smp in (1, 4):
            tests.append(("virt-el%d-smp%d-every-cpu-runs" % (el, smp), smp_case(ctx, el, smp)))
        tests.append(("secondary-fault-names-cpu-1-and-stops-el%d" % el,
                      secondary_fault(ctx, el, 2)))
    tests.append(("twenty-listed-sixteen-kept-missing-ones-reported", too_many_cpus(ctx, 1)))
    tests.append(("boot-cpu-not-in-cpus-runs-alone", boot_cpu_not_listed(ctx, 1)))
    tests.append(("cpu-without-psci-left-out", cpu_without_psci(ctx, 2)))
    tests.append(("cpus-size-cells-1-refused-boot-cpu-alone", malformed_cpus(ctx, 1)))
    return tests
