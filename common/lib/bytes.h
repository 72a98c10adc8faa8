/*
 * Little-endian loads and stores through byte pointers, with no
 * alignment assumed.
 * Both architectures pvhboot runs on are little endian, so a load
 * through a type declared aligned(1) is the value itself: one load on
 * x86, byte loads where -mstrict-align says unaligned ones may fault
 * (arm64 with the MMU off). may_alias: the bytes may be of any type.
 */
#ifndef PVH_COMMON_BYTES_H
#define PVH_COMMON_BYTES_H

#include <stdint.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "pvhboot's byte loads assume a little-endian machine"
#endif

typedef uint16_t __attribute__((may_alias, aligned(1))) pvh_unaligned16;
typedef uint32_t __attribute__((may_alias, aligned(1))) pvh_unaligned32;
typedef uint64_t __attribute__((may_alias, aligned(1))) pvh_unaligned64;

static inline uint16_t pvh_le16(const uint8_t *p)
{
    return *(const pvh_unaligned16 *)p;
}

static inline uint32_t pvh_le32(const uint8_t *p)
{
    return *(const pvh_unaligned32 *)p;
}

static inline uint64_t pvh_le64(const uint8_t *p)
{
    return *(const pvh_unaligned64 *)p;
}

static inline void pvh_put_le16(uint8_t *p, uint16_t v)
{
    *(pvh_unaligned16 *)p = v;
}

static inline void pvh_put_le32(uint8_t *p, uint32_t v)
{
    *(pvh_unaligned32 *)p = v;
}

static inline void pvh_put_le64(uint8_t *p, uint64_t v)
{
    *(pvh_unaligned64 *)p = v;
}

#endif
