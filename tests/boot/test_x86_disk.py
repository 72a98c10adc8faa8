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
  the transport names are exact. PCI configuration space through the
  ECAM of the ACPI MCFG where the machine has one (q35), else through
  ports 0xcf8/0xcfc (pc): the line that says which, and the window, are
  computed from the MCFG read out of a guest of that machine
  (guest_acpi.py: hello's RSDP, QEMU's monitor), or its absence; no
  warning. On pc, an MCFG added with -acpitable whose window is RAM, or
  names space where no ECAM answers, is passed over with one warning,
  and the disk is read through the ports.
Each disk alone and after another virtio device (an entropy source, which
is no disk). Sectors and sector 0's CRC-32 come from the image files the
test made (disk_images.py). Also: a 4 KiB logical block size is refused;
with no disk and no payload the image says so; with a module, or a kernel
packed into it, it boots that as pvhboot.elf does.
"""

import os
import re
import struct

from common import check, expect_panic, expect_poweroff, file_made_once
from disk_images import (PORTS_LINE, check_disks, disk_lines, drive, ecam_line, mmio_disk_args,
                         pci_disk_args, pci_lines)
from guest_acpi import guest_table
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
    """No PCI disk: no pci config line, and no warning (microvm has no MCFG)."""
    def test():
        machine = "microvm" if acpi else "microvm,acpi=off"
        result = boot(ctx, machine, mmio_disk_args(ctx, names, rng_first), MODERN_MMIO)
        return check_disks(ctx, result, names, EXIT_PANIC, ordered=False, warnings=[])
    return test


def pci(ctx, machine, names, modern, rng_first):
    """Disks at slots 5, 6, ... (after an entropy source at slot 4),
    reached as the machine's MCFG (or its absence) says."""
    def test():
        line = ecam_line(guest_table(ctx, machine, b"MCFG"))
        check(line != PORTS_LINE if machine == "q35" else line == PORTS_LINE,
              "%s's tables: %r (QEMU's q35 has an MCFG, pc none)" % (machine, line))
        args, transports = pci_disk_args(ctx, names, modern, rng_first, 5)
        result = boot(ctx, machine, args)
        note = check_disks(ctx, result, names, EXIT_PANIC, transports, pci=line, warnings=[])
        return "%s; %s" % (line.decode().split("config ")[1], note)
    return test


def mcfg_table(ctx, base, first_bus, last_bus):
    """An MCFG with one allocation, segment 0, for QEMU's -acpitable
    (which writes the checksum itself)."""
    def write(part):
        body = b"\0" * 8 + struct.pack("<QHBBI", base, 0, first_bus, last_bus, 0)
        header = b"MCFG" + struct.pack("<IBB6s8sI4sI", 36 + len(body), 1, 0, b"PVHTST",
                                       b"PVHMCFG ", 1, b"PVHB", 1)
        with open(part, "wb") as f:
            f.write(header + body)
    return file_made_once(os.path.join(ctx.tmp, "mcfg-%x-%d-%d.aml" % (base, first_bus, last_bus)),
                          write)


def bad_mcfg_falls_back_to_ports(ctx, base, last_bus, warning):
    """pc with an MCFG of ours (pc has none of its own): one warning,
    warning(line) checks it, and the disk read through the ports."""
    def test():
        args, transports = pci_disk_args(ctx, ["a"], False, False, 5)
        result = boot(ctx, "pc", args, ["-acpitable", "file=" + mcfg_table(ctx, base, 0, last_bus)])
        got = [l for l in result.lines() if l.startswith(b"pvhboot: warning: ")]
        check(len(got) == 1, "expected one warning: " + result.describe())
        warning(got[0])
        check_disks(ctx, result, ["a"], EXIT_PANIC, transports, pci=PORTS_LINE, warnings=got)
        return got[0].decode()
    return test


def mcfg_over_ram(ctx):
    """A window from 64 MiB over 256 buses: RAM in a 256 MiB guest."""
    base, last = 64 << 20, 255

    def warning(line):
        want = (b"pvhboot: warning: ACPI MCFG: ECAM 0x%x-0x%x overlaps memory; PCI through ports "
                b"0xcf8/0xcfc" % (base, base + ((last + 1) << 20) - 1))
        check(line == want, "warning %r, expected %r" % (line, want))
    return bad_mcfg_falls_back_to_ports(ctx, base, last, warning)


def mcfg_without_ecam(ctx):
    """A window at q35's place on pc, where no ECAM answers: the host
    bridge reads otherwise there than through the ports."""
    base = 0xb0000000
    pattern = re.compile(rb"^pvhboot: warning: ACPI MCFG: ECAM 0x%x reads 00:00\.0 as "
                         rb"0x([0-9a-f]{8}), ports 0x([0-9a-f]{8}); PCI through ports "
                         rb"0xcf8/0xcfc$" % base)

    def warning(line):
        m = pattern.match(line)
        check(m, "warning %r, expected one like %r" % (line, pattern.pattern))
        check(m.group(1) != m.group(2) and m.group(2) != b"ffffffff",
              "the ports read 00:00.0 as 0x%s, the ECAM as 0x%s" % (m.group(2).decode(),
                                                                   m.group(1).decode()))
    return bad_mcfg_falls_back_to_ports(ctx, base, 255, warning)


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
        check(not disk_lines(result) and not pci_lines(result),
              "disk lines with a payload: " + result.describe())
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
        ("pc-mcfg-over-ram-falls-back-to-ports", mcfg_over_ram(ctx)),
        ("pc-mcfg-without-ecam-falls-back-to-ports", mcfg_without_ecam(ctx)),
        ("q35-logical-block-size-4096-refused", block_size_4k_refused(ctx)),
        ("no-payload-no-disk-refused", nothing_to_boot(ctx)),
        ("malformed-virtio-mmio-cmdline-word-refused", malformed_cmdline_device_refused(ctx)),
        ("module-is-chainloaded-not-the-disk", module_is_chainloaded(ctx)),
        ("packed-kernel-is-booted-not-the-disk", packed_kernel_is_booted_not_the_disk(ctx)),
    ]
    return tests
