"""What boot tests share: outcomes, and checks on how a boot ended."""

import os
import struct
import subprocess

from qemu import EXIT_PANIC, EXIT_POWEROFF


class TestFailure(Exception):
    pass


class Skip(Exception):
    pass


def check(cond, message):
    if not cond:
        raise TestFailure(message)


def expect_poweroff(result):
    """The guest ended by its own poweroff: status 0, no reset, no deadline."""
    check(not result.timed_out, "boot did not end: " + result.describe())
    check(not result.triple_fault, "triple fault: " + result.describe())
    check(result.status == EXIT_POWEROFF,
          "expected a poweroff (exit status 0): " + result.describe())


def expect_panic(result, line_prefix):
    """The guest printed an error line starting with line_prefix and stopped
    through isa-debug-exit with the failure value."""
    check(not result.timed_out, "boot did not end: " + result.describe())
    check(not result.triple_fault, "triple fault: " + result.describe())
    lines = result.lines()
    errors = [l for l in lines if l.startswith(b"pvhboot: error: ")]
    check(len(errors) == 1, "expected exactly one error line, got %d: %s" %
          (len(errors), result.describe()))
    check(errors[0].startswith(line_prefix),
          "error line %r does not start with %r" % (errors[0], line_prefix))
    check(result.status == EXIT_PANIC,
          "expected the failure exit status %d: %s" % (EXIT_PANIC, result.describe()))
    return errors[0]


# How long a VM kept by pvhboot.on_error=halt is watched before the test
# ends it: a fatal error's way off (isa-debug-exit, ACPI S5, the i8042
# reset) comes right after its error line, which hello prints well
# within the first second under TCG.
ON_ERROR_HALT_HOLD = 4


def expect_held(result, line_prefix):
    """pvhboot.on_error=halt: the one error line starting with line_prefix,
    last of pvhboot's lines, and the VM still running when the test ended
    it after ON_ERROR_HALT_HOLD seconds: nothing that ends a VM was
    tried (each of those ends QEMU under -no-reboot)."""
    lines = result.lines()
    errors = [l for l in lines if l.startswith(b"pvhboot: error: ")]
    check(len(errors) == 1 and errors[0].startswith(line_prefix),
          "expected one error line starting with %r: %s" % (line_prefix, result.describe()))
    check(lines[-1] == errors[0], "pvhboot printed after the error line: " + result.describe())
    check(result.timed_out and not result.triple_fault,
          "the VM did not stay halted: " + result.describe())
    return errors[0]


def file_made_once(path, write):
    """Create path unless it exists, by write(part) writing a file of
    another name that then takes path's place; return path. Safe when
    tests running in parallel (threads of one process) ask for the same
    file: each writes its own part."""
    import os
    import threading

    if not os.path.exists(path):
        part = "%s.part.%d.%d" % (path, os.getpid(), threading.get_ident())
        write(part)
        os.replace(part, path)
    return path


def file_once(path, make_bytes):
    """Create path with make_bytes() unless it exists; return its bytes."""
    def write(part):
        with open(part, "wb") as f:
            f.write(make_bytes())
    with open(file_made_once(path, write), "rb") as f:
        return f.read()


def check_timing(with_option, without_option, phases, unit):
    """pvhboot.timing: the boot with the option printed one timing line
    with these phases in this order, then rest and total, their sum; the
    boot without it printed none."""
    check(not [l for l in without_option.lines() if l.startswith(b"pvhboot: timing")],
          "a timing line without pvhboot.timing: " + without_option.describe())
    lines = [l for l in with_option.lines() if l.startswith(b"pvhboot: timing ")]
    check(len(lines) == 1, "expected one timing line: " + with_option.describe())
    fields = [w.split(b"=", 1) for w in lines[0].split()[2:]]
    names = [k.decode() for k, _ in fields]
    check(names == phases + ["rest", "total", "unit"],
          "timing phases %r, expected %r" % (names, phases + ["rest", "total", "unit"]))
    values = dict((k.decode(), v) for k, v in fields)
    check(values["unit"] == unit.encode(), "unit %r, expected %r" % (values["unit"], unit))
    ticks = [int(values[k]) for k in phases + ["rest"]]
    check(sum(ticks) == int(values["total"]),
          "the phases add up to %d, total says %s" % (sum(ticks), values["total"]))
    check(int(values["total"]) > 0, "total 0: the counter did not move")
    return lines[0].decode()


def defined_symbols(path):
    """The global symbols an object or image defines (GNU nm reads both
    x86_64 and aarch64 ELF files)."""
    out = subprocess.run(["nm", "-g", "--defined-only", path], check=True,
                         stdout=subprocess.PIPE).stdout.decode()
    return {line.split()[2] for line in out.splitlines() if len(line.split()) == 3}


def check_no_cpu_start_code(build, objs, entry_points, firmware):
    """The firmware image leaves every CPU as the loader left it: it links
    no symbol of the objects (under build/obj) that start CPUs. That the
    names are right is shown by hello.elf, which starts CPUs, having the
    entry points (--gc-sections drops the rest of what it does not call)."""
    starting = set().union(*(defined_symbols(os.path.join(build, "obj", o)) for o in objs))
    hello = defined_symbols(os.path.join(build, "hello.elf"))
    check(set(entry_points) <= starting & hello,
          "hello.elf lacks the start-up entry points: %r" % sorted(starting & hello))
    linked = starting & defined_symbols(os.path.join(build, firmware))
    check(not linked, "%s links CPU start-up code: %r" % (firmware, sorted(linked)))


def check_parts_linked(build, part_symbols):
    """The optional parts (include/pvhboot/parts.h) in build's images:
    minimal.elf (no part) links none of part_symbols' functions, hello.elf
    (every part) links them all, so the names are right; pvhboot.elf links
    Xen and no CPU list."""
    minimal = defined_symbols(os.path.join(build, "minimal.elf"))
    hello = defined_symbols(os.path.join(build, "hello.elf"))
    for part, names in part_symbols.items():
        check(set(names) <= hello, "hello.elf lacks the %s part's %r" %
              (part, sorted(set(names) - hello)))
        linked = set(names) & minimal
        check(not linked, "minimal.elf links the %s part: %r" % (part, sorted(linked)))
    firmware = defined_symbols(os.path.join(build, "pvhboot.elf"))
    check(set(part_symbols["xen"]) <= firmware, "pvhboot.elf lacks the Xen part")
    check(not set(part_symbols["cpu list"]) & firmware, "pvhboot.elf links the CPU list")


PT_LOAD = 1


def elf_loads(path):
    """(paddr, filesz, memsz) of each PT_LOAD segment of an ELF64 file."""
    with open(path, "rb") as f:
        data = f.read()
    check(data[:4] == b"\x7fELF" and data[4] == 2, "%s: not an ELF64 file" % path)
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    out = []
    for i in range(phnum):
        p_type, _, _, _, paddr, filesz, memsz = struct.unpack_from("<IIQQQQQ", data,
                                                                   phoff + i * phentsize)
        if p_type == PT_LOAD:
            out.append((paddr, filesz, memsz))
    return out


def symbol_range(elf, name, nm="nm"):
    """[start, end) of a symbol of elf, from nm's sorted output (the next
    symbol's address ends it)."""
    out = subprocess.run([nm, "-n", elf], check=True, stdout=subprocess.PIPE).stdout.decode()
    syms = [(int(a, 16), n) for a, t, n in (l.split() for l in out.splitlines() if len(l.split()) == 3)]
    for i, (addr, n) in enumerate(syms):
        if n == name:
            return addr, syms[i + 1][0]
    raise TestFailure("no symbol %s in %s" % (name, elf))
