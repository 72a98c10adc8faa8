"""Broken payloads handed to pvhboot.elf (issue 7): mutations of the real
Debian bzImage, of Xen 4.17's multiboot ELF and of the tests' bootdump
kernel (PVH ELF, Multiboot 1 a.out kludge, Multiboot 2 ELF), each given
to pvhboot.elf as QEMU's -initrd on -M q35 -m 512M.

Each mutation (payload_mutations.py) has its expected outcome:
  REFUSED(line)     exactly this one error line, then the failure stop;
                    in the line {len} is the mutated file's size, {setup}
                    the bzImage's setup size, {pm} the mutated file's size
                    less it, {syssize} the header's syssize in bytes, {fw}
                    pvhboot.elf's own range. A line that quotes more of the
                    unmutated file (a segment's bounds, init_size) is a
                    function of its Headers, so that it follows the file:
                    Debian's kernel and Xen change with every point release
                    and security update.
  BOOTS(protocol)   harmless: bootdump runs to its end under that protocol
  BOOTS_LINUX       harmless: Linux runs the oracle /init
  BOOTS_LINUX32     the same, entered through the 32-bit boot protocol
                    (pvhboot's verbose log says so)
  BOOTS_XEN_MB2     harmless: Xen starts as a Multiboot 2 kernel
A triple fault, a hang or an exception report fails the case.
"""

import os
import re
import struct
import subprocess

from common import TestFailure, check, expect_panic, file_made_once, file_once
from linux import INIT_EXIT_STATUS, InitReport, cache_file, initramfs, pack_tool
from payload_mutations import (E_ENTRY, E_PHENTSIZE, E_PHNUM, E_PHOFF, E_SHNUM, E_SHOFF, E_TYPE,
                               P_FILESZ, P_MEMSZ, P_PADDR, P_TYPE, P_VADDR, PT_NULL, extra_load, mb1,
                               mb2, mb2_tag, note_field, phdr_field, poke, segment, seq,
                               truncate, truncate_by)
from qemu import run_qemu

ARCH = "x86_64"
BOOTDUMP_EXIT = (0x21 << 1) | 1


class REFUSED:
    """line: the error text, or a function of the unmutated file's Headers
    that returns it."""

    def __init__(self, line):
        self.line = line

    def text(self, original):
        return self.line(Headers(original)) if callable(self.line) else self.line


class BOOTS:
    def __init__(self, protocol, note=None):
        self.protocol, self.note = protocol, note


BOOTS_LINUX = "linux"
BOOTS_LINUX32 = "linux32"
ENTRY32_LINE = b"pvhboot: fw: linux: no 64-bit entry: 32-bit boot protocol, startup_32 at 0x"
BOOTS_XEN_MB2 = "xen-mb2"

SOURCES = {
    "bzimage": lambda ctx: cache_file(ctx, "linux", "bzImage"),
    "xen": lambda ctx: cache_file(ctx, "xen", "xen.elf"),
    # The second builds (tools/fetch.sh xen-other linux-other): every case of
    # the Debian files runs on both, so a line that quotes one build's
    # numbers fails on the other.
    "bzimage-other": lambda ctx: cache_file(ctx, "linux-other", "bzImage"),
    "xen-other": lambda ctx: cache_file(ctx, "xen-other", "xen.elf"),
    # A build made here, whatever the archive holds (variant_build()): the
    # refusals run on it too.
    "bzimage-variant": lambda ctx: variant_build(ctx, "bzimage"),
    "xen-variant": lambda ctx: variant_build(ctx, "xen"),
    "pvh": lambda ctx: os.path.join(ctx.build, "tests", "bootdump-pvh.elf"),
    "mb1": lambda ctx: os.path.join(ctx.build, "tests", "bootdump-mb1.bin"),
    "mb2": lambda ctx: os.path.join(ctx.build, "tests", "bootdump-mb2.elf"),
}

NOT_A_KERNEL = "payload of {len} bytes: not a bzImage, multiboot or PVH kernel (starts {start})"
VIDEO_NOTE = b"pvhboot: note: the multiboot kernel asks for a video mode; pvhboot has none to give"
EFI_TAG_NOTE = b"pvhboot: note: multiboot2: EFI-only tag %d ignored"
EFI_TAGS = {7: "EFI boot services", 8: "EFI i386 entry address", 9: "EFI amd64 entry address"}
HIGHER_HALF = 0xc0000000  # where a higher-half kernel links itself

# Linux boot protocol setup header offsets.
SETUP_SECTS, SYSSIZE, BOOT_FLAG, JUMP, TYPE_OF_LOADER, LOADFLAGS = 0x1f1, 0x1f4, 0x1fe, 0x200, 0x210, 0x211
CODE32_START, RAMDISK_IMAGE, RAMDISK_SIZE, CMD_LINE_PTR = 0x214, 0x218, 0x21c, 0x228
VID_MODE, VERSION, KERNEL_ALIGNMENT, RELOCATABLE, XLOADFLAGS = 0x1fa, 0x206, 0x230, 0x234, 0x236
SETUP_DATA, PREF_ADDRESS, INIT_SIZE = 0x250, 0x258, 0x260

class Headers:
    """The numbers of an unmutated payload that error lines quote, read from
    its own headers: a bzImage's setup header, an ELF32's program headers."""

    def __init__(self, data):
        self.data = data

    def field(self, off, fmt="I"):
        """A little-endian field of the setup header."""
        return struct.unpack_from("<" + fmt, self.data, off)[0]

    def setup_size(self):
        """Bytes before the protected-mode kernel: the boot sector and setup."""
        return (self.data[SETUP_SECTS] + 1) * 512

    def syssize_bytes(self):
        return self.field(SYSSIZE) * 16

    def segment(self, i):
        """(offset, paddr, filesz, memsz) of ELF program header i."""
        return segment(self.data, i)


class BootdumpLayout:
    """Where the bootdump images put things, read from the built files, so
    that the cases aimed just past an edge stay aimed there when bootdump
    changes size."""

    def __init__(self, ctx):
        pvh = self._segment(SOURCES["pvh"](ctx))
        self.pvh_offset, self.pvh_base, self.pvh_filesz, self.pvh_memsz = pvh
        self.mb2_offset, self.mb2_base, self.mb2_filesz, self.mb2_memsz = \
            self._segment(SOURCES["mb2"](ctx))
        with open(SOURCES["mb2"](ctx), "rb") as f:
            self.mb2_entry, = struct.unpack_from("<I", f.read(), E_ENTRY)
        with open(SOURCES["mb1"](ctx), "rb") as f:
            mb1_image = f.read()
        self.mb1_size = len(mb1_image)
        (self.mb1_header, self.mb1_load, self.mb1_load_end, self.mb1_bss_end,
         self.mb1_entry) = struct.unpack_from("<5I", mb1_image, 12)
        # The cases cut the files at 0x1800 and 1024 bytes, inside what they load.
        check(self.pvh_offset < 0x1800 < self.pvh_offset + self.pvh_filesz and
              self.mb2_offset < 0x1800 < self.mb2_offset + self.mb2_filesz and
              self.mb1_load + 1024 < self.mb1_load_end,
              "bootdump's layout no longer fits the truncation cases: %r" % vars(self))

    @staticmethod
    def _segment(path):
        """(offset, paddr, filesz, memsz) of an ELF32's first program header."""
        with open(path, "rb") as f:
            return segment(f.read(), 0)

    def pvh_last(self, base):
        """The last byte of bootdump-pvh's segment placed at base."""
        return base + self.pvh_memsz - 1

    def mb1_last(self, base):
        """The last byte of bootdump-mb1 (with its bss) loaded at base."""
        return base + self.mb1_bss_end - self.mb1_load - 1


def moved_pvh(paddr):
    """bootdump-pvh's segment moved to paddr, its PHYS32 entry with it."""
    return seq(phdr_field(0, P_PADDR, paddr), note_field(16, paddr))


def moved_mb1(L, addr):
    """bootdump-mb1's a.out-kludge addresses all moved to start at addr."""
    return seq(mb1(12, addr), mb1(16, addr), mb1(20, addr + L.mb1_load_end - L.mb1_load),
               mb1(24, addr + L.mb1_bss_end - L.mb1_load),
               mb1(28, addr + L.mb1_entry - L.mb1_load))


def cut_to_syssize(delta):
    """The bzImage cut where its header says the kernel ends, plus delta
    bytes (Debian's files carry a signature past that end)."""
    def m(d):
        h = Headers(d)
        return d[:h.setup_size() + h.syssize_bytes() + delta]
    return m


def mutations(L):
    """Every case: (name, source, mutation, what it does, expected); L is
    bootdump's layout."""
    return [
        # name, source, mutation, what it does, expected
        # --- the Debian bzImage
        ("bzimage-cut-to-16-bytes", "bzimage", truncate(16), "16 bytes", REFUSED(NOT_A_KERNEL)),
        ("bzimage-boot-sector-only", "bzimage", truncate(512), "the first 512 bytes",
         REFUSED(NOT_A_KERNEL)),
        ("bzimage-cut-in-setup-header", "bzimage", truncate(0x210), "cut just after HdrS",
         REFUSED("bzImage: 528 bytes, too short for a setup header")),
        ("bzimage-cut-in-setup-code", "bzimage", truncate(4096), "cut inside the setup code",
         REFUSED("bzImage: truncated: 4096 bytes, setup alone is {setup}")),
        ("bzimage-cut-after-1mib-of-kernel", "bzimage", lambda d: d[:20480 + (1 << 20)],
         "1 MiB of the protected-mode kernel left",
         REFUSED("bzImage: truncated: kernel is {pm} bytes, the header says {syssize}")),
        ("bzimage-cut-2000-bytes-short", "bzimage", truncate_by(2000), "the last 2000 bytes missing",
         REFUSED("bzImage: truncated: kernel is {pm} bytes, the header says {syssize}")),
        ("bzimage-crc-cut-off", "bzimage", cut_to_syssize(-4),
         "cut 4 bytes short of syssize (Linux's CRC-32 gone), as rounding syssize up to a "
         "paragraph leaves memtest86+", BOOTS_LINUX),
        ("bzimage-cut-a-paragraph-short", "bzimage", cut_to_syssize(-16),
         "cut 16 bytes short of syssize", REFUSED("bzImage: truncated: kernel is {pm} bytes, "
                                                  "the header says {syssize}")),
        ("bzimage-no-boot-flag", "bzimage", poke(BOOT_FLAG, "H", 0), "boot flag 0xaa55 cleared",
         REFUSED(NOT_A_KERNEL)),
        ("bzimage-header-ends-too-soon", "bzimage", poke(JUMP + 1, "B", 0), "jump byte 0: header ends at 0x202",
         REFUSED("bzImage: setup header ends at 0x202")),
        ("bzimage-header-ends-too-late", "bzimage", poke(JUMP + 1, "B", 0xff), "jump byte 0xff",
         REFUSED("bzImage: setup header ends at 0x301")),
        ("bzimage-setup-sects-255", "bzimage", poke(SETUP_SECTS, "B", 255), "setup_sects 255",
         REFUSED("bzImage: truncated: kernel is {pm255} bytes, the header says {syssize}")),
        ("bzimage-syssize-max", "bzimage", poke(SYSSIZE, "I", 0xffffffff), "syssize 2^32-1",
         REFUSED("bzImage: truncated: kernel is {pm} bytes, the header says 68719476720")),
        ("bzimage-not-loaded-high", "bzimage", poke(LOADFLAGS, "B", 0), "loadflags 0",
         REFUSED("bzImage: loadflags 0x0: not loaded high (a zImage)")),
        ("bzimage-no-64-bit-entry", "bzimage", poke(XLOADFLAGS, "H", 0), "xloadflags 0",
         BOOTS_LINUX32),
        ("bzimage-protocol-2.10", "bzimage", poke(VERSION, "H", 0x20a),
         "protocol 2.10: xloadflags not yet defined", BOOTS_LINUX32),
        ("bzimage-protocol-2.09", "bzimage", poke(VERSION, "H", 0x209),
         "protocol 2.09: no pref_address or init_size",
         REFUSED("bzImage: boot protocol 2.09, at least 2.10 needed (older headers have no "
                 "pref_address and init_size)")),
        ("bzimage-kernel-alignment-0", "bzimage", poke(KERNEL_ALIGNMENT, "I", 0), "kernel_alignment 0",
         REFUSED("bzImage: kernel_alignment 0x0 is not a power of two >= 4096")),
        ("bzimage-kernel-alignment-odd", "bzimage", poke(KERNEL_ALIGNMENT, "I", 0x1001),
         "kernel_alignment 0x1001", REFUSED("bzImage: kernel_alignment 0x1001 is not a power of two >= 4096")),
        ("bzimage-init-size-0", "bzimage", poke(INIT_SIZE, "I", 0), "init_size 0",
         REFUSED("bzImage: init_size 0x0 is smaller than the kernel ({pm} bytes)")),
        ("bzimage-init-size-max", "bzimage", poke(INIT_SIZE, "I", 0xffffffff), "init_size 2^32-1",
         REFUSED(lambda h: "bzImage: no free RAM for init_size 0xffffffff aligned to 0x%x between 0x%x "
                 "and 4 GiB" % (h.field(KERNEL_ALIGNMENT), h.field(PREF_ADDRESS, "Q")))),
        ("bzimage-fixed-at-odd-address", "bzimage",
         seq(poke(RELOCATABLE, "B", 0), poke(PREF_ADDRESS, "Q", 0x1234)), "not relocatable, pref_address 0x1234",
         REFUSED("bzImage: fixed load address 0x1234 is unusable")),
        ("bzimage-fixed-at-0", "bzimage", seq(poke(RELOCATABLE, "B", 0), poke(PREF_ADDRESS, "Q", 0)),
         "not relocatable, pref_address 0", REFUSED("bzImage: fixed load address 0x0 is unusable")),
        ("bzimage-fixed-past-ram", "bzimage",
         seq(poke(RELOCATABLE, "B", 0), poke(PREF_ADDRESS, "Q", 0x40000000)),
         "not relocatable, pref_address 1 GiB (RAM ends at 512 MiB)",
         REFUSED(lambda h: "bzImage: not relocatable, and Linux kernel at 0x40000000-0x%x: not in RAM" %
                 (0x40000000 + h.field(INIT_SIZE) - 1))),
        ("bzimage-loader-fields-garbage", "bzimage",
         seq(poke(TYPE_OF_LOADER, "B", 0x42), poke(VID_MODE, "H", 0x1234), poke(CODE32_START, "I", 0xdead000),
             poke(RAMDISK_IMAGE, "I", 0xdead000), poke(RAMDISK_SIZE, "I", 0xfffffff),
             poke(CMD_LINE_PTR, "I", 0xdead000), poke(SETUP_DATA, "Q", 0xdeadbeef000)),
         "fields the loader writes (type_of_loader, vid_mode, code32_start, ramdisk, cmd_line_ptr, "
         "setup_data) full of garbage", BOOTS_LINUX),
        # --- Xen 4.17: a Multiboot 1 header (no a.out kludge), loaded as an ELF32
        ("xen-bad-multiboot1-checksum", "xen", mb1(8, 0, fix_checksum=False),
         "Multiboot 1 checksum 0: its Multiboot 2 header still fits", BOOTS_XEN_MB2),
        ("xen-bad-multiboot-checksums", "xen", seq(mb1(8, 0, fix_checksum=False), poke(0xa4, "I", 0)),
         "both multiboot checksums 0 (the PVH note alone is left)",
         REFUSED("multiboot header at 0x88: bad checksum")),
        ("xen-elf-class-3", "xen", poke(4, "B", 3), "ELF class 3",
         REFUSED("ELF: class 3")),
        ("xen-cut-in-half", "xen", lambda d: d[:len(d) // 2], "the second half missing",
         REFUSED(lambda h: "ELF segment 0: file bytes 0x%x+0x%x outside the {len}-byte file" %
                 (h.segment(0)[0], h.segment(0)[2]))),
        # --- bootdump as a PVH ELF32
        ("pvh-cut-to-10-bytes", "pvh", truncate(10), "10 bytes", REFUSED(NOT_A_KERNEL)),
        ("pvh-cut-in-elf-header", "pvh", truncate(40), "40 bytes: half an ELF header",
         REFUSED("ELF: 40 bytes, too short for its header")),
        ("pvh-cut-in-program-headers", "pvh", truncate(60), "cut inside the program headers",
         REFUSED("ELF: program headers (2 of 32 bytes at 0x34) outside the file")),
        ("pvh-cut-in-segment", "pvh", truncate(0x1800), "cut inside the loadable segment",
         REFUSED("ELF segment 0: file bytes 0x%x+0x%x outside the 6144-byte file" %
                 (L.pvh_offset, L.pvh_filesz))),
        ("pvh-cut-after-last-segment", "pvh", truncate(L.pvh_offset + L.pvh_filesz),
         "section headers and symbols cut off", BOOTS("pvh")),
        ("pvh-class-3", "pvh", poke(4, "B", 3), "ELF class 3", REFUSED("ELF: class 3")),
        ("pvh-big-endian", "pvh", poke(5, "B", 2), "EI_DATA big-endian",
         REFUSED("ELF: not little-endian version 1")),
        ("pvh-shared-object", "pvh", poke(E_TYPE, "H", 3), "e_type ET_DYN",
         REFUSED("ELF: type 3, not an executable")),
        ("pvh-no-program-headers", "pvh", poke(E_PHNUM, "H", 0), "e_phnum 0",
         REFUSED("ELF: 0 program headers (1 to 64)")),
        ("pvh-65535-program-headers", "pvh", poke(E_PHNUM, "H", 0xffff), "e_phnum 65535",
         REFUSED("ELF: 65535 program headers (1 to 64)")),
        ("pvh-program-header-size-16", "pvh", poke(E_PHENTSIZE, "H", 16), "e_phentsize 16",
         REFUSED("ELF: program headers (2 of 16 bytes at 0x34) outside the file")),
        ("pvh-program-headers-far-away", "pvh", poke(E_PHOFF, "I", 0xfffffff0), "e_phoff 0xfffffff0",
         REFUSED("ELF: program headers (2 of 32 bytes at 0xfffffff0) outside the file")),
        ("pvh-filesz-over-memsz", "pvh", phdr_field(0, P_MEMSZ, 0x100), "p_memsz 0x100 < p_filesz",
         REFUSED("ELF segment 0: filesz 0x%x > memsz 0x100" % L.pvh_filesz)),
        ("pvh-segment-file-bytes-huge", "pvh", phdr_field(0, P_FILESZ, 0xffffffff), "p_filesz 2^32-1",
         REFUSED("ELF segment 0: file bytes 0x1000+0xffffffff outside the {len}-byte file")),
        ("pvh-no-loadable-segment", "pvh", phdr_field(0, P_TYPE, PT_NULL), "PT_LOAD made PT_NULL",
         REFUSED("ELF: no loadable segment")),
        ("pvh-segment-across-4g", "pvh", moved_pvh(0xfffff000), "segment (and entry) at 4 GiB - 4 KiB",
         REFUSED("PVH kernel segment at 0xfffff000-0x%x: beyond 0x100000000" % L.pvh_last(0xfffff000))),
        ("pvh-segment-past-ram", "pvh", moved_pvh(0x30000000), "segment (and entry) at 768 MiB",
         REFUSED("PVH kernel segment at 0x30000000-0x%x: not in RAM" % L.pvh_last(0x30000000))),
        ("pvh-segment-in-page-0", "pvh", moved_pvh(0), "segment (and entry) at physical 0",
         REFUSED("PVH kernel segment at 0x0-0x%x: in page 0" % L.pvh_last(0))),
        ("pvh-overlapping-segments", "pvh", extra_load(L.pvh_base + 0x1000),
         "a second copy of the segment, 4 KiB up",
         REFUSED("PVH kernel segment at 0x%x-0x%x: overlaps another part of the payload 0x%x-0x%x" %
                 (L.pvh_base + 0x1000, L.pvh_last(L.pvh_base + 0x1000), L.pvh_base,
                  L.pvh_last(L.pvh_base)))),
        ("pvh-note-value-2-bytes", "pvh", note_field(4, 2), "PHYS32_ENTRY descsz 2",
         REFUSED("ELF PHYS32_ENTRY note: 2 bytes")),
        ("pvh-note-name-huge", "pvh", note_field(0, 0xffffffff), "note namesz 2^32-1",
         REFUSED("ELF note at 0x0: sizes 4294967295/4 run past its segment")),
        ("pvh-note-other-type", "pvh", note_field(8, 17), "the note's type not PHYS32_ENTRY",
         REFUSED(NOT_A_KERNEL)),
        ("pvh-entry-0", "pvh", note_field(16, 0), "PHYS32_ENTRY 0",
         REFUSED("ELF PHYS32_ENTRY 0x0: outside every loadable segment")),
        ("pvh-entry-outside-segments", "pvh", note_field(16, 0x30000000),
         "PHYS32_ENTRY 0x30000000, outside every segment (and RAM)",
         REFUSED("ELF PHYS32_ENTRY 0x30000000: outside every loadable segment")),
        ("pvh-entry-just-past-segment", "pvh", note_field(16, L.pvh_last(L.pvh_base) + 1),
         "PHYS32_ENTRY one byte past the segment's memory",
         REFUSED("ELF PHYS32_ENTRY 0x%x: outside every loadable segment" % (L.pvh_last(L.pvh_base) + 1))),
        ("pvh-e-entry-and-sections-garbage", "pvh",
         seq(poke(E_ENTRY, "I", 0xdeadbeef), poke(E_SHOFF, "I", 0xfffffff0), poke(E_SHNUM, "H", 0xffff)),
         "e_entry, e_shoff, e_shnum garbage (PVH uses the note)", BOOTS("pvh")),
        # --- bootdump as Multiboot 1 (a.out kludge at offset 0)
        ("mb1-cut-in-header", "mb1", truncate(20), "cut inside the a.out fields",
         REFUSED("multiboot header: a.out fields truncated")),
        ("mb1-cut-before-load-end", "mb1", truncate(1024), "1024 of %d bytes" % L.mb1_size,
         REFUSED("multiboot: load_end_addr 0x%x is past the 1024-byte file" % L.mb1_load_end)),
        ("mb1-unknown-required-flag", "mb1", mb1(4, 0x10023), "required flag bit 5",
         REFUSED("multiboot header: required flags 0x20 not understood")),
        ("mb1-header-addr-below-load", "mb1", mb1(12, 0x3ff000), "header_addr below load_addr",
         REFUSED("multiboot: header_addr 0x3ff000 and load_addr 0x400000 do not fit the header at "
                 "file offset 0x0")),
        ("mb1-bss-end-before-load-end", "mb1", mb1(24, 0x400010), "bss_end_addr before load_end_addr",
         REFUSED("multiboot: bss_end_addr 0x400010 before load end 0x%x" % L.mb1_load_end)),
        ("mb1-bss-end-max", "mb1", mb1(24, 0xffffffff), "bss_end_addr 2^32-1",
         REFUSED("multiboot kernel at 0x400000-0xfffffffe: not in RAM")),
        ("mb1-load-past-ram", "mb1", moved_mb1(L, 0x30000000), "loaded at 768 MiB",
         REFUSED("multiboot kernel at 0x30000000-0x%x: not in RAM" % L.mb1_last(0x30000000))),
        ("mb1-load-in-page-0", "mb1", moved_mb1(L, 0), "loaded at physical 0",
         REFUSED("multiboot kernel at 0x0-0x%x: in page 0" % L.mb1_last(0))),
        ("mb1-entry-0", "mb1", mb1(28, 0), "entry_addr 0",
         REFUSED("multiboot: entry_addr 0x0 outside the kernel at 0x%x-0x%x" %
                 (L.mb1_load, L.mb1_last(L.mb1_load)))),
        ("mb1-entry-outside-kernel", "mb1", mb1(28, 0x30000000), "entry_addr 0x30000000",
         REFUSED("multiboot: entry_addr 0x30000000 outside the kernel at 0x%x-0x%x" %
                 (L.mb1_load, L.mb1_last(L.mb1_load)))),
        ("mb1-entry-at-bss-end", "mb1", mb1(28, L.mb1_bss_end), "entry_addr one byte past the bss",
         REFUSED("multiboot: entry_addr 0x%x outside the kernel at 0x%x-0x%x" %
                 (L.mb1_bss_end, L.mb1_load, L.mb1_last(L.mb1_load)))),
        ("mb1-load-end-0", "mb1", mb1(20, 0), "load_end_addr 0: the whole file", BOOTS("mb1")),
        ("mb1-wants-video-mode", "mb1", mb1(4, 0x10007), "flags ask for a video mode",
         REFUSED("multiboot header: flags 0x10007 require a video mode (bit 2); pvhboot has "
                 "none to set")),
        # --- bootdump as Multiboot 2 (header at 0x1000: info request, entry, end tags)
        ("mb2-bad-checksum", "mb2", poke(0x100c, "I", 0), "checksum 0",
         REFUSED("multiboot2 header at 0x1000: bad checksum")),
        ("mb2-architecture-4", "mb2", mb2(4, "I", 4), "architecture 4 (MIPS)",
         REFUSED("multiboot2 header: architecture 4")),
        ("mb2-length-huge", "mb2", mb2(8, "I", 0x10000), "header length 64 KiB",
         REFUSED("multiboot2 header: length 65536")),
        ("mb2-tag-size-0", "mb2", mb2_tag(0, "I", 0, field=4), "first tag of size 0",
         REFUSED("multiboot2: tag at +16 has size 0")),
        ("mb2-requires-framebuffer-info", "mb2", mb2_tag(0, "I", 8, field=8),
         "information request for tag 8 (framebuffer), required",
         REFUSED("multiboot2: requires information tag 8")),
        ("mb2-optional-framebuffer-info", "mb2", seq(mb2_tag(0, "I", 8, field=8), mb2_tag(0, "H", 1, field=2)),
         "the same request, optional", BOOTS("mb2")),
        ("mb2-requires-framebuffer", "mb2", mb2_tag(0, "H", 5), "information request made a framebuffer tag",
         REFUSED("multiboot2: requires a framebuffer")),
        ("mb2-optional-framebuffer", "mb2", seq(mb2_tag(0, "H", 5), mb2_tag(0, "H", 1, field=2)),
         "the same framebuffer tag, optional", BOOTS("mb2", note=VIDEO_NOTE)),
        ("mb2-requires-console", "mb2", seq(mb2_tag(0, "H", 4), mb2_tag(0, "I", 1, field=8)),
         "information request made a console tag: console required",
         REFUSED("multiboot2: requires a console (console flags 0x1); pvhboot has none to describe")),
        ("mb2-console-ega-text", "mb2", seq(mb2_tag(0, "H", 4), mb2_tag(0, "I", 2, field=8)),
         "the same console tag: EGA text supported, no console required", BOOTS("mb2")),
    ] + [
        # The multiboot2 specification: these are taken into account on
        # EFI machines only; GRUB for BIOS skips them, required or not.
        ("mb2-requires-efi-tag-%d" % t, "mb2", mb2_tag(0, "H", t),
         "information request made tag %d (%s), required" % (t, what),
         BOOTS("mb2", note=EFI_TAG_NOTE % t)) for t, what in sorted(EFI_TAGS.items())
    ] + [
        ("mb2-optional-console-required", "mb2",
         seq(mb2_tag(0, "H", 4), mb2_tag(0, "I", 1, field=8), mb2_tag(0, "H", 1, field=2)),
         "the console-required tag, optional", BOOTS("mb2")),
        # The information request made an address tag (24 bytes, its
        # padding included): the file loads from its first byte, the ELF
        # header 0x1000 below bootdump's code, its bss zeroed to the end.
        ("mb2-load-addr-minus-1", "mb2",
         seq(mb2_tag(0, "H", 2), mb2_tag(0, "I", 24, field=4),
             mb2_tag(0, "I", L.mb2_base, field=8), mb2_tag(0, "I", 0xffffffff, field=12),
             mb2_tag(0, "I", L.mb2_base + L.mb2_filesz, field=16),
             mb2_tag(0, "I", L.mb2_base + L.mb2_memsz, field=20)),
         "address tag, load_addr -1: load the file from its start", BOOTS("mb2")),
        ("mb2-load-addr-minus-1-below-0", "mb2",
         seq(mb2_tag(0, "H", 2), mb2_tag(0, "I", 24, field=4),
             mb2_tag(0, "I", L.mb2_offset // 2, field=8), mb2_tag(0, "I", 0xffffffff, field=12),
             mb2_tag(0, "I", 0, field=16), mb2_tag(0, "I", 0, field=20)),
         "the same with header_addr below the header's file offset",
         REFUSED("multiboot2: load_addr -1 puts the file's start below 0: header_addr 0x%x, "
                 "header at file offset 0x%x" % (L.mb2_offset // 2, L.mb2_offset))),
        # No entry tag (made an optional unknown one): e_entry is used, given
        # here in a higher half the segment's p_vaddr names.
        ("mb2-elf-entry-virtual", "mb2",
         seq(mb2_tag(1, "H", 99), mb2_tag(1, "H", 1, field=2),
             phdr_field(0, P_VADDR, HIGHER_HALF + L.mb2_base),
             poke(E_ENTRY, "I", HIGHER_HALF + L.mb2_entry)),
         "e_entry and p_vaddr at 0xc0000000 + their physical addresses: translated as GRUB does",
         BOOTS("mb2")),
        ("mb2-unknown-required-tag", "mb2", mb2_tag(2, "H", 99), "end tag made an unknown tag 99",
         REFUSED("multiboot2: required header tag 99 not understood")),
        ("mb2-no-end-tag", "mb2", seq(mb2_tag(2, "H", 99), mb2_tag(2, "H", 1, field=2)),
         "end tag made an optional unknown tag", REFUSED("multiboot2: header tags have no end tag")),
        ("mb2-entry-0", "mb2", mb2_tag(1, "I", 0, field=8), "entry tag 0",
         REFUSED("multiboot: entry 0x0 outside the kernel")),
        ("mb2-cut-in-segment", "mb2", truncate(0x1800), "cut inside the loadable segment",
         REFUSED("ELF segment 0: file bytes 0x%x+0x%x outside the 6144-byte file" %
                 (L.mb2_offset, L.mb2_filesz))),
        ("mb2-entry-outside-kernel", "mb2", mb2_tag(1, "I", 0x30000000, field=8),
         "entry tag 0x30000000", REFUSED("multiboot: entry 0x30000000 outside the kernel")),
        ("xen-entry-outside-kernel", "xen", poke(E_ENTRY, "I", 0x30000000), "e_entry 0x30000000",
         REFUSED("multiboot: entry 0x30000000 outside the kernel")),
    ]


def firmware(ctx):
    return os.path.join(ctx.build, "pvhboot.elf")


def firmware_range(ctx):
    out = subprocess.run(["nm", firmware(ctx)], check=True, stdout=subprocess.PIPE).stdout.decode()
    syms = {p[2]: int(p[0], 16) for p in (l.split() for l in out.splitlines()) if len(p) == 3}
    # pvhboot's memory: the image and its late storage after it.
    return "0x%x-0x%x" % (syms["__image_start"], syms["__late_end"] - 1)


def mutated_file(ctx, name, source, mutation):
    path = os.path.join(ctx.tmp, "mutated-" + name)
    with open(SOURCES[source](ctx), "rb") as f:
        original = f.read()
    data = file_once(path, lambda: bytes(mutation(bytearray(original))))
    return path, original, data


def expected_line(ctx, text, original, data):
    h = Headers(original)
    setup = h.setup_size()
    fields = dict(len=len(data), setup=setup, pm=len(data) - setup, pm255=len(data) - 256 * 512,
                  syssize=h.syssize_bytes(),
                  start=" ".join("%02x" % (data[i] if i < len(data) else 0) for i in range(4)),
                  fw=firmware_range(ctx) if "{fw}" in text else "")
    return ("pvhboot: error: " + text.format(**fields)).encode()


def boot(ctx, payload, timeout=30, extra=(), memory="512M", append="", **kw):
    return run_qemu(["-M", "q35", "-m", memory, "-kernel", firmware(ctx), "-initrd", payload,
                     "-append", append] + list(extra), timeout, qemu=ctx.qemu, **kw)


def refused(ctx, name, source, mutation, want):
    path, original, data = mutated_file(ctx, name, source, mutation)
    result = boot(ctx, path)
    line = expect_panic(result, b"pvhboot: error: ")
    expected = expected_line(ctx, want.text(original), original, data)
    check(line == expected, "error line\n  %r\nexpected\n  %r" % (line, expected))


def boots_bootdump(ctx, name, source, mutation, want):
    path, _, _ = mutated_file(ctx, name, source, mutation)
    result = boot(ctx, path)
    check(not result.timed_out and not result.triple_fault, result.describe())
    lines = [l.rstrip(b"\r") for l in result.serial.split(b"\n")]
    dump = [l[l.index(b"bootdump: "):] for l in lines if b"bootdump: " in l]
    check(b"bootdump: protocol " + want.protocol.encode() in dump,
          "bootdump did not run as %s: %s" % (want.protocol, result.describe()))
    check(b"bootdump: done" in dump and result.status == BOOTDUMP_EXIT,
          "bootdump did not finish: " + result.describe())
    check(not [l for l in result.lines() if l.startswith(b"pvhboot: error")], result.describe())
    notes = [l for l in result.lines() if l.startswith(b"pvhboot: note: ")]
    check(notes == ([want.note] if want.note else []), "notes %r" % notes)


def boots_linux(ctx, name, source, mutation, entry32=False):
    path, _, _ = mutated_file(ctx, name, source, mutation)
    fw = os.path.join(ctx.tmp, "hostile-fw-initramfs.elf")
    file_made_once(fw, lambda part: pack_tool(ctx, "pack", "--firmware", firmware(ctx),
                                              "--module", initramfs(ctx), "-o", part))
    cmdline = b"console=ttyS0 quiet pvhtest.mutation=" + name.encode()
    # pvhboot's options are taken off the cmdline Linux gets.
    result = run_qemu(["-M", "q35", "-m", "512M", "-kernel", fw, "-initrd", path,
                       "-append", b"pvhboot.verbose " + cmdline], 120, qemu=ctx.qemu)
    check(not result.timed_out and not result.triple_fault, result.describe())
    check(result.status == INIT_EXIT_STATUS, "expected /init's exit: " + result.describe())
    report = InitReport(result.serial)
    check(report.cmdline == cmdline, "Linux's cmdline %r" % report.cmdline)
    took32 = any(l.startswith(ENTRY32_LINE) for l in result.lines())
    check(took32 == entry32, "expected the %s-bit entry: %s" % ("32" if entry32 else "64",
                                                                 result.describe()))
    return "%.1fs" % result.elapsed


# The whole line: a match on a line still being written could stop QEMU half-way.
XEN_STARTED = re.compile(rb"\(XEN\) Bootloader: [^\n]*\n")


def boots_xen_mb2(ctx, name, source, mutation):
    """Xen runs as a Multiboot 2 kernel and reads pvhboot's information (it
    then stops for want of a dom0: only its start is this test's)."""
    path, _, _ = mutated_file(ctx, name, source, mutation)
    result = boot(ctx, path, timeout=60, extra=["-cpu", "max"], memory="1G", stop_on=XEN_STARTED,
                  append="console=com1 com1=115200,8n1 noreboot")
    check(not result.triple_fault, result.describe())
    check(any(l.startswith(b"pvhboot: fw: payload multiboot2 ") for l in result.lines()),
          "not booted as multiboot2: " + result.describe())
    check(result.stopped_on is not None and result.stopped_on.startswith(
        b"(XEN) Bootloader: pvhboot"), "Xen did not start: " + result.describe())


def case(ctx, name, source, mutation, want):
    def test():
        if isinstance(want, REFUSED):
            return refused(ctx, name, source, mutation, want)
        if want in (BOOTS_LINUX, BOOTS_LINUX32):
            return boots_linux(ctx, name, source, mutation, entry32=want == BOOTS_LINUX32)
        if want == BOOTS_XEN_MB2:
            return boots_xen_mb2(ctx, name, source, mutation)
        return boots_bootdump(ctx, name, source, mutation, want)
    return test


def bzimage_variant(d):
    """Another bzImage by every number the error lines may quote: 4 KiB more
    protected-mode kernel (syssize with it), init_size 4 KiB larger, the
    preferred address 4 MiB higher, the alignment doubled."""
    d += bytes(0x1000)
    for off, fmt, delta in ((SYSSIZE, "I", 0x100), (INIT_SIZE, "I", 0x1000), (PREF_ADDRESS, "Q", 0x400000)):
        poke(off, fmt, Headers(d).field(off, fmt) + delta)(d)
    return poke(KERNEL_ALIGNMENT, "I", Headers(d).field(KERNEL_ALIGNMENT) * 2)(d)


def xen_variant(d):
    """Another Xen by the numbers of its first segment: 4 KiB more file bytes
    (the file grows by as much) and 4 KiB more memory."""
    d += bytes(0x1000)
    _, _, filesz, memsz = segment(d, 0)
    return seq(phdr_field(0, P_FILESZ, filesz + 0x1000), phdr_field(0, P_MEMSZ, memsz + 0x1000))(d)


def variant_build(ctx, source):
    """The Debian file changed in the numbers its error lines quote: the
    refusals run on it as well, so that a line with a number of the one
    build at hand fails even where the archive holds one build only. The
    contents no longer boot; only refusals run on it."""
    path = os.path.join(ctx.tmp, "variant-" + source)
    with open(SOURCES[source](ctx), "rb") as f:
        original = bytearray(f.read())
    make = {"bzimage": bzimage_variant, "xen": xen_variant}[source]
    file_once(path, lambda: bytes(make(original)))
    return path


def other_build(ctx, source):
    """Whether tools/fetch.sh found a second build of the source's package
    (where bookworm holds one version only, it leaves a note instead)."""
    folder = {"bzimage": "linux-other", "xen": "xen-other"}.get(source)
    return folder is not None and not os.path.exists(os.path.join(ctx.cache, folder, "none"))


def collect(ctx):
    tests = []
    names = set()
    for name, source, mutation, _what, want in mutations(BootdumpLayout(ctx)):
        if name in names:
            raise ValueError("mutation %s listed twice" % name)
        names.add(name)
        kind = "refuses" if isinstance(want, REFUSED) else "boots"
        tests.append(("%s-%s" % (kind, name), case(ctx, name, source, mutation, want)))
        if other_build(ctx, source):
            other = name + "-other-build"
            tests.append(("%s-%s" % (kind, other), case(ctx, other, source + "-other", mutation, want)))
        if source in ("bzimage", "xen") and kind == "refuses":
            variant = name + "-variant-build"
            tests.append(("%s-%s" % (kind, variant), case(ctx, variant, source + "-variant", mutation, want)))
    return tests
