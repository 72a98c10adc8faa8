/*
 * Asking the page tables in use whether a physical range is mapped (the
 * identity map: virtual = physical), for readers that must not fault:
 * ACPI registers, the Xen shared-info frame, the loader's data.
 */
#include "arch/x86/arch.h"
#include "arch/x86/x86.h"

#define CANONICAL_LIMIT (1ull << 47) /* lower half of a 4-level address space */

uint64_t *x86_pt_walk(uint64_t va, unsigned *shift)
{
    unsigned s = 39;
    uint64_t *e = &x86_pml4[x86_pt_index(va, s)];

    while (s > 12 && (*e & (X86_PTE_P | X86_PTE_PS)) == X86_PTE_P) {
        s -= 9;
        e = &x86_pt_table(*e)[x86_pt_index(va, s)];
    }
    *shift = s;
    return e;
}

/* Bytes mapped by the leaf entry covering va, or 0 if va is not mapped. */
static uint64_t leaf_size(uint64_t va)
{
    unsigned shift;

    if (va >= CANONICAL_LIMIT || !(*x86_pt_walk(va, &shift) & X86_PTE_P))
        return 0;
    return 1ull << shift;
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
