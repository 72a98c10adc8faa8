/*
 * The RSDP where a PC BIOS would have left it, for loaders that pass
 * none. Part of the boot description, so linked by every program; the
 * tables themselves are read by acpi.c, linked only with the parts that
 * need them (ACPI poweroff, the CPU list).
 */
#include "common/acpi/acpi.h"
#include "common/acpi/rsdp.h"

#include "common/lib/bytes.h"
#include "common/lib/string.h"

/*
 * Where a PC BIOS leaves the RSDP (ACPI 6.5, 5.2.5.1): in the first KiB
 * of the Extended BIOS Data Area, whose real-mode segment is the 16-bit
 * word at 0x40e of the BIOS data area, or on a 16-byte boundary in the
 * BIOS read-only area 0xe0000-0xfffff. Firecracker keeps this habit and
 * passes rsdp_paddr 0.
 */
#define BDA_EBDA_SEGMENT   0x40eu
#define EBDA_SCAN_BYTES    0x400u
#define BIOS_AREA_START    0xe0000u
#define BIOS_AREA_END      0x100000u
#define RSDP_ALIGN         16u
/* An EBDA lives in conventional memory, above the real-mode interrupt
 * table (0-0x3ff) and below the 640 KiB line. Anything in between is
 * taken, as Linux and ACPICA take it: a segment of 0x40 or less is no
 * EBDA, and one that starts less than a KiB below 640 KiB is scanned
 * only up to that line. The part of it in page 0 is not: pvhboot leaves
 * page 0 unmapped once it has booted (NULL must fault), so neither its
 * poweroff nor the unikernel could read an RSDP there (a loader's RSDP
 * in page 0 is refused for the same reason). */
#define EBDA_ABOVE         0x400u
#define EBDA_END_LIMIT     0xa0000u
#define PAGE0_END          0x1000u

/* A whole RSDP at r (bytes available from r on: left): signature, the
 * checksum of the first 20 bytes and, from revision 2 on, the extended
 * checksum of all 36 (what ACPI defines as the length of revision 2). */
static bool rsdp_at(const uint8_t *r, uint32_t left)
{
    if (left < RSDP_V1_SIZE || memcmp(r, "RSD PTR ", 8) || pvh_acpi_checksum(r, RSDP_V1_SIZE))
        return false;
    if (r[RSDP_REVISION] < 2)
        return true;
    return left >= RSDP_V2_SIZE && !pvh_acpi_checksum(r, RSDP_V2_SIZE);
}

/* The first RSDP in [base, base + len) on a 16-byte boundary, or 0. */
static uint64_t scan_window(const struct pvh_phys *phys, uint64_t base, uint32_t len)
{
    const uint8_t *w = phys->map(phys, base, len);
    uint32_t off;

    if (!w)
        return 0;
    for (off = 0; off + RSDP_V1_SIZE <= len; off += RSDP_ALIGN)
        if (rsdp_at(w + off, len - off))
            return base + off;
    return 0;
}

uint64_t pvh_acpi_scan_rsdp(const struct pvh_phys *phys, enum pvh_rsdp_source *where)
{
    const uint8_t *bda = phys->map(phys, BDA_EBDA_SEGMENT, 2);
    uint64_t found;

    *where = PVH_RSDP_NONE;
    if (bda) {
        uint32_t ebda = (uint32_t)pvh_le16(bda) << 4;

        if (ebda > EBDA_ABOVE && ebda < EBDA_END_LIMIT) {
            uint32_t end = ebda + EBDA_SCAN_BYTES, from = ebda < PAGE0_END ? PAGE0_END : ebda;

            if (end > EBDA_END_LIMIT)
                end = EBDA_END_LIMIT;
            found = from < end ? scan_window(phys, from, end - from) : 0;
            if (found) {
                *where = PVH_RSDP_EBDA;
                return found;
            }
        }
    }
    found = scan_window(phys, BIOS_AREA_START, BIOS_AREA_END - BIOS_AREA_START);
    if (found)
        *where = PVH_RSDP_BIOS_AREA;
    return found;
}
