/*
 * FAT directories: the walk over a directory's sectors (the fixed root
 * of FAT12/16, or a cluster chain bounded by the specification's 65,536
 * entries), long file names, listing and path lookup.
 */
#include "firmware/disk/fat.h"

#include "firmware/disk/disk_bytes.h"
#include "firmware/disk/version.h"
#include "common/lib/string.h"

#define DIR_ENTRY_SIZE 32
#define ENTRIES_PER_SECTOR (PVH_SECTOR_SIZE / DIR_ENTRY_SIZE)
#define D_NAME 0
#define D_ATTR 11
#define D_NTRES 12
#define D_FST_CLUS_HI 20
#define D_FST_CLUS_LO 26
#define D_FILE_SIZE 28
#define ATTR_VOLUME_ID 0x08
#define ATTR_DIRECTORY 0x10
#define ATTR_LONG_NAME 0x0f
#define ATTR_LONG_NAME_MASK 0x3f
#define NTRES_LOWER_BASE 0x08
#define NTRES_LOWER_EXT 0x10
#define ENTRY_END 0x00
#define ENTRY_FREE 0xe5
#define LFN_LAST 0x40
#define LFN_ORD_MASK 0x1f
#define LFN_CHECKSUM 13
#define LFN_UNITS 13
#define LFN_PARTS_MAX 20 /* 20 * 13 >= 255 */

/* Where a directory walk is: the sectors of the fixed root, or a chain. */
struct dir_pos {
    uint32_t cluster;
    uint32_t in_cluster;  /* sectors of the current cluster done */
    uint32_t done;        /* sectors done */
    uint32_t limit;       /* sectors at most */
    bool fixed_root;
};

/* A long name being gathered, piece by piece, last piece first. */
struct lfn {
    uint16_t units[LFN_PARTS_MAX * LFN_UNITS];
    unsigned parts;       /* pieces the first (last-numbered) entry announced; 0: none */
    unsigned expect;      /* the ordinal the next piece must have */
    uint8_t checksum;
};

/* The next sector's LBA: 1, or 0 at the directory's end, or an error. */
static int next_sector(struct pvh_fat *fs, struct dir_pos *p, const char *what, uint64_t *lba,
                       struct pvh_error *err)
{
    int more;

    if (p->done == p->limit)
        return p->fixed_root ? 0 : pvh_fail(err, PVH_E2BIG, "FAT: directory '%s' longer than "
                                            "%u entries (a loop?)", what,
                                            PVH_FAT_DIR_ENTRIES_MAX);
    if (p->fixed_root) {
        *lba = fs->lba + fs->root_lba + p->done++;
        return 1;
    }
    if (p->in_cluster == fs->spc) {
        more = pvh_fat_next(fs, p->cluster, what, &p->cluster, err);
        if (more <= 0)
            return more;
        p->in_cluster = 0;
    }
    *lba = pvh_fat_cluster_lba(fs, p->cluster) + p->in_cluster++;
    p->done++;
    return 1;
}

static uint8_t short_checksum(const uint8_t *name)
{
    uint8_t sum = 0;
    unsigned i;

    for (i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + name[i]);
    return sum;
}

/* Take one long-name entry; a piece out of order drops the name. */
static void lfn_add(struct lfn *l, const uint8_t *e)
{
    static const uint8_t unit_off[LFN_UNITS] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
    unsigned ord = e[0] & LFN_ORD_MASK, i;

    if (e[0] & LFN_LAST) {
        l->parts = ord >= 1 && ord <= LFN_PARTS_MAX ? ord : 0;
        l->checksum = e[LFN_CHECKSUM];
        l->expect = ord;
    }
    if (!l->parts || ord != l->expect || !ord || e[LFN_CHECKSUM] != l->checksum) {
        l->parts = 0;
        return;
    }
    for (i = 0; i < LFN_UNITS; i++)
        l->units[(ord - 1) * LFN_UNITS + i] = pvh_le16(e + unit_off[i]);
    l->expect = ord - 1;
}

/* cp as UTF-8: a lead byte with the top bits, then 6 bits a byte. */
static void put_utf8(char *out, size_t *n, uint32_t cp)
{
    unsigned more = cp < 0x80 ? 0 : cp < 0x800 ? 1 : cp < 0x10000 ? 2 : 3;

    out[(*n)++] = (char)((more ? (0xff00u >> (more + 1)) & 0xff : 0) | cp >> (6 * more));
    while (more--)
        out[(*n)++] = (char)(0x80 | ((cp >> (6 * more)) & 0x3f));
}

/* The gathered long name as UTF-8 (a lone surrogate or a control
 * character becomes '?'); false
 * when it is empty or longer than 255 units. */
static bool lfn_name(const struct lfn *l, char *out)
{
    unsigned i, total = l->parts * LFN_UNITS;
    size_t n = 0;
    uint32_t u, lo;

    for (i = 0; i < total && l->units[i]; i++) {
        if (i == 255)
            return false;
        u = l->units[i];
        lo = i + 1 < total ? l->units[i + 1] : 0;
        if (u >= 0xd800 && u < 0xdc00 && lo >= 0xdc00 && lo < 0xe000) {
            u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
            i++;
        } else if ((u >= 0xd800 && u < 0xe000) || u < 0x20 || u == 0x7f) {
            /* Control characters too: a name is printed on one console line. */
            u = '?';
        }
        put_utf8(out, &n, u);
    }
    out[n] = '\0';
    return n > 0;
}

/* The end of [from, to) of a short name, its padding spaces left out. */
static unsigned trimmed(const uint8_t *e, unsigned from, unsigned to)
{
    while (to > from && e[to - 1] == ' ')
        to--;
    return to;
}

/* "NAME.EXT" from the 11 stored bytes, lower case where NTRes says so;
 * bytes of the OEM code page (0x80 and above) become '?', and so does a
 * first byte of 0x05 (which stands for 0xe5). */
static void short_name(const uint8_t *e, char *out)
{
    unsigned i, n = 0, base = trimmed(e, 0, 8), ext = trimmed(e, 8, 11);
    uint8_t c;

    for (i = 0; i < ext; i++) {
        if (i >= base && i < 8)
            continue;
        if (i == 8)
            out[n++] = '.';
        c = e[i];
        if (e[D_NTRES] & (i < 8 ? NTRES_LOWER_BASE : NTRES_LOWER_EXT) && c >= 'A' && c <= 'Z')
            c = (uint8_t)(c + 'a' - 'A');
        out[n++] = (char)(c >= 0x80 || c < 0x20 ? '?' : c);
    }
    out[n] = '\0';
}

/* A short entry as a node, with the long name gathered before it. */
static void make_node(const struct pvh_fat *fs, const uint8_t *e, struct lfn *l,
                      struct pvh_fat_node *out)
{
    short_name(e, out->short_name);
    if (!(l->parts && l->expect == 0 && l->checksum == short_checksum(e) &&
          lfn_name(l, out->name)))
        memcpy(out->name, out->short_name, sizeof(out->short_name));
    l->parts = 0;
    out->is_dir = (e[D_ATTR] & ATTR_DIRECTORY) != 0;
    out->is_root = false;
    out->cluster = pvh_le16(e + D_FST_CLUS_LO);
    if (fs->type == 32)
        out->cluster |= (uint32_t)pvh_le16(e + D_FST_CLUS_HI) << 16;
    out->size = out->is_dir ? 0 : pvh_disk_le32(e + D_FILE_SIZE);
}

/* "." or "..", padded with spaces. */
static bool is_dot(const uint8_t *e)
{
    unsigned i = e[1] == '.' ? 2 : 1;

    while (i < 11 && e[i] == ' ')
        i++;
    return e[0] == '.' && i == 11;
}

static int start_walk(const struct pvh_fat *fs, const struct pvh_fat_node *dir,
                      struct dir_pos *p, struct pvh_error *err)
{
    memset(p, 0, sizeof(*p));
    if (!dir->is_dir)
        return pvh_fail(err, PVH_EINVAL, "FAT: '%s' is not a directory", dir->name);
    if (dir->is_root && fs->type != 32) {
        p->fixed_root = true;
        p->limit = fs->root_sectors;
        return PVH_OK;
    }
    p->cluster = dir->cluster;
    p->limit = PVH_FAT_DIR_ENTRIES_MAX / ENTRIES_PER_SECTOR;
    return pvh_fat_first_cluster(fs, dir, err);
}

int pvh_fat_list(struct pvh_fat *fs, const struct pvh_fat_node *dir, pvh_fat_list_fn fn,
                 void *ctx, struct pvh_error *err)
{
    struct pvh_fat_node node;
    struct dir_pos pos;
    struct lfn lfn;
    uint64_t lba = 0;
    const uint8_t *e;
    unsigned i;
    int rc = start_walk(fs, dir, &pos, err), more;

    memset(&lfn, 0, sizeof(lfn));
    while (rc == PVH_OK) {
        more = next_sector(fs, &pos, dir->name, &lba, err);
        if (more <= 0)
            return more;
        if (pvh_fat_read_sectors(fs, lba, 1, fs->buf, err))
            return PVH_EINVAL;
        for (i = 0; i < ENTRIES_PER_SECTOR && rc == PVH_OK; i++) {
            e = fs->buf + (size_t)i * DIR_ENTRY_SIZE;
            if (e[D_NAME] == ENTRY_END)
                return PVH_OK;
            if (e[D_NAME] != ENTRY_FREE &&
                (e[D_ATTR] & ATTR_LONG_NAME_MASK) == ATTR_LONG_NAME) {
                lfn_add(&lfn, e);
            } else if (e[D_NAME] == ENTRY_FREE || e[D_ATTR] & ATTR_VOLUME_ID || is_dot(e) ||
                       e[D_NAME] == ' ') {
                /* Deleted entries, labels, dots, and names the specification
                 * forbids (a first byte of 0x20: an empty name) are not files. */
                lfn.parts = 0;
            } else {
                make_node(fs, e, &lfn, &node);
                /* fn may read through the volume: the sector is read again. */
                rc = fn(ctx, &node);
                if (rc == PVH_OK)
                    rc = pvh_fat_read_sectors(fs, lba, 1, fs->buf, err);
            }
        }
    }
    return rc;
}

void pvh_fat_root(const struct pvh_fat *fs, struct pvh_fat_node *out)
{
    memset(out, 0, sizeof(*out));
    out->is_dir = true;
    out->is_root = true;
    out->cluster = fs->type == 32 ? fs->root_cluster : 0;
    memcpy(out->name, "/", 2);
}

struct find {
    const char *name;
    size_t len;
    struct pvh_fat_node *out;
};

#define FOUND 1

static int find_one(void *ctx, const struct pvh_fat_node *entry)
{
    struct find *f = ctx;

    if (!pvh_same_name(entry->name, f->name, f->len) &&
        !pvh_same_name(entry->short_name, f->name, f->len))
        return PVH_OK;
    *f->out = *entry;
    return FOUND;
}

int pvh_fat_lookup(struct pvh_fat *fs, const char *path, struct pvh_fat_node *out,
                   struct pvh_error *err)
{
    struct pvh_fat_node dir;
    struct find f;
    const char *p = path;
    int rc;

    pvh_fat_root(fs, out);
    for (;;) {
        while (*p == '/')
            p++;
        if (!*p)
            return PVH_OK;
        f.name = p;
        for (f.len = 0; p[f.len] && p[f.len] != '/'; f.len++)
            ;
        if (f.len >= PVH_FAT_NAME_MAX)
            return pvh_fail(err, PVH_EINVAL, "FAT: a name of %zu bytes in '%.64s'", f.len,
                            path);
        dir = *out;
        f.out = out;
        rc = pvh_fat_list(fs, &dir, find_one, &f, err);
        if (rc == PVH_OK)
            return pvh_fail(err, PVH_ENOENT, "FAT: no '%s'", path);
        if (rc != FOUND)
            return rc;
        p += f.len;
    }
}
