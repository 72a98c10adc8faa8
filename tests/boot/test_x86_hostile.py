"""pvhboot entered by a hostile PVH loader (issue 7).

QEMU boots the tests' own loader (tests/hostile/, a 32-bit PVH image at
64 MiB); it loads hello.elf as a PVH loader would and enters it with the
start info the case named on its cmdline crafts, every general register
but %ebx garbage, %esp included, the direction flag set and an IDT that
points nowhere. Each case below says what the loader does and what
pvhboot must do about it:

  BOOTS       hello runs and prints the right description: the cmdline,
              modules (CRC-32 of the bytes the loader put there) and RSDP
              the loader reports having handed over, and the memory map a
              reference model (memmap_model.py) derives from the raw map;
              then powers off through ACPI (exit status 0)
  BOOTS_NO_ACPI(warning, cpus)  the same, but the RSDP leads to no
              poweroff method: the warning line (if any), then the
              isa-debug-exit fallback (exit status 1); and when it leads to
              no MADT either, first the CPU list's warning (cpus, the boot
              CPU alone)
  REFUSED(line)  exactly this one error line, then the failure stop (exit
              status 3); "{self}" stands for pvhboot's own range

A triple fault, a hang, an exception report, a second error line or a
wrong description fails the case. QEMU: -M pc -m 512M (RAM from 1 MiB to
0x1ffe0000, SeaBIOS's 128 KiB reserved above it, nothing at 0x30000000 nor
at 4 GiB); the cases in HIGH_MEMORY_CASES get -m 5G (RAM above 4 GiB at
0x100000000-0x17fffffff), which the loader reaches through PAE paging.
"""

import os
import re
import zlib

from common import TestFailure, check, expect_panic, expect_poweroff, symbol_range
from hello_report import HelloReport, ReportError, compression_of
from hostile_loader import EXIT_UNKNOWN_CASE, MEMORY, RAM_END, Account, boot_case
import memmap_model

ARCH = "x86_64"
EXIT_FALLBACK_POWEROFF = 1  # isa-debug-exit written with 0


class Boots:
    def __init__(self, extra=None, acpi=True, warning=None, cpus_warning=None):
        self.extra, self.acpi, self.warning = extra, acpi, warning
        self.cpus_warning = cpus_warning


def BOOTS_NO_ACPI(warning=None, cpus=None):
    return Boots(acpi=False, warning=warning,
                 cpus_warning=cpus and cpus + "; running on the boot CPU alone")


class REFUSED:
    def __init__(self, line):
        self.line = line


BOOTS = Boots()


# Extra checks for some booting cases, on top of matching the loader's account.
def n_modules(n):
    def extra(report, account):
        check(len(report.modules) == n, "%d modules, expected %d" % (len(report.modules), n))
    return extra


def cmdline_is(want):
    def extra(report, account):
        check(report.cmdline == want, "cmdline %r, expected %r" % (report.cmdline[:80], want[:80]))
    return extra


def ram_is(n):
    def extra(report, account):
        check(report.ram == n, "ram %d, expected %d" % (report.ram, n))
    return extra


def has_region(first, last, typ):
    def extra(report, account):
        check(any(r["first"] == first and r["last"] == last and r["type"] == typ
                  for r in report.memmap), "no region 0x%x-0x%x type %d" % (first, last, typ))
    return extra


def start_flags(n):
    def extra(report, account):
        flags = [l for l in report.lines if l.startswith(b"pvhboot: start flags ")]
        check(flags and flags[0].startswith(b"pvhboot: start flags 0x%x" % n),
              "start flags line %r" % flags)
    return extra


def module_cmdlines(*want):
    def extra(report, account):
        got = tuple(m["cmdline"] for m in report.modules)
        check(got == want, "module cmdlines %r, expected %r" % (got, want))
    return extra


def formats_are(*want):
    def extra(report, account):
        got = tuple(m["format"] for m in report.modules)
        check(got == want, "module formats %r, expected %r" % (got, want))
    return extra


def all_of(*checks):
    def extra(report, account):
        for c in checks:
            c(report, account)
    return extra


def cpu_did_not_start(cpu, apic_id):
    """The MADT's CPU listed, not run; the boot CPU ran alone, and hello
    went on after the bounded wait."""
    def extra(report, account):
        listed, count = report.cpus()
        check(count == cpu, "'cpus %s', expected %d" % (count, cpu))
        check(len(listed) == cpu + 1 and listed[cpu]["hwid"] == apic_id and not listed[cpu]["ran"]
              and all(c["ran"] for c in listed[:cpu]),
              "expected cpu %d (apic 0x%x) listed and not run: %r" % (cpu, apic_id, listed))
    return extra


def acpi_in_nvs(cpus):
    """The RSDP lies in an NVS region, reported as such (never free RAM);
    the MADT behind it gave every CPU (and the FADT the poweroff the
    case's ACPI exit shows)."""
    def extra(report, account):
        r = report.region_of(report.rsdp)
        check(r is not None and r["type"] == memmap_model.NVS and not r["pvhboot"],
              "the RSDP 0x%x is in %r, not an NVS region" % (report.rsdp, r))
        report.check_cpu_list(range(cpus), "apic", b"tsc", b"madt")
    return extra


def rsdp_found_in(area):
    """RSDP 0: pvhboot's scan found one, in the EBDA (below 640 KiB) or the BIOS area."""
    def extra(report, account):
        check(account.rsdp == 0 and account.bios_rsdp, "the loader gave an RSDP or has none to find")
        in_ebda = account.bios_rsdp < 0xa0000
        check(in_ebda == (area == "EBDA"), "the loader's scan found 0x%x, not in the %s" %
              (account.bios_rsdp, area))
    return extra


ALL_BYTES = bytes(range(1, 256))
END = RAM_END
HIGH_MEMORY = "5G"
HIGH_END = 0x180000000  # QEMU -M pc -m 5G: RAM above 4 GiB ends here
# Cases that need RAM above 4 GiB; the rest run with hostile_loader.MEMORY.
HIGH_MEMORY_CASES = {"structures-above-4g", "modlist-straddles-end-of-high-ram",
                     "module-straddles-end-of-high-ram", "cmdline-unterminated-to-end-of-high-ram",
                     "acpi-in-reserved-above-4g"}
# Cases that need a second CPU.
CASE_QEMU_ARGS = {"madt-lists-absent-cpu": ["-smp", "2"], "acpi-tables-in-nvs": ["-smp", "2"]}
ABSENT_APIC_ID = 5  # tests/hostile/cases.c: the ID no CPU of -smp 2 has

CASES = [
    # name, what the loader does, what pvhboot must do
    # --- the start info itself
    ("baseline", "QEMU's map, two modules (one with a cmdline), a cmdline, QEMU's RSDP",
     Boots(all_of(n_modules(2), cmdline_is(b"hostile default cmdline")))),
    ("bss-not-zeroed", "the image's bss left full of 0xa5 instead of zeros", BOOTS),
    ("magic-bad", "magic 0x12345678",
     REFUSED("start info magic: 0x12345678, expected 0x336ec578")),
    ("magic-byte-swapped", "the magic's bytes reversed",
     REFUSED("start info magic: 0x78c56e33, expected 0x336ec578")),
    ("version-0", "version 0 (no memory map), not under Xen",
     REFUSED("start info version 0: no memory map, and no Xen to ask: hypervisor tcg")),
    ("version-2", "version 2, 16 bytes of unknown fields after the v1 ones", BOOTS),
    ("version-max", "version 0xffffffff", BOOTS),
    ("flags-all-set", "flags 0xffffffff", Boots(start_flags(0xffffffff))),
    ("reserved-fields-set", "every reserved field of start info, map and module list all ones",
     BOOTS),
    # --- where the start info is
    ("start-info-at-0", "%ebx = 0", REFUSED("start info: address 0")),
    ("start-info-overlaps-image", "%ebx inside pvhboot's image",
     REFUSED("start info at 0x100800-0x100807: overlaps pvhboot {self}")),
    ("start-info-past-end-of-ram", "%ebx = 0x30000000, where there is no memory (reads as 0)",
     REFUSED("start info magic: 0x0, expected 0x336ec578")),
    ("start-info-last-bytes-of-ram", "the start info in the last 56 bytes of RAM", BOOTS),
    ("start-info-straddles-end-of-ram",
     "map cut at 256 MiB; the start info's last 16 bytes past it (real RAM, unmapped)",
     REFUSED("start info at 0xfffffd8-0x1000000f: not in memory")),
    ("start-info-outside-map", "map cut at 256 MiB; a valid start info above it",
     REFUSED("start info at 0x10001000-0x10001037: not in memory")),
    ("unaligned-everything", "start info, map, module list, cmdlines and modules at odd addresses",
     Boots(module_cmdlines(b"odd module", b""))),
    ("structures-in-legacy-area", "all structures below 1 MiB, as QEMU's option ROM does",
     Boots(cmdline_is(b"cmdline below 1 MiB"))),
    ("structures-in-page-0", "start info at 0x10, everything else in page 0 too",
     Boots(cmdline_is(b"cmdline in page 0"))),
    # --- page 0: unmapped once the loader's data is copied (NULL faults)
    ("module-in-page-0", "module 0 at 0x800, 256 bytes (RAM, but read after page 0 is unmapped)",
     REFUSED("module 0 at 0x800 size 256: in page 0, which pvhboot leaves unmapped")),
    ("module-straddles-page-0-and-1", "module 0 at 0xf00, 512 bytes",
     REFUSED("module 0 at 0xf00 size 512: in page 0, which pvhboot leaves unmapped")),
    ("cmdline-in-page-0-runs-into-page-1", "the cmdline at 0xfe0, its end in page 1 (copied early)",
     Boots(cmdline_is(b"a cmdline from page 0 into page 1"))),
    ("module-cmdline-in-page-0", "module 1's cmdline at 0x20",
     Boots(module_cmdlines(b"module zero arg=1", b"module cmdline at 0x20"))),
    # --- modules: how many
    ("modules-0-list-garbage", "0 modules, module list address 0xdeadbeef000", Boots(n_modules(0))),
    ("modules-64", "64 modules, every third without a cmdline", Boots(n_modules(64))),
    ("modules-128", "128 modules (pvhboot's limit)", Boots(n_modules(128))),
    ("modules-129", "129 modules", REFUSED("start info: 129 modules, at most 128 supported")),
    ("modules-max", "2^32-1 modules",
     REFUSED("start info: 4294967295 modules, at most 128 supported")),
    # --- modules: the list
    ("modlist-at-0", "two modules, list at address 0", REFUSED("module list: address 0")),
    ("modlist-past-end-of-ram", "list at 0x30000000",
     REFUSED("module list at 0x30000000-0x3000003f: not in memory")),
    ("modlist-above-4g", "list at 4 GiB (no RAM there)",
     REFUSED("module list at 0x100000000-0x10000003f: not in memory")),
    ("modlist-overlaps-image", "list inside pvhboot's image",
     REFUSED("module list at 0x100800-0x10083f: overlaps pvhboot {self}")),
    ("modlist-wraps", "list 32 bytes below 2^64 (64 bytes long)",
     REFUSED("module list at 0xffffffffffffffe0: size 0x40 wraps past 2^64")),
    ("modlist-straddles-end-of-ram", "the second entry past the end of RAM",
     REFUSED("module list at 0x%x-0x%x: not in memory" % (END - 32, END + 31))),
    # --- modules: each
    ("module-at-0", "module 0 at address 0", REFUSED("module 0: address 0")),
    ("module-past-end-of-ram", "module 0 at 0x30000000",
     REFUSED("module 0 at 0x30000000 size 4096: not in RAM")),
    ("module-straddles-end-of-ram", "module 0's second page past the end of RAM",
     REFUSED("module 0 at 0x%x size 8192: not in RAM" % (END - 4096))),
    ("module-above-4g", "module 0 at 4 GiB", REFUSED("module 0 at 0x100000000 size 4096: not in RAM")),
    ("module-in-legacy-hole", "module 0 in the VGA hole at 0xa0000",
     REFUSED("module 0 at 0xa0000 size 4096: not in RAM")),
    ("module-overlaps-image", "module 0 inside pvhboot's image",
     REFUSED("module 0 at 0x100800-0x1017ff: overlaps pvhboot {self}")),
    ("module-wraps", "module 0 at 2^64-4K, 8 KiB long",
     REFUSED("module 0 at 0xfffffffffffff000: size 0x2000 wraps past 2^64")),
    ("modules-overlap", "module 1 starts inside module 0",
     REFUSED("module 1 at 0x1001000 overlaps module 0 at 0x1000000")),
    ("module-zero-size-inside-another", "module 1: 0 bytes inside module 0", Boots(n_modules(2))),
    ("module-covers-start-info", "module 1 is the bytes of the start info, map, list and cmdline",
     Boots(n_modules(2))),
    ("module-formats", "12 modules starting with each compression format's magic (xz across a "
     "page boundary, zstd the magic alone), lzo cut short, one byte off gzip, 1 byte, 0 bytes",
     Boots(formats_are("gzip", "xz", "zstd", "lz4", "lz4", "bzip2", "lzma", "lzo",
                       None, None, None, None))),
    # --- module cmdlines
    ("module-cmdline-unterminated-to-end-of-ram", "module 0's cmdline: the last 100 bytes of RAM, no NUL",
     REFUSED("module 0 cmdline at 0x%x: no NUL before 0x%x, where memory ends" % (END - 100, END))),
    ("module-cmdline-too-long", "module 0's cmdline 4097 bytes",
     REFUSED("module 0 cmdline at 0x2000000: longer than 4096 bytes")),
    ("module-cmdline-of-max-length", "module 0's cmdline exactly 4096 bytes",
     Boots(module_cmdlines(b"m" * 4096, b""))),
    ("module-cmdline-overlaps-image", "module 0's cmdline inside pvhboot",
     REFUSED("module 0 cmdline at 0x100800: overlaps pvhboot {self}")),
    ("module-cmdline-past-end-of-ram", "module 0's cmdline at 0x30000000",
     REFUSED("module 0 cmdline at 0x30000000: not in memory")),
    ("module-cmdlines-over-64k-in-all", "20 modules with 4000-byte cmdlines",
     REFUSED("module cmdlines: more than 65536 bytes in all")),
    ("module-cmdline-bytes", "module 1's cmdline: every byte 0x01-0xff",
     Boots(module_cmdlines(b"module zero arg=1", ALL_BYTES))),
    ("module-cmdlines-shared", "both modules point at one cmdline",
     Boots(module_cmdlines(b"module zero arg=1", b"module zero arg=1"))),
    # --- the cmdline
    ("cmdline-absent", "cmdline address 0", Boots(cmdline_is(b""))),
    ("cmdline-empty", "cmdline \"\"", Boots(cmdline_is(b""))),
    ("cmdline-bytes", "every byte 0x01-0xff, quotes and a backslash",
     Boots(cmdline_is(ALL_BYTES + b' "quoted" back\\slash'))),
    ("cmdline-of-max-length", "65536 bytes (pvhboot's limit)", Boots(cmdline_is(b"c" * 65536))),
    ("cmdline-1mib", "1 MiB long", REFUSED("cmdline at 0x2000000: longer than 65536 bytes")),
    ("cmdline-unterminated-to-end-of-ram", "the last 12 KiB of RAM, no NUL",
     REFUSED("cmdline at 0x%x: no NUL before 0x%x, where memory ends" % (END - 0x3000, END))),
    ("cmdline-unterminated-to-end-of-map",
     "map cut at 256 MiB; the bytes go on past it in real RAM, no NUL",
     REFUSED("cmdline at 0xfffd000: no NUL before 0x10000000, where memory ends")),
    ("cmdline-ends-at-end-of-ram", "8 KiB whose NUL is the last byte of RAM",
     Boots(cmdline_is(b"c" * 0x2000))),
    ("cmdline-past-end-of-ram", "cmdline at 0x30000000", REFUSED("cmdline at 0x30000000: not in memory")),
    ("cmdline-above-4g", "cmdline at 4 GiB", REFUSED("cmdline at 0x100000000: not in memory")),
    ("cmdline-overlaps-image", "cmdline inside pvhboot",
     REFUSED("cmdline at 0x100800: overlaps pvhboot {self}")),
    ("cmdline-wraps", "cmdline 8 bytes below 2^64",
     REFUSED("cmdline at 0xfffffffffffffff8: not in memory")),
    ("cmdline-inside-module", "cmdline inside module 0's bytes",
     Boots(cmdline_is(b"cmdline inside module 0"))),
    # --- the memory map
    ("memmap-at-0", "map address 0 (7 entries)", REFUSED("start info memory map: 7 entries at 0x0")),
    ("memmap-empty", "0 entries: \"no map given\"; no Xen to ask for one",
     REFUSED("start info memory map: none given (0 entries at 0x801000), and no Xen to ask: "
             "hypervisor tcg")),
    ("memmap-entries-max", "2^32-1 entries",
     REFUSED("start info memory map: 4294967295 entries, at most 1024 supported")),
    ("memmap-1024-entries", "QEMU's map padded to 1024 entries (pvhboot's limit) with 4 KiB holes",
     BOOTS),
    ("memmap-1025-entries", "1025 entries",
     REFUSED("start info memory map: 1025 entries, at most 1024 supported")),
    ("memmap-past-end-of-ram", "map at 0x30000000: reads as zero-size entries, so no RAM at all",
     REFUSED("memory map has no RAM for pvhboot itself: {self}")),
    ("memmap-outside-itself", "map cut at 256 MiB, placed above 256 MiB",
     REFUSED("memory map at 0x10001000-0x100010a7: not in memory")),
    ("memmap-above-4g", "map at 4 GiB, where -m 512M has no RAM: read (the map cannot be "
     "checked before it is known), it is zero-size entries, as at 0x30000000",
     REFUSED("memory map has no RAM for pvhboot itself: {self}")),
    ("memmap-overlaps-image", "map inside pvhboot",
     REFUSED("memory map at 0x100800-0x1008a7: overlaps pvhboot {self}")),
    ("memmap-wraps", "map 16 bytes below 2^64",
     REFUSED("memory map at 0xfffffffffffffff0: size 0xa8 wraps past 2^64")),
    ("memmap-unsorted", "QEMU's map in reverse order", BOOTS),
    ("memmap-overlapping", "RAM listed twice; reserved, ACPI, NVS and unusable entries over RAM",
     Boots(has_region(0x9000000, 0x90fffff, memmap_model.ACPI))),
    ("memmap-zero-size-entries", "zero-size entries, one all zero (as QEMU's microvm)", BOOTS),
    ("memmap-unknown-types", "entries of types 0, 12, 31, 32, 0xffffffff, 0x12345678; 2 and 20 "
     "overlapping", Boots(all_of(has_region(0x8008000, 0x8008fff, 0xffffffff),
                                 has_region(0x800b000, 0x800cfff, 20)))),
    ("memmap-entry-wraps", "an entry from 2^64-4K, 8 KiB long",
     REFUSED("memory map entry 7 wraps past 2^64: base 0xfffffffffffff000 size 0x2000")),
    ("memmap-entry-ends-at-2-64", "an entry whose last byte is 2^64-1",
     REFUSED("memory map entry 7 wraps past 2^64: base 0xfffffffffffff000 size 0x1000")),
    ("memmap-acpi-in-last-page", "ACPI tables 2 KiB below 2^64, 1 KiB long: no whole page "
     "there, so nothing to map (rounding the base up to a page wraps to 0)",
     Boots(has_region(0xfffffffffffff800, 0xfffffffffffffbff, memmap_model.ACPI))),
    ("memmap-nonexistent-ram", "256 MiB of RAM at 0x30000000, where there is no memory",
     Boots(has_region(0x30000000, 0x3fffffff, memmap_model.RAM))),
    ("memmap-without-image-ram", "RAM everywhere but 1-2 MiB",
     REFUSED("memory map has no RAM for pvhboot itself: {self}")),
    ("memmap-image-partly-reserved", "a reserved page inside pvhboot's image",
     REFUSED("memory map has no RAM for pvhboot itself: {self}")),
    ("memmap-reserves-itself", "a reserved entry over the map's own page",
     REFUSED("memory map at 0x801000-0x8010bf: not in memory")),
    ("memmap-only-image-mib", "RAM only 1-2 MiB; structures in the legacy area, a module at 0x1f0000",
     Boots(ram_is(0x100000))),
    # --- above 4 GiB (QEMU -m 5G: RAM 0x100000000-0x17fffffff)
    ("structures-above-4g", "memory map, module list, cmdlines, modules and RSDP above 4 GiB, "
     "over two GiBs, at odd addresses",
     Boots(all_of(cmdline_is(b"cmdline above 4 GiB"),
                  module_cmdlines(b"module above 4 GiB", b"module in the second GiB above 4 GiB")))),
    ("modlist-straddles-end-of-high-ram", "the list's second entry past the end of RAM above 4 GiB",
     REFUSED("module list at 0x%x-0x%x: not in memory" % (HIGH_END - 32, HIGH_END + 31))),
    ("module-straddles-end-of-high-ram", "module 0's second page past the end of RAM above 4 GiB",
     REFUSED("module 0 at 0x%x size 8192: not in RAM" % (HIGH_END - 4096))),
    ("cmdline-unterminated-to-end-of-high-ram", "the last 12 KiB of RAM above 4 GiB, no NUL",
     REFUSED("cmdline at 0x%x: no NUL before 0x%x, where memory ends" % (HIGH_END - 0x3000,
                                                                        HIGH_END))),
    ("memmap-beyond-physical-address-width", "map at 0x7ffffffff000: canonical, but past the "
     "CPU's 40 address bits", REFUSED("memory map at 0x7ffffffff000-0x7ffffffff0a7: not accessible")),
    # --- the RSDP
    ("rsdp-absent", "RSDP 0: SeaBIOS's RSDP in the BIOS area is found, as Linux finds it",
     Boots(rsdp_found_in("BIOS area"))),
    ("rsdp-absent-found-in-ebda", "RSDP 0, the EBDA pointer at 0x40e says 0x90000, a copy of "
     "QEMU's RSDP there", Boots(rsdp_found_in("EBDA"))),
    ("rsdp-absent-found-in-low-ebda", "RSDP 0, the EBDA pointer says 0xf00 (above 0x400: Linux "
     "and ACPICA take it), a copy of QEMU's RSDP at 0x1020", Boots(rsdp_found_in("EBDA"))),
    ("rsdp-absent-low-ebda-rsdp-in-page-0", "the same EBDA, the copy at 0xf20 (page 0, unmapped "
     "after the boot): passed over", Boots(rsdp_found_in("BIOS area"))),
    ("rsdp-absent-ebda-in-page-0", "RSDP 0, the EBDA pointer says 0x10, a copy of QEMU's RSDP "
     "there: not looked at", Boots(rsdp_found_in("BIOS area"))),
    ("rsdp-in-page-0", "a copy of QEMU's RSDP at 0x10 (read only after page 0 is unmapped)",
     REFUSED("rsdp at 0x10: in page 0, which pvhboot leaves unmapped")),
    ("rsdp-garbage", "RSDP pointing at module 0's random bytes",
     BOOTS_NO_ACPI("no ACPI poweroff: ACPI RSDP at 0x1000000: bad signature or checksum",
                   cpus="ACPI RSDP at 0x1000000: bad signature or checksum")),
    ("rsdp-above-4g", "RSDP at 4 GiB",
     # Mapped on request, before the boot's end (the CPU list) as after it
     # (poweroff: ACPI tables may lie in reserved memory above 4 GiB), no
     # memory there reads as garbage, as at 0x30000000 below 4 GiB.
     BOOTS_NO_ACPI("no ACPI poweroff: ACPI RSDP at 0x100000000: bad signature or checksum",
                   cpus="ACPI RSDP at 0x100000000: bad signature or checksum")),
    ("rsdp-wraps", "RSDP 4 bytes below 2^64",
     BOOTS_NO_ACPI("no ACPI poweroff: ACPI RSDP at 0xfffffffffffffffc: not accessible",
                   cpus="ACPI RSDP at 0xfffffffffffffffc: not accessible")),
    ("rsdp-to-nowhere", "a valid RSDP whose RSDT is at 0x30000000",
     BOOTS_NO_ACPI("no ACPI poweroff: ACPI table at 0x30000000: signature is not RSDT",
                   cpus="ACPI table at 0x30000000: signature is not RSDT")),
    # --- ACPI tables that poweroff reads after the boot
    ("acpi-in-reserved-above-4g", "RSDP, XSDT, FADT and DSDT (copies of QEMU's) in the last MiB "
     "of RAM above 4 GiB, which the map reserves: still read for poweroff", BOOTS),
    ("dsdt-in-page-0", "the FADT's DSDT at 0x800 (a copy of QEMU's there): page 0 is not mapped "
     "again after the boot, so no poweroff through it",
     BOOTS_NO_ACPI("no ACPI poweroff: ACPI DSDT at 0x800: not accessible")),
    # --- the CPUs
    ("acpi-tables-in-nvs", "-smp 2, QEMU's map with the entries holding the RSDP, RSDT and "
     "every table it lists made NVS (type 4), as Xen 4.21 marks a PVH guest's ACPI tables",
     Boots(acpi_in_nvs(cpus=2))),
    ("madt-lists-absent-cpu", "-smp 2, QEMU's MADT copied with CPU 1's APIC ID changed to one "
     "no CPU has: the start-up IPIs reach nobody",
     Boots(cpu_did_not_start(1, ABSENT_APIC_ID),
           warning="cpu 1 (apic 0x%x) did not start" % ABSENT_APIC_ID)),
]


TABLE_PAGES_MAX = 16  # page-table pages pvhboot may take to map RAM above 4 GiB


LOW_RAM_END = 0xa0000  # the CPU start-up page lies below 640 KiB


def without_module_marks(memmap):
    """[[first, last, type, pvhboot]] of the report's map, RAM marked module
    given back as plain RAM, neighbours merged."""
    out = []
    for r in memmap:
        if out and out[-1][2:] == [r["type"], r["pvhboot"]] and out[-1][1] + 1 == r["first"]:
            out[-1][1] = r["last"]
        else:
            out.append([r["first"], r["last"], r["type"], r["pvhboot"]])
    return out


def without_page_tables(regions, account, cpus):
    """The report's map with the pages pvhboot took for page tables (RAM
    marked pvhboot apart from its image, only when there is RAM above
    4 GiB to map) and for starting CPUs (one page below 640 KiB, only
    when there is another CPU) given back as plain RAM, neighbours
    merged: what the model, which knows only the image, predicts."""
    image = [account.self_range[0], account.self_range[1] - 1]
    startup = [r for r in regions if r[3] and r[1] < LOW_RAM_END]
    if startup:
        check(cpus > 1 and len(startup) == 1 and startup[0][1] + 1 - startup[0][0] == 4096,
              "start-up pages %r with %d CPUs listed" % (startup, cpus))
    tables = [r for r in regions if r[3] and r[:2] != image and r not in startup]
    if not tables and not startup:
        return regions
    high_ram = any(t == memmap_model.RAM and base + size > 1 << 32
                   for base, size, t in account.memmap)
    check(high_ram or not tables,
          "pvhboot took %r for itself, with no RAM above 4 GiB to map" % tables)
    pages = sum(last + 1 - first for first, last, _, _ in tables) // 4096
    check(all(t == memmap_model.RAM and last < 1 << 32 and first % 4096 == 0
              for first, last, t, _ in tables) and pages <= TABLE_PAGES_MAX,
          "page-table pages %r: not RAM below 4 GiB, or more than %d" % (tables, TABLE_PAGES_MAX))
    for m in account.modules:
        check(all(m["size"] == 0 or m["base"] + m["size"] <= first or m["base"] > last
                  for first, last, _, _ in tables), "page tables over module at 0x%x" % m["base"])
    merged = []
    for first, last, t, own in regions:
        own = own and [first, last] == image and [first, last, t, own] not in startup
        if merged and merged[-1][2:] == [t, own] and merged[-1][1] + 1 == first:
            merged[-1][1] = last
        else:
            merged.append([first, last, t, own])
    return merged


def check_description(report, account):
    """hello's report against the loader's account of what it handed over."""
    check(report.loader == ("pvh-v1" if account.version else "pvh-v0"), "loader %r" % report.loader)
    check(report.hypervisor == "tcg", "hypervisor %r" % report.hypervisor)
    start_flags(account.flags)(report, account)
    if account.cmdline == b"none":
        check(report.cmdline == b"", "cmdline %r, the loader gave none" % report.cmdline[:80])
    else:
        check(isinstance(account.cmdline, tuple), "pvhboot accepted a cmdline the loader calls %r" %
              (account.cmdline,))
        length, crc = account.cmdline
        check((len(report.cmdline), zlib.crc32(report.cmdline)) == (length, crc),
              "cmdline of %d bytes crc32 0x%08x; the loader wrote %d bytes crc32 0x%08x" %
              (len(report.cmdline), zlib.crc32(report.cmdline), length, crc))
    check(len(report.modules) == len(account.modules),
          "%d modules, the loader gave %d" % (len(report.modules), len(account.modules)))
    for got, want in zip(report.modules, account.modules):
        for key in ("base", "size", "crc32", "cmdline"):
            check(got[key] == want[key], "module %d %s %r, the loader gave %r" %
                  (got["index"], key, got[key], want[key]))
        check(want["head"] is not None, "the loader could not read module %d" % got["index"])
        check(got["format"] == compression_of(want["head"]),
              "module %d format %r; its first bytes %s name %r" % (
                  got["index"], got["format"], want["head"].hex(), compression_of(want["head"])))
    model = memmap_model.claim(memmap_model.normalise(account.memmap), *account.self_range)
    check(model is not None, "the model has no RAM for pvhboot, yet it booted")
    # The model knows pvhboot's image, not the modules' marks, which
    # check_memmap() holds to the module lines: merged back into RAM here.
    got = without_page_tables(without_module_marks(report.memmap), account,
                              len(report.cpus()[0]))
    check(got == model, "memory map\n  %s\nexpected\n  %s" % (
        "\n  ".join("0x%x-0x%x %d%s" % (a, b, t, " pvhboot" if p else "") for a, b, t, p in got[:40]),
        "\n  ".join("0x%x-0x%x %d%s" % (a, b, t, " pvhboot" if p else "") for a, b, t, p in model[:40])))
    check(report.ram == memmap_model.ram_total(model), "ram %d" % report.ram)
    want_rsdp = account.rsdp_expected()
    check(report.rsdp == want_rsdp, "rsdp 0x%x, expected 0x%x (the loader gave 0x%x, its own "
          "scan of the BIOS areas found 0x%x)" % (report.rsdp, want_rsdp, account.rsdp,
                                                   account.bios_rsdp or 0))
    notes = [l for l in report.lines if l.startswith(b"pvhboot: note: the loader gave no RSDP")]
    if account.rsdp or not want_rsdp:
        check(not notes, "a note on a scanned RSDP: %r" % notes)
    else:
        where = b"EBDA" if want_rsdp < 0xa0000 else b"BIOS area"
        expected = b"pvhboot: note: the loader gave no RSDP; found one in the %s at 0x%x" % (
            where, want_rsdp)
        check(notes == [expected], "notes %r, expected %r" % (notes, [expected]))



def case_memory(name):
    return HIGH_MEMORY if name in HIGH_MEMORY_CASES else MEMORY


def boots(ctx, name, want):
    result = boot_case(ctx, name, memory=case_memory(name), extra=CASE_QEMU_ARGS.get(name, ()))
    account = Account(result, name)
    lines = result.lines()
    check(not [l for l in lines if l.startswith(b"pvhboot: error: ")],
          "an error: " + result.describe())
    if want.acpi:
        expect_poweroff(result)
    else:
        check(not result.timed_out and not result.triple_fault, result.describe())
        check(result.status == EXIT_FALLBACK_POWEROFF,
              "expected the isa-debug-exit fallback poweroff (status 1): " + result.describe())
    warnings = [l for l in lines if l.startswith(b"pvhboot: warning: ")]
    expected = [b"pvhboot: warning: " + w.encode() for w in (want.cpus_warning, want.warning) if w]
    check(warnings == expected, "warnings %r, expected %r" % (warnings, expected))
    try:
        report = HelloReport(lines)
        report.check_memmap()
    except ReportError as e:
        raise TestFailure("%s\n%s" % (e, result.describe()))
    check_description(report, account)
    if want.extra:
        want.extra(report, account)


def refused(ctx, name, want):
    result = boot_case(ctx, name, memory=case_memory(name))
    account = Account(result, name)
    line = expect_panic(result, b"pvhboot: error: ")
    expected = "pvhboot: error: " + want.line.replace("{self}", account.self_text())
    check(line == expected.encode(), "error line\n  %r\nexpected\n  %r" % (line, expected))
    check(b"pvhboot: hello done" not in result.lines(), "hello ran after the error")


def case_test(ctx, name, want):
    def test():
        if isinstance(want, REFUSED):
            refused(ctx, name, want)
        else:
            boots(ctx, name, want)
    return test


def loader_case_names(ctx):
    with open(os.path.join(ctx.root, "tests", "hostile", "cases.c")) as f:
        return re.findall(r'^    \{ "([a-z0-9-]+)", \w+, ', f.read(), re.M)


def every_case_has_an_expectation(ctx):
    """The loader's table and this one name the same cases (the fill
    case is tests/boot/test_x86_hostile_hardening.py's, firmware-map-over-128
    is linux_e820_over_128's, payload-in-tail tests/boot/test_x86_reloc.py's)."""
    def test():
        theirs = set(loader_case_names(ctx)) - {"fill-free-ram", "firmware-map-over-128",
                                                "payload-in-tail"}
        ours = set(name for name, _, _ in CASES)
        check(len(ours) == len(CASES), "a case is listed twice")
        check(theirs == ours, "only in the loader: %s; only here: %s" %
              (sorted(theirs - ours), sorted(ours - theirs)))
        return "%d cases" % len(ours)
    return test


def unknown_case_is_refused(ctx):
    """A misspelt case stops the loader with its own status: a typo cannot pass."""
    def test():
        result = boot_case(ctx, "no-such-case")
        check(not result.timed_out and not result.triple_fault, result.describe())
        check(result.status == EXIT_UNKNOWN_CASE, "status %s, expected %d" %
              (result.status, EXIT_UNKNOWN_CASE))
        check(b'hostile: error: unknown case: cmdline "case=no-such-case"' in result.serial,
              "no unknown-case line: " + result.describe())
        check(not result.lines(), "the image ran")
    return test


def firmware_under_hostile_loader(ctx):
    """The loader enters pvhboot.elf the same way: its start of day takes
    the baseline layout, and its payload (module 0, pattern bytes) is
    refused as no kernel."""
    def test():
        result = boot_case(ctx, "baseline", image=os.path.join(ctx.build, "pvhboot.elf"))
        account = Account(result, "baseline")
        want = b"pvhboot: error: payload of %d bytes: not a bzImage, multiboot or PVH kernel " \
               b"(starts " % account.modules[0]["size"]
        expect_panic(result, want)
    return test


def acpi_read_then_null_faults(ctx, case, acpi_line):
    """acpi-then-null.elf (tests/hostile/acpi_then_null.c) reads the ACPI
    tables for poweroff after the boot, as pvhboot's poweroff does, then
    reads through NULL: that read must fault (cr2 0, rip in its pvh_main)
    whatever the tables pointed at; with the DSDT in page 0, pvhboot must
    refuse to map page 0 for it."""
    def test():
        image = os.path.join(ctx.build, "tests", "acpi-then-null.elf")
        result = boot_case(ctx, case, image=image)
        Account(result, case)
        lines = result.lines()
        check(b"pvhboot: acpi-then-null: " + acpi_line.encode() in lines,
              "expected %r: %s" % (acpi_line, result.describe()))
        check(b"pvhboot: acpi-then-null: NULL read did not fault" not in lines,
              "NULL did not fault after the ACPI tables were read: " + result.describe())
        line = expect_panic(result, b"pvhboot: error: exception page fault (vector 14) error 0x0 "
                            b"rip 0x")
        check(line.endswith(b" cr2 0x0"), "cr2 should be 0 for a NULL read: %r" % line)
        rip = int(line.split(b" rip 0x")[1].split()[0], 16)
        lo, hi = symbol_range(image, "pvh_main")
        check(lo <= rip < hi, "rip 0x%x is not in pvh_main [0x%x, 0x%x)" % (rip, lo, hi))
    return test



def linux_e820_over_128(ctx):
    """More memory map entries than a Linux zero page holds: pvhboot.elf
    (Debian's bzImage and the oracle initramfs packed in) entered with a
    200-entry map must pass the rest in SETUP_E820_EXT setup data, and
    Linux itself must list every entry pvhboot handed over."""
    from linux import INIT_EXIT_STATUS, InitReport, bzimage, firmware_map, initramfs, pack_tool

    def test():
        fw = os.path.join(ctx.tmp, "fw-linux-for-hostile.elf")
        if not os.path.exists(fw):
            pack_tool(ctx, "pack", "--firmware", os.path.join(ctx.build, "pvhboot.elf"),
                      "--kernel", bzimage(ctx), "--module", initramfs(ctx),
                      "--cmdline", "pvhboot.verbose console=ttyS0 quiet", "-o", fw + ".part")
            os.replace(fw + ".part", fw)
        result = boot_case(ctx, "firmware-map-over-128", image=fw, timeout=120)
        check(result.status == INIT_EXIT_STATUS and not result.triple_fault,
              "expected Linux's /init to end QEMU: " + result.describe())
        fw_map = firmware_map(result.lines())
        report = InitReport(result.serial)
        check(len(fw_map) > 128, "pvhboot passed on only %d entries" % len(fw_map))
        check(any(b"SETUP_E820_EXT" in l for l in result.lines()),
              "pvhboot did not use SETUP_E820_EXT")
        check(len(report.zero_page_e820) == 128, "the zero page held %d entries, not 128" %
              len(report.zero_page_e820))
        check(report.e820 == fw_map, "Linux's e820 (%d entries) differs from pvhboot's map "
              "(%d entries)" % (len(report.e820), len(fw_map)))
        check(report.cmdline == b"console=ttyS0 quiet", "cmdline %r" % report.cmdline)
        return "%d entries" % len(report.e820)
    return test


def collect(ctx):
    tests = [("every-case-has-an-expectation", every_case_has_an_expectation(ctx)),
             ("unknown-case-is-refused", unknown_case_is_refused(ctx)),
             ("firmware-under-hostile-loader", firmware_under_hostile_loader(ctx)),
             ("linux-gets-over-128-e820-entries", linux_e820_over_128(ctx)),
             # The same read of QEMU's own tables: found, and NULL faults all the same.
             ("null-faults-after-acpi-read", acpi_read_then_null_faults(
                 ctx, "baseline", "poweroff kind 1")),
             ("null-faults-after-acpi-read-with-dsdt-in-page-0", acpi_read_then_null_faults(
                 ctx, "dsdt-in-page-0", "no poweroff: ACPI DSDT at 0x800: not accessible"))]
    for name, _what, want in CASES:
        kind = "refuses" if isinstance(want, REFUSED) else "boots"
        tests.append(("%s-%s" % (kind, name), case_test(ctx, name, want)))
    return tests
