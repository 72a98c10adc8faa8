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


def collect(ctx):
    tests = []
    for image, (target, ceiling) in sorted(budgets.BYTE_BUDGETS.items()):
        arch = image.split("/")[0]
        if arch == "arm64" and not os.path.isdir(ctx.build_arm64):
            continue
        tests.append(("%s-within-its-byte-ceiling" % image.replace("/", "-"),
                      within_budget(ctx, image, target, ceiling)))
    return tests
