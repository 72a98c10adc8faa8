"""pvhboot-disk.bin boots Debian's arm64 Image from a disk (issue 26) on
QEMU's virt: GPT or MBR + FAT disks made by tools/make-disk.py with the
Image, test_arm64_linux.py's busybox initramfs (its /init prints
/proc/cmdline) and Boot Loader Specification entries. The partition that
holds the Image (ESP or XBOOTLDR) is made larger than the script's
default: the uncompressed Image is 33 MB.

- virtio-mmio, FAT16, one entry, no cmdline from the VMM: Linux gets the
  entry's options exactly;
- virtio-mmio, an entry with a devicetree (QEMU's tree with a property
  of the test's added): /init reads that property back from the tree
  Linux got, and the cmdline pvhboot put in its /chosen;
- virtio-blk-pci (BARs placed by pvhboot-disk), FAT32, two entries and a
  loader.conf default: pvhboot.entry=<title> boots the other one, with
  the VMM's cmdline (its pvhboot.* words removed) after its options, and
  the VMM's pvhboot.timing reaching the firmware (its timing line);
- virtio-mmio, GPT with an ESP holding loader.conf alone and an XBOOTLDR
  partition holding the Image, initramfs and entries: the default, on
  XBOOTLDR;
- virtio-blk-pci, an MBR disk with an 0xea partition (XBOOTLDR) and no
  ESP: the first entry in the Boot Loader Specification's order.
Each checks the entry chosen, the sizes read (the files'), every line the
readers print (disk_boot.expected_lines: partitions, file systems, the
entries in order, the chosen entry's files), the initrd of the tree Linux
got (/chosen's linux,initrd-start and -end, which /init reads) against the
one handed over, and the cmdline /init reports.
"""

import os
import re

from common import check
from disk_boot import (check_chosen, check_disk, drive, expected_cmdline, in_order, initrd_loaded,
                       make_disk, need_tools)
from qemu_arm64 import dtb_to_dts, dump_dtb, dts_to_dtb, run_qemu_arm64
from test_arm64_linux import (busybox_initramfs, cache_file, chosen_initrd, expect_init_ran,
                              init_script, initramfs)

ARCH = "arm64"
TIMEOUT = 120
ESP_MIB = 48
MODERN_MMIO = ["-global", "virtio-mmio.force-legacy=false"]
DT_MARKER = b"tree-from-the-disk"
# test_arm64_linux.py's /init, plus the marker read from the tree Linux got.
DT_INIT = init_script(b"echo \"PVHTEST-DT [$(/bin/busybox tr -d '\\000' < "
                      b"/sys/firmware/devicetree/base/pvhtest-marker)]\"\n")


def boot_linux(ctx, disk, devices, append, entry_id, vmm, want=None):
    """virt, pvhboot-disk.bin and the disk make_disk(**disk) makes (the
    Image and the initramfs on it) on devices(); want: pvhboot.entry's
    value in append."""
    need_tools()
    kernel, initrds = cache_file(ctx, "linux", "Image"), [initramfs(ctx)]
    img, m = make_disk(ctx, kernel=kernel, initrds=initrds, **disk)
    args = ["-M", "virt", "-cpu", "cortex-a57", "-m", "1G",
            "-kernel", os.path.join(ctx.build_arm64, "pvhboot-disk.bin")]
    if append:
        args += ["-append", append]
    result = run_qemu_arm64(args + drive(img, "d0") + devices(), TIMEOUT,
                            qemu=ctx.qemu_aarch64)
    check(not result.timed_out, "did not end: " + result.describe())
    device = check_chosen(result, entry_id, 1, kernel, initrds)
    chosen = check_disk(result, m, kernel, initrds, want, vmm)
    check(chosen["id"] == entry_id, "the oracle chose %s" % chosen["id"])
    expect_init_ran(result.serial, expected_cmdline(m, entry_id, vmm), result)
    at, size = initrd_loaded(result)
    got = chosen_initrd(result.serial)
    check(got == (at, at + size), "the tree Linux got says initrd %s, expected 0x%x-0x%x: the "
          "initrd pvhboot-disk handed over" % (got and "0x%x-0x%x" % got, at, at + size))
    if append and "pvhboot.timing" in append.split():
        check(any(l.startswith(b"pvhboot: timing ") for l in result.lines()),
              "no timing line: pvhboot.timing did not reach the firmware")
    os.unlink(img)
    return "%s, %s:%s, %.1fs" % (device, chosen["fs"], entry_id, result.elapsed)


def mmio_fat16(ctx):
    def test():
        return boot_linux(ctx, dict(name="arm64-fat16", fat=16, esp_mib=ESP_MIB, entries=[
                              "debian:Debian:6.1.0::console=ttyAMA0 quiet which=mmio"]),
                          lambda: MODERN_MMIO + ["-device", "virtio-blk-device,drive=d0"],
                          None, "debian", "")
    return test


def pci_fat32_by_title(ctx):
    def test():
        return boot_linux(ctx, dict(name="arm64-fat32", fat=32, esp_mib=ESP_MIB, default="alpha",
                                    entries=["alpha:Alpha:2:a:console=ttyAMA0 quiet which=alpha",
                                             "beta:Beta:1:b:console=ttyAMA0 quiet which=beta"]),
                          lambda: ["-device", "virtio-blk-pci,drive=d0"],
                          "pvhboot.entry=Beta extra=vmm pvhboot.timing", "beta", "extra=vmm",
                          want="Beta")
    return test


def mmio_gpt_xbootldr(ctx):
    """GPT: the ESP holds loader.conf alone, XBOOTLDR the Image, the
    initramfs and two entries; the default names the second in order."""
    def test():
        return boot_linux(ctx, dict(
            name="arm64-gpt-xbootldr", fat=16, default="xb-old", xbootldr_mib=ESP_MIB,
            xbootldr_entries=["xb-new:XbNew:6.1.0-10:debian:console=ttyAMA0 quiet which=new",
                              "xb-old:XbOld:6.1.0-9:debian:console=ttyAMA0 quiet which=old"]),
            lambda: MODERN_MMIO + ["-device", "virtio-blk-device,drive=d0"], None, "xb-old", "")
    return test


MBR_ALONE = ["mbr-fallback:Fallback:1::console=ttyAMA0 quiet which=fallback",
             "mbr-debian:Debian:6.1.0-10:debian:console=ttyAMA0 quiet which=debian"]


def pci_mbr_xbootldr_alone(ctx):
    """MBR (sfdisk's dos label) with an 0xea partition and no ESP, the Boot
    Loader Specification's one place for entries on MBR; no loader.conf:
    the first in order (the oracle's), the VMM's cmdline after its options."""
    def test():
        entries = [dict(id=e.split(":")[0], version=e.split(":")[2], sort_key=e.split(":")[3])
                   for e in MBR_ALONE]
        first = in_order({"entries": entries, "ukis": []})[0]["id"]
        return boot_linux(ctx, dict(name="arm64-mbr-ea", fat=32, label="dos", esp_mib=0,
                                    xbootldr_mib=ESP_MIB, xbootldr_entries=MBR_ALONE),
                          lambda: ["-device", "virtio-blk-pci,drive=d0"], "extra=vmm", first,
                          "extra=vmm")
    return test


def marked_tree(ctx):
    """QEMU's virt tree for these options with a property of the test's
    at the root: /init reads it back from the tree Linux got."""
    dts = dtb_to_dts(dump_dtb(ctx, "virt", "cortex-a57", "1G"))
    check(dts.count("\n/ {\n") == 1, "no root node in QEMU's tree")
    dts = dts.replace("\n/ {\n", '\n/ {\n\tpvhtest-marker = "%s";\n' % DT_MARKER.decode(), 1)
    return dts_to_dtb(dts, os.path.join(ctx.tmp, "virt-marked.dtb"))


def devicetree_from_disk(ctx):
    """An entry with a devicetree: the kernel gets that tree (its marker)
    with pvhboot's /chosen (the cmdline /init reports)."""
    def test():
        need_tools()
        kernel = cache_file(ctx, "linux", "Image")
        initrds = [busybox_initramfs(ctx, "arm64-dt-initramfs.cpio", DT_INIT)]
        tree = marked_tree(ctx)
        img, m = make_disk(ctx, "arm64-dt", kernel, initrds, 16,
                           ["dt:WithTree:1::console=ttyAMA0 quiet which=dt"], esp_mib=ESP_MIB,
                           devicetree=tree)
        args = ["-M", "virt", "-cpu", "cortex-a57", "-m", "1G",
                "-kernel", os.path.join(ctx.build_arm64, "pvhboot-disk.bin")]
        result = run_qemu_arm64(args + MODERN_MMIO + drive(img, "d0") +
                                ["-device", "virtio-blk-device,drive=d0"], TIMEOUT,
                                qemu=ctx.qemu_aarch64)
        check(not result.timed_out, "did not end: " + result.describe())
        device = check_chosen(result, "dt", 1, kernel, initrds)
        check(b"pvhboot: boot: devicetree esp:/devicetree.dtb size %d" %
              os.path.getsize(tree) in result.lines(),
              "no devicetree line with the file's size: " + result.describe())
        expect_init_ran(result.serial, expected_cmdline(m, "dt", ""), result)
        marks = re.findall(rb"PVHTEST-DT \[([^\]\r\n]*)\]", result.serial)
        check(marks == [DT_MARKER], "the tree's marker as Linux saw it: %r, expected [%r]" %
              (marks, DT_MARKER))
        os.unlink(img)
        return "%s, %.1fs" % (device, result.elapsed)
    return test


def collect(ctx):
    return [
        ("virt-mmio-fat16-entry-options-to-init", mmio_fat16(ctx)),
        ("virt-pci-fat32-entry-by-title-to-init", pci_fat32_by_title(ctx)),
        ("virt-mmio-entry-devicetree-reaches-linux", devicetree_from_disk(ctx)),
        ("virt-mmio-gpt-xbootldr-esp-loader-conf-to-init", mmio_gpt_xbootldr(ctx)),
        ("virt-pci-mbr-xbootldr-ea-alone-to-init", pci_mbr_xbootldr_alone(ctx)),
    ]
