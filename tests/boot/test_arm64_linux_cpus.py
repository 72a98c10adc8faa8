"""Debian's arm64 Linux through pvhboot.bin on the CPU models QEMU
offers, with two CPUs, as booting.rst asks:
  - bare `virt` (entered at EL1) and `virt,virtualization=on` (entered
    at EL2), on cortex-a57 (ARMv8.0, no VHE), max (every feature QEMU
    has: pointer authentication, SVE, SME, ...) and neoverse-n1
    (ARMv8.2 with VHE); the kernel packed into pvhboot.bin, as a user
    would (pvhboot-pack pack --kernel --module);
    the initramfs's /init reports the CPUs online, the EL dmesg says all
    CPUs started at, whether it says "inconsistent modes", KVM's
    "... initialized successfully" mode and whether /dev/kvm exists:
    entered at EL2, Linux must be handed over at EL2 (PSCI starts the
    secondaries there) and KVM must come up;
  - a 40 GiB guest (QEMU does not touch RAM it is not asked for) with
    the kernel and the initramfs as the loader's modules near the bottom
    of RAM: the kernel must be placed in the initramfs's 32 GiB window,
    or Linux does not find it.
The max cells use pauth-impdef=on: the same pointer authentication
traps, an algorithm TCG emulates several times faster."""

ARCH = "arm64"

import os
import re
import struct
import subprocess

from common import check, file_made_once
from qemu_arm64 import add_to_node, dtb_to_dts, dts_to_dtb, run_qemu_arm64
from test_arm64_linux import busybox_initramfs, cache_file
from linux import DRAIN_CONSOLE, pack_tool

SMP = 2
# (name in the test, -cpu value, has VHE: KVM's mode at EL2)
CPUS = [("cortex-a57", "cortex-a57", False),
        ("max", "max,pauth-impdef=on", True),
        ("neoverse-n1", "neoverse-n1", True)]
CMDLINE = "console=ttyAMA0 rdinit=/init quiet panic=-1"
KERNEL_AT, INITRAMFS_AT = 0x50000000, 0x54000000  # clear of QEMU's DTB at 0x48000000

INIT = b"""#!/bin/busybox sh
bb=/bin/busybox
$bb mkdir -p /proc /sys /dev
$bb mount -t proc proc /proc
$bb mount -t sysfs sys /sys
$bb mount -t devtmpfs dev /dev
d=$($bb dmesg)
started=$(echo "$d" | $bb sed -n 's/.*CPU: All CPU(s) started at \\(EL[0-9]\\).*/\\1/p')
inconsistent=$(echo "$d" | $bb grep -c "inconsistent modes")
kvm=$(echo "$d" | $bb sed -n 's/.*kvm \\[[0-9]*\\]: \\(.*\\) initialized successfully.*/\\1/p')
dev=no; [ -c /dev/kvm ] && dev=yes
echo "PVHBOOT-CPUS online=[$($bb cat /sys/devices/system/cpu/online)] started=[$started] inconsistent=$inconsistent kvm=[$kvm] devkvm=$dev"
DRAIN_CONSOLE
$bb poweroff -f
""".replace(b"DRAIN_CONSOLE", DRAIN_CONSOLE.encode())
REPORT = re.compile(rb"PVHBOOT-CPUS online=\[([^\]]*)\] started=\[([^\]]*)\] inconsistent=(\d+) "
                    rb"kvm=\[([^\]]*)\] devkvm=(yes|no)")


def initramfs(ctx):
    return busybox_initramfs(ctx, "arm64-cpus-initramfs.cpio", INIT)


def packed(ctx):
    path = os.path.join(ctx.tmp, "arm64-pvhboot-cpus-packed.bin")
    return file_made_once(path, lambda part: pack_tool(
        ctx, "pack", "--firmware", os.path.join(ctx.build_arm64, "pvhboot.bin"),
        "--kernel", cache_file(ctx, "linux", "Image"), "--module", initramfs(ctx),
        "--cmdline", CMDLINE, "-o", part))


def expect_report(result, el, vhe):
    """The /init report, every value computed from the machine asked for."""
    check(not result.timed_out, "did not end: " + result.describe() + "\n" +
          result.serial[-1500:].decode("ascii", "replace"))
    found = REPORT.findall(result.serial)
    check(len(found) == 1, "no report from /init (kernel reached no /init?): " + result.describe() +
          "\n" + result.serial[-1500:].decode("ascii", "replace"))
    online, started, inconsistent, kvm, devkvm = found[0]
    check(online == b"0-%d" % (SMP - 1), "CPUs online %r, expected 0-%d" % (online, SMP - 1))
    check(started == b"EL%d" % el, "dmesg: all CPUs started at %r, expected EL%d" % (started, el))
    check(inconsistent == b"0", "dmesg says the CPUs started in inconsistent modes")
    if el == 2:
        want = b"VHE mode" if vhe else b"Hyp mode"
        check(kvm == want and devkvm == b"yes",
              "KVM %r /dev/kvm %s, expected %r initialized and /dev/kvm" % (kvm, devkvm, want))
    else:
        check(kvm == b"" and devkvm == b"no", "KVM %r /dev/kvm %s at EL1" % (kvm, devkvm))
    check(b"pvhboot: linux: entering at EL%d" % el in result.lines(),
          "pvhboot did not say it enters Linux at EL%d: %r" % (el, result.lines()[-4:]))
    check(result.status == 0, "the kernel's poweroff should end QEMU with 0: " + result.describe())


def cpu_case(ctx, el, cpu, vhe):
    def test():
        machine = "virt,virtualization=on" if el == 2 else "virt"
        result = run_qemu_arm64(["-M", machine, "-cpu", cpu, "-smp", str(SMP), "-m", "1G",
                                 "-kernel", packed(ctx)], 90, qemu=ctx.qemu_aarch64)
        expect_report(result, el, vhe)
        return "%.2fs" % result.elapsed
    return test


# 40 GiB of RAM without reserving it (MAP_NORESERVE): with the kernel's
# default overcommit heuristic a plain -m 40G fails on a smaller host.
LARGE = ["-object", "memory-backend-ram,id=ram,size=40G,reserve=off", "-m", "40G"]
LARGE_MACHINE = "virt,virtualization=on,memory-backend=ram"


def large_guest_dtb(ctx):
    path = os.path.join(ctx.tmp, "virt-40G-smp%d.dtb" % SMP)
    subprocess.run([ctx.qemu_aarch64, "-M", "%s,dumpdtb=%s" % (LARGE_MACHINE, path), "-cpu",
                    "cortex-a57", "-smp", str(SMP), "-nographic", "-nodefaults"] + LARGE,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
    return path


def large_guest(ctx):
    """-m 40G: RAM 0x40000000-0xa3fffffff; the modules at 1.25 GiB."""
    def test():
        kernel, cpio = cache_file(ctx, "linux", "Image"), initramfs(ctx)
        dts = dtb_to_dts(large_guest_dtb(ctx))
        nodes = ("\t\t#address-cells = <2>;\n\t\t#size-cells = <2>;\n"
                 "\t\tmodule@1 { compatible = \"multiboot,kernel\", \"multiboot,module\"; "
                 "reg = <0x0 0x%x 0x0 0x%x>; };\n"
                 "\t\tmodule@2 { compatible = \"multiboot,ramdisk\", \"multiboot,module\"; "
                 "reg = <0x0 0x%x 0x0 0x%x>; };" % (KERNEL_AT, os.path.getsize(kernel),
                                                    INITRAMFS_AT, os.path.getsize(cpio)))
        dtb = dts_to_dtb(add_to_node(dts, "chosen", nodes), os.path.join(ctx.tmp, "linux-40G.dtb"))
        result = run_qemu_arm64(
            ["-M", LARGE_MACHINE, "-cpu", "cortex-a57", "-smp", str(SMP)] + LARGE + ["-dtb", dtb, "-kernel", os.path.join(ctx.build_arm64, "pvhboot.bin"),
             "-append", CMDLINE,
             "-device", "loader,file=%s,addr=0x%x,force-raw=on" % (kernel, KERNEL_AT),
             "-device", "loader,file=%s,addr=0x%x,force-raw=on" % (cpio, INITRAMFS_AT)],
            90, qemu=ctx.qemu_aarch64)
        handoff = [l for l in result.lines() if l.startswith(b"pvhboot: linux: Image at 0x")]
        check(len(handoff) == 1, "no hand-off line: " + result.describe())
        entry = int(handoff[0].split()[4], 16)
        with open(kernel, "rb") as f:
            image_size = struct.unpack_from("<Q", f.read(64), 16)[0]
        # The initramfs's window: 1 GiB-aligned, 32 GiB, covering the Image;
        # the Image as high as that allows (pvhboot allocates from the top).
        lo = INITRAMFS_AT & ~((1 << 30) - 1)
        check(lo <= entry and entry + image_size <= lo + (32 << 30) and
              entry + image_size > lo + (31 << 30),
              "Image at 0x%x-0x%x: not at the top of the initramfs's window 0x%x-0x%x" %
              (entry, entry + image_size - 1, lo, lo + (32 << 30) - 1))
        expect_report(result, 2, False)
        return "%.2fs, Image at 0x%x" % (result.elapsed, entry)
    return test


def collect(ctx):
    tests = []
    for el in (1, 2):
        for name, cpu, vhe in CPUS:
            tests.append(("linux-smp%d-%s-el%d-all-cpus-same-el" % (SMP, name, el),
                          cpu_case(ctx, el, cpu, vhe)))
    tests.append(("linux-40G-guest-kernel-in-initrd-window", large_guest(ctx)))
    return tests
