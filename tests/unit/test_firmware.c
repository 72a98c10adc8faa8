/*
 * common/firmware.c: the rule added after the hostile-payload tests
 * (tests/boot/test_x86_hostile_payloads.py) found pvhboot.elf taking a
 * kernel segment at physical 0 and then faulting on the copy (page 0
 * is unmapped while pvhboot runs): no destination may touch page 0.
 *
 * The memory map: RAM from 0 to 640 KiB and from 1 MiB to 64 MiB.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <xen/e820.h>

#include "common/firmware.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(rejects_destination_in_page_0, setup, teardown),
        cmocka_unit_test_setup_teardown(accepts_low_ram_above_page_0, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_destination_is_nothing, setup, teardown),
    };

    return cmocka_run_group_tests_name("firmware", tests, NULL, NULL);
}
