/*
 * common/cpu/low_page.c: the page below 640 KiB that x86's start-up code
 * for the other CPUs is copied to, claimed in the memory map.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <xen/e820.h>

#include "common/cpu/low_page.h"

#define RAM E820_TYPE_RAM
#define RESERVED E820_TYPE_RESERVED

static struct pvh_region regions[16];
static struct pvh_memmap map;

static void set_map(const struct pvh_region *r, unsigned n)
{
    memcpy(regions, r, n * sizeof(*r));
    map = (struct pvh_memmap){ .regions = regions, .nr = n, .cap = 16 };
}

/* The region holding pa, which must exist. */
static const struct pvh_region *region_of(uint64_t pa)
{
    for (unsigned i = 0; i < map.nr; i++)
        if (pa >= map.regions[i].base && pa - map.regions[i].base < map.regions[i].size)
            return &map.regions[i];
    fail_msg("no region holds 0x%llx", (unsigned long long)pa);
    return NULL;
}

static void expect_claimed(uint64_t page)
{
    const struct pvh_region *r = region_of(page);

    assert_int_equal(r->type, RAM);
    assert_int_equal(r->flags, PVH_REGION_PVHBOOT);
    assert_int_equal(r->base, page);
    assert_int_equal(r->size, PVH_PAGE_SIZE);
}

/* SeaBIOS under QEMU pc: RAM up to the EBDA at 0x9fc00 (the normaliser
 * cut RAM to whole pages), the BIOS area reserved, RAM from 1 MiB. */
static const struct pvh_region pc_map[] = {
    { 0x0, 0x9f000, RAM, 0 },
    { 0x9fc00, 0x400, RESERVED, 0 },
    { 0xf0000, 0x10000, RESERVED, 0 },
    { 0x100000, 0x7f00000, RAM, 0 },
};

static void takes_the_highest_page_below_640k(void **state)
{
    set_map(pc_map, 4);
    assert_int_equal(pvh_low_page_alloc(&map, 0x9fc00, NULL, 0, PVH_REGION_PVHBOOT), 0x9e000);
    expect_claimed(0x9e000);
    assert_int_equal(region_of(0x9d000)->flags, 0);
}

static void stays_below_the_ebda(void **state)
{
    set_map(pc_map, 4);
    assert_int_equal(pvh_low_page_alloc(&map, 0x80400, NULL, 0, PVH_REGION_PVHBOOT), 0x7f000);
    expect_claimed(0x7f000);
}

static void xen_guest_ram_from_0_without_ebda(void **state)
{
    static const struct pvh_region xen[] = { { 0x0, 0x4000000, RAM, 0 } };

    set_map(xen, 1);
    assert_int_equal(pvh_low_page_alloc(&map, 0, NULL, 0, PVH_REGION_PVHBOOT), 0x9f000);
    expect_claimed(0x9f000);
}

static void ignores_an_ebda_above_640k(void **state)
{
    static const struct pvh_region xen[] = { { 0x0, 0x4000000, RAM, 0 } };

    set_map(xen, 1);
    assert_int_equal(pvh_low_page_alloc(&map, 0xc0000, NULL, 0, PVH_REGION_PVHBOOT), 0x9f000);
}

static void avoids_modules(void **state)
{
    struct pvh_range module = { 0x90800, 0x200000 };

    set_map(pc_map, 4);
    assert_int_equal(pvh_low_page_alloc(&map, 0x9fc00, &module, 1, PVH_REGION_PVHBOOT), 0x8f000);
    expect_claimed(0x8f000);
}

static void skips_pages_already_claimed(void **state)
{
    static const struct pvh_region claimed[] = {
        { 0x0, 0x90000, RAM, 0 },
        { 0x90000, 0x10000, RAM, PVH_REGION_PVHBOOT },
        { 0x100000, 0x100000, RAM, 0 },
    };

    set_map(claimed, 3);
    assert_int_equal(pvh_low_page_alloc(&map, 0, NULL, 0, PVH_REGION_PVHBOOT), 0x8f000);
}

static void none_without_low_ram(void **state)
{
    static const struct pvh_region high[] = {
        { 0x0, 0xa0000, RESERVED, 0 },
        { 0x100000, 0x7f00000, RAM, 0 },
    };

    set_map(high, 2);
    assert_int_equal(pvh_low_page_alloc(&map, 0, NULL, 0, PVH_REGION_PVHBOOT), 0);
    assert_int_equal(map.nr, 2);
}

static void never_page_0(void **state)
{
    static const struct pvh_region page0[] = {
        { 0x0, 0x1000, RAM, 0 },
        { 0x1000, 0x9f000, RESERVED, 0 },
    };

    set_map(page0, 2);
    assert_int_equal(pvh_low_page_alloc(&map, 0, NULL, 0, PVH_REGION_PVHBOOT), 0);
}

static void page_1_when_it_is_all_there_is(void **state)
{
    static const struct pvh_region page1[] = {
        { 0x0, 0x2000, RAM, 0 },
        { 0x2000, 0x9e000, RESERVED, 0 },
    };

    set_map(page1, 2);
    assert_int_equal(pvh_low_page_alloc(&map, 0, NULL, 0, PVH_REGION_PVHBOOT), 0x1000);
    expect_claimed(0x1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(takes_the_highest_page_below_640k),
        cmocka_unit_test(stays_below_the_ebda),
        cmocka_unit_test(xen_guest_ram_from_0_without_ebda),
        cmocka_unit_test(ignores_an_ebda_above_640k),
        cmocka_unit_test(avoids_modules),
        cmocka_unit_test(skips_pages_already_claimed),
        cmocka_unit_test(none_without_low_ram),
        cmocka_unit_test(never_page_0),
        cmocka_unit_test(page_1_when_it_is_all_there_is),
    };

    return cmocka_run_group_tests_name("low_page", tests, NULL, NULL);
}
