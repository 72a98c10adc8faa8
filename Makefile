# pvhboot: the one build.
#
#   make                 build every architecture (x86_64, arm64) into $(O)/<arch>
#   make ARCH=x86_64     build one
#   make run             boot examples/hello (x86_64) under QEMU and show what it prints
#   make run-linux       boot Debian's kernel and a busybox /init through pvhboot.elf
#   make check           every test: host unit tests (ASan+UBSan), boot tests under QEMU and Xen
#   make install PREFIX=/opt/pvhboot   headers, library, entry object, linker script, .pc
#   make bench           measure speed and size (build/bench/results.md; minutes)
#   make deps            install the Debian packages and fetch the components the tests need
#
# Each goal first installs the Debian packages it needs (tools/deps.sh; as
# non-root it prints the apt-get line instead). DEPS=0 leaves packages alone.
#
# Variables: ARCH, O (output folder, default build), V=1 (show commands), DEPS,
# CROSS_COMPILE, CC, LD, AR, OBJCOPY, NASM (per architecture build), HOSTCC,
# PYTHON, QEMU_X86_64, QEMU_AARCH64, PREFIX, DESTDIR, JOBS (parallel boot tests),
# CFLAGS (added to ours), XEN_FEATURES, XEN_HYPERCALL (see arch/x86/build.mk),
# BENCH_ARGS (--budgets: make bench's budget table alone), RUN_CMDLINE and
# RUN_LINUX_CMDLINE (make run's and make run-linux's cmdlines).

include mk/common.mk
.DEFAULT_GOAL := all

ARCHS := x86_64 arm64
ifdef ARCH
ifeq ($(filter $(ARCH),$(ARCHS)),)
$(error ARCH=$(ARCH): unknown; one of $(ARCHS))
endif
SELECTED_ARCHS := $(ARCH)
else
SELECTED_ARCHS := $(ARCHS)
endif
JOBS ?= 2
ARCH_MAKE = $(MAKE) --no-print-directory -f mk/arch.mk

# $(call need,GROUPS): a recipe line that installs the tools/deps.sh groups.
DEPS ?= 1
need = $(if $(filter 1,$(DEPS)),$(Q)tools/deps.sh $(1))
BUILD_GROUPS := build $(addprefix build-,$(SELECTED_ARCHS))

.PHONY: all install deps check run run-linux clean help unit bench FORCE

all:
	$(call need,$(BUILD_GROUPS))
	+$(Q)set -e; for a in $(SELECTED_ARCHS); do $(ARCH_MAKE) ARCH=$$a all; done

install:
	$(call need,$(BUILD_GROUPS))
	+$(Q)set -e; for a in $(SELECTED_ARCHS); do $(ARCH_MAKE) ARCH=$$a install; done

# ---------------------------------------------------------------------------
# Host builds of common/ and firmware/: unit tests (cmocka) under ASan and UBSan.
HOST_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_CFLAGS := -std=gnu11 -g -O1 $(WARNINGS) -Iinclude -I. $(HOST_SAN)
HOST_COMMON_SRCS := $(filter-out common/lib/string.c common/output/panic.c common/xen/xen_calls.c common/cpu/cpu_start.c common/boot/parts_default.c,$(COMMON_SRCS))
HOST_SRCS := $(HOST_COMMON_SRCS) $(FIRMWARE_SRCS) $(DISK_READER_SRCS)
HOST_OBJS := $(patsubst %.c,$(HOSTBUILD)/obj/%.o,$(HOST_SRCS))
UNIT_TEST_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(HOSTBUILD)/unit/%,$(UNIT_TEST_SRCS))
UNIT_SUPPORT := $(HOSTBUILD)/obj/tests/unit/support.o

$(HOSTBUILD)/obj/%.o: %.c Makefile mk/common.mk
	$(call quiet,HOSTCC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(DEPFLAGS) -c -o $@ $<

# common/lib/string.c under its own names, so the test can compare it with libc.
$(HOSTBUILD)/obj/string_under_test.o: common/lib/string.c Makefile mk/common.mk
	$(call quiet,HOSTCC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -ffreestanding -fno-builtin -Dmemcpy=t_memcpy \
		-Dmemmove=t_memmove -Dmemset=t_memset -Dmemcmp=t_memcmp -Dstrlen=t_strlen \
		-Dstrncmp=t_strncmp -Dmemchr=t_memchr -Dstrnlen=t_strnlen -Dstrcmp=t_strcmp \
		-Dstrchr=t_strchr -Dstrrchr=t_strrchr -Dstrtoul=t_strtoul -Dstrtoull=t_strtoull \
		$(DEPFLAGS) -c -o $@ $<

$(HOSTBUILD)/unit/test_string: $(HOSTBUILD)/obj/string_under_test.o
# The tests of firmware/disk/ build their disks in memory (tests/unit/disk_image.c).
$(filter $(HOSTBUILD)/unit/test_disk_%,$(UNIT_TESTS)): $(HOSTBUILD)/obj/tests/unit/disk_image.o
$(HOSTBUILD)/unit/%: $(HOSTBUILD)/obj/tests/unit/%.o $(HOST_OBJS) $(UNIT_SUPPORT)
	$(call quiet,HOSTLD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_SAN) -o $@ $(filter %.o,$^) -lcmocka

# The FDT tests (arm64's common/ code, not in COMMON_SRCS) link the FDT
# objects, and libfdt for the differential test.
FDT_HOST_OBJS := $(patsubst %.c,$(HOSTBUILD)/obj/%.o,common/fdt/fdt.c common/fdt/fdt_write.c common/fdt/fdt_boot.c common/fdt/fdt_cpus.c)
# The differential's libfdt half is shared with the fuzz target.
$(HOSTBUILD)/unit/test_fdt_libfdt: $(HOSTBUILD)/obj/tests/unit/libfdt_tokens.o
$(HOSTBUILD)/unit/test_fdt%: $(HOSTBUILD)/obj/tests/unit/test_fdt%.o $(HOST_OBJS) \
		$(FDT_HOST_OBJS) $(UNIT_SUPPORT)
	$(call quiet,HOSTLD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_SAN) -o $@ $(sort $(filter %.o,$^)) -lcmocka -lfdt

# pvhboot-disk's device code that needs no device (firmware/disk/): the
# queue, the block driver and the discovery parsers; test_disk fakes the
# architecture's hooks and the virtio-mmio probe.
DISK_HOST_OBJS := $(patsubst %.c,$(HOSTBUILD)/obj/%.o,firmware/disk/virtqueue.c \
                  firmware/disk/virtio_blk.c firmware/disk/disk_list.c firmware/disk/dsdt_mmio.c \
                  firmware/disk/discover_cmdline.c firmware/disk/mcfg.c)
$(HOSTBUILD)/unit/test_disk: $(DISK_HOST_OBJS)
# x86's MCFG reader (pvhboot-disk's ECAM), on the host's ACPI table lookup.
$(HOSTBUILD)/unit/test_disk_mcfg: $(HOSTBUILD)/obj/firmware/disk/mcfg.o

# The x86 assembly without a privileged instruction (page-table fills, the
# multiboot header scan) runs on an x86_64 host as it is: its tests link
# the objects nasm makes, where the host is one.
HOST_ASM_TESTS := test_table_fill:arch/x86/table_fill test_header_scan:firmware/x86/header_scan
ifeq ($(shell uname -m),x86_64)
$(HOSTBUILD)/obj/asm/%.o: %.asm Makefile
	$(call quiet,NASM,$@)
	@mkdir -p $(dir $@)
	$(Q)$(or $(NASM),nasm) -f elf64 -Werror -o $@ $<
$(foreach t,$(HOST_ASM_TESTS),$(eval $(HOSTBUILD)/unit/$(word 1,$(subst :, ,$(t))): \
	$(HOSTBUILD)/obj/asm/$(word 2,$(subst :, ,$(t))).o))
else
UNIT_TESTS := $(filter-out $(foreach t,$(HOST_ASM_TESTS),%/$(word 1,$(subst :, ,$(t)))),$(UNIT_TESTS))
endif

# disk-list: pvhboot-disk's readers over a disk image file, for the test
# against images the real tools made (tests/boot/test_disk_images.py).
DISK_LIST_OBJS := $(patsubst %.c,$(HOSTBUILD)/obj/%.o,tests/host/disk_list.c $(DISK_READER_SRCS) \
                  common/lib/crc32.c common/output/error.c common/output/format.c \
                  common/output/console.c)
$(HOSTBUILD)/disk-list: $(DISK_LIST_OBJS)
	$(call quiet,HOSTLD,$@)
	$(Q)$(HOSTCC) $(HOST_SAN) -o $@ $^

# Its packages first (cmocka, libfdt), then the tests' build, in a sub-make.
.PHONY: unit unit-deps unit-build
unit-deps:
	$(call need,build unit)
unit: unit-deps
	+$(Q)$(MAKE) --no-print-directory unit-build
unit-build: $(UNIT_TESTS) $(HOSTBUILD)/disk-list

# The host side of make bench: common/ (and firmware/) with -O2 and no sanitizers.
$(HOSTBUILD)/bench/bench_parsers: tests/bench/bench_parsers.c $(HOST_SRCS) Makefile
	$(call quiet,HOSTCC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) -std=gnu11 -O2 $(WARNINGS) -Iinclude -I. -o $@ $(filter %.c,$^)

# Fragments with their own targets: fuzzing and static checks (tests/fuzz/fuzz.mk,
# tests/lint/lint.mk). Each defines its targets and adds to CHECK_EXTRA what
# make check must run.
CHECK_EXTRA :=
-include tests/fuzz/fuzz.mk
-include tests/lint/lint.mk

# ---------------------------------------------------------------------------
deps:
	$(call need,$(BUILD_GROUPS) test unit arm64 fuzz lint efi)
	$(Q)tools/fetch-arm64.sh
	$(Q)tools/fetch.sh xen linux busybox memtest xen-tools xen-other linux-other

check: deps
	$(Q)$(MAKE) --no-print-directory all unit $(CHECK_EXTRA)
	$(Q)$(PYTHON) tests/run.py --build-root $(O) --host-build $(HOSTBUILD) --jobs $(JOBS) \
		$(addprefix --arch ,$(SELECTED_ARCHS)) --qemu $(QEMU_X86_64) --qemu-aarch64 $(QEMU_AARCH64) --make "$(MAKE)"

# Not part of check: minutes of boots. Writes build/bench/results.md and a chart.
# BENCH_ARGS=--budgets: only the budget table (instruction counts and sizes).
BENCH_ARGS ?=
bench: deps
	$(call need,bench)
	$(Q)$(MAKE) --no-print-directory all $(HOSTBUILD)/bench/bench_parsers
	$(Q)$(PYTHON) tests/bench/bench.py --build-root $(O) --qemu $(QEMU_X86_64) --qemu-aarch64 $(QEMU_AARCH64) \
		$(BENCH_ARGS)

RUN_CMDLINE ?= console=ttyS0 greeting="hello from make run"
# make run builds hello.elf alone and needs only the compiler, nasm and QEMU:
# nothing of what the other artefacts and make check need.
run:
	$(call need,build test)
	+$(Q)$(ARCH_MAKE) ARCH=x86_64 $(O)/x86_64/hello.elf
	@printf 'a sample module for make run\n' > $(O)/x86_64/sample-module.txt
	timeout 60 $(QEMU_X86_64) -M pc -m 256M -nographic -nodefaults -no-reboot \
		-serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel $(O)/x86_64/hello.elf -append '$(RUN_CMDLINE)' \
		-initrd $(O)/x86_64/sample-module.txt

# make run-linux: Debian's current kernel and a static busybox, downloaded
# (not installed) into the cache by tools/fetch.sh; an initramfs whose
# /init prints one line and powers off (tools/make-initramfs.py); both
# packed into pvhboot.elf (tools/pvhboot-pack), booted under QEMU. QEMU
# ends by itself: 0 after /init's poweroff, 3 on a pvhboot error; a kernel
# that never reaches /init (a panic) waits for timeout: 124.
RUN_LINUX_CMDLINE ?= console=ttyS0 quiet
RUN_LINUX_CACHE := $(or $(PVHBOOT_CACHE),cache)
RUN_LINUX := $(O)/x86_64/run-linux
run-linux:
	$(call need,build test)
	PVHBOOT_CACHE=$(RUN_LINUX_CACHE) tools/fetch.sh linux busybox
	+$(Q)$(ARCH_MAKE) ARCH=x86_64 $(O)/x86_64/pvhboot.elf
	@mkdir -p $(RUN_LINUX)
	$(PYTHON) tools/make-initramfs.py --busybox $(RUN_LINUX_CACHE)/busybox/busybox \
		-o $(RUN_LINUX)/initramfs.cpio
	$(PYTHON) tools/pvhboot-pack pack --firmware $(O)/x86_64/pvhboot.elf \
		--kernel $(RUN_LINUX_CACHE)/linux/bzImage --module $(RUN_LINUX)/initramfs.cpio \
		--cmdline '$(RUN_LINUX_CMDLINE)' -o $(RUN_LINUX)/linux-pvh.elf
	timeout 120 $(QEMU_X86_64) -M q35 -m 1G -nographic -nodefaults -no-reboot \
		-serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel $(RUN_LINUX)/linux-pvh.elf

clean:
	rm -rf $(O)

help:
	@sed -n '2,/^$$/s/^# \{0,1\}//p' Makefile

-include $(shell find $(HOSTBUILD) -name '*.d' 2>/dev/null)
