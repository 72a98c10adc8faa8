"""Boot disks for pvhboot-disk's Linux boots (test_x86_disk_boot.py,
test_arm64_disk_boot.py): GPT or MBR + FAT images made by
tools/make-disk.py with the real tools, and what the guest must then
show, computed from what the test put on the disk: the readers' lines
(partitions, file systems, the entries in the Boot Loader Specification's
order, written again here in Python, with the UAPI version comparison;
test_disk_images.py checks the same lines from build/host/disk-list).

pvhboot-disk prints, once it has read the chosen entry's files,
    pvhboot: boot: <device>: kernel 0x<at> size <bytes>, initrd 0x<at> size <bytes>
the initrd being the entry's initrds back to back, each padded to 4 bytes.
Linux's own account of the initrd (x86: its RAMDISK line; arm64: the
tree's /chosen) must name that address and size. The command line Linux
gets (docs/disk.md): a type #1 entry's options,
then the VMM's command line without its pvhboot.* words; a UKI's
.cmdline alone.
"""

import fnmatch
import functools
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
# How many entries the readers keep, the first in order (docs/disk.md).
ENTRIES_KEPT = 64
# The transports' own line, one per disk (disk_images.DISK_LINE).
TRANSPORT = re.compile(rb"^pvhboot: disk: (.+) \d+ sectors crc32 0x[0-9a-f]{8}$")
# The readers' lines about the chosen entry (docs/disk.md, "Console lines").
READER_BOOT = re.compile(rb'^pvhboot: boot: ("|kernel (esp|xbootldr):|initrd (esp|xbootldr):|'
                         rb'cmdline ")')


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


def in_order(m):
    """The entries of manifest m, both types, both partitions, as the Boot
    Loader Specification orders them: one merged list, the partition an
    entry is on playing no part (equal entries keep the manifest's order,
    the ESP's first, as the readers keep theirs)."""
    entries = [dict(e, type=1, machine_id="") for e in m["entries"]]
    entries += [dict(u, type=2, machine_id="") for u in m["ukis"]]
    return sorted(entries, key=functools.cmp_to_key(entry_cmp))


def table_lines(m, device, note=None):
    """The readers' first lines for the disk of manifest m: the partition
    table (and, given, the line of note: why the primary GPT was not
    used), its partitions, their FAT volumes."""
    scheme = "gpt" if m.get("label", "gpt") == "gpt" else "mbr"
    parts = m["partitions"]
    lines = ["pvhboot: disk: %s sectors %d %s partitions %d" % (device, m["disk_sectors"],
                                                               scheme, len(parts))]
    if note:
        lines.append("pvhboot: disk: %s: %s" % (device, note))
    lines += ["pvhboot: disk: partition %d lba %d sectors %d %s" % (
        p["number"], p["first_lba"], p["sectors"], p["kind"]) for p in parts]
    lines += ["pvhboot: disk: partition %d %s fat%d" % (p["number"], p["kind"], m["fat"])
              for p in parts if p["kind"] != "other"]
    return lines


def expected_lines(m, device, kernel_size, initrd_sizes, want, vmm, note=None):
    """(the readers' lines for the disk of manifest m, the chosen entry):
    the partition table (note: table_lines'), the FAT volumes,
    loader.conf's default, the entries in order (the first ENTRIES_KEPT,
    and then a line with their count, when there are more: the others
    are not chosen from), then the chosen entry, its files and cmdline,
    for pvhboot.entry=want (None: loader.conf's default, else the first)
    and the VMM's cmdline vmm. A UKI's sections' offsets depend on the
    stub: they are ' offset * '."""
    lines = table_lines(m, device, note)
    if m["default"]:
        lines.append('pvhboot: disk: default "%s"' % m["default"])
    entries = in_order(m)
    for i, e in enumerate(entries[:ENTRIES_KEPT]):
        lines.append('pvhboot: disk: entry %d "%s" type %d %s title "%s" version "%s"'
                     % (i + 1, e["id"], e["type"], e["fs"], e["title"], e["version"]))
    if len(entries) > ENTRIES_KEPT:
        lines.append("pvhboot: disk: %d entries, the first %d in order kept" % (len(entries),
                                                                                ENTRIES_KEPT))
        entries = entries[:ENTRIES_KEPT]
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
    if chosen["type"] == 1:
        lines.append("pvhboot: boot: kernel %s:%s size %d" % (chosen["fs"], chosen["linux"],
                                                             kernel_size))
        lines += ["pvhboot: boot: initrd %s:%s size %d" % (chosen["fs"], path, size)
                  for path, size in zip(chosen["initrd"], initrd_sizes)]
        cmdline = " ".join(x for x in (chosen["options"], vmm) if x)
    else:
        uki = "%s:/EFI/Linux/%s.efi" % (chosen["fs"], chosen["id"])
        lines.append("pvhboot: boot: kernel %s offset * size %d" % (uki, kernel_size))
        if initrd_sizes:
            lines.append("pvhboot: boot: initrd %s offset * size %d" % (uki, sum(initrd_sizes)))
        cmdline = chosen["cmdline"] if chosen["cmdline"] is not None else vmm
    lines.append('pvhboot: boot: cmdline "%s"' % cmdline)
    return lines, chosen


def reader_lines(lines):
    """The readers' lines among a guest's (as expected_lines makes them):
    every 'pvhboot: disk:' line but the transports', and the 'pvhboot:
    boot:' lines about the chosen entry, UKI offsets as ' offset * '."""
    return [re.sub(r" offset \d+ ", " offset * ", l.decode(errors="replace")) for l in lines
            if (l.startswith(b"pvhboot: disk: ") and not TRANSPORT.match(l)) or
            READER_BOOT.match(l)]


def check_disk(result, m, kernel, initrds, want, vmm):
    """The guest, with one disk (m's), printed the transport's line with
    the disk's size, then exactly the readers' lines expected_lines gives
    (its partitions, file systems, entries in order, the chosen entry and
    its files); returns the chosen entry."""
    transports = [TRANSPORT.match(l) for l in result.lines() if TRANSPORT.match(l)]
    check(len(transports) == 1, "expected one disk: " + result.describe())
    device = transports[0].group(1).decode()
    want_lines, chosen = expected_lines(m, device, os.path.getsize(kernel),
                                        [os.path.getsize(p) for p in initrds], want, vmm)
    got = reader_lines(result.lines())
    check(got == want_lines, "the readers printed:\n%s\nexpected:\n%s\n%s" % (
        "\n".join(got), "\n".join(want_lines), result.describe()))
    return chosen


def need_tools():
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        raise Skip("missing %s (tools/deps.sh test)" % " ".join(missing))


def make_disk(ctx, name, kernel, initrds, fat, entries=(), ukis=(), default=None,
              esp_mib=None, devicetree=None, label="gpt", xbootldr_mib=None,
              xbootldr_entries=(), xbootldr_ukis=()):
    """(image path, manifest) of a disk made once per run under ctx.tmp.
    entries: make-disk.py's ID:TITLE:VERSION:SORT-KEY:OPTIONS; ukis:
    ID:PRETTY_NAME:VERSION_ID:CMDLINE (on the ESP; xbootldr_entries and
    xbootldr_ukis on an XBOOTLDR partition of xbootldr_mib MiB); label
    gpt or dos (MBR); esp_mib 0: no ESP."""
    need_tools()
    img = os.path.join(ctx.tmp, "boot-disk-%s.img" % name)
    manifest = img + ".json"

    def write(part):
        cmd = ["python3", os.path.join(ctx.root, "tools", "make-disk.py"), "--out", part,
               "--fat", str(fat), "--kernel", kernel, "--manifest", manifest, "--label", label]
        cmd += sum((["--initrd", p] for p in initrds), [])
        cmd += sum((["--entry", e] for e in entries), [])
        cmd += sum((["--uki", u] for u in ukis), [])
        cmd += sum((["--xbootldr-entry", e] for e in xbootldr_entries), [])
        cmd += sum((["--xbootldr-uki", u] for u in xbootldr_ukis), [])
        if default:
            cmd += ["--default", default]
        if esp_mib is not None:
            cmd += ["--esp-mib", str(esp_mib)]
        if xbootldr_mib:
            cmd += ["--xbootldr-mib", str(xbootldr_mib)]
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
