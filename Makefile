# pvhboot: the one build.
#
#   make                 build everything for ARCH (default x86_64) into $(O)/$(ARCH)
#   make run             boot examples/hello under QEMU and show what it prints
#   make check           every test: host unit tests (ASan+UBSan), boot tests under QEMU
#   make install PREFIX=/opt/pvhboot   headers, library, entry object, linker script, .pc
#   make deps            install the Debian packages the build and tests need
#
# Variables: ARCH, O (output folder, default build), V=1 (show commands),
# CROSS_COMPILE, CC, LD, AR, OBJCOPY, NASM, HOSTCC, PYTHON, QEMU_X86_64,
# PREFIX, DESTDIR, JOBS (parallel boot tests), CFLAGS (added to ours).

MAKEFLAGS += --no-builtin-rules
.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

ARCH ?= x86_64
O ?= build
V ?= 0
PREFIX ?= /usr/local
DESTDIR ?=
JOBS ?= 2

BUILD := $(O)/$(ARCH)
HOSTBUILD := $(O)/host
VERSION := 0.1.0

ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-7s %s\n' '$(1)' '$(2)'
endif

# Tools. make's own defaults for CC, LD and AR give way to CROSS_COMPILE;
# values from the command line or the environment are kept.
CROSS_COMPILE ?=
ifneq ($(filter default undefined,$(origin CC)),)
CC := $(CROSS_COMPILE)gcc
endif
ifneq ($(filter default undefined,$(origin LD)),)
LD := $(CROSS_COMPILE)ld
endif
ifneq ($(filter default undefined,$(origin AR)),)
AR := $(CROSS_COMPILE)ar
endif
OBJCOPY ?= $(CROSS_COMPILE)objcopy
NASM ?= nasm
HOSTCC ?= gcc
PYTHON ?= python3
QEMU_X86_64 ?= qemu-system-x86_64
PKG_CONFIG ?= pkg-config

ifeq ($(ARCH),x86_64)
SRCARCH := x86
else ifeq ($(ARCH),arm64)
$(error ARCH=arm64: the arm64 port is not built yet)
else
$(error ARCH=$(ARCH): unknown; use x86_64)
endif

# ---------------------------------------------------------------------------
# Freestanding C: no libc, no hidden runtime. Only the compiler's own
# headers (stdint.h, stdarg.h, ...) are visible.
GCC_INCLUDE := $(shell $(CC) -print-file-name=include)
WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wvla -Wpointer-arith -Wundef -Wcast-align -Wno-unused-parameter
BASE_CFLAGS := -std=gnu11 -ffreestanding -nostdinc -isystem $(GCC_INCLUDE) \
               -fno-builtin -fno-stack-protector -fno-pic -fno-pie -fno-common \
               -fno-asynchronous-unwind-tables -fno-unwind-tables \
               -fno-tree-loop-distribute-patterns -ffunction-sections -fdata-sections \
               -O2 -g $(WARNINGS) -Iinclude -I.
DEPFLAGS = -MMD -MP -MF $(@:.o=.d)

COMMON_SRCS := common/acpi.c common/boot.c common/console.c common/crc32.c common/error.c \
               common/format.c common/hypervisor.c common/memmap.c common/options.c \
               common/panic.c common/start_info.c common/string.c common/xen_calls.c \
               common/xen_console_ring.c common/xenfeat.c

include arch/$(SRCARCH)/build.mk

ALL_CFLAGS := $(BASE_CFLAGS) $(ARCH_CFLAGS) $(CFLAGS)
LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(COMMON_SRCS) $(ARCH_C_SRCS)) \
            $(patsubst %.asm,$(BUILD)/obj/%.o,$(ARCH_ASM_SRCS)) $(ARCH_GEN_OBJS)
LIB := $(BUILD)/libpvhboot.a
EXAMPLES := $(BUILD)/hello.elf

.PHONY: all FORCE
all: $(LIB) $(ENTRY_OBJ) $(EXAMPLES) $(ARCH_TEST_IMAGES)

$(BUILD)/obj/%.o: %.c Makefile arch/$(SRCARCH)/build.mk
	$(call quiet,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	$(call quiet,AR,$@)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BUILD)/hello.elf: $(ENTRY_OBJ) $(BUILD)/obj/examples/hello/hello.o $(LIB) $(LDSCRIPT)
	$(call quiet,LD,$@)
	$(Q)$(LD) $(ARCH_LDFLAGS) -T $(LDSCRIPT) -o $@ $(ENTRY_OBJ) \
		$(BUILD)/obj/examples/hello/hello.o $(LIB)

# ---------------------------------------------------------------------------
# Host builds of common/: unit tests (cmocka) under ASan and UBSan.
HOST_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_CFLAGS := -std=gnu11 -g -O1 $(WARNINGS) -Iinclude -I. $(HOST_SAN)
HOST_COMMON_SRCS := $(filter-out common/string.c common/panic.c common/xen_calls.c,$(COMMON_SRCS))
HOST_COMMON_OBJS := $(patsubst %.c,$(HOSTBUILD)/obj/%.o,$(HOST_COMMON_SRCS))
UNIT_TEST_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(HOSTBUILD)/unit/%,$(UNIT_TEST_SRCS))
UNIT_SUPPORT := $(HOSTBUILD)/obj/tests/unit/support.o

$(HOSTBUILD)/obj/%.o: %.c Makefile
	$(call quiet,HOSTCC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(DEPFLAGS) -c -o $@ $<

# common/string.c under its own names, so the test can compare it with libc.
$(HOSTBUILD)/obj/string_under_test.o: common/string.c Makefile
	$(call quiet,HOSTCC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -ffreestanding -fno-builtin -Dmemcpy=t_memcpy \
		-Dmemmove=t_memmove -Dmemset=t_memset -Dmemcmp=t_memcmp -Dstrlen=t_strlen \
		-Dstrncmp=t_strncmp -D__STDC_HOSTED__=0 -U__STDC_HOSTED__ $(DEPFLAGS) -c -o $@ $<

$(HOSTBUILD)/unit/test_string: $(HOSTBUILD)/obj/string_under_test.o
$(HOSTBUILD)/unit/%: $(HOSTBUILD)/obj/tests/unit/%.o $(HOST_COMMON_OBJS) $(UNIT_SUPPORT)
	$(call quiet,HOSTLD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_SAN) -o $@ $(filter %.o,$^) -lcmocka

.PHONY: unit
unit: $(UNIT_TESTS)

# ---------------------------------------------------------------------------
.PHONY: deps check run install clean help

deps:
	$(Q)tools/deps.sh build test
	$(Q)tools/fetch.sh xen

check: deps
	$(Q)$(MAKE) --no-print-directory all unit
	$(Q)$(PYTHON) tests/run.py --build $(BUILD) --host-build $(HOSTBUILD) --jobs $(JOBS) \
		--qemu $(QEMU_X86_64) --make "$(MAKE)"

RUN_CMDLINE ?= console=ttyS0 greeting="hello from make run"
run: deps
	$(Q)$(MAKE) --no-print-directory all
	@printf 'a sample module for make run\n' > $(BUILD)/sample-module.txt
	timeout 60 $(QEMU_X86_64) -M pc -m 256M -nographic -nodefaults -no-reboot \
		-serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel $(BUILD)/hello.elf -append '$(RUN_CMDLINE)' \
		-initrd $(BUILD)/sample-module.txt

install: all
	$(Q)tools/install.sh "$(DESTDIR)" "$(PREFIX)" "$(BUILD)" "$(ARCH)" "$(VERSION)" \
		"$(LDSCRIPT)" "$(PKG_CFLAGS)"

clean:
	rm -rf $(O)

help:
	@sed -n '2,12s/^# \{0,1\}//p' Makefile

-include $(shell find $(O) -name '*.d' 2>/dev/null)
