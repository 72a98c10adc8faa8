/*
 * CRC-32 (IEEE 802.3): reflected polynomial 0xedb88320, initial value
 * and final xor 0xffffffff. A 16-entry table, one nibble at a time:
 * 64 bytes of table instead of 1 KiB, about half the speed of the
 * byte-wise table and four times that of the bit-wise loop.
 */
#include <pvhboot/crc32.h>

static const uint32_t nibble_table[16] = {
    0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
    0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
    0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
    0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

uint32_t pvh_crc32(uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;

    crc = ~crc;
    while (len--) {
        crc ^= *p++;
        crc = (crc >> 4) ^ nibble_table[crc & 0xf];
        crc = (crc >> 4) ^ nibble_table[crc & 0xf];
    }
    return ~crc;
}
