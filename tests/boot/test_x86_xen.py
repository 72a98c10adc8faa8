"""hello as a PVH dom0 under the real Xen 4.17 (Debian's hypervisor,
booted by QEMU's multiboot loader with TCG and nested SVM), with and
without an IOMMU, through both hypercall paths, with one vCPU and two
(every vCPU started, by VCPUOP_initialise), a vCPU woken a second
time; and an image that requires a feature Xen does not grant, which
pvhboot must refuse."""

ARCH = "x86_64"

import os
import re
import zlib

from common import Skip, TestFailure, check, file_once
from hello_report import ReportError, checked_report, compression_of
from qemu import run_qemu
from test_x86_smp import start_page_line

DOM0_MEM = 64 << 20
# Xen ends dom0's RAM unaligned (ACPI tables follow it) and keeps the
# low-memory hole: pvhboot's page-aligned RAM may fall short of dom0_mem
# by a few pages, never by more than this.
DOM0_RAM_SLACK = 64 << 10
HALTED = re.compile(rb"\(XEN\) Hardware Dom0 halted[^\n]*")
CRASHED = re.compile(rb"\(XEN\) Hardware Dom0 crashed[^\n]*")
XEN_END = re.compile(rb"\(XEN\) (Hardware Dom0 (halted|crashed)|Panic on CPU|Manual reset)[^\n]*")
# What Xen 4.17 grants any PVH dom0 (see XENVER_get_features in Xen's kernel.c).
EXPECTED_FEATURES = {b"writable_page_tables", b"auto_translated_physmap",
                     b"hvm_callback_vector", b"hvm_safe_pvclock", b"dom0"}
NEVER_FOR_PVH = {b"writable_descriptor_tables", b"mmu_pt_update_preserve_ad",
                 b"highmem_assist", b"gnttab_map_avail_bits", b"direct_mapped"}


def xen_elf(ctx):
    path = os.path.join(ctx.cache, "xen", "xen.elf")
    if not os.path.exists(path):
        raise Skip("no Xen 4.17 in %s: run tools/fetch.sh xen (make check does)" % path)
    return path


def module_file(ctx):
    path = os.path.join(ctx.tmp, "xen-module.bin")
    return path, file_once(path, lambda: bytes((i * 131 + 7) & 0xff for i in range(70001)))


def boot_dom0(ctx, image, dom0_cmdline, iommu=False, vcpus=1, timeout=90):
    """QEMU -> Xen -> image as PVH dom0, with one module. QEMU's multiboot
    -initrd takes "file cmdline" pairs separated by commas; Xen drops the
    first word (the file name) of dom0's, not of a module's. Xen gives
    dom0 no more vCPUs than it has CPUs, so QEMU gets as many."""
    mod_path, mod_data = module_file(ctx)
    xen_cmdline = ("dom0=pvh dom0_mem=%dM dom0_max_vcpus=%d console=com1 com1=115200,8n1 "
                   "loglvl=all guest_loglvl=all noreboot" % (DOM0_MEM >> 20, vcpus))
    args = ["-M", "q35", "-cpu", "max", "-m", "1G", "-smp", str(vcpus), "-kernel", xen_elf(ctx)]
    if iommu:
        args += ["-device", "amd-iommu"]
    else:
        xen_cmdline += " dom0-iommu=none"
    args += ["-append", xen_cmdline,
             "-initrd", "%s %s,%s module cmdline words" % (image, dom0_cmdline, mod_path)]
    result = run_qemu(args, timeout, qemu=ctx.qemu, stop_on=XEN_END)
    return result, mod_path, mod_data


def check_xen_vcpus(report, vcpus, describe):
    """Every vCPU listed from the MADT Xen builds (for a PVH dom0; libxl's
    for an xl domU), each started by VCPUOP_initialise/VCPUOP_up (no
    INIT-SIPI, and so no note that Xen refused) and running hello's
    function; Xen gives vCPU i the APIC ID 2*i. Returns the cpus-up ticks."""
    try:
        ticks = report.check_cpu_list([2 * i for i in range(vcpus)], "apic", b"tsc", b"madt",
                                      started_by=b"xen-vcpu-op")
    except ReportError as e:
        raise TestFailure("%s\n%s" % (e, describe()))
    refused = [l for l in report.lines if l.startswith(b"pvhboot: note: Xen refused VCPUOP")]
    check(not refused, "Xen refused VCPUOP: %r\n%s" % (refused, describe()))
    return ticks


def check_dom0_report(result, cmdline, mod_path, mod_data, hypercall, vcpus=1):
    check(not result.timed_out, "Xen did not finish: " + result.describe())
    check(result.stopped_on is not None and HALTED.match(result.stopped_on),
          "expected Xen to report dom0 halted (SCHEDOP_shutdown poweroff): " + result.describe())
    lines = result.lines()
    report = checked_report(lines, result.describe())
    check(report.loader == "pvh-v0", "Xen gives PVH dom0 start info v0, got %r" % report.loader)
    check(report.hypervisor == "xen 4.17", "hypervisor %r" % report.hypervisor)
    version = [l for l in lines if l.startswith(b"pvhboot: xen version 4.17")]
    check(len(version) == 1, "no 'xen version' line")
    check(version[0].endswith(b" hypercall " + hypercall),
          "expected hypercalls through %r: %r" % (hypercall, version[0]))
    feats = set(report.xenfeat or [])
    check(EXPECTED_FEATURES <= feats, "missing features %r" % (EXPECTED_FEATURES - feats))
    check(not (NEVER_FOR_PVH & feats), "features PVH never gets: %r" % (NEVER_FOR_PVH & feats))
    check(b"pvhboot: start flags 0x3 privileged initdomain" in lines, "start flags line")
    check(report.cmdline == cmdline, "cmdline %r, expected %r" % (report.cmdline, cmdline))
    check(len(report.modules) == 1, "modules: %r" % report.modules)
    m = report.modules[0]
    check(m["size"] == len(mod_data) and m["crc32"] == zlib.crc32(mod_data),
          "module size/crc32 %d/0x%08x, file %d/0x%08x" %
          (m["size"], m["crc32"], len(mod_data), zlib.crc32(mod_data)))
    check(m["format"] == compression_of(mod_data), "module format %r, expected %r" %
          (m["format"], compression_of(mod_data)))
    want = ("%s module cmdline words" % mod_path).encode()
    check(m["cmdline"] == want, "module cmdline %r, expected %r" % (m["cmdline"], want))
    check(DOM0_MEM - DOM0_RAM_SLACK <= report.ram <= DOM0_MEM,
          "ram %d, dom0_mem is %d" % (report.ram, DOM0_MEM))
    check(any(r["type"] == 5 for r in report.memmap),
          "no 'unusable' region: the map did not come from XENMEM_memory_map")
    # After hypercalls work, hello's lines go through console_io, which
    # Xen prints without the "(d0) " that marks 0xe9 output.
    raw = [l.rstrip(b"\r") for l in result.serial.split(b"\n") if b"pvhboot: hello done" in l]
    check(raw == [b"pvhboot: hello done"], "hello's lines did not come through console_io: %r" % raw)
    return check_xen_vcpus(report, vcpus, result.describe)


def dom0_case(ctx, iommu, hypercall_option, expect, vcpus=1):
    def test():
        cmdline = b"dom0 words ending here"
        if hypercall_option:
            cmdline += b" pvhboot.xen_hypercall=" + hypercall_option
        result, mod_path, mod_data = boot_dom0(ctx, os.path.join(ctx.build, "hello.elf"),
                                               cmdline.decode(), iommu=iommu, vcpus=vcpus)
        ticks = check_dom0_report(result, cmdline, mod_path, mod_data, expect, vcpus)
        return "cpus-up ticks %d" % ticks
    return test


def vcpu_woken_again(ctx):
    """tests/x86/start_page.c as dom0 with 2 vCPUs: vCPU 1, started by
    VCPUOP_initialise, runs a function a second time when woken from its
    halt by an IPI (its local APIC is set up only after its first
    function). Then the image writes into the start-up page: under Xen
    that page never held code (VCPUOP needs none), so it is plain RAM,
    writable and no-execute, and the write goes through."""
    def test():
        image = os.path.join(ctx.build, "tests", "start-page.elf")
        result, _, _ = boot_dom0(ctx, image, "x", vcpus=2)
        check(not result.timed_out, "Xen did not finish: " + result.describe())
        start_page_line(result, 1)
        check(b"pvhboot: start-page: written" in result.lines(),
              "the unused start-up page is not plain RAM: " + result.describe())
        check(result.stopped_on is not None and HALTED.match(result.stopped_on),
              "expected Xen to report dom0 halted: " + result.describe())
    return test


def refuses_ungranted(ctx):
    def test():
        image = os.path.join(ctx.build, "tests", "hello-require-ungranted.elf")
        result, _, _ = boot_dom0(ctx, image, "x")
        check(not result.timed_out, "Xen did not finish: " + result.describe())
        errors = [l for l in result.lines() if l.startswith(b"pvhboot: error: ")]
        check(errors == [b"pvhboot: error: Xen lacks required feature writable_descriptor_tables"],
              "expected the refusal line, got %r\n%s" % (errors, result.describe()))
        check(result.stopped_on is not None and CRASHED.match(result.stopped_on),
              "expected SCHEDOP_shutdown(crash): " + result.describe())
        check(b"pvhboot: hello done" not in result.lines(), "hello ran anyway")
    return test


def collect(ctx):
    return [
        ("dom0-no-iommu-direct-hypercalls", dom0_case(ctx, False, None, b"vmmcall")),
        ("dom0-amd-iommu", dom0_case(ctx, True, None, b"vmmcall")),
        ("dom0-hypercall-page", dom0_case(ctx, False, b"page", b"page")),
        ("dom0-2-vcpus", dom0_case(ctx, False, None, b"vmmcall", vcpus=2)),
        ("dom0-vcpu-woken-again", vcpu_woken_again(ctx)),
        ("dom0-refuses-image-requiring-ungranted-feature", refuses_ungranted(ctx)),
    ]
