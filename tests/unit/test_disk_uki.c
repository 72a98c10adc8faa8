/*
 * firmware/disk/uki.c: the PE/COFF headers of a unified kernel image and
 * its os-release text; images built by tests/unit/disk_image.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "firmware/disk/uki.h"
#include "tests/unit/disk_image.h"
#include "tests/unit/support.h"

static uint8_t img[8192];
static struct pvh_uki u;
static struct pvh_error err;

static const char kernel[1000] = "kernel";
static const char osrel[] = "NAME=Debian\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
                            "VERSION_ID='12'\nID=debian\n";
static const struct test_pe_section sections[] = {
    { ".text", "stub", 4 },
    { ".osrel", osrel, sizeof(osrel) - 1 },
    { ".cmdline", "console=ttyS0", 13 },
    { ".linux", kernel, sizeof(kernel) },
    { ".initrd", "initrd", 6 },
};

static size_t build(void)
{
    return test_pe_build(img, sizeof(img), pvh_uki_machine(), sections, 5);
}

static void sections_found(void **state)
{
    size_t size = build();

    assert_int_equal(pvh_uki_parse(img, PVH_UKI_HEAD_MAX, size, &u, &err), PVH_OK);
    assert_int_equal(u.machine, pvh_uki_machine());
    /* Data from 0x400, each section 512-aligned: .text, .osrel, .cmdline, .linux (1024), .initrd. */
    assert_true(u.osrel.present);
    assert_int_equal(u.osrel.offset, 0x600);
    assert_int_equal(u.osrel.size, sizeof(osrel) - 1);
    assert_int_equal(u.cmdline.offset, 0x800);
    assert_int_equal(u.cmdline.size, 13);
    assert_int_equal(u.linux_.offset, 0xa00);
    assert_int_equal(u.linux_.size, sizeof(kernel));
    assert_int_equal(u.initrd.offset, 0xe00);
    assert_int_equal(u.initrd.size, 6);
    assert_false(u.dtb.present);
}

static void section_past_file_refused(void **state)
{
    size_t size = build();

    assert_error(pvh_uki_parse(img, PVH_UKI_HEAD_MAX, size - 512, &u, &err), &err,
                 PVH_ERANGE, "UKI section .initrd: bytes 3584+6 past the file's 3584");
}

static void e_lfanew_out_of_bounds_refused(void **state)
{
    size_t size = build();
    uint32_t far = 0x2000;

    memcpy(img + 0x3c, &far, 4);
    assert_error(pvh_uki_parse(img, PVH_UKI_HEAD_MAX, size, &u, &err), &err, PVH_EINVAL,
                 "UKI: no PE header at e_lfanew 0x2000 in the first 4096 bytes");
    far = 4096 - 23;
    memcpy(img + 0x3c, &far, 4);
    assert_error(pvh_uki_parse(img, PVH_UKI_HEAD_MAX, size, &u, &err), &err, PVH_EINVAL,
                 "e_lfanew 0xfe9");
}

static void section_table_past_head_refused(void **state)
{
    size_t size = build();
    uint16_t n = 95; /* 0x148 + 95 * 40 = 4128 */

    memcpy(img + TPE_LFANEW + 6, &n, 2);
    assert_error(pvh_uki_parse(img, PVH_UKI_HEAD_MAX, size, &u, &err), &err, PVH_ERANGE,
                 "UKI: section table at 0x148, 95 sections, past the first 4096 bytes");
    n = 97;
    memcpy(img + TPE_LFANEW + 6, &n, 2);
    assert_error(pvh_uki_parse(img, PVH_UKI_HEAD_MAX, size, &u, &err), &err, PVH_E2BIG,
                 "UKI: 97 sections (at most 96)");
}

static void not_pe_refused(void **state)
{
    size_t size = build();

    assert_error(pvh_uki_parse(img, 10, size, &u, &err), &err, PVH_EINVAL, "UKI: no MZ header");
    img[TPE_LFANEW] = 'X';
    assert_error(pvh_uki_parse(img, PVH_UKI_HEAD_MAX, size, &u, &err), &err, PVH_EINVAL,
                 "UKI: no PE header at e_lfanew 0x40 in the first 4096 bytes");
}

static void no_linux_refused(void **state)
{
    size_t size = test_pe_build(img, sizeof(img), pvh_uki_machine(), sections, 3);

    assert_error(pvh_uki_parse(img, PVH_UKI_HEAD_MAX, size, &u, &err), &err, PVH_ENOENT,
                 "UKI: no .linux section");
}

static void osrel_values(void **state)
{
    char v[64];

    pvh_osrel_get(osrel, strlen(osrel), "PRETTY_NAME", v, sizeof(v));
    assert_string_equal(v, "Debian GNU/Linux 12 (bookworm)");
    pvh_osrel_get(osrel, strlen(osrel), "VERSION_ID", v, sizeof(v));
    assert_string_equal(v, "12");
    pvh_osrel_get(osrel, strlen(osrel), "ID", v, sizeof(v));
    assert_string_equal(v, "debian");
    pvh_osrel_get(osrel, strlen(osrel), "BUILD_ID", v, sizeof(v));
    assert_string_equal(v, "");
    pvh_osrel_get(osrel, strlen(osrel), "PRETTY_NAME", v, 7);
    assert_string_equal(v, "Debian");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sections_found),
        cmocka_unit_test(section_past_file_refused),
        cmocka_unit_test(e_lfanew_out_of_bounds_refused),
        cmocka_unit_test(section_table_past_head_refused),
        cmocka_unit_test(not_pe_refused),
        cmocka_unit_test(no_linux_refused),
        cmocka_unit_test(osrel_values),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
