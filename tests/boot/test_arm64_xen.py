"""hello.bin under the real Xen 4.17 for arm64 (Debian's hypervisor) on
QEMU virt with virtualization=on: as dom0 (QEMU's guest-loader) and as
a dom0less domU (a device tree of our own, the image placed by QEMU's
loader device), each with 2 vCPUs that hello runs on (Xen's virtual
MPIDRs: Aff0 = the vCPU number); and a domU image that requires a
feature Xen does not grant a domU, which pvhboot must refuse."""

ARCH = "arm64"

import os
import re
import zlib

from common import Skip, TestFailure, check, file_once
from hello_report import HelloReport, ReportError, compression_of
from qemu_arm64 import add_to_node, domu_lines, dtb_to_dts, dts_to_dtb, dump_dtb, run_qemu_arm64

MACHINE = "virt,virtualization=on,gic-version=3"
XEN_CONSOLE = "console=dtuart dtuart=/pl011@9000000 loglvl=all guest_loglvl=all"
DOM0_MEM = 512 << 20
DOMU_MEM = 128 << 20
# Where the test places things in the host's RAM (QEMU virt: from 0x40000000).
DOM0_KERNEL, DOM0_MODULE = 0x49000000, 0x4c000000
DOMU_KERNEL, DOMU_RAMDISK = 0x4a000000, 0x4e000000
DOM0_HALTED = re.compile(rb"\(XEN\) Hardware Dom0 halted[^\n]*")
# Xen ends each vpl011 line with CR LF after ours: "...\r\r\n".
DOMU_END = re.compile(rb"\(XEN\) DOM1: pvhboot: (hello done|error: [^\r\n]*)\r*\n")
# What Xen 4.17 on Arm grants dom0 (0x26805) and a domU.
DOM0_FEATURES = {b"writable_page_tables", b"auto_translated_physmap", b"dom0",
                 b"memory_op_vnode_supported", b"ARM_SMCCC_supported", b"direct_mapped"}
DOMU_FEATURES = {b"writable_page_tables", b"auto_translated_physmap",
                 b"memory_op_vnode_supported", b"ARM_SMCCC_supported", b"not_direct_mapped"}
# vCPUs of dom0 (dom0_max_vcpus) and of the domU (its "cpus"); QEMU has as many.
VCPUS = 2


def xen_image(ctx):
    path = os.path.join(ctx.cache, "arm64", "xen", "xen")
    if not os.path.exists(path):
        raise Skip("no Xen 4.17 for arm64 in %s: run tools/fetch-arm64.sh (make check does)" % path)
    return path


def module_file(ctx):
    path = os.path.join(ctx.tmp, "arm64-xen-module.bin")
    return path, file_once(path, lambda: bytes((i * 131 + 7) & 0xff for i in range(70001)))


def parse(lines, result):
    try:
        report = HelloReport(lines)
        report.check_memmap()
    except ReportError as e:
        raise TestFailure("%s\n%s" % (e, result.describe()))
    check(report.arch == "arm64" and report.loader == "fdt",
          "arch/loader %r/%r" % (report.arch, report.loader))
    check(report.hypervisor == "xen 4.17", "hypervisor %r" % report.hypervisor)
    version = [l for l in lines if l.startswith(b"pvhboot: xen version 4.17")]
    check(len(version) == 1 and version[0].endswith(b" hypercall hvc"),
          "expected one 'xen version 4.17... hypercall hvc' line: %r" % version)
    return report


def check_vcpus(report, result):
    """hello ran on every vCPU, listed (and read back) by Xen's virtual
    MPIDR: vCPU n has Aff0 = n (fewer than 16 vCPUs)."""
    try:
        return report.check_cpu_list(range(VCPUS), "mpidr", b"cntvct", b"fdt",
                                     started_by=b"psci")
    except ReportError as e:
        raise TestFailure("%s\n%s" % (e, result.describe()))


def check_module(report, data):
    check(len(report.modules) == 1, "modules: %r" % report.modules)
    m = report.modules[0]
    check(m["size"] == len(data) and m["crc32"] == zlib.crc32(data),
          "module size/crc32 %d/0x%08x, file %d/0x%08x" %
          (m["size"], m["crc32"], len(data), zlib.crc32(data)))
    check(m["format"] == compression_of(data), "module format %r, expected %r" %
          (m["format"], compression_of(data)))


def boot_dom0(ctx, cmdline, mod_path, vcpus=VCPUS, image=None, stop_on=None):
    """QEMU -> Xen -> image (default hello.bin) as dom0 with vcpus vCPUs
    (QEMU has as many)."""
    image = image or os.path.join(ctx.build_arm64, "hello.bin")
    return run_qemu_arm64(
        ["-M", MACHINE, "-cpu", "cortex-a57", "-m", "2G", "-smp", str(vcpus),
         "-kernel", xen_image(ctx), "-append", "dom0_mem=%dM dom0_max_vcpus=%d %s" %
         (DOM0_MEM >> 20, vcpus, XEN_CONSOLE),
         "-device", "guest-loader,addr=0x%x,kernel=%s,bootargs=%s" %
         (DOM0_KERNEL, image, cmdline),
         "-device", "guest-loader,addr=0x%x,initrd=%s" % (DOM0_MODULE, mod_path)],
        90, qemu=ctx.qemu_aarch64, stop_on=stop_on)


def dom0(ctx):
    def test():
        mod_path, mod_data = module_file(ctx)
        cmdline = "dom0 words ending here pvhboot.note=kept"
        result = boot_dom0(ctx, cmdline, mod_path)
        check(not result.timed_out, "Xen did not finish: " + result.describe())
        check(DOM0_HALTED.search(result.serial) is not None,
              "expected Xen to report dom0 halted (SCHEDOP_shutdown poweroff): " + result.describe())
        report = parse(result.lines(), result)
        feats = set(report.xenfeat or [])
        check(feats == DOM0_FEATURES, "dom0 features %r, expected %r" % (feats, DOM0_FEATURES))
        check(report.cmdline == cmdline.encode(), "cmdline %r" % report.cmdline)
        check_module(report, mod_data)
        check(report.ram == DOM0_MEM, "ram %d, dom0_mem is %d" % (report.ram, DOM0_MEM))
        # dom0 has no UART: its lines go through console_io, which Xen
        # prints as they are (a domU's would be prefixed).
        raw = [l.rstrip(b"\r") for l in result.serial.split(b"\n") if b"pvhboot: hello done" in l]
        check(raw == [b"pvhboot: hello done"], "not through console_io: %r" % raw)
        ticks = check_vcpus(report, result)
        return "%.2fs, cpus-up %d ticks" % (result.elapsed, ticks)
    return test


def dom0less_tree(ctx, image, cmdline, ramdisk_size=None, name="dom0less.dtb", vcpus=VCPUS):
    """QEMU's tree with Xen's bootargs and one domU in /chosen."""
    dts = dtb_to_dts(dump_dtb(ctx, MACHINE, "cortex-a57", "2G", str(vcpus),
                              name="xen-host-%d.dtb" % vcpus))
    ramdisk = ""
    if ramdisk_size:
        ramdisk = ("\t\t\tmodule@%x { compatible = \"multiboot,ramdisk\", \"multiboot,module\"; "
                   "reg = <0x%x 0x%x>; };\n" % (DOMU_RAMDISK, DOMU_RAMDISK, ramdisk_size))
    text = ("\t\t#address-cells = <2>;\n\t\t#size-cells = <2>;\n"
            "\t\txen,xen-bootargs = \"%s\";\n"
            "\t\tdomU1 { compatible = \"xen,domain\"; #address-cells = <1>; #size-cells = <1>;\n"
            "\t\t\tmemory = <0 0x%x>; cpus = <%d>; vpl011;\n"
            "\t\t\tmodule@%x { compatible = \"multiboot,kernel\", \"multiboot,module\"; "
            "reg = <0x%x 0x%x>; bootargs = \"%s\"; };\n%s\t\t};"
            % (XEN_CONSOLE, DOMU_MEM >> 10, vcpus, DOMU_KERNEL, DOMU_KERNEL, os.path.getsize(image),
               cmdline, ramdisk))
    return dts_to_dtb(add_to_node(dts, "chosen", text), os.path.join(ctx.tmp, name))


def boot_domu(ctx, image, cmdline, ramdisk=None, name="dom0less.dtb", stop_on=DOMU_END, timeout=60,
              vcpus=VCPUS):
    size = os.path.getsize(ramdisk) if ramdisk else None
    args = ["-M", MACHINE, "-cpu", "cortex-a57", "-m", "2G", "-smp", str(vcpus),
            "-dtb", dom0less_tree(ctx, image, cmdline, size, name, vcpus), "-kernel", xen_image(ctx),
            "-device", "loader,file=%s,addr=0x%x,force-raw=on" % (image, DOMU_KERNEL)]
    if ramdisk:
        args += ["-device", "loader,file=%s,addr=0x%x,force-raw=on" % (ramdisk, DOMU_RAMDISK)]
    return run_qemu_arm64(args, timeout, qemu=ctx.qemu_aarch64, stop_on=stop_on)


def domu(ctx):
    def test():
        mod_path, mod_data = module_file(ctx)
        cmdline = "domU words here"
        result = boot_domu(ctx, os.path.join(ctx.build_arm64, "hello.bin"), cmdline, mod_path)
        check(not result.timed_out, "no end marker from the domU: " + result.describe())
        lines = domu_lines(result)
        check(b"pvhboot: hello done" in lines, "the domU did not finish: %r" % lines[-5:])
        report = parse(lines, result)
        feats = set(report.xenfeat or [])
        check(feats == DOMU_FEATURES, "domU features %r, expected %r" % (feats, DOMU_FEATURES))
        check(report.cmdline == cmdline.encode(), "cmdline %r" % report.cmdline)
        check_module(report, mod_data)
        check(report.ram == DOMU_MEM, "ram %d, the domU has %d" % (report.ram, DOMU_MEM))
        # The domU's tree has no /hypervisor: Xen was found by the SMCCC UID call.
        ticks = check_vcpus(report, result)
        return "%.2fs to the marker, cpus-up %d ticks" % (result.elapsed, ticks)
    return test


def domu_refuses_ungranted(ctx):
    def test():
        image = os.path.join(ctx.build_arm64, "tests", "hello-require-dom0.bin")
        # Without a dom0 nothing reports a domU's SCHEDOP_shutdown(crash):
        # the test sees the error line and that nothing follows it.
        result = boot_domu(ctx, image, "x", name="dom0less-require-dom0.dtb")
        check(not result.timed_out, "no error line from the domU: " + result.describe())
        lines = domu_lines(result)
        errors = [l for l in lines if l.startswith(b"pvhboot: error: ")]
        check(errors == [b"pvhboot: error: Xen lacks required feature dom0"],
              "expected the refusal line, got %r\n%s" % (errors, result.describe()))
        check(b"pvhboot: hello done" not in lines, "hello ran anyway")
    return test


def collect(ctx):
    return [
        ("dom0-guest-loader", dom0(ctx)),
        ("dom0less-domU", domu(ctx)),
        ("dom0less-domU-refuses-image-requiring-dom0", domu_refuses_ungranted(ctx)),
    ]
