"""pvhboot's identity map and its EL2 set-up, seen from a unikernel
(build/arm64/tests/probe.bin, tests/arm64/probe.c) on bare QEMU virt:
  - a /reserved-memory child with no-map and a /memreserve/ range are
    not mapped: reading them takes a translation fault at that address;
    a reserved child without no-map and plain RAM read fine;
  - W^X: writing into the image's text takes a permission fault, and so
    does running code from its data;
  - entered at EL2, the EL1 code below pvhboot's EL2 traps on none of
    the features the CPU announces: the counter, the PMU, pointer
    authentication keys, MTE tag control, SVE and SME control registers
    (a trap would end the boot with pvhboot's exception report)."""

ARCH = "arm64"

import os
import re

from common import check
from qemu_arm64 import dtb_to_dts, dts_to_dtb, dump_dtb, run_qemu_arm64

NO_MAP = (0x61000000, 0x200000)      # /reserved-memory/fw: no-map
MAPPED_POOL = (0x62000000, 0x100000)  # /reserved-memory/pool: reserved, mapped
MEMRESERVE = (0x60000000, 0x10000)    # /memreserve/
RAM_WORD = 0x50000000                  # plain RAM, nothing there

EXCEPTION = re.compile(rb"^pvhboot: error: exception [a-z ]+ \(class 0x([0-9a-f]{2})\) "
                       rb"esr 0x([0-9a-f]+) elr 0x([0-9a-f]+) far 0x([0-9a-f]+)$")
EC_INSTRUCTION_ABORT, EC_DATA_ABORT = 0x21, 0x25
FSC_TRANSLATION, FSC_PERMISSION = 0x04, 0x0c  # bits 5:2 of the fault status code; 1:0 the level
ESR_WNR = 1 << 6


def probe(ctx):
    return os.path.join(ctx.build_arm64, "tests", "probe.bin")


def reserved_tree(ctx):
    dts = dtb_to_dts(dump_dtb(ctx, "virt", "cortex-a57", "1G"))
    dts = dts.replace("/dts-v1/;", "/dts-v1/;\n/memreserve/ 0x%x 0x%x;" % MEMRESERVE, 1)
    dts += ("\n/ { reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges;\n"
            "\tfw@%x { reg = <0x0 0x%x 0x0 0x%x>; no-map; };\n"
            "\tpool@%x { reg = <0x0 0x%x 0x0 0x%x>; }; }; };\n"
            % (NO_MAP[0], NO_MAP[0], NO_MAP[1], MAPPED_POOL[0], MAPPED_POOL[0], MAPPED_POOL[1]))
    return dts_to_dtb(dts, os.path.join(ctx.tmp, "probe-reserved.dtb"))


def boot(ctx, cmdline, machine="virt", cpu="cortex-a57", dtb=None):
    args = ["-M", machine, "-cpu", cpu, "-m", "1G", "-kernel", probe(ctx), "-append", cmdline]
    if dtb:
        args += ["-dtb", dtb]
    return run_qemu_arm64(args, 30, qemu=ctx.qemu_aarch64)


def expect_fault(result, ec, fsc, far, write=None):
    """One exception line: class ec, fault status fsc (any level), at far."""
    check(not result.timed_out, "did not stop: " + result.describe())
    errors = [l for l in result.lines() if l.startswith(b"pvhboot: error: ")]
    check(len(errors) == 1, "expected one error line, got %r: %s" % (errors, result.describe()))
    m = EXCEPTION.match(errors[0])
    check(m is not None, "not an exception report: %r" % errors[0])
    got_ec, esr, _, got_far = (int(g, 16) for g in m.groups())
    check(got_ec == ec and esr >> 26 == ec, "class 0x%x (esr 0x%x), expected 0x%x" % (got_ec, esr, ec))
    check(esr & 0x3c == fsc, "fault status 0x%x, expected 0x%x (+ level)" % (esr & 0x3f, fsc))
    check(got_far == far, "far 0x%x, expected 0x%x" % (got_far, far))
    if write is not None:
        check(bool(esr & ESR_WNR) == write, "esr 0x%x: WnR should be %d" % (esr, write))
    check(b"pvhboot: probe done" not in result.lines(), "the probe went on after the fault")
    return "esr 0x%x" % esr


def expect_done(result):
    check(not result.timed_out and result.status == 0, "no clean poweroff: " + result.describe())
    errors = [l for l in result.lines() if l.startswith(b"pvhboot: error: ")]
    check(not errors, "error lines: %r" % errors)
    check(b"pvhboot: probe done" in result.lines(), "the probe did not finish: " + result.describe())


def reads_unmapped(ctx, addr):
    def test():
        result = boot(ctx, "probe.read=0x%x" % addr, dtb=reserved_tree(ctx))
        check(b"pvhboot: probe: reading 0x%x" % addr in result.lines(), "the probe did not read: " +
              result.describe())
        return expect_fault(result, EC_DATA_ABORT, FSC_TRANSLATION, addr, write=False)
    return test


def reads_mapped(ctx, addr):
    def test():
        result = boot(ctx, "probe.read=0x%x" % addr, dtb=reserved_tree(ctx))
        expect_done(result)
        check(any(l.startswith(b"pvhboot: probe: read 0x%x: 0x" % addr) for l in result.lines()),
              "no value read at 0x%x: %s" % (addr, result.describe()))
    return test


def writes_text(ctx, machine):
    def test():
        result = boot(ctx, "probe.write-text", machine=machine)
        m = [re.match(rb"pvhboot: probe: writing into the text at 0x([0-9a-f]+)$", l)
             for l in result.lines()]
        at = [int(x.group(1), 16) for x in m if x]
        check(len(at) == 1, "the probe did not say where it writes: " + result.describe())
        return expect_fault(result, EC_DATA_ABORT, FSC_PERMISSION, at[0], write=True)
    return test


def runs_data(ctx, machine):
    def test():
        result = boot(ctx, "probe.exec-data", machine=machine)
        m = [re.match(rb"pvhboot: probe: running the data at 0x([0-9a-f]+)$", l)
             for l in result.lines()]
        at = [int(x.group(1), 16) for x in m if x]
        check(len(at) == 1, "the probe did not say where it jumps: " + result.describe())
        return expect_fault(result, EC_INSTRUCTION_ABORT, FSC_PERMISSION, at[0])
    return test


# What each model announces (QEMU 7.2), so what the probe must have used.
# a64fx: QEMU's model claims the GICv3 system registers, so it gets a GICv3.
FEATURE_CASES = [
    ("cortex-a57", "virt,virtualization=on", b"counter pmu"),
    ("neoverse-n1", "virt,virtualization=on", b"counter pmu"),
    ("a64fx", "virt,virtualization=on,gic-version=3", b"counter pmu sve"),
    ("max", "virt,virtualization=on", b"counter pauth pmu sve sme"),
    ("max", "virt,virtualization=on,mte=on", b"counter pauth pmu mte sve sme"),
]


def features_untrapped(ctx, cpu, machine, want):
    def test():
        result = boot(ctx, "probe.features", machine=machine, cpu=cpu)
        expect_done(result)
        check(b"pvhboot: entered at EL2: running at EL1" in result.lines(),
              "not entered at EL2: " + result.describe())
        line = [l for l in result.lines() if l.startswith(b"pvhboot: probe: features ")]
        check(line == [b"pvhboot: probe: features " + want],
              "features used %r, expected %r" % (line, want))
        return want.decode()
    return test


def collect(ctx):
    tests = [
        ("no-map-reserved-memory-is-not-mapped", reads_unmapped(ctx, NO_MAP[0] + NO_MAP[1] - 8)),
        ("memreserve-range-is-not-mapped", reads_unmapped(ctx, MEMRESERVE[0])),
        ("reserved-memory-without-no-map-is-mapped", reads_mapped(ctx, MAPPED_POOL[0])),
        ("plain-ram-is-mapped", reads_mapped(ctx, RAM_WORD)),
    ]
    for el, machine in ((1, "virt"), (2, "virt,virtualization=on")):
        tests.append(("text-is-read-only-el%d" % el, writes_text(ctx, machine)))
        tests.append(("data-is-not-executable-el%d" % el, runs_data(ctx, machine)))
    for cpu, machine, want in FEATURE_CASES:
        tests.append(("el2-traps-nothing-the-cpu-has-%s%s" % (cpu, "-mte" if "mte" in machine else ""),
                      features_untrapped(ctx, cpu, machine, want)))
    return tests
