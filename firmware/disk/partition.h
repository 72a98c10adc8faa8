/*
 * The partitions of a disk, as the boot entry chooser needs them: where
 * each one lies and whether it is an EFI System Partition or an Extended
 * Boot Loader Partition (XBOOTLDR). Read by pvh_partitions_read from a
 * GPT (firmware/disk/gpt.c, the backup table when the primary is bad) or
 * an MBR (firmware/disk/mbr.c, primary entries and a bounded chain of
 * logical ones).
 *
 * Every number on the disk is checked against the disk's size before it
 * is used; a table that does not fit gives PVH_EINVAL or PVH_ERANGE with
 * a one-line message in err.
 */
#ifndef PVHBOOT_FIRMWARE_DISK_PARTITION_H
#define PVHBOOT_FIRMWARE_DISK_PARTITION_H

#include <stdbool.h>
#include <stdint.h>

#include "common/output/error.h"
#include "firmware/disk/block.h"

enum pvh_part_kind {
    PVH_PART_OTHER = 0,
    PVH_PART_ESP = 1,      /* GPT C12A7328-F81F-11D2-BA4B-00A0C93EC93B, MBR type 0xef */
    PVH_PART_XBOOTLDR = 2, /* GPT BC13C2FF-59E6-4262-A352-B275FD6F7172, MBR type 0xea */
};

enum pvh_part_scheme {
    PVH_SCHEME_NONE = 0,
    PVH_SCHEME_MBR = 1,
    PVH_SCHEME_GPT = 2,
};

/* The partitions kept: more than this many in use are counted, not kept
 * (the ESP and XBOOTLDR are always kept, wherever they are). */
#define PVH_PART_MAX 16
/* The logical partitions of an MBR's extended chain followed at most. */
#define PVH_MBR_LOGICAL_MAX 64
/* GPT: the entry array read at most (the specification's minimum is
 * 16 KiB; 1 MiB is 8192 entries of 128 bytes). */
#define PVH_GPT_ARRAY_MAX 0x100000u

struct pvh_partition {
    uint64_t first_lba;  /* 512-byte sectors from the disk's start */
    uint64_t sectors;
    uint32_t number;     /* 1-based, as Linux numbers them (sda1, ...) */
    uint8_t kind;        /* enum pvh_part_kind */
    uint8_t mbr_type;    /* MBR: the type byte; GPT: 0 */
};

struct pvh_part_table {
    uint8_t scheme;      /* enum pvh_part_scheme */
    unsigned nr;         /* partitions kept in part[] */
    unsigned nr_in_use;  /* partitions on the disk (nr when not more than PVH_PART_MAX) */
    struct pvh_partition part[PVH_PART_MAX];
    /* Non-empty when the table was read with a recoverable fault: "primary
     * GPT header at LBA 1: header CRC32 0x..., expected 0x...; using the
     * backup at LBA 2047". The caller prints it. */
    char note[192];
};

/* Read the partition table of dev. sector is the caller's 512-byte buffer.
 * PVH_ENOENT when the disk has none (no 0x55aa signature in sector 0). */
int pvh_partitions_read(const struct pvh_block_dev *dev, uint8_t *sector,
                        struct pvh_part_table *out, struct pvh_error *err);

/* The halves, for the tests and for pvh_partitions_read. */
int pvh_gpt_read(const struct pvh_block_dev *dev, uint8_t *sector, struct pvh_part_table *out,
                 struct pvh_error *err);
int pvh_mbr_read(const struct pvh_block_dev *dev, uint8_t *sector, struct pvh_part_table *out,
                 struct pvh_error *err);

/* Keep p in out (the table's common bookkeeping for both schemes). */
void pvh_part_keep(struct pvh_part_table *out, const struct pvh_partition *p);

const char *pvh_part_kind_name(unsigned kind);

#endif
