/* The readers' out-of-line loads (disk_bytes.h): arm64 only. */
#include "firmware/disk/disk_bytes.h"

#if defined(__aarch64__)
uint32_t pvh_disk_le32(const uint8_t *p)
{
    return pvh_le32(p);
}

uint64_t pvh_disk_le64(const uint8_t *p)
{
    return pvh_le64(p);
}
#endif
