"""pvhboot-pack and XEN_ELFNOTE_PHYS32_RELOC (note 19, issue 25):

- inspect prints a kernel's window (alignment, lowest start, highest
  byte), each word the note leaves out shown with the firmware's default
  (reloc.elf's 3 words; the same note cut to 1 and to 0 words); nothing
  without the note; a malformed note (an alignment that is not a power of
  two, a lowest start above the highest byte) with the firmware's words,
  and the verdict that pvhboot.elf would refuse it;
- pack drops note 19 from a firmware that carries one: a packed image's
  descriptor and pieces sit at fixed addresses, so it can no longer run
  anywhere in a window. Every other note is kept, byte for byte and in
  order, the note segment and section shrink by the note's size, and the
  packed image still boots hello. A firmware without the note keeps its
  notes as they were.

Expected values come from the files' own program headers and notes, read
here. The firmware with a note is pvhboot.elf itself (it carries one);
the firmware without is pvhboot.elf with that note's type made GUEST_OS.
"""

import os
import struct

from common import check, expect_poweroff, file_once
from linux import pack_tool
from qemu import run_qemu
from test_x86_firmware import fw_elf

ARCH = "x86_64"
PT_LOAD, PT_NOTE, SHT_NOTE = 1, 4, 7
XEN_ELFNOTE_GUEST_OS, XEN_ELFNOTE_PHYS32_RELOC = 6, 19
DEFAULT_ALIGN, DEFAULT_MIN, DEFAULT_MAX = 0x200000, 0, 0xffffffff


def read(path):
    with open(path, "rb") as f:
        return f.read()


def phdrs(data):
    """(index, type, offset, filesz, align, at) of every program header,
    at: the header's own file offset."""
    is64 = data[4] == 2
    phoff = struct.unpack_from("<Q" if is64 else "<I", data, 32 if is64 else 28)[0]
    phentsize, phnum = struct.unpack_from("<HH", data, 54 if is64 else 42)
    out = []
    for i in range(phnum):
        at = phoff + i * phentsize
        if is64:
            t, _, off, _, _, filesz, _, al = struct.unpack_from("<IIQQQQQQ", data, at)
        else:
            t, off, _, _, filesz, _, _, al = struct.unpack_from("<IIIIIIII", data, at)
        out.append((i, t, off, filesz, al, at))
    return out


def notes(data):
    """(name, type, desc, file offset, size) of every note in PT_NOTE segments."""
    out = []
    for _, t, off, filesz, al, _ in phdrs(data):
        a = 8 if al == 8 else 4
        at = off
        while t == PT_NOTE and at + 12 <= off + filesz:
            namesz, descsz, kind = struct.unpack_from("<III", data, at)
            desc = at + 12 + ((namesz + a - 1) & ~(a - 1))
            nxt = desc + ((descsz + a - 1) & ~(a - 1))
            out.append((data[at + 12:at + 12 + namesz], kind, data[desc:desc + descsz], at,
                        nxt - at))
            at = nxt
    return out


def note_section_size(data):
    """The size of the ELF64 file's .note.Xen section (SHT_NOTE)."""
    shoff, = struct.unpack_from("<Q", data, 40)
    shentsize, shnum = struct.unpack_from("<HH", data, 58)
    sizes = [struct.unpack_from("<Q", data, shoff + k * shentsize + 32)[0] for k in range(shnum)
             if struct.unpack_from("<I", data, shoff + k * shentsize + 4)[0] == SHT_NOTE]
    check(len(sizes) == 1, "expected one note section, found %d" % len(sizes))
    return sizes[0]


def cut_reloc_note(ctx, words):
    """reloc.elf with its note 19 (the last note of its PT_NOTE) cut to words words."""
    src = read(os.path.join(ctx.build, "tests", "reloc.elf"))
    found = [n for n in notes(src) if n[0] == b"Xen\0" and n[1] == XEN_ELFNOTE_PHYS32_RELOC]
    check(len(found) == 1 and len(found[0][2]) == 12, "reloc.elf: its note 19 is not 3 words")
    _, _, _, at, size = found[0]
    seg = [p for p in phdrs(src) if p[1] == PT_NOTE]
    check(len(seg) == 1 and seg[0][2] + seg[0][3] == at + size, "note 19 is not reloc.elf's last")
    data = bytearray(src)
    struct.pack_into("<I", data, at + 4, 4 * words)
    cut = 12 - 4 * words
    struct.pack_into("<I", data, seg[0][5] + 16, seg[0][3] - cut)  # ELF32 p_filesz
    struct.pack_into("<I", data, seg[0][5] + 20, seg[0][3] - cut)  # p_memsz
    path = os.path.join(ctx.tmp, "reloc-%d-words.elf" % words)
    file_once(path, lambda: bytes(data))
    return path


def with_words(ctx, name, words):
    """reloc.elf with its 3 words replaced."""
    data = bytearray(read(os.path.join(ctx.build, "tests", "reloc.elf")))
    at = [n for n in notes(data) if n[1] == XEN_ELFNOTE_PHYS32_RELOC][0][3]
    struct.pack_into("<III", data, at + 16, *words)
    path = os.path.join(ctx.tmp, name)
    file_once(path, lambda: bytes(data))
    return path


def window_line(given, al, lo, hi):
    return ("  relocatable (XEN_ELFNOTE_PHYS32_RELOC, %d of 3 words): alignment 0x%x, lowest "
            "start 0x%x, highest byte 0x%x" % (given, al, lo, hi))


def inspect_windows(ctx):
    def test():
        full = os.path.join(ctx.build, "tests", "reloc.elf")
        words = [struct.unpack("<3I", n[2]) for n in notes(read(full))
                 if n[1] == XEN_ELFNOTE_PHYS32_RELOC][0]
        load_align = max(p[4] for p in phdrs(read(full)) if p[1] == PT_LOAD)
        # The firmware's default alignment: the largest p_align above 4 KiB, else 2 MiB.
        default_align = load_align if load_align > 4096 else DEFAULT_ALIGN
        cases = [(full, window_line(3, *words)),
                 (cut_reloc_note(ctx, 1), window_line(1, words[0], DEFAULT_MIN, DEFAULT_MAX)),
                 (cut_reloc_note(ctx, 0), window_line(0, default_align, DEFAULT_MIN,
                                                      DEFAULT_MAX))]
        for path, want in cases:
            out = pack_tool(ctx, "inspect", path)
            check(want in out.splitlines(), "%s: no line %r:\n%s" % (path, want, out))
        out = pack_tool(ctx, "inspect", os.path.join(ctx.build, "tests", "reloc-none.elf"))
        check("PHYS32_RELOC" not in out, "reloc-none.elf has a window:\n" + out)
    return test


def inspect_malformed(ctx):
    def test():
        cases = [((0x1800, 0, 0xffffffff), "ELF PHYS32_RELOC alignment 0x1800: not a power of "
                  "two of at least 4 KiB"),
                 ((0x200000, 0x2000000, 0x1000000), "ELF PHYS32_RELOC window "
                  "0x2000000-0x1000000: its lowest start above its highest byte")]
        for words, why in cases:
            path = with_words(ctx, "reloc-bad-%x-%x.elf" % words[:2], words)
            out = pack_tool(ctx, "inspect", path)
            lines = out.splitlines()
            check("  XEN_ELFNOTE_PHYS32_RELOC: malformed: " + why in lines,
                  "no 'malformed' line saying %r:\n%s" % (why, out))
            check("  => pvhboot.elf would refuse it at boot: " + why in lines,
                  "no refusal verdict saying %r:\n%s" % (why, out))
    return test


def firmware_with_note(ctx):
    """pvhboot.elf, which carries a PHYS32_RELOC note (its window from the
    note itself)."""
    path = fw_elf(ctx)
    found = [n for n in notes(read(path)) if n[0] == b"Xen\0" and n[1] == XEN_ELFNOTE_PHYS32_RELOC]
    check(len(found) == 1, "pvhboot.elf: %d PHYS32_RELOC notes, expected 1" % len(found))
    return path, struct.unpack("<%dI" % (len(found[0][2]) // 4), found[0][2])


def firmware_without_note(ctx):
    """pvhboot.elf with its PHYS32_RELOC note turned into a note of another
    type (GUEST_OS, which pack copies as it is)."""
    path = os.path.join(ctx.tmp, "pvhboot-no-note19.elf")
    data = bytearray(read(fw_elf(ctx)))
    found = [n for n in notes(data) if n[0] == b"Xen\0" and n[1] == XEN_ELFNOTE_PHYS32_RELOC]
    check(len(found) == 1, "pvhboot.elf: %d PHYS32_RELOC notes, expected 1" % len(found))
    struct.pack_into("<I", data, found[0][3] + 8, XEN_ELFNOTE_GUEST_OS)
    file_once(path, lambda: bytes(data))
    return path


def pack_drops_note(ctx):
    def test():
        fw, words = firmware_with_note(ctx)
        before = read(fw)
        out = pack_tool(ctx, "inspect", fw)
        full = tuple(words) + (DEFAULT_ALIGN, DEFAULT_MIN, DEFAULT_MAX)[len(words):]
        check(window_line(len(words), *full) in
              out.splitlines(), "the firmware's window is not shown:\n" + out)
        hello = os.path.join(ctx.build, "hello.elf")
        packed = os.path.join(ctx.tmp, "packed-note19.elf")
        said = pack_tool(ctx, "pack", "--firmware", fw, "--kernel", hello, "-o", packed)
        check("XEN_ELFNOTE_PHYS32_RELOC dropped" in said, "pack did not say it dropped note 19:\n"
              + said)
        after = read(packed)
        dropped = [n for n in notes(before) if n[1] == XEN_ELFNOTE_PHYS32_RELOC]
        kept = [n[:3] for n in notes(before) if n[1] != XEN_ELFNOTE_PHYS32_RELOC]
        check([n[:3] for n in notes(after)] == kept, "the packed image's notes %r, expected %r" %
              ([n[:3] for n in notes(after)], kept))
        size = sum(n[4] for n in dropped)
        seg = lambda d: [p[3] for p in phdrs(d) if p[1] == PT_NOTE][0]
        check(seg(after) == seg(before) - size and
              note_section_size(after) == note_section_size(before) - size,
              "note segment %d -> %d, section %d -> %d; the note is %d bytes" %
              (seg(before), seg(after), note_section_size(before), note_section_size(after), size))
        check("PHYS32_RELOC" not in pack_tool(ctx, "inspect", packed),
              "inspect still shows a window in the packed image")
        result = run_qemu(["-M", "q35", "-m", "512M", "-kernel", packed], 30, qemu=ctx.qemu)
        expect_poweroff(result)
        check(b"pvhboot: hello done" in result.lines(), "hello did not run: " + result.describe())
    return test


def pack_keeps_notes(ctx):
    def test():
        packed = os.path.join(ctx.tmp, "packed-no-note19.elf")
        fw = firmware_without_note(ctx)
        said = pack_tool(ctx, "pack", "--firmware", fw, "--kernel",
                         os.path.join(ctx.build, "hello.elf"), "-o", packed)
        check("dropped" not in said, "pack dropped something:\n" + said)
        before, after = read(fw), read(packed)
        check([n[:3] for n in notes(after)] == [n[:3] for n in notes(before)],
              "the packed image's notes differ from pvhboot.elf's")
    return test


def collect(ctx):
    return [
        ("pack-inspect-prints-reloc-window-and-defaults", inspect_windows(ctx)),
        ("pack-inspect-malformed-reloc-note", inspect_malformed(ctx)),
        ("pack-drops-reloc-note-from-packed-firmware", pack_drops_note(ctx)),
        ("pack-keeps-notes-without-reloc-note", pack_keeps_notes(ctx)),
    ]
