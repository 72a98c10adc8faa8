"""What each part of pvhboot costs: loadable bytes from the link map, and
instructions from one boot of hello traced an instruction at a time.

A part is a set of objects (PARTS below, by the object's path under
build/<arch>/obj/). Bytes: the sizes of the input sections the linker put
in the image's loadable output sections (.text, .rodata, .data and the
notes), per object, from the map the link writes beside each image
(hello.map, pvhboot.map). Instructions: QEMU runs hello with -singlestep
and logs every instruction's address (-d exec,nochain) inside the image;
each is charged to the object whose section holds it, from the first
instruction of the entry to the timing report (pvhboot's own work, the
window make bench's phase table counts).
"""

import bisect
import os
import re
import subprocess
import tempfile

# part -> the objects it is made of (paths under build/<arch>/obj/, without .o).
PARTS = [
    ("entry and start", ["entry", "arch/x86/start", "arch/arm64/start", "arch/arm64/head",
                         "common/boot/parts_default",
                         "arch/arm64/vectors", "arch/arm64/exception"]),
    ("boot description (start info, device tree, memory map, options)",
     ["common/boot/start_info", "common/boot/memmap", "common/boot/boot", "common/boot/options",
      "common/boot/compression", "common/fdt/fdt", "common/fdt/fdt_boot", "common/fdt/fdt_write",
      "common/acpi/rsdp_scan", "common/acpi/checksum"]),
    ("page tables", ["arch/x86/paging", "arch/x86/page_walk", "arch/x86/phys", "arch/x86/table_fill",
                     "arch/arm64/mmu"]),
    ("exceptions and fatal errors", ["arch/x86/idt", "arch/x86/isr", "common/output/panic"]),
    ("consoles and formatting", ["common/output/console", "common/output/format",
                                 "common/output/error", "arch/x86/consoles", "arch/x86/uart16550",
                                 "arch/x86/debugcon", "arch/arm64/pl011"]),
    ("hypervisor and CPU probes", ["common/boot/hypervisor", "arch/x86/cpu", "arch/arm64/el2"]),
    ("Xen support", ["arch/x86/xen", "arch/x86/hypercall", "common/xen/xen_calls",
                     "common/xen/xenfeat", "arch/arm64/xen", "arch/arm64/hypercall",
                     "gen/xen-notes", "gen/xen-features"]),
    ("Xen PV console ring", ["common/xen/xen_console_ring"]),
    ("ACPI tables and poweroff", ["common/acpi/acpi", "arch/x86/power", "arch/x86/acpi_poweroff",
                                  "arch/arm64/psci"]),
    ("CPU list and start-up", ["common/acpi/acpi_madt", "arch/x86/cpus", "arch/x86/smp",
                               "arch/x86/lapic", "arch/x86/ap_start", "arch/x86/xen_vcpu",
                               "common/cpu/cpu_start",
                               "common/cpu/low_page", "common/fdt/fdt_cpus", "arch/arm64/smp",
                               "arch/arm64/secondary"]),
    ("timing", ["common/boot/timing"]),
    ("strings, CRC-32", ["common/lib/string", "common/lib/crc32"]),
    ("firmware (payload formats, planner, hand-offs)",
     ["firmware/chainload", "firmware/bzimage", "firmware/elf", "firmware/firmware",
      "firmware/multiboot", "firmware/pack", "firmware/x86/enter", "firmware/x86/handoff_linux",
      "firmware/x86/handoff_multiboot", "firmware/x86/handoff_pvh", "firmware/x86/place_pvh",
      "firmware/x86/place_random", "firmware/x86/payload",
      "firmware/x86/plan_elf", "firmware/x86/writer", "firmware/x86/trampoline",
      "firmware/x86/header_scan", "firmware/arm64/linux"]),
    ("disks (pvhboot-disk: virtio-blk, virtio-mmio, virtio-pci, discovery)",
     ["firmware/disk/disk_list", "firmware/disk/virtqueue", "firmware/disk/virtio_blk",
      "firmware/disk/virtio_mmio", "firmware/disk/virtio_pci", "firmware/disk/pci",
      "firmware/disk/dsdt_mmio", "firmware/disk/mcfg", "firmware/disk/discover_cmdline",
      "firmware/disk/disk_boot",
      "firmware/disk/x86/disk_arch", "firmware/disk/x86/discover",
      "firmware/disk/arm64/disk_arch", "firmware/disk/arm64/discover"]),
    ("disk contents (pvhboot-disk: GPT/MBR, FAT, boot entries, UKIs)",
     ["firmware/disk/disk_bytes", "firmware/disk/partition", "firmware/disk/part_table", "firmware/disk/gpt",
      "firmware/disk/mbr", "firmware/disk/fat", "firmware/disk/fat_dir", "firmware/disk/version",
      "firmware/disk/bls", "firmware/disk/uki", "firmware/disk/entries",
      "firmware/disk/entries_select"]),
    ("the program (hello, or the firmware's main)", ["examples/hello/hello", "examples/minimal/minimal",
                                                     "firmware/main",
                                                     "firmware/arm64/main", "disk/firmware_main",
                                                     "firmware/disk/disk_main"]),
]
OTHER = "other"
# arm64's images carry the list of their absolute addresses
# (tools/x86-relocs.py; .pvhboot_relocs and head.S's end of it) and the
# GOT slots of weak symbols it names, applied by head.S at every boot (a
# unikernel linked in one step as a static PIE: its .rela.dyn and
# .dynamic instead). x86's carry the lists and the PHYS32_RELOC note,
# applied by the entry only when moved.
RELOCATIONS = "relocations (the image relocates itself: arm64 always, x86 when moved)"
RELOCATION_SECTIONS = re.compile(r"^\.(rela|dynamic|got|pvhboot_relocs)")
RELOCATION_OBJECTS = ("arch/x86/reloc_note",)

LOADABLE = re.compile(r"^\.(text|rodata|data|note|pvhboot_pack|pvhboot_relocs|rela|dynamic|got)")
# An input section line of GNU ld's map: " .text.name  0xADDR  0xSIZE  file" (the
# name may stand alone on the line before, when it is long).
SECTION = re.compile(r"^ (\.\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)$")


def object_name(path):
    """'build/x86_64/libpvhboot.a(paging.o)' or '.../obj/arch/x86/paging.o' ->
    the object's path under obj/ without .o, as far as the map says it
    (an archive member has only its base name)."""
    m = re.match(r".*\((.*)\)$", path)
    if m:
        return m.group(1)[:-2] if m.group(1).endswith(".o") else m.group(1)
    path = path[:-2] if path.endswith(".o") else path
    i = path.find("/obj/")
    if i >= 0:
        return path[i + 5:]
    return os.path.basename(path)


def part_of(obj):
    """The part an object belongs to. Archive members are matched by base
    name; the longest matching pattern wins, so firmware/main is the
    program's and not the firmware's."""
    best, best_len = OTHER, -1
    for part, patterns in PARTS:
        for p in patterns:
            hit = obj == p or ("/" not in obj and p.rsplit("/", 1)[-1] == obj)
            if hit and len(p) > best_len:
                best, best_len = part, len(p)
    return best


def read_map(path):
    """[(start, end, section, object)] of the loadable input sections, from
    the map's layout part (after the list of discarded sections)."""
    out = []
    pending = None
    layout = in_discard = False
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("Linker script and memory map"):
                layout = True
            if not layout:
                continue
            if line.startswith("/DISCARD/"):
                in_discard = True
            elif line and not line[0].isspace() and line.strip():
                in_discard = False
            if in_discard:
                continue
            m = SECTION.match(line.rstrip("\n"))
            if not m:
                stripped = line.strip()
                pending = stripped if (stripped.startswith(".") and " " not in stripped) else None
                continue
            name = m.group(1) or pending
            pending = None
            start, size = int(m.group(2), 16), int(m.group(3), 16)
            if not name or not size or not LOADABLE.match(name):
                continue
            out.append((start, start + size, name, object_name(m.group(4))))
    return out


def section_part(section, obj):
    if RELOCATION_SECTIONS.match(section) or obj in RELOCATION_OBJECTS:
        return RELOCATIONS
    return part_of(obj)


def bytes_by_part(map_path):
    """{part: bytes}. The map gives merged string sections (.rodata.*.str1.1)
    their sizes before merging, so they overlap the next ones: a byte is
    counted once, for the first section that holds it."""
    sizes = {}
    covered = 0
    for start, end, section, obj in sorted(read_map(map_path)):
        start = max(start, covered)
        if end <= start:
            continue
        part = section_part(section, obj)
        sizes[part] = sizes.get(part, 0) + end - start
        covered = end
    return sizes


def instructions_by_part(qemu, elf, map_path, machine="q35", mem="512M", timeout=60):
    """{part: instructions} of hello's own work, and the total. One boot
    with every instruction logged (about 30,000 in the image)."""
    ranges = sorted((start, end, part_of(obj)) for start, end, section, obj in read_map(map_path)
                    if section.startswith(".text"))
    lo, hi = ranges[0][0], ranges[-1][1]
    counts, total = {}, 0
    with tempfile.TemporaryDirectory(prefix="pvhboot-parts-") as tmp:
        log = os.path.join(tmp, "exec.log")
        subprocess.run([qemu, "-M", machine, "-m", mem, "-nographic", "-nodefaults",
                        "-no-reboot", "-serial", "file:" + os.path.join(tmp, "serial.txt"),
                        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-icount", "shift=0",
                        "-singlestep", "-d", "exec,nochain", "-dfilter", "0x%x..0x%x" % (lo, hi - 1),
                        "-D", log, "-kernel", elf, "-append", "pvhboot.timing"],
                       timeout=timeout, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        report = timing_report_start(map_path)
        pc_re = re.compile(r"Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/")
        starts = [r[0] for r in ranges]
        with open(log, errors="replace") as f:
            for line in f:
                m = pc_re.search(line)
                if not m:
                    continue
                pc = int(m.group(1), 16)
                if pc == report:
                    break
                i = bisect.bisect_right(starts, pc) - 1
                part = ranges[i][2] if i >= 0 and pc < ranges[i][1] else OTHER
                counts[part] = counts.get(part, 0) + 1
                total += 1
    return counts, total


def timing_report_start(map_path):
    """The address of pvh_timing_report: where own work ends."""
    with open(map_path, errors="replace") as f:
        for line in f:
            m = re.match(r"^\s+0x([0-9a-f]+)\s+pvh_timing_report$", line)
            if m:
                return int(m.group(1), 16)
    raise RuntimeError("no pvh_timing_report in " + map_path)


def parts_markdown(build_root, qemu):
    """The table make bench prints: each part's bytes in hello.elf,
    minimal.elf (no optional part: what hello pays for them is the
    difference) and pvhboot.elf (x86_64 and arm64 where built) and its instructions in
    hello's boot (x86_64, q35, 512 MiB)."""
    images = [(arch, name) for arch in ("x86_64", "arm64") for name in ("hello", "minimal", "pvhboot")
              if os.path.exists(os.path.join(build_root, arch, name + ".map"))]
    if not images:
        return []
    sizes = {img: bytes_by_part(os.path.join(build_root, img[0], img[1] + ".map"))
             for img in images}
    hello = os.path.join(build_root, "x86_64", "hello.elf")
    counts, total = ({}, 0)
    if ("x86_64", "hello") in sizes:
        counts, total = instructions_by_part(qemu, hello,
                                             os.path.join(build_root, "x86_64", "hello.map"))
    names = [p for p, _ in PARTS] + [RELOCATIONS, OTHER]
    out = ["## What each part costs", "",
           "Loadable bytes of each part in each image (from the link map: .text, .rodata, "
           ".data, notes, per object), and the instructions it ran in hello's own work "
           "(x86_64, q35 512M, traced one instruction at a time: %d in all). Every image "
           "links every part it calls; `0` means linked and not run." % total, "",
           "| part | " + " | ".join("%s/%s" % img for img in images) + " | hello x86 instructions |",
           "|---" * (len(images) + 2) + "|"]
    for part in names:
        row = [sizes[img].get(part, 0) for img in images]
        if not any(row) and not counts.get(part):
            continue
        out.append("| %s | %s | %d |" % (part, " | ".join(str(b) for b in row), counts.get(part, 0)))
    out.append("| all | %s | %d |" % (" | ".join(str(sum(sizes[img].values())) for img in images),
                                       total))
    out.append("")
    return out
