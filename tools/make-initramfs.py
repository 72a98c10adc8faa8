#!/usr/bin/env python3
"""make-initramfs.py: a busybox initramfs (a newc cpio archive) for
booting a kernel through pvhboot, with no cpio tool and no root.

  tools/make-initramfs.py --busybox FILE [--init FILE] [--gzip] -o OUT

The archive holds /bin/busybox (a static busybox: tools/fetch.sh
busybox), /dev/console, empty /dev and /proc, and /init. The default
/init (make run-linux's) prints one line,
  run-linux: /init ran; Linux <release> got: <its /proc/cmdline>
and powers the machine off (QEMU then exits 0). --init FILE takes
another script. --gzip compresses the archive (Linux takes either).

The boot tests build their initramfs with the same functions
(tests/boot/linux.py): cpio_newc() and busybox_tree().
"""

import argparse
import gzip
import sys

S_IFDIR, S_IFREG, S_IFCHR = 0o040000, 0o100000, 0o020000
CONSOLE = (5, 1)  # /dev/console's device numbers

# What /init writes to the console may sit in the UART driver's buffer
# when the machine powers off, losing the last line. Setting the tty's
# own settings again drains it: busybox stty sets them with TCSADRAIN,
# which returns only once every byte has left.
DRAIN_CONSOLE = "busybox stty -F /dev/console $(busybox stty -F /dev/console -g)"

RUN_LINUX_INIT = """#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
echo "run-linux: /init ran; Linux $(uname -r) got: $(cat /proc/cmdline)"
%s
poweroff -f
""" % DRAIN_CONSOLE


def cpio_newc(entries):
    """A newc cpio archive of entries (name, mode, data) or (name, mode,
    data, rdev major, rdev minor), in order, then the trailer."""
    out = bytearray()
    for ino, entry in enumerate(list(entries) + [("TRAILER!!!", 0, b"")], 1):
        name, mode, data = entry[:3]
        major, minor = entry[3:5] if len(entry) == 5 else (0, 0)
        name_b = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, major, minor, len(name_b), 0]
        out += b"070701" + b"".join(b"%08x" % f for f in fields) + name_b
        out += b"\0" * (-len(out) % 4)
        out += data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def busybox_tree(busybox, init):
    """The entries of a busybox initramfs: busybox's and /init's bytes."""
    return [
        ("bin", S_IFDIR | 0o755, b""),
        ("dev", S_IFDIR | 0o755, b""),
        ("dev/console", S_IFCHR | 0o600, b"") + CONSOLE,
        ("proc", S_IFDIR | 0o755, b""),
        ("bin/busybox", S_IFREG | 0o755, busybox),
        ("init", S_IFREG | 0o755, init),
    ]


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--busybox", required=True, help="a static busybox binary")
    ap.add_argument("--init", help="the /init script (default: make run-linux's)")
    ap.add_argument("--gzip", action="store_true", help="gzip the archive")
    ap.add_argument("-o", dest="out", required=True, help="the archive to write")
    args = ap.parse_args(argv)
    try:
        with open(args.busybox, "rb") as f:
            busybox = f.read()
        init = RUN_LINUX_INIT.encode()
        if args.init:
            with open(args.init, "rb") as f:
                init = f.read()
    except OSError as e:
        sys.exit("make-initramfs.py: error: %s: %s" % (e.filename, e.strerror))
    if not busybox.startswith(b"\x7fELF"):
        sys.exit("make-initramfs.py: error: %s: not an ELF file (a static busybox?)" % args.busybox)
    data = cpio_newc(busybox_tree(busybox, init))
    if args.gzip:
        data = gzip.compress(data, mtime=0)
    with open(args.out, "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
