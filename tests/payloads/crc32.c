/* CRC-32 for the 32-bit test kernels (crc32.h): bitwise, no table. */
#include "crc32.h"

uint32_t crc32_at(uint32_t pa, uint32_t len)
{
    const volatile uint8_t *p = (const volatile uint8_t *)pa;
    uint32_t crc = ~0u;

    while (len--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
    return ~crc;
}
