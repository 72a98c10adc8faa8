/*
 * FAT volumes: the BIOS parameter block, the allocation table, and file
 * contents. Directories are in fat_dir.c.
 */
#include "firmware/disk/fat.h"

#include "firmware/disk/disk_bytes.h"
#include "common/lib/string.h"

/* BPB fields (offsets in the volume's first sector). */
#define BPB_BYTS_PER_SEC 11
#define BPB_SEC_PER_CLUS 13
#define BPB_RSVD_SEC_CNT 14
#define BPB_NUM_FATS 16
#define BPB_ROOT_ENT_CNT 17
#define BPB_TOT_SEC16 19
#define BPB_FAT_SZ16 22
#define BPB_TOT_SEC32 32
#define BPB_FAT_SZ32 36
#define BPB_ROOT_CLUS 44
#define BOOT_SIGNATURE_OFF 510

/* Cluster counts that decide the type (the specification's numbers). */
#define FAT12_CLUSTERS_BELOW 4085u
#define FAT16_CLUSTERS_BELOW 65525u
/* FAT32 entries are 28 bits; 0x0ffffff7 is the bad-cluster mark. */
#define FAT32_CLUSTERS_MAX 0x0ffffff5u
#define DIR_ENTRY_SIZE 32

static bool is_pow2(uint32_t v)
{
    return v && !(v & (v - 1));
}

/* The type by cluster count, and whether the BPB's fields agree with it. */
static int check_type(struct pvh_fat *fs, uint32_t root_entries, uint32_t fat_sz16,
                      struct pvh_error *err)
{
    fs->type = fs->clusters < FAT12_CLUSTERS_BELOW ? 12
               : fs->clusters < FAT16_CLUSTERS_BELOW ? 16 : 32;
    /* FAT32 has no fixed root directory and only a 32-bit FAT size;
     * FAT12 and FAT16 have a root directory. */
    if (fs->type == 32 ? root_entries || fat_sz16 : !root_entries)
        return pvh_fail(err, PVH_EINVAL, "FAT: %u clusters make FAT%u, but the BPB has %u root "
                        "entries and a 16-bit FAT size %u", fs->clusters, fs->type,
                        root_entries, fat_sz16);
    if (fs->clusters > FAT32_CLUSTERS_MAX)
        return pvh_fail(err, PVH_E2BIG, "FAT: %u clusters", fs->clusters);
    return PVH_OK;
}

/* The FAT holds an entry for every cluster? */
static int check_fat_size(const struct pvh_fat *fs, uint32_t fat_sz, struct pvh_error *err)
{
    uint64_t entries = (uint64_t)fs->clusters + 2;
    uint64_t need = fs->type == 12 ? (entries * 3 + 1) / 2 : entries * (fs->type / 8);

    if ((uint64_t)fat_sz * PVH_SECTOR_SIZE < need)
        return pvh_fail(err, PVH_ERANGE, "FAT: a FAT of %u sectors for %u clusters of FAT%u",
                        fat_sz, fs->clusters, fs->type);
    return PVH_OK;
}

int pvh_fat_mount(struct pvh_fat *fs, const struct pvh_block_dev *dev, uint64_t lba,
                  uint64_t sectors, struct pvh_error *err)
{
    const uint8_t *b = fs->buf;
    uint32_t bps, reserved, nfats, root_entries, total, fat_sz, fat_sz16;
    uint64_t meta;
    int rc;

    memset(fs, 0, sizeof(*fs));
    fs->dev = dev;
    fs->lba = lba;
    fs->fat_cached = UINT64_MAX;
    /* An empty partition: nothing read, and the zeroed buffer is no boot sector. */
    if (pvh_fat_read_sectors(fs, lba, sectors ? 1 : 0, fs->buf, err))
        return PVH_EINVAL;
    if (pvh_le16(b + BOOT_SIGNATURE_OFF) != 0xaa55 || (b[0] != 0xeb && b[0] != 0xe9))
        return pvh_fail(err, PVH_EINVAL, "FAT: no boot sector at LBA %llu: jump 0x%02x, "
                        "signature 0x%04x", (unsigned long long)lba, b[0],
                        pvh_le16(b + BOOT_SIGNATURE_OFF));
    bps = pvh_le16(b + BPB_BYTS_PER_SEC);
    fs->spc = b[BPB_SEC_PER_CLUS];
    if (bps != PVH_SECTOR_SIZE || !is_pow2(fs->spc))
        return pvh_fail(err, PVH_EINVAL, "FAT: %u bytes per sector (only 512 is read), %u "
                        "sectors per cluster", bps, fs->spc);
    fs->cluster_bytes = fs->spc * PVH_SECTOR_SIZE;
    reserved = pvh_le16(b + BPB_RSVD_SEC_CNT);
    nfats = b[BPB_NUM_FATS];
    root_entries = pvh_le16(b + BPB_ROOT_ENT_CNT);
    total = pvh_le16(b + BPB_TOT_SEC16) ? pvh_le16(b + BPB_TOT_SEC16) : pvh_disk_le32(b + BPB_TOT_SEC32);
    fat_sz16 = pvh_le16(b + BPB_FAT_SZ16);
    fat_sz = fat_sz16 ? fat_sz16 : pvh_disk_le32(b + BPB_FAT_SZ32);
    if (!reserved || !nfats || !fat_sz || !total || total > sectors)
        return pvh_fail(err, PVH_ERANGE, "FAT: %u reserved sectors, %u FATs of %u sectors, %u "
                        "sectors in a partition of %llu", reserved, nfats, fat_sz, total,
                        (unsigned long long)sectors);
    fs->fat_lba = reserved;
    fs->root_lba = reserved + nfats * fat_sz; /* 8 + 32 bits: checked below */
    fs->root_sectors = (root_entries * DIR_ENTRY_SIZE + PVH_SECTOR_SIZE - 1) / PVH_SECTOR_SIZE;
    meta = reserved + (uint64_t)nfats * fat_sz + fs->root_sectors;
    if (meta + fs->spc > total)
        return pvh_fail(err, PVH_ERANGE, "FAT: no data cluster: %llu sectors before the data "
                        "area, clusters of %u, of %u", (unsigned long long)meta, fs->spc, total);
    fs->data_lba = (uint32_t)meta;
    fs->clusters = (total - fs->data_lba) / fs->spc;
    rc = check_type(fs, root_entries, fat_sz16, err);
    if (rc == PVH_OK)
        rc = check_fat_size(fs, fat_sz, err);
    if (rc == PVH_OK && fs->type == 32) {
        fs->root_cluster = pvh_disk_le32(b + BPB_ROOT_CLUS);
        if (!pvh_fat_cluster_ok(fs, fs->root_cluster))
            rc = pvh_fail(err, PVH_ERANGE, "FAT32: root cluster %u (2..%u)", fs->root_cluster,
                          fs->clusters + 1);
    }
    return rc;
}

int pvh_fat_read_sectors(struct pvh_fat *fs, uint64_t lba, uint32_t count, void *buf,
                         struct pvh_error *err)
{
    if (count && fs->dev->read(fs->dev, lba, count, buf))
        return pvh_fail(err, PVH_EINVAL, "FAT: cannot read %u sectors at LBA %llu", count,
                        (unsigned long long)lba);
    return PVH_OK;
}

bool pvh_fat_cluster_ok(const struct pvh_fat *fs, uint32_t c)
{
    return c >= 2 && c - 2 < fs->clusters;
}

int pvh_fat_first_cluster(const struct pvh_fat *fs, const struct pvh_fat_node *node,
                          struct pvh_error *err)
{
    if (!pvh_fat_cluster_ok(fs, node->cluster))
        return pvh_fail(err, PVH_ERANGE, "FAT: '%s': first cluster 0x%x (2..%u)", node->name,
                        node->cluster, fs->clusters + 1);
    return PVH_OK;
}

uint64_t pvh_fat_cluster_lba(const struct pvh_fat *fs, uint32_t c)
{
    return fs->lba + fs->data_lba + (uint64_t)(c - 2) * fs->spc;
}

/* Byte off of the first FAT, through the one-sector cache (off is inside
 * the FAT: check_fat_size and the cluster checks see to it). */
static int fat_byte(struct pvh_fat *fs, uint64_t off, uint8_t *out, struct pvh_error *err)
{
    uint64_t lba = fs->lba + fs->fat_lba + off / PVH_SECTOR_SIZE;

    if (fs->fat_cached != lba) {
        fs->fat_cached = UINT64_MAX;
        if (pvh_fat_read_sectors(fs, lba, 1, fs->fat_buf, err))
            return PVH_EINVAL;
        fs->fat_cached = lba;
    }
    *out = fs->fat_buf[off % PVH_SECTOR_SIZE];
    return PVH_OK;
}

static int fat_entry(struct pvh_fat *fs, uint32_t c, uint32_t *value, struct pvh_error *err)
{
    uint64_t off = fs->type == 12 ? c + c / 2 : (uint64_t)c * (fs->type / 8);
    uint8_t b[4] = { 0, 0, 0, 0 };
    unsigned i, n = fs->type == 32 ? 4 : 2;
    int rc = PVH_OK;

    for (i = 0; i < n && rc == PVH_OK; i++)
        rc = fat_byte(fs, off + i, &b[i], err);
    if (rc)
        return rc;
    *value = pvh_disk_le32(b);
    if (fs->type == 12)
        *value = (c & 1 ? *value >> 4 : *value) & 0xfff;
    else if (fs->type == 32)
        *value &= 0x0fffffff;
    return PVH_OK;
}

int pvh_fat_next(struct pvh_fat *fs, uint32_t c, const char *what, uint32_t *next,
                 struct pvh_error *err)
{
    uint32_t eoc = fs->type == 12 ? 0xff8 : fs->type == 16 ? 0xfff8 : 0x0ffffff8;
    int rc = fat_entry(fs, c, next, err);

    if (rc)
        return rc;
    if (*next >= eoc)
        return 0;
    if (!pvh_fat_cluster_ok(fs, *next))
        return pvh_fail(err, PVH_ERANGE, "FAT: '%s': cluster %u links to cluster 0x%x "
                        "(2..%u)", what, c, *next, fs->clusters + 1);
    return 1;
}

/* Whole sectors read straight into the caller's buffer, merged while
 * they are contiguous on the disk and in the buffer: one request for a
 * run of contiguous clusters. */
struct run {
    uint64_t lba;
    uint8_t *dst;
    uint32_t count;
};

static int flush(struct pvh_fat *fs, struct run *r, struct pvh_error *err)
{
    int rc = pvh_fat_read_sectors(fs, r->lba, r->count, r->dst, err);

    r->count = 0;
    return rc;
}

/* Bytes [off, off + len) of file, and its whole chain checked: exactly as
 * long as its size needs. A loop never reaches an end mark, so it is
 * found wherever it is; without this, one past the range would go
 * unseen, and one inside it would read the loop's clusters again. The
 * chain checked last (its first cluster and the size it was checked
 * against) is remembered: a UKI is read several times, and a later read
 * walks that chain only as far as its range, each step checked again. */
int pvh_fat_read_at(struct pvh_fat *fs, const struct pvh_fat_node *file, uint64_t off,
                    void *out, uint64_t len, struct pvh_error *err)
{
    uint8_t *buf = out;
    uint64_t need = ((uint64_t)file->size + fs->cluster_bytes - 1) / fs->cluster_bytes;
    uint64_t k, pos, lo, hi, lba, end = off + len;
    bool known = file->cluster == fs->checked_cluster && file->size == fs->checked_size;
    struct run r = { 0, NULL, 0 };
    uint32_t c = file->cluster, next, i;
    int rc;

    if (off > file->size || len > file->size - off)
        return pvh_fail(err, PVH_ERANGE, "FAT: '%s': bytes %llu+%llu of a file of %u",
                        file->name, (unsigned long long)off, (unsigned long long)len,
                        file->size);
    if (!need)
        return PVH_OK;
    rc = pvh_fat_first_cluster(fs, file, err);
    if (rc)
        return rc;
    for (k = 0;; k++) {
        for (i = 0; i < fs->spc; i++) {
            pos = (k * fs->spc + i) * PVH_SECTOR_SIZE;
            if (pos + PVH_SECTOR_SIZE <= off || pos >= end)
                continue;
            lba = pvh_fat_cluster_lba(fs, c) + i;
            if (pos >= off && pos + PVH_SECTOR_SIZE <= end) {
                if (!r.count || lba != r.lba + r.count ||
                    buf + (pos - off) != r.dst + (uint64_t)r.count * PVH_SECTOR_SIZE) {
                    rc = flush(fs, &r, err);
                    if (rc)
                        return rc;
                    r.lba = lba;
                    r.dst = buf + (pos - off);
                }
                r.count++;
                continue;
            }
            /* A piece of a sector: through the volume's buffer. */
            rc = flush(fs, &r, err);
            if (rc == PVH_OK)
                rc = pvh_fat_read_sectors(fs, lba, 1, fs->buf, err);
            if (rc)
                return rc;
            lo = pos > off ? pos : off;
            hi = pos + PVH_SECTOR_SIZE < end ? pos + PVH_SECTOR_SIZE : end;
            memcpy(buf + (lo - off), fs->buf + (lo - pos), (size_t)(hi - lo));
        }
        if (k + 1 == need || (known && (k + 1) * fs->cluster_bytes >= end))
            break;
        rc = pvh_fat_next(fs, c, file->name, &c, err);
        if (rc <= 0)
            return rc ? rc : pvh_fail(err, PVH_EINVAL, "FAT: '%s': chain ends after %llu "
                                      "clusters, its size %u needs %llu", file->name,
                                      (unsigned long long)k + 1, file->size,
                                      (unsigned long long)need);
    }
    if (!known) {
        rc = pvh_fat_next(fs, c, file->name, &next, err);
        if (rc)
            return rc < 0 ? rc : pvh_fail(err, PVH_EINVAL, "FAT: '%s': chain goes on past its "
                                          "size %u (cluster %u links to %u)", file->name,
                                          file->size, c, next);
    }
    rc = flush(fs, &r, err);
    if (rc == PVH_OK) {
        fs->checked_cluster = file->cluster;
        fs->checked_size = file->size;
    }
    return rc;
}

int pvh_fat_read_file(struct pvh_fat *fs, const struct pvh_fat_node *file, void *buf,
                      uint64_t cap, uint64_t *len, struct pvh_error *err)
{
    *len = 0;
    if (file->is_dir)
        return pvh_fail(err, PVH_EINVAL, "FAT: '%s' is a directory", file->name);
    if (file->size > cap)
        return pvh_fail(err, PVH_E2BIG, "FAT: '%s' is %u bytes, the buffer holds %llu",
                        file->name, file->size, (unsigned long long)cap);
    *len = file->size;
    return pvh_fat_read_at(fs, file, 0, buf, file->size, err);
}
