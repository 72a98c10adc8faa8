"""PVH domUs built by Xen's own toolstack: QEMU (TCG) -> Xen 4.17 ->
Debian's kernel as a PV dom0 -> `xl create` (docs/xen.md,
"The xl test bed").

Everything dom0 runs comes from Debian's packages, fetched by
tools/fetch.sh (xen, linux, busybox, xen-tools): the hypervisor, the
kernel and its Xen drivers, busybox, and xl, xenstored, xen-init-dom0
and xenconsoled with every library they link (found from their
DT_NEEDED entries, not from the host's).

Booting Xen and dom0 under TCG costs most of a run, so one run starts
every guest a test module asks for, one after another, in its order. dom0's /init
prints, each line starting "domu: ":
  ready                     the toolstack runs
  begin <name>              before `xl create -F /guests/<name>.cfg`
  xl <line>                 what xl printed (its shutdown reason among it)
  xl-status <n>             xl's exit status (124: it ran past its deadline)
  seconds <start> <end>     dom0's uptime before xl create and after it returned
  console <line>            the guest's PV console, from xenconsoled's log
  xen <line>                Xen's console since the previous guest (xl dmesg -c)
  end <name>
  all done
then leaves QEMU through isa-debug-exit with INIT_EXIT_VALUE.
"""

import gzip
import os
import re
import subprocess
import threading

from common import Skip, TestFailure, check
from linux import DRAIN_CONSOLE, bzimage, cache_file, cpio_newc
from qemu import run_qemu

INIT_EXIT_VALUE = 0x10
XEN_TOOLS = "usr/lib/xen-4.17/bin"
# What dom0 runs; their libraries come along.
PROGRAMS = ["xl", "xenstored", "xen-init-dom0", "xenconsoled"]
# xl loads it at run time (pthread_cancel): DT_NEEDED does not name it.
RUNTIME_LIBRARIES = ["libgcc_s.so.1"]
LIBRARY_DIRS = ["lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu"]
DOM0_MODULES = ["xen-privcmd", "xen-evtchn", "xen-gntdev", "xen-gntalloc", "xenfs"]
GUEST_DEADLINE_S = 120

# The nested machine (docs/xen.md, "The xl test bed"). -smap,-smep: with SMAP
# the PV dom0 dies at its first instructions under TCG's nested SVM.
QEMU_MACHINE = ["-M", "q35", "-cpu", "max,-smap,-smep", "-smp", "2"]
DOM0_MEM_MB = 512
XEN_CMDLINE = ("dom0_mem={m}M,max:{m}M dom0_max_vcpus=1 console=com1 com1=115200,8n1 "
               "loglvl=all guest_loglvl=all noreboot bootscrub=0").format(m=DOM0_MEM_MB)
DOM0_CMDLINE = "console=hvc0 earlyprintk=xen quiet"

INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/XEN_TOOLS
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /run /var/lock /var/run /tmp
mount -t devpts devpts /dev/pts
mount -t tmpfs run /run
for m in MODULES; do
    insmod /lib/modules/$m.ko || echo "domu: error: insmod $m failed"
done
mount -t xenfs xenfs /proc/xen
mkdir -p /run/xen /var/run/xen /var/lib/xen /var/log/xen/console /etc/xen
: > /etc/xen/xl.conf
xenstored --pid-file /run/xenstored.pid || echo "domu: error: xenstored failed"
xen-init-dom0 > /tmp/init-dom0.out 2>&1 || { echo "domu: error: xen-init-dom0 failed"; sed 's/^/domu: xl /' /tmp/init-dom0.out; }
xenconsoled --log=guest --log-dir=/var/log/xen/console || echo "domu: error: xenconsoled failed"
xl dmesg -c > /dev/null
echo "domu: ready"
for name in $(cat /guests/order); do
    cfg=/guests/$name.cfg
    echo "domu: begin $name"
    start=$(cut -d' ' -f1 /proc/uptime)
    opts=$(cat "/guests/$name.xl-options" 2>/dev/null)
    timeout DEADLINE xl $opts create -F "$cfg" > /tmp/xl.out 2>&1
    status=$?
    echo "domu: seconds $start $(cut -d' ' -f1 /proc/uptime)"
    xl destroy "$name" > /dev/null 2>&1
    sed 's/^/domu: xl /' /tmp/xl.out
    echo "domu: xl-status $status"
    # xenconsoled writes what it took from the ring before the domain died.
    sleep 1
    log=/var/log/xen/console/guest-$name.log
    [ -f "$log" ] && sed -e 's/\r$//' -e 's/^/domu: console /' "$log"
    xl dmesg -c | sed 's/^/domu: xen /'
    echo "domu: end $name"
done
echo "domu: all done"
DRAIN_CONSOLE
printf '\OCTAL' | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
poweroff -f
""".replace("XEN_TOOLS", XEN_TOOLS).replace("MODULES", " ".join(DOM0_MODULES)) \
   .replace("DEADLINE", str(GUEST_DEADLINE_S)).replace("OCTAL", "%03o" % INIT_EXIT_VALUE) \
   .replace("DRAIN_CONSOLE", DRAIN_CONSOLE)

S_IFDIR, S_IFREG, S_IFCHR = 0o040000, 0o100000, 0o020000


class Guest:
    """One domU: its xl config lines and the files it names (in /guests/).

    config: (key, value) pairs in order; a str value is written as an xl
    string (quoted, escaped), an int as a number. files: {name: path}.
    """

    def __init__(self, name, config, files, xl_options=""):
        check(re.match(r"^[a-z0-9-]+$", name), "guest name %r" % name)
        self.name, self.config, self.files = name, config, files
        self.xl_options = xl_options  # before "create", e.g. "-vvv"

    def cfg(self):
        out = ['name = "%s"' % self.name]
        for key, value in self.config:
            if isinstance(value, str):
                out.append('%s = "%s"' % (key, value.replace("\\", "\\\\").replace('"', '\\"')))
            else:
                out.append("%s = %d" % (key, value))
        return ("\n".join(out) + "\n").encode()


class GuestRun:
    """What dom0 saw of one guest."""

    SHUTDOWN = re.compile(rb"Domain \d+ has shut down, reason code (\d+) ")

    def __init__(self, name, lines, log=None):
        self.name, self.log = name, log
        self.xl = [l[3:] for l in lines if l.startswith(b"xl ")]
        self.console = [l[8:] for l in lines if l.startswith(b"console ")]
        self.xen = [l[4:] for l in lines if l.startswith(b"xen ")]
        status = [l for l in lines if l.startswith(b"xl-status ")]
        check(len(status) == 1, "guest %s: no xl status line" % name)
        self.xl_status = int(status[0].split()[1])
        reasons = [int(m.group(1)) for m in (self.SHUTDOWN.search(l) for l in self.xl) if m]
        self.shutdown_reason = reasons[0] if len(reasons) == 1 else None
        times = [l.split()[1:] for l in lines if l.startswith(b"seconds ")]
        self.seconds = float(times[0][1]) - float(times[0][0]) if len(times) == 1 else None

    def pvhboot_lines(self):
        """pvhboot's lines on the PV console, as hello_report reads them."""
        out = []
        for l in self.console:
            at = l.find(b"pvhboot: ")
            if at >= 0:
                out.append(l[at:])
        return out

    def describe(self):
        tail = lambda ls: b"\n    ".join(ls[-12:]).decode("ascii", "backslashreplace")
        return ("guest %s (dom0's whole console: %s): xl status %d, shutdown reason %s\n  xl:\n    %s\n  console:\n    %s\n"
                "  xen:\n    %s" % (self.name, self.log, self.xl_status, self.shutdown_reason,
                                    tail(self.xl), tail(self.console), tail(self.xen)))


class Session:
    """One QEMU -> Xen -> dom0 run and every guest it started."""

    def __init__(self, result):
        self.result = result
        lines = [l[len(b"domu: "):] for l in result.lines(prefix=b"domu: ")]
        self.errors = [l for l in lines if l.startswith(b"error: ")]
        self.ready = b"ready" in lines
        self.guests = {}
        current = None
        for l in lines:
            if l.startswith(b"begin "):
                current, mine = l[6:].decode(), []
            elif l.startswith(b"end ") and current is not None:
                self.guests[current] = mine
                current = None
            elif current is not None:
                mine.append(l)
        self.log = None

    def describe(self):
        """How the run ended and the serial console's last lines."""
        how = "timed out" if self.result.timed_out else "exit status %s" % self.result.status
        tail = [l.rstrip(b"\r") for l in self.result.serial.split(b"\n")][-30:]
        return "%s after %.1fs (whole console: %s); last lines:\n%s" % (
            how, self.result.elapsed, self.log, b"\n".join(tail).decode("ascii", "backslashreplace"))

    def guest(self, name):
        check(self.ready, "dom0's toolstack did not start (%r): %s" % (self.errors, self.describe()))
        check(not self.errors, "dom0 reported errors: %r" % self.errors)
        check(name in self.guests, "dom0 never finished guest %s: %s" % (name, self.describe()))
        return GuestRun(name, self.guests[name], self.log)


def _tools_root(ctx):
    root = os.path.join(ctx.cache, "xen-tools", "root")
    if not os.path.exists(os.path.join(root, XEN_TOOLS, "xl")):
        raise Skip("no Xen tools in %s: run tools/fetch.sh xen-tools (make check does)" % root)
    return root


def _needed(path):
    """The DT_NEEDED names of an ELF file (readelf, from binutils)."""
    out = subprocess.run(["readelf", "-d", path], stdout=subprocess.PIPE, check=True).stdout
    return re.findall(rb"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def _find_library(root, name):
    for d in LIBRARY_DIRS:
        p = os.path.join(root, d, name)
        if os.path.exists(p):
            return os.path.join(d, name)
    raise TestFailure("no %s in the Xen tools' packages (%s)" % (name, root))


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def dom0_initramfs(ctx, guests):
    """dom0's root: busybox, the toolstack and its libraries, the Xen
    drivers, /init and every guest's config and files."""
    root = _tools_root(ctx)
    busybox = cache_file(ctx, "busybox", "busybox")
    modules = os.path.join(ctx.cache, "xen-tools", "modules")
    files = {}   # path in dom0 -> the host file to copy, or the bytes
    for p in PROGRAMS:
        files[os.path.join(XEN_TOOLS, p)] = os.path.join(root, XEN_TOOLS, p)
    # Every library the programs and the run-time ones need, transitively.
    seen = set(_find_library(root, n) for n in RUNTIME_LIBRARIES)
    todo = list(files.values()) + [os.path.join(root, rel) for rel in seen]
    while todo:
        for name in _needed(todo.pop()):
            rel = _find_library(root, name.decode())
            if rel not in seen:
                seen.add(rel)
                todo.append(os.path.join(root, rel))
    for rel in seen:
        files[rel] = os.path.join(root, rel)
    # The dynamic loader, where every program's PT_INTERP names it.
    files["lib64/ld-linux-x86-64.so.2"] = os.path.join(root, "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    for m in DOM0_MODULES:
        files["lib/modules/%s.ko" % m] = os.path.join(modules, m + ".ko")
    files["bin/busybox"] = busybox
    # In the order given: Xen scrubs a destroyed guest's memory while
    # the next ones run, which a big guest makes costly for the host.
    files["guests/order"] = "".join(g.name + "\n" for g in guests).encode()
    for g in guests:
        files["guests/%s.cfg" % g.name] = g.cfg()
        if g.xl_options:
            files["guests/%s.xl-options" % g.name] = g.xl_options.encode()
        for name, path in g.files.items():
            files["guests/" + name] = path
    dirs = set()
    for p in files:
        d = os.path.dirname(p)
        while d:
            dirs.add(d)
            d = os.path.dirname(d)
    entries = [("dev", S_IFDIR | 0o755, b"", 0, 0), ("dev/console", S_IFCHR | 0o600, b"", 5, 1),
               ("proc", S_IFDIR | 0o755, b"", 0, 0), ("sys", S_IFDIR | 0o755, b"", 0, 0)]
    entries += [(d, S_IFDIR | 0o755, b"", 0, 0) for d in sorted(dirs)]
    for p in sorted(files):
        data = files[p] if isinstance(files[p], bytes) else _read(files[p])
        entries.append((p, S_IFREG | 0o755, data, 0, 0))
    entries.append(("init", S_IFREG | 0o755, INIT.encode(), 0, 0))
    path = os.path.join(ctx.tmp, "dom0-%d.cpio.gz" % os.getpid())
    with open(path, "wb") as f:
        f.write(gzip.compress(cpio_newc(entries), compresslevel=1))
    return path


def run_session(ctx, guests, memory="6G", timeout=600):
    """Boot Xen and dom0 once and run every guest; return a Session."""
    xen = os.path.join(ctx.cache, "xen", "xen.elf")
    if not os.path.exists(xen):
        raise Skip("no Xen 4.17 in %s: run tools/fetch.sh xen (make check does)" % xen)
    initramfs = dom0_initramfs(ctx, guests)
    args = QEMU_MACHINE + ["-m", memory, "-kernel", xen, "-append", XEN_CMDLINE,
                           "-initrd", "%s %s,%s" % (bzimage(ctx), DOM0_CMDLINE, initramfs)]
    result = run_qemu(args, timeout, qemu=ctx.qemu)
    os.unlink(initramfs)
    session = Session(result)
    # The whole console, for a reader of a failure (describe() names it).
    session.log = os.path.join(ctx.tmp, "xen-domu-serial.txt")
    with open(session.log, "wb") as f:
        f.write(result.serial)
    return session


class SharedSession:
    """The one run a test module's cases share: the first case to ask
    starts it, the others wait for it."""

    def __init__(self, make_guests, **kw):
        self.make_guests, self.kw = make_guests, kw
        self.lock = threading.Lock()
        self.session = None
        self.failure = None

    def get(self, ctx):
        """The session; a failure to make it fails every case alike, once."""
        with self.lock:
            if self.session is None and self.failure is None:
                try:
                    self.session = run_session(ctx, self.make_guests(ctx), **self.kw)
                except Exception as e:
                    self.failure = e
            if self.failure is not None:
                raise self.failure
            return self.session
