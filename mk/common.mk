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

# The library's architecture-neutral code (common/).
COMMON_SRCS := common/acpi.c common/acpi_madt.c common/boot.c common/console.c common/cpu_start.c \
               common/crc32.c common/elf.c common/error.c common/format.c common/hypervisor.c \
               common/low_page.c common/memmap.c common/options.c common/panic.c \
               common/start_info.c common/string.c common/timing.c common/xen_calls.c \
               common/xen_console_ring.c common/xenfeat.c
# The firmware's architecture-neutral code (firmware/): the planner, the
# payload formats, the packed descriptor, and the entry that plans and
# then hands over through the architecture's code. Archived into
# libpvhboot.a with the library's; firmware/main.c (pvhboot.elf's
# pvh_main) and firmware/arm64/ are linked into the firmware images only.
FIRMWARE_SRCS := firmware/chainload.c firmware/bzimage.c firmware/firmware.c firmware/multiboot.c \
                 firmware/pack.c
