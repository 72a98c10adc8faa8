"""What boot tests share: outcomes, and checks on how a boot ended."""

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


def file_once(path, make_bytes):
    """Create path with make_bytes() unless it exists; return its bytes.
    Safe when tests running in parallel ask for the same file."""
    import os
    import threading

    if not os.path.exists(path):
        part = "%s.part.%d.%d" % (path, os.getpid(), threading.get_ident())
        with open(part, "wb") as f:
            f.write(make_bytes())
        os.replace(part, path)
    with open(path, "rb") as f:
        return f.read()
