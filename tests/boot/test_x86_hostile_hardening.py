"""pvhboot's hardening promises (issue 7), checked from outside.

- No write outside memory pvhboot owns or was asked to fill: the hostile
  loader (tests/hostile/) fills every free byte of RAM with a pattern
  (each 32-bit word of the page at P holds 0xc3000000 | P >> 12), writes
  its structures, and enters hello.elf. After hello has powered off, the
  guest's RAM is read back through QEMU's monitor: the pattern must be
  intact everywhere but in the pages hello reports as pvhboot's own, and
  the bytes the loader wrote afterwards must have the CRC-32 it printed.
- The stack has a guard page: stack-overflow.elf recurses until it runs
  off its stack; pvhboot reports the fault (a double fault, taken on its
  own stack, cr2 in the guard page) instead of the CPU resetting; on a
  second CPU too, into that CPU's own guard page, the report naming it.
"""

import os
import re
import struct
import subprocess
import tempfile
import zlib

from common import TestFailure, check, expect_panic
from guest_memory import monitor_args, run_and_dump, subtract
from hello_report import HelloReport, ReportError
from hostile_loader import Account, boot_case
from qemu import run_qemu

ARCH = "x86_64"
MEMORY = 128 << 20
PAGE = 4096

FILLED = re.compile(rb"^hostile: filled 0x([0-9a-f]+)-0x([0-9a-f]+)$")
WRITTEN = re.compile(rb"^hostile: written 0x([0-9a-f]+)-0x([0-9a-f]+) crc32 0x([0-9a-f]+)$")


def pattern_page(page):
    return struct.pack("<I", 0xc3000000 | (page >> 12)) * (PAGE // 4)


def changed_bytes(ram, first, end):
    """Addresses in [first, end) whose byte differs from the pattern (at most 8)."""
    bad = []
    at = first
    while at < end and len(bad) < 8:
        page = at - at % PAGE
        stop = min(end, page + PAGE)
        want = pattern_page(page)[at - page:stop - page]
        got = ram[at:stop]
        if got != want:
            bad += [at + i for i in range(len(got)) if got[i] != want[i]][:8 - len(bad)]
        at = stop
    return bad


def no_stray_writes(ctx):
    def test():
        work = tempfile.mkdtemp(prefix="fill-", dir=ctx.tmp)
        sock, dump = os.path.join(work, "monitor.sock"), os.path.join(work, "ram.bin")
        start = lambda: boot_case(ctx, "fill-free-ram", extra=monitor_args(sock), timeout=60,
                                  memory="%dM" % (MEMORY >> 20), workdir=work)
        result = run_and_dump(start, os.path.join(work, "serial.txt"), sock,
                              b"pvhboot: hello done", MEMORY, dump, 60)
        check(not result.triple_fault and not result.timed_out, result.describe())
        account = Account(result, "fill-free-ram")
        try:
            report = HelloReport(result.lines())
        except ReportError as e:
            raise TestFailure("%s\n%s" % (e, result.describe()))
        with open(dump, "rb") as f:
            ram = f.read()
        check(len(ram) == MEMORY, "dump of %d bytes" % len(ram))
        filled = [(int(m.group(1), 16), int(m.group(2), 16) + 1)
                  for m in (FILLED.match(l) for l in account.lines) if m]
        written = [(int(m.group(1), 16), int(m.group(2), 16) + 1, int(m.group(3), 16))
                   for m in (WRITTEN.match(l) for l in account.lines) if m]
        check(filled and len(written) == 2, "fill lines %r, written lines %r" % (filled, written))
        for a, b, crc in written:
            check(zlib.crc32(ram[a:b]) == crc,
                  "the loader's structures at 0x%x-0x%x changed (crc32 0x%08x, was 0x%08x)" %
                  (a, b - 1, zlib.crc32(ram[a:b]), crc))
        own = [(r["first"], r["last"] + 1) for r in report.memmap if r["pvhboot"]]
        check(own, "no region marked as pvhboot's")
        checked = subtract(filled, own + [(a, b) for a, b, _ in written])
        for a, b in checked:
            bad = changed_bytes(ram, a, b)
            check(not bad, "bytes changed outside pvhboot's memory: %s" %
                  ", ".join("0x%x" % x for x in bad))
        total = sum(b - a for a, b in checked)
        check(total > MEMORY // 2, "only %d bytes checked" % total)
        return "%d MiB checked" % (total >> 20)
    return test


def symbol(elf, name):
    out = subprocess.run(["nm", elf], check=True, stdout=subprocess.PIPE).stdout.decode()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == name:
            return int(parts[0], 16)
    raise TestFailure("no symbol %s in %s" % (name, elf))


def stack_overflow_hits_guard_page(ctx):
    def test():
        elf = os.path.join(ctx.build, "tests", "stack-overflow.elf")
        guard = symbol(elf, "x86_stack_guard")
        result = run_qemu(["-M", "pc", "-m", "128M", "-kernel", elf], 30, qemu=ctx.qemu)
        check(b"pvhboot: stack guard 0x%x top 0x%x" % (guard, symbol(elf, "x86_stack_top"))
              in result.lines(), "the image did not start: " + result.describe())
        line = expect_panic(result, b"pvhboot: error: exception double fault (vector 8) error 0x0 ")
        cr2 = int(line.split(b" cr2 0x")[1], 16)
        check(guard <= cr2 < guard + PAGE,
              "cr2 0x%x is not in the guard page 0x%x-0x%x" % (cr2, guard, guard + PAGE - 1))
    return test


def header_constant(ctx, path, name):
    """A #define'd number from one of pvhboot's headers (0x.. or decimal, u suffix)."""
    with open(os.path.join(ctx.root, path)) as f:
        m = re.search(r"#define %s\s+(0x[0-9a-fA-F]+|\d+)u" % name, f.read())
    check(m, "no %s in %s" % (name, path))
    return int(m.group(1), 0)


def secondary_stack_overflow(ctx):
    """The same recursion on CPU 1: it must hit CPU 1's own guard page,
    the page below its stack in pvh_cpu_stacks, and the report must say
    'cpu 1' (the double fault runs on CPU 1's own IST stack)."""
    def test():
        elf = os.path.join(ctx.build, "tests", "stack-overflow.elf")
        guard_size = header_constant(ctx, "common/cpu/cpu_arch.h", "PVH_CPU_GUARD_SIZE")
        stack_size = header_constant(ctx, "include/pvhboot/cpu.h", "PVH_CPU_STACK_SIZE")
        guard = symbol(elf, "pvh_cpu_stacks") + 1 * (guard_size + stack_size)
        result = run_qemu(["-M", "q35", "-m", "128M", "-smp", "2", "-kernel", elf,
                           "-append", "on-cpu-1"], 30, qemu=ctx.qemu)
        started = [l for l in result.lines() if l.startswith(b"pvhboot: stack overflow: cpu 1 ")]
        check(len(started) == 1, "CPU 1 did not start recursing: " + result.describe())
        sp = int(started[0].split(b" from 0x")[1], 16)
        check(guard + guard_size <= sp < guard + guard_size + stack_size,
              "CPU 1's stack 0x%x is not above its guard page 0x%x" % (sp, guard))
        line = expect_panic(result, b"pvhboot: error: cpu 1: exception double fault (vector 8) "
                                    b"error 0x0 ")
        cr2 = int(line.split(b" cr2 0x")[1], 16)
        check(guard <= cr2 < guard + guard_size,
              "cr2 0x%x is not in CPU 1's guard page 0x%x-0x%x" % (cr2, guard,
                                                                  guard + guard_size - 1))
    return test


def collect(ctx):
    return [
        ("no-write-outside-pvhboot-memory", no_stray_writes(ctx)),
        ("stack-overflow-hits-guard-page", stack_overflow_hits_guard_page(ctx)),
        ("stack-overflow-on-cpu-1-hits-its-guard-page", secondary_stack_overflow(ctx)),
    ]
