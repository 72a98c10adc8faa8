"""pvhboot.efi under OVMF: the firmware files, a volume for it, the boot,
and what pvhboot.efi printed.

The volume is a host directory QEMU presents as a FAT disk (vvfat,
-drive file=fat:rw:DIR), so no image has to be built and no root is
needed. OVMF's boot manager starts \\EFI\\BOOT\\BOOTX64.EFI when there is
one; when there is none, or it returns, OVMF starts its UEFI shell,
which runs \\startup.nsh after a 5-second countdown.

pvhboot.efi prints, before ExitBootServices (with --verbose):
  pvhboot: efi: map <i> 0x<first>-0x<last> <EFI type name> attr 0x<attributes>
  pvhboot: efi: e820 <i> 0x<first>-0x<last> <ram|reserved|acpi|nvs|unusable|pmem|type N>
  pvhboot: efi: rsdp 0x<hex> (ACPI 2.0 table)
"""

import os
import re
import shutil
import struct
import tempfile

from common import Skip, check
from qemu import run_qemu

# Debian's ovmf package: the 4 MiB build first, then the 2 MiB one.
OVMF_PAIRS = [("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"),
              ("/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd")]

EFI_RUNTIME = 1 << 63
RAM_TYPES = {"EfiConventionalMemory", "EfiLoaderCode", "EfiLoaderData",
             "EfiBootServicesCode", "EfiBootServicesData"}
OTHER_TYPES = {"EfiACPIReclaimMemory": 3, "EfiACPIMemoryNVS": 4, "EfiUnusableMemory": 5,
               "EfiPersistentMemory": 7}
E820_NAMES = {b"ram": 1, b"reserved": 2, b"acpi": 3, b"nvs": 4, b"unusable": 5, b"pmem": 7}

MAP_RE = re.compile(rb"^pvhboot: efi: map (\d+) 0x([0-9a-f]+)-0x([0-9a-f]+) (\w+) "
                    rb"attr 0x([0-9a-f]+)$")
E820_RE = re.compile(rb"^pvhboot: efi: e820 (\d+) 0x([0-9a-f]+)-0x([0-9a-f]+) "
                     rb"(ram|reserved|acpi|nvs|unusable|pmem|type \d+)$")


def firmware():
    for code, vars_ in OVMF_PAIRS:
        if os.path.exists(code) and os.path.exists(vars_):
            return code, vars_
    raise Skip("OVMF is missing (%s): run tools/deps.sh efi (make check does)" % OVMF_PAIRS[0][0])


def efi_app(ctx):
    path = os.path.join(ctx.build, "pvhboot.efi")
    check(os.path.exists(path), "%s is missing: make builds it" % path)
    return path


class Volume:
    """A directory that becomes the FAT volume: files copied or linked in."""

    def __init__(self, ctx, name):
        self.dir = tempfile.mkdtemp(prefix="efi-%s-" % name, dir=ctx.tmp)

    def _path(self, name):
        path = os.path.join(self.dir, *name.strip("/").split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return path

    def write(self, name, data):
        with open(self._path(name), "wb") as f:
            f.write(data)

    def link(self, name, source):
        """A large file: vvfat follows the symbolic link."""
        os.symlink(os.path.abspath(source), self._path(name))

    def copy(self, name, source):
        shutil.copyfile(source, self._path(name))


def shell_script(lines):
    """startup.nsh: no echo of the commands, CR LF line ends."""
    return ("\r\n".join(["@echo -off", "fs0:"] + lines + ["reset -s"]) + "\r\n").encode()


def boot(ctx, volume, mem, timeout, extra=()):
    """OVMF (a fresh copy of its variable store) on q35 with the volume as its disk."""
    code, vars_ = firmware()
    workdir = tempfile.mkdtemp(prefix="efi-boot-", dir=ctx.tmp)
    vars_copy = os.path.join(workdir, "vars.fd")
    shutil.copyfile(vars_, vars_copy)
    args = ["-M", "q35", "-m", mem,
            "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + code,
            "-drive", "if=pflash,format=raw,unit=1,file=" + vars_copy,
            "-drive", "file=fat:rw:%s,format=raw,media=disk" % volume.dir] + list(extra)
    return run_qemu(args, timeout, qemu=ctx.qemu, workdir=workdir)


def efi_map(lines):
    """The EFI memory map pvhboot.efi printed: (first, last, type name, attributes)."""
    out = []
    for l in lines:
        m = MAP_RE.match(l)
        if m:
            check(int(m.group(1)) == len(out), "map lines out of order at %r" % l)
            out.append((int(m.group(2), 16), int(m.group(3), 16), m.group(4).decode(),
                        int(m.group(5), 16)))
    return out


def e820_lines(lines):
    """The translated map pvhboot.efi printed: (first, last, e820 type)."""
    out = []
    for l in lines:
        m = E820_RE.match(l)
        if m:
            check(int(m.group(1)) == len(out), "e820 lines out of order at %r" % l)
            kind = m.group(4)
            out.append((int(m.group(2), 16), int(m.group(3), 16),
                        E820_NAMES[kind] if kind in E820_NAMES else int(kind.split()[1])))
    return out


def e820_type(name, attributes):
    """The translation docs/efi.md documents, written again here to check it."""
    if name in RAM_TYPES:
        return 2 if attributes & EFI_RUNTIME else 1
    return OTHER_TYPES.get(name, 2)


def merged(regions):
    """(first, last, type) regions sorted, neighbours of one type merged."""
    out = []
    for first, last, typ in sorted(regions):
        if out:
            check(first > out[-1][1], "regions overlap at 0x%x" % first)
            if out[-1][2] == typ and out[-1][1] + 1 == first:
                out[-1] = (out[-1][0], last, typ)
                continue
        out.append((first, last, typ))
    return out


def translate(efi):
    return merged([(first, last, e820_type(name, attr)) for first, last, name, attr in efi])


def rsdp(lines):
    found = [l for l in lines if l.startswith(b"pvhboot: efi: rsdp 0x")]
    check(len(found) == 1, "expected one rsdp line from pvhboot.efi, got %r" % found)
    return int(found[0].split()[3], 16)


# --- PVH ELFs made here, for the refusals ------------------------------------------

XEN_ELFNOTE_PHYS32_ENTRY = 18


def pvh_elf(paddr, with_note=True, size=0x1000):
    """An ELF64 executable: one PT_LOAD of size bytes at paddr and, unless
    told otherwise, a PT_NOTE with Xen's PHYS32_ENTRY pointing at paddr."""
    ehsize, phsize = 64, 56
    note = struct.pack("<III4sI", 4, 4, XEN_ELFNOTE_PHYS32_ENTRY, b"Xen\0", paddr)
    phnum = 2 if with_note else 1
    note_off = ehsize + phnum * phsize
    load_off = 0x1000
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, paddr, ehsize, 0, 0, ehsize, phsize,
                               phnum, 64, 0, 0)
    load = struct.pack("<IIQQQQQQ", 1, 5, load_off, paddr, paddr, size, size, 0x1000)
    phdrs = load + (struct.pack("<IIQQQQQQ", 4, 4, note_off, 0, 0, len(note), len(note), 4)
                    if with_note else b"")
    head = ehdr + phdrs + (note if with_note else b"")
    return head + bytes(load_off - len(head)) + b"\xf4" * size  # hlt
