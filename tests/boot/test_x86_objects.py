"""What the built x86 objects must hold, read with objdump: properties that
no boot under QEMU can show.

x2APIC ICR writes are fenced: in x2APIC mode a WRMSR to the ICR (MSR
0x830) is not serializing (Intel SDM vol. 3, 11.12.3), so an IPI can
overtake the stores it announces; the woken CPU then reads the old state
and sleeps for ever. TCG (and a hypervisor that exits on the WRMSR)
serializes it anyway, so the race cannot be shown in a boot. This test
disassembles every object of the x86 library and checks that each WRMSR
whose %ecx was last set to 0x830 comes right after MFENCE; LFENCE. It
also checks that it found such a WRMSR, so that a change of how the ICR
is written makes it fail rather than pass on nothing.
"""

ARCH = "x86_64"

import glob
import os
import re
import subprocess

from common import check

MSR_X2APIC_ICR = 0x830
FUNC = re.compile(r"^[0-9a-f]+ <(.+)>:$")
ECX_WRITE = re.compile(r"^\S+\s+(?:.*,)?%(?:e|r)?c(?:x|l)$")
ECX_IMM = re.compile(r"^mov\s+\$0x([0-9a-f]+),%ecx$")


def objects(ctx):
    return sorted(glob.glob(os.path.join(ctx.build, "obj", "arch", "x86", "*.o")) +
                  glob.glob(os.path.join(ctx.build, "obj", "common", "**", "*.o"), recursive=True))


def functions(path):
    """{name: [instruction text]} of an object, in address order."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "-w", path], check=True,
                         stdout=subprocess.PIPE).stdout.decode()
    funcs, current = {}, None
    for line in out.splitlines():
        m = FUNC.match(line)
        if m:
            current = funcs.setdefault(m.group(1), [])
            continue
        m = re.match(r"^\s*[0-9a-f]+:\t(.*)$", line)
        if m and current is not None:
            current.append(" ".join(m.group(1).split()))
    return funcs


def ecx_before(insns, i):
    """The constant %ecx holds at instruction i, if the last write to it
    before i in the function is a move of a constant; else None."""
    for insn in reversed(insns[:i]):
        m = ECX_IMM.match(insn)
        if m:
            return int(m.group(1), 16)
        if ECX_WRITE.match(insn) or insn.startswith(("call", "jmp", "ret")):
            return None
    return None


def icr_writes_fenced(ctx):
    def test():
        found, unfenced = [], []
        for path in objects(ctx):
            for name, insns in functions(path).items():
                for i, insn in enumerate(insns):
                    if insn != "wrmsr" or ecx_before(insns, i) != MSR_X2APIC_ICR:
                        continue
                    where = "%s:%s" % (os.path.relpath(path, ctx.build), name)
                    found.append(where)
                    if insns[max(0, i - 2):i] != ["mfence", "lfence"]:
                        unfenced.append("%s: %s" % (where, " ; ".join(insns[max(0, i - 4):i + 1])))
        check(found, "no WRMSR to MSR 0x830 found in %d objects: the test no longer sees how "
              "the ICR is written" % len(objects(ctx)))
        check(not unfenced, "x2APIC ICR writes without mfence; lfence right before them:\n  " +
              "\n  ".join(unfenced))
        return "%d fenced ICR write(s): %s" % (len(found), ", ".join(found))
    return test


def collect(ctx):
    return [("x2apic-icr-writes-are-preceded-by-mfence-lfence", icr_writes_fenced(ctx))]
