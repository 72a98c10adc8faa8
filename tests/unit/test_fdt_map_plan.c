/*
 * The identity map's plan (common/fdt/fdt_boot.c, pvh_fdt_map_plan): what
 * arm64's mmu.c maps as Normal memory and what it leaves unmapped,
 * from the ranges a device tree gives. First from a tree built with the
 * writer and read by pvh_fdt_read_memory (which ranges count as no-map),
 * then from hand-made ranges (rounding, merging, overlaps, the kept
 * range).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <xen/e820.h>

#include "common/boot/boot_store.h"
#include "common/fdt/fdt.h"
#include "common/fdt/fdt_boot.h"
#include "tests/unit/support.h"

#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x40000000ull
#define TREE_AT 0x7fe00000ull /* where the tree "lies", inside a /memreserve/ */

static struct pvh_error err;
static struct pvh_map_plan plan;

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void reg(struct pvh_fdt_writer *w, uint64_t base, uint64_t size)
{
    uint8_t b[16];

    be32(b, (uint32_t)(base >> 32));
    be32(b + 4, (uint32_t)base);
    be32(b + 8, (uint32_t)(size >> 32));
    be32(b + 12, (uint32_t)size);
    assert_int_equal(pvh_fdt_property(w, "reg", b, 16, &err), 0);
}

static void u32(struct pvh_fdt_writer *w, const char *name, uint32_t v)
{
    uint8_t b[4];

    be32(b, v);
    assert_int_equal(pvh_fdt_property(w, name, b, 4, &err), 0);
}

static void reserved_child(struct pvh_fdt_writer *w, const char *name, uint64_t base,
                           uint64_t size, int no_map)
{
    assert_int_equal(pvh_fdt_begin_node(w, name, &err), 0);
    reg(w, base, size);
    if (no_map)
        assert_int_equal(pvh_fdt_property(w, "no-map", NULL, 0, &err), 0);
    assert_int_equal(pvh_fdt_end_node(w, &err), 0);
}

/*
 * / { memory@40000000 { 1 GiB };
 *     reserved-memory { fw@50000000 { 2 MiB, no-map };
 *                       pool@60000000 { 1 MiB, mapped };
 *                       odd@61000800 { 0x100 bytes, no-map: its whole page goes };
 *                       size-only { size, no reg: not placed yet } } }
 * /memreserve/ 0x48000000 0x1000, and TREE_AT 0x100000 (the tree's own).
 */
static void read_tree(struct pvh_boot_store *st)
{
    static uint8_t buf[4096];
    const uint64_t rsv[2][2] = { { 0x48000000, 0x1000 }, { TREE_AT, 0x100000 } };
    struct pvh_fdt_writer w;
    struct pvh_fdt fdt;
    uint8_t *blob;
    uint32_t total;

    assert_int_equal(pvh_fdt_writer_init(&w, buf, sizeof(buf), rsv, 2, &err), 0);
    pvh_fdt_begin_node(&w, "", &err);
    u32(&w, "#address-cells", 2);
    u32(&w, "#size-cells", 2);
    pvh_fdt_begin_node(&w, "memory@40000000", &err);
    reg(&w, RAM_BASE, RAM_SIZE);
    assert_int_equal(pvh_fdt_property(&w, "device_type", "memory", 7, &err), 0);
    pvh_fdt_end_node(&w, &err);
    pvh_fdt_begin_node(&w, "reserved-memory", &err);
    u32(&w, "#address-cells", 2);
    u32(&w, "#size-cells", 2);
    pvh_fdt_property(&w, "ranges", NULL, 0, &err);
    reserved_child(&w, "fw@50000000", 0x50000000, 0x200000, 1);
    reserved_child(&w, "pool@60000000", 0x60000000, 0x100000, 0);
    reserved_child(&w, "odd@61000800", 0x61000800, 0x100, 1);
    pvh_fdt_begin_node(&w, "size-only", &err);
    u32(&w, "size", 0x100000);
    pvh_fdt_property(&w, "no-map", NULL, 0, &err);
    pvh_fdt_end_node(&w, &err);
    pvh_fdt_end_node(&w, &err);
    pvh_fdt_end_node(&w, &err);
    assert_int_equal(pvh_fdt_finish(&w, &total, &err), 0);

    blob = malloc(total); /* exactly sized: ASan sees any read past it */
    assert_non_null(blob);
    memcpy(blob, buf, total);
    pvh_boot_store_init(st, 0x40200000, 0x40300000);
    assert_int_equal(pvh_fdt_open(&fdt, blob, total, &err), 0);
    assert_int_equal(pvh_fdt_read_memory(&fdt, st, &err), 0);
    free(blob);
}

static void expect(unsigned i, uint64_t base, uint64_t end, enum pvh_map_kind kind)
{
    assert_true(i < plan.nr);
    assert_int_equal(plan.ranges[i].base, base);
    assert_int_equal(plan.ranges[i].end, end);
    assert_int_equal(plan.ranges[i].kind, kind);
}

static void no_map_and_memreserve_ranges_are_left_unmapped(void **state)
{
    struct pvh_boot_store *st = calloc(1, sizeof(*st));

    (void)state;
    assert_non_null(st);
    read_tree(st);
    /* The tree's pages stay mapped although a /memreserve/ covers them. */
    assert_int_equal(pvh_fdt_map_plan(st->raw, st->nr_raw, TREE_AT + 0x10, TREE_AT + 0x2000,
                                      &plan, &err), 0);
    expect(0, RAM_BASE, 0x48000000, PVH_MAP_NORMAL);
    expect(1, 0x48000000, 0x48001000, PVH_MAP_NONE);      /* /memreserve/ */
    expect(2, 0x48001000, 0x50000000, PVH_MAP_NORMAL);
    expect(3, 0x50000000, 0x50200000, PVH_MAP_NONE);      /* fw: no-map */
    expect(4, 0x50200000, 0x61000000, PVH_MAP_NORMAL);    /* pool: reserved but mapped */
    expect(5, 0x61000000, 0x61001000, PVH_MAP_NONE);      /* odd: its whole page */
    expect(6, 0x61001000, TREE_AT + 0x2000, PVH_MAP_NORMAL); /* up to the tree's last page */
    expect(7, TREE_AT + 0x2000, TREE_AT + 0x100000, PVH_MAP_NONE);
    expect(8, TREE_AT + 0x100000, RAM_BASE + RAM_SIZE, PVH_MAP_NORMAL);
    assert_int_equal(plan.nr, 9);
    free(st);
}

static void plan_of(const struct pvh_region *r, unsigned n, uint64_t keep_base, uint64_t keep_end)
{
    assert_int_equal(pvh_fdt_map_plan(r, n, keep_base, keep_end, &plan, &err), 0);
}

static void ram_ranges_merge_and_round_outwards(void **state)
{
    const struct pvh_region r[] = {
        { 0x80000000, 0x1000, E820_TYPE_RAM, 0 },
        { 0x40000010, 0x1ff0, E820_TYPE_RAM, 0 }, /* unaligned: pages 0x40000000-0x40002000 */
        { 0x40002000, 0x3000, E820_TYPE_RAM, 0 }, /* adjacent: one range */
        { 0x40001000, 0x2000, E820_TYPE_RAM, 0 }, /* overlapping */
        { 0x90000000, 0x1000, E820_TYPE_RESERVED, 0 }, /* reserved, mapped: not in the plan */
        { 0xa0000000, 0, E820_TYPE_RAM, 0 },           /* empty: ignored */
    };

    (void)state;
    plan_of(r, 6, 0, 0);
    assert_int_equal(plan.nr, 2);
    expect(0, 0x40000000, 0x40005000, PVH_MAP_NORMAL);
    expect(1, 0x80000000, 0x80001000, PVH_MAP_NORMAL);
}

static void hole_outside_ram_is_unmapped_too(void **state)
{
    /* A /memreserve/ in device space and one straddling the end of RAM. */
    const struct pvh_region r[] = {
        { 0x40000000, 0x100000, E820_TYPE_RAM, 0 },
        { 0x8000000, 0x10000, E820_TYPE_RESERVED, PVH_FDT_REGION_NO_MAP },
        { 0x400ff000, 0x2000, E820_TYPE_RESERVED, PVH_FDT_REGION_NO_MAP },
    };

    (void)state;
    plan_of(r, 3, 0, 0);
    assert_int_equal(plan.nr, 3);
    expect(0, 0x8000000, 0x8010000, PVH_MAP_NONE);
    expect(1, 0x40000000, 0x400ff000, PVH_MAP_NORMAL);
    expect(2, 0x400ff000, 0x40101000, PVH_MAP_NONE);
}

static void kept_range_wins_over_hole_but_adds_no_ram(void **state)
{
    const struct pvh_region r[] = {
        { 0x40000000, 0x10000, E820_TYPE_RAM, 0 },
        { 0x40000000, 0x10000, E820_TYPE_RESERVED, PVH_FDT_REGION_NO_MAP },
    };

    (void)state;
    /* The kept range reaches past RAM and hole: only its part inside them counts. */
    plan_of(r, 2, 0x4000f800, 0x40020000);
    assert_int_equal(plan.nr, 2);
    expect(0, 0x40000000, 0x4000f000, PVH_MAP_NONE);
    expect(1, 0x4000f000, 0x40010000, PVH_MAP_NORMAL);
}

static void range_at_the_top_of_the_address_space(void **state)
{
    const struct pvh_region r[] = {
        { 0xfffffffffffff000ull - 0x2000, 0x1800, E820_TYPE_RAM, 0 },
    };

    (void)state;
    plan_of(r, 1, 0, 0);
    assert_int_equal(plan.nr, 1);
    expect(0, 0xfffffffffffff000ull - 0x2000, 0xfffffffffffff000ull, PVH_MAP_NORMAL);
}

static void refuses_more_ranges_than_a_map_holds(void **state)
{
    static struct pvh_region r[PVH_MEMMAP_IN_MAX + 1];

    (void)state;
    assert_error(pvh_fdt_map_plan(r, PVH_MEMMAP_IN_MAX + 1, 0, 0, &plan, &err), &err, PVH_E2BIG,
                 "map plan: 1025 ranges, at most 1024");
}

static void many_disjoint_holes_fit_the_plan(void **state)
{
    static struct pvh_region r[PVH_MEMMAP_IN_MAX];
    unsigned i;

    (void)state;
    r[0] = (struct pvh_region){ 0x40000000, 0x40000000, E820_TYPE_RAM, 0 };
    for (i = 1; i < PVH_MEMMAP_IN_MAX; i++)
        r[i] = (struct pvh_region){ 0x40000000 + 0x10000ull * i, 0x1000, E820_TYPE_RESERVED,
                                    PVH_FDT_REGION_NO_MAP };
    plan_of(r, PVH_MEMMAP_IN_MAX, 0, 0);
    assert_int_equal(plan.nr, 2 * PVH_MEMMAP_IN_MAX - 1);
    for (i = 1; i < PVH_MEMMAP_IN_MAX; i++)
        expect(2 * i - 1, 0x40000000 + 0x10000ull * i, 0x40001000 + 0x10000ull * i, PVH_MAP_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_map_and_memreserve_ranges_are_left_unmapped),
        cmocka_unit_test(ram_ranges_merge_and_round_outwards),
        cmocka_unit_test(hole_outside_ram_is_unmapped_too),
        cmocka_unit_test(kept_range_wins_over_hole_but_adds_no_ram),
        cmocka_unit_test(range_at_the_top_of_the_address_space),
        cmocka_unit_test(refuses_more_ranges_than_a_map_holds),
        cmocka_unit_test(many_disjoint_holes_fit_the_plan),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
