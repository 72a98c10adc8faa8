/*
 * firmware/firmware.c: the rule added after the hostile-payload tests
 * (tests/boot/test_x86_hostile_payloads.py) found pvhboot.elf taking a
 * kernel segment at physical 0 and then faulting on the copy (page 0
 * is unmapped while pvhboot runs): no destination may touch page 0.
 *
 * The memory map: RAM from 0 to 640 KiB and from 1 MiB to 64 MiB.
 *
 * And issue 15's: payload segments may land on pvhboot's own memory when
 * the architecture runs those copies late (x86: from its trampoline), and
 * the planner knows all of that memory: its image and the page tables for
 * RAM above 4 GiB that the boot claimed (flagged PVH_REGION_PVHBOOT);
 * nothing is allocated there, a copy there is late, and the payload moves
 * below late_src_limit when a late copy reads it.
 *
 * And the packed descriptor as the x86 firmware checks it
 * (pvh_fw_read_pack): pieces in RAM and clear of pvhboot, strings in
 * memory and terminated; every piece before any string, so that in a
 * guest with too little RAM the error names the piece that does not fit
 * (pvhboot-pack puts the strings last).
 *
 * And issue 25's room finder for a relocatable kernel (pvh_fw_find_room,
 * pvh_fw_room_at): the lowest aligned free RAM inside a window, clear of
 * pvhboot and of everything in use but the movables; it claims nothing.
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

#include "firmware/firmware.h"
#include "tests/unit/support.h"

#define FOUR_GIB 0x100000000ull

static struct pvh_fw *fw;

static int setup(void **state)
{
    fw = calloc(1, sizeof(*fw));
    if (!fw)
        return -1;
    fw->regions[0] = (struct pvh_region){ 0, 0xa0000, E820_TYPE_RAM, 0 };
    fw->regions[1] = (struct pvh_region){ 0x100000, 63 << 20, E820_TYPE_RAM, 0 };
    fw->map = (struct pvh_memmap){ fw->regions, 2, PVH_MEMMAP_MAX };
    return 0;
}

static int teardown(void **state)
{
    free(fw);
    return 0;
}

static int add_dest(uint64_t base, uint64_t size, struct pvh_error *err)
{
    memset(err, 0, sizeof(*err));
    return pvh_fw_add_dest(fw, base, size, FOUR_GIB, "kernel", err);
}

static void rejects_destination_in_page_0(void **state)
{
    struct pvh_error err;

    assert_error(add_dest(0, 0x5090, &err), &err, PVH_ERANGE, "kernel at 0x0-0x508f: in page 0");
    assert_error(add_dest(0xfff, 1, &err), &err, PVH_ERANGE, "kernel at 0xfff-0xfff: in page 0");
    assert_int_equal(fw->nr_busy, 0);
}

static void accepts_low_ram_above_page_0(void **state)
{
    struct pvh_error err;

    assert_int_equal(add_dest(0x1000, 0x5000, &err), PVH_OK);
    assert_int_equal(fw->nr_busy, 1);
    /* Still the other rules: RAM only. */
    assert_error(add_dest(0x9f000, 0x2000, &err), &err, PVH_ERANGE, "not in RAM");
}

static void empty_destination_is_nothing(void **state)
{
    struct pvh_error err;

    assert_int_equal(add_dest(0, 0, &err), PVH_OK);
    assert_int_equal(fw->nr_busy, 0);
}

/* ---- pvhboot's own memory (pvh_fw_start) ------------------------------------ */

#define SELF_BASE 0x100000ull
#define SELF_END 0x200000ull
#define TABLES_BASE 0x3ffc000ull /* four table pages at the top of RAM below 4 GiB */
#define TABLES_END 0x4000000ull

static struct pvh_region boot_map[] = {
    { 0, 0xa0000, E820_TYPE_RAM, 0 },
    { SELF_BASE, SELF_END - SELF_BASE, E820_TYPE_RAM, PVH_REGION_PVHBOOT },
    { SELF_END, TABLES_BASE - SELF_END, E820_TYPE_RAM, 0 },
    { TABLES_BASE, TABLES_END - TABLES_BASE, E820_TYPE_RAM, PVH_REGION_PVHBOOT },
    { FOUR_GIB, 2ull << 30, E820_TYPE_RAM, 0 },
};
static struct pvh_boot boot;

static int setup_started(void **state)
{
    struct pvh_error err;

    if (setup(state))
        return -1;
    boot = (struct pvh_boot){ .cmdline = "", .memmap = boot_map,
                              .nr_memmap = sizeof(boot_map) / sizeof(boot_map[0]),
                              .self_base = SELF_BASE, .self_end = SELF_END };
    return pvh_fw_start(fw, &boot, &err);
}

static bool fixed(uint64_t base, uint64_t end)
{
    unsigned i;

    for (i = 0; i < fw->nr_busy; i++)
        if (fw->busy[i].kind == PVH_BUSY_FIXED && fw->busy[i].base == base && fw->busy[i].end == end)
            return true;
    return false;
}

static void start_holds_image_and_high_page_tables(void **state)
{
    assert_true(fixed(SELF_BASE, SELF_END));
    assert_true(fixed(TABLES_BASE, TABLES_END));
    assert_false(fw->late_copies);
}

static void refuses_segment_on_page_tables_without_late_copies(void **state)
{
    struct pvh_error err;

    assert_error(add_dest(TABLES_BASE - 0x1000, 0x2000, &err), &err, PVH_EOVERLAP,
                 "kernel at 0x3ffb000-0x3ffcfff: overlaps pvhboot 0x3ffc000-0x3ffffff");
    assert_error(add_dest(SELF_BASE, 0x5000, &err), &err, PVH_EOVERLAP,
                 "kernel at 0x100000-0x104fff: overlaps pvhboot 0x100000-0x1fffff");
}

static void late_copies_may_land_on_pvhboot(void **state)
{
    struct pvh_error err;
    struct pvh_copy image = { SELF_BASE, 0, 0x5000, 0x80000 };
    struct pvh_copy tables = { TABLES_BASE - 0x1000, 0, 0x1000, 0x2000 };
    struct pvh_copy elsewhere = { 0x800000, 0, 0x1000, 0x1000 };

    fw->late_copies = true;
    assert_int_equal(add_dest(image.dst, image.memsz, &err), PVH_OK);
    assert_int_equal(add_dest(tables.dst, tables.memsz, &err), PVH_OK);
    assert_int_equal(add_dest(elsewhere.dst, elsewhere.memsz, &err), PVH_OK);
    assert_true(pvh_fw_copy_is_late(fw, &image));
    assert_true(pvh_fw_copy_is_late(fw, &tables));
    assert_false(pvh_fw_copy_is_late(fw, &elsewhere));
    /* Still one destination per place. */
    assert_error(add_dest(SELF_BASE + 0x1000, 0x1000, &err), &err, PVH_EOVERLAP,
                 "overlaps another part of the payload");
}

static void allocations_avoid_pvhboot_even_with_late_copies(void **state)
{
    uint64_t a;
    unsigned i;

    fw->late_copies = true;
    for (i = 0; i < 64; i++) {
        a = pvh_fw_alloc(fw, 0x3000, 0x1000, 0, FOUR_GIB);
        assert_true(a != 0);
        assert_true(a + 0x3000 <= SELF_BASE || (a >= SELF_END && a + 0x3000 <= TABLES_BASE));
    }
}

static void plan_payload(uint64_t payload_base, uint64_t dst, struct pvh_error *err)
{
    fw->late_copies = true;
    fw->late_src_limit = FOUR_GIB;
    fw->payload = (struct pvh_module){ .base = payload_base, .size = 0x10000, .cmdline = "" };
    fw->payload_original = payload_base;
    assert_int_equal(add_dest(dst, 0x8000, err), PVH_OK);
    assert_int_equal(pvh_fw_add_copy(fw, dst, 0x1000, 0x4000, 0x8000, err), PVH_OK);
    assert_int_equal(pvh_fw_relocate_movables(fw, NULL, err), PVH_OK);
}

static void payload_read_by_a_late_copy_moves_below_4g(void **state)
{
    struct pvh_error err;

    plan_payload(FOUR_GIB + 0x200000, SELF_BASE, &err);
    assert_int_equal(fw->nr_moves, 1);
    assert_true(fw->payload.base + fw->payload.size <= FOUR_GIB);
    assert_int_equal(fw->moves[0].src, FOUR_GIB + 0x200000);
    assert_int_equal(fw->moves[0].dst, fw->payload.base);
    assert_int_equal(fw->copies[0].src, fw->payload.base + 0x1000);
    assert_true(pvh_fw_copy_is_late(fw, &fw->copies[0]));
}

static void payload_above_4g_stays_when_no_copy_is_late(void **state)
{
    struct pvh_error err;

    plan_payload(FOUR_GIB + 0x200000, 0x800000, &err);
    assert_int_equal(fw->nr_moves, 0);
    assert_int_equal(fw->copies[0].src, FOUR_GIB + 0x201000);
    assert_false(pvh_fw_copy_is_late(fw, &fw->copies[0]));
}

/* A payload under one of its own destinations moves; when a late copy
 * reads it, below late_src_limit, although the most free RAM (where an
 * allocation looks first) lies above 4 GiB. tests/fuzz/fuzz_firmware.c
 * found it moved up there, out of the trampoline's sight. */
static void payload_under_a_destination_moves_below_4g_for_late_copies(void **state)
{
    struct pvh_error err;

    fw->late_copies = true;
    fw->late_src_limit = FOUR_GIB;
    fw->payload = (struct pvh_module){ .base = 0x800000, .size = 0x10000, .cmdline = "" };
    fw->payload_original = 0x800000;
    assert_int_equal(add_dest(SELF_BASE, 0x8000, &err), PVH_OK);
    assert_int_equal(pvh_fw_add_copy(fw, SELF_BASE, 0x1000, 0x4000, 0x8000, &err), PVH_OK);
    assert_int_equal(add_dest(0x800000, 0x4000, &err), PVH_OK);
    assert_int_equal(pvh_fw_add_copy(fw, 0x800000, 0x5000, 0x4000, 0x4000, &err), PVH_OK);
    assert_int_equal(pvh_fw_relocate_movables(fw, NULL, &err), PVH_OK);
    assert_int_equal(fw->nr_moves, 1);
    assert_true(fw->payload.base != 0x800000);
    assert_true(fw->payload.base + fw->payload.size <= FOUR_GIB);
    assert_true(pvh_fw_copy_is_late(fw, &fw->copies[0]));
    assert_int_equal(fw->copies[0].src, fw->payload.base + 0x1000);
}

/* Without a late copy it may go anywhere: the top of RAM, above 4 GiB. */
static void payload_under_a_destination_moves_anywhere_without_late_copies(void **state)
{
    struct pvh_error err;

    fw->late_copies = true;
    fw->late_src_limit = FOUR_GIB;
    fw->payload = (struct pvh_module){ .base = 0x800000, .size = 0x10000, .cmdline = "" };
    fw->payload_original = 0x800000;
    assert_int_equal(add_dest(0x800000, 0x4000, &err), PVH_OK);
    assert_int_equal(pvh_fw_add_copy(fw, 0x800000, 0x5000, 0x4000, 0x4000, &err), PVH_OK);
    assert_int_equal(pvh_fw_relocate_movables(fw, NULL, &err), PVH_OK);
    assert_int_equal(fw->nr_moves, 1);
    assert_true(fw->payload.base >= FOUR_GIB);
}

/* ---- the packed descriptor (pvh_fw_read_pack) ------------------------------- */

/* "RAM" a host buffer at its own address, as the firmware reads it:
 * pvhboot's image in its first 8 KiB, then the packed pieces. */
#define PACKED_RAM 0x10000u
#define PACKED_SELF 0x2000u
static uint8_t *ram;
static struct pvh_region packed_map[1];
static struct pvh_module packed[PVH_PACK_MAX_MODULES];
static struct pvh_pack pack;

static uint64_t at(uint64_t off)
{
    return (uint64_t)(uintptr_t)ram + off;
}

static int setup_packed(void **state)
{
    struct pvh_error err;

    if (setup(state))
        return -1;
    ram = calloc(1, PACKED_RAM);
    if (!ram)
        return -1;
    packed_map[0] = (struct pvh_region){ at(0), PACKED_RAM, E820_TYPE_RAM, 0 };
    boot = (struct pvh_boot){ .cmdline = "", .memmap = packed_map, .nr_memmap = 1,
                              .self_base = at(0), .self_end = at(PACKED_SELF) };
    /* As pvhboot-pack lays it out: the kernel, a module, then the strings. */
    pack = (struct pvh_pack){ .magic = PVH_PACK_MAGIC, .version = PVH_PACK_VERSION,
                              .flags = PVH_PACK_KERNEL, .nr_modules = 2 };
    pack.modules[0] = (struct pvh_pack_module){ at(0x2000), 0x3000, at(0x8000) };
    pack.modules[1] = (struct pvh_pack_module){ at(0x5000), 0x3000, at(0x800b) };
    memcpy(ram + 0x8000, "kernel.elf\0first module", 24);
    return pvh_fw_start(fw, &boot, &err);
}

static int teardown_packed(void **state)
{
    free(ram);
    return teardown(state);
}

static int read_pack(struct pvh_error *err)
{
    memset(err, 0, sizeof(*err));
    return pvh_fw_read_pack(fw, &pack, packed, err);
}

static void packed_pieces_in_ram_are_read(void **state)
{
    struct pvh_error err;

    assert_int_equal(read_pack(&err), PVH_OK);
    assert_int_equal(packed[0].base, at(0x2000));
    assert_int_equal(packed[0].size, 0x3000);
    assert_string_equal(packed[0].cmdline, "kernel.elf");
    assert_int_equal(packed[1].base, at(0x5000));
    assert_string_equal(packed[1].cmdline, "first module");
    /* Copies, not pointers into the pieces. */
    assert_true((const uint8_t *)packed[1].cmdline < ram ||
                (const uint8_t *)packed[1].cmdline >= ram + PACKED_RAM);
}

/* RAM ends inside the module: its strings, after it, are outside too, and
 * the module is named, not the string of the module before it. */
static void packed_module_past_ram_named_before_its_strings(void **state)
{
    struct pvh_error err;
    char want[96];

    fw->regions[0].size = 0x6000;
    snprintf(want, sizeof(want), "packed module 1 at 0x%llx size 12288: not in RAM",
             (unsigned long long)at(0x5000));
    assert_error(read_pack(&err), &err, PVH_ERANGE, want);
    assert_string_equal(err.msg, want);
}

static void packed_module_over_pvhboot_refused(void **state)
{
    struct pvh_error err;
    char want[96];

    pack.modules[1].base = at(PACKED_SELF - 0x1000);
    snprintf(want, sizeof(want), "packed module 1 at 0x%llx size %llu: overlaps pvhboot",
             (unsigned long long)at(PACKED_SELF - 0x1000),
             (unsigned long long)pack.modules[1].size);
    assert_error(read_pack(&err), &err, PVH_EOVERLAP, want);
}

static void packed_module_wrapping_refused(void **state)
{
    struct pvh_error err;

    pack.modules[0].base = UINT64_MAX - 0xfff;
    assert_error(read_pack(&err), &err, PVH_ERANGE,
                 "packed module 0 at 0xfffffffffffff000 size 12288: not in RAM");
    pack.modules[0].base = 0;
    assert_error(read_pack(&err), &err, PVH_ERANGE, "packed module 0 at 0x0 size 12288: not in RAM");
}

static void packed_string_unterminated_at_end_of_ram_refused(void **state)
{
    struct pvh_error err;
    char want[96];

    memset(ram + PACKED_RAM - 16, 'x', 16);
    pack.modules[1].cmdline_pa = at(PACKED_RAM - 16);
    snprintf(want, sizeof(want), "packed module cmdline at 0x%llx: not terminated",
             (unsigned long long)at(PACKED_RAM - 16));
    assert_error(read_pack(&err), &err, PVH_EINVAL, want);
}

static void packed_descriptor_header_checked(void **state)
{
    struct pvh_error err;

    pack.nr_modules = PVH_PACK_MAX_MODULES + 1;
    assert_error(read_pack(&err), &err, PVH_E2BIG, "packed descriptor: 17 modules");
    pack.nr_modules = 0;
    assert_error(read_pack(&err), &err, PVH_EINVAL, "a kernel flagged, none packed");
    pack.flags = 0;
    assert_int_equal(read_pack(&err), PVH_OK);
    pack.version = PVH_PACK_VERSION + 1;
    assert_error(read_pack(&err), &err, PVH_EINVAL, "bad magic or version");
}

/* ---- room for a relocatable kernel (pvh_fw_find_room) ------------------------ */

#define TWO_MIB 0x200000ull

static void find_room_lowest_aligned_free_ram(void **state)
{
    unsigned busy = fw->nr_busy;

    /* pvhboot holds 1-2 MiB; page 0 is never given. */
    assert_int_equal(pvh_fw_find_room(fw, 0x5000, TWO_MIB, 0, FOUR_GIB), TWO_MIB);
    assert_int_equal(pvh_fw_find_room(fw, 0x5000, 0x1000, 0, FOUR_GIB), 0x1000);
    /* Too big for low RAM (640 KiB): past pvhboot. */
    assert_int_equal(pvh_fw_find_room(fw, 0xa0000, 0x1000, 0, FOUR_GIB), SELF_END);
    /* The window's floor, rounded up to the alignment. */
    assert_int_equal(pvh_fw_find_room(fw, 0x1000, TWO_MIB, 0x1000001, FOUR_GIB), 0x1200000);
    /* Above 4 GiB when the window is there. */
    assert_int_equal(pvh_fw_find_room(fw, 0x1000, TWO_MIB, FOUR_GIB, FOUR_GIB + TWO_MIB),
                     FOUR_GIB);
    assert_int_equal(fw->nr_busy, busy); /* nothing claimed */
}

static void find_room_skips_what_is_in_use_but_movables(void **state)
{
    fw->busy[fw->nr_busy++] = (struct pvh_busy){ TWO_MIB, 0x300000, PVH_BUSY_MOVABLE };
    assert_int_equal(pvh_fw_find_room(fw, 0x100000, TWO_MIB, 0, FOUR_GIB), TWO_MIB);
    fw->busy[fw->nr_busy++] = (struct pvh_busy){ 0x280000, 0x281000, PVH_BUSY_ALLOC };
    assert_int_equal(pvh_fw_find_room(fw, 0x100000, TWO_MIB, 0, FOUR_GIB), 0x400000);
    assert_false(pvh_fw_room_at(fw, TWO_MIB, 0x100000));
    assert_true(pvh_fw_room_at(fw, TWO_MIB, 0x80000));     /* the movable alone */
}

static void find_room_none_in_the_window(void **state)
{
    /* The top 2 MiB below the page tables: one candidate, 0x3e00000, which
     * the tables at 0x3ffc000 cut short; one page less fits. */
    assert_int_equal(pvh_fw_find_room(fw, TWO_MIB, TWO_MIB, 0x3e00000, 0x4000000), 0);
    assert_int_equal(pvh_fw_find_room(fw, 0x1fc000, TWO_MIB, 0x3e00000, 0x4000000), 0x3e00000);
    /* Not RAM (the hole below 1 MiB), a window smaller than the image, a
     * non-power-of-two alignment, nothing. */
    assert_int_equal(pvh_fw_find_room(fw, 0x1000, 0x1000, 0xa0000, 0x100000), 0);
    assert_int_equal(pvh_fw_find_room(fw, 0x3000, 0x1000, 0x400000, 0x402000), 0);
    assert_int_equal(pvh_fw_find_room(fw, 0x10000, FOUR_GIB, 0, FOUR_GIB), 0);
    assert_int_equal(pvh_fw_find_room(fw, 0x1000, 0x3000, 0, FOUR_GIB), 0);
    assert_int_equal(pvh_fw_find_room(fw, 0, 0x1000, 0, FOUR_GIB), 0);
    assert_int_equal(pvh_fw_find_room(fw, 0x2000, 0x1000, 0, 0x1000), 0);
    /* pvh_fw_room_at: page 0, pvhboot, an empty or wrapping range. */
    assert_false(pvh_fw_room_at(fw, 0, 0x1000));
    assert_false(pvh_fw_room_at(fw, SELF_BASE, 0x1000));
    assert_false(pvh_fw_room_at(fw, TWO_MIB, 0));
    assert_false(pvh_fw_room_at(fw, UINT64_MAX - 0xfff, 0x2000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(rejects_destination_in_page_0, setup, teardown),
        cmocka_unit_test_setup_teardown(find_room_lowest_aligned_free_ram, setup_started, teardown),
        cmocka_unit_test_setup_teardown(find_room_skips_what_is_in_use_but_movables, setup_started,
                                        teardown),
        cmocka_unit_test_setup_teardown(find_room_none_in_the_window, setup_started, teardown),
        cmocka_unit_test_setup_teardown(accepts_low_ram_above_page_0, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_destination_is_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(start_holds_image_and_high_page_tables, setup_started,
                                        teardown),
        cmocka_unit_test_setup_teardown(refuses_segment_on_page_tables_without_late_copies,
                                        setup_started, teardown),
        cmocka_unit_test_setup_teardown(late_copies_may_land_on_pvhboot, setup_started, teardown),
        cmocka_unit_test_setup_teardown(allocations_avoid_pvhboot_even_with_late_copies,
                                        setup_started, teardown),
        cmocka_unit_test_setup_teardown(payload_read_by_a_late_copy_moves_below_4g, setup_started,
                                        teardown),
        cmocka_unit_test_setup_teardown(payload_above_4g_stays_when_no_copy_is_late, setup_started,
                                        teardown),
        cmocka_unit_test_setup_teardown(payload_under_a_destination_moves_below_4g_for_late_copies,
                                        setup_started, teardown),
        cmocka_unit_test_setup_teardown(
            payload_under_a_destination_moves_anywhere_without_late_copies, setup_started,
            teardown),
        cmocka_unit_test_setup_teardown(packed_pieces_in_ram_are_read, setup_packed,
                                        teardown_packed),
        cmocka_unit_test_setup_teardown(packed_module_past_ram_named_before_its_strings,
                                        setup_packed, teardown_packed),
        cmocka_unit_test_setup_teardown(packed_module_over_pvhboot_refused, setup_packed,
                                        teardown_packed),
        cmocka_unit_test_setup_teardown(packed_module_wrapping_refused, setup_packed,
                                        teardown_packed),
        cmocka_unit_test_setup_teardown(packed_string_unterminated_at_end_of_ram_refused,
                                        setup_packed, teardown_packed),
        cmocka_unit_test_setup_teardown(packed_descriptor_header_checked, setup_packed,
                                        teardown_packed),
    };

    return cmocka_run_group_tests_name("firmware", tests, NULL, NULL);
}
