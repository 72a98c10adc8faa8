"""Reading a guest's RAM after it has finished, through QEMU's monitor.

With -action shutdown=pause an ACPI poweroff leaves QEMU paused instead of
exiting; a human monitor on a unix socket then saves guest-physical memory
to a file (pmemsave) and quits QEMU. QEMU itself still runs under
run_qemu(), with its deadline and its PID. run_and_dump() saves RAM
[0, size) whole; run_and_inspect() hands the monitor to a function that
reads what it needs (Monitor.read: a few bytes at a time).
"""

import os
import socket
import threading
import time

from common import TestFailure

PROMPT = b"(qemu) "


def subtract(ranges, holes):
    """[first, end) ranges of guest-physical memory minus [first, end) holes."""
    out = list(ranges)
    for h0, h1 in holes:
        nxt = []
        for a, b in out:
            if b <= h0 or h1 <= a:
                nxt.append((a, b))
                continue
            if a < h0:
                nxt.append((a, h0))
            if h1 < b:
                nxt.append((h1, b))
        out = nxt
    return out


def monitor_args(sock_path):
    return ["-monitor", "unix:%s,server=on,wait=off" % sock_path, "-action", "shutdown=pause"]


class Monitor:
    def __init__(self, path, deadline):
        self.deadline = deadline
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        while True:
            try:
                self.sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    raise TestFailure("QEMU's monitor socket never opened")
                time.sleep(0.05)
        self.sock.settimeout(max(deadline - time.monotonic(), 0.1))
        self._until_prompt()

    def _until_prompt(self):
        out = b""
        while not out.endswith(PROMPT):
            chunk = self.sock.recv(4096)
            if not chunk:
                raise TestFailure("QEMU's monitor closed: %r" % out[-200:])
            out += chunk
        return out

    def command(self, text):
        self.sock.sendall(text.encode() + b"\n")
        return self._until_prompt()

    def read(self, pa, size, scratch):
        """size bytes of guest-physical memory at pa, through the file scratch."""
        self.command('pmemsave 0x%x 0x%x "%s"' % (pa, size, scratch))
        with open(scratch, "rb") as f:
            data = f.read()
        if len(data) != size:
            raise TestFailure("pmemsave of 0x%x bytes at 0x%x gave %d" % (size, pa, len(data)))
        return data

    def quit(self):
        """Ask QEMU to exit; wait until it closes the monitor."""
        self.sock.sendall(b"quit\n")
        try:
            while self.sock.recv(4096):
                pass
        finally:
            self.sock.close()


def run_and_dump(start, serial_path, sock_path, done_marker, size, dump_path, timeout):
    """Run start() (which runs QEMU through run_qemu) in a thread; once the
    serial output holds done_marker and the guest is paused by its
    poweroff, save guest RAM [0, size) to dump_path and quit QEMU.
    Returns start()'s result."""
    return run_and_inspect(start, serial_path, sock_path, done_marker,
                           lambda mon: mon.command('pmemsave 0 0x%x "%s"' % (size, dump_path)),
                           timeout)


def run_and_inspect(start, serial_path, sock_path, done_marker, inspect, timeout):
    """As run_and_dump, but with the guest paused inspect(monitor) runs
    (its TestFailure fails the run), then QEMU is told to quit. Returns
    start()'s result."""
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("result", start()))
    thread.start()
    deadline = time.monotonic() + timeout
    error = None
    try:
        while True:
            if not thread.is_alive():
                raise TestFailure("QEMU ended before the guest was done")
            try:
                with open(serial_path, "rb") as f:
                    if done_marker in f.read():
                        break
            except FileNotFoundError:
                pass
            if time.monotonic() > deadline:
                raise TestFailure("the guest never printed %r" % done_marker)
            time.sleep(0.05)
        mon = Monitor(sock_path, deadline)
        while b"paused (shutdown)" not in mon.command("info status"):
            if time.monotonic() > deadline:
                raise TestFailure("the guest printed %r but never powered off" % done_marker)
            time.sleep(0.05)
        try:
            inspect(mon)
        finally:
            mon.quit()
    except TestFailure as e:
        error = e
    thread.join()
    if error:
        raise TestFailure("%s: %s" % (error, box["result"].describe() if "result" in box else ""))
    return box["result"]
