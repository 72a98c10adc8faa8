/*
 * Little-endian 32- and 64-bit loads for pvhboot-disk's readers. arm64
 * is built with -mstrict-align (docs/arm64.md), so common/lib/bytes.h's
 * inline loads are byte loads put together there: 7 instructions for 32
 * bits, 15 for 64. The readers make dozens of them (BPBs, GPT headers
 * and entries, PE headers): on arm64 they are calls to one copy
 * (disk_bytes.c). On x86 a load is one instruction and stays inline.
 */
#ifndef PVHBOOT_FIRMWARE_DISK_DISK_BYTES_H
#define PVHBOOT_FIRMWARE_DISK_DISK_BYTES_H

#include <stdint.h>

#include "common/lib/bytes.h"

#if defined(__aarch64__)
uint32_t pvh_disk_le32(const uint8_t *p);
uint64_t pvh_disk_le64(const uint8_t *p);
#else
static inline uint32_t pvh_disk_le32(const uint8_t *p)
{
    return pvh_le32(p);
}

static inline uint64_t pvh_disk_le64(const uint8_t *p)
{
    return pvh_le64(p);
}
#endif

#endif
