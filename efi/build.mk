# pvhboot.efi: a UEFI application that loads PVH kernels (see efi/efi.h),
# built with gnu-efi. Included by arch/x86/build.mk.
#
# GNU_EFI_INC, GNU_EFI_LIB: where gnu-efi lives (Debian 12: the headers
# in /usr/include/efi; crt0, linker script and libgnuefi.a in /usr/lib).
# Only gnu-efi's crt0 and relocator (libgnuefi.a) are linked, not libefi:
# console, files and memory go through the protocols directly, and the
# ELF checks, formatting and memory-map normalisation are common/'s.

GNU_EFI_INC ?= /usr/include/efi
GNU_EFI_LIB ?= /usr/lib
EFI_CRT0 := $(GNU_EFI_LIB)/crt0-efi-x86_64.o
EFI_LDS := $(GNU_EFI_LIB)/elf_x86_64_efi.lds
EFI_LIBGNUEFI := $(GNU_EFI_LIB)/libgnuefi.a
READELF ?= $(CROSS_COMPILE)readelf

EFI_BUILD := $(BUILD)/efi
EFI_SRCS := efi/config.c efi/console.c efi/exit.c efi/file.c efi/handoff.c efi/kernel.c \
            efi/load_options.c efi/main.c efi/memmap.c efi/memory.c efi/modules.c efi/reloc.c \
            efi/reloc_fit.c efi/rsdp.c efi/start_info.c
EFI_COMMON_SRCS := common/boot/boot.c firmware/elf.c common/output/error.c common/output/format.c common/boot/memmap.c \
                   common/lib/string.c
EFI_OBJS := $(patsubst %.c,$(EFI_BUILD)/%.o,$(EFI_SRCS) $(EFI_COMMON_SRCS)) \
            $(EFI_BUILD)/efi/trampoline.o

# No -fdata-sections: gnu-efi's linker script gathers .bss but not .bss.*,
# which would end up outside the image.
# Position-independent (the firmware loads the image anywhere; crt0's
# _relocate applies the R_X86_64_RELATIVE relocations), UCS-2 wide
# characters, the Microsoft ABI for calls into the firmware (EFIAPI).
EFI_CFLAGS := -std=gnu11 -ffreestanding -nostdinc -isystem $(GCC_INCLUDE) \
              -isystem $(GNU_EFI_INC) -isystem $(GNU_EFI_INC)/x86_64 -DGNU_EFI_USE_MS_ABI \
              -fpic -fvisibility=hidden -fshort-wchar -fno-builtin -fno-stack-protector \
              -fno-common -mno-red-zone -mgeneral-regs-only -fno-asynchronous-unwind-tables \
              -fno-unwind-tables -fno-tree-loop-distribute-patterns -O2 -g $(WARNINGS) \
              -Iinclude -I. $(CFLAGS)
EFI_LDFLAGS := -nostdlib -shared -Bsymbolic -znocombreloc --no-undefined \
               --no-warn-rwx-segments -z noexecstack --build-id=none
EFI_SECTIONS := .text .sdata .data .dynamic .dynsym .rel .rela .reloc

EXAMPLES += $(BUILD)/pvhboot.efi

$(EFI_CRT0) $(EFI_LDS) $(EFI_LIBGNUEFI):
	@echo "pvhboot.efi needs gnu-efi ($@ is missing): run tools/deps.sh build-x86_64" >&2
	@exit 1

$(EFI_BUILD)/%.o: %.c $(EFI_CRT0) efi/build.mk mk/common.mk
	$(call quiet,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(EFI_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(EFI_BUILD)/efi/trampoline.o: efi/trampoline.asm $(NASM_INCS)
	$(call quiet,NASM,$@)
	@mkdir -p $(dir $@)
	$(Q)$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) -MP -o $@ $<

# No --gc-sections: it would drop crt0's .reloc section, and an image
# without one is "not relocatable" to the firmware, which then refuses it.
# Two checks on the result: crt0's relocator handles R_X86_64_RELATIVE
# only (any other relocation would be left undone at run time), and a
# section of no bytes in the file (NOBITS: .bss the linker script did not
# gather) would not be in the EFI image at all.
$(EFI_BUILD)/pvhboot.so: $(EFI_OBJS) $(EFI_CRT0) $(EFI_LDS) $(EFI_LIBGNUEFI)
	$(call quiet,LD,$@)
	$(Q)$(LD) $(EFI_LDFLAGS) -T $(EFI_LDS) -o $@ $(EFI_CRT0) $(EFI_OBJS) $(EFI_LIBGNUEFI)
	$(Q)if $(READELF) -rW $@ | grep '^[0-9a-f]\{16\} ' | grep -v R_X86_64_RELATIVE; then \
		echo "$@: relocations other than R_X86_64_RELATIVE" >&2; rm -f $@; exit 1; fi
	$(Q)if $(READELF) -SW $@ | grep -w NOBITS; then \
		echo "$@: sections outside the EFI image" >&2; rm -f $@; exit 1; fi

$(BUILD)/pvhboot.efi: $(EFI_BUILD)/pvhboot.so
	$(call quiet,OBJCOPY,$@)
	$(Q)$(OBJCOPY) $(addprefix -j ,$(EFI_SECTIONS)) --target efi-app-x86_64 --subsystem=10 $< $@
