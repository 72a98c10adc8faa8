"""Byte budgets: each image's loadable bytes against its ceiling
(tests/bench/budgets.py), read from the images make built. Bytes are
deterministic, so this is a test; instruction counts are make bench's.
An image of an architecture that was not built is not looked at (its
own tests are not run either)."""

ARCH = "x86_64"

import os
import sys

from common import check

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench"))
import budgets  # noqa: E402  (tests/bench/budgets.py)
import parts  # noqa: E402  (tests/bench/parts.py)

# Loadable bytes the link map names no object for: the padding alignment
# adds between sections (arm64's exception vectors are 2 KiB aligned:
# the EL1 table and, where hyp.S is linked, the EL2 one, up to 2 KiB of
# padding each).
PADDING_MAX = 2 * 2048 + 256


def within_budget(ctx, image, target, ceiling):
    def test():
        path = os.path.join(ctx.build_root, image)
        check(os.path.exists(path), "%s: not built" % path)
        size = budgets.loadable_bytes(path)
        check(size <= ceiling, "%s: %d loadable bytes, over its ceiling of %d (target %d)" %
              (image, size, ceiling, target))
        return "%d bytes: ceiling %d, target %d%s" % (size, ceiling, target,
                                                      " (met)" if size <= target else "")
    return test


def every_byte_in_a_part(ctx, image):
    """make bench's table of what each part costs (tests/bench/parts.py)
    must account for the image: every object it links belongs to a named
    part (a new file joins one), and the parts add up to its loadable
    bytes but for the linker's padding."""
    def test():
        path = os.path.join(ctx.build_root, image)
        map_path = path[:-len(".elf")] + ".map"
        check(os.path.exists(map_path), "%s: no link map beside the image" % map_path)
        others = sorted({obj for _, _, section, obj in parts.read_map(map_path)
                         if parts.section_part(section, obj) == parts.OTHER})
        check(not others, "objects in no part of tests/bench/parts.py: %s" % ", ".join(others))
        counted = sum(parts.bytes_by_part(map_path).values())
        size = budgets.loadable_bytes(path)
        check(size - PADDING_MAX <= counted <= size,
              "the parts add up to %d bytes, the image has %d loadable" % (counted, size))
        return "%d of %d bytes in parts" % (counted, size)
    return test


def collect(ctx):
    tests = []
    for image, (target, ceiling) in sorted(budgets.BYTE_BUDGETS.items()):
        arch = image.split("/")[0]
        if arch == "arm64" and not os.path.isdir(ctx.build_arm64):
            continue
        tests.append(("%s-within-its-byte-ceiling" % image.replace("/", "-"),
                      within_budget(ctx, image, target, ceiling)))
        tests.append(("%s-every-byte-in-a-part" % image.replace("/", "-"),
                      every_byte_in_a_part(ctx, image)))
    return tests
