"""Boot disks for pvhboot-disk's Linux boots (test_x86_disk_boot.py,
test_arm64_disk_boot.py): GPT + FAT images made by tools/make-disk.py
with the real tools, and what the guest must then show, computed from
what the test put on the disk.

pvhboot-disk prints, once it has read the chosen entry's files,
    pvhboot: boot: <device>: kernel 0x<at> size <bytes>, initrd 0x<at> size <bytes>
the initrd being the entry's initrds back to back, each padded to 4 bytes.
Linux's own account of the initrd (x86: its RAMDISK line; arm64: the
tree's /chosen) must name that address and size. The command line Linux
gets (docs/disk.md): a type #1 entry's options,
then the VMM's command line without its pvhboot.* words; a UKI's
.cmdline alone.
"""

import json
import os
import re
import shutil
import subprocess

from common import Skip, check, file_made_once

TOOLS = ("sfdisk", "mkfs.fat", "mcopy", "mmd", "objcopy")
LOADED = re.compile(rb"^pvhboot: boot: (.+): kernel 0x([0-9a-f]+) size (\d+), "
                    rb"initrd 0x([0-9a-f]+) size (\d+)$")
CHOSEN = re.compile(rb'^pvhboot: boot: "(.*)" type ([12]) title "(.*)"$')


def need_tools():
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        raise Skip("missing %s (tools/deps.sh test)" % " ".join(missing))


def make_disk(ctx, name, kernel, initrds, fat, entries=(), ukis=(), default=None,
              esp_mib=None, devicetree=None):
    """(image path, manifest) of a disk made once per run under ctx.tmp.
    entries: make-disk.py's ID:TITLE:VERSION:SORT-KEY:OPTIONS; ukis:
    ID:PRETTY_NAME:VERSION_ID:CMDLINE."""
    need_tools()
    img = os.path.join(ctx.tmp, "boot-disk-%s.img" % name)
    manifest = img + ".json"

    def write(part):
        cmd = ["python3", os.path.join(ctx.root, "tools", "make-disk.py"), "--out", part,
               "--fat", str(fat), "--kernel", kernel, "--manifest", manifest]
        cmd += sum((["--initrd", p] for p in initrds), [])
        cmd += sum((["--entry", e] for e in entries), [])
        cmd += sum((["--uki", u] for u in ukis), [])
        if default:
            cmd += ["--default", default]
        if esp_mib:
            cmd += ["--esp-mib", str(esp_mib)]
        if devicetree:
            cmd += ["--devicetree", devicetree]
        subprocess.run(cmd, check=True)
    file_made_once(img, write)
    with open(manifest) as f:
        return img, json.load(f)


def drive(path, ident):
    return ["-drive", "file=%s,format=raw,if=none,id=%s,readonly=on" % (path, ident)]


def expected_cmdline(manifest, entry_id, vmm):
    """What the kernel must get for entry_id when the VMM's cmdline
    without pvhboot.* words is vmm."""
    for e in manifest["entries"]:
        if e["id"] == entry_id:
            return " ".join(x for x in (e["options"], vmm) if x).encode()
    for u in manifest["ukis"]:
        if u["id"] == entry_id:
            return (u["cmdline"] if u["cmdline"] is not None else vmm).encode()
    raise AssertionError("no entry %s on the disk" % entry_id)


def initrd_size(initrds):
    """The joined initrd's size: each file padded to 4 bytes."""
    return sum((os.path.getsize(p) + 3) & ~3 for p in initrds)


def check_chosen(result, entry_id, entry_type, kernel, initrds):
    """pvhboot-disk chose entry_id and loaded the kernel and initrds whole."""
    lines = result.lines()
    chosen = [m for m in (CHOSEN.match(l) for l in lines) if m]
    check(len(chosen) == 1, "expected one 'boot: \"<id>\"' line: " + result.describe())
    check(chosen[0].group(1) == entry_id.encode() and int(chosen[0].group(2)) == entry_type,
          "chose %r type %s, expected %r type %d" % (chosen[0].group(1), chosen[0].group(2),
                                                     entry_id, entry_type))
    loaded = [m for m in (LOADED.match(l) for l in lines) if m]
    check(len(loaded) == 1, "expected one 'boot: ... kernel ... initrd' line: " + result.describe())
    got = (int(loaded[0].group(3)), int(loaded[0].group(5)))
    want = (os.path.getsize(kernel), initrd_size(initrds))
    check(got == want, "loaded kernel and initrd sizes %r, expected %r" % (got, want))
    return loaded[0].group(1).decode()


def initrd_loaded(result):
    """(address, size) of the initrd pvhboot-disk handed over, from its line."""
    loaded = [m for m in (LOADED.match(l) for l in result.lines()) if m]
    check(len(loaded) == 1, "expected one 'boot: ... kernel ... initrd' line: " + result.describe())
    return int(loaded[0].group(4), 16), int(loaded[0].group(5))
