/*
 * The lowest aligned place of a given size among free spans (see
 * reloc_fit.h). The lowest fit inside a run of neighbouring free spans
 * starts at the first aligned address at or above the run's first byte
 * (or lo): any later aligned start that fits leaves that one room too.
 * So one candidate per span does, each checked across its neighbours.
 */
#include "efi/reloc_fit.h"

#include <stddef.h>

static const struct pvh_efi_span *holding(const struct pvh_efi_span *s, unsigned n, uint64_t a)
{
    unsigned i;

    for (i = 0; i < n; i++)
        if (s[i].base <= a && a < s[i].end)
            return &s[i];
    return NULL;
}

bool pvh_efi_spans_cover(const struct pvh_efi_span *s, unsigned n, uint64_t base, uint64_t end)
{
    /* Each step moves base to the end of a span that held it, past which
     * that span cannot hold it again: at most n steps. */
    while (base < end) {
        const struct pvh_efi_span *h = holding(s, n, base);

        if (!h)
            return false;
        base = h->end;
    }
    return true;
}

uint64_t pvh_efi_lowest_fit(const struct pvh_efi_span *s, unsigned n, uint64_t size,
                            uint64_t align, uint64_t lo, uint64_t hi)
{
    uint64_t best = 0, pages;
    unsigned i;

    if (!size || size > hi || align < PVH_EFI_FIT_PAGE || (align & (align - 1)))
        return 0;
    pages = (size + PVH_EFI_FIT_PAGE - 1) & ~(uint64_t)(PVH_EFI_FIT_PAGE - 1);
    if (pages < size)
        return 0;
    if (lo < PVH_EFI_FIT_PAGE)
        lo = PVH_EFI_FIT_PAGE;
    for (i = 0; i < n; i++) {
        uint64_t c = s[i].base > lo ? s[i].base : lo;

        /* c rounded up stays at or below hi - size: no wrap, and room. */
        if (c >= s[i].end || c > hi - size || hi - size - c < ((align - c % align) % align))
            continue;
        c += (align - c % align) % align;
        if (c < s[i].end && (!best || c < best) && pages <= UINT64_MAX - c &&
            pvh_efi_spans_cover(s, n, c, c + pages))
            best = c;
    }
    return best;
}
