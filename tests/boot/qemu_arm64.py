"""Starting qemu-system-aarch64 for an arm64 boot test.

Like qemu.py (whose run_watched it uses, and BootResult it returns),
every QEMU runs under a deadline and is stopped by its own PID, never by
name. The PL011 (bare virt, and Xen's own console) is captured to a
file. There is no isa-debug-exit on Arm: a guest ends through PSCI
SYSTEM_OFF (QEMU exits with status 0), a fatal error as well after its
error line; so tests tell success from failure by the lines, and by
QEMU ending by itself.

Also: dumping QEMU's own device tree for a configuration, and building
a variant of it with extra text (via dtc), for tests that hand QEMU or
Xen a tree of their own.
"""

import os
import re
import shutil
import subprocess
import tempfile
import threading

from qemu import BootResult, run_watched

# Xen prefixes a dom0less domU's vpl011 output with this.
DOMU_PREFIX = re.compile(rb"^\(XEN\) DOM\d+: ")


def run_qemu_arm64(args, timeout, qemu="qemu-system-aarch64", stop_on=None):
    """Run QEMU with args (as str or bytes) plus the serial capture; return
    a BootResult. stop_on: a compiled bytes regex; when the serial output
    matches it, QEMU is stopped by its PID (Xen never exits by itself in
    dom0less mode)."""
    workdir = tempfile.mkdtemp(prefix="pvhboot-qemu-arm64-")
    serial = os.path.join(workdir, "serial.txt")
    argv = [qemu, "-nographic", "-nodefaults", "-no-reboot", "-serial", "file:" + serial] + list(args)
    run = run_watched(argv, timeout, serial, stop_on)
    with open(serial, "rb") as f:
        out = f.read()
    shutil.rmtree(workdir, ignore_errors=True)
    return BootResult(run.status, run.timed_out, out, b"", run.stderr, run.elapsed, argv,
                      run.stopped_on)


def domu_lines(result):
    """A dom0less domU's pvhboot lines from Xen's console: the '(XEN) DOM1: '
    prefix removed. Xen splits long lines; those are not rejoined."""
    out = []
    for raw in result.serial.split(b"\n"):
        raw = raw.rstrip(b"\r")
        m = DOMU_PREFIX.match(raw)
        if m:
            line = raw[m.end():].rstrip(b"\r")
            if line.startswith(b"pvhboot: "):
                out.append(line)
    return out


_dtb_lock = threading.Lock()


def dump_dtb(ctx, machine, cpu, mem, smp="1", name=None):
    """QEMU's own device tree for this configuration (cached in ctx.tmp)."""
    name = name or "virt-%s-%s-%s-%s.dtb" % (re.sub(r"[^a-z0-9]", "_", machine), cpu, mem, smp)
    path = os.path.join(ctx.tmp, name)
    with _dtb_lock:
        if not os.path.exists(path):
            subprocess.run([ctx.qemu_aarch64, "-M", "%s,dumpdtb=%s" % (machine, path), "-cpu", cpu,
                            "-m", mem, "-smp", smp, "-nographic", "-nodefaults"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=30)
    return path


def dtb_to_dts(path):
    return subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", path], check=True,
                          stdout=subprocess.PIPE, timeout=30).stdout.decode()


def dts_to_dtb(dts, path):
    """dtc's blob of dts at path: written under another name, then moved
    into place, since tests running in parallel build the same tree and
    one QEMU may be reading it (-dtb) while another test writes it."""
    part = "%s.part.%d.%d" % (path, os.getpid(), threading.get_ident())
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", part, "-"], input=dts.encode(),
                   check=True, timeout=30)
    os.replace(part, path)
    return path


def add_to_node(dts, node, text):
    """Insert text (properties, subnodes) at the end of the top-level node
    'node {' of a decompiled tree."""
    at = dts.index("\n\t%s {" % node)
    end = dts.index("\n\t};", at)
    return dts[:end] + "\n" + text + dts[end:]
