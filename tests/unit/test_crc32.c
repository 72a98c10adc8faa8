/* pvh_crc32: the IEEE 802.3 CRC-32, as zlib computes it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <pvhboot/crc32.h>

#include "tests/unit/support.h"

/* The textbook bit-at-a-time CRC-32: reflected polynomial 0xedb88320,
 * initial value and final xor 0xffffffff. */
static uint32_t reference_crc32(uint32_t crc, const uint8_t *p, size_t len)
{
    size_t i;
    int bit;

    crc = ~crc;
    for (i = 0; i < len; i++) {
        crc ^= p[i];
        for (bit = 0; bit < 8; bit++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

static void check_vector_123456789(void **state)
{
    assert_int_equal(pvh_crc32(0, "123456789", 9), 0xcbf43926u);
}

static void empty_input_is_zero(void **state)
{
    assert_int_equal(pvh_crc32(0, "", 0), 0);
    /* Feeding nothing leaves a running CRC as it was. */
    assert_int_equal(pvh_crc32(0xcbf43926u, "", 0), 0xcbf43926u);
}

static void known_vectors(void **state)
{
    static const uint8_t zeros[32];
    static const uint8_t ones[32] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    };

    /* Values from python3 -c 'import zlib; print(hex(zlib.crc32(...)))'. */
    assert_int_equal(pvh_crc32(0, "a", 1), 0xe8b7be43u);
    assert_int_equal(pvh_crc32(0, "The quick brown fox jumps over the lazy dog", 43), 0x414fa339u);
    assert_int_equal(pvh_crc32(0, zeros, sizeof(zeros)), 0x190a55adu);
    assert_int_equal(pvh_crc32(0, ones, sizeof(ones)), 0xff6cab0bu);
}

static void incremental_equals_one_shot(void **state)
{
    static const char text[] = "a sample module for make run\n";
    size_t len = sizeof(text) - 1, split, split2;
    uint32_t whole = pvh_crc32(0, text, len);

    for (split = 0; split <= len; split++) {
        uint32_t crc = pvh_crc32(0, text, split);

        assert_int_equal(pvh_crc32(crc, text + split, len - split), whole);
        for (split2 = split; split2 <= len; split2++) {
            uint32_t c3 = pvh_crc32(pvh_crc32(crc, text + split, split2 - split),
                                    text + split2, len - split2);

            assert_int_equal(c3, whole);
        }
    }
}

static void matches_bitwise_reference_on_random_buffers(void **state)
{
    unsigned round;

    rng_seed(0x5eed0c5c);
    for (round = 0; round < 500; round++) {
        size_t len = (size_t)rng_below(2048), i;
        /* Exactly len bytes (at least 1 so malloc is not asked for 0):
         * ASan reports a read past the end. */
        uint8_t *buf = malloc(len ? len : 1);

        assert_non_null(buf);
        for (i = 0; i < len; i++)
            buf[i] = (uint8_t)rng_next();
        assert_int_equal(pvh_crc32(0, buf, len), reference_crc32(0, buf, len));
        /* A running value continues the same way. */
        assert_int_equal(pvh_crc32(0x12345678u, buf, len), reference_crc32(0x12345678u, buf, len));
        free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_vector_123456789),
        cmocka_unit_test(empty_input_is_zero),
        cmocka_unit_test(known_vectors),
        cmocka_unit_test(incremental_equals_one_shot),
        cmocka_unit_test(matches_bitwise_reference_on_random_buffers),
    };

    return cmocka_run_group_tests_name("crc32", tests, NULL, NULL);
}
