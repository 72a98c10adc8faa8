#!/usr/bin/env python3
"""Build a disk image the way distributions lay out a boot disk, with the
real tools: a GPT or MBR (sfdisk) holding an EFI System Partition and
optionally an Extended Boot Loader Partition (XBOOTLDR), each formatted
FAT16 or FAT32 (mkfs.fat), and a Linux partition; on them, files copied
with mtools (mcopy -i IMAGE@@OFFSET): the kernel and initrds, Boot Loader
Specification type #1 entries, loader.conf (on the ESP), and optionally
unified kernel images (type #2) made with objcopy on systemd-boot's stub.

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

--label dos makes an MBR instead of a GPT: the ESP is type 0xef, XBOOTLDR
0xea (the Discoverable Partitions Specification's types), the Linux
partition 0x83. --xbootldr-mib N adds an XBOOTLDR partition of N MiB after
the ESP; --xbootldr-entry and --xbootldr-uki (the formats of --entry and
--uki) put entries on it. The kernel, initrds and devicetree are copied to
each partition whose type #1 entries name them (to the ESP always when
there is no XBOOTLDR). --esp-mib 0 leaves the ESP out (an MBR's 0xea
partition alone, the Boot Loader Specification's single place on MBR).

  tools/make-disk.py --out disk.img --label dos --fat 16 --kernel vmlinuz \\
      --initrd initrd.img --xbootldr-mib 24 --xbootldr-entry debian:Debian:6.1.0 \\
      --default 'debian*'
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
# Partition types: (GPT type GUID, MBR type byte).
TYPES = {"esp": ("C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "ef"),
         "xbootldr": ("BC13C2FF-59E6-4262-A352-B275FD6F7172", "ea"),
         "other": ("0FC63DAF-8483-4772-8E79-3D69D8477DE4", "83")}
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


def partitions(args, esp_sectors):
    """The partitions in disk order, numbered as Linux numbers them:
    [{number, first_lba, sectors, kind}], and the disk's size in sectors
    (room after the last for the backup GPT)."""
    sizes = []
    if esp_sectors:
        sizes.append(("esp", esp_sectors))
    if args.xbootldr_mib:
        sizes.append(("xbootldr", args.xbootldr_mib * 1024 * 1024 // SECTOR))
    sizes.append(("other", LINUX_SECTORS))
    parts, lba = [], ESP_START
    for kind, count in sizes:
        parts.append({"number": len(parts) + 1, "first_lba": lba, "sectors": count,
                      "kind": kind})
        lba += count
    return parts, lba + 2048


def write_entries(img, off, tmp, fs, specs, files, options, out):
    """Type #1 entries SPECS (ID:TITLE:VERSION[:SORT-KEY[:OPTIONS]]) in
    /loader/entries on the volume at byte off, naming files (linux,
    initrds, devicetree) on it."""
    linux, initrds, dtb = files
    for spec in specs:
        parts = spec.split(":", 4)
        ident, title, version = parts[:3]
        sort_key = parts[3] if len(parts) > 3 else ""
        opts = parts[4] if len(parts) > 4 else options
        text = "title %s\nversion %s\n" % (title, version)
        if sort_key:
            text += "sort-key %s\n" % sort_key
        text += "linux %s\n" % linux + "".join("initrd %s\n" % p for p in initrds)
        if opts:
            text += "options %s\n" % opts
        if dtb:
            text += "devicetree %s\n" % dtb
        path = os.path.join(tmp, ident + ".conf")
        with open(path, "w") as f:
            f.write(text)
        mcopy(img, off, path, "/loader/entries/%s.conf" % ident)
        out.append({"id": ident, "title": title, "version": version, "sort_key": sort_key,
                    "options": opts, "linux": linux, "initrd": initrds, "devicetree": dtb,
                    "fs": fs})


def write_ukis(img, off, tmp, fs, specs, stub, kernel, initrds, out):
    """UKIs SPECS (ID:PRETTY_NAME:VERSION_ID[:CMDLINE]) in /EFI/Linux."""
    for spec in specs:
        parts = spec.split(":", 3)
        ident, pretty, version_id = parts[:3]
        cmdline = parts[3] if len(parts) > 3 else None
        osrel = 'ID=pvhtest\nPRETTY_NAME="%s"\nVERSION_ID=%s\n' % (pretty, version_id)
        path = os.path.join(tmp, ident + ".efi")
        kind = make_uki(tmp, path, stub, osrel, cmdline, kernel, initrds)
        mcopy(img, off, path, "/EFI/Linux/%s.efi" % ident)
        out.append({"id": ident, "title": pretty, "version": version_id,
                    "sort_key": "pvhtest", "cmdline": cmdline, "kind": kind, "fs": fs})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--label", choices=("gpt", "dos"), default="gpt")
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
    ap.add_argument("--xbootldr-mib", type=int)
    ap.add_argument("--xbootldr-entry", action="append", default=[])
    ap.add_argument("--xbootldr-uki", action="append", default=[])
    ap.add_argument("--devicetree")
    args = ap.parse_args()
    for tool in ("sfdisk", "mkfs.fat", "mcopy", "mmd", "objcopy"):
        if not shutil.which(tool):
            sys.exit("make-disk.py: %s is missing (tools/deps.sh test installs it)" % tool)
    stub = args.stub if args.stub and os.path.exists(args.stub) else None
    esp_mib = ESP_MIB[args.fat] if args.esp_mib is None else args.esp_mib
    if (args.xbootldr_entry or args.xbootldr_uki) and not args.xbootldr_mib:
        sys.exit("make-disk.py: --xbootldr-entry and --xbootldr-uki need --xbootldr-mib")
    if not esp_mib and (args.entry or args.uki or args.default):
        sys.exit("make-disk.py: --entry, --uki and --default need an ESP (--esp-mib)")
    if not esp_mib and not args.xbootldr_mib:
        sys.exit("make-disk.py: no ESP and no XBOOTLDR: nothing to put the files on")

    parts, total = partitions(args, esp_mib * 1024 * 1024 // SECTOR)
    with open(args.out, "wb") as f:
        f.truncate(total * SECTOR)
    gpt = args.label == "gpt"
    layout = "label: %s\n" % args.label
    for p in parts:
        layout += "start=%d, size=%d, type=%s%s\n" % (
            p["first_lba"], p["sectors"], TYPES[p["kind"]][0 if gpt else 1],
            ", name=%s" % ("root" if p["kind"] == "other" else p["kind"]) if gpt else "")
    run("sfdisk", "--quiet", args.out, input=layout.encode())
    vols = {p["kind"]: p for p in parts if p["kind"] != "other"}
    for p in vols.values():
        # FAT16 with mkfs.fat's default cluster size; FAT32 with 512-byte
        # clusters, so a small partition still has the 65,525 clusters FAT32 needs.
        mkfs = ["mkfs.fat", "-F", str(args.fat), "-S", "512", "--offset", str(p["first_lba"])]
        if args.fat == 32:
            mkfs += ["-s", "1"]
        run(*mkfs, args.out, str(p["sectors"] // 2))
    by_kind = lambda kind: ({"first_lba": vols[kind]["first_lba"], "sectors":
                             vols[kind]["sectors"]} if kind in vols else None)
    root = parts[-1]
    manifest = {"label": args.label, "fat": args.fat, "partitions": parts,
                "esp": by_kind("esp"), "xbootldr": by_kind("xbootldr"),
                "root": {"first_lba": root["first_lba"], "sectors": root["sectors"]},
                "disk_sectors": total, "entries": [], "default": args.default, "ukis": []}
    initrd_paths = ["/initrd-%d.img" % i for i in range(len(args.initrd))]
    dtb_path = "/devicetree.dtb" if args.devicetree else None
    files = ("/vmlinuz", initrd_paths, dtb_path)
    # What goes on each volume: (its entries, its UKIs).
    content = {"esp": (args.entry, args.uki), "xbootldr": (args.xbootldr_entry, args.xbootldr_uki)}
    with tempfile.TemporaryDirectory() as tmp:
        for kind, p in sorted(vols.items()):
            off = p["first_lba"] * SECTOR
            entries, ukis = content[kind]
            if entries or (kind == "esp" and "xbootldr" not in vols):
                mcopy(args.out, off, args.kernel, files[0])
                for src, dst in zip(args.initrd, initrd_paths):
                    mcopy(args.out, off, src, dst)
                if dtb_path:
                    mcopy(args.out, off, args.devicetree, dtb_path)
            for d in ("/loader", "/loader/entries", "/EFI", "/EFI/Linux"):
                mmd(args.out, off, d)
            write_entries(args.out, off, tmp, kind, entries, files, args.options,
                          manifest["entries"])
            if kind == "esp" and args.default:
                path = os.path.join(tmp, "loader.conf")
                with open(path, "w") as f:
                    f.write("timeout 0\ndefault %s\n" % args.default)
                mcopy(args.out, off, path, "/loader/loader.conf")
            write_ukis(args.out, off, tmp, kind, ukis, stub, args.kernel, args.initrd,
                       manifest["ukis"])
    if args.manifest:
        with open(args.manifest, "w") as f:
            json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
