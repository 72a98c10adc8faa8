/*
 * The identity map pvhboot runs on: 4 KiB granule, 48-bit addresses,
 * four levels. Two maps, one after the other:
 *
 * The early map (arm64_mmu_early), built by head.S's call with the MMU
 * off, right after the relocations and before anything else is written,
 * so that every later write of the boot goes through the caches. What
 * is written with the MMU off must have no line in the caches from
 * before (a dirty one written back over it, a stale one read once the
 * caches are on): this map's tables and state lie in .mmu_off, which
 * head.S cleaned and invalidated at entry, before any write; the
 * relocated words, in the file, are invalidated here after. It maps:
 *   - pvhboot's image as the final map has it (step 3 below);
 *   - 2 MiB from the device tree's address as Device-nGnRE, and later
 *     the console UART (arm64_mmu_early_device): what the tree says is
 *     not known yet, so nothing but the image is Normal memory (a
 *     speculative access never reaches what may be a device).
 *
 * The final map (arm64_mmu_init), built with the MMU on once the memory
 * nodes are read, in this order (a later step overrides an earlier one
 * where they meet):
 *   1. all physical addresses below min(2^PARange, 1 TiB) as
 *      Device-nGnRE, never executable (UARTs and whatever else a
 *      unikernel drives);
 *   2. the plan of common/fdt/fdt_boot.c: RAM as Normal write-back memory,
 *      wherever it lies, execute-never; /reserved-memory "no-map"
 *      ranges and /memreserve/ ranges not mapped at all (not even as
 *      Device: a speculative access must never reach a firmware
 *      carve-out), the device tree excepted;
 *   3. pvhboot's own image: its text and read-only data read-only and
 *      executable, the only executable memory (W^X), the rest Normal;
 *      the page below the stack unmapped, so that an overflow faults
 *      (also below each secondary CPU's stack, in programs that start
 *      CPUs);
 *   4. page 0 unmapped, so that a NULL access faults.
 * Ranges are mapped with the largest blocks that fit (1 GiB, 2 MiB,
 * 4 KiB); a block that a later range cuts into is split into a table
 * of the same attributes.
 *
 * The switch from one to the other follows break-before-make: the
 * early map's Device entries are taken down and the TLBs invalidated
 * before TTBR0 changes, so that no address is ever translated two
 * different ways; what is left of the early map, the image, is mapped
 * the same way (step 3, the same code) in both.
 */
#include "arch/arm64/arch.h"
#include "common/cpu/cpu_arch.h"
#include "common/fdt/fdt_boot.h"

/* The secondary CPUs' stacks (common/cpu/cpu_start.c's pvh_cpu_stacks),
 * each above its guard page: the bounds of the linker script's
 * .cpu_stacks, empty in programs that start no CPU (the firmware).
 * Symbols the link defines in every program, so reached PC-relative
 * (a weak reference to pvh_cpu_stacks would be read from a GOT slot). */
extern uint8_t __cpu_stacks_start[], __cpu_stacks_end[];

/* Tables come from a fixed pool: one level-0 table, two level-1 tables
 * for the device map, and per range boundary (RAM, holes, the text) at
 * most one level-2 and one level-3 table. 128 pages (512 KiB) cover 60
 * unaligned boundaries. */
#define TABLES 128
#define ENTRIES 512
#define DEVICE_LIMIT_MAX (1ull << 40)
/* The early map: the image (levels 0 to 3), the device tree's 2 MiB and
 * the UART (a level-1 table each at most, where they lie in another
 * 512 GiB than the image). */
#define EARLY_TABLES 8
#define EARLY_RUNS 16 /* and runs[0], empty */
#define VA_LIMIT (1ull << 48)

/* EARLY_DEVICE: Device where nothing is mapped yet (map_range). */
enum attr { UNMAPPED, DEVICE, NORMAL, TEXT, EARLY_DEVICE };

struct pool {
    uint64_t (*tables)[ENTRIES];
    unsigned used, cap;
};

/* Entries [entry, end) of the early map that map something as Device:
 * taken down before the switch. */
struct run {
    uint64_t *entry, *end;
};

static uint64_t tables[TABLES][ENTRIES]
    __attribute__((aligned(PAGE_SIZE), section(".noinit.page_tables")));
static struct pvh_map_plan plan __attribute__((section(".noinit.map_plan"))); /* ~48 KiB */

/* Everything the boot writes with the MMU off: the tables, then the rest. */
static struct early {
    uint64_t tables[EARLY_TABLES][ENTRIES];
    struct early_state {
        struct pool pool;
        uint64_t tcr;
        uint64_t device_limit;
        unsigned nr_runs;
        struct run runs[1 + EARLY_RUNS]; /* runs[0] empty: always a last one */
    } s;
} early __attribute__((aligned(PAGE_SIZE), section(".mmu_off.early_map")));

/* A level's entries map 2^shift bytes each: 39, 30, 21, 12 for levels 0
 * to 3 (the walk goes by shift, not level). */
#define LEVEL0_SHIFT (PAGE_SHIFT + 27)

static uint64_t leaf(uint64_t pa, enum attr a, unsigned shift)
{
    /* Each kind's attributes (UNMAPPED: no entry at all); TEXT is
     * read-only and executable at EL1 only. */
    static const uint64_t attrs[] = {
        [DEVICE] = PTE_AF | (uint64_t)ATTR_IDX_DEVICE << PTE_ATTR_SHIFT | PTE_PXN | PTE_UXN,
        [NORMAL] = PTE_AF | PTE_SH_INNER | (uint64_t)ATTR_IDX_NORMAL << PTE_ATTR_SHIFT | PTE_PXN |
                   PTE_UXN,
        [TEXT] = PTE_AF | PTE_SH_INNER | (uint64_t)ATTR_IDX_NORMAL << PTE_ATTR_SHIFT | PTE_RDONLY |
                 PTE_UXN,
    };
    uint64_t type = shift == PAGE_SHIFT ? PTE_VALID | PTE_TABLE : PTE_VALID; /* page or block */

    return a == UNMAPPED ? 0 : pa | type | attrs[a];
}

/* n entries from t: desc, desc + step, desc + 2 step, ... (an invalid
 * desc stays 0), eight at a time while it can: 4 KiB tables are
 * written by the thousand. */
static void fill(uint64_t *t, unsigned n, uint64_t desc, uint64_t step)
{
    uint64_t *end = t + n, a = desc, b = desc ? desc + step : 0, step2 = desc ? 2 * step : 0;

    if (!desc) {
        for (; end - t >= 8; t += 8) {
            t[0] = t[1] = t[2] = t[3] = 0;
            t[4] = t[5] = t[6] = t[7] = 0;
        }
    }
    for (; end - t >= 8; t += 8) {
        t[0] = a;
        t[1] = b;
        t[2] = a + step2;
        t[3] = b + step2;
        t[4] = a + 2 * step2;
        t[5] = b + 2 * step2;
        t[6] = a + 3 * step2;
        t[7] = b + 3 * step2;
        a += 4 * step2;
        b += 4 * step2;
    }
    for (; t < end; t++, a += step2 / 2)
        *t = a;
}

/* A table from the pool; zeroed unless the caller writes every entry.
 * err NULL: the early map, which has no way to report. */
static uint64_t *new_table(struct pool *pool, bool zero, struct pvh_error *err)
{
    uint64_t *t;

    if (pool->used == pool->cap) {
        if (err)
            pvh_fail(err, PVH_ENOMEM, "page tables: more than %u tables needed for the memory map",
                     pool->cap);
        return NULL;
    }
    t = pool->tables[pool->used++];
    if (zero)
        fill(t, ENTRIES, 0, 0);
    return t;
}

static bool is_table(uint64_t entry, unsigned shift)
{
    return shift > PAGE_SHIFT && (entry & (PTE_VALID | PTE_TABLE)) == (PTE_VALID | PTE_TABLE);
}

/* The table an entry points to, making one (splitting a block) if needed;
 * whole: the caller writes every entry of a new one. */
static uint64_t *next_table(struct pool *pool, uint64_t *entry, unsigned shift, bool whole,
                            struct pvh_error *err)
{
    uint64_t old = *entry, *t;

    if (is_table(old, shift))
        return (uint64_t *)(uintptr_t)(old & PTE_ADDR_MASK);
    t = new_table(pool, !(old & PTE_VALID) && !whole, err);
    if (!t)
        return NULL;
    if (old & PTE_VALID) {
        /* A block: the new table maps the same range, same attributes. */
        uint64_t attrs = old & ~PTE_ADDR_MASK & ~(PTE_VALID | PTE_TABLE);
        uint64_t type = shift - 9 == PAGE_SHIFT ? PTE_VALID | PTE_TABLE : PTE_VALID;

        fill(t, ENTRIES, (old & PTE_ADDR_MASK) | attrs | type, 1ull << (shift - 9));
    }
    /* A walk that finds the table finds it written (the early map is
     * live once the MMU is on). */
    __asm__ volatile("dsb ishst" : : : "memory");
    *entry = (uint64_t)(uintptr_t)t | PTE_VALID | PTE_TABLE;
    return t;
}

/*
 * [base, end) (4 KiB aligned, below 2^48) as a says, in one walk: down the
 * tables present to the level where base's entry is a block, a page or
 * empty; there, along that table. Leaves of a map (a 4 KiB page always, a
 * block from level 1 on) go where the range takes a whole entry, as many
 * as the table holds, over whatever was there; elsewhere a new table below
 * (a block split into one of the same attributes), which is not cleared
 * first where the level below fills it whole.
 *
 * EARLY_DEVICE (the early map, no error to report) maps Device only
 * where nothing is mapped yet, in blocks as large as the level allows:
 * what is mapped, the image, stays, and so do the image's guard pages,
 * unmapped; a table is made only at level 0, none is split, and each
 * entry written is noted for the switch.
 */
static int map_range(struct pool *pool, uint64_t *root, uint64_t base, uint64_t end, enum attr a,
                     struct pvh_error *err)
{
    while (base < end) {
        uint64_t *t = root;
        unsigned shift = LEVEL0_SHIFT;

        for (;;) {
            uint64_t size = 1ull << shift, *e = &t[(base >> shift) & (ENTRIES - 1)], old = *e;
            bool whole = !(base & (size - 1)) && end - base >= size;

            /* Level 0 has no blocks in the 4 KiB granule. */
            if (shift < LEVEL0_SHIFT && (a == EARLY_DEVICE ? !is_table(old, shift) : whole)) {
                if (a != EARLY_DEVICE) {
                    /* Whole entries from here, as many as the table holds. */
                    uint64_t n = (end - base) >> shift, left = ENTRIES - (e - t);

                    if (n > left)
                        n = left;
                    fill(e, (unsigned)n, leaf(base, a, shift), size);
                    base += n << shift;
                } else {
                    /* Nothing in the image is empty but its guard pages. */
                    if (!(old & PTE_VALID) &&
                        !(base >= (uintptr_t)__image_start && base < (uintptr_t)__image_end)) {
                        struct run *last = &early.s.runs[early.s.nr_runs - 1];

                        if (last->end == e) {
                            last->end++;
                        } else if (early.s.nr_runs <= EARLY_RUNS) {
                            early.s.runs[early.s.nr_runs++] = (struct run){ e, e + 1 };
                        } else {
                            return PVH_OK; /* cannot be taken down again: left unmapped */
                        }
                        *e = leaf(base & ~(size - 1), DEVICE, shift);
                    }
                    base = (base | (size - 1)) + 1;
                }
                if (base >= end || !((base >> shift) & (ENTRIES - 1)))
                    break; /* down from the top again, for the next table */
                continue;
            }
            /* At level 0, a whole entry's range fills its table. */
            t = next_table(pool, e, shift, whole && a != EARLY_DEVICE, err);
            if (!t)
                return PVH_ENOMEM;
            shift -= 9;
        }
    }
    return PVH_OK;
}

static int map(struct pool *pool, uint64_t *root, uint64_t base, uint64_t end, enum attr a,
               struct pvh_error *err)
{
    base &= ~(PAGE_SIZE - 1);
    end = (end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    return map_range(pool, root, base, end, a, err);
}

/* Unmap the page at va (a guard page). */
static int unmap_page(struct pool *pool, uint64_t *root, uint64_t va, struct pvh_error *err)
{
    return map_range(pool, root, va, va + PAGE_SIZE, UNMAPPED, err);
}

/* Step 3, in both maps: the image, its text W^X, and the guard pages. */
static int map_image(struct pool *pool, uint64_t *root, struct pvh_error *err)
{
    uintptr_t guard;
    int rc;

    _Static_assert(PVH_CPU_GUARD_SIZE == PAGE_SIZE, "a guard is one page");
    rc = map(pool, root, (uintptr_t)__text_start, (uintptr_t)__text_end, TEXT, err);
    if (!rc)
        rc = map(pool, root, (uintptr_t)__text_end, (uintptr_t)__image_end, NORMAL, err);
    if (!rc)
        rc = unmap_page(pool, root, (uintptr_t)arm64_stack_guard, err);
    /* CPU 0's block is unused: the boot CPU runs on the main stack. */
    for (guard = (uintptr_t)__cpu_stacks_start + PVH_CPU_BLOCK_SIZE;
         !rc && guard < (uintptr_t)__cpu_stacks_end; guard += PVH_CPU_BLOCK_SIZE)
        rc = unmap_page(pool, root, guard, err);
    return rc;
}

/* Step 2: RAM Normal, the no-map ranges not mapped. */
static int map_memory(struct pool *pool, uint64_t *root, const struct pvh_region *raw, unsigned n,
                      uint64_t keep_base, uint64_t keep_end, struct pvh_error *err)
{
    unsigned i;

    if (pvh_fdt_map_plan(raw, n, keep_base, keep_end, &plan, err))
        return err->code;
    for (i = 0; i < plan.nr; i++) {
        const struct pvh_map_range *r = &plan.ranges[i];
        uint64_t end = r->end;

        if (r->kind == PVH_MAP_NORMAL && end > VA_LIMIT)
            return pvh_fail(err, PVH_ERANGE, "RAM at 0x%llx-0x%llx: beyond 48-bit addresses",
                            (unsigned long long)r->base, (unsigned long long)end - 1);
        if (end > VA_LIMIT) /* a hole up there: nothing is mapped there anyway */
            end = VA_LIMIT;
        if (r->base < end &&
            map(pool, root, r->base, end, r->kind == PVH_MAP_NORMAL ? NORMAL : UNMAPPED, err))
            return err->code;
    }
    return PVH_OK;
}

/* --- the early map ------------------------------------------------------ */

static void early_device(uint64_t base, uint64_t size)
{
    uint64_t end = base + size < base || base + size > VA_LIMIT ? VA_LIMIT : base + size;

    map(&early.s.pool, early.tables[0], base, end, EARLY_DEVICE, NULL);
}

struct arm64_early_map arm64_mmu_early(uint64_t dtb_pa, uint64_t relocated, uint64_t relocated_end)
{
    uint64_t mmfr0, parange, *root;

    /* What head.S relocated bypassed the caches: a line of the file
     * they may still hold would be stale once the caches are on (an
     * empty range: no line, only the barrier). */
    arm64_dcache_clean_inval(relocated, relocated_end);

    __asm__ volatile("mrs %0, id_aa64mmfr0_el1" : "=r"(mmfr0));
    parange = mmfr0 & ID_AA64MMFR0_PARANGE_MASK;
    if (parange > 5)
        parange = 5; /* 52-bit addresses need another descriptor format: use 48 */
    /* 2^(PA bits), at most DEVICE_LIMIT_MAX: PARange 0, 1 and 2 say 32,
     * 36 and 40 bits, the others (42, 44, 48) more than 40. */
    _Static_assert(DEVICE_LIMIT_MAX == 1ull << 40, "the limit is 40 bits");
    early.s.device_limit = 1ull << (parange < 2 ? 32 + 4 * parange : 40);
    early.s.tcr = TCR_T0SZ_48 | TCR_T0SZ_48 << TCR_T1SZ_SHIFT | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA |
                TCR_SH0_INNER | TCR_TG0_4K | TCR_EPD1 | parange << TCR_IPS_SHIFT;
    early.s.runs[0] = (struct run){ NULL, NULL };
    early.s.nr_runs = 1;
    early.s.pool = (struct pool){ early.tables, 0, EARLY_TABLES };
    root = new_table(&early.s.pool, true, NULL);
    if (!root || map_image(&early.s.pool, root, NULL))
        return (struct arm64_early_map){ 0, 0 };
    early_device(dtb_pa, ARM64_FDT_SIZE_MAX);
    return (struct arm64_early_map){ (uintptr_t)root, early.s.tcr };
}

void arm64_mmu_early_device(uint64_t base, uint64_t size)
{
    early_device(base, size);
    /* New entries where there were none: no TLB entry to remove. */
    __asm__ volatile("dsb ishst\n\tisb" : : : "memory");
}

/* --- the final map ------------------------------------------------------ */

/* Take the early map's Device entries down, then TTBR0 to the final
 * map; only the image, mapped alike in both, is translated across. */
static void switch_to(uint64_t root)
{
    unsigned i;
    uint64_t *e;

    for (i = 1; i < early.s.nr_runs; i++)
        for (e = early.s.runs[i].entry; e < early.s.runs[i].end; e++)
            *e = 0;
    __asm__ volatile("dsb ishst\n\t"
                     "tlbi vmalle1\n\t"
                     "dsb nsh\n\t"
                     "isb\n\t"
                     "msr ttbr0_el1, %0\n\t"
                     "isb\n\t"
                     "tlbi vmalle1\n\t"
                     "dsb nsh\n\t"
                     "isb" : : "r"(root) : "memory");
}

int arm64_mmu_init(const struct pvh_region *raw, unsigned n, uint64_t keep_base, uint64_t keep_end,
                   struct pvh_error *err)
{
    struct pool pool = { tables, 0, TABLES };
    uint64_t *root = new_table(&pool, true, err);
    int rc = root ? map(&pool, root, 0, early.s.device_limit, DEVICE, err) : PVH_ENOMEM;

    if (!rc)
        rc = map_memory(&pool, root, raw, n, keep_base, keep_end, err);
    if (!rc)
        rc = map_image(&pool, root, err);
    if (!rc)
        rc = map(&pool, root, 0, PAGE_SIZE, UNMAPPED, err);
    if (!rc)
        switch_to((uintptr_t)root);
    return rc;
}
