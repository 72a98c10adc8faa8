/*
 * Fuzz target: memory-map normalisation (common/boot/memmap.c), then claims,
 * allocations and queries on the normalised map.
 *
 * Input: u16 n (entries, up to 2047), u8 cap (of the output; 0: the
 * full PVH_MEMMAP_MAX), u8 ops, then ops 40-byte operations, then the n
 * entries (u64 base, u64 size, u32 type; missing ones are zero).
 *
 * Checked: the error is the one the input deserves; a normalised map is
 * well formed and, for up to 256 entries, equal to a brute-force
 * reference built from the documented rules (the most restrictive type
 * wins, neighbours merge, RAM shrinks to whole pages). A claim marks
 * exactly its pages and changes nothing else, or fails and changes
 * nothing; an allocation returns the highest fitting place or 0 only
 * when none fits; covers() and run() agree with a direct reading of the
 * map.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/e820.h>

#include "common/boot/memmap.h"
#include "tests/fuzz/fuzz.h"

#define MAX_IN 2047u
#define REFERENCE_MAX 256u
#define OP_SIZE 40u
#define PAGE ((uint64_t)PVH_PAGE_SIZE)

static struct pvh_region entries[MAX_IN];
static struct pvh_region out[PVH_MEMMAP_MAX], before[PVH_MEMMAP_MAX];
static struct pvh_region ref[2 * MAX_IN];
static struct pvh_memmap_scratch scratch;
static uint64_t points[2 * MAX_IN];

/* The documented order: RAM < ACPI < NVS < PMEM < unusable < disabled <
 * reserved and unknown types; among the last, the larger number wins. */
static unsigned rank(uint32_t t)
{
    static const unsigned ranks[] = { [E820_TYPE_RAM] = 1, [E820_TYPE_ACPI] = 2,
                                      [E820_TYPE_NVS] = 3, [E820_TYPE_PMEM] = 4,
                                      [E820_TYPE_UNUSABLE] = 5, [E820_TYPE_DISABLED] = 6 };

    return t < sizeof(ranks) / sizeof(ranks[0]) && ranks[t] ? ranks[t] - 1 : 6;
}

static bool beats(uint32_t a, uint32_t b)
{
    return rank(a) != rank(b) ? rank(a) > rank(b) : a > b;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* The reference map before RAM is aligned; returns its length. */
static unsigned reference_unaligned(unsigned n)
{
    unsigned i, j, np = 0, nr = 0;

    for (i = 0; i < n; i++) {
        if (!entries[i].size)
            continue;
        points[np++] = entries[i].base;
        points[np++] = entries[i].base + entries[i].size;
    }
    qsort(points, np, sizeof(points[0]), cmp_u64);
    for (j = 0; j + 1 < np; j++) {
        uint64_t a = points[j], b = points[j + 1];
        bool covered = false;
        uint32_t win = 0;

        if (a == b)
            continue;
        for (i = 0; i < n; i++) {
            if (!entries[i].size || a < entries[i].base || a - entries[i].base >= entries[i].size)
                continue;
            if (!covered || beats(entries[i].type, win))
                win = entries[i].type;
            covered = true;
        }
        if (!covered)
            continue;
        if (nr && ref[nr - 1].type == win && ref[nr - 1].base + ref[nr - 1].size == a)
            ref[nr - 1].size += b - a;
        else
            ref[nr++] = (struct pvh_region){ a, b - a, win, 0 };
    }
    return nr;
}

static unsigned reference_aligned(unsigned nr)
{
    unsigned i, kept = 0;

    for (i = 0; i < nr; i++) {
        struct pvh_region r = ref[i];

        if (r.type == E820_TYPE_RAM) {
            uint64_t lo = (r.base + PAGE - 1) & ~(PAGE - 1);
            uint64_t hi = (r.base + r.size) & ~(PAGE - 1);

            if (lo < r.base || hi <= lo)
                continue;
            r = (struct pvh_region){ lo, hi - lo, r.type, 0 };
        }
        ref[kept++] = r;
    }
    return kept;
}

static int expected_error(unsigned n)
{
    unsigned i;

    if (n > PVH_MEMMAP_IN_MAX)
        return PVH_E2BIG;
    for (i = 0; i < n; i++)
        if (entries[i].size && (entries[i].base + entries[i].size < entries[i].base || entries[i].base + entries[i].size == 0))
            return PVH_ERANGE;
    return PVH_OK;
}

static void check_normalised(unsigned n, const struct pvh_memmap *map, int rc,
                             const struct pvh_error *err)
{
    unsigned i, nr;
    int want = expected_error(n);

    if (want != PVH_OK) {
        FUZZ_CHECK(rc == want, "normalise: rc %d, expected %d (%s)", rc, want, err->msg);
        return;
    }
    if (n > REFERENCE_MAX) {
        FUZZ_CHECK(rc == PVH_OK || rc == PVH_ENOMEM, "normalise: rc %d: %s", rc, err->msg);
        if (rc == PVH_OK)
            fuzz_check_memmap(map->regions, map->nr, "normalised map");
        return;
    }
    nr = reference_unaligned(n);
    if (nr > map->cap) {
        FUZZ_CHECK(rc == PVH_ENOMEM, "normalise: rc %d with %u regions for room %u (%s)", rc, nr,
                   map->cap, err->msg);
        return;
    }
    FUZZ_CHECK(rc == PVH_OK, "normalise: rc %d: %s", rc, err->msg);
    fuzz_check_memmap(map->regions, map->nr, "normalised map");
    nr = reference_aligned(nr);
    FUZZ_CHECK(map->nr == nr, "normalise: %u regions, the reference has %u", map->nr, nr);
    for (i = 0; i < nr; i++)
        FUZZ_CHECK(map->regions[i].base == ref[i].base && map->regions[i].size == ref[i].size &&
                       map->regions[i].type == ref[i].type && map->regions[i].flags == 0,
                   "normalise: region %u is 0x%llx+0x%llx type %u flags %u, the reference "
                   "0x%llx+0x%llx type %u", i, (unsigned long long)map->regions[i].base,
                   (unsigned long long)map->regions[i].size, map->regions[i].type,
                   map->regions[i].flags, (unsigned long long)ref[i].base,
                   (unsigned long long)ref[i].size, ref[i].type);
}

/* ---- operations on the normalised map ------------------------------------ */

struct op {
    uint8_t kind, p, q, r;
    uint32_t mask;
    uint64_t a, b, c, d;
};

static struct op read_op(struct fuzz_in *in)
{
    struct op o;

    o.kind = fuzz_u8(in);
    o.p = fuzz_u8(in);
    o.q = fuzz_u8(in);
    o.r = fuzz_u8(in);
    o.mask = fuzz_u32(in);
    o.a = fuzz_u64(in);
    o.b = fuzz_u64(in);
    o.c = fuzz_u64(in);
    o.d = fuzz_u64(in);
    return o;
}

static uint64_t ram_total(const struct pvh_region *r, unsigned n)
{
    uint64_t t = 0;
    unsigned i;

    for (i = 0; i < n; i++)
        if (r[i].type == E820_TYPE_RAM)
            t += r[i].size;
    return t;
}

/* Outside [lo, hi), every boundary of either map reads the same in both. */
static void check_unchanged_outside(const struct pvh_region *old, unsigned n_old,
                                    const struct pvh_memmap *map, uint64_t lo, uint64_t hi)
{
    unsigned pass, i;

    for (pass = 0; pass < 2; pass++) {
        const struct pvh_region *r = pass ? map->regions : old;
        unsigned n = pass ? map->nr : n_old;

        for (i = 0; i < n; i++) {
            uint64_t probe[2] = { r[i].base, r[i].base + r[i].size - 1 };
            unsigned k;

            for (k = 0; k < 2; k++) {
                const struct pvh_region *a, *b;

                if (probe[k] >= lo && probe[k] < hi)
                    continue;
                a = fuzz_memmap_find(old, n_old, probe[k]);
                b = fuzz_memmap_find(map->regions, map->nr, probe[k]);
                FUZZ_CHECK((!a && !b) || (a && b && a->type == b->type && a->flags == b->flags),
                           "byte 0x%llx outside the change 0x%llx-0x%llx changed",
                           (unsigned long long)probe[k], (unsigned long long)lo,
                           (unsigned long long)hi);
            }
        }
    }
}

/* Does [base, base + size) lie in one unclaimed RAM region of r? */
static bool free_ram(const struct pvh_region *r, unsigned n, uint64_t base, uint64_t size)
{
    const struct pvh_region *h = fuzz_memmap_find(r, n, base);

    return h && h->type == E820_TYPE_RAM && !h->flags && base + size > base &&
           base + size - h->base <= h->size;
}

static void op_claim(struct pvh_memmap *map, const struct op *o)
{
    struct pvh_error err;
    unsigned n_old = map->nr;
    uint64_t lo = o->a & ~(PAGE - 1), hi = (o->a + o->b + PAGE - 1) & ~(PAGE - 1);
    bool fits = o->b && o->a + o->b >= o->a && hi > lo && free_ram(map->regions, map->nr, lo, hi - lo);
    uint64_t ram = ram_total(map->regions, map->nr);
    int rc;

    memcpy(before, map->regions, map->nr * sizeof(before[0]));
    rc = pvh_memmap_claim(map, o->a, o->b, o->p, &err);
    if (rc) {
        FUZZ_CHECK(!fits || rc == PVH_ENOMEM, "claim 0x%llx+0x%llx of free RAM failed: %s",
                   (unsigned long long)o->a, (unsigned long long)o->b, err.msg);
        FUZZ_CHECK(map->nr == n_old && !memcmp(before, map->regions, n_old * sizeof(before[0])),
                   "a failed claim changed the map");
        return;
    }
    FUZZ_CHECK(fits, "claim 0x%llx+0x%llx succeeded outside one free RAM region",
               (unsigned long long)o->a, (unsigned long long)o->b);
    fuzz_check_memmap(map->regions, map->nr, "map after a claim");
    FUZZ_CHECK(ram_total(map->regions, map->nr) == ram, "a claim changed the RAM total");
    FUZZ_CHECK(pvh_memmap_covers(map, lo, hi - lo, PVH_TYPE_BIT(E820_TYPE_RAM)),
               "claimed pages not RAM");
    {
        const struct pvh_region *a = fuzz_memmap_find(map->regions, map->nr, lo);
        const struct pvh_region *b = fuzz_memmap_find(map->regions, map->nr, hi - 1);

        FUZZ_CHECK(a && b && a->flags == o->p && b->flags == o->p,
                   "claimed pages 0x%llx-0x%llx do not carry flags 0x%x",
                   (unsigned long long)lo, (unsigned long long)hi - 1, o->p);
    }
    check_unchanged_outside(before, n_old, map, lo, hi);
}

static bool clear_of(const struct pvh_range *avoid, unsigned n, uint64_t base, uint64_t end)
{
    unsigned i;

    for (i = 0; i < n; i++)
        if (avoid[i].base < end && base < avoid[i].end)
            return false;
    return true;
}

/* The highest place alloc may give, by trying every candidate: the top
 * of each free RAM region under the limit and the bottom of each avoided
 * range, each rounded down to the alignment. 0 when none fits. */
static uint64_t best_place(const struct pvh_region *r, unsigned n, uint64_t size, uint64_t align,
                           uint64_t limit, const struct pvh_range *avoid, unsigned n_avoid)
{
    uint64_t best = 0;
    unsigned i, k;

    for (i = 0; i < n; i++) {
        uint64_t top = r[i].base + r[i].size < limit ? r[i].base + r[i].size : limit;

        if (r[i].type != E820_TYPE_RAM || r[i].flags)
            continue;
        for (k = 0; k <= n_avoid; k++) {
            uint64_t ceil = k < n_avoid ? avoid[k].base : top, base;

            if (ceil > top)
                ceil = top;
            if (ceil < size)
                continue;
            base = (ceil - size) & ~(align - 1);
            if (base > best && base >= PAGE && base >= r[i].base &&
                free_ram(r, n, base, size) && clear_of(avoid, n_avoid, base, base + size))
                best = base;
        }
    }
    return best;
}

static void op_alloc(struct pvh_memmap *map, const struct op *o)
{
    struct pvh_range avoid[2] = { { o->c, o->c + (o->d & 0xffffffffu) },
                                  { o->d, o->d + (o->c & 0xffffffu) } };
    unsigned n_avoid = o->r % 3, n_old = map->nr;
    uint64_t align = (uint64_t)1 << (o->q % 64), size = o->a, got, want = 0;
    uint64_t eff_align = align < PAGE ? PAGE : align;
    bool sane = size && size % PAGE == 0;

    memcpy(before, map->regions, map->nr * sizeof(before[0]));
    if (sane)
        want = best_place(before, n_old, size, eff_align, o->b, avoid, n_avoid);
    got = pvh_memmap_alloc(map, size, align, o->b, avoid, n_avoid, o->p);
    if (!got) {
        /* Only a full map may turn down a place that fits. */
        FUZZ_CHECK(!want || map->cap - map->nr < 2, "alloc of 0x%llx found nothing; 0x%llx fits",
                   (unsigned long long)size, (unsigned long long)want);
        FUZZ_CHECK(map->nr == n_old && !memcmp(before, map->regions, n_old * sizeof(before[0])),
                   "a failed alloc changed the map");
        return;
    }
    FUZZ_CHECK(sane, "alloc of 0x%llx bytes (not whole pages) succeeded", (unsigned long long)size);
    FUZZ_CHECK(got == want, "alloc gave 0x%llx; the highest fit is 0x%llx",
               (unsigned long long)got, (unsigned long long)want);
    FUZZ_CHECK(got % eff_align == 0 && got >= PAGE && got + size <= o->b && got + size > got,
               "alloc gave 0x%llx+0x%llx (align 0x%llx, limit 0x%llx)", (unsigned long long)got,
               (unsigned long long)size, (unsigned long long)eff_align, (unsigned long long)o->b);
    FUZZ_CHECK(clear_of(avoid, n_avoid, got, got + size), "alloc gave an avoided place");
    FUZZ_CHECK(free_ram(before, n_old, got, size), "alloc gave a place that was not free RAM");
    fuzz_check_memmap(map->regions, map->nr, "map after an alloc");
    check_unchanged_outside(before, n_old, map, got, got + size);
}

static void op_covers(const struct pvh_memmap *map, const struct op *o)
{
    uint64_t end = o->a + (o->b ? o->b : 1), at = o->a;
    bool want = end > o->a;

    /* Walk the range region by region. */
    while (want && at < end) {
        const struct pvh_region *h = fuzz_memmap_find(map->regions, map->nr, at);

        if (!h || h->type >= 32 || !(o->mask & PVH_TYPE_BIT(h->type)))
            want = false;
        else
            at = h->base + h->size;
        if (h && h->base + h->size == 0)
            break; /* cannot happen in a well-formed map; stops the walk anyway */
    }
    FUZZ_CHECK(pvh_memmap_covers(map, o->a, o->b, o->mask) == want,
               "covers(0x%llx, 0x%llx, 0x%x) is not %d", (unsigned long long)o->a,
               (unsigned long long)o->b, o->mask, want);
}

static void op_run(const struct pvh_memmap *map, const struct op *o)
{
    uint64_t at = o->a, want = 0;

    for (;;) {
        const struct pvh_region *h = fuzz_memmap_find(map->regions, map->nr, at);

        if (!h || h->type >= 32 || !(o->mask & PVH_TYPE_BIT(h->type)))
            break;
        want = h->base + h->size - o->a;
        at = h->base + h->size;
    }
    FUZZ_CHECK(pvh_memmap_run(map, o->a, o->mask) == want, "run(0x%llx, 0x%x): 0x%llx, not 0x%llx",
               (unsigned long long)o->a, o->mask,
               (unsigned long long)pvh_memmap_run(map, o->a, o->mask), (unsigned long long)want);
}

/* A map in order takes a shorter way than the sweep: both must give the
 * same result, error or map, for every input. */
static struct pvh_region swept[PVH_MEMMAP_MAX];

static void check_same_by_sweep(unsigned n, const struct pvh_memmap *map, int rc)
{
    struct pvh_memmap s = { swept, 0, map->cap };
    struct pvh_error err;
    int rc2 = pvh_memmap_normalise_by_sweep(entries, n, &s, &scratch, &err);

    FUZZ_CHECK(rc2 == rc, "normalise returned %d, the sweep %d", rc, rc2);
    FUZZ_CHECK(rc || (s.nr == map->nr && !memcmp(swept, map->regions, s.nr * sizeof(swept[0]))),
               "normalise and the sweep give different maps (%u and %u entries)", map->nr, s.nr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in fin = { data, size };
    struct pvh_memmap map;
    struct pvh_error err;
    unsigned n = fuzz_u16(&fin) & MAX_IN, cap = fuzz_u8(&fin), nr_ops = fuzz_u8(&fin), i;
    struct fuzz_in ops;
    size_t got;
    int rc;

    ops.p = fuzz_bytes(&fin, (size_t)nr_ops * OP_SIZE, &got);
    ops.left = got;
    for (i = 0; i < n; i++) {
        entries[i].base = fuzz_u64(&fin);
        entries[i].size = fuzz_u64(&fin);
        entries[i].type = fuzz_u32(&fin);
        entries[i].flags = 0;
    }
    map = (struct pvh_memmap){ out, 0, cap ? cap : PVH_MEMMAP_MAX };
    rc = pvh_memmap_normalise(entries, n, &map, &scratch, &err);
    check_normalised(n, &map, rc, &err);
    check_same_by_sweep(n, &map, rc);
    if (rc)
        return 0;
    /* Claims need room to split: give the map its full capacity now. */
    map.cap = PVH_MEMMAP_MAX;
    while (ops.left) {
        struct op o = read_op(&ops);

        switch (o.kind % 4) {
        case 0: op_claim(&map, &o); break;
        case 1: op_alloc(&map, &o); break;
        case 2: op_covers(&map, &o); break;
        default: op_run(&map, &o); break;
        }
    }
    return 0;
}
