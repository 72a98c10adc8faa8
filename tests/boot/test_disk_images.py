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

import fnmatch
import functools
import json
import os
import re
import shutil
import subprocess
import zlib

from common import Skip, check

TOOLS = ("sfdisk", "mkfs.fat", "mcopy", "mmd", "objcopy")


def version_cmp(a, b):
    """The UAPI Version Format Specification's comparison."""
    def skip(s):
        return re.sub(r"^[^A-Za-z0-9.~^-]*", "", s)
    def separator(a, b, seps):
        """(order, a, b): where only one side starts with a separator of
        seps, the other sorts higher (the order, 1 or -1); where both do,
        both lose it, and the order is None."""
        for sep in seps:
            if a[:1] == sep or b[:1] == sep:
                if a[:1] != sep:
                    return 1, a, b
                if b[:1] != sep:
                    return -1, a, b
                a, b = a[1:], b[1:]
        return None, a, b
    while True:
        a, b = skip(a), skip(b)
        order, a, b = separator(a, b, "~")
        if order is not None:
            return order
        if not a or not b:
            return (len(a) > 0) - (len(b) > 0)
        order, a, b = separator(a, b, "-^.")
        if order is not None:
            return order
        if a[:1].isdigit() or b[:1].isdigit():
            ma, mb = re.match(r"0*([0-9]*)", a), re.match(r"0*([0-9]*)", b)
            na, nb = ma.group(1), mb.group(1)
            if (len(na), na) != (len(nb), nb):
                return -1 if (len(na), na) < (len(nb), nb) else 1
            a, b = a[ma.end():], b[mb.end():]
        else:
            ma, mb = re.match(r"[A-Za-z]*", a), re.match(r"[A-Za-z]*", b)
            if ma.group(0) != mb.group(0):
                return -1 if ma.group(0) < mb.group(0) else 1
            a, b = a[ma.end():], b[mb.end():]


def entry_cmp(x, y):
    """Boot Loader Specification order: sort-key first, etc."""
    if bool(x["sort_key"]) != bool(y["sort_key"]):
        return -1 if x["sort_key"] else 1
    if x["sort_key"]:
        for k in ("sort_key", "machine_id"):
            if x[k] != y[k]:
                return -1 if x[k] < y[k] else 1
        r = -version_cmp(x["version"], y["version"])
        if r:
            return r
    return -version_cmp(x["id"], y["id"]) or (x["id"] > y["id"]) - (x["id"] < y["id"])


def expected(m, kernel, initrds, want, vmm):
    lines = ["pvhboot: disk: image sectors %d gpt partitions 2" % m["disk_sectors"],
             "pvhboot: disk: partition 1 lba %d sectors %d esp" % (m["esp"]["first_lba"],
                                                                  m["esp"]["sectors"]),
             "pvhboot: disk: partition 2 lba %d sectors %d other" % (m["root"]["first_lba"],
                                                                    m["root"]["sectors"]),
             "pvhboot: disk: partition 1 esp fat%d" % m["fat"]]
    if m["default"]:
        lines.append('pvhboot: disk: default "%s"' % m["default"])
    entries = [dict(e, type=1, machine_id="") for e in m["entries"]]
    entries += [dict(u, type=2, machine_id="") for u in m["ukis"]]
    entries.sort(key=functools.cmp_to_key(entry_cmp))
    for i, e in enumerate(entries):
        lines.append('pvhboot: disk: entry %d "%s" type %d esp title "%s" version "%s"'
                     % (i + 1, e["id"], e["type"], e["title"], e["version"]))
    if want:
        chosen = [e for e in entries if want in (e["id"], e["title"])][0]
    else:
        match = [e for e in entries if m["default"] and
                 fnmatch.fnmatchcase(e["id"], m["default"])]
        chosen = match[0] if match else entries[0]
        if m["default"] and not match:
            lines.append('pvhboot: disk: default "%s" matches no entry: the first in order'
                         % m["default"])
    lines.append('pvhboot: boot: "%s" type %d title "%s"' % (chosen["id"], chosen["type"],
                                                              chosen["title"]))
    initrd_bytes = b"".join(initrds)
    if chosen["type"] == 1:
        lines.append("pvhboot: boot: kernel esp:/vmlinuz size %d" % len(kernel))
        for i, data in enumerate(initrds):
            lines.append("pvhboot: boot: initrd esp:/initrd-%d.img size %d" % (i, len(data)))
        cmdline = " ".join(x for x in (m["options"], vmm) if x)
        crcs = [("kernel", kernel)] + [("initrd", d) for d in initrds]
    else:
        # Offsets depend on the stub: checked through the bytes' CRCs instead.
        lines.append("pvhboot: boot: kernel esp:/EFI/Linux/%s.efi offset * size %d"
                     % (chosen["id"], len(kernel)))
        lines.append("pvhboot: boot: initrd esp:/EFI/Linux/%s.efi offset * size %d"
                     % (chosen["id"], len(initrd_bytes)))
        cmdline = chosen["cmdline"] if chosen["cmdline"] is not None else vmm
        crcs = [("kernel", kernel), ("initrd", initrd_bytes)]
    lines.append('pvhboot: boot: cmdline "%s"' % cmdline)
    lines += ["disk-list: %s crc32 0x%08x" % (what, zlib.crc32(data)) for what, data in crcs]
    return lines


def disk_test(ctx, fat, entries, default, ukis, want=None, vmm="console=ttyS0",
              options="console=hvc0 quiet", stub=None):
    def test():
        missing = [t for t in TOOLS if not shutil.which(t)]
        if missing:
            raise Skip("missing %s (tools/deps.sh test)" % " ".join(missing))
        disk_list = os.path.join(ctx.host_build, "disk-list")
        if not os.path.exists(disk_list):
            subprocess.run(ctx.make.split() + ["--no-print-directory", "DEPS=0",
                                               "O=" + os.path.dirname(ctx.host_build),
                                               disk_list], cwd=ctx.root, check=True)
        work = os.path.join(ctx.tmp, "disk-fat%d-%s-%s" % (fat, want or "default", stub))
        os.makedirs(work, exist_ok=True)
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
        if default:
            cmd += ["--default", default]
        if stub is not None:
            cmd += ["--stub", stub]
        subprocess.run(cmd, check=True)
        with open(manifest) as f:
            m = json.load(f)
        m["options"] = options
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
    ]
