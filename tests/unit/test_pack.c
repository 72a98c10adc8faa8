/*
 * firmware/pack.c: the descriptor of a position-independent image (arm64
 * pvhboot.bin) that pvhboot-pack filled in. The "image" is a heap buffer
 * of exactly image_size bytes, so ASan reports any read past its end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "firmware/pack.h"
#include "support.h"

#define OWN 0x3000u        /* the image's own bytes */
#define IMAGE_SIZE 0x8000u /* what the loader kept */

struct image {
    uint8_t *buf;
    struct pvh_pack d;
    struct pvh_packed out;
    struct pvh_error err;
};

static int setup(void **state)
{
    struct image *im = calloc(1, sizeof(*im));

    im->buf = calloc(1, IMAGE_SIZE);
    memcpy(im->d.magic, PVH_PACK_MAGIC, 8);
    im->d.version = PVH_PACK_VERSION;
    *state = im;
    return 0;
}

static int teardown(void **state)
{
    struct image *im = *state;

    free(im->buf);
    free(im);
    return 0;
}

static int read_image(struct image *im)
{
    return pvh_pack_read_relative(&im->d, (uintptr_t)im->buf, OWN, IMAGE_SIZE, &im->out, &im->err);
}

/* A kernel and an initrd with a cmdline, and a default cmdline, as the tool lays them out. */
static void pack_kernel_and_initrd(struct image *im)
{
    strcpy((char *)im->buf + 0x3000, "console=ttyAMA0 quiet");
    strcpy((char *)im->buf + 0x3100, "initrd words");
    im->d.flags = PVH_PACK_RELATIVE | PVH_PACK_KERNEL;
    im->d.cmdline_pa = 0x3000;
    im->d.nr_modules = 2;
    im->d.modules[0] = (struct pvh_pack_module){ 0x6000, 0x2000, 0 };
    im->d.modules[1] = (struct pvh_pack_module){ 0x4000, 0x1800, 0x3100 };
}

static void unpacked_descriptor_packs_nothing(void **state)
{
    struct image *im = *state;

    assert_int_equal(read_image(im), PVH_OK);
    assert_int_equal(im->out.nr, 0);
    assert_null(im->out.cmdline);
}

static void offsets_become_addresses_inside_the_image(void **state)
{
    struct image *im = *state;

    pack_kernel_and_initrd(im);
    assert_int_equal(read_image(im), PVH_OK);
    assert_int_equal(im->out.nr, 2);
    assert_true(im->out.flags & PVH_PACK_KERNEL);
    assert_int_equal(im->out.mods[0].base, (uintptr_t)im->buf + 0x6000);
    assert_int_equal(im->out.mods[0].size, 0x2000);
    assert_string_equal(im->out.mods[0].cmdline, "");
    assert_int_equal(im->out.mods[1].base, (uintptr_t)im->buf + 0x4000);
    assert_string_equal(im->out.mods[1].cmdline, "initrd words");
    assert_ptr_equal(im->out.cmdline, (const char *)im->buf + 0x3000);
}

static void refuses_bad_magic_or_version(void **state)
{
    struct image *im = *state;

    im->d.magic[7] = '2';
    assert_error(read_image(im), &im->err, PVH_EINVAL, "bad magic or version");
    memcpy(im->d.magic, PVH_PACK_MAGIC, 8);
    im->d.version = 2;
    assert_error(read_image(im), &im->err, PVH_EINVAL, "version 2");
}

static void refuses_absolute_addresses(void **state)
{
    struct image *im = *state;

    pack_kernel_and_initrd(im);
    im->d.flags = PVH_PACK_KERNEL; /* an x86 descriptor */
    assert_error(read_image(im), &im->err, PVH_EINVAL, "flags 0x1, expected offsets");
}

static void refuses_unknown_flags(void **state)
{
    struct image *im = *state;

    pack_kernel_and_initrd(im);
    im->d.flags |= 0x100;
    assert_error(read_image(im), &im->err, PVH_EINVAL, "unknown flags 0x103");
}

static void refuses_more_modules_than_the_descriptor_holds(void **state)
{
    struct image *im = *state;

    pack_kernel_and_initrd(im);
    im->d.nr_modules = PVH_PACK_MAX_MODULES + 1;
    assert_error(read_image(im), &im->err, PVH_E2BIG, "17 modules, at most 16");
}

static void refuses_kernel_flag_without_modules(void **state)
{
    struct image *im = *state;

    im->d.flags = PVH_PACK_RELATIVE | PVH_PACK_KERNEL;
    im->d.cmdline_pa = 0x3000;
    strcpy((char *)im->buf + 0x3000, "x");
    assert_error(read_image(im), &im->err, PVH_EINVAL, "a kernel flagged, none packed");
}

static void refuses_module_inside_own_bytes(void **state)
{
    struct image *im = *state;

    pack_kernel_and_initrd(im);
    im->d.modules[1].base = OWN - 0x1000; /* over pvhboot's own stack */
    assert_error(read_image(im), &im->err, PVH_ERANGE, "packed module 1 at offset 0x2000");
}

static void refuses_module_past_image_size(void **state)
{
    struct image *im = *state;

    pack_kernel_and_initrd(im);
    im->d.modules[0].size = 0x2001;
    assert_error(read_image(im), &im->err, PVH_ERANGE, "outside the packed part 0x3000-0x8000");
}

static void refuses_module_whose_end_wraps(void **state)
{
    struct image *im = *state;

    pack_kernel_and_initrd(im);
    im->d.modules[0].size = ~0ull - 0x1000;
    assert_error(read_image(im), &im->err, PVH_ERANGE, "packed module 0");
    im->d.modules[0] = (struct pvh_pack_module){ ~0ull - 0xff, 0x200, 0 };
    assert_error(read_image(im), &im->err, PVH_ERANGE, "packed module 0");
}

static void refuses_empty_module(void **state)
{
    struct image *im = *state;

    pack_kernel_and_initrd(im);
    im->d.modules[1].size = 0;
    assert_error(read_image(im), &im->err, PVH_EINVAL, "packed module 1 at offset 0x4000: size 0");
}

static void refuses_overlapping_modules(void **state)
{
    struct image *im = *state;

    pack_kernel_and_initrd(im);
    im->d.modules[1] = (struct pvh_pack_module){ 0x7fff, 1, 0 };
    assert_error(read_image(im), &im->err, PVH_EOVERLAP, "overlaps packed module 0");
}

static void refuses_cmdline_outside_the_packed_part(void **state)
{
    struct image *im = *state;

    pack_kernel_and_initrd(im);
    im->d.cmdline_pa = 0x100; /* pvhboot's own code */
    assert_error(read_image(im), &im->err, PVH_ERANGE, "packed cmdline at offset 0x100");
    im->d.cmdline_pa = IMAGE_SIZE;
    assert_error(read_image(im), &im->err, PVH_ERANGE, "packed cmdline at offset 0x8000");
}

static void refuses_cmdline_unterminated_before_image_end(void **state)
{
    struct image *im = *state;

    pack_kernel_and_initrd(im);
    memset(im->buf + IMAGE_SIZE - 16, 'x', 16);
    im->d.cmdline_pa = IMAGE_SIZE - 16;
    assert_error(read_image(im), &im->err, PVH_EINVAL, "not terminated within 16 bytes");
}

static void refuses_module_cmdline_longer_than_the_limit(void **state)
{
    struct image *im = *state;

    pack_kernel_and_initrd(im);
    memset(im->buf + 0x3000, 'y', PVH_MODULE_CMDLINE_MAX + 1);
    im->buf[0x3000 + PVH_MODULE_CMDLINE_MAX + 1] = 0;
    im->d.cmdline_pa = 0;
    im->d.modules[1].cmdline_pa = 0x3000;
    assert_error(read_image(im), &im->err, PVH_EINVAL, "packed module cmdline at offset 0x3000");
    im->buf[0x3000 + PVH_MODULE_CMDLINE_MAX] = 0; /* exactly the limit */
    assert_int_equal(read_image(im), PVH_OK);
    assert_int_equal(strlen(im->out.mods[1].cmdline), PVH_MODULE_CMDLINE_MAX);
}

static void refuses_image_size_below_own_bytes(void **state)
{
    struct image *im = *state;

    pack_kernel_and_initrd(im);
    assert_error(pvh_pack_read_relative(&im->d, (uintptr_t)im->buf, OWN, OWN - 1, &im->out,
                                        &im->err), &im->err, PVH_EINVAL, "image_size 0x2fff");
}

/* Every single-field corruption is either read cleanly or refused, and
 * never read outside the buffer (ASan watches). */
static void random_descriptors_never_read_outside_the_image(void **state)
{
    struct image *im = *state;
    unsigned i;

    rng_seed(6);
    for (i = 0; i < 20000; i++) {
        uint8_t *raw = (uint8_t *)&im->d;
        unsigned n = (unsigned)rng_below(4) + 1;

        pack_kernel_and_initrd(im);
        memset(im->buf + 0x3000, (int)rng_below(2) * 'z', 0x200);
        while (n--) {
            size_t at = 12 + (size_t)rng_below(sizeof(im->d) - 12);

            raw[at] = (uint8_t)rng_next();
        }
        if (read_image(im) == PVH_OK) {
            unsigned j;

            for (j = 0; j < im->out.nr; j++) {
                assert_true(im->out.mods[j].base >= (uintptr_t)im->buf + OWN);
                assert_true(im->out.mods[j].base + im->out.mods[j].size <=
                            (uintptr_t)im->buf + IMAGE_SIZE);
            }
        }
    }
}

/* --- the kernel's cmdline from the packed one and the loader's --------------- */

#define FIRECRACKER "console=ttyS0 reboot=k panic=1 pci=off virtio_mmio.device=4K@0xd0000000:5"

struct cmdline_case {
    uint32_t mode;
    const char *packed, *loader;
    const char *kernel;   /* what the kernel gets */
    const char *options;  /* the text pvhboot's options are read from */
};

static void cmdline_modes_combine_as_documented(void **state)
{
    static const struct cmdline_case cases[] = {
        /* fallback: the loader's, the packed one only when the loader's is empty */
        { PVH_PACK_CMDLINE_FALLBACK, "root=/dev/vda pvhboot.verbose", "",
          "root=/dev/vda", "root=/dev/vda pvhboot.verbose " },
        { PVH_PACK_CMDLINE_FALLBACK, "root=/dev/vda", "pvhboot.format=linux",
          "root=/dev/vda", "root=/dev/vda pvhboot.format=linux" },
        { PVH_PACK_CMDLINE_FALLBACK, "root=/dev/vda", FIRECRACKER, FIRECRACKER, FIRECRACKER },
        { PVH_PACK_CMDLINE_FALLBACK, NULL, "a b", "a b", "a b" },
        /* append: the packed one, then the loader's (Firecracker's words land) */
        { PVH_PACK_CMDLINE_APPEND, "root=/dev/vda quiet", FIRECRACKER,
          "root=/dev/vda quiet " FIRECRACKER, "root=/dev/vda quiet " FIRECRACKER },
        { PVH_PACK_CMDLINE_APPEND, "root=/dev/vda", "", "root=/dev/vda", "root=/dev/vda " },
        { PVH_PACK_CMDLINE_APPEND, "pvhboot.verbose", "x=1", "x=1", "pvhboot.verbose x=1" },
        { PVH_PACK_CMDLINE_APPEND, "a pvhboot.verbose b", "pvhboot.format=linux c",
          "a b c", "a pvhboot.verbose b pvhboot.format=linux c" },
        { PVH_PACK_CMDLINE_APPEND, NULL, "x=1", "x=1", "x=1" },
        /* replace: the packed one alone, the loader's options still read */
        { PVH_PACK_CMDLINE_REPLACE, "root=/dev/vda", FIRECRACKER " pvhboot.verbose",
          "root=/dev/vda", "root=/dev/vda " FIRECRACKER " pvhboot.verbose" },
        { PVH_PACK_CMDLINE_REPLACE, "", "x=1", "", " x=1" },
    };

    (void)state;
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        static char kernel[PVH_CMDLINE_MAX + 1], buf[2 * PVH_CMDLINE_MAX + 2];
        const char *options = NULL;
        struct pvh_error err;

        assert_int_equal(pvh_pack_cmdline(cases[i].mode, cases[i].packed, cases[i].loader, kernel,
                                          sizeof(kernel), buf, sizeof(buf), &options, &err),
                         PVH_OK);
        assert_string_equal(kernel, cases[i].kernel);
        assert_string_equal(options, cases[i].options);
    }
}

static void cmdline_mode_3_is_refused(void **state)
{
    char kernel[64], buf[128];
    const char *options;
    struct pvh_error err;

    (void)state;
    assert_error(pvh_pack_cmdline(PVH_PACK_CMDLINE_MASK | PVH_PACK_KERNEL, "a", "b", kernel,
                                  sizeof(kernel), buf, sizeof(buf), &options, &err),
                 &err, PVH_EINVAL, "packed cmdline mode 0xc: not fallback (0), append (0x4) or "
                 "replace (0x8)");
    assert_null(pvh_pack_cmdline_mode_name(PVH_PACK_CMDLINE_MASK));
    assert_string_equal(pvh_pack_cmdline_mode_name(PVH_PACK_CMDLINE_APPEND), "append");
}

/* Every length up to the limit: the joined cmdline fits or is refused,
 * never cut; nothing is written past either buffer (ASan). */
static void cmdline_append_refuses_what_does_not_fit(void **state)
{
    enum { SIZE = 16 };
    char packed[SIZE + 2], loader[SIZE + 2];

    (void)state;
    for (unsigned p = 1; p <= SIZE; p++) {
        for (unsigned l = 1; l <= SIZE; l++) {
            char *kernel = malloc(SIZE), *buf = malloc(2 * SIZE);
            const char *options;
            struct pvh_error err;
            int rc;

            memset(packed, 'p', p);
            packed[p] = 0;
            memset(loader, 'l', l);
            loader[l] = 0;
            rc = pvh_pack_cmdline(PVH_PACK_CMDLINE_APPEND, packed, loader, kernel, SIZE, buf,
                                  2 * SIZE, &options, &err);
            if (p + 1 + l < SIZE && l < SIZE && p < SIZE) {
                assert_int_equal(rc, PVH_OK);
                assert_int_equal(strlen(kernel), p + 1 + l);
            } else {
                assert_int_equal(rc, PVH_E2BIG);
            }
            free(kernel);
            free(buf);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(unpacked_descriptor_packs_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(offsets_become_addresses_inside_the_image, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_bad_magic_or_version, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_absolute_addresses, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_unknown_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_more_modules_than_the_descriptor_holds, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_kernel_flag_without_modules, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_module_inside_own_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_module_past_image_size, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_module_whose_end_wraps, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_empty_module, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_overlapping_modules, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_cmdline_outside_the_packed_part, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_cmdline_unterminated_before_image_end, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_module_cmdline_longer_than_the_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_image_size_below_own_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(random_descriptors_never_read_outside_the_image, setup, teardown),
        cmocka_unit_test(cmdline_modes_combine_as_documented),
        cmocka_unit_test(cmdline_mode_3_is_refused),
        cmocka_unit_test(cmdline_append_refuses_what_does_not_fit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
