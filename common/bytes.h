/* Little-endian loads from byte pointers: no alignment assumed. */
#ifndef PVH_COMMON_BYTES_H
#define PVH_COMMON_BYTES_H

#include <stdint.h>

static inline uint16_t pvh_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t pvh_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t pvh_le64(const uint8_t *p)
{
    return (uint64_t)pvh_le32(p) | (uint64_t)pvh_le32(p + 4) << 32;
}

#endif
