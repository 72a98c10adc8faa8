#!/usr/bin/env python3
"""Seeds for the disk fuzz targets (tests/fuzz/fuzz_disk_*.c), made with
the real tools: sfdisk (GPT and MBR), mkfs.fat (FAT12/16/32), mtools,
and objcopy on systemd-boot's stub where it is installed (else
tools/make-disk.py's minimal PE).

  tests/fuzz/disk_seeds.py        rewrite tests/fuzz/corpus/disk_*/

A disk seed is the input fuzz_disk.h reads: u32 sectors, then pieces
(u32 LBA, u16 count, the sectors) for the runs of non-zero sectors.
"""

import importlib.util
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SECTOR = 512
ESP = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
XBOOTLDR = "BC13C2FF-59E6-4262-A352-B275FD6F7172"
LINUX = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"

spec = importlib.util.spec_from_file_location("make_disk",
                                              os.path.join(ROOT, "tools", "make-disk.py"))
make_disk = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_disk)


def run(*cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


def disk_seed(path, max_pieces=32):
    data = open(path, "rb").read()
    n = len(data) // SECTOR
    runs, i = [], 0
    while i < n:
        if data[i * SECTOR:(i + 1) * SECTOR].strip(b"\0"):
            j = i
            while j < n and j - i < 0xffff and data[j * SECTOR:(j + 1) * SECTOR].strip(b"\0"):
                j += 1
            runs.append((i, j - i))
            i = j
        else:
            i += 1
    assert len(runs) <= max_pieces, "%s: %d runs" % (path, len(runs))
    out = struct.pack("<I", n)
    for lba, count in runs:
        out += struct.pack("<IH", lba, count) + data[lba * SECTOR:(lba + count) * SECTOR]
    return out


def image(path, sectors):
    with open(path, "wb") as f:
        f.truncate(sectors * SECTOR)


def fat_volume(path, fat, sectors, files, extra=()):
    image(path, sectors)
    run("mkfs.fat", "-F", str(fat), "-S", "512", *extra, path)
    for d in ("/loader", "/loader/entries", "/EFI", "/EFI/Linux"):
        run("mmd", "-i", path, "::" + d)
    for dst, src in files:
        run("mcopy", "-i", path, src, "::" + dst)


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


ENTRY = ("title Debian GNU/Linux 12 (bookworm)\nversion 6.1.0-10-amd64\n"
         "machine-id 4098b3f648d74c13b1f04ccfba7798e8\nsort-key debian\n"
         "linux /vmlinuz\ninitrd /initrd.img\noptions root=/dev/vda2 ro quiet\n")


def main():
    for tool in ("sfdisk", "mkfs.fat", "mcopy", "mmd"):
        if not shutil.which(tool):
            sys.exit("disk_seeds.py: %s is missing (tools/deps.sh test)" % tool)
    for target in ("disk_part", "disk_fat", "disk_bls", "disk_uki", "disk_entries"):
        shutil.rmtree(os.path.join(HERE, "corpus", target), ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        def f(name, data):
            p = os.path.join(tmp, name)
            with open(p, "wb") as fh:
                fh.write(data)
            return p
        kernel = f("vmlinuz", b"MZ kernel " * 40)
        initrd = f("initrd.img", b"initrd")
        entry = f("a.conf", ENTRY.encode())
        other = f("b.conf", b"title Old\nversion 5.10\nlinux /vmlinuz\n")
        loader = f("loader.conf", b"timeout 3\ndefault debian-*\n")
        stub = make_disk.DEFAULT_STUB if os.path.exists(make_disk.DEFAULT_STUB) else None
        ukis = {}
        for kind, s in (("stub", stub), ("minimal", None)):
            if kind == "stub" and not s:
                continue
            p = os.path.join(tmp, "uki-%s.efi" % kind)
            make_disk.make_uki(tmp, p, s, 'PRETTY_NAME="Debian UKI"\nVERSION_ID=12\nID=debian\n',
                               "root=/dev/vda2", kernel, [initrd])
            ukis[kind] = p
        files = [("/vmlinuz", kernel), ("/initrd.img", initrd), ("/loader/loader.conf", loader),
                 ("/loader/entries/debian-6.1.conf", entry), ("/loader/entries/old.conf", other),
                 ("/EFI/Linux/uki.efi", ukis["minimal"])]

        # Partition tables.
        gpt = os.path.join(tmp, "gpt.img")
        image(gpt, 8192)
        run("sfdisk", "--quiet", gpt, input=("label: gpt\nstart=2048, size=2048, type=%s\n"
                                             "size=2048, type=%s\nsize=1024, type=%s\n"
                                             % (ESP, XBOOTLDR, LINUX)).encode())
        write("disk_part", "gpt-esp-xbootldr", disk_seed(gpt))
        mbr = os.path.join(tmp, "mbr.img")
        image(mbr, 8192)
        run("sfdisk", "--quiet", mbr, input=b"label: dos\nstart=2048, size=1024, type=ef\n"
            b"size=1024, type=ea\nsize=4000, type=5\nsize=1000, type=83\nsize=1000, type=83\n")
        write("disk_part", "mbr-logical", disk_seed(mbr))

        # FAT volumes.
        for fat, sectors, extra in ((12, 2048, ()), (16, 16384, ("-s", "1")), (32, 70000, ("-s", "1"))):
            vol = os.path.join(tmp, "fat%d.img" % fat)
            fat_volume(vol, fat, sectors, files, extra)
            write("disk_fat", "fat%d-loader-tree" % fat, disk_seed(vol))

        # Whole disks for the chooser: GPT, a FAT12 ESP at LBA 2048.
        disk = os.path.join(tmp, "disk.img")
        image(disk, 6144)
        run("sfdisk", "--quiet", disk,
            input=("label: gpt\nstart=2048, size=2048, type=%s\n" % ESP).encode())
        vol = os.path.join(tmp, "esp.img")
        fat_volume(vol, 12, 2048, files)
        with open(disk, "r+b") as d, open(vol, "rb") as v:
            d.seek(2048 * SECTOR)
            d.write(v.read())
        write("disk_entries", "gpt-esp-entries-uki", disk_seed(disk))

        # Text and PE headers.
        write("disk_bls", "debian-entry", ENTRY.encode())
        write("disk_bls", "loader-conf", open(loader, "rb").read())
        write("disk_bls", "versions", b"6.1.0-10-amd64~rc1^p.1debian-[a-z]*?")
        for kind, p in ukis.items():
            data = open(p, "rb").read()
            write("disk_uki", "uki-" + kind, struct.pack("<I", len(data)) + data[:4096])


if __name__ == "__main__":
    main()
