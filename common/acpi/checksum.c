/* The ACPI checksum, shared by the table reader and the RSDP scan. */
#include "common/acpi/acpi.h"

#include "common/lib/bytes.h"

/* The sum of len bytes, modulo 256 (0 for a valid table). Eight bytes a
 * step: the even and the odd bytes of a 64-bit word added into four
 * 16-bit lanes, which hold 128 steps (2 * 255 each) before they could
 * carry into each other; then the lanes are added up, modulo 256. */
#define CHECKSUM_STEPS 128u

uint8_t pvh_acpi_checksum(const uint8_t *p, uint32_t len)
{
    const uint64_t bytes = 0x00ff00ff00ff00ffull;
    uint32_t sum = 0;

    while (len >= 8) {
        uint64_t lanes = 0;

        for (uint32_t steps = 0; len >= 8 && steps < CHECKSUM_STEPS; steps++, len -= 8, p += 8) {
            uint64_t w = pvh_le64(p);

            lanes += (w & bytes) + ((w >> 8) & bytes);
        }
        /* Each lane modulo 256, then the four added in the top lane of
         * a product (at most 4 * 255: no carry reaches it from below). */
        sum += (uint32_t)(((lanes & bytes) * 0x0001000100010001ull) >> 48);
    }
    while (len--)
        sum += *p++;
    return (uint8_t)sum;
}
