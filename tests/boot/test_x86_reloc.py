"""x86_64 images carry XEN_ELFNOTE_PHYS32_RELOC and run wherever a loader
that honours it puts them (issue 25 item 3; docs/loaders.md).

The loader that honours the note is the hostile loader (tests/hostile/)
with "reloc=0x<address>": it moves every segment by one offset so the
image's first byte lands there, and refuses (its own exit value) an
address the note does not allow, so no test here passes for a move that
did not happen. Expected values come from each ELF's program headers and
note words.

- Every movable image (hello, the firmware, the test kernels) carries the
  note, its window holding the link address.
- hello entered at the lowest, the highest and three addresses between:
  each boot ends with 'hello done' and a poweroff, its image line names
  the range it was put at, the memory map marks that range as pvhboot's.
  One boot with two CPUs: the other CPU's start-up code follows the move.
- pvhboot.elf moved (lowest-but-one and highest place), hello appended as
  its kernel: the firmware runs moved and boots hello.
- pvhboot-disk.elf moved to the lowest and the highest odd MiB, where its
  late storage (the readers' memory) runs past the image's 2 MiB block,
  with a raw disk on virtio-blk-pci: its disk line, and the readers'
  refusal of that disk's bytes.
- pvhboot.elf at its link address given hello (which now carries the
  note): it moves hello clear of itself, and hello reports that range.
- pvhboot.elf with pvhboot.place=random and hello, 4 boots: hello runs to
  its end each time at an aligned place of its window inside RAM, and
  not always at the same one.
- pvhboot.elf packed with hello (absolute addresses in its descriptor):
  pvhboot-pack drops the note; the loader will not move it, and it
  boots at its link address.
- The loader refuses an address off the note's alignment.
"""

import os
import re
import struct
import subprocess
import sys

from common import check, expect_panic, expect_poweroff
from disk_images import disk, expected as disk_expected
from hello_report import HelloReport
from hostile_loader import EXIT_BROKEN_SETUP, loader_image
from qemu import run_qemu
from test_x86_firmware_reloc import PLACED

ARCH = "x86_64"
PT_LOAD, PT_NOTE = 1, 4
NOTE_PHYS32_RELOC = 19
# -M pc -m 3G: RAM from 1 MiB to 0xbffe0000 (SeaBIOS keeps the rest below
# 3 GiB), room for the top of a window that ends below 2 GiB.
MEMORY = "3G"
RAM_END = 0xbffe0000
MOVABLE = ["hello.elf", "pvhboot.elf", "pvhboot-disk.elf", "tests/exit.elf", "tests/start-page.elf",
           "tests/stack-overflow.elf", "tests/acpi-then-null.elf",
           "tests/hello-require-ungranted.elf"]
HOSTILE_RELOC = re.compile(rb"^hostile: reloc 0x([0-9a-f]+) to 0x([0-9a-f]+)$")
PAGE = 4096
# The hostile loader's case that hands over no module (nr_modules 0, the
# list's address garbage), so pvhboot-disk takes its disk path.
NO_MODULE_CASE = "case=modules-0-list-garbage"
BLOCK = 0x200000  # what the entry maps around the image


def elf64_facts(path):
    """(lowest PT_LOAD paddr, span to the end of the highest, note 19 words or None)."""
    with open(path, "rb") as f:
        data = f.read()
    check(data[:4] == b"\x7fELF" and data[4] == 2, "%s: not an ELF64 file" % path)
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    loads, reloc = [], None
    for i in range(phnum):
        p_type, _, off, _, paddr, filesz, memsz = struct.unpack_from("<IIQQQQQ", data,
                                                                     phoff + i * phentsize)
        if p_type == PT_LOAD and memsz:
            loads.append((paddr, memsz))
        elif p_type == PT_NOTE:
            at = off
            while at + 12 <= off + filesz:
                namesz, descsz, ntype = struct.unpack_from("<III", data, at)
                desc = at + 12 + ((namesz + 3) & ~3)
                if data[at + 12:at + 12 + namesz] == b"Xen\0" and ntype == NOTE_PHYS32_RELOC:
                    check(reloc is None, "%s: two PHYS32_RELOC notes" % path)
                    reloc = struct.unpack_from("<%dI" % (descsz // 4), data, desc)
                at = desc + ((descsz + 3) & ~3)
    low = min(p for p, _ in loads)
    return low, max(p + m for p, m in loads) - low, reloc


def window(path):
    """(align, lowest start, highest start, span) the note allows for the image."""
    low, span, reloc = elf64_facts(path)
    check(reloc is not None and len(reloc) == 3, "%s: note 19 words %r" % (path, reloc))
    align, wmin, wmax = reloc
    first = -(-wmin // align) * align
    last = (wmax + 1 - span) // align * align
    check(first <= low <= last and low % align == 0,
          "%s: its link address 0x%x is not a start its note allows" % (path, low))
    return align, first, last, span


def boot_moved(ctx, image, to, case="baseline", extra=(), smp=1):
    args = ["-M", "pc", "-m", MEMORY, "-smp", str(smp), "-kernel", loader_image(ctx),
            "-initrd", image, "-append", "case=%s reloc=0x%x%s" % (case, to, "".join(extra))]
    return run_qemu(args, 60, qemu=ctx.qemu)


def check_loader_moved(result, link, to):
    got = [m for m in map(HOSTILE_RELOC.match, result.lines(prefix=b"hostile: ")) if m]
    check(len(got) == 1 and [int(g, 16) for g in got[0].groups()] == [link, to],
          "the loader did not say it moved 0x%x to 0x%x: %s" % (link, to, result.describe()))


def check_hello_at(result, first, span):
    """hello ran to its end at [first, first + span) and says so."""
    expect_poweroff(result)
    report = HelloReport(result.lines())
    check(report.image == (first, first + span - 1),
          "hello's image 0x%x-0x%x, expected 0x%x-0x%x" % (report.image + (first, first + span - 1)))
    own = [r for r in report.memmap if r["pvhboot"] and r["first"] <= first <= r["last"]]
    check(own and own[0]["last"] >= first + span - 1,
          "no memmap line marks 0x%x-0x%x as pvhboot's" % (first, first + span - 1))
    return report


def carries_note(ctx):
    def test():
        seen = []
        for name in MOVABLE:
            align, first, last, span = window(os.path.join(ctx.build, name))
            check(last + span <= RAM_END, "%s: the window's top is past this test's RAM" % name)
            seen.append("%s 0x%x-0x%x/0x%x" % (name, first, last, align))
        return "; ".join(seen)
    return test


def hello_places(ctx):
    align, first, last, _ = window(os.path.join(ctx.build, "hello.elf"))
    # Lowest, highest, and between: the next aligned place, one in the
    # second GiB (another PDPT entry) at an odd MiB, one clear of the
    # loader's structures (8 MiB) and itself (64 MiB).
    between = [first + align, 0x40000000 + align, 0x10000000]
    return [first] + [a for a in between if first < a < last and a % align == 0] + [last]


def hello_moved(ctx):
    def test():
        path = os.path.join(ctx.build, "hello.elf")
        link, span, _ = elf64_facts(path)
        done = []
        for to in hello_places(ctx):
            result = boot_moved(ctx, path, to)
            check_loader_moved(result, link, to)
            check_hello_at(result, to, span)
            done.append("0x%x" % to)
        check(len(done) >= 5, "only %d places" % len(done))
        return "hello at " + " ".join(done)
    return test


def hello_moved_two_cpus(ctx):
    def test():
        path = os.path.join(ctx.build, "hello.elf")
        link, span, _ = elf64_facts(path)
        to = hello_places(ctx)[-1]
        result = boot_moved(ctx, path, to, smp=2)
        check_loader_moved(result, link, to)
        _, count = check_hello_at(result, to, span).cpus()
        check(count == 2, "cpus %r, expected 2: %s" % (count, result.describe()))
        return "0x%x, cpus 2" % to
    return test


def firmware_moved(ctx):
    def test():
        fw = os.path.join(ctx.build, "pvhboot.elf")
        hello = os.path.join(ctx.build, "hello.elf")
        fw_link, _, _ = elf64_facts(fw)
        hello_link, hello_span, _ = elf64_facts(hello)
        align, first, last, _ = window(fw)
        with open(fw, "rb") as f:
            data = f.read()
        offset = -(-len(data) // PAGE) * PAGE
        joined = os.path.join(ctx.tmp, "pvhboot-then-hello.bin")
        with open(joined, "wb") as f:
            f.write(data + bytes(offset - len(data)))
            with open(hello, "rb") as h:
                f.write(h.read())
        done = []
        try:
            for to in (first + align, last):
                result = boot_moved(ctx, joined, to, case="payload-in-tail",
                                    extra=[" payload=0x%x" % offset])
                check_loader_moved(result, fw_link, to)
                # Moved away, the firmware leaves hello's link address free.
                check_hello_at(result, hello_link, hello_span)
                done.append("0x%x" % to)
        finally:
            os.unlink(joined)
        return "firmware at " + " ".join(done)
    return test


def disk_firmware_moved(ctx):
    """pvhboot-disk.elf moved to the lowest and highest odd MiB, a raw disk
    on virtio-blk-pci: its late storage (the readers' memory), past the
    image's 2 MiB block, works moved; the disk line and the readers'
    refusal of the disk are what that disk's bytes say."""
    def test():
        fw = os.path.join(ctx.build, "pvhboot-disk.elf")
        link, span, _ = elf64_facts(fw)
        align, first, last, _ = window(fw)
        raw, data = disk(ctx, "a")
        sectors, crc = disk_expected(data)
        want = [b"pvhboot: disk: virtio-pci 00:05.0 %d sectors crc32 0x%08x" % (sectors, crc)]
        error = (b"pvhboot: error: no bootable entry on any disk: disks 1: disk virtio-pci "
                 b"00:05.0: no partition table: signature 0x%04x" % (data[510] | data[511] << 8))
        # Odd MiB, low and high: the image sits in the upper half of its
        # 2 MiB block, and the late storage after it runs into the next.
        low = next(a for a in range(first + align, last + 1, align) if a % BLOCK)
        high = next(a for a in range(last, first - 1, -align) if a % BLOCK)
        done = []
        for to in (low, high):
            check(to % BLOCK + span > BLOCK, "0x%x+0x%x stays in one 2 MiB block" % (to, span))
            result = run_qemu(["-M", "pc", "-m", MEMORY, "-kernel", loader_image(ctx),
                               "-initrd", fw, "-append", NO_MODULE_CASE + " reloc=0x%x" % to,
                               "-drive", "file=%s,format=raw,if=none,id=d0,readonly=on" % raw,
                               "-device", "virtio-blk-pci,drive=d0,addr=5"], 60, qemu=ctx.qemu)
            check_loader_moved(result, link, to)
            got = [l for l in result.lines() if l.startswith(b"pvhboot: disk: virtio-pci ")]
            check(got == want, "disk lines %r, expected %r" % (got, want))
            expect_panic(result, error)
            done.append("0x%x" % to)
        return "pvhboot-disk at %s (span 0x%x)" % (" ".join(done), span)
    return test


def firmware_moves_hello(ctx):
    def test():
        hello = os.path.join(ctx.build, "hello.elf")
        hello_link, span, (align, wmin, wmax) = elf64_facts(hello)
        result = run_qemu(["-M", "q35", "-m", "512M", "-kernel",
                           os.path.join(ctx.build, "pvhboot.elf"), "-initrd", hello,
                           "-append", "pvhboot.verbose"], 30, qemu=ctx.qemu)
        placed = [m for m in map(PLACED.match, result.lines()) if m]
        check(len(placed) == 1, "expected one 'relocatable (note 19)' line: " + result.describe())
        got = [int(g, 16) for g in placed[0].groups()]
        check(got[:3] == [align, wmin, wmax] and got[4] == hello_link,
              "logged %r, hello.elf's note and link say 0x%x 0x%x-0x%x 0x%x" %
              (got, align, wmin, wmax, hello_link))
        at = got[3]
        check(at != hello_link and at % align == 0 and wmin <= at and at + span - 1 <= wmax,
              "hello placed at 0x%x: not a move its note allows" % at)
        check_hello_at(result, at, span)
        return "hello moved to 0x%x" % at
    return test


def firmware_places_hello_at_random(ctx, boots=4):
    """pvhboot.place=random with hello (which carries the note) as the
    payload: every boot runs hello to its end at an address its note
    allows, inside the guest's RAM, and the boots do not all agree."""
    def test():
        hello = os.path.join(ctx.build, "hello.elf")
        _, span, (align, wmin, wmax) = elf64_facts(hello)
        ram = 512 << 20
        places = []
        for _ in range(boots):
            result = run_qemu(["-M", "q35", "-m", "512M", "-kernel",
                               os.path.join(ctx.build, "pvhboot.elf"), "-initrd", hello,
                               "-append", "pvhboot.place=random"], 30, qemu=ctx.qemu)
            expect_poweroff(result)
            first, last = HelloReport(result.lines()).image
            check(last - first + 1 == span and first % align == 0 and wmin <= first and
                  last <= wmax and last < ram,
                  "hello at 0x%x-0x%x: not %d bytes at an aligned place of its window "
                  "0x%x-0x%x (align 0x%x) in RAM" % (first, last, span, wmin, wmax, align))
            places.append(first)
        check(len(set(places)) >= 2, "%d boots, one place: 0x%x" % (boots, places[0]))
        return "hello at " + ", ".join("0x%x" % p for p in places)
    return test


def packed_firmware_pinned(ctx):
    def test():
        fw = os.path.join(ctx.build, "pvhboot.elf")
        packed = os.path.join(ctx.tmp, "pvhboot-packed-hello.elf")
        subprocess.run([sys.executable, os.path.join(ctx.root, "tools", "pvhboot-pack"), "pack",
                        "--firmware", fw, "--kernel", os.path.join(ctx.build, "hello.elf"),
                        "-o", packed], check=True, stdout=subprocess.DEVNULL)
        low, span, reloc = elf64_facts(packed)
        check(reloc is None, "packed: still carries a PHYS32_RELOC note %r" % (reloc,))
        align = window(fw)[0]
        refused = boot_moved(ctx, packed, low + align)
        check(refused.status == EXIT_BROKEN_SETUP and
              not any(l.startswith(b"pvhboot: ") for l in refused.lines()),
              "the loader moved a packed firmware: " + refused.describe())
        # Where it is linked, by a loader that never moves anything.
        result = run_qemu(["-M", "pc", "-m", MEMORY, "-kernel", packed], 60, qemu=ctx.qemu)
        _, hello_span, _ = elf64_facts(os.path.join(ctx.build, "hello.elf"))
        expect_poweroff(result)
        first, last = HelloReport(result.lines()).image
        fw_low, fw_span, _ = elf64_facts(fw)
        check(last - first + 1 == hello_span and (first >= fw_low + fw_span or last < fw_low),
              "hello at 0x%x-0x%x: not its size, or over the firmware" % (first, last))
        return "no note; hello at 0x%x" % first
    return test


def loader_refuses_misaligned(ctx):
    def test():
        path = os.path.join(ctx.build, "hello.elf")
        align, first, _, _ = window(path)
        result = boot_moved(ctx, path, first + align // 2)
        check(result.status == EXIT_BROKEN_SETUP and
              not any(l.startswith(b"pvhboot: ") for l in result.lines()),
              "a misaligned reloc= was not refused: " + result.describe())
    return test


def collect(ctx):
    return [
        ("images-carry-phys32-reloc-note", carries_note(ctx)),
        ("hello-runs-moved-across-window", hello_moved(ctx)),
        ("hello-moved-starts-second-cpu", hello_moved_two_cpus(ctx)),
        ("firmware-runs-moved-boots-payload", firmware_moved(ctx)),
        ("firmware-moves-hello-off-its-link-address", firmware_moves_hello(ctx)),
        ("firmware-places-hello-at-random-4-boots", firmware_places_hello_at_random(ctx)),
        ("disk-firmware-runs-moved-reads-disk", disk_firmware_moved(ctx)),
        ("packed-firmware-carries-no-note-and-stays", packed_firmware_pinned(ctx)),
        ("test-loader-refuses-misaligned-reloc", loader_refuses_misaligned(ctx)),
    ]
