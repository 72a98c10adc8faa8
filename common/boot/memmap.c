/*
 * Memory-map normalisation: a sweep over the start and end points of
 * every entry. Between two consecutive points the set of covering
 * entries is constant, and the most restrictive of their types names
 * that stretch. O(n log n) for the sort, O(n * distinct types) for the
 * sweep.
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

static bool type_wins(uint32_t a, uint32_t b)
{
    unsigned ra = type_rank(a), rb = type_rank(b);

    /* Between two reserved-class types, the larger number wins, so the
     * outcome does not depend on the order of the input. */
    return ra != rb ? ra > rb : a > b;
}

static bool event_before(const struct pvh_memmap_event *a, const struct pvh_memmap_event *b)
{
    return a->addr < b->addr;
}

static void sift_down(struct pvh_memmap_event *ev, unsigned root, unsigned n)
{
    for (;;) {
        unsigned child = 2 * root + 1;
        struct pvh_memmap_event tmp;

        if (child >= n)
            return;
        if (child + 1 < n && event_before(&ev[child], &ev[child + 1]))
            child++;
        if (!event_before(&ev[root], &ev[child]))
            return;
        tmp = ev[root];
        ev[root] = ev[child];
        ev[child] = tmp;
        root = child;
    }
}

/* Up to this many points, insertion sort: at most n * (n - 1) / 2 moves,
 * and for the few entries a loader's map has (QEMU's: 6 to 10) a third of
 * heapsort's work. Beyond, heapsort's O(n log n) bounds what a hostile map
 * of 1,024 entries costs. */
#define INSERTION_SORT_MAX 32

static void insertion_sort(struct pvh_memmap_event *ev, unsigned n)
{
    unsigned i, j;

    for (i = 1; i < n; i++) {
        struct pvh_memmap_event tmp = ev[i];

        for (j = i; j > 0 && event_before(&tmp, &ev[j - 1]); j--)
            ev[j] = ev[j - 1];
        ev[j] = tmp;
    }
}

/* In place, O(n log n) in the worst case, no recursion. */
static void sort_events(struct pvh_memmap_event *ev, unsigned n)
{
    unsigned i;

    if (n <= INSERTION_SORT_MAX) {
        insertion_sort(ev, n);
        return;
    }

    for (i = n / 2; i-- > 0;)
        sift_down(ev, i, n);
    for (i = n; i-- > 1;) {
        struct pvh_memmap_event tmp = ev[0];

        ev[0] = ev[i];
        ev[i] = tmp;
        sift_down(ev, 0, i);
    }
}

static unsigned type_slot(struct pvh_memmap_scratch *s, unsigned *nr_types, uint32_t type)
{
    unsigned i;

    for (i = 0; i < *nr_types; i++)
        if (s->types[i].type == type)
            return i;
    s->types[i] = (struct pvh_memmap_type_slot){ .type = type };
    (*nr_types)++;
    return i;
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
        return pvh_fail(err, PVH_ENOMEM, "normalised memory map: more than %u entries", out->cap);
    out->regions[out->nr++] = (struct pvh_region){ .base = base, .size = end - base, .type = type };
    return PVH_OK;
}

/* Collect the start and end points; the types they carry go to slots. */
static int collect_events(const struct pvh_region *in, unsigned n,
                          struct pvh_memmap_scratch *s, unsigned *nr_events,
                          unsigned *nr_types, struct pvh_error *err)
{
    unsigned i, ne = 0;

    *nr_types = 0;
    for (i = 0; i < n; i++) {
        unsigned slot;

        if (!in[i].size)
            continue; /* QEMU's microvm appends an all-zero entry */
        if (in[i].base + in[i].size < in[i].base || in[i].base + in[i].size == 0)
            return pvh_fail(err, PVH_ERANGE,
                            "memory map entry %u wraps past 2^64: base 0x%llx size 0x%llx", i,
                            (unsigned long long)in[i].base, (unsigned long long)in[i].size);
        slot = type_slot(s, nr_types, in[i].type);
        s->events[ne++] = (struct pvh_memmap_event){ in[i].base, slot, +1 };
        s->events[ne++] = (struct pvh_memmap_event){ in[i].base + in[i].size, slot, -1 };
    }
    *nr_events = ne;
    return PVH_OK;
}

static int sweep(struct pvh_memmap_scratch *s, unsigned nr_events, unsigned nr_types,
                 struct pvh_memmap *out, struct pvh_error *err)
{
    unsigned i, t;
    uint64_t at = nr_events ? s->events[0].addr : 0;

    for (i = 0; i < nr_events; i++) {
        const struct pvh_memmap_event *ev = &s->events[i];

        if (ev->addr != at) {
            bool covered = false;
            uint32_t winner = 0;

            for (t = 0; t < nr_types; t++) {
                if (!s->types[t].active)
                    continue;
                if (!covered || type_wins(s->types[t].type, winner))
                    winner = s->types[t].type;
                covered = true;
            }
            if (covered && append(out, at, ev->addr, winner, err))
                return err->code;
            at = ev->addr;
        }
        s->types[ev->slot].active += (uint32_t)ev->delta;
    }
    return PVH_OK;
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
 * Does the map need the sweep? Not when its entries come in ascending
 * order without overlaps and none wraps, as every loader writes them:
 * then each stretch is covered by one entry alone, and the sweep's result
 * is the entries themselves, in order, equal neighbours merged. That is
 * what copy_in_order() writes, without the sort (tests/fuzz/fuzz_memmap.c
 * checks the two agree on every such map it finds).
 */
static bool in_order(const struct pvh_region *in, unsigned n)
{
    uint64_t end = 0;
    bool first = true;

    for (unsigned i = 0; i < n; i++) {
        uint64_t e = in[i].base + in[i].size;

        if (!in[i].size)
            continue;
        if (e <= in[i].base || (!first && in[i].base < end))
            return false; /* wraps (the sweep says so), or out of order */
        end = e;
        first = false;
    }
    return true;
}

static int copy_in_order(const struct pvh_region *in, unsigned n, struct pvh_memmap *out,
                         struct pvh_error *err)
{
    for (unsigned i = 0; i < n; i++)
        if (in[i].size && append(out, in[i].base, in[i].base + in[i].size, in[i].type, err))
            return err->code;
    return PVH_OK;
}

static int normalise(const struct pvh_region *in, unsigned n, struct pvh_memmap *out,
                     struct pvh_memmap_scratch *scratch, struct pvh_error *err, bool may_copy)
{
    unsigned nr_events = 0, nr_types = 0;
    int rc;

    out->nr = 0;
    if (n > PVH_MEMMAP_IN_MAX)
        return pvh_fail(err, PVH_E2BIG, "memory map has %u entries, at most %u supported", n,
                        PVH_MEMMAP_IN_MAX);
    if (may_copy && in_order(in, n)) {
        rc = copy_in_order(in, n, out, err);
        if (rc)
            return rc;
        align_ram(out);
        return PVH_OK;
    }
    rc = collect_events(in, n, scratch, &nr_events, &nr_types, err);
    if (rc)
        return rc;
    sort_events(scratch->events, nr_events);
    rc = sweep(scratch, nr_events, nr_types, out, err);
    if (rc)
        return rc;
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

static int insert_at(struct pvh_memmap *map, unsigned at, struct pvh_region r,
                     struct pvh_error *err)
{
    if (map->nr == map->cap)
        return pvh_fail(err, PVH_ENOMEM, "memory map: more than %u entries", map->cap);
    memmove(&map->regions[at + 1], &map->regions[at], (map->nr - at) * sizeof(r));
    map->regions[at] = r;
    map->nr++;
    return PVH_OK;
}

static void remove_at(struct pvh_memmap *map, unsigned at)
{
    memmove(&map->regions[at], &map->regions[at + 1], (map->nr - at - 1) * sizeof(*map->regions));
    map->nr--;
}

static bool mergeable(const struct pvh_region *a, const struct pvh_region *b)
{
    return a->type == b->type && a->flags == b->flags && a->base + a->size == b->base;
}

/* Merge regions[i] with equal neighbours on either side. */
static void merge_around(struct pvh_memmap *map, unsigned i)
{
    if (i + 1 < map->nr && mergeable(&map->regions[i], &map->regions[i + 1])) {
        map->regions[i].size += map->regions[i + 1].size;
        remove_at(map, i + 1);
    }
    if (i > 0 && mergeable(&map->regions[i - 1], &map->regions[i])) {
        map->regions[i - 1].size += map->regions[i].size;
        remove_at(map, i);
    }
}

/* Give the pages of [base, base + size), which must lie in one free RAM
 * region, the type and flags asked for, splitting the region around them. */
static int retag(struct pvh_memmap *map, uint64_t base, uint64_t size, uint32_t type,
                 uint32_t flags, struct pvh_error *err)
{
    uint64_t end = base + size;
    unsigned i;

    /* Wrapping is checked before rounding: an end that wraps to just
     * below base would otherwise round up past it and claim one page. */
    if (!size || end < base)
        return pvh_fail(err, PVH_ERANGE, "claim of 0x%llx bytes at 0x%llx: empty or wraps",
                        (unsigned long long)size, (unsigned long long)base);
    base &= ~(uint64_t)(PVH_PAGE_SIZE - 1);
    end = (end + PVH_PAGE_SIZE - 1) & ~(uint64_t)(PVH_PAGE_SIZE - 1);
    if (end <= base) /* rounding up the last page wrapped to 0 */
        return pvh_fail(err, PVH_ERANGE, "claim of 0x%llx bytes at 0x%llx: empty or wraps",
                        (unsigned long long)size, (unsigned long long)base);
    for (i = 0; i < map->nr; i++) {
        struct pvh_region r = map->regions[i];
        uint64_t r_end = r.base + r.size;
        int rc;

        if (base < r.base || base >= r_end)
            continue;
        if (r.type != E820_TYPE_RAM || r.flags || end > r_end)
            break;
        /* Room for the pieces first: a half-done split would lose RAM. */
        if (map->cap - map->nr < (unsigned)(end < r_end) + (unsigned)(base > r.base))
            return pvh_fail(err, PVH_ENOMEM, "memory map: more than %u entries", map->cap);
        if (end < r_end) {
            rc = insert_at(map, i + 1, (struct pvh_region){ end, r_end - end, r.type, 0 }, err);
            if (rc)
                return rc;
        }
        map->regions[i] = (struct pvh_region){ base, end - base, type, flags };
        if (base > r.base) {
            rc = insert_at(map, i, (struct pvh_region){ r.base, base - r.base, r.type, 0 }, err);
            if (rc)
                return rc;
            i++;
        }
        merge_around(map, i);
        return PVH_OK;
    }
    return pvh_fail(err, PVH_ERANGE, "0x%llx-0x%llx is not inside one free RAM region",
                    (unsigned long long)base, (unsigned long long)(end - 1));
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

bool pvh_memmap_covers(const struct pvh_memmap *map, uint64_t base, uint64_t size,
                       uint32_t type_mask)
{
    uint64_t end = base + (size ? size : 1);
    uint64_t at = base;
    unsigned i;

    if (end < base || (end == 0))
        return false;
    for (i = 0; i < map->nr && at < end; i++) {
        const struct pvh_region *r = &map->regions[i];

        if (r->base + r->size <= at)
            continue;
        if (r->base > at || r->type >= 32 || !(type_mask & PVH_TYPE_BIT(r->type)))
            return false;
        at = r->base + r->size;
    }
    return at >= end;
}

uint64_t pvh_memmap_run(const struct pvh_memmap *map, uint64_t at, uint32_t type_mask)
{
    uint64_t end = at;
    unsigned i;

    for (i = 0; i < map->nr; i++) {
        const struct pvh_region *r = &map->regions[i];

        if (r->base + r->size <= end)
            continue;
        if (r->base > end || r->type >= 32 || !(type_mask & PVH_TYPE_BIT(r->type)))
            break;
        end = r->base + r->size;
    }
    return end - at;
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
