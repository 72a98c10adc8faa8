"""x86 late storage (PVH_LATE, common/lib/compiler.h; docs/disk.md "Room
in the x86 image"): the firmware's big state lies past __image_end, so
the image proper keeps within the 1 MiB its 2 MiB early map allows at
any 1 MiB-aligned address, with room to grow, while the data segment's
memory size still covers the late storage (a loader reserves it; Xen
puts its start info after it).

Read from the ELF files themselves: the symbols (nm) and the program
headers (readelf). Each boot test that prints the memory map then checks
that pvhboot's memory ends at the segment's end (hello_report.py).
"""

import os
import struct
import subprocess

from common import check

ARCH = "x86_64"
PT_LOAD = 1
# The planner's state: 372 KiB (firmware/firmware.c's fw_store).
LATE_OBJECTS = ("fw_store",)


def symbols(path):
    out = subprocess.run(["nm", path], check=True, stdout=subprocess.PIPE).stdout.decode()
    syms = {}
    for line in out.splitlines():
        p = line.split()
        if len(p) == 3:
            syms[p[2].split(".")[0]] = int(p[0], 16)
    return syms


def load_end(path):
    """One past the last byte of the highest PT_LOAD's memory."""
    with open(path, "rb") as f:
        data = f.read()
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    end = 0
    for i in range(phnum):
        off = phoff + i * phentsize
        p_type, = struct.unpack_from("<I", data, off)
        if p_type == PT_LOAD:
            paddr, = struct.unpack_from("<Q", data, off + 0x18)
            memsz, = struct.unpack_from("<Q", data, off + 0x28)
            end = max(end, paddr + memsz)
    return end


def late_case(ctx, name):
    def test():
        path = os.path.join(ctx.build, name)
        s = symbols(path)
        check("__late_end" in s, "%s: no __late_end: no late storage" % name)
        start, image_end, late_end = s["__image_start"], s["__image_end"], s["__late_end"]
        for obj in LATE_OBJECTS:
            check(obj in s and image_end <= s[obj] < late_end,
                  "%s: %s at 0x%x, not in late storage 0x%x-0x%x" %
                  (name, obj, s.get(obj, 0), image_end, late_end))
        check(image_end - start <= 0x100000,
              "%s: image 0x%x-0x%x spans more than 1 MiB" % (name, start, image_end))
        check(load_end(path) == late_end, "%s: the segments end at 0x%x, late storage at 0x%x" %
              (name, load_end(path), late_end))
        return "image 0x%x-0x%x, late to 0x%x" % (start, image_end - 1, late_end - 1)
    return test


def collect(ctx):
    return [("%s-planner-state-in-late-storage" % n.replace(".elf", ""), late_case(ctx, n))
            for n in ("pvhboot.elf", "pvhboot-disk.elf")]
