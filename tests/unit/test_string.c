/*
 * common/lib/string.c, built under the names t_memcpy ... t_strtoull (see
 * the Makefile), compared with the host C library on many lengths,
 * alignments and byte values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tests/unit/support.h"

void *t_memcpy(void *dst, const void *src, size_t n);
void *t_memmove(void *dst, const void *src, size_t n);
void *t_memset(void *dst, int c, size_t n);
int t_memcmp(const void *a, const void *b, size_t n);
size_t t_strlen(const char *s);
int t_strncmp(const char *a, const char *b, size_t n);
void *t_memchr(const void *s, int c, size_t n);
size_t t_strnlen(const char *s, size_t max);
int t_strcmp(const char *a, const char *b);
char *t_strchr(const char *s, int c);
char *t_strrchr(const char *s, int c);
unsigned long t_strtoul(const char *s, char **end, int base);
unsigned long long t_strtoull(const char *s, char **end, int base);

#define MAX_LEN 80
#define GUARD 16

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

static void fill_random(uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        p[i] = (uint8_t)rng_next();
}

/* Every offset and length: only [off, off+len) of dst may change. */
static void memcpy_matches_libc(void **state)
{
    uint8_t src[MAX_LEN + GUARD], dst[MAX_LEN + 2 * GUARD], want[sizeof(dst)];
    size_t off, len;

    rng_seed(1);
    for (off = 0; off < GUARD; off++) {
        for (len = 0; len <= MAX_LEN; len++) {
            fill_random(src, sizeof(src));
            fill_random(dst, sizeof(dst));
            memcpy(want, dst, sizeof(dst));
            memcpy(want + off, src + (len % 7), len);
            assert_ptr_equal(t_memcpy(dst + off, src + (len % 7), len), dst + off);
            assert_memory_equal(dst, want, sizeof(dst));
        }
    }
}

/* Source and destination within one buffer, overlapping either way. */
static void memmove_handles_overlap_both_directions(void **state)
{
    uint8_t buf[2 * MAX_LEN], want[sizeof(buf)];
    size_t s, d, len;

    rng_seed(2);
    for (s = 0; s < 24; s++) {
        for (d = 0; d < 24; d++) {
            for (len = 0; len <= MAX_LEN; len += 3) {
                fill_random(buf, sizeof(buf));
                memcpy(want, buf, sizeof(buf));
                memmove(want + d, want + s, len);
                assert_ptr_equal(t_memmove(buf + d, buf + s, len), buf + d);
                assert_memory_equal(buf, want, sizeof(buf));
            }
        }
    }
}

static void memmove_between_separate_buffers(void **state)
{
    uint8_t *a = malloc(MAX_LEN), *b = malloc(MAX_LEN);

    assert_non_null(a);
    assert_non_null(b);
    rng_seed(3);
    fill_random(a, MAX_LEN);
    fill_random(b, MAX_LEN);
    /* Exactly sized heap buffers: ASan catches a byte too many. */
    t_memmove(b, a, MAX_LEN);
    assert_memory_equal(a, b, MAX_LEN);
    fill_random(a, MAX_LEN);
    t_memmove(a, b, MAX_LEN);
    assert_memory_equal(a, b, MAX_LEN);
    free(a);
    free(b);
}

static void memset_matches_libc(void **state)
{
    static const int values[] = { 0, 1, 0x7f, 0x80, 0xff, 0x1ab, -1, -128 };
    uint8_t dst[MAX_LEN + 2 * GUARD], want[sizeof(dst)];
    size_t off, len, v;

    rng_seed(4);
    for (v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
        for (off = 0; off < GUARD; off++) {
            for (len = 0; len <= MAX_LEN; len++) {
                fill_random(dst, sizeof(dst));
                memcpy(want, dst, sizeof(dst));
                memset(want + off, values[v], len);
                assert_ptr_equal(t_memset(dst + off, values[v], len), dst + off);
                assert_memory_equal(dst, want, sizeof(dst));
            }
        }
    }
}

/* memcmp compares bytes as unsigned char: 0x80 is above 0x7f. */
static void memcmp_sign_matches_libc(void **state)
{
    uint8_t a[MAX_LEN], b[MAX_LEN];
    size_t len, at;

    rng_seed(5);
    for (len = 0; len <= MAX_LEN; len++) {
        fill_random(a, sizeof(a));
        memcpy(b, a, sizeof(b));
        assert_int_equal(t_memcmp(a, b, len), 0);
        for (at = 0; at < len; at++) {
            uint8_t keep = b[at];

            b[at] = (uint8_t)rng_next();
            assert_int_equal(sign(t_memcmp(a, b, len)), sign(memcmp(a, b, len)));
            assert_int_equal(sign(t_memcmp(b, a, len)), sign(memcmp(b, a, len)));
            b[at] = keep;
        }
    }
    assert_true(t_memcmp("\x80", "\x7f", 1) > 0);
    assert_true(t_memcmp("\x01", "\xff", 1) < 0);
    /* Only the first difference counts. */
    assert_true(t_memcmp("ab\xff", "ac\x00", 3) < 0);
}

static void strlen_matches_libc(void **state)
{
    size_t len;

    for (len = 0; len <= MAX_LEN; len++) {
        /* Exactly len + 1 bytes: a read past the NUL is an ASan error. */
        char *s = malloc(len + 1);

        assert_non_null(s);
        memset(s, 'x', len);
        if (len)
            s[0] = '\xff';
        s[len] = '\0';
        assert_int_equal(t_strlen(s), len);
        free(s);
    }
}

static void strncmp_matches_libc(void **state)
{
    static const char *const strs[] = {
        "", "a", "ab", "abc", "abd", "abcdef", "b", "\x80", "\x7f", "a\xff", "a\x01", "abc\0x",
    };
    size_t i, j, n, count = sizeof(strs) / sizeof(strs[0]);

    for (i = 0; i < count; i++)
        for (j = 0; j < count; j++)
            for (n = 0; n <= 8; n++)
                assert_int_equal(sign(t_strncmp(strs[i], strs[j], n)),
                                 sign(strncmp(strs[i], strs[j], n)));
}

static void strncmp_stops_at_nul_and_at_n(void **state)
{
    /* Heap strings of exact size: neither may be read past its NUL. */
    char *a = strdup("same"), *b = strdup("same");

    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(t_strncmp(a, b, 1000), 0);
    assert_int_equal(t_strncmp("abcX", "abcY", 3), 0);
    assert_true(t_strncmp("abcX", "abcY", 4) < 0);
    assert_int_equal(t_strncmp("x", "y", 0), 0);
    free(a);
    free(b);
}

static const char *const cstrs[] = {
    "", "a", "ab", "abc", "abd", "abcdef", "b", "\x80", "\x7f", "a\xff", "a\x01", "abc\0x",
    "a/b/c", "//", "x\xffy\xff",
};
#define NR_STRS (sizeof(cstrs) / sizeof(cstrs[0]))

static void strcmp_matches_libc(void **state)
{
    for (size_t i = 0; i < NR_STRS; i++)
        for (size_t j = 0; j < NR_STRS; j++)
            assert_int_equal(sign(t_strcmp(cstrs[i], cstrs[j])), sign(strcmp(cstrs[i], cstrs[j])));
}

/* Every byte value, the NUL included (which finds the terminator). */
static void strchr_strrchr_memchr_match_libc(void **state)
{
    for (size_t i = 0; i < NR_STRS; i++) {
        size_t len = strlen(cstrs[i]);

        for (int c = -1; c < 256; c++) {
            assert_ptr_equal(t_strchr(cstrs[i], c), strchr(cstrs[i], c));
            assert_ptr_equal(t_strrchr(cstrs[i], c), strrchr(cstrs[i], c));
            for (size_t n = 0; n <= len; n++)
                assert_ptr_equal(t_memchr(cstrs[i], c, n), memchr(cstrs[i], c, n));
        }
    }
}

static void strnlen_matches_libc(void **state)
{
    for (size_t i = 0; i < NR_STRS; i++)
        for (size_t max = 0; max <= 8; max++)
            assert_int_equal(t_strnlen(cstrs[i], max), strnlen(cstrs[i], max));
}

/* C's own strtoull and strtoul on every base, sign, prefix, white space,
 * digit case, overflow and junk the cases below combine. */
static void strtoul_matches_libc(void **state)
{
    static const char *const numbers[] = {
        "", " ", "0", "1", "-1", "+7", "  42", "\t\n13", "0x", "0x1f", "0X1F", "0xg", "-0x10",
        "0777", "08", "09", "z", "Z9", "1234567890", "18446744073709551615",
        "18446744073709551616", "99999999999999999999999", "-18446744073709551615",
        "0xffffffffffffffff", "0x10000000000000000", "1e3", "12abc", "+", "-", "- 1", "0b101",
        "zzzzzzzzzzzzzz", "7fffffffffffffff",
    };
    static const int bases[] = { 0, 2, 8, 10, 16, 36, 1, 37, -1 };

    for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
        for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
            char *mine = NULL, *libc = NULL;
            unsigned long long want;

            if (bases[b] == 1 || bases[b] > 36 || bases[b] < 0) {
                /* C leaves these undefined; ours read no digit. */
                assert_int_equal(t_strtoull(numbers[i], &mine, bases[b]), 0);
                assert_ptr_equal(mine, numbers[i]);
                continue;
            }
            want = strtoull(numbers[i], &libc, bases[b]);
            assert_true(t_strtoull(numbers[i], &mine, bases[b]) == want);
            assert_ptr_equal(mine, libc);
            assert_true(t_strtoul(numbers[i], &mine, bases[b]) == strtoul(numbers[i], &libc,
                                                                            bases[b]));
            assert_ptr_equal(mine, libc);
            assert_true(t_strtoull(numbers[i], NULL, bases[b]) == want);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(memcpy_matches_libc),
        cmocka_unit_test(memmove_handles_overlap_both_directions),
        cmocka_unit_test(memmove_between_separate_buffers),
        cmocka_unit_test(memset_matches_libc),
        cmocka_unit_test(memcmp_sign_matches_libc),
        cmocka_unit_test(strlen_matches_libc),
        cmocka_unit_test(strncmp_matches_libc),
        cmocka_unit_test(strcmp_matches_libc),
        cmocka_unit_test(strchr_strrchr_memchr_match_libc),
        cmocka_unit_test(strnlen_matches_libc),
        cmocka_unit_test(strtoul_matches_libc),
        cmocka_unit_test(strncmp_stops_at_nul_and_at_n),
    };

    return cmocka_run_group_tests_name("string", tests, NULL, NULL);
}
