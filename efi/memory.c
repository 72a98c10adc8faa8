/*
 * Memory from the firmware, every piece recorded, so that a failure can
 * give it all back before returning to the firmware; and the list of
 * what must survive until the kernel runs (the trampoline's moves must
 * not land on any of it).
 */
#include "efi/efi.h"

static EFI_STATUS record(struct pvh_efi *e, uint64_t base, UINTN pages, const char *what)
{
    if (e->nr_allocs == PVH_EFI_MAX_ALLOCS) {
        if (pages)
            e->bs->FreePages(base, pages);
        else
            e->bs->FreePool((void *)(uintptr_t)base);
        return pvh_efi_fail(EFI_OUT_OF_RESOURCES, "%s: more than %u allocations", what,
                            PVH_EFI_MAX_ALLOCS);
    }
    e->allocs[e->nr_allocs++] = (struct pvh_efi_allocation){ base, pages };
    return EFI_SUCCESS;
}

EFI_STATUS pvh_efi_alloc(struct pvh_efi *e, const char *what, EFI_MEMORY_TYPE type,
                         uint64_t size, uint64_t max_addr, uint64_t *base)
{
    EFI_PHYSICAL_ADDRESS at = max_addr;
    UINTN pages = PVH_EFI_PAGES(size ? size : 1);
    EFI_STATUS status;

    status = e->bs->AllocatePages(max_addr ? AllocateMaxAddress : AllocateAnyPages, type,
                                  pages, &at);
    if (EFI_ERROR(status)) {
        if (max_addr)
            return pvh_efi_fail(status, "%s: no room for %llu bytes below 0x%llx: %s", what,
                                (unsigned long long)size, (unsigned long long)max_addr + 1,
                                pvh_efi_status_name(status));
        return pvh_efi_fail(status, "%s: no room for %llu bytes: %s", what,
                            (unsigned long long)size, pvh_efi_status_name(status));
    }
    *base = at;
    return record(e, at, pages, what);
}

EFI_STATUS pvh_efi_alloc_at(struct pvh_efi *e, const char *what, uint64_t base, uint64_t size)
{
    EFI_PHYSICAL_ADDRESS at = base;
    UINTN pages = PVH_EFI_PAGES(size);
    EFI_STATUS status;

    status = e->bs->AllocatePages(AllocateAddress, EfiLoaderData, pages, &at);
    return EFI_ERROR(status) ? status : record(e, at, pages, what);
}

EFI_STATUS pvh_efi_pool(struct pvh_efi *e, const char *what, uint64_t size, void **p)
{
    EFI_STATUS status = e->bs->AllocatePool(EfiLoaderData, size, p);

    if (EFI_ERROR(status))
        return pvh_efi_fail(status, "%s: no room for %llu bytes: %s", what,
                            (unsigned long long)size, pvh_efi_status_name(status));
    return record(e, (uintptr_t)*p, 0, what);
}

static void give_back(struct pvh_efi *e, unsigned i)
{
    const struct pvh_efi_allocation *a = &e->allocs[i];

    if (a->pages)
        e->bs->FreePages(a->base, a->pages);
    else
        e->bs->FreePool((void *)(uintptr_t)a->base);
}

void pvh_efi_free(struct pvh_efi *e, const void *p)
{
    unsigned i;

    for (i = 0; i < e->nr_allocs; i++) {
        if (e->allocs[i].base == (uintptr_t)p) {
            give_back(e, i);
            e->allocs[i] = e->allocs[--e->nr_allocs];
            return;
        }
    }
}

void pvh_efi_free_all(struct pvh_efi *e)
{
    while (e->nr_allocs)
        give_back(e, --e->nr_allocs);
}

EFI_STATUS pvh_efi_add_live(struct pvh_efi *e, uint64_t base, uint64_t size, const char *what)
{
    if (e->nr_live == PVH_EFI_MAX_LIVE)
        return pvh_efi_fail(EFI_OUT_OF_RESOURCES, "%s: more than %u buffers to keep", what,
                            PVH_EFI_MAX_LIVE);
    /* Whole pages, as they were allocated. */
    e->live[e->nr_live++] = (struct pvh_efi_live){
        base, base + (uint64_t)PVH_EFI_PAGES(size ? size : 1) * PVH_EFI_PAGE, what };
    return EFI_SUCCESS;
}
