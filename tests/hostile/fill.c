/* The RAM pattern for the no-stray-writes test (see fill.h). */
#include "tests/hostile/fill.h"

#include "tests/hostile/console.h"
#include "tests/hostile/machine.h"
#include "tests/payloads/crc32.h"

#define PAGE 4096u

static void fill_range(uint32_t pa, uint32_t len)
{
    uint32_t end = pa + len;

    /* The writable runs are page-aligned except at their ends: the
     * words of a partial page get its page's pattern too. */
    for (uint32_t at = pa & ~3u; at < end; at += 4) {
        uint32_t word = FILL_WORD(at & ~(PAGE - 1));

        if (at < pa || end - at < 4) {
            for (unsigned b = 0; b < 4; b++)
                if (at + b >= pa && at + b < end)
                    *(volatile uint8_t *)(at + b) = (uint8_t)(word >> (8 * b));
        } else {
            *(volatile uint32_t *)at = word;
        }
    }
    say("hostile: filled %x-%x\n", pa, end - 1);
}

void fill_free_ram(void)
{
    uint64_t pa = 0;

    while (pa < M.ram_end) {
        uint32_t run = writable_run(pa, M.ram_end - pa);

        if (!run) {
            pa++;
            /* skip quickly over what is not writable */
            while (pa < M.ram_end && !writable_run(pa, 1))
                pa = (pa | (PAGE - 1)) + 1;
            continue;
        }
        fill_range((uint32_t)pa, run);
        pa += run;
    }
}

void describe_written(uint32_t first, uint32_t last)
{
    say("hostile: written %x-%x crc32 %x\n", first, last, crc32_at(first, last - first + 1));
}
