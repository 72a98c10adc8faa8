/*
 * Leaving the firmware. The last allocations (trampoline page, memory
 * map buffer, translation space, start info) come first; then the final
 * memory map is read, translated into the start info and printed.
 * Printing may itself allocate and free memory (a graphics console
 * does), which changes the map's key even when the map stays as it was:
 * the map is read again until its translation is the one printed, and
 * ExitBootServices gets that last read's key. If the map still changed
 * before ExitBootServices (an event ran), it is read and translated
 * again, silently: after a failed ExitBootServices only GetMemoryMap and
 * ExitBootServices may be called.
 */
#include "efi/efi.h"

#include <xen/e820.h>

#include "common/lib/string.h"

#define MAP_SPARE 32   /* descriptors the map may grow by after its buffer is sized */
#define PRINT_TRIES 4  /* reads of the map until one stays as printed */
#define EXIT_TRIES 8   /* ExitBootServices calls */

struct final {
    struct pvh_efi_map map;
    struct pvh_efi_translation t;
    struct pvh_region *printed; /* the translation last printed */
    unsigned nr_printed;
    struct pvh_efi_start_info si;
    struct pvh_error err;
};

/* The staged runs go where the kernel wants them: RAM once the firmware
 * is gone, and none of what pvhboot.efi still needs. */
static int check_moves(const struct pvh_efi *e, const struct pvh_memmap *ram,
                       struct pvh_error *err)
{
    unsigned i, j;

    for (i = 0; i < e->nr_moves; i++) {
        const struct pvh_efi_move *m = &e->moves[i];

        if (!pvh_memmap_covers(ram, m->dst, m->size, PVH_TYPE_BIT(E820_TYPE_RAM)))
            return pvh_fail(err, PVH_ERANGE, "kernel 0x%llx-0x%llx: no longer all RAM in the "
                            "final memory map", (unsigned long long)m->dst,
                            (unsigned long long)(m->dst + m->size - 1));
        for (j = 0; j < e->nr_live; j++) {
            const struct pvh_efi_live *l = &e->live[j];

            if (m->dst < l->end && l->base < m->dst + m->size)
                return pvh_fail(err, PVH_EOVERLAP, "kernel 0x%llx-0x%llx: overlaps %s at "
                                "0x%llx-0x%llx", (unsigned long long)m->dst,
                                (unsigned long long)(m->dst + m->size - 1), l->what,
                                (unsigned long long)l->base, (unsigned long long)l->end - 1);
        }
    }
    return PVH_OK;
}

/* Read, translate, check: allocates nothing and prints nothing. */
static EFI_STATUS take_map(struct pvh_efi *e, struct final *f)
{
    EFI_STATUS status = pvh_efi_map_read(e, &f->map);

    if (EFI_ERROR(status)) {
        pvh_fail(&f->err, PVH_EINVAL, "GetMemoryMap: %s", pvh_efi_status_name(status));
        return status;
    }
    if (pvh_efi_map_translate(&f->map, &f->t, &f->err))
        return EFI_UNSUPPORTED;
    pvh_efi_start_info_set_memmap(&f->si, &f->t.out);
    if (check_moves(e, &f->t.out, &f->err))
        return EFI_ACCESS_DENIED;
    return EFI_SUCCESS;
}

static void print_map(const struct pvh_efi *e, const struct final *f)
{
    unsigned i, n = pvh_efi_map_count(&f->map);

    for (i = 0; e->cfg.verbose && i < n; i++) {
        const EFI_MEMORY_DESCRIPTOR *d = pvh_efi_map_at(&f->map, i);

        pvh_efi_info("map %u 0x%llx-0x%llx %s attr 0x%llx", i,
                     (unsigned long long)d->PhysicalStart,
                     (unsigned long long)(d->PhysicalStart + d->NumberOfPages * PVH_EFI_PAGE - 1),
                     pvh_efi_type_name(d->Type), (unsigned long long)d->Attribute);
    }
    for (i = 0; i < f->t.out.nr; i++) {
        const struct pvh_region *r = &f->t.out.regions[i];
        const char *name = pvh_memtype_name(r->type);

        if (name)
            pvh_efi_info("e820 %u 0x%llx-0x%llx %s", i, (unsigned long long)r->base,
                         (unsigned long long)(r->base + r->size - 1), name);
        else
            pvh_efi_info("e820 %u 0x%llx-0x%llx type %u", i, (unsigned long long)r->base,
                         (unsigned long long)(r->base + r->size - 1), r->type);
    }
    pvh_efi_info("memory map: %u EFI entries, %u e820 entries, %llu bytes of RAM", n,
                 f->t.out.nr, (unsigned long long)pvh_memmap_ram_total(&f->t.out));
}

static EFI_STATUS prepare(struct pvh_efi *e, struct final *f, uint64_t *page)
{
    EFI_STATUS status = pvh_efi_handoff_prepare(e, page);

    if (!EFI_ERROR(status))
        status = pvh_efi_map_alloc(e, &f->map, MAP_SPARE);
    if (!EFI_ERROR(status))
        status = pvh_efi_translation_alloc(e, &f->t, (unsigned)(f->map.cap / f->map.desc_size));
    if (!EFI_ERROR(status))
        status = pvh_efi_pool(e, "memory map translation", sizeof(*f->printed) * f->t.out.cap,
                              (void **)&f->printed);
    if (!EFI_ERROR(status))
        status = pvh_efi_start_info_build(e, f->t.out.cap, &f->si);
    return status;
}

static void print_and_remember(const struct pvh_efi *e, struct final *f)
{
    print_map(e, f);
    memcpy(f->printed, f->t.out.regions, sizeof(*f->printed) * f->t.out.nr);
    f->nr_printed = f->t.out.nr;
}

static bool as_printed(const struct final *f)
{
    return f->t.out.nr == f->nr_printed &&
           !memcmp(f->printed, f->t.out.regions, sizeof(*f->printed) * f->nr_printed);
}

/* Read the map until its translation stays as printed. */
static EFI_STATUS settle(struct pvh_efi *e, struct final *f)
{
    EFI_STATUS status = take_map(e, f);
    unsigned i;

    for (i = 0; !EFI_ERROR(status); i++) {
        print_and_remember(e, f);
        status = take_map(e, f);
        if (EFI_ERROR(status) || as_printed(f))
            break;
        if (i + 1 == PRINT_TRIES)
            return pvh_efi_fail(EFI_ABORTED, "the memory map changes whenever it is printed");
        pvh_efi_info("the memory map changed while it was printed: again");
    }
    if (EFI_ERROR(status))
        return pvh_efi_fail(status, "%s", f->err.msg);
    return EFI_SUCCESS;
}

EFI_STATUS pvh_efi_boot(struct pvh_efi *e)
{
    struct final f;
    uint64_t page;
    EFI_STATUS status;
    unsigned i;

    status = prepare(e, &f, &page);
    if (EFI_ERROR(status))
        return status;
    pvh_efi_info("start info 0x%llx (%llu bytes), entry 0x%x, %u staged runs to move",
                 (unsigned long long)f.si.base, (unsigned long long)f.si.size, e->elf.pvh_entry,
                 e->nr_moves);
    status = settle(e, &f);
    if (EFI_ERROR(status))
        return status;
    for (i = 0; i < EXIT_TRIES; i++) {
        status = e->bs->ExitBootServices(e->image, f.map.key);
        if (!EFI_ERROR(status)) {
            __asm__ volatile("cli");
            pvh_efi_handoff(page, f.si.base);
        }
        if (status != EFI_INVALID_PARAMETER)
            return pvh_efi_fail(status, "ExitBootServices: %s", pvh_efi_status_name(status));
        /* The map changed since it was read. Boot services may be partly
         * gone from here on: a failure is still reported, as well as the
         * console still works. */
        status = take_map(e, &f);
        if (EFI_ERROR(status))
            return pvh_efi_fail(status, "after a failed ExitBootServices: %s", f.err.msg);
    }
    return pvh_efi_fail(EFI_ABORTED, "ExitBootServices: the memory map changed %u times",
                        EXIT_TRIES);
}
