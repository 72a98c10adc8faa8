/*
 * common/multiboot.c: the rule added after the hostile-payload tests
 * (tests/boot/test_x86_hostile_payloads.py) found pvhboot.elf jumping to
 * a Multiboot 1 entry_addr outside the kernel it loaded, and hanging
 * there: a kernel loaded by its header's addresses (the a.out kludge)
 * must have its entry inside [load_addr, bss_end_addr).
 *
 * The image: a Multiboot 1 header at offset 0 with the a.out kludge,
 * loaded at 0x400000 (0x1000 bytes of file, bss to 0x403000).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "common/multiboot.h"
#include "tests/unit/support.h"

#define LOAD 0x400000u
#define FILE_SIZE 0x1000u
#define BSS_END 0x403000u

static uint8_t image[FILE_SIZE];

static void build(uint32_t entry)
{
    uint32_t h[8] = { MB1_HEADER_MAGIC, MB1_AOUT_KLUDGE, 0, LOAD, LOAD, LOAD + FILE_SIZE,
                      BSS_END, entry };

    h[2] = -(h[0] + h[1]);
    memset(image, 0, sizeof(image));
    memcpy(image, h, sizeof(h));
}

static int load_range(struct pvh_error *err)
{
    struct pvh_multiboot mb;
    uint64_t off, filesz, memsz;
    int rc;

    memset(err, 0, sizeof(*err));
    rc = pvh_multiboot_find(image, sizeof(image), 1, &mb, err);
    assert_int_equal(rc, PVH_OK);
    rc = pvh_multiboot_load_range(&mb, sizeof(image), &off, &filesz, &memsz, err);
    if (!rc) {
        assert_int_equal(off, 0);
        assert_int_equal(filesz, FILE_SIZE);
        assert_int_equal(memsz, BSS_END - LOAD);
    }
    return rc;
}

static void accepts_entry_in_the_loaded_range(void **state)
{
    struct pvh_error err;

    build(LOAD + 0x20);
    assert_int_equal(load_range(&err), PVH_OK);
    build(LOAD);
    assert_int_equal(load_range(&err), PVH_OK);
    build(BSS_END - 1); /* odd, but inside what is loaded */
    assert_int_equal(load_range(&err), PVH_OK);
}

static void rejects_entry_outside_the_kernel(void **state)
{
    struct pvh_error err;

    build(0x30000000);
    assert_error(load_range(&err), &err, PVH_EINVAL,
                 "multiboot: entry_addr 0x30000000 outside the kernel at 0x400000-0x402fff");
    build(0);
    assert_error(load_range(&err), &err, PVH_EINVAL, "multiboot: entry_addr 0x0 outside");
}

static void rejects_entry_at_either_edge(void **state)
{
    struct pvh_error err;

    build(BSS_END);
    assert_error(load_range(&err), &err, PVH_EINVAL, "outside the kernel");
    build(LOAD - 1);
    assert_error(load_range(&err), &err, PVH_EINVAL, "outside the kernel");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_entry_in_the_loaded_range),
        cmocka_unit_test(rejects_entry_outside_the_kernel),
        cmocka_unit_test(rejects_entry_at_either_edge),
    };

    return cmocka_run_group_tests_name("multiboot", tests, NULL, NULL);
}
