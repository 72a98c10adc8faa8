"""Building against an installed pvhboot: running the build's commands,
reading what examples/memsize, built that way, reports, and packing hello
with the installed pvhboot-pack and the firmware installed beside it."""

import os
import subprocess
import zlib

from common import TestFailure, check
from hello_report import HelloReport, ReportError


def run(cmd, **kw):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)
    if proc.returncode:
        raise TestFailure("%s failed (%d):\n%s" % (" ".join(cmd), proc.returncode,
                                                   proc.stdout.decode(errors="replace")[-3000:]))
    return proc.stdout.decode(errors="replace")


def check_memsize_report(result, module_data, mem):
    """memsize's one line against the boot: one module, its CRC-32, the RAM
    QEMU gave (less at most 1 MiB its firmware keeps), some of it pvhboot's."""
    lines = [l for l in result.lines() if l.startswith(b"pvhboot: memsize ")]
    check(len(lines) == 1, "no memsize line: " + result.describe())
    fields = lines[0].split()
    got = dict(zip(fields[2::2], fields[3::2]))
    check(got[b"modules"] == b"1", "modules %r" % got[b"modules"])
    check(int(got[b"crc32"], 16) == zlib.crc32(module_data), "module crc32 mismatch")
    ram = int(got[b"ram"])
    check(mem - (1 << 20) <= ram <= mem, "ram %d for -m %d" % (ram, mem))
    check(int(got[b"pvhboot"]) > 0, "no memory marked as pvhboot's")
    # The free RAM (pvh_free_ram), used as an allocator would: every byte
    # not pvhboot's or a module's page, page 0 aside, and the module intact
    # after both ends of each run were written.
    pages = -(-len(module_data) // 4096) * 4096
    check(int(got[b"module-pages"]) == pages,
          "module pages %s, the module takes %d bytes of pages" % (got[b"module-pages"], pages))
    free = int(got[b"free"])
    check(ram - int(got[b"pvhboot"]) - pages - 4096 <= free <= ram - int(got[b"pvhboot"]) - pages,
          "free RAM %d: RAM %d less pvhboot's %s and the module's %d (and page 0)" %
          (free, ram, got[b"pvhboot"].decode(), pages))
    check(int(got[b"runs"]) >= 1 and got[b"unwritable"] == b"0",
          "free runs %s, unwritable bytes %s" % (got[b"runs"].decode(), got[b"unwritable"].decode()))
    check(int(got[b"crc32-after"], 16) == zlib.crc32(module_data),
          "the module changed when the free RAM was written")


def check_own_xen_headers(prefix, pc_name, cc, src, env):
    """A unikernel with a xen/ folder of its own in its source folder, on
    its -I: the .pc adds no -I for pvhboot's Xen headers (installed as
    <pvhboot/xen/...>), so the program's <xen/e820.h> is its own, on either
    side of pvhboot's flags; and no installed pvhboot header reaches into
    the program's xen/ (each name there is an #error but e820.h's)."""
    pc = os.path.join(prefix, "lib", "pkgconfig", pc_name + ".pc")
    with open(pc) as f:
        text = f.read()
    check("includedir}/pvhboot" not in text,
          "%s still puts include/pvhboot on the include path:\n%s" % (pc, text))
    cflags = run(["pkg-config", "--cflags", pc_name], env=env).split()
    check([f for f in cflags if f.startswith("-I")] == ["-I" + os.path.join(prefix, "include")],
          "pkg-config --cflags %s: %r, expected one -I, <prefix>/include" % (pc_name, cflags))

    inc = os.path.join(prefix, "include", "pvhboot")
    ours = sorted(h for h in os.listdir(inc) if h.endswith(".h"))
    xen = sorted(h for h in os.listdir(os.path.join(inc, "xen")) if h.endswith(".h"))
    check("e820.h" in xen and "hvm.h" in xen, "installed Xen headers: %r" % xen)
    own = os.path.join(src, "xen")
    os.makedirs(own, exist_ok=True)
    for h in xen:
        with open(os.path.join(own, h), "w") as f:
            if h == "e820.h":
                f.write("#define USERS_OWN_XEN_E820 1\n")
            else:
                f.write('#error "the program\'s own xen/%s was reached"\n' % h)
    test = os.path.join(src, "own_xen.c")
    with open(test, "w") as f:
        f.write("".join("#include <pvhboot/%s>\n" % h for h in ours) +
                "".join("#include <pvhboot/xen/%s>\n" % h for h in xen) +
                "#ifdef USERS_OWN_XEN_E820\n#error \"a pvhboot header reached xen/e820.h\"\n#endif\n"
                "#include <xen/e820.h>\n"
                "#ifndef USERS_OWN_XEN_E820\n#error \"<xen/e820.h> is not the program's own\"\n#endif\n"
                "int own_xen_e820 = USERS_OWN_XEN_E820 + E820_TYPE_RAM + PVH_MEM_RAM;\n")
    obj = os.path.join(src, "own_xen.o")
    for order in (cflags + ["-I" + src], ["-I" + src] + cflags):
        run([cc, "-std=gnu11", "-Wall", "-Wextra", "-Werror"] + order + ["-c", "-o", obj, test],
            env=env)
    return len(ours) + len(xen)


def check_installed_firmware(prefix, arch, names):
    for name in names:
        path = os.path.join(prefix, "lib", "pvhboot", arch, name)
        check(os.path.isfile(path), "make install did not install " + path)


def pack_with_installed_tool(prefix, arch, kernel, module, module_cmdline, cmdline, out):
    """The installed pvhboot-pack, no --firmware: it must say it took the
    image installed beside it, for the kernel's architecture."""
    image = {"x86_64": "pvhboot.elf", "arm64": "pvhboot.bin"}[arch]
    spec = "%s:%s" % (module, module_cmdline) if module_cmdline else module
    said = run([os.path.join(prefix, "bin", "pvhboot-pack"), "pack", "--kernel", kernel,
                "--module", spec, "--cmdline", cmdline, "-o", out])
    want = "firmware %s (for kernel %s)" % (os.path.join(prefix, "lib", "pvhboot", arch, image),
                                            kernel)
    check(want in said.splitlines(), "expected %r from pvhboot-pack:\n%s" % (want, said))
    return said


def check_packed_hello(result, module_data, module_cmdline, cmdline):
    """hello, packed: the packed cmdline and the one packed module arrived."""
    try:
        report = HelloReport(result.lines())
    except ReportError as e:
        raise TestFailure("%s: %s" % (e, result.describe()))
    check(report.cmdline == cmdline.encode(), "cmdline %r" % report.cmdline)
    check(len(report.modules) == 1, "modules %r" % report.modules)
    m = report.modules[0]
    check((m["size"], m["crc32"], m["cmdline"]) ==
          (len(module_data), zlib.crc32(module_data), (module_cmdline or "").encode()),
          "module %r, packed %d bytes crc32 0x%x cmdline %r" % (
              m, len(module_data), zlib.crc32(module_data), module_cmdline))
