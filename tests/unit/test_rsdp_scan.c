/*
 * common/acpi/acpi.c, pvh_acpi_scan_rsdp(): finding the RSDP where a PC BIOS
 * (or Firecracker) leaves it when the loader passes rsdp_paddr 0.
 *
 * Low memory is simulated as three segments, each exactly its size so
 * that ASan reports a read past it:
 *
 *   0x0-0xfff        page 0, with the BIOS data area's EBDA segment at 0x40e
 *   0x1000-0x1fff    page 1 (where an EBDA starting in page 0 goes on)
 *   0x80000-0x9ffff  conventional memory below the 640 KiB line (the EBDA)
 *   0xe0000-0xfffff  the BIOS area
 *
 * Layout facts from ACPI 6.5, 5.2.5 (not from acpi.c): the signature
 * "RSD PTR " on a 16-byte boundary, a checksum over the first 20 bytes,
 * and from revision 2 on a length at 20 and an extended checksum at 32
 * over all 36 bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "common/acpi/acpi.h"
#include "tests/unit/support.h"

#define PAGE0_PA 0x0ull
#define PAGE0_LEN 0x1000u
#define PAGE1_PA 0x1000ull
#define PAGE1_LEN 0x1000u
#define LOW_PA 0x80000ull
#define LOW_LEN 0x20000u
#define BIOS_PA 0xe0000ull
#define BIOS_LEN 0x20000u
#define EBDA_SEGMENT_AT 0x40eu

#define RSDP_CHECKSUM 8
#define RSDP_REVISION 15
#define RSDP_LENGTH 20
#define RSDP_EXT_CHECKSUM 32
#define RSDP_V2_LEN 36

static struct sim_mem mem;

static int setup(void **state)
{
    (void)state;
    sim_init(&mem);
    sim_add(&mem, PAGE0_PA, PAGE0_LEN);
    sim_add(&mem, PAGE1_PA, PAGE1_LEN);
    sim_add(&mem, LOW_PA, LOW_LEN);
    sim_add(&mem, BIOS_PA, BIOS_LEN);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sim_free(&mem);
    return 0;
}

static uint8_t sum(const uint8_t *p, unsigned n)
{
    uint8_t s = 0;

    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

/* An RSDP of the given revision at pa, with both checksums right. */
static void put_rsdp(uint64_t pa, uint8_t revision)
{
    uint8_t r[RSDP_V2_LEN] = { 'R', 'S', 'D', ' ', 'P', 'T', 'R', ' ' };
    unsigned len = revision >= 2 ? RSDP_V2_LEN : 20;

    memcpy(r + 9, "UNITTS", 6);
    r[RSDP_REVISION] = revision;
    r[16] = 0x00; r[17] = 0x10; r[18] = 0xfe; r[19] = 0x07; /* RSDT 0x7fe1000 */
    if (revision >= 2) {
        r[RSDP_LENGTH] = RSDP_V2_LEN;
        r[24] = 0x00; r[25] = 0x20; r[26] = 0xfe; r[27] = 0x07; /* XSDT 0x7fe2000 */
    }
    r[RSDP_CHECKSUM] = (uint8_t)-sum(r, 20);
    if (revision >= 2)
        r[RSDP_EXT_CHECKSUM] = (uint8_t)-sum(r, RSDP_V2_LEN);
    memcpy(sim_at(&mem, pa), r, len);
}

static void set_ebda_segment(uint16_t seg)
{
    uint8_t *p = sim_at(&mem, EBDA_SEGMENT_AT);

    p[0] = (uint8_t)seg;
    p[1] = (uint8_t)(seg >> 8);
}

static uint64_t scan(enum pvh_rsdp_source *where)
{
    *where = (enum pvh_rsdp_source)-1;
    return pvh_acpi_scan_rsdp(&mem.phys, where);
}

static void finds_rsdp_in_ebda_before_bios_area(void **state)
{
    enum pvh_rsdp_source where;

    (void)state;
    set_ebda_segment(0x9fc0);
    put_rsdp(0x9fc00 + 0x30, 0);
    put_rsdp(0xf5a40, 2);
    assert_int_equal(scan(&where), 0x9fc30);
    assert_int_equal(where, PVH_RSDP_EBDA);
}

static void finds_rsdp_near_end_of_ebda_kib(void **state)
{
    enum pvh_rsdp_source where;

    (void)state;
    set_ebda_segment(0x9000);
    put_rsdp(0x90000 + 0x3e0, 0); /* 20 bytes: fits in the 1 KiB */
    assert_int_equal(scan(&where), 0x903e0);
    assert_int_equal(where, PVH_RSDP_EBDA);
}

static void ignores_rsdp_past_first_kib_of_ebda(void **state)
{
    enum pvh_rsdp_source where;

    (void)state;
    set_ebda_segment(0x9000);
    put_rsdp(0x90400, 0);
    assert_int_equal(scan(&where), 0);
    assert_int_equal(where, PVH_RSDP_NONE);
}

static void finds_rsdp_in_bios_area(void **state)
{
    enum pvh_rsdp_source where;

    (void)state;
    set_ebda_segment(0x9fc0);
    put_rsdp(0xf5a40, 2);
    assert_int_equal(scan(&where), 0xf5a40);
    assert_int_equal(where, PVH_RSDP_BIOS_AREA);
}

/* Firecracker's place: the first byte of the area, no EBDA pointer. */
static void finds_rsdp_at_start_of_bios_area_without_ebda(void **state)
{
    enum pvh_rsdp_source where;

    (void)state;
    put_rsdp(0xe0000, 2);
    assert_int_equal(scan(&where), 0xe0000);
    assert_int_equal(where, PVH_RSDP_BIOS_AREA);
}

static void finds_v1_rsdp_in_last_bytes_of_bios_area(void **state)
{
    enum pvh_rsdp_source where;

    (void)state;
    put_rsdp(0xfffe0, 0);
    assert_int_equal(scan(&where), 0xfffe0);
    assert_int_equal(where, PVH_RSDP_BIOS_AREA);
}

/* 16 bytes before 1 MiB: not even the 20 of revision 0 fit. */
static void ignores_signature_too_close_to_end(void **state)
{
    enum pvh_rsdp_source where;
    uint8_t *p = sim_at(&mem, 0xffff0);

    (void)state;
    memcpy(p, "RSD PTR ", 8);
    assert_int_equal(scan(&where), 0);
    assert_int_equal(where, PVH_RSDP_NONE);
}

/* Revision 2 needs 36 bytes: one 32 bytes before the end is refused. */
static void ignores_v2_rsdp_cut_by_end_of_area(void **state)
{
    enum pvh_rsdp_source where;
    uint8_t r[RSDP_V2_LEN];

    (void)state;
    put_rsdp(0xe0000, 2);
    memcpy(r, sim_at(&mem, 0xe0000), sizeof(r));
    memset(sim_at(&mem, 0xe0000), 0, sizeof(r));
    memcpy(sim_at(&mem, 0xfffe0), r, 32);
    assert_int_equal(scan(&where), 0);
}

static void skips_bad_checksum(void **state)
{
    enum pvh_rsdp_source where;

    (void)state;
    put_rsdp(0xe0000, 0);
    sim_at(&mem, 0xe0000)[RSDP_CHECKSUM] ^= 1;
    put_rsdp(0xe0010, 0);
    assert_int_equal(scan(&where), 0xe0010);
    assert_int_equal(where, PVH_RSDP_BIOS_AREA);
}

static void skips_bad_checksum_in_ebda_for_bios_area(void **state)
{
    enum pvh_rsdp_source where;

    (void)state;
    set_ebda_segment(0x9fc0);
    put_rsdp(0x9fc00, 0);
    sim_at(&mem, 0x9fc00 + 12)[0] ^= 0x40;
    put_rsdp(0xf0000, 0);
    assert_int_equal(scan(&where), 0xf0000);
    assert_int_equal(where, PVH_RSDP_BIOS_AREA);
}

static void skips_bad_extended_checksum(void **state)
{
    enum pvh_rsdp_source where;

    (void)state;
    put_rsdp(0xe0000, 2);
    sim_at(&mem, 0xe0000)[28] ^= 1; /* past the first 20 bytes: only the extended sum sees it */
    put_rsdp(0xe0100, 2);
    assert_int_equal(scan(&where), 0xe0100);
}

static void skips_wrong_signature(void **state)
{
    enum pvh_rsdp_source where;

    (void)state;
    put_rsdp(0xe0000, 0);
    sim_at(&mem, 0xe0000)[7] = 'X';
    assert_int_equal(scan(&where), 0);
    assert_int_equal(where, PVH_RSDP_NONE);
}

static void ignores_rsdp_off_16_byte_boundary(void **state)
{
    enum pvh_rsdp_source where;

    (void)state;
    put_rsdp(0xe0008, 0);
    assert_int_equal(scan(&where), 0);
}

/* The EBDA pointer at 0x40e is the loader's (or the BIOS's) word: a
 * segment at or below 0x40 (the interrupt table, the BIOS data area's
 * start), or one at or past the 640 KiB line, is not looked at; the BIOS
 * area still is. */
static void ignores_garbage_ebda_pointers(void **state)
{
    static const uint16_t garbage[] = { 0x0000, 0x0001, 0x0040, 0xa000, 0xe000, 0xffff };
    enum pvh_rsdp_source where;

    (void)state;
    put_rsdp(0x10, 0);      /* in page 0: what segment 0x0001 would find */
    put_rsdp(0x400, 0);     /* what segment 0x0040 would find */
    put_rsdp(0xf0000, 2);
    for (unsigned i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
        set_ebda_segment(garbage[i]);
        assert_int_equal(scan(&where), 0xf0000);
        assert_int_equal(where, PVH_RSDP_BIOS_AREA);
    }
}

/* Linux and ACPICA take any EBDA segment above 0x40, page 0 included:
 * one at 0xf00 is scanned, from page 1 on (pvhboot leaves page 0
 * unmapped after the boot, so an RSDP there could not be read then). */
static void finds_rsdp_in_ebda_starting_in_page_0(void **state)
{
    enum pvh_rsdp_source where;

    (void)state;
    set_ebda_segment(0x00f0);
    put_rsdp(0x1000 + 0x20, 2);
    put_rsdp(0xf0000, 2);
    assert_int_equal(scan(&where), 0x1020);
    assert_int_equal(where, PVH_RSDP_EBDA);
}

/* The page-0 part of such an EBDA is passed over: the RSDPs there (at
 * 0xf20; at 0x430 in the lowest EBDA, segment 0x41) are not taken, the
 * BIOS area's is. */
static void passes_over_rsdp_in_page_0_part_of_ebda(void **state)
{
    enum pvh_rsdp_source where;

    (void)state;
    put_rsdp(0xf20, 2);
    put_rsdp(0x430, 0);
    put_rsdp(0xf0000, 2);
    set_ebda_segment(0x00f0);
    assert_int_equal(scan(&where), 0xf0000);
    assert_int_equal(where, PVH_RSDP_BIOS_AREA);
    set_ebda_segment(0x0041);
    assert_int_equal(scan(&where), 0xf0000);
    assert_int_equal(where, PVH_RSDP_BIOS_AREA);
}

/* An EBDA less than a KiB below 640 KiB (segment 0x9ff0: 256 bytes) is
 * scanned up to the line and no further: the simulated memory ends there,
 * so reading a whole KiB would fail (or trip ASan). */
static void finds_rsdp_in_ebda_cut_at_640k(void **state)
{
    enum pvh_rsdp_source where;

    (void)state;
    set_ebda_segment(0x9ff0);
    put_rsdp(0x9ffe0, 0); /* 20 bytes, ending 12 bytes below 0xa0000 */
    put_rsdp(0xf0000, 2);
    assert_int_equal(scan(&where), 0x9ffe0);
    assert_int_equal(where, PVH_RSDP_EBDA);
}

/* The cut window holds only whole RSDPs: a version 2 one at 0x9ffe0,
 * whose 36 bytes would run 4 bytes past 640 KiB (its first 32 are there),
 * is not taken from the EBDA; the BIOS area's is. */
static void ignores_rsdp_running_past_640k(void **state)
{
    enum pvh_rsdp_source where;

    (void)state;
    set_ebda_segment(0x9ff0);
    put_rsdp(0xf0000, 2);
    memcpy(sim_at(&mem, 0x9ffe0), sim_at(&mem, 0xf0000), 0x20);
    assert_int_equal(scan(&where), 0xf0000);
    assert_int_equal(where, PVH_RSDP_BIOS_AREA);
}

static void finds_none_in_zeroed_memory(void **state)
{
    enum pvh_rsdp_source where;

    (void)state;
    set_ebda_segment(0x9fc0);
    assert_int_equal(scan(&where), 0);
    assert_int_equal(where, PVH_RSDP_NONE);
}

/* A platform where page 0 cannot be read still gets the BIOS area. */
static void scans_bios_area_when_bda_unreadable(void **state)
{
    enum pvh_rsdp_source where;

    (void)state;
    sim_free(&mem);
    sim_init(&mem);
    sim_add(&mem, BIOS_PA, BIOS_LEN);
    put_rsdp(0xe0000, 2);
    assert_int_equal(scan(&where), 0xe0000);
    assert_int_equal(where, PVH_RSDP_BIOS_AREA);
}

/* Nothing readable at all: no RSDP, no crash. */
static void finds_none_without_low_memory(void **state)
{
    enum pvh_rsdp_source where;

    (void)state;
    sim_free(&mem);
    sim_init(&mem);
    assert_int_equal(scan(&where), 0);
    assert_int_equal(where, PVH_RSDP_NONE);
}

static void names_the_sources(void **state)
{
    (void)state;
    assert_string_equal(pvh_rsdp_source_name(PVH_RSDP_NONE), "none");
    assert_string_equal(pvh_rsdp_source_name(PVH_RSDP_LOADER), "start info");
    assert_string_equal(pvh_rsdp_source_name(PVH_RSDP_EBDA), "EBDA");
    assert_string_equal(pvh_rsdp_source_name(PVH_RSDP_BIOS_AREA), "BIOS area");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(finds_rsdp_in_ebda_before_bios_area),
        T(finds_rsdp_near_end_of_ebda_kib),
        T(ignores_rsdp_past_first_kib_of_ebda),
        T(finds_rsdp_in_bios_area),
        T(finds_rsdp_at_start_of_bios_area_without_ebda),
        T(finds_v1_rsdp_in_last_bytes_of_bios_area),
        T(ignores_signature_too_close_to_end),
        T(ignores_v2_rsdp_cut_by_end_of_area),
        T(skips_bad_checksum),
        T(skips_bad_checksum_in_ebda_for_bios_area),
        T(skips_bad_extended_checksum),
        T(skips_wrong_signature),
        T(ignores_rsdp_off_16_byte_boundary),
        T(ignores_garbage_ebda_pointers),
        T(finds_rsdp_in_ebda_starting_in_page_0),
        T(passes_over_rsdp_in_page_0_part_of_ebda),
        T(finds_rsdp_in_ebda_cut_at_640k),
        T(ignores_rsdp_running_past_640k),
        T(finds_none_in_zeroed_memory),
        T(scans_bios_area_when_bda_unreadable),
        T(finds_none_without_low_memory),
        T(names_the_sources),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
