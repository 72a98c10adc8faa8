# Settings shared by the top-level Makefile and the per-architecture build.

MAKEFLAGS += --no-builtin-rules
.SUFFIXES:
.DELETE_ON_ERROR:
# Keep intermediate objects: incremental rebuilds need them.
.SECONDARY:

O ?= build
V ?= 0
PREFIX ?= /usr/local
DESTDIR ?=
VERSION := 0.1.0
HOSTBUILD := $(O)/host

ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-7s %s\n' '$(1)' '$(2)'
endif

DEPFLAGS = -MMD -MP -MF $(@:.o=.d)

HOSTCC ?= gcc
PYTHON ?= python3
QEMU_X86_64 ?= qemu-system-x86_64
QEMU_AARCH64 ?= qemu-system-aarch64
PKG_CONFIG ?= pkg-config

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wvla -Wpointer-arith -Wundef -Wcast-align -Wno-unused-parameter

# The library's architecture-neutral code (common/), one folder a concern:
#   boot/    the boot description: start info, memory map, options, hypervisor, timing
#   output/  consoles, formatting, parser errors, panic
#   lib/     freestanding string functions, byte loads, CRC-32
#   acpi/    poweroff (FADT, \_S5) and the MADT's CPU list (x86)
#   xen/     hypercall wrappers, XENFEAT policy, the PV console ring
#   cpu/     running the other CPUs (linked only by programs that call it)
#   fdt/     the device tree (arm64's part: see arch/arm64/build.mk)
# The order is the archive's, and so the order a link pulls members in
# (the images' layout): keep it when adding a file.
COMMON_SRCS := common/acpi/acpi.c common/acpi/acpi_madt.c common/acpi/checksum.c common/acpi/rsdp_scan.c common/boot/boot.c common/output/console.c \
               common/cpu/cpu_start.c common/lib/crc32.c common/output/error.c \
               common/output/format.c common/boot/hypervisor.c common/cpu/low_page.c \
               common/boot/memmap.c common/boot/options.c common/output/panic.c \
               common/boot/start_info.c common/lib/string.c common/boot/timing.c \
               common/xen/xen_calls.c common/xen/xen_console_ring.c common/xen/xenfeat.c \
               common/boot/compression.c common/boot/parts_default.c
# The firmware's architecture-neutral code (firmware/): the planner, the
# payload formats, the packed descriptor, and the entry that plans and
# then hands over through the architecture's code. Archived into
# libpvhboot.a with the library's; firmware/main.c (pvhboot.elf's
# pvh_main) and firmware/arm64/ are linked into the firmware images only.
FIRMWARE_SRCS := firmware/chainload.c firmware/bzimage.c firmware/elf.c firmware/firmware.c firmware/multiboot.c \
                 firmware/pack.c
# pvhboot-disk's own code (firmware/disk/, docs/disk.md): virtio-blk over
# virtio-mmio and virtio-pci, the discovery that is not the architecture's,
# and the image's main. Linked into pvhboot-disk only, never archived: the
# other images do not change. The architecture adds its part
# (DISK_ARCH_SRCS) and the firmware's main built as pvh_firmware_main.
DISK_SRCS := firmware/disk/disk_main.c firmware/disk/disk_boot.c firmware/disk/disk_list.c \
             firmware/disk/virtqueue.c firmware/disk/virtio_blk.c firmware/disk/virtio_mmio.c
# virtio-pci: both architectures name these in their DISK_ARCH_SRCS.
DISK_PCI_SRCS := firmware/disk/virtio_pci.c firmware/disk/pci.c
# pvhboot-disk's readers (firmware/disk/, docs/disk.md): partition tables,
# FAT, boot entries. Archived into libpvhboot.a and built for the host (unit
# tests, fuzzers, lint); only what calls them (pvhboot-disk) pulls them in.
DISK_READER_SRCS := firmware/disk/disk_bytes.c firmware/disk/partition.c firmware/disk/part_table.c firmware/disk/gpt.c firmware/disk/mbr.c \
                    firmware/disk/fat.c firmware/disk/fat_dir.c firmware/disk/version.c \
                    firmware/disk/bls.c firmware/disk/uki.c firmware/disk/entries.c \
                    firmware/disk/entries_select.c
