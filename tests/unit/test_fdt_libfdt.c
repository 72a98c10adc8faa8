/*
 * The FDT reader against libfdt (Debian's libfdt-dev): over real device
 * trees (QEMU virt's for several -m/-smp, Xen dom0's, in
 * tests/unit/data/) both must see the same tokens; over fuzzed variants
 * of them, whatever our reader accepts libfdt's fdt_check_full accepts
 * too, with the same tokens, and our reader never reads outside the
 * (exactly sized) buffer. Also: the /chosen rewrite gives a tree libfdt
 * accepts, with the new values, and its two ways (the source copied in
 * runs, the writer's token by token) give trees of one size with the
 * same tokens. The real trees read the same one byte off alignment.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "common/fdt/fdt.h"
#include "tests/unit/libfdt_tokens.h"
#include "tests/unit/support.h"

#define MAX_TOKENS 4096
#define FUZZ_ROUNDS 3000

static const char *const fixtures[] = {
    "qemu-virt-1_-smp1.dtb",
    "qemu-virt-5_-smp4.dtb",
    "qemu-virt_virtualization_on_gic-version_3-2_-smp2.dtb",
    "xen-dom0.dtb",
};

static struct fdt_tok ours[MAX_TOKENS], theirs[MAX_TOKENS];

/* Our tokens; -1 if our reader refuses the blob. */
static int our_tokens(const uint8_t *blob, size_t len, struct pvh_error *err)
{
    struct pvh_fdt fdt;
    struct pvh_fdt_walk w;
    struct pvh_fdt_token t;
    int n = 0;

    if (pvh_fdt_open(&fdt, blob, len, err))
        return -1;
    pvh_fdt_walk_start(&w, &fdt);
    for (;;) {
        if (pvh_fdt_walk_next(&w, &t, err))
            return -1;
        if (t.kind == PVH_FDT_DONE)
            return n;
        if (n == MAX_TOKENS)
            fail_msg("more than %d tokens", MAX_TOKENS);
        ours[n++] = (struct fdt_tok){ t.kind, t.depth, t.name, t.value, t.len };
    }
}

/* Ours (n of them) and libfdt's tokens are the same (the blob has passed
 * fdt_check_full). */
static void assert_same(const void *blob, int n)
{
    const char *why = "";
    int m = libfdt_tokens(blob, theirs, MAX_TOKENS, &why), d;

    if (m < 0)
        fail_msg("libfdt: %s", why);
    d = fdt_tokens_first_difference(ours, n, theirs, m);
    if (d >= 0)
        fail_msg("token %d differs from libfdt's (%d tokens, libfdt %d)", d, n, m);
}

static void real_trees_read_the_same(void **state)
{
    struct pvh_error err;
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
        size_t len;
        uint8_t *blob = load_fixture(fixtures[i], &len);
        int n;

        assert_int_equal(fdt_check_full(blob, len), 0);
        n = our_tokens(blob, len, &err);
        if (n < 0)
            fail_msg("%s: our reader refused it: %s", fixtures[i], err.msg);
        assert_true(n > 20);
        assert_same(blob, n);
        free(blob);
    }
}

static void mutate(uint8_t *b, size_t len)
{
    unsigned k, n = 1 + (unsigned)rng_below(4);

    for (k = 0; k < n; k++) {
        size_t at = rng_below(4) == 0 ? rng_below(40) : rng_below(len); /* the header often */
        switch (rng_below(4)) {
        case 0: b[at] ^= (uint8_t)(1u << rng_below(8)); break;
        case 1: b[at] = (uint8_t)rng_next(); break;
        case 2: b[at] = 0; break;
        default: b[at] = 0xff; break;
        }
    }
}

static void fuzzed_trees_never_accepted_alone(void **state)
{
    unsigned i, accepted = 0, both = 0;

    (void)state;
    rng_seed(0xfd7);
    for (i = 0; i < FUZZ_ROUNDS; i++) {
        size_t len;
        uint8_t *orig = load_fixture(fixtures[i % (sizeof(fixtures) / sizeof(fixtures[0]))], &len);
        size_t cut = rng_below(8) == 0 ? rng_below(len) + 1 : len; /* sometimes truncated */
        uint8_t *b = malloc(cut);
        struct pvh_error err;
        int n, theirs_ok;

        memcpy(b, orig, cut);
        mutate(b, cut);
        n = our_tokens(b, cut, &err);
        theirs_ok = cut >= sizeof(struct fdt_header) && fdt_check_full(b, cut) == 0;
        if (n >= 0) {
            accepted++;
            if (!theirs_ok)
                fail_msg("round %u: our reader accepted what libfdt refuses", i);
            assert_same(b, n);
        } else if (theirs_ok && !fdt_stricter_rule(err.msg)) {
            fail_msg("round %u: libfdt accepts, we refuse: %s", i, err.msg);
        }
        both += theirs_ok && n >= 0;
        free(b);
        free(orig);
    }
    /* The fuzzing must leave some trees valid, or it tests only refusals. */
    assert_true(accepted > FUZZ_ROUNDS / 20);
    assert_int_equal(both, accepted);
}

static void rewritten_chosen_reads_back_in_libfdt(void **state)
{
    static uint8_t out[1 << 16];
    struct pvh_fdt_chosen chosen = { "console=ttyAMA0 new words", 0x48000000, 0x48001234 };
    struct pvh_error err;
    struct pvh_fdt fdt;
    uint32_t total;
    size_t len;
    uint8_t *blob = load_fixture("xen-dom0.dtb", &len);
    const fdt64_t *v;
    const char *s;
    int node, l;

    (void)state;
    assert_int_equal(pvh_fdt_open(&fdt, blob, len, &err), 0);
    assert_int_equal(pvh_fdt_rewrite_chosen(&fdt, &chosen, out, sizeof(out), &total, &err), 0);
    assert_int_equal(fdt_check_full(out, total), 0);
    node = fdt_path_offset(out, "/chosen");
    assert_true(node >= 0);
    s = fdt_getprop(out, node, "bootargs", &l);
    assert_non_null(s);
    assert_string_equal(s, "console=ttyAMA0 new words");
    v = fdt_getprop(out, node, "linux,initrd-start", &l);
    assert_int_equal(l, 8);
    assert_int_equal(fdt64_ld(v), 0x48000000);
    v = fdt_getprop(out, node, "linux,initrd-end", &l);
    assert_int_equal(fdt64_ld(v), 0x48001234);
    /* Everything else is still there. */
    assert_true(fdt_path_offset(out, "/hypervisor") >= 0);
    assert_int_equal(fdt_num_mem_rsv(out), fdt_num_mem_rsv(blob));

    /* No initrd and no bootargs: both removed. */
    chosen = (struct pvh_fdt_chosen){ NULL, 0, 0 };
    assert_int_equal(pvh_fdt_rewrite_chosen(&fdt, &chosen, out, sizeof(out), &total, &err), 0);
    assert_int_equal(fdt_check_full(out, total), 0);
    node = fdt_path_offset(out, "/chosen");
    assert_null(fdt_getprop(out, node, "bootargs", &l));
    assert_null(fdt_getprop(out, node, "linux,initrd-start", &l));
    free(blob);
}

/* Tokens by content: a list of blob b against the list of blob a. */
static void assert_same_content(const struct fdt_tok *a, int n, const struct fdt_tok *b, int m)
{
    int i;

    assert_int_equal(n, m);
    for (i = 0; i < n; i++) {
        assert_int_equal(a[i].kind, b[i].kind);
        assert_int_equal(a[i].depth, b[i].depth);
        assert_int_equal(a[i].len, b[i].len);
        if (a[i].kind != PVH_FDT_END_NODE)
            assert_string_equal(a[i].name, b[i].name);
        if (a[i].kind == PVH_FDT_PROP)
            assert_memory_equal(a[i].value, b[i].value, a[i].len);
    }
}

static void real_trees_read_the_same_unaligned(void **state)
{
    struct pvh_error err;
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
        size_t len;
        uint8_t *blob = load_fixture(fixtures[i], &len), *odd = malloc(len + 1);
        struct pvh_fdt fdt;
        int n, m;

        assert_non_null(odd);
        memcpy(odd + 1, blob, len);
        n = our_tokens(blob, len, &err);
        assert_true(n > 20);
        memcpy(theirs, ours, (size_t)n * sizeof(ours[0]));
        assert_int_equal(pvh_fdt_open(&fdt, odd + 1, len, &err), 0);
        assert_false(fdt.words);
        m = our_tokens(odd + 1, len, &err);
        assert_same_content(theirs, n, ours, m);
        free(odd);
        free(blob);
    }
}

static void rewrite_ways_agree(void **state)
{
    static uint8_t out[1 << 16], out2[(1 << 16) + 1];
    static struct fdt_tok a[MAX_TOKENS];
    const struct pvh_fdt_chosen cases[] = {
        { "console=ttyAMA0 new words", 0x48000000, 0x48001234 },
        { NULL, 0, 0 },
        { "", 5, 4 },
    };
    struct pvh_error err, err2;
    unsigned i, j;

    (void)state;
    for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
        for (j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
            size_t len;
            uint8_t *blob = load_fixture(fixtures[i], &len);
            struct pvh_fdt fdt;
            uint32_t total, total2;
            int n, m;

            assert_int_equal(pvh_fdt_open(&fdt, blob, len, &err), 0);
            assert_int_equal(pvh_fdt_rewrite_chosen(&fdt, &cases[j], out, sizeof(out), &total,
                                                    &err), 0);
            assert_int_equal(pvh_fdt_rewrite_chosen_tokens(&fdt, &cases[j], out2 + 1,
                                                           sizeof(out2) - 1, &total2, &err), 0);
            assert_int_equal(total, total2);
            assert_int_equal(fdt_check_full(out, total), 0);
            n = our_tokens(out, total, &err);
            assert_true(n > 20);
            memcpy(a, ours, (size_t)n * sizeof(ours[0]));
            m = our_tokens(out2 + 1, total2, &err);
            assert_same_content(a, n, ours, m);
            /* One byte short: both refuse, with the same words. */
            assert_int_equal(pvh_fdt_rewrite_chosen(&fdt, &cases[j], out, total2 - 1, &total,
                                                    &err), PVH_ENOMEM);
            assert_int_equal(pvh_fdt_rewrite_chosen_tokens(&fdt, &cases[j], out2, total2 - 1,
                                                           &total, &err2), PVH_ENOMEM);
            assert_string_equal(err.msg, err2.msg);
            free(blob);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_trees_read_the_same),
        cmocka_unit_test(real_trees_read_the_same_unaligned),
        cmocka_unit_test(fuzzed_trees_never_accepted_alone),
        cmocka_unit_test(rewritten_chosen_reads_back_in_libfdt),
        cmocka_unit_test(rewrite_ways_agree),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
