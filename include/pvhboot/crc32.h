/* CRC-32 as IEEE 802.3, zlib and PNG compute it. */
#ifndef PVHBOOT_CRC32_H
#define PVHBOOT_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC: start with crc = 0, feed the data in any number of pieces. */
uint32_t pvh_crc32(uint32_t crc, const void *data, size_t len);

#endif
