/* The MCFG's ECAM for bus 0 (mcfg.h). */
#include "firmware/disk/mcfg.h"

#include "common/acpi/acpi.h"
#include "common/boot/memmap.h"
#include "common/lib/bytes.h"

/* PCI Firmware Specification 3.3, table 4-3: the ACPI header (36 bytes)
 * and 8 reserved bytes, then allocations of 16 bytes: the base (u64),
 * the PCI segment group (u16), the start and end bus (u8 each). */
#define MCFG_ALLOCATIONS 44u
#define ALLOC_SIZE       16u
#define ALLOC_SEGMENT    8
#define ALLOC_START_BUS  10
#define ALLOC_END_BUS    11
#define ECAM_BUS_SIZE    (1ull << 20)

int pvh_mcfg_parse(const uint8_t *t, uint32_t len, const struct pvh_region *map,
                   unsigned nr_map, struct pvh_ecam *out, struct pvh_error *err)
{
    uint32_t at;
    unsigned i;

    if (len < MCFG_ALLOCATIONS + ALLOC_SIZE || (len - MCFG_ALLOCATIONS) % ALLOC_SIZE)
        return pvh_fail(err, PVH_EINVAL, "ACPI MCFG: length %u", len);
    for (at = MCFG_ALLOCATIONS; at < len; at += ALLOC_SIZE) {
        const uint8_t *a = t + at;
        uint64_t base = pvh_le64(a), end;

        if (a[ALLOC_START_BUS] > a[ALLOC_END_BUS])
            return pvh_fail(err, PVH_EINVAL, "ACPI MCFG: buses %u-%u", a[ALLOC_START_BUS],
                            a[ALLOC_END_BUS]);
        if (pvh_le16(a + ALLOC_SEGMENT) || a[ALLOC_START_BUS])
            continue; /* another segment, or buses that are not bus 0's */
        out->size = (a[ALLOC_END_BUS] + 1ull) * ECAM_BUS_SIZE;
        end = base + out->size;
        if (!base || (base & (ECAM_BUS_SIZE - 1)) || end < base)
            return pvh_fail(err, PVH_EINVAL, "ACPI MCFG: ECAM base 0x%llx", (unsigned long long)base);
        for (i = 0; i < nr_map; i++) {
            const struct pvh_region *r = &map[i];

            if (r->type < 32 && (PVH_MEMORY_TYPES & PVH_TYPE_BIT(r->type)) && r->base < end &&
                base < r->base + r->size)
                return pvh_fail(err, PVH_EOVERLAP, "ACPI MCFG: ECAM 0x%llx-0x%llx overlaps memory",
                                (unsigned long long)base, (unsigned long long)end - 1);
        }
        out->base = base;
        return PVH_OK;
    }
    return pvh_fail(err, PVH_ENOENT, "ACPI MCFG: no segment 0 bus 0");
}

int pvh_mcfg_find(const struct pvh_phys *phys, uint64_t rsdp, const struct pvh_region *map,
                  unsigned nr_map, struct pvh_ecam *out, struct pvh_error *err)
{
    uint32_t len;
    const uint8_t *t = pvh_acpi_find_table(phys, rsdp, "MCFG", &len, err);

    return t ? pvh_mcfg_parse(t, len, map, nr_map, out, err) : err->code;
}
