"""`pvhboot-pack inspect` on Debian's bzImage and on copies of it that
claim older boot protocol versions: each setup-header field is printed
only from the version that defines it (older kernels have code or
padding in those bytes), with the value the file holds, and the verdict
names why a kernel cannot be booted. No guest is booted.

And the tool's behaviour at its edges: exit status and the exact one
line for a random file, a missing file, a file that is not the firmware;
a packed image's pieces listed by inspect; a module path with ':' in it
(escaped as '\\:'); machines by name; --help complete for every command."""

import os
import re
import struct
import subprocess
import sys

from common import check, file_once
from linux import bzimage, pack_tool

ARCH = "x86_64"

VERSION = 0x206
# (first version that has it, how inspect prints it, offset, struct format)
FIELDS = [
    (0x203, "initrd_addr_max 0x%x", 0x22c, "<I"),
    (0x205, "kernel_alignment 0x%x", 0x230, "<I"),
    (0x206, "cmdline_size %d", 0x238, "<I"),
    (0x20a, "pref_address 0x%x", 0x258, "<Q"),
    (0x20a, "init_size 0x%x", 0x260, "<I"),
]
XLOADFLAGS = "64-bit entry (XLF_KERNEL_64)"
PAYLOAD = re.compile(r"^  payload: \w+, (\d+) bytes$", re.M)


def with_version(ctx, version):
    """A copy of the bzImage whose header claims protocol version."""
    with open(bzimage(ctx), "rb") as f:
        data = bytearray(f.read())
    struct.pack_into("<H", data, VERSION, version)
    path = os.path.join(ctx.tmp, "inspect-bzimage-%x" % version)
    with open(path, "wb") as f:
        f.write(data)
    return path, bytes(data)


def inspect_case(ctx, version):
    def test():
        path, data = with_version(ctx, version)
        out = pack_tool(ctx, "inspect", path)
        # The verdict may name fields; the field lines are what is checked.
        fields = "\n".join(l for l in out.splitlines() if not l.startswith("  => "))
        check("boot protocol %d.%02d" % (version >> 8, version & 0xff) in out,
              "no protocol line:\n" + out)
        for since, fmt, off, form in FIELDS:
            name = fmt.split()[0]
            value = struct.unpack_from(form, data, off)[0]
            if version >= since:
                check(fmt % value in fields, "%s missing or wrong (the file says %s):\n%s" %
                      (name, fmt % value, out))
            else:
                check(name not in fields, "%s printed for protocol %x:\n%s" % (name, version, out))
        check((XLOADFLAGS in fields) == (version >= 0x20c), "xloadflags line for %x:\n%s" % (version, out))
        payload = PAYLOAD.search(out)
        check(bool(payload) == (version >= 0x208), "payload line for %x:\n%s" % (version, out))
        if payload:
            check(int(payload.group(1)) == struct.unpack_from("<I", data, 0x24c)[0],
                  "payload length:\n" + out)
        entry64 = version >= 0x20c and struct.unpack_from("<H", data, 0x236)[0] & 1
        verdict = [l for l in out.splitlines() if l.startswith("  => ")]
        if version >= 0x20a:
            want = "startup_64" if entry64 else "startup_32"
            check(any("boot it with pvhboot.elf" in l and want in l for l in verdict),
                  "expected a verdict naming %s:\n%s" % (want, out))
        else:
            want = "this one has protocol %d.%02d" % (version >> 8, version & 0xff)
            check(any("not bootable by pvhboot" in l and want in l for l in verdict),
                  "expected a verdict naming %r:\n%s" % (want, out))
    return test


def tool(ctx, *args):
    """(exit status, stdout, stderr) of pvhboot-pack."""
    proc = subprocess.run([sys.executable, os.path.join(ctx.root, "tools", "pvhboot-pack")] +
                          list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def one_error(ctx, want, *args):
    rc, out, err = tool(ctx, *args)
    check(rc == 1 and err == "pvhboot-pack: %s\n" % want,
          "pvhboot-pack %s: exit %d, stderr %r; expected exit 1 and %r" % (
              " ".join(args), rc, err, want))
    return out


def random_file(ctx):
    path = os.path.join(ctx.tmp, "pack-cli-random.bin")
    return path, file_once(path, lambda: bytes((i * 131 + (i >> 9)) & 0xff ^ 0xa5
                                               for i in range(4096)))


def cli_random_file(ctx):
    def test():
        path, data = random_file(ctx)
        fw = os.path.join(ctx.build, "pvhboot.elf")
        out = os.path.join(ctx.tmp, "pack-cli-random.elf")
        one_error(ctx, "kernel %s: payload of 4096 bytes: not a bzImage, multiboot or PVH kernel "
                  "(starts %s)" % (path, " ".join("%02x" % b for b in data[:4])),
                  "pack", "--firmware", fw, "--kernel", path, "-o", out)
        check(not os.path.exists(out), "pack wrote %s for a random kernel" % out)
        said = one_error(ctx, "%s: not a format pvhboot knows (bzImage, multiboot, PVH ELF, arm64 "
                         "Image)" % path, "inspect", path)
        check(said == "%s: 4096 bytes\n" % path, "inspect printed %r" % said)
        # As the firmware: not pvhboot.elf, said with the file's name.
        one_error(ctx, "firmware %s: neither pvhboot.elf (an ELF) nor pvhboot.bin (an arm64 "
                  "Image)" % path, "pack", "--firmware", path, "--module", path, "-o", out)
    return test


def cli_missing_file(ctx):
    def test():
        gone = os.path.join(ctx.tmp, "pack-cli-no-such-file")
        fw = os.path.join(ctx.build, "pvhboot.elf")
        out = os.path.join(ctx.tmp, "pack-cli-missing.elf")
        for what, args in (("kernel", ["--kernel", gone]), ("module", ["--module", gone])):
            one_error(ctx, "%s %s: No such file or directory" % (what, gone),
                      "pack", "--firmware", fw, *args, "-o", out)
        one_error(ctx, "firmware %s: No such file or directory" % gone,
                  "pack", "--firmware", gone, "--module", fw, "-o", out)
        one_error(ctx, "%s: No such file or directory" % gone, "inspect", gone)
        one_error(ctx, "bzImage %s: No such file or directory" % gone,
                  "extract-vmlinux", gone, "-o", out)
        one_error(ctx, "output %s: No such file or directory" % os.path.join(gone, "x.elf"),
                  "pack", "--firmware", fw, "--module", fw, "-o", os.path.join(gone, "x.elf"))
    return test


def cli_colon_in_path(ctx):
    """A module whose name holds ':' packs with '\\:', and its cmdline
    (with ':' too) is the text after the first unescaped ':'; inspect
    lists the packed pieces, their places and cmdlines, and the RAM."""
    def test():
        path = os.path.join(ctx.tmp, "pack-cli-a:b.img")
        data = file_once(path, lambda: b"module with a colon in its name\n" * 100)
        out = os.path.join(ctx.tmp, "pack-cli-colon.elf")
        one_error(ctx, "module %s: No such file or directory" % path.split(":")[0],
                  "pack", "--firmware", os.path.join(ctx.build, "pvhboot.elf"),
                  "--module", path, "-o", out)
        said = pack_tool(ctx, "pack", "--firmware", os.path.join(ctx.build, "pvhboot.elf"),
                         "--kernel", os.path.join(ctx.build, "hello.elf"),
                         "--module", path.replace(":", "\\:") + ":x=1:2 y",
                         "--cmdline", "console=ttyS0 default", "-o", out)
        m = re.search(r"^module (.+): (\d+) bytes at 0x([0-9a-f]+), cmdline 'x=1:2 y'$", said, re.M)
        check(m and m.group(1) == path and int(m.group(2)) == len(data),
              "pack did not take %s with cmdline 'x=1:2 y':\n%s" % (path, said))
        listed = pack_tool(ctx, "inspect", out)
        for want in ("  ELF64, machine x86_64, ",
                     "  pvhboot.elf with 2 pieces packed, the first the kernel:",
                     "    kernel hello.elf: ",
                     "    module 1: %d bytes at 0x%s, cmdline 'x=1:2 y'" % (len(data), m.group(3)),
                     "    cmdline 'console=ttyS0 default', mode append: this one, then the "
                     "loader's",
                     "  minimum RAM: "):
            check(("\n" + want) in ("\n" + listed), "inspect lacks %r:\n%s" % (want, listed))
    return test


def cli_help(ctx):
    """--help: the whole description, and a text for every option."""
    def test():
        rc, out, _ = tool(ctx, "--help")
        check(rc == 0 and "Every error is one line naming the file" in out and
              "'\\:'" in out, "pvhboot-pack --help is cut short:\n" + out)
        for cmd, options in (("pack", ["--firmware", "--arch", "--kernel", "--pvh", "--module",
                                       "--cmdline", "--output"]),
                             ("inspect", ["FILE"]), ("extract-vmlinux", ["BZIMAGE", "--output"])):
            rc, out, _ = tool(ctx, cmd, "--help")
            check(rc == 0, "%s --help exited %d" % (cmd, rc))
            lines = out.splitlines()
            for option in options:
                entry = [i for i, l in enumerate(lines) if re.match(r"^  (-\w( \S+)?, )?%s\b" % option, l)]
                check(entry, "%s --help does not list %s:\n%s" % (cmd, option, out))
                # Its text: on the same line after the name, or on the next.
                at = entry[0]
                text = lines[at].split(None, 2)[2:] if len(lines[at].split()) > 2 else []
                check(text or (at + 1 < len(lines) and lines[at + 1].startswith("    ")),
                      "%s --help: no text for %s:\n%s" % (cmd, option, out))
    return test


def collect(ctx):
    def actual():
        with open(bzimage(ctx), "rb") as f:
            f.seek(VERSION)
            return struct.unpack("<H", f.read(2))[0]
    cases = [("inspect-protocol-%d.%02d" % (v >> 8, v & 0xff), inspect_case(ctx, v))
             for v in (0x202, 0x204, 0x207, 0x209, 0x20a, 0x20b)]
    cases.append(("inspect-debian-bzimage", lambda: inspect_case(ctx, actual())()))
    cases += [("cli-random-file-refused", cli_random_file(ctx)),
              ("cli-missing-file-one-line", cli_missing_file(ctx)),
              ("cli-colon-in-module-path", cli_colon_in_path(ctx)),
              ("cli-help-complete", cli_help(ctx))]
    return cases
