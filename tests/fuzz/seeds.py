#!/usr/bin/env python3
"""Rebuild the fuzz seed corpora (tests/fuzz/corpus/<target>/) from real inputs.

  tests/fuzz/seeds.py --capture build/fuzz/capture/capture.elf --build build [--qemu Q]

(make fuzz-seeds builds what it needs and runs it.) Sources:
  - what QEMU's PVH loader hands over on pc, q35 and microvm (start info,
    memory map, module list, strings, ACPI tables) and what Xen 4.17 hands
    a PVH dom0 (start info version 0), dumped by tests/fuzz/capture/;
  - QEMU virt's and Xen dom0's device trees (tests/unit/data/), and one with
    multiboot modules under /chosen, as the arm64 boot tests build it (dtc);
  - the headers of Debian's bzImage (cache/linux/bzImage) and of the vmlinux
    inside it, of Xen's xen.elf (cache/xen/xen.elf), of pvhboot.elf and the
    bootdump test payloads (build/x86_64/): only the bytes the parsers read,
    placed at their real offsets in a sparse image of the real length.
Each seed stays under 8 KiB. The input layouts are described at the top of
each tests/fuzz/fuzz_<target>.c.
"""

import argparse
import lzma
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")
SEED_MAX = 8 * 1024 - 1

RAM, RESERVED, ACPI, NVS, UNUSABLE = 1, 2, 3, 4, 5

# What Xen 4.17's XENMEM_memory_map gives a PVH dom0 (dom0_mem=64M, q35,
# 1 GiB): reconstructed from the normalised map pvhboot's hello prints there
# and the test-bed notes (an unaligned RAM end, type 5 for host RAM the
# domain does not own). Not captured: the capture kernel makes no hypercalls.
XEN_DOM0_MAP = [
    (0x0, 0x9fc00, RAM), (0x9fc00, 0x400, RESERVED), (0xf0000, 0x10000, RESERVED),
    (0x100000, 0x4060f26 - 0x100000, RAM), (0x4060f26, 0x7a, ACPI),
    (0x4061000, 0x3ffe0000 - 0x4061000, UNUSABLE), (0x3ffe0000, 0x20000, RESERVED),
    (0xb0000000, 0x10000000, RESERVED), (0xfed1c000, 0x4000, RESERVED),
    (0xfffc0000, 0x40000, RESERVED), (0xfd00000000, 0x300000000, RESERVED),
]

QEMU_CMDLINE = 'console=ttyS0 root=/dev/vda pvhboot.verbose greeting="hello from qemu"'
XEN_DOM0_ARGS = "capture.elf console=hvc0 root=/dev/ram0,initrd.img initrd words"


# ---- captures -----------------------------------------------------------------

def parse_capture(text):
    """{"si": (pa, bytes), "mem": {pa: bytes}} from capture: lines, each line
    that continues the one before (same kind, the next address) joined to it."""
    blocks = []
    for m in re.finditer(r"capture: (si|mem) ([0-9a-f]{8}) ([0-9a-f]*)", text):
        what, pa, data = m.group(1), int(m.group(2), 16), bytes.fromhex(m.group(3))
        if blocks and blocks[-1][0] == what and blocks[-1][1] + len(blocks[-1][2]) == pa:
            blocks[-1][2] += data
        else:
            blocks.append([what, pa, bytearray(data)])
    si = [(pa, bytes(d)) for what, pa, d in blocks if what == "si"]
    if len(si) != 1 or "capture: done" not in text:
        raise RuntimeError("capture incomplete:\n" + text[-2000:])
    return {"si": si[0], "mem": {pa: bytes(d) for what, pa, d in blocks if what == "mem"}}


def capture_qemu(args, machine, tmp):
    out = os.path.join(tmp, "capture-%s.txt" % machine)
    initrd = os.path.join(tmp, "initrd.img")
    with open(initrd, "wb") as f:
        f.write(b"an initrd for the capture\n")
    subprocess.run([args.qemu, "-M", machine, "-m", "256M", "-nographic", "-nodefaults",
                    "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                    "-debugcon", "file:" + out, "-kernel", args.capture, "-append", QEMU_CMDLINE,
                    "-initrd", initrd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=60)
    with open(out, errors="replace") as f:
        return parse_capture(f.read())


def capture_xen(args, tmp):
    xen = os.path.join(ROOT, "cache", "xen", "xen.elf")
    if not os.path.exists(xen):
        print("seeds: no %s: skipping the Xen capture" % xen, file=sys.stderr)
        return None
    shutil.copy(args.capture, os.path.join(tmp, "capture.elf"))
    with open(os.path.join(tmp, "initrd.img"), "wb") as f:
        f.write(b"an initrd for the capture\n")
    proc = subprocess.run([args.qemu, "-M", "q35", "-cpu", "max", "-m", "1G", "-smp", "1",
                           "-nographic", "-nodefaults", "-no-reboot", "-serial", "stdio",
                           "-kernel", xen, "-append",
                           "dom0=pvh dom0-iommu=none dom0_mem=64M console=com1 "
                           "com1=115200,8n1 loglvl=all guest_loglvl=all",
                           "-initrd", XEN_DOM0_ARGS,
                           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"],
                          cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    text = proc.stdout.decode("utf-8", "replace").replace("(d0) ", "")
    return parse_capture(text)


# ---- small readers --------------------------------------------------------------

def elf_extent(path):
    """[first, end) of an ELF's PT_LOAD segments, physical addresses."""
    with open(path, "rb") as f:
        d = f.read(4096)
    is64 = d[4] == 2
    if is64:
        phoff, = struct.unpack_from("<Q", d, 32)
        phentsize, phnum = struct.unpack_from("<HH", d, 54)
    else:
        phoff, = struct.unpack_from("<I", d, 28)
        phentsize, phnum = struct.unpack_from("<HH", d, 42)
    lo, hi = None, 0
    for i in range(phnum):
        p = phoff + i * phentsize
        if struct.unpack_from("<I", d, p)[0] != 1:
            continue
        if is64:
            paddr, = struct.unpack_from("<Q", d, p + 24)
            memsz, = struct.unpack_from("<Q", d, p + 40)
        else:
            paddr, memsz = struct.unpack_from("<II", d, p + 12)[0], struct.unpack_from("<I", d, p + 20)[0]
        lo = paddr if lo is None else min(lo, paddr)
        hi = max(hi, paddr + memsz)
    return lo, hi


def elf_pieces(data, head=None):
    """(offset, bytes) of what the ELF parser reads: the header and program
    headers, and every PT_NOTE segment."""
    is64 = data[4] == 2
    if is64:
        phoff, = struct.unpack_from("<Q", data, 32)
        phentsize, phnum = struct.unpack_from("<HH", data, 54)
    else:
        phoff, = struct.unpack_from("<I", data, 28)
        phentsize, phnum = struct.unpack_from("<HH", data, 42)
    end = phoff + phentsize * phnum
    pieces = [(0, data[:head or end])]
    for i in range(phnum):
        p = phoff + i * phentsize
        if struct.unpack_from("<I", data, p)[0] != 4:
            continue
        if is64:
            off, = struct.unpack_from("<Q", data, p + 8)
            size, = struct.unpack_from("<Q", data, p + 32)
        else:
            off, size = struct.unpack_from("<I", data, p + 4)[0], struct.unpack_from("<I", data, p + 16)[0]
        pieces.append((off, data[off:off + size]))
    return pieces


def multiboot_pieces(data):
    """(offset, bytes) around each Multiboot 1 and 2 header in the search areas."""
    pieces = []
    for magic, align, area, size in ((0x1badb002, 4, 8192, 48), (0xe85250d6, 8, 32768, None)):
        for off in range(0, min(len(data), area) - 16, align):
            if struct.unpack_from("<I", data, off)[0] == magic:
                length = size or struct.unpack_from("<I", data, off + 8)[0]
                pieces.append((off, data[off:off + min(length, 1024)]))
                break
    return pieces


def vmlinux_from_bzimage(bz):
    """The vmlinux inside a bzImage: its xz payload (payload_offset and
    payload_length of the setup header, protocol 2.08+), decompressed."""
    setup = (bz[0x1f1] or 4) * 512 + 512
    off, length = struct.unpack_from("<II", bz, 0x248)
    # One xz stream; the kernel's build appends the decompressed size after it.
    return lzma.LZMADecompressor().decompress(bz[setup + off:setup + off + length])


def fdt_memory_base(dtb):
    """The first /memory node's base, read by walking the blob."""
    off_struct, off_strings = struct.unpack_from(">II", dtb, 8)
    p, depth, in_memory = off_struct, 0, False
    while True:
        tag, = struct.unpack_from(">I", dtb, p)
        p += 4
        if tag == 1:
            end = dtb.index(b"\0", p)
            name = dtb[p:end].decode()
            depth += 1
            in_memory = depth == 2 and name.split("@")[0] == "memory"
            p = (end + 4) & ~3
        elif tag == 2:
            depth -= 1
        elif tag == 3:
            length, nameoff = struct.unpack_from(">II", dtb, p)
            name = dtb[off_strings + nameoff:dtb.index(b"\0", off_strings + nameoff)]
            if in_memory and name == b"reg":
                return struct.unpack_from(">Q", dtb, p + 8)[0]
            p = (p + 8 + length + 3) & ~3
        elif tag == 9:
            raise ValueError("no /memory node")


# ---- encoders ---------------------------------------------------------------------

def seg(pa, data):
    """A memory segment: its trailing zeros as a count (fuzz.h)."""
    kept = data.rstrip(b"\0")
    return struct.pack("<QHH", pa, len(kept), len(data) - len(kept)) + kept


def sparse(total, pieces):
    out = struct.pack("<I", total)
    for off, data in pieces:
        out += struct.pack("<IH", off, len(data)) + data
    return out


def entries(m):
    return b"".join(struct.pack("<QQI", *e) for e in m)


def si_fields(si):
    pa, d = si
    magic, version, flags, nr_mod, modlist, cmdline, rsdp = struct.unpack_from("<IIIIQQQ", d)
    memmap, entries_ = struct.unpack_from("<QI", d, 40) if version else (0, 0)
    return version, nr_mod, modlist, cmdline, rsdp, memmap, entries_


def start_info_segments(cap):
    """The start info and what it points to, as memory segments."""
    version, nr_mod, modlist, cmdline, rsdp, memmap, n = si_fields(cap["si"])
    wanted = {cmdline, modlist, memmap}
    if nr_mod and modlist in cap["mem"]:
        for i in range(nr_mod):
            wanted.add(struct.unpack_from("<Q", cap["mem"][modlist], 32 * i + 16)[0])
    return merged([cap["si"]] + [(pa, d) for pa, d in cap["mem"].items() if pa in wanted])


def merged(segs):
    """Segments that overlap joined into one (the fuzzer drops overlaps)."""
    out = []
    for pa, d in sorted(segs):
        if out and pa < out[-1][0] + len(out[-1][1]):
            base, cur = out[-1]
            end = max(base + len(cur), pa + len(d))
            joined = bytearray(end - base)
            joined[pa - base:pa - base + len(d)] = d
            joined[:len(cur)] = cur
            out[-1] = (base, bytes(joined))
        else:
            out.append((pa, d))
    return out


def captured_map(cap):
    version, nr_mod, modlist, cmdline, rsdp, memmap, n = si_fields(cap["si"])
    d = cap["mem"][memmap]
    return [struct.unpack_from("<QQI", d, 24 * i) for i in range(n)]


def start_info_seed(cap, self_ext, platform=(), flags=0):
    segs = start_info_segments(cap)
    out = struct.pack("<QIQBHB", self_ext[0], self_ext[1] - self_ext[0], cap["si"][0], flags,
                      len(platform), len(segs))
    out += b"".join(seg(pa, d) for pa, d in segs)
    return out + entries(platform)


def memmap_seed(m, self_ext):
    """The map, then what pvhboot does with it: claim itself, allocate a
    page below 4 GiB clear of the first module, ask covers() and run()."""
    ops = [
        struct.pack("<BBBBIQQQQ", 0, 1, 0, 0, 0, self_ext[0], self_ext[1] - self_ext[0], 0, 0),
        struct.pack("<BBBBIQQQQ", 1, 1, 12, 1, 0, 0x1000, 1 << 32, 0x100000, 0x100000),
        struct.pack("<BBBBIQQQQ", 2, 0, 0, 0, 0x9a, 0x100000, 0x1000, 0, 0),
        struct.pack("<BBBBIQQQQ", 3, 0, 0, 0, 0x9a, 0x200000, 0, 0, 0),
    ]
    return struct.pack("<HBB", len(m), 0, len(ops)) + b"".join(ops) + entries(m)


def acpi_seed(cap):
    version, nr_mod, modlist, cmdline, rsdp, memmap, n = si_fields(cap["si"])
    skip = {cmdline, modlist, memmap}
    segs = merged([(pa, d) for pa, d in cap["mem"].items() if pa not in skip])
    return struct.pack("<QB", rsdp, len(segs)) + b"".join(seg(pa, d) for pa, d in segs)


def fdt_seed(dtb, self_base, dtb_pa):
    return struct.pack("<QIQ", self_base, 0x100000, dtb_pa) + dtb


PACK_KERNEL, PACK_RELATIVE = 0x1, 0x2


def pack_seed(own, image_size, flags, cmdline_off, mods, strings):
    """mods: (offset, size, cmdline offset); strings: the bytes at offset own."""
    desc = struct.pack("<8sIIQII", b"PVHPACK1", 1, flags, cmdline_off, len(mods), 0)
    desc += b"".join(struct.pack("<QQQ", *m) for m in mods)
    desc += b"\0" * (32 + 24 * 16 - len(desc))
    return struct.pack("<II", own, image_size) + desc + strings


def pack_seeds():
    """pvhboot-pack's arm64 layouts: strings behind pvhboot's own bytes,
    then the initrd, then the kernel at the next 2 MiB with its bss."""
    own = 0xe000
    cmdline = b"console=ttyAMA0 rdinit=/init quiet\0"
    initrd_cmd = b"initrd words\0"
    strings = cmdline + b"\0" * (8 - len(cmdline) % 8) + initrd_cmd
    initrd_cmd_off = own + len(cmdline) + 8 - len(cmdline) % 8
    kernel = (0x200000, 0x1f6dfc0 // 16, 0)
    initrd = (own + 0x1000, 0x1c2f7c, initrd_cmd_off)
    return {
        "kernel-initrd-cmdline": pack_seed(own, 0x400000, PACK_KERNEL | PACK_RELATIVE, own,
                                           [kernel, initrd], strings),
        "kernel-only": pack_seed(own, 0x400000, PACK_KERNEL | PACK_RELATIVE, 0, [kernel], b""),
        "initrd-without-kernel": pack_seed(own, own + 0x200000, PACK_RELATIVE, own, [initrd[:2] + (0,)],
                                           cmdline),
        "unpacked": pack_seed(own, own, 0, 0, [], b""),
    }


def options_seed(cmdline, name, expected, room=1024):
    return (struct.pack("<HB", room, len(name)) + name + struct.pack("<B", len(expected)) +
            expected + cmdline)


def firmware_seed(self_ext, memory_map, mods, cmdline, pieces):
    """mods: (window offset, size, cmdline); pieces: (window offset, bytes)."""
    out = struct.pack("<QIB", self_ext[0], self_ext[1] - self_ext[0], len(memory_map))
    out += entries(memory_map) + struct.pack("<B", len(mods))
    for off, size, c in mods:
        out += struct.pack("<IIB", off, size, len(c)) + c
    out += struct.pack("<H", len(cmdline)) + cmdline
    for off, data in pieces:
        out += struct.pack("<IH", off, len(data)) + data
    return out


def writer_ops_seed():
    """The writer building a small QEMU-like tree, operation by operation."""
    def name(s):
        return struct.pack("<B", len(s)) + s

    def node(s):
        return b"\x00" + name(s)

    def prop(s, v):
        return b"\x01" + name(s) + struct.pack("<H", len(v)) + v

    end = b"\x02"
    ops = (node(b"") + prop(b"#address-cells", b"\0\0\0\2") + prop(b"#size-cells", b"\0\0\0\2") +
           node(b"memory@40000000") + prop(b"reg", struct.pack(">QQ", 0x40000000, 0x8000000)) +
           prop(b"device_type", b"memory\0") + end +
           node(b"pl011@9000000") + prop(b"compatible", b"arm,pl011\0arm,primecell\0") + end +
           node(b"chosen") + prop(b"bootargs", b"console=ttyAMA0\0") +
           node(b"module@48000000") + prop(b"compatible", b"multiboot,module\0") +
           prop(b"reg", struct.pack(">QQ", 0x48000000, 0x1000)) + end + end + end)
    return struct.pack("<BHB", 0, 4096, 1) + struct.pack(">QQ", 0x48000000, 0x1000) + ops


def chosen_modules_dtb(dtb, tmp):
    """A QEMU virt tree with multiboot modules under /chosen, as the arm64
    boot tests make it (dtc)."""
    src, out = os.path.join(tmp, "in.dtb"), os.path.join(tmp, "modules.dtb")
    with open(src, "wb") as f:
        f.write(dtb)
    dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", src], check=True,
                         stdout=subprocess.PIPE).stdout.decode()
    nodes = ("\t\t#address-cells = <2>;\n\t\t#size-cells = <2>;\n"
             "\t\tmodule@a { compatible = \"multiboot,kernel\", \"multiboot,module\"; "
             "reg = <0x0 0x44000000 0x0 0x1000>; bootargs = \"first module words\"; };\n"
             "\t\tmodule@b { compatible = \"multiboot,module\"; reg = <0x0 0x45000000 0x0 0x10>; };\n")
    dts = re.sub(r"(\tchosen \{\n(?:\t\t[^\n]*\n)*?)(\t\};)", lambda m: m.group(1) + nodes + m.group(2),
                 dts, count=1)
    dts = dts.replace("/dts-v1/;", "/dts-v1/;\n/memreserve/ 0x48000000 0x1000;", 1)
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", out], input=dts.encode(),
                   check=True)
    with open(out, "rb") as f:
        return f.read()


# ---- all targets ----------------------------------------------------------------------

def read(path):
    with open(path, "rb") as f:
        return f.read()


def build_seeds(args, tmp):
    seeds = {}

    def add(target, name, data):
        if len(data) > SEED_MAX:
            raise RuntimeError("seed %s/%s: %d bytes, more than %d" % (target, name, len(data), SEED_MAX))
        seeds.setdefault(target, {})[name] = data

    x86 = os.path.join(args.build, "x86_64")
    hello = elf_extent(os.path.join(x86, "hello.elf"))
    fw_self = elf_extent(os.path.join(x86, "pvhboot.elf"))
    caps = {m: capture_qemu(args, m, tmp) for m in ("pc", "q35", "microvm")}
    xen = capture_xen(args, tmp)

    # start_info, memmap, acpi: what the loaders hand over.
    for m, cap in caps.items():
        add("start_info", "qemu-%s" % m, start_info_seed(cap, hello))
        add("memmap", "qemu-%s" % m, memmap_seed(captured_map(cap), hello))
    # pvhboot.xen_memmap=xen: the map read again from the platform (here the same map).
    add("start_info", "qemu-pc-memmap-again",
        start_info_seed(caps["pc"], hello, captured_map(caps["pc"]), 1))
    if xen:
        add("start_info", "xen-dom0-v0", start_info_seed(xen, hello, XEN_DOM0_MAP))
    add("memmap", "xen-dom0", memmap_seed(XEN_DOM0_MAP, hello))
    for m in ("pc", "microvm"):  # q35's DSDT alone is 8 KiB
        add("acpi", "qemu-%s" % m, acpi_seed(caps[m]))
        add("madt", "qemu-%s" % m, acpi_seed(caps[m]))  # the same tables: madt reads them too

    # fdt, fdt_write: the device trees.
    data = os.path.join(ROOT, "tests", "unit", "data")
    dtbs = {f[:-4]: read(os.path.join(data, f)) for f in sorted(os.listdir(data)) if f.endswith(".dtb")}
    plain_dtbs = set(dtbs)
    dtbs["qemu-virt-chosen-modules"] = chosen_modules_dtb(dtbs["qemu-virt-1_-smp1"], tmp)
    for name, dtb in dtbs.items():
        ram = fdt_memory_base(dtb)
        add("fdt", name, fdt_seed(dtb, ram + 0x200000, ram + 0x8000000))
        if name in plain_dtbs:  # fdt_cpus: MPIDR_EL1 of CPU 0 (bit 31 is RES1), the tree
            add("fdt_cpus", name, struct.pack("<Q", 0x80000000) + dtb)
        add("fdt_write", "rewrite-" + name,
            struct.pack("<BHBQQB", 1, 0x4000, 3, ram + 0x9000000, ram + 0x9100000, 18) +
            b"console=hvc0 quiet" + dtb)
    add("fdt_write", "writer-qemu-like", writer_ops_seed())

    # bzimage, elf, multiboot: kernel headers at their real offsets.
    bz = read(os.path.join(ROOT, "cache", "linux", "bzImage"))
    add("bzimage", "debian-6.1-bzImage", sparse(len(bz), [(0, bz[:4096])]))
    vmlinux = vmlinux_from_bzimage(bz)
    xen_elf = read(os.path.join(ROOT, "cache", "xen", "xen.elf"))
    elves = {"debian-6.1-vmlinux": vmlinux, "xen-4.17": xen_elf,
             "pvhboot": read(os.path.join(x86, "pvhboot.elf")),
             "bootdump-pvh": read(os.path.join(x86, "tests", "bootdump-pvh.elf")),
             "bootdump-mb2": read(os.path.join(x86, "tests", "bootdump-mb2.elf")),
             "reloc-note19": read(os.path.join(x86, "tests", "reloc.elf"))}
    for name, e in elves.items():
        add("elf", name, sparse(len(e), elf_pieces(e)))
    mb1_bin = read(os.path.join(x86, "tests", "bootdump-mb1.bin"))
    add("multiboot", "xen-4.17", sparse(len(xen_elf), elf_pieces(xen_elf) + multiboot_pieces(xen_elf)))
    add("multiboot", "bootdump-mb1-aout", sparse(len(mb1_bin), [(0, mb1_bin)]))
    add("multiboot", "bootdump-mb2", sparse(len(elves["bootdump-mb2"]),
                                            elf_pieces(elves["bootdump-mb2"]) +
                                            multiboot_pieces(elves["bootdump-mb2"])))

    # options: real cmdlines, the options pvhboot reads.
    for i, (cmdline, name, expected) in enumerate([
            (QEMU_CMDLINE.encode(), b"verbose", b""),
            (b"console=ttyS0 pvhboot.payload=1 pvhboot.format=linux quiet", b"payload", b"1"),
            (b"dom0=pvh pvhboot.xen_memmap=xen  pvhboot.timing loglvl=all", b"xen_memmap", b"xen"),
            (b"  pvhboot.format=multiboot2\tconsole=hvc0 pvhboot.format=auto ", b"format", b"auto"),
            (XEN_DOM0_ARGS.split(",")[0].split(" ", 1)[1].encode(), b"hypercall", b"page")]):
        add("options", "cmdline-%d" % i, options_seed(cmdline, name, expected))

    # firmware: a pc machine's map and each kind of payload as module 0.
    pc_map = captured_map(caps["pc"])
    payloads = {
        "bzimage": (len(bz), [(0, bz[:4096])], b"console=ttyS0 pvhboot.verbose"),
        "vmlinux-pvh": (len(vmlinux), elf_pieces(vmlinux), b"console=ttyS0 pvhboot.format=pvh"),
        "xen-multiboot2": (len(xen_elf), elf_pieces(xen_elf) + multiboot_pieces(xen_elf),
                           b"pvhboot.format=multiboot2 console=com1"),
        "bootdump-mb1": (len(mb1_bin), [(0, mb1_bin)], b"pvhboot.verbose mb1 words"),
        "bootdump-pvh": (len(elves["bootdump-pvh"]), elf_pieces(elves["bootdump-pvh"]),
                         b"pvhboot.payload=0"),
        # PHYS32_RELOC, linked at 1 MiB over pvhboot (fw_self): moved in its window.
        "reloc-note19": (len(elves["reloc-note19"]), elf_pieces(elves["reloc-note19"]),
                         b"pvhboot.verbose"),
    }
    for name, (size, pieces, cmdline) in payloads.items():
        initrd = ((size + 0x1fffff) & ~0xfffff, 0x25, b"initrd words")  # 1 MiB past the payload
        add("firmware", name, firmware_seed(fw_self, pc_map, [(0, size, b""), initrd], cmdline, pieces))
    size, pieces, _ = payloads["bootdump-mb1"]
    # Its header asks for page-aligned modules: this initrd must move.
    add("firmware", "bootdump-mb1-unaligned-initrd",
        firmware_seed(fw_self, pc_map, [(0, size, b""), (0x200010, 0x25, b"initrd words")],
                      b"pvhboot.verbose", pieces))
    add("firmware", "bootdump-mb1-second-module",
        firmware_seed(fw_self, pc_map, [(0x1000000, 0x25, b"initrd words"), (0x2000000, size, b"")],
                      b"pvhboot.payload=1 x",
                      [(0x2000000 + o, d) for o, d in pieces]))

    for name, data in pack_seeds().items():
        add("pack", name, data)

    # xen_console_ring: pvhboot's lines through a backend that reads in bursts.
    lines = b"".join(b"pvhboot: memmap %d 0x%x-0x%x ram\n" % (i, i << 20, (i + 1 << 20) - 1)
                     for i in range(40))
    for name, prod, script in (("drain", 0, b""), ("bursts", 0, bytes([16, 200 % 0xbf, 0, 5] * 8)),
                               ("wrapping-index", 0xfffff800, bytes([0x40] * 64))):
        out = struct.pack("<IIH", prod, prod, len(script)) + script
        for at in range(0, len(lines), 700):
            chunk = lines[at:at + 700]
            out += struct.pack("<H", len(chunk)) + chunk
        add("xen_console_ring", name, out)
    return seeds


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--capture", required=True, help="the capture kernel (make fuzz-seeds builds it)")
    ap.add_argument("--build", default="build", help="the build folder (for x86_64/ artefacts)")
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="pvhboot-seeds-")
    try:
        seeds = build_seeds(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for target, files in sorted(seeds.items()):
        folder = os.path.join(CORPUS, target)
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        for name, data in sorted(files.items()):
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
        print("seeds: %-17s %2d files, %6d bytes" % (target, len(files), sum(map(len, files.values()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
