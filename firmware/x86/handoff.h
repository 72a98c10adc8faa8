/* The x86 hand-offs to a payload (firmware/x86/: *.c, trampoline.asm). */
#ifndef PVH_FIRMWARE_X86_HANDOFF_H
#define PVH_FIRMWARE_X86_HANDOFF_H

#include <stdbool.h>
#include <stdint.h>

#include "firmware/firmware.h"
#include "firmware/x86/writer.h"

#define FOUR_GIB (4ull << 30)

int x86_boot_linux(struct pvh_fw *fw, struct pvh_error *err);
int x86_boot_multiboot(struct pvh_fw *fw, struct pvh_error *err);
int x86_boot_pvh(struct pvh_fw *fw, struct pvh_error *err);

/* Plan the copies of an ELF payload's PT_LOAD segments to their physical
 * addresses, each below limit. */
/* A PVH kernel's placement: its segments and entry moved (inside its
 * PHYS32_RELOC window) when its link addresses are taken or
 * pvhboot.place=random asks; untouched without the note. */
int x86_place_pvh(struct pvh_fw *fw, struct pvh_elf *elf, struct pvh_error *err);
/* pvhboot.place=random (place_random.c): a random base aligned to align
 * (a power of two, at least a page) with [base, base + size) inside
 * [lo, hi), below the end of RAM and pvh_fw_room_at; after 64 misses the
 * lowest such base, with a note line. 0 if none. Claims nothing. */
uint64_t x86_random_room(const struct pvh_fw *fw, uint64_t size, uint64_t align, uint64_t lo,
                         uint64_t hi);
/* Does pvhboot.place=random ask for a random place? When the payload
 * cannot move (why: "the bzImage is not relocatable"), a note says so
 * and where it goes instead (at: "pref_address"), and false. */
bool x86_place_random(const struct pvh_fw *fw, bool can_move, const char *why, const char *at);
int x86_plan_elf(struct pvh_fw *fw, const struct pvh_elf *elf, uint64_t limit, const char *what,
                 struct pvh_error *err);

/* Boot information built by write in two passes: the first counts its
 * bytes, which are then allocated below limit (8-aligned), the second
 * writes them there. write is given the memory map the payload is told
 * (pvh_fw_payload_map). Returns the address, 0 when there is no room;
 * *size the bytes, *nr_map the map's entries. */
typedef void x86_info_writer(const struct pvh_fw *fw, struct x86_writer *w,
                             const struct pvh_region *map, unsigned nr_map);
uint64_t x86_write_info(struct pvh_fw *fw, x86_info_writer *write, uint64_t limit, size_t *size,
                        unsigned *nr_map);
/* The hand-offs' one failure for an allocation below limit (whole GiB)
 * that found no room: "no room below 4 GiB for the 4096-byte <what>". */
int x86_no_room(struct pvh_error *err, uint64_t limit, size_t size, const char *what);

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
