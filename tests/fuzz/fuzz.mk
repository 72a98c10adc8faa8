# libFuzzer targets for the parsers of common/ and firmware/ (clang, ASan, UBSan).
# Included by the top-level Makefile.
#
#   make fuzz                      every target for FUZZ_SECONDS (default 180) each,
#                                  FUZZ_JOBS (default 2) at a time; the corpus grows in
#                                  $(O)/fuzz/corpus/<target>, crashes land in
#                                  $(O)/fuzz/crashes/<target>/
#   make fuzz FUZZ_TARGETS="elf fdt" FUZZ_SECONDS=600
#   make fuzz-smoke                each target for FUZZ_SMOKE_SECONDS (default 4) on a
#                                  scratch corpus: the seeds are run as regression
#                                  inputs, then a short search (part of make check)
#   make fuzz-build                only build them, into $(O)/fuzz/
#   $(O)/fuzz/fuzz_<target> FILE   rerun one input (a saved crash)
#
# Seeds live in tests/fuzz/corpus/<target>/ (tests/fuzz/seeds.py made them);
# dictionaries in tests/fuzz/dict/<target>.dict.

FUZZ_CC ?= clang
FUZZBUILD := $(O)/fuzz
FUZZ_SECONDS ?= 180
FUZZ_SMOKE_SECONDS ?= 4
FUZZ_JOBS ?= 2
FUZZ_ALL := memmap start_info fdt fdt_write bzimage elf multiboot options acpi firmware \
            xen_console_ring pack rsdp_scan fdt_cpus madt efi_fit disk_part disk_fat disk_bls disk_uki \
            disk_entries mcfg
FUZZ_TARGETS ?= $(FUZZ_ALL)

FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=gnu11 -g -O1 $(WARNINGS) -Iinclude -I. $(FUZZ_SAN)
# The host build of common/ and firmware/ (as the unit tests have it) and
# arm64's FDT code.
FUZZ_COMMON_SRCS := $(HOST_SRCS) common/fdt/fdt.c common/fdt/fdt_write.c common/fdt/fdt_boot.c \
                    common/fdt/fdt_cpus.c
FUZZ_COMMON_OBJS := $(patsubst %.c,$(FUZZBUILD)/obj/%.o,$(FUZZ_COMMON_SRCS))
FUZZ_LIB := $(FUZZBUILD)/libcommon.a
FUZZ_SUPPORT := $(FUZZBUILD)/obj/tests/fuzz/fuzz_support.o
FUZZ_BINS := $(patsubst %,$(FUZZBUILD)/fuzz_%,$(FUZZ_ALL))
# The FDT target shares the differential's libfdt half with the unit test.
$(FUZZBUILD)/fuzz_fdt: $(FUZZBUILD)/obj/tests/unit/libfdt_tokens.o
# The disk targets read a disk made from the input (tests/fuzz/fuzz_disk.c).
$(addprefix $(FUZZBUILD)/fuzz_,disk_part disk_fat disk_entries): \
	$(FUZZBUILD)/obj/tests/fuzz/fuzz_disk.o
# pvhboot-disk's MCFG reader (x86), not in the host build of common/ and firmware/.
$(FUZZBUILD)/fuzz_mcfg: $(FUZZBUILD)/obj/firmware/disk/mcfg.o
# Targets that link a system library beside ours.
FUZZ_LIBS_fdt := -lfdt
FUZZ_LIBS_fdt_write := -lfdt

$(FUZZBUILD)/obj/%.o: %.c Makefile mk/common.mk tests/fuzz/fuzz.mk
	$(call quiet,FUZZCC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) -c -o $@ $<

# An archive, so each target links only the parsers it uses (and the
# firmware's target alone supplies pvh_arch_boot_payload).
$(FUZZ_LIB): $(FUZZ_COMMON_OBJS)
	$(call quiet,AR,$@)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(FUZZBUILD)/fuzz_%: $(FUZZBUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_SUPPORT) $(FUZZ_LIB)
	$(call quiet,FUZZLD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -o $@ $(filter %.o,$^) $(FUZZ_LIB) $(FUZZ_LIBS_$*)

.PHONY: fuzz fuzz-build fuzz-smoke fuzz-deps
fuzz-deps:
	$(call need,build fuzz)

fuzz-build: $(FUZZ_BINS)

FUZZ_RUN = $(PYTHON) tests/fuzz/run.py --bin-dir $(FUZZBUILD) --jobs $(FUZZ_JOBS)

fuzz: fuzz-deps
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)$(FUZZ_RUN) --seconds $(FUZZ_SECONDS) --work-dir $(FUZZBUILD) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	$(Q)$(FUZZ_RUN) --seconds $(FUZZ_SMOKE_SECONDS) --smoke $(FUZZ_TARGETS)

CHECK_EXTRA += fuzz-smoke

-include $(shell find $(FUZZBUILD) -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------------------
# Seeds: tests/fuzz/seeds.py rebuilds tests/fuzz/corpus/ from real inputs:
# what QEMU (pc, q35, microvm) and Xen hand a PVH kernel, captured by
# tests/fuzz/capture/ (a 32-bit PVH kernel that dumps it), the device trees
# in tests/unit/data/, and the headers of Debian's kernels and Xen in cache/.
CAPTURE_CFLAGS := -m32 -march=i686 -std=gnu11 -ffreestanding -nostdinc \
                  -isystem $(shell $(HOSTCC) -print-file-name=include) -fno-builtin -fno-pic \
                  -fno-pie -fno-stack-protector -mgeneral-regs-only \
                  -fno-asynchronous-unwind-tables -O2 $(WARNINGS)
CAPTURE := $(FUZZBUILD)/capture/capture.elf

$(FUZZBUILD)/capture/capture.o: tests/fuzz/capture/capture.c tests/fuzz/fuzz.mk
	$(call quiet,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(CAPTURE_CFLAGS) -c -o $@ $<

$(FUZZBUILD)/capture/capture_entry.o: tests/fuzz/capture/capture_entry.asm
	$(call quiet,NASM,$@)
	@mkdir -p $(dir $@)
	$(Q)nasm -f elf32 -Werror -o $@ $<

$(CAPTURE): $(FUZZBUILD)/capture/capture_entry.o $(FUZZBUILD)/capture/capture.o \
		tests/fuzz/capture/capture.ld
	$(call quiet,LD,$@)
	$(Q)ld -m elf_i386 -nostdlib -static -z max-page-size=4096 -z noexecstack --build-id=none \
		--no-warn-rwx-segments -T tests/fuzz/capture/capture.ld -o $@ $(filter %.o,$^)

.PHONY: fuzz-seeds
fuzz-seeds: $(CAPTURE)
	$(Q)$(MAKE) --no-print-directory ARCH=x86_64 all
	$(Q)$(PYTHON) tests/fuzz/seeds.py --capture $(CAPTURE) --build $(O) --qemu $(QEMU_X86_64)
