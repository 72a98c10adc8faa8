/* common/boot/options.c: finding pvhboot.* options, and removing them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "common/boot/options.h"

static void finds_option_with_and_without_value(void **state)
{
    const char *v;
    size_t n;

    assert_true(pvh_option("a pvhboot.verbose b", "verbose", &v, &n));
    assert_int_equal(n, 0);
    assert_true(pvh_option("pvhboot.payload=2 x", "payload", &v, &n));
    assert_int_equal(n, 1);
    assert_memory_equal(v, "2", 1);
}

static void the_last_setting_wins(void **state)
{
    assert_true(pvh_option_is("pvhboot.x=a pvhboot.x=b", "x", "b"));
    assert_false(pvh_option_is("pvhboot.x=a pvhboot.x=b", "x", "a"));
}

static void only_whole_words_with_the_prefix_count(void **state)
{
    const char *v;
    size_t n;

    assert_false(pvh_option("xpvhboot.verbose", "verbose", &v, &n));
    assert_false(pvh_option("pvhboot.verbosely", "verbose", &v, &n));
    assert_false(pvh_option("verbose pvhboot.", "verbose", &v, &n));
    assert_false(pvh_option("", "verbose", &v, &n));
    assert_true(pvh_option("\tpvhboot.verbose\n", "verbose", &v, &n));
}

static void value_may_be_empty_or_contain_equals(void **state)
{
    assert_true(pvh_option_is("pvhboot.k=", "k", ""));
    assert_true(pvh_option_is("pvhboot.k=a=b", "k", "a=b"));
}

#define STRIP(in, want)                                                     \
    do {                                                                    \
        char buf_[256];                                                     \
        assert_int_equal(pvh_cmdline_strip_options(buf_, sizeof(buf_), in), \
                         strlen(want));                                     \
        assert_string_equal(buf_, want);                                    \
    } while (0)

static void strip_removes_options_and_keeps_everything_else(void **state)
{
    STRIP("console=ttyS0 root=/dev/vda", "console=ttyS0 root=/dev/vda");
    STRIP("pvhboot.x a  b pvhboot.y=1 c", "a  b c");
    STRIP("  lead pvhboot.z", "  lead");
    STRIP("pvhboot.only", "");
    STRIP("", "");
    STRIP("a\tpvhboot.q\tb  ", "a\tb  ");
    STRIP("quoted=\"x y\" pvhboot.v", "quoted=\"x y\"");
    STRIP("notpvhboot.x pvhboot", "notpvhboot.x pvhboot");
}

static void strip_refuses_what_does_not_fit(void **state)
{
    char buf[4];

    assert_int_equal(pvh_cmdline_strip_options(buf, sizeof(buf), "abcd"), (size_t)-1);
    assert_int_equal(pvh_cmdline_strip_options(buf, sizeof(buf), "abc"), 3);
    assert_string_equal(buf, "abc");
    assert_int_equal(pvh_cmdline_strip_options(buf, 0, ""), (size_t)-1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_option_with_and_without_value),
        cmocka_unit_test(the_last_setting_wins),
        cmocka_unit_test(only_whole_words_with_the_prefix_count),
        cmocka_unit_test(value_may_be_empty_or_contain_equals),
        cmocka_unit_test(strip_removes_options_and_keeps_everything_else),
        cmocka_unit_test(strip_refuses_what_does_not_fit),
    };
    return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
