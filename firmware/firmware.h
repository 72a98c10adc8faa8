/*
 * The firmware's planner: boot another kernel from a PVH boot. Chooses
 * the payload (packed into the image, else a module), recognises its
 * format, and keeps the rules of where everything may go, which the
 * architecture's hand-off (firmware/x86/) plans with. The entry that
 * runs both is firmware/chainload.h's; nothing here calls the hand-off.
 */
#ifndef PVH_FIRMWARE_FIRMWARE_H
#define PVH_FIRMWARE_FIRMWARE_H

#include <stdbool.h>
#include <stdint.h>

#include <pvhboot/boot.h>

#include "firmware/elf.h"
#include "common/output/error.h"
#include "common/boot/memmap.h"
#include "firmware/bzimage.h"
#include "firmware/multiboot.h"
#include "firmware/opaque.h"
#include "firmware/pack.h"

enum pvh_payload_kind {
    PVH_PAYLOAD_LINUX,      /* x86 bzImage, 64-bit boot protocol */
    PVH_PAYLOAD_MULTIBOOT1,
    PVH_PAYLOAD_MULTIBOOT2,
    PVH_PAYLOAD_PVH,        /* an ELF with XEN_ELFNOTE_PHYS32_ENTRY */
    PVH_PAYLOAD_ARM64_IMAGE,
};

/* One copy the hand-off makes: filesz bytes from src to dst, zeroes up to memsz. */
struct pvh_copy {
    uint64_t dst, src, filesz, memsz;
};

/* What a range in use is, for the placement rules. */
enum pvh_busy_kind {
    PVH_BUSY_FIXED,    /* pvhboot's own memory (its image, stack and page tables, and any
                        * RAM the boot flagged PVH_REGION_PVHBOOT): never moves, never
                        * allocated; a destination only where the architecture runs the
                        * copies there after pvhboot is done with it (late_copies) */
    PVH_BUSY_DEST,     /* where the payload's code goes */
    PVH_BUSY_ALLOC,    /* structures built for the payload */
    PVH_BUSY_MOVABLE,  /* the payload's source and the modules: may be moved out of the way */
};

struct pvh_busy {
    uint64_t base, end;
    enum pvh_busy_kind kind;
};

/* Copies: relocations of movables (one per module and the payload) run
 * before the payload's own segments. */
#define PVH_FW_MAX_COPIES (PVH_ELF_MAX_LOADS + PVH_MODULES_MAX + 2)
#define PVH_FW_MAX_BUSY (2 * PVH_MODULES_MAX + PVH_FW_MAX_COPIES + 16)

struct pvh_fw {
    /* The scalars first, then the formats' headers, then the arrays: an
     * x86 field within 127 bytes of the start is reached with a one-byte
     * displacement instead of four (hundreds of accesses). */
    const struct pvh_boot *boot;
    /* Where pvhboot.* options are read: the loader's cmdline, after the
     * packed default when that is in use (the loader's own words win). */
    const char *options;
    /* Set by the architecture before it plans: payload segments may land on
     * pvhboot's own memory, because the copies there (the late copies) run
     * from a trampoline after pvhboot is done. Their source must then lie
     * below late_src_limit, and the payload is moved there if it does not. */
    uint64_t late_src_limit;
    uint64_t entry;
    struct pvh_module payload;
    uint64_t payload_original;  /* where the payload was before any move (structures
                                 * are written before the moves run) */
    /* A copy of the boot's memory map; structures for the payload are
     * allocated (claimed) in it. */
    struct pvh_memmap map;
    unsigned nr_busy, nr_mods, nr_moves, nr_copies;
    size_t mod_cmdlines_used;
    enum pvh_payload_kind kind;
    bool verbose;
    bool late_copies;
    bool payload_in_place;      /* its code runs where it lies: never move it */
    struct pvh_bzimage bz;
    struct pvh_multiboot mb;
    struct pvh_elf elf;

    /* Ranges in use until the hand-off (see enum pvh_busy_kind). */
    struct pvh_busy busy[PVH_FW_MAX_BUSY];
    /* Relocations first (moves[]), then the payload's segments (copies[]). */
    struct pvh_copy copies[PVH_ELF_MAX_LOADS];
    struct pvh_copy moves[PVH_MODULES_MAX + 1];
    struct pvh_module mods[PVH_MODULES_MAX]; /* passed on to the payload */
    struct pvh_region regions[PVH_MEMMAP_MAX];
    /* Scratch for the memory map as the payload is told it. */
    struct pvh_region payload_map[PVH_MEMMAP_MAX];
    /* The cmdline the payload gets: the loader's without pvhboot.* words
     * (or the packed default when the loader gave none). */
    char cmdline[PVH_CMDLINE_MAX + 1];
    char options_buf[2 * PVH_CMDLINE_MAX + 2];
    char mod_cmdlines[PVH_MODULE_CMDLINES_ALL]; /* of packed modules */
};

/* Everything before the architecture's hand-off, in the planner's one
 * struct pvh_fw: pvh_fw_start, the payload chosen and its format
 * recognised, the payload and the modules in use as movables, and the
 * payload's line printed. Returns that struct pvh_fw; NULL, with err
 * set, on failure. */
struct pvh_fw *pvh_fw_prepare(const struct pvh_boot *boot, struct pvh_error *err);
/* Its first step: fw emptied, the boot's memory map copied, and pvhboot's
 * own memory (every region the boot flagged PVH_REGION_PVHBOOT) in use. */
int pvh_fw_start(struct pvh_fw *fw, const struct pvh_boot *boot, struct pvh_error *err);

/* Check a packed descriptor (the image's own pvh_pack, read once) against
 * fw's memory map: every module in RAM and clear of pvhboot's memory,
 * then every module cmdline in memory and terminated within its limit,
 * copied into fw (an error names the first piece that fails, so in a
 * guest with too little RAM a module before its string). packed[] gets
 * the modules, their cmdlines pointing into fw. Part of pvh_fw_prepare;
 * declared for the tests. */
int pvh_fw_read_pack(struct pvh_fw *fw, const struct pvh_pack *pack, struct pvh_module *packed,
                     struct pvh_error *err);

/* --- For the hand-off code ------------------------------------------------ *
 * Planning goes: destinations first (pvh_fw_add_dest, each RAM and clear of
 * pvhboot and of each other), then movables in the way are relocated
 * (pvh_fw_relocate_movables), then structures are allocated (pvh_fw_alloc,
 * clear of everything, old and new places of moved pieces included), then
 * the structures are written, and last pvh_fw_run_copies() runs the moves
 * and the segment copies just before the jump. */

/* Plan a destination: RAM, below limit, clear of other destinations, and
 * clear of pvhboot unless late_copies. */
int pvh_fw_add_dest(struct pvh_fw *fw, uint64_t base, uint64_t size, uint64_t limit,
                    const char *what, struct pvh_error *err);
/* Plan a copy of the payload's bytes [src_off, src_off + filesz) to dst,
 * zero-filled to memsz; dst must have been added as a destination. */
int pvh_fw_add_copy(struct pvh_fw *fw, uint64_t dst, uint64_t src_off, uint64_t filesz,
                    uint64_t memsz, struct pvh_error *err);
/* Move the payload and every module out of the destinations, and any module
 * that fails want (e.g. below 4 GiB, page aligned) to a place that meets it. */
struct pvh_place_rule {
    uint64_t limit;  /* the last byte must lie below this */
    uint64_t align;  /* the first byte's alignment */
};
int pvh_fw_relocate_movables(struct pvh_fw *fw, const struct pvh_place_rule *modules,
                             struct pvh_error *err);
/* size bytes of free RAM in [floor, limit), aligned, clear of everything in use;
 * 0 if none. Claimed in the map, and busy from then on. */
uint64_t pvh_fw_alloc(struct pvh_fw *fw, uint64_t size, uint64_t align, uint64_t floor,
                      uint64_t limit);
/* Is [base, base + size) free RAM out of page 0, clear of everything in
 * use but the movables (which can be moved out of the way)? */
bool pvh_fw_room_at(const struct pvh_fw *fw, uint64_t base, uint64_t size);
/* The lowest base, aligned (a power of two; at least a page), with
 * [base, base + size) inside [lo, hi) and pvh_fw_room_at; 0 if none.
 * Claims nothing: the caller adds the range as destinations. */
uint64_t pvh_fw_find_room(const struct pvh_fw *fw, uint64_t size, uint64_t align, uint64_t lo,
                          uint64_t hi);
/* Does this copy write pvhboot's own memory? Then it is a late copy: the
 * architecture's trampoline runs it after pvhboot is done (late_copies). */
bool pvh_fw_copy_is_late(const struct pvh_fw *fw, const struct pvh_copy *c);
/* Run the moves, then the copies but the late ones (memmove, then zero to memsz). */
void pvh_fw_run_copies(const struct pvh_fw *fw);
/* The last step before a jump: note the time, run the copies (not the
 * late ones), print the timing line if asked, flush the consoles. */
void pvh_fw_finish(const struct pvh_fw *fw);
/* The merged memory map the payload is told about: RAM regions pvhboot
 * flagged are RAM again (it needs nothing after the hand-off). */
unsigned pvh_fw_payload_map(const struct pvh_fw *fw, struct pvh_region *out, unsigned max);
void pvh_fw_log(const struct pvh_fw *fw, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
