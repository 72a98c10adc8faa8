/*
 * The memory map: normalising what a loader reported, and claiming
 * parts of RAM for pvhboot's own use.
 */
#ifndef PVH_COMMON_MEMMAP_H
#define PVH_COMMON_MEMMAP_H

#include <stdbool.h>
#include <stdint.h>

#include <pvhboot/boot.h>

#include "common/output/error.h"

#define PVH_PAGE_SIZE 4096u

/* A normalised map: regions[0..nr) sorted, non-overlapping, merged. */
struct pvh_memmap {
    struct pvh_region *regions;
    unsigned nr;
    unsigned cap;
};

/* Working space of the normaliser, sized for PVH_MEMMAP_IN_MAX entries:
 * the entries' keys (type ranks) for the sweep. */
struct pvh_memmap_scratch {
    uint64_t keys[PVH_MEMMAP_IN_MAX];
};

/*
 * Turn in[0..n) (any order, overlaps, zero sizes, unknown types) into
 * a normalised map in out: sorted; zero-size entries dropped; where
 * entries overlap the more restrictive type wins (RAM < ACPI < NVS <
 * PMEM < unusable < disabled < reserved and unknown types); neighbours
 * of one type merged; RAM shrunk inwards to whole pages. Unknown types
 * keep their number. An entry that wraps past 2^64 is an error, as is
 * more than PVH_MEMMAP_IN_MAX entries.
 */
int pvh_memmap_normalise(const struct pvh_region *in, unsigned n,
                         struct pvh_memmap *out, struct pvh_memmap_scratch *scratch,
                         struct pvh_error *err);
/* The same, always by the general sweep, never by the in-order copy that
 * pvh_memmap_normalise() takes for a map already in order: for the tests
 * that hold the two to the same result. */
int pvh_memmap_normalise_by_sweep(const struct pvh_region *in, unsigned n,
                                  struct pvh_memmap *out, struct pvh_memmap_scratch *scratch,
                                  struct pvh_error *err);

/* Mark [base, base + size) as used by pvhboot (flags): the range must
 * lie inside one RAM region not yet claimed. Rounded out to pages. */
int pvh_memmap_claim(struct pvh_memmap *map, uint64_t base, uint64_t size,
                     uint32_t flags, struct pvh_error *err);

/* Make [base, base + size), inside one free RAM region, reserved: pages
 * that are not the program's to use as RAM (Xen's shared ring pages). */
/* Flag the free RAM pages (plain RAM, no flags) that [base, base + size)
 * touches, whole pages; pages already flagged, and what is not RAM, stay
 * as they are. Fails only when the map has no room left to split. */
int pvh_memmap_flag_free_ram(struct pvh_memmap *map, uint64_t base, uint64_t size,
                             uint32_t flags, struct pvh_error *err);
int pvh_memmap_reserve(struct pvh_memmap *map, uint64_t base, uint64_t size,
                       struct pvh_error *err);

/* Is every byte of [base, base + size) in a region whose type is in
 * the mask (bit N for type N)? size 0 asks about the byte at base. */
bool pvh_memmap_covers(const struct pvh_memmap *map, uint64_t base, uint64_t size,
                       uint32_t type_mask);

/* How many bytes from at on lie in one unbroken run of regions whose
 * types are in type_mask (0 if at itself is not in one). */
uint64_t pvh_memmap_run(const struct pvh_memmap *map, uint64_t at, uint32_t type_mask);

#define PVH_TYPE_BIT(t) (1u << (t))
/* Types that are memory (readable, and what a loader may place data in). */
#define PVH_MEMORY_TYPES (PVH_TYPE_BIT(1) | PVH_TYPE_BIT(3) | PVH_TYPE_BIT(4) | PVH_TYPE_BIT(7))

/* A range of physical addresses [base, end). */
struct pvh_range {
    uint64_t base;
    uint64_t end;
};

/* Find size bytes (a multiple of the page size) of unclaimed RAM below
 * limit, as high as possible, aligned to align, clear of every range in
 * avoid; claim them with flags. Returns the base, or 0 when none fits. */
uint64_t pvh_memmap_alloc(struct pvh_memmap *map, uint64_t size, uint64_t align,
                          uint64_t limit, const struct pvh_range *avoid, unsigned n_avoid,
                          uint32_t flags);

uint64_t pvh_memmap_ram_total(const struct pvh_memmap *map);
/* The same over a plain array of regions. */
uint64_t pvh_regions_ram_total(const struct pvh_region *regions, unsigned n);

#endif
