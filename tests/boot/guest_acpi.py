"""ACPI tables as a machine's firmware leaves them in guest memory, read
out of a guest: hello.elf boots on the machine, prints the RSDP it was
given and powers off; QEMU, paused by -action shutdown=pause, is asked
through its monitor for the RSDP, the root table (the XSDT when the RSDP
has one, else the RSDT) and the table wanted (guest_memory.py). Each
table's signature and checksum are checked here, with the ACPI
specification's layout (5.2.5, 5.2.6), not pvhboot's code.
"""

import os
import re
import struct
import tempfile

from common import check
from guest_memory import monitor_args, run_and_inspect
from qemu import run_qemu

RSDP_LINE = re.compile(rb"^pvhboot: rsdp 0x([0-9a-f]+)\r?$", re.M)
HEADER = 36
TIMEOUT = 60


def checksummed(data, what):
    check(sum(data) % 256 == 0, "%s: bad checksum" % what)
    return data


def find_table(read, rsdp, sig):
    """The table sig (bytes, whole) that the root table lists first, or
    None; read(pa, size) reads guest memory."""
    r = read(rsdp, 36)
    check(r[:8] == b"RSD PTR ", "no RSDP at 0x%x" % rsdp)
    checksummed(r[:20], "RSDP")
    xsdt = r[15] >= 2 and struct.unpack_from("<Q", r, 24)[0]
    if xsdt:
        checksummed(r[:36], "RSDP (extended)")
    root, size, fmt = (xsdt, 8, "<Q") if xsdt else (struct.unpack_from("<I", r, 16)[0], 4, "<I")

    def table(pa, want):
        length = struct.unpack_from("<I", read(pa, HEADER), 4)[0]
        check(HEADER <= length <= 1 << 20, "table at 0x%x: length %d" % (pa, length))
        t = read(pa, length)
        return checksummed(t, "%s at 0x%x" % (want, pa))

    t = table(root, "XSDT" if xsdt else "RSDT")
    for at in range(HEADER, len(t) - size + 1, size):
        pa = struct.unpack_from(fmt, t, at)[0]
        if read(pa, 4) == sig:
            return table(pa, sig.decode())
    return None


def guest_table(ctx, machine, sig, memory="256M", extra=()):
    """The table sig of machine (QEMU -M) with memory, as its firmware
    hands it to a PVH guest; None when the root table lists none. Read
    once per test run and kept in ctx.tmp."""
    path = os.path.join(ctx.tmp, "acpi-%s-%s-%s" % (re.sub(r"[^a-z0-9]", "_", machine), memory,
                                                   sig.decode()))
    if os.path.exists(path):
        with open(path, "rb") as f:
            data = f.read()
        return data or None
    work = tempfile.mkdtemp(prefix="acpi-", dir=ctx.tmp)
    sock, serial = os.path.join(work, "monitor.sock"), os.path.join(work, "serial.txt")
    box = {}

    def inspect(mon):
        with open(serial, "rb") as f:
            m = RSDP_LINE.search(f.read())
        check(m, "hello printed no RSDP")
        scratch = os.path.join(work, "read.bin")
        box["table"] = find_table(lambda pa, size: mon.read(pa, size, scratch),
                                  int(m.group(1), 16), sig)

    hello = os.path.join(ctx.build, "hello.elf")
    start = lambda: run_qemu(["-M", machine, "-m", memory, "-kernel", hello] + list(extra) +
                             monitor_args(sock), TIMEOUT, qemu=ctx.qemu, workdir=work)
    run_and_inspect(start, serial, sock, b"pvhboot: hello done", inspect, TIMEOUT)
    part = "%s.part.%d" % (path, os.getpid())
    with open(part, "wb") as f:
        f.write(box["table"] or b"")
    os.replace(part, path)
    return box["table"]


def mcfg_allocations(mcfg):
    """The MCFG's allocations (PCI Firmware Specification 3.3, table 4-3):
    (base, segment, start bus, end bus) for each 16 bytes after 44."""
    return [struct.unpack_from("<QHBB", mcfg, at) for at in range(44, len(mcfg) - 15, 16)]
