/*
 * A PVH kernel carrying XEN_ELFNOTE_PHYS32_RELOC (note 19) runs wherever
 * its image is put inside the note's window. When the pages at its link
 * addresses are not all free now (EfiConventionalMemory), pvhboot.efi
 * moves the whole image by one offset to the lowest place in the window,
 * aligned as the note says, whose pages are all free, instead of staging
 * it for a move at the hand-off or refusing it. A kernel without the note
 * is never moved.
 */
#include "efi/efi.h"

static uint64_t desc_end(const EFI_MEMORY_DESCRIPTOR *d)
{
    return d->PhysicalStart + d->NumberOfPages * PVH_EFI_PAGE;
}

/* The free descriptor holding addr, or NULL. */
static const EFI_MEMORY_DESCRIPTOR *free_at(const struct pvh_efi_map *m, uint64_t addr)
{
    unsigned i;

    for (i = 0; i < pvh_efi_map_count(m); i++) {
        const EFI_MEMORY_DESCRIPTOR *d = pvh_efi_map_at(m, i);

        if (d->Type == EfiConventionalMemory && d->PhysicalStart <= addr &&
            addr < desc_end(d) && desc_end(d) > d->PhysicalStart)
            return d;
    }
    return NULL;
}

/* Is every page of [base, end) free? (end > base; each step passes one descriptor.) */
static bool all_free(const struct pvh_efi_map *m, uint64_t base, uint64_t end)
{
    while (base < end) {
        const EFI_MEMORY_DESCRIPTOR *d = free_at(m, base);

        if (!d)
            return false;
        base = desc_end(d);
    }
    return true;
}

static uint64_t page_down(uint64_t v)
{
    return v & ~(uint64_t)(PVH_EFI_PAGE - 1);
}

/* Are the pages of every segment free at its link address? */
static bool link_free(const struct pvh_efi_map *m, const struct pvh_elf *elf)
{
    unsigned i;

    for (i = 0; i < elf->nr_loads; i++) {
        const struct pvh_elf_load *l = &elf->loads[i];
        uint64_t end = l->paddr + l->memsz;

        /* A last page that would wrap is not free. */
        if (end > UINT64_MAX - PVH_EFI_PAGE || !all_free(m, page_down(l->paddr),
                                                         page_down(end + PVH_EFI_PAGE - 1)))
            return false;
    }
    return true;
}

/* The lowest base aligned to align with [base, base + size) free, at or
 * above lo (and out of page 0), its last byte below hi; 0 if none. The
 * lowest fit of a run of free pages starts at the first aligned address
 * of the run's first descriptor, so one candidate per descriptor does. */
static uint64_t lowest_fit(const struct pvh_efi_map *m, uint64_t size, uint64_t align,
                           uint64_t lo, uint64_t hi)
{
    uint64_t best = 0;
    unsigned i;

    if (lo < PVH_EFI_PAGE)
        lo = PVH_EFI_PAGE;
    for (i = 0; i < pvh_efi_map_count(m); i++) {
        const EFI_MEMORY_DESCRIPTOR *d = pvh_efi_map_at(m, i);
        uint64_t c = d->PhysicalStart > lo ? d->PhysicalStart : lo;

        if (d->Type != EfiConventionalMemory || c > hi || hi - c < align)
            continue;
        c = (c + align - 1) & ~(align - 1);
        if (c < desc_end(d) && size <= hi - c && (!best || c < best) &&
            all_free(m, c, c + ((size + PVH_EFI_PAGE - 1) & ~(uint64_t)(PVH_EFI_PAGE - 1))))
            best = c;
    }
    return best;
}

static void move_image(struct pvh_elf *elf, uint64_t delta)
{
    unsigned i;

    /* Every address moves by the same offset (mod 2^64: a move down
     * wraps, and adds back); the window ends below 4 GiB, so the entry
     * stays 32-bit. */
    for (i = 0; i < elf->nr_loads; i++)
        elf->loads[i].paddr += delta;
    elf->pvh_entry = (uint32_t)(elf->pvh_entry + delta);
}

EFI_STATUS pvh_efi_place_reloc(struct pvh_efi *e, const char *path)
{
    struct pvh_elf *elf = &e->elf;
    struct pvh_efi_map m;
    uint64_t low = UINT64_MAX, high = 0, base = 0;
    bool in_place;
    unsigned i;
    EFI_STATUS status;

    if (!elf->has_reloc)
        return EFI_SUCCESS;
    for (i = 0; i < elf->nr_loads; i++) {
        if (elf->loads[i].paddr < low)
            low = elf->loads[i].paddr;
        if (elf->loads[i].paddr + elf->loads[i].memsz > high)
            high = elf->loads[i].paddr + elf->loads[i].memsz;
    }
    status = pvh_efi_map_alloc(e, &m, 0);
    if (EFI_ERROR(status))
        return status;
    status = pvh_efi_map_read(e, &m);
    if (EFI_ERROR(status)) {
        pvh_efi_free(e, m.buf);
        return pvh_efi_fail(status, "GetMemoryMap: %s", pvh_efi_status_name(status));
    }
    in_place = link_free(&m, elf);
    if (!in_place)
        base = lowest_fit(&m, high - low, elf->reloc_align, elf->reloc_min,
                          (uint64_t)elf->reloc_max + 1);
    pvh_efi_free(e, m.buf);
    if (in_place)
        return EFI_SUCCESS;
    if (!base) {
        pvh_efi_info("kernel %s: relocatable (note 19), but no free 0x%llx bytes at alignment "
                     "0x%x in its window 0x%x-0x%x: at its link address",
                     path, (unsigned long long)(high - low), elf->reloc_align, elf->reloc_min,
                     elf->reloc_max);
        return EFI_SUCCESS;
    }
    move_image(elf, base - low);
    pvh_efi_info("kernel %s: relocatable (note 19): align 0x%x, window 0x%x-0x%x; placed at "
                 "0x%llx (link address 0x%llx)", path, elf->reloc_align, elf->reloc_min,
                 elf->reloc_max, (unsigned long long)base, (unsigned long long)low);
    return EFI_SUCCESS;
}
