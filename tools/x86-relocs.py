#!/usr/bin/env python3
"""The relocation lists a pvhboot image applies to itself: an x86_64 one
when a loader honouring its XEN_ELFNOTE_PHYS32_RELOC note put it somewhere
other than its link address (arch/x86/entry.asm, docs/loaders.md), an
arm64 one always, as it is linked at 0 and loaded anywhere
(arch/arm64/head.S, docs/arm64.md). The ELF's machine says which.

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

Lists (the entry walks them): x86_64 first the 4-byte fields (R_X86_64_32
and R_X86_64_32S: add the load offset), then the 8-byte fields
(R_X86_64_64: add it sign-extended); arm64 only the 8-byte fields
(R_AARCH64_ABS64: add the load address), each 8-byte aligned (head.S
writes them with the MMU off, where memory is Device memory and an
unaligned access faults). Each location is a step from the one before, the
first from the entry (ELF e_entry, the image's first byte), one byte each:
  0x01..0xdf  a step of that many bytes
  0xe0..0xfe  a run: 1..31 more fields, each right after the one before
              (tables of pointers)
  0xff        a step as the next 4 bytes (little-endian)
  0x00        the end of the list.

What is left alone: PC-relative references (they move with the image),
arm64's low 12 bits of an address (an adrp's partner: the image moves by
whole pages, 2 MiB in fact), and references to absolute symbols or to
undefined weak ones (their value is no address in the image: a weak
reference stays 0, and the code reaches a PC-relative use of one only
behind a test of that absolute 0). What is refused: any other relocation
type, and a PC-relative reference to an absolute symbol (it would not
follow a move).
"""

import struct
import sys

SHT_SYMTAB, SHT_RELA, SHT_NOBITS = 2, 4, 8
SHF_ALLOC = 0x2
SHN_UNDEF, SHN_ABS = 0, 0xfff1
EM_X86_64, EM_AARCH64 = 62, 183


class Machine:
    """What one architecture's relocation types mean here: fields4 and
    fields8 are listed, pc_relative and kept are left alone (kept even
    against an absolute symbol), none is nothing, got_load loads a GOT
    slot (whose 8 bytes are then listed); lists, the lists the entry walks
    (their field sizes); align, what a field's address must be a multiple
    of."""
    def __init__(self, name, fields4, fields8, pc_relative, kept, none, got_load, lists, align):
        self.name, self.fields4, self.fields8 = name, fields4, fields8
        self.pc_relative, self.kept, self.none = pc_relative, kept, none
        self.got_load, self.lists, self.align = got_load, lists, align


MACHINES = {
    # R_X86_64_32, _32S; _64; _PC32, _PLT32.
    EM_X86_64: Machine("x86_64", (10, 11), (1,), (2, 4), (), (0,), (), (4, 8), 1),
    # R_AARCH64_ABS64; PREL64/32/16, LD_PREL_LO19, ADR_PREL_LO21,
    # ADR_PREL_PG_HI21(_NC), TSTBR14, CONDBR19, JUMP26, CALL26,
    # ADR_GOT_PAGE; the low 12 bits: ADD_ABS_LO12_NC,
    # LDST8/16/32/64/128_ABS_LO12_NC; LD64_GOT_LO12_NC. GCC reaches a weak
    # symbol through the GOT (it may be 0), and a static link fills the
    # slot with the symbol's link address.
    EM_AARCH64: Machine("arm64", (), (257,),
                        (260, 261, 262, 273, 274, 275, 276, 279, 280, 282, 283, 311),
                        (277, 278, 284, 285, 286, 299), (0, 256), (312,), (8,), 8),
}
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
        machine, = struct.unpack_from("<H", data, 18)
        if machine not in MACHINES:
            raise SystemExit("%s: not an x86_64 or arm64 ELF" % path)
        self.machine = MACHINES[machine]
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

    def read(self, addr, size):
        """The loaded bytes at addr."""
        for s in self.sections:
            if (s["flags"] & SHF_ALLOC and s["type"] != SHT_NOBITS and
                    s["addr"] <= addr and addr + size <= s["addr"] + s["size"]):
                return self.data[s["off"] + addr - s["addr"]:s["off"] + addr - s["addr"] + size]
        raise SystemExit("x86-relocs: 0x%x: in no section with contents" % addr)

    def got_slot(self, load, value, where):
        """The GOT slot an arm64 `ldr xN, [xM, #:got_lo12:sym]` at load
        reads: the .got slot with the low 12 bits its offset gives (the GOT
        is one page at most, so there is one), which must hold value."""
        insn, = struct.unpack("<I", self.read(load, 4))
        got = [s for s in self.sections if s["name"] == ".got"]
        if (insn & 0xffc00000) != 0xf9400000 or len(got) != 1 or got[0]["size"] > 4096:
            raise SystemExit("x86-relocs: %s: not a 64-bit load from a one-page .got" % where)
        got = got[0]
        slot = got["addr"] + ((((insn >> 10) & 0xfff) * 8 - got["addr"]) & 0xfff)
        if slot + 8 > got["addr"] + got["size"] or struct.unpack(
                "<Q", self.read(slot, 8))[0] != value:
            raise SystemExit("x86-relocs: %s: its GOT slot 0x%x does not hold 0x%x" %
                             (where, slot, value))
        return slot

    def relas(self, sec):
        for i in range(sec["size"] // 24):
            offset, info, addend = struct.unpack_from("<QQq", self.data, sec["off"] + i * 24)
            yield offset, info & 0xffffffff, info >> 32, addend


def fields(elf):
    """(locations of 4-byte fields, of 8-byte fields), sorted."""
    m = elf.machine
    four, eight, slots = [], [], set()
    for rel in elf.sections:
        if rel["type"] != SHT_RELA or not elf.sections[rel["info"]]["flags"] & SHF_ALLOC:
            continue
        target = elf.sections[rel["info"]]["name"]
        syms = elf.symbols(elf.sections[rel["link"]])
        for offset, rtype, sym, addend in elf.relas(rel):
            shndx, value = syms[sym]
            where = "%s+0x%x (type %d)" % (target, offset, rtype)
            if rtype in m.none + m.kept:
                continue
            if rtype in m.got_load:
                if shndx not in (SHN_UNDEF, SHN_ABS):
                    slots.add(elf.got_slot(offset, (value + addend) & (2**64 - 1), where))
                continue
            if rtype in m.pc_relative:
                if shndx == SHN_ABS:
                    raise SystemExit("x86-relocs: %s: PC-relative to an absolute symbol" % where)
                continue
            if rtype not in m.fields4 + m.fields8:
                raise SystemExit("x86-relocs: %s: a relocation the entry cannot apply" % where)
            if shndx in (SHN_UNDEF, SHN_ABS):
                continue
            if offset < elf.entry:
                raise SystemExit("x86-relocs: %s: before the entry" % where)
            if offset % m.align:
                raise SystemExit("x86-relocs: %s: not %d-byte aligned" % (where, m.align))
            (four if rtype in m.fields4 else eight).append(offset)
    return sorted(four), sorted(eight + list(slots))


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
    body = b"".join(encode(elf.entry, four if w == 4 else eight, w) for w in elf.machine.lists)
    said = "Generated by tools/x86-relocs.py from %s (%s): %d 4-byte and %d 8-byte fields." % (
        linked, elf.machine.name, len(four), len(eight))
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
