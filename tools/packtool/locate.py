"""Where pvhboot-pack finds the firmware when no --firmware is given: the
images `make install` put beside it, chosen by where the tool itself
lies (so a DESTDIR or a moved prefix still finds its own), and, for the
copy in a source tree, that tree's build/.

  <prefix>/bin/pvhboot-pack  ->  <prefix>/lib/pvhboot/<arch>/<image>
  <tree>/tools/pvhboot-pack  ->  <tree>/build/<arch>/<image>
"""

import os

# The image that packs for each architecture (docs/firmware.md).
IMAGES = {"x86_64": "pvhboot.elf", "arm64": "pvhboot.bin"}


def places(tool, arch):
    """Every path the default firmware for arch may have, in order."""
    here = os.path.dirname(os.path.realpath(tool))
    up = os.path.dirname(here)
    name = IMAGES[arch]
    found = [os.path.join(up, "lib", "pvhboot", arch, name)]
    if os.path.basename(here) == "tools" and os.path.exists(os.path.join(up, "Makefile")):
        found.append(os.path.join(up, "build", arch, name))
    return found


def installed(tool):
    """The architectures whose firmware is there."""
    return [a for a in IMAGES if any(os.path.isfile(p) for p in places(tool, a))]


def firmware(tool, arch):
    """The first existing place, else None and the places looked at."""
    tried = places(tool, arch)
    for p in tried:
        if os.path.isfile(p):
            return p, tried
    return None, tried
