"""hello.elf under QEMU's PVH loader: every machine, memory size, module
and cmdline combination the foundation promises, each checked against
what QEMU was given; and the exception report on a NULL dereference."""

ARCH = "x86_64"

import os
import random
import zlib

from common import (ON_ERROR_HALT_HOLD, TestFailure, check, check_timing, expect_held, expect_panic,
                    elf_loads, expect_poweroff, file_once, symbol_range)
from hello_report import HelloReport, ReportError, compression_of
import compressed
from qemu import run_qemu

MACHINES = ["pc", "q35", "microvm"]
MEMORY = {"128M": 128 << 20, "5G": 5 << 30}
IMAGE_BASE = 0x100000  # hello.elf's load address (linker/x86_64.ld)
# Firmware keeps a little RAM for itself (SeaBIOS: the EBDA and 128 KiB
# below the top of low RAM; qboot: the EBDA): the RAM pvhboot reports
# must be what QEMU was given, less at most this.
FIRMWARE_RAM_SLACK = 1 << 20


def cmdlines():
    words = b"".join(b"word%04d=%d " % (i, i * 7) for i in range(600))
    return {
        "empty": b"",
        "ordinary": b"console=ttyS0 root=/dev/vda1 ro quiet pvh.test=\"two words\"",
        "long4000": (words[:3990] + b" end=tail")[:4000],
        "bytes": bytes(range(0x01, 0x20)) + b" plain \"quoted\" back\\slash " +
                 bytes(range(0x7f, 0x100)),
    }


def make_module(ctx):
    path = os.path.join(ctx.tmp, "hello-module.bin")
    rng = random.Random(0x5eed)
    # An odd size on purpose.
    return path, file_once(path, lambda: bytes(rng.getrandbits(8) for _ in range(150001)))


def boot_hello(ctx, machine, mem, cmdline, initrd=None, timeout=30):
    args = ["-M", machine, "-m", mem, "-kernel", os.path.join(ctx.build, "hello.elf"),
            "-append", cmdline]
    if initrd:
        args += ["-initrd", initrd]
    return run_qemu(args, timeout, qemu=ctx.qemu)


def check_report(result, cmdline, module, mem_bytes):
    expect_poweroff(result)
    try:
        report = HelloReport(result.lines())
        report.check_memmap()
    except ReportError as e:
        raise TestFailure("%s\n%s" % (e, result.describe()))
    check(report.arch == "x86_64", "arch %r" % report.arch)
    check(report.loader == "pvh-v1", "loader %r, QEMU gives start info v1" % report.loader)
    check(report.hypervisor == "tcg", "hypervisor %r, expected tcg" % report.hypervisor)
    check(report.cmdline == cmdline, "cmdline %r != given %r" % (report.cmdline[:100], cmdline[:100]))
    if module is None:
        check(not report.modules, "modules without -initrd: %r" % report.modules)
    else:
        check(len(report.modules) == 1, "expected 1 module, got %d" % len(report.modules))
        m = report.modules[0]
        check(m["size"] == len(module), "module size %d != file size %d" % (m["size"], len(module)))
        check(m["crc32"] == zlib.crc32(module),
              "module crc32 0x%08x != host's 0x%08x" % (m["crc32"], zlib.crc32(module)))
        check(m["cmdline"] == b"", "QEMU's module has no cmdline, got %r" % m["cmdline"])
        check(m["format"] == compression_of(module), "module format %r, its first bytes %s say %r"
              % (m["format"], module[:9].hex(), compression_of(module)))
        first = report.region_of(m["base"])
        check(first is not None and first["type"] == 1 and
              first["last"] >= m["base"] + m["size"] - 1, "module not inside one RAM region")
    check(mem_bytes - FIRMWARE_RAM_SLACK <= report.ram <= mem_bytes,
          "ram %d, QEMU was given %d (firmware keeps at most %d)" %
          (report.ram, mem_bytes, FIRMWARE_RAM_SLACK))
    own = report.region_of(IMAGE_BASE)
    check(own is not None and own["pvhboot"] and own["type"] == 1,
          "the image at 0x%x is not in a RAM region marked pvhboot" % IMAGE_BASE)
    check(report.rsdp is not None and 0xe0000 <= report.rsdp < 0x100000,
          "rsdp %r is not in the BIOS area where QEMU's firmware puts it" % report.rsdp)
    check(result.lines("debugcon") == result.lines("serial"),
          "the 0xe9 port and COM1 did not print the same lines")
    return report


def check_image_line(report, elf):
    """hello's image line: its first and last byte, as QEMU's PVH loader
    places the ELF's loadable segments (at their physical addresses)."""
    loads = elf_loads(elf)
    want = (min(p for p, _, _ in loads), max(p + m for p, _, m in loads) - 1)
    check(report.image == want, "image 0x%x-0x%x, the ELF loads 0x%x-0x%x" %
          (report.image + want))


def hello_case(ctx, machine, mem, with_module, cmd_name):
    def test():
        cmdline = cmdlines()[cmd_name]
        path, data = make_module(ctx) if with_module else (None, None)
        result = boot_hello(ctx, machine, mem, cmdline, path)
        report = check_report(result, cmdline, data, MEMORY[mem])
        check_image_line(report, os.path.join(ctx.build, "hello.elf"))
    return test


def module_formats(ctx):
    """A module in each compression format (and near misses), one boot
    each: hello's module line names the format its first bytes show."""
    def test():
        named = []
        for label, data in compressed.samples():
            path = os.path.join(ctx.tmp, "module-%s.bin" % label)
            data = file_once(path, lambda d=data: d)
            result = boot_hello(ctx, "pc", "128M", b"console=ttyS0", path)
            report = check_report(result, b"console=ttyS0", data, MEMORY["128M"])
            named.append("%s:%s" % (label, report.modules[0]["format"]))
        check(sum(1 for n in named if not n.endswith(":None")) == 8,
              "expected 8 modules named by format: %s" % named)
        return " ".join(named)
    return test



def null_dereference(ctx):
    def test():
        result = boot_hello(ctx, "pc", "128M", b"hello.crash=null")
        line = expect_panic(result, b"pvhboot: error: exception page fault (vector 14) error 0x0 rip 0x")
        check(line.endswith(b" cr2 0x0"), "cr2 should be 0 for a NULL read: %r" % line)
        rip = int(line.split(b" rip 0x")[1].split()[0], 16)
        lo, hi = symbol_range(os.path.join(ctx.build, "hello.elf"), "pvh_main")
        check(lo <= rip < hi, "rip 0x%x is not in pvh_main [0x%x, 0x%x)" % (rip, lo, hi))
        check(b"pvhboot: hello done" not in result.lines(), "hello went on after the fault")
    return test


def null_dereference_on_error_halt(ctx):
    """The same fault with pvhboot.on_error=halt: the error line, then the
    VM halts and stays (no isa-debug-exit, no ACPI S5: either would end
    QEMU), where null_dereference's ends at once."""
    def test():
        result = boot_hello(ctx, "pc", "128M", b"hello.crash=null pvhboot.on_error=halt",
                            timeout=ON_ERROR_HALT_HOLD)
        expect_held(result, b"pvhboot: error: exception page fault (vector 14)")
        return "still running %d s after the error line" % ON_ERROR_HALT_HOLD
    return test


def timing_report(ctx, machine):
    """pvhboot.timing prints the phases in the order they ran; nothing without it."""
    def test():
        timed = boot_hello(ctx, machine, "128M", b"console=ttyS0 pvhboot.timing")
        expect_poweroff(timed)
        plain = boot_hello(ctx, machine, "128M", b"console=ttyS0")
        expect_poweroff(plain)
        return check_timing(timed, plain, ["entry-to-c", "hypervisor", "boot-description", "xen",
                                           "page-tables"], "tsc")[len("pvhboot: timing "):]
    return test


def collect(ctx):
    tests = []
    for machine in MACHINES:
        for mem in MEMORY:
            for with_module in (False, True):
                for cmd_name in cmdlines():
                    name = "%s-%s-%s-%s" % (machine, mem, "initrd" if with_module else "nomodule",
                                            cmd_name)
                    tests.append((name, hello_case(ctx, machine, mem, with_module, cmd_name)))
    tests.append(("null-dereference-reports-page-fault", null_dereference(ctx)))
    tests.append(("null-dereference-on-error-halt-keeps-vm", null_dereference_on_error_halt(ctx)))
    tests.append(("names-module-compression", module_formats(ctx)))
    for machine in MACHINES:
        tests.append(("timing-report-phases-in-order-%s" % machine, timing_report(ctx, machine)))
    return tests
