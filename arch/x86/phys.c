/*
 * Reading physical memory from C: the identity map. Below 4 GiB it is
 * there from the entry on; above, only what x86_paging_finish() mapped,
 * and, while the loader's data is copied, what that data needs.
 *
 * Page 0 is the exception. It stays unmapped so that NULL faults, but
 * loaders do keep data in it (QEMU's PVH option ROM puts the memory map
 * at 0x5a8), so while the loader's data is copied a request for it maps
 * page 0 read-only and no-execute; x86_paging_finish() unmaps it again
 * before the unikernel runs.
 *
 * Above 4 GiB: every address in the start info but the start info's own
 * (%ebx) is 64 bits wide, and a loader may put the memory map, the module
 * list and the cmdlines up there. Those ranges are identity-mapped on
 * request, read-only and no-execute, with table pages from a small pool
 * of our own (the memory map, which says where free RAM is, may be the
 * very thing being read). Before the map is known that is the loader's
 * word only, exactly as below 4 GiB, where the entry's map covers
 * everything; once it is known, start_info.c asks only for ranges the
 * map says are memory. x86_phys_release() takes these mappings down
 * again and ends mapping on request: x86_paging_finish() then maps RAM
 * above 4 GiB for good, and later readers (ACPI) get only that.
 */
#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"
#include "common/lib/string.h"

#define FOUR_GIB 0x100000000ull
#define GIB (1ull << 30)
#define MIB2 (2ull << 20)
#define PTE_NX (1ull << 63)
#define CANONICAL_LIMIT (1ull << 47) /* lower half of a 4-level address space */
#define CPUID_ADDRESS_SIZES 0x80000008u
#define DEFAULT_PHYS_BITS 36u        /* what a CPU without that leaf has */

/* Budget: a PDPT per 512 GiB touched and, without 1 GiB pages, a PD per
 * GiB touched. 16 pages (64 KiB) serve a map, a module list and a dozen
 * cmdlines each in a different GiB; a loader that scatters more is told
 * the range is not accessible. */
#define LOADER_TABLE_PAGES 16

static uint64_t loader_tables[LOADER_TABLE_PAGES][X86_PTES_PER_TABLE]
    __attribute__((aligned(X86_PAGE_SIZE), section(".noinit.loader_tables")));
static unsigned loader_tables_used;
static bool loader_data_copied; /* x86_phys_release() ran: no more mapping on request */

static void map_page0_readonly(void)
{
    if (x86_pt0[0] & X86_PTE_P)
        return;
    x86_pt0[0] = X86_PTE_P | (x86_cpu.nx ? PTE_NX : 0);
    __asm__ volatile("invlpg (%0)" : : "r"(0ul) : "memory");
}

/* The CPU's physical address width: a page-table entry naming an address
 * beyond it has reserved bits set, and using it faults. */
static uint64_t phys_limit(void)
{
    static uint64_t limit;
    uint32_t r[4];
    unsigned bits = DEFAULT_PHYS_BITS;

    if (limit)
        return limit;
    x86_cpuid(CPUID_ADDRESS_SIZES & 0x80000000u, 0, r);
    if (r[0] >= CPUID_ADDRESS_SIZES) {
        x86_cpuid(CPUID_ADDRESS_SIZES, 0, r);
        bits = r[0] & 0xff;
    }
    limit = 1ull << (bits < 47 ? bits : 47);
    return limit;
}

/* The table an entry points to, or a fresh zeroed one from the pool. */
static uint64_t *loader_table(uint64_t *entry)
{
    uint64_t *t;

    if (*entry & X86_PTE_P)
        return x86_pt_table(*entry);
    if (loader_tables_used == LOADER_TABLE_PAGES)
        return NULL;
    t = loader_tables[loader_tables_used++];
    memset(t, 0, X86_PAGE_SIZE);
    /* Writable at this level: the leaf decides, and later C code adds
     * its own leaves under tables it finds present. */
    *entry = (uint64_t)(uintptr_t)t | X86_PTE_P | X86_PTE_RW;
    return t;
}

/* Map the GiB holding at, or the 2 MiB pages of it from at up to end;
 * returns where this GiB's mapping ends (0 when out of table pages). */
static uint64_t map_loader_gib(uint64_t at, uint64_t end, uint64_t leaf)
{
    uint64_t gib_end = (at & ~(GIB - 1)) + GIB;
    uint64_t *pdpt = loader_table(&x86_pml4[x86_pt_index(at, 39)]), *e, *pd;

    if (!pdpt)
        return 0;
    e = &pdpt[x86_pt_index(at, 30)];
    if (*e & X86_PTE_PS)
        return gib_end;
    if (!(*e & X86_PTE_P) && x86_cpu.page1gb) {
        *e = (at & ~(GIB - 1)) | leaf;
        return gib_end;
    }
    pd = loader_table(e);
    if (!pd)
        return 0;
    if (end > gib_end)
        end = gib_end;
    for (at &= ~(MIB2 - 1); at < end; at += MIB2)
        if (!(pd[x86_pt_index(at, 21)] & X86_PTE_P))
            pd[x86_pt_index(at, 21)] = at | leaf;
    return gib_end;
}

static bool map_loader_range(uint64_t pa, uint64_t end)
{
    uint64_t leaf = X86_PTE_P | X86_PTE_PS | (x86_cpu.nx ? PTE_NX : 0); /* read-only */
    uint64_t at = pa;

    if (end > phys_limit())
        return false;
    while (at < end) {
        at = map_loader_gib(at, end, leaf);
        if (!at)
            return false;
    }
    return true;
}

static const void *identity_map(const struct pvh_phys *phys, uint64_t pa, uint64_t len)
{
    uint64_t end = pa + len;

    (void)phys;
    if (!pa || end < pa)
        return NULL; /* address 0 means "absent" in every PVH structure */
    if (end > FOUR_GIB && !x86_paging_mapped(pa, len) &&
        (loader_data_copied || !map_loader_range(pa < FOUR_GIB ? FOUR_GIB : pa, end)))
        return NULL;
    if (pa < X86_PAGE_SIZE)
        map_page0_readonly();
    return (const void *)(uintptr_t)pa;
}

const struct pvh_phys x86_phys = { identity_map };

void x86_phys_release(void)
{
    unsigned i;

    loader_data_copied = true;
    if (!loader_tables_used)
        return;
    /* Everything above the entry's 4 GiB: the PDPT's entries past its
     * first four and every PML4 entry but the first hold nothing else yet. */
    for (i = X86_EARLY_MAP_GIB; i < X86_PTES_PER_TABLE; i++)
        x86_pdpt[i] = 0;
    for (i = 1; i < X86_PTES_PER_TABLE; i++)
        x86_pml4[i] = 0;
    loader_tables_used = 0;
    x86_write_cr3(x86_read_cr3());
}
