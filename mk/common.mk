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

COMMON_SRCS := common/acpi.c common/acpi_madt.c common/boot.c common/bzimage.c common/console.c common/cpu.c common/crc32.c \
               common/elf.c common/error.c common/firmware.c common/format.c \
               common/hypervisor.c common/low_page.c common/memmap.c common/multiboot.c common/options.c common/pack.c \
               common/panic.c common/start_info.c common/string.c common/timing.c common/xen_calls.c \
               common/xen_console_ring.c common/xenfeat.c
