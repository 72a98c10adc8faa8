"""The list of absolute addresses each arm64 image carries
(tools/x86-relocs.py; head.S adds the load address to each at entry;
docs/arm64.md).

- For each image, the list, decoded here from the image's bytes, against
  the linker's own answer: the same objects linked as a static PIE (the
  way the image was linked before the list, and the way a unikernel
  still is) give R_AARCH64_RELATIVE relocations. Every one in the text
  segment (code and read-only data, laid out alike by both links) must be
  a listed field and every listed field there one of them; those past it
  (GOT slots of weak symbols, in both links) must be as many, and the
  listed ones must be slots of our .got. Each listed field holds an
  address inside the image (its link address, 0 based).
- The tool refuses what head.S cannot apply: an 8-byte field off its
  alignment (head.S writes with the MMU off, where an unaligned access
  faults), and an absolute address built by movz/movk.
The boots of every other arm64 test run the list: the Image is never
loaded at its link address 0.
"""

ARCH = "arm64"

import os
import re
import struct
import subprocess
import sys

from common import check

PIE_LDFLAGS = ["-nostdlib", "-static", "-pie", "--no-dynamic-linker", "-z", "max-page-size=4096",
               "-z", "noexecstack", "--gc-sections", "--build-id=none", "-z", "norelro"]
IMAGES = ("minimal.elf", "hello.elf", "pvhboot.elf", "pvhboot-disk.elf")
RUN, LONG = 0xe0, 0xff


def readelf(args):
    return subprocess.run(["aarch64-linux-gnu-readelf", "-W"] + args, check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode()


def sections(elf):
    """{name: (address, size, file offset)}"""
    out = {}
    for line in readelf(["-S", elf]).splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
        if m:
            out[m.group(1)] = (int(m.group(2), 16), int(m.group(4), 16), int(m.group(3), 16))
    return out


def symbol(elf, name):
    for line in readelf(["-s", elf]).splitlines():
        f = line.split()
        if len(f) == 8 and f[7] == name:
            return int(f[1], 16)
    raise AssertionError("no symbol %s in %s" % (name, elf))


def decode(data):
    """The fields of a list and its length in bytes: a step a byte from
    the image's first byte (0 ends, RUN + n - 1 is n more words, LONG a
    4-byte step)."""
    at, out, i = 0, [], 0
    while data[i]:
        b, i = data[i], i + 1
        if b < RUN:
            at += b
            out.append(at)
        elif b == LONG:
            at += struct.unpack_from("<I", data, i)[0]
            i += 4
            out.append(at)
        else:
            for _ in range(b - RUN + 1):
                at += 8
                out.append(at)
    return out, i + 1


def read_at(elf, secs, addr):
    with open(elf, "rb") as f:
        data = f.read()
    for name, (a, size, off) in secs.items():
        if a <= addr < a + size and name != ".bss" and off:
            return data[off + addr - a:]
    raise AssertionError("0x%x in no section of %s" % (addr, elf))


def list_matches_pie(ctx, image):
    def test():
        elf = os.path.join(ctx.build_arm64, image)
        secs = sections(elf)
        start, text_end = symbol(elf, "arm64_relocs"), symbol(elf, "__text_end")
        fields, size = decode(read_at(elf, secs, start))
        image_end = symbol(elf, "__image_end")
        for at in fields:
            value = struct.unpack("<Q", read_at(elf, secs, at)[:8])[0]
            check(0 < value < image_end, "field 0x%x holds 0x%x, outside the image [0, 0x%x)" %
                  (at, value, image_end))
        # The same objects, in the same order, linked as a static PIE.
        with open(elf[:-4] + ".map", errors="replace") as f:
            objs = [l.split()[1] for l in f if l.startswith("LOAD ") and
                    not l.startswith("LOAD linker") and not l.strip().endswith(".relocs.o")]
        pie = os.path.join(ctx.tmp, "relocs-pie-" + image)
        subprocess.run(["aarch64-linux-gnu-ld"] + PIE_LDFLAGS + ["-T", "linker/arm64.ld", "-o", pie]
                       + objs, check=True, cwd=ctx.root)
        pie_secs = sections(pie)
        for name in (".text", ".rodata"):
            check(pie_secs[name][:2] == secs[name][:2], "%s laid out differently in the PIE: %r, %r"
                  % (name, pie_secs[name][:2], secs[name][:2]))
        relative = sorted(int(l.split()[0], 16) for l in readelf(["-r", pie]).splitlines()
                          if "R_AARCH64_RELATIVE" in l)
        low = [a for a in fields if a < text_end]
        check(low == [a for a in relative if a < text_end],
              "the list's fields below 0x%x differ from the PIE's relocations: only listed %s, "
              "only the PIE's %s" % (text_end, sorted(set(low) - set(relative))[:8],
                                     sorted(set(relative) - set(low))[:8]))
        got_a, got_size, _ = secs.get(".got", (0, 0, 0))
        high = [a for a in fields if a >= text_end]
        check(all(got_a <= a < got_a + got_size for a in high),
              "fields past the text outside .got: %r" % [hex(a) for a in high])
        check(len(high) == len([a for a in relative if a >= text_end]),
              "%d GOT slots listed, the PIE relocates %d past its text" %
              (len(high), len([a for a in relative if a >= text_end])))
        return "%d fields (%d GOT slots) in %d bytes" % (len(fields), len(high), size)
    return test


def tool_refuses(ctx, name, source, message):
    def test():
        base = os.path.join(ctx.tmp, "relocs-refuse-" + name)
        with open(base + ".s", "w") as f:
            f.write(source)
        subprocess.run(["aarch64-linux-gnu-gcc", "-c", "-o", base + ".o", base + ".s"], check=True)
        subprocess.run(["aarch64-linux-gnu-ld", "-q", "-static", "-nostdlib", "-Ttext=0",
                        "-e", "_head", "-o", base + ".elf", base + ".o"], check=True)
        proc = subprocess.run([sys.executable, os.path.join(ctx.root, "tools", "x86-relocs.py"),
                               "gen", base + ".elf", base + ".relocs.s"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = proc.stdout.decode()
        check(proc.returncode != 0 and message in out,
              "exit %d, %r: not refused with %r" % (proc.returncode, out, message))
        check(not os.path.exists(base + ".relocs.s"), "a list was written all the same")
        return out.strip()
    return test


UNALIGNED = """
    .text
    .globl _head
_head: b .
    .data
    .byte 1
    .quad _head
"""
MOVW = """
    .text
    .globl _head
_head: movz x0, #:abs_g0_nc:_head
    movk x0, #:abs_g1:_head
"""


def collect(ctx):
    tests = [("list-matches-pie-relocations-" + i[:-4], list_matches_pie(ctx, i)) for i in IMAGES]
    tests.append(("tool-refuses-unaligned-field",
                  tool_refuses(ctx, "unaligned", UNALIGNED, "not 8-byte aligned")))
    tests.append(("tool-refuses-movw-absolute-address",
                  tool_refuses(ctx, "movw", MOVW, "a relocation the entry cannot apply")))
    return tests
