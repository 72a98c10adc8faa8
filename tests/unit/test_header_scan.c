/*
 * firmware/x86/header_scan.asm on the host (same System V calls, SSE2 on
 * every x86_64): x86_scan_le32 reports the first 256-byte block holding
 * the magic at a multiple of the step, the same block a plain loop
 * finds, and reads nothing past its last block.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/mman.h>

#include "tests/unit/support.h"

uint64_t x86_scan_le32(const uint8_t *p, uint64_t nblocks, uint32_t magic, unsigned step);

#define BLOCK 256u
#define MAX_BLOCKS 128u /* 32 KiB: the Multiboot 2 search area */
#define PAGE 4096u

static const uint32_t magics[] = { 0x1badb002u, 0xe85250d6u };

/* The blocks sit right before a page that cannot be read: a read past
 * the last block faults. */
static uint8_t *blocks_before_guard(uint64_t nblocks)
{
    static uint8_t *area;
    size_t len = MAX_BLOCKS * BLOCK + PAGE;

    if (!area) {
        area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        assert_true(area != MAP_FAILED);
        assert_int_equal(mprotect(area + MAX_BLOCKS * BLOCK, PAGE, PROT_NONE), 0);
    }
    return area + (MAX_BLOCKS - nblocks) * BLOCK;
}

static uint64_t reference(const uint8_t *p, uint64_t nblocks, uint32_t magic, unsigned step)
{
    for (uint64_t off = 0; off + 4 <= nblocks * BLOCK; off += step) {
        uint32_t w;

        memcpy(&w, p + off, 4);
        if (w == magic)
            return off / BLOCK;
    }
    return nblocks;
}

static void put(uint8_t *p, uint64_t off, uint32_t magic)
{
    memcpy(p + off, &magic, 4);
}

/* Random bytes with the magic planted at random offsets: 8-aligned,
 * 4-aligned only (not a position for step 8), 2-aligned (never a
 * position), and the last word of the last block. */
static void scan_finds_what_a_loop_finds(void **state)
{
    (void)state;
    rng_seed(5);
    for (unsigned round = 0; round < 4000; round++) {
        uint64_t nblocks = rng_next() % (MAX_BLOCKS + 1);
        uint8_t *p = blocks_before_guard(nblocks);
        uint32_t magic = magics[round % 2];
        unsigned step = round & 2 ? 8 : 4;
        unsigned plants = (unsigned)(rng_next() % 4);

        for (uint64_t i = 0; i < nblocks * BLOCK; i++)
            p[i] = (uint8_t)rng_next();
        for (unsigned k = 0; k < plants && nblocks; k++) {
            uint64_t off = rng_next() % (nblocks * BLOCK - 3);

            switch (rng_next() % 4) {
            case 0: off &= ~7ull; break;
            case 1: off = (off & ~7ull) | 4; break;
            case 2: off = (off & ~3ull) | 2; break;
            default: off = nblocks * BLOCK - 4; break;
            }
            put(p, off, magic);
        }
        assert_int_equal(x86_scan_le32(p, nblocks, magic, step),
                         reference(p, nblocks, magic, step));
    }
}

/* Every position of a small image, alone: found in its block exactly
 * when it is a multiple of the step. */
static void every_position_alone(void **state)
{
    (void)state;
    for (unsigned step = 4; step <= 8; step += 4) {
        for (uint64_t off = 0; off + 4 <= 4 * BLOCK; off += 2) {
            uint8_t *p = blocks_before_guard(4);

            memset(p, 0, 4 * BLOCK);
            put(p, off, magics[0]);
            assert_int_equal(x86_scan_le32(p, 4, magics[0], step),
                             off % step ? 4 : off / BLOCK);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scan_finds_what_a_loop_finds),
        cmocka_unit_test(every_position_alone),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
