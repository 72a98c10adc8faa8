"""pvhboot.elf, the firmware, booting real kernels nobody here wrote and a
test kernel of our own, and refusing broken ones.

- bootdump (tests/payloads): multiboot 1 (a.out kludge), multiboot 2 and
  PVH, with packed modules; what it prints is compared with what pvhboot
  decided (its verbose log) and what QEMU was given.
- Debian's bzImage through the 64-bit boot protocol, as the loader's
  module and packed, on pc and q35, at 512M and 5G, and on microvm at
  512M (told the TSC rate); its vmlinux through
  the PVH-kernel path. A busybox /init reports what Linux received,
  the number of CPUs it brought up included: pvhboot.elf starts none
  (it links none of the start-up code), so with -smp 4 Linux must find
  all four waiting for it.
- Xen 4.17 (multiboot 1) booted by pvhboot.elf, with hello.elf as its
  PVH dom0: QEMU -> pvhboot -> Xen -> hello.
- Broken payloads: each a specific error line and a clean stop.
Payloads that load where pvhboot.elf itself runs (1 MiB): see
test_x86_firmware_placement.py.
"""

import os
import re
import zlib

from common import (TestFailure, check, check_no_cpu_start_code, expect_panic, file_made_once,
                    file_once)
from hello_report import HelloReport, ReportError, decode_escaped
from linux import (INIT_EXIT_STATUS, INIT_SCRIPT, InitReport, bzimage, cpio_newc, firmware_map,
                   initramfs, pack_tool, vmlinux)
from qemu import run_qemu

ARCH = "x86_64"
BOOTDUMP_EXIT = (0x21 << 1) | 1
MEMORY = {"512M": 512 << 20, "5G": 5 << 30}
FIRMWARE_RAM_SLACK = 1 << 20
XEN_HALTED = re.compile(rb"\(XEN\) (Hardware Dom0 (halted|crashed)|Panic on CPU)[^\n]*")


def fw_elf(ctx):
    return os.path.join(ctx.build, "pvhboot.elf")


def packed(ctx, name, *args):
    """pvhboot.elf with things packed in, built once per run."""
    return file_made_once(os.path.join(ctx.tmp, name), lambda part: pack_tool(
        ctx, "pack", "--firmware", fw_elf(ctx), *args, "-o", part))


def data_file(ctx, name, size, seed):
    path = os.path.join(ctx.tmp, name)
    return path, file_once(path, lambda: bytes((i * seed + (i >> 7)) & 0xff for i in range(size)))


# --- bootdump: exactly what each protocol hands over ----------------------------

class Dump:
    """What bootdump printed."""

    def __init__(self, result):
        self.lines = result.lines(prefix=b"bootdump: ")
        check(b"bootdump: done" in self.lines, "bootdump did not finish: " + result.describe())
        check(result.status == BOOTDUMP_EXIT, "bootdump's exit status: " + result.describe())

    def one(self, prefix):
        found = [l[len(prefix):] for l in self.lines if l.startswith(prefix)]
        check(len(found) == 1, "expected one %r line, got %r" % (prefix, found))
        return found[0]

    def string(self, prefix):
        v = self.one(prefix)
        check(v[:1] == b'"' and v[-1:] == b'"', "not quoted: %r" % v)
        return decode_escaped(v[1:-1])

    def modules(self):
        out = []
        for l in self.lines:
            m = re.match(rb'bootdump: module (\d+) base 0x([0-9a-f]+) size (\d+) crc32 0x([0-9a-f]+)'
                         rb' cmdline "(.*)"$', l)
            if m:
                out.append((int(m.group(3)), int(m.group(4), 16), decode_escaped(m.group(5))))
        return out

    def memmap(self):
        out = []
        for l in self.lines:
            m = re.match(rb"bootdump: memmap \d+ 0x([0-9a-f]+)-0x([0-9a-f]+) type (\d+)$", l)
            if m:
                out.append((int(m.group(1), 16), int(m.group(2), 16), int(m.group(3))))
        return out

    def check_cpu(self):
        cr0, cr4, eflags = (int(x, 16) for x in re.match(
            rb"0x([0-9a-f]+) cr4 0x([0-9a-f]+) eflags 0x([0-9a-f]+)", self.one(b"bootdump: cr0 ")).groups())
        check(cr0 & 1 and not cr0 & (1 << 31), "cr0 0x%x: want protected mode, paging off" % cr0)
        check(cr4 == 0, "cr4 0x%x: want 0" % cr4)
        check(not eflags & (1 << 9), "eflags 0x%x: interrupts on" % eflags)


def bootdump_case(ctx, variant, protocol, packed_kernel=False):
    def test():
        mod_a, data_a = data_file(ctx, "fw-mod-a.bin", 12345, 7)
        mod_b, data_b = data_file(ctx, "fw-mod-b.bin", 70000, 13)
        image = os.path.join(ctx.build, "tests", "bootdump-" + variant)
        cmdline = b'alpha beta="gamma \\ delta" \x01\xfe end'
        if packed_kernel:
            fw = packed(ctx, "fw-bootdump-%s.elf" % variant, "--kernel", image,
                        "--module", mod_a + ":first module", "--module", mod_b,
                        "--cmdline", "packed default cmdline")
            args = ["-kernel", fw, "-append", "pvhboot.verbose"]
            cmdline = b"packed default cmdline"
        else:
            fw = packed(ctx, "fw-two-modules.elf", "--module", mod_a + ":first module",
                        "--module", mod_b)
            args = ["-kernel", fw, "-initrd", image, "-append", b"pvhboot.verbose " + cmdline]
        result = run_qemu(["-M", "q35", "-m", "512M"] + args, 30, qemu=ctx.qemu)
        check(not result.timed_out and not result.triple_fault, result.describe())
        fw_lines = result.lines()
        d = Dump(result)
        check(d.one(b"bootdump: protocol ") == protocol.encode(), "protocol")
        d.check_cpu()
        got_cmdline = d.string(b"bootdump: cmdline ")
        if protocol in ("mb1", "mb2"):
            # GRUB-style: the kernel's name first ("kernel" for a loader module
            # without a cmdline, the file name for a packed one).
            name = os.path.basename(image).encode() if packed_kernel else b"kernel"
            check(got_cmdline == name + b" " + cmdline, "cmdline %r" % got_cmdline)
            check(d.string(b"bootdump: loader ") == b"pvhboot 0.1.0", "loader name")
            lower, upper = (int(x) for x in d.one(b"bootdump: meminfo lower ").split(b" upper "))
            check(lower == 636 and upper == (0x1ffe0000 - 0x100000) // 1024,
                  "meminfo lower %d upper %d" % (lower, upper))
        else:
            check(got_cmdline == cmdline, "cmdline %r, expected %r" % (got_cmdline, cmdline))
            check(d.one(b"bootdump: flags ") == b"0x0", "start flags")
        want_mods = [(len(data_a), zlib.crc32(data_a), b"first module"),
                     (len(data_b), zlib.crc32(data_b), b"")]
        check(d.modules() == want_mods, "modules %r, expected %r" % (d.modules(), want_mods))
        check(d.memmap() == firmware_map(fw_lines),
              "memory map %r differs from what pvhboot passed on %r" %
              (d.memmap(), firmware_map(fw_lines)))
        rsdp = [l for l in fw_lines if l.startswith(b"pvhboot: fw: rsdp 0x")]
        if protocol == "pvh":
            check(d.one(b"bootdump: rsdp ") == rsdp[0][len(b"pvhboot: fw: rsdp "):], "rsdp")
        if protocol == "mb2":
            check(d.one(b"bootdump: acpi rsdp rev ") == b'0 oem "BOCHS "', "ACPI RSDP tag")
        if packed_kernel:
            check(b"pvhboot: fw: payload lies where it runs: no copy" in fw_lines,
                  "the packed kernel was copied")
    return test


# --- Linux ----------------------------------------------------------------------

def check_linux(result, cmdline, mem_bytes, e820_exact=True, cpus=1):
    check(not result.timed_out and not result.triple_fault, result.describe())
    check(result.status == INIT_EXIT_STATUS, "expected /init's exit: " + result.describe())
    fw_lines = result.lines()
    report = InitReport(result.serial)
    check(report.cmdline == cmdline, "Linux cmdline %r, expected %r" % (report.cmdline, cmdline))
    # pvhboot.elf starts no CPU: Linux must find every one waiting for it.
    check(report.cpus == cpus, "Linux brought up %s CPUs; QEMU has %d" % (report.cpus, cpus))
    fw_map = firmware_map(fw_lines)
    check(fw_map, "no 'fw: map' lines (pvhboot.verbose)")
    ram = lambda m: [(a, b) for a, b, t in m if t == 1]
    if e820_exact:
        check(report.e820 == fw_map, "Linux's e820 %r differs from pvhboot's map %r" %
              (report.e820, fw_map))
    check(ram(report.e820) == ram(fw_map), "Linux's RAM %r differs from pvhboot's %r" %
          (ram(report.e820), ram(fw_map)))
    check(mem_bytes - FIRMWARE_RAM_SLACK <= report.ram() <= mem_bytes,
          "Linux has %d bytes of RAM; QEMU was given %d" % (report.ram(), mem_bytes))
    rsdp = [int(l.split(b"0x")[1], 16) for l in fw_lines if l.startswith(b"pvhboot: fw: rsdp 0x")]
    check(rsdp and report.rsdp == rsdp[0], "Linux's RSDP 0x%x, start info's %r" %
          (report.rsdp or 0, rsdp))
    return fw_lines


def host_tsc_khz():
    """The host CPU's rate in kHz (from /proc/cpuinfo), 1 GHz where it
    says none. Under TCG the guest reads the host's TSC."""
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^cpu MHz\s*:\s*([0-9.]+)", f.read(), re.M)
    except OSError:
        m = None
    return int(float(m.group(1)) * 1000) if m else 1000000


def linux_case(ctx, machine, mem, mode, smp=1):
    def test():
        cmdline = b"console=ttyS0 quiet pvhtest.mode=%s pvhtest.words=\"a b\"" % mode.encode()
        if machine == "microvm":
            # microvm has neither HPET nor ACPI PM timer to calibrate the
            # TSC against, and Linux 6.1 then hangs under TCG (seen on
            # this project's machines); told the rate, it boots.
            cmdline += b" tsc_early_khz=%d" % host_tsc_khz()
        if mode == "module":
            fw = packed(ctx, "fw-initramfs.elf", "--module", initramfs(ctx))
            args = ["-kernel", fw, "-initrd", bzimage(ctx)]
        else:
            fw = packed(ctx, "fw-linux-packed.elf", "--kernel", bzimage(ctx),
                        "--module", initramfs(ctx))
            args = ["-kernel", fw]
        result = run_qemu(["-M", machine, "-m", mem, "-smp", str(smp)] + args +
                          ["-append", b"pvhboot.verbose " + cmdline], 120, qemu=ctx.qemu)
        fw_lines = check_linux(result, cmdline, MEMORY[mem], cpus=smp)
        check(any(l.startswith(b"pvhboot: fw: payload linux ") for l in fw_lines), "not linux")
        if mode == "packed":
            check(any(b"kernel runs where it lies" in l for l in fw_lines),
                  "the packed kernel was copied")
        return "%.1fs" % result.elapsed
    return test


# What Firecracker (v1.13 and later) passes for boot_args "console=ttyS0
# reboot=k panic=1" with a root block device: its builder appends
# " pci=off" unless PCI is enabled (builder.rs), the block device's
# "root=/dev/vda ro" and one virtio_mmio.device= word per MMIO device
# (device_manager/mmio.rs), the first at 0xd0000000 with IRQ 5.
FIRECRACKER_CMDLINE = (b"console=ttyS0 reboot=k panic=1 pci=off root=/dev/vda ro "
                       b"virtio_mmio.device=4K@0xd0000000:5")
PACKED_CMDLINE = "greeting=packed pvhboot.verbose"


def packed_cmdline_modes(ctx, mode):
    """hello packed with a cmdline in each --cmdline-mode, booted with the
    cmdline Firecracker writes: hello's cmdline line is the packed words
    (pvhboot's taken out), then Firecracker's (append, the default);
    Firecracker's alone (fallback); the packed words alone (replace).
    pvhboot.verbose, packed, applies in every mode but fallback, where the
    packed cmdline is not used at all; inspect names the mode."""
    def test():
        args = ("--cmdline-mode", mode) if mode != "append" else ()
        fw = packed(ctx, "fw-hello-cmdline-%s.elf" % mode, "--kernel",
                    os.path.join(ctx.build, "hello.elf"), "--cmdline", PACKED_CMDLINE, *args)
        listed = pack_tool(ctx, "inspect", fw)
        check(("    cmdline %r, mode %s: " % (PACKED_CMDLINE, mode)) in listed,
              "inspect does not name the cmdline mode %s:\n%s" % (mode, listed))
        result = run_qemu(["-M", "q35", "-m", "256M", "-kernel", fw, "-append", FIRECRACKER_CMDLINE],
                          30, qemu=ctx.qemu)
        check(not result.timed_out and not result.triple_fault, result.describe())
        report = HelloReport(result.lines())
        ours = PACKED_CMDLINE.replace(" pvhboot.verbose", "").encode()
        want = {"append": ours + b" " + FIRECRACKER_CMDLINE, "fallback": FIRECRACKER_CMDLINE,
                "replace": ours}[mode]
        check(report.cmdline == want, "hello's cmdline %r, expected %r" % (report.cmdline, want))
        # The payload line is always printed; the rest of "fw:" only verbose.
        verbose = any(l.startswith(b"pvhboot: fw: ") and not l.startswith(b"pvhboot: fw: payload ")
                      for l in result.lines())
        check(verbose == (mode != "fallback"),
              "pvhboot.verbose from the packed cmdline %s" % ("ignored" if not verbose else
                                                              "applied in fallback mode"))
        return report.cmdline.decode()[:60]
    return test


SECOND_PIECE_LINE = b"pvhtest: second initrd piece"


def initrd_in_two_pieces(ctx):
    """Two initrd modules packed back to back: the oracle initramfs, then
    a second archive whose /init (it replaces the first's: later cpio
    entries win) prints one more line. The firmware passes the two as one
    initrd where they lie, from the first's address to the second's end,
    as pvhboot-pack reports them; Linux unpacks both."""
    def test():
        second = os.path.join(ctx.tmp, "initrd-second-piece.cpio")
        script = INIT_SCRIPT.replace('echo "pvhtest: init"\n', 'echo "pvhtest: init"\necho "%s"\n' %
                                     SECOND_PIECE_LINE.decode(), 1)
        check(script != INIT_SCRIPT, "the oracle /init changed: no place for the marker line")
        file_once(second, lambda: cpio_newc([("init", 0o100755, script.encode(), 0, 0)]))
        out = pack_tool(ctx, "pack", "--firmware", fw_elf(ctx), "--kernel", bzimage(ctx),
                        "--module", initramfs(ctx), "--module", second,
                        "-o", os.path.join(ctx.tmp, "fw-two-initrd-pieces.elf"))
        placed = [(int(a, 16), int(n)) for n, a in
                  re.findall(r"^module .*: (\d+) bytes at 0x([0-9a-f]+)$", out, re.M)]
        check(len(placed) == 2, "pack placed %r:\n%s" % (placed, out))
        (base0, size0), (base1, size1) = placed
        check(base1 >= base0 + size0 and base1 - (base0 + size0) < 4096,
              "pack did not lay the pieces back to back: %r" % placed)
        cmdline = b"console=ttyS0 quiet"
        result = run_qemu(["-M", "q35", "-m", "512M", "-kernel",
                           os.path.join(ctx.tmp, "fw-two-initrd-pieces.elf"),
                           "-append", b"pvhboot.verbose " + cmdline], 120, qemu=ctx.qemu)
        fw_lines = check_linux(result, cmdline, MEMORY["512M"])
        check(b"pvhboot: fw: initrd: 2 modules back to back, joined where they lie" in fw_lines,
              "the pieces were not joined in place")
        want = b"initrd 0x%x+%d," % (base0, base1 + size1 - base0)
        check(any(l.startswith(b"pvhboot: fw: linux: ") and want in l for l in fw_lines),
              "no hand-off line with %r" % want)
        check(SECOND_PIECE_LINE in InitReport(result.serial).lines, "the second piece's /init did not run")
        return "%.1fs" % result.elapsed
    return test


def no_cpu_start_code(ctx):
    """pvhboot.elf leaves every CPU as the loader left it (the -smp 4
    cases show Linux finding them all)."""
    def test():
        check_no_cpu_start_code(ctx.build, ["common/cpu/cpu_start.o", "arch/x86/smp.o",
                                            "arch/x86/lapic.o", "arch/x86/ap_start.o"],
                                ["pvh_cpu_start", "pvh_arch_cpu_boot", "x86_ap_start16"],
                                "pvhboot.elf")
    return test


def vmlinux_case(ctx, mode, smp=1):
    def test():
        cmdline = b"console=ttyS0 quiet pvhtest.path=pvh-%s" % mode.encode()
        if mode == "module":
            fw = packed(ctx, "fw-initramfs.elf", "--module", initramfs(ctx))
            args = ["-kernel", fw, "-initrd", vmlinux(ctx)]
        else:
            fw = packed(ctx, "fw-vmlinux-packed.elf", "--kernel", vmlinux(ctx),
                        "--module", initramfs(ctx))
            args = ["-kernel", fw]
        result = run_qemu(["-M", "q35", "-m", "512M", "-smp", str(smp)] + args +
                          ["-append", b"pvhboot.verbose " + cmdline], 120, qemu=ctx.qemu)
        # Linux's own PVH code reshapes the legacy hole below 1 MiB: RAM must match.
        fw_lines = check_linux(result, cmdline, MEMORY["512M"], e820_exact=False, cpus=smp)
        check(any(l.startswith(b"pvhboot: fw: payload pvh ") for l in fw_lines), "not pvh")
        if mode == "packed":
            check(b"pvhboot: fw: payload lies where it runs: no copy" in fw_lines,
                  "the packed vmlinux was copied")
        return "%.1fs" % result.elapsed
    return test


# --- Xen booted by pvhboot ------------------------------------------------------

def xen_elf(ctx):
    from test_x86_xen import xen_elf as find
    return find(ctx)


def xen_multiboot(ctx):
    def test():
        mod, data = data_file(ctx, "fw-xen-module.bin", 33333, 5)
        fw = packed(ctx, "fw-xen.elf", "--kernel", xen_elf(ctx),
                    "--module", os.path.join(ctx.build, "hello.elf") + ":hello.elf dom0 words",
                    "--module", mod + ":xen-module.bin module words")
        xen_cmdline = ("pvhboot.verbose dom0=pvh dom0-iommu=none dom0_mem=64M console=com1 "
                       "com1=115200,8n1 loglvl=all guest_loglvl=all noreboot")
        result = run_qemu(["-M", "q35", "-cpu", "max", "-m", "1G", "-smp", "1", "-kernel", fw,
                           "-append", xen_cmdline], 90, qemu=ctx.qemu, stop_on=XEN_HALTED)
        check(result.stopped_on and b"halted" in result.stopped_on,
              "expected hello to halt dom0: " + result.describe())
        lines = result.lines()
        check(any(l.startswith(b"pvhboot: fw: payload multiboot ") for l in lines), "not mb1")
        check(b"pvhboot: fw: payload lies where it runs: no copy" in lines, "Xen was copied")
        check(b"(XEN) Command line: " + xen_cmdline[len("pvhboot.verbose "):].encode() in
              [l.rstrip(b"\r") for l in result.serial.split(b"\n")],
              "Xen did not get its whole cmdline")
        try:
            report = HelloReport(lines)
        except ReportError as e:
            raise TestFailure("%s\n%s" % (e, result.describe()))
        check(report.hypervisor == "xen 4.17" and report.loader == "pvh-v0", "hello under Xen")
        check(report.cmdline == b"dom0 words", "dom0 cmdline %r" % report.cmdline)
        check(len(report.modules) == 1 and report.modules[0]["crc32"] == zlib.crc32(data) and
              report.modules[0]["cmdline"] == b"xen-module.bin module words",
              "dom0's module: %r" % report.modules)
        return "%.1fs" % result.elapsed
    return test


def pvh_payload_as_xen_dom0(ctx):
    """pvhboot.elf as Xen's PVH dom0 booting a PVH kernel (bootdump, the one
    module Xen gives dom0): the new start info keeps dom0's flags, the
    cmdline loses the pvhboot.* words, packed modules are passed on."""
    def test():
        mod, data = data_file(ctx, "fw-choice.bin", 4096, 3)
        fw = packed(ctx, "fw-choice.elf", "--module", mod + ":choice module")
        image = os.path.join(ctx.build, "tests", "bootdump-pvh.elf")
        xen_cmdline = ("dom0=pvh dom0-iommu=none dom0_mem=64M console=com1 com1=115200,8n1 "
                       "loglvl=all guest_loglvl=all noreboot")
        result = run_qemu(["-M", "q35", "-cpu", "max", "-m", "1G", "-smp", "1",
                           "-kernel", xen_elf(ctx), "-append", xen_cmdline, "-initrd",
                           "%s pvhboot.verbose pvhboot.payload=0 under xen,%s bootdump args" %
                           (fw, image)], 90, qemu=ctx.qemu)
        check(not result.timed_out, result.describe())
        d = Dump(result)
        check(d.one(b"bootdump: protocol ") == b"pvh", "protocol")
        check(d.one(b"bootdump: flags ") == b"0x3", "dom0's start flags passed on")
        check(d.string(b"bootdump: cmdline ") == b"under xen", "cmdline")
        check(d.modules() == [(len(data), zlib.crc32(data), b"choice module")],
              "modules %r" % d.modules())
        return "%.1fs" % result.elapsed
    return test


def linux_under_xen(ctx, path):
    """Debian's kernel chainloaded by pvhboot.elf as Xen's PVH dom0.
    Here (Xen 4.17 nested in TCG) Linux 6.1 as a PVH dom0 stops in ACPI
    initialisation whoever boots it, Xen included: the test follows Linux
    to that point and checks what Linux says about how it was booted."""
    marker = re.compile(rb"ACPI: Core revision[^\n]*")

    def test():
        fw = packed(ctx, "fw-initramfs.elf", "--module", initramfs(ctx))
        kernel = vmlinux(ctx) if path == "pvh" else bzimage(ctx)
        cmdline = "console=hvc0 earlyprintk=xen pvhtest.under=xen"
        xen_cmdline = ("dom0=pvh dom0-iommu=none dom0_mem=512M console=com1 com1=115200,8n1 "
                       "loglvl=all guest_loglvl=all noreboot")
        result = run_qemu(["-M", "q35", "-cpu", "max", "-m", "2G", "-smp", "1",
                           "-kernel", xen_elf(ctx), "-append", xen_cmdline, "-initrd",
                           "%s pvhboot.verbose %s,%s kernel" % (fw, cmdline, kernel)],
                          120, qemu=ctx.qemu, stop_on=marker)
        out = result.serial
        check(result.stopped_on is not None, "Linux did not get to ACPI: " + result.describe())
        check(b"Kernel command line: " + cmdline.encode() in out, "Linux's cmdline")
        if path == "pvh":
            check(b"pvhboot: fw: payload pvh " in out, "not the PVH path")
            check(b"Booting kernel on Xen PVH" in out, "Linux did not boot as Xen PVH")
        else:
            check(b"pvhboot: fw: payload linux " in out, "not the bzImage path")
            check(b"pvhboot: warning: a bzImage under Xen boots as an HVM guest" in out,
                  "no warning about the bzImage path under Xen")
            check(b"Hypervisor detected: Xen HVM" in out, "expected Linux to see Xen HVM")
            check(b"Booting kernel on Xen PVH" not in out, "the bzImage path cannot be PVH")
        return "%.1fs" % result.elapsed
    return test


# --- broken payloads --------------------------------------------------------------

def mutated(ctx, name, source, mutate):
    path = os.path.join(ctx.tmp, name)

    def make():
        with open(source, "rb") as f:
            data = bytearray(f.read())
        return bytes(mutate(data))
    file_once(path, make)
    return path


def refuse_case(ctx, make_args, want, loader_cmdline=b""):
    def test():
        args = make_args()
        result = run_qemu(["-M", "q35", "-m", "512M"] + args + ["-append", loader_cmdline], 30,
                          qemu=ctx.qemu)
        expect_panic(result, want)
    return test


def refusals(ctx):
    fw = lambda: fw_elf(ctx)

    def truncated():
        return ["-kernel", fw(), "-initrd", mutated(ctx, "bz-truncated", bzimage(ctx),
                                                    lambda d: d[:len(d) // 2])]

    def bad_magic():
        def m(d):
            d[0x202:0x206] = b"HdrX"
            return d
        return ["-kernel", fw(), "-initrd", mutated(ctx, "bz-badmagic", bzimage(ctx), m)]

    def old_protocol():
        def m(d):
            d[0x206:0x208] = b"\x02\x02"
            return d
        return ["-kernel", fw(), "-initrd", mutated(ctx, "bz-old", bzimage(ctx), m)]

    def initrd_too_high():
        # initrd_addr_max 32 MiB and no loading above 4 GiB: a 24 MiB initrd
        # cannot fit below it (the kernel takes 16 MiB up).
        def m(d):
            d[0x22c:0x230] = (0x1ffffff).to_bytes(4, "little")
            d[0x236] &= ~0x02
            return d
        big, _ = data_file(ctx, "big-initrd.bin", 24 << 20, 1)
        fwi = packed(ctx, "fw-big-initrd.elf", "--module", big)
        return ["-kernel", fwi, "-initrd", mutated(ctx, "bz-lowinitrd", bzimage(ctx), m)]

    def bad_checksum():
        def m(d):
            d[8] ^= 0xff
            return d
        return ["-kernel", fw(), "-initrd",
                mutated(ctx, "mb1-badsum", os.path.join(ctx.build, "tests", "bootdump-mb1.bin"), m)]

    def nothing():
        return ["-kernel", fw()]

    def initrd_without_kernel():
        return ["-kernel", packed(ctx, "fw-initrd-only.elf", "--module", initramfs(ctx))]

    def long_cmdline():
        return ["-kernel", fw(), "-initrd", bzimage(ctx)]

    return [
        ("refuses-truncated-bzimage", refuse_case(
            ctx, truncated, b"pvhboot: error: bzImage: truncated: kernel is ")),
        ("refuses-bzimage-without-HdrS", refuse_case(
            ctx, bad_magic, b"pvhboot: error: payload of ")),
        ("refuses-too-old-boot-protocol", refuse_case(
            ctx, old_protocol, b"pvhboot: error: bzImage: boot protocol 2.02, at least 2.10 needed "
            b"(older headers have no pref_address and init_size)")),
        ("refuses-initrd-too-large-for-initrd_addr_max", refuse_case(
            ctx, initrd_too_high,
            b"pvhboot: error: initrd of 25165824 bytes: no room below initrd_addr_max 0x1ffffff")),
        ("refuses-multiboot-header-with-bad-checksum", refuse_case(
            ctx, bad_checksum, b"pvhboot: error: multiboot header at 0x0: bad checksum")),
        ("refuses-to-run-without-payload", refuse_case(
            ctx, nothing, b"pvhboot: error: no payload: no kernel packed (modules packed: 0) and no module from the "
            b"loader")),
        ("refuses-cmdline-longer-than-cmdline_size", refuse_case(
            ctx, long_cmdline, b"pvhboot: error: cmdline of 3000 bytes: the kernel takes at most 2047",
            loader_cmdline=b"x" * 3000)),
        ("refuses-payload-index-out-of-range", refuse_case(
            ctx, long_cmdline,
            b"pvhboot: error: pvhboot.payload=4: no module 4: the loader gave 1, numbered from 0",
            loader_cmdline=b"pvhboot.payload=4")),
        ("refuses-payload-index-not-a-number", refuse_case(
            ctx, long_cmdline, b"pvhboot: error: pvhboot.payload=abc: not a module number (0, 1, ...)",
            loader_cmdline=b"pvhboot.payload=abc")),
        ("refuses-packed-initrd-without-kernel", refuse_case(
            ctx, initrd_without_kernel,
            b"pvhboot: error: no payload: no kernel packed (modules packed: 1) and no module from "
            b"the loader")),
    ]


def collect(ctx):
    tests = [
        ("bootdump-pvh-module", bootdump_case(ctx, "pvh.elf", "pvh")),
        ("bootdump-pvh-packed-in-place", bootdump_case(ctx, "pvh.elf", "pvh", True)),
        ("bootdump-multiboot1-aout-kludge", bootdump_case(ctx, "mb1.bin", "mb1")),
        ("bootdump-multiboot1-packed", bootdump_case(ctx, "mb1.bin", "mb1", True)),
        ("bootdump-multiboot2-elf", bootdump_case(ctx, "mb2.elf", "mb2")),
        ("bootdump-multiboot2-packed-in-place", bootdump_case(ctx, "mb2.elf", "mb2", True)),
    ]
    for machine in ("pc", "q35"):
        for mem in MEMORY:
            for mode in ("module", "packed"):
                tests.append(("linux-bzimage-%s-%s-%s" % (machine, mem, mode),
                              linux_case(ctx, machine, mem, mode)))
    for mode in ("module", "packed"):
        tests.append(("linux-bzimage-microvm-512M-%s" % mode, linux_case(ctx, "microvm", "512M", mode)))
    tests += [
        ("linux-bzimage-q35-512M-packed-smp4", linux_case(ctx, "q35", "512M", "packed", smp=4)),
        ("linux-initrd-in-two-pieces-joined-in-place", initrd_in_two_pieces(ctx)),
        ("packed-cmdline-append-to-firecrackers", packed_cmdline_modes(ctx, "append")),
        ("packed-cmdline-fallback-under-firecrackers", packed_cmdline_modes(ctx, "fallback")),
        ("packed-cmdline-replace-firecrackers", packed_cmdline_modes(ctx, "replace")),
        ("linux-vmlinux-pvh-module", vmlinux_case(ctx, "module")),
        ("linux-vmlinux-pvh-packed-in-place", vmlinux_case(ctx, "packed")),
        ("linux-vmlinux-pvh-packed-smp4", vmlinux_case(ctx, "packed", smp=4)),
        ("firmware-links-no-cpu-start-up-code", no_cpu_start_code(ctx)),
        ("xen-multiboot1-with-hello-as-dom0", xen_multiboot(ctx)),
        ("pvh-payload-as-xen-dom0-keeps-dom0-flags", pvh_payload_as_xen_dom0(ctx)),
        ("linux-under-xen-dom0-pvh-path-boots-as-pvh", linux_under_xen(ctx, "pvh")),
        ("linux-under-xen-dom0-bzimage-path-is-hvm", linux_under_xen(ctx, "bzimage")),
    ]
    return tests + refusals(ctx)
