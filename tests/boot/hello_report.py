"""Reading the lines examples/hello prints (the contract of docs/design.md).

Each parser is strict: a line that does not have the documented shape
is an error, so a malformed report cannot pass by accident.
"""

import re


class ReportError(Exception):
    pass


def decode_escaped(text):
    """Undo pvhboot's string escaping: \\xNN for bytes < 0x20, >= 0x7f, '"' and '\\'."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == 0x5c:  # backslash
            m = re.match(rb"\\x([0-9a-f]{2})", text[i:])
            if not m:
                raise ReportError("bad escape at %d in %r" % (i, text[:80]))
            out.append(int(m.group(1), 16))
            i += 4
            continue
        if c < 0x20 or c >= 0x7f or c == 0x22:
            raise ReportError("byte 0x%02x should have been escaped" % c)
        out.append(c)
        i += 1
    return bytes(out)


MODULE_RE = re.compile(rb'^pvhboot: module (\d+) base 0x([0-9a-f]+) size (\d+) '
                       rb'crc32 0x([0-9a-f]{8})( format (gzip|xz|zstd|lz4|bzip2|lzma|lzo))? '
                       rb'cmdline "(.*)"$')

# Each compression format's magic, from its specification (RFC 1952 gzip,
# the .xz format, RFC 8878 zstd, LZ4 legacy and frame, bzip2, .lzma,
# lzop): what the first bytes of a module must be for hello's module line
# to name the format.
COMPRESSION_MAGICS = [
    (b"\x1f\x8b", "gzip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"\x02\x21\x4c\x18", "lz4"),
    (b"\x04\x22\x4d\x18", "lz4"),
    (b"BZh", "bzip2"),
    (b"\x5d\x00\x00", "lzma"),
    (b"\x89LZO\x00\r\n\x1a\n", "lzo"),
]


def compression_of(data):
    """The format a module's first bytes name, or None."""
    for magic, name in COMPRESSION_MAGICS:
        if data.startswith(magic):
            return name
    return None
IMAGE_RE = re.compile(rb"^pvhboot: image 0x([0-9a-f]+)-0x([0-9a-f]+)$")
MEMMAP_RE = re.compile(rb'^pvhboot: memmap (\d+) 0x([0-9a-f]+)-0x([0-9a-f]+) '
                       rb'(ram|reserved|acpi|nvs|unusable|pmem|type \d+)( pvhboot)?( module)?$')
TYPE_NUMBERS = {b"ram": 1, b"reserved": 2, b"acpi": 3, b"nvs": 4, b"unusable": 5, b"pmem": 7}
PAGE = 4096


CPU_RE = re.compile(rb"^pvhboot: cpu (\d+) (apic|mpidr) 0x([0-9a-f]+)( boot)? ran (yes|no) "
                    rb"self 0x([0-9a-f]+)$")
CPUS_RE = re.compile(rb"^pvhboot: cpus (\d+)$")
CPUS_UP_RE = re.compile(rb"^pvhboot: cpus-up ticks (\d+) unit (\w+) from (\w+)$")
CPUS_STARTED_BY_RE = re.compile(rb"^pvhboot: cpus-started-by((?: [a-z0-9-]+)+)$")


class HelloReport:
    """The parsed report: arch, loader, hypervisor, cmdline, modules, memmap, ram, rsdp."""

    def __init__(self, lines):
        self.lines = lines
        self.modules = []
        self.memmap = []
        self.xenfeat = None
        self._parse(lines)

    def _one(self, prefix):
        found = [l for l in self.lines if l.startswith(prefix) and l != b"pvhboot: hello done"]
        if len(found) != 1:
            raise ReportError("expected one line starting %r, found %d" % (prefix, len(found)))
        return found[0][len(prefix):]

    def _parse(self, lines):
        if b"pvhboot: hello done" not in lines:
            raise ReportError("no 'hello done' line")
        self.arch = self._one(b"pvhboot: hello ").decode()
        self.loader = self._one(b"pvhboot: loader ").decode()
        m = IMAGE_RE.match(b"pvhboot: image " + self._one(b"pvhboot: image "))
        if not m or int(m.group(2), 16) < int(m.group(1), 16):
            raise ReportError("malformed image line")
        self.image = (int(m.group(1), 16), int(m.group(2), 16))  # first, last byte
        self.hypervisor = self._one(b"pvhboot: hypervisor ").decode()
        cmd = self._one(b"pvhboot: cmdline ")
        if not (cmd.startswith(b'"') and cmd.endswith(b'"')):
            raise ReportError("cmdline not quoted: %r" % cmd[:80])
        self.cmdline = decode_escaped(cmd[1:-1])
        self.ram = int(self._one(b"pvhboot: ram "))
        rsdp = [l for l in lines if l.startswith(b"pvhboot: rsdp 0x")]
        self.rsdp = int(rsdp[0][len(b"pvhboot: rsdp 0x"):], 16) if rsdp else None
        feat = [l for l in lines if l.startswith(b"pvhboot: xenfeat")]
        if feat:
            self.xenfeat = feat[0][len(b"pvhboot: xenfeat"):].split()
        for l in lines:
            if l.startswith(b"pvhboot: module "):
                m = MODULE_RE.match(l)
                if not m:
                    raise ReportError("malformed module line %r" % l[:120])
                self.modules.append(dict(index=int(m.group(1)), base=int(m.group(2), 16),
                                         size=int(m.group(3)), crc32=int(m.group(4), 16),
                                         format=m.group(6) and m.group(6).decode(),
                                         cmdline=decode_escaped(m.group(7))))
            elif l.startswith(b"pvhboot: memmap "):
                m = MEMMAP_RE.match(l)
                if not m:
                    raise ReportError("malformed memmap line %r" % l[:120])
                kind = m.group(4)
                typ = TYPE_NUMBERS[kind] if kind in TYPE_NUMBERS else int(kind.split()[1])
                self.memmap.append(dict(index=int(m.group(1)), first=int(m.group(2), 16),
                                        last=int(m.group(3), 16), type=typ,
                                        pvhboot=bool(m.group(5)), module=bool(m.group(6))))
        for i, m in enumerate(self.modules):
            if m["index"] != i:
                raise ReportError("module lines out of order")
        for i, r in enumerate(self.memmap):
            if r["index"] != i:
                raise ReportError("memmap lines out of order")

    def cpus(self):
        """hello's CPU report: the 'cpu I ...' lines as dicts, and the
        'cpus N' count (None when this build prints none)."""
        listed = []
        for l in self.lines:
            m = CPU_RE.match(l)
            if m:
                listed.append(dict(index=int(m.group(1)), kind=m.group(2).decode(),
                                   hwid=int(m.group(3), 16), boot=bool(m.group(4)),
                                   ran=m.group(5) == b"yes", self_hwid=int(m.group(6), 16)))
        counts = [l for l in self.lines if CPUS_RE.match(l)]
        if len(counts) > 1:
            raise ReportError("%d 'cpus' lines" % len(counts))
        count = int(CPUS_RE.match(counts[0]).group(1)) if counts else None
        return listed, count

    def check_cpus(self, expected):
        """Every one of the expected CPUs listed once, in order, the boot CPU
        first, each ran hello's code and read back the ID it is listed
        with, the IDs distinct, and 'cpus N' says so before 'hello done'."""
        listed, count = self.cpus()
        if count != expected:
            raise ReportError("'cpus %s', expected %d" % (count, expected))
        if [c["index"] for c in listed] != list(range(expected)):
            raise ReportError("cpu lines %r, expected 0..%d" % ([c["index"] for c in listed],
                                                                expected - 1))
        if not listed[0]["boot"] or any(c["boot"] for c in listed[1:]):
            raise ReportError("the boot CPU is not cpu 0 alone")
        for c in listed:
            if not c["ran"] or c["self_hwid"] != c["hwid"]:
                raise ReportError("cpu %d: listed 0x%x, ran %s, read 0x%x from itself"
                                  % (c["index"], c["hwid"], c["ran"], c["self_hwid"]))
        if len({c["hwid"] for c in listed}) != expected:
            raise ReportError("cpu IDs not distinct: %r" % [c["hwid"] for c in listed])
        done = self.lines.index(b"pvhboot: hello done")
        cpus_at = [i for i, l in enumerate(self.lines) if CPUS_RE.match(l)][0]
        if cpus_at > done:
            raise ReportError("'cpus' after 'hello done'")
        return listed

    def started_by(self):
        """How each CPU after the boot CPU was started, from the one
        'cpus-started-by' line ([] when there is none: one CPU)."""
        found = [l for l in self.lines if l.startswith(b"pvhboot: cpus-started-by")]
        if not found:
            return []
        m = CPUS_STARTED_BY_RE.match(found[0]) if len(found) == 1 else None
        if not m:
            raise ReportError("expected one 'cpus-started-by <how>...' line: %r" % found)
        return m.group(1).split()

    def check_cpu_list(self, hwids, kind, unit, source, started_by=None):
        """check_cpus() for exactly the CPUs hwids (the boot CPU first),
        listed by kind ("apic" or "mpidr"), and one 'cpus-up' line in
        unit (b"tsc" or b"cntvct") naming source (b"madt", b"fdt" or
        b"none"); with started_by (b"init-sipi", b"xen-vcpu-op",
        b"psci"), every CPU but the boot CPU started that way. Returns
        the ticks."""
        listed = self.check_cpus(len(hwids))
        if started_by is not None:
            how = self.started_by()
            if how != [started_by] * (len(hwids) - 1):
                raise ReportError("CPUs 1..%d started by %r, expected %s each" %
                                  (len(hwids) - 1, how, started_by.decode()))
        got = [c["hwid"] for c in listed]
        if got != list(hwids):
            raise ReportError("CPUs listed with IDs %s, expected %s" %
                              ([hex(h) for h in got], [hex(h) for h in hwids]))
        if any(c["kind"] != kind for c in listed):
            raise ReportError("CPUs not listed by %s: %r" % (kind, listed))
        up = [l for l in self.lines if l.startswith(b"pvhboot: cpus-up ")]
        m = CPUS_UP_RE.match(up[0]) if len(up) == 1 else None
        if not m or (m.group(2), m.group(3)) != (unit, source):
            raise ReportError("expected one 'cpus-up ticks N unit %s from %s' line: %r" %
                              (unit.decode(), source.decode(), up))
        return int(m.group(1))

    def check_memmap(self):
        """The normalised map's promises: sorted, disjoint, RAM whole pages,
        neighbours of one kind merged, ram line = sum of RAM."""
        prev = None
        for r in self.memmap:
            if r["last"] < r["first"]:
                raise ReportError("memmap %d: last byte before first" % r["index"])
            if prev is not None:
                if r["first"] <= prev["last"]:
                    raise ReportError("memmap %d overlaps or is out of order" % r["index"])
                if (r["first"] == prev["last"] + 1 and r["type"] == prev["type"]
                        and r["pvhboot"] == prev["pvhboot"] and r["module"] == prev["module"]):
                    raise ReportError("memmap %d should have been merged" % r["index"])
            if r["type"] == 1 and (r["first"] % PAGE or (r["last"] + 1) % PAGE):
                raise ReportError("memmap %d: RAM not page aligned" % r["index"])
            prev = r
        total = sum(r["last"] - r["first"] + 1 for r in self.memmap if r["type"] == 1)
        if total != self.ram:
            raise ReportError("ram line %d != sum of RAM regions %d" % (self.ram, total))
        if not any(r["pvhboot"] for r in self.memmap):
            raise ReportError("no region marked as pvhboot's own")
        self.check_module_marks()

    def check_module_marks(self):
        """Every page of every module lies in RAM marked module (or
        pvhboot's own), and every page marked module holds some module's
        bytes: an allocator that takes the unmarked RAM leaves the modules
        alone and loses nothing else."""
        pages = lambda a, b: (a // PAGE, (b + PAGE - 1) // PAGE)  # [first page, end page)
        marked = [(r["first"] // PAGE, (r["last"] + 1) // PAGE) for r in self.memmap
                  if r["module"]]
        for r in self.memmap:
            if r["module"] and (r["type"] != 1 or r["pvhboot"]):
                raise ReportError("memmap %d: marked module but not plain RAM" % r["index"])
        for m in self.modules:
            if not m["size"]:
                continue
            first, end = pages(m["base"], m["base"] + m["size"])
            for r in self.memmap:
                lo, hi = max(first, r["first"] // PAGE), min(end, (r["last"] + 1) // PAGE)
                if lo < hi and not (r["module"] or r["pvhboot"]):
                    raise ReportError("module %d at 0x%x: its page 0x%x lies in memmap %d, "
                                      "not marked module" % (m["index"], m["base"], lo * PAGE,
                                                             r["index"]))
        held = [pages(m["base"], m["base"] + m["size"]) for m in self.modules if m["size"]]
        for lo, hi in marked:
            for page in range(lo, hi):
                if not any(a <= page < b for a, b in held):
                    raise ReportError("page 0x%x marked module holds no module" % (page * PAGE))

    def region_of(self, addr):
        for r in self.memmap:
            if r["first"] <= addr <= r["last"]:
                return r
        return None


def checked_report(lines, context):
    """hello's report read from lines, its memory map's promises checked;
    a malformed one fails the test, with context (how the boot went)."""
    from common import TestFailure

    try:
        report = HelloReport(lines)
        report.check_memmap()
    except ReportError as e:
        raise TestFailure("%s\n%s" % (e, context))
    return report
