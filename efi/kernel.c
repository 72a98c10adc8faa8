/*
 * The kernel: a PVH ELF, checked by firmware/elf.c as the firmware checks
 * its payloads, its segments placed at their physical addresses.
 *
 * Each run of pages the segments cover is taken from the firmware with
 * AllocatePages(AllocateAddress) as EfiLoaderData and filled in place.
 * Where the firmware still uses some of those pages until
 * ExitBootServices (OVMF keeps its decompressed DXE firmware volume at
 * 9-21 MiB, across the 16 MiB where Linux loads), the run is staged
 * below 4 GiB and the trampoline moves it into place once the firmware
 * is gone and paging is off. Memory the firmware keeps after boot
 * (runtime services, ACPI, reserved, MMIO), or that is not in its map
 * at all, is refused.
 */
#include "efi/efi.h"

#include <xen/e820.h>

#include "common/lib/string.h"

struct run {
    uint64_t base, end; /* page-aligned */
};

static EFI_STATUS check_layout(const struct pvh_elf *elf, const char *path)
{
    unsigned i, j;

    if (!elf->has_pvh_entry)
        return pvh_efi_fail(EFI_UNSUPPORTED, "kernel %s: no XEN_ELFNOTE_PHYS32_ENTRY note: "
                            "not a PVH kernel", path);
    if (elf->pvh_entry < PVH_EFI_PAGE)
        return pvh_efi_fail(EFI_LOAD_ERROR, "kernel %s: PVH entry 0x%x: in page 0", path,
                            elf->pvh_entry);
    for (i = 0; i < elf->nr_loads; i++) {
        const struct pvh_elf_load *a = &elf->loads[i];

        if (a->paddr + a->memsz > PVH_EFI_4GIB)
            return pvh_efi_fail(EFI_LOAD_ERROR, "kernel %s: segment %u at 0x%llx-0x%llx: "
                                "above 4 GiB, out of reach with paging off", path, i,
                                (unsigned long long)a->paddr,
                                (unsigned long long)(a->paddr + a->memsz - 1));
        for (j = 0; j < i; j++) {
            const struct pvh_elf_load *b = &elf->loads[j];

            if (a->paddr < b->paddr + b->memsz && b->paddr < a->paddr + a->memsz)
                return pvh_efi_fail(EFI_LOAD_ERROR, "kernel %s: segments %u and %u overlap",
                                    path, j, i);
        }
    }
    return EFI_SUCCESS;
}

/* The pages the segments cover, sorted; segments sharing a page share a run. */
static unsigned page_runs(const struct pvh_elf *elf, struct run *runs)
{
    unsigned i, j, n = 0;

    for (i = 0; i < elf->nr_loads; i++) {
        const struct pvh_elf_load *l = &elf->loads[i];
        struct run r = { l->paddr & ~(uint64_t)(PVH_EFI_PAGE - 1),
                         (l->paddr + l->memsz + PVH_EFI_PAGE - 1) &
                             ~(uint64_t)(PVH_EFI_PAGE - 1) };

        for (j = n++; j > 0 && runs[j - 1].base > r.base; j--)
            runs[j] = runs[j - 1];
        runs[j] = r;
    }
    for (i = 1, j = 0; i < n; i++) {
        if (runs[i].base < runs[j].end)
            runs[j].end = runs[i].end > runs[j].end ? runs[i].end : runs[j].end;
        else
            runs[++j] = runs[i];
    }
    return n ? j + 1 : 0;
}

static uint64_t desc_end(const EFI_MEMORY_DESCRIPTOR *d)
{
    return d->PhysicalStart + d->NumberOfPages * PVH_EFI_PAGE;
}

static const EFI_MEMORY_DESCRIPTOR *containing(const struct pvh_efi_map *m, uint64_t addr)
{
    unsigned i;

    for (i = 0; i < pvh_efi_map_count(m); i++) {
        const EFI_MEMORY_DESCRIPTOR *d = pvh_efi_map_at(m, i);

        if (d->PhysicalStart <= addr && addr < desc_end(d) && desc_end(d) > d->PhysicalStart)
            return d;
    }
    return NULL;
}

/* Every page of r will be RAM after ExitBootServices; *busy: a type in the way now. */
static EFI_STATUS check_run_memory(const struct pvh_efi_map *m, const char *path,
                                   const struct run *r, const char **busy)
{
    uint64_t at = r->base;

    *busy = NULL;
    while (at < r->end) {
        const EFI_MEMORY_DESCRIPTOR *d = containing(m, at);

        if (!d)
            return pvh_efi_fail(EFI_ACCESS_DENIED, "kernel %s: segments at 0x%llx-0x%llx: "
                                "0x%llx is not memory in the firmware's map", path,
                                (unsigned long long)r->base, (unsigned long long)r->end - 1,
                                (unsigned long long)at);
        if (pvh_efi_e820_type(d->Type, d->Attribute) != E820_TYPE_RAM)
            return pvh_efi_fail(EFI_ACCESS_DENIED, "kernel %s: segments at 0x%llx-0x%llx: "
                                "the firmware holds 0x%llx-0x%llx (%s)", path,
                                (unsigned long long)r->base, (unsigned long long)r->end - 1,
                                (unsigned long long)d->PhysicalStart,
                                (unsigned long long)desc_end(d) - 1, pvh_efi_type_name(d->Type));
        if (d->Type != EfiConventionalMemory && !*busy)
            *busy = pvh_efi_type_name(d->Type);
        at = desc_end(d);
    }
    return EFI_SUCCESS;
}

/* Take the free pages of r, so that no later allocation lands there. */
static EFI_STATUS reserve_free_parts(struct pvh_efi *e, const struct pvh_efi_map *m,
                                     const char *path, const struct run *r)
{
    unsigned i;

    for (i = 0; i < pvh_efi_map_count(m); i++) {
        const EFI_MEMORY_DESCRIPTOR *d = pvh_efi_map_at(m, i);
        uint64_t base = d->PhysicalStart > r->base ? d->PhysicalStart : r->base;
        uint64_t end = desc_end(d) < r->end ? desc_end(d) : r->end;
        EFI_STATUS status;

        if (d->Type != EfiConventionalMemory || base >= end)
            continue;
        status = pvh_efi_alloc_at(e, "free kernel memory", base, end - base);
        if (EFI_ERROR(status))
            return pvh_efi_fail(status, "kernel %s: cannot take free memory 0x%llx-0x%llx: %s",
                                path, (unsigned long long)base, (unsigned long long)end - 1,
                                pvh_efi_status_name(status));
    }
    return EFI_SUCCESS;
}

static EFI_STATUS stage_run(struct pvh_efi *e, const char *path, const struct run *r,
                            uint8_t **dst)
{
    struct pvh_efi_map m;
    const char *busy;
    uint64_t stage, size = r->end - r->base;
    EFI_STATUS status;

    status = pvh_efi_map_alloc(e, &m, 0);
    if (EFI_ERROR(status))
        return status;
    status = pvh_efi_map_read(e, &m);
    if (EFI_ERROR(status))
        status = pvh_efi_fail(status, "GetMemoryMap: %s", pvh_efi_status_name(status));
    if (!EFI_ERROR(status))
        status = check_run_memory(&m, path, r, &busy);
    if (!EFI_ERROR(status))
        status = reserve_free_parts(e, &m, path, r);
    pvh_efi_free(e, m.buf);
    if (!EFI_ERROR(status))
        status = pvh_efi_alloc(e, "staged kernel", EfiLoaderData, size, PVH_EFI_4GIB - 1, &stage);
    if (!EFI_ERROR(status))
        status = pvh_efi_add_live(e, stage, size, "staged kernel");
    if (EFI_ERROR(status))
        return status;
    e->moves[e->nr_moves++] = (struct pvh_efi_move){ r->base, stage, size };
    *dst = (uint8_t *)(uintptr_t)stage;
    pvh_efi_info("kernel 0x%llx-0x%llx: the firmware uses it until ExitBootServices (%s): "
                 "staged at 0x%llx, moved at the hand-off", (unsigned long long)r->base,
                 (unsigned long long)r->end - 1, busy ? busy : "EfiLoaderData",
                 (unsigned long long)stage);
    return EFI_SUCCESS;
}

static EFI_STATUS place_run(struct pvh_efi *e, const char *path, const struct run *r,
                            uint8_t **dst)
{
    if (!EFI_ERROR(pvh_efi_alloc_at(e, "kernel", r->base, r->end - r->base))) {
        *dst = (uint8_t *)(uintptr_t)r->base;
        pvh_efi_info("kernel 0x%llx-0x%llx: loaded in place", (unsigned long long)r->base,
                     (unsigned long long)r->end - 1);
        return EFI_SUCCESS;
    }
    return stage_run(e, path, r, dst);
}

/* The run's bytes: the segments' file bytes, zeros everywhere else. */
static void fill_run(const struct pvh_elf *elf, const uint8_t *file, const struct run *r,
                     uint8_t *dst)
{
    unsigned i;

    memset(dst, 0, r->end - r->base);
    for (i = 0; i < elf->nr_loads; i++) {
        const struct pvh_elf_load *l = &elf->loads[i];

        if (l->paddr >= r->base && l->paddr < r->end)
            memcpy(dst + (l->paddr - r->base), file + l->offset, l->filesz);
    }
}

static EFI_STATUS place(struct pvh_efi *e, const char *path, const uint8_t *file)
{
    struct run runs[PVH_ELF_MAX_LOADS];
    unsigned i, n;
    EFI_STATUS status;

    status = pvh_efi_place_reloc(e, path);
    if (!EFI_ERROR(status))
        status = check_layout(&e->elf, path);
    if (EFI_ERROR(status))
        return status;
    n = page_runs(&e->elf, runs);
    for (i = 0; !EFI_ERROR(status) && i < n; i++) {
        uint8_t *dst;

        status = place_run(e, path, &runs[i], &dst);
        if (!EFI_ERROR(status))
            fill_run(&e->elf, file, &runs[i], dst);
    }
    return status;
}

EFI_STATUS pvh_efi_load_kernel(struct pvh_efi *e)
{
    const char *path = e->cfg.kernel.path;
    struct pvh_error err;
    uint8_t *file;
    uint64_t size;
    EFI_STATUS status;

    status = pvh_efi_read_file(e, "kernel", path, 0, &file, &size);
    if (EFI_ERROR(status))
        return status;
    if (pvh_elf_parse(file, size, &e->elf, &err))
        status = pvh_efi_fail(EFI_LOAD_ERROR, "kernel %s: %s", path, err.msg);
    else
        status = place(e, path, file);
    pvh_efi_free(e, file);
    if (!EFI_ERROR(status))
        pvh_efi_info("kernel %s: %llu bytes, %u segments, PVH entry 0x%x", path,
                     (unsigned long long)size, e->elf.nr_loads, e->elf.pvh_entry);
    return status;
}
