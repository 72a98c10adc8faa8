"""Firecracker's and Cloud Hypervisor's PVH hand-offs, by replica (issues 14, 24, 28).

Both VMMs need KVM, which these machines lack. Their PVH set-up is small
and public, so the tests' own PVH loader (tests/hostile/, a 32-bit PVH
image QEMU boots with -kernel) reproduces it: loader cmdline
"vmm=<name> mem=<MiB> initrd=<addr>:<bytes> -- <guest cmdline>", the image
under test as QEMU's -initrd, the initrd placed by QEMU's -device loader.

Each replica follows one release, read at its tag (the C files' headers
give the files): Firecracker v1.12.1, v1.13.2 and v1.16.1 (the current
release), Cloud Hypervisor v53.0 (the current release), and linux-loader
0.13.0 / 0.14.0, which they build with (its ELF loader's rules are the
same in both). What the releases change, and what is checked here per
release: the memory map (1.12's 768 MiB gap and no MMCONFIG, 1.13's
descending order, 1.16's ascending one), the ACPI tables (MCFG from 1.13,
the FADT's IA-PC flags) and the cmdline (" pci=off" from 1.13).

What is replicated byte for byte, and checked here from guest memory
after hello has ended the VM: the start info, module list, memory map and
cmdline at the VMM's addresses, Firecracker's MP table at 0x9fc00, each
VMM's ACPI tables (RSDP revision 2 with an XSDT; Firecracker's DSDT,
FADT, MADT, MCFG right after its MP table, Cloud Hypervisor's from
0xa0024; of the DSDT's AML, the legacy devices -- COM1, and Firecracker's
other serial ports and i8042 -- and Cloud Hypervisor's \\_S5), the boot
GDT (its TSS made busy by ltr, as KVM's vCPU has it) and IDT, Cloud
Hypervisor's EBDA pointer, zeros in the rest of the first MiB. Every
expected byte is built here from the VMMs' sources (layouts and values),
not from the C replica. The registers at entry are checked through
bootdump (its PVH build, converted to ELF64, since linux-loader takes
nothing else). Guest RAM is a file (memory-backend-file), read after QEMU
has ended. QEMU: -M pc, with the i440FX's SMRAM and PAM registers opened
so that 0xa0000-0xfffff is RAM, as in a VMM's guest
(vmm_low_memory.c).

Firecracker's disks (issue 26) are virtio-mmio devices, which -M pc
cannot have: those cases run on QEMU's microvm with acpi=off (its first
MiB is RAM; no ACPI of its own; an i8042 added for the ending), the disk
a virtio-blk-device on the transport the test names. microvm appends
"virtio_mmio.device=512@0x<base>:<irq>" to the loader's cmdline for it;
the replica takes that word off and, as Firecracker does for each device
(device_manager/mmio.rs, every release), inserts its own
"virtio_mmio.device=4K@0x<base>:<irq>" after " pci=off" and writes an
LNRO0005 device (4 KiB Memory32Fixed, its GSI) first in the DSDT. Base
and IRQ are the ones QEMU gave the transport (0xfeb00000 + 512 n, IRQ
5 + n: computed here, and checked against what the loader read), not
Firecracker's (its first device is at 0xc0001000, GSI 5); the size
claimed is Firecracker's 4 KiB, where QEMU's transport has 512 bytes.
hello checks that hand-off byte for byte; pvhboot-disk.elf, given as
the kernel with no initrd, boots Debian's kernel from a GPT + FAT32
disk (tools/make-disk.py) to /init, finding the disk by that word (the
cmdline's words come first; the DSDT is read only when they named none,
docs/disk.md: one disk line shows it was not probed twice); /init ends
the VM as a Firecracker guest must, `reboot -f` with reboot=k. A word of
the user's own before the VMM's, at an address with no device or
malformed, is one error line.

How each VMM ends a VM (read in their sources; docs/loaders.md) is
modelled with what QEMU has, and every hello here must end its VM the way
the real VMM would let it:
  Firecracker: no isa-debug-exit at 0xf4 (it has no device there) and no
    ACPI way off in its tables; the i8042 reset (0xfe to port 0x64) makes
    it exit: under QEMU's -no-reboot that reset ends QEMU with status 0,
    and QEMU's trace of the keyboard controller's commands says it was
    0xfe. Anything else (a hang, a triple fault) fails.
  Cloud Hypervisor: no device at 0xf4; its ACPI device at port 0x600 is
    QEMU's isa-debug-exit there (the replica turns QEMU's PIIX4 power
    management off that port), so the status says what the guest wrote:
    0x34 is S5, which ends Cloud Hypervisor; 1 is its reset register. A
    reset of any kind (that register, the i8042, a triple fault) reboots
    Cloud Hypervisor, so a boot that ends in one fails: it would loop.
"""


import os
import re
import struct
import subprocess
import zlib

from common import ON_ERROR_HALT_HOLD, TestFailure, check, expect_held, file_made_once, file_once
from disk_boot import check_chosen, expected_cmdline, make_disk
from disk_images import DISK_LINE, disk
from guest_memory import subtract
from hello_report import HelloReport, ReportError, compression_of, decode_escaped
from hostile_loader import Account
from linux import (INIT_EXIT_STATUS, INIT_SCRIPT, InitReport, bzimage, cpio_newc, initramfs,
                   pack_tool)
import memmap_model
from qemu import run_qemu

ARCH = "x86_64"

MIB, GIB = 1 << 20, 1 << 30
RAM, RESERVED = 1, 2
MMIO32_START = 3 * GIB        # both VMMs: RAM below 4 GiB stops here
RAM_64BIT = 4 * GIB
PAGE = 4096
STAGING = 0x6000000           # where QEMU's -device loader puts the initrd for the replica
EXIT_REFUSED = (0x7c << 1) | 1
BOOTDUMP_EXIT = (0x21 << 1) | 1
LOW_MIB = 0x100000
MICROVM_MMIO_BASE, MICROVM_MMIO_IRQ = 0xfeb00000, 5
MODERN_MMIO = ["-global", "virtio-mmio.force-legacy=false"]

START_INFO, MODLIST, MEMMAP, CMDLINE = 0x6000, 0x6040, 0x7000, 0x20000
BOOT_GDT = struct.pack("<4Q", 0, 0x00cf9b000000ffff, 0x00cf93000000ffff, 0x00008b0000000067)
BOOT_GDT_AT, BOOT_IDT_AT = 0x500, 0x520
EBDA_POINTER_AT = 0x40e
XEN_HVM_START_MAGIC = 0x336ec578
CR0_PE_ET = 0x11              # TCG keeps ET set: Cloud Hypervisor's PE reads the same


def firecracker_regions(release, mem):
    """arch_memory_regions: the guest RAM as [first, end) regions."""
    gap = 0xd0000000 if release == "1.12" else MMIO32_START
    below_mmio64 = None if release == "1.12" else 256 * GIB - RAM_64BIT
    out = [(0, min(mem, gap))]
    high = mem - gap
    if high > 0:
        first = high if below_mmio64 is None else min(high, below_mmio64)
        out.append((RAM_64BIT, RAM_64BIT + first))
        if high > first:
            out.append((512 * GIB, 512 * GIB + high - first))
    return out


def firecracker_map(release, mem):
    """configure_pvh's memory map, in its order, for one release."""
    out = [(0, 0x9fc00, RAM), (0x9fc00, 0xe0000 - 0x9fc00, RESERVED)]
    if release != "1.12":
        out.append((0xfec00000 - 256 * MIB, 256 * MIB, RESERVED))
    ram = [(max(a, LOW_MIB), b - max(a, LOW_MIB), RAM) for a, b in firecracker_regions(release, mem)]
    return out + (ram[::-1] if release == "1.13" else ram)


def cloud_hypervisor_map(mem):
    out = [(0, 0xa0000, RAM), (LOW_MIB, min(mem, MMIO32_START) - LOW_MIB, RAM)]
    if mem > MMIO32_START:
        out.append((RAM_64BIT, mem - MMIO32_START, RAM))
    out.append((0xe8000000, 256 * MIB, RESERVED))
    return out


# --- the VMMs' ACPI tables, from their sources ----------------------------------

def sdt(sig, revision, ids, table_id, body):
    """A table: the ACPI header (ids: OEM ID, OEM revision, creator ID,
    creator revision's 4 bytes), then body; checksummed."""
    oem, oem_rev, creator, creator_rev = ids
    t = bytearray(struct.pack("<4sIBB6s8sI4s4s", sig, 36 + len(body), revision, 0, oem,
                              table_id, oem_rev, creator, creator_rev) + body)
    t[9] = -acpi_sum(t) & 0xff
    return bytes(t)


def rsdp2(oem, xsdt):
    r = bytearray(struct.pack("<8sB6sBIIQB3x", b"RSD PTR ", 0, oem, 2, 0, 36, xsdt, 0))
    r[8] = -acpi_sum(r[:20]) & 0xff
    r[32] = -acpi_sum(r) & 0xff
    return bytes(r)


def gas_io(bits, access, port):
    return struct.pack("<BBBBQ", 1, bits, 0, access, port)


def fadt_body(fields):
    """A 276-byte FADT's body: {offset: bytes}, the rest zero."""
    body = bytearray(276 - 36)
    for at, data in fields.items():
        body[at - 36:at - 36 + len(data)] = data
    return bytes(body)


def place(at, tables):
    """Tables one right after the other from at: [(address, bytes)]."""
    out = []
    for t in tables:
        out.append((at, t))
        at += len(t)
    return out


# --- AML, as the VMMs' crates encode it ------------------------------------------
# Firecracker's own acpi-tables (src/acpi-tables/src/aml.rs at its tags)
# writes a u8 with BytePrefix always; rust-vmm's acpi_tables 0.2.1 (Cloud
# Hypervisor v53.0) the shortest form: ZeroOp, OneOp, BytePrefix... A
# usize (a buffer's size) is a u8 in the first, a u64 made short in the
# second; an EISA ID is a u32, above 0xffff in both.

def aml_pkg_length(body):
    """PkgLength + body (ACPI 6.5 §20.2.4), sized from the body alone as
    both crates do."""
    n = 1 if len(body) < 63 else 2 if len(body) < 4094 else 3
    total = len(body) + n
    if n == 1:
        return bytes([total]) + body
    return bytes([(n - 1) << 6 | total & 0xf] +
                 [(total >> (4 + 8 * i)) & 0xff for i in range(n - 1)]) + body


def aml_int(value, shortest):
    if shortest and value in (0, 1):
        return bytes([value])                                   # ZeroOp, OneOp
    if value <= 0xff:
        return bytes([0x0a, value])
    if shortest and value <= 0xffff:
        return b"\x0b" + struct.pack("<H", value)
    return b"\x0c" + struct.pack("<I", value)


def aml_eisa_id(text, shortest):
    v = (ord(text[0]) - 0x40) << 26 | (ord(text[1]) - 0x40) << 21 | (ord(text[2]) - 0x40) << 16 | \
        int(text[3:], 16)
    return aml_int(struct.unpack("<I", struct.pack(">I", v))[0], shortest)


def aml_name(name, value):
    return b"\x08" + name + value


def aml_string(text):
    return b"\x0d" + text + b"\0"


def aml_device(name, *children):
    """Device(\\_SB_.name): ExtOpPrefix DeviceOp, PkgLength, DualNamePrefix."""
    return b"\x5b\x82" + aml_pkg_length(b"\x2e_SB_" + name + b"".join(children))


def aml_resources(shortest, *descriptors):
    """ResourceTemplate: a Buffer of the descriptors, an end tag, checksum 0."""
    data = b"".join(descriptors) + b"\x79\x00"
    return b"\x11" + aml_pkg_length(aml_int(len(data), shortest) + data)


def aml_io(port, alignment, length):
    return struct.pack("<BBHHBB", 0x47, 1, port, port, alignment, length)


def aml_interrupt(gsi):
    """Extended interrupt descriptor: consumer, edge, active high, exclusive."""
    return struct.pack("<BHBBI", 0x89, 6, 0b11, 1, gsi)


def firecracker_legacy_aml(release):
    """device_manager/legacy.rs append_aml_bytes: COM1-COM4 (1.12, 1.13) or
    COM1 alone (1.16), then the i8042."""
    ports = [(0x3f8, 4), (0x2f8, 3), (0x3e8, 4), (0x2e8, 3)][:1 if release == "1.16" else 4]
    out = b""
    for i, (port, gsi) in enumerate(ports):
        com = b"COM%d" % (i + 1)
        out += aml_device(com, aml_name(b"_HID", aml_eisa_id("PNP0501", False)),
                          aml_name(b"_UID", aml_int(i, False)), aml_name(b"_DDN", aml_string(com)),
                          aml_name(b"_CRS", aml_resources(False, aml_interrupt(gsi),
                                                          aml_io(port, 1, 8))))
    sta = b"\x14" + aml_pkg_length(b"_STA\x00\xa4" + aml_int(0xf, False))   # Method: Return(0xf)
    return out + aml_device(b"PS2_", aml_name(b"_HID", aml_eisa_id("PNP0303", False)), sta,
                            aml_name(b"_CRS", aml_resources(False, aml_io(0x60, 1, 1),
                                                            aml_io(0x64, 1, 1), aml_interrupt(1))))


def cloud_hypervisor_com1_aml():
    """device_manager.rs, "Serial device" (x86_64): _UID is aml::ZERO."""
    return aml_device(b"COM1", aml_name(b"_HID", aml_eisa_id("PNP0501", True)),
                      aml_name(b"_UID", b"\x00"), aml_name(b"_DDN", aml_string(b"COM1")),
                      aml_name(b"_CRS", aml_resources(True, aml_interrupt(4), aml_io(0x3f8, 0, 8))))


FC_IDS = (b"FIRECK", 0, b"FCAT", struct.pack("<I", 0x20240119))


def firecracker_virtio_aml(mmio):
    """device_manager/mmio.rs add_virtio_aml, per device (base, gsi):
    Device(V<gsi - 5, 3 digits>) (one name segment), _HID the string
    LNRO0005, _UID that number as a u32 (DWordPrefix), _CCA One, _CRS
    Memory32Fixed(ReadWrite, base, 4 KiB) and the GSI."""
    out = b""
    for base, gsi in mmio:
        out += b"\x5b\x82" + aml_pkg_length(
            b"V%03d" % (gsi - 5) + aml_name(b"_HID", aml_string(b"LNRO0005")) +
            aml_name(b"_UID", b"\x0c" + struct.pack("<I", gsi - 5)) + aml_name(b"_CCA", b"\x01") +
            aml_name(b"_CRS", aml_resources(False, struct.pack("<BHBII", 0x86, 9, 1, base, 0x1000),
                                            aml_interrupt(gsi))))
    return out


def firecracker_acpi(release, at, mmio=()):
    """acpi/mod.rs create_acpi_tables: DSDT, FADT, MADT, MCFG (from 1.13),
    XSDT from at on; the RSDP at 0xe0000. {address: bytes}. The DSDT:
    the virtio devices' AML, then (not replicated) GED and VMGenID, then
    the legacy devices'."""
    iapc = 0x1c if release == "1.12" else 0x4   # VGA, MSI, ASPM / VGA alone
    dsdt = sdt(b"DSDT", 2, FC_IDS, b"FCVMDSDT",
               firecracker_virtio_aml(mmio) + firecracker_legacy_aml(release))
    fadt = lambda dsdt_at: sdt(b"FACP", 6, FC_IDS, b"FCVMFADT", fadt_body({
        109: struct.pack("<H", iapc), 112: struct.pack("<I", 1 << 20 | 1 << 4 | 1 << 5),
        131: b"\x05", 140: struct.pack("<Q", dsdt_at), 268: b"FIRECKVM"}))
    madt = sdt(b"APIC", 6, FC_IDS, b"FCVMMADT", struct.pack("<II", 0xfee00000, 0) +
               struct.pack("<BBBBII", 1, 12, 0, 0, 0xfec00000, 0) +
               struct.pack("<BBBBI", 0, 8, 0, 0, 1))
    mcfg = sdt(b"MCFG", 1, FC_IDS, b"FCMVMCFG", struct.pack("<QQHBBI", 0, 0xfec00000 - 256 * MIB,
                                                            0, 0, 0, 0))
    tables = [dsdt, fadt(at), madt] + ([] if release == "1.12" else [mcfg])
    placed = place(at, tables)
    xsdt = sdt(b"XSDT", 1, FC_IDS, b"FCMVXSDT", b"".join(struct.pack("<Q", a) for a, _ in placed[1:]))
    placed.append((placed[-1][0] + len(placed[-1][1]), xsdt))
    out = dict(placed)
    out[0xe0000] = rsdp2(b"FIRECK", placed[-1][0])
    return out


CH_IDS = (b"CLOUDH", 1, b"RVAT", b"\0\0\0\1")


def aml_integer(v):
    return b"\x00" if v == 0 else b"\x01" if v == 1 else bytes([0x0a, v])


def aml_name_package(name, values):
    """Name(name, Package(){values}) for small byte values (one-byte PkgLength)."""
    body = bytes([len(values)]) + b"".join(aml_integer(v) for v in values)
    return b"\x08" + name + bytes([0x12, len(body) + 1]) + body


def cloud_hypervisor_acpi(boot_cpus=1, max_cpus=1):
    """acpi.rs create_acpi_tables: the RSDP at 0xa0000, then DSDT, FACP,
    APIC, MCFG, XSDT from 0xa0024 on. {address: bytes}."""
    at = 0xa0000 + 36
    dsdt = sdt(b"DSDT", 6, CH_IDS, b"CHDSDT  ",
               cloud_hypervisor_com1_aml() + aml_name_package(b"_S5_", [5, 5, 0, 0]))
    facp = sdt(b"FACP", 6, CH_IDS, b"CHFACP  ", fadt_body({
        112: struct.pack("<I", 1 << 20 | 1 << 10 | 1 << 8), 116: gas_io(8, 1, 0x600),
        128: b"\x01", 131: b"\x03", 140: struct.pack("<Q", at), 208: gas_io(32, 4, 0x608),
        244: gas_io(8, 1, 0x600), 256: gas_io(8, 1, 0x600), 268: b"CLOUDHYP"}))
    x2apic = b"".join(struct.pack("<BBHIII", 9, 16, 0, cpu, (1 if cpu < boot_cpus else 0) | 2, cpu)
                      for cpu in range(max_cpus))
    madt = sdt(b"APIC", 5, CH_IDS, b"CHMADT  ", struct.pack("<II", 0xfee00000, 0) + x2apic +
               struct.pack("<BBBBII", 1, 12, 0, 0, 0xfec00000, 0) +
               struct.pack("<BBBBIH", 2, 10, 0, 4, 4, 0))
    mcfg = sdt(b"MCFG", 1, CH_IDS, b"CHMCFG  ", struct.pack("<QQHBBI", 0, 0xe8000000, 0, 0, 0, 0))
    placed = place(at, [dsdt, facp, madt, mcfg])
    xsdt = sdt(b"XSDT", 1, CH_IDS, b"CHXSDT  ", b"".join(struct.pack("<Q", a) for a, _ in placed[1:]))
    placed.append((placed[-1][0] + len(placed[-1][1]), xsdt))
    out = dict(placed)
    out[0xa0000] = rsdp2(b"CLOUDH", placed[-1][0])
    return out


def firecracker_mptable(at, cpus=1):
    """mptable.rs's MP table (Intel MP spec 1.4) at at, for cpus vCPUs:
    built here from the specification's layouts, not from the C replica."""
    ioapic = cpus + 1
    entries = [struct.pack("<BBBBII8x", 0, i, 0x14, 1 | (2 if i == 0 else 0), 0x600, 0x201)
               for i in range(cpus)]
    entries.append(struct.pack("<BB6s", 1, 0, b"ISA   "))
    entries.append(struct.pack("<BBBBI", 2, ioapic, 0x14, 1, 0xfec00000))
    entries += [struct.pack("<BBHBBBB", 3, 0, 0, 0, irq, ioapic, irq) for irq in range(24)]
    entries.append(struct.pack("<BBHBBBB", 4, 3, 0, 0, 0, 0, 0))      # ExtINT -> LINT0
    entries.append(struct.pack("<BBHBBBB", 4, 1, 0, 0, 0, 0xff, 1))   # NMI -> LINT1
    body = b"".join(entries)
    count = len(entries) + 1      # Firecracker counts the floating pointer too
    header = struct.pack("<4sHBB8s12sIHHII", b"PCMP", 44 + len(body), 4, 0, b"FC      ",
                         b"0" * 12, 0, 0, count, 0xfee00000, 0)
    table = bytearray(header + body)
    table[7] = -acpi_sum(table) & 0xff
    floating = bytearray(struct.pack("<4sIBBB5x", b"_MP_", at + 16, 1, 4, 0))
    floating[10] = -acpi_sum(floating) & 0xff
    return bytes(floating + table)


# How a boot ended, as the real VMM would have it.
S5_WRITE = 0x34               # SLP_TYP 5 | SLP_EN in a sleep control register
I8042_RESET = 0xfe


def i8042_commands(result):
    """The commands written to the keyboard controller (QEMU's trace)."""
    return [int(x, 16) for x in re.findall(r"pckbd_kbd_write_command (0x[0-9a-f]+)",
                                           result.reset_log)]


class Vmm:
    def __init__(self, name, release, memmap, ram_32bit_end, rsdp_at, rsdp_in_start_info,
                 ebda_pointer, acpi, mptable_at=None, cmdline_tail=b""):
        self.name, self.release, self.memmap = name, release, memmap
        self.ram_32bit_end, self.rsdp_at = ram_32bit_end, rsdp_at
        self.rsdp_in_start_info, self.ebda_pointer = rsdp_in_start_info, ebda_pointer
        self.acpi, self.mptable_at, self.cmdline_tail = acpi, mptable_at, cmdline_tail

    def start_info_rsdp(self):
        return self.rsdp_at if self.rsdp_in_start_info else 0

    def low_memory(self, cpus=(1, 1), mmio=()):
        """{address: bytes} of the MP table and ACPI tables."""
        if self.mptable_at:
            mp = firecracker_mptable(self.mptable_at)
            out = self.acpi(self.mptable_at + len(mp), mmio)
            out[self.mptable_at] = mp
            return out
        return self.acpi(*cpus)

    def given(self, cmdline, mmio=()):
        """The cmdline the VMM hands over for the user's cmdline with its
        virtio-mmio devices [(base, gsi)]: Firecracker inserts
        linux-loader's word for each after its tail (builder.rs)."""
        check(not mmio or self.firecracker(), "%s has no virtio-mmio devices" % self.name)
        return cmdline + self.cmdline_tail + b"".join(
            b" virtio_mmio.device=4K@0x%x:%d" % d for d in mmio)

    def firecracker(self):
        return self.name.startswith("firecracker")

    def ending_args(self, microvm=False):
        """QEMU's devices for how this VMM ends a VM (see the docstring);
        microvm has no i8042 of its own."""
        args = ["-trace", "pckbd_kbd_write_command"] + (["-device", "i8042"] if microvm else [])
        if not self.firecracker():
            args += ["-device", "isa-debug-exit,iobase=0x600,iosize=1"]
        return args

    def ending(self, result):
        """What the real VMM does at the end of this boot: (ends, how)."""
        if result.timed_out:
            return False, "the guest never ended the VM: the VMM would run on, halted"
        reset = result.triple_fault or (result.status == 0 and i8042_commands(result)[-1:] ==
                                        [I8042_RESET])
        if self.firecracker():
            if result.triple_fault:
                return False, "a triple fault: Firecracker stops with an error"
            if reset:
                return True, "the i8042 reset: Firecracker exits"
        else:
            if reset:
                return False, "a reset: Cloud Hypervisor reboots (a loop)"
            if result.status == (S5_WRITE << 1) | 1:
                return True, "ACPI S5 (0x34 to port 0x600): Cloud Hypervisor exits"
            if result.status == (1 << 1) | 1:
                return False, "its reset register (1 to port 0x600): Cloud Hypervisor reboots"
        return False, "status %s: nothing this VMM ends on" % result.status


def expect_vmm_ends(vmm, result):
    ends, how = vmm.ending(result)
    check(ends, "%s: %s" % (how, result.describe()))
    return how


def fc(release, tail):
    return Vmm("firecracker-" + release, release, lambda mem: firecracker_map(release, mem),
               0xd0000000 if release == "1.12" else MMIO32_START, 0xe0000, False, 0,
               lambda at, mmio=(): firecracker_acpi(release, at, mmio), mptable_at=0x9fc00,
               cmdline_tail=tail)


FC_1_12, FC_1_13, FC_1_16 = fc("1.12", b""), fc("1.13", b" pci=off"), fc("1.16", b" pci=off")
# Cloud Hypervisor: RSDP at the EBDA, 0xa0000, named; BDA[0x40e] = 0xa000.
CH_53 = Vmm("cloud-hypervisor-53", "53", cloud_hypervisor_map, MMIO32_START, 0xa0000, True, 0xa000,
            cloud_hypervisor_acpi)
VMMS = [FC_1_12, FC_1_13, FC_1_16, CH_53]


def initrd_at(vmm, mem, size):
    """Both VMMs: the top of the RAM below the gap, page aligned."""
    return (min(mem, vmm.ram_32bit_end) - size) & ~(PAGE - 1)


def loader_elf(ctx):
    return os.path.join(ctx.build, "tests", "hostile-loader.elf")


def boot(ctx, vmm, mem, image, cmdline, initrd=None, timeout=30, extra=(), cpus=None,
         ram_file=None, ending=False, disks=(), **kw):
    """QEMU -> hostile loader as the VMM -> image. cpus=(boot, max): the
    VMM's --cpus boot=,max= (its MADT; QEMU gets -smp boot). ram_file:
    guest RAM in that file, to be read afterwards. ending: the machine
    ends as the VMM would (no isa-debug-exit at 0xf4; its ending_args).
    disks: [(image file, transport)] as virtio-blk on microvm's
    virtio-mmio transports (microvm_disk_args), the machine then being
    microvm without ACPI in place of pc."""
    words = b"vmm=%s mem=%d " % (vmm.name.encode(), mem >> 20)
    machine = ["-M", "microvm,acpi=off"] + MODERN_MMIO if disks else ["-M", "pc"]
    args = machine + ["-m", "%dM" % (mem >> 20), "-kernel", loader_elf(ctx), "-initrd", image]
    for i, (path, transport) in enumerate(disks):
        args += microvm_disk_args(path, "d%d" % i, transport)
    if ram_file:
        args += ["-object", "memory-backend-file,id=vmm-ram,size=%dM,mem-path=%s,share=on" %
                 (mem >> 20, ram_file), "-machine", "memory-backend=vmm-ram"]
    if ending:
        words += b"ends "
        args += vmm.ending_args(microvm=bool(disks))
        kw["debug_exit"] = False
    if cpus:
        words += b"cpus=%d,%d " % cpus
        args += ["-smp", str(cpus[0])]
    if initrd:
        words += b"initrd=0x%x:%d " % (STAGING, os.path.getsize(initrd))
        args += ["-device", "loader,file=%s,addr=0x%x,force-raw=on" % (initrd, STAGING)]
    args += ["-append", words + b"-- " + cmdline] + list(extra)
    return run_qemu(args, timeout, qemu=ctx.qemu, **kw)


def microvm_disk_args(path, ident, transport):
    """A read-only virtio-blk-device on microvm's virtio-mmio transport
    number transport (its bus virtio-mmio-bus.<n>)."""
    return ["-drive", "file=%s,format=raw,if=none,id=%s,readonly=on" % (path, ident),
            "-device", "virtio-blk-device,drive=%s,bus=virtio-mmio-bus.%d" % (ident, transport)]


def microvm_mmio(transport):
    """(base, IRQ) of microvm's transport n: QEMU 7.2's hw/i386/microvm.c
    puts its transports 512 bytes apart from VIRTIO_MMIO_BASE 0xfeb00000,
    transport n on IRQ 5 + n when there is no second I/O APIC (there is
    none with acpi=off). QEMU says so too, in the word it appends to the
    loader's cmdline: the replica reads that, this computes it."""
    return MICROVM_MMIO_BASE + transport * 512, MICROVM_MMIO_IRQ + transport


def qemu_mmio_lines(result):
    return [(int(a, 16), int(b)) for a, b in re.findall(
        rb"^hostile: virtio-mmio 0x([0-9a-f]+) irq (\d+)$", b"\n".join(result.lines(
            prefix=b"hostile: ")), re.M)]


def initrd_file(ctx):
    """An odd-sized module of pattern bytes."""
    path = os.path.join(ctx.tmp, "vmm-initrd.bin")
    file_once(path, lambda: bytes((i * 131 + (i >> 9)) & 0xff for i in range(77777)))
    return path


def read(path):
    with open(path, "rb") as f:
        return f.read()


# --- what the loader says it wrote, and what is in memory -----------------------

def check_account(account, vmm, mem, cmdline, initrd, mmio=()):
    check(account.start_info == START_INFO, "start info at 0x%x" % account.start_info)
    check((account.version, account.flags) == (1, 0), "version %d flags 0x%x" %
          (account.version, account.flags))
    check(account.rsdp == vmm.start_info_rsdp(), "rsdp_paddr 0x%x" % account.rsdp)
    check(account.memmap == vmm.memmap(mem), "the loader wrote the map\n  %r\nexpected\n  %r" %
          (account.memmap, vmm.memmap(mem)))
    data = read(initrd) if initrd else None
    want = [dict(base=initrd_at(vmm, mem, len(data)), size=len(data), crc32=zlib.crc32(data),
                 head=None, cmdline=b"")] if initrd else []
    check(account.modules == want, "modules %r, expected %r" % (account.modules, want))
    given = vmm.given(cmdline, mmio)
    check(account.cmdline == (len(given), zlib.crc32(given)), "cmdline %r" % (account.cmdline,))


def start_info_bytes(vmm, mem, cmdline, initrd_size):
    mods = 1 if initrd_size else 0
    return struct.pack("<IIIIQQQQII", XEN_HVM_START_MAGIC, 1, 0, mods, MODLIST if mods else 0,
                       CMDLINE, vmm.start_info_rsdp(), MEMMAP, len(vmm.memmap(mem)), 0)


def acpi_sum(data):
    return sum(data) & 0xff


def check_low_memory(ram, vmm, mem, cmdline, initrd_size, cpus=(1, 1), mmio=()):
    """The first MiB, byte for byte where the VMM writes it, zero elsewhere."""
    expected = {
        BOOT_GDT_AT: BOOT_GDT,
        BOOT_IDT_AT: bytes(8),
        START_INFO: start_info_bytes(vmm, mem, cmdline, initrd_size),
        MEMMAP: b"".join(struct.pack("<QQII", a, s, t, 0) for a, s, t in vmm.memmap(mem)),
        CMDLINE: vmm.given(cmdline, mmio) + b"\0",
        EBDA_POINTER_AT: struct.pack("<H", vmm.ebda_pointer),
    }
    if initrd_size:
        expected[MODLIST] = struct.pack("<4Q", initrd_at(vmm, mem, initrd_size), initrd_size, 0, 0)
    expected.update(vmm.low_memory(cpus, mmio))
    for at, want in sorted(expected.items()):
        got = ram[at:at + len(want)]
        check(got == want, "0x%x: %s, expected %s" % (at, got.hex(), want.hex()))
    busy = [(at, at + len(want)) for at, want in expected.items()]
    for a, b in subtract([(0, LOW_MIB)], busy):
        nonzero = ram[a:b].strip(b"\0")
        check(not nonzero, "non-zero bytes in 0x%x-0x%x (at 0x%x)" %
              (a, b - 1, a + len(ram[a:b]) - len(ram[a:b].lstrip(b"\0"))))


# --- hello's report -------------------------------------------------------------

def flattened(memmap):
    """hello's map without the pvhboot flags, neighbours of one type merged."""
    out = []
    for r in memmap:
        if out and out[-1][2] == r["type"] and out[-1][1] + 1 == r["first"]:
            out[-1][1] = r["last"]
        else:
            out.append([r["first"], r["last"], r["type"]])
    return out


def check_hello(report, account, vmm, mem, cmdline, initrd, mmio=()):
    check(report.loader == "pvh-v1" and report.hypervisor == "tcg",
          "loader %r hypervisor %r" % (report.loader, report.hypervisor))
    given = vmm.given(cmdline, mmio)
    check(report.cmdline == given, "cmdline %r, expected %r" % (report.cmdline, given))
    data = read(initrd) if initrd else None
    got = [(m["base"], m["size"], m["crc32"], m["format"], m["cmdline"]) for m in report.modules]
    want = [(initrd_at(vmm, mem, len(data)), len(data), zlib.crc32(data), compression_of(data),
             b"")] if initrd else []
    check(got == want, "modules %r, expected %r" % (got, want))
    model = [r[:3] for r in memmap_model.normalise(vmm.memmap(mem))]
    check(flattened(report.memmap) == model, "memory map\n  %s\nexpected\n  %s" % (
        "\n  ".join("0x%x-0x%x %d" % tuple(r) for r in flattened(report.memmap)),
        "\n  ".join("0x%x-0x%x %d" % tuple(r) for r in model)))
    own = [r for r in report.memmap if r["pvhboot"]]
    first, end = account.self_range
    check(any(r["first"] <= first and end - 1 <= r["last"] for r in own),
          "pvhboot's image 0x%x-0x%x is not marked as its own" % (first, end - 1))
    check(report.ram == sum(l - f + 1 for f, l, t in model if t == RAM), "ram %d" % report.ram)
    # Firecracker names no RSDP: pvhboot must find its own by scanning.
    check(report.rsdp == vmm.rsdp_at, "rsdp %s, the VMM's is at 0x%x" % (
        None if report.rsdp is None else "0x%x" % report.rsdp, vmm.rsdp_at))


def hello_case(ctx, vmm, mem, cmdline, with_initrd=True, image=None, transports=()):
    """hello.elf: its report, the way it ended the VM (its poweroff, as
    the VMM has it), then the first MiB of guest RAM. transports: microvm
    with a disk on each of these virtio-mmio transports, which the VMM
    describes (hello reads no disk)."""
    def test():
        initrd = initrd_file(ctx) if with_initrd else None
        work = os.path.join(ctx.tmp, "vmm-%s-%d-%d%s" % (vmm.name, mem >> 20, with_initrd,
                                                         "".join("-%d" % t for t in transports)))
        os.makedirs(work, exist_ok=True)
        ram = os.path.join(work, "ram.bin")
        mmio = [microvm_mmio(t) for t in transports]
        disks = [(disk(ctx, "a")[0], t) for t in transports]
        try:
            result = boot(ctx, vmm, mem, image() if image else os.path.join(ctx.build, "hello.elf"),
                          cmdline, initrd, ram_file=ram, ending=True, disks=disks)
            with open(ram, "rb") as f:
                low = f.read(LOW_MIB)
        finally:
            if os.path.exists(ram):
                os.unlink(ram)
        lines = result.lines()
        check(b"pvhboot: hello done" in lines, "hello did not finish: " + result.describe())
        how = expect_vmm_ends(vmm, result)
        check(not [l for l in lines if l.startswith((b"pvhboot: error", b"pvhboot: warn"))],
              "an error or warning: " + result.describe())
        account = Account(result, vmm.name)
        check(qemu_mmio_lines(result) == mmio, "the loader took QEMU's devices to be %r, "
              "expected %r" % (qemu_mmio_lines(result), mmio))
        check_account(account, vmm, mem, cmdline, initrd, mmio)
        try:
            report = HelloReport(lines)
            report.check_memmap()
        except ReportError as e:
            raise TestFailure("%s\n%s" % (e, result.describe()))
        check_hello(report, account, vmm, mem, cmdline, initrd, mmio)
        check_low_memory(low, vmm, mem, cmdline, os.path.getsize(initrd) if initrd else 0,
                         mmio=mmio)
        return "ended by " + how
    return test


def fatal_error_case(ctx, vmm):
    """A fatal error in pvhboot (hello reads through NULL): the error line,
    then the VM ends as the VMM lets it, not halted for ever."""
    def test():
        result = boot(ctx, vmm, 512 * MIB, os.path.join(ctx.build, "hello.elf"),
                      b"console=ttyS0 hello.crash=null", ending=True)
        errors = [l for l in result.lines() if l.startswith(b"pvhboot: error: ")]
        check(len(errors) == 1 and b"exception page fault" in errors[0],
              "expected one page fault error line: " + result.describe())
        return "ended by " + expect_vmm_ends(vmm, result)
    return test


def on_error_halt_case(ctx, vmm):
    """The same fatal error with pvhboot.on_error=halt: the error line, then
    the VM kept, halted, as the option asks, where fatal_error_case's ends.
    Firecracker: no i8042 reset (QEMU's trace has no 0xfe); Cloud
    Hypervisor: no S5 and no reset (0x34 or 1 at port 0x600, or an i8042
    reset, would each end QEMU)."""
    def test():
        result = boot(ctx, vmm, 512 * MIB, os.path.join(ctx.build, "hello.elf"),
                      b"console=ttyS0 hello.crash=null pvhboot.on_error=halt", ending=True,
                      timeout=ON_ERROR_HALT_HOLD)
        expect_held(result, b"pvhboot: error: exception page fault")
        check(I8042_RESET not in i8042_commands(result), "an i8042 reset: " + result.describe())
        return "still running %d s after the error line" % ON_ERROR_HALT_HOLD
    return test


def hot_pluggable_cpus_case(ctx, vmm, boot_cpus, max_cpus):
    """--cpus boot=B,max=M: Cloud Hypervisor's MADT (create_madt) lists M
    x2APIC entries, the last M-B online-capable and not enabled: CPUs it
    may add later, not there now. hello runs on the B present ones, with
    no start-up attempt (no 2 s wait, no warning) on the others, which
    pvhboot reports once as possible."""
    def test():
        result = boot(ctx, vmm, 512 * MIB, os.path.join(ctx.build, "hello.elf"),
                      b"console=ttyS0 cpus test", cpus=(boot_cpus, max_cpus), ending=True)
        expect_vmm_ends(vmm, result)
        lines = result.lines()
        check(not [l for l in lines if l.startswith((b"pvhboot: error", b"pvhboot: warn"))],
              "an error or warning: " + result.describe())
        try:
            report = HelloReport(lines)
            report.check_cpu_list(range(boot_cpus), "apic", b"tsc", b"madt")
        except ReportError as e:
            raise TestFailure("%s\n%s" % (e, result.describe()))
        extra = max_cpus - boot_cpus
        note = (b"pvhboot: note: the MADT lists %d more CPU%s that may be added at run time: "
                b"not started" % (extra, b"" if extra == 1 else b"s"))
        check(note in lines, "no line %r: %s" % (note, result.describe()))
        return "%d of %d CPUs run" % (boot_cpus, max_cpus)
    return test


# --- bootdump: the raw hand-off and the registers ----------------------------------

def bootdump64(ctx):
    """bootdump's PVH build as an ELF64 (its 32-bit code unchanged):
    linux-loader loads nothing else."""
    def make(part):
        proc = subprocess.run(["objcopy", "-O", "elf64-x86-64",
                               os.path.join(ctx.build, "tests", "bootdump-pvh.elf"), part],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if proc.returncode:
            raise TestFailure("objcopy: " + proc.stdout.decode(errors="replace"))
    return file_made_once(os.path.join(ctx.tmp, "bootdump-pvh64.elf"), make)


def bootdump_case(ctx, vmm, mem):
    """What a kernel sees at the entry, unnormalised: the VMM's map in the
    VMM's order, its RSDP field, the module, and CR0/CR4."""
    def test():
        initrd = initrd_file(ctx)
        cmdline = b"bootdump sees the raw hand-off"
        result = boot(ctx, vmm, mem, bootdump64(ctx), cmdline, initrd)
        lines = result.lines(prefix=b"bootdump: ")
        check(result.status == BOOTDUMP_EXIT and b"bootdump: done" in lines,
              "bootdump did not finish: " + result.describe())

        def one(prefix):
            found = [l[len(prefix):] for l in lines if l.startswith(prefix)]
            check(len(found) == 1, "expected one %r line: %r" % (prefix, found))
            return found[0]
        cr0, cr4 = (int(x, 16) for x in re.match(rb"0x([0-9a-f]+) cr4 0x([0-9a-f]+) ",
                                                  one(b"bootdump: cr0 ")).groups())
        check((cr0, cr4) == (CR0_PE_ET, 0), "cr0 0x%x cr4 0x%x, expected 0x%x and 0" %
              (cr0, cr4, CR0_PE_ET))
        check(one(b"bootdump: protocol ") == b"pvh" and one(b"bootdump: flags ") == b"0x0",
              "protocol or flags")
        check(decode_escaped(one(b"bootdump: cmdline ")[1:-1]) == cmdline + vmm.cmdline_tail,
              "cmdline")
        got = [(int(a, 16), int(b, 16) - int(a, 16) + 1, int(t)) for a, b, t in
               re.findall(rb"^bootdump: memmap \d+ 0x([0-9a-f]+)-0x([0-9a-f]+) type (\d+)$",
                          b"\n".join(lines), re.M)]
        check(got == vmm.memmap(mem), "map %r, expected %r" % (got, vmm.memmap(mem)))
        check(one(b"bootdump: rsdp ") == b"0x%x" % vmm.start_info_rsdp(), "rsdp field")
        data = read(initrd)
        m = re.match(rb'0x([0-9a-f]+) size (\d+) crc32 0x([0-9a-f]+) cmdline ""$',
                     one(b"bootdump: module 0 base "))
        check(m and (int(m.group(1), 16), int(m.group(2)), int(m.group(3), 16)) ==
              (initrd_at(vmm, mem, len(data)), len(data), zlib.crc32(data)), "module 0: %r" %
              one(b"bootdump: module 0 base "))
    return test


# --- Linux through pvhboot.elf ---------------------------------------------------

def linux_case(ctx, vmm, mem):
    """pvhboot.elf with Debian's bzImage packed in, the busybox initramfs
    as the VMM's initrd: Linux's /init reports the cmdline, the map
    pvhboot passed on (the VMM's, normalised) and the VMM's RSDP."""
    def test():
        fw = file_made_once(os.path.join(ctx.tmp, "fw-linux-for-vmm.elf"), lambda part: pack_tool(
            ctx, "pack", "--firmware", os.path.join(ctx.build, "pvhboot.elf"),
            "--kernel", bzimage(ctx), "-o", part))
        # quiet: the kernel's own late console lines (the TSC's refined
        # calibration, 2 s in) would otherwise land inside /init's report.
        cmdline = b"console=ttyS0 reboot=k panic=1 quiet vmm=" + vmm.name.encode()
        if vmm.firecracker():
            # Firecracker's tables give Linux no timer to calibrate the TSC
            # against (no HPET, no PM timer): under KVM it reads the rate
            # from kvmclock, which TCG lacks. Its PIT calibration under TCG
            # fails when the host is busy ("tsc: Unable to calibrate
            # against PIT", then a hang before /init: 2 boots in 3 without
            # this option on a loaded 2-core machine), so it is given one.
            cmdline += b" tsc_early_khz=2000000"
        result = boot(ctx, vmm, mem, fw, cmdline, initramfs(ctx), timeout=120)
        check(result.status == INIT_EXIT_STATUS and not result.triple_fault,
              "expected Linux's /init to end QEMU: " + result.describe())
        report = InitReport(result.serial)
        check(report.cmdline == cmdline + vmm.cmdline_tail, "Linux got cmdline %r" % report.cmdline)
        want = [tuple(r[:3]) for r in memmap_model.normalise(vmm.memmap(mem))]
        check(report.e820 == want, "Linux's e820 %r, expected %r" % (report.e820, want))
        check(report.rsdp == vmm.rsdp_at, "Linux's RSDP %r" % report.rsdp)
    return test


# --- Linux from a disk through pvhboot-disk.elf -----------------------------------

FC_DISK_ENTRIES = ["other:Other:2::quiet which=other", "fc:Firecracker:1::quiet which=fc"]
# User words before the VMM's own (docs/disk.md, "Where disks are found"):
# at Firecracker 1.12's first device address, where microvm has nothing
# (unassigned memory reads 0 there), and without its "@".
BAD_WORDS = [
    ("word-without-device", b"virtio_mmio.device=4K@0xd0000000:5",
     b"virtio-mmio 0xd0000000: magic 0x0 version 0 (a disk must be version 2, virtio 1.x)"),
    ("malformed-word", b"virtio_mmio.device=4K0xd0000000:5",
     b"cmdline: virtio_mmio.device=4K0xd0000000:5: not <size>@<base>:<irq>"),
]


def i8042_init(ctx):
    """An archive whose /init (it replaces the oracle's) ends as a
    Firecracker guest must: no isa-debug-exit at 0xf4 and no ACPI way
    off, so `reboot -f`, which with reboot=k is the i8042 reset."""
    path = os.path.join(ctx.tmp, "i8042-init.cpio")
    ending = INIT_SCRIPT[INIT_SCRIPT.index("busybox printf '\\"):]
    check(ending.endswith("busybox poweroff -f\n") and "seek=244" in ending,
          "linux.py's /init no longer ends with its port 0xf4 write and poweroff")
    script = INIT_SCRIPT[:-len(ending)] + "busybox reboot -f\n"
    file_once(path, lambda: cpio_newc([("init", 0o100755, script.encode())]))
    return path


def firecracker_disk(ctx):
    initrds = [initramfs(ctx), i8042_init(ctx)]
    img, manifest = make_disk(ctx, "firecracker", bzimage(ctx), initrds, 32, FC_DISK_ENTRIES,
                              default="other*")
    return img, manifest, initrds


def disk_elf(ctx):
    return os.path.join(ctx.build, "pvhboot-disk.elf")


def disk_linux_case(ctx, vmm, transport):
    """pvhboot-disk.elf as the kernel, no initrd, the disk on microvm's
    virtio-mmio transport, described as the VMM describes it (its cmdline
    word, its DSDT device). pvhboot-disk reads it once, at the address
    QEMU gave it, and boots the entry boot_args' pvhboot.entry= names;
    Linux's /init reports its cmdline: the entry's options, then the
    VMM's cmdline (boot_args, " pci=off", the device's word) without
    pvhboot.* words."""
    def test():
        img, manifest, initrds = firecracker_disk(ctx)
        base, irq = microvm_mmio(transport)
        # As linux_case: tsc_early_khz for TCG. pvhboot.entry= picks the
        # entry over loader.conf's default.
        boot_args = b"console=ttyS0 reboot=k panic=1 tsc_early_khz=2000000 pvhboot.entry=fc"
        result = boot(ctx, vmm, 512 * MIB, disk_elf(ctx), boot_args, ending=True,
                      disks=[(img, transport)], timeout=120)
        check(qemu_mmio_lines(result) == [(base, irq)], "the loader took QEMU's devices to be %r"
              % qemu_mmio_lines(result))
        lines = result.lines()
        check(not [l for l in lines if l.startswith((b"pvhboot: error", b"pvhboot: warn"))],
              "an error or warning: " + result.describe())
        with open(img, "rb") as f:
            sector0 = f.read(512)
        found = [m.groups() for m in (DISK_LINE.match(l) for l in lines) if m]
        want = (b"virtio-mmio 0x%x" % base, b"%d" % (os.path.getsize(img) // 512),
                b"%08x" % zlib.crc32(sector0))
        check(found == [want], "disk lines %r, expected [%r]: %s" % (found, want,
                                                                     result.describe()))
        device = check_chosen(result, "fc", 1, bzimage(ctx), initrds)
        check(device == "virtio-mmio 0x%x" % base, "booted from %s" % device)
        report = InitReport(result.serial)
        given = vmm.given(boot_args, [(base, irq)]).decode()
        want = expected_cmdline(manifest, "fc", " ".join(
            w for w in given.split(" ") if not w.startswith("pvhboot.")))
        check(report.cmdline == want, "Linux cmdline %r, expected %r" % (report.cmdline, want))
        how = expect_vmm_ends(vmm, result)
        return "%s, %.1fs, ended by %s" % (device, result.elapsed, how)
    return test


def disk_bad_word_case(ctx, vmm, transport, word, why):
    """The user's boot_args start with a virtio_mmio.device= word of their
    own (the VMM's word and DSDT device for the real disk follow):
    pvhboot-disk takes the cmdline's words in order, so one error line,
    'pvhboot: error: <why>', no disk read, and the VM ends as the VMM
    lets it."""
    def test():
        img, _, _ = firecracker_disk(ctx)
        result = boot(ctx, vmm, 512 * MIB, disk_elf(ctx), word + b" console=ttyS0",
                      ending=True, disks=[(img, transport)])
        errors = [l for l in result.lines() if l.startswith(b"pvhboot: error: ")]
        want = b"pvhboot: error: " + why
        check(errors == [want], "errors %r, expected [%r]: %s" % (errors, want, result.describe()))
        check(not [l for l in result.lines() if DISK_LINE.match(l)], "a disk was read")
        return "ended by " + expect_vmm_ends(vmm, result)
    return test


# --- linux-loader's refusals -----------------------------------------------------

def refusal_case(ctx, vmm, make_image, want):
    def test():
        image = make_image()
        result = boot(ctx, vmm, 512 * MIB, image, b"never seen", initrd_file(ctx))
        check(not result.timed_out and not result.triple_fault, result.describe())
        errors = [l for l in result.lines(prefix=b"hostile: ") if l.startswith(b"hostile: error: ")]
        check(errors == [b"hostile: error: linux-loader: " + want],
              "errors %r, expected linux-loader's %r" % (errors, want))
        check(result.status == EXIT_REFUSED, "status %s, expected %d" % (result.status, EXIT_REFUSED))
        check(not result.lines(), "the image ran")
    return test


def elf32_image(ctx):
    """bootdump's PVH build as it is: an ELF32 that QEMU's PVH loader boots.
    linux-loader reads an ELF64 header over it: e_phentsize (offset 54)
    is whatever the file has there."""
    path = os.path.join(ctx.build, "tests", "bootdump-pvh.elf")
    data = read(path)
    check(data[4] == 1 and struct.unpack_from("<H", data, 54)[0] != 56,
          "bootdump-pvh.elf is no longer an ELF32 linux-loader refuses for its header")
    return path


def entry_below_1mib(ctx):
    """hello.elf with e_entry moved to 0x9f000; its PVH note is untouched."""
    def make():
        data = bytearray(read(os.path.join(ctx.build, "hello.elf")))
        struct.pack_into("<Q", data, 24, 0x9f000)
        return bytes(data)
    path = os.path.join(ctx.tmp, "hello-entry-below-1mib.elf")
    file_once(path, make)
    return path


def note_p_align_8(ctx):
    """hello.elf with its PT_NOTE's p_align set to 8. linux-loader walks
    notes in steps of 4 whatever p_align says: the PVH note (first, name
    "Xen\\0", 4 bytes) has its entry 16 bytes in; with steps of 8 it
    would be read at 20."""
    def make():
        data = bytearray(read(os.path.join(ctx.build, "hello.elf")))
        phoff, = struct.unpack_from("<Q", data, 32)
        phentsize, phnum = struct.unpack_from("<HH", data, 54)
        notes = [phoff + i * phentsize for i in range(phnum)
                 if struct.unpack_from("<I", data, phoff + i * phentsize)[0] == 4]
        check(len(notes) == 1, "hello.elf has %d PT_NOTEs" % len(notes))
        off, = struct.unpack_from("<Q", data, notes[0] + 8)
        namesz, descsz, kind = struct.unpack_from("<III", data, off)
        check((namesz, descsz, kind, bytes(data[off + 12:off + 16])) == (4, 4, 18, b"Xen\0"),
              "hello.elf's first note is no longer a 4-byte PVH note")
        struct.pack_into("<Q", data, notes[0] + 48, 8)
        return bytes(data)
    def image():
        path = os.path.join(ctx.tmp, "hello-note-p-align-8.elf")
        file_once(path, make)
        return path
    return image


def collect(ctx):
    tests = []
    for vmm, mems in [(FC_1_12, [512 * MIB, 3200 * MIB]), (FC_1_13, [5 * GIB]),
                      (FC_1_16, [512 * MIB, 5 * GIB]), (CH_53, [512 * MIB, 5 * GIB])]:
        cmdline = b'console=ttyS0 vmm=%s "quoted" \\ end' % vmm.name.encode()
        tests += [("%s-hello-%s" % (vmm.name, "%dm" % (mem >> 20) if mem % GIB else "%dg" % (mem >> 30)),
                   hello_case(ctx, vmm, mem, cmdline)) for mem in mems]
    for vmm in [FC_1_16, CH_53]:
        tests += [
            ("%s-fatal-error-ends-vm" % vmm.name, fatal_error_case(ctx, vmm)),
            ("%s-fatal-error-on-error-halt-keeps-vm" % vmm.name, on_error_halt_case(ctx, vmm)),
            ("%s-bootdump-sees-raw-handoff" % vmm.name, bootdump_case(ctx, vmm, 512 * MIB)),
            ("%s-linux-initramfs" % vmm.name, linux_case(ctx, vmm, 512 * MIB)),
            ("%s-note-p-align-8-boots" % vmm.name,
             hello_case(ctx, vmm, 512 * MIB, b"notes in steps of 4", with_initrd=False,
                        image=note_p_align_8(ctx))),
        ]
    tests += [
        ("firecracker-1.16-hello-without-initrd",
         hello_case(ctx, FC_1_16, 512 * MIB, b"no initrd: no module list", with_initrd=False)),
        ("firecracker-1.16-refuses-elf32", refusal_case(ctx, FC_1_16, lambda: elf32_image(ctx),
                                                        b"Invalid program header size")),
        # The ELF loader refuses it (e_entry under 1 MiB), then the bzImage
        # loader finds no "HdrS" in it: that is the error Cloud Hypervisor gives.
        ("cloud-hypervisor-53-refuses-entry-below-1mib",
         refusal_case(ctx, CH_53, lambda: entry_below_1mib(ctx), b"Invalid bzImage")),
        ("cloud-hypervisor-53-cpus-boot-2-max-4-runs-2", hot_pluggable_cpus_case(ctx, CH_53, 2, 4)),
        ("firecracker-1.16-microvm-virtio-mmio-hello",
         hello_case(ctx, FC_1_16, 512 * MIB, b"console=ttyS0 a disk on virtio-mmio",
                    with_initrd=False, transports=[0])),
        ("firecracker-1.16-disk-on-cmdline-virtio-mmio-to-init", disk_linux_case(ctx, FC_1_16, 0)),
    ]
    tests += [("firecracker-1.16-disk-cmdline-%s-one-error" % name,
               disk_bad_word_case(ctx, FC_1_16, 0, word, why)) for name, word, why in BAD_WORDS]
    return tests
