"""examples/minimal: a program that names no optional part
(PVHBOOT_PARTS(), include/pvhboot/parts.h). It boots, prints what it was
given exactly, and ends QEMU the one way left without ACPI (isa-debug-exit
with 0); its image links none of the parts' code, which hello (the default
list: every part) does link, so the names looked for are right. The
firmware names Xen and ACPI poweroff but no CPU list."""

ARCH = "x86_64"

import os
import re
import zlib

from common import check, check_parts_linked
from qemu import run_qemu

# What each part's code defines (entry points the start code reaches).
PART_SYMBOLS = {
    "xen": ["x86_xen_setup", "x86_xen_memory_map", "x86_xen_hypercall_init", "x86_xen_shutdown"],
    "acpi poweroff": ["pvh_acpi_find_poweroff", "pvh_acpi_find_table"],
    "cpu list": ["x86_cpus_find", "pvh_acpi_madt_cpus"],
}
# pvh_poweroff without ACPI: isa-debug-exit written with 0, (0 << 1) | 1.
POWEROFF_THROUGH_DEBUG_EXIT = 1
CMDLINE = b'minimal "quoted" \\ tab\there'


def escape(data):
    """DESIGN.md's escaping of a cmdline on the console."""
    return b"".join(b"\\x%02x" % c if c < 0x20 or c >= 0x7f or c in b'"\\' else bytes([c])
                    for c in data)


def links_no_part(ctx):
    def test():
        check_parts_linked(ctx.build, PART_SYMBOLS)
    return test


def boots(ctx, machine):
    def test():
        module = os.path.join(ctx.build, "minimal-module.bin")
        data = bytes(range(256)) * 37
        with open(module, "wb") as f:
            f.write(data)
        result = run_qemu(["-M", machine, "-m", "128M",
                           "-kernel", os.path.join(ctx.build, "minimal.elf"),
                           "-append", CMDLINE, "-initrd", module], 30, qemu=ctx.qemu)
        lines = result.lines()
        check(not result.timed_out and not result.triple_fault, "did not end: " + result.describe())
        check(not [l for l in lines if b"error" in l], "an error: " + result.describe())
        check(lines[:3] == [b"pvhboot: minimal x86_64", b"pvhboot: loader pvh-v1",
                            b'pvhboot: cmdline "' + escape(CMDLINE) + b'"'],
              "first lines: " + result.describe())
        mods = [re.fullmatch(rb"pvhboot: module 0 base 0x([0-9a-f]+) size (\d+)", l) for l in lines]
        mods = [m for m in mods if m]
        check(len(mods) == 1 and int(mods[0].group(2)) == len(data),
              "expected one module of %d bytes: %s" % (len(data), result.describe()))
        base = int(mods[0].group(1), 16)
        ranges = [tuple(int(x, 16) for x in m.groups()[:2]) + (int(m.group(3)),)
                  for m in (re.fullmatch(rb"pvhboot: memmap \d+ 0x([0-9a-f]+)-0x([0-9a-f]+) type (\d+)",
                                         l) for l in lines) if m]
        check(ranges and all(a[1] < b[0] for a, b in zip(ranges, ranges[1:])),
              "memory map not sorted and disjoint: " + result.describe())
        check(any(t == 1 and s <= base and base + len(data) - 1 <= e for s, e, t in ranges),
              "the module is not in RAM the map lists: " + result.describe())
        check(lines[-1] == b"pvhboot: minimal done", "last line: " + result.describe())
        check(result.status == POWEROFF_THROUGH_DEBUG_EXIT,
              "expected the isa-debug-exit poweroff (status %d), without ACPI: %s" %
              (POWEROFF_THROUGH_DEBUG_EXIT, result.describe()))
        return "module crc32 0x%08x at 0x%x" % (zlib.crc32(data), base)
    return test


def collect(ctx):
    return [
        ("links-no-optional-part", links_no_part(ctx)),
        ("boots-on-q35", boots(ctx, "q35")),
        ("boots-on-pc", boots(ctx, "pc")),
        ("boots-on-microvm", boots(ctx, "microvm")),
    ]
