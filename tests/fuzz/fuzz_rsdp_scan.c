/*
 * Fuzz target: finding the RSDP where a BIOS leaves it (common/acpi/acpi.c,
 * pvh_acpi_scan_rsdp), for loaders that pass rsdp_paddr 0.
 *
 * Input: u8 patch count, then patches of u32 offset (taken modulo 1 MiB),
 * u8 flags, u8 length and that many bytes, written into a zeroed image of
 * the first MiB of memory (one heap buffer of exactly 1 MiB: ASan sees a
 * read past it). Flags bit 0 sets the patch's byte 8 so that the 20 bytes
 * from its offset sum to 0, bit 1 its byte 32 so that the 36 bytes do:
 * well-formed candidates are then one patch away.
 *
 * Checked: the scan reads only the BIOS data area word, the EBDA's first
 * KiB (cut at 640 KiB, less page 0) and 0xe0000-0xfffff; what it returns is 0 with PVH_RSDP_NONE, or
 * a 16-byte aligned address in the area it names, where a whole RSDP
 * lies inside that area with its signature and checksums right; and
 * there is no valid candidate before it in the EBDA, nor, when it comes
 * from the BIOS area, in the EBDA at all.
 */
#include <stdlib.h>
#include <string.h>

#include "common/acpi/acpi.h"
#include "tests/fuzz/fuzz.h"

#define LOW_MEMORY 0x100000u
#define BDA_EBDA 0x40eu
#define BIOS_AREA 0xe0000u

static uint8_t *low;
static uint32_t ebda_lo, ebda_hi; /* the EBDA window the scan may read, or empty */

static bool allowed(uint64_t pa, uint64_t len)
{
    uint64_t end = pa + len;

    return (pa == BDA_EBDA && len == 2) || (pa >= ebda_lo && end <= ebda_hi) ||
           (pa >= BIOS_AREA && end <= LOW_MEMORY);
}

static const void *checked_map(const struct pvh_phys *phys, uint64_t pa, uint64_t len)
{
    (void)phys;
    FUZZ_CHECK(len && pa + len > pa, "map() of 0x%llx+0x%llx", (unsigned long long)pa,
               (unsigned long long)len);
    FUZZ_CHECK(allowed(pa, len), "read of 0x%llx+0x%llx outside the BIOS areas",
               (unsigned long long)pa, (unsigned long long)len);
    return pa + len <= LOW_MEMORY ? low + pa : NULL;
}

static const struct pvh_phys phys = { checked_map };

static uint8_t sum(const uint8_t *p, unsigned n)
{
    uint8_t s = 0;

    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

/* A whole, valid RSDP at pa, all of it below limit? (Written from ACPI
 * 6.5, 5.2.5.3, not from acpi.c.) */
static bool valid_at(uint32_t pa, uint32_t limit)
{
    const uint8_t *r = low + pa;

    if (pa + 20 > limit || memcmp(r, "RSD PTR ", 8) || sum(r, 20))
        return false;
    return r[15] < 2 || (pa + 36 <= limit && !sum(r, 36));
}

static uint32_t first_valid(uint32_t from, uint32_t limit)
{
    for (uint32_t pa = from; pa < limit; pa += 16)
        if (valid_at(pa, limit))
            return pa;
    return 0;
}

static void patch(struct fuzz_in *in)
{
    uint32_t off = fuzz_u32(in) % LOW_MEMORY;
    uint8_t flags = fuzz_u8(in), len = fuzz_u8(in);
    size_t got;
    const uint8_t *bytes = fuzz_bytes(in, len, &got);

    if (got > LOW_MEMORY - off)
        got = LOW_MEMORY - off;
    memcpy(low + off, bytes, got);
    if ((flags & 1) && off + 20 <= LOW_MEMORY) {
        low[off + 8] = 0;
        low[off + 8] = (uint8_t)-sum(low + off, 20);
    }
    if ((flags & 2) && off + 36 <= LOW_MEMORY) {
        low[off + 32] = 0;
        low[off + 32] = (uint8_t)-sum(low + off, 36);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    unsigned n = fuzz_u8(&in) % 32, i;
    enum pvh_rsdp_source where;
    uint32_t ebda, in_ebda;
    uint64_t found;

    if (!low)
        low = malloc(LOW_MEMORY); /* once: exactly 1 MiB, zeroed for every input */
    if (!low)
        abort();
    memset(low, 0, LOW_MEMORY);
    for (i = 0; i < n; i++)
        patch(&in);
    ebda = (uint32_t)(low[BDA_EBDA] | low[BDA_EBDA + 1] << 8) << 4;
    ebda_lo = ebda_hi = 0;
    /* ACPICA's rule (AcpiFindRootPointer): an EBDA above 0x400 and below
     * 640 KiB, its first KiB cut at that line; less page 0, which pvhboot
     * leaves unmapped after the boot. */
    if (ebda > 0x400 && ebda < 0xa0000) {
        ebda_lo = ebda < 0x1000 ? 0x1000 : ebda;
        ebda_hi = ebda + 0x400 < 0xa0000 ? ebda + 0x400 : 0xa0000;
        if (ebda_lo >= ebda_hi)
            ebda_lo = ebda_hi = 0;
    }
    in_ebda = ebda_hi ? first_valid(ebda_lo, ebda_hi) : 0;

    found = pvh_acpi_scan_rsdp(&phys, &where);
    if (!found) {
        FUZZ_CHECK(where == PVH_RSDP_NONE, "nothing found, from %d", where);
        FUZZ_CHECK(!in_ebda && !first_valid(BIOS_AREA, LOW_MEMORY), "a valid RSDP missed");
    } else if (where == PVH_RSDP_EBDA) {
        FUZZ_CHECK(found == in_ebda, "EBDA: 0x%llx, the first valid one is 0x%x",
                   (unsigned long long)found, in_ebda);
    } else {
        FUZZ_CHECK(where == PVH_RSDP_BIOS_AREA, "found 0x%llx from %d", (unsigned long long)found,
                   where);
        FUZZ_CHECK(!in_ebda, "BIOS area chosen over the EBDA's 0x%x", in_ebda);
        FUZZ_CHECK(found == first_valid(BIOS_AREA, LOW_MEMORY), "BIOS area: 0x%llx not the first",
                   (unsigned long long)found);
    }
    return 0;
}
