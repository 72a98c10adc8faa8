/*
 * common/boot/memmap.c: normalising a loader's memory map, claiming and
 * allocating RAM, and the coverage query parsers use.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/e820.h>

#include "common/boot/memmap.h"
#include "tests/unit/support.h"

#define KIB 0x400ull
#define MIB 0x100000ull
#define PAGE 0x1000ull
#define TOP ~0ull /* the last byte of the address space */

#define RAM E820_TYPE_RAM
#define RES E820_TYPE_RESERVED
#define ACPI E820_TYPE_ACPI
#define NVS E820_TYPE_NVS
#define UNUSABLE E820_TYPE_UNUSABLE
#define DISABLED E820_TYPE_DISABLED
#define PMEM E820_TYPE_PMEM

#define R(base, size, type) ((struct pvh_region){ (base), (size), (type), 0 })
#define RF(base, size, type, flags) ((struct pvh_region){ (base), (size), (type), (flags) })
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Everything a test needs, on the heap (the maps and scratch space are tens of KiB). */
struct fixture {
    struct pvh_region regions[PVH_MEMMAP_MAX];
    struct pvh_memmap map;
    struct pvh_memmap_scratch scratch;
    struct pvh_error err;
    struct pvh_region in[PVH_MEMMAP_IN_MAX + 1];
    struct pvh_region want[PVH_MEMMAP_MAX];
};

static struct fixture *F;

static int setup(void **state)
{
    F = calloc(1, sizeof(*F));
    if (!F)
        return -1;
    F->map = (struct pvh_memmap){ .regions = F->regions, .cap = PVH_MEMMAP_MAX };
    return 0;
}

static int teardown(void **state)
{
    free(F);
    F = NULL;
    return 0;
}

static int normalise(const struct pvh_region *in, unsigned n)
{
    memset(&F->err, 0, sizeof(F->err));
    return pvh_memmap_normalise(in, n, &F->map, &F->scratch, &F->err);
}

static void print_map(const char *title, const struct pvh_region *r, unsigned n)
{
    unsigned i;

    print_error("%s (%u regions):\n", title, n);
    for (i = 0; i < n; i++)
        print_error("  0x%llx-0x%llx type %u flags %u\n", (unsigned long long)r[i].base,
                    (unsigned long long)(r[i].base + r[i].size - 1), r[i].type, r[i].flags);
}

/* The map must be exactly want[0..n). */
static void expect_map_impl(const struct pvh_region *want, unsigned n, const char *file, int line)
{
    bool same = F->map.nr == n;
    unsigned i;

    for (i = 0; same && i < n; i++)
        same = F->map.regions[i].base == want[i].base && F->map.regions[i].size == want[i].size &&
               F->map.regions[i].type == want[i].type && F->map.regions[i].flags == want[i].flags;
    if (!same) {
        print_map("got", F->map.regions, F->map.nr);
        print_map("want", want, n);
        _fail(file, line);
    }
}
#define expect_map(...)                                                       \
    do {                                                                      \
        const struct pvh_region want_[] = { __VA_ARGS__ };                    \
        expect_map_impl(want_, COUNT(want_), __FILE__, __LINE__);             \
    } while (0)

/* What a normalised map promises: sorted, non-overlapping, no empty
 * region, RAM in whole pages, equal unflagged neighbours merged. */
static void check_invariants(const struct pvh_memmap *map)
{
    unsigned i;

    assert_true(map->nr <= map->cap);
    for (i = 0; i < map->nr; i++) {
        const struct pvh_region *r = &map->regions[i];

        assert_true(r->size > 0);
        assert_true(r->base + r->size > r->base); /* no wrap, nothing ends at 2^64 */
        if (r->type == RAM) {
            assert_int_equal(r->base % PAGE, 0);
            assert_int_equal(r->size % PAGE, 0);
        }
        if (i > 0) {
            const struct pvh_region *p = &map->regions[i - 1];

            assert_true(p->base + p->size <= r->base);
            assert_false(p->base + p->size == r->base && p->type == r->type &&
                         p->flags == r->flags);
        }
    }
}

/* ---- a reference normaliser ---------------------------------------------
 *
 * Independent of the sweep in memmap.c: the address space of a test is
 * cut into small units, each unit is given the type of the most
 * restrictive entry covering it by asking every entry, runs of units of
 * one type become regions, and RAM regions are then shrunk to pages.
 * Inputs are generated on the unit grid so a unit is either wholly
 * inside an entry or wholly outside.
 */
static unsigned ref_rank(uint32_t type)
{
    /* RAM < ACPI < NVS < PMEM < unusable < disabled < reserved and unknown. */
    static const uint32_t order[] = { RAM, ACPI, NVS, PMEM, UNUSABLE, DISABLED };
    unsigned i;

    for (i = 0; i < COUNT(order); i++)
        if (order[i] == type)
            return i;
    return COUNT(order);
}

static bool ref_beats(uint32_t a, uint32_t b)
{
    if (ref_rank(a) != ref_rank(b))
        return ref_rank(a) > ref_rank(b);
    return a > b;
}

struct grid {
    uint64_t origin; /* address of unit 0 */
    uint64_t unit;   /* bytes per unit */
    unsigned units;
};

static unsigned ref_normalise(const struct pvh_region *in, unsigned n, const struct grid *g,
                              struct pvh_region *out)
{
    unsigned u, i, nr = 0, kept = 0;

    for (u = 0; u < g->units; u++) {
        uint64_t at = g->origin + u * g->unit;
        bool covered = false;
        uint32_t type = 0;

        for (i = 0; i < n; i++) {
            if (!in[i].size || at < in[i].base || at - in[i].base >= in[i].size)
                continue;
            if (!covered || ref_beats(in[i].type, type))
                type = in[i].type;
            covered = true;
        }
        if (!covered)
            continue;
        if (nr && out[nr - 1].type == type && out[nr - 1].base + out[nr - 1].size == at)
            out[nr - 1].size += g->unit;
        else
            out[nr++] = R(at, g->unit, type);
    }
    for (i = 0; i < nr; i++) {
        struct pvh_region r = out[i];

        if (r.type == RAM) {
            /* In 128 bits: rounding up near 2^64 must not wrap. */
            unsigned __int128 base = ((unsigned __int128)r.base + PAGE - 1) / PAGE * PAGE;
            unsigned __int128 end = ((unsigned __int128)r.base + r.size) / PAGE * PAGE;

            if (end <= base)
                continue;
            r = R((uint64_t)base, (uint64_t)(end - base), RAM);
        }
        out[kept++] = r;
    }
    return kept;
}

/* Normalise in[0..n) and compare with the reference on grid g. */
static void check_against_reference(const struct pvh_region *in, unsigned n, const struct grid *g)
{
    unsigned nr;

    assert_int_equal(normalise(in, n), PVH_OK);
    check_invariants(&F->map);
    nr = ref_normalise(in, n, g, F->want);
    expect_map_impl(F->want, nr, __FILE__, __LINE__);
}

/* ---- normalise ------------------------------------------------------------ */

static void normalise_empty_input_gives_empty_map(void **state)
{
    F->map.nr = 7; /* left over from before: must be reset */
    assert_int_equal(normalise(NULL, 0), PVH_OK);
    assert_int_equal(F->map.nr, 0);
}

/* A map in order (every loader's) takes the short way; the same map out
 * of order, and one with an overlap, the sweep: all three must give the
 * sweep's own result. */
static void normalise_in_order_equals_the_sweep(void **state)
{
    static const struct pvh_region qemu[] = {
        { 0x0, 0x9fc00, E820_TYPE_RAM, 0 },      { 0x9fc00, 0x400, E820_TYPE_RESERVED, 0 },
        { 0xf0000, 0x10000, E820_TYPE_RESERVED, 0 }, { 0x100000, 0x7f00000, E820_TYPE_RAM, 0 },
        { 0x8000000, 0x100000, E820_TYPE_RAM, 0 }, { 0xfeffc000, 0x4000, E820_TYPE_RESERVED, 0 },
        { 0xb0000000, 0, E820_TYPE_RAM, 0 },     { 0x100000000ull, 0x40000000, E820_TYPE_RAM, 0 },
    };
    struct pvh_region reversed[COUNT(qemu)], overlapping[COUNT(qemu)];
    static struct pvh_region swept_regions[PVH_MEMMAP_MAX];
    struct pvh_memmap swept = { swept_regions, 0, PVH_MEMMAP_MAX };
    const struct pvh_region *inputs[] = { qemu, reversed, overlapping };

    for (unsigned i = 0; i < COUNT(qemu); i++)
        reversed[i] = qemu[COUNT(qemu) - 1 - i];
    memcpy(overlapping, qemu, sizeof(qemu));
    overlapping[3].size += 0x1000; /* into the next RAM: still one RAM run */
    assert_int_equal(pvh_memmap_normalise_by_sweep(qemu, COUNT(qemu), &swept, &F->scratch,
                                                   &F->err), PVH_OK);
    for (unsigned k = 0; k < COUNT(inputs); k++) {
        assert_int_equal(normalise(inputs[k], COUNT(qemu)), PVH_OK);
        assert_int_equal(F->map.nr, swept.nr);
        assert_memory_equal(F->map.regions, swept.regions, swept.nr * sizeof(swept.regions[0]));
    }
    /* Merged RAM (0x100000 + 0x8000000), the empty entry dropped. */
    assert_int_equal(swept.nr, 6);
}

static void normalise_sorts_unsorted_input(void **state)
{
    const struct pvh_region in[] = {
        R(0x100000, 0x7f00000, RAM),
        R(0xf0000, 0x10000, RES),
        R(0, 0x9f000, RAM),
        R(0xfffc0000, 0x40000, RES),
    };

    assert_int_equal(normalise(in, COUNT(in)), PVH_OK);
    expect_map(R(0, 0x9f000, RAM), R(0xf0000, 0x10000, RES), R(0x100000, 0x7f00000, RAM),
               R(0xfffc0000, 0x40000, RES));
}

static void normalise_reserved_wins_over_ram_on_overlap(void **state)
{
    const struct pvh_region in[] = {
        R(0, 0x200000, RAM),
        R(0x100000, 0x80000, RES),
    };

    assert_int_equal(normalise(in, COUNT(in)), PVH_OK);
    expect_map(R(0, 0x100000, RAM), R(0x100000, 0x80000, RES), R(0x180000, 0x80000, RAM));

    /* In the other order, and with the reserved range sticking out. */
    {
        const struct pvh_region in2[] = {
            R(0x1f0000, 0x20000, RES),
            R(0x100000, 0x100000, RAM),
        };

        assert_int_equal(normalise(in2, COUNT(in2)), PVH_OK);
        expect_map(R(0x100000, 0xf0000, RAM), R(0x1f0000, 0x20000, RES));
    }
}

/* Each type beats every type before it in this list, in either order
 * of input, whether it overlaps the start, the end or the middle. */
static void normalise_precedence_chain(void **state)
{
    static const uint32_t chain[] = { RAM, ACPI, NVS, PMEM, UNUSABLE, DISABLED, RES };
    unsigned lo, hi;

    for (lo = 0; lo < COUNT(chain); lo++) {
        for (hi = lo + 1; hi < COUNT(chain); hi++) {
            const struct pvh_region a = R(0x10000, 0x30000, chain[lo]);
            const struct pvh_region b = R(0x20000, 0x10000, chain[hi]);
            const struct pvh_region ab[] = { a, b }, ba[] = { b, a };

            assert_int_equal(normalise(ab, 2), PVH_OK);
            expect_map(R(0x10000, 0x10000, chain[lo]), R(0x20000, 0x10000, chain[hi]),
                       R(0x30000, 0x10000, chain[lo]));
            assert_int_equal(normalise(ba, 2), PVH_OK);
            expect_map(R(0x10000, 0x10000, chain[lo]), R(0x20000, 0x10000, chain[hi]),
                       R(0x30000, 0x10000, chain[lo]));
        }
    }
}

static void normalise_all_types_stacked_gives_reserved(void **state)
{
    const struct pvh_region in[] = {
        R(0, 0x10000, PMEM), R(0, 0x10000, RAM), R(0, 0x10000, RES), R(0, 0x10000, NVS),
        R(0, 0x10000, DISABLED), R(0, 0x10000, ACPI), R(0, 0x10000, UNUSABLE),
    };

    assert_int_equal(normalise(in, COUNT(in)), PVH_OK);
    expect_map(R(0, 0x10000, RES));
}

static void normalise_unknown_types_larger_number_wins_either_order(void **state)
{
    const struct pvh_region a = R(0x1000, 0x3000, 0x10), b = R(0x2000, 0x3000, 0xf0000001);
    const struct pvh_region ab[] = { a, b }, ba[] = { b, a };

    assert_int_equal(normalise(ab, 2), PVH_OK);
    expect_map(R(0x1000, 0x1000, 0x10), R(0x2000, 0x3000, 0xf0000001));
    assert_int_equal(normalise(ba, 2), PVH_OK);
    expect_map(R(0x1000, 0x1000, 0x10), R(0x2000, 0x3000, 0xf0000001));

    /* An unknown type ranks with reserved: 12 beats 2, 2 beats 0. */
    {
        const struct pvh_region c[] = { R(0, 0x2000, 12), R(0x1000, 0x2000, RES), R(0, 0x4000, 0) };

        assert_int_equal(normalise(c, COUNT(c)), PVH_OK);
        expect_map(R(0, 0x2000, 12), R(0x2000, 0x1000, RES), R(0x3000, 0x1000, 0));
    }
}

static void normalise_keeps_unknown_type_number(void **state)
{
    const struct pvh_region in[] = {
        R(0x1000, 0x1000, E820_TYPE_PRAM),
        R(0x3000, 0x800, 0xdeadbeef),
        R(0x4000, 0x1000, 0),
    };

    assert_int_equal(normalise(in, COUNT(in)), PVH_OK);
    /* Unaligned: only RAM is shrunk to pages. */
    expect_map(R(0x1000, 0x1000, E820_TYPE_PRAM), R(0x3000, 0x800, 0xdeadbeef),
               R(0x4000, 0x1000, 0));
}

static void normalise_drops_zero_size_entries(void **state)
{
    /* QEMU's microvm appends an all-zero entry; a zero-size reserved
     * entry inside RAM must not split it. */
    const struct pvh_region in[] = {
        R(0x100000, 0x100000, RAM),
        R(0x180000, 0, RES),
        R(TOP, 0, RES),
        R(0, 0, 0),
    };

    assert_int_equal(normalise(in, COUNT(in)), PVH_OK);
    expect_map(R(0x100000, 0x100000, RAM));
}

static void normalise_merges_adjacent_same_type(void **state)
{
    const struct pvh_region in[] = {
        R(0x3000, 0x1000, RAM),
        R(0, 0x1000, RAM),
        R(0x1000, 0x2000, RAM),
        R(0x4000, 0x800, RES), R(0x4800, 0x800, RES),  /* touching */
        R(0x5000, 0x1000, ACPI),                        /* touching, other type */
        R(0x7000, 0x1000, ACPI),                        /* same type across a gap */
        R(0x8000, 0x2000, RAM), R(0x9000, 0x2000, RAM), /* overlapping, same type */
    };

    assert_int_equal(normalise(in, COUNT(in)), PVH_OK);
    expect_map(R(0, 0x4000, RAM), R(0x4000, 0x1000, RES), R(0x5000, 0x1000, ACPI),
               R(0x7000, 0x1000, ACPI), R(0x8000, 0x3000, RAM));
}

static void normalise_shrinks_ram_to_whole_pages(void **state)
{
    const struct pvh_region in[] = {
        R(0, 0x9fc00, RAM),          /* the PC's low RAM: end rounded down */
        R(0x9fc00, 0x400, RES),      /* the EBDA: not RAM, kept as given */
        R(0x100123, 0x2fffe00, RAM), /* both ends rounded inwards */
    };

    assert_int_equal(normalise(in, COUNT(in)), PVH_OK);
    expect_map(R(0, 0x9f000, RAM), R(0x9fc00, 0x400, RES), R(0x101000, 0x2ffe000, RAM));
}

static void normalise_drops_ram_smaller_than_a_page(void **state)
{
    const struct pvh_region in[] = {
        R(0x1800, 0xc00, RAM),  /* within one page */
        R(0x3800, 0x1000, RAM), /* a page long, but across a page boundary */
        R(0x6000, 0xfff, RAM),  /* one byte short */
        R(0x8000, 0x1000, RAM), /* exactly one page: kept */
    };

    assert_int_equal(normalise(in, COUNT(in)), PVH_OK);
    expect_map(R(0x8000, 0x1000, RAM));
}

/* A RAM range cut by reserved ranges at unaligned points loses the
 * partial pages on either side of each cut. */
static void normalise_aligns_ram_after_overlap_resolution(void **state)
{
    const struct pvh_region in[] = {
        R(0, 0x10000, RAM),
        R(0x4100, 0x100, RES),
    };

    assert_int_equal(normalise(in, COUNT(in)), PVH_OK);
    expect_map(R(0, 0x4000, RAM), R(0x4100, 0x100, RES), R(0x5000, 0xb000, RAM));
}

static void normalise_rejects_entry_wrapping_past_2_64(void **state)
{
    const struct pvh_region in[] = {
        R(0, 0x9f000, RAM),
        R(0x100000, 0x100000, RAM),
        R(0xfffffffffffff000ull, 0x2000, RES),
    };

    assert_error(normalise(in, COUNT(in)), &F->err, PVH_ERANGE,
                 "memory map entry 2 wraps past 2^64: base 0xfffffffffffff000 size 0x2000");
}

static void normalise_rejects_entry_ending_exactly_at_2_64(void **state)
{
    const struct pvh_region in[] = { R(0xfffffffffffff000ull, 0x1000, RES) };

    assert_error(normalise(in, COUNT(in)), &F->err, PVH_ERANGE,
                 "memory map entry 0 wraps past 2^64: base 0xfffffffffffff000 size 0x1000");
}

static void normalise_accepts_entry_ending_at_last_byte(void **state)
{
    const struct pvh_region in[] = { R(0xfffffffffffff000ull, 0xfff, RES) };

    assert_int_equal(normalise(in, COUNT(in)), PVH_OK);
    expect_map(R(0xfffffffffffff000ull, 0xfff, RES));
}

static void normalise_accepts_1024_entries(void **state)
{
    unsigned i;

    /* Alternating RAM and reserved pages: nothing merges. */
    for (i = 0; i < PVH_MEMMAP_IN_MAX; i++)
        F->in[i] = R(i * PAGE, PAGE, i % 2 ? RES : RAM);
    assert_int_equal(normalise(F->in, PVH_MEMMAP_IN_MAX), PVH_OK);
    assert_int_equal(F->map.nr, PVH_MEMMAP_IN_MAX);
    check_invariants(&F->map);
    assert_int_equal(F->map.regions[1023].base, 1023 * PAGE);
    assert_int_equal(F->map.regions[1023].type, RES);
}

static void normalise_rejects_1025_entries(void **state)
{
    unsigned i;

    for (i = 0; i < PVH_MEMMAP_IN_MAX + 1; i++)
        F->in[i] = R(i * PAGE, PAGE, RAM);
    assert_error(normalise(F->in, PVH_MEMMAP_IN_MAX + 1), &F->err, PVH_E2BIG,
                 "memory map has 1025 entries, at most 1024 supported");
    assert_int_equal(F->map.nr, 0);
}

/* The worst the sweep meets: every entry overlapping every other, each
 * of a different type (so no two share a key), starts and ends at
 * unaligned points. The result must match the reference exactly. */
static void normalise_adversarial_1024_entries(void **state)
{
    const struct grid g = { .origin = 0, .unit = 0x100, .units = 4096 };
    unsigned i;

    rng_seed(0xad7e55a1);
    for (i = 0; i < PVH_MEMMAP_IN_MAX; i++) {
        /* Nested around the middle: entry i covers units [i, 4096 - i)
         * shifted by a little noise, with one of many types. */
        uint64_t lo = i + rng_below(8), hi = g.units - i - rng_below(8);
        uint32_t type = i % 8 == 0 ? RAM : (uint32_t)(i * 2654435761u % 100000);

        F->in[i] = R(lo * g.unit, (hi - lo) * g.unit, type);
    }
    check_against_reference(F->in, PVH_MEMMAP_IN_MAX, &g);

    /* Random ranges that all contain the middle unit, many types. */
    for (i = 0; i < PVH_MEMMAP_IN_MAX; i++) {
        uint64_t lo = rng_below(g.units / 2), hi = g.units / 2 + 1 + rng_below(g.units / 2 - 1);

        F->in[i] = R(lo * g.unit, (hi - lo) * g.unit, (uint32_t)rng_below(3000));
    }
    check_against_reference(F->in, PVH_MEMMAP_IN_MAX, &g);

    /* And entries that each stick out past their neighbour (a staircase),
     * given in reverse order. */
    for (i = 0; i < PVH_MEMMAP_IN_MAX; i++)
        F->in[PVH_MEMMAP_IN_MAX - 1 - i] = R(i * 3 * g.unit, 7 * g.unit, i % 5 + 1);
    check_against_reference(F->in, PVH_MEMMAP_IN_MAX, &g);
}

static uint32_t random_type(void)
{
    static const uint32_t types[] = {
        RAM, RAM, RAM, RAM, RES, ACPI, NVS, UNUSABLE, DISABLED, PMEM, E820_TYPE_PRAM, 0, 0x20,
        0xffffffff,
    };

    return types[rng_below(COUNT(types))];
}

/* Several hundred random maps on a small grid, some of them placed just
 * below the top of the address space, compared with the reference. */
static void normalise_matches_reference_on_random_maps(void **state)
{
    unsigned round;

    rng_seed(0x6d656d6d6170ull);
    for (round = 0; round < 600; round++) {
        struct grid g = { .unit = 0x400, .units = 96 };
        unsigned n = (unsigned)rng_below(round % 10 == 0 ? 200 : 16), i;

        switch (round % 4) {
        case 0: g.origin = 0; break;
        case 1: g.origin = 0x100000000ull + 0x400 * rng_below(8); break;
        case 2: g.origin = rng_below(1ull << 40) * 0x100; break;
        /* The grid's last unit ends one unit below 2^64. */
        default: g.origin = 0ull - (uint64_t)(g.units + 1) * g.unit; break;
        }
        for (i = 0; i < n; i++) {
            uint64_t start = rng_below(g.units);
            uint64_t len = rng_below(g.units - start + 1);

            if (rng_below(4) == 0)
                len = rng_below(4); /* many small and zero-size entries */
            if (start + len > g.units)
                len = g.units - start;
            F->in[i] = R(g.origin + start * g.unit, len * g.unit, random_type());
        }
        check_against_reference(F->in, n, &g);
    }
}

static void normalise_reports_full_output(void **state)
{
    struct pvh_region small[2];
    struct pvh_memmap map = { .regions = small, .cap = 2 };
    const struct pvh_region in[] = {
        R(0, 0x1000, RAM), R(0x2000, 0x1000, RES), R(0x4000, 0x1000, ACPI),
    };

    memset(&F->err, 0, sizeof(F->err));
    assert_error(pvh_memmap_normalise(in, COUNT(in), &map, &F->scratch, &F->err), &F->err,
                 PVH_ENOMEM, "memory map: more than 2 entries");
}

/* ---- claim ---------------------------------------------------------------- */

/* RAM 1 MiB..2 MiB between a low reserved range and ACPI tables. */
static void claim_map(void)
{
    const struct pvh_region in[] = {
        R(0xf0000, 0x10000, RES),
        R(0x100000, 0x100000, RAM),
        R(0x200000, 0x10000, ACPI),
        R(0x300000, 0x100000, RAM),
    };

    assert_int_equal(normalise(in, COUNT(in)), PVH_OK);
}

static int claim(uint64_t base, uint64_t size, uint32_t flags)
{
    memset(&F->err, 0, sizeof(F->err));
    return pvh_memmap_claim(&F->map, base, size, flags, &F->err);
}

#define OTHERS R(0x200000, 0x10000, ACPI), R(0x300000, 0x100000, RAM)

static void claim_splits_ram_region_in_three(void **state)
{
    claim_map();
    assert_int_equal(claim(0x140000, 0x10000, PVH_REGION_PVHBOOT), PVH_OK);
    expect_map(R(0xf0000, 0x10000, RES), R(0x100000, 0x40000, RAM),
               RF(0x140000, 0x10000, RAM, PVH_REGION_PVHBOOT), R(0x150000, 0xb0000, RAM), OTHERS);
}

static void claim_at_start_of_region(void **state)
{
    claim_map();
    assert_int_equal(claim(0x100000, 0x8000, PVH_REGION_PVHBOOT), PVH_OK);
    expect_map(R(0xf0000, 0x10000, RES), RF(0x100000, 0x8000, RAM, PVH_REGION_PVHBOOT),
               R(0x108000, 0xf8000, RAM), OTHERS);
}

static void claim_at_end_of_region(void **state)
{
    claim_map();
    assert_int_equal(claim(0x1f0000, 0x10000, PVH_REGION_PVHBOOT), PVH_OK);
    expect_map(R(0xf0000, 0x10000, RES), R(0x100000, 0xf0000, RAM),
               RF(0x1f0000, 0x10000, RAM, PVH_REGION_PVHBOOT), OTHERS);
}

static void claim_whole_region(void **state)
{
    claim_map();
    assert_int_equal(claim(0x100000, 0x100000, PVH_REGION_PVHBOOT), PVH_OK);
    expect_map(R(0xf0000, 0x10000, RES), RF(0x100000, 0x100000, RAM, PVH_REGION_PVHBOOT),
               OTHERS);
}

static void claim_rounds_out_to_pages(void **state)
{
    claim_map();
    assert_int_equal(claim(0x140123, 0x1000, PVH_REGION_PVHBOOT), PVH_OK);
    expect_map(R(0xf0000, 0x10000, RES), R(0x100000, 0x40000, RAM),
               RF(0x140000, 0x2000, RAM, PVH_REGION_PVHBOOT), R(0x142000, 0xbe000, RAM), OTHERS);
}

static void claim_fails_for_non_ram(void **state)
{
    claim_map();
    assert_error(claim(0x200000, 0x1000, PVH_REGION_PVHBOOT), &F->err, PVH_ERANGE,
                 "0x200000-0x200fff is not inside one free RAM region");
    assert_error(claim(0xf0000, 0x1000, PVH_REGION_PVHBOOT), &F->err, PVH_ERANGE,
                 "0xf0000-0xf0fff is not inside one free RAM region");
    /* In a hole of the map. */
    assert_error(claim(0x280000, 0x1000, PVH_REGION_PVHBOOT), &F->err, PVH_ERANGE,
                 "0x280000-0x280fff is not inside one free RAM region");
    /* Beyond the end of the map. */
    assert_error(claim(0x10000000, 0x1000, PVH_REGION_PVHBOOT), &F->err, PVH_ERANGE,
                 "0x10000000-0x10000fff is not inside one free RAM region");
    expect_map(R(0xf0000, 0x10000, RES), R(0x100000, 0x100000, RAM), OTHERS);
}

static void claim_fails_for_range_spanning_two_regions(void **state)
{
    claim_map();
    /* RAM into ACPI. */
    assert_error(claim(0x1ff000, 0x2000, PVH_REGION_PVHBOOT), &F->err, PVH_ERANGE,
                 "0x1ff000-0x200fff is not inside one free RAM region");
    /* Reserved into RAM. */
    assert_error(claim(0xff000, 0x2000, PVH_REGION_PVHBOOT), &F->err, PVH_ERANGE,
                 "0xff000-0x100fff is not inside one free RAM region");
    /* RAM, ACPI, hole, RAM. */
    assert_error(claim(0x100000, 0x300000, PVH_REGION_PVHBOOT), &F->err, PVH_ERANGE,
                 "0x100000-0x3fffff is not inside one free RAM region");
    expect_map(R(0xf0000, 0x10000, RES), R(0x100000, 0x100000, RAM), OTHERS);
}

static void claim_fails_for_already_claimed_range(void **state)
{
    claim_map();
    assert_int_equal(claim(0x140000, 0x10000, PVH_REGION_PVHBOOT), PVH_OK);
    /* The same range again, a range inside it, and ranges straddling
     * either of its ends. */
    assert_error(claim(0x140000, 0x10000, PVH_REGION_PVHBOOT), &F->err, PVH_ERANGE,
                 "0x140000-0x14ffff is not inside one free RAM region");
    assert_error(claim(0x144000, 0x1000, 0x2), &F->err, PVH_ERANGE,
                 "0x144000-0x144fff is not inside one free RAM region");
    assert_error(claim(0x13f000, 0x2000, PVH_REGION_PVHBOOT), &F->err, PVH_ERANGE,
                 "0x13f000-0x140fff is not inside one free RAM region");
    assert_error(claim(0x14f000, 0x2000, PVH_REGION_PVHBOOT), &F->err, PVH_ERANGE,
                 "0x14f000-0x150fff is not inside one free RAM region");
    expect_map(R(0xf0000, 0x10000, RES), R(0x100000, 0x40000, RAM),
               RF(0x140000, 0x10000, RAM, PVH_REGION_PVHBOOT), R(0x150000, 0xb0000, RAM), OTHERS);
}

static void claim_rejects_empty_or_wrapping_range(void **state)
{
    claim_map();
    assert_error(claim(0x140000, 0, PVH_REGION_PVHBOOT), &F->err, PVH_ERANGE,
                 "claim of 0x0 bytes at 0x140000: empty or wraps");
    assert_error(claim(0xfffffffffffff000ull, 0x2000, PVH_REGION_PVHBOOT), &F->err, PVH_ERANGE,
                 "empty or wraps");
    assert_error(claim(0xfffffffffffff000ull, 0x1000, PVH_REGION_PVHBOOT), &F->err, PVH_ERANGE,
                 "empty or wraps");
}

/* Found by fuzzing (tests/fuzz/fuzz_memmap.c): a size that wraps base + size
 * round to just below base was rounded up past base and claimed one page. */
static void claim_rejects_size_wrapping_to_below_base_in_its_page(void **state)
{
    claim_map();
    assert_error(claim(0x140800, 0 - 0x100ull, PVH_REGION_PVHBOOT), &F->err, PVH_ERANGE,
                 "claim of 0xffffffffffffff00 bytes at 0x140800: empty or wraps");
    assert_error(claim(0x140fff, 0 - 0xfffull, PVH_REGION_PVHBOOT), &F->err, PVH_ERANGE,
                 "empty or wraps");
    expect_map(R(0xf0000, 0x10000, RES), R(0x100000, 0x100000, RAM), OTHERS);
}

static void claim_adjacent_same_flag_merges(void **state)
{
    claim_map();
    assert_int_equal(claim(0x140000, 0x10000, PVH_REGION_PVHBOOT), PVH_OK);
    assert_int_equal(claim(0x150000, 0x10000, PVH_REGION_PVHBOOT), PVH_OK); /* after */
    assert_int_equal(claim(0x130000, 0x10000, PVH_REGION_PVHBOOT), PVH_OK); /* before */
    expect_map(R(0xf0000, 0x10000, RES), R(0x100000, 0x30000, RAM),
               RF(0x130000, 0x30000, RAM, PVH_REGION_PVHBOOT), R(0x160000, 0xa0000, RAM), OTHERS);
    /* Filling the gap between two claims joins all three. */
    assert_int_equal(claim(0x170000, 0x10000, PVH_REGION_PVHBOOT), PVH_OK);
    assert_int_equal(claim(0x160000, 0x10000, PVH_REGION_PVHBOOT), PVH_OK);
    expect_map(R(0xf0000, 0x10000, RES), R(0x100000, 0x30000, RAM),
               RF(0x130000, 0x50000, RAM, PVH_REGION_PVHBOOT), R(0x180000, 0x80000, RAM), OTHERS);
}

static void claim_adjacent_other_flag_stays_separate(void **state)
{
    claim_map();
    assert_int_equal(claim(0x140000, 0x10000, PVH_REGION_PVHBOOT), PVH_OK);
    assert_int_equal(claim(0x150000, 0x10000, 0x2), PVH_OK);
    expect_map(R(0xf0000, 0x10000, RES), R(0x100000, 0x40000, RAM),
               RF(0x140000, 0x10000, RAM, PVH_REGION_PVHBOOT), RF(0x150000, 0x10000, RAM, 0x2),
               R(0x160000, 0xa0000, RAM), OTHERS);
}

/* A claim that needs more entries than the map has room for fails and
 * leaves the map as it was (no RAM lost to a half-done split). */
static void claim_without_room_leaves_map_unchanged(void **state)
{
    unsigned cap;

    for (cap = 4; cap <= 5; cap++) {
        claim_map();
        F->map.cap = cap; /* 4 regions in use: room for 0 or 1 more */
        assert_error(claim(0x140000, 0x10000, PVH_REGION_PVHBOOT), &F->err, PVH_ENOMEM,
                     "memory map: more than");
        expect_map(R(0xf0000, 0x10000, RES), R(0x100000, 0x100000, RAM), OTHERS);
    }
    /* With room for one more, a claim at the start fits. */
    assert_int_equal(claim(0x100000, 0x10000, PVH_REGION_PVHBOOT), PVH_OK);
    F->map.cap = PVH_MEMMAP_MAX;
}

/* ---- alloc ---------------------------------------------------------------- */

/* Low RAM (with page 0), the legacy hole, RAM 1 MiB..16 MiB. */
static void alloc_map(void)
{
    const struct pvh_region in[] = {
        R(0, 0x9fc00, RAM),
        R(0x9fc00, 0x400, RES),
        R(0xf0000, 0x10000, RES),
        R(0x100000, 0xf00000, RAM),
    };

    assert_int_equal(normalise(in, COUNT(in)), PVH_OK);
}

#define LOW_MAP R(0, 0x9f000, RAM), R(0x9fc00, 0x400, RES), R(0xf0000, 0x10000, RES)

static void alloc_takes_highest_fit_below_limit(void **state)
{
    alloc_map();
    assert_int_equal(pvh_memmap_alloc(&F->map, 0x2000, PAGE, 0x800000, NULL, 0,
                                      PVH_REGION_PVHBOOT), 0x7fe000);
    expect_map(LOW_MAP, R(0x100000, 0x6fe000, RAM), RF(0x7fe000, 0x2000, RAM, PVH_REGION_PVHBOOT),
               R(0x800000, 0x800000, RAM));
}

static void alloc_without_limit_takes_top_of_ram(void **state)
{
    alloc_map();
    assert_int_equal(pvh_memmap_alloc(&F->map, PAGE, PAGE, TOP, NULL, 0, PVH_REGION_PVHBOOT),
                     0xfff000);
    /* An unaligned limit: the range must end at or below it. */
    assert_int_equal(pvh_memmap_alloc(&F->map, PAGE, PAGE, 0x7ff800, NULL, 0, PVH_REGION_PVHBOOT),
                     0x7fe000);
}

static void alloc_respects_alignment(void **state)
{
    alloc_map();
    assert_int_equal(pvh_memmap_alloc(&F->map, PAGE, 0x200000, 0x7ff000, NULL, 0,
                                      PVH_REGION_PVHBOOT), 0x600000);
    expect_map(LOW_MAP, R(0x100000, 0x500000, RAM), RF(0x600000, 0x1000, RAM, PVH_REGION_PVHBOOT),
               R(0x601000, 0x9ff000, RAM));
    /* An alignment below a page means a page. */
    assert_int_equal(pvh_memmap_alloc(&F->map, PAGE, 16, 0x7ff800, NULL, 0, 0x2), 0x7fe000);
}

static void alloc_refuses_bad_arguments(void **state)
{
    alloc_map();
    assert_int_equal(pvh_memmap_alloc(&F->map, 0, PAGE, TOP, NULL, 0, 1), 0);
    assert_int_equal(pvh_memmap_alloc(&F->map, 0x800, PAGE, TOP, NULL, 0, 1), 0);
    assert_int_equal(pvh_memmap_alloc(&F->map, PAGE, 0x3000, TOP, NULL, 0, 1), 0);
    expect_map(LOW_MAP, R(0x100000, 0xf00000, RAM));
}

static void alloc_avoids_ranges(void **state)
{
    /* Two modules just below the limit, touching: the allocation goes below both. */
    const struct pvh_range modules[] = {
        { 0x7ff000, 0x800000 },
        { 0x7f0800, 0x7ff000 },
    };

    alloc_map();
    assert_int_equal(pvh_memmap_alloc(&F->map, PAGE, PAGE, 0x800000, modules, COUNT(modules),
                                      PVH_REGION_PVHBOOT), 0x7ef000);
    expect_map(LOW_MAP, R(0x100000, 0x6ef000, RAM), RF(0x7ef000, 0x1000, RAM, PVH_REGION_PVHBOOT),
               R(0x7f0000, 0x810000, RAM));
}

static void alloc_moves_to_lower_region_when_avoided(void **state)
{
    /* A module over all of high RAM below the limit. */
    const struct pvh_range module = { 0x100000, 0x800000 };

    alloc_map();
    assert_int_equal(pvh_memmap_alloc(&F->map, PAGE, PAGE, 0x800000, &module, 1,
                                      PVH_REGION_PVHBOOT), 0x9e000);
    expect_map(R(0, 0x9e000, RAM), RF(0x9e000, 0x1000, RAM, PVH_REGION_PVHBOOT),
               R(0x9fc00, 0x400, RES), R(0xf0000, 0x10000, RES), R(0x100000, 0xf00000, RAM));
}

static void alloc_never_returns_page_0(void **state)
{
    const struct pvh_region in[] = { R(0, 0x2000, RAM) };

    assert_int_equal(normalise(in, COUNT(in)), PVH_OK);
    assert_int_equal(pvh_memmap_alloc(&F->map, 0x2000, PAGE, TOP, NULL, 0, 1), 0);
    assert_int_equal(pvh_memmap_alloc(&F->map, PAGE, PAGE, TOP, NULL, 0, 1), 0x1000);
    assert_int_equal(pvh_memmap_alloc(&F->map, PAGE, PAGE, TOP, NULL, 0, 1), 0);
    expect_map(R(0, 0x1000, RAM), RF(0x1000, 0x1000, RAM, 1));
}

static void alloc_returns_0_when_nothing_fits(void **state)
{
    const struct pvh_range everything = { 0, TOP };

    alloc_map();
    assert_int_equal(pvh_memmap_alloc(&F->map, 0x1000000, PAGE, TOP, NULL, 0, 1), 0);
    assert_int_equal(pvh_memmap_alloc(&F->map, PAGE, PAGE, 0x1000, NULL, 0, 1), 0);
    assert_int_equal(pvh_memmap_alloc(&F->map, PAGE, PAGE, TOP, &everything, 1, 1), 0);
    assert_int_equal(pvh_memmap_alloc(&F->map, PAGE, 1ull << 62, TOP, NULL, 0, 1), 0);
    expect_map(LOW_MAP, R(0x100000, 0xf00000, RAM));
}

static void alloc_skips_claimed_memory(void **state)
{
    alloc_map();
    assert_int_equal(claim(0x800000, 0x800000, PVH_REGION_PVHBOOT), PVH_OK);
    assert_int_equal(pvh_memmap_alloc(&F->map, PAGE, PAGE, TOP, NULL, 0, PVH_REGION_PVHBOOT),
                     0x7ff000);
    assert_int_equal(pvh_memmap_alloc(&F->map, PAGE, PAGE, TOP, NULL, 0, PVH_REGION_PVHBOOT),
                     0x7fe000);
    /* Successive allocations merge with the claim above them. */
    expect_map(LOW_MAP, R(0x100000, 0x6fe000, RAM), RF(0x7fe000, 0x802000, RAM, PVH_REGION_PVHBOOT));
    check_invariants(&F->map);
}

static void alloc_never_returns_non_ram(void **state)
{
    const struct pvh_region in[] = {
        R(0x100000, 0x100000, ACPI), R(0x200000, 0x100000, RES), R(0x300000, 0x100000, PMEM),
    };

    assert_int_equal(normalise(in, COUNT(in)), PVH_OK);
    assert_int_equal(pvh_memmap_alloc(&F->map, PAGE, PAGE, TOP, NULL, 0, 1), 0);
}

/* ---- covers and ram_total -------------------------------------------------- */

static void covers_map(void)
{
    const struct pvh_region in[] = {
        R(0x1000, 0x9e000, RAM),
        R(0x9f000, 0x1000, RES),
        /* hole 0xa0000..0xf0000 */
        R(0xf0000, 0x10000, RES),
        R(0x100000, 0x100000, RAM),
        R(0x200000, 0x10000, ACPI),
        R(0x210000, 0xf0000, RAM),
        R(0x400000, 0x1000, 31),
        R(0x401000, 0x1000, 40),
    };

    assert_int_equal(normalise(in, COUNT(in)), PVH_OK);
}

#define BIT(t) PVH_TYPE_BIT(t)

static void covers_checks_type_mask(void **state)
{
    covers_map();
    assert_true(pvh_memmap_covers(&F->map, 0x100000, 0x100000, BIT(RAM)));
    assert_false(pvh_memmap_covers(&F->map, 0x100000, 0x100000, BIT(ACPI)));
    assert_true(pvh_memmap_covers(&F->map, 0x200000, 0x10000, BIT(ACPI)));
    assert_true(pvh_memmap_covers(&F->map, 0x200000, 0x10000, PVH_MEMORY_TYPES));
    assert_false(pvh_memmap_covers(&F->map, 0xf0000, 0x10, PVH_MEMORY_TYPES));
    assert_true(pvh_memmap_covers(&F->map, 0x400000, 0x1000, BIT(31)));
    /* A type beyond the mask's 32 bits is never covered. */
    assert_false(pvh_memmap_covers(&F->map, 0x401000, 0x1000, ~0u));
}

static void covers_spans_adjacent_regions(void **state)
{
    covers_map();
    /* RAM, ACPI, RAM: all memory types. */
    assert_true(pvh_memmap_covers(&F->map, 0x1ff000, 0x12000, BIT(RAM) | BIT(ACPI)));
    assert_false(pvh_memmap_covers(&F->map, 0x1ff000, 0x12000, BIT(RAM)));
    /* Reserved then RAM. */
    assert_true(pvh_memmap_covers(&F->map, 0xff000, 0x2000, BIT(RES) | BIT(RAM)));
    /* Exactly a region and one byte more. */
    assert_true(pvh_memmap_covers(&F->map, 0x210000, 0xf0000, BIT(RAM)));
    assert_false(pvh_memmap_covers(&F->map, 0x210000, 0xf0001, BIT(RAM)));
}

static void covers_fails_across_holes(void **state)
{
    covers_map();
    assert_false(pvh_memmap_covers(&F->map, 0x9f000, 0x2000, BIT(RES)));
    assert_false(pvh_memmap_covers(&F->map, 0xc0000, 0x10, ~0u));
    /* Before the first region, and after the last. */
    assert_false(pvh_memmap_covers(&F->map, 0, 0x10, BIT(RAM)));
    assert_false(pvh_memmap_covers(&F->map, 0xfff, 2, BIT(RAM)));
    assert_true(pvh_memmap_covers(&F->map, 0x1000, 1, BIT(RAM)));
    assert_false(pvh_memmap_covers(&F->map, 0x402000, 1, ~0u));
    assert_false(pvh_memmap_covers(&F->map, 0x300000, 1, BIT(RAM)));
    assert_true(pvh_memmap_covers(&F->map, 0x2fffff, 1, BIT(RAM)));
}

static void covers_size_0_asks_about_one_byte(void **state)
{
    covers_map();
    assert_true(pvh_memmap_covers(&F->map, 0x2fffff, 0, BIT(RAM)));
    assert_false(pvh_memmap_covers(&F->map, 0x300000, 0, BIT(RAM)));
    assert_false(pvh_memmap_covers(&F->map, 0, 0, BIT(RAM)));
}

static void covers_rejects_wrapping_ranges(void **state)
{
    const struct pvh_region top[] = { R(0xffffffff00000000ull, 0xfffff000, RAM) };

    assert_int_equal(normalise(top, 1), PVH_OK);
    assert_true(pvh_memmap_covers(&F->map, 0xffffffff00000000ull, 0xfffff000, BIT(RAM)));
    assert_false(pvh_memmap_covers(&F->map, 0xffffffff00000000ull, TOP, BIT(RAM)));
    assert_false(pvh_memmap_covers(&F->map, TOP, 1, ~0u));
    assert_false(pvh_memmap_covers(&F->map, TOP, 0, ~0u));
}

static void covers_empty_map_covers_nothing(void **state)
{
    assert_int_equal(normalise(NULL, 0), PVH_OK);
    assert_false(pvh_memmap_covers(&F->map, 0x1000, 0x1000, ~0u));
}

static void ram_total_counts_ram_including_claimed(void **state)
{
    alloc_map();
    assert_int_equal(pvh_memmap_ram_total(&F->map), 0x9f000 + 0xf00000);
    assert_int_equal(claim(0x100000, 0x80000, PVH_REGION_PVHBOOT), PVH_OK);
    assert_int_equal(pvh_memmap_ram_total(&F->map), 0x9f000 + 0xf00000);
    covers_map();
    assert_int_equal(pvh_memmap_ram_total(&F->map), 0x9e000 + 0x100000 + 0xf0000);
    assert_int_equal(normalise(NULL, 0), PVH_OK);
    assert_int_equal(pvh_memmap_ram_total(&F->map), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

/* ---- reserve: Xen's shared pages out of RAM ---------------------------- */

static void reserve_turns_a_ram_page_into_reserved(void **state)
{
    uint64_t before;

    claim_map();
    before = pvh_memmap_ram_total(&F->map);
    memset(&F->err, 0, sizeof(F->err));
    assert_int_equal(pvh_memmap_reserve(&F->map, 0x180000, 0x1000, &F->err), PVH_OK);
    expect_map(R(0xf0000, 0x10000, RES), R(0x100000, 0x80000, RAM), R(0x180000, 0x1000, RES),
               R(0x181000, 0x7f000, RAM), OTHERS);
    assert_int_equal(pvh_memmap_ram_total(&F->map), before - 0x1000);
}

/* A reserved page is no longer RAM: it cannot be claimed, nor reserved twice. */
static void reserved_page_cannot_be_claimed_or_reserved_again(void **state)
{
    claim_map();
    assert_int_equal(pvh_memmap_reserve(&F->map, 0x300000, 0x1000, &F->err), PVH_OK);
    assert_error(claim(0x300000, 0x1000, PVH_REGION_PVHBOOT), &F->err, PVH_ERANGE,
                 "not inside one free RAM region");
    assert_error(pvh_memmap_reserve(&F->map, 0x300000, 0x1000, &F->err), &F->err, PVH_ERANGE,
                 "not inside one free RAM region");
}

static void reserve_refuses_what_is_not_ram(void **state)
{
    claim_map();
    assert_error(pvh_memmap_reserve(&F->map, 0x200000, 0x1000, &F->err), &F->err, PVH_ERANGE,
                 "not inside one free RAM region");
}


int main(void)
{
    const struct CMUnitTest tests[] = {
        T(normalise_empty_input_gives_empty_map),
        T(normalise_in_order_equals_the_sweep),
        T(normalise_sorts_unsorted_input),
        T(normalise_reserved_wins_over_ram_on_overlap),
        T(normalise_precedence_chain),
        T(normalise_all_types_stacked_gives_reserved),
        T(normalise_unknown_types_larger_number_wins_either_order),
        T(normalise_keeps_unknown_type_number),
        T(normalise_drops_zero_size_entries),
        T(normalise_merges_adjacent_same_type),
        T(normalise_shrinks_ram_to_whole_pages),
        T(normalise_drops_ram_smaller_than_a_page),
        T(normalise_aligns_ram_after_overlap_resolution),
        T(normalise_rejects_entry_wrapping_past_2_64),
        T(normalise_rejects_entry_ending_exactly_at_2_64),
        T(normalise_accepts_entry_ending_at_last_byte),
        T(normalise_accepts_1024_entries),
        T(normalise_rejects_1025_entries),
        T(normalise_adversarial_1024_entries),
        T(normalise_matches_reference_on_random_maps),
        T(normalise_reports_full_output),
        T(claim_splits_ram_region_in_three),
        T(claim_at_start_of_region),
        T(claim_at_end_of_region),
        T(claim_whole_region),
        T(claim_rounds_out_to_pages),
        T(claim_fails_for_non_ram),
        T(claim_fails_for_range_spanning_two_regions),
        T(claim_fails_for_already_claimed_range),
        T(claim_rejects_empty_or_wrapping_range),
        T(claim_rejects_size_wrapping_to_below_base_in_its_page),
        T(claim_adjacent_same_flag_merges),
        T(claim_adjacent_other_flag_stays_separate),
        T(claim_without_room_leaves_map_unchanged),
        T(alloc_takes_highest_fit_below_limit),
        T(alloc_without_limit_takes_top_of_ram),
        T(alloc_respects_alignment),
        T(alloc_refuses_bad_arguments),
        T(alloc_avoids_ranges),
        T(alloc_moves_to_lower_region_when_avoided),
        T(alloc_never_returns_page_0),
        T(alloc_returns_0_when_nothing_fits),
        T(alloc_skips_claimed_memory),
        T(alloc_never_returns_non_ram),
        T(covers_checks_type_mask),
        T(covers_spans_adjacent_regions),
        T(covers_fails_across_holes),
        T(covers_size_0_asks_about_one_byte),
        T(covers_rejects_wrapping_ranges),
        T(covers_empty_map_covers_nothing),
        T(ram_total_counts_ram_including_claimed),
        T(reserve_turns_a_ram_page_into_reserved),
        T(reserved_page_cannot_be_claimed_or_reserved_again),
        T(reserve_refuses_what_is_not_ram),
    };

    return cmocka_run_group_tests_name("memmap", tests, NULL, NULL);
}
