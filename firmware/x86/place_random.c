/*
 * pvhboot.place=random: a random aligned place for a payload that can
 * move (a PVH kernel with XEN_ELFNOTE_PHYS32_RELOC, a relocatable
 * bzImage), from the best entropy the CPU has.
 */
#include "firmware/x86/handoff.h"

#include <pvhboot/clock.h>
#include <pvhboot/console.h>
#include <xen/e820.h>

#include "common/boot/options.h"

#include "arch/x86/io.h"

#define RANDOM_TRIES 64   /* random candidates before the lowest fit */
#define HW_RNG_TRIES 16   /* RDSEED/RDRAND may fail for a while: retry this often */

static bool rdrand_word(bool seed, uint64_t *v)
{
    unsigned i;
    unsigned char ok = 0;

    for (i = 0; i < HW_RNG_TRIES && !ok; i++) {
        if (seed)
            __asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok) : : "cc");
        else
            __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok) : : "cc");
    }
    return ok;
}

/* The best entropy the CPU has: RDSEED, else RDRAND (where CPUID says
 * each exists and it answers within HW_RNG_TRIES), else the TSC. */
static uint64_t entropy(void)
{
    uint32_t r[4];
    uint64_t v, max_leaf;

    x86_cpuid(0, 0, r);
    max_leaf = r[0];
    if (max_leaf >= 7) {
        x86_cpuid(7, 0, r);
        if ((r[1] & (1u << 18)) && rdrand_word(true, &v))
            return v;
    }
    x86_cpuid(1, 0, r);
    if ((r[2] & (1u << 30)) && rdrand_word(false, &v))
        return v;
    return pvh_clock_ticks();
}

/* The end of the highest RAM region: candidates above it are wasted tries. */
static uint64_t ram_end(const struct pvh_fw *fw)
{
    uint64_t end = 0;
    unsigned i;

    for (i = 0; i < fw->map.nr; i++)
        if (fw->map.regions[i].type == E820_TYPE_RAM &&
            fw->map.regions[i].base + fw->map.regions[i].size > end)
            end = fw->map.regions[i].base + fw->map.regions[i].size;
    return end;
}

/* Why a random place is not taken, and where the payload goes instead:
 * the option's one note pattern. */
static void note(const char *why, const char *at)
{
    pvh_info("note: pvhboot.place=random: %s; placed at its %s", why, at);
}

uint64_t x86_random_room(const struct pvh_fw *fw, uint64_t size, uint64_t align, uint64_t lo,
                         uint64_t hi)
{
    uint64_t first = (lo + align - 1) & ~(align - 1), slots, x = entropy(), end = ram_end(fw);
    unsigned i;

    if (end < hi)
        hi = end;
    if (!size || first < lo || size > hi || first > hi - size)
        return 0;
    slots = (hi - size - first) / align + 1;
    for (i = 0; i < RANDOM_TRIES; i++) {
        uint64_t c;

        /* Each candidate from the draw stirred once more (xorshift64): the
         * TSC's low bits alone change little from one try to the next. */
        x += !x;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        c = first + (x % slots) * align;
        if (pvh_fw_room_at(fw, c, size))
            return c;
    }
    _Static_assert(RANDOM_TRIES == 64, "the note's count");
    note("no free random place in 64 tries", "lowest fit");
    return pvh_fw_find_room(fw, size, align, lo, hi);
}

bool x86_place_random(const struct pvh_fw *fw, bool can_move, const char *why, const char *at)
{
    if (!pvh_option_is(fw->options, "place", "random"))
        return false;
    if (!can_move)
        note(why, at);
    return can_move;
}
