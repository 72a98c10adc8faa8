"""pvhboot.bin chainloading Debian's arm64 kernel with a busybox-static
initramfs whose /init prints the kernel's /proc/cmdline and powers off:
on bare QEMU virt, entered at EL1 and at EL2 (kernel and initramfs as two multiboot modules of a
device tree of our own; the cmdline is pvhboot's without its pvhboot.*
words) and as a Xen 4.17 dom0less domU (one ramdisk: the Image with the
initramfs behind it)."""

ARCH = "arm64"

import os
import re
import struct

from common import Skip, check, check_no_cpu_start_code, file_made_once, file_once
from linux import DRAIN_CONSOLE, cpio_newc, pack_tool
from qemu_arm64 import add_to_node, domu_lines, dtb_to_dts, dts_to_dtb, dump_dtb, run_qemu_arm64
import test_arm64_xen as xen

KERNEL_AT, INITRAMFS_AT = 0x50000000, 0x54000000  # clear of QEMU's DTB at 0x48000000
MARKER = b"PVHBOOT-INITRD-RAN"


def init_script(extra=b""):
    """/init: the cmdline and /chosen's initrd properties of the tree
    Linux got, then the extra lines (a test's own), then poweroff."""
    chosen = b"\n".join(b"echo \"PVHTEST-CHOSEN %s [$(/bin/busybox od -An -tx1 -v "
                        b"/sys/firmware/devicetree/base/chosen/%s 2>/dev/null | "
                        b"/bin/busybox tr -d ' \\n')]\"" % (p, p)
                        for p in (b"linux,initrd-start", b"linux,initrd-end"))
    return b"""#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
echo "%s cmdline=[$(/bin/busybox cat /proc/cmdline)]"
%s
%s%s
/bin/busybox poweroff -f
""" % (MARKER, chosen, extra, DRAIN_CONSOLE.encode())


INIT = init_script()
RESULT = re.compile(rb"PVHBOOT-INITRD-RAN cmdline=\[([^\]\r\n]*)\]")
# What /init read from the tree Linux got: a /chosen property's bytes, in hex.
CHOSEN = re.compile(rb"PVHTEST-CHOSEN (linux,initrd-(?:start|end)) \[([0-9a-f]*)\]")


def chosen_initrd(output):
    """(linux,initrd-start, linux,initrd-end) of the tree Linux got, as
    /init read them (big-endian cells), or None where one is missing."""
    found = {m.group(1): m.group(2) for m in CHOSEN.finditer(output)}
    start, end = found.get(b"linux,initrd-start"), found.get(b"linux,initrd-end")
    if not start or not end:
        return None
    return int(start, 16), int(end, 16)


def cache_file(ctx, *parts):
    path = os.path.join(ctx.cache, "arm64", *parts)
    if not os.path.exists(path):
        raise Skip("no %s: run tools/fetch-arm64.sh (make check does)" % path)
    return path


def busybox_initramfs(ctx, name, init):
    """An arm64 busybox initramfs whose /init is init, made once per run
    as name in the run's folder."""
    busybox = cache_file(ctx, "busybox", "busybox")

    def make():
        with open(busybox, "rb") as f:
            bb = f.read()
        return cpio_newc([("bin", 0o40755, b""), ("bin/busybox", 0o100755, bb),
                          ("init", 0o100755, init)])
    path = os.path.join(ctx.tmp, name)
    file_once(path, make)
    return path


def initramfs(ctx):
    return busybox_initramfs(ctx, "arm64-initramfs.cpio", INIT)


def expect_init_ran(output, cmdline, result):
    found = RESULT.findall(output)
    check(len(found) == 1, "the initramfs's /init did not report (kernel reached no /init?): " +
          result.describe() + "\n" + output[-1500:].decode("ascii", "replace"))
    check(found[0] == cmdline, "/proc/cmdline %r, expected %r" % (found[0], cmdline))


def bare_tree(ctx, kernel_size, initramfs_size):
    dts = dtb_to_dts(dump_dtb(ctx, "virt", "cortex-a57", "1G"))
    nodes = ("\t\t#address-cells = <2>;\n\t\t#size-cells = <2>;\n"
             "\t\tmodule@1 { compatible = \"multiboot,kernel\", \"multiboot,module\"; "
             "reg = <0x0 0x%x 0x0 0x%x>; };\n"
             "\t\tmodule@2 { compatible = \"multiboot,ramdisk\", \"multiboot,module\"; "
             "reg = <0x0 0x%x 0x0 0x%x>; };" % (KERNEL_AT, kernel_size, INITRAMFS_AT, initramfs_size))
    return dts_to_dtb(add_to_node(dts, "chosen", nodes), os.path.join(ctx.tmp, "linux-bare.dtb"))


def bare_virt(ctx, el):
    def test():
        kernel = cache_file(ctx, "linux", "Image")
        cpio = initramfs(ctx)
        given = b"console=ttyAMA0 pvhboot.verbose rdinit=/init quiet marker=bare-virt pvhboot.x=1"
        want = b"console=ttyAMA0 rdinit=/init quiet marker=bare-virt"
        result = run_qemu_arm64(
            ["-M", "virt,virtualization=on" if el == 2 else "virt", "-cpu", "cortex-a57", "-m", "1G",
             "-dtb", bare_tree(ctx, os.path.getsize(kernel), os.path.getsize(cpio)),
             "-kernel", os.path.join(ctx.build_arm64, "pvhboot.bin"), "-append", given,
             "-device", "loader,file=%s,addr=0x%x,force-raw=on" % (kernel, KERNEL_AT),
             "-device", "loader,file=%s,addr=0x%x,force-raw=on" % (cpio, INITRAMFS_AT)],
            120, qemu=ctx.qemu_aarch64)
        check(not result.timed_out, "did not end: " + result.describe())
        check(b"pvhboot: linux: cmdline \"%s\"" % want in result.lines(),
              "pvhboot did not hand over with the stripped cmdline: " + result.describe())
        expect_init_ran(result.serial, want, result)
        check(result.status == 0, "the kernel's poweroff should end QEMU with 0: " + result.describe())
        return "%.2fs" % result.elapsed
    return test


def bundle(ctx):
    """The Image, zero-padded to its image_size (rounded up to 4 KiB), then the initramfs."""
    kernel = cache_file(ctx, "linux", "Image")
    cpio = initramfs(ctx)

    def make():
        with open(kernel, "rb") as f:
            image = f.read()
        image_size = struct.unpack_from("<Q", image, 16)[0]
        padded = (image_size + 4095) & ~4095
        check(len(image) <= padded, "the Image is longer than its image_size")
        with open(cpio, "rb") as f:
            return image + b"\0" * (padded - len(image)) + f.read()
    path = os.path.join(ctx.tmp, "arm64-image-and-initramfs.bin")
    file_once(path, make)
    return path


def dom0less_domu(ctx):
    def test():
        ramdisk = bundle(ctx)
        cmdline = b"console=ttyAMA0 rdinit=/init marker=domU"
        end = re.compile(RESULT.pattern + rb"|\(XEN\) DOM1: pvhboot: error: [^\r\n]*")
        result = xen.boot_domu(ctx, os.path.join(ctx.build_arm64, "pvhboot.bin"), cmdline.decode(),
                               ramdisk, name="dom0less-linux.dtb", stop_on=end, timeout=120)
        check(not result.timed_out, "no marker from the domU: " + result.describe() +
              "\n" + result.serial[-1500:].decode("ascii", "replace"))
        lines = domu_lines(result)
        check(any(l.startswith(b"pvhboot: linux: Image at ") and l.endswith(b"initrd behind the Image")
                  for l in lines), "pvhboot did not hand over with the appended initrd: %r" % lines[-4:])
        expect_init_ran(result.serial, cmdline, result)
        return "%.2fs to the marker" % result.elapsed
    return test


def packed_image(ctx, mode="append"):
    """pvhboot.bin with the kernel, the initramfs and a cmdline packed in
    (--cmdline-mode mode)."""
    return file_made_once(os.path.join(ctx.tmp, "arm64-pvhboot-packed-%s.bin" % mode),
                          lambda part: pack_tool(
        ctx, "pack", "--firmware", os.path.join(ctx.build_arm64, "pvhboot.bin"),
        "--kernel", cache_file(ctx, "linux", "Image"), "--module", initramfs(ctx),
        "--cmdline", PACKED_CMDLINE.decode(), "--cmdline-mode", mode, "-o", part))


PACKED_CMDLINE = b"console=ttyAMA0 rdinit=/init marker=packed pvhboot.timing"


def packed_bare_virt(ctx, given, want, mode="append"):
    """qemu -kernel of the packed image alone: no tree of ours, no
    -initrd. The kernel runs where the pack put it (no copy); its cmdline
    is the packed one and the loader's as the pack's mode says."""
    def test():
        args = ["-M", "virt", "-cpu", "cortex-a57", "-m", "1G", "-kernel", packed_image(ctx, mode)]
        if given:
            args += ["-append", given]
        result = run_qemu_arm64(args, 120, qemu=ctx.qemu_aarch64)
        check(not result.timed_out, "did not end: " + result.describe())
        check(b"pvhboot: packed: kernel and initrd" in result.lines(),
              "pvhboot did not find the packed pieces: " + result.describe())
        handoff = [l for l in result.lines() if l.startswith(b"pvhboot: linux: Image at ")]
        check(len(handoff) == 1 and b" in place " in handoff[0] and
              handoff[0].endswith(b"initrd packed"),
              "not handed over in place with the packed initrd: %r" % handoff)
        check(b"pvhboot: linux: cmdline \"%s\"" % want in result.lines(),
              "pvhboot did not hand over the expected cmdline %r: %s" % (want, result.describe()))
        expect_init_ran(result.serial, want, result)
        return "%.2fs" % result.elapsed
    return test


def packed_descriptor_tampered(ctx):
    """The initrd's size in the descriptor reaching past the image_size:
    one error line, no kernel started."""
    def test():
        with open(packed_image(ctx), "rb") as f:
            image = bytearray(f.read())
        at = image.find(b"PVHPACK1")
        while at % 8 or struct.unpack_from("<I", image, at + 8)[0] != 1:
            at = image.find(b"PVHPACK1", at + 1)
        image_size = struct.unpack_from("<Q", image, 16)[0]
        initrd_off = struct.unpack_from("<Q", image, at + 32 + 24)[0]
        struct.pack_into("<Q", image, at + 32 + 24 + 8, image_size - initrd_off + 1)
        path = os.path.join(ctx.tmp, "arm64-pvhboot-packed-tampered.bin")
        with open(path, "wb") as f:
            f.write(image)
        result = run_qemu_arm64(["-M", "virt", "-cpu", "cortex-a57", "-m", "1G", "-kernel", path],
                                30, qemu=ctx.qemu_aarch64)
        check(not result.timed_out, "no clean stop: " + result.describe())
        errors = [l for l in result.lines() if l.startswith(b"pvhboot: error: ")]
        want = b"pvhboot: error: packed module 1 at offset 0x%x size 0x%x: outside the packed part" % (
            initrd_off, image_size - initrd_off + 1)
        check(len(errors) == 1 and errors[0].startswith(want), "error lines %r, expected %r" %
              (errors, want))
        check(not RESULT.search(result.serial) and b"Booting Linux" not in result.serial,
              "the kernel ran anyway")
        return errors[0].decode()[len("pvhboot: error: "):][:60]
    return test


def no_cpu_start_code(ctx):
    """pvhboot.bin leaves every CPU as the loader left it (arm64_linux_cpus
    shows Linux starting them all)."""
    def test():
        check_no_cpu_start_code(ctx.build_arm64, ["common/cpu/cpu_start.o", "arch/arm64/smp.o",
                                                  "arch/arm64/secondary.o"],
                                ["pvh_cpu_start", "pvh_arch_cpu_boot", "arm64_secondary_entry"],
                                "pvhboot.elf")
    return test


def collect(ctx):
    return [
        ("firmware-links-no-cpu-start-up-code", no_cpu_start_code(ctx)),
        ("pvhboot-chainloads-debian-kernel-bare-virt-el1", bare_virt(ctx, 1)),
        ("pvhboot-chainloads-debian-kernel-bare-virt-el2", bare_virt(ctx, 2)),
        ("pvhboot-chainloads-debian-kernel-xen-dom0less-domU", dom0less_domu(ctx)),
        ("packed-pvhboot-bin-boots-debian-kernel-with-packed-cmdline",
         packed_bare_virt(ctx, None, b"console=ttyAMA0 rdinit=/init marker=packed")),
        ("packed-pvhboot-bin-loader-cmdline-appended-to-packed-one",
         packed_bare_virt(ctx, "marker=from-loader pvhboot.verbose",
                          b"console=ttyAMA0 rdinit=/init marker=packed marker=from-loader")),
        ("packed-pvhboot-bin-fallback-mode-loader-cmdline-replaces-packed-one",
         packed_bare_virt(ctx, "console=ttyAMA0 rdinit=/init marker=from-loader pvhboot.verbose",
                          b"console=ttyAMA0 rdinit=/init marker=from-loader", mode="fallback")),
        ("packed-pvhboot-bin-refuses-descriptor-past-image-size", packed_descriptor_tampered(ctx)),
    ]
