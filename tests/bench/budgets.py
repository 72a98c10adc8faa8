"""What pvhboot may cost: the targets of the issue "Tiny and instant", and
the byte ceilings make check enforces on the way there.

Instruction targets are measured by make bench only (under -icount
shift=0 they repeat exactly, but a boot test that times itself is a flaky
test). Bytes are deterministic: tests/boot/test_size_budgets.py checks
every image against its ceiling in make check. A ceiling is the target
once an image meets it; until then it is the image's size when the
ceiling was last lowered, so an image can only shrink. Lower a ceiling
whenever an image shrinks; never raise one without saying why in the
commit.
"""

# (what, target): instructions of pvhboot's own work, from make bench.
INSTRUCTION_TARGETS = [
    ("x86 entry-to-c (hello, q35 512M)", 300),
    ("x86 hello own work, q35 128M", 20000),
    ("x86 hello own work, q35 512M", 20000),
    ("x86 hello own work, q35 4G (2 MiB pages)", 20000),
    ("x86 bzImage packed, own work", 30000),
    ("x86 PVH vmlinux packed, own work", 40000),
    ("arm64 hello (virt, cortex-a57, 1G)", 100000),
    ("arm64 Image packed", 150000),
]
# 64 GiB with 1 GiB pages stays within this factor of 512 MiB.
SCALE_64G_FACTOR = 2.0

# image (relative to the build root) -> (target, ceiling) in loadable bytes
# (the file bytes of the PT_LOAD segments; for an arm64 Image, its .elf's).
BYTE_BUDGETS = {
    "x86_64/hello.elf": (16 * 1024, 31838),
    "x86_64/minimal.elf": (8 * 1024, 18058),
    "x86_64/pvhboot.elf": (24 * 1024, 49244),
    "arm64/hello.elf": (24 * 1024, 36704),
    "arm64/minimal.elf": (8 * 1024, 28214),
    "arm64/pvhboot.elf": (24 * 1024, 42090),
    # pvhboot-disk: the firmware plus virtio-blk, the readers (GPT, MBR,
    # FAT, BLS, UKI) and the chooser that boots an entry (issue 26).
    "x86_64/pvhboot-disk.elf": (48 * 1024, 77369),
    "arm64/pvhboot-disk.elf": (48 * 1024, 72322),
}


def loadable_bytes(path):
    """The file bytes of an ELF's PT_LOAD segments."""
    from common import elf_loads  # tests/boot/common.py, on the path of both users

    return sum(filesz for _, filesz, _ in elf_loads(path))
