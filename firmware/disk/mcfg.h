/*
 * PCI's enhanced configuration space (ECAM) on x86, from the ACPI MCFG
 * table (PCI Firmware Specification 3.3, 4.1.2): 4 KiB of configuration
 * space a function, 1 MiB a bus, at base + (bus << 20 | dev << 15 |
 * fn << 12). pvhboot-disk scans bus 0 of segment 0 only, so only the
 * allocation that holds it is read. The table is the loader's: untrusted.
 */
#ifndef PVH_FIRMWARE_DISK_MCFG_H
#define PVH_FIRMWARE_DISK_MCFG_H

#include <stdint.h>

#include <pvhboot/boot.h>

#include "common/boot/boot_store.h"
#include "common/output/error.h"

/* Segment 0's configuration space: [base, base + size), bus 0 first. */
struct pvh_ecam {
    uint64_t base;
    uint64_t size; /* 1 MiB a bus: buses 0 to the allocation's end bus */
};

/*
 * The allocation of the MCFG t (len bytes, header included, checksum
 * already checked) for segment 0 whose buses start at 0. Refused (an
 * error, PVH_EINVAL or PVH_EOVERLAP): a length that is not the 44 bytes
 * before the allocations and one or more whole 16-byte allocations; an
 * allocation whose start bus is past its end bus; for the one used, a
 * base of 0, not 1 MiB aligned, or a window that wraps or overlaps a
 * region of map[0, nr_map) that is memory (PVH_MEMORY_TYPES: what the
 * page tables map cached, where a device mapping would not be
 * uncached). PVH_ENOENT when no allocation is segment 0's from bus 0.
 */
int pvh_mcfg_parse(const uint8_t *t, uint32_t len, const struct pvh_region *map,
                   unsigned nr_map, struct pvh_ecam *out, struct pvh_error *err);

/* The same for the MCFG that the RSDP at rsdp leads to (pvh_acpi_find_table):
 * PVH_ENOENT when the root table lists none. */
int pvh_mcfg_find(const struct pvh_phys *phys, uint64_t rsdp, const struct pvh_region *map,
                  unsigned nr_map, struct pvh_ecam *out, struct pvh_error *err);

#endif
