/*
 * The EFI memory map, and what it becomes for the kernel: e820 types,
 * as after ExitBootServices.
 *
 *   EfiConventionalMemory, EfiLoaderCode/Data,
 *   EfiBootServicesCode/Data                      RAM (free once the firmware is gone)
 *   EfiACPIReclaimMemory                          ACPI
 *   EfiACPIMemoryNVS                              NVS
 *   EfiUnusableMemory                             unusable
 *   EfiPersistentMemory                           PMEM
 *   EfiRuntimeServicesCode/Data, EfiReservedMemoryType, EfiMemoryMappedIO(PortSpace),
 *   EfiPalCode, EfiUnacceptedMemoryType, unknown  reserved
 *
 * A RAM type with the EFI_MEMORY_RUNTIME attribute is reserved too: the
 * firmware's runtime services still use it. The result is normalised
 * by the same code as every loader's map (common/boot/memmap.c): sorted,
 * merged, overlaps resolved to the more restrictive type.
 */
#include "efi/efi.h"

#include <xen/e820.h>

#include "common/boot/memmap.h"

#define MAX_PAGES (1ull << 52) /* 2^64 bytes */

EFI_STATUS pvh_efi_map_alloc(struct pvh_efi *e, struct pvh_efi_map *m, unsigned spare)
{
    EFI_STATUS status;

    m->size = 0;
    status = e->bs->GetMemoryMap(&m->size, NULL, &m->key, &m->desc_size, &m->desc_version);
    if (status != EFI_BUFFER_TOO_SMALL || m->desc_size < sizeof(EFI_MEMORY_DESCRIPTOR))
        return pvh_efi_fail(EFI_DEVICE_ERROR, "GetMemoryMap: %s, descriptors of %llu bytes",
                            pvh_efi_status_name(status), (unsigned long long)m->desc_size);
    /* The pool allocation below may itself add entries. */
    m->cap = m->size + (spare + 2) * m->desc_size;
    return pvh_efi_pool(e, "memory map", m->cap, (void **)&m->buf);
}

EFI_STATUS pvh_efi_map_read(struct pvh_efi *e, struct pvh_efi_map *m)
{
    EFI_STATUS status;

    m->size = m->cap;
    status = e->bs->GetMemoryMap(&m->size, (EFI_MEMORY_DESCRIPTOR *)m->buf, &m->key,
                                 &m->desc_size, &m->desc_version);
    if (EFI_ERROR(status)) {
        m->size = 0;
        return status;
    }
    if (m->desc_size < sizeof(EFI_MEMORY_DESCRIPTOR) || m->size % m->desc_size) {
        m->size = 0;
        return EFI_DEVICE_ERROR;
    }
    return EFI_SUCCESS;
}

unsigned pvh_efi_map_count(const struct pvh_efi_map *m)
{
    return (unsigned)(m->size / m->desc_size);
}

const EFI_MEMORY_DESCRIPTOR *pvh_efi_map_at(const struct pvh_efi_map *m, unsigned i)
{
    return (const EFI_MEMORY_DESCRIPTOR *)(const void *)(m->buf + (UINTN)i * m->desc_size);
}

const char *pvh_efi_type_name(uint32_t type)
{
    static const char *const names[] = {
        "EfiReservedMemoryType", "EfiLoaderCode", "EfiLoaderData", "EfiBootServicesCode",
        "EfiBootServicesData", "EfiRuntimeServicesCode", "EfiRuntimeServicesData",
        "EfiConventionalMemory", "EfiUnusableMemory", "EfiACPIReclaimMemory",
        "EfiACPIMemoryNVS", "EfiMemoryMappedIO", "EfiMemoryMappedIOPortSpace", "EfiPalCode",
        "EfiPersistentMemory", "EfiUnacceptedMemoryType",
    };

    return type < sizeof(names) / sizeof(names[0]) ? names[type] : "EfiUnknownType";
}

uint32_t pvh_efi_e820_type(uint32_t type, uint64_t attribute)
{
    switch (type) {
    case EfiConventionalMemory:
    case EfiLoaderCode:
    case EfiLoaderData:
    case EfiBootServicesCode:
    case EfiBootServicesData:
        return attribute & EFI_MEMORY_RUNTIME ? E820_TYPE_RESERVED : E820_TYPE_RAM;
    case EfiACPIReclaimMemory:
        return E820_TYPE_ACPI;
    case EfiACPIMemoryNVS:
        return E820_TYPE_NVS;
    case EfiUnusableMemory:
        return E820_TYPE_UNUSABLE;
    case PVH_EFI_PERSISTENT_MEMORY:
        return E820_TYPE_PMEM;
    default:
        return E820_TYPE_RESERVED;
    }
}

EFI_STATUS pvh_efi_translation_alloc(struct pvh_efi *e, struct pvh_efi_translation *t,
                                     unsigned entries)
{
    EFI_STATUS status;

    if (entries > PVH_MEMMAP_IN_MAX)
        return pvh_efi_fail(EFI_UNSUPPORTED, "memory map: %u entries, at most %u", entries,
                            PVH_MEMMAP_IN_MAX);
    t->cap_in = entries;
    /* Overlapping entries can split one another: at most 2n - 1 regions. */
    t->out.cap = 2 * entries;
    t->out.nr = 0;
    status = pvh_efi_pool(e, "memory map translation", sizeof(*t->in) * t->cap_in,
                          (void **)&t->in);
    if (!EFI_ERROR(status))
        status = pvh_efi_pool(e, "memory map translation",
                              sizeof(*t->out.regions) * t->out.cap, (void **)&t->out.regions);
    if (!EFI_ERROR(status))
        status = pvh_efi_pool(e, "memory map translation", sizeof(*t->scratch),
                              (void **)&t->scratch);
    return status;
}

int pvh_efi_map_translate(const struct pvh_efi_map *m, struct pvh_efi_translation *t,
                          struct pvh_error *err)
{
    unsigned i, n = pvh_efi_map_count(m);

    if (n > t->cap_in)
        return pvh_fail(err, PVH_E2BIG, "memory map: %u entries, room for %u", n, t->cap_in);
    for (i = 0; i < n; i++) {
        const EFI_MEMORY_DESCRIPTOR *d = pvh_efi_map_at(m, i);

        if (d->NumberOfPages >= MAX_PAGES)
            return pvh_fail(err, PVH_ERANGE, "memory map entry %u: 0x%llx pages", i,
                            (unsigned long long)d->NumberOfPages);
        t->in[i] = (struct pvh_region){
            .base = d->PhysicalStart,
            .size = d->NumberOfPages * PVH_EFI_PAGE,
            .type = pvh_efi_e820_type(d->Type, d->Attribute),
        };
    }
    return pvh_memmap_normalise(t->in, n, &t->out, t->scratch, err);
}
