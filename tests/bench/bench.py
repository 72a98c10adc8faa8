#!/usr/bin/env python3
"""make bench: how fast and how small pvhboot is, beside the firmware
people use today. Writes build/bench/results.md and
build/bench/time-to-userspace.png, and prints the tables.

  1. pvhboot's own cost, phase by phase (pvhboot.timing): TSC ticks under
     QEMU with -icount shift=0 (one tick per instruction: deterministic,
     comparable between machines; each run twice to show it repeats) and
     without it (median of --runs).
  2. Time from starting QEMU to the first userspace instruction of
     Debian's kernel (busybox initramfs; /init, tsc_init.c, ends QEMU as
     its first act), median of --runs, the paths taken in turn (every
     other round backwards) so drift hits them alike; ratios against
     QEMU's own PVH loader booting the vmlinux directly; one path is
     pvhboot-disk.elf reading the bzImage from a disk (tools/make-disk.py,
     virtio-blk-pci) beside the packed one. Then the same paths under
     -icount: the guest's own path to userspace in TSC ticks, free of the
     host's noise.
  3. Size: each loadable segment's bytes; memory at run time.
  4. Scale: pvhboot's cost as RAM grows (128M, 4G, 64G; 2 MiB and 1 GiB
     pages) and, on the host, as the memory map and module list grow.
  5. CPUs: hello's time from its pvh_main to every CPU running its
     function (hello's cpus-up line: the CPU's counter), per environment
     and CPU count: QEMU pc, q35, microvm and virt at EL1 and EL2, and the
     real Xen 4.17 (x86 PVH dom0 and an xl domU; arm64 dom0 and a
     dom0less domU), median of --runs (Xen: of 3; xl domUs: one each).
"""

import argparse
import os
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "boot"))

import budgets  # noqa: E402  (tests/bench/budgets.py)
import parts  # noqa: E402  (tests/bench/parts.py)
import linux  # noqa: E402
import qemu_arm64  # noqa: E402
from common import file_once  # noqa: E402
from qemu import run_qemu  # noqa: E402
from qemu_arm64 import run_qemu_arm64  # noqa: E402

QBOOT = "/usr/share/qemu/qboot.rom"
# /init: reads the TSC, prints it and ends QEMU (tests/bench/tsc_init.c).
TSC_INIT_SRC = os.path.join(HERE, "tsc_init.c")
INIT_TSC = re.compile(rb"bench: init tsc (\d+)")


class Ctx:
    def __init__(self, args):
        self.root = ROOT
        self.build_root = os.path.abspath(args.build_root)
        self.build = os.path.join(self.build_root, "x86_64")
        self.cache = os.path.abspath(os.environ.get("PVHBOOT_CACHE", os.path.join(ROOT, "cache")))
        self.qemu = args.qemu
        self.qemu_aarch64 = args.qemu_aarch64
        self.tmp = tempfile.mkdtemp(prefix="pvhboot-bench-")
        self.build_arm64 = os.path.join(self.build_root, "arm64")
        self.out = os.path.join(self.build_root, "bench")
        os.makedirs(self.out, exist_ok=True)


def exit_at_once_initramfs(ctx):
    """Debian's busybox-static beside an /init that ends QEMU as its first
    act (tsc_init.c): the archive has busybox's size, the boot no shell."""
    path = os.path.join(ctx.tmp, "exit-at-once.cpio")
    busybox = linux.cache_file(ctx, "busybox", "busybox")
    init = os.path.join(ctx.tmp, "tsc_init")

    def build():
        subprocess.run(["gcc", "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-static",
                        "-nostdlib", "-ffreestanding", "-fno-tree-loop-distribute-patterns", "-fno-pie",
                        "-no-pie", "-fno-stack-protector",
                        "-mgeneral-regs-only", "-o", init, TSC_INIT_SRC], check=True)
        with open(busybox, "rb") as f:
            bb = f.read()
        with open(init, "rb") as f:
            init_bytes = f.read()
        S_IFDIR, S_IFREG, S_IFCHR = 0o040000, 0o100000, 0o020000
        return linux.cpio_newc([
            ("bin", S_IFDIR | 0o755, b"", 0, 0), ("dev", S_IFDIR | 0o755, b"", 0, 0),
            ("dev/console", S_IFCHR | 0o600, b"", 5, 1),
            ("bin/busybox", S_IFREG | 0o755, bb, 0, 0),
            ("init", S_IFREG | 0o755, init_bytes, 0, 0)])
    file_once(path, build)
    return path


def pack(ctx, name, *args):
    out = os.path.join(ctx.tmp, name)
    if not os.path.exists(out):
        linux.pack_tool(ctx, "pack", "--firmware", os.path.join(ctx.build, "pvhboot.elf"),
                        *args, "-o", out)
    return out


# --- 1. phases -------------------------------------------------------------------

TIMING = re.compile(rb"pvhboot: timing (.*?) unit=(\w+)")


def phases(ctx, args, icount, cpu=None, machine="q35", mem="512M"):
    """One boot up to pvhboot's timing line: {phase: ticks}."""
    cmd = ["-M", machine, "-m", mem] + (["-cpu", cpu] if cpu else []) + args
    if mem.endswith("G") and int(mem[:-1]) > 8:
        # More guest RAM than this host may commit: back it with a sparse
        # file, of which only the pages the guest touches take space.
        backing = os.path.join(ctx.tmp, "ram-%s" % mem)
        cmd = ["-object", "memory-backend-file,id=ram,size=%s,mem-path=%s,share=on" % (mem, backing),
               "-machine", "memory-backend=ram"] + cmd
    if icount:
        cmd += ["-icount", "shift=0"]
    return timing_line(run_qemu(cmd, 60, qemu=ctx.qemu, stop_on=TIMING))


def timing_line(result):
    """{phase: ticks} from the pvhboot.timing line of a boot."""
    m = TIMING.search(result.serial)
    if not m:
        raise RuntimeError("no timing line:\n" + result.describe())
    return dict((k.decode(), int(v)) for k, v in (kv.split(b"=") for kv in m.group(1).split()))


PHASE_ORDER = ["entry-to-c", "hypervisor", "boot-description", "xen", "page-tables",
               "placement", "copy", "rest", "total"]


def phase_cases(ctx):
    initramfs = exit_at_once_initramfs(ctx)
    fw_initrd = pack(ctx, "fw-initrd.elf", "--module", initramfs)
    return [
        ("hello (unikernel)", ["-kernel", os.path.join(ctx.build, "hello.elf"),
                               "-append", "pvhboot.timing"]),
        ("bzImage, packed", ["-kernel", pack(ctx, "fw-bz.elf", "--kernel", linux.bzimage(ctx),
                                             "--module", initramfs),
                             "-append", "pvhboot.timing console=ttyS0"]),
        ("bzImage, module", ["-kernel", fw_initrd, "-initrd", linux.bzimage(ctx),
                             "-append", "pvhboot.timing console=ttyS0"]),
        ("vmlinux (PVH), packed", ["-kernel", pack(ctx, "fw-vm.elf", "--kernel", linux.vmlinux(ctx),
                                                   "--module", initramfs),
                                   "-append", "pvhboot.timing console=ttyS0"]),
        ("vmlinux (PVH), module", ["-kernel", fw_initrd, "-initrd", linux.vmlinux(ctx),
                                   "-append", "pvhboot.timing console=ttyS0"]),
    ]


def phase_rows(cases, boot, runs):
    """Each case twice under icount (do they repeat?) and runs times
    without: (name, icount phases, repeated, wall medians)."""
    rows = []
    for name, args in cases:
        a = boot(args, True)
        b = boot(args, True)
        wall = [boot(args, False) for _ in range(runs)]
        med = {k: statistics.median(w.get(k, 0) for w in wall) for k in PHASE_ORDER}
        rows.append((name, a, a == b, med))
    return rows


def bench_phases(ctx, runs):
    return phase_rows(phase_cases(ctx), lambda args, icount: phases(ctx, args, icount), runs)


# arm64: the generic timer of QEMU's virt runs at 62.5 MHz, and
# -icount shift=0 makes a guest nanosecond one instruction: a tick is 16.
ARM64_INSNS_PER_TICK = 16


def arm64_phases(ctx, args, icount):
    cmd = ["-M", "virt", "-cpu", "cortex-a57", "-m", "1G"] + args
    if icount:
        cmd += ["-icount", "shift=0"]
    return timing_line(run_qemu_arm64(cmd, 60, qemu=ctx.qemu_aarch64, stop_on=TIMING))


def bench_arm64_phases(ctx, runs):
    build = os.path.join(ctx.build_root, "arm64")
    if not os.path.exists(os.path.join(build, "hello.bin")):
        return []
    cases = [("hello (unikernel)", ["-kernel", os.path.join(build, "hello.bin"),
                                    "-append", "pvhboot.timing"])]
    image = os.path.join(ctx.cache, "arm64", "linux", "Image")
    if os.path.exists(image):
        packed = os.path.join(ctx.tmp, "arm64-packed.bin")
        linux.pack_tool(ctx, "pack", "--firmware", os.path.join(build, "pvhboot.bin"),
                        "--kernel", image, "--cmdline", "console=ttyAMA0 pvhboot.timing",
                        "-o", packed)
        cases.append(("Image, packed (in place)", ["-kernel", packed]))
    return phase_rows(cases, lambda args, icount: arm64_phases(ctx, args, icount), runs)


# --- 2. time to userspace -------------------------------------------------------------

def boot_disk(ctx, kernel, initramfs):
    """A GPT disk whose FAT32 ESP holds kernel, initramfs and one Boot
    Loader Specification entry with no options of its own (the VMM's
    cmdline is then the kernel's: the same as the packed paths'), made by
    tools/make-disk.py; the QEMU arguments that attach it (virtio-blk-pci,
    read-only)."""
    out = os.path.join(ctx.tmp, "bench-disk.img")
    if not os.path.exists(out):
        subprocess.run([sys.executable, os.path.join(ROOT, "tools", "make-disk.py"), "--out", out,
                        "--fat", "32", "--kernel", kernel, "--initrd", initramfs,
                        "--entry", "bench:Bench:1::"], check=True, stdout=subprocess.DEVNULL)
    return ["-drive", "file=%s,format=raw,if=none,id=d0,readonly=on" % out,
            "-device", "virtio-blk-pci,drive=d0"]


def userspace_paths(ctx):
    initramfs = exit_at_once_initramfs(ctx)
    bz, vm = linux.bzimage(ctx), linux.vmlinux(ctx)
    append = ["-append", "console=ttyS0 quiet"]
    fw_initrd = pack(ctx, "fw-initrd.elf", "--module", initramfs)
    fw_bz = pack(ctx, "fw-bz.elf", "--kernel", bz, "--module", initramfs)
    fw_vm = pack(ctx, "fw-vm.elf", "--kernel", vm, "--module", initramfs)
    return [
        ("QEMU bzImage loader (SeaBIOS)", ["-kernel", bz, "-initrd", initramfs] + append),
        ("qboot, bzImage", ["-bios", QBOOT, "-kernel", bz, "-initrd", initramfs] + append),
        ("pvhboot.elf + bzImage module (SeaBIOS)", ["-kernel", fw_initrd, "-initrd", bz] + append),
        ("pvhboot.elf, bzImage packed (SeaBIOS)", ["-kernel", fw_bz] + append),
        ("pvhboot.elf, bzImage packed (qboot)", ["-bios", QBOOT, "-kernel", fw_bz] + append),
        ("pvhboot-disk.elf, bzImage from a disk (SeaBIOS, virtio-blk-pci)",
         ["-kernel", os.path.join(ctx.build, "pvhboot-disk.elf")] + boot_disk(ctx, bz, initramfs) +
         append),
        ("QEMU PVH loader, vmlinux (SeaBIOS)", ["-kernel", vm, "-initrd", initramfs] + append),
        ("pvhboot.elf, vmlinux packed (SeaBIOS)", ["-kernel", fw_vm] + append),
        ("pvhboot.elf + vmlinux module (SeaBIOS)", ["-kernel", fw_initrd, "-initrd", vm] + append),
        ("QEMU PVH loader, vmlinux (qboot)", ["-bios", QBOOT, "-kernel", vm, "-initrd", initramfs] + append),
        ("pvhboot.elf, vmlinux packed (qboot)", ["-bios", QBOOT, "-kernel", fw_vm] + append),
    ]


def bench_userspace(ctx, paths, runs):
    times = {name: [] for name, _ in paths}
    for run in range(runs):
        # Every other round in reverse: drift on the host (caches, clocks)
        # then falls on every path alike, not on the last ones of a round.
        for name, args in (paths if run % 2 == 0 else paths[::-1]):
            start = time.monotonic()
            result = run_qemu(["-M", "pc", "-m", "512M"] + args, 120, qemu=ctx.qemu)
            elapsed = time.monotonic() - start
            if result.status != linux.INIT_EXIT_STATUS:
                raise RuntimeError("%s: /init did not end QEMU:\n%s" % (name, result.describe()))
            times[name].append(elapsed)
    return [(name, statistics.median(times[name]), times[name]) for name, _ in paths]


def bench_userspace_icount(ctx, paths):
    """The same paths under -icount shift=0,sleep=off, twice each: the TSC
    /init reads counts the guest's instructions from reset, and idle time
    jumps to the next timer, so the host's noise is gone. [(name, [ticks])]"""
    rows = []
    for name, args in paths:
        ticks = []
        for _ in range(2):
            result = run_qemu(["-M", "pc", "-m", "512M", "-icount", "shift=0,sleep=off"] + args,
                              240, qemu=ctx.qemu)
            m = INIT_TSC.search(result.serial)
            if result.status != linux.INIT_EXIT_STATUS or not m:
                raise RuntimeError("%s: no TSC from /init:\n%s" % (name, result.describe()))
            ticks.append(int(m.group(1)))
        rows.append((name, ticks))
    return rows


# --- 3. size -------------------------------------------------------------------------

def elf_loads(path):
    with open(path, "rb") as f:
        d = f.read()
    is64 = d[4] == 2
    phoff = struct.unpack_from("<Q" if is64 else "<I", d, 32 if is64 else 28)[0]
    phentsize, phnum = struct.unpack_from("<HH", d, 54 if is64 else 42)
    out = []
    for i in range(phnum):
        if is64:
            t, flags, _, _, paddr, filesz, memsz, _ = struct.unpack_from("<IIQQQQQQ", d, phoff + i * phentsize)
        else:
            t, _, _, paddr, filesz, memsz, flags, _ = struct.unpack_from("<IIIIIIII", d, phoff + i * phentsize)
        if t == 1:
            out.append((paddr, filesz, memsz, flags))
    return out


def bench_size(ctx):
    rows = []
    for arch, name in (("x86_64", "hello.elf"), ("x86_64", "pvhboot.elf"),
                       ("arm64", "hello.elf"), ("arm64", "pvhboot.elf")):
        path = os.path.join(ctx.build_root, arch, name)
        if not os.path.exists(path):
            continue
        loads = elf_loads(path)
        binary = path[:-4] + ".bin"
        rows.append(("%s/%s" % (arch, name), loads,
                     os.path.getsize(binary) if arch == "arm64" and os.path.exists(binary) else None))
    return rows


# --- 4. scale ------------------------------------------------------------------------

def bench_scale(ctx):
    rows = []
    hello = ["-kernel", os.path.join(ctx.build, "hello.elf"), "-append", "pvhboot.timing"]
    for cpu, pages in (("qemu64", "2 MiB"), ("max", "1 GiB")):
        for mem in ("128M", "4G", "64G"):
            p = phases(ctx, hello, True, cpu=cpu, mem=mem)
            rows.append((mem, pages, p["page-tables"], p["total"]))
    host = subprocess.run([os.path.join(ctx.build_root, "host", "bench", "bench_parsers")],
                          check=True, stdout=subprocess.PIPE).stdout.decode()
    return rows, host


# --- 5. CPUs ---------------------------------------------------------------------------

CPUS_UP = re.compile(rb"pvhboot: cpus-up ticks (\d+) unit (\w+) from (\w+)")
CPUS_RAN = re.compile(rb"pvhboot: cpus (\d+)\r?\n")
XEN_RUNS = 3


def cpus_up(serial, describe):
    """(CPUs that ran, ticks, counter) from hello's report."""
    up, ran = CPUS_UP.search(serial), CPUS_RAN.search(serial)
    if not up or not ran:
        raise RuntimeError("no cpus-up/cpus lines:\n" + describe())
    return int(ran.group(1)), int(up.group(1)), up.group(2).decode()


ARM64_COUNTER_MHZ = 62.5


def host_tsc_mhz():
    """The host's nominal TSC rate in MHz (the first 'cpu MHz'), or None."""
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^cpu MHz\s*:\s*([\d.]+)", f.read(), re.M)
        return float(m.group(1)) if m else None
    except OSError:
        return None


def cpu_row(env, n, boots):
    """boots: (ran, ticks, unit) of each run -> one table row."""
    ran = sorted({b[0] for b in boots})
    return (env, n, "/".join(map(str, ran)), statistics.median(b[1] for b in boots), boots[0][2],
            len(boots))


def bench_cpus(ctx, runs):
    rows = []
    hello = os.path.join(ctx.build, "hello.elf")
    for machine in ("pc", "q35", "microvm"):
        for n in (1, 2, 4, 8):
            boots = []
            for _ in range(runs):
                r = run_qemu(["-M", machine, "-m", "128M", "-smp", str(n), "-kernel", hello],
                             60, qemu=ctx.qemu)
                boots.append(cpus_up(r.serial, r.describe))
            rows.append(cpu_row("QEMU %s" % machine, n, boots))
    hello_arm64 = os.path.join(ctx.build_arm64, "hello.bin")
    if os.path.exists(hello_arm64):
        for el, machine in ((1, "virt"), (2, "virt,virtualization=on")):
            for n in (1, 2, 4, 8):
                boots = []
                for _ in range(runs):
                    r = run_qemu_arm64(["-M", machine, "-cpu", "cortex-a57", "-m", "1G",
                                        "-smp", str(n), "-kernel", hello_arm64],
                                       60, qemu=ctx.qemu_aarch64)
                    boots.append(cpus_up(r.serial, r.describe))
                rows.append(cpu_row("QEMU virt EL%d" % el, n, boots))
    rows += bench_cpus_xen(ctx)
    return rows


def bench_cpus_xen(ctx):
    """The same under the real Xen, reusing the tests' recipes."""
    import test_x86_xen
    import test_arm64_xen
    import xen_domu
    from test_x86_xen_domu import pvh

    rows = []
    hello = os.path.join(ctx.build, "hello.elf")
    if os.path.exists(os.path.join(ctx.cache, "xen", "xen.elf")):
        for n in (1, 2, 4):
            boots = []
            for _ in range(XEN_RUNS):
                r, _, _ = test_x86_xen.boot_dom0(ctx, hello, "x", vcpus=n)
                boots.append(cpus_up(r.serial, r.describe))
            rows.append(cpu_row("Xen x86 PVH dom0", n, boots))
        counts = (1, 2, 3, 4)
        guests = [xen_domu.Guest("hello-%d" % n, pvh("hello.elf", 64, "x", extra=[("vcpus", n)]),
                                 {"hello.elf": hello}) for n in counts]
        session = xen_domu.run_session(ctx, guests)
        for n in counts:
            run = session.guest("hello-%d" % n)
            rows.append(cpu_row("Xen x86 PVH domU (xl)", n,
                                [cpus_up(b"\n".join(run.pvhboot_lines()) + b"\n", run.describe)]))
    if os.path.exists(os.path.join(ctx.cache, "arm64", "xen", "xen")):
        mod_path, _ = test_arm64_xen.module_file(ctx)
        for n in (1, 2, 4):
            boots = []
            for _ in range(XEN_RUNS):
                r = test_arm64_xen.boot_dom0(ctx, "x", mod_path, vcpus=n)
                boots.append(cpus_up(r.serial, r.describe))
            rows.append(cpu_row("Xen arm64 dom0", n, boots))
        for n in (1, 2, 4):
            boots = []
            for _ in range(XEN_RUNS):
                r = test_arm64_xen.boot_domu(ctx, os.path.join(ctx.build_arm64, "hello.bin"), "x",
                                             name="bench-domu-%d.dtb" % n, vcpus=n)
                boots.append(cpus_up(b"\n".join(qemu_arm64.domu_lines(r)) + b"\n", r.describe))
            rows.append(cpu_row("Xen arm64 dom0less domU", n, boots))
    return rows


# --- budgets --------------------------------------------------------------------------

def measured_instructions(phase_rows, arm64_rows, scale_rows):
    """{target name: instructions} from the sections that measure them."""
    own = dict((name, a.get("total", 0) - a.get("copy", 0)) for name, a, _, _ in phase_rows)
    hello = dict((name, a) for name, a, _, _ in phase_rows)["hello (unikernel)"]
    scale = dict(((mem, pages), total) for mem, pages, _, total in scale_rows)
    got = {
        "x86 entry-to-c (hello, q35 512M)": hello.get("entry-to-c"),
        "x86 hello own work, q35 128M": scale.get(("128M", "2 MiB")),
        "x86 hello own work, q35 512M": hello.get("total"),
        "x86 hello own work, q35 4G (2 MiB pages)": scale.get(("4G", "2 MiB")),
        "x86 bzImage packed, own work": own.get("bzImage, packed"),
        "x86 PVH vmlinux packed, own work": own.get("vmlinux (PVH), packed"),
    }
    arm64 = dict((name, a.get("total", 0) * ARM64_INSNS_PER_TICK) for name, a, _, _ in arm64_rows)
    got["arm64 hello (virt, cortex-a57, 1G)"] = arm64.get("hello (unikernel)")
    got["arm64 Image packed"] = arm64.get("Image, packed (in place)")
    return got


def budget_markdown(phase_rows, arm64_rows, scale_rows, build_root):
    got = measured_instructions(phase_rows, arm64_rows, scale_rows)
    out = ["## Budgets", "", "The targets of the issue \"Tiny and instant\" (tests/bench/budgets.py) "
           "against what this run measured. Instructions under `-icount shift=0`; margin = "
           "target - measured (negative: over).", "",
           "| budget | target | measured | margin |", "|---|---|---|---|"]
    for name, target in budgets.INSTRUCTION_TARGETS:
        m = got.get(name)
        out.append("| %s | %d | %s | %s |" % (name, target, "-" if m is None else m,
                                               "-" if m is None else "%+d" % (target - m)))
    scale = dict(((mem, pages), total) for mem, pages, _, total in scale_rows)
    small, big = scale.get(("128M", "1 GiB")), scale.get(("64G", "1 GiB"))
    if small and big:
        out.append("| x86 hello 64G / 128M, 1 GiB pages | %.1fx | %.2fx | %+.2fx |" % (
            budgets.SCALE_64G_FACTOR, big / small, budgets.SCALE_64G_FACTOR - big / small))
    for image, (target, ceiling) in sorted(budgets.BYTE_BUDGETS.items()):
        path = os.path.join(build_root, image)
        if os.path.exists(path):
            size = budgets.loadable_bytes(path)
            out.append("| %s loadable bytes (make check's ceiling %d) | %d | %d | %+d |" % (
                image, ceiling, target, size, target - size))
    out.append("")
    return out


# --- report --------------------------------------------------------------------------

def phase_markdown(phase_rows, arm64_rows):
    out = []
    out += ["## pvhboot's own cost, by phase", "",
            "TSC ticks. `-icount shift=0`: one tick per guest instruction, the same every run "
            "(repeat = a second run gave identical numbers). Wall: median of the runs without "
            "icount. `copy` is the payload's own bytes (none when it lies where it runs); the "
            "budgets are for the rest (without copy).", ""]
    out.append("| boot | " + " | ".join(PHASE_ORDER) + " | without copy | repeat | wall total |")
    out.append("|---" * (len(PHASE_ORDER) + 4) + "|")
    for name, a, same, wall in phase_rows:
        own = a.get("total", 0) - a.get("copy", 0)
        out.append("| %s | %s | %d | %s | %d |" % (
            name, " | ".join(str(a.get(k, "-")) for k in PHASE_ORDER), own,
            "yes" if same else "NO", wall["total"]))
    if arm64_rows:
        out += ["", "## arm64: pvhboot's own cost, by phase", "",
                "Generic-timer ticks (62.5 MHz) on `-M virt -cpu cortex-a57 -m 1G`. Under "
                "`-icount shift=0` a tick is %d guest instructions; the last column says how many "
                "in all." % ARM64_INSNS_PER_TICK, ""]
        out.append("| boot | " + " | ".join(PHASE_ORDER) + " | instructions | repeat | wall total |")
        out.append("|---" * (len(PHASE_ORDER) + 4) + "|")
        for name, a, same, wall in arm64_rows:
            out.append("| %s | %s | %d | %s | %d |" % (
                name, " | ".join(str(a.get(k, "-")) for k in PHASE_ORDER),
                a.get("total", 0) * ARM64_INSNS_PER_TICK, "yes" if same else "NO", wall["total"]))
    return out


def size_markdown(size_rows):
    out = []
    out += ["", "## Size", "", "| image | loadable segments (address: file bytes / memory bytes) "
            "| loadable bytes | memory at run time | Image file |", "|---|---|---|---|---|"]
    for name, loads, binsize in size_rows:
        out.append("| %s | %s | %d | %d | %s |" % (
            name, ", ".join("0x%x: %d / %d" % (p, f, m) for p, f, m, _ in loads),
            sum(f for _, f, _, _ in loads), sum(m for _, _, m, _ in loads),
            binsize if binsize is not None else "-"))
    return out


def scale_markdown(scale_rows, host):
    out = []
    out += ["", "## Scale", "", "hello under `-icount shift=0`, q35: instructions as RAM grows.",
            "", "| RAM | pages above 4 GiB | page-tables phase | total |", "|---|---|---|---|"]
    for mem, pages, pt, total in scale_rows:
        out.append("| %s | %s | %d | %d |" % (mem, pages, pt, total))
    out += ["", "On the host (common/ built with -O2), as the inputs grow:", "", "```", host.strip(),
            "```", ""]
    return out


def markdown(phase_rows, arm64_rows, user_rows, icount_rows, size_rows, scale_rows, host,
             cpu_rows, build_root, qemu):
    out = ["# pvhboot bench", "",
           "Measured by `make bench` on this machine (QEMU %s, TCG)." % qemu_version(), ""]
    out += budget_markdown(phase_rows, arm64_rows, scale_rows, build_root)
    out += parts.parts_markdown(build_root, qemu)
    out += phase_markdown(phase_rows, arm64_rows)
    out += ["", "## Time to the first userspace instruction", "",
            "Debian's kernel (%s) with a busybox initramfs whose /init (tests/bench/tsc_init.c) "
            "ends QEMU as its first act; "
            "`-M pc -m 512M`; seconds from starting QEMU to its exit; median of %d, the paths "
            "taken in turn, every other round backwards." % (kernel_name(), len(user_rows[0][2])), ""]
    base = dict((n, m) for n, m, _ in user_rows)["QEMU PVH loader, vmlinux (SeaBIOS)"]
    out.append("| path | median (s) | runs | vs QEMU's PVH loader (SeaBIOS) |")
    out.append("|---|---|---|---|")
    for name, med, runs in user_rows:
        out.append("| %s | %.3f | %s | %.3f |" % (name, med, " ".join("%.2f" % r for r in runs),
                                                  med / base))
    if icount_rows:
        out += ["", "Under `-icount shift=0,sleep=off` the TSC ticks once per guest instruction and "
                "idle time jumps to the next timer. The TSC that /init reads as its first "
                "instruction is then the guest's own path from reset to userspace (firmware, "
                "pvhboot, kernel), without the host's noise. Two runs of each path; they differ "
                "by the few reads of the host's clock (the RTC).", "",
                "| path | TSC at /init, two runs | vs QEMU's PVH loader (SeaBIOS) |",
                "|---|---|---|"]
        mean = dict((n, statistics.mean(t)) for n, t in icount_rows)
        ibase = mean["QEMU PVH loader, vmlinux (SeaBIOS)"]
        for name, ticks in icount_rows:
            out.append("| %s | %s | %.4f |" % (name, " ".join("%d" % t for t in ticks),
                                                mean[name] / ibase))
    out += size_markdown(size_rows)
    out += scale_markdown(scale_rows, host)
    out += ["## CPUs", "", "hello's `cpus-up`: from the first CPU start in its pvh_main to every "
            "CPU having run its function, in the CPU's counter (x86: the TSC, under TCG and "
            "under Xen the host's; arm64: the virtual counter, 62.5 MHz on QEMU virt, so µs = "
            "ticks / 62.5). Median of the runs. x86 QEMU: `-m 128M`; arm64: cortex-a57, "
            "`-m 1G`. Xen's dom0 and dom0less domU run on as many QEMU CPUs as they have vCPUs; "
            "xl's domUs share the test bed's two.", "",
            "| environment | CPUs | CPUs that ran | cpus-up ticks (median) | counter | ≈ µs | runs |",
            "|---|---|---|---|---|---|---|"]
    tsc_mhz = host_tsc_mhz()
    for env, n, ran, ticks, unit, runs in cpu_rows:
        mhz = ARM64_COUNTER_MHZ if unit == "cntvct" else tsc_mhz
        out.append("| %s | %d | %s | %d | %s | %s | %d |" % (
            env, n, ran, ticks, unit, "%.0f" % (ticks / mhz) if mhz else "-", runs))
    if tsc_mhz:
        out += ["", "x86 µs at this host's TSC rate as /proc/cpuinfo gives it (%.0f MHz): TCG's "
                "guest TSC is the host's; Xen's guests see about the same." % tsc_mhz]
    out.append("")
    return "\n".join(out)


def qemu_version():
    return subprocess.run(["qemu-system-x86_64", "--version"], stdout=subprocess.PIPE,
                          check=True).stdout.decode().split("\n")[0].split("version ")[1]


def kernel_name():
    try:
        with open(os.path.join(ROOT, "cache", "linux", "package")) as f:
            return f.read().strip()
    except OSError:
        return "linux"


def chart(ctx, user_rows):
    data = os.path.join(ctx.out, "time-to-userspace.dat")
    png = os.path.join(ctx.out, "time-to-userspace.png")
    with open(data, "w") as f:
        for i, (name, med, _) in enumerate(user_rows):
            f.write('%d "%s" %.3f\n' % (i, name.replace('"', ""), med))
    script = """set terminal png size 1100,560
set output '%s'
set title 'Time from QEMU start to the first userspace instruction (median, seconds)'
set style fill solid 0.7
set boxwidth 0.6
set yrange [0:*]
set xtics rotate by -30 left font ',9'
set bmargin 9
set rmargin 8
unset key
plot '%s' using 1:3:xtic(2) with boxes, '' using 1:3:(sprintf('%%.2f', $3)) with labels offset 0,1
""" % (png, data)
    subprocess.run(["gnuplot"], input=script.encode(), check=True)
    return png


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-root", default="build")
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--qemu-aarch64", default="qemu-system-aarch64")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--budgets", action="store_true",
                    help="only the instruction counts and sizes the budgets need (a few minutes)")
    args = ap.parse_args()
    ctx = Ctx(args)
    if args.budgets:
        try:
            rows = bench_phases(ctx, 1)
            arm64 = bench_arm64_phases(ctx, 1)
            scale, host = bench_scale(ctx)
            out = budget_markdown(rows, arm64, scale, ctx.build_root)
            out += parts.parts_markdown(ctx.build_root, ctx.qemu)
            out += phase_markdown(rows, arm64) + size_markdown(bench_size(ctx))
            out += scale_markdown(scale, host)
            print("\n".join(out))
        finally:
            shutil.rmtree(ctx.tmp, ignore_errors=True)
        return 0
    try:
        print("bench: phases...", flush=True)
        phase_rows = bench_phases(ctx, args.runs)
        arm64_rows = bench_arm64_phases(ctx, args.runs)
        print("bench: time to userspace (%d runs of each path)..." % args.runs, flush=True)
        paths = userspace_paths(ctx)
        user_rows = bench_userspace(ctx, paths, args.runs)
        print("bench: guest instructions to userspace (-icount)...", flush=True)
        icount_rows = bench_userspace_icount(ctx, paths)
        size_rows = bench_size(ctx)
        print("bench: scale...", flush=True)
        scale_rows, host = bench_scale(ctx)
        print("bench: CPUs...", flush=True)
        cpu_rows = bench_cpus(ctx, args.runs)
        report = markdown(phase_rows, arm64_rows, user_rows, icount_rows, size_rows, scale_rows, host,
                          cpu_rows, ctx.build_root, ctx.qemu)
        with open(os.path.join(ctx.out, "results.md"), "w") as f:
            f.write(report)
        png = chart(ctx, user_rows)
        print(report)
        print("wrote %s and %s" % (os.path.join(ctx.out, "results.md"), png))
    finally:
        shutil.rmtree(ctx.tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
