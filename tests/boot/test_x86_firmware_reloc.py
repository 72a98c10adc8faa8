"""pvhboot.elf honours XEN_ELFNOTE_PHYS32_RELOC (issue 25): a PVH kernel
carrying note 19 is moved inside its window when its link address is
taken, instead of being copied over pvhboot by the late-copy trampoline;
pvhboot.place=random puts it at a random aligned place in the window.

The payload is tests/payloads/reloc.asm: a position-independent 32-bit
PVH kernel linked at 1 MiB (where pvhboot.elf itself runs) that prints
the address it runs at and whether %ebx's start info has its magic, then
ends QEMU through isa-debug-exit with its own value. Expected addresses
come from the ELF's own program headers and notes.

- reloc.elf: moved, its entry aligned, in the window, and equal to the
  link entry plus the offset pvhboot logged.
- reloc.elf with pvhboot.place=random, 4 boots: each valid, at least two
  distinct addresses.
- reloc-high.elf, its window above the 512 MiB of RAM: one error line
  naming the window and the size.
- reloc-none.elf, the same kernel without note 19: placed at 1 MiB
  through the late copy, as before.
"""

import os
import re
import struct

from common import check, expect_panic
from qemu import run_qemu
from test_x86_firmware import fw_elf

ARCH = "x86_64"
RELOC_EXIT_OK = (0x31 << 1) | 1
ENTRY_LINE = re.compile(rb"reloc: entry 0x([0-9a-f]{8}) start-info-magic ok$")
PLACED = re.compile(rb"pvhboot: fw: pvh: relocatable \(note 19\): align 0x([0-9a-f]+), "
                    rb"window 0x([0-9a-f]+)-0x([0-9a-f]+); placed at 0x([0-9a-f]+) "
                    rb"\(link address 0x([0-9a-f]+)\)$")
LATE = re.compile(rb"pvhboot: fw: trampoline at 0x[0-9a-f]+ \(\d+ bytes\), (\d+) late cop")
PT_LOAD, PT_NOTE = 1, 4
RAM = 512 << 20


def payload(ctx, name):
    return os.path.join(ctx.build, "tests", name)


def elf32_facts(path):
    """(entry, lowest PT_LOAD paddr, span, note 19 words or None)."""
    with open(path, "rb") as f:
        data = f.read()
    check(data[:4] == b"\x7fELF" and data[4] == 1, "%s: not an ELF32 file" % path)
    entry, phoff = struct.unpack_from("<II", data, 24)
    phentsize, phnum = struct.unpack_from("<HH", data, 42)
    loads, reloc = [], None
    for i in range(phnum):
        p_type, off, _, paddr, filesz, memsz = struct.unpack_from("<IIIIII", data,
                                                                 phoff + i * phentsize)
        if p_type == PT_LOAD:
            loads.append((paddr, memsz))
        elif p_type == PT_NOTE:
            at = off
            while at + 12 <= off + filesz:
                namesz, descsz, ntype = struct.unpack_from("<III", data, at)
                name = data[at + 12:at + 12 + namesz]
                desc = at + 12 + ((namesz + 3) & ~3)
                if name == b"Xen\0" and ntype == 19:
                    reloc = struct.unpack_from("<%dI" % (descsz // 4), data, desc)
                at = desc + ((descsz + 3) & ~3)
    low = min(p for p, _ in loads)
    return entry, low, max(p + m for p, m in loads) - low, reloc


def boot(ctx, image, cmdline):
    return run_qemu(["-M", "q35", "-m", "512M", "-kernel", fw_elf(ctx), "-initrd", image,
                     "-append", cmdline], 30, qemu=ctx.qemu)


def ran_at(result):
    """The entry address the payload reported, after checking it ended well."""
    check(not result.timed_out and result.status == RELOC_EXIT_OK,
          "the payload did not end with its own exit value: " + result.describe())
    found = [ENTRY_LINE.match(l) for l in result.lines(prefix=b"reloc: ")]
    found = [m for m in found if m]
    check(len(found) == 1, "expected one 'reloc: entry' line: " + result.describe())
    return int(found[0].group(1), 16)


def check_moved(ctx, result):
    """The payload ran inside its window, aligned, at its link entry plus
    the offset pvhboot logged; returns where."""
    entry, low, span, (align, wmin, wmax) = elf32_facts(payload(ctx, "reloc.elf"))
    at = ran_at(result)
    placed = [PLACED.match(l) for l in result.lines()]
    placed = [m for m in placed if m]
    check(len(placed) == 1, "expected one 'relocatable (note 19)' line: " + result.describe())
    got = [int(g, 16) for g in placed[0].groups()]
    check(got == [align, wmin, wmax, got[3], low],
          "logged align/window/link %r, the ELF says 0x%x 0x%x-0x%x link 0x%x" %
          (got, align, wmin, wmax, low))
    base = got[3]
    check(at == entry + (base - low), "entry 0x%x, expected link entry 0x%x + 0x%x" %
          (at, entry, base - low))
    check(base % align == 0, "placed at 0x%x: not aligned to 0x%x" % (base, align))
    check(wmin <= base and base + span - 1 <= wmax and base + span <= RAM,
          "placed at 0x%x+0x%x: outside the window 0x%x-0x%x or RAM" % (base, span, wmin, wmax))
    check(not any(m and int(m.group(1)) for m in map(LATE.match, result.lines())),
          "a late copy ran: the payload was not moved clear of pvhboot")
    return at


def moved_when_link_taken(ctx):
    def test():
        at = check_moved(ctx, boot(ctx, payload(ctx, "reloc.elf"), b"pvhboot.verbose"))
        _, _, _, (align, wmin, _) = elf32_facts(payload(ctx, "reloc.elf"))
        # Deterministic: the lowest aligned place in the window (free at 512 MiB).
        low = (wmin + align - 1) & ~(align - 1)
        check(at == low, "entry 0x%x, expected the lowest fit 0x%x" % (at, low))
        return "entry 0x%x" % at
    return test


def random_places(ctx):
    def test():
        seen = [check_moved(ctx, boot(ctx, payload(ctx, "reloc.elf"),
                                      b"pvhboot.verbose pvhboot.place=random"))
                for _ in range(4)]
        check(len(set(seen)) >= 2, "4 random boots, addresses %s" % [hex(a) for a in seen])
        return "entries %s" % " ".join(hex(a) for a in seen)
    return test


def window_outside_ram(ctx):
    def test():
        _, _, span, (align, wmin, wmax) = elf32_facts(payload(ctx, "reloc-high.elf"))
        check(wmin >= RAM, "reloc-high's window 0x%x-0x%x is not above RAM" % (wmin, wmax))
        result = boot(ctx, payload(ctx, "reloc-high.elf"), b"pvhboot.verbose")
        line = expect_panic(result, b"pvhboot: error: PVH PHYS32_RELOC: ")
        for want in (b"0x%x-byte" % span, b"alignment 0x%x" % align, b"0x%x-0x%x" % (wmin, wmax)):
            check(want in line, "%r does not name %r" % (line, want))
    return test


def without_note_late_copy(ctx):
    def test():
        entry, _, _, reloc = elf32_facts(payload(ctx, "reloc-none.elf"))
        check(reloc is None, "reloc-none.elf carries note 19")
        for cmdline in (b"pvhboot.verbose", b"pvhboot.verbose pvhboot.place=random"):
            result = boot(ctx, payload(ctx, "reloc-none.elf"), cmdline)
            at = ran_at(result)
            check(at == entry, "entry 0x%x, expected its link entry 0x%x" % (at, entry))
            late = [int(m.group(1)) for m in map(LATE.match, result.lines()) if m]
            check(late and late[0] >= 1, "no late copy: " + result.describe())
            notes = [l for l in result.lines() if l.startswith(b"pvhboot: note: pvhboot.place")]
            want = [b"pvhboot: note: pvhboot.place=random: the payload has no PHYS32_RELOC note; "
                    b"placed at its link address"] if b"random" in cmdline else []
            check(notes == want, "notes %r, expected %r" % (notes, want))
    return test


def collect(ctx):
    return [
        ("pvh-reloc-note-moved-clear-of-pvhboot", moved_when_link_taken(ctx)),
        ("pvh-reloc-note-place-random-4-boots", random_places(ctx)),
        ("pvh-reloc-note-window-outside-ram-refused", window_outside_ram(ctx)),
        ("pvh-without-reloc-note-late-copy-unchanged", without_note_late_copy(ctx)),
    ]
