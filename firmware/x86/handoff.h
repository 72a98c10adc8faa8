/* The x86 hand-offs to a payload (firmware/x86/: *.c, trampoline.asm). */
#ifndef PVH_FIRMWARE_X86_HANDOFF_H
#define PVH_FIRMWARE_X86_HANDOFF_H

#include <stdbool.h>
#include <stdint.h>

#include "firmware/firmware.h"

#define FOUR_GIB (4ull << 30)

int x86_boot_linux(struct pvh_fw *fw, struct pvh_error *err);
int x86_boot_multiboot(struct pvh_fw *fw, struct pvh_error *err);
int x86_boot_pvh(struct pvh_fw *fw, struct pvh_error *err);

/* Plan the copies of an ELF payload's PT_LOAD segments to their physical
 * addresses, each below limit. */
int x86_plan_elf(struct pvh_fw *fw, const struct pvh_elf *elf, uint64_t limit, const char *what,
                 struct pvh_error *err);

/* pvhboot's low 4 GiB identity map made writable and executable
 * everywhere (page 0 included), so the trampoline's copy can run. */
void x86_paging_for_handoff(void);

/* A bounded writer for the boot information structures: a first pass
 * with base NULL only counts. */
struct x86_writer {
    uint8_t *base;
    uint64_t pa;   /* the physical address of base */
    size_t used;
};
void x86_put(struct x86_writer *w, const void *data, size_t len);
void x86_put_u32(struct x86_writer *w, uint32_t v);
void x86_put_u64(struct x86_writer *w, uint64_t v);
void x86_put_zero(struct x86_writer *w, size_t len);
void x86_align(struct x86_writer *w, size_t align);
/* The physical address of the next byte written. */
uint64_t x86_here(const struct x86_writer *w);

/* How the payload is entered (firmware/x86/trampoline.asm): 32-bit protected
 * mode with paging off and %eax, %ebx as given (PVH, Multiboot), or
 * Linux's 64-bit boot protocol with %rsi = ebx (the zero page), or its
 * 32-bit boot protocol with %esi = ebx. */
enum x86_entry_mode { X86_ENTRY_PROTECTED32, X86_ENTRY_LINUX64, X86_ENTRY_LINUX32 };
struct x86_entry {
    enum x86_entry_mode mode;
    uint32_t entry, eax, ebx;
};
/* The last step of every hand-off: the trampoline's area allocated (the
 * plan's last allocation), the copies run, the jump. Returns only when
 * there is no room for the trampoline. */
int x86_enter_payload(struct pvh_fw *fw, const struct x86_entry *how, struct pvh_error *err);

#endif
