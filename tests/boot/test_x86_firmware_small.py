"""pvhboot.elf packed, in guests as small as what it holds (issue "Tiny
and instant"): pvhboot-pack puts the pieces right after the firmware's own
memory, or after the memory of a kernel that runs where it lies, and pack
and inspect say the RAM the image needs.

- hello (tests/hello-unmovable.elf: without the PHYS32_RELOC note, it runs
  at 1 MiB) packed boots in a 16 MiB guest on pc, q35 and microvm: its
  full report, the exact cmdline, RAM no more than QEMU gave.
- The layout and the stated minimum RAM, for hello.elf with a module and
  for Debian's bzImage with the busybox initramfs (as it is, and edited to
  prefer 1 MiB, where pvhboot.elf runs: fixed there, copied by the
  firmware; relocatable, run where it lies after pvhboot.elf), against
  what this file computes from the inputs: pvhboot.elf's and hello.elf's
  program headers, the files' sizes, the bzImage's setup header
  (pref_address, init_size, kernel_alignment, the setup size), and the
  tool's two allowances (HANDOFF_ROOM, LOADER_ROOM, read from
  tools/pvhboot-pack).
- On pc, q35 and microvm: hello.elf with a module boots with the stated
  minimum rounded up to the MiB (hello reports the module's CRC-32), and
  a guest whose RAM ends a MiB or more before the module does is refused
  with one error line naming the module (not the strings after it), then
  the failure stop (no hang, no triple fault).
Debian's bzImage packed with the initramfs runs /init at 512M on pc, q35
and microvm in test_x86_firmware.py (linux-bzimage-*-packed).
"""

import importlib.machinery
import importlib.util
import os
import re
import struct
import zlib

from common import check, elf_loads, expect_panic, expect_poweroff, file_made_once
from hello_report import checked_report
from linux import bzimage, initramfs, pack_tool
from qemu import run_qemu
from test_x86_firmware import data_file, fw_elf, packed
from test_x86_firmware_placement import HELLO_CMDLINE

ARCH = "x86_64"
PAGE = 0x1000
MIB = 1 << 20
SMALL = "16M"
MACHINES = ("pc", "q35", "microvm")
MODULE_SIZE = 6 * MIB + 12345  # hello's module: a guest that cannot hold it still holds pvhboot
MODULE_CMDLINE = "small guest module"
MINIMUM = re.compile(r"^\s*minimum RAM: (\d+) bytes \((\d+) MiB\)$", re.M)


def align(v, a=PAGE):
    return (v + a - 1) // a * a


def tool_allowances(ctx):
    """(HANDOFF_ROOM, LOADER_ROOM): what the tool adds to the end of the
    layout for pvhboot's hand-off and the loader's own use."""
    path = os.path.join(ctx.root, "tools", "pvhboot-pack")
    loader = importlib.machinery.SourceFileLoader("pvhboot_pack", path)
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module.HANDOFF_ROOM, module.LOADER_ROOM


def loads(path):
    """(paddr, filesz, memsz) of an ELF64 file's PT_LOAD segments that take memory."""
    return [load for load in elf_loads(path) if load[2]]


def stated_minimum(out, what):
    found = MINIMUM.findall(out)
    check(len(found) == 1, "%s: expected one 'minimum RAM' line:\n%s" % (what, out))
    need, mib = (int(x) for x in found[0])
    check(mib == align(need, MIB) // MIB, "%s: %d bytes is not %d MiB rounded up" % (what, need, mib))
    return need


def placed_at(out, what, size):
    """Where pack's output says the piece of size bytes went."""
    found = re.findall(r"^%s [^\n]*: %d bytes at 0x([0-9a-f]+)" % (what, size), out, re.M)
    check(len(found) == 1, "no single %s of %d bytes in pack's output:\n%s" % (what, size, out))
    return int(found[0], 16)


class Expected:
    """The layout pvhboot-pack must choose, computed from the inputs."""

    def __init__(self, ctx, kernel_at, kernel_size, kernel_end, kernel_name, modules):
        handoff, loader = tool_allowances(ctx)
        self.kernel = kernel_at
        at = align(max(kernel_at + kernel_size, kernel_end))
        self.modules = []
        for size, _ in modules:
            self.modules.append(at)
            at = align(at + size)
        strings = [kernel_name] + [c for _, c in modules if c]
        self.strings = at
        self.strings_end = at + sum(len(s) + 1 for s in strings)
        self.need = align(self.strings_end) + handoff + loader


def check_layout(ctx, want, kernel, module_arg, module_size, out_path):
    """Pack kernel and one module (module_arg, as --module takes it) into
    out_path: the kernel, the module and the minimum RAM pack and inspect
    state must be the layout want computed."""
    out = pack_tool(ctx, "pack", "--firmware", fw_elf(ctx), "--kernel", kernel,
                    "--module", module_arg, "-o", out_path)
    name = os.path.basename(kernel)
    check(placed_at(out, "kernel", os.path.getsize(kernel)) == want.kernel,
          "%s not at 0x%x:\n%s" % (name, want.kernel, out))
    check(placed_at(out, "module", module_size) == want.modules[0],
          "the module not at 0x%x, after %s:\n%s" % (want.modules[0], name, out))
    check(stated_minimum(out, "pack") == want.need,
          "pack states %d bytes; the layout needs %d:\n%s" % (stated_minimum(out, "pack"),
                                                              want.need, out))
    inspected = pack_tool(ctx, "inspect", out_path)
    check(stated_minimum(inspected, "inspect") == want.need,
          "inspect states %d bytes; the layout needs %d:\n%s" %
          (stated_minimum(inspected, "inspect"), want.need, inspected))


def HELLO(ctx):
    """hello without the PHYS32_RELOC note (tests/hello-unmovable.elf, linked
    as an installed unikernel links): it runs at 1 MiB, inside pvhboot's own
    memory, which is what the layout below models. pvhboot-pack's minimum
    does not model where the firmware moves a kernel that carries the note."""
    return os.path.join(ctx.build, "tests", "hello-unmovable.elf")


def setup_header(path):
    """A bzImage's setup size and its setup-header bytes (boot.rst)."""
    with open(path, "rb") as f:
        head = f.read(0x264)
    return ((head[0x1f1] or 4) + 1) * 512, head


def hello_with_module(ctx):
    module, data = data_file(ctx, "small-guest-module.bin", MODULE_SIZE, 7)
    hello = HELLO(ctx)
    path = packed(ctx, "fw-hello-small-module.elf", "--kernel", hello,
                  "--module", module + ":" + MODULE_CMDLINE)
    # hello runs at 1 MiB, inside pvhboot's own memory: its file follows
    # pvhboot's memory and hello's, then the module, then the strings.
    fw_end = max(p + m for p, _, m in loads(fw_elf(ctx)))
    hello_end = max(p + m for p, _, m in loads(hello))
    size = os.path.getsize(hello)
    want = Expected(ctx, align(max(fw_end, hello_end)), size, 0, "hello-unmovable.elf",
                    [(MODULE_SIZE, MODULE_CMDLINE)])
    return path, data, want


def layout_hello(ctx):
    def test():
        _, _, want = hello_with_module(ctx)
        module, _ = data_file(ctx, "small-guest-module.bin", MODULE_SIZE, 7)
        check_layout(ctx, want, HELLO(ctx),
                     module + ":" + MODULE_CMDLINE, MODULE_SIZE,
                     os.path.join(ctx.tmp, "fw-hello-small-module-again.elf"))
        return "minimum %d bytes" % want.need
    return test


def layout_linux(ctx):
    """Debian's bzImage runs where it lies (its code at pref_address, room
    for init_size): the initramfs follows that room."""
    def test():
        setup, head = setup_header(bzimage(ctx))
        pref, = struct.unpack_from("<Q", head, 0x258)
        init_size, = struct.unpack_from("<I", head, 0x260)
        size = os.path.getsize(bzimage(ctx))
        initrd = os.path.getsize(initramfs(ctx))
        check(pref - setup >= max(p + m for p, _, m in loads(fw_elf(ctx))),
              "Debian's pref_address 0x%x lies in pvhboot.elf's memory" % pref)
        want = Expected(ctx, pref - setup, size, pref + init_size, "bzImage", [(initrd, None)])
        check_layout(ctx, want, bzimage(ctx), initramfs(ctx), initrd,
                     os.path.join(ctx.tmp, "fw-linux-small-layout.elf"))
        return "minimum %d bytes" % want.need
    return test


def bzimage_1mib(ctx, relocatable):
    """Debian's bzImage with pref_address 1 MiB, where pvhboot.elf runs
    (boot.rst: relocatable_kernel at 0x234, pref_address at 0x258)."""
    def write(part):
        with open(bzimage(ctx), "rb") as f:
            d = bytearray(f.read())
        d[0x234] = 1 if relocatable else 0
        struct.pack_into("<Q", d, 0x258, MIB)
        with open(part, "wb") as f:
            f.write(d)
    return file_made_once(os.path.join(ctx.tmp, "bzImage-1mib-%s" % (
        "relocatable" if relocatable else "fixed")), write)


def layout_linux_1mib(ctx, relocatable):
    """A bzImage whose preferred address pvhboot.elf holds. Not
    relocatable: the firmware copies it to 1 MiB, so its file follows
    1 MiB + init_size. Relocatable: it runs where it lies, its code at
    the first kernel_alignment boundary after pvhboot.elf's memory."""
    def test():
        path = bzimage_1mib(ctx, relocatable)
        setup, head = setup_header(path)
        alignment, = struct.unpack_from("<I", head, 0x230)
        init_size, = struct.unpack_from("<I", head, 0x260)
        size = os.path.getsize(path)
        initrd = os.path.getsize(initramfs(ctx))
        fw_end = max(p + m for p, _, m in loads(fw_elf(ctx)))
        if relocatable:
            code = align(fw_end + setup, alignment)
            want = Expected(ctx, code - setup, size, code + init_size, "bzImage-1mib-relocatable",
                            [(initrd, None)])
        else:
            want = Expected(ctx, align(max(fw_end, MIB + init_size)), size, 0,
                            "bzImage-1mib-fixed", [(initrd, None)])
        check_layout(ctx, want, path, initramfs(ctx), initrd, path + ".elf")
        return "kernel at 0x%x" % want.kernel
    return test


def check_hello(result, mem, cmdline, modules):
    expect_poweroff(result)
    report = checked_report(result.lines(), result.describe())
    check(report.cmdline == cmdline, "hello's cmdline %r, expected %r" % (report.cmdline, cmdline))
    got = [(m["size"], m["crc32"], m["cmdline"]) for m in report.modules]
    check(got == modules, "hello's modules %r, expected %r" % (got, modules))
    check(0 < report.ram <= mem, "hello has %d bytes of RAM; QEMU gave %d" % (report.ram, mem))
    return report


def hello_small(ctx, machine):
    def test():
        fw = packed(ctx, "fw-hello-packed.elf", "--kernel", HELLO(ctx))
        result = run_qemu(["-M", machine, "-m", SMALL, "-kernel", fw, "-append", HELLO_CMDLINE],
                          30, qemu=ctx.qemu)
        check_hello(result, int(SMALL[:-1]) * MIB, HELLO_CMDLINE, [])
        return "%.2fs" % result.elapsed
    return test


def minimum_boots(ctx, machine):
    def test():
        path, data, want = hello_with_module(ctx)
        mib = align(want.need, MIB) // MIB
        result = run_qemu(["-M", machine, "-m", "%dM" % mib, "-kernel", path,
                           "-append", HELLO_CMDLINE], 30, qemu=ctx.qemu)
        check_hello(result, mib * MIB, HELLO_CMDLINE,
                    [(len(data), zlib.crc32(data), MODULE_CMDLINE.encode())])
        return "-m %dM" % mib
    return test


def less_refused(ctx, machine):
    def test():
        path, _, want = hello_with_module(ctx)
        end = want.modules[0] + MODULE_SIZE
        mib = (end - MIB) // MIB
        check(mib * MIB > want.kernel + os.path.getsize(HELLO(ctx)) + MIB,
              "-m %dM would not hold hello's piece: the test's module is too small" % mib)
        result = run_qemu(["-M", machine, "-m", "%dM" % mib, "-kernel", path], 30, qemu=ctx.qemu)
        line = b"pvhboot: error: packed module 1 at 0x%x size %d: not in RAM" % (
            want.modules[0], MODULE_SIZE)
        got = expect_panic(result, line)
        check(got == line, "error line %r, expected %r" % (got, line))
        return "-m %dM" % mib
    return test


def collect(ctx):
    tests = [("hello-packed-in-%s-%s" % (SMALL, m), hello_small(ctx, m)) for m in MACHINES]
    tests += [
        ("pack-layout-and-minimum-ram-hello-with-module", layout_hello(ctx)),
        ("pack-layout-and-minimum-ram-bzimage-initramfs", layout_linux(ctx)),
        ("pack-layout-bzimage-fixed-at-1mib-follows-its-init-size",
         layout_linux_1mib(ctx, False)),
        ("pack-layout-bzimage-relocatable-at-1mib-runs-after-pvhboot",
         layout_linux_1mib(ctx, True)),
    ]
    for m in MACHINES:
        tests.append(("hello-with-module-boots-in-stated-minimum-ram-%s" % m, minimum_boots(ctx, m)))
        tests.append(("hello-with-module-refused-a-mib-short-%s" % m, less_refused(ctx, m)))
    return tests
