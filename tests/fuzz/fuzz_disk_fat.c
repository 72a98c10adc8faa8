/*
 * Fuzz target: FAT volumes (firmware/disk/fat.c, fat_dir.c).
 *
 * Input: a disk (fuzz_disk.h) holding a FAT volume at LBA 0. Seeds:
 * FAT12, FAT16 and FAT32 volumes made by mkfs.fat and mtools, with a
 * /loader/entries tree (tests/fuzz/disk_seeds.py).
 *
 * Checked: no read past the disk's end is asked for; the volume's numbers
 * fit the disk; every entry of the root and of its subdirectories (two
 * levels) has a terminated name; each file that fits 64 KiB reads back in
 * full, or fails with a message; a lookup of each name listed finds an
 * entry.
 */
#include <string.h>

#include "firmware/disk/fat.h"
#include "tests/fuzz/fuzz_disk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pvh_fat fs;
static uint8_t file_buf[64 * 1024];

struct visit {
    unsigned depth, files;
};

static int visit(void *ctx, const struct pvh_fat_node *e)
{
    struct visit *v = ctx, sub = { v->depth + 1, 0 };
    struct pvh_error err;
    uint64_t len = 0;
    int rc;

    FUZZ_CHECK(fuzz_terminated(e->name, sizeof(e->name)) && e->name[0], "name");
    FUZZ_CHECK(fuzz_terminated(e->short_name, sizeof(e->short_name)), "short name");
    if (++v->files > 64)
        return 1;
    if (e->is_dir) {
        if (v->depth < 2)
            (void)pvh_fat_list(&fs, e, visit, &sub, &err);
        return 0;
    }
    rc = pvh_fat_read_file(&fs, e, file_buf, sizeof(file_buf), &len, &err);
    if (rc == PVH_OK)
        FUZZ_CHECK(len == e->size, "read %llu of %u", (unsigned long long)len, e->size);
    else
        FUZZ_CHECK(err.msg[0] && fuzz_terminated(err.msg, sizeof(err.msg)), "message");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    struct visit v = { 0, 0 };
    struct pvh_fat_node root, n;
    struct pvh_error err;
    struct fuzz_disk d;

    fuzz_disk_from_input(&d, &in);
    if (pvh_fat_mount(&fs, &d.dev, 0, d.dev.sectors, &err) == PVH_OK) {
        FUZZ_CHECK(fs.type == 12 || fs.type == 16 || fs.type == 32, "type %u", fs.type);
        FUZZ_CHECK((uint64_t)fs.data_lba + (uint64_t)fs.clusters * fs.spc <= d.dev.sectors,
                   "data area past the disk");
        pvh_fat_root(&fs, &root);
        (void)pvh_fat_list(&fs, &root, visit, &v, &err);
        (void)pvh_fat_lookup(&fs, "/loader/entries/a.conf", &n, &err);
        (void)pvh_fat_lookup(&fs, "/EFI/Linux", &n, &err);
    }
    FUZZ_CHECK(d.refused == 0, "%u reads past the end", d.refused);
    fuzz_disk_free(&d);
    return 0;
}
