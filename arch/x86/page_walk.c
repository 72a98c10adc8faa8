/*
 * Walking the page tables in use (the identity map: virtual = physical):
 * whether a physical range is mapped, for readers that must not fault
 * (ACPI registers, the Xen shared-info frame, the loader's data), and
 * sealing a page of code once it is written (x86_paging_seal_code).
 */
#include "arch/x86/arch.h"
#include "arch/x86/x86.h"

#define GIB (1ull << 30)
#define MIB2 (2ull << 20)
#define CANONICAL_LIMIT (1ull << 47) /* lower half of a 4-level address space */

/* The entry for va at the lowest level the tables reach: a leaf (present,
 * a large page at the upper levels) or one not present; *size is what an
 * entry of that level maps. NULL where va is not canonical or its PML4
 * entry is empty. */
static __attribute__((noinline)) uint64_t *entry_of(uint64_t va, uint64_t *size)
{
    uint64_t *e;

    if (va >= CANONICAL_LIMIT)
        return NULL;
    e = &x86_pml4[x86_pt_index(va, 39)];
    if (!(*e & X86_PTE_P))
        return NULL;
    *size = GIB;
    e = &x86_pt_table(*e)[x86_pt_index(va, 30)];
    if ((*e & (X86_PTE_P | X86_PTE_PS)) != X86_PTE_P)
        return e;
    *size = MIB2;
    e = &x86_pt_table(*e)[x86_pt_index(va, 21)];
    if ((*e & (X86_PTE_P | X86_PTE_PS)) != X86_PTE_P)
        return e;
    *size = X86_PAGE_SIZE;
    return &x86_pt_table(*e)[x86_pt_index(va, 12)];
}

bool x86_paging_mapped(uint64_t pa, uint64_t len)
{
    uint64_t at = pa, end = pa + len;

    if (end < pa)
        return false;
    while (at < end) {
        uint64_t step;
        const uint64_t *e = entry_of(at, &step);

        if (!e || !(*e & X86_PTE_P))
            return false;
        at = (at & ~(step - 1)) + step;
    }
    return true;
}

void x86_paging_seal_code(uint64_t page)
{
    /* A page the tables map in 4 KiB pages (the image's 2 MiB through
     * PT0; below 1 MiB, for an image moved away from there, the memory's
     * map gave that 2 MiB in 4 KiB pages: page 0 is never mapped). */
    uint64_t size, *e = entry_of(page, &size);

    /* Its code is written: run it, never write it again. */
    if (e && size == X86_PAGE_SIZE)
        *e = page | X86_PTE_P;
    __asm__ volatile("invlpg (%0)" : : "r"((uintptr_t)page) : "memory");
}
