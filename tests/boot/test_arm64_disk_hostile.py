"""pvhboot-disk.bin on hostile disks, on QEMU's virt (virtio-mmio): two of
test_x86_disk_hostile.py's disks, broken the same way by disk_hostile.py,
each ending in exactly the readers' lines computed for the disk, then
one error line compared whole with values read from the disk, then the
error stop (PSCI SYSTEM_OFF: QEMU ends by itself, status 0):

- a loop in the kernel's FAT chain (FAT32 this time: 512-byte clusters);
- the ESP's GPT entry past the disk's end in both the primary and the
  backup array, every CRC32 right.
"""

import os

from common import check
from disk_boot import TRANSPORT, drive, expected_lines, make_disk, reader_lines
from disk_hostile import Image, fake_kernel, gpt_entry_past_disk, gpt_headers, loop_chain
from qemu_arm64 import run_qemu_arm64

ARCH = "arm64"
TIMEOUT = 60
ERROR = b"pvhboot: error: "
MODERN_MMIO = ["-global", "virtio-mmio.force-legacy=false"]


def refused(ctx, img, want, lines):
    """Boot img alone: exactly the readers' lines lines(device), then the
    one error line want (without its prefix) and the error stop."""
    result = run_qemu_arm64(["-M", "virt", "-cpu", "cortex-a57", "-m", "256M", "-kernel",
                             os.path.join(ctx.build_arm64, "pvhboot-disk.bin")] + MODERN_MMIO +
                            drive(img, "d0") + ["-device", "virtio-blk-device,drive=d0"],
                            TIMEOUT, qemu=ctx.qemu_aarch64)
    check(not result.timed_out and result.status == 0,
          "expected the error stop (PSCI SYSTEM_OFF): " + result.describe())
    errors = [l for l in result.lines() if l.startswith(ERROR)]
    expected = ERROR + want.encode()
    check(errors == [expected], "error lines %r, expected [%r]" % (errors, expected))
    found = [m.group(1).decode() for m in (TRANSPORT.match(l) for l in result.lines()) if m]
    check(len(found) == 1, "expected one disk: " + result.describe())
    got, expected = reader_lines(result.lines()), lines(found[0])
    check(got == expected, "the readers printed:\n%s\nexpected:\n%s\n%s" % (
        "\n".join(got), "\n".join(expected), result.describe()))
    os.unlink(img)
    return "%s, %.1fs" % (errors[0].decode(), result.elapsed)


def kernel_chain_loop(ctx):
    def test():
        kernel = fake_kernel(ctx)
        img, m = make_disk(ctx, "arm64-hostile-kernel-loop", kernel, [], 32,
                           ["loop:Loop:1::console=ttyAMA0"])
        with Image(img) as disk:
            why = loop_chain(disk, m, "/vmlinuz")
        return refused(ctx, img, "boot: kernel /vmlinuz: " + why,
                       lambda dev: expected_lines(m, dev, os.path.getsize(kernel), [], None,
                                                  "")[0])
    return test


def gpt_past_disk(ctx):
    def test():
        img, _ = make_disk(ctx, "arm64-hostile-gpt", fake_kernel(ctx), [], 16,
                           ["gpt:Gpt:1::console=ttyAMA0"])
        with Image(img) as disk:
            why = gpt_entry_past_disk(disk, gpt_headers(disk))
        return refused(ctx, img, "no bootable entry on any disk: disks 1: no usable GPT: "
                       "backup " + why, lambda dev: [])
    return test


def collect(ctx):
    return [
        ("virt-fat32-kernel-chain-loop-one-error-line", kernel_chain_loop(ctx)),
        ("virt-gpt-esp-past-disk-both-copies-one-error-line", gpt_past_disk(ctx)),
    ]
