"""make install, then a unikernel built outside the tree from the
installed files only (examples/memsize through pkg-config), booted; a
program's own xen/ headers beside pvhboot's flags (its <xen/e820.h> is
its own, and no pvhboot header reaches into it); and
hello packed by the installed pvhboot-pack into the installed pvhboot.elf
(no --firmware), booted."""

ARCH = "x86_64"

import os
import shutil

from common import check, expect_poweroff
from install import (check_installed_firmware, check_memsize_report, check_own_xen_headers,
                     check_packed_hello, pack_with_installed_tool, run)
from qemu import run_qemu
from test_x86_firmware_reloc import PLACED
from test_x86_reloc import elf64_facts

FIRMWARE = ("pvhboot.elf", "pvhboot-disk.elf", "pvhboot.efi")


def out_of_tree(ctx):
    def test():
        prefix = os.path.join(ctx.tmp, "prefix")
        src = os.path.join(ctx.tmp, "memsize-src")
        run(ctx.make.split() + ["-C", ctx.root, "--no-print-directory", "install",
                                "ARCH=x86_64", "PREFIX=" + prefix, "O=" + ctx.build_root])
        for need in ("include/pvhboot/pvhboot.h", "include/pvhboot/xen/e820.h",
                     "lib/pvhboot/x86_64/libpvhboot.a", "lib/pvhboot/x86_64/entry.o",
                     "lib/pvhboot/x86_64/pvhboot.ld", "lib/pkgconfig/pvhboot.pc"):
            check(os.path.exists(os.path.join(prefix, need)), "make install did not install " + need)
        shutil.copytree(os.path.join(ctx.root, "examples", "memsize"), src)
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, "lib", "pkgconfig"))
        # -I of the source tree must not be needed: build with a clean environment.
        env.pop("CFLAGS", None)
        run(["make", "-C", src, "--no-print-directory"], env=env)
        check_own_xen_headers(prefix, "pvhboot", "gcc", src, env)
        elf = os.path.join(src, "memsize.elf")
        notes = run(["readelf", "-n", elf])
        check("Unknown note type: (0x00000012)" in notes or "PHYS32_ENTRY" in notes,
              "memsize.elf has no PHYS32_ENTRY note:\n" + notes)

        module = os.path.join(src, "memsize.c")
        with open(module, "rb") as f:
            data = f.read()
        result = run_qemu(["-M", "q35", "-m", "256M", "-kernel", elf, "-append", "x",
                           "-initrd", module], 30, qemu=ctx.qemu)
        expect_poweroff(result)
        check_memsize_report(result, data, 256 << 20)

        # The firmware, installed beside the tool that finds it.
        check_installed_firmware(prefix, "x86_64", FIRMWARE)
        packed = os.path.join(ctx.tmp, "installed-fw-hello.elf")
        cmdline = "installed pack 'quoted: yes'"
        pack_with_installed_tool(prefix, "x86_64", os.path.join(ctx.build, "hello.elf"), module,
                                 "memsize.c: the module", cmdline, packed)
        result = run_qemu(["-M", "q35", "-m", "256M", "-kernel", packed], 30, qemu=ctx.qemu)
        expect_poweroff(result)
        check_packed_hello(result, data, "memsize.c: the module", cmdline)

        # A movable unikernel: the installed pvhboot-link's two links. It
        # carries note 19, and the installed firmware, whose own memory
        # holds its link address, moves it inside the note's window.
        run(["make", "-C", src, "--no-print-directory", "memsize-movable.elf",
             "PVHBOOT_LINK=" + os.path.join(prefix, "bin", "pvhboot-link")], env=env)
        movable = os.path.join(src, "memsize-movable.elf")
        link, span, window = elf64_facts(movable)
        check(window is not None, "memsize-movable.elf carries no PHYS32_RELOC note")
        check(elf64_facts(elf)[2] is None, "memsize.elf (one link) carries a PHYS32_RELOC note")
        packed = os.path.join(ctx.tmp, "installed-fw-memsize.elf")
        pack_with_installed_tool(prefix, "x86_64", movable, module, "", "pvhboot.verbose", packed)
        result = run_qemu(["-M", "q35", "-m", "256M", "-kernel", packed], 30, qemu=ctx.qemu)
        expect_poweroff(result)
        placed = [m for m in map(PLACED.match, result.lines()) if m]
        check(len(placed) == 1, "no 'relocatable (note 19)' line: " + result.describe())
        align, wmin, wmax, at, was = [int(g, 16) for g in placed[0].groups()]
        check((align, wmin, wmax, was) == tuple(window) + (link,) and at != link and
              at % align == 0 and wmin <= at and at + span - 1 <= wmax,
              "memsize-movable placed at 0x%x: not a move its note (0x%x 0x%x-0x%x) allows" %
              (at, align, wmin, wmax))
        check_memsize_report(result, data, 256 << 20)
        return "memsize-movable moved to 0x%x" % at
    return test


def collect(ctx):
    return [("make-install-then-build-out-of-tree", out_of_tree(ctx))]
