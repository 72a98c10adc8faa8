"""pvhboot.place=random for the payloads that are not note-19 PVH kernels
(issue 25; the PVH ones are in test_x86_firmware_reloc.py):

- Debian's bzImage (relocatable by its setup header) with the busybox
  initramfs, 3 boots with "nokaslr" (so Linux's decompressor runs the
  kernel where pvhboot put it): each reaches /init, Linux's "Kernel code"
  in /proc/iomem starts where pvhboot logged it placed the kernel, the
  place is aligned to the header's kernel_alignment, at or above its
  pref_address, inside one RAM region of the map pvhboot passed on and
  clear of pvhboot.elf's own segments, the initrd and the zero page; at
  least two distinct places;
- the same bzImage with relocatable_kernel cleared: one note line, the
  kernel at its pref_address, and /init still runs;
- a relocatable bzImage whose init_size fits nowhere in RAM: one error
  line naming the size and alignment;
- Debian's vmlinux (PVH, no note 19 in 6.1, read here): one note line, and
  Linux's code runs at the vmlinux's link address;
- a multiboot kernel (bootdump, multiboot 2): one note line, and it runs.
"""

import os
import re
import struct

from common import check, elf_loads, expect_panic
from linux import INIT_EXIT_STATUS, InitReport, bzimage, firmware_map, initramfs, vmlinux
from qemu import run_qemu
from test_x86_firmware import BOOTDUMP_EXIT, fw_elf, mutated, packed

ARCH = "x86_64"
RAM = 512 << 20
RANDOM = b"pvhboot.verbose pvhboot.place=random "
LINUX_CMDLINE = b"console=ttyS0 quiet nokaslr"
PLACED = re.compile(rb"pvhboot: fw: linux: pvhboot\.place=random: kernel at 0x([0-9a-f]+) "
                    rb"\(align 0x([0-9a-f]+), init_size 0x([0-9a-f]+)\)$")
PROTOCOL = re.compile(rb"pvhboot: fw: linux: protocol \d+\.\d+, kernel 0x([0-9a-f]+) \(init_size "
                      rb"0x[0-9a-f]+\), initrd 0x([0-9a-f]+)\+(\d+), zero page 0x([0-9a-f]+)$")
NOTE_PVH = (b"pvhboot: note: pvhboot.place=random: the payload has no PHYS32_RELOC note; placed "
            b"at its link address")
NOTE_BZIMAGE = (b"pvhboot: note: pvhboot.place=random: the bzImage is not relocatable; placed at "
                b"its pref_address")
NOTE_MULTIBOOT = (b"pvhboot: note: pvhboot.place=random: a multiboot kernel cannot move; placed "
                  b"at its load address")
HDR_KERNEL_ALIGNMENT, HDR_RELOCATABLE, HDR_PREF_ADDRESS, HDR_INIT_SIZE = 0x230, 0x234, 0x258, 0x260


def header(path):
    """(relocatable, kernel_alignment, pref_address, init_size) of a bzImage's setup header."""
    with open(path, "rb") as f:
        data = f.read(0x270)
    check(data[0x202:0x206] == b"HdrS", "%s: no setup header" % path)
    return (data[HDR_RELOCATABLE] != 0, struct.unpack_from("<I", data, HDR_KERNEL_ALIGNMENT)[0],
            struct.unpack_from("<Q", data, HDR_PREF_ADDRESS)[0],
            struct.unpack_from("<I", data, HDR_INIT_SIZE)[0])


def boot_linux(ctx, kernel, cmdline):
    fw = packed(ctx, "fw-initramfs.elf", "--module", initramfs(ctx))
    result = run_qemu(["-M", "q35", "-m", "512M", "-kernel", fw, "-initrd", kernel,
                       "-append", cmdline + LINUX_CMDLINE], 120, qemu=ctx.qemu)
    check(not result.timed_out and result.status == INIT_EXIT_STATUS,
          "expected /init's exit: " + result.describe())
    report = InitReport(result.serial)
    check(report.kernel_code, "no 'Kernel code' line from /init")
    return result, report


def one(lines, pattern, what):
    """The groups of the one line matching pattern, as numbers (hex but
    for groups that follow '+', decimal byte counts)."""
    found = [m for m in map(pattern.match, lines) if m]
    check(len(found) == 1, "expected one %s line, got %d" % (what, len(found)))
    m = found[0]
    return [int(g, 10 if m.string[m.start(i + 1) - 1:m.start(i + 1)] == b"+" else 16)
            for i, g in enumerate(m.groups())]


def notes(result):
    return [l for l in result.lines() if l.startswith(b"pvhboot: note: pvhboot.place")]


def overlaps(a, a_size, b, b_size):
    return a < b + b_size and b < a + a_size


def check_random_place(ctx, result, report):
    """Where pvhboot put the kernel, checked against the header and the map; returns it."""
    _, align, pref, init_size = header(bzimage(ctx))
    lines = result.lines()
    kaddr, got_align, got_init = one(lines, PLACED, "'place=random: kernel at'")
    check((got_align, got_init) == (align, init_size), "logged align 0x%x init_size 0x%x, the "
          "header says 0x%x 0x%x" % (got_align, got_init, align, init_size))
    check(kaddr % align == 0 and kaddr >= pref, "kernel at 0x%x: not aligned to 0x%x at or above "
          "pref_address 0x%x" % (kaddr, align, pref))
    ram = [(a, b) for a, b, t in firmware_map(lines) if t == 1]
    check(any(a <= kaddr and kaddr + init_size - 1 <= b for a, b in ram) and
          kaddr + init_size <= RAM, "kernel 0x%x+0x%x: not inside one RAM region of %r" %
          (kaddr, init_size, ram))
    at, initrd, initrd_size, zp = one(lines, PROTOCOL, "'linux: protocol'")
    check(at == kaddr, "the protocol line says kernel 0x%x, the placement 0x%x" % (at, kaddr))
    busy = [(p, m) for p, _, m in elf_loads(fw_elf(ctx))] + [(initrd, initrd_size), (zp, 4096)]
    for base, size in busy:
        check(not overlaps(kaddr, init_size, base, size), "kernel 0x%x+0x%x overlaps 0x%x+0x%x" %
              (kaddr, init_size, base, size))
    check(report.kernel_code[0] == kaddr, "Linux's code runs at 0x%x, pvhboot placed it at 0x%x" %
          (report.kernel_code[0], kaddr))
    check(notes(result) == [], "note lines %r for a relocatable bzImage" % notes(result))
    return kaddr


def bzimage_random(ctx):
    def test():
        relocatable, _, _, _ = header(bzimage(ctx))
        check(relocatable, "Debian's bzImage is not relocatable")
        seen = [check_random_place(ctx, *boot_linux(ctx, bzimage(ctx), RANDOM)) for _ in range(3)]
        check(len(set(seen)) >= 2, "3 random boots, kernel at %s" % [hex(a) for a in seen])
        return "kernel at %s" % " ".join(hex(a) for a in seen)
    return test


def bzimage_not_relocatable(ctx):
    def test():
        def clear(d):
            d[HDR_RELOCATABLE] = 0
            return d
        image = mutated(ctx, "bz-not-relocatable", bzimage(ctx), clear)
        relocatable, _, pref, _ = header(image)
        check(not relocatable, "the mutation left the bzImage relocatable")
        result, report = boot_linux(ctx, image, RANDOM)
        check(notes(result) == [NOTE_BZIMAGE], "notes %r, expected %r" %
              (notes(result), [NOTE_BZIMAGE]))
        at = one(result.lines(), PROTOCOL, "'linux: protocol'")[0]
        check(at == pref and report.kernel_code[0] == pref, "kernel at 0x%x, Linux's code at 0x%x; "
              "pref_address 0x%x" % (at, report.kernel_code[0], pref))
    return test


def bzimage_no_room(ctx):
    def test():
        big = RAM

        def grow(d):
            d[HDR_INIT_SIZE:HDR_INIT_SIZE + 4] = struct.pack("<I", big)
            return d
        image = mutated(ctx, "bz-init-size-512m", bzimage(ctx), grow)
        _, align, pref, init_size = header(image)
        check(init_size == big, "the mutation did not set init_size")
        result = run_qemu(["-M", "q35", "-m", "512M", "-kernel", fw_elf(ctx), "-initrd", image,
                           "-append", RANDOM], 30, qemu=ctx.qemu)
        line = expect_panic(result, b"pvhboot: error: bzImage: no free RAM for init_size ")
        want = b"init_size 0x%x aligned to 0x%x between 0x%x and 4 GiB" % (init_size, align, pref)
        check(want in line, "%r does not say %r" % (line, want))
    return test


def vmlinux_not_moved(ctx):
    def test():
        with open(vmlinux(ctx), "rb") as f:
            data = f.read()
        check(b"Xen\0" in data and not has_note19(data), "this vmlinux carries note 19")
        link = min(p for p, _, _ in elf_loads(vmlinux(ctx)))
        result, report = boot_linux(ctx, vmlinux(ctx), RANDOM)
        check(notes(result) == [NOTE_PVH], "notes %r, expected %r" % (notes(result), [NOTE_PVH]))
        check(report.kernel_code[0] == link, "Linux's code runs at 0x%x; vmlinux is linked at "
              "0x%x" % (report.kernel_code[0], link))
        return "at 0x%x" % link
    return test


def has_note19(data):
    """Does an ELF64 file carry a Xen note of type 19 in a PT_NOTE segment?"""
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _, off, _, _, filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        at = off
        while p_type == 4 and at + 12 <= off + filesz:
            namesz, descsz, ntype = struct.unpack_from("<III", data, at)
            desc = at + 12 + ((namesz + 3) & ~3)
            if data[at + 12:at + 12 + namesz] == b"Xen\0" and ntype == 19:
                return True
            at = desc + ((descsz + 3) & ~3)
    return False


def multiboot_note(ctx):
    def test():
        image = os.path.join(ctx.build, "tests", "bootdump-mb2.elf")
        result = run_qemu(["-M", "q35", "-m", "512M", "-kernel", fw_elf(ctx), "-initrd", image,
                           "-append", RANDOM], 30, qemu=ctx.qemu)
        check(not result.timed_out and result.status == BOOTDUMP_EXIT,
              "bootdump did not end well: " + result.describe())
        check(b"bootdump: protocol mb2" in result.lines(prefix=b"bootdump: "), "not multiboot 2")
        check(notes(result) == [NOTE_MULTIBOOT], "notes %r, expected %r" %
              (notes(result), [NOTE_MULTIBOOT]))
    return test


def collect(ctx):
    return [
        ("place-random-bzimage-3-boots-aligned-in-ram", bzimage_random(ctx)),
        ("place-random-bzimage-not-relocatable-note", bzimage_not_relocatable(ctx)),
        ("place-random-bzimage-no-room-refused", bzimage_no_room(ctx)),
        ("place-random-vmlinux-without-note-not-moved", vmlinux_not_moved(ctx)),
        ("place-random-multiboot-note", multiboot_note(ctx)),
    ]
