"""hello.bin on bare QEMU virt: entered at EL1 and at EL2
(virtualization=on, no hypervisor), on cortex-a57 and max, with 1G and
5G, with and without -initrd, under four cmdlines; a tree of our own
with multiboot modules, /memreserve/ and /reserved-memory and no
stdout-path; a module that overlaps pvhboot (refused); and a NULL read
(the exception report)."""

ARCH = "arm64"

import gzip
import os
import struct
import random
import re
import zlib

import common
from common import TestFailure, check, check_timing, file_once
from hello_report import HelloReport, ReportError, compression_of
from qemu_arm64 import add_to_node, dtb_to_dts, dts_to_dtb, dump_dtb, run_qemu_arm64

CPUS = ["cortex-a57", "max"]
MEMORY = {"1G": 1 << 30, "5G": 5 << 30}
RAM_BASE = 0x40000000
IMAGE_BASE = 0x40200000  # QEMU loads an Image with text_offset 0 at RAM base + 2 MiB
EL2_LINE = b"pvhboot: entered at EL2: running at EL1"


def cmdlines():
    words = b"".join(b"word%04d=%d " % (i, i * 7) for i in range(600))
    return {
        "empty": b"",
        "ordinary": b"console=ttyAMA0 root=/dev/vda1 ro quiet arm.test=\"two words\"",
        "long4000": (words[:3990] + b" end=tail")[:4000],
        "bytes": bytes(range(0x01, 0x20)) + b" plain \"quoted\" back\\slash " +
                 bytes(range(0x7f, 0x100)),
    }


def make_module(ctx, name="arm64-module.bin", size=150001, seed=0x5eed):
    path = os.path.join(ctx.tmp, name)
    rng = random.Random(seed)
    return path, file_once(path, lambda: bytes(rng.getrandbits(8) for _ in range(size)))


def machine(el):
    return "virt,virtualization=on" if el == 2 else "virt"


def boot(ctx, el, cpu, mem, cmdline, initrd=None, dtb=None, image="hello.bin", timeout=30):
    args = ["-M", machine(el), "-cpu", cpu, "-m", mem,
            "-kernel", os.path.join(ctx.build_arm64, image), "-append", cmdline]
    if initrd:
        args += ["-initrd", initrd]
    if dtb:
        args += ["-dtb", dtb]
    return run_qemu_arm64(args, timeout, qemu=ctx.qemu_aarch64)


def expect_poweroff(result):
    """Ended by its own PSCI SYSTEM_OFF: QEMU exited by itself with 0, no error line."""
    check(not result.timed_out, "boot did not end: " + result.describe())
    check(result.status == 0, "expected QEMU to exit 0 (PSCI SYSTEM_OFF): " + result.describe())
    errors = [l for l in result.lines() if l.startswith(b"pvhboot: error: ")]
    check(not errors, "error lines: %r" % errors)


def expect_error(result, prefix):
    """One error line starting with prefix, then a clean stop (QEMU ended
    by itself: PSCI SYSTEM_OFF), and hello never ran to its end."""
    check(not result.timed_out, "the failure did not stop the machine: " + result.describe())
    check(result.status == 0, "expected QEMU to exit 0 (PSCI SYSTEM_OFF): " + result.describe())
    errors = [l for l in result.lines() if l.startswith(b"pvhboot: error: ")]
    check(len(errors) == 1, "expected exactly one error line, got %r: %s" %
          (errors, result.describe()))
    check(errors[0].startswith(prefix), "error line %r does not start with %r" % (errors[0], prefix))
    check(b"pvhboot: hello done" not in result.lines(), "hello went on after the error")
    return errors[0]


def parse(result):
    try:
        report = HelloReport(result.lines())
        report.check_memmap()
    except ReportError as e:
        raise TestFailure("%s\n%s" % (e, result.describe()))
    fdt = [l for l in result.lines() if l.startswith(b"pvhboot: fdt 0x")]
    check(len(fdt) == 1, "expected one 'fdt 0x..' line: %r" % fdt)
    report.fdt = int(fdt[0][len(b"pvhboot: fdt 0x"):], 16)
    check(report.arch == "arm64", "arch %r" % report.arch)
    check(report.loader == "fdt", "loader %r" % report.loader)
    check(report.rsdp is None, "an rsdp line on arm64")
    return report


def check_module(report, i, data, cmdline=b""):
    check(len(report.modules) > i, "module %d missing: %r" % (i, report.modules))
    m = report.modules[i]
    check(m["size"] == len(data), "module %d size %d != file size %d" % (i, m["size"], len(data)))
    check(m["crc32"] == zlib.crc32(data), "module %d crc32 0x%08x != host's 0x%08x" %
          (i, m["crc32"], zlib.crc32(data)))
    check(m["cmdline"] == cmdline, "module %d cmdline %r != %r" % (i, m["cmdline"], cmdline))
    check(m["format"] == compression_of(data), "module %d format %r, its first bytes %s say %r"
          % (i, m["format"], data[:9].hex(), compression_of(data)))
    r = report.region_of(m["base"])
    check(r is not None and r["type"] == 1 and not r["pvhboot"] and
          r["last"] >= m["base"] + m["size"] - 1, "module %d not inside free RAM" % i)
    return m


def image_size(path):
    """An arm64 Image's image_size (its header's bytes 16-23)."""
    with open(path, "rb") as f:
        return struct.unpack_from("<Q", f.read(64), 16)[0]


def check_common(result, el, cmdline, mem_bytes, hello_bin, reserved=0):
    expect_poweroff(result)
    report = parse(result)
    check(report.hypervisor == "none", "hypervisor %r: bare virt cannot be told from hardware" %
          report.hypervisor)
    check(report.cmdline == cmdline, "cmdline %r != given %r" % (report.cmdline[:100], cmdline[:100]))
    check(report.ram == mem_bytes - reserved, "ram %d, QEMU was given %d (reserved %d)" %
          (report.ram, mem_bytes, reserved))
    own = report.region_of(IMAGE_BASE)
    check(own is not None and own["pvhboot"] and own["type"] == 1,
          "the image at 0x%x is not in a RAM region marked pvhboot" % IMAGE_BASE)
    # Where it runs: where QEMU put the Image, for the header's image_size.
    size = image_size(hello_bin)
    check(report.image == (IMAGE_BASE, IMAGE_BASE + size - 1),
          "image 0x%x-0x%x, QEMU loads the Image at 0x%x, image_size 0x%x" %
          (report.image + (IMAGE_BASE, size)))
    tree = report.region_of(report.fdt)
    check(tree is not None and tree["pvhboot"], "fdt 0x%x is not in pvhboot's memory" % report.fdt)
    check((EL2_LINE in result.lines()) == (el == 2),
          "EL2 entry line %s, entered at EL%d" % ("present" if el == 1 else "absent", el))
    return report


def hello_case(ctx, el, cpu, mem, with_module, cmd_name):
    def test():
        cmdline = cmdlines()[cmd_name]
        path, data = make_module(ctx) if with_module else (None, None)
        result = boot(ctx, el, cpu, mem, cmdline, initrd=path)
        report = check_common(result, el, cmdline, MEMORY[mem],
                              os.path.join(ctx.build_arm64, "hello.bin"))
        if with_module:
            check(len(report.modules) == 1, "expected 1 module: %r" % report.modules)
            check_module(report, 0, data)
        else:
            check(not report.modules, "modules without -initrd: %r" % report.modules)
        return "%.2fs" % result.elapsed
    return test


# A tree of our own: QEMU's, plus two multiboot modules in /chosen (one
# with a cmdline), a /memreserve/ entry and a /reserved-memory child,
# and without stdout-path (so the console is the first PL011 found).
MOD_A, MOD_B = 0x50000000, 0x51000000
MEMRESERVE = (0x60000000, 0x10000)
RESERVED_MEMORY = (0x61000000, 0x200000)


def custom_tree(ctx, mem, mods, overlap=False):
    dts = dtb_to_dts(dump_dtb(ctx, "virt", "cortex-a57", mem))
    dts = re.sub(r'\n\t\tstdout-path = "[^"]*";', "", dts)
    dts = dts.replace("/dts-v1/;", "/dts-v1/;\n/memreserve/ 0x%x 0x%x;" % MEMRESERVE, 1)
    a_base = IMAGE_BASE + 0x1000 if overlap else MOD_A
    nodes = ("\t\t#address-cells = <2>;\n\t\t#size-cells = <2>;\n"
             "\t\tmodule@a { compatible = \"multiboot,kernel\", \"multiboot,module\"; "
             "reg = <0x0 0x%x 0x0 0x%x>; bootargs = \"first module words\"; };\n"
             "\t\tmodule@b { compatible = \"multiboot,module\"; reg = <0x0 0x%x 0x0 0x%x>; };\n"
             "\t\tnot-a-module { compatible = \"vendor,other\"; reg = <0x0 0x1 0x0 0x1>; };"
             % (a_base, len(mods[0]), MOD_B, len(mods[1])))
    dts = add_to_node(dts, "chosen", nodes)
    dts += ("\n/ { reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges;\n"
            "\tfw@%x { reg = <0x0 0x%x 0x0 0x%x>; no-map; };\n"
            "\tpool { size = <0x0 0x100000>; }; }; };\n"
            % (RESERVED_MEMORY[0], RESERVED_MEMORY[0], RESERVED_MEMORY[1]))
    name = "custom-%s%s.dtb" % (mem, "-overlap" if overlap else "")
    return dts_to_dtb(dts, os.path.join(ctx.tmp, name))


def custom_tree_case(ctx, el):
    def test():
        initrd, initrd_data = make_module(ctx)
        a_path, a = make_module(ctx, "arm64-mod-a.bin", 40961, 1)
        b_path = os.path.join(ctx.tmp, "arm64-mod-b.gz")
        b = file_once(b_path, lambda: gzip.compress(make_module(ctx, "arm64-mod-b.bin", 777, 2)[1],
                                                    mtime=0))
        check(compression_of(b) == "gzip", "the gzip module starts %s" % b[:2].hex())
        dtb = custom_tree(ctx, "1G", [a, b])
        cmdline = b"custom tree"
        result = run_qemu_arm64(
            ["-M", machine(el), "-cpu", "cortex-a57", "-m", "1G", "-dtb", dtb,
             "-kernel", os.path.join(ctx.build_arm64, "hello.bin"), "-append", cmdline,
             "-initrd", initrd,
             "-device", "loader,file=%s,addr=0x%x,force-raw=on" % (a_path, MOD_A),
             "-device", "loader,file=%s,addr=0x%x,force-raw=on" % (b_path, MOD_B)],
            30, qemu=ctx.qemu_aarch64)
        reserved = MEMRESERVE[1] + RESERVED_MEMORY[1]
        report = check_common(result, el, cmdline, 1 << 30,
                              os.path.join(ctx.build_arm64, "hello.bin"), reserved)
        check(len(report.modules) == 3, "expected the initrd and 2 module nodes: %r" % report.modules)
        check_module(report, 0, initrd_data)
        m = check_module(report, 1, a, b"first module words")
        check(m["base"] == MOD_A, "module 1 base 0x%x" % m["base"])
        m = check_module(report, 2, b)
        check(m["base"] == MOD_B, "module 2 base 0x%x" % m["base"])
        for base, size in (MEMRESERVE, RESERVED_MEMORY):
            r = report.region_of(base)
            check(r is not None and r["type"] == 2 and r["first"] == base and
                  r["last"] == base + size - 1, "0x%x-0x%x is not a reserved region: %r" %
                  (base, base + size - 1, r))
    return test


def refuses_module_over_pvhboot(ctx):
    def test():
        a_path, a = make_module(ctx, "arm64-mod-a.bin", 40961, 1)
        b_path, b = make_module(ctx, "arm64-mod-b.bin", 777, 2)
        dtb = custom_tree(ctx, "1G", [a, b], overlap=True)
        result = run_qemu_arm64(
            ["-M", "virt", "-cpu", "cortex-a57", "-m", "1G", "-dtb", dtb,
             "-kernel", os.path.join(ctx.build_arm64, "hello.bin"), "-append", "x",
             "-device", "loader,file=%s,addr=0x%x,force-raw=on" % (b_path, MOD_B)],
            30, qemu=ctx.qemu_aarch64)
        expect_error(result, b"pvhboot: error: module 0 at 0x%x-0x%x: overlaps pvhboot 0x%x-" %
                     (IMAGE_BASE + 0x1000, IMAGE_BASE + 0x1000 + len(a) - 1, IMAGE_BASE))
    return test


def symbol_range(elf, name):
    """[start, end) of a symbol of the ELF (linked at 0)."""
    return common.symbol_range(elf, name, nm="aarch64-linux-gnu-nm")


def null_dereference(ctx, el, cpu):
    def test():
        result = boot(ctx, el, cpu, "1G", b"hello.crash=null")
        line = expect_error(result, b"pvhboot: error: exception data abort (class 0x25) esr 0x")
        m = re.match(rb".* esr 0x([0-9a-f]+) elr 0x([0-9a-f]+) far 0x([0-9a-f]+)$", line)
        check(m is not None, "malformed exception line %r" % line)
        esr, elr, far = (int(g, 16) for g in m.groups())
        check(far == 0, "far 0x%x for a NULL read" % far)
        check(esr >> 26 == 0x25, "esr 0x%x: not a data abort at EL1" % esr)
        lo, hi = symbol_range(os.path.join(ctx.build_arm64, "hello.elf"), "pvh_main")
        check(IMAGE_BASE + lo <= elr < IMAGE_BASE + hi,
              "elr 0x%x is not in pvh_main [0x%x, 0x%x)" % (elr, IMAGE_BASE + lo, IMAGE_BASE + hi))
    return test


def timing_report(ctx, el):
    """pvhboot.timing prints the phases in the order they ran (the MMU
    before Xen on arm64, an empty Xen phase on bare virt); nothing without it.
    The first phase counts from head.S's first instruction (its relocations,
    the early map, .bss), not from the first C."""
    def test():
        timed = boot(ctx, el, "cortex-a57", "1G", b"pvhboot.timing")
        expect_poweroff(timed)
        plain = boot(ctx, el, "cortex-a57", "1G", b"")
        expect_poweroff(plain)
        line = check_timing(timed, plain, ["entry-to-c", "hypervisor", "boot-description",
                                           "page-tables", "xen"], "cntvct")
        entry = int(re.search(r" entry-to-c=(\d+) ", line).group(1))
        check(entry > 0, "entry-to-c=0: the time before the first C is not counted: " + line)
        return line[len("pvhboot: timing "):]
    return test


def collect(ctx):
    tests = []
    for cpu in CPUS:
        for el in (1, 2):
            for mem in MEMORY:
                for with_module in (False, True):
                    for cmd_name in cmdlines():
                        name = "%s-el%d-%s-%s-%s" % (cpu, el, mem,
                                                    "initrd" if with_module else "nomodule", cmd_name)
                        tests.append((name, hello_case(ctx, el, cpu, mem, with_module, cmd_name)))
    for el in (1, 2):
        tests.append(("own-tree-modules-reserved-no-stdout-path-el%d" % el, custom_tree_case(ctx, el)))
    tests.append(("refuses-module-overlapping-pvhboot", refuses_module_over_pvhboot(ctx)))
    for el, cpu in ((1, "cortex-a57"), (2, "max")):
        tests.append(("null-dereference-reports-data-abort-%s-el%d" % (cpu, el),
                      null_dereference(ctx, el, cpu)))
    for el in (1, 2):
        tests.append(("timing-report-phases-in-order-el%d" % el, timing_report(ctx, el)))
    return tests
