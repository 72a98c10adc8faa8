"""pvhboot.efi, the PVH loader as a UEFI application, under OVMF (q35):

- hello.elf from pvhboot.cfg, started by OVMF's boot manager as
  \\EFI\\BOOT\\BOOTX64.EFI: the cmdline byte for byte, two modules with
  their cmdlines and CRC-32s, the RSDP from the configuration table, and
  a memory map that is OVMF's own map translated (checked against the
  EFI map pvhboot.efi printed, translated again here);
- hello.elf from load options in the UEFI shell, with 5 GiB;
- Debian's vmlinux with the busybox initramfs: /proc/cmdline, Linux's
  RAM and RSDP;
- pvhboot.elf as the PVH kernel, chainloading Debian's bzImage (its
  first module) with the initramfs (its second);
- reloc-above-ram.elf (tests/payloads/reloc.asm), linked at 768 MiB with
  XEN_ELFNOTE_PHYS32_RELOC, in 512 MiB: moved into its window, aligned, on
  pages the firmware had free, and it runs there;
- bad input, each a one-line error and a clean return to the firmware:
  the boot manager goes on to the shell, the shell to the next command
  (among them the same kernel above RAM without note 19: not moved).
"""

ARCH = "x86_64"

import os
import re
import threading
import zlib

from common import TestFailure, check, expect_poweroff, file_once
from efi import (Volume, boot, e820_lines, efi_app, efi_map, merged, pvh_elf, rsdp, shell_script,
                 translate)
from hello_report import HelloReport, ReportError
from linux import INIT_EXIT_STATUS, InitReport, bzimage, initramfs, vmlinux
from test_x86_firmware_reloc import RELOC_EXIT_OK, elf32_facts

# OVMF under TCG takes about 4 s to its boot manager; the shell adds 5 s.
BOOT_TIMEOUT = 60
LINUX_TIMEOUT = 120
MEMORY = {"512M": 512 << 20, "5G": 5 << 30}
# What OVMF keeps for itself (runtime services, ACPI, reserved) and the
# legacy hole: the RAM the kernel gets is what QEMU was given less this.
FIRMWARE_RAM_SLACK = 16 << 20
START_INFO_LIMIT = 1 << 30
EFI_ERROR_BIT = 1 << 63
STATUS = {"EFI_LOAD_ERROR": 0x8000000000000001, "EFI_UNSUPPORTED": 0x8000000000000003,
          "EFI_NOT_FOUND": 0x800000000000000E, "EFI_ACCESS_DENIED": 0x800000000000000F}


def data_file(ctx, name, size, seed):
    path = os.path.join(ctx.tmp, name)
    return path, file_once(path, lambda: bytes((i * seed + (i >> 9)) & 0xff for i in range(size)))


def parse_hello(result):
    try:
        report = HelloReport(result.lines())
        report.check_memmap()
    except ReportError as e:
        raise TestFailure("%s\n%s" % (e, result.describe()))
    return report


def check_map(lines, report, mem_bytes):
    """hello's map is pvhboot.efi's translation of OVMF's final map."""
    efi = efi_map(lines)
    check(efi, "no 'efi: map' lines (--verbose)")
    want = translate(efi)
    check(e820_lines(lines) == want, "pvhboot.efi's e820 %r is not its EFI map %r translated" %
          (e820_lines(lines), want))
    got = merged([(r["first"], r["last"], r["type"]) for r in report.memmap])
    check(got == want, "hello's memory map %r differs from OVMF's, translated: %r" % (got, want))
    check(mem_bytes - FIRMWARE_RAM_SLACK <= report.ram <= mem_bytes,
          "hello has %d bytes of RAM; QEMU was given %d" % (report.ram, mem_bytes))


def check_start_info_low(lines):
    si = [l for l in lines if l.startswith(b"pvhboot: efi: start info 0x")]
    check(len(si) == 1, "no start info line")
    base = int(si[0].split()[4], 16)
    check(base < START_INFO_LIMIT, "start info at 0x%x, above 1 GiB" % base)


def hello_from_config_file(ctx):
    def test():
        mod_a, data_a = data_file(ctx, "efi-mod-a.bin", 23456, 7)
        mod_b, data_b = data_file(ctx, "efi-mod-b.bin", 70001, 13)
        cmdline = (b'console=ttyS0 greeting="hello from EFI" tab\there back\\slash #not-a-comment '
                   b'\x01\x7f\xfe ---notaseparator end')
        v = Volume(ctx, "config")
        v.copy("EFI/BOOT/BOOTX64.EFI", efi_app(ctx))
        v.copy("EFI/BOOT/hello.elf", os.path.join(ctx.build, "hello.elf"))
        v.copy("EFI/BOOT/mod-a.bin", mod_a)
        v.copy("modules/mod-b.bin", mod_b)
        v.write("EFI/BOOT/pvhboot.cfg", b"# pvhboot.efi's test configuration\r\n--verbose\n\n"
                b"  hello.elf " + cmdline + b"  \n  # a comment line\n"
                b"--- mod-a.bin first module \"quoted\"\n--- /modules/mod-b.bin\n")
        # A graphics console allocates and frees memory as it prints:
        # the memory map's key changes while pvhboot.efi prints the map.
        result = boot(ctx, v, "512M", BOOT_TIMEOUT, extra=["-device", "VGA"])
        expect_poweroff(result)
        lines = result.lines()
        report = parse_hello(result)
        check(report.loader == "pvh-v1" and report.hypervisor == "tcg",
              "loader %s, hypervisor %s" % (report.loader, report.hypervisor))
        check(report.cmdline == cmdline, "cmdline %r, expected %r" % (report.cmdline, cmdline))
        want = [(len(data_a), zlib.crc32(data_a), b'first module "quoted"'),
                (len(data_b), zlib.crc32(data_b), b"")]
        got = [(m["size"], m["crc32"], m["cmdline"]) for m in report.modules]
        check(got == want, "modules %r, expected %r" % (got, want))
        for m in report.modules:
            r = report.region_of(m["base"])
            check(r and r["type"] == 1 and m["base"] + m["size"] - 1 <= r["last"] and
                  m["base"] + m["size"] <= 1 << 32, "module at 0x%x not in RAM below 4 GiB" %
                  m["base"])
        check_map(lines, report, MEMORY["512M"])
        check(report.rsdp == rsdp(lines), "hello's RSDP 0x%x, pvhboot.efi's 0x%x" %
              (report.rsdp or 0, rsdp(lines)))
        check(b"pvhboot: efi: rsdp 0x%x (ACPI 2.0 table)" % report.rsdp in lines,
              "not the ACPI 2.0 table's RSDP")
        check_start_info_low(lines)
        return "%.1fs" % result.elapsed
    return test


def hello_from_load_options(ctx):
    def test():
        mod, data = data_file(ctx, "efi-mod-shell.bin", 4099, 5)
        v = Volume(ctx, "shell")
        v.copy("pvhboot.efi", efi_app(ctx))
        v.copy("kernels/hello.elf", os.path.join(ctx.build, "hello.elf"))
        v.copy("mod.bin", mod)
        v.write("startup.nsh", shell_script([
            'pvhboot.efi --verbose kernels\\hello.elf console=ttyS0 words="two words" '
            '--- \\mod.bin module words',
            'echo "pvhtest: returned %lasterror%"']))
        result = boot(ctx, v, "5G", BOOT_TIMEOUT)
        expect_poweroff(result)
        lines = result.lines()
        report = parse_hello(result)
        check(report.cmdline == b'console=ttyS0 words="two words"', "cmdline %r" % report.cmdline)
        got = [(m["size"], m["crc32"], m["cmdline"]) for m in report.modules]
        check(got == [(len(data), zlib.crc32(data), b"module words")], "modules %r" % got)
        check_map(lines, report, MEMORY["5G"])
        check(any(r["type"] == 1 and r["first"] >= 1 << 32 for r in report.memmap),
              "no RAM above 4 GiB")
        check_start_info_low(lines)
        return "%.1fs" % result.elapsed
    return test


def linux_vmlinux(ctx):
    def test():
        cmdline = b'console=ttyS0 quiet pvhtest.loader=pvhboot.efi pvhtest.words="a b"'
        v = Volume(ctx, "linux")
        v.copy("EFI/BOOT/BOOTX64.EFI", efi_app(ctx))
        v.link("boot/vmlinux", vmlinux(ctx))
        v.link("boot/initramfs.cpio", initramfs(ctx))
        v.write("EFI/BOOT/pvhboot.cfg", b"--verbose\n/boot/vmlinux " + cmdline +
                b"\n--- /boot/initramfs.cpio\n")
        result = boot(ctx, v, "512M", LINUX_TIMEOUT)
        check(not result.timed_out and not result.triple_fault, result.describe())
        check(result.status == INIT_EXIT_STATUS, "expected /init's exit: " + result.describe())
        lines = result.lines()
        report = InitReport(result.serial)
        check(report.cmdline == cmdline, "Linux cmdline %r, expected %r" %
              (report.cmdline, cmdline))
        ram = lambda regions: [(a, b) for a, b, t in regions if t == 1]
        want = translate(efi_map(lines))
        check(ram(report.e820) == ram(want), "Linux's RAM %r is not OVMF's, translated: %r" %
              (ram(report.e820), ram(want)))
        check(report.rsdp == rsdp(lines), "Linux's RSDP 0x%x, pvhboot.efi's 0x%x" %
              (report.rsdp or 0, rsdp(lines)))
        staged = [l for l in lines if b"staged at" in l]
        return "%.1fs, %d kernel runs staged past OVMF's boot-services memory" % (
            result.elapsed, len(staged))
    return test


BOOTDUMP_EXIT = (0x21 << 1) | 1  # tests/payloads/bootdump.c: isa-debug-exit 0x21
BOOTDUMP_TABLES = re.compile(rb"^bootdump: gdtr 0x([0-9a-f]+) limit 0x([0-9a-f]+) idtr 0x([0-9a-f]+) "
                             rb"limit 0x([0-9a-f]+) tr 0x([0-9a-f]+) base 0x([0-9a-f]+) "
                             rb"limit 0x([0-9a-f]+) type 0x([0-9a-f]+)$")
BOOTDUMP_MEMMAP = re.compile(rb"^bootdump: memmap \d+ 0x([0-9a-f]+)-0x([0-9a-f]+) type (\d+)$")


def bootdump_descriptor_tables(ctx):
    """The PVH ABI's processor state at the kernel's entry, as bootdump
    (tests/payloads/bootdump.c) reads it: a null IDT (OVMF's lies in
    boot-services memory the staged moves may overwrite), TR a 32-bit TSS
    of base 0 and limit 0x67 (busy once loaded: type 0xb), not OVMF's
    TR; and the GDT in memory the kernel is told is RAM (the trampoline's
    page), below 4 GiB. pvhboot.elf's hand-off leaves the same
    (test_x86_firmware_placement.py)."""
    def test():
        v = Volume(ctx, "bootdump")
        v.copy("EFI/BOOT/BOOTX64.EFI", efi_app(ctx))
        v.copy("EFI/BOOT/bootdump.elf", os.path.join(ctx.build, "tests", "bootdump-pvh.elf"))
        v.write("EFI/BOOT/pvhboot.cfg", b"bootdump.elf efi tables\n")
        result = boot(ctx, v, "512M", BOOT_TIMEOUT)
        check(not result.timed_out and not result.triple_fault, result.describe())
        lines = [l.rstrip(b"\r") for l in result.serial.split(b"\n")]
        dump = [l[l.index(b"bootdump: "):] for l in lines if b"bootdump: " in l]
        check(b"bootdump: done" in dump and result.status == BOOTDUMP_EXIT,
              "bootdump did not finish: " + result.describe())
        check(b"bootdump: protocol pvh" in dump and b'bootdump: cmdline "efi tables"' in dump,
              "bootdump was not entered as PVH with its cmdline: %r" % dump[:6])
        tables = [m for m in (BOOTDUMP_TABLES.match(l) for l in dump) if m]
        check(len(tables) == 1, "bootdump's gdtr line: %r" % dump[:4])
        gdtr, _, idtr, idt_limit, tr, tss_base, tss_limit, tss_type = (
            int(x, 16) for x in tables[0].groups())
        check(idtr == 0 and idt_limit == 0, "IDTR 0x%x limit 0x%x: want a null IDT" %
              (idtr, idt_limit))
        check(tr != 0 and tss_base == 0 and tss_limit == 0x67 and tss_type == 0xb,
              "TR 0x%x: TSS base 0x%x limit 0x%x type 0x%x; want a busy 32-bit TSS, base 0, "
              "limit 0x67" % (tr, tss_base, tss_limit, tss_type))
        ram = [(int(m.group(1), 16), int(m.group(2), 16)) for m in
               (BOOTDUMP_MEMMAP.match(l) for l in dump) if m and m.group(3) == b"1"]
        check(any(first <= gdtr and gdtr + 0x20 <= last + 1 for first, last in ram),
              "GDT at 0x%x: not in RAM of the kernel's map %r" % (gdtr, ram))
        return "GDT 0x%x, TR 0x%x" % (gdtr, tr)
    return test


def linux_through_pvhboot_elf(ctx):
    def test():
        cmdline = b"console=ttyS0 quiet pvhtest.chain=pvhboot.efi,pvhboot.elf"
        v = Volume(ctx, "chain")
        v.copy("EFI/BOOT/BOOTX64.EFI", efi_app(ctx))
        v.copy("pvhboot.elf", os.path.join(ctx.build, "pvhboot.elf"))
        v.link("bzImage", bzimage(ctx))
        v.link("initramfs.cpio", initramfs(ctx))
        v.write("EFI/BOOT/pvhboot.cfg", b"\\pvhboot.elf " + cmdline +
                b"\n--- \\bzImage\n--- \\initramfs.cpio\n")
        result = boot(ctx, v, "512M", LINUX_TIMEOUT)
        check(not result.timed_out and not result.triple_fault, result.describe())
        check(result.status == INIT_EXIT_STATUS, "expected /init's exit: " + result.describe())
        check(any(l.startswith(b"pvhboot: fw: payload linux ") for l in result.lines()),
              "pvhboot.elf did not take its first module as a bzImage")
        report = InitReport(result.serial)
        check(report.cmdline == cmdline, "Linux cmdline %r, expected %r" %
              (report.cmdline, cmdline))
        return "%.1fs" % result.elapsed
    return test


RELOC_PLACED = re.compile(rb"pvhboot: efi: kernel \S+: relocatable \(note 19\): align 0x([0-9a-f]+), "
                          rb"window 0x([0-9a-f]+)-0x([0-9a-f]+); placed at 0x([0-9a-f]+) "
                          rb"\(link address 0x([0-9a-f]+)\)$")
RELOC_ENTRY = re.compile(rb"reloc: entry 0x([0-9a-f]{8}) start-info-magic ok$")
# Where reloc-above-ram.elf and reloc-above-ram-none.elf are linked (arch/x86/build.mk).
RELOC_ABOVE_RAM = 0x30000000


def reloc_note_moved(ctx):
    """A PVH kernel with note 19 whose link address (768 MiB) is not
    memory in 512 MiB: pvhboot.efi moves it into its window, aligned, onto
    pages the firmware had free (its final map shows them as pvhboot.efi's
    EfiLoaderData), and enters it there with a start info."""
    def test():
        image = os.path.join(ctx.build, "tests", "reloc-above-ram.elf")
        entry, low, span, note = elf32_facts(image)
        check(note is not None and low == RELOC_ABOVE_RAM, "reloc-above-ram.elf: note %r, link "
              "0x%x" % (note, low))
        align, wmin, wmax = note
        v = Volume(ctx, "reloc")
        v.copy("EFI/BOOT/BOOTX64.EFI", efi_app(ctx))
        v.copy("EFI/BOOT/reloc.elf", image)
        v.write("EFI/BOOT/pvhboot.cfg", b"--verbose reloc.elf\n")
        result = boot(ctx, v, "512M", BOOT_TIMEOUT)
        check(not result.timed_out and result.status == RELOC_EXIT_OK,
              "reloc did not end with its own exit value: " + result.describe())
        placed = [m for m in map(RELOC_PLACED.match, result.lines()) if m]
        check(len(placed) == 1, "expected one 'relocatable (note 19)' line: " + result.describe())
        got = [int(g, 16) for g in placed[0].groups()]
        check(got[:3] + got[4:] == [align, wmin, wmax, low], "logged align/window/link %r; the "
              "ELF says 0x%x 0x%x-0x%x link 0x%x" % (got, align, wmin, wmax, low))
        base = got[3]
        check(base % align == 0 and wmin <= base and base + span - 1 <= wmax and
              base + span <= MEMORY["512M"], "placed at 0x%x+0x%x: not aligned to 0x%x inside "
              "the window 0x%x-0x%x and RAM" % (base, span, align, wmin, wmax))
        ran = [m for m in map(RELOC_ENTRY.match, result.lines(prefix=b"reloc: ")) if m]
        check(len(ran) == 1 and int(ran[0].group(1), 16) == entry + base - low,
              "reloc ran at %r, expected 0x%x" % ([m.group(1) for m in ran], entry + base - low))
        ours = [(a, b) for a, b, name, _ in efi_map(result.lines()) if name == "EfiLoaderData"]
        check(any(a <= base and base + span - 1 <= b for a, b in ours),
              "0x%x+0x%x is not pvhboot.efi's EfiLoaderData in the final map" % (base, span))
        check(b"pvhboot: efi: kernel 0x%x-0x%x: loaded in place" %
              (base, base + ((span + 0xfff) & ~0xfff) - 1) in result.lines(),
              "the moved kernel was not loaded in place (staged?)")
        return "placed at 0x%x" % base
    return test


# --- bad input: one boot, several refusals ---------------------------------------

REFUSALS = [
    # (name, file on the volume, expected error line (regex), expected status)
    ("missing-file", None,
     rb"pvhboot: error: kernel \\bad\\missing\.elf: cannot open: EFI_NOT_FOUND$", "EFI_NOT_FOUND"),
    ("non-elf", "bad/not-elf.bin",
     rb"pvhboot: error: kernel \\bad\\not-elf\.bin: ELF: no ELF magic$", "EFI_LOAD_ERROR"),
    ("elf-without-pvh-note", "bad/no-note.elf",
     rb"pvhboot: error: kernel \\bad\\no-note\.elf: no XEN_ELFNOTE_PHYS32_ENTRY note: not a PVH "
     rb"kernel$", "EFI_UNSUPPORTED"),
    # The last page of RAM below 4 GiB (512 MiB): OVMF keeps ACPI NVS there.
    ("segments-over-firmware-memory", "bad/firmware-memory.elf",
     rb"pvhboot: error: kernel \\bad\\firmware-memory\.elf: segments at 0x1ffff000-0x1fffffff: "
     rb"the firmware holds 0x[0-9a-f]+-0x1fffffff \((EfiACPIMemoryNVS|EfiACPIReclaimMemory|"
     rb"EfiRuntimeServicesData|EfiRuntimeServicesCode|EfiReservedMemoryType)\)$",
     "EFI_ACCESS_DENIED"),
    # reloc.asm without note 19, linked above 512 MiB of RAM: never moved.
    ("elf-without-reloc-note-above-ram", "bad/reloc-above-ram-none.elf",
     rb"pvhboot: error: kernel \\bad\\reloc-above-ram-none\.elf: segments at 0x30000000-"
     rb"0x30000fff: 0x30000000 is not memory in the firmware's map$", "EFI_ACCESS_DENIED"),
]
DEFAULT_MISSING = rb"pvhboot: error: kernel \\EFI\\BOOT\\kernel\.elf: cannot open: EFI_NOT_FOUND$"


class RefusalBoot:
    """The boot manager starts BOOTX64.EFI with nothing to boot (no
    pvhboot.cfg, no kernel.elf); when it returns, OVMF starts the shell,
    whose startup.nsh runs pvhboot.efi on each bad input in turn."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.lock = threading.Lock()
        self.result = None
        self.failure = None

    def get(self):
        """The one boot, run by the first test that asks; a failure of the
        boot itself fails every test that shares it, without booting again."""
        with self.lock:
            if self.result is None and self.failure is None:
                try:
                    self.result = self._boot()
                except Exception as e:
                    self.failure = e
            if self.failure is not None:
                raise self.failure
            return self.result

    def _boot(self):
        v = Volume(self.ctx, "refusals")
        v.copy("EFI/BOOT/BOOTX64.EFI", efi_app(self.ctx))
        v.write("bad/not-elf.bin", b"#!/bin/sh\necho this is not an ELF\n" * 10)
        v.write("bad/no-note.elf", pvh_elf(0x400000, with_note=False))
        v.write("bad/firmware-memory.elf", pvh_elf(0x1ffff000))
        none = os.path.join(self.ctx.build, "tests", "reloc-above-ram-none.elf")
        entry, low, span, note = elf32_facts(none)
        check(note is None and low == RELOC_ABOVE_RAM and span <= 0x1000,
              "reloc-above-ram-none.elf: note %r, 0x%x+0x%x" % (note, low, span))
        v.copy("bad/reloc-above-ram-none.elf", none)
        script = []
        for name, path, _, _ in REFUSALS:
            kernel = (path or "bad/missing.elf").replace("/", "\\")
            script += ["\\EFI\\BOOT\\BOOTX64.EFI \\" + kernel,
                       'echo "pvhtest: %s returned %%lasterror%%"' % name]
        v.write("startup.nsh", shell_script(script + ['echo "pvhtest: done"']))
        result = boot(self.ctx, v, "512M", BOOT_TIMEOUT)
        check(not result.timed_out, "the shell did not finish: " + result.describe())
        return result


def refusal_case(shared, index):
    name, _, want, status = REFUSALS[index]

    def test():
        result = shared.get()
        errors = [l for l in result.lines() if l.startswith(b"pvhboot: error: ")]
        # The first error is the boot manager's start, the rest one per startup.nsh line.
        check(len(errors) == 1 + len(REFUSALS), "expected %d error lines, got %r" %
              (1 + len(REFUSALS), errors))
        check(re.match(want, errors[1 + index]), "error line %r does not match %r" %
              (errors[1 + index], want))
        said = b"pvhtest: %s returned " % name.encode()
        returned = [l for l in result.lines(prefix=b"pvhtest: ") if l.startswith(said)]
        check(len(returned) == 1, "the shell did not go on after %s: %s" %
              (name, result.describe()))
        # The shell's %lasterror% shows the status without its error bit.
        got = int(returned[0].split()[-1], 16)
        check(got == STATUS[status] & ~EFI_ERROR_BIT, "%s returned 0x%x, expected %s (0x%x)" %
              (name, got, status, STATUS[status]))
        return None
    return test


def default_path_missing(shared):
    def test():
        result = shared.get()
        errors = [l for l in result.lines() if l.startswith(b"pvhboot: error: ")]
        check(errors and re.match(DEFAULT_MISSING, errors[0]),
              "first error %r, expected the default kernel's" % (errors[:1],))
        # OVMF's boot manager says what the application returned, then goes on.
        check(re.search(rb"BdsDxe: failed to start Boot\d+ [^\n]*: Not Found", result.serial),
              "the boot manager did not get EFI_NOT_FOUND back: " + result.describe())
        check(b"pvhtest: done" in result.lines(prefix=b"pvhtest: "),
              "the firmware did not go on to the shell: " + result.describe())
        return None
    return test


def collect(ctx):
    shared = RefusalBoot(ctx)
    tests = [
        ("hello-from-config-file-started-by-boot-manager", hello_from_config_file(ctx)),
        ("hello-from-load-options-in-shell-5G", hello_from_load_options(ctx)),
        ("linux-vmlinux-with-initramfs", linux_vmlinux(ctx)),
        ("pvhboot-elf-chainloads-linux-bzimage", linux_through_pvhboot_elf(ctx)),
        ("kernel-gets-null-idt-and-pvh-tss", bootdump_descriptor_tables(ctx)),
        ("reloc-note-kernel-above-ram-moved-into-window", reloc_note_moved(ctx)),
        ("returns-to-firmware-when-default-kernel-is-missing", default_path_missing(shared)),
    ]
    tests += [("refuses-%s" % r[0], refusal_case(shared, i)) for i, r in enumerate(REFUSALS)]
    return tests
