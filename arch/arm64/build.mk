# arm64: a Linux arm64 Image (GNU as entry), PL011/SBSA consoles, PSCI,
# Xen through hvc, the device tree as the boot description.

# -fno-shrink-wrap: registers saved once at a function's entry, not on
# each path that needs them (on arm64 each save is a 4-byte stp however
# placed): 64 bytes less in minimal and hello, 192 in the firmware, for
# about 300 more instructions in hello's boot.
ARCH_CFLAGS = -march=armv8-a -mstrict-align -mgeneral-regs-only -mcmodel=small \
              -mno-outline-atomics -fno-shrink-wrap
# -mstrict-align everywhere but in the objects below, the firmware's,
# which run only once the boot is done, with the MMU on, and touch only
# Normal memory (RAM: the device tree's copy, the kernel image), where
# an unaligned access is allowed (SCTLR_EL1.A is clear): there GCC may
# read a big-endian field with one load and a byte swap rather than byte
# by byte (fdt_write.o 6,848 -> 6,332 bytes). Not the code that runs
# with the MMU off (head.S, el2.c, mmu.c's early map), nor the code that
# reads the loader's tree, which the early map maps as Device memory,
# nor the console, which an exception taken before the MMU is on
# reports through (Device memory: every unaligned access faults).
ARM64_UNALIGNED_OK_OBJS := $(patsubst %,$(BUILD)/obj/%.o,common/fdt/fdt_write \
    firmware/arm64/linux firmware/firmware)
$(ARM64_UNALIGNED_OK_OBJS): ALL_CFLAGS += -mno-strict-align
ARCH_C_SRCS := common/fdt/fdt.c common/fdt/fdt_write.c common/fdt/fdt_boot.c common/fdt/fdt_cpus.c \
               arch/arm64/el2.c arch/arm64/exception.c arch/arm64/hypercall.c arch/arm64/mmu.c \
               arch/arm64/pl011.c arch/arm64/psci.c arch/arm64/smp.c arch/arm64/start.c \
               arch/arm64/xen.c arch/arm64/exit.c
ARCH_ASM_SRCS :=
# The firmware's arm64 code is not archived: see pvhboot.elf below.
ARCH_FIRMWARE_SRCS :=
ARCH_S_SRCS := arch/arm64/vectors.S arch/arm64/secondary.S
ARCH_GEN_OBJS := $(patsubst %.S,$(BUILD)/obj/%.o,$(ARCH_S_SRCS)) $(BUILD)/obj/gen/xen-features.o

# What the image requires of Xen and would use (see tools/xen-feature-bitmaps.sh):
# an Arm guest is always auto-translated; the rest is informative.
XEN_FEATURES ?= !auto_translated_physmap|ARM_SMCCC_supported|dom0

ENTRY_OBJ := $(BUILD)/entry.o
LDSCRIPT := linker/arm64.ld
# Linked at 0, and run wherever the loader puts it: head.S adds the load
# address to every absolute address in the image, as the list
# tools/x86-relocs.py wrote says (link_movable). A few bytes where a static
# PIE's .rela.dyn, .dynamic and .got took kilobytes.
ARCH_LDFLAGS := -nostdlib -static -z max-page-size=4096 \
                -z noexecstack --gc-sections --build-id=none -z norelro
# Linked twice: first with its relocations kept (-q), from which the tool
# lists the image's absolute addresses (R_AARCH64_ABS64 fields, GOT slots of
# weak symbols), then with the list at the end of .data; the tool checks
# that nothing else moved. Hidden symbols (vectors.S's weak defaults for
# smp.c) become local, as a dynamic link would make them: the image names
# among its global symbols only what the program links.
#   $(call link_movable,OUT.elf,OBJECTS,EXTRA_LDFLAGS)
RELOC_TOOL := tools/x86-relocs.py
define link_movable
	$(call quiet,LD,$(1))
	@mkdir -p $(dir $(1))
	$(Q)$(LD) $(ARCH_LDFLAGS) -q -T $(LDSCRIPT) -o $(1:.elf=.pass1.elf) $(2)
	$(Q)$(PYTHON) $(RELOC_TOOL) gen $(1:.elf=.pass1.elf) $(1:.elf=.relocs.s)
	$(Q)$(CC) -c -o $(1:.elf=.relocs.o) $(1:.elf=.relocs.s)
	$(Q)$(LD) $(ARCH_LDFLAGS) -T $(LDSCRIPT) $(3) -o $(1) $(2) $(1:.elf=.relocs.o)
	$(Q)$(PYTHON) $(RELOC_TOOL) check $(1:.elf=.pass1.elf) $(1)
	$(Q)$(OBJCOPY) --localize-hidden $(1)
	$(Q)rm -f $(1:.elf=.pass1.elf)
endef
MOVABLE_DEPS := $(RELOC_TOOL)
# What a unikernel compiles its own code with (goes into its .pc): it
# links in one step, as a static PIE, whose .rela.dyn head.S applies.
PKG_CFLAGS := -ffreestanding -fno-pic -fno-pie -fno-stack-protector -mstrict-align \
              -mgeneral-regs-only -mcmodel=small -mno-outline-atomics
# ...and links with, through the compiler driver (then objcopy -O binary: the Image).
PKG_LDFLAGS := -nostdlib -static-pie -Wl,--gc-sections -Wl,-z,max-page-size=4096 -Wl,-z,notext \
               -Wl,-z,noexecstack -Wl,--build-id=none -Wl,-z,norelro

EXAMPLES := $(BUILD)/hello.bin $(BUILD)/minimal.bin $(BUILD)/pvhboot.bin $(BUILD)/pvhboot-disk.bin

# An Image is the ELF's loadable bytes from address 0 on.
$(BUILD)/%.bin: $(BUILD)/%.elf
	$(call quiet,OBJCOPY,$@)
	$(Q)$(OBJCOPY) -O binary $< $@

$(BUILD)/hello.elf: $(ENTRY_OBJ) $(BUILD)/obj/examples/hello/hello.o $(LIB) $(LDSCRIPT) \
		$(MOVABLE_DEPS)
	$(call link_movable,$@,$(ENTRY_OBJ) $(BUILD)/obj/examples/hello/hello.o $(LIB),-Map=$(@:.elf=.map))

# The smallest program: the boot description and the console, no optional part.
$(BUILD)/minimal.elf: $(ENTRY_OBJ) $(BUILD)/obj/examples/minimal/minimal.o $(LIB) $(LDSCRIPT) \
		$(MOVABLE_DEPS)
	$(call link_movable,$@,$(ENTRY_OBJ) $(BUILD)/obj/examples/minimal/minimal.o $(LIB), \
		-Map=$(@:.elf=.map))

# The firmware (firmware/arm64/): pvhboot chainloading a Linux Image.
# Linked here, not archived into libpvhboot.a.
ARCH_FIRMWARE_OBJS := $(BUILD)/obj/firmware/arm64/main.o $(BUILD)/obj/firmware/arm64/linux.o
$(BUILD)/pvhboot.elf: $(ENTRY_OBJ) $(ARCH_FIRMWARE_OBJS) $(LIB) $(LDSCRIPT) $(MOVABLE_DEPS)
	$(call link_movable,$@,$(ENTRY_OBJ) $(ARCH_FIRMWARE_OBJS) $(LIB),-Map=$(@:.elf=.map))

# pvhboot-disk: the firmware plus virtio-blk disks (firmware/disk/, docs/disk.md).
DISK_ARCH_SRCS := firmware/disk/arm64/disk_arch.c firmware/disk/arm64/discover.c $(DISK_PCI_SRCS)
DISK_FIRMWARE_MAIN := firmware/arm64/main.c
# The firmware's objects and the library first, laid out as in pvhboot.bin
# (the exception vectors' 2 KiB alignment pads no more than there), then
# the disk code and what it pulls from the library.
$(BUILD)/pvhboot-disk.elf: $(ENTRY_OBJ) $(DISK_OBJS) $(BUILD)/obj/firmware/arm64/linux.o $(LIB) \
		$(LDSCRIPT) $(MOVABLE_DEPS)
	$(call link_movable,$@,$(ENTRY_OBJ) $(BUILD)/obj/disk/firmware_main.o \
		$(BUILD)/obj/firmware/arm64/linux.o $(LIB) \
		$(filter-out $(BUILD)/obj/disk/firmware_main.o,$(DISK_OBJS)) $(LIB),-Map=$(@:.elf=.map))

$(BUILD)/obj/%.o: %.S mk/common.mk mk/arch.mk arch/arm64/build.mk
	$(call quiet,AS,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(ENTRY_OBJ): $(BUILD)/obj/arch/arm64/head.o
	$(Q)cp $< $@

# The feature bitmaps depend on the setting: a stamp that changes only when it does.
$(BUILD)/gen/xen-features.settings: FORCE
	@mkdir -p $(dir $@)
	@echo '$(XEN_FEATURES)' | cmp -s - $@ || echo '$(XEN_FEATURES)' > $@
$(BUILD)/gen/xen-features.c: $(BUILD)/gen/xen-features.settings include/xen/features.h \
		tools/xen-feature-bitmaps.sh
	$(call quiet,GEN,$@)
	$(Q)tools/xen-feature-bitmaps.sh include/xen/features.h '$(XEN_FEATURES)' > $@
$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	$(call quiet,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

# A hello that requires a feature Xen does not grant a domU (dom0), to
# show the refusal (tests/boot/test_arm64_xen.py).
$(BUILD)/gen/xen-features-require-dom0.c: include/xen/features.h tools/xen-feature-bitmaps.sh
	@mkdir -p $(dir $@)
	$(Q)tools/xen-feature-bitmaps.sh include/xen/features.h '$(XEN_FEATURES)|!dom0' > $@
$(BUILD)/tests/hello-require-dom0.elf: $(ENTRY_OBJ) $(BUILD)/obj/gen/xen-features-require-dom0.o \
		$(BUILD)/obj/examples/hello/hello.o $(LIB) $(LDSCRIPT) $(MOVABLE_DEPS)
	$(call link_movable,$@,$(ENTRY_OBJ) $(BUILD)/obj/gen/xen-features-require-dom0.o \
		$(BUILD)/obj/examples/hello/hello.o $(LIB))

# A unikernel that touches what it is told (tests/arm64/probe.c): the
# memory-attribute and EL2 set-up tests (tests/boot/test_arm64_memory.py).
$(BUILD)/tests/probe.elf: $(ENTRY_OBJ) $(BUILD)/obj/tests/arm64/probe.o $(LIB) $(LDSCRIPT) \
		$(MOVABLE_DEPS)
	$(call link_movable,$@,$(ENTRY_OBJ) $(BUILD)/obj/tests/arm64/probe.o $(LIB))
# The same probe on a CPU that says it has no FEAT_E2H0, so that EL2 is
# set up with HCR_EL2.E2H = 1 (el2.c, ARM64_EL2_TEST_NO_E2H0): QEMU 7.2
# has no CPU with E2H stuck at 1, but one with FEAT_VHE keeps it at 1
# once written (tests/boot/test_arm64_el2.py).
$(BUILD)/obj/tests/arm64/el2-no-e2h0.o: arch/arm64/el2.c mk/common.mk mk/arch.mk arch/arm64/build.mk
	$(call quiet,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -DARM64_EL2_TEST_NO_E2H0 -c -o $@ $<
$(BUILD)/tests/probe-no-e2h0.elf: $(ENTRY_OBJ) $(BUILD)/obj/tests/arm64/probe.o \
		$(BUILD)/obj/tests/arm64/el2-no-e2h0.o $(LIB) $(LDSCRIPT) $(MOVABLE_DEPS)
	$(call link_movable,$@,$(ENTRY_OBJ) $(BUILD)/obj/tests/arm64/probe.o \
		$(BUILD)/obj/tests/arm64/el2-no-e2h0.o $(LIB))
# exit: a unikernel that ends through pvh_exit() with the status its
# cmdline names (tests/boot/test_arm64_exit.py).
$(BUILD)/tests/exit.elf: $(ENTRY_OBJ) $(BUILD)/obj/tests/unikernel/exit.o $(LIB) $(LDSCRIPT) \
		$(MOVABLE_DEPS)
	$(call link_movable,$@,$(ENTRY_OBJ) $(BUILD)/obj/tests/unikernel/exit.o $(LIB))
ARCH_TEST_IMAGES := $(BUILD)/tests/hello-require-dom0.bin $(BUILD)/tests/probe.bin \
                    $(BUILD)/tests/probe-no-e2h0.bin $(BUILD)/tests/exit.bin
