"""Firecracker's and Cloud Hypervisor's PVH hand-offs, by replica (issue 14).

Both VMMs need KVM, which these machines lack. Their PVH set-up is small
and public, so the tests' own PVH loader (tests/hostile/, a 32-bit PVH
image QEMU boots with -kernel) reproduces it: loader cmdline
"vmm=<name> mem=<MiB> initrd=<addr>:<bytes> -- <guest cmdline>", the image
under test as QEMU's -initrd, the initrd placed by QEMU's -device loader.

Sources (read for facts, see the C files' headers for the details):
  Firecracker, main branch: src/vmm/src/arch/x86_64/mod.rs at commit
    00a6982 (configure_pvh,
    configure_system_for_boot, initrd_load_addr, arch_memory_regions),
    layout.rs (PVH_INFO_START 0x6000, MODLIST_START 0x6040, MEMMAP_START
    0x7000, CMDLINE_START 0x20000, SYSTEM_MEM_START 0x9fc00, RSDP_ADDR
    0xe0000, PCI_MMCONFIG 256 MiB below the IOAPIC, MMIO32 gap from 3 GiB,
    MMIO64 at 256 GiB), regs.rs (PVH: rbx = 0x6000, rflags 2, the rest 0;
    CR0 PE|ET, CR4 0; GDT at 0x500, IDT at 0x520).
  Cloud Hypervisor, main branch: arch/src/x86_64/mod.rs at commit 010be29
    (configure_system, configure_pvh, generate_ram_ranges,
    initramfs_load_addr), layout.rs at commit dea50df (EBDA_POINTER 0x40e, RSDP_POINTER = EBDA_START 0xa0000, the same 0x6000
    / 0x6040 / 0x7000 / 0x20000, PCI MMCONFIG at 3 GiB + 640 MiB),
    regs.rs (the same registers and GDT, CR0 PE).
  rust-vmm linux-loader, src/loader/x86_64/elf/mod.rs (Elf::load,
    parse_elf_note): the refusals below are its checks.

What is replicated byte for byte, and checked here from guest memory
after hello has powered off: the start info, module list, memory map and
cmdline at the VMM's addresses, Firecracker's MP table at 0x9fc00, the boot GDT (its TSS made busy by ltr,
as KVM's vCPU has it) and IDT, Cloud Hypervisor's EBDA pointer, zeros in
the rest of the first MiB. The registers at entry are checked through
bootdump (its PVH build, converted to ELF64, since linux-loader takes
nothing else). What is the host's: the ACPI tables under the VMM's RSDP
are QEMU's (SeaBIOS's layout), moved into the VMM's table area, so the
guest's ACPI poweroff reaches the PIIX4 QEMU emulates. Not replicated:
Cloud Hypervisor's SMBIOS and MP tables, MSRs, CPUID. Firecracker's MP
table (mptable.rs, one vCPU) is replicated and compared with one built
here from the MP specification's layouts. QEMU: -M pc, with the i440FX's SMRAM and PAM registers opened so
that 0xa0000-0xfffff is RAM, as in a VMM's guest (vmm_low_memory.c).
"""

import os
import re
import struct
import subprocess
import zlib

from common import TestFailure, check, expect_poweroff, file_made_once, file_once
from guest_memory import monitor_args, run_and_dump, subtract
from hello_report import HelloReport, ReportError, compression_of, decode_escaped
from hostile_loader import Account
from linux import INIT_EXIT_STATUS, InitReport, bzimage, initramfs, pack_tool
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

START_INFO, MODLIST, MEMMAP, CMDLINE = 0x6000, 0x6040, 0x7000, 0x20000
BOOT_GDT = struct.pack("<4Q", 0, 0x00cf9b000000ffff, 0x00cf93000000ffff, 0x00008b0000000067)
BOOT_GDT_AT, BOOT_IDT_AT = 0x500, 0x520
EBDA_POINTER_AT = 0x40e
XEN_HVM_START_MAGIC = 0x336ec578
CR0_PE_ET = 0x11              # TCG keeps ET set: Cloud Hypervisor's PE reads the same


def firecracker_map(mem):
    """configure_pvh's memory map, in its order."""
    last = mem - 1 if mem <= MMIO32_START else RAM_64BIT + (mem - MMIO32_START) - 1
    mmconfig = 0xfec00000 - 256 * MIB
    out = [(0, 0x9fc00, RAM), (0x9fc00, 0xe0000 - 0x9fc00, RESERVED), (mmconfig, 256 * MIB, RESERVED)]
    if last > 512 * GIB:
        out.append((512 * GIB, last - 512 * GIB + 1, RAM))
    if last > RAM_64BIT:
        out.append((RAM_64BIT, min(256 * GIB - RAM_64BIT, last - RAM_64BIT + 1), RAM))
    out.append((LOW_MIB, min(MMIO32_START - LOW_MIB, last - LOW_MIB + 1), RAM))
    return out


def cloud_hypervisor_map(mem):
    out = [(0, 0xa0000, RAM), (LOW_MIB, min(mem, MMIO32_START) - LOW_MIB, RAM)]
    if mem > MMIO32_START:
        out.append((RAM_64BIT, mem - MMIO32_START, RAM))
    out.append((0xe8000000, 256 * MIB, RESERVED))
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


class Vmm:
    def __init__(self, name, memmap, rsdp_at, rsdp_in_start_info, ebda_pointer, mptable_at=None):
        self.name, self.memmap, self.rsdp_at = name, memmap, rsdp_at
        self.rsdp_in_start_info, self.ebda_pointer = rsdp_in_start_info, ebda_pointer
        self.mptable_at = mptable_at

    def start_info_rsdp(self):
        return self.rsdp_at if self.rsdp_in_start_info else 0


VMMS = [
    # Firecracker: RSDP at 0xe0000, not named in the start info (the guest scans).
    Vmm("firecracker", firecracker_map, 0xe0000, False, 0, mptable_at=0x9fc00),
    # Cloud Hypervisor: RSDP at the EBDA, 0xa0000, named; BDA[0x40e] = 0xa000.
    Vmm("cloud-hypervisor", cloud_hypervisor_map, 0xa0000, True, 0xa000),
]


def initrd_at(mem, size):
    """Both VMMs: the top of the RAM below the gap, page aligned."""
    return (min(mem, MMIO32_START) - size) & ~(PAGE - 1)


def loader_elf(ctx):
    return os.path.join(ctx.build, "tests", "hostile-loader.elf")


def boot(ctx, vmm, mem, image, cmdline, initrd=None, timeout=30, extra=(), cpus=None, **kw):
    """QEMU -> hostile loader as the VMM -> image. cpus=(boot, max): the
    VMM's --cpus boot=,max= (its MADT; QEMU gets -smp boot)."""
    words = b"vmm=%s mem=%d " % (vmm.name.encode(), mem >> 20)
    args = ["-M", "pc", "-m", "%dM" % (mem >> 20), "-kernel", loader_elf(ctx), "-initrd", image]
    if cpus:
        words += b"cpus=%d,%d " % cpus
        args += ["-smp", str(cpus[0])]
    if initrd:
        words += b"initrd=0x%x:%d " % (STAGING, os.path.getsize(initrd))
        args += ["-device", "loader,file=%s,addr=0x%x,force-raw=on" % (initrd, STAGING)]
    args += ["-append", words + b"-- " + cmdline] + list(extra)
    return run_qemu(args, timeout, qemu=ctx.qemu, **kw)


def initrd_file(ctx):
    """An odd-sized module of pattern bytes."""
    path = os.path.join(ctx.tmp, "vmm-initrd.bin")
    file_once(path, lambda: bytes((i * 131 + (i >> 9)) & 0xff for i in range(77777)))
    return path


def read(path):
    with open(path, "rb") as f:
        return f.read()


# --- what the loader says it wrote, and what is in memory -----------------------

def check_account(account, vmm, mem, cmdline, initrd):
    check(account.start_info == START_INFO, "start info at 0x%x" % account.start_info)
    check((account.version, account.flags) == (1, 0), "version %d flags 0x%x" %
          (account.version, account.flags))
    check(account.rsdp == vmm.start_info_rsdp(), "rsdp_paddr 0x%x" % account.rsdp)
    check(account.memmap == vmm.memmap(mem), "the loader wrote the map\n  %r\nexpected\n  %r" %
          (account.memmap, vmm.memmap(mem)))
    data = read(initrd) if initrd else None
    want = [dict(base=initrd_at(mem, len(data)), size=len(data), crc32=zlib.crc32(data),
                 head=None, cmdline=b"")] if initrd else []
    check(account.modules == want, "modules %r, expected %r" % (account.modules, want))
    check(account.cmdline == (len(cmdline), zlib.crc32(cmdline)), "cmdline %r" % (account.cmdline,))


def start_info_bytes(vmm, mem, cmdline, initrd_size):
    mods = 1 if initrd_size else 0
    return struct.pack("<IIIIQQQQII", XEN_HVM_START_MAGIC, 1, 0, mods, MODLIST if mods else 0,
                       CMDLINE, vmm.start_info_rsdp(), MEMMAP, len(vmm.memmap(mem)), 0)


def acpi_sum(data):
    return sum(data) & 0xff


def check_low_memory(ram, vmm, mem, cmdline, initrd_size):
    """The first MiB, byte for byte where the VMM writes it, zero elsewhere
    but for the (host's) ACPI tables under the VMM's RSDP."""
    expected = {
        BOOT_GDT_AT: BOOT_GDT,
        BOOT_IDT_AT: bytes(8),
        START_INFO: start_info_bytes(vmm, mem, cmdline, initrd_size),
        MEMMAP: b"".join(struct.pack("<QQII", a, s, t, 0) for a, s, t in vmm.memmap(mem)),
        CMDLINE: cmdline + b"\0",
        EBDA_POINTER_AT: struct.pack("<H", vmm.ebda_pointer),
    }
    if initrd_size:
        expected[MODLIST] = struct.pack("<4Q", initrd_at(mem, initrd_size), initrd_size, 0, 0)
    if vmm.mptable_at:
        expected[vmm.mptable_at] = firecracker_mptable(vmm.mptable_at)
    for at, want in sorted(expected.items()):
        got = ram[at:at + len(want)]
        check(got == want, "0x%x: %s, expected %s" % (at, got.hex(), want.hex()))
    rsdp = ram[vmm.rsdp_at:vmm.rsdp_at + 20]
    check(rsdp[:8] == b"RSD PTR " and acpi_sum(rsdp) == 0, "no valid RSDP at 0x%x" % vmm.rsdp_at)
    rsdt = struct.unpack_from("<I", rsdp, 16)[0]
    check(0xa0000 <= rsdt < 0xe0000, "the RSDT at 0x%x is outside the VMM's ACPI area" % rsdt)
    length = struct.unpack_from("<I", ram, rsdt + 4)[0]
    check(ram[rsdt:rsdt + 4] == b"RSDT" and acpi_sum(ram[rsdt:rsdt + length]) == 0,
          "no valid RSDT at 0x%x" % rsdt)
    # The ACPI tables lie between the RSDP/RSDT and the last non-zero byte
    # of the 0xa0000-0xdffff area; everything else must be zero.
    busy = [(at, at + len(want)) for at, want in expected.items()]
    busy += [(vmm.rsdp_at, vmm.rsdp_at + 20), (0xa0000, 0xe0000)]
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


def check_hello(report, account, vmm, mem, cmdline, initrd):
    check(report.loader == "pvh-v1" and report.hypervisor == "tcg",
          "loader %r hypervisor %r" % (report.loader, report.hypervisor))
    check(report.cmdline == cmdline, "cmdline %r, expected %r" % (report.cmdline, cmdline))
    data = read(initrd) if initrd else None
    got = [(m["base"], m["size"], m["crc32"], m["format"], m["cmdline"]) for m in report.modules]
    want = [(initrd_at(mem, len(data)), len(data), zlib.crc32(data), compression_of(data),
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


def hello_case(ctx, vmm, mem, cmdline, with_initrd=True):
    """hello.elf: its report, then the first MiB read back after its ACPI
    poweroff (QEMU pauses on it: the isa-debug-exit fallback would end
    QEMU instead, and fail the test)."""
    def test():
        initrd = initrd_file(ctx) if with_initrd else None
        work = os.path.join(ctx.tmp, "vmm-%s-%d-%d" % (vmm.name, mem >> 20, with_initrd))
        os.makedirs(work, exist_ok=True)
        sock, dump = os.path.join(work, "monitor.sock"), os.path.join(work, "low.bin")
        start = lambda: boot(ctx, vmm, mem, os.path.join(ctx.build, "hello.elf"), cmdline,
                             initrd, extra=monitor_args(sock), workdir=work)
        result = run_and_dump(start, os.path.join(work, "serial.txt"), sock,
                              b"pvhboot: hello done", LOW_MIB, dump, 30)
        check(not result.triple_fault and not result.timed_out, result.describe())
        check(not [l for l in result.lines() if l.startswith((b"pvhboot: error", b"pvhboot: warn"))],
              "an error or warning: " + result.describe())
        account = Account(result, vmm.name)
        check_account(account, vmm, mem, cmdline, initrd)
        try:
            report = HelloReport(result.lines())
            report.check_memmap()
        except ReportError as e:
            raise TestFailure("%s\n%s" % (e, result.describe()))
        check_hello(report, account, vmm, mem, cmdline, initrd)
        check_low_memory(read(dump), vmm, mem, cmdline, os.path.getsize(initrd) if initrd else 0)
    return test


def hot_pluggable_cpus_case(ctx, vmm, boot_cpus, max_cpus):
    """--cpus boot=B,max=M: Cloud Hypervisor's MADT (create_madt) lists M
    x2APIC entries, the last M-B online-capable and not enabled: CPUs it
    may add later, not there now. hello runs on the B present ones, with
    no start-up attempt (no 2 s wait, no warning) on the others, which
    pvhboot reports once as possible."""
    def test():
        result = boot(ctx, vmm, 512 * MIB, os.path.join(ctx.build, "hello.elf"),
                      b"console=ttyS0 cpus test", cpus=(boot_cpus, max_cpus))
        expect_poweroff(result)
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
        check(decode_escaped(one(b"bootdump: cmdline ")[1:-1]) == cmdline, "cmdline")
        got = [(int(a, 16), int(b, 16) - int(a, 16) + 1, int(t)) for a, b, t in
               re.findall(rb"^bootdump: memmap \d+ 0x([0-9a-f]+)-0x([0-9a-f]+) type (\d+)$",
                          b"\n".join(lines), re.M)]
        check(got == vmm.memmap(mem), "map %r, expected %r" % (got, vmm.memmap(mem)))
        check(one(b"bootdump: rsdp ") == b"0x%x" % vmm.start_info_rsdp(), "rsdp field")
        data = read(initrd)
        m = re.match(rb'0x([0-9a-f]+) size (\d+) crc32 0x([0-9a-f]+) cmdline ""$',
                     one(b"bootdump: module 0 base "))
        check(m and (int(m.group(1), 16), int(m.group(2)), int(m.group(3), 16)) ==
              (initrd_at(mem, len(data)), len(data), zlib.crc32(data)), "module 0: %r" %
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
        result = boot(ctx, vmm, mem, fw, cmdline, initramfs(ctx), timeout=120)
        check(result.status == INIT_EXIT_STATUS and not result.triple_fault,
              "expected Linux's /init to end QEMU: " + result.describe())
        report = InitReport(result.serial)
        check(report.cmdline == cmdline, "Linux got cmdline %r" % report.cmdline)
        want = [tuple(r[:3]) for r in memmap_model.normalise(vmm.memmap(mem))]
        check(report.e820 == want, "Linux's e820 %r, expected %r" % (report.e820, want))
        check(report.rsdp == vmm.rsdp_at, "Linux's RSDP %r" % report.rsdp)
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


def collect(ctx):
    fc, ch = VMMS
    tests = []
    for vmm in VMMS:
        cmdline = b'console=ttyS0 vmm=%s "quoted" \\ end' % vmm.name.encode()
        tests += [
            ("%s-hello-512m" % vmm.name, hello_case(ctx, vmm, 512 * MIB, cmdline)),
            ("%s-hello-5g" % vmm.name, hello_case(ctx, vmm, 5 * GIB, cmdline)),
            ("%s-bootdump-sees-raw-handoff" % vmm.name, bootdump_case(ctx, vmm, 512 * MIB)),
            ("%s-linux-initramfs" % vmm.name, linux_case(ctx, vmm, 512 * MIB)),
        ]
    tests += [
        ("firecracker-hello-without-initrd",
         hello_case(ctx, fc, 512 * MIB, b"no initrd: no module list", with_initrd=False)),
        ("firecracker-refuses-elf32", refusal_case(ctx, fc, lambda: elf32_image(ctx),
                                                   b"Invalid program header size")),
        ("cloud-hypervisor-refuses-entry-below-1mib",
         refusal_case(ctx, ch, lambda: entry_below_1mib(ctx), b"Invalid entry address")),
        ("cloud-hypervisor-cpus-boot-2-max-4-runs-2", hot_pluggable_cpus_case(ctx, ch, 2, 4)),
    ]
    return tests
