/*
 * CRC-32 for the 32-bit test kernels (bootdump, the hostile loader): the
 * checksum the tests compare with the host's zlib.crc32 and with what
 * pvhboot prints. Their own, not pvhboot's common/lib/crc32.c, so that a bug
 * there cannot hide behind the same bug here.
 */
#ifndef TESTS_PAYLOADS_CRC32_H
#define TESTS_PAYLOADS_CRC32_H

#include <stdint.h>

/* CRC-32 (IEEE 802.3) of len bytes at physical address pa (identity
 * mapped, or paging off), read through volatile accesses. */
uint32_t crc32_at(uint32_t pa, uint32_t len);

#endif
