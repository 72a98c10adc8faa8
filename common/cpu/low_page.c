#include "common/cpu/low_page.h"

uint64_t pvh_low_page_alloc(struct pvh_memmap *map, uint64_t ebda, const struct pvh_range *avoid,
                            unsigned n_avoid, uint32_t flags)
{
    uint64_t limit = PVH_LOW_PAGE_LIMIT;

    /* The EBDA may start inside a page the map calls RAM: stop at the
     * page it starts in. */
    if (ebda && ebda < limit)
        limit = ebda & ~(uint64_t)(PVH_PAGE_SIZE - 1);
    /* pvh_memmap_alloc never hands out page 0. */
    return pvh_memmap_alloc(map, PVH_PAGE_SIZE, PVH_PAGE_SIZE, limit, avoid, n_avoid, flags);
}
