/*
 * firmware/disk/bls.c and version.c: Boot Loader Specification entry
 * text, loader.conf's default, the UAPI version order and glob patterns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "firmware/disk/bls.h"
#include "firmware/disk/version.h"
#include "tests/unit/support.h"

static struct pvh_bls_entry e;
static struct pvh_error err;

static int parse(const char *text)
{
    return pvh_bls_parse(text, strlen(text), &e, &err);
}

static void entry_keys(void **state)
{
    assert_int_equal(parse("# Debian\n"
                           "title      Debian GNU/Linux 12  \n"
                           "version 6.1.0-10-amd64\r\n"
                           "machine-id 4098b3f648d74c13b1f04ccfba7798e8\n"
                           "sort-key debian\n"
                           "\n"
                           "  linux /vmlinuz-6.1.0-10-amd64\n"
                           "initrd /ucode.img\n"
                           "initrd\t/initrd.img-6.1.0-10-amd64\n"
                           "options root=/dev/vda2 ro\n"
                           "options quiet\n"
                           "devicetree /dtb/x.dtb\n"
                           "architecture X64\n"
                           "unknown-key whatever\n"),
                     PVH_OK);
    assert_string_equal(e.title, "Debian GNU/Linux 12");
    assert_string_equal(e.version, "6.1.0-10-amd64");
    assert_string_equal(e.machine_id, "4098b3f648d74c13b1f04ccfba7798e8");
    assert_string_equal(e.sort_key, "debian");
    assert_string_equal(e.linux_path, "/vmlinuz-6.1.0-10-amd64");
    assert_int_equal(e.nr_initrd, 2);
    assert_string_equal(e.initrd[0], "/ucode.img");
    assert_string_equal(e.initrd[1], "/initrd.img-6.1.0-10-amd64");
    assert_string_equal(e.options, "root=/dev/vda2 ro quiet");
    assert_string_equal(e.devicetree, "/dtb/x.dtb");
    assert_true(pvh_bls_arch_ok(&e));
}

static void last_single_key_counts(void **state)
{
    assert_int_equal(parse("title A\ntitle B\nlinux /a\nlinux /b"), PVH_OK);
    assert_string_equal(e.title, "B");
    assert_string_equal(e.linux_path, "/b");
}

static void other_architecture_not_ok(void **state)
{
    assert_int_equal(parse("architecture aa64\n"), PVH_OK);
#if defined(__aarch64__)
    assert_true(pvh_bls_arch_ok(&e));
#else
    assert_false(pvh_bls_arch_ok(&e));
#endif
    assert_int_equal(parse("architecture x6\n"), PVH_OK);
    assert_false(pvh_bls_arch_ok(&e));
}

static void too_long_and_too_many_refused(void **state)
{
    char text[4096];
    unsigned i;
    size_t n = 0;

    n += (size_t)snprintf(text, sizeof(text), "linux /");
    memset(text + n, 'k', 300);
    n += 300;
    text[n] = '\0';
    assert_error(parse(text), &err, PVH_E2BIG, "key 'linux': 301 bytes (at most 255)");
    n = 0;
    for (i = 0; i < 9; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "initrd /i%u\n", i);
    assert_error(parse(text), &err, PVH_E2BIG, "more than 8 initrd lines");
    n = 0;
    for (i = 0; i < 30; i++) {
        n += (size_t)snprintf(text + n, sizeof(text) - n, "options ");
        memset(text + n, 'o', 99);
        n += 99;
        text[n++] = '\n';
    }
    text[n] = '\0';
    assert_error(parse(text), &err, PVH_E2BIG, "key 'options': 2099 bytes in all");
}

static void nul_byte_refused(void **state)
{
    static const char text[] = "title a\0b\nlinux /x\n";

    assert_error(pvh_bls_parse(text, sizeof(text) - 1, &e, &err), &err, PVH_EINVAL,
                 "a NUL byte at offset 7");
}

static void loader_conf_default(void **state)
{
    static const char conf[] = "timeout 3\n#default no\ndefault  debian-*  \neditor no\n";
    char out[64];

    assert_int_equal(pvh_bls_loader_default(conf, strlen(conf), out, sizeof(out), &err),
                     PVH_OK);
    assert_string_equal(out, "debian-*");
    assert_int_equal(pvh_bls_loader_default("timeout 3", 9, out, sizeof(out), &err), PVH_OK);
    assert_string_equal(out, "");
    assert_error(pvh_bls_loader_default(conf, strlen(conf), out, 4, &err), &err, PVH_E2BIG,
                 "key 'default': 8 bytes (at most 3)");
}

/* Pairs in increasing order (each older than the next). */
static void version_order(void **state)
{
    static const char *const order[] = {
        "~1", "", "a", "b", "ba", "1~rc1", "1", "1.0~rc1", "1.0", "1.0^post1", "1.0.1", "1.1",
        "1.9", "1.10", "1.10a", "2", "2-1", "2.0", "10",
    };
    unsigned i, j;

    for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        for (j = 0; j < sizeof(order) / sizeof(order[0]); j++) {
            int r = pvh_version_cmp(order[i], order[j]);

            if ((i < j && r >= 0) || (i > j && r <= 0) || (i == j && r))
                fail_msg("version_cmp(\"%s\", \"%s\") = %d", order[i], order[j], r);
        }
    assert_int_equal(pvh_version_cmp("001", "1"), 0);
    assert_int_equal(pvh_version_cmp("1_2", "1+2"), 0);
    assert_true(pvh_version_cmp("6.1.0-9-amd64", "6.1.0-10-amd64") < 0);
}

static void glob_patterns(void **state)
{
    static const struct {
        const char *pattern, *name;
        bool match;
    } cases[] = {
        { "*", "anything", true },
        { "*", "", true },
        { "debian-*", "debian-6.1.0", true },
        { "debian-*", "fedora", false },
        { "?ebian", "debian", true },
        { "?ebian", "ebian", false },
        { "[a-c]x", "bx", true },
        { "[a-c]x", "dx", false },
        { "[!a-c]x", "dx", true },
        { "[^a-c]x", "ax", false },
        { "[]]", "]", true },
        { "[abc", "a", false },
        { "*.conf", "x.conf", true },
        { "a*b*c", "aXbYc", true },
        { "a*b*c", "aXbY", false },
        { "\\*", "*", true },
        { "\\*", "a", false },
        { "exact", "exact", true },
        { "exact", "exactly", false },
    };
    char long_a[4001];
    unsigned i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (pvh_glob_match(cases[i].pattern, cases[i].name) != cases[i].match)
            fail_msg("glob(\"%s\", \"%s\") != %d", cases[i].pattern, cases[i].name,
                     cases[i].match);
    /* Many stars against a long name that almost matches: still quick. */
    memset(long_a, 'a', 4000);
    long_a[4000] = '\0';
    assert_false(pvh_glob_match("a*a*a*a*a*a*a*a*a*a*b", long_a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(entry_keys),
        cmocka_unit_test(last_single_key_counts),
        cmocka_unit_test(other_architecture_not_ok),
        cmocka_unit_test(too_long_and_too_many_refused),
        cmocka_unit_test(nul_byte_refused),
        cmocka_unit_test(loader_conf_default),
        cmocka_unit_test(version_order),
        cmocka_unit_test(glob_patterns),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
