"""Booting an image through the tests' hostile PVH loader
(tests/hostile/) and reading what the loader says it handed over.

The loader prints, before it enters the image (tests/hostile/layout.c):
  hostile: case <name>
  hostile: image 0x<first>-0x<last> entry 0x<x>
  hostile: start info 0x<pa> version <n> flags 0x<x> rsdp 0x<x>
  hostile: memmap <i> 0x<base> 0x<size> <type>
  hostile: module <i> base 0x<x> size 0x<x> crc32 0x<x>|none head <hex>|-|none cmdline "<...>"|none|unterminated
    (head: the module's first bytes, at most 16; none: not read)
  hostile: cmdline none | unterminated | len <n> crc32 0x<x>
  hostile: bios rsdp 0x<x>   (the RSDP the loader's own BIOS-area scan finds; 0: none)
  hostile: enter 0x<entry> ebx 0x<pa>
Each is read back from guest memory after the loader wrote it: what a
correct image must report.
"""

import os
import re

from common import TestFailure, check
from hello_report import decode_escaped
from qemu import run_qemu

MACHINE = ["-M", "pc"]
MEMORY = "512M"
RAM_END = 0x1ffe0000           # QEMU -M pc -m 512M: RAM from 1 MiB ends here (SeaBIOS keeps the rest)
EXIT_UNKNOWN_CASE = (0x7d << 1) | 1
EXIT_BROKEN_SETUP = (0x7e << 1) | 1
PAGE = 4096

LINE = {
    "image": re.compile(rb"^hostile: image 0x([0-9a-f]+)-0x([0-9a-f]+) entry 0x([0-9a-f]+)$"),
    "start": re.compile(rb"^hostile: start info 0x([0-9a-f]+) version (\d+) flags 0x([0-9a-f]+) "
                        rb"rsdp 0x([0-9a-f]+)$"),
    "memmap": re.compile(rb"^hostile: memmap (\d+) 0x([0-9a-f]+) 0x([0-9a-f]+) (\d+)$"),
    "module": re.compile(rb'^hostile: module (\d+) base 0x([0-9a-f]+) size 0x([0-9a-f]+) '
                         rb'crc32 (0x[0-9a-f]+|none) head ([0-9a-f]+|-|none) '
                         rb'cmdline ("(.*)"|none|unterminated)$'),
    "bios_rsdp": re.compile(rb"^hostile: bios rsdp 0x([0-9a-f]+)$"),
    "cmdline": re.compile(rb"^hostile: cmdline (none|unterminated|len (\d+) crc32 0x([0-9a-f]+))$"),
}


def loader_image(ctx):
    return os.path.join(ctx.build, "tests", "hostile-loader.elf")


def boot_case(ctx, case, image=None, extra=(), timeout=20, memory=MEMORY, **kw):
    """One boot: QEMU -> hostile loader -> image (default hello.elf)."""
    image = image or os.path.join(ctx.build, "hello.elf")
    args = MACHINE + ["-m", memory, "-kernel", loader_image(ctx), "-initrd", image,
                      "-append", "case=" + case] + list(extra)
    return run_qemu(args, timeout, qemu=ctx.qemu, **kw)


class Account:
    """What the loader says it handed over."""

    def __init__(self, result, case):
        self.lines = lines = result.lines(prefix=b"hostile: ")
        errors = [l for l in lines if l.startswith(b"hostile: error: ")]
        check(not errors, "the loader failed: %r" % errors)
        check(b"hostile: case " + case.encode() in lines,
              "the loader did not run case %s: %s" % (case, result.describe()))
        check(any(l.startswith(b"hostile: enter ") for l in lines),
              "the loader did not enter the image: " + result.describe())
        m = self._one("image")
        self.image = (int(m.group(1), 16), int(m.group(2), 16) + 1)
        self.self_range = (self.image[0], -(-self.image[1] // PAGE) * PAGE)
        m = self._one("start")
        self.start_info = int(m.group(1), 16)
        self.version = int(m.group(2))
        self.flags = int(m.group(3), 16)
        self.rsdp = int(m.group(4), 16)
        self.memmap = [(int(m.group(2), 16), int(m.group(3), 16), int(m.group(4)))
                       for m in self._all("memmap")]
        self.modules = []
        for m in self._all("module"):
            cmd, head = m.group(6), m.group(5)
            self.modules.append(dict(
                base=int(m.group(2), 16), size=int(m.group(3), 16),
                crc32=None if m.group(4) == b"none" else int(m.group(4), 16),
                head=None if head == b"none" else (b"" if head == b"-" else bytes.fromhex(
                    head.decode())),
                cmdline=b"" if cmd == b"none" else (None if cmd == b"unterminated"
                                                    else decode_escaped(m.group(7)))))
        m = self._one("cmdline")
        self.cmdline = m.group(1) if m.group(2) is None else (int(m.group(2)), int(m.group(3), 16))
        found = self._all("bios_rsdp")
        self.bios_rsdp = int(found[0].group(1), 16) if len(found) == 1 else None

    def rsdp_expected(self):
        """The RSDP a correct image reports: the loader's, else the one a
        scan of the EBDA and BIOS area finds (0: none)."""
        if self.rsdp:
            return self.rsdp
        check(self.bios_rsdp is not None, "the loader printed no 'bios rsdp' line")
        return self.bios_rsdp

    def _all(self, kind):
        return [m for m in (LINE[kind].match(l) for l in self.lines) if m]

    def _one(self, kind):
        found = self._all(kind)
        if len(found) != 1:
            raise TestFailure("expected one loader %s line, got %d" % (kind, len(found)))
        return found[0]

    def self_text(self):
        """pvhboot's own range as its messages print it."""
        return "0x%x-0x%x" % (self.self_range[0], self.self_range[1] - 1)
