/*
 * Reading physical memory from C: the identity map. Below 4 GiB it is
 * there from the entry on; above, only what x86_paging_finish() mapped.
 *
 * Page 0 is the exception. It stays unmapped so that NULL faults, but
 * loaders do keep data in it (QEMU's PVH option ROM puts the memory map
 * at 0x5a8), so while the loader's data is copied a request for it maps
 * page 0 read-only and no-execute; x86_paging_finish() unmaps it again
 * before the unikernel runs.
 */
#include "arch/x86/arch.h"
#include "arch/x86/x86.h"

#define FOUR_GIB 0x100000000ull

static void map_page0_readonly(void)
{
    if (x86_pt0[0] & X86_PTE_P)
        return;
    x86_pt0[0] = X86_PTE_P | (x86_cpu.nx ? 1ull << 63 : 0);
    __asm__ volatile("invlpg (%0)" : : "r"(0ul) : "memory");
}

static const void *identity_map(const struct pvh_phys *phys, uint64_t pa, uint64_t len)
{
    uint64_t end = pa + len;

    (void)phys;
    if (!pa || end < pa)
        return NULL; /* address 0 means "absent" in every PVH structure */
    if (end > FOUR_GIB && !x86_paging_mapped(pa, len))
        return NULL;
    if (pa < X86_PAGE_SIZE)
        map_page0_readonly();
    return (const void *)(uintptr_t)pa;
}

const struct pvh_phys x86_phys = { identity_map };
