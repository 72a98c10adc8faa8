# x86_64: the PVH entry (nasm), long mode, 16550/0xe9 consoles, ACPI poweroff.

ARCH_CFLAGS := -m64 -march=x86-64 -mno-red-zone -mgeneral-regs-only -mcmodel=small
ARCH_C_SRCS := arch/x86/consoles.c arch/x86/cpu.c arch/x86/debugcon.c arch/x86/idt.c \
               arch/x86/paging.c arch/x86/phys.c arch/x86/power.c arch/x86/start.c \
               arch/x86/uart16550.c
ARCH_ASM_SRCS := arch/x86/isr.asm
ENTRY_OBJ := $(BUILD)/entry.o
LDSCRIPT := linker/x86_64.ld
ARCH_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack --gc-sections \
                --build-id=none
# What a unikernel compiles its own code with (goes into pvhboot.pc).
PKG_CFLAGS := -ffreestanding -fno-pic -fno-pie -fno-stack-protector -mno-red-zone \
              -mgeneral-regs-only -mcmodel=small

NASM_INCS := $(BUILD)/gen/x86.inc $(BUILD)/gen/elfnote.inc
NASMFLAGS := -f elf64 -Werror -I$(BUILD)/gen/

$(BUILD)/gen/x86.inc: arch/x86/x86.h tools/gen-nasm-inc.sh
	@mkdir -p $(dir $@)
	$(Q)tools/gen-nasm-inc.sh $< > $@
$(BUILD)/gen/elfnote.inc: include/xen/elfnote.h tools/gen-nasm-inc.sh
	@mkdir -p $(dir $@)
	$(Q)tools/gen-nasm-inc.sh $< > $@

$(BUILD)/obj/%.o: %.asm $(NASM_INCS)
	$(call quiet,NASM,$@)
	@mkdir -p $(dir $@)
	$(Q)$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) -MP -o $@ $<

$(ENTRY_OBJ): $(BUILD)/obj/arch/x86/entry.o
	$(Q)cp $< $@
