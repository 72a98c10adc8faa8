/*
 * Where a relocatable kernel (XEN_ELFNOTE_PHYS32_RELOC) fits among the
 * pages the firmware has free: plain C on a list of free spans, no EFI
 * here, so it can be checked on the host (tests/unit/test_efi_reloc.c).
 */
#ifndef PVH_EFI_RELOC_FIT_H
#define PVH_EFI_RELOC_FIT_H

#include <stdbool.h>
#include <stdint.h>

#define PVH_EFI_FIT_PAGE 4096u

/* Free memory [base, end), base < end; spans in any order, none
 * overlapping another (neighbours count as one run). */
struct pvh_efi_span {
    uint64_t base, end;
};

/* Is every byte of [base, end) inside the spans? (true when base >= end) */
bool pvh_efi_spans_cover(const struct pvh_efi_span *s, unsigned n, uint64_t base, uint64_t end);

/* The lowest base, a multiple of align (a power of two, at least a page),
 * at or above lo and out of page 0, with the whole pages of
 * [base, base + size) inside the spans and base + size <= hi; 0 if none. */
uint64_t pvh_efi_lowest_fit(const struct pvh_efi_span *s, unsigned n, uint64_t size,
                            uint64_t align, uint64_t lo, uint64_t hi);

#endif
