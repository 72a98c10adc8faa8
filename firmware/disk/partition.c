/*
 * Which partition table a disk has: sector 0 is an MBR either way; one
 * entry of type 0xee (the protective MBR) says the real table is a GPT.
 */
#include "firmware/disk/partition.h"

#include "firmware/disk/disk_bytes.h"
#include "common/lib/string.h"

#define MBR_SIGNATURE_OFF 510
#define MBR_ENTRIES_OFF 446
#define MBR_ENTRY_SIZE 16
#define MBR_TYPE_GPT_PROTECTIVE 0xee

static bool has_protective_entry(const uint8_t *mbr)
{
    unsigned i;

    for (i = 0; i < 4; i++)
        if (mbr[MBR_ENTRIES_OFF + i * MBR_ENTRY_SIZE + 4] == MBR_TYPE_GPT_PROTECTIVE)
            return true;
    return false;
}

int pvh_partitions_read(const struct pvh_block_dev *dev, uint8_t *sector,
                        struct pvh_part_table *out, struct pvh_error *err)
{
    memset(out, 0, sizeof(*out));
    if (dev->sectors < 1)
        return pvh_fail(err, PVH_ENOENT, "disk %s: empty", dev->name);
    if (dev->read(dev, 0, 1, sector))
        return pvh_fail(err, PVH_EINVAL, "disk %s: cannot read LBA 0", dev->name);
    if (pvh_le16(sector + MBR_SIGNATURE_OFF) != 0xaa55)
        return pvh_fail(err, PVH_ENOENT, "disk %s: no partition table: signature 0x%04x",
                        dev->name, pvh_le16(sector + MBR_SIGNATURE_OFF));
    if (has_protective_entry(sector))
        return pvh_gpt_read(dev, sector, out, err);
    return pvh_mbr_read(dev, sector, out, err);
}
