"""pvhboot's EL2 set-up (arch/arm64/el2.c, asm.h, vectors.S) and its first
cache maintenance (head.S), checked three ways:

1. Register dumps. QEMU runs the probe (tests/arm64/probe.c) at EL2 under
   its gdbstub. Before the first instruction, a loader's leftovers are
   planted through the stub: three instructions at the top of RAM write
   CNTHCTL_EL2 (event stream on, every FEAT_ECV trap bit set) and
   SCTLR_EL1 (MMU and caches on), then jump to QEMU's boot code. The
   test steps through them and reads both back, so it knows the dirt is
   in place. Once the probe has powered off, EL2's registers are read
   through the stub and compared with the values computed from the
   CPU's ID registers (read the same way):
   - CNTHCTL_EL2 must be exactly EL1PCTEN|EL1PCEN (shifted by 10 when
     E2H = 1); an OR of those bits would leave the dirt in place;
   - probe-no-e2h0 is the probe with el2.c built to read
     ID_AA64MMFR4_EL1.E2H0 as "not implemented". It runs on a max CPU
     (FEAT_VHE), so EL2 is set up with HCR_EL2.E2H = 1, as on a CPU
     whose E2H is stuck at 1. QEMU 7.2 cannot force E2H to stay 1: a
     write of 0 always clears it, and no model lacks FEAT_E2H0. That
     image then boots only if SCTLR_EL1 is written through SCTLR_EL12.
     Otherwise "msr sctlr_el1" reaches SCTLR_EL2, and EL1 starts with
     the planted MMU-on SCTLR_EL1 and is never heard from.
2. The fine-grained trap values. QEMU 7.2 models no CPU with FEAT_FGT
   (ID_AA64MMFR0_EL1.FGT is 0 on every model, max included), so no boot
   can show them. Instead, probe.fgt= has the image's own el2.c compute
   them for given ID register values. The expected values come from
   the table below (Linux's booting.rst and the Arm ARM register
   layouts): each "n" bit is set exactly when its feature is announced.
3. Structure, where QEMU cannot show the fault:
   - the hyp stub's trap reflection (vectors.S) under E2H = 1: nothing
     pvhboot leaves set traps to EL2, so no boot reaches it. Its
     disassembly must show the *_EL12 path taken on HCR_EL2.E2H and
     the *_EL1 path otherwise; likewise el2_to_el1 in head.o and
     secondary.o for SCTLR_EL1;
   - cache maintenance (TCG has no caches): the linked images must
     clean and invalidate, before their first store, stack or C call,
     a range covering the early map and the stacks (all that is written
     with the MMU off past the file). smp.c must clean and invalidate a
     secondary CPU's stack before its PSCI CPU_ON.
"""

ARCH = "arm64"

import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

from common import TestFailure, check
from qemu_arm64 import run_qemu_arm64

RAM_BASE, RAM_SIZE = 0x40000000, 1 << 30
SHIM = RAM_BASE + RAM_SIZE - 0x1000  # the top page of RAM: no loader or pvhboot writes there

# Leftovers planted at EL2 before pvhboot runs.
CNTHCTL_EVNTEN = 1 << 2
CNTHCTL_ALL = (1 << 18) - 1  # the fields QEMU 7.2 keeps: bits 17:0
CNTHCTL_DIRTY = CNTHCTL_ALL & ~0x3  # all but EL1PCTEN/EL1PCEN, which pvhboot sets
SCTLR_EL1_RES1 = 0x30d00800
SCTLR_M, SCTLR_C, SCTLR_I = 1, 1 << 2, 1 << 12
SCTLR_EL1_DIRTY = SCTLR_EL1_RES1 | SCTLR_M | SCTLR_C | SCTLR_I

# What pvhboot must leave (arch/arm64/arm64.h, from the Arm ARM).
CNTHCTL_EL1PCTEN, CNTHCTL_EL1PCEN = 1, 2
HCR_E2H = 1 << 34
SCTLR_EL2_RES1 = 0x30c50830
CPACR_FPEN, CPACR_ZEN, CPACR_SMEN = 3 << 20, 3 << 16, 3 << 24

REG_X9, REG_X10, REG_X11, REG_PC = 9, 10, 11, 32


def msr(op0, op1, crn, crm, op2, rt):
    """The A64 encoding of MSR S<op0>_<op1>_C<crn>_C<crm>_<op2>, X<rt>."""
    return 0xd5000000 | op0 << 19 | op1 << 16 | crn << 12 | crm << 8 | op2 << 5 | rt


A64_ISB = 0xd5033fdf
A64_BR = 0xd61f0000  # | rn << 5
SHIM_CODE = [msr(3, 4, 14, 1, 0, REG_X9),   # CNTHCTL_EL2 <- x9
             msr(3, 0, 1, 0, 0, REG_X10),   # SCTLR_EL1 <- x10
             A64_ISB,
             A64_BR | REG_X11 << 5]         # back to QEMU's boot code


class GdbStub:
    """The little of the GDB remote protocol these tests need, over
    QEMU's gdbstub on a Unix socket."""

    def __init__(self, path, deadline):
        self.deadline = deadline
        self.sock = socket.socket(socket.AF_UNIX)
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise TestFailure("QEMU's gdbstub did not open %s" % path)
                time.sleep(0.05)
        self.buf = b""

    def send(self, body):
        body = body.encode()
        self.sock.sendall(b"$%s#%02x" % (body, sum(body) & 0xff))

    def reply(self, stop=False):
        """The next packet (acknowledged); with stop, the next stop reply,
        else the next that is not one."""
        while True:
            m = re.search(rb"\$([^#$]*)#[0-9a-fA-F]{2}", self.buf)
            if m:
                self.buf = self.buf[m.end():]
                self.sock.sendall(b"+")
                body = m.group(1)
                if (body[:1] in (b"T", b"S", b"W", b"X")) == stop:
                    return body
                continue
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TestFailure("QEMU's gdbstub did not answer in time")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not data:
                raise TestFailure("QEMU's gdbstub closed the connection")
            self.buf += data

    def ask(self, body):
        self.send(body)
        return self.reply()

    def features(self, annex):
        out, off = b"", 0
        while True:
            r = self.ask("qXfer:features:read:%s:%x,%x" % (annex, off, 0xf00))
            check(r[:1] in (b"l", b"m"), "qXfer %s: %r" % (annex, r[:40]))
            out += r[1:]
            off += len(r) - 1
            if r[:1] == b"l":
                return out

    def read(self, regnum):
        r = self.ask("p%x" % regnum)
        check(len(r) == 16, "register %d: reply %r" % (regnum, r))
        return struct.unpack("<Q", bytes.fromhex(r.decode()))[0]

    def write(self, regnum, value):
        check(self.ask("P%x=%s" % (regnum, struct.pack("<Q", value).hex())) == b"OK",
              "register %d not written" % regnum)

    def step(self):
        self.send("s")
        self.reply(stop=True)

    def close(self):
        self.sock.close()


class Dump:
    def __init__(self, serial, regs, planted):
        self.serial = serial
        self.regs = regs        # name -> value, after the boot
        self.planted = planted  # name -> value, right after the shim

    def lines(self):
        return [l.rstrip(b"\r") for l in self.serial.split(b"\n") if l.startswith(b"pvhboot: ")]


def boot_and_dump(ctx, image, cpu, cmdline, timeout=30):
    """Boot image at EL2 with the leftovers planted; return a Dump of
    EL2's registers once the probe has powered off (or given up)."""
    work = tempfile.mkdtemp(prefix="pvhboot-el2-")
    sock_path = os.path.join(work, "gdb.sock")
    serial = os.path.join(work, "serial.txt")
    argv = [ctx.qemu_aarch64, "-nographic", "-nodefaults", "-no-reboot", "-no-shutdown",
            "-serial", "file:" + serial, "-M", "virt,virtualization=on", "-cpu", cpu,
            "-m", "%dM" % (RAM_SIZE >> 20), "-kernel", image, "-append", cmdline,
            "-chardev", "socket,path=%s,server=on,wait=off,id=gdb" % sock_path,
            "-gdb", "chardev:gdb", "-S"]
    deadline = time.monotonic() + timeout
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    gdb = None
    try:
        gdb = GdbStub(sock_path, deadline)
        gdb.ask("qSupported:xmlRegisters=aarch64")
        gdb.features("target.xml")  # also what makes the stub answer register reads
        xml = gdb.features("system-registers.xml")
        regnum = {m.group(1).decode(): int(m.group(2)) for m in
                  re.finditer(rb'name="(\w+)" bitsize="64" regnum="(\d+)"', xml)}
        entry = gdb.read(REG_PC)
        code = b"".join(struct.pack("<I", c) for c in SHIM_CODE)
        check(gdb.ask("M%x,%x:%s" % (SHIM, len(code), code.hex())) == b"OK", "shim not written")
        for reg, value in ((REG_X9, CNTHCTL_DIRTY), (REG_X10, SCTLR_EL1_DIRTY),
                           (REG_X11, entry), (REG_PC, SHIM)):
            gdb.write(reg, value)
        for _ in range(3):
            gdb.step()
        check(gdb.read(REG_PC) == SHIM + 12, "the shim did not run")
        planted = {n: gdb.read(regnum[n]) for n in ("CNTHCTL_EL2", "SCTLR")}
        gdb.send("c")
        while time.monotonic() < deadline - 3 and proc.poll() is None:
            with open(serial, "rb") as f:
                data = f.read()
            if b"pvhboot: probe done" in data or b"pvhboot: error" in data:
                break
            time.sleep(0.1)
        time.sleep(0.3)  # the poweroff, or the last lines
        gdb.sock.sendall(b"\x03")
        gdb.reply(stop=True)
        names = ("CNTHCTL_EL2", "HCR_EL2", "SCTLR_EL2", "CPTR_EL2")
        regs = {n: gdb.read(regnum[n]) for n in names}
    finally:
        if gdb:
            gdb.close()
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)  # this QEMU, by its PID
        proc.wait()
    with open(serial, "rb") as f:
        out = f.read()
    shutil.rmtree(work, ignore_errors=True)
    return Dump(out, regs, planted)


def check_planted(dump):
    check(dump.planted["CNTHCTL_EL2"] == CNTHCTL_DIRTY and dump.planted["SCTLR"] == SCTLR_EL1_DIRTY,
          "the leftovers did not stick: CNTHCTL_EL2 0x%x SCTLR_EL1 0x%x" %
          (dump.planted["CNTHCTL_EL2"], dump.planted["SCTLR"]))


def check_probe_ran(dump, want_features):
    lines = dump.lines()
    check(b"pvhboot: entered at EL2: running at EL1" in lines and b"pvhboot: probe done" in lines,
          "the probe did not run to its end (EL1 never came up?): %r" % lines[-5:])
    check(not [l for l in lines if l.startswith(b"pvhboot: error")], "error lines: %r" % lines)
    got = [l for l in lines if l.startswith(b"pvhboot: probe: features ")]
    check(got == [b"pvhboot: probe: features " + want_features],
          "features used %r, expected %r" % (got, want_features))


def check_cnthctl(dump, e2h):
    want = (CNTHCTL_EL1PCTEN | CNTHCTL_EL1PCEN) << (10 if e2h else 0)
    got = dump.regs["CNTHCTL_EL2"]
    check(got == want, "CNTHCTL_EL2 0x%x, expected exactly 0x%x (left over: 0x%x)" %
          (got, want, got & ~want))
    return want


def cnthctl_written_whole(ctx, cpu, want_features):
    def test():
        dump = boot_and_dump(ctx, os.path.join(ctx.build_arm64, "tests", "probe.bin"), cpu,
                             "probe.features")
        check_planted(dump)
        check(not dump.regs["HCR_EL2"] & HCR_E2H, "HCR_EL2 0x%x: E2H set" % dump.regs["HCR_EL2"])
        check_probe_ran(dump, want_features)
        return "CNTHCTL_EL2 0x%x (planted 0x%x)" % (check_cnthctl(dump, False), CNTHCTL_DIRTY)
    return test


def e2h_stuck_boots(ctx):
    def test():
        dump = boot_and_dump(ctx, os.path.join(ctx.build_arm64, "tests", "probe-no-e2h0.bin"),
                             "max", "probe.features")
        check_planted(dump)
        check(dump.regs["HCR_EL2"] & HCR_E2H, "HCR_EL2 0x%x: E2H clear, the VHE path was not taken"
              % dump.regs["HCR_EL2"])
        check_probe_ran(dump, b"counter pauth pmu sve sme")
        check(dump.regs["SCTLR_EL2"] == SCTLR_EL2_RES1,
              "SCTLR_EL2 0x%x, expected 0x%x: EL1's value went to EL2's register" %
              (dump.regs["SCTLR_EL2"], SCTLR_EL2_RES1))
        # The probe names sve and sme where ID_AA64PFR0/PFR1_EL1 announce them
        # (QEMU's gdbstub does not show ID_AA64PFR0_EL1).
        features = [l for l in dump.lines() if l.startswith(b"pvhboot: probe: features ")][0].split()
        cptr = CPACR_FPEN | (CPACR_ZEN if b"sve" in features else 0) | \
            (CPACR_SMEN if b"sme" in features else 0)
        check(dump.regs["CPTR_EL2"] == cptr, "CPTR_EL2 0x%x, expected 0x%x (E2H layout)" %
              (dump.regs["CPTR_EL2"], cptr))
        return "E2H=1, CNTHCTL_EL2 0x%x, CPTR_EL2 0x%x" % (check_cnthctl(dump, True), cptr)
    return test


# --- fine-grained traps -------------------------------------------------

# feature: (ID register, field shift, lowest value that has it,
#           {register: "n" bits that must be set}); booting.rst and the
# HFGxTR_EL2/HFGITR_EL2/HDFGxTR_EL2 layouts of the Arm ARM.
FGT_FEATURES = {
    "sme": ("pfr1", 24, 1, {"hfgrtr": [55, 54], "hfgwtr": [55, 54]}),
    "s1pie": ("mmfr3", 8, 1, {"hfgrtr": [58, 57], "hfgwtr": [58, 57]}),
    "s1poe": ("mmfr3", 16, 1, {"hfgrtr": [60, 59], "hfgwtr": [60, 59]}),
    "s2poe": ("mmfr3", 20, 1, {"hfgrtr": [61], "hfgwtr": [61]}),
    "aie": ("mmfr3", 24, 1, {"hfgrtr": [63, 62], "hfgwtr": [63, 62]}),
    "the": ("pfr1", 48, 1, {"hfgrtr": [56], "hfgwtr": [56]}),
    "ls64-accdata": ("isar1", 60, 3, {"hfgrtr": [50], "hfgwtr": [50]}),
    "gcs": ("pfr1", 44, 1, {"hfgrtr": [53, 52], "hfgwtr": [53, 52], "hfgitr": [59, 58, 57]}),
    "brbe": ("dfr0", 52, 1, {"hfgitr": [56, 55], "hdfgrtr": [61, 60, 59], "hdfgwtr": [61, 60]}),
    "spev1p2": ("dfr0", 32, 3, {"hdfgrtr": [62], "hdfgwtr": [62]}),
}
FGT_REGS = ("hfgrtr", "hfgwtr", "hfgitr", "hdfgrtr", "hdfgwtr")
ID_REGS = ("pfr1", "isar1", "mmfr3", "dfr0")


def fgt_case(ctx, ids, features):
    """ids: ID register values; features: the FGT_FEATURES they announce."""
    def test():
        want = dict.fromkeys(FGT_REGS, 0)
        for f in features:
            for reg, bits in FGT_FEATURES[f][3].items():
                for b in bits:
                    want[reg] |= 1 << b
        cmd = "probe.fgt=" + ",".join("0x%x" % ids[r] for r in ID_REGS)
        args = ["-M", "virt", "-cpu", "cortex-a57", "-m", "1G",
                "-kernel", os.path.join(ctx.build_arm64, "tests", "probe.bin"), "-append", cmd]
        result = run_qemu_arm64(args, 30, qemu=ctx.qemu_aarch64)
        lines = result.lines()
        got = [l for l in lines if l.startswith(b"pvhboot: probe: fgt ")]
        check(len(got) == 1, "no fgt line: " + result.describe())
        values = dict(re.findall(r"(\w+) 0x([0-9a-f]+)", got[0].decode()[len("pvhboot: probe: fgt "):]))
        bad = ["%s 0x%s, expected 0x%x" % (r, values.get(r), want[r]) for r in FGT_REGS
               if int(values.get(r, "-1"), 16) != want[r]]
        check(not bad, "; ".join(bad))
        return " ".join("%s=0x%x" % (r, want[r]) for r in FGT_REGS if want[r]) or "all 0"
    return test


def fgt_cases(ctx):
    def ids_for(features, below=()):
        ids = dict.fromkeys(ID_REGS, 0)
        for f in features:
            reg, shift, value, _ = FGT_FEATURES[f]
            ids[reg] |= value << shift
        for f in below:  # the version just before the one that has the registers
            reg, shift, value, _ = FGT_FEATURES[f]
            ids[reg] |= (value - 1) << shift
        return ids
    cases = [("fgt-n-bits-none", fgt_case(ctx, ids_for([]), []))]
    for f in FGT_FEATURES:
        cases.append(("fgt-n-bits-" + f, fgt_case(ctx, ids_for([f]), [f])))
    for f in ("ls64-accdata", "spev1p2"):
        cases.append(("fgt-n-bits-none-below-" + f, fgt_case(ctx, ids_for([], [f]), [])))
    cases.append(("fgt-n-bits-all", fgt_case(ctx, ids_for(FGT_FEATURES), list(FGT_FEATURES))))
    return cases


# --- structure ----------------------------------------------------------

LABEL = re.compile(r"^([0-9a-f]+) <([^>]+)>:$")
# objdump names the *_EL12 registers, or shows their encodings.
EL12 = {"s3_5_c1_c0_0": "sctlr_el12", "s3_5_c5_c2_0": "esr_el12", "s3_5_c6_c0_0": "far_el12",
        "s3_5_c4_c0_1": "elr_el12", "s3_5_c4_c0_0": "spsr_el12", "s3_5_c12_c0_0": "vbar_el12"}


def disassemble(path):
    """[(address, mnemonic, operands)] and {label: address} of path's text."""
    out = subprocess.run(["aarch64-linux-gnu-objdump", "-d", "--no-show-raw-insn", path],
                         check=True, stdout=subprocess.PIPE).stdout.decode()
    insns, labels = [], {}
    for line in out.splitlines():
        m = LABEL.match(line)
        if m:
            labels[m.group(2)] = int(m.group(1), 16)
            continue
        m = re.match(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*?)\s*$", line)
        if m:
            ops = re.sub(r"\s*//.*$", "", m.group(3)).lower()
            for enc, name in EL12.items():
                ops = ops.replace(enc, name)
            insns.append((int(m.group(1), 16), m.group(2).lower(), ops))
    return insns, labels


def branch_target(ops):
    m = re.search(r"\b([0-9a-f]+) <", ops)
    return int(m.group(1), 16) if m else None


def sysreg_accesses(insns, start, end):
    """The system registers msr writes and mrs reads in [start, end) of insns."""
    out = []
    for addr, mn, ops in insns:
        if start <= addr < end and mn in ("msr", "mrs"):
            regs = [o.strip() for o in ops.split(",")]
            out.append((mn, regs[0] if mn == "msr" else regs[1]))
    return out


def e2h_branch(insns, i):
    """At insns[i] an mrs of HCR_EL2 followed by a test of bit 34 of it:
    return (the address E2H = 1 goes to, the one E2H = 0 goes to)."""
    addr, mn, ops = insns[i]
    reg = ops.split(",")[0].strip()
    naddr, nmn, nops = insns[i + 1]
    check(nmn in ("tbnz", "tbz") and re.match(r"[xw]%s, #34," % reg[1:], nops),
          "0x%x: HCR_EL2 read but E2H (bit 34) not tested next: %s %s" % (naddr, nmn, nops))
    taken, fall = branch_target(nops), insns[i + 2][0]
    return (taken, fall) if nmn == "tbnz" else (fall, taken)


def el2_to_el1_under_e2h(ctx, obj):
    """In each expansion of el2_to_el1 (asm.h) in obj: SCTLR_EL12 written
    when HCR_EL2.E2H is 1, SCTLR_EL1 when it is 0, before the eret."""
    def test():
        insns, _ = disassemble(os.path.join(ctx.build_arm64, "obj", "arch", "arm64", obj))
        seen = 0
        for i, (addr, mn, ops) in enumerate(insns):
            if not (mn == "bl" and "<arm64_el2_setup>" in ops):
                continue
            eret = next(a for a, m, _ in insns[i:] if m == "eret")
            hcr = [j for j in range(i, len(insns)) if insns[j][0] < eret and
                   insns[j][1] == "mrs" and insns[j][2].endswith("hcr_el2")]
            check(hcr, "0x%x..0x%x: no HCR_EL2 read before the eret" % (addr, eret))
            on, off = e2h_branch(insns, hcr[0])
            at = {a: (m, o) for a, m, o in insns}
            check(at.get(on, ("",))[0] == "msr" and at[on][1].startswith("sctlr_el12,"),
                  "E2H=1 path at 0x%x does not write SCTLR_EL12: %r" % (on, at.get(on)))
            check(at.get(off, ("",))[0] == "msr" and at[off][1].startswith("sctlr_el1,"),
                  "E2H=0 path at 0x%x does not write SCTLR_EL1: %r" % (off, at.get(off)))
            seen += 1
        check(seen == 1, "%d el2_to_el1 expansions in %s, expected 1" % (seen, obj))
        return "SCTLR_EL12 under E2H=1, SCTLR_EL1 under E2H=0"
    return test


def hyp_reflect_under_e2h(ctx):
    """The EL2 stub's reflection of a trap to EL1 (vectors.S): with E2H = 1
    every EL1 register it touches is reached by its *_EL12 encoding; with
    E2H = 0 by *_EL1."""
    def test():
        insns, labels = disassemble(os.path.join(ctx.build_arm64, "obj", "arch", "arm64", "vectors.o"))
        start = labels["hyp_reflect"]
        i = next(k for k, (a, m, o) in enumerate(insns) if a >= start and m == "mrs")
        check(insns[i][2].endswith("hcr_el2"), "hyp_reflect does not start by reading HCR_EL2")
        on, off = e2h_branch(insns, i)
        erets = sorted(a for a, m, _ in insns if m == "eret")
        for path, suffix, other in ((on, "_el12", "_el1"), (off, "_el1", "_el12")):
            end = next(a for a in erets if a >= path) + 4
            acc = sysreg_accesses(insns, path, end)
            want = {("msr", r + suffix) for r in ("esr", "far", "elr", "spsr")} | \
                {("mrs", "vbar" + suffix)}
            check(want <= set(acc), "path at 0x%x: %s missing" % (path, sorted(want - set(acc))))
            stray = [a for a in acc if a[1].endswith(other) and a[1][:-len(other)] in
                     ("esr", "far", "elr", "spsr", "vbar")]
            check(not stray, "path at 0x%x also uses %r" % (path, stray))
        return "E2H=1 path 0x%x (*_EL12), E2H=0 path 0x%x (*_EL1)" % (on, off)
    return test


def symbols(elf):
    out = subprocess.run(["aarch64-linux-gnu-nm", elf], check=True,
                         stdout=subprocess.PIPE).stdout.decode()
    return {p[2]: int(p[0], 16) for p in (l.split() for l in out.splitlines()) if len(p) == 3}


def track_address(regs, mn, ops):
    """The PC-relative addresses an adrp (and an add to its register) put
    in registers, as head.S's adr_l forms them; returns the register an
    add completed, else None."""
    m = re.match(r"(x\d+), (?:0x)?([0-9a-f]+)", ops)
    if mn == "adrp" and m:
        regs[m.group(1)] = int(m.group(2), 16)
    m = re.match(r"(x\d+), (x\d+), #(0x[0-9a-f]+|\d+)$", ops)
    if mn == "add" and m and m.group(2) in regs:
        regs[m.group(1)] = regs[m.group(2)] + int(m.group(3), 0)
        return m.group(1)
    return None


def mmu_off_range_cleaned_first(ctx, image):
    """From the entry to the first call, store or stack set-up: a call of
    arm64_dcache_clean_inval (dc civac) over [x0, x1) covering the early
    map and the early stack (.mmu_off), i.e. everything written with the
    MMU off past the file; and until the MMU is on (arm64_mmu_enable) the
    code never takes the main stack's address, so nothing outside the
    cleaned range is written with the caches off."""
    def test():
        elf = os.path.join(ctx.build_arm64, image)
        insns, labels = disassemble(elf)
        sym = symbols(elf)
        start = labels["primary_entry"]
        regs, call = {}, None
        for addr, mn, ops in insns:
            if addr < start:
                continue
            check(not (mn.startswith("st") or re.match(r"mov\b", mn) and ops.startswith("sp,")),
                  "0x%x: %s %s before any cache maintenance" % (addr, mn, ops))
            track_address(regs, mn, ops)
            if mn == "bl":
                call = (addr, ops)
                break
        check(call and "<arm64_dcache_clean_inval>" in call[1],
              "the first call from the entry is %r, not arm64_dcache_clean_inval" % (call,))
        lo, hi = regs.get("x0"), regs.get("x1")
        check(lo is not None and hi is not None, "x0/x1 not set PC-relative before the call")
        fn = labels["arm64_dcache_clean_inval"]
        body = [mn + " " + ops for a, mn, ops in insns if fn <= a < fn + 0x80]
        check(any(b.startswith("dc civac") for b in body), "arm64_dcache_clean_inval: no dc civac")
        need = {"early map": (sym["early"], sym["early"] + 1),
                "early stack": (sym["arm64_early_stack_top"] - 1, sym["arm64_early_stack_top"])}
        for what, (a, b) in need.items():
            check(lo <= a and b <= hi, "[0x%x, 0x%x) does not cover the %s [0x%x, 0x%x)" %
                  (lo, hi, what, a, b))
        check(lo >= sym["__file_end"] and hi == sym["__mmu_off_end"],
              "[0x%x, 0x%x): not past the file (0x%x) to the end of .mmu_off (0x%x)" %
              (lo, hi, sym["__file_end"], sym["__mmu_off_end"]))
        regs, enable = {}, None
        for addr, mn, ops in insns:
            if addr < start:
                continue
            reg = track_address(regs, mn, ops)
            check(reg is None or regs[reg] != sym["arm64_stack_top"],
                  "0x%x: the main stack's address taken before the MMU is on" % addr)
            if mn == "bl" and "<arm64_mmu_enable>" in ops:
                enable = addr
                break
        check(enable is not None, "no call of arm64_mmu_enable from the entry")
        return "[0x%x, 0x%x): %d KiB" % (lo, hi, (hi - lo) >> 10)
    return test


def secondary_stack_cleaned(ctx):
    """smp.c: a secondary CPU's stack cleaned and invalidated before CPU_ON."""
    def test():
        insns, labels = disassemble(os.path.join(ctx.build_arm64, "hello.elf"))
        start = labels["pvh_arch_cpu_boot"]
        end = min(a for a in labels.values() if a > start)
        calls = [(a, o) for a, m, o in insns if start <= a < end and m in ("bl", "b")
                 and "<" in o]
        names = [re.search(r"<([^>+]+)", o).group(1) for _, o in calls]
        check("arm64_psci_cpu_on" in names, "no CPU_ON call: %r" % names)
        check("arm64_dcache_clean_inval" in names[:names.index("arm64_psci_cpu_on")],
              "no clean+invalidate before CPU_ON: %r" % names)
        return " -> ".join(names)
    return test


def collect(ctx):
    tests = [
        ("cnthctl-written-whole-cortex-a57", cnthctl_written_whole(ctx, "cortex-a57", b"counter pmu")),
        ("cnthctl-written-whole-max", cnthctl_written_whole(ctx, "max", b"counter pauth pmu sve sme")),
        ("e2h-stuck-el1-registers-through-el12-max", e2h_stuck_boots(ctx)),
        ("el2-to-el1-sctlr-el12-under-e2h-head", el2_to_el1_under_e2h(ctx, "head.o")),
        ("el2-to-el1-sctlr-el12-under-e2h-secondary", el2_to_el1_under_e2h(ctx, "secondary.o")),
        ("hyp-stub-reflects-through-el12-under-e2h", hyp_reflect_under_e2h(ctx)),
        ("secondary-stack-cleaned-before-cpu-on", secondary_stack_cleaned(ctx)),
    ]
    for image in ("hello.elf", "pvhboot.elf", "tests/probe.elf"):
        tests.append(("mmu-off-range-cleaned-first-" + image.replace("/", "-").replace(".elf", ""),
                      mmu_off_range_cleaned_first(ctx, image)))
    return tests + fgt_cases(ctx)
