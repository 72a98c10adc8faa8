/*
 * The start info, version 1, in one block below 1 GiB (Linux 6.1's PVH
 * entry reads it, the module list and the memory map with page tables
 * that cover only the first GiB):
 *
 *   struct hvm_start_info | module list | memory map (room for memmap_cap
 *   entries) | cmdline | module cmdlines
 *
 * Everything but the memory map is written now; the memory map comes
 * from the final EFI memory map, taken after the last allocation.
 */
#include "efi/efi.h"

#include "common/lib/string.h"

static uint64_t strings_size(const struct pvh_efi_config *cfg)
{
    uint64_t n = strlen(cfg->kernel.cmdline) + 1;
    unsigned i;

    for (i = 0; i < cfg->nr_modules; i++)
        if (cfg->modules[i].cmdline[0])
            n += strlen(cfg->modules[i].cmdline) + 1;
    return n;
}

/* Copy s to *at; return its physical address and move *at past it. */
static uint64_t put_string(uint8_t **at, const char *s)
{
    size_t n = strlen(s) + 1;
    uint64_t pa = (uintptr_t)*at;

    memcpy(*at, s, n);
    *at += n;
    return pa;
}

EFI_STATUS pvh_efi_start_info_build(struct pvh_efi *e, unsigned memmap_cap,
                                    struct pvh_efi_start_info *out)
{
    const struct pvh_efi_config *cfg = &e->cfg;
    struct hvm_modlist_entry *mods;
    struct hvm_start_info *si;
    uint8_t *strings;
    EFI_STATUS status;
    unsigned i;

    out->memmap_cap = memmap_cap;
    out->size = sizeof(*si) + (uint64_t)cfg->nr_modules * sizeof(*mods) +
                (uint64_t)memmap_cap * sizeof(*out->memmap) + strings_size(cfg);
    status = pvh_efi_alloc(e, "start info", EfiLoaderData, out->size,
                           PVH_EFI_START_INFO_LIMIT - 1, &out->base);
    if (!EFI_ERROR(status))
        status = pvh_efi_add_live(e, out->base, out->size, "the start info");
    if (EFI_ERROR(status))
        return status;
    memset((void *)(uintptr_t)out->base, 0, out->size);
    si = out->si = (struct hvm_start_info *)(uintptr_t)out->base;
    mods = (struct hvm_modlist_entry *)(si + 1);
    out->memmap = (struct hvm_memmap_table_entry *)(mods + cfg->nr_modules);
    strings = (uint8_t *)(out->memmap + memmap_cap);

    si->magic = XEN_HVM_START_MAGIC_VALUE;
    si->version = 1;
    si->nr_modules = cfg->nr_modules;
    si->modlist_paddr = cfg->nr_modules ? (uintptr_t)mods : 0;
    si->cmdline_paddr = put_string(&strings, cfg->kernel.cmdline);
    si->rsdp_paddr = e->rsdp;
    si->memmap_paddr = (uintptr_t)out->memmap;
    for (i = 0; i < cfg->nr_modules; i++) {
        mods[i].paddr = e->modules[i].base;
        mods[i].size = e->modules[i].size;
        mods[i].cmdline_paddr =
            cfg->modules[i].cmdline[0] ? put_string(&strings, cfg->modules[i].cmdline) : 0;
    }
    return EFI_SUCCESS;
}

void pvh_efi_start_info_set_memmap(struct pvh_efi_start_info *s, const struct pvh_memmap *map)
{
    unsigned i, n = map->nr < s->memmap_cap ? map->nr : s->memmap_cap;

    for (i = 0; i < n; i++)
        s->memmap[i] = (struct hvm_memmap_table_entry){
            map->regions[i].base, map->regions[i].size, map->regions[i].type, 0 };
    s->si->memmap_entries = n;
}
