/*
 * A page of RAM below 1 MiB for x86's real-mode start-up code: a
 * start-up IPI names its entry as a page number below 0x100, so the
 * code a secondary CPU first runs must lie there.
 */
#ifndef PVH_COMMON_LOW_PAGE_H
#define PVH_COMMON_LOW_PAGE_H

#include <stdint.h>

#include "common/boot/memmap.h"

/* Below this the page must end: conventional memory ends at 640 KiB,
 * where the VGA window and the BIOS area begin. */
#define PVH_LOW_PAGE_LIMIT 0xa0000u

/*
 * Claim one page of unclaimed RAM for start-up code, as high as possible
 * below PVH_LOW_PAGE_LIMIT and below ebda (the start of the Extended
 * BIOS Data Area; 0 when there is none or it is not known), never page
 * 0, clear of every range in avoid (the modules): marked flags
 * (PVH_REGION_PVHBOOT) in the map. Returns its address, or 0 when no
 * page fits.
 */
uint64_t pvh_low_page_alloc(struct pvh_memmap *map, uint64_t ebda, const struct pvh_range *avoid,
                            unsigned n_avoid, uint32_t flags);

#endif
