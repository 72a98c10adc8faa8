"""pvhboot-disk.elf (issue 26): the virtio-blk disks of QEMU's x86 machines,
found where each machine describes them, read, and reported; and the
firmware path unchanged when there is a payload.

- microvm with ACPI (its default): virtio-mmio transports from the DSDT's
  LNRO0005 devices; with acpi=off: from the virtio_mmio.device= words QEMU
  appends to the cmdline. QEMU 7.2 makes legacy (version 1) transports
  unless told -global virtio-mmio.force-legacy=false: the tests say so,
  and one checks that a legacy disk is refused with one error line.
- q35 and pc: virtio-blk-pci, transitional (the default, device 0x1001)
  and modern (disable-legacy=on, 0x1042), at PCI slots the test picks, so
  the transport names are exact.
Each disk alone and after another virtio device (an entropy source, which
is no disk). Sectors and sector 0's CRC-32 come from the image files the
test made (disk_images.py). Also: a 4 KiB logical block size is refused;
with no disk and no payload the image says so; with a module, or a kernel
packed into it, it boots that as pvhboot.elf does.
"""

import os

from common import check, expect_panic, expect_poweroff, file_made_once
from disk_images import check_disks, disk_lines, drive, mmio_disk_args, pci_disk_args
from linux import pack_tool
from qemu import EXIT_PANIC, run_qemu

ARCH = "x86_64"
TIMEOUT = 60
MODERN_MMIO = ["-global", "virtio-mmio.force-legacy=false"]


def disk_elf(ctx):
    return os.path.join(ctx.build, "pvhboot-disk.elf")


def boot(ctx, machine, devices, extra=()):
    return run_qemu(["-M", machine, "-m", "256M", "-kernel", disk_elf(ctx)] + list(extra) + devices,
                    TIMEOUT, qemu=ctx.qemu)


def microvm(ctx, acpi, names, rng_first):
    def test():
        machine = "microvm" if acpi else "microvm,acpi=off"
        result = boot(ctx, machine, mmio_disk_args(ctx, names, rng_first), MODERN_MMIO)
        return check_disks(ctx, result, names, EXIT_PANIC, ordered=False)
    return test


def pci(ctx, machine, names, modern, rng_first):
    """Disks at slots 5, 6, ... (after an entropy source at slot 4)."""
    def test():
        args, transports = pci_disk_args(ctx, names, modern, rng_first, 5)
        result = boot(ctx, machine, args)
        return check_disks(ctx, result, names, EXIT_PANIC, transports)
    return test


def legacy_mmio_refused(ctx):
    """QEMU's default virtio-mmio is legacy: one error line, the failure stop."""
    def test():
        result = boot(ctx, "microvm", mmio_disk_args(ctx, ["a"], False))
        line = expect_panic(result, b"pvhboot: error: virtio-mmio 0x")
        check(b"version 1 " in line, "expected the version in %r" % line)
        return line.decode()
    return test


def block_size_4k_refused(ctx):
    def test():
        args = drive(ctx, "a", "d0") + ["-device", "virtio-blk-pci,drive=d0,addr=5,"
                                        "logical_block_size=4096,physical_block_size=4096"]
        line = expect_panic(boot(ctx, "q35", args), b"pvhboot: error: virtio-pci 00:05.0: ")
        check(b"logical block size 4096" in line, "expected the block size in %r" % line)
        return line.decode()
    return test


def nothing_to_boot(ctx):
    def test():
        line = expect_panic(boot(ctx, "microvm", []), b"pvhboot: error: no payload and no disk")
        return line.decode()
    return test


def module_is_chainloaded(ctx):
    """With a module, the firmware path: hello runs, no disk is touched."""
    def test():
        hello = os.path.join(ctx.build, "hello.elf")
        args = drive(ctx, "a", "d0") + ["-device", "virtio-blk-pci,drive=d0,addr=5"]
        result = boot(ctx, "q35", args, ["-initrd", hello])
        expect_poweroff(result)
        check(b"pvhboot: hello done" in result.lines(), "hello did not run: " + result.describe())
        check(not disk_lines(result), "disk lines with a payload: " + result.describe())
    return test


def malformed_cmdline_device_refused(ctx):
    """A virtio_mmio.device= word without its '@': one error line quoting
    it (up to the newline the cmdline carries after it), the failure stop."""
    def test():
        word = "virtio_mmio.device=4K0xfeb00e00:12"
        result = boot(ctx, "microvm,acpi=off", [], ["-append", "console=ttyS0 %s\nx" % word])
        line = expect_panic(result, b"pvhboot: error: cmdline: ")
        check(line == ("pvhboot: error: cmdline: %s: not <size>@<base>:<irq>" % word).encode(),
              "unexpected error line %r" % line)
        return line.decode()
    return test


def packed_kernel_is_booted_not_the_disk(ctx):
    """hello.elf packed into pvhboot-disk.elf (pvhboot-pack finds its
    descriptor as in pvhboot.elf): hello runs on microvm with a disk there."""
    def test():
        image = file_made_once(os.path.join(ctx.tmp, "disk-hello-packed.elf"), lambda part: pack_tool(
            ctx, "pack", "--firmware", disk_elf(ctx), "--kernel",
            os.path.join(ctx.build, "hello.elf"), "-o", part))
        args = mmio_disk_args(ctx, ["a"], False)
        result = run_qemu(["-M", "microvm", "-m", "256M", "-kernel", image] + MODERN_MMIO + args,
                          TIMEOUT, qemu=ctx.qemu)
        expect_poweroff(result)
        check(b"pvhboot: hello done" in result.lines(), "hello did not run: " + result.describe())
        check(not disk_lines(result), "disk lines with a packed kernel: " + result.describe())
    return test


def collect(ctx):
    tests = []
    for acpi in (True, False):
        tag = "acpi" if acpi else "acpi-off"
        tests.append(("microvm-%s-virtio-mmio-one-disk" % tag, microvm(ctx, acpi, ["a"], False)))
        tests.append(("microvm-%s-virtio-mmio-two-disks-after-rng" % tag,
                      microvm(ctx, acpi, ["a", "b"], True)))
    for machine in ("q35", "pc"):
        tests.append(("%s-virtio-blk-pci-transitional-one-disk" % machine,
                      pci(ctx, machine, ["a"], False, False)))
        tests.append(("%s-virtio-blk-pci-modern-two-disks-after-rng" % machine,
                      pci(ctx, machine, ["b", "a"], True, True)))
    tests += [
        ("microvm-legacy-virtio-mmio-refused", legacy_mmio_refused(ctx)),
        ("q35-logical-block-size-4096-refused", block_size_4k_refused(ctx)),
        ("no-payload-no-disk-refused", nothing_to_boot(ctx)),
        ("malformed-virtio-mmio-cmdline-word-refused", malformed_cmdline_device_refused(ctx)),
        ("module-is-chainloaded-not-the-disk", module_is_chainloaded(ctx)),
        ("packed-kernel-is-booted-not-the-disk", packed_kernel_is_booted_not_the_disk(ctx)),
    ]
    return tests
