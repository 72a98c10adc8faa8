"""Starting QEMU for a boot test and collecting what the guest did.

Every QEMU runs under a deadline and is stopped by its own PID when the
deadline passes. A boot's result holds the console output (COM1 and the
0xe9 debug port, each captured to its own file), QEMU's exit status,
whether the deadline passed, and whether the CPU reset (a triple fault:
QEMU logs it under -d cpu_reset, and with -no-reboot it then exits 0 as
if the guest had powered off).
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

# QEMU's isa-debug-exit turns a write of v into exit status (v << 1) | 1.
EXIT_POWEROFF = 0          # ACPI S5 (or Xen's shutdown) ends QEMU with 0
EXIT_PANIC = (1 << 1) | 1  # pvhboot writes 1 on a fatal error

DEBUG_EXIT = "isa-debug-exit,iobase=0xf4,iosize=0x04"


class BootResult:
    def __init__(self, status, timed_out, serial, debugcon, reset_log, elapsed, argv,
                 stopped_on=None):
        self.status = status
        self.timed_out = timed_out
        self.stopped_on = stopped_on  # the stop_on match that ended the boot, or None
        self.serial = serial          # bytes
        self.debugcon = debugcon      # bytes
        self.reset_log = reset_log    # text
        self.elapsed = elapsed
        self.argv = argv

    @property
    def triple_fault(self):
        return "Triple fault" in self.reset_log

    def lines(self, source="serial", prefix=b"pvhboot: "):
        """pvhboot's lines (bytes, from 'pvhboot: ' on) in order, or
        those of another speaker's prefix (a test kernel's, a loader's).

        Firmware may print before us without a newline (SeaBIOS's
        "Booting from ROM.."), so a line is taken from the first
        prefix in it. CR from the UART's CR LF is dropped.
        """
        data = self.serial if source == "serial" else self.debugcon
        out = []
        for raw in data.split(b"\n"):
            raw = raw.rstrip(b"\r")
            at = raw.find(prefix)
            if at >= 0:
                out.append(raw[at:])
        return out

    def describe(self):
        """A short account of how the boot ended, for failure messages."""
        if self.timed_out:
            how = "timed out"
        elif self.stopped_on is not None:
            how = "stopped on %r" % self.stopped_on
        else:
            how = "exit status %s" % self.status
        if self.triple_fault:
            how += ", triple fault"
        tail = b"\n".join(self.lines()[-6:]).decode("ascii", "backslashreplace")
        return "%s after %.2fs; last lines:\n%s" % (how, self.elapsed, tail)


def run_qemu(args, timeout, qemu="qemu-system-x86_64", workdir=None, stop_on=None,
             debug_exit=True):
    """Run QEMU with args plus our capture devices; return a BootResult.

    args: the machine-specific arguments (-M, -m, -kernel, ...), as str
    or bytes (a cmdline may hold any byte but NUL).
    stop_on: a compiled bytes regex; when the serial output matches it,
    QEMU is given a moment to flush and then stopped by its PID. For
    guests that never make QEMU exit (Xen idles after dom0 shuts down).
    debug_exit: False leaves out the isa-debug-exit at 0xf4, for a machine
    modelled on a VMM that has none (tests/boot/test_x86_vmm_replicas.py).
    """
    own_dir = workdir is None
    workdir = workdir or tempfile.mkdtemp(prefix="pvhboot-qemu-")
    serial = os.path.join(workdir, "serial.txt")
    debugcon = os.path.join(workdir, "debugcon.txt")
    reset_log = os.path.join(workdir, "reset.log")
    argv = [qemu, "-nographic", "-nodefaults", "-no-reboot",
            "-serial", "file:" + serial, "-debugcon", "file:" + debugcon,
            "-d", "cpu_reset", "-D", reset_log] + (["-device", DEBUG_EXIT] if debug_exit else []) + \
        list(args)
    run = run_watched(argv, timeout, serial, stop_on)

    def read(path, mode="rb"):
        try:
            with open(path, mode) as f:
                return f.read()
        except FileNotFoundError:
            return b"" if "b" in mode else ""

    result = BootResult(run.status, run.timed_out, read(serial), read(debugcon),
                        read(reset_log, "r") + run.stderr, run.elapsed, argv, run.stopped_on)
    if own_dir:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


class WatchedRun:
    """How a QEMU run by run_watched ended."""

    def __init__(self, status, timed_out, stopped_on, stderr, elapsed):
        self.status = status          # its exit status (negative: killed)
        self.timed_out = timed_out
        self.stopped_on = stopped_on  # the stop_on match that ended it, or None
        self.stderr = stderr          # text
        self.elapsed = elapsed


def run_watched(argv, timeout, serial, stop_on=None):
    """Run argv (a QEMU writing its serial output to the file at serial)
    until it exits or the deadline passes; return a WatchedRun.

    stop_on: a compiled bytes regex; when the serial output matches it,
    QEMU is given a moment to flush and then stopped. Whatever stops it,
    it is stopped by its own PID, never by name.
    """
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    timed_out = False
    stopped_on = None
    try:
        if stop_on is None:
            _, err = proc.communicate(timeout=timeout)
        else:
            stopped_on = _watch(proc, serial, stop_on, start + timeout)
            if stopped_on is not None:
                time.sleep(0.2)  # let the last lines reach the file
                os.kill(proc.pid, signal.SIGKILL)  # this QEMU, by its PID
            _, err = proc.communicate(timeout=max(start + timeout - time.monotonic(), 0.1))
    except subprocess.TimeoutExpired:
        timed_out = True
        os.kill(proc.pid, signal.SIGKILL)  # this QEMU, by its PID
        _, err = proc.communicate()
    return WatchedRun(proc.returncode, timed_out, stopped_on, err.decode("utf-8", "replace"),
                      time.monotonic() - start)


def _watch(proc, path, pattern, deadline):
    """Poll the file at path until pattern matches (return the match),
    the process ends (None) or the deadline passes (raise TimeoutExpired)."""
    while time.monotonic() < deadline:
        try:
            with open(path, "rb") as f:
                m = pattern.search(f.read())
            if m:
                return m.group(0)
        except FileNotFoundError:
            pass
        if proc.poll() is not None:
            return None
        time.sleep(0.05)
    raise subprocess.TimeoutExpired(proc.args, deadline)
