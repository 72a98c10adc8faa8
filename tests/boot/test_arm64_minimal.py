"""examples/minimal on arm64: no optional part (PVHBOOT_PARTS()). It boots
on QEMU virt at EL1 and EL2, prints what it was given exactly, and powers
off through PSCI (always linked); its image links none of the Xen or CPU
list parts' code, which hello (every part) does link. The firmware names
Xen but no CPU list."""

ARCH = "arm64"

import os
import re

from common import check, check_parts_linked
from qemu_arm64 import run_qemu_arm64
from test_x86_minimal import CMDLINE, escape

PART_SYMBOLS = {
    "xen": ["arm64_xen_setup", "arm64_xen_shutdown"],
    "cpu list": ["pvh_fdt_cpus_begin", "pvh_fdt_cpus_read", "pvh_fdt_cpus_end"],
}


def links_no_part(ctx):
    def test():
        check_parts_linked(ctx.build_arm64, PART_SYMBOLS)
    return test


def boots(ctx, el):
    def test():
        module = os.path.join(ctx.build_arm64, "minimal-module.bin")
        data = bytes(range(255, -1, -1)) * 41
        with open(module, "wb") as f:
            f.write(data)
        result = run_qemu_arm64(["-M", "virt,virtualization=on" if el == 2 else "virt",
                                 "-cpu", "cortex-a57", "-m", "256M",
                                 "-kernel", os.path.join(ctx.build_arm64, "minimal.bin"),
                                 "-append", CMDLINE, "-initrd", module], 30, qemu=ctx.qemu_aarch64)
        # At EL2 pvhboot says it drops to EL1, before the program runs.
        lines = [l for l in result.lines() if l != b"pvhboot: entered at EL2: running at EL1"]
        check((len(lines) < len(result.lines())) == (el == 2),
              "the EL2 line where it does not belong: " + result.describe())
        check(not result.timed_out, "did not end: " + result.describe())
        check(not [l for l in lines if b"error" in l], "an error: " + result.describe())
        check(lines[:3] == [b"pvhboot: minimal arm64", b"pvhboot: loader fdt",
                            b'pvhboot: cmdline "' + escape(CMDLINE) + b'"'],
              "first lines: " + result.describe())
        mods = [m for m in (re.fullmatch(rb"pvhboot: module 0 base 0x([0-9a-f]+) size (\d+)", l)
                            for l in lines) if m]
        check(len(mods) == 1 and int(mods[0].group(2)) == len(data),
              "expected one module of %d bytes: %s" % (len(data), result.describe()))
        check(lines[-1] == b"pvhboot: minimal done", "last line: " + result.describe())
        check(result.status == 0, "expected PSCI SYSTEM_OFF (QEMU exits 0): " + result.describe())
    return test


def collect(ctx):
    return [
        ("links-no-optional-part", links_no_part(ctx)),
        ("boots-on-virt-el1", boots(ctx, 1)),
        ("boots-on-virt-el2", boots(ctx, 2)),
    ]
