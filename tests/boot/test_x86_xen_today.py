"""What today's Xen no longer gives a PVH guest, and that pvhboot does
not need it (issue 24, item 4). No boot: the images' own declarations.

- Xen 4.19 stopped offering XENFEAT_hvm_pirqs to HVM/PVH guests by
  default (Xen commit 024e7131be, "tools: don't expose XENFEAT_hvm_pirqs
  by default"). pvhboot must neither require it in its ELF notes (Xen's
  toolstack would refuse to build the domain) nor in the bitmap it checks
  at boot, nor test for it anywhere.
- Xen 4.21 marks the PVH ACPI tables NVS (d6dab805f1): see the hostile
  case acpi-tables-in-nvs (tests/boot/test_x86_hostile.py).
"""

ARCH = "x86_64"

import os
import re

from common import check
from test_x86_xen_domu import xen_notes

XEN_ELFNOTE_FEATURES = 10
XENFEAT_HVM_PIRQS = 10
IMAGES = ["hello.elf", "pvhboot.elf"]
# Where pvhboot's code lives: nothing there may ask for the feature; only
# the XENFEAT name table and the ABI header name it.
CODE_DIRS = ["arch", "common", "firmware", "efi", "examples"]
NAMES_ONLY = {os.path.join("common", "xen", "xenfeat.c")}


def features_note(path):
    with open(path, "rb") as f:
        data = f.read()
    found = [data[at:at + size].rstrip(b"\0") for t, at, size in xen_notes(data)
             if t == XEN_ELFNOTE_FEATURES]
    check(len(found) == 1, "%s: %d FEATURES notes" % (path, len(found)))
    return found[0].decode()


def images_do_not_require_hvm_pirqs(ctx):
    def test():
        out = []
        for image in IMAGES:
            features = features_note(os.path.join(ctx.build, image)).split("|")
            check("!hvm_pirqs" not in features, "%s requires hvm_pirqs: %r" % (image, features))
            out.append("%s: %s" % (image, "|".join(features)))
        with open(os.path.join(ctx.build, "gen", "xen-notes.asm")) as f:
            m = re.search(r"^pvh_xen_required_features: dd 0x([0-9a-f]+)$", f.read(), re.M)
        check(m is not None, "no pvh_xen_required_features in the generated notes")
        required = int(m.group(1), 16)
        check(not required >> XENFEAT_HVM_PIRQS & 1,
              "the boot-time check requires hvm_pirqs: 0x%08x" % required)
        return "; ".join(out) + "; required 0x%08x" % required
    return test


def no_code_tests_hvm_pirqs(ctx):
    def test():
        users = []
        for top in CODE_DIRS:
            for dirpath, _, files in os.walk(os.path.join(ctx.root, top)):
                for name in files:
                    if not name.endswith((".c", ".h", ".S", ".asm")):
                        continue
                    path = os.path.join(dirpath, name)
                    rel = os.path.relpath(path, ctx.root)
                    with open(path, errors="replace") as f:
                        if "hvm_pirqs" in f.read() and rel not in NAMES_ONLY:
                            users.append(rel)
        check(not users, "code that depends on XENFEAT_hvm_pirqs: %s" % users)
    return test


def collect(ctx):
    return [("images-do-not-require-hvm-pirqs", images_do_not_require_hvm_pirqs(ctx)),
            ("no-code-tests-hvm-pirqs", no_code_tests_hvm_pirqs(ctx))]
