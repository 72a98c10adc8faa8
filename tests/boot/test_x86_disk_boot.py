"""pvhboot-disk.elf boots Debian's kernel from a disk (issue 26): GPT or
MBR + FAT disks made by tools/make-disk.py with the real tools, holding
the bzImage, the oracle initramfs of linux.py (its /init prints
/proc/cmdline) and Boot Loader Specification entries or a UKI
(systemd-boot's stub).

- microvm (ACPI on: the disk from the DSDT), virtio-blk-device, FAT32, one
  type #1 entry with two initrds: the oracle, and a second archive whose
  /init (it replaces the first's) also prints a file of its own, so /init
  shows that both arrived, joined;
- q35, virtio-blk-pci, FAT16 with two type #1 entries, a UKI and a
  loader.conf default, the entries naming a devicetree (left out on x86,
  with a line): pvhboot.entry=<title> boots the other entry;
  pvhboot.entry=<UKI id> boots the UKI with exactly its .cmdline; the
  VMM's pvhboot.verbose reaches the firmware (its 'fw: map' lines) and
  not the kernel;
- pc, the same disk on a transitional virtio-blk-pci: the default entry;
- microvm with the disk second, after a raw disk with no partition table
  (passed over with a line): loader.conf's default is booted;
- microvm, GPT with an ESP holding loader.conf alone and an XBOOTLDR
  partition holding the kernel, initrd, two type #1 entries and a UKI:
  loader.conf's default (on the ESP) picks the UKI on XBOOTLDR;
- microvm, GPT with entries on the ESP and on XBOOTLDR, no loader.conf:
  the first of the one merged list, in the Boot Loader Specification's
  order (disk_boot.in_order), is the ESP's newer version, XBOOTLDR's
  older one (and a string comparison's choice) after it;
- microvm, an MBR disk (sfdisk's dos label): the ESP as type 0xef with
  loader.conf, XBOOTLDR as 0xea with the entries and files;
- a GPT disk with no ESP, a kernel larger than the guest's RAM, and an MBR
  disk cut short inside its last partition: one error line each, the
  failure stop (no Linux).
Each Linux boot checks the entry chosen, the sizes read (the files'), the
initrd Linux reports (its RAMDISK line) against the one handed over, and
the cmdline /init reports against the entry's options and the VMM's
cmdline without its pvhboot.* words (docs/disk.md); the GPT/MBR and
XBOOTLDR boots also check every line the readers print (partitions, file
systems, the entries in order, the chosen entry's files) against
disk_boot.expected_lines.
"""

import os
import subprocess
import zlib

from common import check, expect_panic, file_once
from disk_boot import (check_chosen, check_disk, drive, expected_cmdline, in_order, initrd_loaded,
                       make_disk, need_tools)
from disk_images import DISK_LINE, disk
from linux import INIT_EXIT_STATUS, INIT_SCRIPT, InitReport, bzimage, cpio_newc, initramfs
from qemu import run_qemu
from test_x86_firmware import host_tsc_khz

ARCH = "x86_64"
TIMEOUT = 120
MODERN_MMIO = ["-global", "virtio-mmio.force-legacy=false"]
SECOND = b"second initrd, joined behind the first"
BIG_KERNEL = 40 * 1024 * 1024  # more than all of -m 32M
X86_TREE = b"a devicetree line's file: x86 kernels take none\n"
MULTI_ENTRIES = ["debian:Debian:6.1.0:debian:console=ttyS0 quiet which=debian",
                 "rescue:Rescue:2::console=ttyS0 quiet which=rescue"]
MULTI_UKIS = ["uki-12:DebianUKI:12:console=ttyS0 quiet which=uki"]


def disk_elf(ctx):
    return os.path.join(ctx.build, "pvhboot-disk.elf")


def second_initrd(ctx):
    """An archive whose /init is the oracle's plus one line with /second."""
    path = os.path.join(ctx.tmp, "second-initrd.cpio")
    script = INIT_SCRIPT.replace('echo "pvhtest: init"\n', 'echo "pvhtest: init"\n'
                                 'echo "pvhtest: second [$(busybox cat /second)]"\n')
    check(script != INIT_SCRIPT, "linux.py's /init changed: no 'pvhtest: init' line to follow")
    file_once(path, lambda: cpio_newc([("init", 0o100755, script.encode()),
                                       ("second", 0o100644, SECOND)]))
    return path


def x86_tree(ctx):
    """A devicetree line's file on the x86 disk: left out, whatever it holds."""
    path = os.path.join(ctx.tmp, "x86-devicetree.dtb")
    file_once(path, lambda: X86_TREE)
    return path


def multi_disk(ctx):
    return make_disk(ctx, "x86-multi", bzimage(ctx), [initramfs(ctx)], 16, MULTI_ENTRIES,
                     MULTI_UKIS, default="debian*", devicetree=x86_tree(ctx))


def boot_linux(ctx, machine, devices, append, entry_id, entry_type, manifest, vmm, initrds):
    result = run_qemu(["-M", machine, "-m", "512M", "-kernel", disk_elf(ctx), "-append", append] +
                      devices, TIMEOUT, qemu=ctx.qemu)
    check(not result.timed_out and not result.triple_fault, result.describe())
    device = check_chosen(result, entry_id, entry_type, bzimage(ctx), initrds)
    check(result.status == INIT_EXIT_STATUS, "expected /init's exit: " + result.describe())
    report = InitReport(result.serial)
    want = expected_cmdline(manifest, entry_id, vmm)
    check(report.cmdline == want, "Linux cmdline %r, expected %r" % (report.cmdline, want))
    # Linux's RAMDISK line: the initrd's first byte and the last of its
    # last page (arch/x86/kernel/setup.c rounds the end up to a page).
    at, size = initrd_loaded(result)
    ramdisk = (at, ((at + size + 4095) & ~4095) - 1)
    check(report.ramdisk == ramdisk, "Linux's RAMDISK %s, expected %s: the initrd pvhboot-disk "
          "handed over" % (report.ramdisk and "0x%x-0x%x" % report.ramdisk, "0x%x-0x%x" % ramdisk))
    return result, device


def microvm_two_initrds(ctx):
    def test():
        need_tools()
        initrds = [initramfs(ctx), second_initrd(ctx)]
        img, m = make_disk(ctx, "x86-fat32", bzimage(ctx), initrds, 32,
                           ["debian:Debian:6.1.0::console=ttyS0 quiet which=fat32"])
        vmm = "tsc_early_khz=%d" % host_tsc_khz()
        result, device = boot_linux(ctx, "microvm", MODERN_MMIO + drive(img, "d0") +
                                    ["-device", "virtio-blk-device,drive=d0"], vmm, "debian", 1,
                                    m, vmm, initrds)
        check(b"pvhtest: second [%s]" % SECOND in result.lines(prefix=b"pvhtest: "),
              "/init did not show the second initrd's file: " + result.describe())
        os.unlink(img)
        return "%s, %.1fs" % (device, result.elapsed)
    return test


def q35_entry(ctx, want, entry_id, entry_type, vmm_words):
    """q35, the multi-entry disk on virtio-blk-pci: pvhboot.entry=want."""
    def test():
        img, m = multi_disk(ctx)
        append = "%s pvhboot.entry=%s pvhboot.verbose" % (vmm_words, want)
        result, device = boot_linux(ctx, "q35", drive(img, "d0") +
                                    ["-device", "virtio-blk-pci,drive=d0,addr=5"], append,
                                    entry_id, entry_type, m, vmm_words, [initramfs(ctx)])
        check(device == "virtio-pci 00:05.0", "booted from %s, expected virtio-pci 00:05.0" % device)
        if entry_type == 1:
            left_out = [l for l in result.lines() if l.startswith(b"pvhboot: boot: devicetree at ")]
            check(len(left_out) == 1 and left_out[0].endswith(
                b" size %d left out: x86 kernels take none" % len(X86_TREE)),
                "expected the entry's devicetree left out with one line: %r" % left_out)
        # The VMM's pvhboot.* words reach the firmware (and not the kernel).
        check(any(l.startswith(b"pvhboot: fw: map ") for l in result.lines()),
              "no 'fw: map' lines: pvhboot.verbose did not reach the firmware")
        return "%s, %.1fs" % (device, result.elapsed)
    return test


def pc_transitional(ctx):
    """pc (i440FX, no MCFG), the multi-entry disk on a transitional
    virtio-blk-pci (legacy and modern: pvhboot-disk takes the modern
    capabilities): loader.conf's default entry."""
    def test():
        img, m = multi_disk(ctx)
        vmm = "tsc_early_khz=%d" % host_tsc_khz()
        result, device = boot_linux(ctx, "pc", drive(img, "d0") +
                                    ["-device", "virtio-blk-pci,drive=d0,addr=6,"
                                     "disable-legacy=off,disable-modern=off"],
                                    vmm, "debian", 1, m, vmm, [initramfs(ctx)])
        check(device == "virtio-pci 00:06.0", "booted from %s, expected virtio-pci 00:06.0" % device)
        return "%s, %.1fs" % (device, result.elapsed)
    return test


def microvm_second_disk_default(ctx):
    """A raw disk first (no partition table), the boot disk second."""
    def test():
        img, m = multi_disk(ctx)
        raw, _ = disk(ctx, "a")
        vmm = "tsc_early_khz=%d" % host_tsc_khz()
        devices = MODERN_MMIO + drive(raw, "d0") + ["-device", "virtio-blk-device,drive=d0"]
        devices += drive(img, "d1") + ["-device", "virtio-blk-device,drive=d1"]
        result, device = boot_linux(ctx, "microvm", devices, vmm, "debian", 1, m, vmm,
                                    [initramfs(ctx)])
        # The raw disk: the transport whose sector 0 has its CRC; refused for
        # the signature its bytes 510-511 hold.
        raw_data = disk(ctx, "a")[1]
        found = [m.group(1) for m in (DISK_LINE.match(l) for l in result.lines())
                 if m and int(m.group(3), 16) == zlib.crc32(raw_data[:512])]
        check(len(found) == 1 and found[0].decode() != device,
              "the raw disk's line, not the boot disk's: " + result.describe())
        want = b"pvhboot: boot: %s passed over: disk %s: no partition table: signature 0x%04x" % (
            found[0], found[0], raw_data[510] | raw_data[511] << 8)
        passed = [l for l in result.lines() if b" passed over: " in l]
        check(passed == [want], "passed-over lines %r, expected [%r]" % (passed, want))
        return "%s, %.1fs" % (device, result.elapsed)
    return test


def no_esp_refused(ctx):
    """A GPT with one Linux partition: no ESP, one error line."""
    def test():
        need_tools()
        path = os.path.join(ctx.tmp, "no-esp.img")
        with open(path, "wb") as f:
            f.truncate(4 * 1024 * 1024)
        subprocess.run(["sfdisk", "--quiet", path], check=True,
                       input=b"label: gpt\nstart=2048, size=4096, "
                             b"type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n")
        result = run_qemu(["-M", "microvm", "-m", "256M", "-kernel", disk_elf(ctx)] + MODERN_MMIO +
                          drive(path, "d0") + ["-device", "virtio-blk-device,drive=d0"],
                          60, qemu=ctx.qemu)
        line = expect_panic(result, b"pvhboot: error: no bootable entry on any disk: disks 1: ")
        check(line.endswith(b"no ESP or XBOOTLDR partition with a FAT file system"),
              "unexpected reason: %r" % line)
        os.unlink(path)
        return line.decode()
    return test


def kernel_too_big(ctx):
    """A 'kernel' larger than the guest's RAM: one error line naming its
    size, before anything is read or handed over (no Linux)."""
    def test():
        need_tools()
        big = os.path.join(ctx.tmp, "big-kernel")
        with open(big, "wb") as f:
            f.truncate(BIG_KERNEL)
        img, _ = make_disk(ctx, "x86-big", big, [], 16, ["big:Big:1::console=ttyS0"],
                           esp_mib=64)
        result = run_qemu(["-M", "microvm", "-m", "32M", "-kernel", disk_elf(ctx)] + MODERN_MMIO +
                          drive(img, "d0") + ["-device", "virtio-blk-device,drive=d0"],
                          60, qemu=ctx.qemu)
        line = expect_panic(result, b"pvhboot: error: boot: kernel of %d bytes: no free RAM "
                            b"below 4 GiB holds it" % BIG_KERNEL)
        os.unlink(img)
        os.unlink(big)
        return line.decode()
    return test


def microvm_disk_boot(ctx, m_args, want_id, want_type):
    """microvm, the disk make_disk(**m_args) makes on virtio-blk-device,
    the VMM's cmdline the TSC's rate: pvhboot-disk boots want_id (checked
    against the order and loader.conf, not taken from them), and prints
    exactly the readers' lines expected_lines computes."""
    def test():
        need_tools()
        initrds = [initramfs(ctx)]
        img, m = make_disk(ctx, kernel=bzimage(ctx), initrds=initrds, **m_args)
        vmm = "tsc_early_khz=%d" % host_tsc_khz()
        result, device = boot_linux(ctx, "microvm", MODERN_MMIO + drive(img, "d0") +
                                    ["-device", "virtio-blk-device,drive=d0"], vmm, want_id,
                                    want_type, m, vmm, initrds)
        chosen = check_disk(result, m, bzimage(ctx), initrds, None, vmm)
        check(chosen["id"] == want_id, "the oracle chose %s" % chosen["id"])
        os.unlink(img)
        return "%s, %s:%s, %.1fs" % (device, chosen["fs"], chosen["id"], result.elapsed)
    return test


def xbootldr_uki(ctx):
    """The ESP holds loader.conf alone; its default names the UKI on XBOOTLDR,
    whose .cmdline carries the TSC's rate (a UKI gets nothing of the VMM's)."""
    uki = "xb-uki:XbootldrUKI:13:console=ttyS0 quiet tsc_early_khz=%d which=xb-uki" % (
        host_tsc_khz())
    return microvm_disk_boot(ctx, dict(
        name="x86-gpt-xbootldr", fat=16, default="xb-uki*", xbootldr_mib=40,
        xbootldr_entries=["xb-debian:XbDebian:6.1.0:debian:console=ttyS0 quiet which=xb-debian",
                          "xb-rescue:XbRescue:2::console=ttyS0 quiet which=xb-rescue"],
        xbootldr_ukis=[uki]), "xb-uki", 2)


BOTH_ESP = ["debian-6.1.0-10:Debian 6.1.0-10:6.1.0-10:debian:console=ttyS0 quiet which=esp-10",
            "rescue:Rescue:2::console=ttyS0 quiet which=esp-rescue"]
BOTH_XB = ["debian-6.1.0-9:Debian 6.1.0-9:6.1.0-9:debian:console=ttyS0 quiet which=xb-9",
           "fallback:Fallback:1::console=ttyS0 quiet which=xb-fallback"]


def esp_and_xbootldr_order(ctx):
    """Entries on both partitions, no loader.conf: the first in the merged
    order. Which one that is comes from the oracle, here the ESP's
    6.1.0-10 over XBOOTLDR's 6.1.0-9 (versions, not strings, compared)."""
    def entries(specs, fs):
        return [dict(id=s.split(":")[0], version=s.split(":")[2], sort_key=s.split(":")[3],
                     fs=fs, type=1) for s in specs]
    first = in_order({"entries": entries(BOTH_ESP, "esp") + entries(BOTH_XB, "xbootldr"),
                      "ukis": []})[0]
    return microvm_disk_boot(ctx, dict(name="x86-gpt-both", fat=16, entries=BOTH_ESP,
                                       xbootldr_mib=24, xbootldr_entries=BOTH_XB),
                             first["id"], 1)


def mbr_esp_xbootldr(ctx):
    """sfdisk's dos label: the ESP (0xef) holds loader.conf, XBOOTLDR (0xea)
    the entries and their files; the default is the second in order."""
    return microvm_disk_boot(ctx, dict(
        name="x86-mbr", fat=16, label="dos", default="mbr-old", xbootldr_mib=24,
        xbootldr_entries=["mbr-new:MbrNew:6.1.0-10:debian:console=ttyS0 quiet which=mbr-new",
                          "mbr-old:MbrOld:6.1.0-9:debian:console=ttyS0 quiet which=mbr-old"]),
        "mbr-old", 1)


def mbr_past_disk_end(ctx):
    """An MBR disk (made by make-disk.py, an ESP with an entry) cut short
    inside its last partition: the MBR is not valid (UEFI: every
    partition must lie on the disk), so the disk is refused with one
    error line naming that partition, good ESP or not."""
    def test():
        need_tools()
        kernel = os.path.join(ctx.tmp, "small-kernel")
        file_once(kernel, lambda: b"not booted" * 100)
        img, m = make_disk(ctx, "x86-mbr-cut", kernel, [], 16, ["cut:Cut:1::console=ttyS0"],
                           label="dos")
        last = m["partitions"][-1]
        sectors = last["first_lba"] + last["sectors"] // 2
        with open(img, "r+b") as f:
            f.truncate(sectors * 512)
        result = run_qemu(["-M", "microvm", "-m", "256M", "-kernel", disk_elf(ctx)] + MODERN_MMIO +
                          drive(img, "d0") + ["-device", "virtio-blk-device,drive=d0"],
                          60, qemu=ctx.qemu)
        want = (b"pvhboot: error: no bootable entry on any disk: disks 1: MBR partition %d: "
                b"LBA %d, %d sectors, on a disk of %d sectors" %
                (last["number"], last["first_lba"], last["sectors"], sectors))
        line = expect_panic(result, want)
        check(line == want, "error line %r, expected %r" % (line, want))
        sizes = [int(m.group(2)) for m in (DISK_LINE.match(l) for l in result.lines()) if m]
        check(sizes == [sectors], "disk lines' sectors %r, expected [%d]" % (sizes, sectors))
        os.unlink(img)
        return line.decode()
    return test


def collect(ctx):
    return [
        ("microvm-fat32-bls-two-initrds-to-init", microvm_two_initrds(ctx)),
        ("q35-pci-fat16-entry-by-title-to-init",
         q35_entry(ctx, "Rescue", "rescue", 1, "extra=vmm")),
        ("q35-pci-uki-by-id-exact-cmdline-to-init",
         q35_entry(ctx, "uki-12", "uki-12", 2, "extra=vmm")),
        ("microvm-disk-second-loader-default-to-init", microvm_second_disk_default(ctx)),
        ("pc-pci-transitional-loader-default-to-init", pc_transitional(ctx)),
        ("no-esp-one-error-line", no_esp_refused(ctx)),
        ("kernel-larger-than-ram-one-error-line", kernel_too_big(ctx)),
        ("microvm-gpt-xbootldr-uki-esp-loader-conf-to-init", xbootldr_uki(ctx)),
        ("microvm-gpt-esp-and-xbootldr-first-in-order-to-init", esp_and_xbootldr_order(ctx)),
        ("microvm-mbr-esp-ef-xbootldr-ea-to-init", mbr_esp_xbootldr(ctx)),
        ("mbr-partition-past-disk-end-one-error-line", mbr_past_disk_end(ctx)),
    ]
