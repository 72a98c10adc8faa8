/*
 * firmware/bzimage.c: the checks on a Linux bzImage's setup header, each
 * with its exact line, and what it must let through.
 *
 * The image: a boot sector and 4 setup sectors (setup_sects 4, 2560
 * bytes of setup), then 64 KiB of protected-mode kernel; protocol 2.15,
 * loaded high, a 64-bit entry, relocatable, 2 MiB aligned, preferred at
 * 16 MiB, init_size 1 MiB. Built in a heap buffer of exactly the size
 * under test, so ASan catches a read past its end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "firmware/bzimage.h"
#include "firmware/linux_boot.h"
#include "tests/unit/support.h"

#define SETUP_SECTS 4u
#define SETUP_SIZE ((SETUP_SECTS + 1) * SECTOR_SIZE)
#define PM_SIZE 0x10000u
#define IMAGE_SIZE (SETUP_SIZE + PM_SIZE)

static uint8_t model[IMAGE_SIZE];

static void put16(uint8_t *p, unsigned off, uint16_t v)
{
    memcpy(p + off, &v, sizeof(v));
}

static void put32(uint8_t *p, unsigned off, uint32_t v)
{
    memcpy(p + off, &v, sizeof(v));
}

static void put64(uint8_t *p, unsigned off, uint64_t v)
{
    memcpy(p + off, &v, sizeof(v));
}

static int setup(void **state)
{
    memset(model, 0, sizeof(model));
    model[HDR_SETUP_SECTS] = SETUP_SECTS;
    put32(model, HDR_SYSSIZE, PM_SIZE / 16);
    put16(model, HDR_BOOT_FLAG, BOOT_FLAG_VALUE);
    model[HDR_JUMP] = 0xeb;
    model[HDR_JUMP + 1] = 0x6a; /* the header ends at 0x26c, as Linux's does */
    put32(model, HDR_MAGIC, HDR_MAGIC_VALUE);
    put16(model, HDR_VERSION, 0x020f);
    model[HDR_LOADFLAGS] = LOADED_HIGH;
    put32(model, HDR_KERNEL_ALIGNMENT, 0x200000);
    model[HDR_RELOCATABLE] = 1;
    model[HDR_MIN_ALIGNMENT] = 21;
    put16(model, HDR_XLOADFLAGS, XLF_KERNEL_64);
    put32(model, HDR_CMDLINE_SIZE, 2047);
    put64(model, HDR_PREF_ADDRESS, 0x1000000);
    put32(model, HDR_INIT_SIZE, 0x100000);
    return 0;
}

/* Parse the model's first len bytes from a buffer of exactly that size. */
static int parse(uint64_t len, struct pvh_bzimage *b, struct pvh_error *err)
{
    uint8_t *copy = malloc(len ? len : 1);
    int rc;

    assert_non_null(copy);
    memcpy(copy, model, len);
    memset(err, 0, sizeof(*err));
    rc = pvh_bzimage_parse(copy, len, b, err);
    free(copy);
    return rc;
}

static void accepts_a_well_formed_image(void **state)
{
    struct pvh_bzimage b;
    struct pvh_error err;

    assert_int_equal(parse(IMAGE_SIZE, &b, &err), PVH_OK);
    assert_int_equal(b.version, 0x020f);
    assert_int_equal(b.setup_size, SETUP_SIZE);
    assert_int_equal(b.header_end, 0x26c);
    assert_int_equal(b.pm_size, PM_SIZE);
    assert_true(b.relocatable);
    assert_int_equal(b.kernel_alignment, 0x200000);
    assert_int_equal(b.min_alignment, 0x200000);
    assert_int_equal(b.pref_address, 0x1000000);
    assert_int_equal(b.init_size, 0x100000);
    assert_int_equal(b.cmdline_size, 2047);
}

/* Linux's build tool rounds syssize up to whole 16-byte paragraphs, and
 * GRUB and QEMU load the file's bytes without checking it: a kernel up to
 * 15 bytes shorter than syssize says is whole (memtest86+ 7 is 8 short). */
static void accepts_syssize_rounded_up_to_a_paragraph(void **state)
{
    struct pvh_bzimage b;
    struct pvh_error err;

    assert_int_equal(parse(IMAGE_SIZE - 15, &b, &err), PVH_OK);
    assert_int_equal(b.pm_size, PM_SIZE - 15);
    assert_int_equal(parse(IMAGE_SIZE - 8, &b, &err), PVH_OK);
}

static void rejects_kernel_a_paragraph_short(void **state)
{
    struct pvh_bzimage b;
    struct pvh_error err;

    assert_error(parse(IMAGE_SIZE - 16, &b, &err), &err, PVH_EINVAL,
                 "bzImage: truncated: kernel is 65520 bytes, the header says 65536");
    assert_error(parse(SETUP_SIZE + 1, &b, &err), &err, PVH_EINVAL,
                 "bzImage: truncated: kernel is 1 bytes, the header says 65536");
}

static void rejects_syssize_past_the_file(void **state)
{
    struct pvh_bzimage b;
    struct pvh_error err;

    put32(model, HDR_SYSSIZE, 0xffffffff);
    assert_error(parse(IMAGE_SIZE, &b, &err), &err, PVH_EINVAL,
                 "bzImage: truncated: kernel is 65536 bytes, the header says 68719476720");
}

static void rejects_image_of_setup_alone(void **state)
{
    struct pvh_bzimage b;
    struct pvh_error err;

    assert_error(parse(SETUP_SIZE, &b, &err), &err, PVH_EINVAL,
                 "bzImage: truncated: 2560 bytes, setup alone is 2560");
}

static void rejects_image_shorter_than_its_header(void **state)
{
    struct pvh_bzimage b;
    struct pvh_error err;

    assert_error(parse(HDR_END_MIN - 1, &b, &err), &err, PVH_EINVAL,
                 "bzImage: 611 bytes, too short for a setup header");
}

static void rejects_header_end_outside_bounds(void **state)
{
    struct pvh_bzimage b;
    struct pvh_error err;

    model[HDR_JUMP + 1] = 0;
    assert_error(parse(IMAGE_SIZE, &b, &err), &err, PVH_EINVAL,
                 "bzImage: setup header ends at 0x202");
    model[HDR_JUMP + 1] = 0xff;
    assert_error(parse(IMAGE_SIZE, &b, &err), &err, PVH_EINVAL,
                 "bzImage: setup header ends at 0x301");
}

static void rejects_bad_boot_flag_and_magic(void **state)
{
    struct pvh_bzimage b;
    struct pvh_error err;

    put32(model, HDR_MAGIC, 0x12345678);
    assert_error(parse(IMAGE_SIZE, &b, &err), &err, PVH_EINVAL,
                 "bzImage: no HdrS setup header: magic 0x12345678");
    put16(model, HDR_BOOT_FLAG, 0);
    assert_error(parse(IMAGE_SIZE, &b, &err), &err, PVH_EINVAL,
                 "bzImage: boot sector flag 0x0, expected 0xaa55");
}

static void rejects_protocol_before_2_10(void **state)
{
    struct pvh_bzimage b;
    struct pvh_error err;

    put16(model, HDR_VERSION, 0x0209);
    assert_error(parse(IMAGE_SIZE, &b, &err), &err, PVH_EINVAL,
                 "bzImage: boot protocol 2.09, at least 2.10 needed (older headers have no "
                 "pref_address and init_size)");
    put16(model, HDR_VERSION, 0x020a);
    assert_int_equal(parse(IMAGE_SIZE, &b, &err), PVH_OK);
}

/* Before 2.12 the xloadflags bytes are padding: never a 64-bit entry. */
static void protocol_2_10_and_2_11_enter_at_32_bits(void **state)
{
    struct pvh_bzimage b;
    struct pvh_error err;

    put16(model, HDR_VERSION, 0x020b);
    assert_int_equal(parse(IMAGE_SIZE, &b, &err), PVH_OK);
    assert_false(b.entry64);
    assert_int_equal(b.xloadflags, 0);
    put16(model, HDR_VERSION, 0x020c);
    assert_int_equal(parse(IMAGE_SIZE, &b, &err), PVH_OK);
    assert_true(b.entry64);
}

static void no_64_bit_entry_enters_at_32_bits_and_zimage_is_refused(void **state)
{
    struct pvh_bzimage b;
    struct pvh_error err;

    put16(model, HDR_XLOADFLAGS, 0);
    assert_int_equal(parse(IMAGE_SIZE, &b, &err), PVH_OK);
    assert_false(b.entry64);
    model[HDR_LOADFLAGS] = CAN_USE_HEAP;
    assert_error(parse(IMAGE_SIZE, &b, &err), &err, PVH_EINVAL,
                 "bzImage: loadflags 0x80: not loaded high (a zImage)");
}

static void rejects_alignment_not_a_power_of_two(void **state)
{
    struct pvh_bzimage b;
    struct pvh_error err;

    put32(model, HDR_KERNEL_ALIGNMENT, 0x1001);
    assert_error(parse(IMAGE_SIZE, &b, &err), &err, PVH_EINVAL,
                 "bzImage: kernel_alignment 0x1001 is not a power of two >= 4096");
    put32(model, HDR_KERNEL_ALIGNMENT, 0x800);
    assert_error(parse(IMAGE_SIZE, &b, &err), &err, PVH_EINVAL,
                 "bzImage: kernel_alignment 0x800 is not a power of two >= 4096");
}

static void rejects_init_size_below_the_kernel(void **state)
{
    struct pvh_bzimage b;
    struct pvh_error err;

    put32(model, HDR_INIT_SIZE, PM_SIZE - 1);
    assert_error(parse(IMAGE_SIZE, &b, &err), &err, PVH_EINVAL,
                 "bzImage: init_size 0xffff is smaller than the kernel (65536 bytes)");
}

static void rejects_unusable_fixed_address(void **state)
{
    struct pvh_bzimage b;
    struct pvh_error err;

    model[HDR_RELOCATABLE] = 0;
    put64(model, HDR_PREF_ADDRESS, 0x1234);
    assert_error(parse(IMAGE_SIZE, &b, &err), &err, PVH_EINVAL,
                 "bzImage: fixed load address 0x1234 is unusable");
    put64(model, HDR_PREF_ADDRESS, 0);
    assert_error(parse(IMAGE_SIZE, &b, &err), &err, PVH_EINVAL,
                 "bzImage: fixed load address 0x0 is unusable");
    put64(model, HDR_PREF_ADDRESS, 0x100000);
    put32(model, HDR_KERNEL_ALIGNMENT, 0x1000);
    assert_int_equal(parse(IMAGE_SIZE, &b, &err), PVH_OK);
    assert_false(b.relocatable);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(accepts_a_well_formed_image, setup),
        cmocka_unit_test_setup(accepts_syssize_rounded_up_to_a_paragraph, setup),
        cmocka_unit_test_setup(rejects_kernel_a_paragraph_short, setup),
        cmocka_unit_test_setup(rejects_syssize_past_the_file, setup),
        cmocka_unit_test_setup(rejects_image_of_setup_alone, setup),
        cmocka_unit_test_setup(rejects_image_shorter_than_its_header, setup),
        cmocka_unit_test_setup(rejects_header_end_outside_bounds, setup),
        cmocka_unit_test_setup(rejects_bad_boot_flag_and_magic, setup),
        cmocka_unit_test_setup(rejects_protocol_before_2_10, setup),
        cmocka_unit_test_setup(protocol_2_10_and_2_11_enter_at_32_bits, setup),
        cmocka_unit_test_setup(no_64_bit_entry_enters_at_32_bits_and_zimage_is_refused, setup),
        cmocka_unit_test_setup(rejects_alignment_not_a_power_of_two, setup),
        cmocka_unit_test_setup(rejects_init_size_below_the_kernel, setup),
        cmocka_unit_test_setup(rejects_unusable_fixed_address, setup),
    };

    return cmocka_run_group_tests_name("bzimage", tests, NULL, NULL);
}
