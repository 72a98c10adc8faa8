/* The boot description: its store, and the small queries on it. */
#include "common/boot/boot_store.h"

#include <xen/e820.h>

#include "common/cpu/cpu_arch.h"
#include "common/lib/string.h"

__attribute__((weak)) const _Bool pvh_xen_linked = 0;
__attribute__((weak)) const _Bool pvh_cpu_list_linked = 0;

/* For the CPU API, which has no boot argument (set by pvh_boot_finish). */
const struct pvh_boot *pvh_boot_current;

/* &st->boot, through a register the compiler cannot see into: its
 * fields then take one-byte offsets from it on x86, not four-byte ones
 * from st (struct pvh_boot comes after the store's scalars). For size
 * only: the pointer is unchanged. */
static struct pvh_boot *boot_of(struct pvh_boot_store *st)
{
    struct pvh_boot *b = &st->boot;

    __asm__("" : "+r"(b));
    return b;
}

void pvh_boot_store_init(struct pvh_boot_store *st, uint64_t self_base, uint64_t self_end)
{
    /* Only the small fields, which come first (boot_store.h): the big
     * arrays are written before use. */
    memset(st, 0, offsetof(struct pvh_boot_store, cpus));
    st->self_base = self_base;
    st->self_end = self_end;
    st->map.regions = st->regions;
    st->map.cap = PVH_MEMMAP_MAX;
    st->cmdline[0] = '\0';
    st->boot.cmdline = st->cmdline;
    st->boot.modules = st->modules;
    st->boot.memmap = st->regions;
    st->boot.self_base = self_base;
    st->boot.self_end = self_end;
    st->boot.hv.name = "none";
    /* Until the platform's list is read: the boot CPU alone, ID unknown. */
    st->cpus[0] = (struct pvh_cpu){ .flags = PVH_CPU_BOOT };
    st->nr_cpus = 1;
    st->boot.cpus_source = "none";
}

int pvh_boot_set_memmap(struct pvh_boot_store *st, struct pvh_error *err)
{
    struct pvh_error why;
    int rc;

    rc = pvh_memmap_normalise(st->raw, st->nr_raw, &st->map, &st->scratch, err);
    if (rc)
        return rc;
    if (pvh_memmap_claim(&st->map, st->self_base, st->self_end - st->self_base,
                         PVH_REGION_PVHBOOT, &why))
        return pvh_fail(err, PVH_ERANGE,
                        "memory map has no RAM for pvhboot itself: 0x%llx-0x%llx",
                        (unsigned long long)st->self_base,
                        (unsigned long long)st->self_end - 1);
    return PVH_OK;
}

_Static_assert(PVH_MEM_RAM == E820_TYPE_RAM && PVH_MEM_RESERVED == E820_TYPE_RESERVED &&
               PVH_MEM_ACPI == E820_TYPE_ACPI && PVH_MEM_NVS == E820_TYPE_NVS &&
               PVH_MEM_UNUSABLE == E820_TYPE_UNUSABLE && PVH_MEM_DISABLED == E820_TYPE_DISABLED &&
               PVH_MEM_PMEM == E820_TYPE_PMEM, "boot.h's memory types are e820's");

int pvh_boot_mark_modules(struct pvh_boot_store *st, struct pvh_error *err)
{
    struct pvh_error why;

    for (unsigned i = 0; i < st->boot.nr_modules; i++) {
        int rc = pvh_memmap_flag_free_ram(&st->map, st->modules[i].base, st->modules[i].size,
                                          PVH_REGION_MODULE, &why);

        if (rc)
            return pvh_fail(err, rc, "module %u not marked in the memory map: %s", i, why.msg);
    }
    return PVH_OK;
}

void pvh_boot_finish(struct pvh_boot_store *st)
{
    struct pvh_boot *b = boot_of(st);

    b->cmdline = st->cmdline;
    b->cmdline_len = strlen(st->cmdline);
    b->modules = st->modules;
    b->memmap = st->map.regions;
    b->nr_memmap = st->map.nr;
    b->cpus = st->cpus;
    b->nr_cpus = st->nr_cpus;
    pvh_boot_current = b;
}

uint64_t pvh_boot_ram_total(const struct pvh_boot *boot)
{
    return pvh_regions_ram_total(boot->memmap, boot->nr_memmap);
}

bool pvh_free_ram(const struct pvh_boot *boot, unsigned *i, uint64_t *base, uint64_t *size)
{
    while (*i < boot->nr_memmap) {
        const struct pvh_region *r = &boot->memmap[(*i)++];
        uint64_t b = r->base < PVH_PAGE_SIZE ? PVH_PAGE_SIZE : r->base;

        if (r->type != PVH_MEM_RAM || r->flags || r->base + r->size <= b)
            continue;
        *base = b;
        *size = r->base + r->size - b;
        return true;
    }
    return false;
}

/* The names below are arrays of characters, not pointers: a table of
 * pointers would cost a run-time relocation an entry in a position-
 * independent image (arm64). */
const char *pvh_memtype_name(uint32_t type)
{
    static const char names[][9] = {
        [E820_TYPE_RAM] = "ram",   [E820_TYPE_RESERVED] = "reserved",
        [E820_TYPE_ACPI] = "acpi", [E820_TYPE_NVS] = "nvs",
        [E820_TYPE_UNUSABLE] = "unusable", [E820_TYPE_PMEM] = "pmem",
    };

    return type < sizeof(names) / sizeof(names[0]) && names[type][0] ? names[type] : NULL;
}

const char *pvh_rsdp_source_name(enum pvh_rsdp_source source)
{
    static const char names[][11] = {
        [PVH_RSDP_NONE] = "none", [PVH_RSDP_LOADER] = "start info", [PVH_RSDP_EBDA] = "EBDA",
        [PVH_RSDP_BIOS_AREA] = "BIOS area",
    };

    return (unsigned)source < sizeof(names) / sizeof(names[0]) ? names[source] : "unknown";
}

const char *pvh_loader_name(enum pvh_loader loader)
{
    static const char names[][7] = {
        [PVH_LOADER_PVH_V0] = "pvh-v0", [PVH_LOADER_PVH_V1] = "pvh-v1", [PVH_LOADER_FDT] = "fdt",
    };

    return (unsigned)loader < sizeof(names) / sizeof(names[0]) ? names[loader] : "unknown";
}
