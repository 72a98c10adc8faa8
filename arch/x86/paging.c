/*
 * The page tables: one identity map (virtual = physical) that grows as
 * the boot learns what memory there is.
 *
 *  1. The entry maps the 2 MiB that hold the image (the first 2 MiB at
 *     the link address) as one large page, through tables it leaves
 *     otherwise unwritten (x86_pml4, x86_pdpt, x86_pd sit in .noinit:
 *     clearing three pages there would cost ten times the rest of the
 *     entry). x86_paging_init(), the first C after .bss, clears them but
 *     for those entries and maps the image alone, in 4 KiB pages (PT0,
 *     the table of the image's 2 MiB) with its own
 *     rights: text read-only and executable, read-only data read-only,
 *     the rest read-write, no-execute where the CPU has NX; page 0, the
 *     stack's guard page and the other CPUs' guard pages stay unmapped.
 *  2. While the loader's data is read, x86_phys maps what it is asked
 *     for on request, read-only and no-execute, and records each leaf;
 *     x86_paging_finish() takes them down again.
 *  3. Devices and pages a hypervisor shares are mapped one 4 KiB page at
 *     a time by x86_paging_map(), uncached where they are MMIO. A page of
 *     code written at run time (the hypercall page, the other CPUs'
 *     start-up page) becomes read-only and executable once it is written
 *     (x86_paging_seal_code()): no page is ever writable and executable.
 *  4. x86_paging_finish() maps what the memory map calls memory (RAM,
 *     ACPI, NVS, persistent memory) outside the image: each region
 *     rounded in to 4 KiB, 1 GiB pages where the CPU has them and a whole
 *     GiB is memory, 2 MiB pages where a whole block is, 4 KiB pages at
 *     the edges. Holes stay unmapped. Table pages come from a small pool
 *     in the image, then from one block of RAM below 4 GiB reserved for
 *     the worst case and marked as pvhboot's in the memory map.
 * Without NX (EFER.NXE off) the no-execute bit is reserved and is not
 * set anywhere. The firmware (x86_paging_ram_executable) maps RAM
 * executable: the kernel it hands over to runs from it.
 */
#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"
#include "common/cpu/cpu_arch.h"
#include "firmware/pack.h"

_Static_assert(X86_CR4_BOOT == (X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT),
               "table_fill.asm needs SSE on every CPU that maps");

#define PTE_NX (1ull << 63)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define FOUR_GIB (4ull << 30)

/* Budget: a PD for each GiB the loader's data, the devices and the ACPI
 * tables touch, a PDPT per 512 GiB above, a PT for each 2 MiB block of
 * 4 KiB pages outside the first; and the memory of a guest of a few GiB.
 * 20 pages (80 KiB) serve a memory map, a module list and a dozen
 * cmdlines each in its own GiB; a loader that scatters more is told the
 * range is not accessible. What the memory needs beyond the pool, less
 * POOL_KEPT pages kept for the devices and ACPI tables mapped after it,
 * comes from a block of RAM (reserve_tables). */
#define POOL_PAGES 20
#define POOL_KEPT 6
/* Leaves mapped for the loader's data, taken down by x86_paging_finish():
 * a 2 MiB page per block read, a 4 KiB one in a block that has a table. */
#define LOADER_LEAVES_MAX 512

static uint64_t pool[POOL_PAGES][X86_PTES_PER_TABLE]
    __attribute__((aligned(X86_PAGE_SIZE), section(".noinit.table_pool")));
static uint64_t *loader_leaves[LOADER_LEAVES_MAX] __attribute__((section(".noinit.loader_leaves")));
static unsigned nr_loader_leaves, pool_used;
static bool loader_released;

/* Defined (true) by the firmware, whose payload runs from RAM it maps; a
 * weak reference, NULL in every other program. */
#pragma weak x86_paging_ram_executable

struct table_source {
    uint64_t next, end; /* a block of table pages not used yet */
};

struct mapper {
    uint64_t leaf;            /* P, RW, NX, PCD/PWT for every leaf */
    bool large;               /* 2 MiB and 1 GiB leaves allowed */
    bool record;              /* loader data: note each leaf for the release */
    struct table_source *src; /* NULL: the pool */
};

static uint64_t nx_bit(void)
{
    return x86_cpu.nx ? PTE_NX : 0;
}

/* A table page: cleared, unless every entry is about to be written
 * (whole), where clearing it first would write each entry twice. Not
 * inlined: map_range() is smaller without its copy. */
static __attribute__((noinline)) uint64_t *new_table(struct table_source *src, bool whole)
{
    uint64_t *t;

    /* The memory's block first: the pool is kept for what is mapped later. */
    if (src && src->next < src->end) {
        t = (uint64_t *)(uintptr_t)src->next;
        src->next += X86_PAGE_SIZE;
    } else if (pool_used < POOL_PAGES) {
        t = pool[pool_used++];
    } else {
        return NULL;
    }
    if (!whole)
        x86_zero_entries(t, X86_PTES_PER_TABLE);
    return t;
}

static bool set_leaf(const struct mapper *m, uint64_t *entry, uint64_t value)
{
    if (m->record) {
        if (nr_loader_leaves == LOADER_LEAVES_MAX)
            return false;
        loader_leaves[nr_loader_leaves++] = entry;
    }
    *entry = value;
    return true;
}

/* The first entry from e on, before stop, that holds something; stop if
 * none does. "repe scasq" compares one entry a step, in one instruction.
 * Not inlined: map_range() is smaller without its copy. */
static __attribute__((noinline)) uint64_t *first_used(uint64_t *e, uint64_t *stop)
{
    uint64_t n = (uint64_t)(stop - e);
    bool all_zero;

    if (!n)
        return stop;
    __asm__("repe scasq" : "+D"(e), "+c"(n), "=@ccz"(all_zero)
            : "a"(0ull), "m"(*(const uint64_t(*)[])e));
    return all_zero ? stop : e - 1;
}

/* Entries from e on, up to stop, while they are empty: v, v + step, ...
 * (fresh: the table was just cleared, and nothing is looked at). Returns
 * the first entry not written: stop, or one that holds something. */
static uint64_t *fill_empty(uint64_t *e, uint64_t *stop, uint64_t v, uint64_t step, bool fresh)
{
    uint64_t *used = fresh ? stop : first_used(e, stop);

    x86_fill_entries(e, (uint64_t)(used - e), v, step);
    return used;
}

/*
 * Identity-map [at, end) (4 KiB aligned, below 128 TiB) as m says;
 * entries already present are kept as they are. Down the tables present
 * to the level where at is mapped already or its entry is empty; there,
 * along that table: a leaf where one may go (a 4 KiB page always; a
 * 2 MiB or 1 GiB page where m allows large ones, 1 GiB where the CPU has
 * them) for a whole entry (the loader's data takes its whole 2 MiB block
 * while it is read: no table page, and the block is empty again once it
 * is released), a new table below where an empty entry takes none.
 */
static bool map_range(const struct mapper *m, uint64_t at, uint64_t end)
{
    /* Bit s set: leaves may go where an entry maps 2^s bytes. */
    uint32_t leaf_sizes = 1u << 12;

    if (m->large)
        leaf_sizes |= 1u << 21 | (x86_cpu.page1gb ? 1u << 30 : 0);
    while (at < end) {
        uint64_t *t = x86_pml4;
        unsigned shift = 39;
        bool fresh = false; /* t was just cleared: nothing in it to look at */

        /* Down the tables present. */
        for (;;) {
            uint64_t entry = t[x86_pt_index(at, shift)];

            if ((entry & (X86_PTE_P | X86_PTE_PS)) != X86_PTE_P || shift == 12)
                break;
            t = x86_pt_table(entry);
            shift -= 9;
        }
        for (;;) {
            uint64_t size = 1ull << shift, *e = &t[x86_pt_index(at, shift)];
            bool whole = !(at & (size - 1)) && end - at >= size;

            if (*e & X86_PTE_P) {
                if (shift > 12 && !(*e & X86_PTE_PS))
                    break; /* a table: down from the top again */
                at = (at | (size - 1)) + 1; /* mapped already */
            } else if (!(leaf_sizes >> shift & 1) || !(whole || (m->record && shift == 21))) {
                /* A new table: all of it leaves of the level below where
                 * that may be (written once, not cleared first), else
                 * cleared, and on down into it. */
                bool all = whole && !m->record && (leaf_sizes >> (shift - 9) & 1);
                uint64_t *below = new_table(m->src, all);

                if (!below)
                    return false;
                *e = (uint64_t)(uintptr_t)below | X86_PTE_P | X86_PTE_RW;
                if (!all) {
                    t = below;
                    shift -= 9;
                    fresh = true;
                    continue;
                }
                x86_fill_entries(below, X86_PTES_PER_TABLE,
                                 at | m->leaf | (shift > 21 ? X86_PTE_PS : 0), size >> 9);
                at += size;
            } else if (m->record) {
                if (!set_leaf(m, e, (at & ~(size - 1)) | m->leaf | (shift > 12 ? X86_PTE_PS : 0)))
                    return false;
                at = (at | (size - 1)) + 1;
            } else {
                /* Whole leaves to the table's end, while none is mapped
                 * yet: the loop most of RAM takes (in a table just
                 * cleared, without looking at what is there). */
                uint64_t n = (end - at) >> shift, left = X86_PTES_PER_TABLE - x86_pt_index(at, shift);
                uint64_t v = at | m->leaf | (shift > 12 ? X86_PTE_PS : 0);

                at += (uint64_t)(fill_empty(e, e + (n < left ? n : left), v, size, fresh) - e) << shift;
            }
            if (at >= end || !x86_pt_index(at, shift))
                break; /* down from the top again, for the next table */
        }
    }
    return true;
}

/* --- 1. the image --------------------------------------------------------- */

/*
 * The other CPUs' stacks (common/cpu/cpu_start.c): each block starts with a guard
 * page that stays unmapped, so an overflow faults. Only programs that run
 * other CPUs link the array; for the others the weak reference is NULL.
 * The linker script keeps the image, the array included, in PT0's 2 MiB.
 */
#pragma weak pvh_cpu_stacks

/* PT0's entry for pa, a page in the image's 2 MiB. */
static uint64_t *pt0_entry(uint64_t pa)
{
    return &x86_pt0[x86_pt_index(pa, 12)];
}

static void unmap_guards(void)
{
    uint64_t base = (uintptr_t)pvh_cpu_stacks, *e;

    *pt0_entry((uintptr_t)x86_stack_guard) = 0;
    if (!base)
        return;
    e = pt0_entry(base);
    for (unsigned cpu = 0; cpu < PVH_CPUS_MAX; cpu++, e += PVH_CPU_BLOCK_SIZE / X86_PAGE_SIZE)
        *e = 0;
}

static void map_pages(uint64_t from, uint64_t to, uint64_t flags)
{
    x86_fill_entries(pt0_entry(from), (to - from) / X86_PAGE_SIZE, from | flags, X86_PAGE_SIZE);
}

/* Every entry of t but t[keep], the one the entry wrote, which maps the
 * code running now: it never reads 0, even for a moment. */
static void zero_but(uint64_t *t, unsigned keep)
{
    if (keep)
        x86_zero_entries(t, keep);
    x86_zero_entries(t + keep + 1, X86_PTES_PER_TABLE - 1 - keep);
}

void x86_paging_init(void)
{
    uint64_t nx = nx_bit(), image = (uintptr_t)__image_start;

    /* Everything but the one entry of each level the entry wrote. */
    x86_zero_entries(x86_pml4 + 1, X86_PTES_PER_TABLE - 1);
    zero_but(x86_pdpt, x86_pt_index(image, 30));
    zero_but(x86_pd, x86_pt_index(image, 21));
    x86_zero_entries(x86_pt0, X86_PTES_PER_TABLE);
    map_pages((uintptr_t)__text_start, (uintptr_t)__text_end, X86_PTE_P);
    map_pages((uintptr_t)__text_end, (uintptr_t)__rodata_end, X86_PTE_P | nx);
    /* The hypercall page too, until x86_paging_seal_code() seals it: it
     * is filled with RET before Xen writes its stubs. */
    map_pages((uintptr_t)__rodata_end, (uintptr_t)__image_end, X86_PTE_P | X86_PTE_RW | nx);
    unmap_guards();
    /* From the entry's 2 MiB page to PT0, which maps the image the same
     * way; then no translation of the entry's may stay. */
    x86_pd[x86_pt_index(image, 21)] = (uint64_t)(uintptr_t)x86_pt0 | X86_PTE_P | X86_PTE_RW;
    x86_write_cr3(x86_read_cr3());
}

/* --- 2. and 3. on request --------------------------------------------------- */

bool x86_paging_map(uint64_t pa, uint64_t len, enum x86_map_kind kind)
{
    /* The rights each kind adds to P and NX: loader data read-only, a
     * page a hypervisor shares read-write, MMIO read-write and uncached. */
    static const uint8_t rights[] = {
        [X86_MAP_LOADER_DATA] = 0,
        [X86_MAP_SHARED] = X86_PTE_RW,
        [X86_MAP_MMIO] = X86_PTE_RW | PTE_PCD | PTE_PWT,
    };
    uint64_t base = pa & ~(uint64_t)(X86_PAGE_SIZE - 1), end = pa + len;
    /* The loader's data is recorded until it is copied; after that, what
     * is read (ACPI tables) stays mapped. */
    struct mapper m = { .leaf = X86_PTE_P | nx_bit() | rights[kind],
                        .large = kind == X86_MAP_LOADER_DATA,
                        .record = kind == X86_MAP_LOADER_DATA && !loader_released };

    if (!len || end < pa || end > x86_cpu.phys_limit)
        return false;
    end = (end + X86_PAGE_SIZE - 1) & ~(uint64_t)(X86_PAGE_SIZE - 1);
    /* Only entries that were not present change: a CPU caches no
     * translation through those, so nothing needs invalidating. */
    return map_range(&m, base, end);
}

bool x86_paging_loader_released(void)
{
    return loader_released;
}

static void release_loader_data(void)
{
    while (nr_loader_leaves)
        *loader_leaves[--nr_loader_leaves] = 0;
    loader_released = true;
}

/* --- 4. memory, once the map is known ----------------------------------------- */

static bool is_memory(const struct pvh_region *r)
{
    return r->type < 32 && (PVH_MEMORY_TYPES & PVH_TYPE_BIT(r->type));
}

/* The next run of memory at or after region *i: consecutive regions of
 * memory types merged, rounded in to 4 KiB, with page 0 left out, and
 * ended at the CPU's physical addresses (a map may name more). */
static bool next_memory(const struct pvh_memmap *map, unsigned *i, uint64_t *base, uint64_t *end)
{
    uint64_t limit = x86_cpu.phys_limit;

    while (*i < map->nr) {
        const struct pvh_region *r = &map->regions[(*i)++];
        uint64_t b = r->base > X86_PAGE_SIZE ? r->base : X86_PAGE_SIZE, e = r->base + r->size;

        if (!is_memory(r))
            continue;
        for (; *i < map->nr && r[1].base == e && is_memory(&r[1]); (*i)++, r++)
            e += r[1].size;
        e = (e < limit ? e : limit) & ~(uint64_t)(X86_PAGE_SIZE - 1);
        /* Rounded up only below e: a base in the last page below 2^64
         * would wrap to 0. */
        if (b < e)
            b = (b + X86_PAGE_SIZE - 1) & ~(uint64_t)(X86_PAGE_SIZE - 1);
        if (b < e) {
            *base = b;
            *end = e;
            return true;
        }
    }
    return false;
}

/* How many of the indices first..last are not counted yet. They come in
 * ascending order: *seen is the highest counted so far (0 at the start:
 * index 0 of each level has its table already). Not inlined: one copy
 * for tables_needed()'s three calls. */
static __attribute__((noinline)) uint64_t count_new(uint64_t first, uint64_t last, uint64_t *seen)
{
    if (last <= *seen)
        return 0;
    if (first <= *seen)
        first = *seen + 1;
    *seen = last;
    return last - first + 1;
}

/* The table pages memory can need at most: a PDPT per 512 GiB and a PD
 * per GiB it touches (the first of each is there already; with 1 GiB
 * pages a PD only where a GiB is partly memory), and a PT per 2 MiB block
 * it covers in part (PT0 is there already). */
static uint64_t tables_needed(const struct pvh_memmap *map, bool *high)
{
    uint64_t seen[3] = { 0, 0, 0 }, base, end;
    uint64_t image = (uintptr_t)__image_start;
    unsigned i = 0;
    /* The walk takes the first GiB's PD and the first 2 MiB's PT as there;
     * an image moved elsewhere has its own there instead: one of each more. */
    uint64_t pages = (image >> 30 != 0) + (image >> 21 != 0);

    *high = false;
    while (next_memory(map, &i, &base, &end)) {
        uint64_t last = end - 1;

        *high |= end > FOUR_GIB;
        /* A table of each level for each index the run touches (PDPTs,
         * and PDs without 1 GiB pages), or only for the indices its two
         * ends cover in part (PTs, and PDs with 1 GiB pages). */
        for (unsigned l = 0, shift = 39; l < 3; l++, shift -= 9) {
            uint64_t part = (1ull << shift) - 1;

            if (l == 0 || (l == 1 && !x86_cpu.page1gb)) {
                pages += count_new(base >> shift, last >> shift, &seen[l]);
                continue;
            }
            if (base & part)
                pages += count_new(base >> shift, base >> shift, &seen[l]);
            if (end & part)
                pages += count_new(last >> shift, last >> shift, &seen[l]);
        }
    }
    return pages;
}

struct avoid_list {
    struct pvh_range r[PVH_MODULES_MAX + PVH_PACK_RANGES_MAX];
    unsigned n;
};

static void avoid(struct avoid_list *a, uint64_t base, uint64_t size)
{
    uint64_t end = base + size;

    a->r[a->n++] = (struct pvh_range){ base, end < base ? UINT64_MAX : end };
}

/* pvhboot.elf's packed pieces (firmware/pack.c): a weak reference, NULL
 * in a program without them. */
#pragma weak pvh_pack_ranges

/* The table pages for memory: the pool's when all memory is below 4 GiB
 * and the worst case fits there with POOL_KEPT to spare, else one block
 * of RAM below 4 GiB for the worst case, clear of the modules and the
 * packed pieces (memory below 4 GiB is the memory of every loader). */
static int reserve_tables(struct pvh_boot_store *st, struct table_source *src,
                          struct pvh_error *err)
{
    struct avoid_list a; /* not cleared: a.n says what is written */
    uint64_t pages, pa;
    bool high;

    *src = (struct table_source){ 0, 0 };
    a.n = 0;
    pages = tables_needed(&st->map, &high);
    if (!high && pages + POOL_KEPT <= POOL_PAGES - pool_used)
        return PVH_OK;
    for (unsigned m = 0; m < st->boot.nr_modules; m++)
        avoid(&a, st->modules[m].base, st->modules[m].size);
    if (pvh_pack_ranges)
        a.n += pvh_pack_ranges(a.r + a.n);
    pa = pvh_memmap_alloc(&st->map, pages * X86_PAGE_SIZE, X86_PAGE_SIZE, FOUR_GIB, a.r, a.n,
                          PVH_REGION_PVHBOOT);
    if (!pa)
        return pvh_fail(err, PVH_ENOMEM, "page tables: no free RAM below 4 GiB for %llu table "
                        "pages", (unsigned long long)pages);
    /* The block is memory not mapped yet: map it first, from the pool. */
    if (!x86_paging_map(pa, pages * X86_PAGE_SIZE, X86_MAP_SHARED))
        return pvh_fail(err, PVH_ENOMEM, "page tables: no table pages left to map 0x%llx",
                        (unsigned long long)pa);
    src->next = pa;
    src->end = pa + pages * X86_PAGE_SIZE;
    return PVH_OK;
}

static int map_memory(struct pvh_boot_store *st, struct pvh_error *err)
{
    struct table_source src;
    struct mapper m = { .large = true, .src = &src };
    uint64_t image = (uintptr_t)__image_start, image_end = (uintptr_t)__image_end;
    uint64_t base, end;
    bool executable = &x86_paging_ram_executable && x86_paging_ram_executable;
    unsigned i = 0;
    int rc;

    m.leaf = X86_PTE_P | X86_PTE_RW | (executable ? 0 : nx_bit());
    rc = reserve_tables(st, &src, err);
    /* The reservation split a region: the walk is over the map as it is
     * now (next_memory() ends each run at the CPU's physical addresses). */
    while (!rc && next_memory(&st->map, &i, &base, &end)) {
        /* The image keeps the rights x86_paging_init() gave it. */
        if (base < image && !map_range(&m, base, end < image ? end : image))
            rc = -1;
        if (!rc && end > image_end && !map_range(&m, base > image_end ? base : image_end, end))
            rc = -1;
    }
    if (rc < 0)
        return pvh_fail(err, PVH_ENOMEM, "page tables: more table pages needed than reserved");
    return rc;
}

/* In the Xen part (include/pvhboot/parts.h): NULL when it is not linked. */
extern uint8_t x86_hypercall_page[] __attribute__((weak));

int x86_paging_finish(struct pvh_boot_store *st, struct pvh_error *err)
{
    int rc;

    release_loader_data(); /* before memory gets its read-write leaves */
    rc = map_memory(st, err);
    if (x86_hypercall_page)
        x86_paging_seal_code((uintptr_t)x86_hypercall_page);
    x86_write_cr3(x86_read_cr3()); /* drop every stale translation */
    return rc;
}

const void *x86_paging_pool(uint64_t *size)
{
    *size = sizeof(pool);
    return pool;
}
