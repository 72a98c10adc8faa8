/*
 * Finishing the page tables once the memory map is known.
 *
 * The entry identity-mapped the first 4 GiB read-write-execute. Here:
 *  - the image's pages get their own rights: text (and the Xen
 *    hypercall page) read-only and executable, read-only data and the
 *    rest of the image no-execute;
 *  - everything else in the first 4 GiB is no-execute (the entry built
 *    its 2 MiB pages so);
 *  - page 0 and the page below the stack (the guard page) are unmapped,
 *    as are the other CPUs' stack guards where the program has them;
 *  - memory above 4 GiB is identity-mapped, no-execute, in 1 GiB pages
 *    where the CPU has them, else 2 MiB pages. Page-table pages come
 *    from RAM below 4 GiB, clear of the modules, and are marked as
 *    pvhboot's in the memory map.
 * Without NX (EFER.NXE off) the no-execute bit is reserved and is not
 * set anywhere.
 */
#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"
#include "common/cpu/cpu_arch.h"
#include "common/lib/string.h"
#include "firmware/pack.h"

#define PTE_NX (1ull << 63)
#define GIB (1ull << 30)
#define MIB2 (2ull << 20)
#define FOUR_GIB (4ull << 30)
#define CANONICAL_LIMIT (1ull << 47) /* lower half of a 4-level address space */

/* Table pages come from one block allocated up front (one claim in the
 * memory map, not one per GiB), sized for the worst case of the ranges to
 * be mapped; pages left over go back to nobody: they stay pvhboot's. */
struct table_source {
    struct pvh_boot_store *st;
    struct pvh_range avoid[PVH_MODULES_MAX + 2 * PVH_PACK_MAX_MODULES + 1];
    unsigned nr_avoid;
    uint64_t next, end; /* the block's unused pages */
};

/* The table an entry points to; a fresh zeroed one if it is empty. */
static uint64_t *next_table(uint64_t *entry, struct table_source *src, struct pvh_error *err)
{
    uint64_t pa;

    if (*entry & X86_PTE_P)
        return x86_pt_table(*entry);
    if (src->next == src->end) {
        pvh_fail(err, PVH_ENOMEM, "page tables: more table pages needed than reserved");
        return NULL;
    }
    pa = src->next;
    src->next += X86_PAGE_SIZE;
    memset((void *)(uintptr_t)pa, 0, X86_PAGE_SIZE);
    *entry = pa | X86_PTE_P | X86_PTE_RW;
    return (uint64_t *)(uintptr_t)pa;
}

/* Table pages [base, end) can need at most: one PDPT per 512 GiB, and a
 * PD for every GiB it touches, or with 1 GiB pages only for the partial
 * GiBs at its two ends. */
static uint64_t tables_for(uint64_t base, uint64_t end)
{
    uint64_t gibs = ((end + GIB - 1) >> 30) - (base >> 30);
    uint64_t pdpts = ((end + (512 * GIB) - 1) / (512 * GIB)) - base / (512 * GIB);

    if (x86_cpu.page1gb)
        gibs = (base & (GIB - 1) ? 1 : 0) + (end & (GIB - 1) ? 1 : 0);
    return gibs + pdpts;
}

static int reserve_tables(struct table_source *src, uint64_t pages, struct pvh_error *err)
{
    uint64_t pa;

    if (!pages)
        return PVH_OK;
    pa = pvh_memmap_alloc(&src->st->map, pages * X86_PAGE_SIZE, X86_PAGE_SIZE, FOUR_GIB,
                          src->avoid, src->nr_avoid, PVH_REGION_PVHBOOT);
    if (!pa)
        return pvh_fail(err, PVH_ENOMEM, "page tables: no free RAM below 4 GiB for %llu table "
                        "pages", (unsigned long long)pages);
    src->next = pa;
    src->end = pa + pages * X86_PAGE_SIZE;
    return PVH_OK;
}

/* Fill the 2 MiB entries of one page directory for [at, end) that are
 * not present yet: one tight loop per GiB, not a walk per entry. */
static uint64_t fill_pd(uint64_t *pd, uint64_t at, uint64_t end, uint64_t nx)
{
    unsigned i = x86_pt_index(at, 21), last;
    uint64_t gib_end = (at & ~(GIB - 1)) + GIB;

    if (end > gib_end)
        end = gib_end;
    last = x86_pt_index(end - 1, 21);
    for (; i <= last; i++, at += MIB2)
        if (!(pd[i] & X86_PTE_P))
            pd[i] = at | X86_PTE_P | X86_PTE_RW | X86_PTE_PS | nx;
    return end;
}

/* Identity-map [base, end) (2 MiB aligned) read-write with leaf flags nx:
 * 1 GiB pages where the CPU has them and a whole GiB is wanted, else a
 * page directory of 2 MiB pages per GiB. */
static int map_large(uint64_t base, uint64_t end, uint64_t nx, struct table_source *src,
                     struct pvh_error *err)
{
    uint64_t at = base;

    while (at < end) {
        uint64_t *pdpt, *pd, *e;

        if (at >= CANONICAL_LIMIT)
            return pvh_fail(err, PVH_ERANGE, "page tables: memory at 0x%llx is beyond 128 TiB",
                            (unsigned long long)at);
        pdpt = next_table(&x86_pml4[x86_pt_index(at, 39)], src, err);
        if (!pdpt)
            return err->code;
        e = &pdpt[x86_pt_index(at, 30)];
        if (!(*e & X86_PTE_P) && x86_cpu.page1gb && !(at & (GIB - 1)) && end - at >= GIB) {
            *e = at | X86_PTE_P | X86_PTE_RW | X86_PTE_PS | nx;
            at += GIB;
            continue;
        }
        if (*e & X86_PTE_PS) { /* already mapped by a 1 GiB page */
            at = (at & ~(GIB - 1)) + GIB;
            continue;
        }
        pd = next_table(e, src, err);
        if (!pd)
            return err->code;
        at = fill_pd(pd, at, end, nx);
    }
    return PVH_OK;
}

/* The memory-type regions above 4 GiB, rounded out to 2 MiB. */
static bool high_range(const struct pvh_region *r, uint64_t *base, uint64_t *end)
{
    if (r->base + r->size <= FOUR_GIB || r->type >= 32 || !(PVH_MEMORY_TYPES & PVH_TYPE_BIT(r->type)))
        return false;
    *base = (r->base < FOUR_GIB ? FOUR_GIB : r->base) & ~(MIB2 - 1);
    *end = (r->base + r->size + MIB2 - 1) & ~(MIB2 - 1);
    return true;
}

/*
 * pvhboot.elf's packed kernel, modules and their strings: segments of its own ELF that
 * the boot description does not list, read by the firmware only after
 * this. Only pvhboot.elf links the descriptor; the weak reference pulls
 * nothing into a unikernel, where its address is 0. The firmware checks
 * the pieces later; here a wrapping one is merely avoided to the end.
 */
extern const volatile struct pvh_pack pvh_pack __attribute__((weak));

static void avoid(struct table_source *src, uint64_t base, uint64_t size)
{
    uint64_t end = base + size;

    src->avoid[src->nr_avoid++] = (struct pvh_range){ base, end < base ? UINT64_MAX : end };
}

static void avoid_packed(struct table_source *src)
{
    const volatile struct pvh_pack *p = &pvh_pack;
    unsigned i, n;

    if (!p || (p->flags & PVH_PACK_RELATIVE))
        return;
    /* Strings: as far as the longest the firmware will read. */
    if (p->cmdline_pa)
        avoid(src, p->cmdline_pa, PVH_CMDLINE_MAX + 1);
    n = p->nr_modules < PVH_PACK_MAX_MODULES ? p->nr_modules : PVH_PACK_MAX_MODULES;
    for (i = 0; i < n; i++) {
        avoid(src, p->modules[i].base, p->modules[i].size);
        if (p->modules[i].cmdline_pa)
            avoid(src, p->modules[i].cmdline_pa, PVH_MODULE_CMDLINE_MAX + 1);
    }
}

static int map_high_memory(struct pvh_boot_store *st, uint64_t nx, struct pvh_error *err)
{
    struct table_source src = { .st = st };
    uint64_t base, end, pages = 0;
    unsigned i, nr;
    int rc;

    for (i = 0; i < st->boot.nr_modules; i++) {
        const struct pvh_module *m = &st->modules[i];

        src.avoid[src.nr_avoid++] = (struct pvh_range){ m->base, m->base + m->size };
    }
    avoid_packed(&src);
    /* With 1 GiB pages most ranges need no PD at all; reserve for the worst. */
    nr = st->map.nr;
    for (i = 0; i < nr; i++)
        if (high_range(&st->map.regions[i], &base, &end))
            pages += tables_for(base, end);
    rc = reserve_tables(&src, pages, err);
    /* The reservation split a region below 4 GiB, never one of those above:
     * walk the same count of regions from the same place on. */
    for (i = 0; !rc && i < st->map.nr; i++)
        if (high_range(&st->map.regions[i], &base, &end))
            rc = map_large(base, end, nx, &src, err);
    return rc;
}

/*
 * The other CPUs' stacks (common/cpu/cpu_start.c): each block starts with a guard
 * page that stays unmapped, so an overflow faults. Only programs that run
 * other CPUs link the array; for the others the weak reference is NULL.
 * The linker script keeps the image, the array included, in PT0's 2 MiB.
 */
#pragma weak pvh_cpu_stacks

static void unmap_cpu_stack_guards(void)
{
    uint64_t base = (uintptr_t)pvh_cpu_stacks;

    if (!base)
        return;
    for (unsigned cpu = 0; cpu < PVH_CPUS_MAX; cpu++)
        x86_pt0[(base + (uint64_t)cpu * PVH_CPU_BLOCK_SIZE) / X86_PAGE_SIZE] = 0;
}

/* Rights for the pages of the first 2 MiB, which PT0 maps. */
static void protect_first_2mib(uint64_t nx)
{
    uint64_t text = (uintptr_t)__text_start, text_end = (uintptr_t)__text_end;
    uint64_t ro_end = (uintptr_t)__rodata_end, guard = (uintptr_t)x86_stack_guard;
    uint64_t hypercall_page = (uintptr_t)x86_hypercall_page;
    unsigned i;

    x86_pt0[0] = 0; /* NULL faults (x86_phys may have mapped page 0 to read loader data) */
    for (i = 1; i < X86_PTES_PER_TABLE; i++) {
        uint64_t pa = (uint64_t)i * X86_PAGE_SIZE;
        uint64_t e = pa | X86_PTE_P;

        if (pa < text || pa >= text_end)
            e |= nx;
        if (pa < text || pa >= ro_end)
            e |= X86_PTE_RW;
        if (pa == hypercall_page) /* Xen wrote it (or it holds RET): run it, never write it */
            e = pa | X86_PTE_P;
        x86_pt0[i] = pa == guard ? 0 : e;
    }
    unmap_cpu_stack_guards();
}

int x86_paging_finish(struct pvh_boot_store *st, struct pvh_error *err)
{
    uint64_t nx = x86_cpu.nx ? PTE_NX : 0;
    int rc;

    protect_first_2mib(nx); /* the entry already made the 2 MiB pages no-execute */
    x86_phys_release();     /* the loader's data above 4 GiB was mapped read-only */
    rc = map_high_memory(st, nx, err);
    x86_write_cr3(x86_read_cr3()); /* drop every stale translation */
    return rc;
}
