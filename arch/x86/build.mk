# x86_64: the PVH entry (nasm), long mode, 16550/0xe9 consoles, ACPI poweroff.

# -malign-data=abi: data at the alignment the x86-64 ABI asks (16 bytes
# for an array of 16 or more). GCC's default pads every array or
# structure of 32 bytes or more to 32 (for vector loads pvhboot's C never
# makes: -mgeneral-regs-only), which cost the name tables and message
# arrays 80 to 130 bytes an image. What needs more (page tables, the IDT,
# stacks) says so with aligned(); a table that needs less and is worth it
# says that too (firmware.c's kind_names: aligned(1)).
ARCH_CFLAGS = -m64 -march=x86-64 -mno-red-zone -mgeneral-regs-only -mcmodel=small -malign-data=abi \
              $(ARCH_DEFINES)
ARCH_C_SRCS := arch/x86/acpi_poweroff.c arch/x86/consoles.c arch/x86/cpu.c arch/x86/cpus.c arch/x86/debugcon.c \
               arch/x86/hypercall.c arch/x86/idt.c arch/x86/lapic.c arch/x86/page_walk.c arch/x86/paging.c arch/x86/phys.c \
               arch/x86/power.c arch/x86/smp.c arch/x86/start.c arch/x86/uart16550.c arch/x86/xen.c \
               arch/x86/xen_vcpu.c arch/x86/exit.c
ARCH_ASM_SRCS := arch/x86/isr.asm arch/x86/ap_start.asm arch/x86/table_fill.asm
# The firmware's hand-offs to a Linux bzImage, a multiboot or a PVH kernel,
# and the trampoline they end in (firmware/x86/): archived with the rest.
ARCH_FIRMWARE_SRCS := firmware/x86/enter.c firmware/x86/handoff_linux.c firmware/x86/handoff_multiboot.c \
                      firmware/x86/payload.c firmware/x86/plan_elf.c firmware/x86/writer.c firmware/x86/handoff_pvh.c firmware/x86/place_pvh.c firmware/x86/place_random.c firmware/x86/trampoline.asm \
                      firmware/x86/header_scan.asm
ARCH_GEN_OBJS := $(BUILD)/obj/gen/xen-notes.o

# What the image declares to Xen (XEN_ELFNOTE_FEATURES: '!' = required) and
# checks at boot. A unikernel sets its own with tools/xen-notes.sh (installed
# as pvhboot-xen-notes): see docs/xen.md.
XEN_FEATURES ?= !writable_page_tables|!auto_translated_physmap|hvm_callback_vector|hvm_safe_pvclock|dom0
XEN_GUEST_OS ?= pvhboot
XEN_GUEST_VERSION ?= $(VERSION)
# How hypercalls are made by default: direct (VMCALL/VMMCALL) or page.
# pvhboot.xen_hypercall=direct|page on the cmdline overrides it at run time.
XEN_HYPERCALL ?= direct
ifeq ($(XEN_HYPERCALL),page)
ARCH_DEFINES := -DPVH_XEN_HYPERCALL_PAGE=1
else ifeq ($(XEN_HYPERCALL),direct)
ARCH_DEFINES := -DPVH_XEN_HYPERCALL_PAGE=0
else
$(error XEN_HYPERCALL=$(XEN_HYPERCALL): use direct or page)
endif
ENTRY_OBJ := $(BUILD)/entry.o
LDSCRIPT := linker/x86_64.ld
ARCH_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack --gc-sections \
                --build-id=none
# What a unikernel compiles its own code with (goes into pvhboot.pc).
PKG_CFLAGS := -ffreestanding -fno-pic -fno-pie -fno-stack-protector -mno-red-zone \
              -mgeneral-regs-only -mcmodel=small
# ...and links with, through the compiler driver.
PKG_LDFLAGS := -nostdlib -static -no-pie -Wl,--gc-sections -Wl,-z,max-page-size=4096 \
               -Wl,-z,noexecstack -Wl,--build-id=none

# Movable images: linked twice. The first link (ld -q) keeps the
# relocations, from which tools/x86-relocs.py writes the lists of every
# absolute address in the image; the second adds them (at the end of
# .data, where nothing with contents moves) and the XEN_ELFNOTE_PHYS32_RELOC
# note (arch/x86/reloc_note.asm), and the tool checks that nothing moved.
# A loader that honours the note may then put the image anywhere in its
# window: the entry applies the lists (docs/loaders.md). An image linked
# in one step (a unikernel with PKG_LDFLAGS) has neither and stays put.
#   $(call link_movable,OUT.elf,OBJECTS,EXTRA_LDFLAGS)
RELOC_NOTE_OBJ := $(BUILD)/obj/arch/x86/reloc_note.o
RELOC_TOOL := tools/x86-relocs.py
define link_movable
	$(call quiet,LD,$(1))
	@mkdir -p $(dir $(1))
	$(Q)$(LD) $(ARCH_LDFLAGS) -q -T $(LDSCRIPT) -o $(1:.elf=.pass1.elf) $(2) $(RELOC_NOTE_OBJ)
	$(Q)$(PYTHON) $(RELOC_TOOL) gen $(1:.elf=.pass1.elf) $(1:.elf=.relocs.asm)
	$(Q)$(NASM) $(NASMFLAGS) -o $(1:.elf=.relocs.o) $(1:.elf=.relocs.asm)
	$(Q)$(LD) $(ARCH_LDFLAGS) -T $(LDSCRIPT) $(3) -o $(1) $(2) $(RELOC_NOTE_OBJ) $(1:.elf=.relocs.o)
	$(Q)$(PYTHON) $(RELOC_TOOL) check $(1:.elf=.pass1.elf) $(1)
	$(Q)rm -f $(1:.elf=.pass1.elf)
endef
MOVABLE_DEPS := $(RELOC_NOTE_OBJ) $(RELOC_TOOL)

EXAMPLES := $(BUILD)/hello.elf $(BUILD)/minimal.elf $(BUILD)/pvhboot.elf $(BUILD)/pvhboot-disk.elf
# Each image's link map beside it (hello.map, pvhboot.map): which object
# each byte comes from, for make bench's table of what each part costs.
$(BUILD)/hello.elf: $(ENTRY_OBJ) $(BUILD)/obj/examples/hello/hello.o $(LIB) $(LDSCRIPT) $(MOVABLE_DEPS)
	$(call link_movable,$@,$(ENTRY_OBJ) $(BUILD)/obj/examples/hello/hello.o $(LIB),-Map=$(@:.elf=.map))
# The smallest program: the boot description and the consoles, no optional part.
$(BUILD)/minimal.elf: $(ENTRY_OBJ) $(BUILD)/obj/examples/minimal/minimal.o $(LIB) $(LDSCRIPT) $(MOVABLE_DEPS)
	$(call link_movable,$@,$(ENTRY_OBJ) $(BUILD)/obj/examples/minimal/minimal.o $(LIB),-Map=$(@:.elf=.map))
# The firmware: pvhboot booting the kernel it is given.
$(BUILD)/pvhboot.elf: $(ENTRY_OBJ) $(BUILD)/obj/firmware/main.o $(LIB) $(LDSCRIPT) $(MOVABLE_DEPS)
	$(call link_movable,$@,$(ENTRY_OBJ) $(BUILD)/obj/firmware/main.o $(LIB),-Map=$(@:.elf=.map))

# pvhboot-disk: the firmware plus virtio-blk disks (firmware/disk/, docs/disk.md).
DISK_ARCH_SRCS := firmware/disk/dsdt_mmio.c firmware/disk/mcfg.c firmware/disk/discover_cmdline.c \
                  firmware/disk/x86/disk_arch.c firmware/disk/x86/discover.c $(DISK_PCI_SRCS)
DISK_FIRMWARE_MAIN := firmware/main.c
# Movable like pvhboot.elf; the firmware's big state is in late storage
# (PVH_LATE), so it links with pvhboot's own script.
$(BUILD)/pvhboot-disk.elf: $(ENTRY_OBJ) $(DISK_OBJS) $(LIB) $(LDSCRIPT) $(MOVABLE_DEPS)
	$(call link_movable,$@,$(ENTRY_OBJ) $(DISK_OBJS) $(LIB),-Map=$(@:.elf=.map))

NASM_INCS := $(BUILD)/gen/x86.inc $(BUILD)/gen/elfnote.inc arch/x86/leave_long_mode.inc
NASMFLAGS := -f elf64 -Werror -I$(BUILD)/gen/ -Iarch/x86/

$(BUILD)/gen/x86.inc: arch/x86/x86.h tools/gen-nasm-inc.sh
	@mkdir -p $(dir $@)
	$(Q)tools/gen-nasm-inc.sh $< > $@
$(BUILD)/gen/elfnote.inc: include/xen/elfnote.h tools/gen-nasm-inc.sh
	@mkdir -p $(dir $@)
	$(Q)tools/gen-nasm-inc.sh $< > $@

# The notes depend on the settings: a stamp that changes only when they do.
XEN_NOTES_SETTINGS := $(XEN_FEATURES) $(XEN_GUEST_OS) $(XEN_GUEST_VERSION)
$(BUILD)/gen/xen-notes.settings: FORCE
	@mkdir -p $(dir $@)
	@echo '$(XEN_NOTES_SETTINGS)' | cmp -s - $@ || echo '$(XEN_NOTES_SETTINGS)' > $@
$(BUILD)/gen/xen-notes.asm: $(BUILD)/gen/xen-notes.settings include/xen/features.h tools/xen-notes.sh
	$(call quiet,GEN,$@)
	$(Q)tools/xen-notes.sh include/xen/features.h '$(XEN_FEATURES)' '$(XEN_GUEST_OS)' \
		'$(XEN_GUEST_VERSION)' > $@
$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.asm $(NASM_INCS)
	$(call quiet,NASM,$@)
	@mkdir -p $(dir $@)
	$(Q)$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) -MP -o $@ $<

# hello linked in one step, as a unikernel links with the installed flags:
# no relocation lists, no PHYS32_RELOC note, so it runs at 1 MiB only. The
# firmware's tests of payloads that land on its own memory boot it
# (tests/boot/test_x86_firmware_placement.py, test_x86_firmware_small.py).
$(BUILD)/tests/hello-unmovable.elf: $(ENTRY_OBJ) $(BUILD)/obj/examples/hello/hello.o $(LIB) $(LDSCRIPT)
	$(call quiet,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(LD) $(ARCH_LDFLAGS) -T $(LDSCRIPT) -o $@ $(ENTRY_OBJ) $(BUILD)/obj/examples/hello/hello.o $(LIB)

# A hello that requires a feature Xen does not grant a PVH dom0, to show
# the refusal (tests/boot/test_x86_xen.py). Xen's note parser knows the
# name, so Xen builds the domain and pvhboot itself must refuse.
XEN_UNGRANTED_FEATURE ?= writable_descriptor_tables
$(BUILD)/gen/xen-notes-require-ungranted.asm: include/xen/features.h tools/xen-notes.sh
	$(Q)tools/xen-notes.sh include/xen/features.h '$(XEN_FEATURES)|!$(XEN_UNGRANTED_FEATURE)' \
		'$(XEN_GUEST_OS)' '$(XEN_GUEST_VERSION)' > $@
$(BUILD)/tests/hello-require-ungranted.elf: $(ENTRY_OBJ) $(BUILD)/obj/gen/xen-notes-require-ungranted.o \
		$(BUILD)/obj/examples/hello/hello.o $(LIB) $(LDSCRIPT) $(MOVABLE_DEPS)
	$(call link_movable,$@,$(ENTRY_OBJ) $(BUILD)/obj/gen/xen-notes-require-ungranted.o \
		$(BUILD)/obj/examples/hello/hello.o $(LIB))
# bootdump: a 32-bit test kernel that prints the boot information it gets,
# as a Multiboot 1 flat binary (a.out kludge), a Multiboot 2 ELF and a PVH ELF.
BOOTDUMP_CFLAGS := -m32 -march=i686 -std=gnu11 -ffreestanding -nostdinc -isystem $(GCC_INCLUDE) \
                   -fno-builtin -fno-pic -fno-pie -fno-stack-protector -mgeneral-regs-only \
                   -fno-asynchronous-unwind-tables -O2 $(WARNINGS)
# Its own code and the console and CRC-32 it shares with the hostile
# loader (tests/payloads/serial.c, crc32.c), each built with these flags.
BOOTDUMP_OBJS := $(BUILD)/tests/obj/bootdump.o $(BUILD)/tests/obj/serial.o $(BUILD)/tests/obj/crc32.o
$(BOOTDUMP_OBJS): $(BUILD)/tests/obj/%.o: tests/payloads/%.c
	$(call quiet,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BOOTDUMP_CFLAGS) $(DEPFLAGS) -c -o $@ $<
$(BUILD)/tests/obj/bootdump_entry_%.o: tests/payloads/bootdump_entry.asm
	$(call quiet,NASM,$@)
	@mkdir -p $(dir $@)
	$(Q)$(NASM) -f elf32 -Werror -DVARIANT_$(shell echo $* | tr a-z A-Z) -o $@ $<
$(BUILD)/tests/bootdump-%.elf: $(BUILD)/tests/obj/bootdump_entry_%.o $(BOOTDUMP_OBJS) \
		tests/payloads/bootdump.ld
	$(call quiet,LD,$@)
	$(Q)$(LD) -m elf_i386 -nostdlib -static -z max-page-size=4096 -z noexecstack --build-id=none \
		--no-warn-rwx-segments -T tests/payloads/bootdump.ld -o $@ $(filter %.o,$^)
$(BUILD)/tests/bootdump-mb1.bin: $(BUILD)/tests/bootdump-mb1.elf
	$(Q)$(OBJCOPY) -O binary $< $@
# The same kernels at 1 MiB, the classic load address, where pvhboot.elf
# itself runs (tests/boot/test_x86_firmware_placement.py).
BOOTDUMP_LOW_BASE := 0x100000
$(BUILD)/tests/bootdump-%-1mib.elf: $(BUILD)/tests/obj/bootdump_entry_%.o $(BOOTDUMP_OBJS) \
		tests/payloads/bootdump.ld
	$(call quiet,LD,$@)
	$(Q)$(LD) -m elf_i386 -nostdlib -static -z max-page-size=4096 -z noexecstack --build-id=none \
		--no-warn-rwx-segments --defsym BOOTDUMP_BASE=$(BOOTDUMP_LOW_BASE) \
		-T tests/payloads/bootdump.ld -o $@ $(filter %.o,$^)
$(BUILD)/tests/bootdump-mb1-1mib.bin: $(BUILD)/tests/bootdump-mb1-1mib.elf
	$(Q)$(OBJCOPY) -O binary $< $@
# And as PVH at the top of RAM below 4 GiB of QEMU -M pc -m 6G (RAM ends at
# 0xbffdffff under SeaBIOS), where pvhboot keeps the page tables that map
# RAM above 4 GiB.
BOOTDUMP_HIGH_BASE := 0xbffdb000
$(BUILD)/tests/bootdump-%-high.elf: $(BUILD)/tests/obj/bootdump_entry_%.o $(BOOTDUMP_OBJS) \
		tests/payloads/bootdump.ld
	$(call quiet,LD,$@)
	$(Q)$(LD) -m elf_i386 -nostdlib -static -z max-page-size=4096 -z noexecstack --build-id=none \
		--no-warn-rwx-segments --defsym BOOTDUMP_BASE=$(BOOTDUMP_HIGH_BASE) \
		-T tests/payloads/bootdump.ld -o $@ $(filter %.o,$^)

# reloc: a position-independent PVH kernel at 1 MiB carrying
# XEN_ELFNOTE_PHYS32_RELOC (tests/boot/test_x86_firmware_reloc.py); the
# same without the note, and with a window above 512 MiB of RAM; linked
# at 768 MiB, above 512 MiB of RAM, with and without the note
# (tests/boot/test_x86_efi.py).
RELOC_ELFS := $(BUILD)/tests/reloc.elf $(BUILD)/tests/reloc-none.elf $(BUILD)/tests/reloc-high.elf \
              $(BUILD)/tests/reloc-above-ram.elf $(BUILD)/tests/reloc-above-ram-none.elf
RELOC_VARIANT_FLAGS_reloc :=
RELOC_VARIANT_FLAGS_reloc-none := -DRELOC_NONE
RELOC_VARIANT_FLAGS_reloc-high := -DRELOC_MIN=0x40000000 -DRELOC_MAX=0x7fffffff
RELOC_VARIANT_FLAGS_reloc-above-ram-none := -DRELOC_NONE
RELOC_LINK_reloc-above-ram := --defsym=RELOC_LINK=0x30000000
RELOC_LINK_reloc-above-ram-none := --defsym=RELOC_LINK=0x30000000
$(patsubst $(BUILD)/tests/%.elf,$(BUILD)/tests/obj/%.o,$(RELOC_ELFS)): $(BUILD)/tests/obj/%.o: \
		tests/payloads/reloc.asm
	$(call quiet,NASM,$@)
	@mkdir -p $(dir $@)
	$(Q)$(NASM) -f elf32 -Werror $(RELOC_VARIANT_FLAGS_$*) -o $@ $<
$(RELOC_ELFS): $(BUILD)/tests/%.elf: $(BUILD)/tests/obj/%.o tests/payloads/reloc.ld
	$(call quiet,LD,$@)
	$(Q)$(LD) -m elf_i386 -nostdlib -static -z max-page-size=4096 -z noexecstack --build-id=none \
		--no-warn-rwx-segments $(RELOC_LINK_$*) -T tests/payloads/reloc.ld -o $@ $<

# A unikernel that starts the other CPUs and then writes into their
# start-up page, which must fault (tests/x86/start_page.c).
$(BUILD)/tests/start-page.elf: $(ENTRY_OBJ) $(BUILD)/obj/tests/x86/start_page.o $(LIB) $(LDSCRIPT) $(MOVABLE_DEPS)
	$(call link_movable,$@,$(ENTRY_OBJ) $(BUILD)/obj/tests/x86/start_page.o $(LIB))

# exit: a unikernel that ends through pvh_exit() with the status its
# cmdline names (tests/boot/test_x86_exit.py).
$(BUILD)/tests/exit.elf: $(ENTRY_OBJ) $(BUILD)/obj/tests/unikernel/exit.o $(LIB) $(LDSCRIPT) $(MOVABLE_DEPS)
	$(call link_movable,$@,$(ENTRY_OBJ) $(BUILD)/obj/tests/unikernel/exit.o $(LIB))

ARCH_TEST_IMAGES := $(BUILD)/tests/hello-require-ungranted.elf $(BUILD)/tests/start-page.elf \
                    $(BUILD)/tests/hello-unmovable.elf \
                    $(BUILD)/tests/bootdump-mb1.bin \
                    $(BUILD)/tests/bootdump-mb2.elf $(BUILD)/tests/bootdump-pvh.elf \
                    $(BUILD)/tests/bootdump-mb1-1mib.bin $(BUILD)/tests/bootdump-mb2-1mib.elf \
                    $(BUILD)/tests/bootdump-pvh-1mib.elf $(BUILD)/tests/bootdump-pvh-high.elf \
                    $(BUILD)/tests/exit.elf $(RELOC_ELFS)

$(BUILD)/obj/%.o: %.asm $(NASM_INCS)
	$(call quiet,NASM,$@)
	@mkdir -p $(dir $@)
	$(Q)$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) -MP -o $@ $<

$(ENTRY_OBJ): $(BUILD)/obj/arch/x86/entry.o
	$(Q)cp $< $@

# Test images kept in their own fragments: the hostile PVH loader
# (tests/hostile/build.mk) and pvhboot.efi (efi/build.mk). Each adds its
# images to ARCH_TEST_IMAGES or EXAMPLES.
-include tests/hostile/build.mk
-include efi/build.mk
