/*
 * Fuzz target: where pvhboot.efi puts a kernel carrying
 * XEN_ELFNOTE_PHYS32_RELOC among the firmware's free pages
 * (efi/reloc_fit.c, plain C, compiled in here).
 *
 * Input: u8 flags, u8 span count (at most MAX_SPANS), then per span u16
 * first page and u16 pages (in a 256 MiB space; overlapping spans are
 * dropped, as no EFI map has them); u32 size (bytes, below 256 MiB), u8
 * alignment (a shift, or with flags bit 1 the raw byte times 4 KiB, so
 * bad alignments come too), u32 lo and u32 hi (taken in the space).
 * Flags bit 0 moves everything to the top 512 MiB below 2^64, where a
 * careless rounding wraps.
 *
 * Checked against a brute force over every aligned candidate: a result
 * is aligned, at or above lo and out of page 0, ends at or below hi, and
 * its whole pages lie in free spans; no lower candidate fits; 0 only
 * when none fits; a bad alignment finds nothing.
 */
#include "efi/reloc_fit.c"
#include "tests/fuzz/fuzz.h"

#define MAX_SPANS 16
#define PAGE 4096ull
#define SPACE (1ull << 28)
#define TOP_BASE (UINT64_MAX - 2 * SPACE + 1)

static bool overlaps(const struct pvh_efi_span *s, unsigned n, uint64_t base, uint64_t end)
{
    unsigned i;

    for (i = 0; i < n; i++)
        if (base < s[i].end && s[i].base < end)
            return true;
    return false;
}

/* Every page of [c, c + pages) in some span, page by page but run by run. */
static bool brute_fits(const struct pvh_efi_span *s, unsigned n, uint64_t c, uint64_t pages)
{
    uint64_t at = c, end = c + pages;

    while (at < end) {
        unsigned i;

        for (i = 0; i < n && !(s[i].base <= at && at < s[i].end); i++)
            ;
        if (i == n)
            return false;
        at = s[i].end;
    }
    return true;
}

static bool good_align(uint64_t a)
{
    return a >= PAGE && !(a & (a - 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    struct pvh_efi_span s[MAX_SPANS];
    uint8_t flags = fuzz_u8(&in), count = fuzz_u8(&in) % (MAX_SPANS + 1);
    uint64_t base = flags & 1 ? TOP_BASE : 0, want, lo, hi, align, pages, first, c, got;
    unsigned n = 0, i;

    for (i = 0; i < count; i++) {
        uint64_t b = base + fuzz_u16(&in) * PAGE, len = fuzz_u16(&in) * PAGE;

        if (len && !overlaps(s, n, b, b + len))
            s[n++] = (struct pvh_efi_span){ b, b + len };
    }
    want = fuzz_u32(&in) % SPACE;
    align = fuzz_u8(&in);
    align = flags & 2 ? align * PAGE : 1ull << (12 + align % 17);
    lo = base + fuzz_u32(&in) % SPACE;
    hi = base + fuzz_u32(&in) % (2 * SPACE);
    got = pvh_efi_lowest_fit(s, n, want, align, lo, hi);
    if (!good_align(align) || !want) {
        FUZZ_CHECK(!got, "bad request (align 0x%llx, size 0x%llx) found 0x%llx",
                   (unsigned long long)align, (unsigned long long)want, (unsigned long long)got);
        return 0;
    }
    pages = (want + PAGE - 1) & ~(PAGE - 1);
    if (got) {
        FUZZ_CHECK(got % align == 0 && got >= lo && got >= PAGE && want <= hi &&
                   got <= hi - want && pages <= UINT64_MAX - got && brute_fits(s, n, got, pages),
                   "0x%llx+0x%llx: not aligned to 0x%llx in [0x%llx, 0x%llx) on free pages",
                   (unsigned long long)got, (unsigned long long)want, (unsigned long long)align,
                   (unsigned long long)lo, (unsigned long long)hi);
    }
    /* Every aligned candidate below the answer (below hi when none) fails. */
    first = lo > PAGE ? lo : PAGE;
    first = (first + align - 1) & ~(align - 1);
    if (first < lo) { /* rounding wrapped: nothing can fit */
        FUZZ_CHECK(!got, "found 0x%llx past 2^64 - align", (unsigned long long)got);
        return 0;
    }
    for (c = first; c >= first && (!got || c < got) && want <= hi && c <= hi - want; c += align)
        FUZZ_CHECK(pages > UINT64_MAX - c || !brute_fits(s, n, c, pages),
                   "0x%llx fits below the answer 0x%llx", (unsigned long long)c,
                   (unsigned long long)got);
    return 0;
}
