/*
 * The boot entries of a disk, and the one to boot: the partitions, then
 * the ESP's and the XBOOTLDR partition's FAT file systems, then their
 * type #1 entries (/loader/entries/<id>.conf) and type #2 entries
 * (/EFI/Linux/<id>.efi), ordered as the Boot Loader Specification says,
 * then the entry pvhboot.entry= names, else the first one loader.conf's
 * "default" pattern matches, else the first in order. The result names
 * the files (or the byte ranges of a UKI) to load, and the command line.
 *
 * Memory: all in struct pvh_disk_work, which the caller provides (42 KiB
 * on x86_64; the firmware has no heap). Console lines: docs/disk.md.
 */
#ifndef PVHBOOT_FIRMWARE_DISK_ENTRIES_H
#define PVHBOOT_FIRMWARE_DISK_ENTRIES_H

#include <stdbool.h>
#include <stdint.h>

#include "common/output/error.h"
#include "firmware/disk/block.h"
#include "firmware/disk/bls.h"
#include "firmware/disk/fat.h"
#include "firmware/disk/partition.h"

/* Entries kept: the first this many in the specification's order (more
 * are counted, and a line says how many were left out). */
#define PVH_DISK_ENTRIES_MAX 64
/* An entry's id: its file name without .conf or .efi. */
#define PVH_DISK_ID_MAX 128

enum pvh_disk_fs { PVH_DISK_ESP = 0, PVH_DISK_XBOOTLDR = 1, PVH_DISK_NR_FS = 2 };

struct pvh_disk_entry {
    char id[PVH_DISK_ID_MAX];
    char title[PVH_BLS_TEXT_MAX];
    char version[PVH_BLS_TEXT_MAX];
    char machine_id[PVH_BLS_TEXT_MAX];
    char sort_key[PVH_BLS_TEXT_MAX];
    uint8_t type;   /* 1: a .conf entry; 2: a UKI */
    uint8_t fs;     /* enum pvh_disk_fs */
};

/* A file to load, or a byte range of one (a UKI's section). */
struct pvh_disk_file {
    uint8_t fs;                    /* enum pvh_disk_fs */
    char path[PVH_BLS_PATH_MAX];
    uint64_t offset, size;
};

struct pvh_disk_boot {
    char id[PVH_DISK_ID_MAX];
    char title[PVH_BLS_TEXT_MAX];
    uint8_t type;
    struct pvh_disk_file kernel;
    struct pvh_disk_file initrd[PVH_BLS_INITRD_MAX];
    unsigned nr_initrd;
    struct pvh_disk_file devicetree;
    bool has_devicetree;
    char cmdline[PVH_BLS_OPTIONS_MAX];
};

struct pvh_disk_work {
    const struct pvh_block_dev *dev;
    uint8_t sector[PVH_SECTOR_SIZE];
    struct pvh_part_table parts;
    struct pvh_fat fs[PVH_DISK_NR_FS];
    bool mounted[PVH_DISK_NR_FS];
    struct pvh_disk_entry entries[PVH_DISK_ENTRIES_MAX];
    unsigned nr_entries;                   /* kept */
    unsigned nr_seen;                      /* bootable entries found */
    char default_pattern[PVH_DISK_ID_MAX];
    char file[PVH_BLS_FILE_MAX + 1];       /* an entry, loader.conf, .osrel, a UKI's head */
    struct pvh_bls_entry bls;
    struct pvh_fat_node node;
};

/* Find the disk's entries (prints "pvhboot: disk: ..." lines). */
int pvh_disk_scan(const struct pvh_block_dev *dev, struct pvh_disk_work *w,
                  struct pvh_error *err);

/* Choose the entry and describe what to load (prints "pvhboot: boot: ..."
 * lines). want: pvhboot.entry's value (an id, the file name, or a title),
 * or NULL. vmm_cmdline: the VMM's command line with pvhboot's options
 * removed ("" when none): appended to a type #1 entry's options; for a
 * UKI, used only when the UKI has no .cmdline (docs/disk.md). */
int pvh_disk_select(struct pvh_disk_work *w, const char *want, const char *vmm_cmdline,
                    struct pvh_disk_boot *out, struct pvh_error *err);

/* Read f (all of f->size bytes) into buf. */
int pvh_disk_read(struct pvh_disk_work *w, const struct pvh_disk_file *f, void *buf,
                  struct pvh_error *err);

/* For entries.c and entries_select.c: the order (< 0: a boots before b),
 * and a kept entry's place among the kept ones. */
int pvh_disk_entry_cmp(const struct pvh_disk_entry *a, const struct pvh_disk_entry *b);
void pvh_disk_entry_keep(struct pvh_disk_work *w, const struct pvh_disk_entry *e);
const char *pvh_disk_fs_name(unsigned fs);
/* For entries_select.c: the kept entry e's files and command line into
 * out (out->id set), its file read and checked again as the scan did;
 * a fault is "entry <id>: <why>". */
int pvh_disk_entry_describe(struct pvh_disk_work *w, const struct pvh_disk_entry *e,
                            const char *vmm, struct pvh_disk_boot *out, struct pvh_error *err);

#endif
