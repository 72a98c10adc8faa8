#!/usr/bin/env python3
"""The relocation lists an x86_64 pvhboot image applies to itself when a
loader honouring its XEN_ELFNOTE_PHYS32_RELOC note put it somewhere other
than its link address (arch/x86/entry.asm, docs/loaders.md).

  x86-relocs.py gen LINKED.elf OUT.asm
      LINKED.elf: the image linked once with --emit-relocs (ld -q). OUT.asm:
      nasm source of section .pvhboot_relocs: the locations of every
      absolute address of the image in its loaded bytes. An OUT ending in
      .s is GNU as source of the same bytes (for tools/pvhboot-link, which
      needs no nasm).
  x86-relocs.py check LINKED.elf FINAL.elf
      FINAL.elf: the same link with OUT.asm's object added. Fails unless
      every section with contents lies where it lay in LINKED.elf (only
      .data may grow, by the lists at its end): the lists stay true.

Lists (the entry walks them): first the 4-byte fields (R_X86_64_32 and
R_X86_64_32S: add the load offset), then the 8-byte fields (R_X86_64_64:
add it sign-extended). Each location is a step from the one before, the
first from the entry (ELF e_entry, the image's first byte), one byte each:
  0x01..0xdf  a step of that many bytes
  0xe0..0xfe  a run: 1..31 more fields, each right after the one before
              (tables of pointers)
  0xff        a step as the next 4 bytes (little-endian)
  0x00        the end of the list.

What is left alone: PC-relative references (they move with the image), and
references to absolute symbols or to undefined weak ones (their value is
no address in the image: a weak reference stays 0, and the code reaches a
PC-relative use of one only behind a test of that absolute 0). What is
refused: any other relocation type, and a PC-relative reference to an
absolute symbol (it would not follow a move).
"""

import struct
import sys

SHT_SYMTAB, SHT_RELA, SHT_NOBITS = 2, 4, 8
SHF_ALLOC = 0x2
SHN_UNDEF, SHN_ABS = 0, 0xfff1
R_NONE, R_64, R_PC32, R_32, R_32S, R_PLT32 = 0, 1, 2, 10, 11, 4
FIELD4 = (R_32, R_32S)
PC_RELATIVE = (R_PC32, R_PLT32)
STEP_MAX_SHORT = 0xdf
RUN = 0xe0
RUN_MAX = 0xfe - RUN + 1
STEP_LONG = 0xff


class Elf:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = data = f.read()
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            raise SystemExit("%s: not a little-endian ELF64" % path)
        self.entry, = struct.unpack_from("<Q", data, 24)
        shoff, = struct.unpack_from("<Q", data, 40)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 58)
        self.sections = []
        for i in range(shnum):
            (name, stype, flags, addr, off, size, link, info, _, entsize) = struct.unpack_from(
                "<IIQQQQIIQQ", data, shoff + i * shentsize)
            self.sections.append(dict(name=name, type=stype, flags=flags, addr=addr, off=off,
                                      size=size, link=link, info=info, entsize=entsize))
        names = self.sections[shstrndx]
        for s in self.sections:
            end = data.index(b"\0", names["off"] + s["name"])
            s["name"] = data[names["off"] + s["name"]:end].decode()

    def symbols(self, sec):
        out = []
        for i in range(sec["size"] // 24):
            _, info, _, shndx, value, _ = struct.unpack_from("<IBBHQQ", self.data,
                                                              sec["off"] + i * 24)
            out.append((shndx, value))
        return out

    def relas(self, sec):
        for i in range(sec["size"] // 24):
            offset, info, addend = struct.unpack_from("<QQq", self.data, sec["off"] + i * 24)
            yield offset, info & 0xffffffff, info >> 32, addend


def fields(elf):
    """(locations of 4-byte fields, of 8-byte fields), sorted."""
    four, eight = [], []
    for rel in elf.sections:
        if rel["type"] != SHT_RELA or not elf.sections[rel["info"]]["flags"] & SHF_ALLOC:
            continue
        target = elf.sections[rel["info"]]["name"]
        syms = elf.symbols(elf.sections[rel["link"]])
        for offset, rtype, sym, addend in elf.relas(rel):
            shndx = syms[sym][0]
            where = "%s+0x%x (type %d)" % (target, offset, rtype)
            if rtype == R_NONE:
                continue
            if rtype in PC_RELATIVE:
                if shndx == SHN_ABS:
                    raise SystemExit("x86-relocs: %s: PC-relative to an absolute symbol" % where)
                continue
            if rtype not in FIELD4 + (R_64,):
                raise SystemExit("x86-relocs: %s: a relocation the entry cannot apply" % where)
            if shndx in (SHN_UNDEF, SHN_ABS):
                continue
            if offset < elf.entry:
                raise SystemExit("x86-relocs: %s: before the entry" % where)
            (four if rtype in FIELD4 else eight).append(offset)
    return sorted(four), sorted(eight)


def encode(entry, locations, width):
    out, at, i = bytearray(), entry, 0
    while i < len(locations):
        step = locations[i] - at
        if step < width if i else step <= 0:
            raise SystemExit("x86-relocs: fields overlap at 0x%x" % locations[i])
        out += bytes([step]) if step <= STEP_MAX_SHORT else bytes([STEP_LONG]) + struct.pack(
            "<I", step)
        at, i, run = locations[i], i + 1, 0
        while i < len(locations) and locations[i] - at == width and run < RUN_MAX:
            at, i, run = locations[i], i + 1, run + 1
        if run:
            out.append(RUN + run - 1)
    return bytes(out) + b"\0"


def gen(linked, out):
    elf = Elf(linked)
    four, eight = fields(elf)
    body = encode(elf.entry, four, 4) + encode(elf.entry, eight, 8)
    said = "Generated by tools/x86-relocs.py from %s: %d 4-byte and %d 8-byte fields." % (
        linked, len(four), len(eight))
    if out.endswith(".s"):
        lines = ["/* %s */" % said, '\t.section .pvhboot_relocs, "aw", @progbits']
        byte = "\t.byte "
    else:
        lines = ["; " + said, "section .pvhboot_relocs progbits alloc noexec write align=1"]
        byte = "    db "
    for i in range(0, len(body), 16):
        lines.append(byte + ", ".join("0x%02x" % b for b in body[i:i + 16]))
    if out.endswith(".s"):
        lines.append('\t.section .note.GNU-stack, "", @progbits')
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


def check(linked, final):
    a, b = Elf(linked), Elf(final)
    placed = {s["name"]: s for s in b.sections}
    for s in a.sections:
        if not s["flags"] & SHF_ALLOC or s["type"] == SHT_NOBITS:
            continue
        t = placed.get(s["name"])
        grown_ok = s["name"] == ".data" and t and t["size"] >= s["size"]
        if not t or t["addr"] != s["addr"] or (t["size"] != s["size"] and not grown_ok):
            raise SystemExit("x86-relocs: %s moved between the two links of %s: the relocation "
                             "lists would be wrong" % (s["name"], final))
    if a.entry != b.entry:
        raise SystemExit("x86-relocs: the entry moved between the two links of %s" % final)


def main(argv):
    if len(argv) == 4 and argv[1] == "gen":
        gen(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "check":
        check(argv[2], argv[3])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
