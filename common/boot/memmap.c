/*
 * Memory-map normalisation. A map in order (every loader's) is copied,
 * equal neighbours merged; any other goes through a sweep from boundary
 * to boundary: between two consecutive starts or ends of entries the set
 * of covering entries is constant, and the most restrictive of their
 * types names that stretch. The sweep looks at every entry for each
 * stretch: O(n^2), at most 2,048 stretches of 1,024 entries, a few
 * milliseconds for the largest hostile map, with no working space and no
 * sort.
 */
#include "common/boot/memmap.h"

#include <xen/e820.h>

#include "common/lib/string.h"

/* Higher wins where entries overlap. Unknown types rank with reserved. */
static unsigned type_rank(uint32_t type)
{
    switch (type) {
    case E820_TYPE_RAM:      return 0;
    case E820_TYPE_ACPI:     return 1;
    case E820_TYPE_NVS:      return 2;
    case E820_TYPE_PMEM:     return 3;
    case E820_TYPE_UNUSABLE: return 4;
    case E820_TYPE_DISABLED: return 5;
    default:                 return 6;
    }
}

/* Where entries overlap, the larger key wins: the rank, then, between two
 * reserved-class types, the larger number, so the outcome does not depend
 * on the order of the input. Never 0. */
static uint64_t type_key(uint32_t type)
{
    return (uint64_t)type_rank(type) << 32 | type;
}

/* The map has no room for another entry (the normaliser's output, or a
 * split of a region). */
static int __attribute__((noinline)) map_full(const struct pvh_memmap *map, struct pvh_error *err)
{
    return pvh_fail(err, PVH_ENOMEM, "memory map: more than %u entries", map->cap);
}

static int append(struct pvh_memmap *out, uint64_t base, uint64_t end, uint32_t type,
                  struct pvh_error *err)
{
    struct pvh_region *last = out->nr ? &out->regions[out->nr - 1] : NULL;

    if (last && last->type == type && !last->flags && last->base + last->size == base) {
        last->size += end - base;
        return PVH_OK;
    }
    if (out->nr == out->cap)
        return map_full(out, err);
    out->regions[out->nr++] = (struct pvh_region){ .base = base, .size = end - base, .type = type };
    return PVH_OK;
}

/* in[0..n) as stretches between its entries' starts and ends, each of
 * the winning type of the entries that cover it, appended to out. One
 * pass over the entries per stretch finds both the next boundary and
 * the entries covering [at, next); their keys are worked out once, in
 * s->keys. */
static int sweep(const struct pvh_region *in, unsigned n, struct pvh_memmap_scratch *s,
                 struct pvh_memmap *out, struct pvh_error *err)
{
    uint64_t at = 0, next, best;
    unsigned i;

    for (i = 0; i < n; i++) {
        if (in[i].size && in[i].base + in[i].size <= in[i].base) /* past 2^64, or reaching it */
            return PVH_FAIL(err, PVH_ERANGE,
                            "memory map entry %u wraps past 2^64: base 0x%llx size 0x%llx", i,
                            (unsigned long long)in[i].base, (unsigned long long)in[i].size);
        s->keys[i] = type_key(in[i].type);
    }
    for (;;) {
        next = at; /* no boundary past at yet */
        best = 0;  /* no entry covers [at, next) */
        for (i = 0; i < n; i++) {
            uint64_t base = in[i].base, end = base + in[i].size;

            if (base > at && (next == at || base < next))
                next = base;
            if (end > at && (next == at || end < next))
                next = end;
            if (base <= at && at < end && s->keys[i] > best)
                best = s->keys[i];
        }
        if (next == at) /* no boundary past at: nothing covers it either */
            return PVH_OK;
        if (best && append(out, at, next, (uint32_t)best, err))
            return err->code;
        at = next;
    }
}

/* Shrink RAM inwards to whole pages; drop RAM left with no page. */
static void align_ram(struct pvh_memmap *map)
{
    unsigned i, kept = 0;

    for (i = 0; i < map->nr; i++) {
        struct pvh_region r = map->regions[i];

        if (r.type == E820_TYPE_RAM) {
            uint64_t end = (r.base + r.size) & ~(uint64_t)(PVH_PAGE_SIZE - 1);
            uint64_t base = (r.base + PVH_PAGE_SIZE - 1) & ~(uint64_t)(PVH_PAGE_SIZE - 1);

            if (base < r.base || end <= base)
                continue;
            r.base = base;
            r.size = end - base;
        }
        map->regions[kept++] = r;
    }
    map->nr = kept;
}

/*
 * The sweep is not needed when the entries come in ascending order
 * without overlaps and none wraps, as every loader writes them: then each
 * stretch is covered by one entry alone, and the sweep's result is the
 * entries themselves, in order, equal neighbours merged. may_copy tries
 * that first, and hands over to the sweep at the first
 * entry that wraps or is out of order, or when out is full: the sweep
 * then says which (tests/fuzz/fuzz_memmap.c checks the two agree on
 * every in-order map it finds).
 */
static int normalise(const struct pvh_region *in, unsigned n, struct pvh_memmap *out,
                     struct pvh_memmap_scratch *scratch, struct pvh_error *err, bool may_copy)
{
    uint64_t at = 0;
    unsigned i;

    out->nr = 0;
    if (n > PVH_MEMMAP_IN_MAX)
        return PVH_FAIL(err, PVH_E2BIG, "memory map has %u entries, at most %u supported", n,
                        PVH_MEMMAP_IN_MAX);
    for (i = 0; may_copy && i < n; i++) {
        uint64_t end = in[i].base + in[i].size;

        if (!in[i].size)
            continue;
        if (end <= in[i].base || in[i].base < at || append(out, in[i].base, end, in[i].type, err))
            break;
        at = end;
    }
    if (i < n) {
        out->nr = 0;
        if (sweep(in, n, scratch, out, err))
            return err->code;
    }
    align_ram(out);
    return PVH_OK;
}

int pvh_memmap_normalise(const struct pvh_region *in, unsigned n,
                         struct pvh_memmap *out, struct pvh_memmap_scratch *scratch,
                         struct pvh_error *err)
{
    return normalise(in, n, out, scratch, err, true);
}

int pvh_memmap_normalise_by_sweep(const struct pvh_region *in, unsigned n,
                                  struct pvh_memmap *out, struct pvh_memmap_scratch *scratch,
                                  struct pvh_error *err)
{
    return normalise(in, n, out, scratch, err, false);
}

static bool mergeable(const struct pvh_region *a, const struct pvh_region *b)
{
    return a->type == b->type && a->flags == b->flags && a->base + a->size == b->base;
}

/* Merge regions[i + 1] into regions[i] where they are equal neighbours. */
static void merge_next(struct pvh_memmap *map, unsigned i)
{
    struct pvh_region *r = &map->regions[i];

    if (i + 1 < map->nr && mergeable(r, r + 1)) {
        r->size += r[1].size;
        map->nr--;
        memmove(r + 1, r + 2, (map->nr - i - 1) * sizeof(*r));
    }
}

/* Split regions[i] in two at at, which lies inside it; the map has room. */
static void split(struct pvh_memmap *map, unsigned i, uint64_t at)
{
    struct pvh_region *r = &map->regions[i];

    memmove(r + 1, r, (map->nr++ - i) * sizeof(*r));
    r[1].base = at;
    r[1].size = r->base + r->size - at;
    r->size = at - r->base;
}

/* Give the pages of [base, base + size), which must lie in one free RAM
 * region, the type and flags asked for, splitting the region around them. */
static int retag(struct pvh_memmap *map, uint64_t base, uint64_t size, uint32_t type,
                 uint32_t flags, struct pvh_error *err)
{
    uint64_t end = base + size, lo = base & ~(uint64_t)(PVH_PAGE_SIZE - 1);
    uint64_t hi = (end + PVH_PAGE_SIZE - 1) & ~(uint64_t)(PVH_PAGE_SIZE - 1);
    unsigned i;

    /* Wrapping is checked before rounding (an end that wraps to just
     * below base would otherwise round up past it and claim one page),
     * and after (rounding up the last page wraps to 0). */
    if (!size || end < base || hi <= lo)
        return pvh_fail(err, PVH_ERANGE, "claim of 0x%llx bytes at 0x%llx: empty or wraps",
                        (unsigned long long)size, (unsigned long long)base);
    for (i = 0; i < map->nr; i++) {
        struct pvh_region r = map->regions[i];
        uint64_t r_end = r.base + r.size;
        unsigned before = lo > r.base, after = hi < r_end;

        if (lo < r.base || lo >= r_end)
            continue;
        if (r.type != E820_TYPE_RAM || r.flags || hi > r_end)
            break;
        /* Room for the pieces first: a half-done split would lose RAM. */
        if (map->cap - map->nr < before + after)
            return map_full(map, err);
        if (before)
            split(map, i++, lo);
        if (after)
            split(map, i, hi);
        map->regions[i].type = type;
        map->regions[i].flags = flags;
        merge_next(map, i);
        if (i)
            merge_next(map, i - 1);
        return PVH_OK;
    }
    return pvh_fail(err, PVH_ERANGE, "0x%llx-0x%llx is not inside one free RAM region",
                    (unsigned long long)lo, (unsigned long long)(hi - 1));
}

int pvh_memmap_claim(struct pvh_memmap *map, uint64_t base, uint64_t size, uint32_t flags,
                     struct pvh_error *err)
{
    return retag(map, base, size, E820_TYPE_RAM, flags, err);
}

int pvh_memmap_flag_free_ram(struct pvh_memmap *map, uint64_t base, uint64_t size,
                             uint32_t flags, struct pvh_error *err)
{
    uint64_t lo = base & ~(uint64_t)(PVH_PAGE_SIZE - 1);
    uint64_t hi = base + size + PVH_PAGE_SIZE - 1;
    unsigned i = 0;

    if (!size)
        return PVH_OK;
    hi = hi < base ? ~(uint64_t)(PVH_PAGE_SIZE - 1) : hi & ~(uint64_t)(PVH_PAGE_SIZE - 1);
    /* A claim splits and merges regions: look again from the region
     * before the one it changed, until none overlaps. */
    while (i < map->nr) {
        const struct pvh_region *r = &map->regions[i];
        uint64_t b = r->base > lo ? r->base : lo;
        uint64_t e = r->base + r->size < hi ? r->base + r->size : hi;
        int rc;

        if (r->type != E820_TYPE_RAM || r->flags || b >= e) {
            i++;
            continue;
        }
        rc = retag(map, b, e - b, E820_TYPE_RAM, flags, err);
        if (rc)
            return rc;
        i = i ? i - 1 : 0;
    }
    return PVH_OK;
}

int pvh_memmap_reserve(struct pvh_memmap *map, uint64_t base, uint64_t size,
                       struct pvh_error *err)
{
    return retag(map, base, size, E820_TYPE_RESERVED, 0, err);
}

/* How far from at the run of regions of types in type_mask goes, looked
 * at until it reaches stop. */
static uint64_t run_end(const struct pvh_memmap *map, uint64_t at, uint32_t type_mask,
                        uint64_t stop)
{
    for (unsigned i = 0; i < map->nr && at < stop; i++) {
        const struct pvh_region *r = &map->regions[i];

        if (r->base + r->size <= at)
            continue;
        if (r->base > at || r->type >= 32 || !(type_mask & PVH_TYPE_BIT(r->type)))
            break;
        at = r->base + r->size;
    }
    return at;
}

bool pvh_memmap_covers(const struct pvh_memmap *map, uint64_t base, uint64_t size,
                       uint32_t type_mask)
{
    uint64_t end = base + (size ? size : 1);

    return end > base && run_end(map, base, type_mask, end) >= end; /* end <= base: wraps */
}

uint64_t pvh_memmap_run(const struct pvh_memmap *map, uint64_t at, uint32_t type_mask)
{
    return run_end(map, at, type_mask, UINT64_MAX) - at;
}

static uint64_t align_down(uint64_t v, uint64_t align)
{
    return v & ~(align - 1);
}

/* The first range in avoid that overlaps [base, end), or NULL. */
static const struct pvh_range *overlapping(const struct pvh_range *avoid, unsigned n,
                                           uint64_t base, uint64_t end)
{
    unsigned i;

    for (i = 0; i < n; i++)
        if (avoid[i].base < end && base < avoid[i].end)
            return &avoid[i];
    return NULL;
}

uint64_t pvh_memmap_alloc(struct pvh_memmap *map, uint64_t size, uint64_t align,
                          uint64_t limit, const struct pvh_range *avoid, unsigned n_avoid,
                          uint32_t flags)
{
    struct pvh_error err;
    unsigned i;

    if (align < PVH_PAGE_SIZE)
        align = PVH_PAGE_SIZE;
    if (!size || size % PVH_PAGE_SIZE || (align & (align - 1)))
        return 0;
    for (i = map->nr; i-- > 0;) {
        const struct pvh_region *r = &map->regions[i];
        uint64_t lo = r->base < PVH_PAGE_SIZE ? PVH_PAGE_SIZE : r->base; /* never page 0 */
        uint64_t hi = r->base + r->size < limit ? r->base + r->size : limit;

        if (r->type != E820_TYPE_RAM || r->flags)
            continue;
        while (hi > lo && hi - lo >= size) {
            uint64_t base = align_down(hi - size, align);
            const struct pvh_range *in_way;

            if (base < lo)
                break;
            in_way = overlapping(avoid, n_avoid, base, base + size);
            if (!in_way)
                return pvh_memmap_claim(map, base, size, flags, &err) ? 0 : base;
            hi = in_way->base;
        }
    }
    return 0;
}

uint64_t pvh_regions_ram_total(const struct pvh_region *regions, unsigned n)
{
    uint64_t total = 0;
    unsigned i;

    for (i = 0; i < n; i++)
        if (regions[i].type == E820_TYPE_RAM)
            total += regions[i].size;
    return total;
}

uint64_t pvh_memmap_ram_total(const struct pvh_memmap *map)
{
    return pvh_regions_ram_total(map->regions, map->nr);
}
