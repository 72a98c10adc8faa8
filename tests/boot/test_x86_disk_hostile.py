"""pvhboot-disk.elf on hostile disks (issue 26): disks made by
tools/make-disk.py with the real tools, then broken in place by
disk_hostile.py at offsets it computes from the structures it reads (the
GPT headers and arrays, the FAT's BPB, allocation table and directories,
the UKI's section table). microvm, virtio-blk-device, small RAM.

Each broken disk ends the boot with exactly one 'pvhboot: error:' line,
compared whole with the values read from the disk (LBAs, clusters,
sizes, names), after exactly the readers' lines computed for the disk
(disk_boot.table_lines: what was read before the fault, and the skip
line that names it), and the failure stop (isa-debug-exit), never a
hang or a triple fault:

- a loop in the kernel's FAT chain: refused when the kernel is read, the
  cluster where the walk ends and its link named (the entry is chosen
  first: the chain is not read until then);
- a loop in /loader/entries's chain, the directory's clusters full: the
  directory is skipped whole, not its one entry found again and again;
- the ESP's GPT entry past the disk's end in both the primary and the
  backup array, every CRC32 right: the backup's reason;
- a UKI whose .linux section runs past the file's end: skipped;
- a type #1 entry whose second initrd is not on the partition: skipped.
And two that boot Linux to /init:
- the disk with the missing initrd first, then a disk whose primary GPT
  has the ESP past the disk's end: the first is passed over with its
  reason, the second read through its backup GPT (a line says why);
- 10,000 type #1 entries (copied by one mcopy): the first 64 in the
  specification's order listed (disk_boot.in_order over all of them),
  a line with the count, and the first booted.
"""

import os
import shutil
import subprocess

from common import check, expect_panic, file_once
from disk_boot import (TRANSPORT, drive, expected_lines, make_disk, need_tools, reader_lines,
                       table_lines)
from disk_hostile import (Image, fake_kernel, gpt_entry_past_disk, gpt_headers, loop_chain,
                          loop_directory, uki_section_past_file)
from linux import bzimage, initramfs
from qemu import run_qemu
from test_x86_disk_boot import MODERN_MMIO, boot_linux, disk_elf
from test_x86_firmware import host_tsc_khz

ARCH = "x86_64"
TIMEOUT = 60
ERROR = b"pvhboot: error: "
NO_ENTRY = "no bootable entry on any disk: disks 1: "
MANY = 10000
# The specification's bound on a FAT directory's entries (docs/disk.md).
FAT_DIR_ENTRIES_MAX = 65536


def disk_args(*images):
    args = list(MODERN_MMIO)
    for i, img in enumerate(images):
        args += drive(img, "d%d" % i) + ["-device", "virtio-blk-device,drive=d%d" % i]
    return args


def devices(result):
    """The transports' names and sizes, in the order found."""
    return [(m.group(1).decode(), int(l.split()[-4])) for l in result.lines()
            for m in [TRANSPORT.match(l)] if m]


def refused(ctx, img, want, lines):
    """Boot img alone: exactly the readers' lines lines(device), then the
    one error line want(device) (without its prefix) and the failure stop."""
    result = run_qemu(["-M", "microvm", "-m", "128M", "-kernel", disk_elf(ctx)] + disk_args(img),
                      TIMEOUT, qemu=ctx.qemu)
    line = expect_panic(result, ERROR)
    found = devices(result)
    check(len(found) == 1, "expected one disk: " + result.describe())
    dev = found[0][0]
    expected = ERROR + want(dev).encode()
    check(line == expected, "error line %r, expected %r" % (line, expected))
    got, expected = reader_lines(result.lines()), lines(dev)
    check(got == expected, "the readers printed:\n%s\nexpected:\n%s\n%s" % (
        "\n".join(got), "\n".join(expected), result.describe()))
    os.unlink(img)
    why = got[-1][len("pvhboot: disk: "):] + "; " if got and " skip " in got[-1] else ""
    return "%s%s, %.1fs" % (why, line.decode()[len(ERROR):], result.elapsed)


def no_entries(dev):
    return NO_ENTRY + "disk %s: no boot entries" % dev


def add_entries(ctx, img, m, name, specs, initrds):
    """Type #1 entries (id, title, version, sort-key, options) written to
    /loader/entries on the ESP by one mcopy, naming the disk's /vmlinuz
    and initrds; added to the manifest m."""
    tmp = os.path.join(ctx.tmp, "entries-" + name)
    os.makedirs(tmp, exist_ok=True)
    paths = []
    for ident, title, version, sort_key, options in specs:
        text = "title %s\nversion %s\n" % (title, version)
        text += "sort-key %s\n" % sort_key if sort_key else ""
        text += "linux /vmlinuz\n" + "".join("initrd %s\n" % p for p in initrds)
        text += "options %s\n" % options
        paths.append(ident + ".conf")
        with open(os.path.join(tmp, paths[-1]), "w") as f:
            f.write(text)
        m["entries"].append({"id": ident, "title": title, "version": version,
                             "sort_key": sort_key, "options": options, "linux": "/vmlinuz",
                             "initrd": initrds, "devicetree": None, "fs": "esp"})
    subprocess.run(["mcopy", "-o", "-i", "%s@@%d" % (os.path.abspath(img),
                                                  m["esp"]["first_lba"] * 512)] +
                   paths + ["::/loader/entries/"], check=True, cwd=tmp)
    shutil.rmtree(tmp)


def kernel_chain_loop(ctx):
    """The entry is chosen (its kernel is there); reading the kernel
    finds the loop."""
    def test():
        kernel = fake_kernel(ctx)
        img, m = make_disk(ctx, "hostile-kernel-loop", kernel, [], 16,
                           ["loop:Loop:1::console=ttyS0"])
        with Image(img) as disk:
            why = loop_chain(disk, m, "/vmlinuz")
        size = os.path.getsize(kernel)
        return refused(ctx, img, lambda dev: "boot: kernel /vmlinuz: " + why,
                       lambda dev: expected_lines(m, dev, size, [], None, "")[0])
    return test


def entries_directory_loop(ctx):
    """40 entries: /loader/entries takes two clusters of 64 slots (FAT16's
    2 KiB), the first full; it is linked to itself."""
    def test():
        img, m = make_disk(ctx, "hostile-dir-loop", fake_kernel(ctx), [], 16)
        add_entries(ctx, img, m, "dir-loop", [("looped-%02d" % i, "Looped", "1", "",
                                               "console=ttyS0") for i in range(40)], [])
        with Image(img) as disk:
            name = loop_directory(disk, m, "/loader/entries")
        skip = ("pvhboot: disk: skip esp:/loader/entries: FAT: directory '%s' longer than "
                "%d entries (a loop?)" % (name, FAT_DIR_ENTRIES_MAX))
        return refused(ctx, img, no_entries, lambda dev: table_lines(m, dev) + [skip])
    return test


def gpt_past_disk(ctx):
    """Both GPTs' ESP entry ends past the disk: the disk has no partition
    table to read, and no readers' line."""
    def test():
        img, _ = make_disk(ctx, "hostile-gpt", fake_kernel(ctx), [], 16,
                           ["gpt:Gpt:1::console=ttyS0"])
        with Image(img) as disk:
            why = gpt_entry_past_disk(disk, gpt_headers(disk))
        return refused(ctx, img, lambda dev: NO_ENTRY + "no usable GPT: backup " + why,
                       lambda dev: [])
    return test


def uki_past_file(ctx):
    def test():
        img, m = make_disk(ctx, "hostile-uki", fake_kernel(ctx), [], 16,
                           ukis=["past:Past:1:console=ttyS0"])
        with Image(img) as disk:
            why = uki_section_past_file(disk, m, "/EFI/Linux/past.efi")
        return refused(ctx, img, no_entries, lambda dev: table_lines(m, dev) + [
            "pvhboot: disk: skip esp:/EFI/Linux/past.efi: " + why])
    return test


def small_initrds(ctx):
    paths = []
    for i in range(2):
        paths.append(os.path.join(ctx.tmp, "hostile-initrd-%d" % i))
        file_once(paths[-1], lambda: b"initrd %d\n" % i * 100)
    return paths


def missing_initrd_disk(ctx, name):
    """An entry naming two initrds, the second deleted (mtools' mdel)."""
    img, m = make_disk(ctx, name, fake_kernel(ctx), small_initrds(ctx), 16,
                       ["gone:Gone:1::console=ttyS0"])
    gone = m["entries"][0]["initrd"][1]
    subprocess.run(["mdel", "-i", "%s@@%d" % (img, m["esp"]["first_lba"] * 512), "::" + gone],
                   check=True)
    skip = "pvhboot: disk: skip esp:/loader/entries/gone.conf: initrd %s: FAT: no '%s'" % (
        gone, gone)
    return img, m, skip


def missing_initrd(ctx):
    def test():
        img, m, skip = missing_initrd_disk(ctx, "hostile-missing")
        return refused(ctx, img, no_entries, lambda dev: table_lines(m, dev) + [skip])
    return test


def passed_over_then_backup_gpt(ctx):
    """Disk 1: the missing initrd; disk 2: Debian's kernel and the oracle
    initramfs, its primary GPT's ESP past the disk's end."""
    def test():
        bad, bad_m, skip = missing_initrd_disk(ctx, "hostile-missing-first")
        initrds = [initramfs(ctx)]
        good, m = make_disk(ctx, "hostile-backup-gpt", bzimage(ctx), initrds, 16,
                            ["backup:Backup:1::console=ttyS0 quiet which=backup"], esp_mib=32)
        with Image(good) as disk:
            primary, backup = gpt_headers(disk)
            note = "primary %s; using the backup at LBA %d" % (
                gpt_entry_past_disk(disk, [primary]), backup.lba)
        vmm = "tsc_early_khz=%d" % host_tsc_khz()
        result, device = boot_linux(ctx, "microvm", disk_args(bad, good), vmm, "backup", 1, m,
                                    vmm, initrds)
        found = devices(result)
        check([s for _, s in found] == [bad_m["disk_sectors"], m["disk_sectors"]],
              "expected the disk with the missing initrd first: " + result.describe())
        first, second = found[0][0], found[1][0]
        check(device == second, "booted from %s, expected %s" % (device, second))
        passed = [l for l in result.lines() if b" passed over: " in l]
        want = ["pvhboot: boot: %s passed over: %s" % (first, no_entries(first)[len(NO_ENTRY):])]
        check([l.decode() for l in passed] == want, "passed over %r, expected %r" % (passed, want))
        got = reader_lines(result.lines())
        expected = table_lines(bad_m, first) + [skip] + expected_lines(
            m, second, os.path.getsize(bzimage(ctx)), [os.path.getsize(initramfs(ctx))], None,
            vmm, note)[0]
        check(got == expected, "the readers printed:\n%s\nexpected:\n%s" % (
            "\n".join(got), "\n".join(expected)))
        os.unlink(bad)
        os.unlink(good)
        return "%s, %.1fs" % (device, result.elapsed)
    return test


def many_specs():
    """MANY entries whose order is the specification's to work out: a
    quarter without a sort key, the others under three keys, versions
    that compare as numbers, not strings."""
    out = []
    for i in range(MANY):
        ident = "n%05d" % i
        key = "" if i % 4 == 0 else "key-%d" % (i % 3)
        out.append((ident, "Entry %d" % i, "%d.%d" % (i % 13, i % 101), key,
                    "console=ttyS0 quiet which=" + ident))
    return out


def ten_thousand_entries(ctx):
    def test():
        need_tools()
        initrds = [initramfs(ctx)]
        img, m = make_disk(ctx, "hostile-many", bzimage(ctx), initrds, 32)
        add_entries(ctx, img, m, "many", many_specs(), ["/initrd-0.img"])
        sizes = os.path.getsize(bzimage(ctx)), [os.path.getsize(initramfs(ctx))]
        vmm = "tsc_early_khz=%d" % host_tsc_khz()
        chosen = expected_lines(m, "*", sizes[0], sizes[1], None, vmm)[1]
        result, device = boot_linux(ctx, "microvm", disk_args(img), vmm, chosen["id"], 1, m, vmm,
                                    initrds)
        got = reader_lines(result.lines())
        expected = expected_lines(m, device, sizes[0], sizes[1], None, vmm)[0]
        check(got == expected, "the readers printed:\n%s\nexpected:\n%s" % (
            "\n".join(got), "\n".join(expected)))
        os.unlink(img)
        return "%s, %s of %d, %.1fs" % (device, chosen["id"], MANY, result.elapsed)
    return test


def collect(ctx):
    return [
        ("fat-kernel-chain-loop-one-error-line", kernel_chain_loop(ctx)),
        ("fat-entries-directory-loop-one-error-line", entries_directory_loop(ctx)),
        ("gpt-esp-past-disk-both-copies-one-error-line", gpt_past_disk(ctx)),
        ("uki-linux-section-past-file-one-error-line", uki_past_file(ctx)),
        ("bls-entry-missing-initrd-one-error-line", missing_initrd(ctx)),
        ("missing-initrd-disk-passed-over-backup-gpt-disk-to-init",
         passed_over_then_backup_gpt(ctx)),
        ("ten-thousand-entries-first-in-order-to-init", ten_thousand_entries(ctx)),
    ]
