"""`pvhboot-pack inspect` on Debian's bzImage and on copies of it that
claim older boot protocol versions: each setup-header field is printed
only from the version that defines it (older kernels have code or
padding in those bytes), with the value the file holds, and the verdict
names why a kernel cannot be booted. No guest is booted."""

import os
import re
import struct

from common import check
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


def collect(ctx):
    def actual():
        with open(bzimage(ctx), "rb") as f:
            f.seek(VERSION)
            return struct.unpack("<H", f.read(2))[0]
    cases = [("inspect-protocol-%d.%02d" % (v >> 8, v & 0xff), inspect_case(ctx, v))
             for v in (0x202, 0x204, 0x207, 0x209, 0x20a, 0x20b)]
    cases.append(("inspect-debian-bzimage", lambda: inspect_case(ctx, actual())()))
    return cases
