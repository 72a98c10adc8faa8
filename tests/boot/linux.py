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
  iomem <first>-<last> : Kernel code   where Linux's code runs (/proc/iomem)
  done
and exits QEMU with status INIT_EXIT_STATUS.
"""

import importlib.util
import os
import re
import struct
import subprocess
import sys

from common import Skip, TestFailure, check, file_made_once, file_once

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_initramfs_tool():
    """tools/make-initramfs.py, the archive writer make run-linux uses."""
    path = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools", "make-initramfs.py")
    spec = importlib.util.spec_from_file_location("make_initramfs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_initramfs = _load_initramfs_tool()
# A newc cpio archive of (name, mode, data[, rdev major, rdev minor]) entries.
cpio_newc = make_initramfs.cpio_newc

INIT_EXIT_VALUE = 0x10
INIT_EXIT_STATUS = (INIT_EXIT_VALUE << 1) | 1

# What /init writes to the console sits in the UART driver's buffer until
# an interrupt, maybe on another CPU, sends it; ending QEMU straight after
# the last echo can lose the last line: this drains it first
# (tools/make-initramfs.py says how).
DRAIN_CONSOLE = make_initramfs.DRAIN_CONSOLE

INIT_SCRIPT = r"""#!/bin/busybox sh
busybox mount -t proc proc /proc
busybox mount -t devtmpfs dev /dev
# From here the kernel prints only emergencies on the console, so none of
# its late lines can land inside ours; /init reads the rest from dmesg.
busybox dmesg -n 1
echo "pvhtest: init"
echo "pvhtest: cmdline [$(busybox cat /proc/cmdline)]"
busybox dmesg | busybox grep -E 'BIOS-e820|extended: |ACPI: RSDP|Xen|PVH|RAMDISK: ' | busybox sed -e 's/^\[[^]]*\] //' -e 's/^/pvhtest: dmesg /'
echo "pvhtest: cpus $(busybox grep -c ^processor /proc/cpuinfo)"
busybox grep 'Kernel code' /proc/iomem | busybox sed -e 's/^ *//' -e 's/^/pvhtest: iomem /'
echo "pvhtest: done"
DRAIN_CONSOLE
busybox printf '\OCTAL' | busybox dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
busybox poweroff -f
""".replace("OCTAL", "%03o" % INIT_EXIT_VALUE).replace("DRAIN_CONSOLE", DRAIN_CONSOLE)


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
        return cpio_newc(make_initramfs.busybox_tree(bb, INIT_SCRIPT.encode()))
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
    RAMDISK = re.compile(rb"RAMDISK: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\]$")
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
        # Linux's own account of the initrd it was given (x86's setup.c):
        # (first byte, last byte of the page-rounded end), or None.
        ramdisk = [m for m in (self.RAMDISK.match(l) for l in self.dmesg) if m]
        self.ramdisk = (int(ramdisk[0].group(1), 16), int(ramdisk[0].group(2), 16)) \
            if len(ramdisk) == 1 else None
        code = [re.match(rb"pvhtest: iomem ([0-9a-f]+)-([0-9a-f]+) : Kernel code$", l)
                for l in mine]
        code = [m for m in code if m]
        # (first, last): where Linux says its code runs; None without the line.
        self.kernel_code = (int(code[0].group(1), 16), int(code[0].group(2), 16)) \
            if len(code) == 1 else None
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
