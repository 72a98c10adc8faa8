"""pvhboot.elf boots payloads where they want to be, its own place included
(issue 15): pvhboot.elf runs at 1 MiB, the classic load address, so a
payload that loads there overwrites pvhboot's image, stack, page tables
and boot description. The copies that do run from the trampoline
(firmware/x86/trampoline.asm), in memory no payload segment takes.

- hello (a pvhboot unikernel at 1 MiB, without the PHYS32_RELOC note:
  tests/hello-unmovable.elf) as the loader's module and
  packed, and pvhboot.elf as pvhboot.elf's payload chaining hello: hello's
  full report, with the exact cmdline.
- bootdump linked at 1 MiB as Multiboot 1 (a.out kludge), Multiboot 2 and
  PVH, with modules (their CRCs), cmdline and memory map checked, and the
  processor state: the GDT, IDT and TSS not in pvhboot's memory (they are
  in the trampoline's page), TR a 32-bit TSS of base 0, limit 0x67.
- Debian's bzImage made non-relocatable with pref_address 1 MiB: Linux
  runs the oracle /init.
- Debian's memtest86+ (tools/fetch.sh memtest: Linux boot protocol 2.12,
  64-bit entry, not relocatable, at 1 MiB) as the module and packed: its
  banner on the serial console and its "Memory  :" line with the RAM
  QEMU's -m gave. It never exits: the test stops QEMU once it reported.
- -m 6G on a CPU without 1 GiB pages (pvhboot maps RAM above 4 GiB with
  page tables it takes from RAM below), a payload segment near the top of
  RAM below 4 GiB and a 48 MiB packed initrd: the payload reports the
  initrd's CRC-32 and RAM above 4 GiB.
- RAM below 4 GiB cut to 128 MiB and a packed initrd that reaches its
  end (its strings in the last page): the page tables for RAM above
  4 GiB must come from elsewhere (arch/x86/paging.c keeps clear of the
  packed pieces), and the initrd arrives intact.
"""

import os
import re
import struct
import zlib

from common import check, elf_loads, expect_poweroff, file_made_once
from hello_report import checked_report
from linux import bzimage, cache_file, initramfs
from qemu import run_qemu
from test_x86_firmware import (Dump, MEMORY, check_linux, data_file, fw_elf, packed)

ARCH = "x86_64"
LOW = 0x100000
TRAMPOLINE = re.compile(rb"pvhboot: fw: trampoline at 0x([0-9a-f]+) \((\d+) bytes\), (\d+) late cop")
HELLO_CMDLINE = b'first "quoted words" back\\slash \x01\x7f end'


def unmovable_hello(ctx):
    """hello linked as an installed unikernel links: without the
    PHYS32_RELOC note, so it must run at 1 MiB, over pvhboot.elf (hello.elf
    carries the note, and pvhboot.elf moves it instead: test_x86_reloc.py)."""
    return os.path.join(ctx.build, "tests", "hello-unmovable.elf")


def trampoline(lines):
    """(base, size, late copies) from the verbose log."""
    found = [TRAMPOLINE.match(l) for l in lines if TRAMPOLINE.match(l)]
    check(len(found) == 1, "expected one trampoline line, got %d" % len(found))
    m = found[0]
    return int(m.group(1), 16), int(m.group(2)), int(m.group(3))


def check_late_copies(lines):
    base, size, late = trampoline(lines)
    check(late >= 1, "no late copy: nothing landed on pvhboot's memory")
    return base, size


def check_hello(result, cmdline):
    expect_poweroff(result)
    lines = result.lines()
    report = checked_report(lines, result.describe())
    check(report.loader == "pvh-v1" and report.hypervisor == "tcg",
          "loader %r, hypervisor %r" % (report.loader, report.hypervisor))
    check(report.cmdline == cmdline, "hello's cmdline %r, expected %r" % (report.cmdline, cmdline))
    check(report.modules == [], "hello got modules %r" % report.modules)
    # hello itself runs at 1 MiB: its own memory is marked there.
    own = report.region_of(LOW)
    check(own is not None and own["pvhboot"], "hello's image at 1 MiB not marked as its own")
    return lines, report


def hello_module(ctx):
    def test():
        result = run_qemu(["-M", "q35", "-m", "512M", "-kernel", fw_elf(ctx), "-initrd",
                           unmovable_hello(ctx),
                           "-append", b"pvhboot.verbose " + HELLO_CMDLINE], 30, qemu=ctx.qemu)
        lines, _ = check_hello(result, HELLO_CMDLINE)
        check_late_copies(lines)
    return test


def hello_packed(ctx):
    def test():
        fw = packed(ctx, "fw-hello-packed.elf", "--kernel", unmovable_hello(ctx))
        result = run_qemu(["-M", "pc", "-m", "512M", "-kernel", fw,
                           "-append", b"pvhboot.verbose " + HELLO_CMDLINE], 30, qemu=ctx.qemu)
        lines, _ = check_hello(result, HELLO_CMDLINE)
        check_late_copies(lines)
    return test


def pvhboot_chains_pvhboot(ctx):
    """The outer pvhboot.elf boots the inner one (a PVH ELF at 1 MiB, with
    hello packed), which boots hello (at 1 MiB again): each overwrites the
    one that loaded it. The cmdline passes through both."""
    def test():
        inner = packed(ctx, "fw-inner-hello.elf", "--kernel", unmovable_hello(ctx))
        result = run_qemu(["-M", "q35", "-m", "512M", "-kernel", fw_elf(ctx), "-initrd", inner,
                           "-append", b"pvhboot.verbose " + HELLO_CMDLINE], 30, qemu=ctx.qemu)
        # Only the outer one is verbose (pvhboot.* words are not passed on),
        # but each says what it boots.
        lines, _ = check_hello(result, HELLO_CMDLINE)
        check_late_copies(lines)
        hops = [l for l in lines if l.startswith(b"pvhboot: fw: payload pvh ")]
        check(len(hops) == 2, "expected two PVH hops, got %r" % hops)
    return test


def check_tables(d, fw_lines, protocol):
    """GDTR, IDTR and TR: nothing left in pvhboot's memory; the GDT in the
    trampoline's area (memory the payload is told is RAM)."""
    base, size = check_late_copies(fw_lines)
    m = re.match(rb"0x([0-9a-f]+) limit 0x([0-9a-f]+) idtr 0x([0-9a-f]+) limit 0x([0-9a-f]+) "
                 rb"tr 0x([0-9a-f]+) base 0x([0-9a-f]+) limit 0x([0-9a-f]+) type 0x([0-9a-f]+)$",
                 d.one(b"bootdump: gdtr "))
    check(m, "bootdump's gdtr line")
    gdtr, _, idtr, idt_limit, tr, tss_base, tss_limit, tss_type = (int(x, 16) for x in m.groups())
    check(base <= gdtr < base + size, "GDT at 0x%x, not in the trampoline's area 0x%x+%d" %
          (gdtr, base, size))
    check(idtr == 0 and idt_limit == 0, "IDTR 0x%x limit 0x%x: want a null IDT" % (idtr, idt_limit))
    # The PVH ABI: TR a 32-bit TSS, base 0, limit 0x67 (loaded, so busy: type 0xb).
    check(tr != 0 and tss_base == 0 and tss_limit == 0x67 and tss_type == 0xb,
          "TR 0x%x: TSS base 0x%x limit 0x%x type 0x%x" % (tr, tss_base, tss_limit, tss_type))


def bootdump_low(ctx, variant, protocol, packed_kernel):
    def test():
        mod_a, data_a = data_file(ctx, "fw-mod-a.bin", 12345, 7)
        mod_b, data_b = data_file(ctx, "fw-mod-b.bin", 70000, 13)
        image = os.path.join(ctx.build, "tests", "bootdump-%s-1mib.%s" %
                             (variant, "bin" if variant == "mb1" else "elf"))
        cmdline = b'one "two three" \\ \x02 end'
        if packed_kernel:
            fw = packed(ctx, "fw-bootdump-%s-1mib.elf" % variant, "--kernel", image,
                        "--module", mod_a + ":first module", "--module", mod_b)
            args = ["-kernel", fw]
        else:
            fw = packed(ctx, "fw-two-modules.elf", "--module", mod_a + ":first module",
                        "--module", mod_b)
            args = ["-kernel", fw, "-initrd", image]
        result = run_qemu(["-M", "q35", "-m", "512M"] + args +
                          ["-append", b"pvhboot.verbose " + cmdline], 30, qemu=ctx.qemu)
        check(not result.timed_out and not result.triple_fault, result.describe())
        fw_lines = result.lines()
        d = Dump(result)
        check(d.one(b"bootdump: protocol ") == protocol.encode(), "protocol")
        d.check_cpu()
        got = d.string(b"bootdump: cmdline ")
        if protocol == "pvh":
            check(got == cmdline, "cmdline %r, expected %r" % (got, cmdline))
        else:
            name = os.path.basename(image).encode() if packed_kernel else b"kernel"
            check(got == name + b" " + cmdline, "cmdline %r" % got)
        want = [(len(data_a), zlib.crc32(data_a), b"first module"), (len(data_b), zlib.crc32(data_b), b"")]
        check(d.modules() == want, "modules %r, expected %r" % (d.modules(), want))
        from linux import firmware_map
        check(d.memmap() == firmware_map(fw_lines), "memory map %r differs from pvhboot's %r" %
              (d.memmap(), firmware_map(fw_lines)))
        check(any(r[0] <= LOW and r[1] >= LOW + 0xfffff and r[2] == 1 for r in d.memmap()),
              "1 MiB not RAM in the map the payload got: %r" % d.memmap())
        check_tables(d, fw_lines, protocol)
    return test


# --- Linux at 1 MiB -------------------------------------------------------------

def bzimage_at_1mib(ctx):
    """Debian's bzImage, not relocatable, pref_address 1 MiB (boot.rst:
    relocatable_kernel at 0x234, pref_address at 0x258)."""
    def write(part):
        with open(bzimage(ctx), "rb") as f:
            d = bytearray(f.read())
        check(d[0x202:0x206] == b"HdrS", "not a bzImage")
        d[0x234] = 0
        struct.pack_into("<Q", d, 0x258, LOW)
        with open(part, "wb") as f:
            f.write(d)
    return file_made_once(os.path.join(ctx.tmp, "bzImage-1mib"), write)


def linux_low(ctx, mode):
    def test():
        cmdline = b"console=ttyS0 quiet pvhtest.place=1mib-%s" % mode.encode()
        if mode == "module":
            fw = packed(ctx, "fw-initramfs.elf", "--module", initramfs(ctx))
            args = ["-kernel", fw, "-initrd", bzimage_at_1mib(ctx)]
        else:
            # The initrd from the loader (top of RAM), not packed (after
            # the kernel's file, which follows 1 MiB + init_size): this
            # kernel's code still decompresses at its build address,
            # 16 MiB, and uses init_size from there, past what its edited
            # header says.
            fw = packed(ctx, "fw-linux-1mib.elf", "--kernel", bzimage_at_1mib(ctx))
            args = ["-kernel", fw, "-initrd", initramfs(ctx)]
        result = run_qemu(["-M", "pc", "-m", "512M"] + args +
                          ["-append", b"pvhboot.verbose " + cmdline], 120, qemu=ctx.qemu)
        fw_lines = check_linux(result, cmdline, MEMORY["512M"])
        check(any(b"linux: protocol" in l and b"kernel 0x100000 " in l for l in fw_lines),
              "the kernel was not placed at 1 MiB")
        check_late_copies(fw_lines)
        return "%.1fs" % result.elapsed
    return test


# --- memtest86+ -----------------------------------------------------------------

MEMTEST_MEMORY = re.compile(rb"Memory  :\s+(\d+)MB")


def memtest(ctx, mode):
    def test():
        image = cache_file(ctx, "memtest", "memtest86+x64.bin")
        if mode == "module":
            args = ["-kernel", fw_elf(ctx), "-initrd", image]
        else:
            args = ["-kernel", packed(ctx, "fw-memtest.elf", "--kernel", image)]
        # memtest's screen code wants a VGA adapter (-nodefaults drops it):
        # without one it stops before printing anything, booted by QEMU
        # itself too.
        result = run_qemu(["-M", "pc", "-m", "512M", "-vga", "std"] + args +
                          ["-append", "pvhboot.verbose console=ttyS0,115200"], 60, qemu=ctx.qemu,
                          stop_on=MEMTEST_MEMORY)
        check(result.stopped_on is not None and not result.triple_fault,
              "memtest did not report its memory: " + result.describe())
        check(b"Memtest86+ v" in result.serial, "no memtest banner")
        mb = int(MEMTEST_MEMORY.match(result.stopped_on).group(1))
        check(511 <= mb <= 512, "memtest saw %d MB; QEMU gave 512" % mb)
        lines = result.lines()
        check(any(b"linux: protocol 2.12, kernel 0x100000 " in l for l in lines),
              "memtest not placed at 1 MiB through the 64-bit protocol")
        check_late_copies(lines)
        return "%.1fs" % result.elapsed
    return test


# --- above 4 GiB ----------------------------------------------------------------

HIGH_RAM = 6 << 30


def above_4g(ctx):
    def test():
        big, data = data_file(ctx, "fw-big-48m.bin", 48 << 20, 11)
        image = os.path.join(ctx.build, "tests", "bootdump-pvh-high.elf")
        fw = packed(ctx, "fw-big-initrd-48m.elf", "--module", big + ":big initrd")
        result = run_qemu(["-M", "pc", "-cpu", "qemu64", "-m", "6G", "-kernel", fw,
                           "-initrd", image, "-append", b"pvhboot.verbose high"], 60, qemu=ctx.qemu)
        check(not result.timed_out and not result.triple_fault, result.describe())
        d = Dump(result)
        check(d.one(b"bootdump: protocol ") == b"pvh", "protocol")
        check(d.string(b"bootdump: cmdline ") == b"high", "cmdline")
        check(d.modules() == [(len(data), zlib.crc32(data), b"big initrd")],
              "modules %r: the initrd did not arrive intact" % d.modules())
        high = sum(last - first + 1 for first, last, t in d.memmap() if t == 1 and first >= 1 << 32)
        check(high == HIGH_RAM - (3 << 30), "RAM above 4 GiB %d" % high)
        # The segment lands on the page tables pvhboot maps RAM above 4 GiB with.
        check_late_copies(result.lines())
        return "%.1fs" % result.elapsed
    return test


# RAM below 4 GiB cut to 128 MiB, 1 GiB above: a packed initrd can then
# reach the very end of low RAM, where pvhboot takes the page tables that
# map RAM above 4 GiB unless it keeps clear of its own packed pieces.
# qboot, not SeaBIOS: with SeaBIOS and QEMU's PVH option ROM, bytes near the
# top of low RAM that the map calls free change before pvhboot runs (the
# same file through qboot arrives intact).
SMALL_LOW_MACHINE = ["-M", "pc,max-ram-below-4g=128M", "-bios", "/usr/share/qemu/qboot.rom",
                     "-cpu", "qemu64", "-m", "1152M"]


def packed_piece_base(path, size):
    """Where pvhboot-pack put the piece of size bytes: the PT_LOAD that holds it."""
    found = [paddr for paddr, filesz, _ in elf_loads(path) if filesz == size]
    check(len(found) == 1, "no single %d-byte segment in %s: %r" % (size, path, found))
    return found[0]


def low_ram_end(ctx, at):
    """The end of the run of RAM holding at, as hello reports it on that
    machine (hello's own page tables, marked pvhboot's, included: that is
    where they go)."""
    result = run_qemu(SMALL_LOW_MACHINE + ["-kernel", unmovable_hello(ctx)], 30,
                      qemu=ctx.qemu)
    report = checked_report(result.lines(), result.describe())
    region = report.region_of(at)
    check(region is not None and region["type"] == 1, "no RAM at 0x%x: %r" % (at, report.memmap))
    end = region["last"] + 1
    for r in report.memmap:
        if r["first"] == end and r["type"] == 1:
            end = r["last"] + 1
    return end


def page_tables_clear_of_packed_initrd(ctx):
    def test():
        # bootdump packed too: QEMU would put an -initrd at the top of low RAM.
        image = os.path.join(ctx.build, "tests", "bootdump-pvh.elf")
        probe, _ = data_file(ctx, "fw-probe-4k.bin", 4096, 5)
        base = packed_piece_base(packed(ctx, "fw-probe-4k.elf", "--kernel", image,
                                        "--module", probe), 4096)
        # The piece ends a page short of the end of low RAM: pvhboot-pack
        # puts its strings (the kernel's name) right after it.
        end = low_ram_end(ctx, base) - 4096
        size = end - base
        check(size > 4096, "the packed piece at 0x%x leaves no room below 0x%x" % (base, end))
        big, data = data_file(ctx, "fw-to-end-of-low-ram.bin", size, 13)
        # No cmdline: pvhboot-pack would store it after the piece, past RAM.
        fw = packed(ctx, "fw-initrd-to-end-of-low-ram.elf", "--kernel", image, "--module", big)
        check(packed_piece_base(fw, size) == base, "pvhboot-pack moved the piece")
        result = run_qemu(SMALL_LOW_MACHINE + ["-kernel", fw, "-append", b"pvhboot.verbose low"],
                          60, qemu=ctx.qemu)
        check(not result.timed_out and not result.triple_fault, result.describe())
        errors = [l for l in result.lines() if l.startswith(b"pvhboot: error: ")]
        check(not errors, "refused: %r" % errors)
        d = Dump(result)
        check(d.modules() == [(len(data), zlib.crc32(data), b"")],
              "modules %r: the packed initrd 0x%x-0x%x did not arrive intact" %
              (d.modules(), base, end - 1))
        high = sum(last - first + 1 for first, last, t in d.memmap() if t == 1 and first >= 1 << 32)
        check(high == 1 << 30, "RAM above 4 GiB %d, expected 1 GiB" % high)
        return "initrd 0x%x-0x%x, %.1fs" % (base, end - 1, result.elapsed)
    return test


def collect(ctx):
    tests = [
        ("hello-as-payload-module", hello_module(ctx)),
        ("hello-as-payload-packed", hello_packed(ctx)),
        ("pvhboot-chains-pvhboot-chains-hello", pvhboot_chains_pvhboot(ctx)),
    ]
    for variant, protocol in (("mb1", "mb1"), ("mb2", "mb2"), ("pvh", "pvh")):
        for packed_kernel in (False, True):
            tests.append(("bootdump-%s-at-1mib-%s" % (variant, "packed" if packed_kernel else "module"),
                          bootdump_low(ctx, variant, protocol, packed_kernel)))
    tests += [
        ("linux-bzimage-at-1mib-not-relocatable-module", linux_low(ctx, "module")),
        ("linux-bzimage-at-1mib-not-relocatable-packed", linux_low(ctx, "packed")),
        ("above-4g-without-1g-pages-segment-near-top-big-packed-initrd", above_4g(ctx)),
        ("above-4g-page-tables-clear-of-packed-initrd-at-end-of-low-ram",
         page_tables_clear_of_packed_initrd(ctx)),
        ("memtest86plus-module", memtest(ctx, "module")),
        ("memtest86plus-packed", memtest(ctx, "packed")),
    ]
    return tests
