/*
 * common/cpu/counter_rate.h: the rate bounded waits are computed with.
 * A wait must never be shorter than meant: where the counter's rate is
 * not known, the assumed rate must be at least the fastest counter a
 * part runs. Facts (not from counter_rate.h): x86's TSC runs at the
 * nominal rate on Intel parts and at the P0 rate on AMD parts; the
 * fastest of those so far are 4.7 GHz (AMD FX-9590, Ryzen 5 7600X).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/cpu/counter_rate.h"

#define FASTEST_KNOWN_TSC_HZ 4700000000ull
#define US_PER_S 1000000ull

static void unknown_rate_is_at_least_the_fastest_tsc(void **state)
{
    (void)state;
    assert_true(pvh_counter_wait_hz(0) > FASTEST_KNOWN_TSC_HZ);
}

/* 2 s, the CPU start timeout, at the assumed rate: no shorter than 2 s
 * on the fastest part, and still far from overflowing the product. */
static void unknown_rate_waits_no_shorter_on_fastest_part(void **state)
{
    uint64_t ticks = pvh_counter_wait_hz(0) * 2 * US_PER_S / US_PER_S;

    (void)state;
    assert_true(ticks >= 2 * FASTEST_KNOWN_TSC_HZ);
    assert_true(pvh_counter_wait_hz(0) < UINT64_MAX / (10 * US_PER_S));
}

static void known_rate_is_taken_as_is(void **state)
{
    (void)state;
    assert_int_equal(pvh_counter_wait_hz(1), 1);
    assert_int_equal(pvh_counter_wait_hz(62500000), 62500000);   /* arm64's CNTFRQ under QEMU */
    assert_int_equal(pvh_counter_wait_hz(5200000000ull), 5200000000ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unknown_rate_is_at_least_the_fastest_tsc),
        cmocka_unit_test(unknown_rate_waits_no_shorter_on_fastest_part),
        cmocka_unit_test(known_rate_is_taken_as_is),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
