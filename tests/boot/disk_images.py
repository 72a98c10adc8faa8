"""Disks for pvhboot-disk's boot tests (test_x86_disk.py, test_arm64_disk.py):
raw image files the test makes, and what the image must print for them.

pvhboot-disk prints, for each virtio-blk disk it finds, in the order found:
    pvhboot: disk: <transport> <sectors> sectors crc32 0x<CRC-32 of sector 0>
on x86, before them when some are virtio-pci, how PCI was reached:
    pvhboot: disk: pci config <ecam|ports> 0x<first>-0x<last>
and, with no disk holding an entry, ends with
    pvhboot: error: no bootable entry on any disk: disks <n> ...
The expected values come from the files: sectors = file size / 512, the
CRC-32 of the first 512 bytes (zlib).
"""

import os
import re
import zlib

from common import check, file_once

SECTOR = 512
# Two disks told apart by size and content: sizes in whole sectors, not powers of two.
DISKS = {
    "a": (3 * 1024 * 1024 + 5 * SECTOR, 7),
    "b": (1024 * 1024 + 77 * SECTOR, 13),
}
DISK_LINE = re.compile(rb"^pvhboot: disk: (virtio-mmio 0x[0-9a-f]+|virtio-pci [0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) "
                       rb"(\d+) sectors crc32 0x([0-9a-f]{8})$")
PCI_LINE = re.compile(rb"^pvhboot: disk: pci config (ecam|ports) 0x[0-9a-f]+-0x[0-9a-f]+$")
NO_ENTRY = b"pvhboot: error: no bootable entry on any disk: disks %d"
# x86 without an ECAM: the two ports, address (0xcf8) and data (0xcfc-0xcff).
PORTS_LINE = b"pvhboot: disk: pci config ports 0xcf8-0xcff"


def disk(ctx, name):
    """(path, bytes) of disk name ('a' or 'b'), made once per run."""
    size, seed = DISKS[name]
    path = os.path.join(ctx.tmp, "disk-%s.img" % name)
    data = file_once(path, lambda: bytes(((i * seed) ^ (i >> 9) ^ (i >> 17)) & 0xff
                                         for i in range(size)))
    return path, data


def expected(data):
    """(sectors, crc32) pvhboot-disk must print for a disk with these bytes."""
    return len(data) // SECTOR, zlib.crc32(data[:SECTOR])


def drive(ctx, name, ident):
    """QEMU's -drive for disk name, read-only (a test never writes it)."""
    path, _ = disk(ctx, name)
    return ["-drive", "file=%s,format=raw,if=none,id=%s,readonly=on" % (path, ident)]


def mmio_disk_args(ctx, names, rng_first):
    """QEMU arguments: the disks names as virtio-blk-device (virtio-mmio),
    after an entropy source when rng_first."""
    args = ["-device", "virtio-rng-device"] if rng_first else []
    for i, n in enumerate(names):
        args += drive(ctx, n, "d%d" % i) + ["-device", "virtio-blk-device,drive=d%d" % i]
    return args


def pci_disk_args(ctx, names, modern, rng_first, first_slot):
    """QEMU arguments and the transports pvhboot-disk names: the disks
    names as virtio-blk-pci at slots first_slot, first_slot + 1, ...
    (modern only, or transitional), after an entropy source at the slot
    below when rng_first."""
    args = ["-device", "virtio-rng-pci,addr=%d" % (first_slot - 1)] if rng_first else []
    transports = []
    for i, n in enumerate(names):
        slot = first_slot + i
        args += drive(ctx, n, "d%d" % i)
        args += ["-device", "virtio-blk-pci,drive=d%d,addr=%d%s" %
                 (i, slot, ",disable-legacy=on" if modern else "")]
        transports.append("virtio-pci 00:%02x.0" % slot)
    return args, transports


def ecam_line(mcfg):
    """What pvhboot-disk prints for PCI reached through this MCFG (bytes
    read out of a guest, guest_acpi.py): the window of the first
    allocation of segment 0 from bus 0, 1 MiB a bus; the ports line when
    there is no MCFG or no such allocation."""
    from guest_acpi import mcfg_allocations

    for base, segment, start, end in mcfg_allocations(mcfg) if mcfg else []:
        if segment == 0 and start == 0:
            return b"pvhboot: disk: pci config ecam 0x%x-0x%x" % (base, base + ((end + 1) << 20) - 1)
    return PORTS_LINE


def pci_lines(result):
    """The 'pvhboot: disk: pci config' lines."""
    return [l for l in result.lines() if PCI_LINE.match(l)]


def disk_lines(result):
    """[(transport, sectors, crc32)] of the disk lines, in order; every
    line that starts 'pvhboot: disk:' must be one, or a pci config line."""
    out = []
    for line in result.lines():
        if not line.startswith(b"pvhboot: disk:") or PCI_LINE.match(line):
            continue
        m = DISK_LINE.match(line)
        check(m, "malformed disk line %r: %s" % (line, result.describe()))
        out.append((m.group(1).decode(), int(m.group(2)), int(m.group(3), 16)))
    return out


def check_disks(ctx, result, names, status, transports=None, ordered=True, pci=None,
                warnings=None):
    """The guest printed one line per disk of names, in this order (in any
    order unless ordered: which virtio-mmio transport QEMU plugs a device
    into, and the order it describes them in, are its own), with the
    sectors and CRC-32 the files give (and, where transports names them,
    these transports); then the no-entry error, and QEMU ended by
    itself with status (x86: the failure exit; arm64: 0, PSCI SYSTEM_OFF).
    Before the disks, the pci config line pci (None: there is none); and,
    where warnings is given, exactly those warning lines."""
    check(not result.timed_out and not result.triple_fault and result.status == status,
          "expected QEMU to end with status %d: %s" % (status, result.describe()))
    got_pci = pci_lines(result)
    check(got_pci == ([pci] if pci else []), "pci config lines %r, expected %r: %s" %
          (got_pci, [pci] if pci else [], result.describe()))
    if pci:
        first_disk = [l for l in result.lines() if DISK_LINE.match(l)][:1]
        check(first_disk and result.lines().index(pci) < result.lines().index(first_disk[0]),
              "the pci config line is not before the disks: " + result.describe())
    if warnings is not None:
        got = [l for l in result.lines() if l.startswith(b"pvhboot: warning: ")]
        check(got == list(warnings), "warning lines %r, expected %r: %s" %
              (got, list(warnings), result.describe()))
    got = disk_lines(result)
    want = [expected(disk(ctx, n)[1]) for n in names]
    check([(s, c) for _, s, c in got] == want if ordered else
          sorted((s, c) for _, s, c in got) == sorted(want),
          "disks (sectors, crc32) %r, expected %r: %s" % ([(s, hex(c)) for _, s, c in got],
                                                          [(s, hex(c)) for s, c in want],
                                                          result.describe()))
    if transports is not None:
        check([t for t, _, _ in got] == transports, "transports %r, expected %r" %
              ([t for t, _, _ in got], transports))
    errors = [l for l in result.lines() if l.startswith(b"pvhboot: error: ")]
    check(len(errors) == 1 and errors[0].startswith(NO_ENTRY % len(names)),
          "expected the one error line %r: %s" % (NO_ENTRY % len(names), result.describe()))
    check(result.lines()[-1] == errors[0], "printed after the error: " + result.describe())
    return ", ".join("%s %d sectors" % (t, s) for t, s, _ in got)
