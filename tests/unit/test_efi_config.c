/*
 * efi/config.c: what pvhboot.efi boots, from its load options or
 * pvhboot.cfg. The file under test is compiled in here (it is plain C
 * with no EFI in it), so the generic unit-test rule builds this test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efi/config.c"

/* A heap copy with exactly one spare byte, so ASan sees any overrun. */
static char *text_of(const char *s, size_t *len)
{
    char *t;

    *len = strlen(s);
    t = malloc(*len + 1);
    assert_non_null(t);
    memcpy(t, s, *len);
    t[*len] = 'X'; /* the parser must terminate it */
    return t;
}

static int parse(const char *s, struct pvh_efi_config *cfg, struct pvh_error *err, char **keep)
{
    size_t len;

    *keep = text_of(s, &len);
    return pvh_efi_config_parse(*keep, len, cfg, err);
}

static void kernel_alone_has_an_empty_cmdline(void **state)
{
    struct pvh_efi_config cfg;
    struct pvh_error err;
    char *t;

    assert_int_equal(parse("kernel.elf", &cfg, &err, &t), PVH_OK);
    assert_string_equal(cfg.kernel.path, "kernel.elf");
    assert_string_equal(cfg.kernel.cmdline, "");
    assert_int_equal(cfg.nr_modules, 0);
    assert_false(cfg.verbose);
    free(t);
}

static void cmdline_keeps_its_bytes_and_inner_blanks(void **state)
{
    struct pvh_efi_config cfg;
    struct pvh_error err;
    char *t;

    assert_int_equal(parse("  \\boot\\k.elf \t a=\"b  c\"\t# d --x ---y  ", &cfg, &err, &t),
                     PVH_OK);
    assert_string_equal(cfg.kernel.path, "\\boot\\k.elf");
    assert_string_equal(cfg.kernel.cmdline, "a=\"b  c\"\t# d --x ---y");
    free(t);
}

static void separators_split_modules_with_their_cmdlines(void **state)
{
    struct pvh_efi_config cfg;
    struct pvh_error err;
    char *t;

    assert_int_equal(parse("--verbose k.elf root=x --- /m/a.bin a words --- b.bin ---\tc.bin  c",
                           &cfg, &err, &t), PVH_OK);
    assert_true(cfg.verbose);
    assert_string_equal(cfg.kernel.cmdline, "root=x");
    assert_int_equal(cfg.nr_modules, 3);
    assert_string_equal(cfg.modules[0].path, "/m/a.bin");
    assert_string_equal(cfg.modules[0].cmdline, "a words");
    assert_string_equal(cfg.modules[1].path, "b.bin");
    assert_string_equal(cfg.modules[1].cmdline, "");
    assert_string_equal(cfg.modules[2].path, "c.bin");
    assert_string_equal(cfg.modules[2].cmdline, "c");
    free(t);
}

static void rejects_empty_entries_and_unknown_options(void **state)
{
    static const char *const bad[] = {
        "", "   ", "--verbose", "--- m.bin", "k.elf ---", "k.elf --- --- m.bin", "--quiet k.elf",
    };
    struct pvh_efi_config cfg;
    struct pvh_error err;
    unsigned i;
    char *t;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_not_equal(parse(bad[i], &cfg, &err, &t), PVH_OK);
        assert_true(err.msg[0]);
        free(t);
    }
}

static void rejects_a_nul_byte(void **state)
{
    struct pvh_efi_config cfg;
    struct pvh_error err;
    char t[] = "k.elf a\0b";

    assert_int_equal(pvh_efi_config_parse(t, sizeof(t) - 1, &cfg, &err), PVH_EINVAL);
    assert_string_equal(err.msg, "NUL byte at offset 7");
}

static void rejects_more_modules_than_it_keeps(void **state)
{
    struct pvh_efi_config cfg;
    struct pvh_error err;
    char text[16 * (PVH_EFI_MAX_MODULES + 2)];
    size_t len = (size_t)snprintf(text, sizeof(text), "k.elf");
    unsigned i;

    for (i = 0; i < PVH_EFI_MAX_MODULES; i++)
        len += (size_t)snprintf(text + len, sizeof(text) - len, " --- m%u", i);
    assert_int_equal(pvh_efi_config_parse(text, len, &cfg, &err), PVH_OK);
    assert_int_equal(cfg.nr_modules, PVH_EFI_MAX_MODULES);
    len = (size_t)snprintf(text, sizeof(text), "k.elf");
    for (i = 0; i <= PVH_EFI_MAX_MODULES; i++)
        len += (size_t)snprintf(text + len, sizeof(text) - len, " --- m%u", i);
    assert_int_equal(pvh_efi_config_parse(text, len, &cfg, &err), PVH_E2BIG);
}

static void config_file_lines_join_without_comments(void **state)
{
    size_t len;
    char *t = text_of("# first\r\n  --verbose \r\n\n\t\\k.elf a  b # not a comment\r\n"
                      "   # indented comment\n--- m.bin x\n---\tn.bin", &len);

    len = pvh_efi_config_join_lines(t, len);
    assert_string_equal(t, "--verbose \\k.elf a  b # not a comment --- m.bin x ---\tn.bin");
    assert_int_equal(len, strlen(t));
    free(t);
}

static void config_file_of_comments_only_is_empty(void **state)
{
    size_t len;
    char *t = text_of("# nothing\n\n   \r\n#\n", &len);

    assert_int_equal(pvh_efi_config_join_lines(t, len), 0);
    assert_string_equal(t, "");
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kernel_alone_has_an_empty_cmdline),
        cmocka_unit_test(cmdline_keeps_its_bytes_and_inner_blanks),
        cmocka_unit_test(separators_split_modules_with_their_cmdlines),
        cmocka_unit_test(rejects_empty_entries_and_unknown_options),
        cmocka_unit_test(rejects_a_nul_byte),
        cmocka_unit_test(rejects_more_modules_than_it_keeps),
        cmocka_unit_test(config_file_lines_join_without_comments),
        cmocka_unit_test(config_file_of_comments_only_is_empty),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
