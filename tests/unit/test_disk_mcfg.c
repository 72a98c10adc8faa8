/*
 * firmware/disk/mcfg.c: segment 0's ECAM for bus 0 from the ACPI MCFG,
 * as pvhboot-disk reads it on x86, against hostile tables.
 *
 * Layout written here from the PCI Firmware Specification 3.3 (table
 * 4-3), not taken from mcfg.c: the 36-byte ACPI header, 8 reserved
 * bytes, then 16-byte allocations (u64 base, u16 segment, u8 start bus,
 * u8 end bus, u32 reserved). Each table handed to the parser is a heap
 * buffer of exactly its length, so ASan reports a read past its end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/disk/mcfg.h"
#include "tests/unit/support.h"

#define MIB (1ull << 20)
#define HEADER 44u
#define ALLOC 16u
#define SDT_CHECKSUM 9

#define RSDP_PA 0xf5a40ull
#define XSDT_PA 0x7fe1000ull
#define MCFG_PA 0x7fe5000ull

/* QEMU q35 with 2 GiB below 4 GiB, as SeaBIOS reports it: RAM, the ACPI
 * tables, and the ECAM window it programmed marked reserved. */
static const struct pvh_region q35_map[] = {
    { 0x0, 0x9fc00, 1, 0 },
    { 0x9fc00, 0x400, 2, 0 },
    { 0xf0000, 0x10000, 2, 0 },
    { 0x100000, 0x7fee0000, 1, 0 },
    { 0x7ffe0000, 0x20000, 3, 0 },
    { 0xb0000000, 0x10000000, 2, 0 },
    { 0xfffc0000, 0x40000, 2, 0 },
};
#define Q35_N (sizeof(q35_map) / sizeof(q35_map[0]))

static uint8_t table[HEADER + 8 * ALLOC];
static uint32_t table_len;
static struct pvh_error err;
static struct pvh_ecam ecam;
static struct sim_mem M;

static int setup(void **state)
{
    memset(table, 0, sizeof(table));
    memcpy(table, "MCFG", 4);
    table[8] = 1;
    table_len = HEADER;
    memset(&err, 0, sizeof(err));
    ecam = (struct pvh_ecam){ 0x5a5a, 0x5a5a };
    sim_init(&M);
    return 0;
}

static int teardown(void **state)
{
    sim_free(&M);
    return 0;
}

static void le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void alloc(uint64_t base, uint16_t segment, uint8_t start, uint8_t end)
{
    uint8_t *a = table + table_len;

    le(a, base, 8);
    le(a + 8, segment, 2);
    a[10] = start;
    a[11] = end;
    le(a + 12, 0, 4);
    table_len += ALLOC;
}

/* The parser on the first len bytes of the table, copied to a buffer of
 * exactly len bytes. */
static int parse_len(uint32_t len, const struct pvh_region *map, unsigned n)
{
    uint8_t *copy = malloc(len ? len : 1);
    int rc;

    assert_non_null(copy);
    memcpy(copy, table, len);
    rc = pvh_mcfg_parse(copy, len, map, n, &ecam, &err);
    free(copy);
    return rc;
}

static int parse(void)
{
    return parse_len(table_len, q35_map, Q35_N);
}

static void expect_ecam(uint64_t base, uint64_t size)
{
    assert_int_equal(ecam.base, base);
    assert_int_equal(ecam.size, size);
}

static void reads_q35_window_of_256_buses(void **state)
{
    alloc(0xb0000000, 0, 0, 255);
    assert_int_equal(parse(), PVH_OK);
    expect_ecam(0xb0000000, 256 * MIB);
}

static void reads_one_bus_window_at_1mib_alignment(void **state)
{
    /* Cloud Hypervisor's and Firecracker's: bus 0 alone, the base
     * aligned to a bus's 1 MiB but not to 256 MiB. */
    alloc(0xeec00000, 0, 0, 0);
    assert_int_equal(parse(), PVH_OK);
    expect_ecam(0xeec00000, MIB);
}

static void skips_other_segments_and_buses_not_from_0(void **state)
{
    alloc(0xc0000000, 1, 0, 255);
    alloc(0xd0000000, 0, 16, 31);
    alloc(0xe0000000, 0, 0, 15);
    alloc(0xe8000000, 0, 0, 0);   /* a second one for bus 0: the first counts */
    assert_int_equal(parse(), PVH_OK);
    expect_ecam(0xe0000000, 16 * MIB);
}

static void no_allocation_for_segment_0_bus_0_is_enoent(void **state)
{
    alloc(0xc0000000, 1, 0, 255);
    alloc(0xd0000000, 0, 1, 255);
    assert_error(parse(), &err, PVH_ENOENT, "ACPI MCFG: no segment 0 bus 0");
}

static void refuses_every_length_but_header_and_whole_allocations(void **state)
{
    alloc(0xb0000000, 0, 0, 255);
    alloc(0xc0000000, 1, 0, 255);
    for (uint32_t len = 0; len <= table_len; len++) {
        int rc = parse_len(len, q35_map, Q35_N);
        char want[32];

        if (len == HEADER + ALLOC || len == HEADER + 2 * ALLOC) {
            assert_int_equal(rc, PVH_OK);
            expect_ecam(0xb0000000, 256 * MIB);
            continue;
        }
        snprintf(want, sizeof(want), "ACPI MCFG: length %u", len);
        assert_error(rc, &err, PVH_EINVAL, want);
    }
}

static void refuses_start_bus_past_end_bus_in_any_allocation(void **state)
{
    alloc(0xc0000000, 3, 9, 8);   /* another segment's, before ours */
    alloc(0xb0000000, 0, 0, 255);
    assert_error(parse(), &err, PVH_EINVAL, "ACPI MCFG: buses 9-8");
}

static void refuses_base_0(void **state)
{
    alloc(0, 0, 0, 255);
    assert_error(parse(), &err, PVH_EINVAL, "ACPI MCFG: ECAM base 0x0");
}

static void refuses_base_not_1mib_aligned(void **state)
{
    alloc(0xb0080000, 0, 0, 0);
    assert_error(parse(), &err, PVH_EINVAL, "ACPI MCFG: ECAM base 0xb0080000");
}

static void refuses_window_wrapping_past_2_pow_64(void **state)
{
    alloc(0xfffffffff0000000ull, 0, 0, 255); /* ends exactly at 2^64 */
    assert_error(parse(), &err, PVH_EINVAL, "ACPI MCFG: ECAM base 0xfffffffff0000000");
}

static void takes_window_ending_just_below_2_pow_64(void **state)
{
    /* Not the parser's to refuse: x86_paging_map refuses what lies past
     * the CPU's physical addresses. */
    alloc(0xffffffffe0000000ull, 0, 0, 255);
    assert_int_equal(parse(), PVH_OK);
    expect_ecam(0xffffffffe0000000ull, 256 * MIB);
}

/* Each memory type the page tables map cached: a window over one is
 * refused, naming the window; reserved and unknown types are not memory. */
static void refuses_window_over_memory_of_each_type(void **state)
{
    static const uint32_t memory[] = { 1, 3, 4, 7 }, other[] = { 2, 5, 12, 31, 40 };

    alloc(0xb0000000, 0, 0, 15);
    for (unsigned i = 0; i < 4; i++) {
        struct pvh_region map[] = { { 0x0, 0x9fc00, 1, 0 },
                                    { 0xb0800000, 0x1000, memory[i], 0 } };

        assert_error(parse_len(table_len, map, 2), &err, PVH_EOVERLAP,
                     "ACPI MCFG: ECAM 0xb0000000-0xb0ffffff overlaps memory");
        map[1].base = 0xb0fff000; /* the last page of bus 15 */
        assert_error(parse_len(table_len, map, 2), &err, PVH_EOVERLAP, "overlaps memory");
        map[1] = (struct pvh_region){ 0xafff0000, 0x20000, memory[i], 0 }; /* across the base */
        assert_error(parse_len(table_len, map, 2), &err, PVH_EOVERLAP, "overlaps memory");
        map[1] = (struct pvh_region){ 0xa0000000, 0x20000000, memory[i], 0 }; /* around it */
        assert_error(parse_len(table_len, map, 2), &err, PVH_EOVERLAP, "overlaps memory");
        map[1].base = 0xb1000000; /* just past the window */
        assert_int_equal(parse_len(table_len, map, 2), PVH_OK);
    }
    for (unsigned i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        struct pvh_region map[] = { { 0xa0000000, 0x20000000, other[i], 0 } };

        assert_int_equal(parse_len(table_len, map, 1), PVH_OK);
        expect_ecam(0xb0000000, 16 * MIB);
    }
}

static void refuses_window_over_ram_flagged_as_pvhboots(void **state)
{
    struct pvh_region map[] = { { 0x0, 0x100000, 1, 0 },
                                { 0x100000, 0x200000, 1, PVH_REGION_PVHBOOT } };

    alloc(0x100000, 0, 0, 0);
    assert_error(parse_len(table_len, map, 2), &err, PVH_EOVERLAP,
                 "ACPI MCFG: ECAM 0x100000-0x1fffff overlaps memory");
}

static void window_touching_ram_on_both_sides_is_taken(void **state)
{
    struct pvh_region map[] = { { 0x0, 0xb0000000, 1, 0 },
                                { 0xc0000000, 0x40000000, 1, 0 } };

    alloc(0xb0000000, 0, 0, 255);
    assert_int_equal(parse_len(table_len, map, 2), PVH_OK);
    expect_ecam(0xb0000000, 256 * MIB);
}

/* ---- through the RSDP (pvh_mcfg_find) ----------------------------------- */


/* An RSDP revision 2 naming an XSDT that lists the table at listed. */
static void place_root(uint64_t listed)
{
    uint8_t r[36] = "RSD PTR ", x[44] = "XSDT";

    r[15] = 2;
    le(r + 20, 36, 4);
    le(r + 24, XSDT_PA, 8);
    fix_checksum(r, 20, 8);
    fix_checksum(r, 36, 32);
    sim_add_copy(&M, RSDP_PA, r, sizeof(r));
    le(x + 4, sizeof(x), 4);
    le(x + 36, listed, 8);
    fix_checksum(x, sizeof(x), SDT_CHECKSUM);
    sim_add_copy(&M, XSDT_PA, x, sizeof(x));
}

static void place_mcfg(bool good_checksum)
{
    le(table + 4, table_len, 4);
    fix_checksum(table, table_len, SDT_CHECKSUM);
    if (!good_checksum)
        table[SDT_CHECKSUM]++;
    sim_add_copy(&M, MCFG_PA, table, table_len);
}

static int find(void)
{
    return pvh_mcfg_find(&M.phys, RSDP_PA, q35_map, Q35_N, &ecam, &err);
}

static void finds_mcfg_through_xsdt(void **state)
{
    alloc(0xb0000000, 0, 0, 255);
    place_mcfg(true);
    place_root(MCFG_PA);
    assert_int_equal(find(), PVH_OK);
    expect_ecam(0xb0000000, 256 * MIB);
}

static void no_mcfg_listed_is_enoent(void **state)
{
    uint8_t facp[36] = "FACP";

    le(facp + 4, sizeof(facp), 4);
    fix_checksum(facp, sizeof(facp), SDT_CHECKSUM);
    sim_add_copy(&M, MCFG_PA, facp, sizeof(facp));
    place_root(MCFG_PA);
    assert_error(find(), &err, PVH_ENOENT, "ACPI: no MCFG in the XSDT");
}

static void mcfg_with_bad_checksum_is_refused(void **state)
{
    alloc(0xb0000000, 0, 0, 255);
    place_mcfg(false);
    place_root(MCFG_PA);
    assert_error(find(), &err, PVH_EINVAL, "bad checksum");
}

static void mcfg_found_but_malformed_is_refused(void **state)
{
    alloc(0xb0000000, 0, 7, 6);
    place_mcfg(true);
    place_root(MCFG_PA);
    assert_error(find(), &err, PVH_EINVAL, "ACPI MCFG: buses 7-6");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(reads_q35_window_of_256_buses),
        T(reads_one_bus_window_at_1mib_alignment),
        T(skips_other_segments_and_buses_not_from_0),
        T(no_allocation_for_segment_0_bus_0_is_enoent),
        T(refuses_every_length_but_header_and_whole_allocations),
        T(refuses_start_bus_past_end_bus_in_any_allocation),
        T(refuses_base_0),
        T(refuses_base_not_1mib_aligned),
        T(refuses_window_wrapping_past_2_pow_64),
        T(takes_window_ending_just_below_2_pow_64),
        T(refuses_window_over_memory_of_each_type),
        T(refuses_window_over_ram_flagged_as_pvhboots),
        T(window_touching_ram_on_both_sides_is_taken),
        T(finds_mcfg_through_xsdt),
        T(no_mcfg_listed_is_enoent),
        T(mcfg_with_bad_checksum_is_refused),
        T(mcfg_found_but_malformed_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
