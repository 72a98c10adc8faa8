"""What pvhboot.elf would say about a kernel before booting it, said at
pack time: the same formats tried in the same order (firmware/firmware.c
identify(): bzImage, multiboot, multiboot2, PVH ELF), the same header
checks (firmware/bzimage.c, firmware/multiboot.c, firmware/elf.c) and the
same words. Only checks that depend on the file alone are here; where
things go in RAM is decided at boot, by the firmware.

identify(data) returns (format, None) or (None, the firmware's message).
A test boots every file it refuses and compares the two
(tests/boot/test_x86_pack_refuses.py)."""

import struct

# bzImage (firmware/linux_boot.h, firmware/bzimage.c)
HDR_END_MIN = 0x264
HDR_LIMIT = 0x290
BZIMAGE_MIN_VERSION = 0x20a
XLOADFLAGS_VERSION = 0x20c
LOADED_HIGH = 0x01
XLF_CAN_BE_LOADED_ABOVE_4G = 0x2
# multiboot (firmware/multiboot.h)
MB1_MAGIC, MB1_SEARCH = 0x1badb002, 8192
MB1_PAGE_ALIGN, MB1_MEMORY_INFO, MB1_VIDEO_MODE = 0x1, 0x2, 0x4
MB1_KNOWN_REQUIRED = MB1_PAGE_ALIGN | MB1_MEMORY_INFO | MB1_VIDEO_MODE
MB1_AOUT_KLUDGE = 0x10000
MB2_MAGIC, MB2_SEARCH, MB2_FIXED = 0xe85250d6, 32768, 16
MB2_INFO_PROVIDED = {1, 2, 3, 4, 6, 14, 15}  # the information tags pvhboot writes
# ELF (firmware/elf.h)
ELF_MAX_LOADS, ELF_MAX_PHDRS = 16, 64
XEN_ELFNOTE_PHYS32_ENTRY = 18
XEN_ELFNOTE_PHYS32_RELOC = 19
# A PHYS32_RELOC note's defaults (firmware/elf.h PVH_ELF_RELOC_*).
RELOC_ALIGN, RELOC_MIN, RELOC_MAX = 0x200000, 0, 0xffffffff

MASK32 = 0xffffffff


class Refused(Exception):
    """The firmware's message for a file it would refuse."""


class NotThis(Exception):
    """Not this format at all: the firmware goes on to the next."""


def u16(d, at):
    return struct.unpack_from("<H", d, at)[0]


def u32(d, at):
    return struct.unpack_from("<I", d, at)[0]


def u64(d, at):
    return struct.unpack_from("<Q", d, at)[0]


# --- bzImage ------------------------------------------------------------------------

def bzimage(d):
    """firmware/bzimage.c: pvh_bzimage_detect, then pvh_bzimage_parse."""
    if not (len(d) >= 0x206 and u16(d, 0x1fe) == 0xaa55 and u32(d, 0x202) == 0x53726448):
        raise NotThis("not a bzImage")
    if len(d) < HDR_END_MIN:
        raise Refused("bzImage: %d bytes, too short for a setup header" % len(d))
    version = u16(d, 0x206)
    if version < BZIMAGE_MIN_VERSION:
        raise Refused("bzImage: boot protocol %d.%02d, at least 2.10 needed (older headers have "
                      "no pref_address and init_size)" % (version >> 8, version & 0xff))
    header_end = 0x202 + d[0x201]
    if header_end < HDR_END_MIN or header_end > HDR_LIMIT or header_end > len(d):
        raise Refused("bzImage: setup header ends at 0x%x" % header_end)
    setup_size = ((d[0x1f1] or 4) + 1) * 512
    if setup_size >= len(d):
        raise Refused("bzImage: truncated: %d bytes, setup alone is %d" % (len(d), setup_size))
    pm_size = len(d) - setup_size
    syssize = u32(d, 0x1f4) * 16
    if syssize > pm_size + 15:
        raise Refused("bzImage: truncated: kernel is %d bytes, the header says %d" %
                      (pm_size, syssize))
    if not d[0x211] & LOADED_HIGH:
        raise Refused("bzImage: loadflags 0x%x: not loaded high (a zImage)" % d[0x211])
    alignment = u32(d, 0x230)
    if alignment < 4096 or alignment & (alignment - 1):
        raise Refused("bzImage: kernel_alignment 0x%x is not a power of two >= 4096" % alignment)
    init_size = u32(d, 0x260)
    if init_size < pm_size:
        raise Refused("bzImage: init_size 0x%x is smaller than the kernel (%d bytes)" %
                      (init_size, pm_size))
    pref = u64(d, 0x258)
    if not d[0x234] and pref < 0x100000:
        raise Refused("bzImage: fixed load address 0x%x is unusable" % pref)
    return "bzImage", dict(relocatable=bool(d[0x234]), pref=pref, init_size=init_size,
                           alignment=alignment)


# --- multiboot ----------------------------------------------------------------------

def find_magic(d, end, step, magic, room):
    """The first offset below end, a multiple of step, where magic starts
    with room bytes of header before end; None when there is none."""
    for off in range(0, end - room + 1, step):
        if u32(d, off) == magic:
            return off
    return None


def load_range(d, off, header_addr, load_addr, load_end, bss_end, entry):
    """firmware/multiboot.c pvh_multiboot_load_range: an a.out-kludge
    image's addresses against its file (the firmware checks them when it
    plans the load; they depend on the file alone)."""
    before = (header_addr - load_addr) & MASK32
    if header_addr < load_addr or before > off:
        raise Refused("multiboot: header_addr 0x%x and load_addr 0x%x do not fit the header at "
                      "file offset 0x%x" % (header_addr, load_addr, off))
    file_off = off - before
    end = load_end if load_end else load_addr + (len(d) - file_off)
    if end < load_addr or end - load_addr > len(d) - file_off:
        raise Refused("multiboot: load_end_addr 0x%x is past the %d-byte file" % (end, len(d)))
    memsz = end - load_addr
    if bss_end:
        if bss_end < end:
            raise Refused("multiboot: bss_end_addr 0x%x before load end 0x%x" % (bss_end, end))
        memsz = bss_end - load_addr
    if entry is None:
        raise Refused("multiboot: loaded by address but no entry address")
    if entry < load_addr or entry - load_addr >= memsz:
        raise Refused("multiboot: entry_addr 0x%x outside the kernel at 0x%x-0x%x" %
                      (entry, load_addr, load_addr + memsz - 1))
    return memsz


def multiboot1(d):
    end = min(len(d), MB1_SEARCH)
    off = find_magic(d, end, 4, MB1_MAGIC, 12)
    if off is None:
        raise NotThis("no multiboot header")
    flags = u32(d, off + 4)
    if (MB1_MAGIC + flags + u32(d, off + 8)) & MASK32:
        raise Refused("multiboot header at 0x%x: bad checksum" % off)
    if flags & 0xffff & ~MB1_KNOWN_REQUIRED:
        raise Refused("multiboot header: required flags 0x%x not understood" %
                      (flags & 0xffff & ~MB1_KNOWN_REQUIRED))
    if flags & MB1_VIDEO_MODE:
        raise Refused("multiboot header: flags 0x%x require a video mode (bit 2); pvhboot has "
                      "none to set" % flags)
    if flags & MB1_AOUT_KLUDGE:
        if off + 32 > len(d):
            raise Refused("multiboot header: a.out fields truncated")
        header_addr, load_addr, load_end, bss_end, entry = struct.unpack_from("<5I", d, off + 12)
        return "multiboot", dict(off=off, address=(header_addr, load_addr, load_end, bss_end),
                                 entry=entry)
    return "multiboot", dict(off=off, address=None, entry=None)


def mb2_tags(d, off, length):
    """The header's tags; returns the address tag's fields (or None) and
    the entry (or None)."""
    at, address, entry = MB2_FIXED, None, None
    while at + 8 <= length:
        t = off + at
        kind, flags, size = u16(d, t), u16(d, t + 2), u32(d, t + 4)
        optional = flags & 1
        if size < 8 or size > length - at:
            raise Refused("multiboot2: tag at +%d has size %d" % (at, size))
        if kind == 0:
            return address, entry
        if kind == 1:
            for i in range(8, size - 3, 4):
                if not optional and u32(d, t + i) not in MB2_INFO_PROVIDED:
                    raise Refused("multiboot2: requires information tag %d" % u32(d, t + i))
        elif kind == 2:
            if size < 24:
                raise Refused("multiboot2: address tag of %d bytes" % size)
            address = struct.unpack_from("<4I", d, t + 8)
        elif kind == 3:
            if size < 12:
                raise Refused("multiboot2: entry tag of %d bytes" % size)
            entry = u32(d, t + 8)
        elif kind == 5:
            if not optional:
                raise Refused("multiboot2: requires a framebuffer")
        elif kind == 4:
            if size < 12:
                raise Refused("multiboot2: console tag of %d bytes" % size)
            if not optional and u32(d, t + 8) & 1:
                raise Refused("multiboot2: requires a console (console flags 0x%x); pvhboot has "
                              "none to describe" % u32(d, t + 8))
        # 6 module alignment, 10 relocatable: understood; 7, 8 and 9 (EFI
        # boot services, EFI i386 and amd64 entries) apply on EFI only, and
        # the firmware ignores them with a note, as GRUB does on a BIOS.
        elif kind not in (6, 7, 8, 9, 10) and not optional:
            raise Refused("multiboot2: required header tag %d not understood" % kind)
        at += (size + 7) & ~7
    raise Refused("multiboot2: header tags have no end tag")


def multiboot2(d):
    end = min(len(d), MB2_SEARCH)
    off = find_magic(d, end, 8, MB2_MAGIC, MB2_FIXED)
    if off is None:
        raise NotThis("no multiboot2 header")
    arch, length, csum = struct.unpack_from("<3I", d, off + 4)
    if (MB2_MAGIC + arch + length + csum) & MASK32:
        raise Refused("multiboot2 header at 0x%x: bad checksum" % off)
    if arch != 0:
        raise Refused("multiboot2 header: architecture %d" % arch)
    if length < MB2_FIXED + 8 or length > len(d) - off:
        raise Refused("multiboot2 header: length %d" % length)
    address, entry = mb2_tags(d, off, length)
    if address:
        header_addr, load_addr, load_end, bss_end = address
        if load_addr == MASK32:
            if header_addr < off:
                raise Refused("multiboot2: load_addr -1 puts the file's start below 0: "
                              "header_addr 0x%x, header at file offset 0x%x" % (header_addr, off))
            load_addr = header_addr - off
        address = (header_addr, load_addr, load_end, bss_end)
    return "multiboot2", dict(off=off, address=address, entry=entry)


# --- PVH ELF ------------------------------------------------------------------------

def pow2(v):
    return v and not v & (v - 1)


def reloc_words(desc):
    """firmware/elf.c read_reloc: the words a PHYS32_RELOC note gives
    (alignment, lowest start, highest byte; None for each left out)."""
    if len(desc) % 4 or len(desc) > 12:
        raise Refused("ELF PHYS32_RELOC note: %d bytes (0, 4, 8 or 12)" % len(desc))
    words = list(struct.unpack_from("<%dI" % (len(desc) // 4), desc)) + [None] * 3
    if words[0] is not None and (not pow2(words[0]) or words[0] < 4096):
        raise Refused("ELF PHYS32_RELOC alignment 0x%x: not a power of two of at least 4 KiB" %
                      words[0])
    return words[:3]


def reloc_window(words, max_load_align):
    """firmware/elf.c check_reloc: (align, lowest start, highest byte),
    each word left out taking its default (the alignment: the largest
    PT_LOAD p_align above 4 KiB, else 2 MiB)."""
    align, lo, hi = words
    if align is None:
        align = max_load_align if max_load_align > 4096 and pow2(max_load_align) and \
            max_load_align <= 0x80000000 else RELOC_ALIGN
    lo = RELOC_MIN if lo is None else lo
    hi = RELOC_MAX if hi is None else hi
    if lo > hi:
        raise Refused("ELF PHYS32_RELOC window 0x%x-0x%x: its lowest start above its highest "
                      "byte" % (lo, hi))
    return align, lo, hi


def elf_notes(d, off, size, al, found, reloc=None):
    at = 0
    while size - at >= 12:
        namesz, descsz, kind = struct.unpack_from("<3I", d, off + at)
        name = at + 12
        desc = name + ((namesz + al - 1) & ~(al - 1))
        nxt = desc + ((descsz + al - 1) & ~(al - 1))
        if desc > size or nxt > size:
            raise Refused("ELF note at 0x%x: sizes %d/%d run past its segment" %
                          (at, namesz, descsz))
        if namesz == 4 and d[off + name:off + name + 4] == b"Xen\0" and \
                kind == XEN_ELFNOTE_PHYS32_ENTRY:
            if descsz not in (4, 8):
                raise Refused("ELF PHYS32_ENTRY note: %d bytes" % descsz)
            value = (u64 if descsz == 8 else u32)(d, off + desc)
            if value > MASK32:
                raise Refused("ELF PHYS32_ENTRY 0x%x is above 4 GiB" % value)
            found.append(value)
        if namesz == 4 and d[off + name:off + name + 4] == b"Xen\0" and \
                kind == XEN_ELFNOTE_PHYS32_RELOC and reloc is not None:
            reloc[:] = [reloc_words(d[off + desc:off + desc + descsz])]
        at = nxt


def parse_elf(d):
    """firmware/elf.c pvh_elf_parse: (loads [(paddr, memsz, vaddr)], the
    PHYS32_ENTRY notes' values, e_entry)."""
    if len(d) < 16 or d[:4] != b"\x7fELF":
        raise Refused("ELF: no ELF magic")
    if d[4] not in (1, 2):
        raise Refused("ELF: class %d" % d[4])
    if d[5] != 1 or d[6] != 1:
        raise Refused("ELF: not little-endian version 1")
    is64 = d[4] == 2
    if len(d) < (64 if is64 else 52):
        raise Refused("ELF: %d bytes, too short for its header" % len(d))
    if u16(d, 16) != 2:
        raise Refused("ELF: type %d, not an executable" % u16(d, 16))
    word = u64 if is64 else u32
    e_entry, phoff = word(d, 24), word(d, 32 if is64 else 28)
    phentsize, phnum = struct.unpack_from("<HH", d, 54 if is64 else 42)
    if not phnum or phnum > ELF_MAX_PHDRS:
        raise Refused("ELF: %d program headers (1 to %d)" % (phnum, ELF_MAX_PHDRS))
    if phentsize < (56 if is64 else 32) or phoff > len(d) or phentsize * phnum > len(d) - phoff:
        raise Refused("ELF: program headers (%d of %d bytes at 0x%x) outside the file" %
                      (phnum, phentsize, phoff))
    entries, loads, reloc, max_align = [], [], [], 0
    for i in range(phnum):
        ph = phoff + i * phentsize
        kind = u32(d, ph)
        if is64:
            off, vaddr, paddr, filesz, memsz, al = (u64(d, ph + 8), u64(d, ph + 16),
                                                    u64(d, ph + 24), u64(d, ph + 32),
                                                    u64(d, ph + 40), u64(d, ph + 48))
        else:
            off, vaddr, paddr, filesz, memsz, al = (u32(d, ph + 4), u32(d, ph + 8),
                                                    u32(d, ph + 12), u32(d, ph + 16),
                                                    u32(d, ph + 20), u32(d, ph + 28))
        inside = off <= len(d) and filesz <= len(d) - off
        if kind == 4:
            if not inside:
                raise Refused("ELF note segment %d: outside the %d-byte file" % (i, len(d)))
            elf_notes(d, off, filesz, 8 if al == 8 else 4, entries, reloc)
            continue
        if kind != 1 or not memsz:
            continue
        if not inside:
            raise Refused("ELF segment %d: file bytes 0x%x+0x%x outside the %d-byte file" %
                          (i, off, filesz, len(d)))
        if filesz > memsz:
            raise Refused("ELF segment %d: filesz 0x%x > memsz 0x%x" % (i, filesz, memsz))
        if paddr + memsz >= 1 << 64:
            raise Refused("ELF segment %d: 0x%x+0x%x wraps past 2^64" % (i, paddr, memsz))
        if len(loads) == ELF_MAX_LOADS:
            raise Refused("ELF: more than %d loadable segments" % ELF_MAX_LOADS)
        loads.append((paddr, memsz, vaddr))
        max_align = max(max_align, al)
    if not loads:
        raise Refused("ELF: no loadable segment")
    if reloc:
        reloc_window(reloc[0], max_align)
    if entries and not any(p <= entries[-1] < p + m for p, m, _ in loads):
        raise Refused("ELF PHYS32_ENTRY 0x%x: outside every loadable segment" % entries[-1])
    return loads, entries, e_entry


def pvh_elf(d):
    """An ELF with a PHYS32_ENTRY note (a malformed ELF is refused, one
    without the note is not this format)."""
    if len(d) < 16 or d[:4] != b"\x7fELF":
        raise NotThis("not an ELF")
    loads, entries, _ = parse_elf(d)
    if not entries:
        raise NotThis("ELF without a PHYS32_ENTRY note")
    return "PVH ELF", dict(loads=loads, entry=entries[-1])


# --- where the kernel goes: the hand-offs' checks that the file alone decides ---------

FOUR_GIB = 1 << 32
PAGE = 0x1000


def destination(base, size, what):
    """firmware/firmware.c pvh_fw_add_dest, the checks without the memory
    map: page 0 stays unmapped, and every format runs below 4 GiB."""
    if not size:
        return
    if base < PAGE:
        raise Refused("%s at 0x%x-0x%x: in page 0" % (what, base, base + size - 1))
    if base + size > FOUR_GIB:
        raise Refused("%s at 0x%x-0x%x: beyond 0x%x" % (what, base, base + size - 1, FOUR_GIB))


def plan_bzimage(d, h):
    """firmware/x86/handoff_linux.c place_kernel: a fixed kernel runs at
    pref_address; a relocatable one anywhere aligned between it and 4 GiB."""
    if not h["relocatable"]:
        try:
            destination(h["pref"], h["init_size"], "Linux kernel")
        except Refused as why:
            raise Refused("bzImage: not relocatable, and %s" % why)
    elif h["pref"] + h["init_size"] > FOUR_GIB:
        raise Refused("bzImage: no free RAM for init_size 0x%x aligned to 0x%x between 0x%x and "
                      "4 GiB" % (h["init_size"], h["alignment"], h["pref"]))


def plan_multiboot(d, h):
    """firmware/x86/handoff_multiboot.c plan_kernel and the entry check."""
    if h["address"]:
        header_addr, load_addr, load_end, bss_end = h["address"]
        memsz = load_range(d, h["off"], header_addr, load_addr, load_end, bss_end, h["entry"])
        destination(load_addr, memsz, "multiboot kernel")
        entry = h["entry"]
    else:
        loads, _, e_entry = parse_elf(d)
        for paddr, memsz, _ in loads:
            destination(paddr, memsz, "multiboot kernel segment")
        entry = h["entry"]
        if entry is None:
            entry = next((e_entry - v + p for p, m, v in loads if v <= e_entry < v + m), e_entry)
        if not any(p <= entry < p + m for p, m, _ in loads):
            raise Refused("multiboot: entry 0x%x outside the kernel" % entry)
    if entry < PAGE or entry >= FOUR_GIB:
        raise Refused("multiboot: entry 0x%x" % entry)


def plan_pvh(d, h):
    """firmware/x86/handoff_pvh.c x86_boot_pvh."""
    for paddr, memsz, _ in h["loads"]:
        destination(paddr, memsz, "PVH kernel segment")
    if h["entry"] < PAGE:
        raise Refused("PVH entry 0x%x: in page 0" % h["entry"])


# --- the firmware's order -----------------------------------------------------------

FORMATS = (bzimage, multiboot1, multiboot2, pvh_elf)


PLANS = {"bzImage": plan_bzimage, "multiboot": plan_multiboot, "multiboot2": plan_multiboot,
         "PVH ELF": plan_pvh}


def identify(data):
    """(format, None) when pvhboot.elf boots data (as far as the file
    alone tells), else (None, the message the firmware would print)."""
    first = None
    for try_format in FORMATS:
        try:
            kind, header = try_format(data)
        except NotThis:
            continue
        except Refused as e:
            # A malformed header: reported unless another format fits.
            first = first or str(e)
            continue
        try:
            PLANS[kind](data, header)
        except Refused as e:
            return None, str(e)
        return kind, None
    if first:
        return None, first
    head = " ".join("%02x" % b for b in (data[:4] + b"\0\0\0\0")[:4])
    return None, ("payload of %d bytes: not a bzImage, multiboot or PVH kernel (starts %s)" %
                  (len(data), head))
