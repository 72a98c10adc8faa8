/*
 * The trampoline (efi/trampoline.asm) copied into a page below 4 GiB,
 * with what it needs: the entry, the start info and the staged runs to
 * move. The page is EfiLoaderCode: firmware that makes data pages
 * non-executable leaves code pages executable.
 */
#include "efi/efi.h"

#include "common/lib/string.h"

#define ARGS_OFFSET 0x800u /* the arguments follow the code in the page */

struct pvh_efi_handoff_args {
    uint32_t entry;
    uint32_t start_info;
    uint32_t nr_moves;
    uint32_t reserved;
    struct {
        uint32_t dst, src, size, reserved;
    } moves[PVH_ELF_MAX_LOADS];
};

/* The offsets efi/trampoline.asm uses. */
_Static_assert(__builtin_offsetof(struct pvh_efi_handoff_args, start_info) == 4, "start_info");
_Static_assert(__builtin_offsetof(struct pvh_efi_handoff_args, nr_moves) == 8, "nr_moves");
_Static_assert(__builtin_offsetof(struct pvh_efi_handoff_args, moves) == 16, "moves");
_Static_assert(sizeof(((struct pvh_efi_handoff_args *)0)->moves[0]) == 16, "move stride");
_Static_assert(ARGS_OFFSET + sizeof(struct pvh_efi_handoff_args) <= PVH_EFI_PAGE, "one page");

extern const uint8_t pvh_efi_trampoline[], pvh_efi_trampoline_end[];

EFI_STATUS pvh_efi_handoff_prepare(struct pvh_efi *e, uint64_t *page)
{
    size_t code = (size_t)(pvh_efi_trampoline_end - pvh_efi_trampoline);
    struct pvh_efi_handoff_args *args;
    EFI_STATUS status;
    unsigned i;

    if (code > ARGS_OFFSET)
        return pvh_efi_fail(EFI_LOAD_ERROR, "trampoline: %zu bytes, room for %u", code,
                            ARGS_OFFSET);
    status = pvh_efi_alloc(e, "trampoline", EfiLoaderCode, PVH_EFI_PAGE, PVH_EFI_4GIB - 1, page);
    if (!EFI_ERROR(status))
        status = pvh_efi_add_live(e, *page, PVH_EFI_PAGE, "the trampoline");
    if (EFI_ERROR(status))
        return status;
    memset((void *)(uintptr_t)*page, 0, PVH_EFI_PAGE);
    memcpy((void *)(uintptr_t)*page, pvh_efi_trampoline, code);
    args = (struct pvh_efi_handoff_args *)(uintptr_t)(*page + ARGS_OFFSET);
    args->entry = e->elf.pvh_entry;
    args->nr_moves = e->nr_moves;
    /* Below 4 GiB, all of them: kernel.c checked and allocated so. */
    for (i = 0; i < e->nr_moves; i++) {
        args->moves[i].dst = (uint32_t)e->moves[i].dst;
        args->moves[i].src = (uint32_t)e->moves[i].src;
        args->moves[i].size = (uint32_t)e->moves[i].size;
    }
    return EFI_SUCCESS;
}

typedef void trampoline_fn(uint64_t args_pa);

void pvh_efi_handoff(uint64_t page, uint64_t start_info)
{
    struct pvh_efi_handoff_args *args = (void *)(uintptr_t)(page + ARGS_OFFSET);
    trampoline_fn *trampoline = (trampoline_fn *)(uintptr_t)page;

    args->start_info = (uint32_t)start_info;
    trampoline(page + ARGS_OFFSET);
    __builtin_unreachable(); /* the kernel does not come back */
}
