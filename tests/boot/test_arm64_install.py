"""make install for arm64, then a unikernel built outside the tree from
the installed files only (examples/memsize through pvhboot-arm64.pc, with
the cross compiler where the machine is not arm64), made an Image and
booted on QEMU's virt. The link takes nothing but what the .pc says: with
Debian 12's cross gcc, -static-pie asks the linker for -z text, and the
.pc must say -z notext for the relocations the Image applies to itself.
A program's own xen/ headers beside pvhboot's flags: its <xen/e820.h> is
its own, and no pvhboot header reaches into it.
Then hello.bin packed by the installed pvhboot-pack into the installed
pvhboot.bin (no --firmware), booted."""

ARCH = "arm64"

import os
import platform
import shutil

from common import check
from install import (check_installed_firmware, check_memsize_report, check_own_xen_headers,
                     check_packed_hello, pack_with_installed_tool, run)
from qemu_arm64 import run_qemu_arm64


def out_of_tree(ctx):
    def test():
        prefix = os.path.join(ctx.tmp, "prefix-arm64")
        src = os.path.join(ctx.tmp, "memsize-arm64-src")
        cross = "" if platform.machine() == "aarch64" else "aarch64-linux-gnu-"
        run(ctx.make.split() + ["-C", ctx.root, "--no-print-directory", "install",
                                "ARCH=arm64", "PREFIX=" + prefix, "O=" + ctx.build_root])
        pc = os.path.join(prefix, "lib", "pkgconfig", "pvhboot-arm64.pc")
        check(os.path.exists(pc), "make install did not install " + pc)
        shutil.copytree(os.path.join(ctx.root, "examples", "memsize"), src)
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pc))
        env.pop("CFLAGS", None)
        run(["make", "-C", src, "--no-print-directory", "PVHBOOT_PC=pvhboot-arm64",
             "CC=%sgcc" % cross], env=env)
        check_own_xen_headers(prefix, "pvhboot-arm64", "%sgcc" % cross, src, env)
        image = os.path.join(src, "memsize.bin")
        run(["%sobjcopy" % cross, "-O", "binary", os.path.join(src, "memsize.elf"), image])

        module = os.path.join(src, "memsize.c")
        with open(module, "rb") as f:
            data = f.read()
        result = run_qemu_arm64(["-M", "virt", "-cpu", "cortex-a57", "-m", "256M",
                                 "-kernel", image, "-append", "x", "-initrd", module], 30,
                                qemu=ctx.qemu_aarch64)
        check_memsize_report(result, data, 256 << 20)

        check_installed_firmware(prefix, "arm64", ("pvhboot.bin", "pvhboot-disk.bin"))
        packed = os.path.join(ctx.tmp, "installed-fw-hello.bin")
        cmdline = "installed pack arm64"
        # No module cmdline: the arm64 hand-off (a device tree's initrd) has none.
        pack_with_installed_tool(prefix, "arm64", os.path.join(ctx.build_arm64, "hello.bin"),
                                 module, None, cmdline, packed)
        result = run_qemu_arm64(["-M", "virt", "-cpu", "cortex-a57", "-m", "256M",
                                 "-kernel", packed], 30, qemu=ctx.qemu_aarch64)
        check(not result.timed_out and result.status == 0, result.describe())
        check_packed_hello(result, data, None, cmdline)
    return test


def collect(ctx):
    return [("pkg-config-unikernel-builds-and-boots", out_of_tree(ctx))]
