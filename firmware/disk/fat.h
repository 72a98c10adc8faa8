/*
 * FAT12, FAT16 and FAT32, read-only (Microsoft's "FAT: General Overview
 * of On-Disk Format"): mount a volume, find a path, list a directory,
 * read a file or a byte range of one into the caller's buffer.
 *
 * What is read and what is refused:
 *  - 512 bytes per sector only (what virtio-blk addresses; a volume made
 *    for 4 KiB sectors is refused with its value);
 *  - the FAT type is the one the cluster count gives, as the
 *    specification says, and the BPB must agree with it (root entries
 *    for FAT12/16, none for FAT32);
 *  - every cluster number is checked against the volume's cluster count,
 *    and a chain may be neither shorter nor longer than the file's size
 *    (a directory's, which has no size, is bounded by the specification's
 *    65,536 entries), so a loop ends with a message;
 *  - long file names are used when their checksum matches their short
 *    entry and their pieces come in order; otherwise the 8.3 name is.
 *    Names are given as UTF-8; matching folds ASCII case only.
 *
 * The volume state holds two sector buffers (1 KiB): no other memory.
 */
#ifndef PVHBOOT_FIRMWARE_DISK_FAT_H
#define PVHBOOT_FIRMWARE_DISK_FAT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/output/error.h"
#include "firmware/disk/block.h"

/* A long name is at most 255 UTF-16 units: 765 bytes of UTF-8. */
#define PVH_FAT_NAME_MAX 768
/* The specification's bound on a directory's entries. */
#define PVH_FAT_DIR_ENTRIES_MAX 65536u

struct pvh_fat {
    const struct pvh_block_dev *dev;
    uint64_t lba;           /* the volume's first sector on dev */
    uint32_t type;          /* 12, 16 or 32 */
    uint32_t spc;           /* sectors per cluster */
    uint32_t cluster_bytes;
    uint32_t fat_lba;       /* the first FAT, from the volume's start */
    uint32_t root_lba;      /* FAT12/16: the fixed root directory */
    uint32_t root_sectors;
    uint32_t root_cluster;  /* FAT32 */
    uint32_t data_lba;
    uint32_t clusters;      /* data clusters: numbers 2 .. clusters + 1 */
    uint64_t fat_cached;    /* the sector fat_buf holds, or UINT64_MAX */
    uint32_t checked_cluster, checked_size; /* the chain last checked whole (fat.c) */
    uint8_t fat_buf[PVH_SECTOR_SIZE];
    uint8_t buf[PVH_SECTOR_SIZE];
};

struct pvh_fat_node {
    uint32_t cluster;       /* first cluster; 0 for an empty file and the FAT12/16 root */
    uint32_t size;          /* bytes; 0 for a directory */
    bool is_dir;
    bool is_root;
    char name[PVH_FAT_NAME_MAX]; /* the long name if there is one, else the 8.3 one */
    char short_name[13];         /* "NAME.EXT" as stored (lower case when flagged so) */
};

/* Mount the FAT volume of sectors sectors at lba on dev. */
int pvh_fat_mount(struct pvh_fat *fs, const struct pvh_block_dev *dev, uint64_t lba,
                  uint64_t sectors, struct pvh_error *err);

/* The root directory as a node. */
void pvh_fat_root(const struct pvh_fat *fs, struct pvh_fat_node *out);

/* Find path ("/loader/entries/a.conf"; '/' separated, case-insensitive;
 * the long or the short name of each part). PVH_ENOENT when absent. */
int pvh_fat_lookup(struct pvh_fat *fs, const char *path, struct pvh_fat_node *out,
                   struct pvh_error *err);

/* Call fn for each entry of dir ("." and "..", volume labels and deleted
 * entries left out), in the directory's order. fn returns 0 to go on;
 * anything else stops the walk and is returned. */
typedef int (*pvh_fat_list_fn)(void *ctx, const struct pvh_fat_node *entry);
int pvh_fat_list(struct pvh_fat *fs, const struct pvh_fat_node *dir, pvh_fat_list_fn fn,
                 void *ctx, struct pvh_error *err);

/* Read the whole of file into buf of cap bytes; its length in *len.
 * PVH_E2BIG (with both sizes in the message) when cap is too small. The
 * whole chain is checked, its end included. */
int pvh_fat_read_file(struct pvh_fat *fs, const struct pvh_fat_node *file, void *buf,
                      uint64_t cap, uint64_t *len, struct pvh_error *err);

/* Read bytes [off, off + len) of file into out; the range must lie in the
 * file. The whole chain is checked, as for pvh_fat_read_file: a loop
 * anywhere in it is refused, not read through. */
int pvh_fat_read_at(struct pvh_fat *fs, const struct pvh_fat_node *file, uint64_t off,
                    void *out, uint64_t len, struct pvh_error *err);

/* Shared by fat.c and fat_dir.c. The cluster after c in its chain: 1 and
 * *next, or 0 at the chain's end; a free, bad or out-of-range entry is an
 * error naming what. */
int pvh_fat_next(struct pvh_fat *fs, uint32_t c, const char *what, uint32_t *next,
                 struct pvh_error *err);
/* Read count sectors at lba into buf (none when count is 0); an error
 * names them. */
int pvh_fat_read_sectors(struct pvh_fat *fs, uint64_t lba, uint32_t count, void *buf,
                         struct pvh_error *err);
/* Is c a data cluster of the volume? */
bool pvh_fat_cluster_ok(const struct pvh_fat *fs, uint32_t c);
/* Is node's first cluster a data cluster of the volume? An error names
 * the node. */
int pvh_fat_first_cluster(const struct pvh_fat *fs, const struct pvh_fat_node *node,
                          struct pvh_error *err);
/* The absolute LBA of data cluster c's first sector (c checked). */
uint64_t pvh_fat_cluster_lba(const struct pvh_fat *fs, uint32_t c);

#endif
