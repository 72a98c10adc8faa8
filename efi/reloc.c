/*
 * A PVH kernel carrying XEN_ELFNOTE_PHYS32_RELOC (note 19) runs wherever
 * its image is put inside the note's window. When the pages at its link
 * addresses are not all free now (EfiConventionalMemory), pvhboot.efi
 * moves the whole image by one offset to the lowest place in the window,
 * aligned as the note says, whose pages are all free (reloc_fit.c),
 * instead of staging it for a move at the hand-off or refusing it. A
 * kernel without the note is never moved.
 */
#include "efi/efi.h"
#include "efi/reloc_fit.h"

/* The map's free descriptors as spans; a descriptor whose end would pass
 * 2^64 is not taken as free. Returns how many. */
static unsigned free_spans(const struct pvh_efi_map *m, struct pvh_efi_span *out)
{
    unsigned i, n = 0;

    for (i = 0; i < pvh_efi_map_count(m); i++) {
        const EFI_MEMORY_DESCRIPTOR *d = pvh_efi_map_at(m, i);

        if (d->Type != EfiConventionalMemory || !d->NumberOfPages ||
            d->NumberOfPages > (UINT64_MAX - d->PhysicalStart) / PVH_EFI_PAGE)
            continue;
        out[n++] = (struct pvh_efi_span){ d->PhysicalStart,
                                          d->PhysicalStart + d->NumberOfPages * PVH_EFI_PAGE };
    }
    return n;
}

/* Are the pages of every segment free at its link address? */
static bool link_free(const struct pvh_efi_span *s, unsigned n, const struct pvh_elf *elf)
{
    uint64_t page = PVH_EFI_PAGE;
    unsigned i;

    for (i = 0; i < elf->nr_loads; i++) {
        const struct pvh_elf_load *l = &elf->loads[i];
        uint64_t end = l->paddr + l->memsz; /* elf.c: no wrap */

        /* A last page that would wrap is not free. */
        if (end > UINT64_MAX - page ||
            !pvh_efi_spans_cover(s, n, l->paddr & ~(page - 1), (end + page - 1) & ~(page - 1)))
            return false;
    }
    return true;
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

/* Whether the image stays (*in_place: its pages are free now), else the
 * new base of its lowest byte (*base; 0: nothing in its window is free). */
static EFI_STATUS choose(struct pvh_efi *e, uint64_t low, uint64_t high, bool *in_place,
                         uint64_t *base)
{
    const struct pvh_elf *elf = &e->elf;
    struct pvh_efi_map m;
    struct pvh_efi_span *spans;
    unsigned n;
    EFI_STATUS status;

    status = pvh_efi_map_alloc(e, &m, 0);
    if (EFI_ERROR(status))
        return status;
    status = pvh_efi_map_read(e, &m);
    if (EFI_ERROR(status)) {
        pvh_efi_free(e, m.buf);
        return pvh_efi_fail(status, "GetMemoryMap: %s", pvh_efi_status_name(status));
    }
    status = pvh_efi_pool(e, "free memory spans",
                          (uint64_t)(pvh_efi_map_count(&m) + 1) * sizeof(*spans),
                          (void **)&spans);
    if (!EFI_ERROR(status)) {
        n = free_spans(&m, spans);
        *in_place = link_free(spans, n, elf);
        *base = *in_place ? 0 : pvh_efi_lowest_fit(spans, n, high - low, elf->reloc_align,
                                                   elf->reloc_min,
                                                   (uint64_t)elf->reloc_max + 1);
        pvh_efi_free(e, spans);
    }
    pvh_efi_free(e, m.buf);
    return status;
}

EFI_STATUS pvh_efi_place_reloc(struct pvh_efi *e, const char *path)
{
    struct pvh_elf *elf = &e->elf;
    uint64_t low, high, base = 0;
    bool in_place = true;
    EFI_STATUS status;

    if (!elf->has_reloc)
        return EFI_SUCCESS;
    pvh_elf_span(elf, &low, &high);
    status = choose(e, low, high, &in_place, &base);
    if (EFI_ERROR(status) || in_place)
        return status;
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
