/*
 * Asking the page tables in use whether a physical range is mapped (the
 * identity map: virtual = physical), for readers that must not fault:
 * ACPI registers, the Xen shared-info frame, the loader's data.
 */
#include "arch/x86/arch.h"
#include "arch/x86/x86.h"

#define GIB (1ull << 30)
#define MIB2 (2ull << 20)
#define CANONICAL_LIMIT (1ull << 47) /* lower half of a 4-level address space */

/* Bytes mapped by the leaf entry covering va, or 0 if va is not mapped. */
static uint64_t leaf_size(uint64_t va)
{
    uint64_t e;

    if (va >= CANONICAL_LIMIT)
        return 0;
    e = x86_pml4[x86_pt_index(va, 39)];
    if (!(e & X86_PTE_P))
        return 0;
    e = x86_pt_table(e)[x86_pt_index(va, 30)];
    if (!(e & X86_PTE_P))
        return 0;
    if (e & X86_PTE_PS)
        return GIB;
    e = x86_pt_table(e)[x86_pt_index(va, 21)];
    if (!(e & X86_PTE_P))
        return 0;
    if (e & X86_PTE_PS)
        return MIB2;
    e = x86_pt_table(e)[x86_pt_index(va, 12)];
    return (e & X86_PTE_P) ? X86_PAGE_SIZE : 0;
}

bool x86_paging_mapped(uint64_t pa, uint64_t len)
{
    uint64_t at = pa, end = pa + len;

    if (end < pa)
        return false;
    while (at < end) {
        uint64_t step = leaf_size(at);

        if (!step)
            return false;
        at = (at & ~(step - 1)) + step;
    }
    return true;
}
