/*
 * common/boot/compression.c: a module's compression named from its
 * first bytes. The magics are written here from each format's
 * specification (RFC 1952 gzip, the .xz format, RFC 8878 zstd, the LZ4
 * frame and legacy formats, bzip2's "BZh", the .lzma header, lzop's
 * file magic), not taken from compression.c; each is checked whole, cut
 * short by one byte (a module too short to hold it), and with its last
 * byte changed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "common/boot/compression.h"

static const struct {
    const char *name;
    size_t len;
    uint8_t bytes[16]; /* the magic, then what follows in a real file */
} samples[] = {
    { "gzip", 2, { 0x1f, 0x8b, 0x08, 0x00 } },
    { "xz", 6, { 0xfd, '7', 'z', 'X', 'Z', 0x00, 0x00, 0x04 } },
    { "zstd", 4, { 0x28, 0xb5, 0x2f, 0xfd, 0x24 } },
    { "lz4", 4, { 0x02, 0x21, 0x4c, 0x18, 0x10 } },  /* legacy: what Linux's build makes */
    { "lz4", 4, { 0x04, 0x22, 0x4d, 0x18, 0x64 } },  /* the frame format */
    { "bzip2", 3, { 'B', 'Z', 'h', '9', 0x31, 0x41 } },
    { "lzma", 3, { 0x5d, 0x00, 0x00, 0x80, 0x00 } },  /* lc3 lp0 pb2, 8 MiB dictionary */
    { "lzo", 9, { 0x89, 'L', 'Z', 'O', 0x00, '\r', '\n', 0x1a, '\n', 0x10 } },
};

static void names_each_format_by_its_magic(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        enum pvh_compression c = pvh_compression_of(samples[i].bytes, PVH_COMPRESSION_MAGIC_MAX);

        assert_non_null(pvh_compression_name(c));
        assert_string_equal(pvh_compression_name(c), samples[i].name);
        /* The magic alone is enough. */
        assert_int_equal(pvh_compression_of(samples[i].bytes, samples[i].len), c);
    }
}

static void a_module_shorter_than_the_magic_is_none(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
        assert_int_equal(pvh_compression_of(samples[i].bytes, samples[i].len - 1),
                         PVH_COMPRESSION_NONE);
}

static void one_byte_off_is_none(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        uint8_t b[16];

        memcpy(b, samples[i].bytes, sizeof(b));
        b[samples[i].len - 1] ^= 0x40;
        assert_int_equal(pvh_compression_of(b, sizeof(b)), PVH_COMPRESSION_NONE);
    }
}

static void plain_bytes_and_nothing_are_none(void **state)
{
    static const uint8_t elf[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0 };
    static const uint8_t cpio[] = "070701000000";

    (void)state;
    assert_int_equal(pvh_compression_of(elf, sizeof(elf)), PVH_COMPRESSION_NONE);
    assert_int_equal(pvh_compression_of(cpio, 9), PVH_COMPRESSION_NONE);
    assert_int_equal(pvh_compression_of(NULL, 0), PVH_COMPRESSION_NONE);
    assert_null(pvh_compression_name(PVH_COMPRESSION_NONE));
    assert_null(pvh_compression_name((enum pvh_compression)99));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_each_format_by_its_magic),
        cmocka_unit_test(a_module_shorter_than_the_magic_is_none),
        cmocka_unit_test(one_byte_off_is_none),
        cmocka_unit_test(plain_bytes_and_nothing_are_none),
    };
    return cmocka_run_group_tests_name("compression", tests, NULL, NULL);
}
