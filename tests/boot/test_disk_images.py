"""pvhboot-disk's readers against disks the real tools made.

tools/make-disk.py builds a GPT disk (sfdisk) with an ESP formatted FAT16
or FAT32 (mkfs.fat), files copied by mtools, Boot Loader Specification
entries, loader.conf and unified kernel images (objcopy on systemd-boot's
stub when systemd-boot-efi is installed, else a minimal PE the script
writes). build/host/disk-list prints what the readers find, in the
firmware's own lines (docs/disk.md); each test computes those lines from
what it asked the script to put there, the order from the Boot Loader
Specification's rules (written again here, in Python, with the UAPI version
comparison), and the files' CRC-32s from their bytes.

Host only (no guest runs): ARCH is x86_64 so that it runs with the x86
tests, and the UKIs are x64 ones.
"""

ARCH = "x86_64"

import json
import os
import re
import shutil
import subprocess
import tempfile
import zlib

from common import Skip, check
from disk_boot import expected_lines

TOOLS = ("sfdisk", "mkfs.fat", "mcopy", "mmd", "objcopy")


def expected(m, kernel, initrds, want, vmm):
    """disk-list's lines: the readers' (disk_boot.expected_lines), then the
    CRC-32s of the chosen entry's files."""
    lines, chosen = expected_lines(m, "image", len(kernel), [len(d) for d in initrds], want, vmm)
    if chosen["type"] == 1:
        crcs = [("kernel", kernel)] + [("initrd", d) for d in initrds]
    else:
        crcs = [("kernel", kernel), ("initrd", b"".join(initrds))]
    return lines + ["disk-list: %s crc32 0x%08x" % (what, zlib.crc32(data))
                    for what, data in crcs]


def disk_test(ctx, fat, entries, default, ukis, want=None, vmm="console=ttyS0",
              options="console=hvc0 quiet", stub=None, label="gpt", esp_mib=None,
              xbootldr_mib=None, xbootldr_entries=(), xbootldr_ukis=()):
    """entries and ukis on the ESP, xbootldr_entries and xbootldr_ukis on an
    XBOOTLDR partition of xbootldr_mib MiB; label gpt or dos (MBR)."""
    def test():
        missing = [t for t in TOOLS if not shutil.which(t)]
        if missing:
            raise Skip("missing %s (tools/deps.sh test)" % " ".join(missing))
        disk_list = os.path.join(ctx.host_build, "disk-list")
        if not os.path.exists(disk_list):
            subprocess.run(ctx.make.split() + ["--no-print-directory", "DEPS=0",
                                               "O=" + os.path.dirname(ctx.host_build),
                                               disk_list], cwd=ctx.root, check=True)
        work = tempfile.mkdtemp(prefix="disk-", dir=ctx.tmp)
        kernel = bytes((i * 131 + 7) % 251 for i in range(200000 + fat))
        initrds = [b"first initrd\n" * 50, bytes(range(256)) * 9]
        paths = []
        for name, data in [("kernel", kernel), ("initrd0", initrds[0]), ("initrd1", initrds[1])]:
            paths.append(os.path.join(work, name))
            with open(paths[-1], "wb") as f:
                f.write(data)
        img, manifest = os.path.join(work, "disk.img"), os.path.join(work, "manifest.json")
        cmd = ["python3", os.path.join(ctx.root, "tools", "make-disk.py"), "--out", img,
               "--fat", str(fat), "--kernel", paths[0], "--initrd", paths[1],
               "--initrd", paths[2], "--options", options, "--manifest", manifest]
        cmd += sum((["--entry", e] for e in entries), [])
        cmd += sum((["--uki", u] for u in ukis), [])
        cmd += sum((["--xbootldr-entry", e] for e in xbootldr_entries), [])
        cmd += sum((["--xbootldr-uki", u] for u in xbootldr_ukis), [])
        cmd += ["--label", label]
        if xbootldr_mib:
            cmd += ["--xbootldr-mib", str(xbootldr_mib)]
        if esp_mib is not None:
            cmd += ["--esp-mib", str(esp_mib)]
        if default:
            cmd += ["--default", default]
        if stub is not None:
            cmd += ["--stub", stub]
        subprocess.run(cmd, check=True)
        with open(manifest) as f:
            m = json.load(f)
        out = subprocess.run([disk_list, img, want or "", vmm], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, check=False)
        got = out.stdout.decode(errors="replace").splitlines()
        want_lines = expected(m, kernel, initrds, want, vmm)
        check(out.returncode == 0, "disk-list exit %d:\n%s" % (out.returncode, "\n".join(got)))
        got_cmp = [re.sub(r" offset \d+ ", " offset * ", l) for l in got]
        check(got_cmp == want_lines, "disk-list printed:\n%s\nexpected:\n%s"
              % ("\n".join(got), "\n".join(want_lines)))
        shutil.rmtree(work)
        kinds = sorted(set(u["kind"] for u in m["ukis"]))
        return "UKIs: %s" % ",".join(kinds) if kinds else None
    return test


ENTRIES = ["debian-6.1.0-10:Debian 6.1.0-10:6.1.0-10:debian",
           "debian-6.1.0-9:Debian 6.1.0-9:6.1.0-9:debian",
           "fallback:Fallback:1",
           "zz-rescue:Rescue:2",
           "arch:Arch Linux:6.6:arch"]
UKIS = ["uki-12:Debian UKI:12:root=/dev/vda2 ro", "uki-11:Older UKI:11"]


def collect(ctx):
    return [
        ("disk-fat16-bls-default-pattern", disk_test(ctx, 16, ENTRIES, "debian-6.1.0-9*", [])),
        ("disk-fat32-bls-default-first", disk_test(ctx, 32, ENTRIES, "no-such-*", [])),
        ("disk-fat32-uki-by-title", disk_test(ctx, 32, ENTRIES, "debian-*", UKIS,
                                              want="Debian UKI")),
        ("disk-fat16-uki-without-cmdline", disk_test(ctx, 16, ENTRIES[:2], None, UKIS,
                                                     want="uki-11")),
        # The UKIs as a minimal PE of the script's own, stub or not.
        ("disk-fat32-uki-minimal-pe", disk_test(ctx, 32, ENTRIES[2:], "uki-1*", UKIS,
                                                stub="")),
        # GPT, the ESP holding loader.conf alone, XBOOTLDR everything else.
        ("disk-gpt-xbootldr-entries-esp-loader-conf",
         disk_test(ctx, 16, [], "debian-6.1.0-9*", [], xbootldr_mib=24,
                   xbootldr_entries=ENTRIES, xbootldr_ukis=UKIS)),
        # GPT, entries and UKIs on both: one list in the specification's order.
        ("disk-gpt-esp-and-xbootldr-one-order",
         disk_test(ctx, 16, ENTRIES[1::2], None, UKIS[1:], xbootldr_mib=24,
                   xbootldr_entries=ENTRIES[0::2], xbootldr_ukis=UKIS[:1])),
        ("disk-gpt-esp-and-xbootldr-uki-by-title",
         disk_test(ctx, 32, ENTRIES[1::2], "zz-*", UKIS[1:], want="Debian UKI",
                   xbootldr_mib=40, xbootldr_entries=ENTRIES[0::2], xbootldr_ukis=UKIS[:1])),
        # MBR: the ESP type 0xef, XBOOTLDR 0xea; and 0xea alone (the Boot
        # Loader Specification's one place on an MBR disk).
        ("disk-mbr-esp-ef-xbootldr-ea",
         disk_test(ctx, 16, ENTRIES[3:], "arch", UKIS[:1], label="dos", xbootldr_mib=24,
                   xbootldr_entries=ENTRIES[:3])),
        ("disk-mbr-xbootldr-ea-alone",
         disk_test(ctx, 32, [], None, [], label="dos", esp_mib=0, xbootldr_mib=40,
                   xbootldr_entries=ENTRIES, xbootldr_ukis=UKIS)),
    ]
