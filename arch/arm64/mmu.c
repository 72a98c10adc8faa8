/*
 * The identity map pvhboot runs on: 4 KiB granule, 48-bit addresses,
 * four levels. Built in C with the MMU off, in this order (a later
 * step overrides an earlier one where they meet):
 *   1. all physical addresses below min(2^PARange, 1 TiB) as
 *      Device-nGnRE, never executable (UARTs and whatever else a
 *      unikernel drives);
 *   2. the plan of common/fdt/fdt_boot.c: RAM as Normal write-back memory,
 *      wherever it lies, execute-never; /reserved-memory "no-map"
 *      ranges and /memreserve/ ranges not mapped at all (not even as
 *      Device: a speculative access must never reach a firmware
 *      carve-out), the device tree excepted;
 *   3. pvhboot's own text and read-only data: read-only and executable,
 *      the only executable memory (W^X);
 *   4. page 0 unmapped, so that a NULL access faults, and the page below
 *      the stack unmapped, so that an overflow faults (also below each
 *      secondary CPU's stack, in programs that start CPUs).
 * Ranges are mapped with the largest blocks that fit (1 GiB, 2 MiB,
 * 4 KiB); a block that a later range cuts into is split into a table
 * of the same attributes.
 */
#include "arch/arm64/arch.h"
#include "common/cpu/cpu_arch.h"
#include "common/fdt/fdt_boot.h"
#include "common/lib/string.h"

/* The secondary CPUs' stacks (common/cpu/cpu_start.c), each above its guard page:
 * a weak reference, so programs that start no CPU (the firmware) link
 * none of them and see address 0 here. */
extern uint8_t pvh_cpu_stacks[PVH_CPUS_MAX][PVH_CPU_BLOCK_SIZE] __attribute__((weak));

/* Tables come from a fixed pool: one level-0 table, two level-1 tables
 * for the device map, and per range boundary (RAM, holes, the text) at
 * most one level-2 and one level-3 table. 128 pages (512 KiB) cover 60
 * unaligned boundaries. */
#define TABLES 128
#define ENTRIES 512
#define DEVICE_LIMIT_MAX (1ull << 40)

enum attr { UNMAPPED, DEVICE, NORMAL, TEXT };

static uint64_t tables[TABLES][ENTRIES]
    __attribute__((aligned(PAGE_SIZE), section(".noinit.page_tables")));
static unsigned tables_used;
static bool mmu_on;
static struct pvh_map_plan plan; /* ~48 KiB: kept off the stack */

static unsigned shift_of(unsigned level)
{
    return PAGE_SHIFT + 9 * (3 - level); /* 39, 30, 21, 12 */
}

static uint64_t leaf(uint64_t pa, enum attr a, unsigned level)
{
    uint64_t type = level == 3 ? PTE_VALID | PTE_TABLE : PTE_VALID; /* page or block */

    if (a == UNMAPPED)
        return 0;
    if (a == DEVICE)
        return pa | type | PTE_AF | (uint64_t)ATTR_IDX_DEVICE << PTE_ATTR_SHIFT | PTE_PXN | PTE_UXN;
    if (a == TEXT) /* read-only, executable at EL1 only */
        return pa | type | PTE_AF | PTE_SH_INNER | (uint64_t)ATTR_IDX_NORMAL << PTE_ATTR_SHIFT |
               PTE_RDONLY | PTE_UXN;
    return pa | type | PTE_AF | PTE_SH_INNER | (uint64_t)ATTR_IDX_NORMAL << PTE_ATTR_SHIFT |
           PTE_PXN | PTE_UXN;
}

static uint64_t *new_table(struct pvh_error *err)
{
    uint64_t *t;

    if (tables_used == TABLES) {
        pvh_fail(err, PVH_ENOMEM, "page tables: more than %u tables needed for the memory map",
                 TABLES);
        return NULL;
    }
    t = tables[tables_used++];
    memset(t, 0, PAGE_SIZE);
    return t;
}

/* The table an entry points to, making one (splitting a block) if needed. */
static uint64_t *next_table(uint64_t *entry, unsigned level, struct pvh_error *err)
{
    uint64_t old = *entry, *t;
    unsigned i;

    if ((old & (PTE_VALID | PTE_TABLE)) == (PTE_VALID | PTE_TABLE))
        return (uint64_t *)(uintptr_t)(old & PTE_ADDR_MASK);
    t = new_table(err);
    if (!t)
        return NULL;
    if (old & PTE_VALID) {
        /* A block: the new table maps the same range, same attributes. */
        uint64_t step = 1ull << shift_of(level + 1);
        uint64_t attrs = old & ~PTE_ADDR_MASK & ~(PTE_VALID | PTE_TABLE);
        uint64_t type = level + 1 == 3 ? PTE_VALID | PTE_TABLE : PTE_VALID;

        for (i = 0; i < ENTRIES; i++)
            t[i] = ((old & PTE_ADDR_MASK) + i * step) | attrs | type;
    }
    *entry = (uint64_t)(uintptr_t)t | PTE_VALID | PTE_TABLE;
    return t;
}

static int map_level(uint64_t *table, unsigned level, uint64_t base, uint64_t end, enum attr a,
                     struct pvh_error *err)
{
    unsigned shift = shift_of(level);
    uint64_t size = 1ull << shift;

    while (base < end) {
        uint64_t *entry = &table[(base >> shift) & (ENTRIES - 1)];
        uint64_t entry_end = (base & ~(size - 1)) + size;
        uint64_t stop = entry_end < end ? entry_end : end;

        /* Level 0 has no blocks in the 4 KiB granule. */
        if (level > 0 && !(base & (size - 1)) && stop == entry_end) {
            *entry = leaf(base, a, level);
        } else {
            uint64_t *next = next_table(entry, level, err);

            if (!next || map_level(next, level + 1, base, stop, a, err))
                return err->code;
        }
        base = stop;
    }
    return PVH_OK;
}

static int map(uint64_t *root, uint64_t base, uint64_t end, enum attr a, struct pvh_error *err)
{
    base &= ~(PAGE_SIZE - 1);
    end = (end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    return end > base ? map_level(root, 0, base, end, a, err) : PVH_OK;
}

static unsigned pa_bits(uint64_t parange)
{
    static const unsigned bits[] = { 32, 36, 40, 42, 44, 48 };

    return parange < sizeof(bits) / sizeof(bits[0]) ? bits[parange] : 48;
}

/* Step 2: RAM Normal, the no-map ranges not mapped. */
static int map_memory(uint64_t *root, const struct pvh_region *raw, unsigned n, uint64_t keep_base,
                      uint64_t keep_end, struct pvh_error *err)
{
    unsigned i;

    if (pvh_fdt_map_plan(raw, n, keep_base, keep_end, &plan, err))
        return err->code;
    for (i = 0; i < plan.nr; i++) {
        const struct pvh_map_range *r = &plan.ranges[i];
        uint64_t end = r->end;

        if (r->kind == PVH_MAP_NORMAL && end > 1ull << 48)
            return pvh_fail(err, PVH_ERANGE, "RAM at 0x%llx-0x%llx: beyond 48-bit addresses",
                            (unsigned long long)r->base, (unsigned long long)end - 1);
        if (end > 1ull << 48) /* a hole up there: nothing is mapped there anyway */
            end = 1ull << 48;
        if (r->base < end &&
            map(root, r->base, end, r->kind == PVH_MAP_NORMAL ? NORMAL : UNMAPPED, err))
            return err->code;
    }
    return PVH_OK;
}

static int unmap_cpu_guards(uint64_t *root, struct pvh_error *err)
{
    unsigned cpu;

    if (!pvh_cpu_stacks)
        return PVH_OK;
    for (cpu = 1; cpu < PVH_CPUS_MAX; cpu++) {
        uintptr_t guard = (uintptr_t)pvh_cpu_stacks[cpu];

        if (map(root, guard, guard + PVH_CPU_GUARD_SIZE, UNMAPPED, err))
            return err->code;
    }
    return PVH_OK;
}

int arm64_mmu_init(const struct pvh_region *raw, unsigned n, uint64_t keep_base, uint64_t keep_end,
                   struct pvh_error *err)
{
    uint64_t mmfr0, parange, device_limit, tcr, *root;

    __asm__ volatile("mrs %0, id_aa64mmfr0_el1" : "=r"(mmfr0));
    parange = mmfr0 & ID_AA64MMFR0_PARANGE_MASK;
    if (parange > 5)
        parange = 5; /* 52-bit addresses need another descriptor format: use 48 */
    device_limit = 1ull << pa_bits(parange);
    if (device_limit > DEVICE_LIMIT_MAX)
        device_limit = DEVICE_LIMIT_MAX;

    tables_used = 0;
    root = new_table(err);
    if (!root || map(root, 0, device_limit, DEVICE, err) ||
        map_memory(root, raw, n, keep_base, keep_end, err) ||
        map(root, (uintptr_t)__text_start, (uintptr_t)__text_end, TEXT, err))
        return err->code;
    if (map(root, 0, PAGE_SIZE, UNMAPPED, err) ||
        map(root, (uintptr_t)arm64_stack_guard, (uintptr_t)arm64_stack_guard + PAGE_SIZE,
            UNMAPPED, err) ||
        unmap_cpu_guards(root, err))
        return err->code;

    tcr = TCR_T0SZ_48 | TCR_T0SZ_48 << TCR_T1SZ_SHIFT | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA |
          TCR_SH0_INNER | TCR_TG0_4K | TCR_EPD1 | parange << TCR_IPS_SHIFT;
    arm64_mmu_enable((uintptr_t)root, tcr, MAIR_VALUE, (uintptr_t)__image_start,
                     (uintptr_t)__image_end);
    mmu_on = true;
    return PVH_OK;
}

bool arm64_mmu_on(void)
{
    return mmu_on;
}
