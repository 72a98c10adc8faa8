/*
 * Where a PVH kernel's segments go: at their link addresses, unless the
 * kernel carries XEN_ELFNOTE_PHYS32_RELOC and those are taken (by
 * pvhboot itself, or not RAM), or pvhboot.place=random asks; then the
 * whole image moves by one offset to an aligned place inside the note's
 * window, in free RAM. A kernel without the note never moves.
 */
#include "firmware/x86/handoff.h"

#include <pvhboot/console.h>

#include <pvhboot/clock.h>

#include "arch/x86/io.h"
#include "common/boot/options.h"

#define RANDOM_TRIES 64   /* random candidates before the lowest fit */
#define HW_RNG_TRIES 16   /* RDSEED/RDRAND may fail for a while: retry this often */

/* Can every segment stay where it was linked? */
static bool link_usable(const struct pvh_fw *fw, const struct pvh_elf *elf)
{
    unsigned i;

    for (i = 0; i < elf->nr_loads; i++)
        if (!pvh_fw_room_at(fw, elf->loads[i].paddr, elf->loads[i].memsz))
            return false;
    return true;
}

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

/* A random aligned base in [lo, hi - size] where the image fits; else
 * the lowest fit, with a note. 0 if nothing fits. */
static uint64_t random_room(const struct pvh_fw *fw, uint64_t size, uint64_t align, uint64_t lo,
                            uint64_t hi)
{
    uint64_t first = (lo + align - 1) & ~(align - 1), slots, x = entropy();
    unsigned i;

    if (first < lo || size > hi || first > hi - size)
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
    pvh_info("note: pvhboot.place=random: no free random place in %u tries; the lowest fit",
             RANDOM_TRIES);
    return pvh_fw_find_room(fw, size, align, lo, hi);
}

int x86_place_pvh(struct pvh_fw *fw, struct pvh_elf *elf, struct pvh_error *err)
{
    bool random = pvh_option_is(fw->options, "place", "random");
    uint64_t low = UINT64_MAX, high = 0, base, hi, delta;
    unsigned i;

    if (!elf->has_reloc) {
        if (random)
            pvh_info("note: pvhboot.place=random: the payload has no PHYS32_RELOC note; placed "
                     "at its link address");
        return PVH_OK;
    }
    if (!random && link_usable(fw, elf))
        return PVH_OK;
    for (i = 0; i < elf->nr_loads; i++) {
        if (elf->loads[i].paddr < low)
            low = elf->loads[i].paddr;
        if (elf->loads[i].paddr + elf->loads[i].memsz > high)
            high = elf->loads[i].paddr + elf->loads[i].memsz;
    }
    hi = (uint64_t)elf->reloc_max + 1;
    base = random ? random_room(fw, high - low, elf->reloc_align, elf->reloc_min, hi)
                  : pvh_fw_find_room(fw, high - low, elf->reloc_align, elf->reloc_min, hi);
    /* A window that holds the link addresses (all of it, for a packed
     * pvhboot.elf) but no free place: the link addresses, through late
     * copies, as for a kernel without the note. */
    if (!base && low >= elf->reloc_min && high - 1 <= elf->reloc_max) {
        pvh_fw_log(fw, "pvh: relocatable (note 19): no free place in its window 0x%x-0x%x; "
                   "at its link address 0x%llx", elf->reloc_min, elf->reloc_max,
                   (unsigned long long)low);
        return PVH_OK;
    }
    if (!base)
        return pvh_fail(err, PVH_ENOMEM, "PVH PHYS32_RELOC: no free RAM for the 0x%llx-byte image "
                        "at alignment 0x%x in its window 0x%x-0x%x", (unsigned long long)(high - low),
                        elf->reloc_align, elf->reloc_min, elf->reloc_max);
    /* Every address moves by the same offset (mod 2^64: a move down wraps,
     * and adds back). The window ends below 4 GiB, so the entry stays 32-bit. */
    delta = base - low;
    for (i = 0; i < elf->nr_loads; i++)
        elf->loads[i].paddr += delta;
    elf->pvh_entry = (uint32_t)(elf->pvh_entry + delta);
    pvh_fw_log(fw, "pvh: relocatable (note 19): align 0x%x, window 0x%x-0x%x; placed at 0x%llx "
               "(link address 0x%llx)", elf->reloc_align, elf->reloc_min, elf->reloc_max,
               (unsigned long long)base, (unsigned long long)low);
    return PVH_OK;
}
