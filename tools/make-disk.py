#!/usr/bin/env python3
"""Build a disk image the way distributions lay out a boot disk, with the
real tools: a GPT (sfdisk) holding an EFI System Partition formatted
FAT16 or FAT32 (mkfs.fat) and a Linux partition; on the ESP, files copied
with mtools (mcopy -i IMAGE@@OFFSET): the kernel and initrds, Boot Loader
Specification type #1 entries, loader.conf, and optionally unified kernel
images (type #2) made with objcopy on systemd-boot's stub.

  tools/make-disk.py --out disk.img --fat 32 --kernel vmlinuz --initrd initrd.img \\
      --entry debian-6.1:"Debian 6.1":6.1.0:debian --entry old:"Old kernel":5.10 \\
      --default 'debian-*' --options 'console=ttyS0' \\
      --uki uki-12:"Debian UKI":12:'root=/dev/vda2 quiet' [--stub linuxx64.efi.stub]

--entry ID:TITLE:VERSION[:SORT-KEY[:OPTIONS]] writes
/loader/entries/ID.conf naming /vmlinuz and each initrd (/initrd-0.img,
...), with its OPTIONS, else --options, and with --devicetree FILE a
"devicetree /devicetree.dtb" line. --esp-mib N makes the ESP N MiB (a
33 MB arm64 Image needs more than the default). --uki
ID:PRETTY_NAME:VERSION_ID[:CMDLINE] writes /EFI/Linux/ID.efi; without
--stub (or when it is missing) the UKI is a minimal PE32+ this script
writes itself, with the same sections. --manifest FILE writes what was put
on the disk (JSON), for tests.
"""

import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

SECTOR = 512
ESP_START = 2048                     # 1 MiB
ESP_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
LINUX_TYPE = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"
LINUX_SECTORS = 2048
# Sizes that give each FAT type its cluster count with mkfs.fat's choices below.
ESP_MIB = {16: 24, 32: 40}
DEFAULT_STUB = "/usr/lib/systemd/boot/efi/linuxx64.efi.stub"


def run(*cmd, **kw):
    """Run a tool quietly (mkfs.fat warns about the image's size past the
    partition it was given); its output is shown only when it fails."""
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)
    if done.returncode:
        sys.exit("make-disk.py: %s failed (%d):\n%s" % (" ".join(cmd), done.returncode,
                                                       done.stdout.decode(errors="replace")))


def minimal_pe(sections):
    """A PE32+ x86-64 image: headers, then each (name, data) 512-aligned."""
    lfanew, opt_size = 0x40, 0xf0
    table = lfanew + 24 + opt_size
    at = 0x400
    heads, body = b"", b""
    for i, (name, data) in enumerate(sections):
        raw = (len(data) + 511) // 512 * 512
        heads += struct.pack("<8sIIII12xI", name.encode()[:8], len(data), 0x10000 * (i + 1),
                             raw, at, 0x40000040)
        body += data + b"\0" * (raw - len(data))
        at += raw
    head = bytearray(0x400)
    head[0:2] = b"MZ"
    struct.pack_into("<I", head, 0x3c, lfanew)
    head[lfanew:lfanew + 4] = b"PE\0\0"
    struct.pack_into("<HH12xH2x", head, lfanew + 4, 0x8664, len(sections), opt_size)
    struct.pack_into("<H", head, lfanew + 24, 0x20b)
    head[table:table + len(heads)] = heads
    return bytes(head) + body


def make_uki(tmp, out, stub, osrel, cmdline, kernel, initrds):
    initrd = b"".join(open(p, "rb").read() for p in initrds)
    sections = [(".osrel", osrel.encode())]
    if cmdline is not None:
        sections.append((".cmdline", cmdline.encode()))
    sections += [(".linux", open(kernel, "rb").read()), (".initrd", initrd)]
    if not stub:
        with open(out, "wb") as f:
            f.write(minimal_pe(sections))
        return "minimal-pe"
    args = ["objcopy"]
    vma = {".osrel": 0x20000, ".cmdline": 0x30000, ".linux": 0x2000000, ".initrd": 0x3000000}
    for name, data in sections:
        path = os.path.join(tmp, name[1:] + ".bin")
        with open(path, "wb") as f:
            f.write(data)
        args += ["--add-section", "%s=%s" % (name, path),
                 "--change-section-vma", "%s=0x%x" % (name, vma[name])]
    run(*args, stub, out)
    return "systemd-stub"


def mcopy(img, offset, src, dst):
    run("mcopy", "-o", "-i", "%s@@%d" % (img, offset), src, "::" + dst)


def mmd(img, offset, path):
    run("mmd", "-i", "%s@@%d" % (img, offset), "::" + path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--fat", type=int, choices=(16, 32), default=32)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", action="append", default=[])
    ap.add_argument("--entry", action="append", default=[])
    ap.add_argument("--options", default="")
    ap.add_argument("--default")
    ap.add_argument("--uki", action="append", default=[])
    ap.add_argument("--stub", default=DEFAULT_STUB)
    ap.add_argument("--manifest")
    ap.add_argument("--esp-mib", type=int)
    ap.add_argument("--devicetree")
    args = ap.parse_args()
    for tool in ("sfdisk", "mkfs.fat", "mcopy", "mmd", "objcopy"):
        if not shutil.which(tool):
            sys.exit("make-disk.py: %s is missing (tools/deps.sh test installs it)" % tool)
    stub = args.stub if args.stub and os.path.exists(args.stub) else None

    esp_sectors = (args.esp_mib or ESP_MIB[args.fat]) * 1024 * 1024 // SECTOR
    total = ESP_START + esp_sectors + LINUX_SECTORS + 2048
    with open(args.out, "wb") as f:
        f.truncate(total * SECTOR)
    layout = ("label: gpt\nstart=%d, size=%d, type=%s, name=esp\nsize=%d, type=%s, name=root\n"
              % (ESP_START, esp_sectors, ESP_TYPE, LINUX_SECTORS, LINUX_TYPE))
    run("sfdisk", "--quiet", args.out, input=layout.encode())
    # FAT16 with mkfs.fat's default cluster size; FAT32 with 512-byte clusters,
    # so a small ESP still has the 65,525 clusters FAT32 needs.
    mkfs = ["mkfs.fat", "-F", str(args.fat), "-S", "512", "--offset", str(ESP_START)]
    if args.fat == 32:
        mkfs += ["-s", "1"]
    run(*mkfs, args.out, str(esp_sectors // 2))
    off = ESP_START * SECTOR
    manifest = {"fat": args.fat, "esp": {"first_lba": ESP_START, "sectors": esp_sectors},
                "root": {"first_lba": ESP_START + esp_sectors, "sectors": LINUX_SECTORS},
                "disk_sectors": total, "entries": [], "default": args.default, "ukis": []}
    mcopy(args.out, off, args.kernel, "/vmlinuz")
    initrd_paths = []
    for i, path in enumerate(args.initrd):
        initrd_paths.append("/initrd-%d.img" % i)
        mcopy(args.out, off, path, initrd_paths[-1])
    dtb_path = "/devicetree.dtb" if args.devicetree else None
    if dtb_path:
        mcopy(args.out, off, args.devicetree, dtb_path)
    with tempfile.TemporaryDirectory() as tmp:
        for d in ("/loader", "/loader/entries", "/EFI", "/EFI/Linux"):
            mmd(args.out, off, d)
        for spec in args.entry:
            parts = spec.split(":", 4)
            ident, title, version = parts[:3]
            sort_key = parts[3] if len(parts) > 3 else ""
            options = parts[4] if len(parts) > 4 else args.options
            text = "title %s\nversion %s\n" % (title, version)
            if sort_key:
                text += "sort-key %s\n" % sort_key
            text += "linux /vmlinuz\n" + "".join("initrd %s\n" % p for p in initrd_paths)
            if options:
                text += "options %s\n" % options
            if dtb_path:
                text += "devicetree %s\n" % dtb_path
            path = os.path.join(tmp, ident + ".conf")
            with open(path, "w") as f:
                f.write(text)
            mcopy(args.out, off, path, "/loader/entries/%s.conf" % ident)
            manifest["entries"].append({"id": ident, "title": title, "version": version,
                                        "sort_key": sort_key, "options": options,
                                        "linux": "/vmlinuz", "initrd": initrd_paths,
                                        "devicetree": dtb_path})
        if args.default:
            path = os.path.join(tmp, "loader.conf")
            with open(path, "w") as f:
                f.write("timeout 0\ndefault %s\n" % args.default)
            mcopy(args.out, off, path, "/loader/loader.conf")
        for spec in args.uki:
            parts = spec.split(":", 3)
            ident, pretty, version_id = parts[:3]
            cmdline = parts[3] if len(parts) > 3 else None
            osrel = 'ID=pvhtest\nPRETTY_NAME="%s"\nVERSION_ID=%s\n' % (pretty, version_id)
            path = os.path.join(tmp, ident + ".efi")
            kind = make_uki(tmp, path, stub, osrel, cmdline, args.kernel, args.initrd)
            mcopy(args.out, off, path, "/EFI/Linux/%s.efi" % ident)
            manifest["ukis"].append({"id": ident, "title": pretty, "version": version_id,
                                     "sort_key": "pvhtest", "cmdline": cmdline, "kind": kind})
    if args.manifest:
        with open(args.manifest, "w") as f:
            json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
