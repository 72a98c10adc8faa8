"""pvhboot-pack refuses at pack time what pvhboot.elf refuses at boot, in
the firmware's words. Each case is a kernel file made from a good one
(Debian's bzImage, hello.elf, bootdump's multiboot image) with one field
broken; pack must exit 1 with exactly one line,
`pvhboot-pack: kernel FILE: MESSAGE`, and write nothing; then the same
file, booted as pvhboot.elf's payload (QEMU's -initrd), must stop with
`pvhboot: error: MESSAGE`: the same MESSAGE, read from the guest.

The last case is one no RAM size can boot: an initrd larger than the room
below the kernel's initrd_addr_max once pvhboot and the kernel's memory
are taken (a kernel that takes no initrd above 4 GiB). The boot packs the
initrd alone and gives the kernel as the loader's module, so the firmware
meets the same limit; its words are the first part of pack's line."""

import os
import struct
import subprocess
import sys

from common import check, file_once
from linux import bzimage
from qemu import EXIT_PANIC, run_qemu

ARCH = "x86_64"
MIB = 1 << 20


def pack_refusal(ctx, *args):
    """pvhboot-pack's one stderr line, after checking it refused and wrote nothing."""
    out = os.path.join(ctx.tmp, "refused.elf")
    if os.path.exists(out):
        os.unlink(out)
    proc = subprocess.run([sys.executable, os.path.join(ctx.root, "tools", "pvhboot-pack"),
                           "pack", "--firmware", os.path.join(ctx.build, "pvhboot.elf")] +
                          list(args) + ["-o", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = proc.stderr.decode()
    check(proc.returncode == 1, "pvhboot-pack exited %d for %r:\n%s%s" % (
        proc.returncode, args, proc.stdout.decode(), err))
    check(not os.path.exists(out), "pvhboot-pack wrote %s although it refused" % out)
    lines = err.splitlines()
    check(len(lines) == 1, "expected one line on stderr, got:\n" + err)
    return lines[0]


def boot_error(ctx, payload, packed=None):
    """The firmware's error line (without 'pvhboot: error: ') for payload
    given as the loader's module."""
    fw = packed or os.path.join(ctx.build, "pvhboot.elf")
    result = run_qemu(["-M", "q35", "-m", "512M", "-kernel", fw, "-initrd", payload], 60,
                      qemu=ctx.qemu)
    errors = [l for l in result.lines() if l.startswith(b"pvhboot: error: ")]
    check(not result.timed_out and result.status == EXIT_PANIC and len(errors) == 1,
          "expected one error and the failure exit: " + result.describe())
    return errors[0][len(b"pvhboot: error: "):].decode()


def mutated(ctx, name, source, mutate):
    path = os.path.join(ctx.tmp, "refuse-" + name)

    def make():
        with open(source, "rb") as f:
            data = bytearray(f.read())
        mutate(data)
        return bytes(data)
    file_once(path, make)
    return path


def put(fmt, off, value):
    return lambda d: struct.pack_into(fmt, d, off, value)


def elf_phdr(d, kind, last=False):
    """The file offset of an ELF64's first (or last) program header of kind."""
    phoff, = struct.unpack_from("<Q", d, 32)
    phnum, = struct.unpack_from("<H", d, 56)
    found = [phoff + 56 * i for i in range(phnum)
             if struct.unpack_from("<I", d, phoff + 56 * i)[0] == kind]
    if not found:
        raise AssertionError("no program header of type %d" % kind)
    return found[-1] if last else found[0]


def mb1_header(d):
    for off in range(0, 8192, 4):
        if struct.unpack_from("<I", d, off)[0] == 0x1badb002:
            return off
    raise AssertionError("no multiboot header")


def reloc_note(d):
    """The file offset of reloc.elf's 3-word XEN_ELFNOTE_PHYS32_RELOC note."""
    at = d.find(struct.pack("<III4s", 4, 12, 19, b"Xen\0"))
    if at < 0:
        raise AssertionError("no 3-word PHYS32_RELOC note")
    return at


def random_bytes(d):
    d[:] = bytes((i * 167 + (i >> 8) * 13 + 0x5a) & 0xff for i in range(4096))


def cases(ctx):
    bz = bzimage(ctx)
    # Without the PHYS32_RELOC note: a kernel with it is placed by its
    # window, and the firmware's refusal of one that fits nowhere names that.
    hello = os.path.join(ctx.build, "tests", "hello-unmovable.elf")
    mb1 = os.path.join(ctx.build, "tests", "bootdump-mb1.bin")
    reloc = os.path.join(ctx.build, "tests", "reloc.elf")
    return [
        ("random-bytes", hello, random_bytes),
        ("bzimage-protocol-2.09", bz, put("<H", 0x206, 0x209)),
        ("bzimage-zimage", bz, lambda d: d.__setitem__(0x211, d[0x211] & ~1)),
        ("bzimage-kernel-alignment", bz, put("<I", 0x230, 0x800)),
        ("bzimage-truncated", bz, lambda d: d.__delitem__(slice(len(d) - 65536, None))),
        ("bzimage-init-size", bz, put("<I", 0x260, 0x1000)),
        # Not relocatable, and placed where it would end past 4 GiB.
        ("bzimage-fixed-beyond-4g", bz, lambda d: (d.__setitem__(0x234, 0),
                                                   struct.pack_into("<Q", d, 0x258, 0xff000000))),
        ("elf-without-pvh-note", hello,
         lambda d: struct.pack_into("<I", d, elf_phdr(d, 4), 0x6474e551)),
        # The last segment (data and bss, not the entry's) moved to end past 4 GiB.
        ("pvh-segment-beyond-4g", hello,
         lambda d: struct.pack_into("<Q", d, elf_phdr(d, 1, last=True) + 24, 0xfffff000)),
        # reloc.elf's PHYS32_RELOC note: 6 bytes; alignment 0x1800; min above max.
        ("pvh-reloc-note-6-bytes", reloc, lambda d: struct.pack_into("<I", d, reloc_note(d) + 4, 6)),
        ("pvh-reloc-alignment", reloc, lambda d: struct.pack_into("<I", d, reloc_note(d) + 16,
                                                                  0x1800)),
        ("pvh-reloc-window-inverted", reloc,
         lambda d: struct.pack_into("<II", d, reloc_note(d) + 20, 0x2000000, 0x1000000)),
        ("multiboot-bad-checksum", mb1,
         lambda d: struct.pack_into("<I", d, mb1_header(d) + 8, 0x1234)),
        ("multiboot-video-mode", mb1,
         lambda d: (struct.pack_into("<I", d, mb1_header(d) + 4,
                                     struct.unpack_from("<I", d, mb1_header(d) + 4)[0] | 4),
                    struct.pack_into("<I", d, mb1_header(d) + 8,
                                     (-(0x1badb002 + struct.unpack_from(
                                         "<I", d, mb1_header(d) + 4)[0])) & 0xffffffff))),
    ]


def refuses_as_the_firmware(ctx, name, source, mutate):
    def test():
        path = mutated(ctx, name, source, mutate)
        line = pack_refusal(ctx, "--kernel", path)
        prefix = "pvhboot-pack: kernel %s: " % path
        check(line.startswith(prefix), "the line does not name the kernel: %r" % line)
        said = line[len(prefix):]
        booted = boot_error(ctx, path)
        check(said == booted, "pack says %r, the firmware %r" % (said, booted))
        return said
    return test


def initrd_that_cannot_fit(ctx):
    """Debian's bzImage told it takes no initrd above 4 GiB and none
    ending past 4 MiB after its own memory; an initrd larger than what
    that leaves."""
    def test():
        with open(bzimage(ctx), "rb") as f:
            d = bytearray(f.read())
        pref, = struct.unpack_from("<Q", d, 0x258)
        init_size, = struct.unpack_from("<I", d, 0x260)
        limit = pref + init_size + 4 * MIB
        struct.pack_into("<H", d, 0x236, struct.unpack_from("<H", d, 0x236)[0] & ~2)
        struct.pack_into("<I", d, 0x22c, limit - 1)
        kernel = os.path.join(ctx.tmp, "refuse-bzimage-low-initrd")
        file_once(kernel, lambda: bytes(d))
        size = pref + 4 * MIB + 8 * MIB   # more than all of RAM outside the kernel below limit
        initrd = os.path.join(ctx.tmp, "refuse-initrd-%d" % size)
        file_once(initrd, lambda: bytes(size))
        line = pack_refusal(ctx, "--kernel", kernel, "--module", initrd)
        words = "initrd of %d bytes: no room below initrd_addr_max 0x%x" % (size, limit - 1)
        check(line.startswith("pvhboot-pack: " + words + " (whatever the RAM: "),
              "expected %r, got %r" % (words, line))
        packed = os.path.join(ctx.tmp, "refuse-initrd-alone.elf")
        subprocess.run([sys.executable, os.path.join(ctx.root, "tools", "pvhboot-pack"), "pack",
                        "--firmware", os.path.join(ctx.build, "pvhboot.elf"), "--module", initrd,
                        "-o", packed], check=True, stdout=subprocess.DEVNULL)
        booted = boot_error(ctx, kernel, packed)
        check(booted == words, "the firmware says %r, pack %r" % (booted, words))
        return words
    return test


def collect(ctx):
    return ([("refuses-like-the-firmware-" + name, refuses_as_the_firmware(ctx, name, src, m))
             for name, src, m in cases(ctx)] +
            [("refuses-initrd-no-ram-can-hold", initrd_that_cannot_fit(ctx))])
