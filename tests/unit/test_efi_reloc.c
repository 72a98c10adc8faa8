/*
 * efi/reloc_fit.c: where pvhboot.efi puts a kernel carrying
 * XEN_ELFNOTE_PHYS32_RELOC among the pages the firmware has free. The
 * file under test is compiled in here (plain C, no EFI), so the generic
 * unit-test rule builds this test. Spans are given out of order, as an
 * EFI memory map may list them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "efi/reloc_fit.c"

#define MIB 0x100000ull
#define GIB (1024 * MIB)
#define N(a) (unsigned)(sizeof(a) / sizeof((a)[0]))

/* Free: 1-9 MiB, 21-23 MiB and 23-40 MiB (neighbours), 64 MiB-1 GiB. */
static const struct pvh_efi_span ovmf_like[] = {
    { 64 * MIB, GIB }, { 23 * MIB, 40 * MIB }, { MIB, 9 * MIB }, { 21 * MIB, 23 * MIB },
};

static void lowest_aligned_fit_in_window(void **state)
{
    (void)state;
    /* 2 MiB aligned from 16 MiB: 22 MiB, across the two neighbours. */
    assert_int_equal(pvh_efi_lowest_fit(ovmf_like, N(ovmf_like), 4 * MIB, 2 * MIB, 16 * MIB,
                                        4 * GIB), 22 * MIB);
    /* 16 MiB aligned: 21-40 MiB holds no 16 MiB-aligned 4 MiB (32-36 MiB does). */
    assert_int_equal(pvh_efi_lowest_fit(ovmf_like, N(ovmf_like), 4 * MIB, 16 * MIB, 16 * MIB,
                                        4 * GIB), 32 * MIB);
    /* 20 MiB needs the big span. */
    assert_int_equal(pvh_efi_lowest_fit(ovmf_like, N(ovmf_like), 20 * MIB, 2 * MIB, 0,
                                        4 * GIB), 64 * MIB);
    /* From 0: the first free page run, out of page 0. */
    assert_int_equal(pvh_efi_lowest_fit(ovmf_like, N(ovmf_like), 0x1000, 0x1000, 0, 4 * GIB),
                     MIB);
}

static void fit_ends_at_window_top(void **state)
{
    (void)state;
    /* The image may end exactly at hi (its last byte at max), not past it. */
    assert_int_equal(pvh_efi_lowest_fit(ovmf_like, N(ovmf_like), 8 * MIB, 2 * MIB, 64 * MIB,
                                        72 * MIB), 64 * MIB);
    assert_int_equal(pvh_efi_lowest_fit(ovmf_like, N(ovmf_like), 8 * MIB + 1, 2 * MIB,
                                        64 * MIB, 72 * MIB), 0);
    /* A window above every free span, one inside a hole. */
    assert_int_equal(pvh_efi_lowest_fit(ovmf_like, N(ovmf_like), MIB, 2 * MIB, 2 * GIB,
                                        4 * GIB), 0);
    assert_int_equal(pvh_efi_lowest_fit(ovmf_like, N(ovmf_like), MIB, 2 * MIB, 9 * MIB,
                                        21 * MIB), 0);
}

static void bad_requests_find_nothing(void **state)
{
    (void)state;
    assert_int_equal(pvh_efi_lowest_fit(ovmf_like, N(ovmf_like), 0, 2 * MIB, 0, 4 * GIB), 0);
    assert_int_equal(pvh_efi_lowest_fit(ovmf_like, N(ovmf_like), MIB, 0, 0, 4 * GIB), 0);
    assert_int_equal(pvh_efi_lowest_fit(ovmf_like, N(ovmf_like), MIB, 0x800, 0, 4 * GIB), 0);
    assert_int_equal(pvh_efi_lowest_fit(ovmf_like, N(ovmf_like), MIB, 3 * MIB, 0, 4 * GIB), 0);
    assert_int_equal(pvh_efi_lowest_fit(ovmf_like, N(ovmf_like), 5 * GIB, 2 * MIB, 0, 4 * GIB), 0);
    assert_int_equal(pvh_efi_lowest_fit(ovmf_like, 0, MIB, 2 * MIB, 0, 4 * GIB), 0);
}

static void no_wrap_at_the_top_of_memory(void **state)
{
    static const struct pvh_efi_span top[] = { { UINT64_MAX - 0x2fff, UINT64_MAX } };

    (void)state;
    /* Rounding up past 2^64 or a last page past it finds nothing. */
    assert_int_equal(pvh_efi_lowest_fit(top, N(top), 0x1000, 1ull << 63, 0, UINT64_MAX), 0);
    assert_int_equal(pvh_efi_lowest_fit(top, N(top), 0x2001, 0x1000, 0, UINT64_MAX), 0);
    assert_int_equal(pvh_efi_lowest_fit(top, N(top), 0x1000, 0x1000, 0, UINT64_MAX),
                     UINT64_MAX - 0x2fff);
}

static void cover_joins_neighbours_only(void **state)
{
    (void)state;
    assert_true(pvh_efi_spans_cover(ovmf_like, N(ovmf_like), 21 * MIB, 40 * MIB));
    assert_false(pvh_efi_spans_cover(ovmf_like, N(ovmf_like), 21 * MIB, 40 * MIB + 1));
    assert_false(pvh_efi_spans_cover(ovmf_like, N(ovmf_like), 8 * MIB, 22 * MIB));
    assert_true(pvh_efi_spans_cover(ovmf_like, N(ovmf_like), 5 * MIB, 5 * MIB));
    assert_false(pvh_efi_spans_cover(ovmf_like, 0, MIB, 2 * MIB));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lowest_aligned_fit_in_window),
        cmocka_unit_test(fit_ends_at_window_top),
        cmocka_unit_test(bad_requests_find_nothing),
        cmocka_unit_test(no_wrap_at_the_top_of_memory),
        cmocka_unit_test(cover_joins_neighbours_only),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
