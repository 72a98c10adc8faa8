# The hostile-loader tests (issue 7): included at the end of
# arch/x86/build.mk. Images go to $(BUILD)/tests/:
#   hostile-loader.elf  a 32-bit PVH ELF (linked at 64 MiB) that loads the
#                       PVH image QEMU gives it as -initrd and enters it with
#                       a crafted start info (tests/hostile/cases.c), or as
#                       a Firecracker or Cloud Hypervisor replica (vmm.h)
#   stack-overflow.elf  a hello-like unikernel that overflows its stack
#   acpi-then-null.elf  a unikernel that reads the ACPI tables for poweroff,
#                       then reads through NULL

HOSTILE_CFLAGS := -m32 -march=i686 -std=gnu11 -ffreestanding -nostdinc -isystem $(GCC_INCLUDE) \
                  -fno-builtin -fno-pic -fno-pie -fno-stack-protector -mgeneral-regs-only \
                  -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
                  -O2 -Iinclude -I. $(WARNINGS)
HOSTILE_SRCS := tests/hostile/acpi_tables.c tests/hostile/cases.c tests/hostile/console.c tests/hostile/elf_load.c \
                tests/hostile/fill.c tests/hostile/layout.c tests/hostile/machine.c \
                tests/hostile/main.c \
                tests/hostile/vmm_acpi.c tests/hostile/vmm_aml.c tests/hostile/vmm_boot.c \
                tests/hostile/vmm_cloud_hypervisor.c tests/hostile/vmm_firecracker.c \
                tests/hostile/vmm_linux_loader.c tests/hostile/vmm_low_memory.c \
                tests/hostile/vmm_mptable.c
HOSTILE_OBJS := $(patsubst tests/hostile/%.c,$(BUILD)/tests/obj/hostile/%.o,$(HOSTILE_SRCS)) \
                $(BUILD)/tests/obj/hostile/serial.o $(BUILD)/tests/obj/hostile/crc32.o \
                $(BUILD)/tests/obj/hostile/entry.o $(BUILD)/tests/obj/hostile/vmm_enter.o

$(BUILD)/tests/obj/hostile/%.o: tests/hostile/%.c tests/hostile/build.mk
	$(call quiet,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(HOSTILE_CFLAGS) $(DEPFLAGS) -c -o $@ $<
# The console and CRC-32 it shares with bootdump, built with the loader's flags.
$(BUILD)/tests/obj/hostile/%.o: tests/payloads/%.c tests/hostile/build.mk
	$(call quiet,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(HOSTILE_CFLAGS) $(DEPFLAGS) -c -o $@ $<
$(BUILD)/tests/obj/hostile/%.o: tests/hostile/%.asm
	$(call quiet,NASM,$@)
	@mkdir -p $(dir $@)
	$(Q)$(NASM) -f elf32 -Werror -o $@ $<
$(BUILD)/tests/hostile-loader.elf: $(HOSTILE_OBJS) tests/hostile/loader.ld
	$(call quiet,LD,$@)
	$(Q)$(LD) -m elf_i386 -nostdlib -static -z max-page-size=4096 -z noexecstack --build-id=none \
		--no-warn-rwx-segments -T tests/hostile/loader.ld -o $@ $(filter %.o,$^)

# Linked like hello.elf, with its own pvh_main.
$(BUILD)/tests/stack-overflow.elf: $(ENTRY_OBJ) $(BUILD)/obj/tests/hostile/stack_overflow.o $(LIB) \
		$(LDSCRIPT) $(MOVABLE_DEPS)
	$(call link_movable,$@,$(ENTRY_OBJ) $(BUILD)/obj/tests/hostile/stack_overflow.o $(LIB))

$(BUILD)/tests/acpi-then-null.elf: $(ENTRY_OBJ) $(BUILD)/obj/tests/hostile/acpi_then_null.o $(LIB) \
		$(LDSCRIPT) $(MOVABLE_DEPS)
	$(call link_movable,$@,$(ENTRY_OBJ) $(BUILD)/obj/tests/hostile/acpi_then_null.o $(LIB))

ARCH_TEST_IMAGES += $(BUILD)/tests/hostile-loader.elf $(BUILD)/tests/stack-overflow.elf \
                    $(BUILD)/tests/acpi-then-null.elf
