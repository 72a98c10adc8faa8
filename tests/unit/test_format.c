/*
 * common/output/format.c through pvh_snprintf, and common/output/console.c through a
 * capturing console sink: conversions, flags, truncation, the %pE
 * escape, pvh_info and the sink list.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pvhboot/console.h>

#include "tests/unit/support.h"

/*
 * Format with pvh_snprintf and check the text and the returned length;
 * where the format is one C's snprintf understands the same way, compare
 * with the host's snprintf too.
 */
#define CHECK(want, ...)                                            \
    do {                                                            \
        char buf_[512];                                             \
        size_t n_ = pvh_snprintf(buf_, sizeof(buf_), __VA_ARGS__);  \
        assert_string_equal(buf_, (want));                          \
        assert_int_equal(n_, strlen(want));                         \
    } while (0)

#define CHECK_LIBC(want, ...)                                       \
    do {                                                            \
        char libc_[512];                                            \
        CHECK((want), __VA_ARGS__);                                 \
        snprintf(libc_, sizeof(libc_), __VA_ARGS__);                \
        assert_string_equal(libc_, (want));                         \
    } while (0)

/* pvh_vsnprintf without the compiler's format check, for the formats
 * that check rightly frowns upon but pvhboot must still handle. */
static size_t unchecked(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    n = pvh_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

static void formats_signed_decimal(void **state)
{
    CHECK_LIBC("0", "%d", 0);
    CHECK_LIBC("42", "%d", 42);
    CHECK_LIBC("-42", "%i", -42);
    CHECK_LIBC("2147483647", "%d", INT_MAX);
    CHECK_LIBC("-2147483648", "%d", INT_MIN);
    CHECK_LIBC("-9223372036854775808", "%lld", LLONG_MIN);
    CHECK_LIBC("9223372036854775807", "%lli", LLONG_MAX);
    CHECK_LIBC("-9223372036854775808", "%ld", LONG_MIN);
    CHECK_LIBC("-1", "%zd", (ssize_t)-1);
}

static void formats_unsigned_and_hex(void **state)
{
    CHECK_LIBC("4294967295", "%u", UINT_MAX);
    CHECK_LIBC("ffffffff", "%x", UINT_MAX);
    CHECK_LIBC("DEADBEEF", "%X", 0xdeadbeefu);
    CHECK_LIBC("deadbeef", "%x", 0xdeadbeefu);
    CHECK_LIBC("18446744073709551615", "%llu", ULLONG_MAX);
    CHECK_LIBC("ffffffffffffffff", "%llx", ULLONG_MAX);
    CHECK_LIBC("FFFFFFFFFFFFFFFF", "%llX", ULLONG_MAX);
    CHECK_LIBC("18446744073709551615", "%lu", ULONG_MAX);
    CHECK_LIBC("18446744073709551615", "%zu", SIZE_MAX);
    CHECK_LIBC("123456789abcdef0", "%zx", (size_t)0x123456789abcdef0ull);
    CHECK_LIBC("0", "%x", 0u);
}

/* The length modifier decides how many bytes of the argument are read:
 * an int must not pick up garbage from the upper half of its slot. */
static void length_modifiers_read_the_right_width(void **state)
{
    CHECK_LIBC("1 2 3 4", "%u %lu %llu %zu", 1u, 2ul, 3ull, (size_t)4);
    CHECK_LIBC("ffffffff 100000000", "%x %llx", UINT_MAX, 0x100000000ull);
    CHECK_LIBC("-1 4294967295", "%d %u", -1, UINT_MAX);
}

static void formats_char_string_percent(void **state)
{
    CHECK_LIBC("x", "%c", 'x');
    CHECK_LIBC("[  x]", "[%3c]", 'x');
    CHECK_LIBC("[x  ]", "[%-3c]", 'x');
    CHECK_LIBC("hello", "%s", "hello");
    CHECK_LIBC("100%", "%d%%", 100);
    CHECK_LIBC("a%b", "a%%b");
    CHECK_LIBC("", "%s", "");
    CHECK_LIBC("plain text", "plain text");
}

static void formats_pointer_as_0x_hex(void **state)
{
    CHECK("0x1234", "%p", (void *)0x1234);
    CHECK("0xffffffffffffffff", "%p", (void *)UINTPTR_MAX);
    CHECK("0x0", "%p", (void *)NULL);
    CHECK("[    0xab]", "[%8p]", (void *)0xab);
}

static void null_string_prints_null(void **state)
{
    /* volatile: the compiler must not see the NULL and complain. */
    const char *volatile null = NULL;

    CHECK("(null)", "%s", null);
    CHECK("[  (null)]", "[%8s]", null);
    CHECK("(nu", "%.3s", null);
}

static void widths_and_flags(void **state)
{
    CHECK_LIBC("[   42]", "[%5d]", 42);
    CHECK_LIBC("[42   ]", "[%-5d]", 42);
    CHECK_LIBC("[00042]", "[%05d]", 42);
    CHECK_LIBC("[-0042]", "[%05d]", -42);
    CHECK_LIBC("[  -42]", "[%5d]", -42);
    CHECK_LIBC("[-42  ]", "[%-5d]", -42);
    CHECK_LIBC("[0000abcd]", "[%08x]", 0xabcdu);
    CHECK_LIBC("[ABCD    ]", "[%-8X]", 0xabcdu);
    {
        /* '-' wins over '0'. */
        char buf[16];

        assert_int_equal(unchecked(buf, sizeof(buf), "[%-05d]", 42), 7);
        assert_string_equal(buf, "[42   ]");
    }
    /* A number wider than its field is not cut. */
    CHECK_LIBC("[123456]", "[%3d]", 123456);
    CHECK_LIBC("[   ab]", "[%5s]", "ab");
    CHECK_LIBC("[ab   ]", "[%-5s]", "ab");
    CHECK_LIBC("[abcdef]", "[%3s]", "abcdef");
    /* A width from the argument list. */
    CHECK_LIBC("[   7]", "[%*d]", 4, 7);
    /* Widths longer than the padding block (16) used inside. */
    CHECK_LIBC("[                                       1]", "[%40d]", 1);
    CHECK_LIBC("[0000000000000000000000000000000000000001]", "[%040d]", 1);
    CHECK_LIBC("[x                                       ]", "[%-40s]", "x");
    CHECK_LIBC("0x000000000000beef", "0x%016llx", 0xbeefull);
}

static void precision_limits_strings(void **state)
{
    CHECK_LIBC("abc", "%.3s", "abcdef");
    CHECK_LIBC("abcdef", "%.10s", "abcdef");
    CHECK_LIBC("", "%.0s", "abcdef");
    CHECK_LIBC("ab", "%.*s", 2, "abcdef");
    CHECK_LIBC("[   ab]", "[%5.2s]", "abcdef");
    CHECK_LIBC("[ab   ]", "[%-5.*s]", 2, "abcdef");
    /* A negative precision from .* means none. */
    CHECK_LIBC("abcdef", "%.*s", -1, "abcdef");
}

/* With a precision the string need not be NUL-terminated: pvh_snprintf
 * must not look at the byte after the last one it prints. The buffer is
 * exactly sized on the heap, so ASan reports such a read. */
static void precision_never_reads_past_unterminated_buffer(void **state)
{
    char *raw = malloc(5);
    char out[16];

    assert_non_null(raw);
    memcpy(raw, "abcde", 5); /* no NUL */
    assert_int_equal(pvh_snprintf(out, sizeof(out), "%.5s", raw), 5);
    assert_string_equal(out, "abcde");
    assert_int_equal(pvh_snprintf(out, sizeof(out), "[%.*s]", 5, raw), 7);
    assert_string_equal(out, "[abcde]");
    assert_int_equal(pvh_snprintf(out, sizeof(out), "%.3s", raw), 3);
    assert_string_equal(out, "abc");
    free(raw);
}

static void truncation_returns_full_length_and_terminates(void **state)
{
    char buf[8];

    memset(buf, '#', sizeof(buf));
    assert_int_equal(pvh_snprintf(buf, 5, "hello %s", "world"), 11);
    assert_string_equal(buf, "hell");
    /* Nothing written past size. */
    assert_int_equal(buf[5], '#');

    memset(buf, '#', sizeof(buf));
    assert_int_equal(pvh_snprintf(buf, 1, "%d", 12345), 5);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[1], '#');

    /* Exactly fitting: all of it, and the NUL in the last byte. */
    memset(buf, '#', sizeof(buf));
    assert_int_equal(pvh_snprintf(buf, sizeof(buf), "%s", "1234567"), 7);
    assert_string_equal(buf, "1234567");

    /* Truncation in the middle of padding and of a number. */
    assert_int_equal(pvh_snprintf(buf, sizeof(buf), "%20d", 1), 20);
    assert_string_equal(buf, "       ");
    assert_int_equal(pvh_snprintf(buf, sizeof(buf), "x%llu", ULLONG_MAX), 21);
    assert_string_equal(buf, "x184467");
}

static void size_zero_writes_nothing(void **state)
{
    char buf[4] = { '#', '#', '#', '#' };

    assert_int_equal(pvh_snprintf(buf, 0, "hello %d", 42), 8);
    assert_memory_equal(buf, "####", 4);
}

/* The C idiom for measuring: no buffer at all. */
static void size_zero_accepts_null_buffer(void **state)
{
    assert_int_equal(pvh_snprintf(NULL, 0, "%s=%u", "key", 1234u), 8);
    assert_int_equal(pvh_snprintf(NULL, 0, "%pE", "a\"b"), 6);
}

/* An exactly sized heap buffer: the NUL must land inside it. */
static void heap_buffer_exactly_sized(void **state)
{
    char *buf = malloc(6);

    assert_non_null(buf);
    assert_int_equal(pvh_snprintf(buf, 6, "%s", "abcdefghij"), 10);
    assert_string_equal(buf, "abcde");
    assert_int_equal(pvh_snprintf(buf, 6, "%05d", 12), 5);
    assert_string_equal(buf, "00012");
    free(buf);
}

static void lone_and_unknown_conversions_are_shown(void **state)
{
    char buf[16];

    assert_int_equal(unchecked(buf, sizeof(buf), "abc%"), 3);
    assert_string_equal(buf, "abc");
    assert_int_equal(unchecked(buf, sizeof(buf), "a%qb"), 4);
    assert_string_equal(buf, "a%qb");
}

static void escape_quotes_backslash_and_controls(void **state)
{
    CHECK("plain text", "%pE", "plain text");
    CHECK("\\x22quoted\\x22", "%pE", "\"quoted\"");
    CHECK("back\\x5cslash", "%pE", "back\\slash");
    CHECK("tab\\x09nl\\x0acr\\x0d", "%pE", "tab\tnl\ncr\r");
    CHECK("del\\x7f hi\\x80\\xff", "%pE", "del\x7f hi\x80\xff");
    CHECK("", "%pE", "");
    /* Text around the conversion, and a conversion after it. */
    CHECK("cmdline \"a\\x22b\" 7", "cmdline \"%pE\" %d", "a\"b", 7);
    /* Escapes are lowercase even with upper-case letters around. */
    CHECK("\\xab\\xcd\\xef", "%pE", "\xab\xcd\xef");
}

static bool must_escape(unsigned c)
{
    return c < 0x20 || c >= 0x7f || c == '"' || c == '\\';
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1; /* upper case is not what pvhboot prints */
}

/* Every byte value 1..255: the output decodes back exactly, and a byte
 * is escaped exactly when the contract says so. */
static void escape_round_trips_every_byte(void **state)
{
    char in[256], out[256 * 4 + 1];
    unsigned i, pos = 0, escaped = 0;
    size_t n;

    for (i = 1; i < 256; i++)
        in[i - 1] = (char)i;
    in[255] = '\0';
    n = pvh_snprintf(out, sizeof(out), "%pE", in);
    assert_int_equal(n, strlen(out));

    for (i = 1; i < 256; i++) {
        assert_true(pos < n);
        if (out[pos] == '\\') {
            int hi, lo;

            assert_true(pos + 3 < n);
            assert_int_equal(out[pos + 1], 'x');
            hi = hex_digit(out[pos + 2]);
            lo = hex_digit(out[pos + 3]);
            assert_true(hi >= 0 && lo >= 0);
            assert_int_equal((unsigned)(hi << 4 | lo), i);
            assert_true(must_escape(i));
            pos += 4;
            escaped++;
        } else {
            assert_int_equal((unsigned char)out[pos], i);
            assert_false(must_escape(i));
            pos++;
        }
    }
    assert_int_equal(pos, n);
    /* 0x01..0x1f, 0x7f..0xff, '"' and '\'. */
    assert_int_equal(escaped, 31 + 129 + 2);
    assert_int_equal(n, 255 + 3 * escaped);
}

static void printf_reaches_the_sink(void **state)
{
    capture_start();
    pvh_printf("x=%d s=%s\n", 5, "ok");
    capture_stop();
    assert_string_equal(capture_text(), "x=5 s=ok\n");
    /* Nothing after the sink is gone. */
    pvh_printf("lost\n");
    assert_string_equal(capture_text(), "x=5 s=ok\n");
}

static void info_prefixes_and_ends_the_line(void **state)
{
    capture_start();
    pvh_info("cmdline \"%pE\"", "a b");
    pvh_info("ram %llu", 268435456ull);
    capture_stop();
    assert_string_equal(capture_text(), "pvhboot: cmdline \"a b\"\npvhboot: ram 268435456\n");
}

/* Output longer than the console's staging buffer still arrives whole
 * and in order. */
static void long_output_arrives_whole(void **state)
{
    char want[1200];
    size_t i;

    for (i = 0; i < 1000; i++)
        want[i] = (char)('a' + i % 26);
    want[1000] = '\0';
    capture_start();
    pvh_info("%s", want);
    capture_stop();
    assert_int_equal(capture_len(), 9 + 1000 + 1);
    assert_memory_equal(capture_text(), "pvhboot: ", 9);
    assert_memory_equal(capture_text() + 9, want, 1000);
    assert_string_equal(capture_text() + 1009, "\n");
    /* Staged: far fewer calls than pieces of output. */
    assert_true(capture_writes() <= 10);
}

/* A second sink, besides the capture sink of support.c. */
static char second_buf[256];
static size_t second_used;

static void second_write(const char *buf, size_t len)
{
    assert_true(len < sizeof(second_buf) - second_used);
    memcpy(second_buf + second_used, buf, len);
    second_used += len;
    second_buf[second_used] = '\0';
}

static const struct pvh_console second_sink = { .name = "second", .write = second_write };

static void output_reaches_every_registered_sink(void **state)
{
    second_used = 0;
    second_buf[0] = '\0';
    capture_start();
    assert_int_equal(pvh_console_register(&second_sink), 0);
    pvh_info("both %u", 2u);
    pvh_console_write("raw", 3);
    pvh_console_unregister(&second_sink);
    pvh_info("one");
    capture_stop();
    assert_string_equal(capture_text(), "pvhboot: both 2\nrawpvhboot: one\n");
    assert_string_equal(second_buf, "pvhboot: both 2\nraw");
}

static void registering_twice_is_idempotent(void **state)
{
    capture_start();
    /* capture_start registered it once already. */
    assert_int_equal(pvh_console_register(capture_sink()), 0);
    assert_int_equal(pvh_console_register(capture_sink()), 0);
    pvh_printf("once");
    assert_string_equal(capture_text(), "once");
    /* One unregister removes it: it was in the list only once. */
    capture_stop();
    pvh_printf("gone");
    assert_string_equal(capture_text(), "once");
}

static void unregistering_an_unknown_sink_is_harmless(void **state)
{
    capture_start();
    pvh_console_unregister(&second_sink);
    pvh_printf("still here");
    capture_stop();
    assert_string_equal(capture_text(), "still here");
}

/* Six slots: filler sinks that count their calls. */
static unsigned filler_calls;

static void filler_write(const char *buf, size_t len)
{
    filler_calls++;
}

static void full_sink_list_refuses_and_frees_up(void **state)
{
    struct pvh_console fillers[8];
    unsigned i, added = 0;

    for (i = 0; i < 8; i++)
        fillers[i] = (struct pvh_console){ .name = "filler", .write = filler_write };
    /* Fill every slot (none is in use when this test starts). */
    for (i = 0; i < 8; i++) {
        if (pvh_console_register(&fillers[i]) != 0)
            break;
        added++;
    }
    assert_int_equal(added, 6);
    assert_int_equal(pvh_console_register(&second_sink), -1);
    /* A refused sink receives nothing. */
    second_used = 0;
    second_buf[0] = '\0';
    filler_calls = 0;
    pvh_console_write("x", 1);
    assert_int_equal(filler_calls, 6);
    assert_string_equal(second_buf, "");
    /* Registering one already in the full list still succeeds. */
    assert_int_equal(pvh_console_register(&fillers[3]), 0);
    /* A freed slot can be used again. */
    pvh_console_unregister(&fillers[3]);
    assert_int_equal(pvh_console_register(&second_sink), 0);
    pvh_console_write("y", 1);
    assert_string_equal(second_buf, "y");
    for (i = 0; i < added; i++)
        pvh_console_unregister(&fillers[i]);
    pvh_console_unregister(&second_sink);
    filler_calls = 0;
    pvh_console_write("z", 1);
    assert_int_equal(filler_calls, 0);
}

static void empty_write_calls_no_sink(void **state)
{
    capture_start();
    pvh_console_write("abc", 0);
    pvh_printf("%s", "");
    capture_stop();
    assert_int_equal(capture_writes(), 0);
}

/* %pE of NULL prints "(null)" like %s, instead of reading address 0. */
static void escaped_null_prints_null(void **state)
{
    CHECK("[(null)]", "[%pE]", (const char *)NULL);
}

/* As in C: a negative '*' width left-justifies, a negative precision is none. */
static void negative_star_width_and_precision(void **state)
{
    CHECK_LIBC("[ab   ]", "[%*s]", -5, "ab");
    CHECK_LIBC("[7    ]", "[%*d]", -5, 7);
    CHECK_LIBC("[abcdef]", "[%.*s]", -1, "abcdef");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(formats_signed_decimal),
        cmocka_unit_test(formats_unsigned_and_hex),
        cmocka_unit_test(length_modifiers_read_the_right_width),
        cmocka_unit_test(formats_char_string_percent),
        cmocka_unit_test(formats_pointer_as_0x_hex),
        cmocka_unit_test(null_string_prints_null),
        cmocka_unit_test(widths_and_flags),
        cmocka_unit_test(precision_limits_strings),
        cmocka_unit_test(precision_never_reads_past_unterminated_buffer),
        cmocka_unit_test(truncation_returns_full_length_and_terminates),
        cmocka_unit_test(size_zero_writes_nothing),
        cmocka_unit_test(size_zero_accepts_null_buffer),
        cmocka_unit_test(heap_buffer_exactly_sized),
        cmocka_unit_test(lone_and_unknown_conversions_are_shown),
        cmocka_unit_test(escape_quotes_backslash_and_controls),
        cmocka_unit_test(escape_round_trips_every_byte),
        cmocka_unit_test(printf_reaches_the_sink),
        cmocka_unit_test(info_prefixes_and_ends_the_line),
        cmocka_unit_test(long_output_arrives_whole),
        cmocka_unit_test(output_reaches_every_registered_sink),
        cmocka_unit_test(registering_twice_is_idempotent),
        cmocka_unit_test(unregistering_an_unknown_sink_is_harmless),
        cmocka_unit_test(full_sink_list_refuses_and_frees_up),
        cmocka_unit_test(empty_write_calls_no_sink),
        cmocka_unit_test(escaped_null_prints_null),
        cmocka_unit_test(negative_star_width_and_precision),
    };

    return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
