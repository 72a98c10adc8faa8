"""pvhboot-disk.bin boots Debian's arm64 Image from a disk (issue 26) on
QEMU's virt: GPT + FAT disks made by tools/make-disk.py with the Image,
test_arm64_linux.py's busybox initramfs (its /init prints /proc/cmdline)
and Boot Loader Specification entries. The ESP is made larger than the
script's default: the uncompressed Image is 33 MB.

- virtio-mmio, FAT16, one entry, no cmdline from the VMM: Linux gets the
  entry's options exactly;
- virtio-blk-pci (BARs placed by pvhboot-disk), FAT32, two entries and a
  loader.conf default: pvhboot.entry=<title> boots the other one, with
  the VMM's cmdline (its pvhboot.* words removed) after its options, and
  the VMM's pvhboot.timing reaching the firmware (its timing line).
Each checks the entry chosen, the sizes read (the files'), and the
cmdline /init reports.
"""

import os

from common import check
from disk_boot import check_chosen, drive, expected_cmdline, make_disk, need_tools
from qemu_arm64 import run_qemu_arm64
from test_arm64_linux import cache_file, expect_init_ran, initramfs

ARCH = "arm64"
TIMEOUT = 120
ESP_MIB = 48
MODERN_MMIO = ["-global", "virtio-mmio.force-legacy=false"]


def boot_linux(ctx, name, fat, entries, default, devices, append, entry_id, vmm):
    need_tools()
    kernel, initrds = cache_file(ctx, "linux", "Image"), [initramfs(ctx)]
    img, m = make_disk(ctx, name, kernel, initrds, fat, entries, default=default,
                       esp_mib=ESP_MIB)
    args = ["-M", "virt", "-cpu", "cortex-a57", "-m", "1G",
            "-kernel", os.path.join(ctx.build_arm64, "pvhboot-disk.bin")]
    if append:
        args += ["-append", append]
    result = run_qemu_arm64(args + drive(img, "d0") + devices(), TIMEOUT,
                            qemu=ctx.qemu_aarch64)
    check(not result.timed_out, "did not end: " + result.describe())
    device = check_chosen(result, entry_id, 1, kernel, initrds)
    expect_init_ran(result.serial, expected_cmdline(m, entry_id, vmm), result)
    if append and "pvhboot.timing" in append.split():
        check(any(l.startswith(b"pvhboot: timing ") for l in result.lines()),
              "no timing line: pvhboot.timing did not reach the firmware")
    os.unlink(img)
    return "%s, %.1fs" % (device, result.elapsed)


def mmio_fat16(ctx):
    def test():
        return boot_linux(ctx, "arm64-fat16", 16,
                          ["debian:Debian:6.1.0::console=ttyAMA0 quiet which=mmio"], None,
                          lambda: MODERN_MMIO + ["-device", "virtio-blk-device,drive=d0"],
                          None, "debian", "")
    return test


def pci_fat32_by_title(ctx):
    def test():
        return boot_linux(ctx, "arm64-fat32", 32,
                          ["alpha:Alpha:2:a:console=ttyAMA0 quiet which=alpha",
                           "beta:Beta:1:b:console=ttyAMA0 quiet which=beta"], "alpha",
                          lambda: ["-device", "virtio-blk-pci,drive=d0"],
                          "pvhboot.entry=Beta extra=vmm pvhboot.timing", "beta", "extra=vmm")
    return test


def collect(ctx):
    return [
        ("virt-mmio-fat16-entry-options-to-init", mmio_fat16(ctx)),
        ("virt-pci-fat32-entry-by-title-to-init", pci_fat32_by_title(ctx)),
    ]
