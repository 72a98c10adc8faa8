"""A real Linux as the thing pvhboot boots: Debian's kernel (fetched by
tools/fetch.sh into the cache), and a busybox initramfs whose /init
reports what Linux itself received, then ends QEMU through
isa-debug-exit with its own value, so a test knows /init ran to the end.

/init prints, each line starting "pvhtest: ":
  init                      /init started
  cmdline [<the bytes of /proc/cmdline>]
  dmesg <line>              each BIOS-e820 (and "extended:", the table after
                            SETUP_E820_EXT), ACPI RSDP and Xen line of dmesg
  cpus <n>                  the CPUs Linux brought up (/proc/cpuinfo)
  done
and exits QEMU with status INIT_EXIT_STATUS.
"""

import os
import re
import struct
import subprocess
import sys

from common import Skip, TestFailure, check, file_made_once, file_once

HERE = os.path.dirname(os.path.abspath(__file__))
INIT_EXIT_VALUE = 0x10
INIT_EXIT_STATUS = (INIT_EXIT_VALUE << 1) | 1

# What /init writes to the console sits in the UART driver's buffer until
# an interrupt, maybe on another CPU, sends it; ending QEMU straight after
# the last echo can lose the last line. Writing the tty's own settings back
# drains it first: busybox stty sets them with TCSADRAIN, which returns
# only once every byte has left the UART.
DRAIN_CONSOLE = "busybox stty -F /dev/console $(busybox stty -F /dev/console -g)"

INIT_SCRIPT = r"""#!/bin/busybox sh
busybox mount -t proc proc /proc
busybox mount -t devtmpfs dev /dev
# From here the kernel prints only emergencies on the console, so none of
# its late lines can land inside ours; /init reads the rest from dmesg.
busybox dmesg -n 1
echo "pvhtest: init"
echo "pvhtest: cmdline [$(busybox cat /proc/cmdline)]"
busybox dmesg | busybox grep -E 'BIOS-e820|extended: |ACPI: RSDP|Xen|PVH' | busybox sed -e 's/^\[[^]]*\] //' -e 's/^/pvhtest: dmesg /'
echo "pvhtest: cpus $(busybox grep -c ^processor /proc/cpuinfo)"
echo "pvhtest: done"
DRAIN_CONSOLE
busybox printf '\OCTAL' | busybox dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
busybox poweroff -f
""".replace("OCTAL", "%03o" % INIT_EXIT_VALUE).replace("DRAIN_CONSOLE", DRAIN_CONSOLE)


def cpio_newc(entries):
    """A newc cpio archive: entries are (name, mode, data, rdev_major, rdev_minor)."""
    out = bytearray()
    for ino, (name, mode, data, major, minor) in enumerate(entries + [("TRAILER!!!", 0, b"", 0, 0)], 1):
        name_b = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, major, minor, len(name_b), 0]
        out += b"070701" + b"".join(b"%08x" % f for f in fields) + name_b
        out += b"\0" * (-len(out) % 4)
        out += data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def cache_file(ctx, *parts):
    path = os.path.join(ctx.cache, *parts)
    if not os.path.exists(path):
        raise Skip("%s is missing: run tools/fetch.sh %s (make check does)" % (path, parts[0]))
    return path


def bzimage(ctx):
    return cache_file(ctx, "linux", "bzImage")


def initramfs(ctx):
    """The oracle initramfs, built once per run."""
    busybox = cache_file(ctx, "busybox", "busybox")
    path = os.path.join(ctx.tmp, "initramfs.cpio")

    def build():
        with open(busybox, "rb") as f:
            bb = f.read()
        S_IFDIR, S_IFREG, S_IFCHR = 0o040000, 0o100000, 0o020000
        return cpio_newc([
            ("bin", S_IFDIR | 0o755, b"", 0, 0),
            ("dev", S_IFDIR | 0o755, b"", 0, 0),
            ("dev/console", S_IFCHR | 0o600, b"", 5, 1),
            ("proc", S_IFDIR | 0o755, b"", 0, 0),
            ("bin/busybox", S_IFREG | 0o755, bb, 0, 0),
            ("init", S_IFREG | 0o755, INIT_SCRIPT.encode(), 0, 0),
        ])
    file_once(path, build)
    return path


def vmlinux(ctx):
    """The ELF inside Debian's bzImage (it carries a PVH entry note)."""
    return file_made_once(os.path.join(ctx.tmp, "vmlinux"),
                          lambda part: pack_tool(ctx, "extract-vmlinux", bzimage(ctx), "-o", part))


def pack_tool(ctx, *args):
    proc = subprocess.run([sys.executable, os.path.join(ctx.root, "tools", "pvhboot-pack")] +
                          list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if proc.returncode:
        raise TestFailure("pvhboot-pack %s failed:\n%s" % (" ".join(args),
                                                            proc.stdout.decode(errors="replace")))
    return proc.stdout.decode(errors="replace")


class InitReport:
    """What /init printed: the cmdline Linux got, its e820 map, its RSDP."""

    E820 = re.compile(rb"(BIOS-e820|extended): \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] (.+)$")
    RSDP = re.compile(rb"ACPI: RSDP 0x([0-9A-Fa-f]+)")
    TYPES = {b"usable": 1, b"reserved": 2, b"ACPI data": 3, b"ACPI NVS": 4, b"unusable": 5,
             b"persistent (type 7)": 7}

    def __init__(self, serial):
        self.lines = [l.rstrip(b"\r") for l in serial.split(b"\n")]
        mine = [l[l.index(b"pvhtest: "):] for l in self.lines if b"pvhtest: " in l]
        tail = b"\n".join(self.lines[-8:]).decode("ascii", "backslashreplace")
        check(b"pvhtest: init" in mine, "/init never ran; the console ends:\n" + tail)
        check(b"pvhtest: done" in mine, "/init did not finish; the console ends:\n" + tail)
        cmd = [l for l in mine if l.startswith(b"pvhtest: cmdline [")]
        check(len(cmd) == 1 and cmd[0].endswith(b"]"), "no cmdline line from /init")
        self.cmdline = cmd[0][len(b"pvhtest: cmdline ["):-1]
        self.e820 = []
        extended = []
        self.rsdp = None
        for l in mine:
            m = self.E820.search(l)
            if m:
                kind = m.group(4).strip()
                entry = (int(m.group(2), 16), int(m.group(3), 16), self.TYPES.get(kind, kind))
                (extended if m.group(1) == b"extended" else self.e820).append(entry)
            m = self.RSDP.search(l)
            if m:
                self.rsdp = int(m.group(1), 16)
        # Linux prints the zero page's entries first, then, when setup data
        # extended them, the whole table again under "extended".
        self.zero_page_e820 = self.e820
        if extended:
            self.e820 = extended
        self.dmesg = [l[len(b"pvhtest: dmesg "):] for l in mine if l.startswith(b"pvhtest: dmesg ")]
        cpus = [l for l in mine if l.startswith(b"pvhtest: cpus ")]
        self.cpus = int(cpus[0].split()[2]) if len(cpus) == 1 and cpus[0].split()[2].isdigit() \
            else None

    def ram(self):
        return sum(last - first + 1 for first, last, t in self.e820 if t == 1)


def firmware_map(lines):
    """The map pvhboot.elf passes on, from its verbose 'fw: map' lines."""
    out = []
    for l in lines:
        m = re.match(rb"pvhboot: fw: map \d+ 0x([0-9a-f]+)-0x([0-9a-f]+) type (\d+)$", l)
        if m:
            out.append((int(m.group(1), 16), int(m.group(2), 16), int(m.group(3))))
    return out
