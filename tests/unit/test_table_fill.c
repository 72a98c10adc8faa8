/*
 * arch/x86/table_fill.asm on the host (the System V calls are the same;
 * the host has SSE2): x86_fill_entries and x86_zero_entries write exactly
 * the entries asked for, at every alignment and count a table can see,
 * and nothing around them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "tests/unit/support.h"

void x86_fill_entries(uint64_t *e, uint64_t n, uint64_t v, uint64_t step);
void x86_zero_entries(uint64_t *e, uint64_t n);

#define ENTRIES 512
#define GUARD 4

static uint64_t table[ENTRIES + 2 * GUARD] __attribute__((aligned(16)));
static uint64_t want[ENTRIES + 2 * GUARD];

static void fill_random(void)
{
    for (unsigned i = 0; i < ENTRIES + 2 * GUARD; i++)
        table[i] = rng_next() << 32 | rng_next();
    memcpy(want, table, sizeof(want));
}

/* From an odd entry (8 bytes past a 16-byte boundary) and an even one;
 * every count a run in one table can have; the steps the tables use and
 * one that carries into the high half. */
static void fill_writes_the_run_and_nothing_else(void **state)
{
    static const uint64_t steps[] = { 4096, 2u << 20, 1u << 30, 0x123456789ull };
    unsigned first, n, s;

    (void)state;
    rng_seed(3);
    for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
        for (first = GUARD; first < GUARD + 2; first++) {
            for (n = 0; n + first <= ENTRIES + GUARD; n++) {
                uint64_t v = (rng_next() << 32 | rng_next()) & ~0xfffull;

                fill_random();
                for (unsigned i = 0; i < n; i++)
                    want[first + i] = v + i * steps[s];
                x86_fill_entries(&table[first], n, v, steps[s]);
                assert_memory_equal(table, want, sizeof(want));
            }
        }
    }
}

static void zero_clears_the_run_and_nothing_else(void **state)
{
    unsigned first, n;

    (void)state;
    rng_seed(4);
    for (first = GUARD; first < GUARD + 2; first++) {
        for (n = 0; n + first <= ENTRIES + GUARD; n++) {
            fill_random();
            memset(&want[first], 0, n * sizeof(want[0]));
            x86_zero_entries(&table[first], n);
            assert_memory_equal(table, want, sizeof(want));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fill_writes_the_run_and_nothing_else),
        cmocka_unit_test(zero_clears_the_run_and_nothing_else),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
