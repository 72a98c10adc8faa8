"""pvhboot-disk.bin (issue 26) on QEMU's arm64 virt: virtio-blk disks from
the device tree, read and reported.

- virtio,mmio nodes (virtio-blk-device; -global
  virtio-mmio.force-legacy=false, since QEMU 7.2 makes legacy transports
  by default, which are refused with one error line: tested too);
- the PCIe host bridge (pci-host-ecam-generic): virtio-blk-pci, whose
  BARs nothing assigned before pvhboot (no firmware runs on virt): the
  image puts them in the bridge's MMIO window, at slots the test picks.
Each disk alone and after another virtio device; sectors and sector 0's
CRC-32 come from the image files the test made (disk_images.py). A fatal
error ends in PSCI SYSTEM_OFF, so QEMU exits 0 after the error line.
"""

import os

from common import check
from disk_images import check_disks, drive, mmio_disk_args, pci_disk_args
from qemu_arm64 import run_qemu_arm64

ARCH = "arm64"
TIMEOUT = 60
MODERN_MMIO = ["-global", "virtio-mmio.force-legacy=false"]


def boot(ctx, devices, extra=()):
    args = ["-M", "virt", "-cpu", "cortex-a57", "-m", "512M",
            "-kernel", os.path.join(ctx.build_arm64, "pvhboot-disk.bin")] + list(extra) + devices
    return run_qemu_arm64(args, TIMEOUT, qemu=ctx.qemu_aarch64)


def mmio(ctx, names, rng_first):
    def test():
        args = mmio_disk_args(ctx, names, rng_first)
        return check_disks(ctx, boot(ctx, args, MODERN_MMIO), names, 0, ordered=False)
    return test


def pci(ctx, names, modern, rng_first):
    def test():
        args, transports = pci_disk_args(ctx, names, modern, rng_first, 4)
        return check_disks(ctx, boot(ctx, args), names, 0, transports)
    return test


def mixed(ctx):
    """A virtio-mmio disk and a virtio-pci one: the device tree's
    virtio,mmio nodes come first, then the PCI scan."""
    def test():
        args = drive(ctx, "a", "d0") + ["-device", "virtio-blk-pci,drive=d0,addr=4"]
        args += drive(ctx, "b", "d1") + ["-device", "virtio-blk-device,drive=d1"]
        return check_disks(ctx, boot(ctx, args, MODERN_MMIO), ["b", "a"], 0)
    return test


def legacy_mmio_refused(ctx):
    def test():
        args = drive(ctx, "a", "d0") + ["-device", "virtio-blk-device,drive=d0"]
        result = boot(ctx, args)
        check(not result.timed_out and result.status == 0,
              "expected the error stop (PSCI SYSTEM_OFF): " + result.describe())
        errors = [l for l in result.lines() if l.startswith(b"pvhboot: error: ")]
        check(len(errors) == 1 and errors[0].startswith(b"pvhboot: error: virtio-mmio 0x") and
              b"version 1 " in errors[0], "expected one legacy refusal: " + result.describe())
        return errors[0].decode()
    return test


def collect(ctx):
    return [
        ("virt-virtio-mmio-one-disk", mmio(ctx, ["a"], False)),
        ("virt-virtio-mmio-two-disks-after-rng", mmio(ctx, ["a", "b"], True)),
        ("virt-virtio-blk-pci-transitional-one-disk-bars-assigned", pci(ctx, ["a"], False, False)),
        ("virt-virtio-blk-pci-modern-two-disks-after-rng", pci(ctx, ["b", "a"], True, True)),
        ("virt-virtio-mmio-and-pci-disks", mixed(ctx)),
        ("virt-legacy-virtio-mmio-refused", legacy_mmio_refused(ctx)),
    ]
