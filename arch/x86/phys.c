/*
 * Reading physical memory from C: the identity map, grown on request.
 *
 * Until the loader's data is copied, a range that is not mapped yet is
 * mapped read-only and no-execute (x86_paging_map, X86_MAP_LOADER_DATA),
 * wherever the loader put it: below 4 GiB, above, in page 0 (QEMU's PVH
 * option ROM puts the memory map at 0x5a8). Before the map is known that
 * is the loader's word only; once it is known, start_info.c asks only
 * for ranges the map says are memory. x86_paging_finish() takes those
 * mappings down with the copy done, and maps memory for good.
 *
 * After that, what is read (the ACPI tables for poweroff) is mapped the
 * same way and stays, below 4 GiB or above (firmware may keep its tables
 * in a reserved region up there, which x86_paging_finish() does not map
 * as memory), but never page 0 again: NULL faults from the unikernel's
 * first instruction on.
 */
#include "arch/x86/arch.h"
#include "arch/x86/io.h"
#include "arch/x86/x86.h"

static const void *identity_map(const struct pvh_phys *phys, uint64_t pa, uint64_t len)
{
    uint64_t end = pa + len;

    (void)phys;
    if (!pa || end < pa)
        return NULL; /* address 0 means "absent" in every PVH structure */
    if (x86_paging_mapped(pa, len))
        return (const void *)(uintptr_t)pa;
    if (x86_paging_loader_released() && pa < X86_PAGE_SIZE)
        return NULL;
    if (!x86_paging_map(pa, len, X86_MAP_LOADER_DATA))
        return NULL;
    return (const void *)(uintptr_t)pa;
}

const struct pvh_phys x86_phys = { identity_map };
