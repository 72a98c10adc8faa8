"""Deterministic mutations of real kernel images, for the tests that hand
broken payloads to pvhboot.elf (test_x86_hostile_payloads.py).

A mutation is a function bytearray -> bytearray. Offsets are those of
the formats' own specifications: the Linux boot protocol's setup header,
ELF32 headers and program headers, the Multiboot 1 and 2 headers (whose
checksums are fixed up after a field changes, so that the field itself
is what is tested).
"""

import struct

MB1_MAGIC = 0x1badb002
MB2_MAGIC = 0xe85250d6


def truncate(n):
    return lambda d: d[:n]


def truncate_by(n):
    return lambda d: d[:len(d) - n]


def poke(off, fmt, value):
    def m(d):
        struct.pack_into("<" + fmt, d, off, value)
        return d
    return m


def seq(*mutations):
    def m(d):
        for f in mutations:
            d = f(d)
        return d
    return m


# --- ELF32 (bootdump-pvh.elf and friends) --------------------------------------

E_TYPE, E_ENTRY, E_PHOFF, E_SHOFF, E_PHENTSIZE, E_PHNUM, E_SHNUM = 16, 24, 28, 32, 42, 44, 48
P_TYPE, P_OFFSET, P_VADDR, P_PADDR, P_FILESZ, P_MEMSZ = 0, 4, 8, 12, 16, 20
PHDR32 = 32
PT_NULL, PT_LOAD, PT_NOTE = 0, 1, 4


def phdr(d, i):
    return struct.unpack_from("<I", d, E_PHOFF)[0] + i * PHDR32


def segment(d, i):
    """(offset, paddr, filesz, memsz) of program header i."""
    at = phdr(d, i)
    offset, paddr, filesz, memsz = (struct.unpack_from("<I", d, at + f)[0]
                                    for f in (P_OFFSET, P_PADDR, P_FILESZ, P_MEMSZ))
    return offset, paddr, filesz, memsz


def phdr_field(i, field, value):
    def m(d):
        struct.pack_into("<I", d, phdr(d, i) + field, value)
        return d
    return m


def note_offset(d):
    """File offset of the first PT_NOTE's contents."""
    phnum = struct.unpack_from("<H", d, E_PHNUM)[0]
    for i in range(phnum):
        if struct.unpack_from("<I", d, phdr(d, i))[0] == PT_NOTE:
            return struct.unpack_from("<I", d, phdr(d, i) + P_OFFSET)[0]
    raise ValueError("no PT_NOTE")


def note_field(off, value):
    """A 32-bit field of the first note (0 namesz, 4 descsz, 8 type, 16 the value)."""
    def m(d):
        struct.pack_into("<I", d, note_offset(d) + off, value)
        return d
    return m


def extra_load(paddr):
    """A third program header: a copy of PT_LOAD 0 at another address (the
    two slots after the program headers are zero padding in bootdump)."""
    def m(d):
        n = struct.unpack_from("<H", d, E_PHNUM)[0]
        at = phdr(d, n)
        if any(d[at:at + PHDR32]):
            raise ValueError("no room for another program header")
        d[at:at + PHDR32] = d[phdr(d, 0):phdr(d, 0) + PHDR32]
        struct.pack_into("<I", d, at + P_PADDR, paddr)
        struct.pack_into("<H", d, E_PHNUM, n + 1)
        return d
    return m


# --- Multiboot -----------------------------------------------------------------

def find(d, magic, step, limit):
    for off in range(0, min(len(d), limit) - 4, step):
        if struct.unpack_from("<I", d, off)[0] == magic:
            return off
    raise ValueError("no header with magic 0x%x" % magic)


def mb1(field_off, value, fix_checksum=True):
    """Set a 32-bit field of the Multiboot 1 header (0 magic, 4 flags,
    8 checksum, 12 header_addr, 16 load_addr, 20 load_end_addr,
    24 bss_end_addr, 28 entry_addr)."""
    def m(d):
        h = find(d, MB1_MAGIC, 4, 8192)
        struct.pack_into("<I", d, h + field_off, value)
        if fix_checksum:
            magic, flags = struct.unpack_from("<II", d, h)
            struct.pack_into("<I", d, h + 8, (-(magic + flags)) & 0xffffffff)
        return d
    return m


def mb2_header(d):
    return find(d, MB2_MAGIC, 8, 32768)


def mb2_fix(d):
    h = mb2_header(d)
    magic, arch, length = struct.unpack_from("<III", d, h)
    struct.pack_into("<I", d, h + 12, (-(magic + arch + length)) & 0xffffffff)
    return d


def mb2(off, fmt, value):
    """Set a field at offset off of the Multiboot 2 header, checksum fixed.
    Tags start at +16: each u16 type, u16 flags, u32 size, then its data."""
    def m(d):
        struct.pack_into("<" + fmt, d, mb2_header(d) + off, value)
        return mb2_fix(d)
    return m


def mb2_tag_offsets(d):
    """Offsets (from the header) of each tag, the end tag last."""
    h = mb2_header(d)
    length = struct.unpack_from("<I", d, h + 8)[0]
    at, out = 16, []
    while at + 8 <= length:
        typ, _, size = struct.unpack_from("<HHI", d, h + at)
        out.append(at)
        if typ == 0:
            break
        at += (size + 7) & ~7
    return out


def mb2_tag(index, fmt, value, field=0):
    """Set a field of tag number index (field 0: type, 2: flags, 4: size, 8...: data)."""
    def m(d):
        at = mb2_tag_offsets(d)[index]
        struct.pack_into("<" + fmt, d, mb2_header(d) + at + field, value)
        return mb2_fix(d)
    return m
