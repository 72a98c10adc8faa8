# The build of one architecture: make -f mk/arch.mk ARCH=<arch> <target>.
# The top-level Makefile runs it once per architecture.

include mk/common.mk
.DEFAULT_GOAL := all

ifeq ($(ARCH),x86_64)
SRCARCH := x86
HOST_TRIPLET_PREFIX := x86_64-linux-gnu-
else ifeq ($(ARCH),arm64)
SRCARCH := arm64
HOST_TRIPLET_PREFIX := aarch64-linux-gnu-
else
$(error ARCH=$(ARCH): unknown; use x86_64 or arm64)
endif
BUILD := $(O)/$(ARCH)

# Tools. CROSS_COMPILE applies to the architecture being built; without it
# a cross toolchain is used when the machine is not of that architecture.
# make's own defaults for CC, LD and AR give way; values from the command
# line or the environment are kept.
HOST_MACHINE := $(shell uname -m)
ifeq ($(origin CROSS_COMPILE),undefined)
ifeq ($(subst aarch64,arm64,$(HOST_MACHINE)),$(ARCH))
CROSS_COMPILE :=
else
CROSS_COMPILE := $(HOST_TRIPLET_PREFIX)
endif
endif
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

# ---------------------------------------------------------------------------
# Freestanding C: no libc, no hidden runtime. Only the compiler's own
# headers (stdint.h, stdarg.h, ...) are visible.
GCC_INCLUDE := $(shell $(CC) -print-file-name=include)
BASE_CFLAGS := -std=gnu11 -ffreestanding -nostdinc -isystem $(GCC_INCLUDE) \
               -fno-builtin -fno-stack-protector -fno-pic -fno-pie -fno-common \
               -fno-asynchronous-unwind-tables -fno-unwind-tables \
               -fno-tree-loop-distribute-patterns -ffunction-sections -fdata-sections \
               -Os -g $(WARNINGS) -Iinclude -I.

# Defined before the architecture's part: its link rules name it as a
# prerequisite, and make expands prerequisites as it reads them.
LIB := $(BUILD)/libpvhboot.a

# pvhboot-disk's objects: recursive, for the architecture's link rule
# (below), which names its own DISK_ARCH_SRCS first.
DISK_OBJS = $(patsubst %.c,$(BUILD)/obj/%.o,$(DISK_SRCS) $(DISK_ARCH_SRCS)) \
            $(BUILD)/obj/disk/firmware_main.o

# The architecture's part: sources, flags, entry object, linker script,
# and the rules for its examples (EXAMPLES) and test images (ARCH_TEST_IMAGES).
include arch/$(SRCARCH)/build.mk

ALL_CFLAGS := $(BASE_CFLAGS) $(ARCH_CFLAGS) $(CFLAGS)
# libpvhboot.a: the library and the firmware's code (firmware/, see
# FIRMWARE_SRCS), which a unikernel's link leaves out unless it calls it.
# The members' order is the order a link pulls them in, and so the image's
# layout: with the firmware's objects ahead of the architecture's,
# pvhboot.elf's .noinit fills its last page (other orders leave padding
# that costs it a page of memory).
LIB_SRCS := $(COMMON_SRCS) $(FIRMWARE_SRCS) $(DISK_READER_SRCS) $(ARCH_FIRMWARE_SRCS) $(ARCH_C_SRCS) $(ARCH_ASM_SRCS)
LIB_OBJS := $(patsubst %,$(BUILD)/obj/%.o,$(basename $(LIB_SRCS))) $(ARCH_GEN_OBJS)

# pvhboot-disk: the firmware's main under another name (pvh_firmware_main),
# called by the disk image's main when there is a payload (firmware/disk/disk_main.c).
# The disk code, its readers included, is built for size before speed (-Oz: GCC 12 and later),
# since x86's image has only the first 2 MiB to grow in. Its many error
# returns (return pvh_fail(...)) are calls that go on to one epilogue, not
# tail calls each with its own copy of it (-fno-optimize-sibling-calls), and
# registers are saved once at the entry rather than on each path that needs
# them (-fno-shrink-wrap): about 430 bytes less on x86, 780 on arm64.
DISK_CFLAGS := -Oz -fno-optimize-sibling-calls -fno-shrink-wrap
$(filter-out $(BUILD)/obj/disk/firmware_main.o,$(DISK_OBJS)): ALL_CFLAGS += $(DISK_CFLAGS)
$(patsubst %.c,$(BUILD)/obj/%.o,$(DISK_READER_SRCS)): ALL_CFLAGS += $(DISK_CFLAGS)
$(BUILD)/obj/disk/firmware_main.o: $(DISK_FIRMWARE_MAIN) mk/common.mk mk/arch.mk arch/$(SRCARCH)/build.mk
	$(call quiet,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -Dpvh_main=pvh_firmware_main -c -o $@ $<

# The firmware's own code (firmware/, not firmware/disk/, which has its
# own line above) runs once a boot and is mostly checks of untrusted
# bytes, each failing with a message: built for size, with each failure
# a call to pvh_fail that shares the function's one return rather than a
# tail call that repeats the epilogue.
FIRMWARE_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter %.c,$(FIRMWARE_SRCS) $(ARCH_FIRMWARE_SRCS))) \
                 $(BUILD)/obj/firmware/main.o $(BUILD)/obj/firmware/arm64/main.o \
                 $(BUILD)/obj/firmware/arm64/linux.o
$(FIRMWARE_OBJS): ALL_CFLAGS += -Oz -fno-optimize-sibling-calls

# The optional parts a program links when it calls them (the ACPI tables
# and poweroff, the CPU list and start-up, Xen's calls and features, its
# console ring) and hello's own program run once a boot, or once a CPU,
# and are mostly checks of untrusted bytes, each failing with a message:
# built for size as the firmware is (include/pvhboot/parts.h names the parts).
# x86 only for the shared ones: on arm64 (no ACPI in hello) cpu_start and
# xen_calls grow with these flags (+16, +40 bytes), hello's program shrinks.
OPTIONAL_PART_OBJS := $(BUILD)/obj/examples/hello/hello.o
ifeq ($(SRCARCH),x86)
OPTIONAL_PART_OBJS += $(patsubst %,$(BUILD)/obj/%.o,common/acpi/acpi common/acpi/acpi_madt \
    common/cpu/cpu_start common/cpu/low_page common/xen/xen_calls common/xen/xenfeat \
    common/xen/xen_console_ring \
    $(addprefix arch/x86/,cpus smp lapic xen xen_vcpu hypercall acpi_poweroff))
endif
$(OPTIONAL_PART_OBJS): ALL_CFLAGS += $(DISK_CFLAGS)

# The boot's own checks of what the loader gave that run once a boot, a
# few hundred instructions each (the start info, the options, the
# hypervisor probe, the boot description's last copy, the timing report,
# the RSDP scan, the panic path; on x86 also the IDT's set-up, the CPU
# probe and the start code), built for size as the parts are: about 140
# bytes less on x86. Not the memory map, the page tables or the
# formatter, whose loops are most of the boot's instructions. x86 only:
# on arm64 -Oz makes -Os's code, and keeping the error calls out of tail
# position makes these files larger there (start_info +24 bytes).
ifeq ($(SRCARCH),x86)
BOOT_ONCE_OBJS := $(patsubst %,$(BUILD)/obj/%.o,common/boot/start_info common/boot/options \
    common/boot/boot common/boot/hypervisor common/boot/timing common/acpi/rsdp_scan \
    common/output/panic arch/x86/start arch/x86/idt arch/x86/cpu)
$(BOOT_ONCE_OBJS): ALL_CFLAGS += $(DISK_CFLAGS)
endif

.PHONY: all FORCE
all: $(LIB) $(ENTRY_OBJ) $(EXAMPLES) $(ARCH_TEST_IMAGES)

$(BUILD)/obj/%.o: %.c mk/common.mk mk/arch.mk arch/$(SRCARCH)/build.mk
	$(call quiet,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	$(call quiet,AR,$@)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

# The firmware images make install puts in $(PREFIX)/lib/pvhboot/$(ARCH)/,
# where pvhboot-pack looks for them (tools/packtool/locate.py).
INSTALL_FIRMWARE_x86_64 := pvhboot.elf pvhboot-disk.elf pvhboot.efi
INSTALL_FIRMWARE_arm64 := pvhboot.bin pvhboot-disk.bin

install: all
	$(Q)tools/install.sh "$(DESTDIR)" "$(PREFIX)" "$(BUILD)" "$(ARCH)" "$(VERSION)" \
		"$(LDSCRIPT)" "$(PKG_CFLAGS)" "$(PKG_LDFLAGS)" \
		"$(addprefix $(BUILD)/,$(INSTALL_FIRMWARE_$(ARCH)))"

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
