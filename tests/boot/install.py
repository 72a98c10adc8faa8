"""Building against an installed pvhboot: running the build's commands,
and reading what examples/memsize, built that way, reports."""

import subprocess
import zlib

from common import TestFailure, check


def run(cmd, **kw):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)
    if proc.returncode:
        raise TestFailure("%s failed (%d):\n%s" % (" ".join(cmd), proc.returncode,
                                                   proc.stdout.decode(errors="replace")[-3000:]))
    return proc.stdout.decode(errors="replace")


def check_memsize_report(result, module_data, mem):
    """memsize's one line against the boot: one module, its CRC-32, the RAM
    QEMU gave (less at most 1 MiB its firmware keeps), some of it pvhboot's."""
    lines = [l for l in result.lines() if l.startswith(b"pvhboot: memsize ")]
    check(len(lines) == 1, "no memsize line: " + result.describe())
    fields = lines[0].split()
    got = dict(zip(fields[2::2], fields[3::2]))
    check(got[b"modules"] == b"1", "modules %r" % got[b"modules"])
    check(int(got[b"crc32"], 16) == zlib.crc32(module_data), "module crc32 mismatch")
    ram = int(got[b"ram"])
    check(mem - (1 << 20) <= ram <= mem, "ram %d for -m %d" % (ram, mem))
    check(int(got[b"pvhboot"]) > 0, "no memory marked as pvhboot's")
    # The free RAM (pvh_free_ram), used as an allocator would: every byte
    # not pvhboot's or a module's page, page 0 aside, and the module intact
    # after both ends of each run were written.
    pages = -(-len(module_data) // 4096) * 4096
    check(int(got[b"module-pages"]) == pages,
          "module pages %s, the module takes %d bytes of pages" % (got[b"module-pages"], pages))
    free = int(got[b"free"])
    check(ram - int(got[b"pvhboot"]) - pages - 4096 <= free <= ram - int(got[b"pvhboot"]) - pages,
          "free RAM %d: RAM %d less pvhboot's %s and the module's %d (and page 0)" %
          (free, ram, got[b"pvhboot"].decode(), pages))
    check(int(got[b"runs"]) >= 1 and got[b"unwritable"] == b"0",
          "free runs %s, unwritable bytes %s" % (got[b"runs"].decode(), got[b"unwritable"].decode()))
    check(int(got[b"crc32-after"], 16) == zlib.crc32(module_data),
          "the module changed when the free RAM was written")
