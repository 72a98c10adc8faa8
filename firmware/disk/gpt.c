/*
 * GUID Partition Table (UEFI specification, "GUID Partition Table (GPT)
 * Disk Layout"). The primary header is at LBA 1, its backup at the last
 * LBA of the disk. A header is used only when its signature, its CRC32,
 * its own LBA and every range it names check out against the disk's
 * size, and its entry array's CRC32 matches; when the primary fails, the
 * backup is tried, and the primary's fault is kept in out->note.
 *
 * The entry array is read one sector at a time into the caller's buffer:
 * entries are 128 * 2^n bytes, so an entry never straddles a sector
 * unless it is at least a sector long, and then it starts on one.
 */
#include "firmware/disk/partition.h"

#include <pvhboot/console.h>
#include <pvhboot/crc32.h>

#include "firmware/disk/disk_bytes.h"
#include "common/lib/string.h"

/* Header fields (offsets in bytes). */
#define GPT_SIGNATURE 0x5452415020494645ull /* "EFI PART" */
#define H_SIGNATURE 0
#define H_HEADER_SIZE 12
#define H_HEADER_CRC 16
#define H_MY_LBA 24
#define H_FIRST_USABLE 40
#define H_LAST_USABLE 48
#define H_ENTRIES_LBA 72
#define H_NR_ENTRIES 80
#define H_ENTRY_SIZE 84
#define H_ENTRIES_CRC 88
#define GPT_HEADER_MIN 92

/* Entry fields. */
#define E_TYPE 0
#define E_FIRST_LBA 32
#define E_LAST_LBA 40
#define GPT_ENTRY_MIN 128

/* The type GUIDs as they are stored: the first three fields little endian. */
static const uint8_t guid_esp[16] = { 0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
                                      0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b };
static const uint8_t guid_xbootldr[16] = { 0xff, 0xc2, 0x13, 0xbc, 0xe6, 0x59, 0x62, 0x42,
                                           0xa3, 0x52, 0xb2, 0x75, 0xfd, 0x6f, 0x71, 0x72 };
static const uint8_t guid_unused[16];

struct gpt_header {
    uint64_t lba, first_usable, last_usable, entries_lba;
    uint32_t nr_entries, entry_size, entries_crc, array_sectors;
};

static bool is_pow2(uint32_t v)
{
    return v && !(v & (v - 1));
}

/* Read the header at lba into sector, check it and fill h. The caller
 * names the header in front of the message. */
static int check_header(const struct pvh_block_dev *dev, uint8_t *sector, uint64_t lba,
                        struct gpt_header *h, struct pvh_error *err)
{
    uint32_t size, want, crc;
    uint64_t array_bytes;

    if (dev->read(dev, lba, 1, sector))
        return pvh_fail(err, PVH_EINVAL, "cannot read it");
    size = pvh_disk_le32(sector + H_HEADER_SIZE);
    want = pvh_disk_le32(sector + H_HEADER_CRC);
    if (pvh_disk_le64(sector + H_SIGNATURE) != GPT_SIGNATURE)
        return pvh_fail(err, PVH_EINVAL, "signature 0x%016llx",
                        (unsigned long long)pvh_disk_le64(sector + H_SIGNATURE));
    if (size < GPT_HEADER_MIN || size > PVH_SECTOR_SIZE)
        return pvh_fail(err, PVH_EINVAL, "header size %u (92..512)", size);
    memset(sector + H_HEADER_CRC, 0, 4);
    crc = pvh_crc32(0, sector, size);
    if (crc != want)
        return pvh_fail(err, PVH_EINVAL, "header CRC32 0x%08x, computed 0x%08x", want, crc);
    h->lba = pvh_disk_le64(sector + H_MY_LBA);
    h->first_usable = pvh_disk_le64(sector + H_FIRST_USABLE);
    h->last_usable = pvh_disk_le64(sector + H_LAST_USABLE);
    h->entries_lba = pvh_disk_le64(sector + H_ENTRIES_LBA);
    h->nr_entries = pvh_disk_le32(sector + H_NR_ENTRIES);
    h->entry_size = pvh_disk_le32(sector + H_ENTRY_SIZE);
    h->entries_crc = pvh_disk_le32(sector + H_ENTRIES_CRC);
    if (h->lba != lba)
        return pvh_fail(err, PVH_EINVAL, "MyLBA %llu", (unsigned long long)h->lba);
    if (h->first_usable > h->last_usable || h->last_usable >= dev->sectors)
        return pvh_fail(err, PVH_ERANGE, "usable LBAs %llu-%llu on a disk of %llu sectors",
                        (unsigned long long)h->first_usable, (unsigned long long)h->last_usable,
                        (unsigned long long)dev->sectors);
    array_bytes = (uint64_t)h->nr_entries * h->entry_size;
    if (h->entry_size < GPT_ENTRY_MIN || h->entry_size % GPT_ENTRY_MIN ||
        !is_pow2(h->entry_size / GPT_ENTRY_MIN) || array_bytes > PVH_GPT_ARRAY_MAX)
        return pvh_fail(err, PVH_EINVAL, "%u entries of %u bytes (each 128 * 2^n, at most %u "
                        "bytes)", h->nr_entries, h->entry_size, PVH_GPT_ARRAY_MAX);
    h->array_sectors = (uint32_t)((array_bytes + PVH_SECTOR_SIZE - 1) / PVH_SECTOR_SIZE);
    /* The array lies on the disk, outside the usable area and the header. */
    if (h->entries_lba < 1 || h->entries_lba >= dev->sectors ||
        h->array_sectors > dev->sectors - h->entries_lba ||
        (h->entries_lba <= h->last_usable &&
         h->entries_lba + h->array_sectors > h->first_usable) ||
        (h->entries_lba <= lba && h->entries_lba + h->array_sectors > lba))
        return pvh_fail(err, PVH_ERANGE, "entry array at LBA %llu, %u sectors",
                        (unsigned long long)h->entries_lba, h->array_sectors);
    return PVH_OK;
}

static uint8_t entry_kind(const uint8_t *e)
{
    if (!memcmp(e + E_TYPE, guid_esp, 16))
        return PVH_PART_ESP;
    if (!memcmp(e + E_TYPE, guid_xbootldr, 16))
        return PVH_PART_XBOOTLDR;
    return PVH_PART_OTHER;
}

/* One entry in use: check it lies in the usable area and keep it. */
static int take_entry(const struct gpt_header *h, const uint8_t *e, uint32_t index,
                      struct pvh_part_table *out, struct pvh_error *err)
{
    struct pvh_partition p;
    uint64_t first = pvh_disk_le64(e + E_FIRST_LBA), last = pvh_disk_le64(e + E_LAST_LBA);

    if (!memcmp(e + E_TYPE, guid_unused, 16))
        return PVH_OK;
    if (first > last || first < h->first_usable || last > h->last_usable)
        return pvh_fail(err, PVH_ERANGE, "GPT entry %u: LBAs %llu-%llu outside the usable "
                        "%llu-%llu", index + 1, (unsigned long long)first,
                        (unsigned long long)last, (unsigned long long)h->first_usable,
                        (unsigned long long)h->last_usable);
    p.first_lba = first;
    p.sectors = last - first + 1;
    p.number = index + 1;
    p.kind = entry_kind(e);
    p.mbr_type = 0;
    pvh_part_keep(out, &p);
    return PVH_OK;
}

/* Read the entry array, sector by sector: its CRC, and the entries in use. */
static int read_entries(const struct pvh_block_dev *dev, uint8_t *sector,
                        const struct gpt_header *h, struct pvh_part_table *out,
                        struct pvh_error *err)
{
    uint64_t total = (uint64_t)h->nr_entries * h->entry_size;
    uint64_t at = 0; /* bytes of the array behind us */
    uint32_t crc = 0, s, off, n;
    int rc = PVH_OK;

    for (s = 0; s < h->array_sectors; s++) {
        if (dev->read(dev, h->entries_lba + s, 1, sector))
            return pvh_fail(err, PVH_EINVAL, "GPT entry array: cannot read LBA %llu",
                            (unsigned long long)h->entries_lba + s);
        n = total - at < PVH_SECTOR_SIZE ? (uint32_t)(total - at) : PVH_SECTOR_SIZE;
        crc = pvh_crc32(crc, sector, n);
        /* Entries starting in this sector; only their first 128 bytes are read. */
        for (off = 0; off < n && rc == PVH_OK; off += h->entry_size) {
            if ((at + off) % h->entry_size == 0)
                rc = take_entry(h, sector + off, (uint32_t)((at + off) / h->entry_size), out,
                                err);
            if (h->entry_size > PVH_SECTOR_SIZE)
                break;
        }
        at += n;
    }
    if (crc != h->entries_crc)
        return pvh_fail(err, PVH_EINVAL, "GPT entry array at LBA %llu: CRC32 0x%08x, "
                        "computed 0x%08x", (unsigned long long)h->entries_lba, h->entries_crc,
                        crc);
    return rc;
}

static int read_one(const struct pvh_block_dev *dev, uint8_t *sector, uint64_t lba,
                    struct pvh_part_table *out, struct pvh_error *err)
{
    char why[sizeof(err->msg)];
    struct gpt_header h;
    int rc;

    memset(out->part, 0, sizeof(out->part));
    out->nr = out->nr_in_use = 0;
    memset(&h, 0, sizeof(h));
    rc = check_header(dev, sector, lba, &h, err);
    if (rc) {
        memcpy(why, err->msg, sizeof(why));
        return pvh_fail(err, rc, "GPT header at LBA %llu: %s", (unsigned long long)lba, why);
    }
    return read_entries(dev, sector, &h, out, err);
}

int pvh_gpt_read(const struct pvh_block_dev *dev, uint8_t *sector, struct pvh_part_table *out,
                 struct pvh_error *err)
{
    char why[sizeof(err->msg)];
    uint64_t backup;
    int rc;

    out->scheme = PVH_SCHEME_GPT;
    out->note[0] = '\0';
    if (dev->sectors < 3)
        return pvh_fail(err, PVH_ERANGE, "GPT: disk of %llu sectors",
                        (unsigned long long)dev->sectors);
    if (read_one(dev, sector, 1, out, err) == PVH_OK)
        return PVH_OK;
    /* The primary's own AlternateLBA cannot be trusted: the backup is
     * where the specification puts it, on the disk's last LBA. */
    backup = dev->sectors - 1;
    pvh_snprintf(out->note, sizeof(out->note), "primary %s; using the backup at LBA %llu",
                 err->msg, (unsigned long long)backup);
    rc = read_one(dev, sector, backup, out, err);
    if (rc != PVH_OK) {
        out->note[0] = '\0';
        memcpy(why, err->msg, sizeof(why));
        return pvh_fail(err, rc, "no usable GPT: backup %s", why);
    }
    return PVH_OK;
}
