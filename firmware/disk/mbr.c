/*
 * Master Boot Record: four primary entries in sector 0, and for an
 * extended partition (type 0x05, 0x0f or 0x85) a chain of extended boot
 * records, each holding one logical partition (relative to its EBR) and
 * the next EBR (relative to the extended partition's start). The chain
 * is followed for at most PVH_MBR_LOGICAL_MAX links, so a loop ends.
 */
#include "firmware/disk/partition.h"

#include "firmware/disk/disk_bytes.h"
#include "common/lib/string.h"

#define MBR_ENTRIES_OFF 446
#define MBR_ENTRY_SIZE 16
#define MBR_SIGNATURE_OFF 510
#define M_TYPE 4
#define M_FIRST_LBA 8
#define M_SECTORS 12
#define MBR_TYPE_ESP 0xef
#define MBR_TYPE_XBOOTLDR 0xea

static bool is_extended(uint8_t type)
{
    return type == 0x05 || type == 0x0f || type == 0x85;
}

static uint8_t kind_of(uint8_t type)
{
    if (type == MBR_TYPE_ESP)
        return PVH_PART_ESP;
    if (type == MBR_TYPE_XBOOTLDR)
        return PVH_PART_XBOOTLDR;
    return PVH_PART_OTHER;
}

/* Does the partition of entry e, base + its first LBA on, lie on the
 * disk? kind: "" or "extended ". p: the partition (kept only when it does). */
static int on_disk(const struct pvh_block_dev *dev, const uint8_t *e, uint64_t base,
                   uint32_t number, const char *kind, struct pvh_partition *p,
                   struct pvh_error *err)
{
    uint64_t first = base + pvh_disk_le32(e + M_FIRST_LBA), count = pvh_disk_le32(e + M_SECTORS);

    p->first_lba = first;
    p->sectors = count;
    p->number = number;
    p->mbr_type = e[M_TYPE];
    p->kind = kind_of(e[M_TYPE]);
    if (count == 0 || first == 0 || first >= dev->sectors || count > dev->sectors - first)
        return pvh_fail(err, PVH_ERANGE, "MBR %spartition %u: LBA %llu, %llu sectors, on a "
                        "disk of %llu sectors", kind, number, (unsigned long long)first,
                        (unsigned long long)count, (unsigned long long)dev->sectors);
    return PVH_OK;
}

/* Keep the partition of entry e when it lies on the disk. */
static int take(const struct pvh_block_dev *dev, const uint8_t *e, uint64_t base,
                uint32_t number, struct pvh_part_table *out, struct pvh_error *err)
{
    struct pvh_partition p;
    int rc = on_disk(dev, e, base, number, "", &p, err);

    if (rc == PVH_OK)
        pvh_part_keep(out, &p);
    return rc;
}

/* Follow the EBR chain of the extended partition at [ext, ext + ext_sectors). */
static int read_logical(const struct pvh_block_dev *dev, uint8_t *sector, uint64_t ext,
                        uint64_t ext_sectors, struct pvh_part_table *out, struct pvh_error *err)
{
    uint64_t ebr = ext, next;
    uint32_t n;
    int rc;

    for (n = 0; n < PVH_MBR_LOGICAL_MAX; n++) {
        if (dev->read(dev, ebr, 1, sector))
            return pvh_fail(err, PVH_EINVAL, "MBR: cannot read the EBR at LBA %llu",
                            (unsigned long long)ebr);
        if (pvh_le16(sector + MBR_SIGNATURE_OFF) != 0xaa55)
            return pvh_fail(err, PVH_EINVAL, "MBR: EBR at LBA %llu: signature 0x%04x",
                            (unsigned long long)ebr, pvh_le16(sector + MBR_SIGNATURE_OFF));
        if (sector[MBR_ENTRIES_OFF + M_TYPE]) {
            rc = take(dev, sector + MBR_ENTRIES_OFF, ebr, 5 + n, out, err);
            if (rc)
                return rc;
        }
        if (!is_extended(sector[MBR_ENTRIES_OFF + MBR_ENTRY_SIZE + M_TYPE]))
            return PVH_OK;
        next = pvh_disk_le32(sector + MBR_ENTRIES_OFF + MBR_ENTRY_SIZE + M_FIRST_LBA);
        if (next == 0 || next >= ext_sectors)
            return pvh_fail(err, PVH_ERANGE, "MBR: EBR at LBA %llu links to offset %llu, "
                            "outside its extended partition of %llu sectors",
                            (unsigned long long)ebr, (unsigned long long)next,
                            (unsigned long long)ext_sectors);
        ebr = ext + next;
    }
    return pvh_fail(err, PVH_E2BIG, "MBR: more than %u logical partitions (a loop?)",
                    PVH_MBR_LOGICAL_MAX);
}

int pvh_mbr_read(const struct pvh_block_dev *dev, uint8_t *sector, struct pvh_part_table *out,
                 struct pvh_error *err)
{
    uint8_t entries[4 * MBR_ENTRY_SIZE];
    uint32_t i;
    int rc;

    out->scheme = PVH_SCHEME_MBR;
    /* sector is reused for the EBRs: keep the primary entries apart. */
    memcpy(entries, sector + MBR_ENTRIES_OFF, sizeof(entries));
    for (i = 0; i < 4; i++) {
        const uint8_t *e = entries + (size_t)i * MBR_ENTRY_SIZE;

        if (!e[M_TYPE])
            continue;
        if (!is_extended(e[M_TYPE])) {
            rc = take(dev, e, 0, i + 1, out, err);
        } else {
            /* The extended partition holds the others; it is not one to use. */
            struct pvh_partition ext;

            rc = on_disk(dev, e, 0, i + 1, "extended ", &ext, err);
            if (rc)
                return rc;
            rc = read_logical(dev, sector, ext.first_lba, ext.sectors, out, err);
        }
        if (rc)
            return rc;
    }
    return PVH_OK;
}
